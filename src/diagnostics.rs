//! User-facing diagnostics: what went wrong, where (file, line, column), and how to fix it.
//!
//! Every stage reports problems as [`Diagnostic`] values instead of failing fast, so one build
//! shows all content errors together. `main` is the only place that prints them.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, Config as TermConfig};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in the user's site, with enough context to show the offending line.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    /// Path as the user should see it (relative to the site root where possible).
    pub file: Option<PathBuf>,
    /// The full text of `file`, kept so the report can show the source line with a caret.
    pub source: Option<Arc<str>>,
    /// Byte range inside `source`.
    pub span: Option<Range<usize>>,
    /// A short label printed under the caret.
    pub label: Option<String>,
    /// What to do about it, e.g. a did-you-mean suggestion.
    pub hint: Option<String>,
    /// When there is no source text (e.g. an I/O error) but the line is known.
    pub line_col: Option<(usize, usize)>,
}

/// The diagnostics a stage reports, in the order it found them. Every stage takes one of these
/// rather than a bare vector, so "did anything fail" has one answer ([`Diagnostics::has_errors`]).
#[derive(Debug, Default, Clone)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics(Vec::new())
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// Whether any of them is an error (the rest are warnings).
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.0
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<I: IntoIterator<Item = Diagnostic>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            file: None,
            source: None,
            span: None,
            label: None,
            hint: None,
            line_col: None,
        }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    pub fn in_file(mut self, file: impl Into<PathBuf>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// Attach the source text and the byte range the problem covers.
    pub fn at(mut self, source: &Arc<str>, span: Range<usize>) -> Self {
        let len = source.len();
        let start = floor_char_boundary(source, span.start.min(len));
        let end = floor_char_boundary(source, span.end.clamp(start, len));
        self.source = Some(source.clone());
        self.span = Some(start..end);
        self
    }

    pub fn at_line(mut self, line: usize, col: usize) -> Self {
        self.line_col = Some((line, col));
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// 1-based line and column of the start of the span, if known.
    pub fn location(&self) -> Option<(usize, usize)> {
        match (&self.source, &self.span) {
            (Some(src), Some(span)) => Some(line_col(src, span.start)),
            _ => self.line_col,
        }
    }

    /// [`Diagnostic::location`] with the source's line index at hand.
    fn location_in(&self, lines: Option<&LineIndex>) -> Option<(usize, usize)> {
        match (&self.source, &self.span, lines) {
            (Some(src), Some(span), Some(lines)) => Some(lines.line_col(src, span.start)),
            _ => self.location(),
        }
    }

    /// `file:line:col`, or as much of it as is known.
    pub fn position(&self) -> String {
        self.position_in(None)
    }

    fn position_in(&self, lines: Option<&LineIndex>) -> String {
        let mut out = match &self.file {
            Some(f) => f.display().to_string(),
            None => String::new(),
        };
        if let Some((l, c)) = self.location_in(lines) {
            let _ = write!(out, ":{l}:{c}");
        }
        out
    }

    /// Renders the diagnostic the way a compiler does: header, location, source line, caret, hint.
    pub fn render(&self, color: bool) -> String {
        let lines = self.source.as_deref().map(LineIndex::new);
        self.render_in(color, lines.as_ref())
    }

    fn render_in(&self, color: bool, lines: Option<&LineIndex>) -> String {
        let mut buf = if color {
            term::termcolor::Buffer::ansi()
        } else {
            term::termcolor::Buffer::no_color()
        };
        let name = self
            .file
            .as_ref()
            .map(|f| f.display().to_string())
            .unwrap_or_else(|| "<site>".into());
        let mut d = match self.severity {
            Severity::Error => CsDiagnostic::error(),
            Severity::Warning => CsDiagnostic::warning(),
        }
        .with_message(&self.message);
        if let Some(hint) = &self.hint {
            d = d.with_notes(vec![format!("help: {hint}")]);
        }
        let config = TermConfig::default();
        match (&self.source, &self.span, lines) {
            (Some(src), Some(span), Some(lines)) => {
                let file = Indexed {
                    name: &name,
                    src,
                    lines,
                };
                let label = Label::primary((), span.clone())
                    .with_message(self.label.clone().unwrap_or_default());
                d = d.with_labels(vec![label]);
                if term::emit_to_write_style(&mut buf, &config, &file, &d).is_err() {
                    return self.plain();
                }
            }
            _ => {
                if self.file.is_some() {
                    let mut notes = vec![format!("in {}", self.position_in(lines))];
                    notes.append(&mut d.notes);
                    d.notes = notes;
                }
                let file = SimpleFile::new(name, "");
                if term::emit_to_write_style(&mut buf, &config, &file, &d).is_err() {
                    return self.plain();
                }
            }
        }
        String::from_utf8_lossy(buf.as_slice()).into_owned()
    }

    fn plain(&self) -> String {
        let mut s = format!("error: {}\n  --> {}\n", self.message, self.position());
        if let Some(h) = &self.hint {
            let _ = writeln!(s, "  = help: {h}");
        }
        s
    }

    /// One JSON object, for `--format json`.
    pub fn to_json(&self) -> serde_json::Value {
        self.to_json_in(None)
    }

    fn to_json_in(&self, lines: Option<&LineIndex>) -> serde_json::Value {
        let (line, column) = match self.location_in(lines) {
            Some((l, c)) => (Some(l), Some(c)),
            None => (None, None),
        };
        let (source_line, end_column) = match self.excerpt(column) {
            Some((text, end)) => (Some(text), Some(end)),
            None => (None, None),
        };
        serde_json::json!({
            "severity": self.severity,
            "message": self.message,
            "file": self.file.as_ref().map(|f| f.display().to_string()),
            "line": line,
            "column": column,
            "end_column": end_column,
            "source_line": source_line,
            "label": self.label,
            "hint": self.hint,
        })
    }

    /// The source line the span starts on (without its line break) and the 1-based column
    /// just past the span on that line (a span running onto later lines ends at the line's
    /// end), for reports that draw the caret themselves (`serve`'s overlay).
    fn excerpt(&self, column: Option<usize>) -> Option<(&str, usize)> {
        let (src, span, column) = (self.source.as_deref()?, self.span.as_ref()?, column?);
        let start = floor_char_boundary(src, span.start.min(src.len()));
        let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
        let text = src[line_start..line_end].trim_end_matches('\r');
        let text_end = (line_start + text.len()).max(start);
        let end = floor_char_boundary(src, span.end.clamp(start, text_end));
        Some((text, column + src[start..end].chars().count()))
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(src, offset.min(src.len()));
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = src[line_start..offset].chars().count() + 1;
    (line, col)
}

/// Where the lines of one source text start, found once: placing thousands of diagnostics in
/// a file is then a binary search each, where finding each one's line by scanning the file
/// from the top made a report of many errors quadratic.
pub struct LineIndex {
    starts: Vec<usize>,
    /// How many characters come before each multiple of [`CHARS_EVERY`] bytes, so a column
    /// in a very long line is counted from a nearby mark, not from the start of the line.
    chars: Vec<usize>,
}

const CHARS_EVERY: usize = 256;

impl LineIndex {
    pub fn new(src: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(src.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let mut chars = Vec::with_capacity(src.len() / CHARS_EVERY + 1);
        let mut count = 0;
        for chunk in src.as_bytes().chunks(CHARS_EVERY) {
            chars.push(count);
            count += chunk.iter().filter(|&&b| !is_continuation(b)).count();
        }
        chars.push(count);
        LineIndex { starts, chars }
    }

    /// 0-based line of a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// Characters before a byte offset (a character boundary).
    fn chars_before(&self, src: &str, offset: usize) -> usize {
        let mark = offset / CHARS_EVERY;
        let from = mark * CHARS_EVERY;
        self.chars[mark]
            + src.as_bytes()[from..offset]
                .iter()
                .filter(|&&b| !is_continuation(b))
                .count()
    }

    /// 1-based line and column (in characters) of a byte offset, as [`line_col`] gives.
    pub fn line_col(&self, src: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(src, offset.min(src.len()));
        let line = self.line_of(offset);
        let start = self.starts[line];
        let col = self.chars_before(src, offset) - self.chars_before(src, start);
        (line + 1, col + 1)
    }
}

fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

/// One source text and its line index, as codespan-reporting reads files.
struct Indexed<'a> {
    name: &'a str,
    src: &'a str,
    lines: &'a LineIndex,
}

impl<'a> codespan_reporting::files::Files<'a> for Indexed<'a> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(self.src)
    }

    fn line_index(
        &'a self,
        (): (),
        byte: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        Ok(self.lines.line_of(byte))
    }

    fn line_range(
        &'a self,
        (): (),
        line: usize,
    ) -> Result<Range<usize>, codespan_reporting::files::Error> {
        let starts = &self.lines.starts;
        let start = |i: usize| match i.cmp(&starts.len()) {
            std::cmp::Ordering::Less => Ok(starts[i]),
            std::cmp::Ordering::Equal => Ok(self.src.len()),
            std::cmp::Ordering::Greater => Err(codespan_reporting::files::Error::LineTooLarge {
                given: i,
                max: starts.len() - 1,
            }),
        };
        Ok(start(line)?..start(line + 1)?)
    }
}

