//! `briefing translate ORIGINAL --to LANG`: the translation a translator starts from, beside its
//! original, with every text field copied for them to overwrite and `translated_from` set to
//! the original's current version; `--update` records that an existing translation has caught
//! up with its original, touching nothing else in it.

use std::fs;
use std::path::{Path, PathBuf};

use super::{toml_string, usage, write_new};
use crate::config::Config;
use crate::content::original::{self, Texts};
use crate::content::translation::{self, Languages, Name};
use crate::content::{DocKind, SourceDoc};
use crate::diagnostics::{Diagnostic, Failure};

/// What `translate` did, for the command line to say.
#[derive(Debug)]
pub enum Translated {
    /// The scaffold written, relative to the root, and the version it translates.
    Created { file: String, hash: String },
    /// `--update`: the translation's `translated_from` was `was` and is now `hash`.
    Updated {
        file: String,
        hash: String,
        was: Option<String>,
    },
}

/// Scaffolds the translation of `original` (a brief or a section's `_index.md`, as a path from
/// the current folder, from the root, or from `content/`) into `to`, or with `update` records
/// that the existing one translates the original as it is now.
pub fn translate(
    root: &Path,
    original: &Path,
    to: &str,
    update: bool,
) -> Result<Translated, Failure> {
    let config = Config::load(root)?;
    check_language(&config, to)?;
    let languages = Languages {
        default: config.language.clone(),
        others: config.languages.keys().cloned().collect(),
    };
    let rel = content_rel(root, original)?;
    let shown = format!("content/{rel}");
    let flag = if update { " --update" } else { "" };
    match translation::name(&rel, &languages.default, &languages.others) {
        Name::Original => {}
        Name::Translation { of, language } => {
            return Err(usage(
                format!("{shown} is itself a translation (into `{language}` of content/{of})"),
                &format!("give its original: `briefing translate content/{of} --to {to}{flag}`"),
            ));
        }
        Name::Unknown { language } | Name::Default { language } => {
            return Err(usage(
                format!("{shown} is named for the language `{language}`, so it is no original"),
                "give the original brief or _index.md, whose name has no language in it",
            ));
        }
    }
    let doc = read_original(root, &rel, &languages)?;
    let Some(texts) = original::texts(&doc) else {
        return Err(usage(
            format!("{shown} is not a brief or a section"),
            "give a brief or a section's _index.md",
        ));
    };
    let hash = texts.hash();
    let key = match &doc.kind {
        DocKind::Brief(m) => m.translation_key.as_deref(),
        DocKind::Section(m) => m.translation_key.as_deref(),
        DocKind::Translation { .. } => None,
    };
    let by_name = format!("content/{}", translation::translation_path(&rel, to));
    // A translation linked by `translation_key` may have any name.
    let file = match key {
        Some(k) if !root.join(&by_name).exists() => keyed(root, k, to).unwrap_or(by_name),
        _ => by_name,
    };
    let path = root.join(&file);
    if !update {
        if path.exists() {
            return Err(usage(
                format!("{file} already exists"),
                &format!(
                    "edit it; once it translates {shown} as it is now, record that with `briefing translate {shown} --to {to} --update` (to start over, delete it and run this again)"
                ),
            ));
        }
        write_new(&path, scaffold(&texts, &hash, &shown, to, None).as_bytes())?;
        return Ok(Translated::Created { file, hash });
    }
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(usage(
                format!("there is no translation {file} to update"),
                &format!("scaffold it with `briefing translate {shown} --to {to}`"),
            ));
        }
        Err(e) => return Err(Failure::io("cannot read the translation", &path, &e)),
    };
    let (text, was) = recorded(&text, &hash).ok_or_else(|| {
        Failure::Content(vec![
            Diagnostic::error("this translation has no front matter between `+++` lines")
                .in_file(&file)
                .with_hint("start it with `+++`, its fields, and `+++`, or delete it and scaffold it again with `briefing translate`"),
        ])
    })?;
    fs::write(&path, text).map_err(|e| Failure::io("cannot write", &path, &e))?;
    Ok(Translated::Updated { file, hash, was })
}

/// The text of a translation that records `hash` as its `translated_from`, and what it
/// recorded before; every other byte is kept. `None` when the front matter does not split.
fn recorded(text: &str, hash: &str) -> Option<(String, Option<String>)> {
    let value = toml_string(hash);
    if let Some(span) = crate::content::frontmatter::field_span(text, "translated_from") {
        let was = text[span.clone()]
            .trim_matches(|c| c == '"' || c == '\'')
            .to_string();
        let mut out = text.to_string();
        out.replace_range(span, &value);
        return Some((out, Some(was)));
    }
    let split =
        crate::content::frontmatter::split(text, |t| t.parse::<toml::Table>().is_ok()).ok()?;
    // First in the front matter: a top-level key cannot follow a `[table]`.
    let at = split.toml.start;
    let mut out = text.to_string();
    out.insert_str(at, &format!("translated_from = {value}\n"));
    Some((out, None))
}

