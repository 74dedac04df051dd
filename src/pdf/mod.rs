//! PDF editions (#19): each brief typeset with Typst, in process, from the model and its
//! Markdown events (`markup.rs`), laid out by the theme's `pdf/brief.typ`, in the fixed
//! `World` of `world.rs`. A PDF is its [`Job`]: everything it is typeset from, declared once
//! and hashed, so [`Cache`] typesets it again exactly when that changed. Tagged PDF/UA-1 with
//! the brief's title, authors and language; the identifier comes from the brief's path and the
//! timestamp from its date, so two builds give the same bytes.

mod cache;
mod inputs;
mod markup;
mod shortcodes;
mod workers;
mod world;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use typst::WorldExt;
use typst::diag::{Severity, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Dict, Smart, Value};
use typst::syntax::DiagSpanKind;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::confine;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::model::{Brief, Site};

pub use cache::{Cache, MANIFEST};

pub use markup::string as typst_string;
pub use shortcodes::{Modules, bundles};

/// The theme's layout file, relative to the theme (or site) folder.
pub const LAYOUT_FILE: &str = "pdf/brief.typ";

/// The layout, from the site's `pdf/brief.typ` if it has one, else the theme's.
fn layout(root: &Path, theme_dir: &Path, diags: &mut Diagnostics) -> Option<(Arc<str>, String)> {
    let confined = confine::Root::new(root);
    for dir in [root, theme_dir] {
        let path = dir.join(LAYOUT_FILE);
        if !path.is_file() {
            continue;
        }
        let shown = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        match confined.resolve(&path).and_then(|real| {
            std::fs::read_to_string(&real)
                .map_err(|e| Diagnostic::error(format!("cannot read {shown}: {e}")).in_file(&path))
        }) {
            Ok(text) => return Some((text.into(), shown)),
            Err(d) => {
                diags.push(d);
                return None;
            }
        }
    }
    diags.push(
        Diagnostic::error(format!("the theme has no {LAYOUT_FILE}, the layout of the PDFs"))
            .with_hint("put a pdf/brief.typ in the theme or the site, or set `pdf = \"none\"` in briefing.toml"),
    );
    None
}

/// The layout every PDF of a build shares, read once, with the site's and theme's `.typ`
/// shortcodes.
#[derive(Clone)]
pub struct Layout {
    text: Arc<str>,
    /// Its path as a reader finds it (`themes/default/pdf/brief.typ`).
    shown: String,
    modules: Arc<Modules>,
}

/// A job hashes the modules it uses, not all of them.
impl std::hash::Hash for Layout {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.text.hash(state);
        self.shown.hash(state);
    }
}

impl Layout {
    pub fn read(site: &Site, root: &Path, diags: &mut Diagnostics) -> Option<Layout> {
        let theme_dir = site.config.theme_dir(root);
        let (text, shown) = layout(root, &theme_dir, diags)?;
        let modules = Arc::new(Modules::load(root, &theme_dir, diags));
        Some(Layout {
            text,
            shown,
            modules,
        })
    }
}

/// Everything one PDF is typeset from, declared once: the `World` is built from its
/// [`Declared`] part and its fingerprint is that part's hash, so a PDF is typeset again exactly
/// when something it reads changed (plus the bytes of the files Typst reads while
/// typesetting, which [`Typeset::reads`] records).
pub struct Job {
    /// Output path, `hedges/china/china.pdf`.
    pub path: String,
    /// The brief's file as a reader names it, for errors.
    display: PathBuf,
    /// What converting the body warned about (shortcodes and HTML a PDF shows as text).
    warnings: Vec<Diagnostic>,
    /// Why it cannot be typeset (an image that is not there), found before typesetting.
    errors: Vec<Diagnostic>,
    declared: Declared,
    fingerprint: u64,
}

struct Declared {
    /// The site root: the paths below are hashed relative to it, so the same site built in
    /// another folder gives the same fingerprints (and manifest).
    root: PathBuf,
    inputs: Dict,
    main: String,
    layout: Layout,
    /// The `.typ` shortcodes the body calls: virtual path, text, path as shown.
    modules: Vec<(String, Arc<str>, String)>,
    /// Where each `import` line of `main` is, and the shortcode it imports (errors there are
    /// the module's).
    imports: Vec<(std::ops::Range<usize>, String)>,
    /// The images the body names: virtual path, real path (already confined).
    images: Vec<(String, PathBuf)>,
    /// The image files it names that Typst cannot read, with their hashes: fixing one
    /// changes the job.
    unreadable: Vec<(PathBuf, Option<u64>)>,
    /// The brief's folder under content/.
    folder: PathBuf,
    ident: String,
    date: (i32, u8, u8),
    /// Whether the PDF claims PDF/UA-1: only when every character can be drawn, since a
    /// character no font has makes Typst refuse the claim.
    ua: bool,
}

