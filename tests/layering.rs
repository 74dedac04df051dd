//! The module layering of `src/`, checked against the rank table in ARCHITECTURE.md (the
//! "## Layers" section, between `<!-- layers:begin` and `<!-- layers:end -->`), in the spirit
//! of rust-analyzer's `xtask/src/tidy.rs`.
//!
//! A top-level module may name only modules of its own rank or an earlier one, modules of one
//! rank may not name each other in a cycle, every module declared in `src/lib.rs` has a rank,
//! and no file in `src/` is over [`MAX_LINES`] lines.
//!
//! The scanner is hand-written rather than `syn`: `syn` is in Cargo.lock only through proc
//! macros, without the `full` and `visit` features a whole-file parse needs, so using it would
//! add a dev-dependency and a second build of it. What the check needs is small: a lexer that
//! knows comments (nested), strings (raw, byte, C), chars and lifetimes, plus the few path forms
//! that can name another top-level module (`crate::x`, `$crate::x`, `crate::{x, y}`, and
//! `super::` climbing to the crate root). It also keeps each reference's line, which a parse
//! tree would have to recover from spans.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 800;
const BEGIN: &str = "<!-- layers:begin";
const END: &str = "<!-- layers:end -->";

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
            out.push(Token {
                tok: Tok::Str(text),
                line: start,
            });
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
            out.push(Token {
                tok: Tok::Punct('0'),
                line,
            });
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
                out.push(Token {
                    tok: Tok::Str(text),
                    line: start_line,
                });
                i = next;
            } else if word == "r" && at(i) == '#' {
                // A raw identifier, r#type.
                let start = i + 1;
                i += 1;
                while i < s.len() && is_ident_continue(s[i]) {
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Ident(s[start..i].iter().collect()),
                    line,
                });
            } else if matches!(word.as_str(), "b" | "c") && at(i) == '"' {
                let start_line = line;
                let (text, next) = quoted(&s, i + 1, &mut line);
                out.push(Token {
                    tok: Tok::Str(text),
                    line: start_line,
                });
                i = next;
            } else if word == "b" && at(i) == '\'' {
                // A byte literal, b'x' or b'\n': the char branch above skips it.
            } else {
                out.push(Token {
                    tok: Tok::Ident(word),
                    line,
                });
            }
        } else if c == ':' && at(i + 1) == ':' {
            out.push(Token {
                tok: Tok::Sep,
                line,
            });
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
#[derive(Debug, PartialEq)]
struct ModDecl {
    name: String,
    /// The inline `mod x { ... }` blocks it sits in.
    inline: Vec<String>,
    /// `#[path = "..."]` on the declaration.
    path: Option<String>,
}

#[derive(Debug, Default)]
struct Scan {
    /// Top-level modules named, with the line naming each (`*` for a glob of the crate root).
    refs: Vec<(String, usize)>,
    mods: Vec<ModDecl>,
}

/// Scans a file whose module is `depth` levels below the crate root (`src/foo.rs` is 1,
/// `src/foo/bar.rs` 2).
fn scan(src: &str, depth: usize) -> Scan {
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

// ---------------------------------------------------------------------------------------------
// The module tree, the table, and the check.

/// One source file of the library, placed in the module tree.
#[derive(Debug)]
struct SrcFile {
    /// Path shown in messages, e.g. `src/render/mod.rs`.
    rel: String,
    /// Its top-level module (`render`); empty for `src/lib.rs` and `src/main.rs`.
    top: String,
    /// How many levels below the crate root its module sits (`src/a.rs` and `src/a/mod.rs`
    /// are 1, `src/a/b.rs` is 2), which says how far `super::` climbs.
    depth: usize,
    text: String,
}

/// The rank table: module -> rank, from the marked block of ARCHITECTURE.md.
fn parse_table(doc: &str) -> Result<BTreeMap<String, usize>, String> {
    let start = doc
        .find(BEGIN)
        .ok_or_else(|| format!("ARCHITECTURE.md has no `{BEGIN}` marker"))?;
    let end = doc[start..]
        .find(END)
        .ok_or_else(|| format!("ARCHITECTURE.md has no `{END}` after `{BEGIN}`"))?;
    let mut ranks = BTreeMap::new();
    for row in doc[start..start + end].lines().skip(1) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        // `| rank | stage | modules | ... |` splits into an empty first cell, then the columns.
        let (Some(rank), Some(modules)) = (cells.get(1), cells.get(3)) else {
            continue;
        };
        let Ok(rank) = rank.parse::<usize>() else {
            continue; // the header and the |---| line
        };
        for name in modules.split('`').skip(1).step_by(2) {
            if let Some(old) = ranks.insert(name.to_string(), rank) {
                return Err(format!(
                    "ARCHITECTURE.md ranks `{name}` twice ({old} and {rank})"
                ));
            }
        }
    }
    if ranks.is_empty() {
        return Err("ARCHITECTURE.md: no rows between the layers markers".into());
    }
    Ok(ranks)
}

/// Every problem with `files` under `ranks`, one line each. `lib_modules` are the top-level
/// modules `src/lib.rs` declares.
fn problems(
    ranks: &BTreeMap<String, usize>,
    lib_modules: &BTreeSet<String>,
    files: &[SrcFile],
) -> Vec<String> {
    let mut out = Vec::new();
    for m in lib_modules.iter().filter(|m| !ranks.contains_key(*m)) {
        out.push(format!(
            "src/lib.rs: module `{m}` has no rank: add it to the Layers table in ARCHITECTURE.md"
        ));
    }
    for m in ranks.keys().filter(|m| !lib_modules.contains(*m)) {
        out.push(format!(
            "ARCHITECTURE.md: the Layers table ranks `{m}`, which src/lib.rs does not declare"
        ));
    }
    // Same-rank edges, each with the first line that makes it, for the cycle check.
    let mut edges: BTreeMap<(String, String), String> = BTreeMap::new();
    for f in files.iter().filter(|f| !f.top.is_empty()) {
        let lines: Vec<&str> = f.text.lines().collect();
        let mut seen = BTreeSet::new();
        for (to, line) in scan(&f.text, f.depth).refs {
            if to == f.top || !(to == "*" || lib_modules.contains(&to)) {
                continue;
            }
            let src_line = lines.get(line - 1).map_or("", |l| l.trim());
            let Some(&from_rank) = ranks.get(&f.top) else {
                continue;
            };
            if to == "*" {
                out.push(format!(
                    "{}:{line}: {} (rank {from_rank}) imports everything at the crate root, so \
                     its layer cannot be checked: {src_line}",
                    f.rel, f.top
                ));
                continue;
            }
            let Some(&to_rank) = ranks.get(&to) else {
                continue;
            };
            if to_rank > from_rank && seen.insert((to.clone(), line)) {
                out.push(format!(
                    "{}:{line}: {} (rank {from_rank}) names {to} (rank {to_rank}), a later stage: \
                     {src_line}",
                    f.rel, f.top
                ));
            } else if to_rank == from_rank {
                edges
                    .entry((f.top.clone(), to.clone()))
                    .or_insert_with(|| format!("{}:{line}", f.rel));
            }
        }
    }
    out.extend(cycles(&edges, ranks));
    for f in files {
        let n = f.text.lines().count();
        if n > MAX_LINES {
            out.push(format!(
                "{}: {n} lines, over the {MAX_LINES}-line limit: split it along its concerns",
                f.rel
            ));
        }
    }
    out
}

/// Each same-rank cycle once, as `a -> b -> a` with the lines that make each step.
fn cycles(
    edges: &BTreeMap<(String, String), String>,
    ranks: &BTreeMap<String, usize>,
) -> Vec<String> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        next.entry(a).or_default().push(b);
    }
    let mut found = BTreeSet::new();
    let mut out = Vec::new();
    for (a, b) in edges.keys() {
        // The shortest way back from b to a closes a cycle through the edge a -> b.
        let mut back: BTreeMap<&str, &str> = BTreeMap::from([(b.as_str(), b.as_str())]);
        let mut queue = std::collections::VecDeque::from([b.as_str()]);
        let mut reached = false;
        while let Some(m) = queue.pop_front() {
            if m == a {
                reached = true;
                break;
            }
            for &n in next.get(m).into_iter().flatten() {
                if !back.contains_key(n) {
                    back.insert(n, m);
                    queue.push_back(n);
                }
            }
        }
        if !reached {
            continue;
        }
        let mut chain = vec![a.as_str()];
        let mut m = a.as_str();
        while m != b {
            m = back[m];
            chain.push(m);
        }
        chain.reverse(); // b, ..., a
        let mut path = vec![a.as_str()];
        path.extend(&chain[..chain.len() - 1]);
        // One report per cycle, whichever module it was found from.
        let start = path
            .iter()
            .enumerate()
            .min_by_key(|(_, m)| **m)
            .map_or(0, |(i, _)| i);
        path.rotate_left(start);
        if !found.insert(path.clone()) {
            continue;
        }
        let steps: Vec<String> = path
            .iter()
            .zip(path.iter().cycle().skip(1))
            .map(|(x, y)| edges[&(x.to_string(), y.to_string())].clone())
            .collect();
        let mut shown = path.clone();
        shown.push(path[0]);
        out.push(format!(
            "cycle between modules of rank {}: {} ({})",
            ranks[path[0]],
            shown.join(" -> "),
            steps.join(", ")
        ));
    }
    out
}

