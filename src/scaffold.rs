//! `briefing init` and `briefing new`: files a user starts from.

use std::fs;
use std::path::Path;

use crate::config::Config;
use crate::content::DocKind;
use crate::diagnostics::{Diagnostic, Failure};
use crate::placeholders;

include!(concat!(env!("OUT_DIR"), "/default_theme.rs"));

mod translate;
pub use translate::{Translated, translate};

fn usage(msg: impl Into<String>, hint: &str) -> Failure {
    Failure::Usage(Diagnostic::error(msg).with_hint(hint))
}

fn write_new(path: &Path, text: &[u8]) -> Result<(), Failure> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| Failure::io("cannot create folder", parent, &e))?;
    }
    fs::write(path, text).map_err(|e| Failure::io("cannot write", path, &e))
}

/// A moment in UTC, split into calendar and clock fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcParts {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

/// Splits seconds since the Unix epoch into UTC fields (the civil-from-days algorithm), so
/// dates and release names need no date crate.
pub fn utc_parts(secs: u64) -> UtcParts {
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let rem = secs % 86_400;
    UtcParts {
        year: y,
        month: m as u32,
        day: d as u32,
        hour: (rem / 3600) as u32,
        minute: (rem / 60 % 60) as u32,
        second: (rem % 60) as u32,
    }
}

/// The current time in UTC (the epoch if the clock is before it).
pub fn utc_now_parts() -> UtcParts {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    utc_parts(secs)
}

/// Today's date (UTC) as YYYY-MM-DD.
pub fn today() -> String {
    let t = utc_now_parts();
    format!("{:04}-{:02}-{:02}", t.year, t.month, t.day)
}

/// `s` escaped for the inside of a TOML basic string (`"..."`).
fn escape_basic(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A TOML basic string holding `s`.
fn toml_string(s: &str) -> String {
    format!("\"{}\"", escape_basic(s))
}

/// "energy-security" as a title: "Energy security".
fn title_from_slug(slug: &str) -> String {
    let t = slug.replace(['-', '_'], " ");
    let mut c = t.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// Creates a new site in `dir` that builds at once, titled `title` (by default, after the
/// folder). Every placeholder it writes comes from [`placeholders::TABLE`], which the build
/// warns about until the analyst replaces it. `languages` (`["en", "fr"]`) names the default
/// language first; each other one gets its `[languages.CODE]` table and translations of the
/// home page and the section (see [`translate::init_translations`]).
pub fn init(dir: &Path, title: Option<&str>, languages: &[String]) -> Result<Vec<String>, Failure> {
    let (default, others) = translate::init_languages(languages)?;
    if dir.join(crate::config::CONFIG_FILE).exists() || dir.join("content").exists() {
        return Err(usage(
            format!("{} already holds a site", dir.display()),
            "choose a new folder for `briefing init`",
        ));
    }
    let title = title.map(str::trim).filter(|t| !t.is_empty());
    let title = title.map(str::to_string).unwrap_or_else(|| {
        dir.file_name()
            .map(|n| title_from_slug(&n.to_string_lossy()))
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| "My briefing".into())
    });
    let title = toml_string(title.trim());
    let mut config = format!(
        "title = {title}\ndescription = {}\nbase_url = {}\nlanguage = {}\ntheme = \"default\"\norganization = {}\nauthors = [{}]\ntaxonomies = [\"actors\", \"topics\"]\n",
        toml_string(placeholders::SITE_DESCRIPTION),
        toml_string(placeholders::BASE_URL),
        toml_string(default),
        toml_string(placeholders::ORGANIZATION),
        toml_string(placeholders::AUTHOR),
    );
    // The home page is titled after the site: its h1 is this title, and "Home" is nothing a
    // reader should see as a heading.
    let home = format!(
        "+++\ntitle = {title}\nbottom_line = {}\n+++\n\n{}\n",
        toml_string(placeholders::HOME_BOTTOM_LINE),
        placeholders::HOME_BODY
    );
    let section = format!(
        "+++\ntitle = \"Analysis\"\ndescription = {}\nweight = 1\n+++\n",
        toml_string(placeholders::SECTION_DESCRIPTION)
    );
    for code in others {
        config.push_str(&format!(
            "\n[languages.{code}]\ntitle = {}\n",
            toml_string(placeholders::LANGUAGE_TITLE)
        ));
    }
    let translations = translate::init_translations(others, &home, &section)?;
    let mut written = Vec::new();
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("briefing.toml".into(), config.into_bytes()),
        (".gitignore".into(), b"/output\n/.output.lock\n".to_vec()),
        ("content/_index.md".into(), home.into_bytes()),
        ("content/analysis/_index.md".into(), section.into_bytes()),
        (
            "content/analysis/first-brief.md".into(),
            brief_template(placeholders::FIRST_BRIEF_TITLE, &today()).into_bytes(),
        ),
    ];
    files.extend(translations);
    for (rel, bytes) in files {
        write_new(&dir.join(&rel), &bytes)?;
        written.push(rel);
    }
    for (rel, bytes) in DEFAULT_THEME {
        let rel = format!("themes/default/{rel}");
        write_new(&dir.join(&rel), bytes)?;
        written.push(rel);
    }
    Ok(written)
}

