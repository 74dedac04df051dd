//! Smart punctuation for the plain text of front matter (titles, bottom lines, judgments...), so a
//! title reads "Japan’s" like the body under it does.
//!
//! The body gets its punctuation from pulldown-cmark; running the same parser over the text
//! keeps one set of rules (quote flanking, `--`, `---`, `...`) instead of a second, subtly
//! different one. Front matter is not Markdown, so every ASCII punctuation character the rules
//! do not use is backslash-escaped first: `*`, `[`, `<`, `&`, backticks... stay literal text.
//!
//! French pages add a second step over the result ([`french`]): guillemets and the narrow
//! no-break space before `;:!?`.

mod french;

use std::borrow::Cow;

use pulldown_cmark::{Event, Options, Parser};

pub use french::{NNBSP, french, french_after};

/// `text` with curly quotes, apostrophes, en and em dashes and ellipses, by the Markdown body's
/// rules. Text with nothing to change is returned as it is, without a parse.
pub fn smarten(text: &str) -> Cow<'_, str> {
    if !needs_work(text) {
        return Cow::Borrowed(text);
    }
    if let Some(done) = only_apostrophes(text) {
        return Cow::Owned(done);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        smarten_line(line, &mut out);
    }
    Cow::Owned(out)
}

/// [`smarten`], then the typography of `language` (a BCP 47 tag): French ([`french`]) for
/// `fr` and its regions (`fr-CA`); other languages get the smart punctuation alone. Only the
/// primary subtag counts, so `frr` (North Frisian) is not French.
pub fn smarten_in<'a>(text: &'a str, language: &str) -> Cow<'a, str> {
    let smart = smarten(text);
    if !is_french(language) {
        return smart;
    }
    match smart {
        Cow::Borrowed(t) => french(t),
        Cow::Owned(t) => match french(&t) {
            Cow::Borrowed(_) => Cow::Owned(t),
            Cow::Owned(f) => Cow::Owned(f),
        },
    }
}

/// `fr`, `fr-CA`, `FR_ca`...: the primary subtag, compared as BCP 47 does (ignoring case).
pub fn is_french(language: &str) -> bool {
    let primary = language.split(['-', '_']).next().unwrap_or("");
    primary.eq_ignore_ascii_case("fr")
}

/// SIMD searches: this runs on every front-matter string of every brief.
fn needs_work(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memchr2(b'\'', b'"', b).is_some() || has_dashes_or_dots(b)
}

/// `--` or `...`: hyphens and full stops are common, so step from one to the next.
fn has_dashes_or_dots(b: &[u8]) -> bool {
    let mut i = 0;
    while let Some(off) = memchr::memchr2(b'-', b'.', &b[i..]) {
        let at = i + off;
        let c = b[at];
        let run = if c == b'-' { 2 } else { 3 };
        if b.len() >= at + run && b[at..at + run].iter().all(|&x| x == c) {
            return true;
        }
        i = at + 1;
    }
    false
}

/// The common case ("Japan's", "Tokyo's"): no double quotes, dashes or dots, and every `'`
/// between two letters or digits, where the parser would make each one an apostrophe. Saves a
/// parse per string; `the_shortcut_agrees_with_the_parser` holds it to the parser's answer.
fn only_apostrophes(text: &str) -> Option<String> {
    let b = text.as_bytes();
    if memchr::memchr2(b'"', b'\n', b).is_some() || has_dashes_or_dots(b) {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut prev: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            let next = chars.peek().copied();
            if !(prev.is_some_and(char::is_alphanumeric) && next.is_some_and(char::is_alphanumeric))
            {
                return None;
            }
            out.push('’');
        } else {
            out.push(c);
        }
        prev = Some(c);
    }
    Some(out)
}

/// One line: its leading and trailing whitespace are kept aside, so indentation never becomes a
/// code block and trailing spaces never a hard break.
fn smarten_line(line: &str, out: &mut String) {
    let body = line.trim();
    if body.is_empty() {
        out.push_str(line);
        return;
    }
    let lead = &line[..line.len() - line.trim_start().len()];
    let trail = &line[line.trim_end().len()..];
    out.push_str(lead);
    if needs_work(body) {
        out.push_str(&through_parser(body));
    } else {
        out.push_str(body);
    }
    out.push_str(trail);
}

/// A word and a space go first so the line can never open a list (`- `, `1. `) or be a
/// thematic break (`---`); a space is what the flanking rules treat as a line start, so the
/// first quote of the line turns the same way it would there. The prefix is taken off again.
const PREFIX: &str = "x ";

