//! The placeholders `briefing init` and `briefing new` write, in one table that the scaffold
//! writes from and the build checks against, so the two cannot drift apart.
//!
//! A foundation module (not part of `scaffold`): `config` and `content` look for placeholders
//! while they parse, and no stage may name a client. Detection compares a parsed value with
//! the exact text in the table, so a placeholder an analyst has edited is no longer one; it
//! looks only at the few fields the scaffold writes, on a table the caller already parsed.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use toml::de::{DeTable, DeValue};

use crate::diagnostics::Diagnostic;

/// Which file a placeholder is written into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum File {
    /// `briefing.toml`.
    Config,
    /// A `[languages.CODE]` table of `briefing.toml`.
    Language,
    /// `content/_index.md`.
    Home,
    /// A section's `_index.md`.
    Section,
    /// A brief (the built-in archetype, which `init` and `new` both write).
    Brief,
}

/// Where in the file it sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The string value of a top-level key.
    Key(&'static str),
    /// An item of a top-level list of strings.
    Item(&'static str),
    /// The `text` of a `[[key_judgments]]` entry.
    Judgment,
    /// The first line of the body.
    BodyStart,
    /// The last line of the body.
    BodyEnd,
}

/// One placeholder: where the scaffold writes it, its exact text, and what to write instead.
#[derive(Debug, Clone, Copy)]
pub struct Placeholder {
    pub file: File,
    pub field: Field,
    pub text: &'static str,
    /// The fix, in an analyst's words.
    pub instead: &'static str,
}

pub const BASE_URL: &str = "https://example.org";
pub const SITE_DESCRIPTION: &str = "Analysis and key judgments.";
pub const ORGANIZATION: &str = "Your organisation";
pub const AUTHOR: &str = "Your Name";
pub const HOME_BOTTOM_LINE: &str = "The one sentence a reader must remember.";
pub const HOME_BODY: &str = "Welcome to the briefing.";
pub const SECTION_DESCRIPTION: &str = "Our analysis.";
pub const FIRST_BRIEF_TITLE: &str = "First brief";
pub const BRIEF_DESCRIPTION: &str = "One sentence for listings and feeds.";
pub const BRIEF_BOTTOM_LINE: &str = "The one thing a reader must take away.";
pub const JUDGMENT: &str = "A judgment the brief supports.";
pub const BRIEF_SUMMARY: &str = "The first paragraph is the summary.";
pub const BRIEF_BODY: &str = "Write the analysis here.";
/// What `init --languages` writes for the site's and home page's title in another language,
/// and for the section's (the other texts of a translation are the original's placeholders).
pub const LANGUAGE_TITLE: &str = "The site's title in this language";
pub const SECTION_TITLE: &str = "The section's title in this language";

/// Every placeholder the scaffold writes.
pub const TABLE: &[Placeholder] = &[
    Placeholder {
        file: File::Config,
        field: Field::Key("base_url"),
        text: BASE_URL,
        instead: "set the https:// address the site will be published at: every feed, sitemap entry and shared link starts with it",
    },
    Placeholder {
        file: File::Config,
        field: Field::Key("description"),
        text: SITE_DESCRIPTION,
        instead: "describe the briefing in one sentence: search engines, feeds and link previews show it",
    },
    Placeholder {
        file: File::Config,
        field: Field::Key("organization"),
        text: ORGANIZATION,
        instead: "write the name of the organisation that publishes the briefing, as readers should see it",
    },
    Placeholder {
        file: File::Config,
        field: Field::Item("authors"),
        text: AUTHOR,
        instead: "list the real authors, e.g. authors = [\"Jane Doe\"], or remove the list to name none",
    },
    Placeholder {
        file: File::Language,
        field: Field::Key("title"),
        text: LANGUAGE_TITLE,
        instead: "write the site's title in this language: pages, feeds and link previews in it show it",
    },
    Placeholder {
        file: File::Home,
        field: Field::Key("title"),
        text: LANGUAGE_TITLE,
        instead: "write the home page's title in this language (the site's title, usually)",
    },
    Placeholder {
        file: File::Section,
        field: Field::Key("title"),
        text: SECTION_TITLE,
        instead: "write the section's title in this language",
    },
    Placeholder {
        file: File::Home,
        field: Field::Key("bottom_line"),
        text: HOME_BOTTOM_LINE,
        instead: "write the one sentence a reader must remember from the whole briefing",
    },
    Placeholder {
        file: File::Home,
        field: Field::BodyStart,
        text: HOME_BODY,
        instead: "write the introduction readers see on the home page",
    },
    Placeholder {
        file: File::Section,
        field: Field::Key("description"),
        text: SECTION_DESCRIPTION,
        instead: "say in one sentence what this section covers",
    },
    Placeholder {
        file: File::Brief,
        field: Field::Key("title"),
        text: FIRST_BRIEF_TITLE,
        instead: "give the brief the title readers should see",
    },
    Placeholder {
        file: File::Brief,
        field: Field::Key("description"),
        text: BRIEF_DESCRIPTION,
        instead: "write the one sentence that listings and feeds show for this brief",
    },
    Placeholder {
        file: File::Brief,
        field: Field::Key("bottom_line"),
        text: BRIEF_BOTTOM_LINE,
        instead: "write the one thing a reader must take away from this brief",
    },
    Placeholder {
        file: File::Brief,
        field: Field::Judgment,
        text: JUDGMENT,
        instead: "state a judgment the brief supports, or remove the [[key_judgments]] entry",
    },
    Placeholder {
        file: File::Brief,
        field: Field::BodyStart,
        text: BRIEF_SUMMARY,
        instead: "write the summary: the first paragraph is what listings and the full briefing show",
    },
    Placeholder {
        file: File::Brief,
        field: Field::BodyEnd,
        text: BRIEF_BODY,
        instead: "write the analysis in place of this line",
    },
];

/// Whether `init` writes `p` only into a site's other languages (`init --languages en,fr`).
pub fn only_for_translations(p: &Placeholder) -> bool {
    p.file == File::Language || p.text == LANGUAGE_TITLE || p.text == SECTION_TITLE
}

/// The label under the caret; [`is_placeholder`] knows a placeholder diagnostic by it.
const LABEL: &str = "replace this placeholder";

/// Whether `d` is a warning about a placeholder (`check` makes these errors).
pub fn is_placeholder(d: &Diagnostic) -> bool {
    d.label.as_deref() == Some(LABEL)
}

/// Which file of the placeholder table a content file is, from its path under `content/`. A
/// translation is checked as its original (give the original's path): `init --languages`
/// copies the home page's and section's placeholders into their translations.
pub fn doc_file(rel: &str) -> File {
    if rel == "_index.md" {
        File::Home
    } else if rel.ends_with("/_index.md") {
        File::Section
    } else {
        File::Brief
    }
}

/// The placeholders of `file` still in a parsed TOML table. `offset` is where the TOML text
/// starts in `source` (after `+++` in front matter); `skip` names keys not to look at.
pub fn in_toml(
    file: File,
    table: &DeTable<'_>,
    display: &Path,
    source: &Arc<str>,
    offset: usize,
    skip: &[&str],
) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for p in TABLE.iter().filter(|p| p.file == file) {
        let (key, message) = match p.field {
            Field::Key(k) => (k, format!("`{k}` is still the placeholder \"{}\"", p.text)),
            Field::Item(k) => (
                k,
                format!("`{k}` still lists the placeholder \"{}\"", p.text),
            ),
            Field::Judgment => (
                "key_judgments",
                format!("a key judgment is still the placeholder \"{}\"", p.text),
            ),
            Field::BodyStart | Field::BodyEnd => continue,
        };
        if skip.contains(&key) {
            continue;
        }
        let Some(value) = table.get(key) else {
            continue;
        };
        let spans: Vec<Range<usize>> = match p.field {
            Field::Key(_) => same(value.get_ref(), p, key)
                .then(|| value.span())
                .into_iter()
                .collect(),
            Field::Item(_) => items(value.get_ref())
                .filter(|v| same(v.get_ref(), p, key))
                .map(|v| v.span())
                .collect(),
            _ => items(value.get_ref())
                .filter_map(|kj| kj.get_ref().get("text"))
                .filter(|v| same(v.get_ref(), p, key))
                .map(|v| v.span())
                .collect(),
        };
        for span in spans {
            found.push(warning(p, &message, display, source, span, offset));
        }
    }
    // In the order of the file, as every other report of it.
    found.sort_by_key(|d| d.span.as_ref().map(|s| s.start));
    found
}

