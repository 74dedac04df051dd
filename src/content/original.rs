//! What a translation translates: an original's text fields and body, as written, and their
//! hash, which a translation records as `translated_from` to say which version it was made from.
//!
//! Read from the front matter as written, not from the parsed metadata: that has been typeset
//! (smart quotes), and a change to typesetting must not make every translation stale. Only text
//! is hashed; dates, weights, actors, levels and URLs are inherited, so editing them leaves a
//! translation current, and so does reformatting the TOML (the values are hashed, not the lines).

use super::{DocKind, SourceDoc};

/// The text an original gives its translations to translate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Texts {
    pub title: String,
    pub description: Option<String>,
    pub bottom_line: Option<String>,
    pub key_judgments: Vec<String>,
    pub events: Vec<String>,
    /// `(id, title)` of each source: a translation retitles a source by its id.
    pub sources: Vec<(String, String)>,
    pub hedge: Option<HedgeTexts>,
    /// The Markdown body as written.
    pub body: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HedgeTexts {
    pub partner: String,
    /// The rationales of the economic, security and credibility assessments.
    pub rationales: [(&'static str, String); 3],
}

impl super::Loader {
    /// Every document the last [`super::Loader::load`] read, in no particular order.
    pub fn loaded(&self) -> impl Iterator<Item = &std::sync::Arc<SourceDoc>> {
        self.linked.iter()
    }
}

/// The texts of a brief or section (`None` for a translation, or a file whose front matter
/// does not read, which the content stage has reported already).
pub fn texts(doc: &SourceDoc) -> Option<Texts> {
    if matches!(doc.kind, DocKind::Translation { .. }) {
        return None;
    }
    let split = super::frontmatter::split(&doc.text, |t| t.parse::<toml::Table>().is_ok()).ok()?;
    let table: toml::Table = doc.text[split.toml].parse().ok()?;
    let s = |t: &toml::Table, k: &str| t.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let list = |k: &str| -> Vec<&toml::Table> {
        table
            .get(k)
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_table())
            .collect()
    };
    let text = |t: &toml::Table| s(t, "text").unwrap_or_default();
    let hedge = table.get("hedge").and_then(|h| h.as_table()).map(|h| {
        let rationale = |k: &str| {
            h.get(k)
                .and_then(|a| a.as_table())
                .and_then(|a| s(a, "rationale"))
                .unwrap_or_default()
        };
        HedgeTexts {
            partner: s(h, "partner").unwrap_or_default(),
            rationales: [
                ("economic", rationale("economic")),
                ("security", rationale("security")),
                ("credibility", rationale("credibility")),
            ],
        }
    });
    Some(Texts {
        title: s(&table, "title").unwrap_or_default(),
        description: s(&table, "description"),
        bottom_line: s(&table, "bottom_line"),
        key_judgments: list("key_judgments").into_iter().map(text).collect(),
        events: list("events").into_iter().map(text).collect(),
        sources: list("sources")
            .into_iter()
            .map(|t| {
                (
                    s(t, "id").unwrap_or_default(),
                    s(t, "title").unwrap_or_default(),
                )
            })
            .collect(),
        hedge,
        body: doc.body().to_string(),
    })
}

impl Texts {
    /// The `translated_from` of a translation of this version of the text: 16 hex digits (see
    /// [`crate::hashing::text_hash`]). Each text goes in after the name of its field, so a
    /// sentence moved from the description to the bottom line is a change; the body goes in
    /// with its lines' trailing spaces and runs of blank lines dropped, which Markdown ignores.
    pub fn hash(&self) -> String {
        let mut parts: Vec<&str> = vec!["title", &self.title];
        for (name, v) in [
            ("description", &self.description),
            ("bottom_line", &self.bottom_line),
        ] {
            if let Some(v) = v {
                parts.extend([name, v.as_str()]);
            }
        }
        for t in &self.key_judgments {
            parts.extend(["key_judgment", t.as_str()]);
        }
        for t in &self.events {
            parts.extend(["event", t.as_str()]);
        }
        for (id, title) in &self.sources {
            parts.extend(["source", id.as_str(), title.as_str()]);
        }
        if let Some(h) = &self.hedge {
            parts.extend(["hedge", h.partner.as_str()]);
            for (name, r) in &h.rationales {
                parts.extend([*name, r.as_str()]);
            }
        }
        let body = normalized_body(&self.body);
        parts.extend(["body", body.as_str()]);
        crate::hashing::text_hash(parts)
    }
}

/// The body without what Markdown ignores: trailing spaces, leading and trailing blank lines,
/// and a run of blank lines (one separates paragraphs as well as three).
fn normalized_body(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut blank = false;
    for line in body.lines().map(str::trim_end) {
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push('\n');
            blank = false;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn doc(text: &str) -> SourceDoc {
        super::super::parse_doc(
            "sec/a.md",
            std::path::Path::new("content/sec/a.md"),
            Arc::from(text),
            0,
        )
        .unwrap()
    }

    const BRIEF: &str = "+++\ntitle = \"China\"\ndate = 2017-05-01\nactors = [\"China\"]\nbottom_line = \"No hedge.\"\n[[key_judgments]]\ntext = \"Security wins.\"\nconfidence = \"likely\"\n[[sources]]\nid = \"a\"\ntitle = \"T\"\npublisher = \"P\"\nurl = \"https://example.org/\"\n+++\nThe body.\n\nMore.\n";

    fn hash(text: &str) -> String {
        texts(&doc(text)).unwrap().hash()
    }

    #[test]
    fn reads_the_text_as_written() {
        let t = texts(&doc(&BRIEF.replace("No hedge.", "Japan's \\\"no\\\"."))).unwrap();
        assert_eq!(t.bottom_line.as_deref(), Some("Japan's \"no\"."));
        assert_eq!(t.key_judgments, ["Security wins."]);
        assert_eq!(t.sources, [("a".to_string(), "T".to_string())]);
        assert_eq!(t.body, "The body.\n\nMore.\n");
    }

    #[test]
    fn only_text_changes_the_hash() {
        let h = hash(BRIEF);
        assert_eq!(h.len(), 16);
        for same in [
            BRIEF.replace("2017-05-01", "2018-01-02"),
            BRIEF.replace("[\"China\"]", "[\"China\", \"Japan\"]"),
            BRIEF.replace("\"likely\"", "\"very likely\""),
            BRIEF.replace("P\"", "Q\""),
            BRIEF.replace("title = \"China\"\n", "title   =   'China'\n\n"),
            BRIEF.replace("More.\n", "More.   \n\n\n"),
            BRIEF.replace("\n\nMore", "\n\n\n\nMore"),
        ] {
            assert_eq!(hash(&same), h, "{same}");
        }
        for changed in [
            BRIEF.replace("\"China\"\ndate", "\"Chinas\"\ndate"),
            BRIEF.replace("No hedge.", "No hedge!"),
            BRIEF.replace("Security wins.", "Security loses."),
            BRIEF.replace("title = \"T\"", "title = \"U\""),
            BRIEF.replace("More.", "More!"),
            BRIEF.replace("The body.\n\nMore.", "The body.\nMore."),
        ] {
            assert_ne!(hash(&changed), h, "{changed}");
        }
    }
}
