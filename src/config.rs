//! Stage 1: the site config, `briefing.toml`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, Failure, from_toml_error};

pub const CONFIG_FILE: &str = "briefing.toml";

/// The typed site config. Unknown keys are errors (with a did-you-mean hint).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Absolute URL the site is published at; every permalink starts with it.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default = "default_theme")]
    pub theme: String,
    #[serde(default)]
    pub organization: Option<String>,
    /// Authors of briefs that name none.
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default = "default_taxonomies")]
    pub taxonomies: Vec<String>,
    /// Briefs per listing page on section and taxonomy-term pages.
    #[serde(default = "default_paginate_by")]
    pub paginate_by: usize,
    /// Sanitise raw HTML in Markdown with ammonia (authors are trusted by default).
    #[serde(default)]
    pub safe_html: bool,
    /// Minify HTML, CSS and JS in the output.
    #[serde(default)]
    pub minify: bool,
    /// Build the full-text search index (pagefind) and the /search/ page.
    #[serde(default = "default_true")]
    pub search: bool,
    /// Render /briefing/, every brief in full on one page.
    #[serde(default = "default_true")]
    pub full_briefing: bool,
    /// Write every link to a page, stylesheet, script or image of the site relative to the page
    /// holding it, so the output can be opened from disk or sent as a zip (`build
    /// --relative-urls` too). Feeds, the sitemap and canonical links stay absolute.
    #[serde(default)]
    pub relative_urls: bool,
    /// Which PDF editions to typeset (`all`: every brief's; `none`). Built without the `pdf`
    /// feature, the default is `none` and asking for PDFs is an error.
    #[serde(default)]
    pub pdf: PdfMode,
    /// Free table for templates.
    #[serde(default)]
    pub extra: toml::Table,
    /// The site's other languages (`[languages.fr]`), by code; `language` is the default one.
    #[serde(default)]
    pub languages: std::collections::BTreeMap<String, LanguageConfig>,
    /// Put the default language under its own prefix too (`/en/...`); `/` then offers the
    /// languages. Off: the default language is at `/`, the others at `/CODE/`.
    #[serde(default)]
    pub prefix_default_language: bool,
    /// The site's default language, also in the config of another language (where
    /// `language` is that one); set when the file is read.
    #[serde(skip)]
    pub default_language: String,
    /// The interface strings of `language` (not a key of the file: read from the theme's and
    /// the site's `i18n/`, see [`crate::strings`]).
    #[serde(skip)]
    pub strings: crate::strings::Strings,
}

/// `pdf = "all" | "briefing" | "none"` in `briefing.toml`.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PdfMode {
    /// Every brief's PDF (and, later, the whole briefing's).
    All,
    /// Only the whole briefing's PDF (not built yet: no brief PDFs).
    Briefing,
    None,
}

impl Default for PdfMode {
    fn default() -> PdfMode {
        if cfg!(feature = "pdf") {
            PdfMode::All
        } else {
            PdfMode::None
        }
    }
}

/// What a language other than the default changes (`[languages.fr]`); anything left out is
/// the default language's.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct LanguageConfig {
    /// The language's name in itself, for the language switcher (`Français`); a built-in
    /// name for common codes otherwise.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub organization: Option<String>,
    #[serde(default)]
    pub authors: Option<Vec<String>>,
    /// URL names of the taxonomies in this language: `{ actors = "acteurs" }`.
    #[serde(default)]
    pub taxonomies: std::collections::BTreeMap<String, String>,
    /// Merged over the default language's `[extra]`.
    #[serde(default)]
    pub extra: toml::Table,
}

