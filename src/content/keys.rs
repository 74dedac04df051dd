//! `translation_key`: a translation whose file name differs from its original's
//! (`hedges/chine.fr.md` for `hedges/china.md`) names the same key as the original, and is read
//! as that original's translation. Resolved once all files are read, since the original may be
//! any file; the translation keeps its own file name as its URL name unless it sets a `slug`.

use std::collections::HashMap;
use std::sync::Arc;

use super::{DocKind, SourceDoc};
use crate::diagnostics::Diagnostic;

fn key_of(d: &SourceDoc) -> Option<&str> {
    match &d.kind {
        DocKind::Brief(m) => m.translation_key.as_deref(),
        DocKind::Section(m) => m.translation_key.as_deref(),
        DocKind::Translation { meta, .. } => meta.translation_key.as_deref(),
    }
}

/// The error for `d`, at its `translation_key`.
fn at_key(d: &SourceDoc, message: String, hint: &str) -> Diagnostic {
    let mut e = Diagnostic::error(message).in_file(&d.display);
    if let Some(span) = super::frontmatter::field_span(&d.text, "translation_key") {
        e = e.at(&d.text, span);
    }
    e.with_hint(hint)
}

/// Points each translation with a `translation_key` at the original with the same key, and
/// reports keys no original has, keys two originals share, and two translations of one original
/// into one language.
pub fn link(docs: &mut [Arc<SourceDoc>], diags: &mut Vec<Diagnostic>) {
    if !docs.iter().any(|d| key_of(d).is_some()) {
        return;
    }
    // Sorted so the "first" of two files sharing a key is the same on every build.
    let mut order: Vec<usize> = (0..docs.len()).collect();
    order.sort_by(|&a, &b| docs[a].rel.cmp(&docs[b].rel));
    let mut originals: HashMap<&str, &SourceDoc> = HashMap::new();
    for &i in &order {
        let d = &docs[i];
        if matches!(d.kind, DocKind::Translation { .. }) {
            continue;
        }
        let Some(k) = key_of(d) else { continue };
        if let Some(first) = originals.get(k) {
            diags.push(at_key(
                d,
                format!(
                    "`translation_key = \"{k}\"` is already the key of content/{}",
                    first.rel
                ),
                "a key names one page in every language: give this page its own key",
            ));
        } else {
            originals.insert(k, d);
        }
    }
    let mut linked: Vec<(usize, String)> = Vec::new();
    for &i in &order {
        let d = &docs[i];
        let DocKind::Translation { of, language, .. } = &d.kind else {
            continue;
        };
        let Some(k) = key_of(d) else { continue };
        match originals.get(k) {
            Some(o) if &o.rel != of => linked.push((i, o.rel.clone())),
            Some(_) => {}
            None => diags.push(at_key(
                d,
                format!("no page in the default language has `translation_key = \"{k}\"`"),
                &format!(
                    "set the same translation_key in the original this file translates into `{language}`, or remove it to match the original by file name"
                ),
            )),
        }
    }
    for (i, original) in linked {
        let mut new = (*docs[i]).clone();
        let own_name = url_name(&new.rel);
        if let DocKind::Translation { of, meta, .. } = &mut new.kind {
            *of = original;
            if meta.slug.is_none() && !own_name.is_empty() {
                meta.slug = Some(own_name);
            }
        }
        docs[i] = Arc::new(new);
    }
    // Two translations of one original into one language: by name and by key, or two keys.
    let mut seen: HashMap<(&str, &str), &SourceDoc> = HashMap::new();
    for &i in &order {
        let d = &docs[i];
        let DocKind::Translation { of, language, .. } = &d.kind else {
            continue;
        };
        if let Some(first) = seen.insert((of.as_str(), language.as_str()), d) {
            diags.push(
                Diagnostic::error(format!(
                    "content/{of} has two translations into `{language}`: content/{} and this file",
                    first.rel
                ))
                .in_file(&d.display)
                .at_line(1, 1)
                .with_hint("keep one of them: a page has one translation per language"),
            );
        }
    }
}

/// The URL name a translation's own file gives it: `hedges/chine.fr.md` is `chine`, a folder
/// brief `hedges/chine/index.fr.md` is `chine`.
/// A section's `_index.fr.md` has none: a section is named by its folder.
fn url_name(rel: &str) -> String {
    let mut parts = rel.rsplit('/');
    let file = parts.next().unwrap_or(rel);
    match file.split('.').next().unwrap_or(file) {
        "_index" => String::new(),
        "index" => parts.next().map(crate::slug::slugify).unwrap_or_default(),
        stem => crate::slug::slugify(stem),
    }
}