/// Line indexes of the sources a batch of diagnostics points into, each built once. Keyed by
/// the address of the shared source text, which the borrowed diagnostics keep alive.
#[derive(Default)]
struct Sources(HashMap<usize, LineIndex>);

impl Sources {
    fn of(&mut self, d: &Diagnostic) -> Option<&LineIndex> {
        let src = d.source.as_ref()?;
        let key = Arc::as_ptr(src) as *const u8 as usize;
        Some(self.0.entry(key).or_insert_with(|| LineIndex::new(src)))
    }
}

/// A human report shows at most this many diagnostics of one kind in one file; the rest are
/// counted in one note, so twenty thousand copies of one mistake leave the terminal readable.
pub const SHOWN_PER_KIND: usize = 10;

/// What makes two diagnostics "alike" for folding: severity, file and the message with its
/// `quoted` names left out ("unknown source id `a`" is like "unknown source id `b`").
fn kind_of(d: &Diagnostic) -> (Severity, Option<&Path>, String) {
    let mut shape = String::with_capacity(d.message.len());
    for (i, part) in d.message.split('`').enumerate() {
        shape.push_str(if i % 2 == 0 { part } else { "`…`" });
    }
    (d.severity, d.file.as_deref(), shape)
}

/// The human report of a batch of diagnostics, in order, with at most [`SHOWN_PER_KIND`] of
/// each kind per file: where the first one beyond that would be, a note counts them all.
/// Diagnostics of other kinds or files are never folded.
pub fn render_report(diags: &[&Diagnostic], color: bool) -> String {
    let mut counts: HashMap<(Severity, Option<&Path>, String), usize> = HashMap::new();
    for d in diags {
        *counts.entry(kind_of(d)).or_default() += 1;
    }
    let mut seen: HashMap<(Severity, Option<&Path>, String), usize> = HashMap::new();
    let mut sources = Sources::default();
    let mut out = String::new();
    for d in diags {
        let kind = kind_of(d);
        let n = seen.entry(kind.clone()).or_default();
        *n += 1;
        if *n <= SHOWN_PER_KIND {
            out.push_str(&d.render_in(color, sources.of(d)));
        } else if *n == SHOWN_PER_KIND + 1 {
            let more = counts.get(&kind).copied().unwrap_or(0) - SHOWN_PER_KIND;
            out.push_str(&folded_note(d, more, color));
        }
    }
    out
}