/// The language a translation goes into must be one of the site's others.
fn check_language(config: &Config, to: &str) -> Result<(), Failure> {
    let others: Vec<&str> = config.languages.keys().map(String::as_str).collect();
    if to == config.language {
        let hint = if others.is_empty() {
            "add a [languages.CODE] table to briefing.toml for the language to translate into, e.g. [languages.fr]".to_string()
        } else {
            format!(
                "translate into one of the site's other languages: {}",
                others.join(", ")
            )
        };
        return Err(usage(
            format!("`{to}` is the site's default language: its files are the originals"),
            &hint,
        ));
    }
    if !others.contains(&to) {
        let hint = if others.is_empty() {
            format!(
                "the site is in {} only: add [languages.{to}] to briefing.toml, with its title",
                config.language
            )
        } else {
            format!(
                "add [languages.{to}] to briefing.toml, or translate into one of the site's languages: {}",
                others.join(", ")
            )
        };
        return Err(usage(format!("the site has no language `{to}`"), &hint));
    }
    Ok(())
}

/// `given` as a path under `content/`, with `/` separators: found from the current folder,
/// then from the root, then from `content/`.
fn content_rel(root: &Path, given: &Path) -> Result<String, Failure> {
    let hint = "give the original's file, e.g. content/hedges/china.md or content/hedges/_index.md";
    let content = root.join("content");
    let found: Option<PathBuf> = [given.to_path_buf(), root.join(given), content.join(given)]
        .into_iter()
        .find(|p| p.is_file());
    let Some(found) = found else {
        return Err(usage(format!("no file {}", given.display()), hint));
    };
    let (Ok(real), Ok(content)) = (fs::canonicalize(&found), fs::canonicalize(&content)) else {
        return Err(usage(format!("no file {}", given.display()), hint));
    };
    let rel = match real.strip_prefix(&content) {
        Ok(r) => r
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => {
            return Err(usage(
                format!("{} is not in the site's content/ folder", given.display()),
                hint,
            ));
        }
    };
    if !rel.ends_with(".md") || rel.starts_with("data/") {
        return Err(usage(
            format!("content/{rel} is not a brief or a section's _index.md"),
            hint,
        ));
    }
    Ok(rel)
}

