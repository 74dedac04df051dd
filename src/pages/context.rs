//! The values templates see. Views are built from the site model on demand and shared through
//! Tera's reference-counted `Value`s, so the graph is never cloned per page.

use tera::{Map, Value};

use super::documents::Documents;
use crate::content::meta::Confidence;
use crate::markdown::TocEntry;
use crate::model::{BriefId, SectionId, Site, Table, Taxonomy, Term};

/// Builds a map value from pairs; keeps call sites short.
pub fn obj<const N: usize>(pairs: [(&'static str, Value); N]) -> Value {
    let mut m = Map::with_capacity(N);
    for (k, v) in pairs {
        m.insert(k.into(), v);
    }
    Value::from(m)
}

fn opt_str(s: Option<&str>) -> Value {
    s.map(Value::from).unwrap_or_else(Value::none)
}

fn safe(s: &str) -> Value {
    Value::safe_string(s)
}

fn strings(v: &[String]) -> Value {
    Value::from(
        v.iter()
            .map(|s| Value::from(s.as_str()))
            .collect::<Vec<_>>(),
    )
}

pub fn term_ref(site: &Site, tax: &Taxonomy, t: &Term) -> Value {
    obj([
        ("name", Value::from(t.name.as_str())),
        ("slug", Value::from(t.slug.as_str())),
        ("permalink", Value::from(site.url(&tax.term_path(t)))),
        ("count", Value::from(t.briefs.len())),
    ])
}

fn terms_of(site: &Site, b: BriefId, tax_name: &str) -> Value {
    let Some(ti) = site.taxonomies.position(|t| t.name == tax_name) else {
        return Value::from(Vec::<Value>::new());
    };
    let tax = &site.taxonomies[ti];
    Value::from(
        site.briefs[b].terms[ti]
            .iter()
            .map(|&t| term_ref(site, tax, &tax.terms[t]))
            .collect::<Vec<_>>(),
    )
}

pub fn reading_time(words: usize) -> usize {
    words.div_ceil(200).max(1)
}

/// A brief as it appears in listings.
pub fn brief_summary(site: &Site, docs: &Documents, b: BriefId) -> Value {
    let brief = &site.briefs[b];
    let m = brief.meta();
    let rendered = docs.brief(b);
    let words = rendered.map(|r| r.word_count).unwrap_or(0);
    let summary = rendered
        .and_then(|r| r.summary.as_deref())
        .map(safe)
        .or_else(|| {
            m.description
                .as_deref()
                .map(|d| safe(&crate::clean::escape(d)))
        })
        .unwrap_or_else(Value::none);
    let mut map = Map::with_capacity(24);
    let mut put = |k: &'static str, v: Value| {
        map.insert(k.into(), v);
    };
    put("title", Value::from(m.title.as_str()));
    put("permalink", Value::from(site.url(&brief.path)));
    put("path", Value::from(brief.path.as_str()));
    // Whether a PDF exists is the config's to say; the pages only link it.
    put(
        "pdf",
        if brief.has_pdf(&site.config) {
            Value::from(site.url(&brief.pdf_path()))
        } else {
            Value::none()
        },
    );
    put("file", Value::from(brief.doc.rel.as_str()));
    put("date", Value::from(m.date.0.iso()));
    put(
        "updated",
        m.updated
            .as_ref()
            .map(|d| Value::from(d.0.iso()))
            .unwrap_or_else(Value::none),
    );
    put("description", opt_str(m.description.as_deref()));
    put("summary", summary);
    put("bottom_line", opt_str(m.bottom_line.as_deref()));
    let authors = m.authors.as_ref().unwrap_or(&site.config.authors);
    put("authors", strings(authors));
    for tax in &site.config.taxonomies {
        let key: &'static str = match tax.as_str() {
            "actors" => "actors",
            "topics" => "topics",
            _ => continue,
        };
        put(key, terms_of(site, b, key));
    }
    if !site.config.taxonomies.iter().any(|t| t == "actors") {
        put("actors", Value::from(Vec::<Value>::new()));
    }
    if !site.config.taxonomies.iter().any(|t| t == "topics") {
        put("topics", Value::from(Vec::<Value>::new()));
    }
    let mut other = Map::new();
    for tax in site
        .config
        .taxonomies
        .iter()
        .filter(|t| *t != "actors" && *t != "topics")
    {
        other.insert(tax.clone().into(), terms_of(site, b, tax));
    }
    put("taxonomies", Value::from(other));
    put("reading_time", Value::from(reading_time(words)));
    put("word_count", Value::from(words));
    put("weight", Value::from(m.weight));
    put("draft", Value::from(m.draft));
    put(
        "section",
        Value::from(site.sections[brief.section].path.as_str()),
    );
    Value::from(map)
}

