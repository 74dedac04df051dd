//! Stage 2: load content. Walk `content/`, read each file, split and parse its front matter.
//!
//! Parsing is cached by file text: `serve` calls [`Loader::load`] again after every change and
//! only files whose bytes changed are parsed again. The output is the same either way.

pub mod data;
pub mod frontmatter;
mod keys;
pub mod meta;
pub mod original;
mod plain;
mod recover;
pub mod translation;
pub use translation::Languages;
mod typeset;
pub mod words;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, display_path, from_toml_error, line_col};
use data::DataFile;
use meta::{BriefMeta, SectionMeta};

/// One Markdown file with parsed front matter.
#[derive(Debug, Clone)]
pub struct SourceDoc {
    /// Path relative to `content/`, with `/` separators: `hedges/china.md`.
    pub rel: String,
    /// Path as shown to the user: `content/hedges/china.md`.
    pub display: PathBuf,
    pub text: Arc<str>,
    /// Byte offset where the Markdown body starts in `text`.
    pub body_start: usize,
    pub kind: DocKind,
    /// Hash of the file text: identity for caches.
    pub hash: u64,
    /// The file's stamp when it was read.
    pub stamp: Option<Stamp>,
    /// Problems that do not stop the build (removed control characters, placeholders the
    /// scaffold wrote), reported by every load, also when the parse is reused.
    pub warnings: Vec<Diagnostic>,
}

#[derive(Debug, Clone)]
pub enum DocKind {
    Section(SectionMeta),
    Brief(Box<BriefMeta>),
    /// A translation of the file `of` (relative to `content/`) into `language`: its text
    /// fields, read over the original's by the model.
    Translation {
        of: String,
        language: String,
        meta: Box<translation::TranslationMeta>,
    },
}

impl SourceDoc {
    pub fn body(&self) -> &str {
        &self.text[self.body_start..]
    }

    /// 1-based line of the first body line, to map Markdown offsets back to the file.
    pub fn body_line(&self) -> usize {
        line_col(&self.text, self.body_start).0
    }
}

/// A non-Markdown file under `content/` (outside `content/data/`), copied to the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    pub rel: String,
    pub abs: PathBuf,
}

/// Everything read from `content/`.
#[derive(Debug, Default)]
pub struct Content {
    pub docs: Vec<Arc<SourceDoc>>,
    pub assets: Vec<Asset>,
    pub data: Vec<Arc<DataFile>>,
    pub diagnostics: Vec<Diagnostic>,
    /// Markdown files that exist but could not be read or parsed (already reported), so links
    /// to them are not reported a second time as broken.
    pub failed: Vec<String>,
    /// The bodies of those files whose front matter was delimited but did not read, to check
    /// their links all the same.
    pub unread: Vec<UnreadBody>,
}

/// The Markdown body of a file whose front matter did not read.
#[derive(Debug)]
pub struct UnreadBody {
    pub display: PathBuf,
    pub text: Arc<str>,
    pub body_start: usize,
}

/// Reads the content tree, reusing parses of files whose text is unchanged.
#[derive(Default)]
pub struct Loader {
    /// The files as read, by path: what the next load reuses.
    docs: HashMap<String, Arc<SourceDoc>>,
    /// The last load's documents, each translation linked to its original (see `keys`).
    linked: Vec<Arc<SourceDoc>>,
    data: HashMap<String, Arc<DataFile>>,
    languages: Languages,
}

enum Found {
    Doc(String, Located),
    Data(String, Located),
    Asset(Asset),
}

/// A file as the user names it and as it is read: the same file with every link resolved.
pub struct Located {
    pub path: PathBuf,
    pub real: PathBuf,
}

/// Editor droppings that must never be read as content: swap, backup and temp files.
pub fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.starts_with(".#")
        || name.starts_with('#')
        || name == "4913"
}

impl Loader {
    /// The languages file names are read against from now on; a change forgets every parse
    /// (a file's language is part of what it is).
    pub fn set_languages(&mut self, languages: Languages) {
        if self.languages != languages {
            self.docs.clear();
            self.languages = languages;
        }
    }

