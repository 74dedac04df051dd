//! Typed front matter of briefs and sections. Unknown keys and words are errors, so a typo never
//! silently drops a field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::date::{FullDate, PartialDate};

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BriefMeta {
    pub title: String,
    pub date: FullDate,
    #[serde(default)]
    pub updated: Option<FullDate>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub authors: Option<Vec<String>>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub weight: i64,
    #[serde(default)]
    pub slug: Option<String>,
    /// Names this page for translations whose file names differ from its own.
    #[serde(default)]
    pub translation_key: Option<String>,
    #[serde(default)]
    pub bottom_line: Option<String>,
    #[serde(default)]
    pub key_judgments: Vec<KeyJudgment>,
    #[serde(default)]
    pub actors: Vec<String>,
    #[serde(default)]
    pub topics: Vec<String>,
    /// Terms of taxonomies other than actors and topics, by taxonomy name.
    #[serde(default)]
    pub taxonomies: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub sources: Vec<Source>,
    #[serde(default)]
    pub events: Vec<Event>,
    #[serde(default)]
    pub hedge: Option<Hedge>,
    #[serde(default)]
    pub extra: toml::Table,
}

impl BriefMeta {
    /// The terms this brief lists under a taxonomy.
    pub fn terms(&self, taxonomy: &str) -> &[String] {
        match taxonomy {
            "actors" => &self.actors,
            "topics" => &self.topics,
            other => self.taxonomies.get(other).map(Vec::as_slice).unwrap_or(&[]),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KeyJudgment {
    pub text: String,
    pub confidence: Confidence,
}

/// The estimative vocabulary, from most to least likely.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
pub enum Confidence {
    #[serde(rename = "almost certain")]
    AlmostCertain,
    #[serde(rename = "very likely")]
    VeryLikely,
    #[serde(rename = "likely")]
    Likely,
    #[serde(rename = "roughly even")]
    RoughlyEven,
    #[serde(rename = "unlikely")]
    Unlikely,
    #[serde(rename = "very unlikely")]
    VeryUnlikely,
    #[serde(rename = "remote")]
    Remote,
}

impl Confidence {
    pub const ALL: [Confidence; 7] = [
        Confidence::AlmostCertain,
        Confidence::VeryLikely,
        Confidence::Likely,
        Confidence::RoughlyEven,
        Confidence::Unlikely,
        Confidence::VeryUnlikely,
        Confidence::Remote,
    ];

    pub fn word(self) -> &'static str {
        match self {
            Confidence::AlmostCertain => "almost certain",
            Confidence::VeryLikely => "very likely",
            Confidence::Likely => "likely",
            Confidence::RoughlyEven => "roughly even",
            Confidence::Unlikely => "unlikely",
            Confidence::VeryUnlikely => "very unlikely",
            Confidence::Remote => "remote",
        }
    }

    /// The probability band the word stands for (after the US ICD 203 scale).
    pub fn band(self) -> String {
        let (low, high) = self.percent();
        format!("{low}–{high}%")
    }

    /// The band's bounds in percent, for a theme to write in its language's way.
    pub fn percent(self) -> (u8, u8) {
        match self {
            Confidence::AlmostCertain => (95, 99),
            Confidence::VeryLikely => (80, 95),
            Confidence::Likely => (55, 80),
            Confidence::RoughlyEven => (45, 55),
            Confidence::Unlikely => (20, 45),
            Confidence::VeryUnlikely => (5, 20),
            Confidence::Remote => (1, 5),
        }
    }

    pub fn level(self) -> String {
        self.word().replace(' ', "-")
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub id: String,
    pub title: String,
    pub publisher: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub date: Option<PartialDate>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub date: PartialDate,
    pub text: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Hedge {
    pub partner: String,
    pub kind: HedgeKind,
    pub economic: Assessment,
    pub security: Assessment,
    pub credibility: Assessment,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum HedgeKind {
    Hard,
    Soft,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Assessment {
    pub level: Scale,
    pub rationale: String,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    Low,
    Medium,
    High,
}

impl Scale {
    pub fn rank(self) -> u8 {
        self as u8 + 1
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SectionMeta {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub weight: i64,
    #[serde(default)]
    pub sort_by: SortBy,
    #[serde(default)]
    pub template: Option<String>,
    #[serde(default)]
    pub archetype: Option<String>,
    #[serde(default)]
    pub paginate_by: Option<usize>,
    #[serde(default)]
    pub bottom_line: Option<String>,
    /// Names this section for translations whose file names differ from its own.
    #[serde(default)]
    pub translation_key: Option<String>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub extra: toml::Table,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    #[default]
    Date,
    Weight,
    Title,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brief_parses() {
        let m: BriefMeta = toml::from_str(
            r#"
title = "t"
date = 2017-06-01
[[key_judgments]]
text = "x"
confidence = "very likely"
[[events]]
date = "2015-04"
text = "guidelines"
[hedge]
partner = "China"
kind = "soft"
economic = { level = "high", rationale = "trade" }
security = { level = "low", rationale = "rival" }
credibility = { level = "medium", rationale = "mixed" }
"#,
        )
        .unwrap();
        assert_eq!(m.key_judgments[0].confidence, Confidence::VeryLikely);
        assert_eq!(m.events[0].date.iso(), "2015-04");
        assert_eq!(m.hedge.unwrap().economic.level, Scale::High);
    }

    #[test]
    fn unknown_confidence_word_is_an_error() {
        let e = toml::from_str::<BriefMeta>(
            "title = \"t\"\ndate = 2017-06-01\n[[key_judgments]]\ntext = \"x\"\nconfidence = \"perhaps\"\n",
        )
        .unwrap_err();
        assert!(e.message().contains("unknown variant"), "{}", e.message());
        assert!(e.span().is_some());
    }

    #[test]
    fn month_only_brief_date_is_an_error() {
        let e = toml::from_str::<BriefMeta>("title = \"t\"\ndate = \"2017-06\"\n").unwrap_err();
        assert!(e.message().contains("needs a day"), "{}", e.message());
    }
}