impl std::hash::Hash for Declared {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        let rel = |p: &Path| p.strip_prefix(&self.root).unwrap_or(p).to_path_buf();
        self.inputs.hash(h);
        self.main.hash(h);
        self.layout.hash(h);
        self.modules.hash(h);
        self.imports.hash(h);
        for (v, real) in &self.images {
            (v, rel(real)).hash(h);
        }
        for (p, hash) in &self.unreadable {
            (rel(p), hash).hash(h);
        }
        rel(&self.folder).hash(h);
        (&self.ident, self.date, self.ua).hash(h);
    }
}

impl Job {
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// The conversion's warnings, at the brief's file and line: the same whether or not the
    /// PDF is typeset (so `serve` and `check`, which do not typeset every PDF, report what
    /// `build` does).
    pub fn warnings(&self) -> impl Iterator<Item = Diagnostic> + '_ {
        self.warnings.iter().cloned()
    }
}

/// A typeset PDF and the files Typst read for it, each with its hash (`None`: not there), so a
/// cached PDF is reused only while they are unchanged.
pub struct Typeset {
    pub bytes: Arc<Vec<u8>>,
    pub reads: Vec<(PathBuf, Option<u64>)>,
}

/// The job of every brief's PDF in `site`, in parallel (converting a body is most of the
/// cost). The paths are those of [`Brief::pdf_path`].
pub fn jobs(site: &Site, root: &Path, layout: &Layout) -> Vec<Job> {
    let confined = confine::Root::new(root);
    let bundles = shortcodes::bundles(site, root);
    site.briefs
        .iter()
        .filter(|b| b.has_pdf(&site.config))
        .collect::<Vec<_>>()
        .par_iter()
        .map(|b| job(site, b, root, &confined, &bundles, layout))
        .collect()
}

/// The job of one brief's PDF.
pub fn job(
    site: &Site,
    b: &Brief,
    root: &Path,
    confined: &confine::Root,
    bundles: &[(String, PathBuf)],
    layout: &Layout,
) -> Job {
    let m = b.meta();
    let body_text = &b.doc.text[b.doc.body_start..];
    let folder = match b.doc.rel.rsplit_once('/') {
        Some((dir, _)) => root.join("content").join(dir),
        None => root.join("content"),
    };
    let files = shortcodes::Files {
        root,
        confined,
        folder: b.bundle_dir.as_ref().map(|d| root.join("content").join(d)),
        page: &b.path,
        theme_dir: site.config.theme_dir(root),
        base_path: base_path(&site.config.base_url),
        bundles,
    };
    let modules = &layout.modules;
    let mut cx = markup::Context::new(site, &m.sources, modules, Some(files));
    let body = markup::body(body_text, &mut cx);
    let mut warnings = warnings(b, &cx);
    // A missing image shows as its alt text: the page's link check already warns about it
    // at its line (an error in `check`), and a PDF is no reason to stop the build.
    let errors = Vec::new();
    // One line each, so an error on an import line names its module.
    let mut main = String::new();
    let mut imports = Vec::new();
    let mut used = Vec::new();
    for (i, name) in cx.used.iter().enumerate() {
        let from = main.len();
        main.push_str(&format!(
            "#import {}: shortcode as briefing-sc-{i}\n",
            markup::quoted(&Modules::path(name))
        ));
        imports.push((from..main.len(), name.clone()));
        if let Some(module) = modules.0.get(name) {
            used.push((
                Modules::path(name),
                module.text.clone(),
                module.shown.clone(),
            ));
        }
    }
    main.push_str(&format!(
        "#import {}: brief, callout, chart\n#show: brief\n{body}\n",
        markup::quoted(world::LAYOUT)
    ));
    let date = &m.updated.as_ref().unwrap_or(&m.date).0;
    let inputs = inputs::inputs(site, b);
    let mut missing = std::collections::BTreeSet::new();
    undrawable(&main, &mut missing);
    for (_, v) in inputs.iter() {
        undrawable_value(v, &mut missing);
    }
    if !missing.is_empty() {
        let mut shown: Vec<String> = missing.iter().take(12).map(|c| c.to_string()).collect();
        if missing.len() > 12 {
            shown.push("…".into());
        }
        warnings.push(
            Diagnostic::warning(format!(
                "the PDF of this brief is not PDF/UA-1 (accessible): no font briefing embeds can draw {}, which show as boxes",
                shown.join(" ")
            ))
            .in_file(&b.doc.display),
        );
    }
    let declared = Declared {
        root: root.to_path_buf(),
        inputs,
        main,
        layout: layout.clone(),
        modules: used,
        imports,
        images: cx.images.clone(),
        unreadable: cx
            .unreadable
            .iter()
            .map(|p| {
                (
                    p.clone(),
                    std::fs::read(p).ok().map(|b| crate::hashing::hash_of(&b)),
                )
            })
            .collect(),
        folder,
        ident: format!("briefing:{}", b.path),
        date: (date.year, date.month.unwrap_or(1), date.day.unwrap_or(1)),
        ua: missing.is_empty(),
    };
    let fingerprint = crate::hashing::hash_of(&declared);
    Job {
        path: b.pdf_path().trim_start_matches('/').to_string(),
        display: b.doc.display.clone(),
        warnings,
        errors,
        declared,
        fingerprint,
    }
}

