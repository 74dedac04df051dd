//! The text rules every stage shares. Two apply to text read from content files, at the content
//! stage so that no later stage, template or theme can publish the problem:
//!
//! - URL-valued fields may only hold `http:`, `https:` or `mailto:` addresses, or relative URLs.
//!   A `javascript:` source URL would run script for every reader who clicks it, and escaping
//!   cannot help: the value is written into an `href` verbatim.
//! - Characters XML 1.0 forbids (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF) make a
//!   feed unreadable, and HTML calls them, DEL and the C1 controls parse errors. None of them has
//!   a use in an analyst's prose, so they are removed, with one warning per file.
//!
//! [`escape`] is the one HTML escape for markup written by hand.

use std::borrow::Cow;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Characters no page or feed may contain.
pub fn is_disallowed(c: char) -> bool {
    matches!(c,
        '\0'..='\x08' | '\x0b' | '\x0c' | '\x0e'..='\x1f' | '\x7f'..='\u{9f}' | '\u{fffe}' | '\u{ffff}')
}

/// What a disallowed character becomes. Vertical tab, form feed and next-line are whitespace
/// (in Unicode's sense), so they stand between words: "China\fthe hedge" must read "China the
/// hedge", not "Chinathe hedge". Every other one is dropped.
fn replacement(c: char) -> Option<char> {
    matches!(c, '\x0b' | '\x0c' | '\u{85}').then_some(' ')
}

/// `s` without disallowed characters, and how many there were; borrowed when there were none.
pub fn clean_str(s: &str) -> (Cow<'_, str>, usize) {
    let Some(first) = s.find(is_disallowed) else {
        return (Cow::Borrowed(s), 0);
    };
    let mut out = String::with_capacity(s.len());
    out.push_str(&s[..first]);
    let mut removed = 0;
    for c in s[first..].chars() {
        if is_disallowed(c) {
            removed += 1;
            out.extend(replacement(c));
        } else {
            out.push(c);
        }
    }
    (Cow::Owned(out), removed)
}

/// `s` for showing in a terminal: each disallowed character becomes a visible stand-in of the
/// same byte length (`?`, `??`, U+FFFD), so spans stay valid and an ESC pasted into a brief
/// cannot drive the terminal that prints the warning.
pub fn visible(s: &str) -> String {
    s.chars()
        .map(|c| match (is_disallowed(c), c.len_utf8()) {
            (false, _) => c.to_string(),
            (true, 1) => "?".into(),
            (true, 2) => "??".into(),
            (true, _) => "\u{fffd}".into(),
        })
        .collect()
}

/// The last step of writing a page or feed: whatever a template printed (config strings, data
/// values, `extra` tables), an XML file stays well-formed and HTML free of control characters.
/// Content is already clean, so this almost always returns its input untouched, after a byte
/// scan that costs far less than rendering.
pub fn for_output(out_path: &str, s: String) -> String {
    let markup = [".xml", ".html", ".svg"]
        .iter()
        .any(|e| out_path.ends_with(e));
    if !markup || !maybe_disallowed(s.as_bytes()) {
        return s;
    }
    xml_output(s)
}

/// [`for_output`] for a file known to be XML.
pub fn xml_output(s: String) -> String {
    match clean_str(&s) {
        (Cow::Borrowed(_), _) => s,
        (Cow::Owned(clean), _) => clean,
    }
}

/// `s` as HTML text or a quoted attribute value. It lives here, in the foundation, so that every
/// stage writing markup by hand (heading anchors, charts, the sitemap, the error overlay) shares
/// one escape without naming the Markdown stage.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// False when `b` surely holds no disallowed character: none of the bytes that start one
/// (C0 and DEL; 0xC2 starts the C1 controls, 0xEF U+FFFE and U+FFFF) occurs.
fn maybe_disallowed(b: &[u8]) -> bool {
    b.iter().any(|&b| {
        (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || matches!(b, 0x7f | 0xc2 | 0xef)
    })
}

/// Disallowed characters found in one file.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Removed {
    pub count: usize,
    /// The first one in the file: the character and where it came from in the file's text (for a
    /// front-matter string, the whole TOML value, since the character was written as an escape).
    pub first: Option<(char, Range<usize>)>,
}