    pub fn load(&mut self, root: &Path) -> Content {
        let content_dir = root.join("content");
        let mut content = Content::default();
        if !content_dir.is_dir() {
            content.diagnostics.push(
                Diagnostic::error(format!("no content/ folder in {}", root.display())).with_hint(
                    "create content/_index.md, or run `briefing init` to scaffold a site",
                ),
            );
            return content;
        }
        let mut found = Vec::new();
        let walk = crate::confine::Root::new(root).walk(&content_dir, &|e| {
            !is_ignored_name(&e.file_name().to_string_lossy())
        });
        content.diagnostics.extend(walk.diagnostics);
        for f in walk.files {
            let file = Located {
                path: f.path,
                real: f.real,
            };
            if f.rel.starts_with("data/") {
                found.push(Found::Data(f.rel, file));
            } else if f.rel.ends_with(".md") {
                found.push(Found::Doc(f.rel, file));
            } else {
                found.push(Found::Asset(Asset {
                    rel: f.rel,
                    abs: file.real,
                }));
            }
        }

        let results: Vec<_> = found
            .into_par_iter()
            .map(|f| match f {
                Found::Doc(rel, file) => {
                    let cached = self.docs.get(&rel).cloned();
                    let result =
                        read_doc(root, &rel, &file, cached, &self.languages).map_err(|d| (rel, d));
                    (Some(result), None, None)
                }
                Found::Data(rel, file) => {
                    let cached = self.data.get(&rel).cloned();
                    let d = data::read(root, &rel, &file, cached, &self.languages);
                    (None, Some(d), None)
                }
                Found::Asset(a) => (None, None, Some(a)),
            })
            .collect();

        let mut docs = HashMap::new();
        let mut datas = HashMap::new();
        for (doc, data, asset) in results {
            match doc {
                Some(Ok(d)) => {
                    content.diagnostics.extend(d.warnings.iter().cloned());
                    docs.insert(d.rel.clone(), d.clone());
                    content.docs.push(d);
                }
                Some(Err((rel, (d, body)))) => {
                    content.diagnostics.extend(d);
                    content.failed.push(rel);
                    content.unread.extend(body);
                }
                None => {}
            }
            match data {
                Some(Ok(Some(d))) => {
                    datas.insert(d.rel.clone(), d.clone());
                    content.data.push(d);
                }
                Some(Ok(None)) => {}
                Some(Err(d)) => content.diagnostics.push(d),
                None => {}
            }
            if let Some(a) = asset {
                content.assets.push(a);
            }
        }
        // The reused parses stay as read: a link follows the other files, which may change.
        keys::link(&mut content.docs, &mut content.diagnostics);
        self.linked = content.docs.clone();
        self.docs = docs;
        self.data = datas;
        content
    }
}

/// A document before and after an edit.
pub struct Reloaded {
    pub old: Arc<SourceDoc>,
    pub new: Arc<SourceDoc>,
}

impl Loader {
    /// Whether the last [`Loader::load`] parsed the file at `rel` (relative to `content/`).
    pub fn knows(&self, rel: &str) -> bool {
        self.docs.contains_key(rel)
    }

    /// Rereads the given files (relative to `content/`), which the last [`Loader::load`] found,
    /// without walking the tree: what `serve` does when the watcher reports edits to existing
    /// Markdown files. `None` when a file is new, unreadable or does not parse; then a full
    /// load reports it properly.
    pub fn reload(&mut self, root: &Path, rels: &[String]) -> Option<Vec<Reloaded>> {
        let content_dir = root.join("content");
        let confined = crate::confine::Root::new(root);
        let mut out = Vec::with_capacity(rels.len());
        for rel in rels {
            let old = self.docs.get(rel)?.clone();
            let path = content_dir.join(rel);
            // The file may have become a link since the last walk: a full load reports that.
            let real = confined.resolve(&path).ok()?;
            let file = Located { path, real };
            let new = read_doc(root, rel, &file, Some(old.clone()), &self.languages).ok()?;
            self.docs.insert(rel.clone(), new.clone());
            out.push(Reloaded { old, new });
        }
        Some(out)
    }
}

/// Reads a file as UTF-8 text without a byte-order mark.
pub fn read_text(root: &Path, abs: &Path) -> Result<Arc<str>, Diagnostic> {
    read_text_at(&display_path(root, abs), abs)
}

