//! Translations: a file beside its original with the language before `.md` (`china.fr.md`
//! beside `china.md`, `_index.fr.md` beside `_index.md`, a folder brief's `index.fr.md`). A
//! translation gives the text fields only; everything language-neutral (date, weight, actors,
//! topics, event dates, source ids and URLs, hedge levels, data) is the original's unless the
//! translation sets it, and the estimative level of a judgment is the original's, whatever word
//! says it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::meta::{BriefMeta, Confidence, SectionMeta};
use super::{Content, DocKind, SourceDoc};
use crate::date::PartialDate;
use crate::diagnostics::Diagnostic;

/// The site in one language: every original, replaced by its translation into `language`
/// where there is one (the original's metadata under the translation's text), and the files
/// shown in the original's language for want of one (`fallback`, by path under `content/`).
pub struct View {
    pub content: Content,
    pub fallback: HashSet<String>,
}

/// The content as `language` shows it. Errors: a translation with no original, and a
/// translation that contradicts its original (a changed level, a judgment or event too few).
pub fn view(content: &Content, language: &str, diags: &mut Vec<Diagnostic>) -> View {
    let mut translations: HashMap<&str, &Arc<SourceDoc>> = HashMap::new();
    let originals: HashSet<&str> = content
        .docs
        .iter()
        .filter(|d| !matches!(d.kind, DocKind::Translation { .. }))
        .map(|d| d.rel.as_str())
        .collect();
    for d in &content.docs {
        if let DocKind::Translation {
            of, language: l, ..
        } = &d.kind
            && l == language
        {
            if originals.contains(of.as_str()) || content.failed.iter().any(|f| f == of) {
                translations.insert(of.as_str(), d);
            } else if matches!(&d.kind, DocKind::Translation { meta, .. } if meta.translation_key.is_some())
            {
                // Its key names no original: `keys::link` said so.
            } else {
                let base = of.rsplit('/').next().unwrap_or(of);
                diags.push(
                    Diagnostic::error(format!(
                        "this translation has no original: there is no content/{of}"
                    ))
                    .in_file(&d.display)
                    .at(&d.text, 0..d.text.find('\n').unwrap_or(0))
                    .with_hint(format!(
                        "a translation sits beside its original with the same name: put {base} beside it, or rename this file"
                    )),
                );
            }
        }
    }
    let mut docs = Vec::with_capacity(originals.len());
    let mut fallback = HashSet::new();
    for d in &content.docs {
        if matches!(d.kind, DocKind::Translation { .. }) {
            continue;
        }
        let Some(t) = translations.get(d.rel.as_str()) else {
            fallback.insert(d.rel.clone());
            docs.push(d.clone());
            continue;
        };
        match merged(d, t) {
            Some(Ok(doc)) => docs.push(doc),
            Some(Err(wrong)) => {
                diags.extend(wrong);
                fallback.insert(d.rel.clone());
                docs.push(d.clone());
            }
            None => {}
        }
    }
    View {
        content: Content {
            docs,
            assets: content.assets.clone(),
            data: super::data::localized(&content.data, language, diags),
            diagnostics: Vec::new(),
            failed: content.failed.clone(),
            unread: Vec::new(),
        },
        fallback,
    }
}

/// The labels of actors and topics in the other languages, from `terms.toml` at the site root:
/// `[actors] china = { fr = "Chine" }`, keyed by the term's URL name in the default language.
#[derive(Debug, Default)]
pub struct TermLabels {
    labels: HashMap<(String, String), std::collections::BTreeMap<String, String>>,
}

impl TermLabels {
    pub const FILE: &'static str = "terms.toml";

    /// Reads `ROOT/terms.toml`; none is no labels. Errors name the file and line.
    pub fn read(root: &std::path::Path, diags: &mut Vec<Diagnostic>) -> TermLabels {
        let path = root.join(Self::FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return TermLabels::default(),
            Err(e) => {
                diags.push(
                    Diagnostic::error(format!("cannot read {}: {e}", Self::FILE))
                        .in_file(Self::FILE),
                );
                return TermLabels::default();
            }
        };
        let source: Arc<str> = Arc::from(text.as_str());
        type File = std::collections::BTreeMap<
            String,
            std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
        >;
        match toml::from_str::<File>(&text) {
            Ok(file) => TermLabels {
                labels: file
                    .into_iter()
                    .flat_map(|(tax, terms)| {
                        terms
                            .into_iter()
                            .map(move |(slug, l)| ((tax.clone(), slug), l))
                    })
                    .collect(),
            },
            Err(e) => {
                diags.push(
                    crate::diagnostics::from_toml_error(
                        &e,
                        std::path::Path::new(Self::FILE),
                        &source,
                        0,
                    )
                    .with_hint(
                        "write each term as `slug = { fr = \"Label\" }` under [actors] or [topics]",
                    ),
                );
                TermLabels::default()
            }
        }
    }

