//! PDF editions (#19): each brief typeset with Typst, in process, from the model and its
//! Markdown events (`markup.rs`), laid out by the theme's `pdf/brief.typ`, in the fixed
//! `World` of `world.rs`. Tagged PDF/UA-1 with the brief's title, authors and language; the
//! identifier comes from the brief's path and the timestamp from its date, so two builds give
//! the same bytes.

mod markup;
mod workers;
mod world;

use std::path::Path;
use std::sync::Arc;

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

/// How many briefs' worth of evictions a memoized result survives unused.
const KEEP_UNUSED: usize = 8;

/// Every brief's PDF in `site`, by output path (`hedges/china/china.pdf`), built in parallel.
/// Typst's caches are emptied afterwards, also when a brief failed, so a long `serve` does
/// not grow.
pub fn briefs(site: &Site, root: &Path, diags: &mut Diagnostics) -> Vec<(String, Vec<u8>)> {
    let theme_dir = site.config.theme_dir(root);
    let Some((layout, shown)) = layout(root, &theme_dir, diags) else {
        return Vec::new();
    };
    let confined = confine::Root::new(root);
    type Made = Result<(String, Vec<u8>, Vec<Diagnostic>), Vec<Diagnostic>>;
    let list: Vec<&Brief> = site.briefs.iter().collect();
    let results: Vec<Made> = workers::map(&list, rayon::current_num_threads(), |b| {
        let made = brief(site, b, root, &confined, &layout, &shown);
        // Typst memoizes every layout it does; kept until the end they grew by about 3.5 MB
        // a brief (735 MB for 200 briefs). What the last few briefs did not use again (their
        // own paragraphs) goes; what every brief uses stays warm.
        comemo::evict(KEEP_UNUSED);
        let (bytes, warnings) = made?;
        Ok((
            b.pdf_path().trim_start_matches('/').to_string(),
            bytes,
            warnings,
        ))
    });
    comemo::evict(0);
    let mut out = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok((path, bytes, warnings)) => {
                diags.extend(warnings);
                out.push((path, bytes));
            }
            Err(ds) => diags.extend(ds),
        }
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
) -> Result<(Vec<u8>, Vec<Diagnostic>), Vec<Diagnostic>> {
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
    let folder = match b.doc.rel.rsplit_once('/') {
        Some((dir, _)) => root.join("content").join(dir),
        None => root.join("content"),
    };
    let inputs = inputs(site, b);
    let world = world::BriefWorld::new(inputs, main, layout.clone(), folder, confined, today)
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
                    None => d.in_file(&b.doc.display).with_hint(
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
    let warnings = cx
        .skipped
        .iter()
        .map(|name| {
            Diagnostic::warning(format!(
                "the PDF of this brief leaves out the shortcode `{name}`: PDFs cannot show it yet"
            ))
            .in_file(&b.doc.display)
        })
        .collect();
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
