//! Unit tests of the content stage: reading, naming and parsing files.
use super::*;

fn parse(rel: &str, text: &str) -> Result<SourceDoc, Vec<Diagnostic>> {
    parse_doc(rel, Path::new(rel), Arc::from(text), 0)
}

#[test]
fn errors_point_into_the_file() {
    let e = parse("a.md", "+++\ntitle = \"x\"\ndate = 2017-13-01\n+++\n").unwrap_err();
    assert_eq!(e[0].location().map(|l| l.0), Some(3), "{:?}", e[0]);
    let e = parse("a.md", "+++\ntitle = \"x\"\n").unwrap_err();
    assert!(e[0].message.contains("never closed"));
    let e = parse("a.md", "+++\ntitle = \"x\"\n+++\n").unwrap_err();
    assert!(
        e[0].message.contains("missing field `date`"),
        "{}",
        e[0].message
    );
    let e = parse(
        "a.md",
        "+++\ntitle = \"x\"\ndate = 2017-01-01\nactor = []\n+++\n",
    )
    .unwrap_err();
    assert_eq!(e[0].hint.as_deref(), Some("did you mean `actors`?"));
}

#[test]
fn file_deleted_between_walk_and_read() {
    // The walk saw the file; by the time it is read, an editor has removed it (atomic
    // saves do exactly this). The report names the file and says what to do.
    let tmp = tempfile::tempdir().unwrap();
    let abs = tmp.path().join("content/sec/gone.md");
    let d = read_text(tmp.path(), &abs).unwrap_err();
    assert!(d.is_error());
    assert_eq!(d.file.as_deref(), Some(Path::new("content/sec/gone.md")));
    assert!(d.message.starts_with("cannot read file"), "{}", d.message);
    assert!(
        d.hint
            .as_deref()
            .is_some_and(|h| h.contains("save it again")),
        "{:?}",
        d.hint
    );
    // The same through the loader's per-file path, as a list of diagnostics.
    let file = Located {
        path: abs.clone(),
        real: abs,
    };
    let (e, _) = read_doc(
        tmp.path(),
        "sec/gone.md",
        &file,
        None,
        &Languages::default(),
    )
    .unwrap_err();
    assert_eq!(e.len(), 1);
    assert!(e[0].render(false).contains("content/sec/gone.md"));
}

#[cfg(unix)]
#[test]
fn a_file_that_became_a_link_is_not_read() {
    let tmp = tempfile::tempdir().unwrap();
    let secret = tmp.path().join("secret.txt");
    std::fs::write(&secret, "secret").unwrap();
    let abs = tmp.path().join("a.md");
    std::os::unix::fs::symlink(&secret, &abs).unwrap();
    let d = read_text_at(Path::new("content/a.md"), &abs).unwrap_err();
    assert!(d.message.contains("symbolic link"), "{}", d.message);
}

#[test]
fn nul_bytes_become_replacement_characters() {
    let tmp = tempfile::tempdir().unwrap();
    let abs = tmp.path().join("a.md");
    std::fs::write(
        &abs,
        "+++\ntitle = \"a\0b\"\ndate = 2017-01-01\n+++\nx\0y\n",
    )
    .unwrap();
    let text = read_text(tmp.path(), &abs).unwrap();
    assert!(!text.contains('\0'));
    let doc = parse_doc("a.md", Path::new("a.md"), text, 0).unwrap();
    assert_eq!(doc.body(), "x\u{fffd}y\n");
    let DocKind::Brief(m) = &doc.kind else {
        panic!("not a brief")
    };
    assert_eq!(m.title, "a\u{fffd}b");
}

#[test]
fn bom_crlf_and_front_matter_only() {
    let tmp = tempfile::tempdir().unwrap();
    let abs = tmp.path().join("a.md");
    std::fs::write(
        &abs,
        "\u{feff}+++\r\ntitle = \"B\"\r\ndate = 2017-01-01\r\n+++",
    )
    .unwrap();
    let text = read_text(tmp.path(), &abs).unwrap();
    assert!(text.starts_with("+++"));
    let doc = parse_doc("a.md", Path::new("a.md"), text, 0).unwrap();
    assert_eq!(doc.body(), "");
    let DocKind::Brief(m) = &doc.kind else {
        panic!("not a brief")
    };
    assert_eq!(m.title, "B");
}

#[test]
fn template_and_archetype_names_stay_inside() {
    let text =
        "+++\ntitle = \"S\"\ntemplate = \"../../etc/passwd\"\narchetype = \"/etc/passwd\"\n+++\n";
    let e = parse("x/_index.md", text).unwrap_err();
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!(e[0].location(), Some((3, 12)));
    assert!(
        e[0].message.contains("../../etc/passwd"),
        "{}",
        e[0].message
    );
    assert_eq!(e[1].location(), Some((4, 13)));
    assert_eq!(e[1].file.as_deref(), Some(Path::new("x/_index.md")));
    let ok = "+++\ntitle = \"S\"\ntemplate = \"sections/wide.html\"\n+++\n";
    assert!(parse("x/_index.md", ok).is_ok());
}

#[test]
fn section_and_brief() {
    let s = parse("x/_index.md", "+++\ntitle = \"S\"\n+++\nhi").unwrap();
    assert!(matches!(s.kind, DocKind::Section(_)));
    assert_eq!(s.body(), "hi");
    let b = parse(
        "x/a.md",
        "+++\ntitle = \"B\"\ndate = 2017-01-01\n+++\n\nbody",
    )
    .unwrap();
    assert!(matches!(b.kind, DocKind::Brief(_)));
    assert_eq!(b.body_line(), 5);
}
