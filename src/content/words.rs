//! The closed vocabularies of the front matter (the estimative scale, hedge levels and kinds),
//! read the way an analyst writes them: case and stray spaces do not matter, a synonym from the
//! ICD 203 or UK PHIA yardsticks is read as its canonical word with a warning, and a word that
//! is on no scale is an error whose suggestion never has the opposite meaning.
//!
//! The synonym tables are keyed by language so that a translation can accept its own words for
//! the same levels (French *probable* is English *likely*); English and French are filled in.

use std::ops::Range;
use std::sync::Arc;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostics::Diagnostic;

/// One closed list of words a front-matter field accepts.
pub struct Vocabulary {
    /// The field as the analyst writes it, for hints: `confidence`.
    pub field: &'static str,
    /// What the list is called in messages: "the estimative scale".
    pub name: &'static str,
    /// The canonical words, in the order the docs list them.
    pub words: &'static [&'static str],
    /// Per language: (synonym, canonical word), synonyms written normalised (see [`normalise`]).
    pub synonyms: &'static [(&'static str, &'static [(&'static str, &'static str)])],
    /// Per language other than English: the language's own word for each canonical one, read
    /// as that word without a warning (a French file may write `très probable`).
    pub native: &'static [(&'static str, &'static [(&'static str, &'static str)])],
}

/// The estimative words of a key judgment, after ICD 203 (US) and the PHIA yardstick (UK).
pub const ESTIMATIVE: Vocabulary = Vocabulary {
    field: "confidence",
    name: "the estimative scale",
    words: &[
        "almost certain",
        "very likely",
        "likely",
        "roughly even",
        "unlikely",
        "very unlikely",
        "remote",
    ],
    synonyms: &[("en", ESTIMATIVE_EN), ("fr", ESTIMATIVE_FR)],
    native: &[("fr", ESTIMATIVE_FR_WORDS)],
};

/// The French scale (docs/content.md, "Estimative words in French"): French *probable* is
/// English *likely*.
const ESTIMATIVE_FR_WORDS: &[(&str, &str)] = &[
    ("presque certain", "almost certain"),
    ("très probable", "very likely"),
    ("probable", "likely"),
    ("chances à peu près égales", "roughly even"),
    ("peu probable", "unlikely"),
    ("très peu probable", "very unlikely"),
    ("presque aucune chance", "remote"),
];

const ESTIMATIVE_FR: &[(&str, &str)] = &[
    ("certain", "almost certain"),
    ("quasi certain", "almost certain"),
    ("pratiquement certain", "almost certain"),
    ("presque certainement", "almost certain"),
    ("quasi certainement", "almost certain"),
    ("hautement probable", "very likely"),
    ("fort probable", "very likely"),
    ("très vraisemblable", "very likely"),
    ("très probablement", "very likely"),
    ("vraisemblable", "likely"),
    ("probablement", "likely"),
    ("vraisemblablement", "likely"),
    ("chances égales", "roughly even"),
    ("une chance sur deux", "roughly even"),
    ("environ une chance sur deux", "roughly even"),
    ("aussi probable qu'improbable", "roughly even"),
    ("possibilité réaliste", "roughly even"),
    ("improbable", "unlikely"),
    ("peu vraisemblable", "unlikely"),
    ("probablement pas", "unlikely"),
    ("pas probable", "unlikely"),
    ("très improbable", "very unlikely"),
    ("hautement improbable", "very unlikely"),
    ("fort peu probable", "very unlikely"),
    ("très peu vraisemblable", "very unlikely"),
    ("quasi aucune chance", "remote"),
    ("pratiquement aucune chance", "remote"),
    ("presque impossible", "remote"),
    ("quasi impossible", "remote"),
    ("impossible", "remote"),
    ("chance infime", "remote"),
];

const ESTIMATIVE_EN: &[(&str, &str)] = &[
    ("certain", "almost certain"),
    ("almost certainly", "almost certain"),
    ("nearly certain", "almost certain"),
    ("nearly certainly", "almost certain"),
    ("virtually certain", "almost certain"),
    ("highly likely", "very likely"),
    ("highly probable", "very likely"),
    ("very probable", "very likely"),
    ("probable", "likely"),
    ("probably", "likely"),
    ("even chance", "roughly even"),
    ("even odds", "roughly even"),
    ("roughly even chance", "roughly even"),
    ("roughly even odds", "roughly even"),
    ("realistic possibility", "roughly even"),
    ("fifty-fifty", "roughly even"),
    ("improbable", "unlikely"),
    ("probably not", "unlikely"),
    ("not likely", "unlikely"),
    ("highly unlikely", "very unlikely"),
    ("highly improbable", "very unlikely"),
    ("very improbable", "very unlikely"),
    ("almost no chance", "remote"),
    ("remote chance", "remote"),
    ("remote possibility", "remote"),
    ("almost impossible", "remote"),
    ("nearly impossible", "remote"),
    ("impossible", "remote"),
];