    /// The label of a term in `language`, if the file gives one.
    pub fn get(&self, taxonomy: &str, slug: &str, language: &str) -> Option<String> {
        self.labels
            .get(&(taxonomy.to_string(), slug.to_string()))?
            .get(language)
            .cloned()
    }

    pub fn hash(&self) -> u64 {
        let mut all: Vec<_> = self.labels.iter().collect();
        all.sort();
        crate::hashing::hash_of(&all)
    }
}

/// The original `d` with the translation `t` over it, as the language's model holds it: the
/// original's path (so `@/` links and ids are the same in every language), the translation's
/// text and body. `None` when `t` is no translation; the mismatches as errors at their lines.
pub fn merged(
    d: &Arc<SourceDoc>,
    t: &Arc<SourceDoc>,
) -> Option<Result<Arc<SourceDoc>, Vec<Diagnostic>>> {
    let DocKind::Translation { meta, .. } = &t.kind else {
        return None;
    };
    let kind = match &d.kind {
        DocKind::Brief(m) => brief(m, meta).map(|m| DocKind::Brief(Box::new(m))),
        DocKind::Section(m) => section(m, meta).map(DocKind::Section),
        DocKind::Translation { .. } => return None,
    };
    Some(match kind {
        Ok(kind) => Ok(Arc::new(SourceDoc {
            rel: d.rel.clone(),
            display: t.display.clone(),
            text: t.text.clone(),
            body_start: t.body_start,
            kind,
            hash: d.hash.rotate_left(17) ^ t.hash,
            stamp: t.stamp,
            warnings: Vec::new(),
        })),
        Err(wrong) => Err(wrong
            .into_iter()
            .map(|w| {
                Diagnostic::error(w.message)
                    .in_file(&t.display)
                    .at(&t.text, field_span(&t.text, t.body_start, w.field))
                    .with_hint(w.hint)
            })
            .collect()),
    })
}

impl super::Loader {
    /// The last parse of the file at `rel` (relative to `content/`), for the patch path to
    /// re-merge a translation with its edited original, or the reverse.
    pub fn doc(&self, rel: &str) -> Option<Arc<SourceDoc>> {
        self.docs.get(rel).cloned()
    }
}

/// The path of `original`'s translation into `language`: `hedges/china.md` ->
/// `hedges/china.fr.md`.
pub fn translation_path(original: &str, language: &str) -> String {
    match original.strip_suffix(".md") {
        Some(stem) => format!("{stem}.{language}.md"),
        None => original.to_string(),
    }
}

/// Where a front-matter field starts (`[[key_judgments]]`, `[hedge]` or `key = `), for an
/// error's position; the first line when it is not found.
fn field_span(text: &str, body_start: usize, field: &str) -> std::ops::Range<usize> {
    let mut offset = 0;
    for line in text[..body_start].split_inclusive('\n') {
        let t = line.trim();
        let named = t.trim_start_matches('[').trim_end_matches(']').trim();
        if named == field
            || t.strip_prefix(field)
                .is_some_and(|r| r.trim_start().starts_with('='))
        {
            return offset..offset + line.trim_end().len();
        }
        offset += line.len();
    }
    0..text.find('\n').unwrap_or(0)
}

/// The site's languages, as file names use them: the default one (no suffix) and the others
/// (`china.fr.md`). Empty `others`: every `.md` file is an original, as on any one-language site.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Languages {
    pub default: String,
    pub others: Vec<String>,
}

/// What a file name says about its language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Name {
    /// A file in the default language.
    Original,
    /// A translation of `of` (the original's path relative to `content/`) into `language`.
    Translation { of: String, language: String },
    /// A language suffix the site does not have (`china.de.md` on an English and French site).
    Unknown { language: String },
    /// The default language's own code as a suffix (`china.en.md` on an English site).
    Default { language: String },
}