/// A language code as `briefing.toml` and file names use it: `fr`, `en`, `fr-ca`, `pt-br`
/// (lowercase ISO 639 letters, then optional subtags).
pub fn is_language_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let first = parts.next().unwrap_or("");
    (2..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| {
            (2..=8).contains(&p.len())
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn default_base_url() -> String {
    "/".into()
}
fn default_language() -> String {
    "en".into()
}
fn default_theme() -> String {
    "default".into()
}
fn default_taxonomies() -> Vec<String> {
    vec!["actors".into(), "topics".into()]
}
fn default_true() -> bool {
    true
}
fn default_paginate_by() -> usize {
    50
}

impl Config {
    /// The config of the site in `code`, one of `languages`: its title, description,
    /// organisation and authors where `[languages.CODE]` gives them, its `[extra]` over the
    /// default's. The interface strings are the caller's to load for that language.
    pub fn for_language(&self, code: &str) -> Config {
        let mut c = self.clone();
        c.language = code.to_string();
        // Typeset in the language's way, as its content is (’, and French spacing).
        let typeset = |s: &str| crate::typography::smarten_in(s, code).into_owned();
        if let Some(l) = self.languages.get(code) {
            if let Some(t) = &l.title {
                c.title = typeset(t);
            }
            if let Some(d) = &l.description {
                c.description = Some(typeset(d));
            }
            if let Some(o) = &l.organization {
                c.organization = Some(typeset(o));
            }
            if let Some(a) = &l.authors {
                c.authors = a.clone();
            }
            for (k, v) in &l.extra {
                c.extra.insert(k.clone(), v.clone());
            }
        }
        c
    }

    /// Every language of the site, the default one first.
    pub fn all_languages(&self) -> Vec<&str> {
        std::iter::once(self.default_language.as_str())
            .chain(self.languages.keys().map(String::as_str))
            .filter(|c| !c.is_empty())
            .collect()
    }

    /// A language's name in itself: `[languages.CODE] name`, else the built-in one for common
    /// codes, else the code.
    pub fn language_name(&self, code: &str) -> String {
        if let Some(n) = self.languages.get(code).and_then(|l| l.name.clone()) {
            return n;
        }
        let base = code.split('-').next().unwrap_or(code);
        let known = match base {
            "en" => "English",
            "fr" => "Français",
            "es" => "Español",
            "de" => "Deutsch",
            "it" => "Italiano",
            "pt" => "Português",
            "nl" => "Nederlands",
            "ja" => "日本語",
            "zh" => "中文",
            "ko" => "한국어",
            "ru" => "Русский",
            "ar" => "العربية",
            "uk" => "Українська",
            "pl" => "Polski",
            _ => code,
        };
        known.to_string()
    }

    /// Reads `ROOT/briefing.toml`.
    pub fn load(root: &Path) -> Result<Config, Failure> {
        Config::from_text(&read(root)?)
    }

    /// The config in `text`, the contents of `briefing.toml` as [`read`] returns them.
    pub fn from_text(text: &str) -> Result<Config, Failure> {
        Config::parse(text, Path::new(CONFIG_FILE)).map_err(|d| Failure::Content(vec![d]))
    }

    pub fn parse(text: &str, display: &Path) -> Result<Config, Diagnostic> {
        let source: Arc<str> = Arc::from(text);
        let mut config: Config =
            toml::from_str(text).map_err(|e| from_toml_error(&e, display, &source, 0))?;
        config.validate().map_err(|d| d.in_file(display))?;
        // Typed parsing forgets positions; the raw table still has them.
        let span_of = |key: &str| {
            toml::de::DeTable::parse(text)
                .ok()
                .and_then(|t| t.get_ref().get(key).map(|v| v.span()))
        };
        if let Some(d) = base_url_error("base_url", &config.base_url) {
            let mut d = d.in_file(display);
            if let Some(span) = span_of("base_url") {
                d = d.at(&source, span);
            }
            return Err(d);
        }
        if !crate::confine::plain_name(&config.theme) {
            let span = span_of("theme").unwrap_or(0..0);
            return Err(Diagnostic::error(format!(
                "theme `{}` is not the name of a folder under themes/",
                config.theme
            ))
            .in_file(display)
            .at(&source, span)
            .with_hint("set e.g. theme = \"default\" and keep the theme in themes/default/; briefing never reads files outside the site root"));
        }
        if !cfg!(feature = "pdf") && config.pdf != PdfMode::None {
            let span = span_of("pdf").unwrap_or(0..0);
            return Err(Diagnostic::error(
                "this briefing was built without PDF support, so it cannot typeset the PDFs `pdf` asks for",
            )
            .in_file(display)
            .at(&source, span)
            .with_hint("set pdf = \"none\", or install a briefing built with the `pdf` feature (on by default)"));
        }
        if config.prefix_default_language && config.languages.is_empty() {
            // A switch that silently does nothing would leave the author wondering why `/en/`
            // never appears.
            let span = span_of("prefix_default_language").unwrap_or(0..0);
            return Err(Diagnostic::error(
                "prefix_default_language needs a second language: this site has only one",
            )
            .in_file(display)
            .at(&source, span)
            .with_hint(format!(
                "add a [languages.CODE] table (e.g. [languages.fr]) for the other language, or remove prefix_default_language to keep `{}` at /",
                config.language
            )));
        }
        config.base_url = normalize_base_url(&config.base_url);
        config.default_language = config.language.clone();
        Ok(config)
    }

    fn validate(&self) -> Result<(), Diagnostic> {
        if self.paginate_by == 0 {
            return Err(Diagnostic::error("paginate_by must be at least 1")
                .with_hint("use a number such as 50"));
        }
        for t in &self.taxonomies {
            if crate::slug::slugify(t) != *t {
                return Err(Diagnostic::error(format!(
                    "taxonomy name `{t}` is not a plain lowercase word"
                ))
                .with_hint(format!("use `{}`", crate::slug::slugify(t))));
            }
        }
        for code in std::iter::once(&self.language).chain(self.languages.keys()) {
            if !is_language_code(code) {
                return Err(
                    Diagnostic::error(format!("`{code}` is not a language code"))
                        .with_hint("use a lowercase code such as \"en\", \"fr\" or \"fr-ca\""),
                );
            }
        }
        if self.languages.contains_key(&self.language) {
            return Err(Diagnostic::error(format!(
                "[languages.{0}] repeats the default language `{0}`",
                self.language
            ))
            .with_hint(
                "list only the other languages under [languages]; `language` is the default one",
            ));
        }
        for (code, l) in &self.languages {
            for (tax, name) in &l.taxonomies {
                if !self.taxonomies.contains(tax) {
                    return Err(Diagnostic::error(format!(
                        "[languages.{code}.taxonomies] names `{tax}`, which is not a taxonomy of the site"
                    ))
                    .with_hint(format!("the taxonomies are: {}", self.taxonomies.join(", "))));
                }
                if crate::slug::slugify(name) != *name {
                    return Err(Diagnostic::error(format!(
                        "the {code} URL name of `{tax}`, `{name}`, is not a plain lowercase word"
                    ))
                    .with_hint(format!("use `{}`", crate::slug::slugify(name))));
                }
            }
        }
        Ok(())
    }

    /// `base_url` without its trailing slash, so `base_url + path` is always right.
    pub fn url_for(&self, path: &str) -> String {
        format!("{}{}", self.base_url.trim_end_matches('/'), path)
    }

    /// The path part of `base_url` without its trailing slash: `/briefs` for
    /// `https://example.org/briefs/`, empty for a site at the root of its host. Root-relative
    /// URLs of the site start with it.
    pub fn base_path(&self) -> &str {
        let url = self.base_url.as_str();
        let after_host = match url.find("://") {
            Some(i) => {
                let rest = &url[i + 3..];
                rest.find('/').map_or("", |j| &rest[j..])
            }
            None => url,
        };
        after_host.trim_end_matches('/')
    }

    /// Theme directory under the site root.
    pub fn theme_dir(&self, root: &Path) -> PathBuf {
        root.join("themes").join(&self.theme)
    }
}

/// The site root for a command run in `cwd` (absolute) without `--root`: the nearest folder,
/// from `cwd` up, that holds briefing.toml, as a path from `cwd` (`.`, `..`, `../..`), so the
/// messages that name files stay relative. `None` when no folder up to `/` holds one.
pub fn find_root(cwd: &Path) -> Option<PathBuf> {
    let up = cwd
        .ancestors()
        .position(|dir| dir.join(CONFIG_FILE).is_file())?;
    Some(match up {
        0 => PathBuf::from("."),
        n => std::iter::repeat_n("..", n).collect(),
    })
}

/// The file `path` (the config) names, refused if it is a link out of the site, as every
/// other file of it is.
fn real_path(root: &Path, path: &Path) -> Result<PathBuf, Failure> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink()) {
        crate::confine::Root::new(root)
            .resolve(path)
            .map_err(|d| Failure::Content(vec![d]))
    } else {
        Ok(path.to_path_buf())
    }
}