/// The library's files, by following `mod` declarations from `src/lib.rs`; files under `src/`
/// the tree does not reach (other than `main.rs`) are placed by their path.
fn files(root: &Path) -> (BTreeSet<String>, Vec<SrcFile>, Vec<SrcFile>) {
    let src = root.join("src");
    let read = |p: &Path| {
        fs::read_to_string(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
    };
    let rel = |p: &Path| {
        p.strip_prefix(root)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    };
    let mut lib_modules = BTreeSet::new();
    let mut reached: BTreeMap<PathBuf, (String, usize)> = BTreeMap::new();
    // (file, top-level module, depth)
    let mut todo = vec![(src.join("lib.rs"), String::new(), 0usize)];
    while let Some((file, top, depth)) = todo.pop() {
        if reached.contains_key(&file) {
            continue;
        }
        let text = read(&file);
        reached.insert(file.clone(), (top.clone(), depth));
        let dir = file.parent().unwrap_or(&src).to_path_buf();
        let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned());
        let owns_dir = matches!(stem.as_deref(), Some("mod" | "lib" | "main"));
        for m in scan(&text, depth).mods {
            let child_top = if depth == 0 && m.inline.is_empty() {
                lib_modules.insert(m.name.clone());
                m.name.clone()
            } else {
                top.clone()
            };
            let child_depth = depth + m.inline.len() + 1;
            let mut base = dir.clone();
            if let Some(p) = &m.path {
                todo.push((base.join(p), child_top, child_depth));
                continue;
            }
            if !owns_dir {
                base.push(stem.as_deref().unwrap_or(""));
            }
            for i in &m.inline {
                base.push(i);
            }
            let flat = base.join(format!("{}.rs", m.name));
            let nested = base.join(&m.name).join("mod.rs");
            let found = if flat.exists() { flat } else { nested };
            if found.exists() {
                todo.push((found, child_top, child_depth));
            }
        }
    }
    let mut lib = Vec::new();
    let mut other = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        let entries =
            fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let r = rel(&path);
            let text = read(&path);
            if let Some((top, depth)) = reached.get(&path) {
                lib.push(SrcFile {
                    rel: r,
                    top: top.clone(),
                    depth: *depth,
                    text,
                });
            } else if path == src.join("main.rs") {
                // The binary names the library as `briefing::`; only its length is checked.
                other.push(SrcFile {
                    rel: r,
                    top: String::new(),
                    depth: 0,
                    text,
                });
            } else {
                // Not reached from lib.rs: src/foo.rs and src/foo/** belong to foo.
                let parts: Vec<&str> = r.trim_start_matches("src/").split('/').collect();
                let top = parts[0].trim_end_matches(".rs").to_string();
                let depth = parts.len() - usize::from(parts.last() == Some(&"mod.rs"));
                lib.push(SrcFile {
                    rel: r,
                    top,
                    depth,
                    text,
                });
            }
        }
    }
    lib.sort_by(|a, b| a.rel.cmp(&b.rel));
    other.sort_by(|a, b| a.rel.cmp(&b.rel));
    (lib_modules, lib, other)
}