/// The level of a hedge assessment; ICD 203 grades confidence low, moderate or high.
pub const LEVEL: Vocabulary = Vocabulary {
    field: "level",
    name: "the hedge scale",
    words: &["low", "medium", "high"],
    synonyms: &[("en", &[("moderate", "medium")])],
    native: &[],
};

/// The kind of a hedge.
pub const HEDGE_KIND: Vocabulary = Vocabulary {
    field: "kind",
    name: "the hedge kinds",
    words: &["hard", "soft"],
    synonyms: &[("en", &[])],
    native: &[],
};

/// Lower case, with surrounding spaces gone and inner runs of spaces made one.
pub fn normalise(word: &str) -> String {
    word.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// What a word written for a vocabulary turned out to be.
#[derive(Debug, PartialEq)]
pub enum Reading {
    /// A canonical word, perhaps in another case or with stray spaces.
    Word(&'static str),
    /// A synonym of the canonical word.
    Synonym(&'static str),
    /// On no list; the suggestion, if one is close and means the same.
    Unknown(Option<&'static str>),
}

impl Vocabulary {
    fn synonyms(&self, language: &str) -> &'static [(&'static str, &'static str)] {
        self.synonyms
            .iter()
            .find(|(l, _)| *l == language)
            .map_or(&[], |(_, s)| s)
    }

    pub fn read(&self, word: &str, language: &str) -> Reading {
        let norm = normalise(word);
        if let Some(w) = self.words.iter().find(|w| **w == norm) {
            return Reading::Word(w);
        }
        let native = self
            .native
            .iter()
            .find(|(l, _)| *l == language)
            .map_or(&[][..], |(_, n)| n);
        if let Some((_, w)) = native.iter().find(|(n, _)| *n == norm.replace('’', "'")) {
            return Reading::Word(w);
        }
        let synonyms = self.synonyms(language);
        if let Some((_, w)) = synonyms.iter().find(|(s, _)| *s == norm) {
            return Reading::Synonym(w);
        }
        Reading::Unknown(self.suggest(&norm, synonyms))
    }

    /// The word a misspelling most likely meant: the synonyms' canonical words first (a typo
    /// of `almost no chance` means `remote`, however close it is to `almost certain`), then the
    /// canonical words themselves; never a word leaning the other way.
    fn suggest(&self, norm: &str, synonyms: &[(&str, &'static str)]) -> Option<&'static str> {
        let close = |candidate: &str| strsim::jaro_winkler(norm, candidate);
        let lean = leaning(norm);
        let best = synonyms
            .iter()
            .map(|(s, w)| (close(s), *w))
            .chain(self.words.iter().map(|w| (close(w), *w)))
            .filter(|(score, _)| *score > 0.88)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, w)| w)?;
        match (lean, leaning(best)) {
            (Some(a), Some(b)) if a != b => None,
            _ => Some(best),
        }
    }

    fn list(&self) -> String {
        self.words.join(", ")
    }
}

/// Whether a phrase says something will or will not happen, by its words: `no`, `not`,
/// `never`, `un…` and `im…` lean against; `certain`, `likely` and `probable` lean towards.
fn leaning(phrase: &str) -> Option<bool> {
    let against = phrase.split([' ', '-']).any(|t| {
        matches!(
            t,
            "no" | "not"
                | "never"
                | "remote"
                | "little"
                | "slight"
                | "peu"
                | "pas"
                | "aucune"
                | "aucun"
                | "non"
        ) || (t.starts_with("un") && t != "une")
            || t.starts_with("im")
    });
    if against {
        return Some(false);
    }
    let towards = ["certain", "likely", "likley", "probab", "sure"]
        .iter()
        .any(|w| phrase.contains(w));
    towards.then_some(true)
}

/// Reads every vocabulary field of a brief's front matter in place: canonical words and
/// synonyms become the canonical word (synonyms with a warning), and an unknown word becomes an
/// error and is replaced by a word of the scale, so the rest of the file is still checked.
pub struct Words<'a> {
    pub display: &'a std::path::Path,
    pub text: &'a Arc<str>,
    /// Where the TOML starts in `text`.
    pub offset: usize,
    pub language: &'a str,
    pub warnings: Vec<Diagnostic>,
    pub errors: Vec<Diagnostic>,
}

impl Words<'_> {
    pub fn brief(&mut self, root: &mut DeTable<'_>) {
        if let Some(judgments) = root.get_mut("key_judgments")
            && let DeValue::Array(items) = judgments.get_mut()
        {
            for item in items.iter_mut() {
                if let DeValue::Table(t) = item.get_mut()
                    && let Some(v) = t.get_mut("confidence")
                {
                    self.read(v, &ESTIMATIVE);
                }
            }
        }
        if let Some(hedge) = root.get_mut("hedge")
            && let DeValue::Table(hedge) = hedge.get_mut()
        {
            if let Some(kind) = hedge.get_mut("kind") {
                self.read(kind, &HEDGE_KIND);
            }
            for area in ["economic", "security", "credibility"] {
                if let Some(a) = hedge.get_mut(area)
                    && let DeValue::Table(a) = a.get_mut()
                    && let Some(level) = a.get_mut("level")
                {
                    self.read(level, &LEVEL);
                }
            }
        }
    }

    fn read(&mut self, value: &mut Spanned<DeValue<'_>>, vocabulary: &Vocabulary) {
        let span = value.span();
        let DeValue::String(word) = value.get_mut() else {
            // Not a string: the type error serde gives says so.
            return;
        };
        let written = word.to_string();
        let canonical = match vocabulary.read(&written, self.language) {
            Reading::Word(w) => w,
            Reading::Synonym(w) => {
                self.warnings.push(
                    Diagnostic::warning(format!(
                        "`{}` is read as `{w}`, its word on {}",
                        written.trim(),
                        vocabulary.name
                    ))
                    .in_file(self.display)
                    .at(self.text, self.span(span))
                    .with_label(format!("read as `{w}`"))
                    .with_hint(format!("write {} = \"{w}\"", vocabulary.field)),
                );
                w
            }
            Reading::Unknown(suggestion) => {
                let mut d = Diagnostic::error(format!(
                    "`{}` is not on {}; use one of: {}",
                    written.trim(),
                    vocabulary.name,
                    vocabulary.list()
                ))
                .in_file(self.display)
                .at(self.text, self.span(span))
                .with_label(format!("not a word of {}", vocabulary.name));
                if let Some(s) = suggestion {
                    d = d.with_hint(format!(
                        "did you mean `{s}`? write {} = \"{s}\"",
                        vocabulary.field
                    ));
                } else {
                    d = d.with_hint(format!(
                        "pick the word of {} that says what you mean (see docs/content.md)",
                        vocabulary.name
                    ));
                }
                self.errors.push(d);
                // Any word of the scale lets the rest of the file be read; the file fails.
                vocabulary.words[0]
            }
        };
        if written != canonical {
            *word = canonical.into();
        }
    }

    fn span(&self, span: Range<usize>) -> Range<usize> {
        self.offset + span.start..self.offset + span.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::meta::Confidence;

    #[test]
    fn the_tables_name_canonical_words_only() {
        let words: Vec<&str> = Confidence::ALL.iter().map(|c| c.word()).collect();
        assert_eq!(ESTIMATIVE.words, &words[..]);
        for v in [&ESTIMATIVE, &LEVEL, &HEDGE_KIND] {
            for (_, table) in v.synonyms {
                for (s, w) in *table {
                    assert!(v.words.contains(w), "{s} -> {w}");
                    assert_eq!(normalise(s), *s);
                    assert!(!v.words.contains(s), "{s} is canonical");
                }
            }
        }
    }

    #[test]
    fn case_spaces_and_synonyms() {
        let r = |w| ESTIMATIVE.read(w, "en");
        assert_eq!(r("Likely"), Reading::Word("likely"));
        assert_eq!(r("likely "), Reading::Word("likely"));
        assert_eq!(r(" Very   LIKELY"), Reading::Word("very likely"));
        assert_eq!(r("highly likely"), Reading::Synonym("very likely"));
        assert_eq!(r("Probable"), Reading::Synonym("likely"));
        assert_eq!(r("almost no chance"), Reading::Synonym("remote"));
        assert_eq!(r("even chance"), Reading::Synonym("roughly even"));
        assert_eq!(r("improbable"), Reading::Synonym("unlikely"));
        assert_eq!(r("highly unlikely"), Reading::Synonym("very unlikely"));
        assert_eq!(r("almost certainly"), Reading::Synonym("almost certain"));
        assert_eq!(LEVEL.read("Moderate", "en"), Reading::Synonym("medium"));
        assert_eq!(LEVEL.read("HIGH", "en"), Reading::Word("high"));
        // French words of the scale, and French synonyms: French "probable" is "likely".
        assert_eq!(ESTIMATIVE.read("probable", "fr"), Reading::Word("likely"));
        assert_eq!(
            ESTIMATIVE.read("Très probable", "fr"),
            Reading::Word("very likely")
        );
        assert_eq!(
            ESTIMATIVE.read("improbable", "fr"),
            Reading::Synonym("unlikely")
        );
        assert_eq!(
            ESTIMATIVE.read("très probable", "en"),
            Reading::Unknown(None)
        );
    }

    #[test]
    fn suggestions_never_mean_the_opposite() {
        let r = |w| ESTIMATIVE.read(w, "en");
        assert_eq!(r("almost no chanse"), Reading::Unknown(Some("remote")));
        assert_eq!(r("very unlikley"), Reading::Unknown(Some("very unlikely")));
        assert_eq!(r("very likley"), Reading::Unknown(Some("very likely")));
        assert_eq!(r("perhaps"), Reading::Unknown(None));
        assert_eq!(r("chance"), Reading::Unknown(None));
        for w in ["almost never", "almost no way", "not certain", "unsure"] {
            assert!(
                !matches!(r(w), Reading::Unknown(Some(s)) if leaning(s) == Some(true)),
                "{w}: {:?}",
                r(w)
            );
        }
        assert_eq!(LEVEL.read("hihg", "en"), Reading::Unknown(Some("high")));
    }
}
