//! PDF editions (#19): each brief typeset with Typst, in process, from the model and its
//! Markdown events (`markup.rs`), laid out by the theme's `pdf/brief.typ`, in the fixed
//! `World` of `world.rs`. Tagged PDF/UA-1 with the brief's title, authors and language; the
//! identifier comes from the brief's path and the timestamp from its date, so two builds give
//! the same bytes.

mod markup;
mod shortcodes;
mod world;

use std::path::Path;
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

pub use markup::string as typst_string;
pub use shortcodes::Modules;

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

/// Every brief's PDF in `site`, by output path (`hedges/china/china.pdf`), built in parallel.
/// Typst's caches are emptied afterwards, also when a brief failed, so a long `serve` does
/// not grow.
pub fn briefs(site: &Site, root: &Path, diags: &mut Diagnostics) -> Vec<(String, Vec<u8>)> {
    let theme_dir = site.config.theme_dir(root);
    let Some((layout, shown)) = layout(root, &theme_dir, diags) else {
        return Vec::new();
    };
    let modules = Modules::load(root, &theme_dir, diags);
    let confined = confine::Root::new(root);
    type Made = Result<(String, Vec<u8>, Vec<Diagnostic>), Vec<Diagnostic>>;
    let results: Vec<Made> = site
        .briefs
        .iter()
        .collect::<Vec<_>>()
        .par_iter()
        .map(|b| {
            let (bytes, warnings) = brief(site, b, root, &confined, &layout, &shown, &modules)?;
            Ok((
                b.pdf_path().trim_start_matches('/').to_string(),
                bytes,
                warnings,
            ))
        })
        .collect();
    comemo::evict(0);
    let mut out = Vec::with_capacity(results.len());
    // A mistake in the layout or a shortcode's .typ fails every brief alike: reported once.
    let mut seen = std::collections::HashSet::new();
    for r in results {
        match r {
            Ok((path, bytes, warnings)) => {
                diags.extend(warnings);
                out.push((path, bytes));
            }
            Err(ds) => {
                for d in ds {
                    if seen.insert(d.render(false)) {
                        diags.push(d);
                    }
                }
            }
        }
    }
    out
}