impl Removed {
    fn note(&mut self, c: char, span: Range<usize>, count: usize) {
        self.count += count;
        // Tables are visited in key order, not file order.
        if self
            .first
            .as_ref()
            .is_none_or(|(_, f)| span.start < f.start)
        {
            self.first = Some((c, span));
        }
    }

    /// Cleans a Markdown body that starts at byte `offset` of its file.
    pub fn body(&mut self, body: &str, offset: usize) -> Option<String> {
        let at = body.find(is_disallowed)?;
        let c = body[at..].chars().next()?;
        let (clean, n) = clean_str(body);
        self.note(c, offset + at..offset + at + c.len_utf8(), n);
        Some(clean.into_owned())
    }

    /// Cleans every string (not keys) of parsed front matter in place. Spans are relative to the
    /// TOML text; `offset` is where that text starts in the file.
    pub fn front_matter(&mut self, table: &mut DeTable<'_>, offset: usize) {
        for (_, v) in table.iter_mut() {
            self.value(v, offset);
        }
    }

    fn value(&mut self, v: &mut Spanned<DeValue<'_>>, offset: usize) {
        let span = v.span();
        match v.get_mut() {
            DeValue::String(s) => {
                let (clean, n) = clean_str(s);
                if let Cow::Owned(clean) = clean {
                    let c = s.chars().find(|c| is_disallowed(*c)).unwrap_or('\0');
                    self.note(c, offset + span.start..offset + span.end, n);
                    *s = Cow::Owned(clean);
                }
            }
            DeValue::Array(items) => {
                for item in items.iter_mut() {
                    self.value(item, offset);
                }
            }
            DeValue::Table(t) => self.front_matter(t, offset),
            _ => {}
        }
    }
}

/// The schemes a published link may use.
const SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// The scheme a browser would see in `url`, if it is not one briefing publishes. `None` means
/// the URL is fine: one of [`SCHEMES`], or relative (no scheme at all).
///
/// Browsers are lenient, so the check reads the value as one would: character references are
/// decoded (a theme may print the value unescaped), leading and trailing controls and spaces are
/// ignored, tabs and newlines anywhere are dropped, and case does not matter. So
/// ` JaVa\tScRiPt:`, `\u{1}javascript:` and `javascript&#58;` all count as `javascript:`.
pub fn forbidden_scheme(url: &str) -> Option<String> {
    let decoded = decode_references(url);
    let seen: String = decoded
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let colon = seen.find(':')?;
    let scheme = &seen[..colon];
    // As in the WHATWG URL parser: a scheme is a letter then letters, digits, `+`, `-`, `.`.
    // Anything else before the colon (`./a:b`, `page?x=a:b`) makes the URL relative.
    let mut chars = scheme.chars();
    let is_scheme = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !is_scheme {
        return None;
    }
    let scheme = scheme.to_ascii_lowercase();
    (!SCHEMES.contains(&scheme.as_str())).then_some(scheme)
}