/// The placeholders of `file` still in a Markdown body starting at `body_start` in `source`.
pub fn in_body(
    file: File,
    display: &Path,
    source: &Arc<str>,
    body_start: usize,
) -> Vec<Diagnostic> {
    let body = &source[body_start.min(source.len())..];
    let mut found = Vec::new();
    for p in TABLE.iter().filter(|p| p.file == file) {
        let at = match p.field {
            Field::BodyStart => {
                let text = body.trim_start();
                (text.lines().next().map(str::trim_end) == Some(p.text))
                    .then(|| body.len() - text.len())
            }
            Field::BodyEnd => {
                let text = body.trim_end();
                (text.lines().last().map(str::trim_start) == Some(p.text))
                    .then(|| text.len() - p.text.len())
            }
            _ => None,
        };
        if let Some(at) = at {
            let which = if p.field == Field::BodyStart {
                "starts"
            } else {
                "ends"
            };
            let message = format!("the text still {which} with the placeholder \"{}\"", p.text);
            let span = body_start + at..body_start + at + p.text.len();
            found.push(warning(p, &message, display, source, span, 0));
        }
    }
    found
}

/// A value equal to the placeholder; a base URL also with a trailing slash.
fn same(v: &DeValue<'_>, p: &Placeholder, key: &str) -> bool {
    v.as_str()
        .is_some_and(|s| s == p.text || (key == "base_url" && s.trim_end_matches('/') == p.text))
}

