use super::*;

#[test]
fn line_col_counts_chars() {
    let s = "ab\ncdé\nf";
    assert_eq!(line_col(s, 0), (1, 1));
    assert_eq!(line_col(s, 3), (2, 1));
    assert_eq!(line_col(s, s.find('f').unwrap()), (3, 1));
    assert_eq!(line_offset(s, 3), s.find('f').unwrap());
}

#[test]
fn line_index_agrees_with_line_col() {
    let long = format!("{}é{}\n", "a".repeat(700), "ü".repeat(300));
    for s in ["", "\n", "ab\ncdé\nf", "é\n\nñ日本\r\nx", long.as_str()] {
        let index = LineIndex::new(s);
        for offset in 0..=s.len() + 2 {
            assert_eq!(
                index.line_col(s, offset),
                line_col(s, offset),
                "{s:?} at {offset}"
            );
        }
    }
}

fn errors_in(file: &str, src: &Arc<str>, message: &str, n: usize) -> Vec<Diagnostic> {
    (0..n)
        .map(|i| {
            Diagnostic::error(format!("{message} `{i}`"))
                .in_file(file)
                .at(src, i..i + 1)
        })
        .collect()
}

#[test]
fn human_report_folds_alike_diagnostics_per_file() {
    let src: Arc<str> = Arc::from("x\n".repeat(40));
    let mut all = errors_in("a.md", &src, "unknown source id", 25);
    all.extend(errors_in("b.md", &src, "unknown source id", 3));
    all.extend(errors_in("a.md", &src, "broken link", 1));
    all.push(Diagnostic::warning("unknown source id `w`").in_file("a.md"));
    let refs: Vec<&Diagnostic> = all.iter().collect();
    let out = render_report(&refs, false);
    assert_eq!(out.matches("error: unknown source id").count(), 13, "{out}");
    assert_eq!(out.matches("┌─ a.md").count(), 11, "{out}");
    assert!(out.contains("error: broken link `0`"), "{out}");
    assert!(out.contains("warning: unknown source id `w`"), "{out}");
    assert_eq!(out.matches("more errors like it").count(), 1, "{out}");
    assert!(
        out.contains("… and 15 more errors like it in a.md (unknown source id `10`)"),
        "{out}"
    );
    // JSON keeps every one, at the same positions.
    let json = json_report(&refs);
    assert_eq!(json.len(), all.len());
    assert_eq!(json[24]["line"], 13);
    assert_eq!(json[24]["column"], 1);
    assert_eq!(json[24], all[24].to_json());
    assert_eq!(thousands(19_990), "19,990");
    assert_eq!(thousands(1_234_567), "1,234,567");
    assert_eq!(thousands(999), "999");
}

#[test]
fn json_carries_the_source_line_and_the_span_s_columns() {
    let src: Arc<str> = Arc::from("+++\ntitle = \"Café\" x\r\nnext\n+++\n");
    let at = |span: Range<usize>| {
        Diagnostic::error("e")
            .in_file("a.md")
            .at(&src, span)
            .to_json()
    };
    let title = src.find("\"Café\"").unwrap();
    let j = at(title..title + "\"Café\"".len());
    assert_eq!(j["source_line"], "title = \"Café\" x");
    assert_eq!(
        (j["line"].clone(), j["column"].clone()),
        (2.into(), 9.into())
    );
    assert_eq!(j["end_column"], 15);
    // Onto the next line: the caret stops at this line's end.
    let j = at(title..src.find("next").unwrap() + 2);
    assert_eq!(j["end_column"], 17);
    // An empty span, and no source at all.
    assert_eq!(at(title..title)["end_column"], 9);
    let j = Diagnostic::error("e")
        .in_file("a.md")
        .at_line(3, 1)
        .to_json();
    assert_eq!(j["source_line"], serde_json::Value::Null);
    assert_eq!(j["end_column"], serde_json::Value::Null);
}

#[test]
fn a_failed_builds_report_is_sorted_and_each_diagnostic_once() {
    let src: Arc<str> = Arc::from("a\nb\nc\n");
    let at = |file: &str, i: usize| Diagnostic::error("e").in_file(file).at(&src, i..i + 1);
    let all = vec![
        at("b.md", 2),
        at("a.md", 4),
        Diagnostic::error("config"),
        at("a.md", 0),
        at("a.md", 4),
    ];
    let sorted = sorted(all);
    let places: Vec<String> = sorted.iter().map(Diagnostic::position).collect();
    assert_eq!(places, ["", "a.md:1:1", "a.md:3:1", "b.md:2:1"]);
}

#[test]
fn suggestions() {
    assert_eq!(
        did_you_mean("titel", ["title", "date", "description"]),
        Some("title")
    );
    assert_eq!(did_you_mean("zzz", ["title", "date"]), None);
}

#[test]
fn render_shows_caret_and_hint() {
    let src: Arc<str> = Arc::from("+++\ntitel = 1\n+++\n");
    let d = Diagnostic::error("unknown field `titel`")
        .in_file("content/a.md")
        .at(&src, 4..9)
        .with_hint("did you mean `title`?");
    let out = d.render(false);
    assert!(out.contains("content/a.md:2:1"), "{out}");
    assert!(out.contains("^^^^^"), "{out}");
    assert!(out.contains("did you mean `title`?"), "{out}");
}
