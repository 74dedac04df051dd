//! French typography over text that already has its curly quotes: « guillemets » and the narrow
//! no-break space (U+202F) before `;`, `:`, `!` and `?`, as French typography sets them (the
//! Imprimerie nationale's rules).
//!
//! A Markdown body reaches this as fragments (each Text event; smart quotes are even events of
//! their own), so every rule looks at most one character back, which the caller can pass in
//! ([`french_after`]), and one character ahead inside the fragment. The end of a fragment counts
//! as a break: `mot:` followed by markup gets its space, as `mot:` at the end of a line does.
//! pulldown-cmark never ends a Text event inside `10:30` or `http://` (`:` and `/` are not
//! Markdown syntax), so those stay whole and untouched.

use std::borrow::Cow;

/// U+202F NARROW NO-BREAK SPACE: what French puts inside guillemets and before `;:!?`. The
/// wider U+00A0 some writers type is replaced too, so a site is consistent.
pub const NNBSP: char = '\u{202f}';

/// `text` in French typography: “…” become « … » with a narrow no-break space inside each
/// guillemet (guillemets typed as such get the same space, in place of a plain one), and `;`, `:`, `!`, `?` get one before them (replacing a space already there). No
/// space goes before a mark at the start of the text or of a line, after an opening bracket or
/// quote, or before the second mark of a run (`?!`, `!!!`); none before a mark followed by a
/// letter or digit (`10:30`, `2:1`, `http://`, `a:b`, `?q=1`), which is not prose punctuation.
/// Apostrophes and single quotes ‘…’ are left as they are. Text with nothing to change comes
/// back borrowed.
pub fn french(text: &str) -> Cow<'_, str> {
    french_after(text, None)
}

/// [`french`] for a fragment of a longer text: `prev` is the last character of the text before
/// it, as written, not as converted (`None` at the start of a paragraph or field). A
/// fragment starting with a mark gets its space when `prev` is a word character (`*mot*:`
/// splits into `mot` and `:`); when `prev` is a space, that space is already written and stays
/// a plain one. After a `“` (or `«`) fragment, a fragment's leading spaces are dropped, since
/// the guillemet already carries its space. A fragment's trailing spaces are written as they
/// are (`mot ` then `»` keeps a plain space); in Markdown that space is always in the event of
/// the text after it (`« *mot* »` gives `« `, `mot`, ` »`), so this does not arise there.
pub fn french_after(text: &str, prev: Option<char>) -> Cow<'_, str> {
    let opens_after_quote =
        prev.is_some_and(|c| class(c) == Class::OpenQuote) && text.starts_with(is_space);
    if !opens_after_quote && !has_work(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut before = prev.map_or(Class::Start, class);
    // A run of spaces not yet written, as a byte range of `text`: whether it stays depends on
    // the character after it.
    let mut pending: Option<(usize, usize)> = None;
    let mut after_open_quote = before == Class::OpenQuote;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if is_space(c) {
            if !after_open_quote {
                let end = i + c.len_utf8();
                pending = Some(pending.map_or((i, end), |(start, _)| (start, end)));
            }
            continue;
        }
        after_open_quote = false;
        match c {
            '“' | '«' => {
                flush(text, &mut pending, &mut out);
                out.push('«');
                out.push(NNBSP);
                after_open_quote = true;
            }
            '”' | '»' => {
                let glued = match before {
                    Class::Start | Class::Break => false,
                    Class::OpenQuote => pending.is_some(),
                    _ => true,
                };
                if glued {
                    pending = None;
                    out.push(NNBSP);
                } else {
                    flush(text, &mut pending, &mut out);
                }
                out.push('»');
            }
            ';' | ':' | '!' | '?' => {
                let next = chars.peek().map(|&(_, n)| n);
                if next.is_none_or(ends_prose_mark) {
                    // Two marks with a space between (`? !`) keep it, narrowed; two together
                    // (`?!`) are a run, with one space before the first.
                    let spaced = matches!(
                        (pending, before),
                        (Some(_), Class::Word | Class::Mark) | (None, Class::Word)
                    );
                    if spaced {
                        pending = None;
                        out.push(NNBSP);
                    }
                }
                flush(text, &mut pending, &mut out);
                out.push(c);
            }
            _ => {
                flush(text, &mut pending, &mut out);
                out.push(c);
            }
        }
        before = class(c);
    }
    flush(text, &mut pending, &mut out);
    if out == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(out)
    }
}