/// Reads `real` (a path [`crate::confine`] resolved), naming it `display` in errors.
pub fn read_text_at(display: &Path, real: &Path) -> Result<Arc<str>, Diagnostic> {
    let display = display.to_path_buf();
    let bytes = read_unlinked(real).map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::NotFound => "the file disappeared while building; save it again",
            std::io::ErrorKind::PermissionDenied => "make the file readable (chmod a+r)",
            _ => "check the file and the disk",
        };
        Diagnostic::error(format!("cannot read file: {e}"))
            .in_file(&display)
            .with_hint(hint)
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let valid = String::from_utf8_lossy(&e.as_bytes()[..offset]).into_owned();
        let (line, col) = line_col(&valid, offset);
        Diagnostic::error("file is not valid UTF-8")
            .in_file(&display)
            .at_line(line, col)
            .with_hint("save the file as UTF-8 in your editor")
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    // CommonMark: U+0000 must become U+FFFD. Doing it here keeps every later offset (and the
    // source lines diagnostics show) consistent, and no NUL ever reaches a page.
    if text.contains('\0') {
        return Ok(Arc::from(text.replace('\0', "\u{fffd}")));
    }
    Ok(Arc::from(text))
}

/// Reads a file whose path holds no link, refusing it if its last component became one
/// since it was checked: the file opened must be the one the path names without following.
fn read_unlinked(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut file = std::fs::File::open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let opened = file.metadata()?;
        let named = std::fs::symlink_metadata(path)?;
        if named.is_symlink() || (opened.dev(), opened.ino()) != (named.dev(), named.ino()) {
            return Err(std::io::Error::other(
                "the file was replaced by a symbolic link while building",
            ));
        }
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// What a file looked like on disk: when its size, modification time (nanoseconds) and inode
/// are unchanged the bytes are too, and `serve` can skip reading 10,000 files per edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    inode: u64,
}

impl Stamp {
    pub fn of(path: &Path) -> Option<Stamp> {
        let m = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&m);
        #[cfg(not(unix))]
        let inode = 0;
        Some(Stamp {
            len: m.len(),
            modified: m.modified().ok(),
            inode,
        })
    }
}

/// A file that did not read: its errors, and its body when the front matter was delimited.
type Unread = (Vec<Diagnostic>, Option<UnreadBody>);

fn read_doc(
    root: &Path,
    rel: &str,
    file: &Located,
    cached: Option<Arc<SourceDoc>>,
    languages: &Languages,
) -> Result<Arc<SourceDoc>, Unread> {
    let stamp = Stamp::of(&file.real);
    if let (Some(c), Some(st)) = (&cached, stamp)
        && c.stamp == Some(st)
        && st.modified.is_some()
    {
        return Ok(c.clone());
    }
    let display = display_path(root, &file.path);
    let text = read_text_at(&display, &file.real).map_err(|d| (vec![d], None))?;
    let unread = |errors: Vec<Diagnostic>, display: &Path, text: &Arc<str>| {
        let body = frontmatter::split(text, |t| t.parse::<toml::Table>().is_ok())
            .ok()
            .map(|s| UnreadBody {
                display: display.to_path_buf(),
                text: text.clone(),
                body_start: s.body.start,
            });
        (errors, body)
    };
    let hash = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
    if let Some(c) = cached
        && c.hash == hash
    {
        // Same bytes with a new stamp (e.g. touched): keep the parse, remember the stamp.
        let mut doc = parse_doc_in(rel, &c.display, c.text.clone(), hash, languages)
            .map_err(|e| unread(e, &c.display, &c.text))?;
        doc.stamp = stamp;
        return Ok(Arc::new(doc));
    }
    let mut doc = parse_doc_in(rel, &display, text.clone(), hash, languages)
        .map_err(|e| unread(e, &display, &text))?;
    doc.stamp = stamp;
    Ok(Arc::new(doc))
}

/// Parses a document's front matter. `_index.md` files are sections, other files are briefs.
pub fn parse_doc(
    rel: &str,
    display: &Path,
    text: Arc<str>,
    hash: u64,
) -> Result<SourceDoc, Vec<Diagnostic>> {
    parse_doc_in(rel, display, text, hash, &Languages::default())
}

