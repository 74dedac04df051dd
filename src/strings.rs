//! Interface strings: every word the theme and briefing's own HTML show a reader that is not
//! the site's content (labels, the estimative legend, buttons, print furniture), in one file
//! per language, `i18n/LANG.toml`. Layers, each read over the one before key by key: the
//! default theme's English (built into the binary, so a key is never missing), the theme's file
//! for the site's language, then the site's own `i18n/LANG.toml`. Templates read them as `t`;
//! the Markdown stage reads its labels (heading links, footnotes) through [`Strings::fill`].

use std::collections::BTreeMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::diagnostics::{Diagnostic, from_toml_error};
use crate::hashing::Xxh3;

/// The default theme's English strings, the base every other layer is read over.
const BUILT_IN: &str = include_str!("../themes/default/i18n/en.toml");
const BUILT_IN_FILE: &str = "themes/default/i18n/en.toml";

/// The strings of one language, flattened to dotted keys (`legend.title`).
#[derive(Clone)]
pub struct Strings {
    map: Arc<BTreeMap<String, String>>,
    hash: u64,
    /// The strings as templates see them, made once per load.
    value: Arc<OnceLock<tera::Value>>,
}

impl PartialEq for Strings {
    fn eq(&self, other: &Strings) -> bool {
        self.hash == other.hash && self.map == other.map
    }
}

impl fmt::Debug for Strings {
    // The config's hash is taken from its Debug form: the strings' own hash stands for them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Strings({:016x})", self.hash)
    }
}

impl Default for Strings {
    fn default() -> Strings {
        Strings::built_in().clone()
    }
}

impl Strings {
    /// The built-in English strings alone.
    pub fn built_in() -> &'static Strings {
        static BASE: OnceLock<Strings> = OnceLock::new();
        BASE.get_or_init(|| {
            let mut map = BTreeMap::new();
            // The built-in file is tested to parse (`built_in_strings_parse`).
            let _ = layer(&mut map, BUILT_IN, Path::new(BUILT_IN_FILE), None);
            for v in map.values_mut() {
                if let std::borrow::Cow::Owned(new) = crate::typography::smarten(v) {
                    *v = new;
                }
            }
            map.insert("lang".into(), "en".into());
            Strings::from_map(map)
        })
    }

    fn from_map(map: BTreeMap<String, String>) -> Strings {
        let mut h = Xxh3::new();
        map.hash(&mut h);
        Strings {
            hash: h.finish(),
            map: Arc::new(map),
            value: Arc::default(),
        }
    }

    /// The strings as templates read them, `t` (`t.legend.title`).
    pub fn value(&self) -> &tera::Value {
        self.value
            .get_or_init(|| tera::Value::from_serializable(&self.to_toml()))
    }

    /// Reads the theme's and the site's `i18n/LANGUAGE.toml`, over the built-in English when
    /// the language is English. Errors: a file that is not TOML, a value that is not text,
    /// and, in another language, a string the theme's English has that no file of the
    /// language gives (a page half in English is a bug to fix, not a fallback). Warnings: a
    /// site key no layer below it has (a typo would otherwise change nothing, silently).
    pub fn load(root: &Path, theme_dir: &Path, language: &str) -> (Strings, Vec<Diagnostic>) {
        let english = language == "en";
        let mut map = if english {
            Strings::built_in().map.as_ref().clone()
        } else {
            BTreeMap::new()
        };
        let mut diags = Vec::new();
        let theme_file = |lang: &str| theme_dir.join("i18n").join(format!("{lang}.toml"));
        let mut layers = vec![(theme_file(language), false)];
        layers.push((root.join("i18n").join(format!("{language}.toml")), true));
        let mut found = Vec::new();
        for (path, site) in layers {
            let Some(text) = read(root, &path, &mut diags) else {
                continue;
            };
            found.push(shown(root, &path));
            let known = site.then(|| {
                let mut k = map.clone();
                if !english {
                    k.extend(
                        Strings::built_in()
                            .map
                            .iter()
                            .map(|(a, b)| (a.clone(), b.clone())),
                    );
                }
                k
            });
            diags.extend(layer(&mut map, &text, &shown(root, &path), known.as_ref()));
        }
        // Typeset as the pages are (’, and French spacing in French), and `t.lang`, the
        // language itself, for the filters that need it (dates).
        for v in map.values_mut() {
            if let std::borrow::Cow::Owned(new) = crate::typography::smarten_in(v, language) {
                *v = new;
            }
        }
        map.insert("lang".into(), language.to_string());
        if !english {
            // What the theme needs: the built-in strings, and the theme's own English ones.
            let mut needed: BTreeMap<String, String> = Strings::built_in().map.as_ref().clone();
            if let Some(text) = read(root, &theme_file("en"), &mut Vec::new()) {
                let _ = layer(&mut needed, &text, Path::new(""), None);
            }
            let missing: Vec<&str> = needed
                .keys()
                .filter(|k| !map.contains_key(*k))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                let shown_keys: Vec<&str> = missing.iter().take(8).copied().collect();
                let more = missing.len().saturating_sub(shown_keys.len());
                let file = found
                    .last()
                    .cloned()
                    .unwrap_or_else(|| PathBuf::from(format!("i18n/{language}.toml")));
                diags.push(
                    Diagnostic::error(format!(
                        "{} interface string{} {} no `{language}` text: {}{}",
                        missing.len(),
                        if missing.len() == 1 { "" } else { "s" },
                        if missing.len() == 1 { "has" } else { "have" },
                        shown_keys.join(", "),
                        if more > 0 { format!(" and {more} more") } else { String::new() }
                    ))
                    .in_file(file)
                    .with_hint(format!(
                        "translate them in i18n/{language}.toml (the theme's i18n/en.toml lists every one)"
                    )),
                );
            }
        }
        (Strings::from_map(map), diags)
    }

    /// The string at a dotted key; the key itself when no layer has it (a theme's typo shows
    /// on the page instead of breaking the build).
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.map.get(key).map_or(key, String::as_str)
    }

    /// The string at a dotted key, if any layer has it.
    pub fn lookup(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(String::as_str)
    }

    /// The string at `key` with each `{name}` replaced by its argument.
    pub fn fill(&self, key: &str, args: &[(&str, &str)]) -> String {
        fill(self.get(key), args).unwrap_or_else(|_| self.get(key).to_string())
    }

    /// What changes when any string changes.
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// The strings as nested tables, as templates read them (`t.legend.title`).
    pub fn to_toml(&self) -> toml::Table {
        fn put(table: &mut toml::Table, key: &str, value: &str) {
            match key.split_once('.') {
                None => {
                    table.insert(key.to_string(), toml::Value::String(value.to_string()));
                }
                Some((head, rest)) => {
                    let entry = table
                        .entry(head.to_string())
                        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                    if !entry.is_table() {
                        *entry = toml::Value::Table(toml::Table::new());
                    }
                    if let toml::Value::Table(t) = entry {
                        put(t, rest, value);
                    }
                }
            }
        }
        let mut root = toml::Table::new();
        for (key, value) in self.map.iter() {
            put(&mut root, key, value);
        }
        root
    }
}

