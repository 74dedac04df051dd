//! PDF editions (#19): each brief typeset with Typst, in process, from the model and its
//! Markdown events (`markup.rs`), laid out by the theme's `pdf/brief.typ`, in the fixed
//! `World` of `world.rs`. Tagged PDF/UA-1 with the brief's title, authors and language; the
//! identifier comes from the brief's path and the timestamp from its date, so two builds give
//! the same bytes.

mod cache;
mod markup;
mod world;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use typst::WorldExt;
use typst::diag::{Severity, SourceDiagnostic};
use typst::foundations::{Array, Datetime, Dict, Smart, Str, Value};
use typst::syntax::DiagSpanKind;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::confine;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::model::{Brief, Site};

pub use cache::{Cache, MANIFEST};

pub use markup::string as typst_string;

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

/// The layout every PDF of a build shares, read once.
#[derive(Clone, Hash)]
pub struct Layout {
    text: Arc<str>,
    /// Its path as a reader finds it (`themes/default/pdf/brief.typ`).
    shown: String,
}

impl Layout {
    pub fn read(site: &Site, root: &Path, diags: &mut Diagnostics) -> Option<Layout> {
        let (text, shown) = layout(root, &site.config.theme_dir(root), diags)?;
        Some(Layout { text, shown })
    }
}

/// Everything one PDF is typeset from, declared once: the `World` is built from its
/// [`Declared`] part and its fingerprint is that part's hash, so a PDF is typeset again exactly
/// when something it reads changed (plus the files Typst reads while typesetting, which
/// [`Typeset::reads`] records).
pub struct Job {
    /// Output path, `hedges/china/china.pdf`.
    pub path: String,
    /// The brief's file as a reader names it, for errors.
    display: PathBuf,
    /// What converting the body warned about (shortcodes and HTML a PDF shows as text).
    warnings: Vec<String>,
    declared: Declared,
    fingerprint: u64,
}

#[derive(Hash)]
struct Declared {
    inputs: Dict,
    main: String,
    layout: Layout,
    /// The brief's folder under content/, where its images are.
    folder: PathBuf,
    ident: String,
    date: (i32, u8, u8),
    /// Whether the PDF claims PDF/UA-1: only when every character can be drawn, since a
    /// character no font has makes Typst refuse the claim.
    ua: bool,
}

impl Job {
    fn new(path: String, display: PathBuf, warnings: Vec<String>, declared: Declared) -> Job {
        let fingerprint = crate::hashing::hash_of(&declared);
        Job {
            path,
            display,
            warnings,
            declared,
            fingerprint,
        }
    }

    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// The conversion's warnings, at the brief's file: the same whether or not the PDF is
    /// typeset (so `serve`, which typesets on request, reports what `build` does).
    pub fn warnings(&self) -> impl Iterator<Item = Diagnostic> + '_ {
        self.warnings
            .iter()
            .map(|w| Diagnostic::warning(w.clone()).in_file(&self.display))
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
    site.briefs
        .iter()
        .filter(|b| b.has_pdf(&site.config))
        .collect::<Vec<_>>()
        .par_iter()
        .map(|b| job(site, b, root, layout))
        .collect()
}

/// The job of one brief's PDF.
pub fn job(site: &Site, b: &Brief, root: &Path, layout: &Layout) -> Job {
    let m = b.meta();
    let body_text = &b.doc.text[b.doc.body_start..];
    let mut cx = markup::Context {
        site,
        sources: &m.sources,
        skipped: Vec::new(),
    };
    let body = markup::body(body_text, &mut cx);
    let main = format!(
        "#import {}: brief, callout\n#show: brief\n{body}\n",
        markup::quoted(world::LAYOUT)
    );
    let date = &m.updated.as_ref().unwrap_or(&m.date).0;
    let folder = match b.doc.rel.rsplit_once('/') {
        Some((dir, _)) => root.join("content").join(dir),
        None => root.join("content"),
    };
    let warnings: Vec<String> = cx
        .skipped
        .iter()
        .map(|name| {
            format!(
                "the PDF of this brief leaves out the shortcode `{name}`: PDFs cannot show it yet"
            )
        })
        .collect();
    let mut warnings = warnings;
    let mut missing = std::collections::BTreeSet::new();
    let inputs = inputs(site, b);
    undrawable(&main, &mut missing);
    for (_, v) in inputs.iter() {
        undrawable_value(v, &mut missing);
    }
    if !missing.is_empty() {
        let shown: String = missing
            .iter()
            .take(12)
            .collect::<Vec<_>>()
            .iter()
            .map(|c| format!("{c} "))
            .collect();
        let more = if missing.len() > 12 { "…" } else { "" };
        warnings.push(format!(
            "the PDF of this brief is not PDF/UA-1 (accessible): no font briefing embeds can draw {}{more}, which show as boxes",
            shown.trim_end()
        ));
    }
    Job::new(
        b.pdf_path().trim_start_matches('/').to_string(),
        b.doc.display.clone(),
        warnings,
        Declared {
            inputs,
            ua: missing.is_empty(),
            main,
            layout: layout.clone(),
            folder,
            ident: format!("briefing:{}", b.path),
            date: (date.year, date.month.unwrap_or(1), date.day.unwrap_or(1)),
        },
    )
}

