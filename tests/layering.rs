//! The module layering of `src/`, checked against the rank table in ARCHITECTURE.md (the
//! "## Layers" section, between `<!-- layers:begin` and `<!-- layers:end -->`), in the spirit
//! of rust-analyzer's `xtask/src/tidy.rs`.
//!
//! A top-level module may name only modules of its own rank or an earlier one, modules of one
//! rank may not name each other in a cycle, every module declared in `src/lib.rs` has a rank,
//! and no file in `src/` is over [`MAX_LINES`] lines.
//!
//! The scanner (`layering/scan.rs`) is hand-written, not `syn`; its header says why.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

// Not tests/scan.rs, which cargo would build as a test target of its own.
#[path = "layering/scan.rs"]
mod scan;

use scan::scan;

const MAX_LINES: usize = 800;
const BEGIN: &str = "<!-- layers:begin";
const END: &str = "<!-- layers:end -->";

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

impl SrcFile {
    fn new(rel: &str, top: &str, depth: usize, text: &str) -> SrcFile {
        let (rel, top, text) = (rel.to_string(), top.to_string(), text.to_string());
        SrcFile {
            rel,
            top,
            depth,
            text,
        }
    }
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
            if path == src.join("main.rs") {
                // The binary names the library as `briefing::`; only its length is checked.
                other.push(SrcFile::new(&r, "", 0, &text));
            } else if let Some((top, depth)) = reached.get(&path) {
                lib.push(SrcFile::new(&r, top, *depth, &text));
            } else {
                // Not reached from lib.rs: src/foo.rs and src/foo/** belong to foo.
                let parts: Vec<&str> = r.trim_start_matches("src/").split('/').collect();
                let top = parts[0].trim_end_matches(".rs");
                let depth = parts.len() - usize::from(parts.last() == Some(&"mod.rs"));
                lib.push(SrcFile::new(&r, top, depth, &text));
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

/// `src/NAME.rs` holding `text`.
fn top_file(name: &str, text: &str) -> SrcFile {
    SrcFile::new(&format!("src/{name}.rs"), name, 1, text)
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
        top_file(
            "model",
            "//! The model.\n\nuse std::fmt;\nuse crate::render::Rendered;\n",
        ),
        top_file("render", "use crate::model::Site;\n"),
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
    let mods: Vec<(&str, Vec<String>, Option<&str>)> = s
        .mods
        .iter()
        .map(|m| (m.name.as_str(), m.inline.clone(), m.path.as_deref()))
        .collect();
    assert_eq!(
        mods,
        [
            ("a", vec![], None),
            ("b", vec![], Some("a_tests.rs")),
            ("d", vec!["c".to_string()], None),
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
    let files = [
        top_file("a", "use crate::b::X;\n"),
        top_file("b", "\nuse crate::c::Y;\n"),
        top_file("c", "fn f() { crate::a::g() }\n"),
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
    let files = [top_file("a", &"fn f() {}\n".repeat(MAX_LINES + 1))];
    assert_eq!(
        problems(&ranks, &BTreeSet::from(["a".to_string()]), &files),
        vec![format!(
            "src/a.rs: {} lines, over the {MAX_LINES}-line limit: split it along its concerns",
            MAX_LINES + 1
        )]
    );
}