/// Reads a content file's name (`hedges/china.fr.md`) against the site's languages. A site with
/// one language reads every name as an original, as it always has.
pub fn name(rel: &str, default: &str, others: &[String]) -> Name {
    if others.is_empty() {
        return Name::Original;
    }
    let Some(stem) = rel.strip_suffix(".md") else {
        return Name::Original;
    };
    let (dir, file) = match stem.rsplit_once('/') {
        Some((d, f)) => (Some(d), f),
        None => (None, stem),
    };
    let Some((base, code)) = file.rsplit_once('.') else {
        return Name::Original;
    };
    if base.is_empty() || !crate::config::is_language_code(code) {
        return Name::Original;
    }
    if code == default {
        return Name::Default {
            language: code.to_string(),
        };
    }
    if !others.iter().any(|o| o == code) {
        return Name::Unknown {
            language: code.to_string(),
        };
    }
    let of = match dir {
        Some(d) => format!("{d}/{base}.md"),
        None => format!("{base}.md"),
    };
    Name::Translation {
        of,
        language: code.to_string(),
    }
}

/// What a content file's name says, as the parse needs it: `None` for an original, the
/// original's path and the language for a translation, and an error at the file's first line
/// for a language the site does not have or for the default language's own suffix.
pub fn read_name(
    rel: &str,
    display: &std::path::Path,
    text: &Arc<str>,
    languages: &Languages,
) -> Result<Option<(String, String)>, Vec<Diagnostic>> {
    let first_line = || 0..text.find('\n').unwrap_or(text.len());
    let base = rel.rsplit('/').next().unwrap_or(rel);
    match name(rel, &languages.default, &languages.others) {
        Name::Original => Ok(None),
        Name::Translation { of, language } => Ok(Some((of, language))),
        Name::Unknown { language } => Err(vec![Diagnostic::error(format!(
            "`{base}` is named for the language `{language}`, which the site does not have"
        ))
        .in_file(display)
        .at(text, first_line())
        .with_hint(format!(
            "add [languages.{language}] to briefing.toml, or rename the file (the site's languages: {}, {})",
            languages.default,
            languages.others.join(", ")
        ))]),
        Name::Default { language } => Err(vec![Diagnostic::error(format!(
            "`{base}` is named for `{language}`, the default language, whose files have no language in their name"
        ))
        .in_file(display)
        .at(text, first_line())
        .with_hint(format!(
            "rename it to `{}`",
            base.replacen(&format!(".{language}.md"), ".md", 1)
        ))]),
    }
}

/// The language whose words a file's vocabulary fields are read in: its code without region
/// (`fr-ca` writes French), English for a site that names none.
pub fn word_language(code: &str) -> &str {
    match code.split('-').next() {
        Some(l) if !l.is_empty() => l,
        _ => "en",
    }
}