/// SIMD searches: this runs on every text field and Text event of every French page.
fn has_work(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memchr3(b';', b':', b'!', b).is_some()
        || memchr::memchr(b'?', b).is_some()
        || ["“", "”", "«", "»"]
            .iter()
            .any(|q| memchr::memmem::find(b, q.as_bytes()).is_some())
}

fn flush(text: &str, pending: &mut Option<(usize, usize)>, out: &mut String) {
    if let Some((start, end)) = pending.take() {
        out.push_str(&text[start..end]);
    }
}

/// Spaces within a line, the ones a narrow no-break space replaces. Line breaks are not: a mark
/// at the start of a line stays there.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{a0}' | '\u{2000}'..='\u{200a}' | NNBSP)
}

/// What may follow a mark of prose punctuation: a space, the end, closing punctuation, or
/// another mark. Anything else (`10:30`, `http://`, `a:b`, `?q=1`) is not prose.
fn ends_prose_mark(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            ';' | ':'
                | '!'
                | '?'
                | '.'
                | ','
                | '…'
                | ')'
                | ']'
                | '}'
                | '”'
                | '»'
                | '’'
                | '\''
                | '"'
        )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Nothing before: the start of the text.
    Start,
    /// A line break, or a space the caller already wrote.
    Break,
    /// `«` (or `“`): it carries its own space.
    OpenQuote,
    /// An opening bracket: `(?)` takes no space.
    Opening,
    /// `;:!?`: the second mark of a run takes no space.
    Mark,
    Word,
}

