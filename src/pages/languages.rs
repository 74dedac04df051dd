//! The same page in the site's other languages: what `hreflang` alternates, the language
//! switcher, the fallback notice and the sitemap's `xhtml:link`s read. Every language's model
//! mirrors the default one (a page with no translation is there too, showing its original), so
//! a page's counterparts are the pages of the same kind, with the same ids, in the other models.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use tera::Value;

use super::context::obj;
use super::{PageKind, PageSpec};
use crate::hashing::Xxh3;
use crate::model::Site;

/// One counterpart of a page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Alternate {
    pub code: String,
    pub url: String,
    /// Whether the page shows its own language's text (false: the original's, for want of a
    /// translation).
    pub translated: bool,
}

/// For every page (by kind) of every language, its counterparts in all the languages, the
/// default language first.
#[derive(Debug, Default)]
pub struct Alternates {
    by_kind: HashMap<PageKind, Vec<Alternate>>,
}

impl Alternates {
    /// A one-language site's: no page has a counterpart.
    pub fn none() -> &'static Alternates {
        static NONE: std::sync::LazyLock<Alternates> =
            std::sync::LazyLock::new(Alternates::default);
        &NONE
    }

    /// From every language's model and its pages ([`super::list`]).
    pub fn of(sites: &[(&Site, &[PageSpec])]) -> Alternates {
        let mut by_kind: HashMap<PageKind, Vec<Alternate>> = HashMap::new();
        for &(site, pages) in sites {
            for spec in pages {
                if matches!(spec.kind, PageKind::Sitemap | PageKind::Robots) {
                    continue;
                }
                let translated = match doc_of(site, spec.kind) {
                    Some(rel) => !site.language.fallback.contains(rel),
                    None => true,
                };
                by_kind.entry(spec.kind).or_default().push(Alternate {
                    code: site.language.code.clone(),
                    url: site.url(&spec.path),
                    translated,
                });
            }
        }
        Alternates { by_kind }
    }

    /// The counterparts of a page, itself included; empty on a one-language site.
    pub fn get(&self, kind: PageKind) -> &[Alternate] {
        self.by_kind.get(&kind).map_or(&[], Vec::as_slice)
    }

    /// What a page's template reads: `[{ code, url, translated }]`, and its hash.
    pub fn value(&self, kind: PageKind) -> (Value, u64) {
        let list = self.get(kind);
        let mut h = Xxh3::new();
        list.hash(&mut h);
        let v = Value::from(
            list.iter()
                .map(|a| {
                    obj([
                        ("code", Value::from(a.code.as_str())),
                        ("url", Value::from(a.url.as_str())),
                        ("translated", Value::from(a.translated)),
                    ])
                })
                .collect::<Vec<_>>(),
        );
        (v, h.finish())
    }

    pub fn is_empty(&self) -> bool {
        self.by_kind.is_empty()
    }
}

/// The content file a page shows, for pages that show one.
pub fn doc_of(site: &Site, kind: PageKind) -> Option<&str> {
    let doc = match kind {
        PageKind::Home(_) => &site.sections.first()?.doc,
        PageKind::Section(s, _) => &site.sections.get(s)?.doc,
        PageKind::Brief(b) => &site.briefs.get(b)?.doc,
        _ => return None,
    };
    Some(doc.rel.as_str())
}
