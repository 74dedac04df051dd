//! Each page's template context, built from its [`PageSource`].

use tera::{Context, Value};

use super::context::{self, obj};
use super::values::{capitalize, taxonomy_value};
use super::{PageKind, PageSource, PageSpec, feeds, paginator};
use crate::model::Site;

/// The page's template context. Everything put in it must be covered by
/// [`PageSource::fingerprint`].
pub fn context(src: &PageSource, spec: &PageSpec) -> Context {
    let site = src.site;
    let mut ctx = src.values.globals.clone();
    let kind_name = match spec.kind {
        PageKind::Home(_) => "home",
        PageKind::Section(..) => "section",
        PageKind::Brief(_) => "brief",
        PageKind::TaxonomyList(_) => "taxonomy_list",
        PageKind::Term(..) => "taxonomy_term",
        PageKind::Chronology => "chronology",
        PageKind::Briefing => "briefing",
        PageKind::Search => "search",
        PageKind::NotFound => "404",
        PageKind::Feed(_) | PageKind::Sitemap | PageKind::Robots => "feed",
    };
    ctx.insert_value("page_kind", Value::from(kind_name));
    let (title, description) = title_and_description(site, spec);
    ctx.insert_value("page_title", Value::from(title));
    ctx.insert_value("page_description", Value::from(description));
    ctx.insert_value("current_path", Value::from(spec.path.as_str()));
    ctx.insert_value("current_url", Value::from(site.url(&spec.path)));
    match spec.kind {
        PageKind::Home(p) | PageKind::Section(_, p) => {
            let s = match spec.kind {
                PageKind::Section(s, _) => s,
                _ => 0,
            };
            let sec = context::section_full(
                site,
                src.docs,
                s,
                &src.values.summaries,
                src.values.hedge_matrices[s].clone(),
            );
            let per = site.sections[s]
                .meta()
                .paginate_by
                .unwrap_or(site.config.paginate_by)
                .max(1);
            let (pager, _) = paginator(
                site,
                &site.sections[s].path,
                &site.sections[s].briefs,
                p,
                per,
                &src.values.summaries,
            );
            ctx.insert_value("section", sec);
            ctx.insert_value("paginator", pager);
        }
        PageKind::Brief(b) => {
            let full = context::brief_full(site, src.docs, b, &src.values.summaries);
            let brief = &site.briefs[b];
            let sec = context::section_nav(site, brief.section);
            ctx.insert_value("brief", full);
            ctx.insert_value("section", sec);
        }
        PageKind::TaxonomyList(ti) => {
            let v = taxonomy_value(site, ti);
            ctx.insert_value("taxonomy", v);
        }
        PageKind::Term(ti, t, p) => {
            let tax = &site.taxonomies[ti];
            let term = &tax.terms[t];
            let v = taxonomy_value(site, ti);
            let (pager, _) = paginator(
                site,
                &tax.term_path(term),
                &term.briefs,
                p,
                site.config.paginate_by,
                &src.values.summaries,
            );
            let mut tv = context::term_ref(site, tax, term)
                .as_map()
                .cloned()
                .unwrap_or_default();
            tv.insert(
                "briefs".into(),
                Value::from(
                    term.briefs
                        .iter()
                        .map(|&b| src.values.summaries[b].clone())
                        .collect::<Vec<_>>(),
                ),
            );
            ctx.insert_value("taxonomy", v);
            ctx.insert_value("term", Value::from(tv));
            ctx.insert_value("paginator", pager);
        }
        PageKind::Chronology => {
            let v = chronology_value(src);
            ctx.insert_value("chronology", v);
        }
        PageKind::Briefing => {
            let list: Vec<Value> = site
                .reading_order
                .iter()
                .map(|&b| context::brief_full(site, src.docs, b, &src.values.summaries))
                .collect();
            ctx.insert_value("briefs", Value::from(list));
        }
        PageKind::Feed(section) => {
            ctx.insert_value("feed", feeds::value(src, section));
        }
        PageKind::Search | PageKind::NotFound | PageKind::Sitemap | PageKind::Robots => {}
    }
    ctx
}

/// Title and one-line description for `<title>`, OpenGraph and Twitter cards.
pub fn title_and_description(site: &Site, spec: &PageSpec) -> (String, String) {
    let c = &site.config;
    let site_desc = c.description.clone().unwrap_or_else(|| c.title.clone());
    let with_site = |t: &str| format!("{t} – {}", c.title);
    match spec.kind {
        PageKind::Home(_) => (
            c.title.clone(),
            site.sections
                .first()
                .and_then(|h| {
                    h.meta()
                        .bottom_line
                        .clone()
                        .or_else(|| h.meta().description.clone())
                })
                .unwrap_or(site_desc),
        ),
        PageKind::Section(s, _) => {
            let m = site.sections[s].meta();
            (
                with_site(&m.title),
                m.description.clone().unwrap_or(site_desc),
            )
        }
        PageKind::Brief(b) => {
            let m = site.briefs[b].meta();
            (
                with_site(&m.title),
                m.description
                    .clone()
                    .or_else(|| m.bottom_line.clone())
                    .unwrap_or(site_desc),
            )
        }
        PageKind::TaxonomyList(t) => (with_site(&capitalize(&site.taxonomies[t].name)), site_desc),
        PageKind::Term(t, term, _) => {
            let tax = &site.taxonomies[t];
            let name = &tax.terms[term].name;
            (with_site(name), format!("Briefs on {name} ({}).", tax.name))
        }
        PageKind::Chronology => (
            with_site("Chronology"),
            "Every dated event in the briefing, in order.".into(),
        ),
        PageKind::Briefing => (with_site("The full briefing"), site_desc),
        PageKind::Search => (with_site("Search"), site_desc),
        PageKind::NotFound => (with_site("Page not found"), site_desc),
        PageKind::Feed(_) | PageKind::Sitemap | PageKind::Robots => (c.title.clone(), site_desc),
    }
}

/// The chronology page's value: every dated event, grouped by year.
fn chronology_value(src: &PageSource) -> Value {
    let site = src.site;
    let mut years: Vec<(i32, Vec<Value>)> = Vec::new();
    for e in &site.chronology {
        let v = obj([
            ("date", Value::from(e.date.iso())),
            ("display_date", Value::from(e.date.format("%-d %B %Y"))),
            ("text", Value::from(e.text.as_str())),
            (
                "brief",
                e.brief
                    .map(|b| src.values.summaries[b].clone())
                    .unwrap_or_else(Value::none),
            ),
        ]);
        match years.last_mut() {
            Some((y, list)) if *y == e.date.year => list.push(v),
            _ => years.push((e.date.year, vec![v])),
        }
    }
    Value::from(
        years
            .into_iter()
            .map(|(y, events)| obj([("year", Value::from(y)), ("events", Value::from(events))]))
            .collect::<Vec<_>>(),
    )
}
