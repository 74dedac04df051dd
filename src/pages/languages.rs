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
    /// The language choice at `/`, when the default language has its own prefix: the home
    /// pages' `x-default` (Google's pattern for a language selector).
    choice: Option<String>,
    /// What the language choice and the root 404 list: every language's home, title and
    /// strings, the default language first; and its hash.
    choices: Option<(Value, u64)>,
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
        let mut choice = None;
        let mut choices = Vec::with_capacity(sites.len());
        let mut h = Xxh3::new();
        for &(site, pages) in sites {
            let c = &site.config;
            let home = site.sections.first().map_or("/", |s| s.path.as_str());
            (&site.language.code, home, &c.title, &c.description).hash(&mut h);
            c.strings.hash().hash(&mut h);
            choices.push(obj([
                ("code", Value::from(site.language.code.as_str())),
                ("name", Value::from(c.language_name(&site.language.code))),
                ("title", Value::from(c.title.as_str())),
                (
                    "description",
                    c.description
                        .as_deref()
                        .map_or_else(Value::none, Value::from),
                ),
                ("url", Value::from(site.url(home))),
                ("t", c.strings.value().clone()),
            ]));
            if site.language.default && !site.language.prefix.is_empty() {
                choice = Some(site.url("/"));
            }
            for spec in pages {
                if matches!(
                    spec.kind,
                    PageKind::Sitemap
                        | PageKind::Robots
                        | PageKind::ChooseLanguage
                        | PageKind::RootNotFound
                ) {
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
        Alternates {
            by_kind,
            choice,
            choices: Some((Value::from(choices), h.finish())),
        }
    }

    /// The counterparts of a page, itself included; empty on a one-language site. The
    /// language choice's are the home pages it lists.
    pub fn get(&self, kind: PageKind) -> &[Alternate] {
        let kind = match kind {
            PageKind::ChooseLanguage => PageKind::Home(0),
            k => k,
        };
        self.by_kind.get(&kind).map_or(&[], Vec::as_slice)
    }

    /// A page's `x-default`: the language choice for it and the home pages when there is
    /// one, else the default language's page; none on a one-language site.
    pub fn x_default(&self, kind: PageKind) -> Option<&str> {
        match (kind, &self.choice) {
            (PageKind::ChooseLanguage | PageKind::Home(0), Some(url)) => Some(url),
            (PageKind::RootNotFound, _) => None,
            _ => self.get(kind).first().map(|a| a.url.as_str()),
        }
    }

    /// Every language's home, site title, description and strings (`t`), for the language
    /// choice and the root 404, and their hash.
    pub fn choices(&self) -> (Value, u64) {
        self.choices
            .clone()
            .unwrap_or_else(|| (Value::from(Vec::<Value>::new()), 0))
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