/// The original, parsed as the build parses it; its errors are the build's.
/// The translation into `to` (`content/...`) whose `translation_key` is `key`, if any.
fn keyed(root: &Path, key: &str, to: &str) -> Option<String> {
    let suffix = format!(".{to}.md");
    walkdir::WalkDir::new(root.join("content"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.file_name().to_string_lossy().ends_with(&suffix))
        .find(|e| {
            let Ok(text) = fs::read_to_string(e.path()) else {
                return false;
            };
            crate::content::frontmatter::split(&text, |t| t.parse::<toml::Table>().is_ok())
                .ok()
                .and_then(|split| text[split.toml].parse::<toml::Table>().ok())
                .is_some_and(|t| t.get("translation_key").and_then(|v| v.as_str()) == Some(key))
        })
        .and_then(|e| {
            let rel = e.path().strip_prefix(root).ok()?;
            Some(rel.to_string_lossy().replace('\\', "/"))
        })
}

fn read_original(root: &Path, rel: &str, languages: &Languages) -> Result<SourceDoc, Failure> {
    let path = root.join("content").join(rel);
    let display = crate::diagnostics::display_path(root, &path);
    let text = crate::confine::Root::new(root)
        .resolve(&path)
        .and_then(|real| crate::content::read_text_at(&display, &real))
        .map_err(|d| Failure::Content(vec![d]))?;
    let doc = crate::content::parse_doc_in(rel, &display, text, 0, languages)
        .map_err(Failure::Content)?;
    match doc.kind {
        DocKind::Brief(_) | DocKind::Section(_) => Ok(doc),
        DocKind::Translation { .. } => Err(usage(
            format!("content/{rel} is a translation"),
            "give its original",
        )),
    }
}

/// A translation of `texts` into `to` with every text field copied from the original, in the
/// shape `content::translation` merges: one `[[key_judgments]]` and `[[events]]` per item of
/// the original, in its order, and each source by its id. `title` replaces the original's title
/// (`init` writes a placeholder there).
pub(super) fn scaffold(
    texts: &Texts,
    hash: &str,
    shown: &str,
    to: &str,
    title: Option<&str>,
) -> String {
    let s = toml_string;
    let mut out = format!(
        "+++\n# The `{to}` translation of {shown}: translate the text below. Dates, actors,\n\
         # levels, URLs and the rest are the original's. When the original changes, `briefing\n\
         # check` says so; once this translates it again, run\n\
         # `briefing translate {shown} --to {to} --update`.\n\
         translated_from = {}\ntitle = {}\n",
        s(hash),
        s(title.unwrap_or(&texts.title))
    );
    for (key, v) in [
        ("description", &texts.description),
        ("bottom_line", &texts.bottom_line),
    ] {
        if let Some(v) = v {
            out.push_str(&format!("{key} = {}\n", s(v)));
        }
    }
    for t in &texts.key_judgments {
        out.push_str(&format!("\n[[key_judgments]]\ntext = {}\n", s(t)));
    }
    for t in &texts.events {
        out.push_str(&format!("\n[[events]]\ntext = {}\n", s(t)));
    }
    for (id, title) in &texts.sources {
        out.push_str(&format!(
            "\n[[sources]]\nid = {}\ntitle = {}\n",
            s(id),
            s(title)
        ));
    }
    if let Some(h) = &texts.hedge {
        out.push_str(&format!("\n[hedge]\npartner = {}\n", s(&h.partner)));
        for (name, r) in &h.rationales {
            out.push_str(&format!("{name} = {{ rationale = {} }}\n", s(r)));
        }
    }
    out.push_str("+++\n");
    out.push_str(&texts.body);
    out
}

/// `init --languages`: the default language and the others, each a language code, none twice.
pub(super) fn init_languages(languages: &[String]) -> Result<(&str, &[String]), Failure> {
    let hint = "give the site's languages as codes, the default one first: `--languages en,fr`";
    let Some((default, others)) = languages.split_first() else {
        return Ok(("en", &[]));
    };
    for (i, code) in languages.iter().enumerate() {
        if !crate::config::is_language_code(code) {
            return Err(usage(format!("`{code}` is not a language code"), hint));
        }
        if languages[..i].contains(code) {
            return Err(usage(format!("`{code}` is given twice"), hint));
        }
    }
    Ok((default.as_str(), others))
}

/// The translations `init` writes into each of `others`: the home page's and the section's,
/// made by [`scaffold`] from the texts `init` wrote (its placeholders, which `check` flags in
/// the translation as in the original), with a placeholder title.
pub(super) fn init_translations(
    others: &[String],
    home: &str,
    section: &str,
) -> Result<Vec<(String, Vec<u8>)>, Failure> {
    let mut files = Vec::new();
    for (rel, text, title) in [
        ("_index.md", home, crate::placeholders::LANGUAGE_TITLE),
        (
            "analysis/_index.md",
            section,
            crate::placeholders::SECTION_TITLE,
        ),
    ] {
        let shown = format!("content/{rel}");
        let doc = crate::content::parse_doc(rel, Path::new(&shown), text.into(), 0)
            .map_err(Failure::Content)?;
        let Some(texts) = original::texts(&doc) else {
            continue;
        };
        for code in others {
            files.push((
                format!("content/{}", translation::translation_path(rel, code)),
                scaffold(&texts, &texts.hash(), &shown, code, Some(title)).into_bytes(),
            ));
        }
    }
    Ok(files)
}

/// `briefing new hedges/china.fr` on a site with French: a translation is no new brief, it is
/// made from its original by `briefing translate`. Names the site does not read as a language
/// (`report.v2`) are left to `new`.
pub(super) fn not_a_translation(root: &Path, config: &Config, target: &str) -> Result<(), Failure> {
    let others: Vec<String> = config.languages.keys().cloned().collect();
    let file = format!("{target}.md");
    match translation::name(&file, &config.language, &others) {
        Name::Original => Ok(()),
        Name::Translation { of, language } => {
            let stem = of.strip_suffix(".md").unwrap_or(&of);
            if root.join("content").join(&of).is_file() {
                Err(usage(
                    format!(
                        "`{target}` is the translation into `{language}` of content/{of}, which exists"
                    ),
                    &format!(
                        "scaffold the translation from it with `briefing translate content/{of} --to {language}`"
                    ),
                ))
            } else {
                Err(usage(
                    format!(
                        "`{target}` names a translation into `{language}`, but there is no original content/{of} yet"
                    ),
                    &format!(
                        "create the original first with `briefing new {stem}`, then `briefing translate content/{of} --to {language}`"
                    ),
                ))
            }
        }
        Name::Default { language } => Err(usage(
            format!(
                "`{target}` is named for `{language}`, the default language, whose files have no language in their name"
            ),
            &format!(
                "leave the language out: `briefing new {}`",
                file.replacen(&format!(".{language}.md"), "", 1)
            ),
        )),
        Name::Unknown { language } => Err(usage(
            format!(
                "`{target}` is named for the language `{language}`, which the site does not have"
            ),
            &format!(
                "add [languages.{language}] to briefing.toml, or choose a name without `.{language}`"
            ),
        )),
    }
}
