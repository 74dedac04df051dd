//! The scanner of tests/layering.rs: which top-level modules a Rust file names, and which
//! `mod` declarations continue its module tree.
//!
//! It is hand-written rather than `syn`: `syn` is in Cargo.lock only through proc macros,
//! without the `full` and `visit` features a whole-file parse needs, so using it would add a
//! dev-dependency and a second build of it. What the check needs is small: a lexer that knows
//! comments (nested), strings (raw, byte, C), chars and lifetimes, plus the few path forms that
//! can name another top-level module (`crate::x`, `$crate::x`, `crate::{x, y}`, and `super::`
//! climbing to the crate root). It also keeps each reference's line, which a parse tree would
//! have to recover from spans.

// ---------------------------------------------------------------------------------------------
// The lexer: only what is needed to find paths outside comments and literals.

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    Sep,
    Open,
    Close,
    Comma,
    Semi,
    /// A string literal's contents (kept for `#[path = "..."]`).
    Str(String),
    Punct(char),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

fn token(tok: Tok, line: usize) -> Token {
    Token { tok, line }
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Splits Rust source into tokens, dropping comments (doc comments included) and keeping
/// literals as opaque tokens, so nothing inside either is ever read as a path.
fn lex(src: &str) -> Vec<Token> {
    let s: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let at = |i: usize| s.get(i).copied().unwrap_or('\0');
    while i < s.len() {
        let c = s[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < s.len() && s[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            // Block comments nest in Rust.
            let mut depth = 0;
            while i < s.len() {
                if s[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if s[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if s[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if c == '"' {
            let start = line;
            let (text, next) = quoted(&s, i + 1, &mut line);
            out.push(token(Tok::Str(text), start));
            i = next;
        } else if c == '\'' {
            if at(i + 1) == '\\' {
                // An escaped char literal: '\n', '\'', '\u{..}'. Past the quote, the
                // backslash and the escaped character, then to the closing quote.
                i += 3;
                while i < s.len() && s[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                // A one-character literal, including '"' and '/'.
                i += 3;
            } else {
                // A lifetime or label: 'a, 'static, 'outer.
                i += 1;
                while i < s.len() && is_ident_continue(s[i]) {
                    i += 1;
                }
            }
        } else if c.is_ascii_digit() {
            while i < s.len() && is_ident_continue(s[i]) {
                i += 1;
            }
            out.push(token(Tok::Punct('0'), line));
        } else if is_ident_start(c) {
            let start = i;
            while i < s.len() && is_ident_continue(s[i]) {
                i += 1;
            }
            let word: String = s[start..i].iter().collect();
            let prefix = matches!(word.as_str(), "r" | "br" | "cr");
            if prefix && (at(i) == '"' || (at(i) == '#' && raw_string_ahead(&s, i))) {
                let start_line = line;
                let (text, next) = raw(&s, i, &mut line);
                out.push(token(Tok::Str(text), start_line));
                i = next;
            } else if word == "r" && at(i) == '#' {
                // A raw identifier, r#type.
                let start = i + 1;
                i += 1;
                while i < s.len() && is_ident_continue(s[i]) {
                    i += 1;
                }
                out.push(token(Tok::Ident(s[start..i].iter().collect()), line));
            } else if matches!(word.as_str(), "b" | "c") && at(i) == '"' {
                let start_line = line;
                let (text, next) = quoted(&s, i + 1, &mut line);
                out.push(token(Tok::Str(text), start_line));
                i = next;
            } else if word == "b" && at(i) == '\'' {
                // A byte literal, b'x' or b'\n': the char branch above skips it.
            } else {
                out.push(token(Tok::Ident(word), line));
            }
        } else if c == ':' && at(i + 1) == ':' {
            out.push(token(Tok::Sep, line));
            i += 2;
        } else {
            let tok = match c {
                '{' => Tok::Open,
                '}' => Tok::Close,
                ',' => Tok::Comma,
                ';' => Tok::Semi,
                other => Tok::Punct(other),
            };
            out.push(Token { tok, line });
            i += 1;
        }
    }
    out
}

/// At `s[i] == '#'` after `r`/`br`/`cr`: whether hashes then a quote follow (a raw string)
/// rather than a raw identifier.
fn raw_string_ahead(s: &[char], mut i: usize) -> bool {
    while i < s.len() && s[i] == '#' {
        i += 1;
    }
    s.get(i) == Some(&'"')
}

/// The body of a "..." literal starting at `i` (after the quote); returns it and the index
/// after the closing quote.
fn quoted(s: &[char], mut i: usize, line: &mut usize) -> (String, usize) {
    let mut text = String::new();
    while i < s.len() && s[i] != '"' {
        if s[i] == '\\' {
            i += 1;
        }
        if let Some(&c) = s.get(i) {
            if c == '\n' {
                *line += 1;
            }
            text.push(c);
        }
        i += 1;
    }
    (text, i + 1)
}

/// A raw string starting at `i` (on its first `#` or its quote): ends at a quote followed by
/// as many hashes as it opened with.
fn raw(s: &[char], mut i: usize, line: &mut usize) -> (String, usize) {
    let mut hashes = 0;
    while s.get(i) == Some(&'#') {
        hashes += 1;
        i += 1;
    }
    i += 1; // the opening quote
    let mut text = String::new();
    while i < s.len() {
        if s[i] == '"' && (1..=hashes).all(|k| s.get(i + k) == Some(&'#')) {
            return (text, i + 1 + hashes);
        }
        if s[i] == '\n' {
            *line += 1;
        }
        text.push(s[i]);
        i += 1;
    }
    (text, i)
}

// ---------------------------------------------------------------------------------------------
// References and module declarations in one file.

/// `mod NAME;` in a file: where the file's module tree continues.
#[derive(Debug)]
pub struct ModDecl {
    pub name: String,
    /// The inline `mod x { ... }` blocks it sits in.
    pub inline: Vec<String>,
    /// `#[path = "..."]` on the declaration.
    pub path: Option<String>,
}

#[derive(Debug, Default)]
pub struct Scan {
    /// Top-level modules named, with the line naming each (`*` for a glob of the crate root).
    pub refs: Vec<(String, usize)>,
    pub mods: Vec<ModDecl>,
}

/// Scans a file whose module is `depth` levels below the crate root (`src/foo.rs` is 1,
/// `src/foo/bar.rs` 2).
pub fn scan(src: &str, depth: usize) -> Scan {
    let t = lex(src);
    let mut out = Scan::default();
    let ident = |k: usize| match t.get(k).map(|x| &x.tok) {
        Some(Tok::Ident(w)) => Some(w.as_str()),
        _ => None,
    };
    let is = |k: usize, tok: &Tok| t.get(k).map(|x| &x.tok) == Some(tok);
    let mut braces = 0usize;
    // Inline modules open: (name, brace depth inside them).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut path_attr: Option<String> = None;
    let mut k = 0;
    while k < t.len() {
        match &t[k].tok {
            Tok::Open => {
                braces += 1;
                path_attr = None;
            }
            Tok::Close => {
                if inline.last().is_some_and(|(_, d)| *d == braces) {
                    inline.pop();
                }
                braces = braces.saturating_sub(1);
                path_attr = None;
            }
            Tok::Semi => path_attr = None,
            Tok::Ident(w) if w == "path" && is(k + 1, &Tok::Punct('=')) => {
                if let Some(Tok::Str(p)) = t.get(k + 2).map(|x| &x.tok) {
                    path_attr = Some(p.clone());
                }
            }
            Tok::Ident(w) if w == "mod" => {
                if let Some(name) = ident(k + 1) {
                    if is(k + 2, &Tok::Semi) {
                        out.mods.push(ModDecl {
                            name: name.to_string(),
                            inline: inline.iter().map(|(n, _)| n.clone()).collect(),
                            path: path_attr.take(),
                        });
                    } else if is(k + 2, &Tok::Open) {
                        inline.push((name.to_string(), braces + 1));
                    }
                }
            }
            Tok::Ident(w) if w == "crate" && is(k + 1, &Tok::Sep) => {
                named_at_root(&t, k + 2, &mut out.refs);
            }
            Tok::Ident(w) if w == "super" && !(k > 0 && is(k - 1, &Tok::Sep)) => {
                // A path that starts with `super::`: count how far it climbs.
                let mut j = k;
                let mut ups = 0;
                while ident(j) == Some("super") && is(j + 1, &Tok::Sep) {
                    ups += 1;
                    j += 2;
                }
                if ups > 0 && ups == depth + inline.len() {
                    named_at_root(&t, j, &mut out.refs);
                }
            }
            _ => {}
        }
        k += 1;
    }
    out
}

/// The top-level modules named by the path that continues at token `k`, just after
/// `crate::` (or a `super::` chain that reached the crate root).
fn named_at_root(t: &[Token], k: usize, refs: &mut Vec<(String, usize)>) {
    match t.get(k).map(|x| &x.tok) {
        Some(Tok::Ident(w)) => refs.push((w.clone(), t[k].line)),
        Some(Tok::Punct('*')) => refs.push(("*".into(), t[k].line)),
        Some(Tok::Open) => {
            // A group: the first name of each item at its top level.
            let mut depth = 0;
            let mut item_start = true;
            for tok in &t[k..] {
                match &tok.tok {
                    Tok::Open => {
                        depth += 1;
                        item_start = depth == 1;
                        continue;
                    }
                    Tok::Close => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Tok::Comma if depth == 1 => {
                        item_start = true;
                        continue;
                    }
                    Tok::Ident(w) if item_start && depth == 1 && w != "self" => {
                        refs.push((w.clone(), tok.line));
                    }
                    Tok::Punct('*') if item_start && depth == 1 => {
                        refs.push(("*".into(), tok.line));
                    }
                    _ => {}
                }
                item_start = false;
            }
        }
        _ => {}
    }
}