/// The note standing for `more` diagnostics like `d` that a human report leaves out.
fn folded_note(d: &Diagnostic, more: usize, color: bool) -> String {
    let what = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let plural = if more == 1 { "" } else { "s" };
    let place = d
        .file
        .as_ref()
        .map(|f| format!(" in {}", f.display()))
        .unwrap_or_default();
    let mut buf = if color {
        term::termcolor::Buffer::ansi()
    } else {
        term::termcolor::Buffer::no_color()
    };
    let note = CsDiagnostic::note()
        .with_message(format!(
            "… and {} more {what}{plural} like it{place} ({})",
            thousands(more),
            d.message
        ))
        .with_notes(vec![
            "help: fix the ones shown and build again, or use --format json to list all of them"
                .to_string(),
        ]);
    let file = SimpleFile::new("", "");
    if term::emit_to_write_style(&mut buf, &TermConfig::default(), &file, &note).is_err() {
        return format!("note: … and {more} more {what}{plural} like it{place}\n");
    }
    String::from_utf8_lossy(buf.as_slice()).into_owned()
}

/// `19990` as `19,990`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Every diagnostic of a batch as JSON objects (`--format json`): none is folded, since a
/// program reading them wants them all; each source's lines are indexed once.
pub fn json_report(diags: &[&Diagnostic]) -> Vec<serde_json::Value> {
    let mut sources = Sources::default();
    diags.iter().map(|d| d.to_json_in(sources.of(d))).collect()
}

