//! Atom feeds: the site's and one per section with briefs.

use tera::Value;

use super::PageSource;
use super::context::obj;
use crate::markdown;
use crate::model::{BriefId, SectionId, Site};

/// The brief ids a feed lists: newest first, at most 20.
pub fn briefs(site: &Site, section: Option<SectionId>) -> Vec<BriefId> {
    let mut ids: Vec<BriefId> = match section {
        Some(s) => site.sections[s].briefs.clone(),
        None => site.briefs.ids().collect(),
    };
    crate::model::sort_briefs(&mut ids, &site.briefs, crate::content::meta::SortBy::Date);
    ids.truncate(20);
    ids
}

/// The `feed` value of a feed's template context.
pub fn value(src: &PageSource, section: Option<SectionId>) -> Value {
    let site = src.site;
    let ids = src.feed(section);
    let (title, path) = match section {
        Some(s) => (
            format!("{} — {}", site.sections[s].meta().title, site.config.title),
            format!("{}atom.xml", site.sections[s].path),
        ),
        None => (
            site.config.title.clone(),
            format!("{}/atom.xml", site.language.prefix),
        ),
    };
    let updated = ids
        .iter()
        .map(|&b| {
            let m = site.briefs[b].meta();
            m.updated.as_ref().unwrap_or(&m.date).0.clone()
        })
        .max()
        .map(|d| d.rfc3339())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
    let entries: Vec<Value> = ids
        .iter()
        .map(|&b| {
            let m = site.briefs[b].meta();
            let mut e = src.values.summaries[b]
                .as_map()
                .cloned()
                .unwrap_or_default();
            e.insert("date_rfc3339".into(), Value::from(m.date.0.rfc3339()));
            e.insert(
                "updated_rfc3339".into(),
                Value::from(m.updated.as_ref().unwrap_or(&m.date).0.rfc3339()),
            );
            let plain = src
                .docs
                .brief(b)
                .and_then(|r| r.summary.as_deref())
                .map(markdown::strip_tags)
                .or_else(|| m.description.clone())
                .or_else(|| m.bottom_line.clone())
                .unwrap_or_else(|| m.title.clone());
            e.insert("summary_text".into(), Value::from(plain));
            Value::from(e)
        })
        .collect();
    obj([
        ("title", Value::from(title)),
        ("id", Value::from(site.url(&path))),
        ("permalink", Value::from(site.url(&path))),
        (
            "alternate",
            Value::from(site.url(path.trim_end_matches("atom.xml"))),
        ),
        ("updated", Value::from(updated)),
        ("entries", Value::from(entries)),
    ])
}