/// Decodes `&#58;`, `&#x3a;` and the named references that matter for schemes (`&colon;`,
/// `&Tab;`, `&NewLine;`), the way a browser decodes an attribute value. Only used to judge a
/// URL, never to publish it.
fn decode_references(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        let (decoded, used) = reference(rest);
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[used..];
            }
            None => out.push('&'),
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The character a reference (after its `&`) stands for, and how many bytes it takes.
fn reference(s: &str) -> (Option<char>, usize) {
    let semicolon = |n: usize| n + usize::from(s[n..].starts_with(';'));
    if let Some(num) = s.strip_prefix('#') {
        let (radix, digits_at) = match num.strip_prefix(['x', 'X']) {
            Some(_) => (16, 2),
            None => (10, 1),
        };
        let len = s[digits_at..]
            .find(|c: char| !c.is_digit(radix))
            .unwrap_or(s.len() - digits_at);
        let c = u32::from_str_radix(&s[digits_at..digits_at + len], radix)
            .ok()
            .and_then(char::from_u32);
        return match c {
            Some(c) if len > 0 => (Some(c), semicolon(digits_at + len)),
            _ => (None, 0),
        };
    }
    for (name, c) in [("colon", ':'), ("tab", '\t'), ("newline", '\n')] {
        if s.len() >= name.len()
            && s.is_char_boundary(name.len())
            && s[..name.len()].eq_ignore_ascii_case(name)
        {
            return (Some(c), semicolon(name.len()));
        }
    }
    (None, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_and_relative_urls_pass() {
        for ok in [
            "https://example.org/report?a=1#p",
            "HTTP://example.org",
            "mailto:desk@example.org",
            "//cdn.example.org/x.pdf",
            "/reports/2017.pdf",
            "reports/2017.pdf",
            "../x.pdf",
            "#ref-1",
            "./a:b",
            "page?x=a:b",
            "",
            "report&summary.pdf",
        ] {
            assert_eq!(forbidden_scheme(ok), None, "{ok:?}");
        }
    }

    #[test]
    fn other_schemes_are_caught_through_obfuscation() {
        for (bad, scheme) in [
            ("javascript:alert(1)", "javascript"),
            ("JaVaScRiPt:alert(1)", "javascript"),
            ("  javascript:alert(1)", "javascript"),
            ("\u{1}\u{c}javascript:alert(1)", "javascript"),
            ("java\tscript:alert(1)", "javascript"),
            ("java\nscr\ript:alert(1)", "javascript"),
            ("javascript&#58;alert(1)", "javascript"),
            ("javascript&#x3A;alert(1)", "javascript"),
            ("javascript&colon;alert(1)", "javascript"),
            ("java&Tab;script:alert(1)", "javascript"),
            ("&#106;avascript:alert(1)", "javascript"),
            ("data:text/html;base64,PHNjcmlwdD4=", "data"),
            ("vbscript:msgbox(1)", "vbscript"),
            ("file:///etc/passwd", "file"),
            ("ftp://example.org", "ftp"),
        ] {
            assert_eq!(forbidden_scheme(bad).as_deref(), Some(scheme), "{bad:?}");
        }
    }

    #[test]
    fn references_decode_like_a_browser() {
        assert_eq!(decode_references("a&#58b"), "a:b");
        assert_eq!(decode_references("a&amp;b"), "a&amp;b");
        assert_eq!(decode_references("&#xZZ;&"), "&#xZZ;&");
        assert_eq!(decode_references("&#99999999999;é&"), "&#99999999999;é&");
    }

    #[test]
    fn control_characters_are_dropped_or_become_spaces() {
        assert_eq!(
            clean_str("China\x0cthe hedge"),
            (Cow::Owned("China the hedge".into()), 1)
        );
        assert_eq!(
            clean_str("a\x01\x08b\u{9f}\u{ffff}"),
            (Cow::Owned("ab".into()), 4)
        );
        let kept = "tab\tline\ncr\r – é \u{fffd}";
        assert_eq!(clean_str(kept), (Cow::Borrowed(kept), 0));
        for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
            assert_eq!(is_disallowed(c), !matches!(c, '\t' | '\n' | '\r'), "{c:?}");
        }
    }

    #[test]
    fn visible_keeps_byte_offsets() {
        let s = "a\x1b]0;x\x07 \u{85} \u{ffff}é";
        let v = visible(s);
        assert_eq!(v, "a?]0;x? ?? \u{fffd}é");
        assert_eq!(v.len(), s.len());
    }

    #[test]
    fn output_filter_cleans_markup_only() {
        assert_eq!(for_output("atom.xml", "<t>a\x01b</t>".into()), "<t>ab</t>");
        assert_eq!(
            for_output("a/index.html", "<p>a\u{9f}\x0cb</p>".into()),
            "<p>a b</p>"
        );
        assert_eq!(for_output("x.txt", "a\x01".into()), "a\x01");
        let nbsp = "\u{a0}\u{fffd}\u{feff}é";
        assert_eq!(for_output("atom.xml", nbsp.into()), nbsp);
        assert!(!maybe_disallowed("plain – text\t\n".as_bytes()));
    }

    #[test]
    fn front_matter_strings_are_cleaned_with_the_first_span() {
        let toml =
            "title = \"a\\fb\"\n[[events]]\ntext = \"x\\u0001\\u0002\"\n[extra]\nk = [\"\\b\"]\n";
        let mut root = DeTable::parse(toml).unwrap();
        let mut removed = Removed::default();
        removed.front_matter(root.get_mut(), 4);
        assert_eq!(removed.count, 4);
        assert_eq!(removed.first, Some(('\x0c', 12..18)));
        let t = root.get_ref();
        let title = t.iter().find(|(k, _)| k.get_ref() == "title").unwrap().1;
        assert!(matches!(title.get_ref(), DeValue::String(s) if s == "a b"));
    }
}