/// The briefs of `site` too long for a PDF edition, as warnings.
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
    let world = world::BriefWorld::new(
        declared.inputs.clone(),
        declared.main.clone(),
        layout.clone(),
        declared.folder.clone(),
        confined,
        today,
    )
    .ok_or_else(|| {
        vec![Diagnostic::error(
            "internal: a fixed Typst path was refused",
        )]
    })?;
    let layout_id = world::file_id(world::LAYOUT);
    let fail = |errors: &[SourceDiagnostic], what: &str| -> Vec<Diagnostic> {
        errors
            .iter()
            .filter(|e| e.severity == Severity::Error)
            .map(|e| {
                let message = format!("the PDF of this brief could not be {what}: {}", e.message);
                let in_layout = match e.span.get() {
                    DiagSpanKind::Number { id, .. } | DiagSpanKind::Range { id, .. } => {
                        Some(id) == layout_id
                    }
                    DiagSpanKind::Detached => false,
                };
                let mut d = Diagnostic::error(message);
                d = match world.range(e.span).filter(|_| in_layout) {
                    // A mistake in the layout is the theme's: point at its line and column.
                    Some(range) => d
                        .in_file(layout_shown)
                        .at(layout, range)
                        .with_hint(format!("fix {layout_shown}, the PDF layout")),
                    None => d.in_file(&job.display).with_hint(
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
    let options = PdfOptions {
        ident: Smart::Custom(declared.ident.clone()),
        timestamp: Some(Timestamp::new_utc(today)),
        standards: PdfStandards::new(if declared.ua {
            &[PdfStandard::Ua_1]
        } else {
            &[]
        })
        .map_err(|e| {
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

/// Empties Typst's caches (they grow with every document typeset), also after a failure, so a
/// long `serve` does not grow.
pub fn evict() {
    comemo::evict(0);
}

fn s(v: &str) -> Value {
    Value::Str(Str::from(v))
}

/// What the layout reads through `sys.inputs`: values, never markup, so titles and names
/// need no escaping.
fn inputs(site: &Site, b: &Brief) -> Dict {
    let m = b.meta();
    let strings = &site.config.strings;
    let names = crate::date::MonthNames::read(|k| strings.lookup(k));
    let format = strings.get("date_format");
    let authors = m.authors.as_ref().unwrap_or(&site.config.authors);
    let mut d = Dict::new();
    d.insert("title".into(), s(&m.title));
    d.insert(
        "authors".into(),
        Value::Array(authors.iter().map(|a| s(a)).collect::<Array>()),
    );
    d.insert(
        "organization".into(),
        site.config
            .organization
            .as_deref()
            .map(s)
            .unwrap_or(Value::None),
    );
    d.insert("site".into(), s(&site.config.title));
    d.insert(
        "lang".into(),
        s(site.config.language.split('-').next().unwrap_or("en")),
    );
    d.insert("date".into(), s(&m.date.0.format_in(format, &names)));
    d.insert(
        "updated".into(),
        m.updated
            .as_ref()
            .map(|u| s(&u.0.format_in(format, &names)))
            .unwrap_or(Value::None),
    );
    d.insert("url".into(), s(&site.url(&b.path)));
    d.insert(
        "bottom_line".into(),
        m.bottom_line.as_deref().map(s).unwrap_or(Value::None),
    );
    let judgments: Array = m
        .key_judgments
        .iter()
        .map(|k| {
            let mut j = Dict::new();
            j.insert("text".into(), s(&k.text));
            let key = format!("estimative.{}", k.confidence.level());
            j.insert(
                "confidence".into(),
                s(strings.lookup(&key).unwrap_or(k.confidence.word())),
            );
            j.insert("band".into(), s(&k.confidence.band()));
            Value::Dict(j)
        })
        .collect();
    d.insert("key_judgments".into(), Value::Array(judgments));
    let sources: Array = m
        .sources
        .iter()
        .map(|src| {
            let mut j = Dict::new();
            j.insert("title".into(), s(&src.title));
            j.insert("publisher".into(), s(&src.publisher));
            j.insert(
                "url".into(),
                src.url.as_deref().map(s).unwrap_or(Value::None),
            );
            j.insert(
                "date".into(),
                src.date
                    .as_ref()
                    .map(|d| s(&d.iso()))
                    .unwrap_or(Value::None),
            );
            Value::Dict(j)
        })
        .collect();
    d.insert("sources".into(), Value::Array(sources));
    let mut labels = Dict::new();
    for key in [
        "bottom_line",
        "key_judgments",
        "likelihood",
        "published",
        "updated",
        "author",
        "authors",
        "sources",
        "page_of",
    ] {
        labels.insert(key.into(), s(strings.get(key)));
    }
    d.insert("t".into(), Value::Dict(labels));
    d
}
