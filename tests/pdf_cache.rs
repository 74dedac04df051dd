//! PDF editions across builds (#19): a rebuild typesets only the PDFs whose inputs changed
//! (the brief, the layout, the files Typst read), a one-shot build reuses the previous
//! output's PDFs only while its manifest and their bytes still say so, and `serve` typesets a
//! PDF when it is asked for and again after an edit. PDF text is read with `pdftotext`.

mod common;
#[path = "support/tools.rs"]
mod tools;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::serve::Server;
use common::{TinySite, arg, run};

const CONFIG: &str = "title = \"Cache site\"\nbase_url = \"https://cache.example.org\"\n";

fn brief(title: &str, body: &str) -> String {
    format!(
        "+++\ntitle = \"{title}\"\ndate = 2024-03-05\nbottom_line = \"Bottom of {title}.\"\n+++\n{body}\n"
    )
}

/// A site of three briefs; `sec/pictured/` is a folder brief with an image its PDF reads.
fn site() -> TinySite {
    let s = TinySite::new(CONFIG, "Home");
    s.write("content/sec/one.md", brief("One", "First body."));
    s.write("content/sec/two.md", brief("Two", "Second body."));
    s.write(
        "content/sec/pictured/index.md",
        brief("Pictured", "Third body.\n\n![A square](square.svg)"),
    );
    s.write("content/sec/pictured/square.svg", square(40));
    s
}

/// A small square image of `side` units (SVG, which Typst draws as vector graphics).
fn square(side: u32) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{side}\" height=\"{side}\"><rect width=\"{side}\" height=\"{side}\" fill=\"#777\"/></svg>"
    )
}

fn pdftotext(pdf: &Path) -> Option<String> {
    let pdfinfo = tools::pdfinfo()?;
    let out = Command::new(tools::poppler(&pdfinfo, "pdftotext"))
        .args(["-enc", "UTF-8", arg(pdf), "-"])
        .output()
        .unwrap();
    assert!(out.status.success(), "pdftotext {} failed", pdf.display());
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The summary line's count of PDFs it did not typeset again.
fn unchanged(stdout: &str) -> usize {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("Built "))
        .unwrap_or_else(|| panic!("no summary line in {stdout}"));
    assert!(line.contains(" and 3 PDFs "), "{line}");
    line.split("; ")
        .find(|p| p.contains(" PDFs unchanged"))
        .and_then(|p| p.split(' ').next())
        .map(|n| n.parse().unwrap_or_else(|_| panic!("{line}")))
        .unwrap_or(0)
}

fn build(s: &TinySite, out: &Path) -> usize {
    let r = run(&["build", "--root", arg(&s.root), "--output", arg(out)]);
    r.expect_success();
    unchanged(&r.stdout)
}

#[test]
fn a_rebuild_typesets_only_the_pdfs_whose_inputs_changed() {
    let s = site();
    let out = s.root.join("out");
    assert_eq!(build(&s, &out), 0, "a first build has nothing to reuse");
    let one = out.join("sec/one/one.pdf");
    let clean = fs::read(&one).unwrap();
    assert_eq!(build(&s, &out), 3, "nothing changed: every PDF is reused");
    assert_eq!(fs::read(&one).unwrap(), clean);

    // A body edit: that brief's PDF is typeset again, and says what the brief now says.
    s.write("content/sec/one.md", brief("One", "First body, revised."));
    assert_eq!(build(&s, &out), 2);
    if let Some(text) = pdftotext(&one) {
        assert!(text.contains("revised"), "{text}");
    }

    // The image a PDF read: same name, other bytes. Only its PDF is typeset again.
    let pictured = out.join("sec/pictured/pictured.pdf");
    let before = fs::read(&pictured).unwrap();
    s.write("content/sec/pictured/square.svg", square(60));
    assert_eq!(build(&s, &out), 2);
    assert_ne!(
        fs::read(&pictured).unwrap(),
        before,
        "the new image is not in the PDF"
    );

    // A PDF changed in the output is not taken for the one the manifest describes.
    fs::write(&one, b"not a pdf").unwrap();
    assert_eq!(build(&s, &out), 2);
    assert_ne!(fs::read(&one).unwrap(), b"not a pdf");

    // Nor does a broken manifest do more than cost a typesetting.
    fs::write(out.join(".briefing-pdfs.json"), b"{ broken").unwrap();
    assert_eq!(build(&s, &out), 0);

    // A layout change reaches every PDF.
    let layout = fs::read_to_string(s.root.join("themes/default/pdf/brief.typ")).unwrap();
    s.write("pdf/brief.typ", layout.replace("10.5pt", "11pt"));
    assert_eq!(build(&s, &out), 0);

    // What the reused PDFs add up to is what a clean build makes.
    let fresh = s.root.join("fresh");
    build(&s, &fresh);
    for rel in [
        "sec/one/one.pdf",
        "sec/two/two.pdf",
        "sec/pictured/pictured.pdf",
    ] {
        assert!(
            fs::read(out.join(rel)).unwrap() == fs::read(fresh.join(rel)).unwrap(),
            "{rel} differs from a clean build's"
        );
    }
}

#[test]
fn serve_typesets_a_pdf_when_asked_and_again_after_an_edit() {
    let s = site();
    let root = s.root.clone();
    let server = Server::start_at(&root, common::serve::free_port(), None);
    let f = server.fetch("/sec/one/one.pdf");
    assert_eq!(f.status, 200);
    assert_eq!(f.ctype, "application/pdf");
    assert!(f.body.starts_with(b"%PDF-"), "not a PDF");
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("one.pdf");
    fs::write(&saved, &f.body).unwrap();
    if let Some(text) = pdftotext(&saved) {
        assert!(text.contains("First body."), "{text}");
    }
    // A body edit (the patch path): the page shows it, then the PDF does too, and it is the
    // PDF a clean build makes.
    s.write(
        "content/sec/one.md",
        brief("One", "First body, edited live."),
    );
    server.wait_for_page("/sec/one/", "showed the edit", |b| {
        b.contains("edited live")
    });
    let f = server.fetch("/sec/one/one.pdf");
    assert_eq!(f.status, 200);
    let out = dir.path().join("out");
    run(&[
        "build",
        "--root",
        arg(&root),
        "--output",
        arg(&out),
        "--base-url",
        &format!("{}/", server.base),
    ])
    .expect_success();
    assert!(
        f.body == fs::read(out.join("sec/one/one.pdf")).unwrap(),
        "serve's PDF differs from a clean build's"
    );
    // A PDF that is not there is a 404, like any other file.
    assert_eq!(server.fetch("/sec/one/two.pdf").status, 404);
}