fn toc_value(entries: &[TocEntry]) -> Value {
    Value::from(
        entries
            .iter()
            .map(|e| {
                obj([
                    ("level", Value::from(e.level)),
                    ("id", Value::from(e.id.as_str())),
                    ("title", Value::from(e.title.as_str())),
                    ("children", toc_value(&e.children)),
                ])
            })
            .collect::<Vec<_>>(),
    )
}

fn toml_value(t: &toml::Table) -> Value {
    Value::from_serializable(t)
}

/// A brief with everything: its own page and the full briefing.
pub fn brief_full(
    site: &Site,
    docs: &Documents,
    b: BriefId,
    summaries: &Table<BriefId, Value>,
) -> Value {
    let brief = &site.briefs[b];
    let references = docs.references(b);
    let m = brief.meta();
    let Some(Value { .. }) = summaries.get(b) else {
        return Value::none();
    };
    let mut map: Map = match summaries[b].as_map() {
        Some(m) => m.clone(),
        None => Map::new(),
    };
    let mut put = |k: &'static str, v: Value| {
        map.insert(k.into(), v);
    };
    let rendered = docs.brief(b);
    put(
        "content",
        safe(rendered.map(|r| r.html.as_str()).unwrap_or("")),
    );
    put(
        "toc",
        rendered
            .map(|r| toc_value(&r.toc))
            .unwrap_or_else(|| Value::from(Vec::<Value>::new())),
    );
    put(
        "key_judgments",
        Value::from(
            m.key_judgments
                .iter()
                .map(|k| {
                    obj([
                        ("text", Value::from(k.text.as_str())),
                        ("confidence", Value::from(k.confidence.word())),
                        ("level", Value::from(k.confidence.level())),
                        ("band", Value::from(k.confidence.band())),
                    ])
                })
                .collect::<Vec<_>>(),
        ),
    );
    let number_of = |id: &str| references.iter().find(|(r, _)| r == id).map(|(_, n)| *n);
    let source_value = |s: &crate::content::meta::Source| {
        obj([
            ("id", Value::from(s.id.as_str())),
            ("title", Value::from(s.title.as_str())),
            ("publisher", Value::from(s.publisher.as_str())),
            ("url", opt_str(s.url.as_deref())),
            (
                "date",
                s.date
                    .as_ref()
                    .map(|d| Value::from(d.iso()))
                    .unwrap_or_else(Value::none),
            ),
            (
                "number",
                number_of(&s.id)
                    .map(Value::from)
                    .unwrap_or_else(Value::none),
            ),
        ])
    };
    put(
        "sources",
        Value::from(m.sources.iter().map(source_value).collect::<Vec<_>>()),
    );
    put(
        "references",
        Value::from(
            references
                .iter()
                .filter_map(|(id, _)| m.sources.iter().find(|s| &s.id == id))
                .map(source_value)
                .collect::<Vec<_>>(),
        ),
    );
    put(
        "events",
        Value::from(
            m.events
                .iter()
                .map(|e| {
                    obj([
                        ("date", Value::from(e.date.iso())),
                        ("text", Value::from(e.text.as_str())),
                    ])
                })
                .collect::<Vec<_>>(),
        ),
    );
    put(
        "hedge",
        match &m.hedge {
            Some(h) => hedge_value(h),
            None => Value::none(),
        },
    );
    put(
        "related",
        Value::from(
            brief
                .related
                .iter()
                .map(|&r| summaries[r].clone())
                .collect::<Vec<_>>(),
        ),
    );
    put("extra", toml_value(&m.extra));
    put(
        "assets",
        Value::from(
            site.assets
                .iter()
                .filter(|a| {
                    brief
                        .bundle_dir
                        .as_ref()
                        .is_some_and(|d| a.rel.starts_with(&format!("{d}/")))
                })
                .map(|a| Value::from(site.url(&format!("/{}", site.asset_output(a)))))
                .collect::<Vec<_>>(),
        ),
    );
    let order = brief.order;
    let neighbour = |i: Option<usize>| {
        i.and_then(|i| site.reading_order.get(i))
            .map(|&n| summaries[n].clone())
            .unwrap_or_else(Value::none)
    };
    put("previous", neighbour(order.checked_sub(1)));
    put("next", neighbour(Some(order + 1)));
    Value::from(map)
}