/// [`parse_doc`] on a site with `languages`: a file named for one of them is a translation.
pub fn parse_doc_in(
    rel: &str,
    display: &Path,
    text: Arc<str>,
    hash: u64,
    languages: &Languages,
) -> Result<SourceDoc, Vec<Diagnostic>> {
    let translation = translation::read_name(rel, display, &text, languages)?;
    let split = frontmatter::split(&text, |t| t.parse::<toml::Table>().is_ok()).map_err(|e| {
        vec![match e {
            frontmatter::SplitError::NoOpening => {
                let what = if text.trim().is_empty() { "file is empty" } else { "missing front matter" };
                Diagnostic::error(format!("{what}: a brief must start with a `+++` line"))
                    .in_file(display)
                    .at(&text, 0..text.find('\n').unwrap_or(text.len()))
                    .with_label("expected `+++` here")
                    .with_hint("start the file with `+++`, then `title = \"...\"` and `date = 2017-05-01`, then `+++`")
            }
            frontmatter::SplitError::NoClosing(open) => Diagnostic::error("front matter is never closed")
                .in_file(display)
                .at(&text, open)
                .with_label("opened here")
                .with_hint("add a line with just `+++` after the last front-matter field"),
        }]
    })?;
    let toml_text = &text[split.toml.clone()];
    let offset = split.toml.start;
    let is_section = rel == "_index.md" || rel.ends_with("/_index.md");
    let toml_error = |e: &toml::de::Error| {
        plain::refine(from_toml_error(e, display, &text, offset), e, toml_text)
    };
    let mut root = toml::de::DeTable::parse(toml_text).map_err(|e| vec![toml_error(&e)])?;
    let mut removed = crate::clean::Removed::default();
    removed.front_matter(root.get_mut(), offset);
    let mut errors = if is_section {
        Vec::new()
    } else {
        unsafe_source_urls(root.get_ref(), display, &text, offset)
    };
    let placeholder_file =
        crate::placeholders::doc_file(translation.as_ref().map_or(rel, |(of, _)| of));
    let mut placeholders = crate::placeholders::in_toml(
        placeholder_file,
        root.get_ref(),
        display,
        &text,
        offset,
        &[],
    );
    let words_of = || words::Words {
        display,
        text: &text,
        offset,
        language: translation::word_language(
            translation
                .as_ref()
                .map_or(languages.default.as_str(), |(_, l)| l.as_str()),
        ),
        warnings: Vec::new(),
        errors: Vec::new(),
    };
    let mut words = words_of();
    if !is_section {
        words.brief(root.get_mut());
    }
    let (word_warnings, word_errors) = (words.warnings, words.errors);
    errors.extend(word_errors);
    // The same table once more, for `read_all` to mend when the front matter has an error:
    // parsed, cleaned and its words read as above (what those steps report is already kept).
    let again = || {
        let mut root = toml::de::DeTable::parse(toml_text).ok()?;
        crate::clean::Removed::default().front_matter(root.get_mut(), offset);
        if !is_section {
            words_of().brief(root.get_mut());
        }
        Some(root)
    };
    let mut field_errors = Vec::new();
    let report = |e: &toml::de::Error| field_errors.push(toml_error(e));
    let kind = if let Some((of, language)) = &translation {
        recover::read_all::<translation::TranslationMeta>(root, again, report).map(|m| {
            DocKind::Translation {
                of: of.clone(),
                language: language.clone(),
                meta: Box::new(m),
            }
        })
    } else if is_section {
        recover::read_all::<SectionMeta>(root, again, report).map(DocKind::Section)
    } else {
        recover::read_all::<BriefMeta>(root, again, report).map(|m| DocKind::Brief(Box::new(m)))
    };
    field_errors.append(&mut errors);
    let mut kind = match kind {
        Some(k) if field_errors.is_empty() => k,
        _ => {
            field_errors.extend(word_warnings);
            return Err(field_errors);
        }
    };
    typeset::apply(
        &mut kind,
        translation
            .as_ref()
            .map_or(languages.default.as_str(), |(_, l)| l.as_str()),
    );
    if let DocKind::Section(m) = &kind {
        let bad = bad_names(m, display, &text, split.toml.clone());
        if !bad.is_empty() {
            return Err(bad);
        }
    }
    let body_start = split.body.start;
    let original = text.clone();
    // Like NUL above: cleaning the text itself keeps Markdown offsets and the source lines
    // later diagnostics show consistent with what is rendered.
    let text = match removed.body(&text[body_start..], body_start) {
        Some(body) => Arc::from(format!("{}{body}", &text[..body_start])),
        None => text,
    };
    placeholders.extend(crate::placeholders::in_body(
        placeholder_file,
        display,
        &text,
        body_start,
    ));
    let warnings = removed_warning(&removed, display, &original)
        .into_iter()
        .chain(word_warnings)
        .chain(placeholders)
        .collect();
    Ok(SourceDoc {
        rel: rel.to_string(),
        display: display.to_path_buf(),
        body_start,
        text,
        kind,
        hash,
        stamp: None,
        warnings,
    })
}