/// The built-in archetype: every front-matter field, with a placeholder or a comment.
pub fn brief_template(title: &str, date: &str) -> String {
    format!(
        r#"+++
title = "{title}"
date = {date}
# updated = {date}
description = "{description}"
# authors = ["Your Name"]        # default: the site's authors
draft = false
weight = 0
# slug = "custom-url"
bottom_line = "{bottom_line}"
actors = []                      # e.g. ["Japan", "China"]
topics = []                      # e.g. ["Alliance", "Economy"]

[[key_judgments]]
text = "{judgment}"
confidence = "likely"            # almost certain | very likely | likely | roughly even | unlikely | very unlikely | remote

# [[sources]]
# id = "mod"
# title = "Defense of Japan"
# publisher = "Ministry of Defense of Japan"
# url = "https://..."
# date = "2017-08"

# [[events]]
# date = "2017-05"               # YYYY-MM or YYYY-MM-DD
# text = "What happened."

# [hedge]                         # for briefs about a hedging partner
# partner = "China"
# kind = "soft"                  # hard | soft
# economic = {{ level = "high", rationale = "..." }}      # low | medium | high
# security = {{ level = "low", rationale = "..." }}
# credibility = {{ level = "medium", rationale = "..." }}

[extra]
+++

{summary}

<!-- more -->

## Background

{body}
"#,
        description = placeholders::BRIEF_DESCRIPTION,
        bottom_line = placeholders::BRIEF_BOTTOM_LINE,
        judgment = placeholders::JUDGMENT,
        summary = placeholders::BRIEF_SUMMARY,
        body = placeholders::BRIEF_BODY,
    )
}

const NEW_HINT: &str = "give SECTION/SLUG, e.g. `briefing new hedges/vietnam`";

/// The `SECTION/SLUG` (or a bare `SLUG`, at the top of the site) that `briefing new` was given.
fn brief_target(raw: &str) -> Result<String, Failure> {
    // A leading slash is how the brief's URL starts, so it is forgiven; a trailing one is a
    // tab-completed folder, which names no brief (`hedges/` once wrote content/hedges.md).
    let t = raw.strip_prefix('/').unwrap_or(raw);
    if t.is_empty() {
        let msg = if raw.is_empty() {
            "`briefing new` was given an empty path".to_string()
        } else {
            format!("`{raw}` names no brief")
        };
        return Err(usage(msg, NEW_HINT));
    }
    if t.ends_with('/') {
        return Err(usage(
            format!("`{raw}` is a folder: it names no brief in it"),
            NEW_HINT,
        ));
    }
    let t = t.strip_suffix(".md").unwrap_or(t);
    if t.split('/').any(|c| c.is_empty() || c == "." || c == "..") {
        return Err(usage(
            format!("`{raw}` is not a SECTION/SLUG path"),
            NEW_HINT,
        ));
    }
    Ok(t.to_string())
}

/// A part of a `briefing new` path as a file or folder name: the slug, and the words the
/// analyst typed when they were not one already ("Energy Security" -> `energy-security`).
fn slug_part(raw: &str) -> (String, Option<String>) {
    let slug = crate::slug::slugify(raw);
    let title = (slug != raw).then(|| raw.trim().to_string());
    (slug, title)
}

/// The section folders `briefing new` could put a brief in: the folders of `parent` (under
/// `content/`) with an `_index.md`, for the hint when the one asked for is missing.
fn sections_in(content: &Path, parent: &str) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(content.join(parent))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("_index.md").is_file())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if parent.is_empty() {
                name
            } else {
                format!("{parent}/{name}")
            }
        })
        .collect();
    names.sort();
    names
}

