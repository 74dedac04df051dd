//! The site's other languages: one model per language, each the default one's structure with
//! the translations' text (see `content::translation`), under the language's URL prefix.

use std::path::Path;
use std::sync::Arc;

use crate::config::Config;
use crate::content::Content;
use crate::content::translation::{self, TermLabels};
use crate::diagnostics::Diagnostics;
use crate::model::{Language, Site};

/// Puts the default language's model under its own prefix (`/en/...`) when the config asks
/// for it (`prefix_default_language`): its pages then sit beside the other languages', and
/// `/` is the language choice (see `pages::list`).
pub(super) fn prefix_default(site: &mut Site) {
    if !site.config.prefix_default_language {
        return;
    }
    let code = site.config.language.clone();
    site.localize(
        Language {
            prefix: format!("/{code}"),
            code,
            fallback: Default::default(),
            default: true,
        },
        &Default::default(),
        &|_, _| None,
    );
}

/// Where a content file the default language publishes under its own prefix
/// (`en/notes/bundle/map.png`) is published too: where it was without the prefix
/// (`notes/bundle/map.png`), so a body's root-relative link written for the unprefixed site
/// still finds it. Relative links find the copy beside the page. `None` for other languages.
pub(super) fn unprefixed(site: &Site, out: &str) -> Option<String> {
    let prefix = site.language.prefix.trim_start_matches('/');
    if !site.language.default || prefix.is_empty() {
        return None;
    }
    out.strip_prefix(prefix)?
        .strip_prefix('/')
        .map(str::to_string)
}

/// The models of every language but the default one, in code order. Problems (a translation
/// with no original or that contradicts it, strings missing in a language, `terms.toml`) go
/// to `diags`.
pub(super) fn sites(
    config: &Config,
    root: &Path,
    content: &Content,
    drafts: bool,
    diags: &mut Diagnostics,
) -> Vec<Site> {
    if config.languages.is_empty() {
        return Vec::new();
    }
    let mut found = Vec::new();
    let labels = TermLabels::read(root, &mut found);
    let mut sites = Vec::with_capacity(config.languages.len());
    for (code, lc) in &config.languages {
        let mut c = config.for_language(code);
        let (strings, string_diags) =
            crate::strings::Strings::load(root, &config.theme_dir(root), code);
        c.strings = strings;
        found.extend(string_diags);
        let view = translation::view(content, code, &mut found);
        let mut site = Site::build(
            Arc::new(c),
            root.to_path_buf(),
            &view.content,
            drafts,
            diags,
        );
        site.localize(
            Language {
                code: code.clone(),
                prefix: format!("/{code}"),
                fallback: view.fallback,
                default: false,
            },
            &lc.taxonomies,
            &|tax, slug| labels.get(tax, slug, code),
        );
        sites.push(site);
    }
    diags.extend(found);
    sites
}