/// `text` with each `{name}` replaced by its value in `args`. An unknown `{name}` is an error
/// naming it; a brace that opens no name is kept as it is.
pub fn fill(text: &str, args: &[(&str, &str)]) -> Result<String, String> {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if name_len > 0 && after[name_len..].starts_with('}') {
            let name = &after[..name_len];
            match args.iter().find(|(k, _)| *k == name) {
                Some((_, v)) => out.push_str(v),
                None => {
                    let given: Vec<&str> = args.iter().map(|(k, _)| *k).collect();
                    return Err(format!(
                        "the string `{text}` has a place for `{{{name}}}`, and nothing fills it (given: {})",
                        if given.is_empty() {
                            "nothing".to_string()
                        } else {
                            given.join(", ")
                        }
                    ));
                }
            }
            rest = &after[name_len + 1..];
        } else {
            out.push('{');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// A strings file's text, read through the site's containment rule as the config and the
/// templates are; `None` when there is no such file.
fn read(root: &Path, path: &Path, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let real = match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_symlink() => match crate::confine::Root::new(root).resolve(path) {
            Ok(p) => p,
            Err(d) => {
                diags.push(d);
                return None;
            }
        },
        _ => path.to_path_buf(),
    };
    match std::fs::read_to_string(&real) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            diags.push(
                Diagnostic::error(format!("cannot read the interface strings: {e}"))
                    .in_file(shown(root, path)),
            );
            None
        }
    }
}