/// The warnings of a converted body, at the brief's file and line.
fn warnings(b: &Brief, cx: &markup::Context) -> Vec<Diagnostic> {
    let at = |d: Diagnostic, span: &std::ops::Range<usize>| {
        let start = b.doc.body_start;
        d.in_file(&b.doc.display)
            .at(&b.doc.text, start + span.start..start + span.end)
    };
    let mut out: Vec<Diagnostic> = cx
        .text_only
        .iter()
        .map(|(message, span)| at(Diagnostic::warning(message.clone()), span))
        .collect();
    if let Some((tag, span)) = cx.raw_html.first() {
        let more = match cx.raw_html.len() - 1 {
            0 => String::new(),
            1 => " and one more place".to_string(),
            n => format!(" and {n} more places"),
        };
        out.push(at(
            Diagnostic::warning(format!(
                "the PDF of this brief shows only the text of the raw HTML `{tag}`{more}"
            ))
            .with_hint("write it in Markdown, or as a shortcode with a templates/shortcodes/NAME.typ for PDFs"),
            span,
        ));
    }
    out
}

pub fn too_long(site: &Site) -> impl Iterator<Item = Diagnostic> + '_ {
    site.briefs
        .iter()
        .filter(|b| site.config.pdf == crate::config::PdfMode::All && !b.has_pdf(&site.config))
        .map(|b| {
            Diagnostic::warning(format!(
                "this brief has no PDF edition: its Markdown is longer than the {} KB a PDF edition is made for",
                crate::model::PDF_MAX_BODY / 1024
            ))
            .in_file(&b.doc.display)
            .with_hint("split it into several briefs to give each a PDF")
        })
}

/// The path part of `base_url` without its last slash (`/briefs`), empty at a domain's root.
fn base_path(base_url: &str) -> String {
    base_url
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or("")
        .trim_end_matches('/')
        .to_string()
}

/// The characters of `text` no embedded font can draw.
fn undrawable(text: &str, out: &mut std::collections::BTreeSet<char>) {
    for c in text.chars() {
        if !c.is_ascii() && !world::drawable(c) {
            out.insert(c);
        }
    }
}

fn undrawable_value(v: &Value, out: &mut std::collections::BTreeSet<char>) {
    match v {
        Value::Str(s) => undrawable(s.as_str(), out),
        Value::Array(a) => a.iter().for_each(|v| undrawable_value(v, out)),
        Value::Dict(d) => d.iter().for_each(|(_, v)| undrawable_value(v, out)),
        _ => {}
    }
}