fn items<'a, 'i>(v: &'a DeValue<'i>) -> impl Iterator<Item = &'a toml::Spanned<DeValue<'i>>> + 'a {
    v.as_array().into_iter().flat_map(|a| a.iter())
}

fn warning(
    p: &Placeholder,
    message: &str,
    display: &Path,
    source: &Arc<str>,
    span: Range<usize>,
    offset: usize,
) -> Diagnostic {
    Diagnostic::warning(message)
        .in_file(display)
        .at(source, span.start + offset..span.end + offset)
        .with_label(LABEL)
        .with_hint(p.instead)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str, skip: &[&str]) -> Vec<Diagnostic> {
        let source: Arc<str> = Arc::from(text);
        let table = DeTable::parse(text).unwrap();
        in_toml(
            File::Config,
            table.get_ref(),
            Path::new("briefing.toml"),
            &source,
            0,
            skip,
        )
    }

    #[test]
    fn finds_each_config_placeholder_at_its_line() {
        let text = format!(
            "title = \"T\"\nbase_url = \"{BASE_URL}/\"\norganization = \"{ORGANIZATION}\"\nauthors = [\"Ann\", \"{AUTHOR}\"]\n"
        );
        let found = config(&text, &[]);
        let at: Vec<_> = found.iter().map(|d| d.location().unwrap()).collect();
        assert_eq!(at, vec![(2, 12), (3, 16), (4, 19)], "{found:?}");
        let reordered = format!("authors = [\"{AUTHOR}\"]\nbase_url = \"{BASE_URL}\"\n");
        let lines: Vec<_> = config(&reordered, &[])
            .iter()
            .map(|d| d.location().unwrap().0)
            .collect();
        assert_eq!(lines, vec![1, 2]);
        assert!(found.iter().all(is_placeholder));
        assert!(
            found[2].message.contains("`authors`"),
            "{}",
            found[2].message
        );
        assert_eq!(config(&text, &["base_url"]).len(), 2);
    }

    #[test]
    fn an_edited_placeholder_is_no_longer_one() {
        let text = "organization = \"Your organisation, Ottawa\"\nbase_url = \"https://example.org.ca\"\ndescription = \"analysis and key judgments.\"\n";
        assert!(config(text, &[]).is_empty());
    }

    #[test]
    fn finds_judgments_and_body_lines() {
        let text = format!(
            "+++\n[[key_judgments]]\ntext = \"Mine.\"\nconfidence = \"likely\"\n[[key_judgments]]\ntext = \"{JUDGMENT}\"\nconfidence = \"likely\"\n+++\n\n{BRIEF_SUMMARY}\n\nMore.\n\n{BRIEF_BODY}\n"
        );
        let source: Arc<str> = Arc::from(text.as_str());
        let toml = &text[4..text.rfind("+++").unwrap()];
        let table = DeTable::parse(toml).unwrap();
        let p = Path::new("content/a.md");
        let fm = in_toml(File::Brief, table.get_ref(), p, &source, 4, &[]);
        assert_eq!(fm.len(), 1);
        assert_eq!(fm[0].location(), Some((6, 8)));
        let body_start = text.find("+++\n\n").unwrap() + 4;
        let body = in_body(File::Brief, p, &source, body_start);
        let at: Vec<_> = body.iter().map(|d| d.location().unwrap()).collect();
        assert_eq!(at, vec![(10, 1), (14, 1)], "{body:?}");
        assert!(in_body(File::Brief, p, &Arc::from("+++\n+++\nMine.\n"), 8).is_empty());
    }
}