fn through_parser(body: &str) -> String {
    let mut md = String::with_capacity(PREFIX.len() + body.len() * 2);
    md.push_str(PREFIX);
    for c in body.chars() {
        if c.is_ascii_punctuation() && !matches!(c, '\'' | '"' | '-' | '.') {
            md.push('\\');
        }
        md.push(c);
    }
    let mut text = String::with_capacity(md.len());
    for event in Parser::new_ext(&md, Options::ENABLE_SMART_PUNCTUATION) {
        if let Event::Text(t) = event {
            text.push_str(&t);
        }
    }
    match text.strip_prefix(PREFIX) {
        Some(rest) => rest.to_string(),
        // Cannot happen (the prefix is plain text), but the original is always a safe answer.
        None => body.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_apostrophes_dashes_and_ellipses() {
        assert_eq!(smarten("Japan's \"hedge\""), "Japan’s “hedge”");
        assert_eq!(smarten("'Quad' talks"), "‘Quad’ talks");
        assert_eq!(smarten("2015--2017 --- and so..."), "2015–2017 — and so…");
        assert_eq!(smarten("the '90s"), "the ’90s");
    }

    #[test]
    fn the_same_rules_as_the_body() {
        let body = |s: &str| {
            let mut html = String::new();
            pulldown_cmark::html::push_html(
                &mut html,
                Parser::new_ext(s, Options::ENABLE_SMART_PUNCTUATION),
            );
            html.trim()
                .trim_start_matches("<p>")
                .trim_end_matches("</p>")
                .to_string()
        };
        for s in [
            "Abe's \"pivot\" -- a 'test'",
            "\"Quoted,\" he said.",
            "it's 'the \"inner\" one'",
            "rock 'n' roll",
        ] {
            assert_eq!(smarten(s), body(s), "{s}");
        }
        // Random text with nothing the body would read as Markdown syntax.
        let alphabet: Vec<char> = "ab1 '\"-.,é".chars().collect();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..5_000 {
            let mut s = String::from("a");
            for _ in 0..(seed % 14) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                s.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            let s = s.trim_end();
            assert_eq!(smarten(s), body(s).replace("&quot;", "\""), "{s:?}");
        }
    }

    #[test]
    fn the_shortcut_agrees_with_the_parser() {
        let alphabet: Vec<char> = "ab1 '\"-.,;:!?()*_é’".chars().collect();
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut checked = 0;
        for _ in 0..20_000 {
            let len = 1 + (seed % 12) as usize;
            let mut s = String::new();
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                s.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            if let Some(fast) = only_apostrophes(&s) {
                let mut slow = String::new();
                smarten_line(&s, &mut slow);
                assert_eq!(fast, slow, "{s:?}");
                checked += 1;
            }
        }
        assert!(checked > 1000, "only {checked} strings took the shortcut");
    }

    #[test]
    fn markdown_syntax_stays_literal_text() {
        for s in [
            "*not emphasis* and _this_ and `code` and [a](b) and <b>x</b> &amp;",
            "- not a list, 'really'",
            "1. not a list either, 'no'",
            "# not a heading's start",
            "> not a quote's start",
            "| a | b's |",
            "a \\ backslash's",
            "~~strike's~~ [^1]",
        ] {
            let out = smarten(s);
            let back = out.replace(['’', '‘'], "'");
            assert_eq!(back, s, "{s} became {out}");
        }
    }

    #[test]
    fn untouched_text_is_borrowed_and_whitespace_is_kept() {
        assert!(matches!(smarten("Plain title"), Cow::Borrowed(_)));
        assert!(matches!(
            smarten("https://example.org/a-b"),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            smarten("  indented 'one'  \nnext's"),
            "  indented ‘one’  \nnext’s"
        );
        assert_eq!(smarten("---"), "—");
        assert_eq!(smarten(""), "");
        assert_eq!(smarten("a's\n  \n"), "a’s\n  \n");
    }

    #[test]
    fn french_pages_get_french_typography() {
        let fr = |s, l| smarten_in(s, l).replace(NNBSP, "_");
        assert_eq!(
            fr("Il dit \"non\" : c'est tout!", "fr"),
            "Il dit «_non_»_: c’est tout_!"
        );
        assert_eq!(fr("\"Pourquoi?\"", "fr-CA"), "«_Pourquoi_?_»");
        assert_eq!(fr("Pourquoi?", "FR_ca"), "Pourquoi_?");
        assert_eq!(
            fr("He said \"no\": that's all!", "en"),
            "He said “no”: that’s all!"
        );
        assert_eq!(fr("Why?", "frr"), "Why?");
        assert_eq!(fr("Why?", "en-fr"), "Why?");
        assert!(matches!(smarten_in("Plain", "fr"), Cow::Borrowed(_)));
        assert!(matches!(smarten_in("à 10:30", "fr"), Cow::Borrowed(_)));
        assert!(matches!(smarten_in("l'heure", "fr"), Cow::Owned(_)));
        assert!(!is_french("") && is_french("fr") && is_french("fr-FR") && !is_french("fro"));
    }
}