fn shown(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

/// Reads one file's strings into `map`. With `known`, a key missing from it is warned about.
fn layer(
    map: &mut BTreeMap<String, String>,
    text: &str,
    file: &Path,
    known: Option<&BTreeMap<String, String>>,
) -> Vec<Diagnostic> {
    let source: Arc<str> = Arc::from(text);
    let doc = match toml::de::DeTable::parse(text) {
        Ok(d) => d,
        Err(e) => return vec![from_toml_error(&e, file, &source, 0)],
    };
    let mut diags = Vec::new();
    walk(doc.get_ref(), "", map, &mut |key, span, what| {
        let d = match what {
            Entry::NotText(kind) => {
                Diagnostic::error(format!("the interface string `{key}` is {kind}, not text"))
                    .with_hint("write it as text in quotes, e.g. bottom_line = \"Bottom line\"")
            }
            Entry::Unknown => {
                let Some(known) = known else { return };
                if known.contains_key(key) {
                    return;
                }
                let near = known
                    .keys()
                    .filter(|k| strsim::jaro_winkler(k, key) > 0.85)
                    .max_by(|a, b| {
                        strsim::jaro_winkler(a, key).total_cmp(&strsim::jaro_winkler(b, key))
                    });
                let d = Diagnostic::warning(format!(
                    "`{key}` is not an interface string of the theme, so it changes nothing"
                ));
                match near {
                    Some(n) => d.with_hint(format!("did you mean `{n}`?")),
                    None => {
                        d.with_hint("the theme's i18n/ file lists every string a site can change")
                    }
                }
            }
        };
        diags.push(d.in_file(file).at(&source, span));
    });
    diags
}

enum Entry {
    NotText(&'static str),
    Unknown,
}

fn walk(
    table: &toml::de::DeTable<'_>,
    prefix: &str,
    map: &mut BTreeMap<String, String>,
    report: &mut dyn FnMut(&str, std::ops::Range<usize>, Entry),
) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.get_ref().to_string()
        } else {
            format!("{prefix}.{}", k.get_ref())
        };
        let span = k.span();
        match v.get_ref() {
            toml::de::DeValue::String(s) => {
                report(&key, span, Entry::Unknown);
                map.insert(key, s.to_string());
            }
            toml::de::DeValue::Table(t) => walk(t, &key, map, report),
            toml::de::DeValue::Array(_) => report(&key, span, Entry::NotText("a list")),
            toml::de::DeValue::Boolean(_) => report(&key, span, Entry::NotText("true or false")),
            _ => report(&key, span, Entry::NotText("a number or a date")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_strings_parse() {
        let mut map = BTreeMap::new();
        let diags = layer(&mut map, BUILT_IN, Path::new(BUILT_IN_FILE), None);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            map.get("legend.title").map(String::as_str),
            Some("Estimative language")
        );
    }

    #[test]
    fn fill_replaces_names_and_keeps_stray_braces() {
        assert_eq!(
            fill(
                "Page {current} of {total}",
                &[("current", "2"), ("total", "9")]
            )
            .unwrap(),
            "Page 2 of 9"
        );
        assert_eq!(fill("a { b } {", &[]).unwrap(), "a { b } {");
        let e = fill("Footnote {n}", &[("m", "1")]).unwrap_err();
        assert!(e.contains("{n}") && e.contains("given: m"), "{e}");
    }

    #[test]
    fn a_site_file_overrides_key_by_key_and_warns_on_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("i18n")).unwrap();
        std::fs::write(
            root.join("i18n/en.toml"),
            "bottom_line = \"The short of it\"\nbotom_line = \"x\"\n[legend]\ntitle = 3\n",
        )
        .unwrap();
        let (s, diags) = Strings::load(root, &root.join("themes/none"), "en");
        assert_eq!(s.get("bottom_line"), "The short of it");
        assert_eq!(s.get("key_judgments"), "Key judgments");
        assert_ne!(s.hash(), Strings::default().hash());
        let messages: Vec<String> = diags.iter().map(|d| d.message.clone()).collect();
        assert_eq!(diags.len(), 2, "{messages:?}");
        assert!(
            messages.iter().any(|m| m.contains("`botom_line`")),
            "{messages:?}"
        );
        assert!(
            diags
                .iter()
                .any(|d| d.hint.as_deref() == Some("did you mean `bottom_line`?")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("`legend.title` is a number")),
            "{messages:?}"
        );
    }

    #[test]
    fn another_language_must_give_every_string() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("i18n")).unwrap();
        std::fs::write(root.join("i18n/fr.toml"), "bottom_line = \"En bref\"\n").unwrap();
        let (s, diags) = Strings::load(root, &root.join("themes/none"), "fr");
        assert_eq!(s.get("bottom_line"), "En bref");
        assert_eq!(diags.len(), 1, "{diags:?}");
        let d = &diags[0];
        assert!(
            d.message.contains("no `fr` text: actors, ") && d.message.contains("more"),
            "{}",
            d.message
        );
        assert_eq!(d.file.as_deref(), Some(Path::new("i18n/fr.toml")));
    }

    #[test]
    fn templates_see_nested_tables() {
        let t = Strings::default().to_toml();
        assert_eq!(t["legend"]["title"].as_str(), Some("Estimative language"));
        assert_eq!(t["estimative"]["very-likely"].as_str(), Some("very likely"));
        assert_eq!(t["bottom_line"].as_str(), Some("Bottom line"));
    }
}