/// `[[sources]] url` values with a scheme other than http, https or mailto. Checked on the
/// parsed TOML, which still knows where each value is.
fn unsafe_source_urls(
    root: &toml::de::DeTable<'_>,
    display: &Path,
    text: &Arc<str>,
    offset: usize,
) -> Vec<Diagnostic> {
    use toml::de::{DeTable, DeValue};
    fn field<'a, 'i>(t: &'a DeTable<'i>, name: &str) -> Option<&'a toml::Spanned<DeValue<'i>>> {
        t.iter().find(|(k, _)| k.get_ref() == name).map(|(_, v)| v)
    }
    let Some(sources) = field(root, "sources") else {
        return Vec::new();
    };
    let DeValue::Array(items) = sources.get_ref() else {
        return Vec::new();
    };
    let mut errors = Vec::new();
    for item in items.iter() {
        let DeValue::Table(t) = item.get_ref() else {
            continue;
        };
        let Some(url) = field(t, "url") else {
            continue;
        };
        let DeValue::String(s) = url.get_ref() else {
            continue;
        };
        if let Some(scheme) = crate::clean::forbidden_scheme(s) {
            let span = url.span();
            errors.push(
                Diagnostic::error(format!(
                    "source URL uses `{}:`, which is not a web or email address",
                    scheme.escape_debug()
                ))
                .in_file(display)
                .at(text, offset + span.start..offset + span.end)
                .with_label("only http, https and mailto addresses, or links within the site")
                .with_hint("use an https:// address, e.g. url = \"https://example.org/report\""),
            );
        }
    }
    errors
}

/// One warning per file, however many characters went.
fn removed_warning(
    removed: &crate::clean::Removed,
    display: &Path,
    text: &str,
) -> Option<Diagnostic> {
    let (c, span) = removed.first.clone()?;
    let shown: Arc<str> = Arc::from(crate::clean::visible(text));
    let n = removed.count;
    let what = if n == 1 {
        "1 control character".to_string()
    } else {
        format!("{n} control characters")
    };
    Some(
        Diagnostic::warning(format!(
            "removed {what} (the first is U+{:04X}) that pages and feeds cannot contain",
            c as u32
        ))
        .in_file(display)
        .at(&shown, span)
        .with_label("invisible character here")
        .with_hint(
            "delete it: it is usually pasted from another program; in front matter look for \
             escapes such as \\f, \\b or \\u000c",
        ),
    )
}

/// A section's `template` and `archetype` name files inside the site's (or theme's) folders;
/// a name that could reach past them (`/etc/passwd`, `../../x`) is refused where it is written.
fn bad_names(
    m: &SectionMeta,
    display: &Path,
    text: &Arc<str>,
    toml: std::ops::Range<usize>,
) -> Vec<Diagnostic> {
    let fields = [
        (
            "template",
            m.template.as_deref(),
            "name a template inside templates/ or the theme's templates/, e.g. `section.html`",
        ),
        (
            "archetype",
            m.archetype.as_deref(),
            "name a file inside archetypes/, e.g. `hedge.md`",
        ),
    ];
    let mut out = Vec::new();
    for (key, value, hint) in fields {
        let Some(name) = value.filter(|n| !crate::confine::plain_name(n)) else {
            continue;
        };
        let span = frontmatter::value_span(&text[toml.clone()], key)
            .map(|r| r.start + toml.start..r.end + toml.start)
            .unwrap_or(toml.start..toml.start);
        out.push(
            Diagnostic::error(format!(
                "{key} `{name}` is not a plain name inside the site: briefing never reads files outside the site root"
            ))
            .in_file(display)
            .at(text, span)
            .with_label("absolute paths and `..` are not allowed here")
            .with_hint(hint),
        );
    }
    out
}

#[cfg(test)]
mod tests;
