//! The translations part of `briefing check`: per language other than the default one, each
//! page with no translation (once per page, never once per link to it) and each translation
//! whose original changed since it was made. Warnings: an untranslated page is legitimate (the
//! build shows the original under a notice), and a stale one still builds.

use std::collections::HashMap;
use std::sync::Arc;

use crate::config::Config;
use crate::content::original;
use crate::content::{DocKind, SourceDoc};
use crate::diagnostics::Diagnostic;

/// The findings on the documents the build read, in language order, then file order.
pub(super) fn report(docs: &[Arc<SourceDoc>], config: &Config, drafts: bool) -> Vec<Diagnostic> {
    let mut originals: Vec<&Arc<SourceDoc>> = docs
        .iter()
        .filter(|d| match &d.kind {
            DocKind::Brief(m) => drafts || !m.draft,
            DocKind::Section(m) => drafts || !m.draft,
            DocKind::Translation { .. } => false,
        })
        .collect();
    originals.sort_by(|a, b| a.rel.cmp(&b.rel));
    let translations: HashMap<(&str, &str), &Arc<SourceDoc>> = docs
        .iter()
        .filter_map(|d| match &d.kind {
            DocKind::Translation { of, language, .. } => {
                Some(((of.as_str(), language.as_str()), d))
            }
            _ => None,
        })
        .collect();
    let mut found = Vec::new();
    for code in config.languages.keys() {
        let name = config.language_name(code);
        for o in &originals {
            let shown = o.display.display();
            let Some(t) = translations.get(&(o.rel.as_str(), code.as_str())) else {
                found.push(
                    Diagnostic::warning(format!(
                        "no translation into `{code}` ({name}): the `{code}` site shows this page in {}",
                        config.language_name(&config.language)
                    ))
                    .in_file(&o.display)
                    .with_hint(format!(
                        "scaffold one with `briefing translate {shown} --to {code}`"
                    )),
                );
                continue;
            };
            let DocKind::Translation { meta, .. } = &t.kind else {
                continue;
            };
            let Some(current) = original::texts(o).map(|x| x.hash()) else {
                continue;
            };
            let update = format!("briefing translate {shown} --to {code} --update");
            match meta.translated_from.as_deref() {
                Some(h) if h == current => {}
                Some(_) => {
                    let mut d = Diagnostic::warning(format!(
                        "stale translation: {shown} has changed since this translation was made from it"
                    ))
                    .in_file(&t.display);
                    if let Some(span) =
                        crate::content::frontmatter::field_span(&t.text, "translated_from")
                    {
                        d = d
                            .at(&t.text, span)
                            .with_label("the original's text when it was translated");
                    }
                    found.push(d.with_hint(format!(
                        "bring the translation up to date with the original (its text fields and body), then record it with `{update}`"
                    )));
                }
                None => found.push(
                    Diagnostic::warning(
                        "this translation does not say which version of its original it translates, so check cannot tell when it is stale",
                    )
                    .in_file(&t.display)
                    .with_hint(format!(
                        "once it translates {shown} as it is now, record that with `{update}`"
                    )),
                ),
            }
        }
    }
    found
}