const HINT: &str = "\
How to fix a later-stage name: move the item it names down to the stage that produces it (or to \
the foundation), or have the later stage pass the value in (a parameter, a closure, a trait the \
earlier stage defines). Ranks live in the Layers table of ARCHITECTURE.md; change a rank there \
only when the design changes, not to silence this check.";

#[test]
fn modules_only_name_their_own_or_earlier_stages() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let doc = fs::read_to_string(root.join("ARCHITECTURE.md"))
        .unwrap_or_else(|e| panic!("cannot read ARCHITECTURE.md: {e}"));
    let ranks = parse_table(&doc).unwrap_or_else(|e| panic!("{e}"));
    let (lib_modules, lib, other) = files(&root);
    let mut all = lib;
    all.extend(other);
    let found = problems(&ranks, &lib_modules, &all);
    assert!(
        found.is_empty(),
        "{} layering problem(s):\n{}\n\n{HINT}",
        found.len(),
        found.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// The scanner and the check on synthetic sources.

fn names(src: &str, depth: usize) -> Vec<(String, usize)> {
    scan(src, depth).refs
}

fn refs(list: &[(&str, usize)]) -> Vec<(String, usize)> {
    list.iter().map(|(m, l)| (m.to_string(), *l)).collect()
}

#[test]
fn a_back_import_is_reported_with_its_line() {
    let ranks = parse_table(
        "<!-- layers:begin -->\n| Rank | Stage | Modules | Owns |\n|---|---|---|---|\n\
         | 3 | model | `model` | x |\n| 7 | render | `render` | y |\n<!-- layers:end -->",
    )
    .unwrap();
    let lib_modules = BTreeSet::from(["model".to_string(), "render".to_string()]);
    let files = [
        SrcFile {
            rel: "src/model.rs".into(),
            top: "model".into(),
            depth: 1,
            text: "//! The model.\n\nuse std::fmt;\nuse crate::render::Rendered;\n".into(),
        },
        SrcFile {
            rel: "src/render.rs".into(),
            top: "render".into(),
            depth: 1,
            text: "use crate::model::Site;\n".into(),
        },
    ];
    assert_eq!(
        problems(&ranks, &lib_modules, &files),
        vec![
            "src/model.rs:4: model (rank 3) names render (rank 7), a later stage: \
             use crate::render::Rendered;"
                .to_string()
        ]
    );
}

#[test]
fn comments_strings_and_chars_are_not_paths() {
    let src = r####"// crate::render in a comment
/// [`crate::render::Body`] in a doc comment
//! crate::render
/* crate::render /* nested crate::render */ still crate::render */
fn f<'a>(x: &'a str) -> &'a str {
    let s = "crate::render \" crate::render";
    let r = r#"crate::render " crate::render"#;
    let rr = r##"a "# crate::render"##;
    let b = b"crate::render";
    let q = '"'; let slash = '/'; let e = '\''; let bq = b'"';
    'outer: loop { break 'outer; }
    crate::model::f(x)
}
impl<'a> crate::slug::Tr<'a> for S<'a> {}
"####;
    assert_eq!(names(src, 1), refs(&[("model", 12), ("slug", 14)]));
}