/// The text of `ROOT/briefing.toml`, read through the site's containment rule.
pub fn read(root: &Path) -> Result<String, Failure> {
    let path = root.join(CONFIG_FILE);
    let real = real_path(root, &path)?;
    match std::fs::read_to_string(&real) {
        Ok(t) => Ok(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Failure::Usage(
            Diagnostic::error(format!("no {CONFIG_FILE} in {}", root.display())).with_hint(
                "run briefing inside a site, pass --root DIR, or create one with `briefing init DIR`",
            ),
        )),
        Err(e) => Err(Failure::io("cannot read the site config", &path, &e)),
    }
}

/// The placeholders `briefing init` wrote that are still in `ROOT/briefing.toml`, as warnings
/// (`check` makes them errors). `base_url` is left out when `--base-url` replaces it, since
/// the output then does not carry it. `text` is the file as [`read`] returned it: the typed
/// config forgets where its values were, the text still knows.
pub fn placeholders(text: &str, base_url_overridden: bool) -> Vec<Diagnostic> {
    let Ok(table) = toml::de::DeTable::parse(text) else {
        return Vec::new();
    };
    let skip: &[&str] = if base_url_overridden {
        &["base_url"]
    } else {
        &[]
    };
    let source: Arc<str> = Arc::from(text);
    let mut found = crate::placeholders::in_toml(
        crate::placeholders::File::Config,
        table.get_ref(),
        Path::new(CONFIG_FILE),
        &source,
        0,
        skip,
    );
    // `init --languages` writes a placeholder title into each other language's table.
    let languages = table.get_ref().get("languages").map(|l| l.get_ref());
    for lang in languages
        .and_then(|l| l.as_table())
        .into_iter()
        .flat_map(|t| t.iter())
    {
        if let Some(t) = lang.1.get_ref().as_table() {
            found.extend(crate::placeholders::in_toml(
                crate::placeholders::File::Language,
                t,
                Path::new(CONFIG_FILE),
                &source,
                0,
                &[],
            ));
        }
    }
    found
}

