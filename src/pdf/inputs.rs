//! What a PDF is made from (`sys.inputs`): values, never markup, so titles and names need no
//! escaping.

use typst::foundations::{Array, Dict, Str, Value};

use crate::model::{Brief, Site};

fn s(v: &str) -> Value {
    Value::Str(Str::from(v))
}

/// What the layout reads through `sys.inputs`: values, never markup, so titles and names
/// need no escaping.
pub(super) fn inputs(site: &Site, b: &Brief) -> Dict {
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