#[test]
fn a_grouped_use_across_lines_names_each_first_segment() {
    let src = "use crate::{\n    config::Config,\n    model::{Site,\n        Brief},\n    self,\n    \
               diagnostics::{self, Diagnostic},\n};\n";
    assert_eq!(
        names(src, 1),
        refs(&[("config", 2), ("model", 3), ("diagnostics", 6)])
    );
}

#[test]
fn inline_paths_macros_and_visibility() {
    let src = "pub(crate) fn f() { let x = crate::slug::of(\"a\"); }\n\
               macro_rules! m { () => { $crate::date::today() } }\n\
               pub(super) struct S;\npub(in crate::model) struct T;\n";
    assert_eq!(
        names(src, 1),
        refs(&[("slug", 1), ("date", 2), ("model", 4)])
    );
}

#[test]
fn super_counts_only_when_it_leaves_the_top_level_module() {
    // src/render/context.rs (depth 2): one `super` stays in render, two reach the root.
    assert_eq!(names("use super::templates::X;\n", 2), vec![]);
    assert_eq!(
        names("use super::super::output::Body;\n", 2),
        refs(&[("output", 1)])
    );
    // src/model.rs (depth 1): `super::` is the crate root, except inside `mod tests { }`.
    assert_eq!(
        names("use super::markdown::Rendered;\n", 1),
        refs(&[("markdown", 1)])
    );
    assert_eq!(
        names(
            "#[cfg(test)]\nmod tests {\n    use super::*;\n}\nuse super::x;\n",
            1
        ),
        refs(&[("x", 5)])
    );
    assert_eq!(names("use super::*;\n", 1), refs(&[("*", 1)]));
}

