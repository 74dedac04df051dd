//! What each page is called: its `<title>`, one-line description and kind, for templates,
//! OpenGraph and Twitter cards.

use super::{PageKind, PageSpec};
use crate::model::Site;

/// The `page_kind` templates see.
pub fn kind_name(kind: PageKind) -> &'static str {
    match kind {
        PageKind::Home(_) => "home",
        PageKind::Section(..) => "section",
        PageKind::Brief(_) => "brief",
        PageKind::TaxonomyList(_) => "taxonomy_list",
        PageKind::Term { .. } => "taxonomy_term",
        PageKind::Chronology => "chronology",
        PageKind::Briefing => "briefing",
        PageKind::Search => "search",
        PageKind::NotFound | PageKind::RootNotFound => "404",
        PageKind::ChooseLanguage => "choose_language",
        PageKind::Feed(_) | PageKind::Sitemap | PageKind::Robots => "feed",
    }
}

/// Title and one-line description for `<title>`, OpenGraph and Twitter cards.
pub fn title_and_description(site: &Site, spec: &PageSpec) -> (String, String) {
    let c = &site.config;
    let site_desc = c.description.clone().unwrap_or_else(|| c.title.clone());
    let t = &c.strings;
    let with_site = |title: &str| t.fill("page_title", &[("title", title), ("site", &c.title)]);
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
        PageKind::TaxonomyList(t) => (
            with_site(&super::values::taxonomy_label(
                site,
                &site.taxonomies[t].name,
            )),
            site_desc,
        ),
        PageKind::Term { taxonomy, term, .. } => {
            let tax = &site.taxonomies[taxonomy];
            let name = &tax.terms[term].name;
            (
                with_site(name),
                t.fill(
                    "term_summary",
                    &[
                        ("term", name),
                        (
                            "taxonomy",
                            &super::values::taxonomy_label(site, &tax.name).to_lowercase(),
                        ),
                    ],
                ),
            )
        }
        PageKind::Chronology => (
            with_site(t.get("chronology")),
            t.get("chronology_page.summary").to_string(),
        ),
        PageKind::Briefing => (with_site(t.get("briefing.title")), site_desc),
        PageKind::Search => (with_site(t.get("search")), site_desc),
        PageKind::NotFound | PageKind::RootNotFound => {
            (with_site(t.get("not_found.title")), site_desc)
        }
        PageKind::ChooseLanguage => (c.title.clone(), site_desc),
        PageKind::Feed(_) | PageKind::Sitemap | PageKind::Robots => (c.title.clone(), site_desc),
    }
}