/// A translation's front matter: the text fields, each optional but the title.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TranslationMeta {
    pub title: String,
    /// The hash of the original's text this translation was made from (see
    /// [`super::original::Texts::hash`]); `check` reports the translation stale when it differs.
    #[serde(default)]
    pub translated_from: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub bottom_line: Option<String>,
    /// The translation's own URL name; the original's otherwise.
    #[serde(default)]
    pub slug: Option<String>,
    /// The original's `translation_key`, for a translation named unlike its original (see
    /// [`super::keys`]).
    #[serde(default)]
    pub translation_key: Option<String>,
    #[serde(default)]
    pub authors: Option<Vec<String>>,
    #[serde(default)]
    pub key_judgments: Vec<JudgmentText>,
    #[serde(default)]
    pub events: Vec<EventText>,
    #[serde(default)]
    pub sources: Vec<SourceText>,
    #[serde(default)]
    pub hedge: Option<HedgeText>,
    #[serde(default)]
    pub extra: toml::Table,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JudgmentText {
    pub text: String,
    /// The original's level, in the translation's words or the canonical ones; must agree.
    #[serde(default)]
    pub confidence: Option<Confidence>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EventText {
    pub text: String,
    #[serde(default)]
    pub date: Option<PartialDate>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SourceText {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub publisher: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HedgeText {
    #[serde(default)]
    pub partner: Option<String>,
    #[serde(default)]
    pub economic: Option<RationaleText>,
    #[serde(default)]
    pub security: Option<RationaleText>,
    #[serde(default)]
    pub credibility: Option<RationaleText>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RationaleText {
    pub rationale: String,
}

/// A mismatch between a translation and its original, in the analyst's words: what, and
/// which field of the translation (for the error's position).
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub field: &'static str,
    pub message: String,
    pub hint: String,
}

/// The original brief's metadata with the translation's text over it.
pub fn brief(original: &BriefMeta, t: &TranslationMeta) -> Result<BriefMeta, Vec<Mismatch>> {
    let mut m = original.clone();
    let mut wrong = Vec::new();
    m.title = t.title.clone();
    if t.description.is_some() {
        m.description = t.description.clone();
    }
    if t.bottom_line.is_some() {
        m.bottom_line = t.bottom_line.clone();
    }
    if t.slug.is_some() {
        m.slug = t.slug.clone();
    }
    if t.authors.is_some() {
        m.authors = t.authors.clone();
    }
    for (k, v) in &t.extra {
        m.extra.insert(k.clone(), v.clone());
    }
    if !t.key_judgments.is_empty() {
        if t.key_judgments.len() != m.key_judgments.len() {
            wrong.push(Mismatch {
                field: "key_judgments",
                message: format!(
                    "the translation has {} key judgments and the original {}",
                    t.key_judgments.len(),
                    m.key_judgments.len()
                ),
                hint: "translate each of the original's judgments, in its order".into(),
            });
        } else {
            for (i, (kj, tk)) in m.key_judgments.iter_mut().zip(&t.key_judgments).enumerate() {
                if let Some(c) = tk.confidence
                    && c != kj.confidence
                {
                    wrong.push(Mismatch {
                        field: "key_judgments",
                        message: format!(
                            "key judgment {} says `{}` where the original says `{}`",
                            i + 1,
                            c.word(),
                            kj.confidence.word()
                        ),
                        hint: "a translation keeps the original's likelihood: write the same level in this language's word, or leave `confidence` out".into(),
                    });
                }
                kj.text = tk.text.clone();
            }
        }
    }
    if !t.events.is_empty() {
        if t.events.len() != m.events.len() {
            wrong.push(Mismatch {
                field: "events",
                message: format!(
                    "the translation has {} events and the original {}",
                    t.events.len(),
                    m.events.len()
                ),
                hint: "translate each of the original's events, in its order (their dates are the original's)".into(),
            });
        } else {
            for (e, te) in m.events.iter_mut().zip(&t.events) {
                e.text = te.text.clone();
                if let Some(d) = &te.date {
                    e.date = d.clone();
                }
            }
        }
    }
    for ts in &t.sources {
        match m.sources.iter_mut().find(|s| s.id == ts.id) {
            Some(s) => {
                if let Some(title) = &ts.title {
                    s.title = title.clone();
                }
                if let Some(p) = &ts.publisher {
                    s.publisher = p.clone();
                }
            }
            None => wrong.push(Mismatch {
                field: "sources",
                message: format!("the original has no source `{}`", ts.id),
                hint: format!(
                    "a translation retitles the original's sources by their ids: {}",
                    m.sources
                        .iter()
                        .map(|s| s.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        }
    }
    if let Some(th) = &t.hedge {
        match &mut m.hedge {
            Some(h) => {
                if let Some(p) = &th.partner {
                    h.partner = p.clone();
                }
                for (a, r) in [
                    (&mut h.economic, &th.economic),
                    (&mut h.security, &th.security),
                    (&mut h.credibility, &th.credibility),
                ] {
                    if let Some(r) = r {
                        a.rationale = r.rationale.clone();
                    }
                }
            }
            None => wrong.push(Mismatch {
                field: "hedge",
                message: "the original assesses no hedge".into(),
                hint: "remove [hedge] from the translation, or add it to the original".into(),
            }),
        }
    }
    if wrong.is_empty() { Ok(m) } else { Err(wrong) }
}

/// The original section's metadata with the translation's text over it. A section has no
/// judgments, events, sources or hedge to translate.
pub fn section(original: &SectionMeta, t: &TranslationMeta) -> Result<SectionMeta, Vec<Mismatch>> {
    let mut wrong = Vec::new();
    for (field, given) in [
        ("key_judgments", !t.key_judgments.is_empty()),
        ("events", !t.events.is_empty()),
        ("sources", !t.sources.is_empty()),
        ("hedge", t.hedge.is_some()),
        ("authors", t.authors.is_some()),
        ("slug", t.slug.is_some()),
    ] {
        if given {
            wrong.push(Mismatch {
                field,
                message: format!("a section has no `{field}` to translate"),
                hint: "a section's translation gives its title, description, bottom line and text"
                    .into(),
            });
        }
    }
    let mut m = original.clone();
    m.title = t.title.clone();
    if t.description.is_some() {
        m.description = t.description.clone();
    }
    if t.bottom_line.is_some() {
        m.bottom_line = t.bottom_line.clone();
    }
    for (k, v) in &t.extra {
        m.extra.insert(k.clone(), v.clone());
    }
    if wrong.is_empty() { Ok(m) } else { Err(wrong) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn others() -> Vec<String> {
        vec!["fr".into()]
    }

    #[test]
    fn names() {
        let fr = |of: &str| Name::Translation {
            of: of.into(),
            language: "fr".into(),
        };
        assert_eq!(
            name("hedges/china.fr.md", "en", &others()),
            fr("hedges/china.md")
        );
        assert_eq!(
            name("hedges/_index.fr.md", "en", &others()),
            fr("hedges/_index.md")
        );
        assert_eq!(name("_index.fr.md", "en", &others()), fr("_index.md"));
        assert_eq!(
            name("hedges/russia/index.fr.md", "en", &others()),
            fr("hedges/russia/index.md")
        );
        assert_eq!(name("hedges/china.md", "en", &others()), Name::Original);
        assert_eq!(name("hedges/report.v2.md", "en", &others()), Name::Original);
        assert_eq!(
            name("hedges/notes.final.md", "en", &others()),
            Name::Original
        );
        assert_eq!(
            name("hedges/china.de.md", "en", &others()),
            Name::Unknown {
                language: "de".into()
            }
        );
        assert_eq!(
            name("hedges/china.en.md", "en", &others()),
            Name::Default {
                language: "en".into()
            }
        );
        // One language: names are read as they always were.
        assert_eq!(name("hedges/china.fr.md", "en", &[]), Name::Original);
    }

    fn original() -> BriefMeta {
        toml::from_str(
            r#"
title = "China"
date = 2017-05-01
actors = ["Japan", "China"]
[[key_judgments]]
text = "x"
confidence = "very likely"
[[events]]
date = "2015-04"
text = "guidelines"
[[sources]]
id = "apf"
title = "Japan Remains Anchored"
publisher = "APF Canada"
[hedge]
partner = "China"
kind = "hard"
economic = { level = "high", rationale = "trade" }
security = { level = "low", rationale = "rival" }
credibility = { level = "low", rationale = "no" }
"#,
        )
        .unwrap()
    }

    #[test]
    fn a_translation_inherits_what_it_does_not_say() {
        let t: TranslationMeta = toml::from_str(
            r#"
title = "Chine"
[[key_judgments]]
text = "y"
[[events]]
text = "lignes directrices"
[hedge]
partner = "Chine"
economic = { rationale = "commerce" }
"#,
        )
        .unwrap();
        let m = brief(&original(), &t).unwrap();
        assert_eq!(m.title, "Chine");
        assert_eq!(m.actors, ["Japan", "China"]);
        assert_eq!(m.key_judgments[0].text, "y");
        assert_eq!(m.key_judgments[0].confidence, Confidence::VeryLikely);
        assert_eq!(m.events[0].date.iso(), "2015-04");
        assert_eq!(m.events[0].text, "lignes directrices");
        let h = m.hedge.unwrap();
        assert_eq!(
            (h.partner.as_str(), h.economic.rationale.as_str()),
            ("Chine", "commerce")
        );
        assert_eq!(h.security.rationale, "rival");
        assert_eq!(m.sources[0].title, "Japan Remains Anchored");
    }

    #[test]
    fn a_translation_may_not_change_a_level_or_drop_a_judgment() {
        let t: TranslationMeta = toml::from_str(
            "title = \"Chine\"\n[[key_judgments]]\ntext = \"y\"\nconfidence = \"likely\"\n[[events]]\ntext = \"a\"\n[[events]]\ntext = \"b\"\n[[sources]]\nid = \"nope\"\ntitle = \"t\"\n",
        )
        .unwrap();
        let wrong = brief(&original(), &t).unwrap_err();
        let fields: Vec<&str> = wrong.iter().map(|w| w.field).collect();
        assert_eq!(fields, ["key_judgments", "events", "sources"], "{wrong:?}");
        assert!(
            wrong[0]
                .message
                .contains("`likely` where the original says `very likely`")
        );
    }
}