fn class(c: char) -> Class {
    match c {
        '“' | '«' => Class::OpenQuote,
        '(' | '[' | '{' | '‘' | '¿' | '¡' => Class::Opening,
        ';' | ':' | '!' | '?' => Class::Mark,
        c if c.is_whitespace() => Class::Break,
        _ => Class::Word,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cliffs::assert_linear;

    /// Writes U+202F as `_` so expectations read at a glance (no test text has a `_`).
    fn fr(s: &str) -> String {
        french(s).replace(NNBSP, "_")
    }

    #[test]
    fn guillemets_take_narrow_spaces_inside() {
        assert_eq!(fr("Il a dit “bonjour”."), "Il a dit «_bonjour_».");
        assert_eq!(fr("“ espacé ”"), "«_espacé_»");
        assert_eq!(fr("“\u{a0}insécable\u{a0}”"), "«_insécable_»");
        assert_eq!(fr("“bonjour”, dit-il !"), "«_bonjour_», dit-il_!");
        assert_eq!(fr("le mot “oui”!"), "le mot «_oui_»_!");
        assert_eq!(fr("“”"), "«_»");
        // Guillemets typed on a French keyboard, with plain or no-break spaces or none.
        assert_eq!(fr("« tapé »"), "«_tapé_»");
        assert_eq!(fr("«\u{a0}tapé\u{a0}» !"), "«_tapé_»_!");
        assert_eq!(fr("«collé»"), "«_collé_»");
    }

    #[test]
    fn a_narrow_space_before_double_marks() {
        assert_eq!(fr("Pourquoi?"), "Pourquoi_?");
        assert_eq!(fr("Pourquoi ?"), "Pourquoi_?");
        assert_eq!(fr("Attention\u{a0}: la suite"), "Attention_: la suite");
        assert_eq!(fr("un; deux ; trois"), "un_; deux_; trois");
        assert_eq!(fr("Vraiment!"), "Vraiment_!");
        assert_eq!(fr("déjà\u{202f}? non"), "déjà_? non");
        assert_eq!(fr("fin (voir p. 3) ; suite"), "fin (voir p. 3)_; suite");
        assert_eq!(fr("Et alors…?"), "Et alors…_?");
        assert_eq!(fr("une liste :\nun"), "une liste_:\nun");
        assert_eq!(fr("a  \t :"), "a_:");
    }

    #[test]
    fn runs_of_marks_take_one_space() {
        assert_eq!(fr("Quoi?!"), "Quoi_?!");
        assert_eq!(fr("Non!!!"), "Non_!!!");
        assert_eq!(fr("Quoi ? !"), "Quoi_?_!");
        assert_eq!(fr("a::::"), "a_::::");
    }

    #[test]
    fn numbers_urls_and_paths_are_not_prose() {
        for s in [
            "10:30",
            "à 10:30, puis",
            "un ratio de 2:1",
            "http://example.org/a?b=1&c=2",
            "voir https://x.org/#a:b",
            "C:\\Users",
            "a:b",
            "x?y",
            "fr:ca",
            "mailto:a@b.ca",
        ] {
            assert!(matches!(french(s), Cow::Borrowed(_)), "{s:?}: {}", fr(s));
        }
    }

    #[test]
    fn nothing_at_the_start_of_a_text_or_line_or_after_an_opening() {
        assert_eq!(fr("?"), "?");
        assert_eq!(fr(": suite"), ": suite");
        assert_eq!(fr("  : suite"), "  : suite");
        assert_eq!(fr("un\n: deux"), "un\n: deux");
        assert_eq!(fr("un\n  ? deux"), "un\n  ? deux");
        assert_eq!(fr("(?)"), "(?)");
        assert_eq!(fr("[!]"), "[!]");
        assert_eq!(fr("“?”"), "«_?_»");
    }

    #[test]
    fn apostrophes_and_single_quotes_stay() {
        assert_eq!(fr("l’‘idée’ d’abord"), "l’‘idée’ d’abord");
        assert!(matches!(french("l’‘idée’"), Cow::Borrowed(_)));
        assert_eq!(fr("aujourd’hui ?"), "aujourd’hui_?");
    }

    #[test]
    fn untouched_text_is_borrowed() {
        for s in [
            "",
            "Plain",
            "Déjà vu, 3.5 %",
            "Pourquoi\u{202f}?",
            "«\u{202f}oui\u{202f}»",
        ] {
            assert!(matches!(french(s), Cow::Borrowed(_)), "{s:?}");
        }
        assert!(matches!(french_after("mot", Some('“')), Cow::Borrowed(_)));
    }

    /// pulldown-cmark's Text events for `Il dit "*mot*": oui!`, each converted with the last
    /// character before it, must give what the whole text gives.
    #[test]
    fn fragments_agree_with_the_whole() {
        let cases: [&[&str]; 7] = [
            &["Il dit ", "“", "mot", "”", ": oui!"],
            &["“", "mot", "”", "!"],
            &["voir ", "mot", ":", " la suite"],
            &["mot", " ; et"],
            &["“", " espacé", "”"],
            &["Quoi", "?", "!"],
            &["«", " tapé", " »", " ?"],
        ];
        for parts in cases {
            let whole: String = parts.concat();
            let mut joined = String::new();
            let mut prev = None;
            for p in parts {
                joined.push_str(&french_after(p, prev));
                prev = p.chars().last().or(prev);
            }
            assert_eq!(joined, french(&whole), "{parts:?}");
            assert!(joined.contains(NNBSP), "{parts:?}");
        }
    }

    /// The wiring the Markdown stage uses: each Text event converted with the last character
    /// before it in its block (inline code included; code itself is left alone). Every block
    /// reads as `french` over its whole text makes it.
    #[test]
    fn markdown_events_read_as_whole_blocks() {
        use pulldown_cmark::{Event, Options, Parser, Tag};
        fn blocks(md: &str, by_event: bool) -> Vec<String> {
            let mut out: Vec<String> = vec![String::new()];
            let mut prev = None;
            for ev in Parser::new_ext(md, Options::ENABLE_SMART_PUNCTUATION) {
                let block = out.last_mut().expect("never empty");
                match ev {
                    Event::Start(Tag::Paragraph | Tag::Item) => {
                        out.push(String::new());
                        prev = None;
                    }
                    Event::Text(t) if by_event => {
                        block.push_str(&french_after(&t, prev));
                        prev = t.chars().last().or(prev);
                    }
                    Event::Text(t) | Event::Code(t) => {
                        block.push_str(&t);
                        prev = t.chars().last().or(prev);
                    }
                    Event::SoftBreak | Event::HardBreak => {
                        block.push('\n');
                        prev = Some('\n');
                    }
                    _ => {}
                }
            }
            if !by_event {
                out = out.iter().map(|b| french(b).into_owned()).collect();
            }
            out
        }
        for md in [
            "Il dit \"*mot*\": oui!",
            "**Note**: la suite ; et *puis*?",
            "voir [le lien](https://x.org/?a=1) : ici, à 10:30!",
            "\"ouvert *em*\" puis `code` ? Oui!! \"Non\"?!",
            "une *liste* :\n- un ; deux\n- trois?",
            "ligne\\\n: suite et\nfin !",
            "« *mot* » et «tapé» ! Puis « **gras** _et_ `code` » ?",
        ] {
            let by_event = blocks(md, true);
            assert_eq!(by_event, blocks(md, false), "{md}");
            assert!(by_event.concat().contains(NNBSP), "{md}");
        }
    }

    #[test]
    fn a_fragment_after_a_word_or_a_space() {
        let f = |s, p| french_after(s, p).replace(NNBSP, "_");
        assert_eq!(f(":", Some('t')), "_:");
        assert_eq!(f(": suite", Some('t')), "_: suite");
        assert_eq!(f(" : suite", Some('t')), "_: suite");
        // The space before is already written; a second one would show as a double space.
        assert_eq!(f(": suite", Some(' ')), ": suite");
        assert_eq!(f(": suite", None), ": suite");
        assert_eq!(f("!", Some('?')), "!");
        assert_eq!(f("!", Some('»')), "_!");
        assert_eq!(f("”", Some('t')), "_»");
        assert_eq!(f("”", Some(' ')), "»");
        assert_eq!(f("”", Some('“')), "»");
        assert_eq!(f("“", Some(' ')), "«_");
        assert_eq!(f(" mot", Some('“')), "mot");
        // A fragment ending in a mark counts as the end of the text.
        assert_eq!(f("voir:", Some(' ')), "voir_:");
    }

    #[test]
    fn hostile_input() {
        assert_eq!(fr("::::::"), "::::::");
        assert_eq!(
            fr(&format!("a{}", ":".repeat(10_000))).matches('_').count(),
            1
        );
        assert_eq!(fr("“““"), "«_«_«_");
        assert_eq!(fr("”””"), "»_»_»");
        assert_eq!(fr("fin “"), "fin «_");
        assert_eq!(fr("“ouvert"), "«_ouvert");
        assert_eq!(fr("fermé”"), "fermé_»");
        assert_eq!(fr("Super😀!"), "Super😀_!");
        assert_eq!(fr("👍🏽 ?"), "👍🏽_?");
        assert_eq!(fr("e\u{301}?"), "e\u{301}_?");
        assert_eq!(fr("مرحبا؟ “سلام”!"), "مرحبا؟ «_سلام_»_!");
        assert_eq!(fr("שלום: עולם"), "שלום_: עולם");
        assert_eq!(fr("\u{200f}?"), "\u{200f}_?");
        assert_eq!(fr(" \t "), " \t ");
        assert_eq!(fr("\u{feff}:"), "\u{feff}_:");
    }

    #[test]
    fn every_character_survives() {
        // Random text over the characters the rules look at: only spaces change, guillemets
        // replace quotes one for one, and no mark or letter is lost or added.
        let alphabet: Vec<char> = "a1 \u{a0}\u{202f}\n;:!?“”‘’()«»/.é😀".chars().collect();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            let mut s = String::new();
            for _ in 0..(seed % 16) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                s.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            let out = french(&s);
            let visible = |t: &str| -> String {
                t.chars()
                    .filter(|c| !is_space(*c))
                    .map(|c| match c {
                        '“' => '«',
                        '”' => '»',
                        c => c,
                    })
                    .collect()
            };
            assert_eq!(visible(&out), visible(&s), "{s:?} -> {out:?}");
            assert!(!out.contains(['“', '”']), "{s:?} -> {out:?}");
            assert_eq!(french(&out), out, "not idempotent: {s:?} -> {out:?}");
        }
    }

    /// The texts are built before the clock starts: allocating megabytes costs more, and less
    /// evenly, than converting them.
    #[test]
    fn linear_on_hostile_text() {
        const N: usize = 50_000;
        let cases: [(&str, &dyn Fn(usize) -> String); 5] = [
            ("colons", &|n| format!("a{}", "::::".repeat(n))),
            ("spaces then a mark", &|n| "a          :".repeat(n)),
            ("quotes", &|n| "“ ” “ mot”".repeat(n)),
            ("mixed", &|n| "a ? b:c “d” !? 10:30 ".repeat(n)),
            ("one long run of spaces", &|n| {
                format!("a{}:", " ".repeat(10 * n))
            }),
        ];
        for (what, make) in cases {
            let (small, large) = (make(N), make(8 * N));
            assert_linear(what, N, |n| {
                std::hint::black_box(french(if n == N { &small } else { &large }));
            });
        }
    }
}