/// A failed build's report: sorted by file, line and column (diagnostics of no file first, in
/// the order found), each distinct diagnostic once.
pub fn sorted(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut sources = Sources::default();
    let mut keyed: Vec<_> = diags
        .into_iter()
        .map(|d| {
            let at = d.location_in(sources.of(&d));
            ((d.file.clone(), at), d)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out: Vec<Diagnostic> = Vec::with_capacity(keyed.len());
    for (_, d) in keyed {
        let same = |o: &Diagnostic| {
            o.severity == d.severity
                && o.message == d.message
                && o.file == d.file
                && o.span == d.span
                && o.line_col == d.line_col
        };
        // Equal diagnostics sort next to each other, so comparing with the last few suffices.
        if !out.iter().rev().take(8).any(same) {
            out.push(d);
        }
    }
    out
}

/// Byte offset of the start of a 1-based line.
pub fn line_offset(src: &str, line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    src.match_indices('\n')
        .nth(line - 2)
        .map(|(i, _)| i + 1)
        .unwrap_or(src.len())
}

/// The closest candidate to `unknown`, for did-you-mean hints.
pub fn did_you_mean<'a>(
    unknown: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(unknown, c), c))
        .filter(|(score, _)| *score > 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Shows a path relative to `root` when it lies inside it.
pub fn display_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Why a command failed; decides the exit code.
#[derive(Debug)]
pub enum Failure {
    /// Problems in content, config or templates (exit 1).
    Content(Vec<Diagnostic>),
    /// The command line asked for something impossible (exit 2).
    Usage(Diagnostic),
    /// Reading or writing files failed (exit 3).
    Io(Diagnostic),
}

impl Failure {
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Content(_) => 1,
            Failure::Usage(_) => 2,
            Failure::Io(_) => 3,
        }
    }

    pub fn diagnostics(&self) -> Vec<&Diagnostic> {
        match self {
            Failure::Content(d) => d.iter().collect(),
            Failure::Usage(d) | Failure::Io(d) => vec![d],
        }
    }

    pub fn io(context: impl std::fmt::Display, path: &Path, err: &std::io::Error) -> Self {
        Failure::Io(io_diagnostic(context, path, err))
    }
}

/// What [`Failure::io`] reports: a full disk is named as such, whatever was being done.
pub fn io_diagnostic(
    context: impl std::fmt::Display,
    path: &Path,
    err: &std::io::Error,
) -> Diagnostic {
    if err.kind() == std::io::ErrorKind::StorageFull {
        return Diagnostic::error(format!("the disk is full while writing {}", path.display()))
            .in_file(path)
            .with_hint(
                "free some space on that disk (or build into an --output on another one), then build again",
            );
    }
    Diagnostic::error(format!("{context}: {err}"))
        .in_file(path)
        .with_hint(io_hint(err))
}

fn io_hint(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::PermissionDenied => "check the file's permissions".into(),
        std::io::ErrorKind::NotFound => "check that the path exists".into(),
        _ => "check the disk and the path, then run the command again".into(),
    }
}

impl From<Vec<Diagnostic>> for Failure {
    fn from(d: Vec<Diagnostic>) -> Self {
        Failure::Content(d)
    }
}

pub type Result<T, E = Failure> = std::result::Result<T, E>;

/// Turns a TOML parse or type error into a diagnostic pointing into `source`.
///
/// `offset` is where the TOML text starts inside `source` (front matter starts after `+++`).
/// Unknown keys and unknown enum words get a did-you-mean hint from serde's list of expected names.
pub fn from_toml_error(
    err: &toml::de::Error,
    file: &Path,
    source: &Arc<str>,
    offset: usize,
) -> Diagnostic {
    let message = err.message().trim().to_string();
    let mut d = Diagnostic::error(first_sentence(&message)).in_file(file);
    if let Some(span) = err.span() {
        d = d.at(source, span.start + offset..span.end + offset);
    } else {
        d = d.at(source, offset..offset);
    }
    if let Some(hint) = unknown_name_hint(&message) {
        d = d.with_hint(hint);
    } else if message.contains("missing field") {
        d = d.with_hint("add the field to the front matter (see docs/content.md)");
    }
    d
}

fn first_sentence(msg: &str) -> String {
    msg.lines().next().unwrap_or(msg).to_string()
}

/// serde says "unknown field `titel`, expected one of `title`, `date`"; we turn that into a hint.
fn unknown_name_hint(message: &str) -> Option<String> {
    let kind = if message.starts_with("unknown field") {
        "field"
    } else if message.starts_with("unknown variant") {
        "value"
    } else {
        return None;
    };
    let mut ticks = message.split('`').skip(1).step_by(2);
    let unknown = ticks.next()?;
    let expected: Vec<&str> = ticks.collect();
    match did_you_mean(unknown, expected.iter().copied()) {
        Some(best) => Some(format!("did you mean `{best}`?")),
        None if !expected.is_empty() => {
            Some(format!("expected a {kind} among: {}", expected.join(", ")))
        }
        None => Some(format!("remove `{unknown}`")),
    }
}

#[cfg(test)]
mod tests;