pub fn hedge_value(h: &crate::content::meta::Hedge) -> Value {
    let a = |x: &crate::content::meta::Assessment| {
        obj([
            ("level", Value::from_serializable(&x.level)),
            ("rationale", Value::from(x.rationale.as_str())),
        ])
    };
    obj([
        ("partner", Value::from(h.partner.as_str())),
        ("kind", Value::from_serializable(&h.kind)),
        ("economic", a(&h.economic)),
        ("security", a(&h.security)),
        ("credibility", a(&h.credibility)),
    ])
}

/// A section without its listing, for navigation.
pub fn section_nav(site: &Site, s: SectionId) -> Value {
    let sec = &site.sections[s];
    let m = sec.meta();
    obj([
        ("title", Value::from(m.title.as_str())),
        ("description", opt_str(m.description.as_deref())),
        ("permalink", Value::from(site.url(&sec.path))),
        ("path", Value::from(sec.path.as_str())),
        ("file", Value::from(sec.doc.rel.as_str())),
        ("weight", Value::from(m.weight)),
        ("brief_count", Value::from(sec.briefs.len())),
        (
            "subsections",
            Value::from(
                sec.subsections
                    .iter()
                    .map(|&c| section_nav(site, c))
                    .collect::<Vec<_>>(),
            ),
        ),
    ])
}

/// A section with its briefs and content.
pub fn section_full(
    site: &Site,
    docs: &Documents,
    s: SectionId,
    summaries: &Table<BriefId, Value>,
    hedge_matrix: Value,
) -> Value {
    let sec = &site.sections[s];
    let m = sec.meta();
    let mut map: Map = section_nav(site, s).as_map().cloned().unwrap_or_default();
    let mut put = |k: &'static str, v: Value| {
        map.insert(k.into(), v);
    };
    put(
        "content",
        safe(docs.section(s).map(|r| r.html.as_str()).unwrap_or("")),
    );
    put("bottom_line", opt_str(m.bottom_line.as_deref()));
    put(
        "briefs",
        Value::from(
            sec.briefs
                .iter()
                .map(|&b| summaries[b].clone())
                .collect::<Vec<_>>(),
        ),
    );
    put(
        "subsections",
        Value::from(
            sec.subsections
                .iter()
                .map(|&c| section_nav(site, c))
                .collect::<Vec<_>>(),
        ),
    );
    put("hedge_matrix", hedge_matrix);
    put("extra", toml_value(&m.extra));
    Value::from(map)
}

/// The estimative scale, for the legend.
pub fn confidence_scale() -> Value {
    Value::from(
        Confidence::ALL
            .iter()
            .map(|c| {
                obj([
                    ("word", Value::from(c.word())),
                    ("level", Value::from(c.level())),
                    ("band", Value::from(c.band())),
                    ("low", Value::from(c.percent().0)),
                    ("high", Value::from(c.percent().1)),
                ])
            })
            .collect::<Vec<_>>(),
    )
}
