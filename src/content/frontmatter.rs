//! Splitting a Markdown file into TOML front matter (between `+++` lines) and body.

use std::ops::Range;

/// Where the front matter and the body sit inside the file text.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// The TOML text between the delimiters.
    pub toml: Range<usize>,
    /// The Markdown after the closing delimiter's line.
    pub body: Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SplitError {
    /// The file does not start with `+++`.
    NoOpening,
    /// An opening `+++` with no closing one; the range is the opening line.
    NoClosing(Range<usize>),
}

/// Lines as (start, end-without-newline, next-start).
fn lines(text: &str) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos >= text.len() {
            return None;
        }
        let start = pos;
        let (end, next) = match text[start..].find('\n') {
            Some(i) => (start + i, start + i + 1),
            None => (text.len(), text.len()),
        };
        pos = next;
        Some((start, end, next))
    })
}

fn is_delimiter(line: &str) -> bool {
    line.trim_end() == "+++"
}

/// Finds the front matter. Because `+++` may appear inside a multi-line TOML string, every
/// delimiter line is a candidate close; `accept` says whether the TOML up to it parses, and the
/// first accepted candidate wins. When none parses, the first candidate is returned so the
/// caller reports that TOML's error.
pub fn split(text: &str, accept: impl Fn(&str) -> bool) -> Result<Split, SplitError> {
    let mut it = lines(text);
    let Some((s, e, next)) = it.next() else {
        return Err(SplitError::NoOpening);
    };
    if !is_delimiter(&text[s..e]) {
        return Err(SplitError::NoOpening);
    }
    let toml_start = next;
    let mut first = None;
    for (ls, le, lnext) in it {
        if is_delimiter(&text[ls..le]) {
            let candidate = Split {
                toml: toml_start..ls,
                body: lnext..text.len(),
            };
            if accept(&text[candidate.toml.clone()]) {
                return Ok(candidate);
            }
            first.get_or_insert(candidate);
        }
    }
    first.ok_or(SplitError::NoClosing(s..e))
}

/// Where the value of the top-level `key` sits in a TOML text, for errors about a field that
/// parsed but is not acceptable.
pub fn value_span(toml: &str, key: &str) -> Option<Range<usize>> {
    let table = toml::de::DeTable::parse(toml).ok()?;
    table.get_ref().get(key).map(|v| v.span())
}

/// Where the value of the front-matter field `key` sits in a whole file's text.
pub fn field_span(text: &str, key: &str) -> Option<Range<usize>> {
    let split = split(text, |t| t.parse::<toml::Table>().is_ok()).ok()?;
    let r = value_span(&text[split.toml.clone()], key)?;
    Some(r.start + split.toml.start..r.end + split.toml.start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parses(t: &str) -> bool {
        t.parse::<toml::Table>().is_ok()
    }

    #[test]
    fn basic() {
        let t = "+++\ntitle = \"a\"\n+++\nbody\n";
        let s = split(t, parses).unwrap();
        assert_eq!(&t[s.toml.clone()], "title = \"a\"\n");
        assert_eq!(&t[s.body], "body\n");
    }

    #[test]
    fn crlf_and_only_front_matter() {
        let t = "+++\r\ntitle = \"a\"\r\n+++";
        let s = split(t, parses).unwrap();
        assert_eq!(&t[s.body], "");
    }

    #[test]
    fn delimiter_inside_string() {
        let t = "+++\ntitle = \"\"\"\n+++\n\"\"\"\n+++\nbody";
        let s = split(t, parses).unwrap();
        assert_eq!(&t[s.body], "body");
    }

    #[test]
    fn spans_of_values() {
        let t = "title = \"a\"\ntemplate = \"../x\"\n[extra]\ntemplate = 1\n";
        assert_eq!(value_span(t, "template").map(|r| &t[r]), Some("\"../x\""));
        assert_eq!(value_span(t, "archetype"), None);
        let file = format!("+++\n{t}+++\nbody\n");
        assert_eq!(
            field_span(&file, "template").map(|r| &file[r]),
            Some("\"../x\"")
        );
    }

    #[test]
    fn errors() {
        assert_eq!(split("", parses), Err(SplitError::NoOpening));
        assert_eq!(split("# hi", parses), Err(SplitError::NoOpening));
        assert_eq!(
            split("+++\ntitle = 1\n", parses),
            Err(SplitError::NoClosing(0..3))
        );
    }
}