#[test]
fn module_declarations_keep_path_attributes() {
    let s = scan(
        "pub mod a;\n#[cfg(test)]\n#[path = \"a_tests.rs\"]\nmod b;\nmod c { mod d; }\n",
        1,
    );
    assert_eq!(
        s.mods,
        vec![
            ModDecl {
                name: "a".into(),
                inline: vec![],
                path: None
            },
            ModDecl {
                name: "b".into(),
                inline: vec![],
                path: Some("a_tests.rs".into())
            },
            ModDecl {
                name: "d".into(),
                inline: vec!["c".into()],
                path: None
            },
        ]
    );
}

#[test]
fn same_rank_cycles_and_table_mismatches_are_reported() {
    let ranks = parse_table(
        "<!-- layers:begin -->\n| 0 | foundation | `a`, `b`, `c`, `gone` | |\n<!-- layers:end -->",
    )
    .unwrap();
    let lib_modules: BTreeSet<String> = ["a", "b", "c", "extra"].map(String::from).into();
    let file = |m: &str, text: &str| SrcFile {
        rel: format!("src/{m}.rs"),
        top: m.into(),
        depth: 1,
        text: text.into(),
    };
    let files = [
        file("a", "use crate::b::X;\n"),
        file("b", "\nuse crate::c::Y;\n"),
        file("c", "fn f() { crate::a::g() }\n"),
    ];
    assert_eq!(
        problems(&ranks, &lib_modules, &files),
        vec![
            "src/lib.rs: module `extra` has no rank: add it to the Layers table in ARCHITECTURE.md",
            "ARCHITECTURE.md: the Layers table ranks `gone`, which src/lib.rs does not declare",
            "cycle between modules of rank 0: a -> b -> c -> a (src/a.rs:1, src/b.rs:2, src/c.rs:1)",
        ]
    );
}

#[test]
fn long_files_are_reported() {
    let ranks =
        parse_table("<!-- layers:begin -->\n| 0 | f | `a` | |\n<!-- layers:end -->").unwrap();
    let files = [SrcFile {
        rel: "src/a.rs".into(),
        top: "a".into(),
        depth: 1,
        text: "fn f() {}\n".repeat(MAX_LINES + 1),
    }];
    assert_eq!(
        problems(&ranks, &BTreeSet::from(["a".to_string()]), &files),
        vec![format!(
            "src/a.rs: {} lines, over the {MAX_LINES}-line limit: split it along its concerns",
            MAX_LINES + 1
        )]
    );
}