/// Writes `content/SECTION/SLUG.md` from the section's archetype or the built-in one. The
/// slug comes from the last part of `target` ("analysis/Energy Security" writes
/// `analysis/energy-security.md` titled "Energy Security"); a missing section is created
/// with its `_index.md` when `create_section` says so. Returns the files written, relative
/// to `root`, the brief last.
pub fn new_brief(
    root: &Path,
    target: &str,
    title: Option<&str>,
    create_section: bool,
) -> Result<Vec<String>, Failure> {
    let config = Config::load(root)?;
    let target = brief_target(target)?;
    translate::not_a_translation(root, &config, &target)?;
    let content = root.join("content");
    let (raw_section, raw_name) = target.rsplit_once('/').unwrap_or(("", target.as_str()));
    // A section folder that exists keeps its name; a new one gets a slug, as the brief does.
    let mut section = String::new();
    let mut missing: Vec<(String, String)> = Vec::new();
    for raw in raw_section.split('/').filter(|p| !p.is_empty()) {
        let prefix = if section.is_empty() {
            String::new()
        } else {
            format!("{section}/")
        };
        let name = if content.join(format!("{prefix}{raw}")).is_dir() {
            raw.to_string()
        } else {
            slug_part(raw).0
        };
        section = format!("{prefix}{name}");
        if !content.join(&section).join("_index.md").exists() {
            let (slug, typed) = slug_part(raw);
            missing.push((
                section.clone(),
                typed.unwrap_or_else(|| title_from_slug(&slug)),
            ));
        }
    }
    let (slug, typed_title) = slug_part(raw_name);
    // `index.md` is a folder brief's text, `_index.md` a section's: neither names a new brief.
    if slug.is_empty() || slug == "index" {
        return Err(usage(
            format!(
                "`{raw_name}` names no brief: `index` is reserved for sections and folder briefs"
            ),
            NEW_HINT,
        ));
    }
    let target = if section.is_empty() {
        slug.clone()
    } else {
        format!("{section}/{slug}")
    };
    let rel = format!("content/{target}.md");
    let path = root.join(&rel);
    if path.exists() || content.join(format!("{target}/index.md")).exists() {
        return Err(usage(
            format!("{rel} already exists"),
            "choose another slug; briefing never overwrites a brief",
        ));
    }
    if content.join(&target).is_dir() {
        return Err(usage(
            format!(
                "content/{target}/ is a folder, not a brief: `briefing new` needs a slug inside it"
            ),
            NEW_HINT,
        ));
    }
    if let Some((first, _)) = missing.first()
        && !create_section
    {
        let parent = first.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
        let existing = sections_in(&content, parent);
        let choice = if existing.is_empty() {
            String::new()
        } else {
            format!(", or use an existing section: {}", existing.join(", "))
        };
        return Err(usage(
            format!("no section content/{first}/ (it has no _index.md)"),
            &format!("add --create-section to create content/{first}/ with its _index.md{choice}"),
        ));
    }
    let section_index = content.join(&section).join("_index.md");
    let title = title
        .map(str::to_string)
        .or(typed_title)
        .unwrap_or_else(|| title_from_slug(&slug));
    let mut archetype = None;
    if section_index.exists() {
        let display = crate::diagnostics::display_path(root, &section_index);
        let confined = crate::confine::Root::new(root);
        let text = confined
            .resolve(&section_index)
            .and_then(|real| crate::content::read_text_at(&display, &real))
            .map_err(|d| Failure::Content(vec![d]))?;
        let doc = crate::content::parse_doc(&format!("{section}/_index.md"), &display, text, 0)
            .map_err(Failure::Content)?;
        if let DocKind::Section(m) = &doc.kind
            && let Some(a) = &m.archetype
        {
            // `parse_doc` refused absolute and `..` names; a link out of the site is refused here.
            let p = root.join("archetypes").join(a);
            let real = confined.resolve(&p).map_err(|d| {
                let mut e =
                    Diagnostic::error(format!("archetype `{a}`: {}", d.message)).in_file(&display);
                if let Some(span) = crate::content::frontmatter::field_span(&doc.text, "archetype")
                {
                    e = e.at(&doc.text, span);
                }
                Failure::Content(vec![e.with_hint(d.hint.unwrap_or_default())])
            })?;
            let text = fs::read_to_string(&real)
                .map_err(|e| Failure::io("cannot read the section's archetype", &p, &e))?;
            archetype = Some(text);
        }
    }
    let text = match archetype {
        Some(a) => a
            .replace("{{title}}", &escape_basic(&title))
            .replace("{{date}}", &today()),
        None => brief_template(&escape_basic(&title), &today()),
    };
    let mut written = Vec::new();
    for (dir, title) in missing {
        let index = format!("content/{dir}/_index.md");
        let text = format!("+++\ntitle = \"{}\"\n+++\n", escape_basic(&title));
        write_new(&root.join(&index), text.as_bytes())?;
        written.push(index);
    }
    write_new(&path, text.as_bytes())?;
    written.push(rel);
    Ok(written)
}