/// Typesets one job. Typst's caches keep what it computed; the caller empties them with
/// [`evict`] once a batch is done.
pub fn typeset(job: &Job, confined: &confine::Root) -> Result<Typeset, Vec<Diagnostic>> {
    if !job.errors.is_empty() {
        return Err(job.errors.clone());
    }
    let declared = &job.declared;
    let (y, mo, d) = declared.date;
    let today = Datetime::from_ymd(y, mo, d).ok_or_else(|| {
        vec![
            Diagnostic::error(format!(
                "the date {y:04}-{mo:02}-{d:02} cannot be written in a PDF"
            ))
            .in_file(&job.display),
        ]
    })?;
    let layout = &declared.layout.text;
    let layout_shown = declared.layout.shown.as_str();
    let refused = || {
        vec![Diagnostic::error(
            "internal: a fixed Typst path was refused",
        )]
    };
    let mut world = world::BriefWorld::new(
        declared.inputs.clone(),
        declared.main.clone(),
        layout.clone(),
        declared.folder.clone(),
        confined,
        today,
    )
    .ok_or_else(refused)?;
    // The Typst files an error can be in besides the brief's own main source.
    let mut known = vec![(
        world::file_id(world::LAYOUT),
        layout_shown.to_string(),
        layout.clone(),
        format!("fix {layout_shown}, the PDF layout"),
    )];
    for (path, text, shown) in &declared.modules {
        let id = world.add_source(path, text).ok_or_else(refused)?;
        let name = path
            .rsplit('/')
            .next()
            .unwrap_or(path)
            .trim_end_matches(".typ");
        known.push((
            Some(id),
            shown.clone(),
            text.clone(),
            format!("fix {shown}, the PDF of the shortcode `{name}`"),
        ));
    }
    for (vpath, real) in &declared.images {
        world.add_file(vpath, real.clone()).ok_or_else(refused)?;
    }
    let main_id = typst::World::main(&world);
    let fail = |errors: &[SourceDiagnostic], what: &str| -> Vec<Diagnostic> {
        errors
            .iter()
            .filter(|e| e.severity == Severity::Error)
            .map(|e| {
                let message = format!("the PDF of this brief could not be {what}: {}", e.message);
                let id = match e.span.get() {
                    DiagSpanKind::Number { id, .. } | DiagSpanKind::Range { id, .. } => Some(id),
                    DiagSpanKind::Detached => None,
                };
                let range = world.range(e.span);
                let mut d = Diagnostic::error(message);
                let file = known.iter().find(|k| k.0.is_some() && k.0 == id);
                // An import line that fails names its module, not the brief.
                let import = range
                    .as_ref()
                    .filter(|_| id == Some(main_id))
                    .and_then(|r| {
                        declared
                            .imports
                            .iter()
                            .find(|(line, _)| line.contains(&r.start))
                    })
                    .and_then(|(_, name)| {
                        let path = Modules::path(name);
                        declared.modules.iter().find(|(p, _, _)| *p == path)
                    });
                d = match (file, range, import) {
                    // A mistake in the layout or a shortcode's module is the theme's or the
                    // site's: point at its line and column.
                    (Some((_, shown, text, hint)), Some(range), _) => {
                        d.in_file(shown).at(text, range).with_hint(hint.clone())
                    }
                    (_, _, Some((_, _, shown))) => d
                        .in_file(shown)
                        .with_hint("a shortcode's .typ defines `#let shortcode(args, body) = ...`"),
                    _ => d.in_file(&job.display).with_hint(
                        "set `pdf = \"none\"` in briefing.toml to build the site without PDFs",
                    ),
                };
                if let Some(h) = e.hints.first() {
                    d = d.with_label(format!("Typst's hint: {}", h.v));
                }
                d
            })
            .collect()
    };
    let warned = typst::compile::<PagedDocument>(&world);
    let doc = warned.output.map_err(|e| fail(&e, "typeset"))?;
    let standards: &[PdfStandard] = if declared.ua {
        &[PdfStandard::Ua_1]
    } else {
        &[]
    };
    let options = PdfOptions {
        ident: Smart::Custom(declared.ident.clone()),
        timestamp: Some(Timestamp::new_utc(today)),
        standards: PdfStandards::new(standards).map_err(|e| {
            vec![Diagnostic::error(format!(
                "PDF/UA-1 is not available: {e:?}"
            ))]
        })?,
        ..PdfOptions::default()
    };
    let bytes = typst_pdf::pdf(&doc, &options).map_err(|e| fail(&e, "written"))?;
    Ok(Typeset {
        bytes: Arc::new(bytes),
        reads: world.into_reads(),
    })
}

/// Whether Typst can decode the image at `path` (decoded as Typst itself does, and memoized by
/// it, so typesetting decodes it no second time).
pub(crate) fn readable(path: &Path) -> bool {
    use typst::visualize::{ImageFormat, RasterImage, SvgImage, VectorFormat};
    let Ok(data) = std::fs::read(path) else {
        return false;
    };
    match ImageFormat::detect(&data) {
        Some(ImageFormat::Raster(format)) => RasterImage::plain(Bytes::new(data), format).is_ok(),
        Some(ImageFormat::Vector(VectorFormat::Svg)) => SvgImage::new(Bytes::new(data)).is_ok(),
        Some(ImageFormat::Vector(_)) => true,
        None => false,
    }
}

/// [`typeset`] on a thread of its own with a main thread's stack (Typst lays out by
/// recursion), for a caller on a small-stacked thread such as the server's.
pub fn typeset_apart(job: &Job, confined: &confine::Root) -> Result<Typeset, Vec<Diagnostic>> {
    workers::map(std::slice::from_ref(&job), 1, |j| {
        let r = typeset(j, confined);
        comemo::evict(8);
        r
    })
    .pop()
    .unwrap_or_else(|| {
        Err(vec![Diagnostic::error(
            "internal: the PDF worker did not start",
        )])
    })
}

/// Empties Typst's caches (they grow with every document typeset), also after a failure, so a
/// long `serve` does not grow.
pub fn evict() {
    comemo::evict(0);
}