/// What each brief's PDF would show less of than its page (shortcodes without a `.typ`, raw
/// HTML, web images), as warnings, from the markup conversion alone: `check` reports them
/// without typesetting anything.
pub fn notes(site: &Site, root: &Path, diags: &mut Diagnostics) {
    let modules = Modules::load(root, &site.config.theme_dir(root), diags);
    let found: Vec<Vec<Diagnostic>> = site
        .briefs
        .iter()
        .collect::<Vec<_>>()
        .par_iter()
        .map(|b| {
            let mut cx = markup::Context::new(site, &b.meta().sources, &modules, None);
            markup::body(&b.doc.text[b.doc.body_start..], &mut cx);
            warnings(b, &cx)
        })
        .collect();
    diags.extend(found.into_iter().flatten());
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

/// One brief's PDF bytes.
pub fn brief(
    site: &Site,
    b: &Brief,
    root: &Path,
    confined: &confine::Root,
    layout: &Arc<str>,
    layout_shown: &str,
    modules: &Modules,
) -> Result<(Vec<u8>, Vec<Diagnostic>), Vec<Diagnostic>> {
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
    };
    let mut cx = markup::Context::new(site, &m.sources, modules, Some(files));
    let body = markup::body(body_text, &mut cx);
    let warnings = warnings(b, &cx);
    if !cx.missing.is_empty() {
        let start = b.doc.body_start;
        return Err(cx
            .missing
            .iter()
            .map(|(src, looked, span)| {
                let d = Diagnostic::error(match looked.as_slice() {
                    [] => format!("the image `{src}` of this brief leaves the site"),
                    paths => format!(
                        "the image `{src}` of this brief is not there: looked for {}",
                        paths.join(" and ")
                    ),
                });
                d.in_file(&b.doc.display)
                    .at(&b.doc.text, start + span.start..start + span.end)
                    .with_hint("add the file or fix the path: a folder brief's images sit beside its index.md, a path starting with / is under static/")
            })
            .collect());
    }
    // One line each, so an error on an import line names its module.
    let mut main = String::new();
    let mut imports = Vec::new();
    for (i, name) in cx.used.iter().enumerate() {
        let from = main.len();
        main.push_str(&format!(
            "#import {}: shortcode as briefing-sc-{i}\n",
            markup::quoted(&Modules::path(name))
        ));
        imports.push((from..main.len(), name.as_str()));
    }
    main.push_str(&format!(
        "#import {}: brief, callout, chart\n#show: brief\n{body}\n",
        markup::quoted(world::LAYOUT)
    ));
    let date = &m.updated.as_ref().unwrap_or(&m.date).0;
    let (y, mo, d) = (date.year, date.month.unwrap_or(1), date.day.unwrap_or(1));
    let today = Datetime::from_ymd(y, mo, d).ok_or_else(|| {
        vec![
            Diagnostic::error(format!(
                "the date {} cannot be written in a PDF",
                date.iso()
            ))
            .in_file(&b.doc.display),
        ]
    })?;
    let inputs = inputs(site, b);
    let refused = || {
        vec![Diagnostic::error(
            "internal: a fixed Typst path was refused",
        )]
    };
    let mut world = world::BriefWorld::new(inputs, main, layout.clone(), folder, confined, today)
        .ok_or_else(refused)?;
    // The Typst files an error can be in besides the brief's own main source.
    let mut known = vec![(
        world::file_id(world::LAYOUT),
        layout_shown.to_string(),
        layout.clone(),
        format!("fix {layout_shown}, the PDF layout"),
    )];
    for name in &cx.used {
        let Some(module) = modules.0.get(name) else {
            continue;
        };
        let id = world
            .add_source(&Modules::path(name), &module.text)
            .ok_or_else(refused)?;
        known.push((
            Some(id),
            module.shown.clone(),
            module.text.clone(),
            format!("fix {}, the PDF of the shortcode `{name}`", module.shown),
        ));
    }
    for (vpath, real) in &cx.images {
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
                    .and_then(|r| imports.iter().find(|(line, _)| line.contains(&r.start)))
                    .and_then(|(_, name)| modules.0.get(*name));
                d = match (file, range, import) {
                    // A mistake in the layout or a shortcode's module is the theme's or the
                    // site's: point at its line and column.
                    (Some((_, shown, text, hint)), Some(range), _) => {
                        d.in_file(shown).at(text, range).with_hint(hint.clone())
                    }
                    (_, _, Some(module)) => d
                        .in_file(&module.shown)
                        .with_hint("a shortcode's .typ defines `#let shortcode(args, body) = ...`"),
                    _ => d.in_file(&b.doc.display).with_hint(
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
        ident: Smart::Custom(format!("briefing:{}", b.path)),
        timestamp: Some(Timestamp::new_utc(today)),
        standards: PdfStandards::new(&[PdfStandard::Ua_1]).map_err(|e| {
            vec![Diagnostic::error(format!(
                "PDF/UA-1 is not available: {e:?}"
            ))]
        })?,
        ..PdfOptions::default()
    };
    let bytes = typst_pdf::pdf(&doc, &options).map_err(|e| fail(&e, "written"))?;
    Ok((bytes, warnings))
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
    d.insert("hedge".into(), hedge(site, b));
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
        "hedge_assessment",
        "hedge_kind_sentence",
        "economic_value",
        "security_value",
        "credibility",
        "compare_partners",
    ] {
        labels.insert(key.into(), s(strings.get(key)));
    }
    d.insert("t".into(), Value::Dict(labels));
    d
}

/// The `[hedge]` assessment as the page's hedge-assessment box shows it, in the brief's
/// language: the kind and level words already looked up, or none.
fn hedge(site: &Site, b: &Brief) -> Value {
    let Some(h) = &b.meta().hedge else {
        return Value::None;
    };
    let strings = &site.config.strings;
    fn slug(v: &impl serde::Serialize) -> String {
        serde_json::to_value(v)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
    let level = |a: &crate::content::meta::Assessment| {
        let level = slug(&a.level);
        let mut j = Dict::new();
        j.insert("level".into(), s(&level));
        j.insert("word".into(), s(strings.get(&format!("levels.{level}"))));
        j.insert("rationale".into(), s(&a.rationale));
        Value::Dict(j)
    };
    let kind = slug(&h.kind);
    let mut d = Dict::new();
    d.insert("partner".into(), s(&h.partner));
    d.insert("kind".into(), s(&kind));
    d.insert(
        "kind_word".into(),
        s(strings.get(&format!("hedge_kinds.{kind}"))),
    );
    d.insert("economic".into(), level(&h.economic));
    d.insert("security".into(), level(&h.security));
    d.insert("credibility".into(), level(&h.credibility));
    // The page links the section's hedge matrix; so does the PDF, on the web.
    let section = &site.sections[b.section];
    d.insert(
        "matrix".into(),
        s(&format!("{}#hedge-matrix", site.url(&section.path))),
    );
    Value::Dict(d)
}