/// The error for a base URL (`what`: `base_url` or `--base-url`) whose scheme is not http or
/// https: every permalink starts with it. One check for the config key and the flag.
pub fn base_url_error(what: &str, url: &str) -> Option<Diagnostic> {
    let scheme = crate::clean::forbidden_scheme(url)?;
    Some(
        Diagnostic::error(format!(
            "{what} uses `{}:`, which is not a web address",
            scheme.escape_debug()
        ))
        .with_hint("use the https:// address the site is published at, or a path such as \"/\""),
    )
}

fn normalize_base_url(url: &str) -> String {
    let trimmed = url.trim();
    if trimmed.is_empty() {
        "/".into()
    } else {
        trimmed.trim_end_matches('/').to_string() + "/"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let c = Config::parse("title = \"T\"", Path::new("briefing.toml")).unwrap();
        assert_eq!(c.taxonomies, vec!["actors", "topics"]);
        assert_eq!(c.theme, "default");
        assert_eq!(c.paginate_by, 50);
        assert_eq!(c.url_for("/a/"), "/a/");
        assert_eq!(c.base_path(), "");
    }

    #[test]
    fn base_path_is_the_path_of_base_url() {
        for (base, path) in [
            ("https://example.org/", ""),
            ("https://example.org", ""),
            ("https://example.org/briefs/", "/briefs"),
            ("http://127.0.0.1:1111/a/b", "/a/b"),
            ("/", ""),
            ("/briefs/", "/briefs"),
        ] {
            let c = Config::parse(
                &format!("title = \"T\"\nbase_url = \"{base}\""),
                Path::new("briefing.toml"),
            )
            .unwrap();
            assert_eq!(c.base_path(), path, "{base}");
        }
    }

    #[test]
    fn base_url_must_be_a_web_address() {
        let e = Config::parse(
            "title = \"T\"\nbase_url = \" JavaScript:alert(1)//\"",
            Path::new("briefing.toml"),
        )
        .unwrap_err();
        assert!(e.message.contains("`javascript:`"), "{}", e.message);
        assert_eq!(e.location(), Some((2, 12)));
        for ok in [
            "https://example.org/briefs/",
            "/briefs/",
            "http://localhost:1111",
        ] {
            let c = Config::parse(
                &format!("title = \"T\"\nbase_url = \"{ok}\""),
                Path::new("b"),
            );
            assert!(c.is_ok(), "{ok}: {c:?}");
        }
    }

    #[test]
    fn theme_is_a_folder_name() {
        for bad in ["../../etc", "/etc", "a/../../b"] {
            let text = format!("title = \"T\"\ntheme = \"{bad}\"\n");
            let e = Config::parse(&text, Path::new("briefing.toml")).unwrap_err();
            assert_eq!(e.location(), Some((2, 9)), "{bad}: {e:?}");
        }
    }

    #[test]
    fn the_root_is_the_nearest_folder_up_with_a_config() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("site");
        std::fs::create_dir_all(site.join("content/hedges")).unwrap();
        assert_eq!(find_root(&site.join("content/hedges")), None);
        std::fs::write(site.join(CONFIG_FILE), "title = \"T\"\n").unwrap();
        assert_eq!(find_root(&site), Some(PathBuf::from(".")));
        assert_eq!(
            find_root(&site.join("content/hedges")),
            Some(PathBuf::from("../.."))
        );
        // A folder named briefing.toml is not a config.
        std::fs::create_dir_all(site.join("content/briefing.toml")).unwrap();
        assert_eq!(
            find_root(&site.join("content/hedges")),
            Some(PathBuf::from("../.."))
        );
    }

    #[test]
    fn a_language_prefix_needs_a_second_language() {
        let e = Config::parse(
            "title = \"T\"\nprefix_default_language = true\n",
            Path::new("briefing.toml"),
        )
        .unwrap_err();
        assert!(e.message.contains("second language"), "{}", e.message);
        assert_eq!(e.location(), Some((2, 27)));
        let c = Config::parse(
            "title = \"T\"\nprefix_default_language = true\n[languages.fr]\n",
            Path::new("briefing.toml"),
        )
        .unwrap();
        assert!(c.prefix_default_language);
    }

    #[test]
    fn unknown_key_suggests() {
        let e = Config::parse("title = \"T\"\nbase_ur = \"x\"", Path::new("briefing.toml"))
            .unwrap_err();
        assert!(e.message.contains("unknown field"), "{}", e.message);
        assert_eq!(e.hint.as_deref(), Some("did you mean `base_url`?"));
        assert_eq!(e.location(), Some((2, 1)));
    }
}
