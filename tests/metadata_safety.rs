//! Front-matter values that end up in markup: URL fields may only hold web and email
//! addresses (a `javascript:` source URL ran script from the brief's bibliography), and control
//! characters are removed so that feeds stay well-formed XML and pages valid HTML. Each test
//! works on a copy of `tests/fixtures/minimal` and runs the real binary.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{arg, edit, file_for, fixture_site, read_html, run, sel, text_of, write};

const ALPHA: &str = "content/analysis/alpha.md";
const ATOM: &str = "http://www.w3.org/2005/Atom";

/// The fixture with a real base_url (check compares absolute links against it).
fn fixture() -> (tempfile::TempDir, PathBuf) {
    let (tmp, site) = fixture_site("minimal");
    edit(
        &site,
        "briefing.toml",
        "theme = \"default\"",
        "theme = \"default\"\nbase_url = \"https://briefing.example/\"",
    );
    (tmp, site)
}

/// Gives alpha's source a `url` line (line 18 of the file, the value at column 7).
fn set_alpha_url(site: &Path, toml_value: &str) {
    edit(
        site,
        ALPHA,
        "publisher = \"Fixture Institute\"\n",
        &format!("publisher = \"Fixture Institute\"\nurl = {toml_value}\n"),
    );
}

#[test]
fn unsafe_source_urls_are_errors_with_or_without_safe_html() {
    // As TOML literals: some obfuscations are TOML escapes that become controls and tabs.
    let hostile = [
        r#""javascript:alert(1)""#,
        r#""JaVaScRiPt:alert(1)""#,
        r#""   javascript:alert(1)""#,
        r#""\u0001\fjavascript:alert(1)""#,
        r#""java\tscript:alert(1)""#,
        r#""java\nscript:alert(1)""#,
        r#""javascript&#58;alert(1)""#,
        r#""javascript&colon;alert(1)""#,
        r#""data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==""#,
        r#""vbscript:msgbox(1)""#,
        r#""VBScript:msgbox(1)""#,
    ];
    for safe_html in [false, true] {
        for url in hostile {
            let (_tmp, site) = fixture();
            if safe_html {
                edit(
                    &site,
                    "briefing.toml",
                    "title = ",
                    "safe_html = true\ntitle = ",
                );
            }
            set_alpha_url(&site, url);
            for cmd in ["build", "check"] {
                let r = run(&[cmd, "--root", arg(&site)]);
                r.expect_code(1).expect_no_panic();
                let what = format!("{cmd} with url = {url}, safe_html = {safe_html}");
                assert!(
                    r.stderr.contains(&format!("{ALPHA}:18:7")),
                    "{what}: no error at file:line:col\n{}",
                    r.stderr
                );
                assert!(
                    r.stderr.contains("source URL uses `")
                        && r.stderr.contains("use an https:// address"),
                    "{what}: the error does not explain itself\n{}",
                    r.stderr
                );
            }
            assert!(
                !site.join("output").exists(),
                "url = {url}: a failed build wrote output"
            );
        }
    }
}

#[test]
fn web_mail_and_relative_source_urls_are_published_and_checked() {
    let (_tmp, site) = fixture();
    set_alpha_url(&site, r#""https://example.org/alpha?x=1&y=2""#);
    // More sources on alpha (listed, not cited) and a mailto: one on beta.
    edit(
        &site,
        ALPHA,
        "[[events]]",
        "[[sources]]\nid = \"upper\"\ntitle = \"Upper\"\npublisher = \"P\"\nurl = \"HTTP://Example.org/Upper\"\n\n\
         [[sources]]\nid = \"rel\"\ntitle = \"Relative\"\npublisher = \"P\"\nurl = \"/analysis/beta/\"\n\n[[events]]",
    );
    edit(
        &site,
        "content/analysis/beta.md",
        "publisher = \"Fixture Institute\"\n",
        "publisher = \"Fixture Institute\"\nurl = \"mailto:desk@example.org\"\n",
    );
    run(&["build", "--root", arg(&site)]).expect_success();
    let out = site.join("output");
    let hrefs = |path: &str| -> Vec<String> {
        read_html(&file_for(&out, path))
            .select(&sel("a[href]"))
            .filter_map(|a| a.value().attr("href").map(str::to_string))
            .collect()
    };
    let alpha = hrefs("/analysis/alpha/");
    for url in [
        "https://example.org/alpha?x=1&y=2",
        "HTTP://Example.org/Upper",
        "/analysis/beta/",
    ] {
        assert!(
            alpha.contains(&url.to_string()),
            "{url} not linked: {alpha:?}"
        );
    }
    assert!(hrefs("/analysis/beta/").contains(&"mailto:desk@example.org".to_string()));

    let r = run(&["check", "--root", arg(&site), "--format", "json"]);
    r.expect_success();
    let listed: Vec<(String, String)> = r
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["message"] == "external link (not fetched)")
        .map(|v| {
            (
                v["file"].as_str().unwrap_or("").to_string(),
                v["url"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    for (file, url) in [
        (ALPHA, "https://example.org/alpha?x=1&y=2"),
        (ALPHA, "HTTP://Example.org/Upper"),
        ("content/analysis/beta.md", "mailto:desk@example.org"),
    ] {
        assert!(
            listed.contains(&(file.to_string(), url.to_string())),
            "check does not list {url} from {file}: {listed:?}"
        );
    }
    assert!(
        !listed.iter().any(|(_, u)| u == "/analysis/beta/"),
        "a relative URL is not external: {listed:?}"
    );
    let human = run(&["check", "--root", arg(&site)]);
    human.expect_success();
    assert!(
        human
            .stdout
            .lines()
            .any(|l| l.trim() == "mailto:desk@example.org"),
        "{}",
        human.stdout
    );
}

/// The characters pages and feeds must not contain, as the tests use them: the code point and
/// a second way to write it in a TOML basic string (`\b`, `\f`, `\e`, `\xHH`, `\UXXXXXXXX`), besides
/// `\uXXXX`.
fn hostile_chars() -> Vec<(u32, String)> {
    let c0 = (0x01..0x20).filter(|c| ![0x09, 0x0a, 0x0d].contains(c));
    c0.chain([0x7f, 0x80, 0x85, 0x9f, 0xfffe, 0xffff])
        .map(|c| {
            let short = match c {
                0x08 => r"\b".to_string(),
                0x0c => r"\f".to_string(),
                // TOML 1.1 forms.
                0x1b => r"\e".to_string(),
                0x00..=0xff => format!(r"\x{c:02X}"),
                _ => format!(r"\U{c:08X}"),
            };
            (c, short)
        })
        .collect()
}

fn is_hostile(c: char) -> bool {
    let c = c as u32;
    (c < 0x20 && ![0x09, 0x0a, 0x0d].contains(&c))
        || (0x7f..=0x9f).contains(&c)
        || c == 0xfffe
        || c == 0xffff
}

/// What a word pair "a<c>b" reads after cleaning: whitespace controls separate words.
fn cleaned_pair(c: u32) -> &'static str {
    if [0x0b, 0x0c, 0x85].contains(&c) {
        "a b"
    } else {
        "ab"
    }
}

#[test]
fn control_characters_are_removed_from_feeds_and_pages_with_one_warning_per_file() {
    // Feeds list the 20 newest briefs: two sites, so that every brief must be in atom.xml.
    for chars in hostile_chars().chunks(17) {
        removed_from_feeds_and_pages(chars);
    }
}

fn removed_from_feeds_and_pages(chars: &[(u32, String)]) {
    let (_tmp, site) = fixture();
    for (c, short) in chars {
        let u = format!(r"\u{c:04X}");
        let body_char = char::from_u32(*c).expect("a scalar value");
        write(
            &site,
            &format!("content/analysis/c{c:04x}.md"),
            format!(
                "+++\ntitle = \"Brief {c:04x} a{u}b\"\ndate = 2017-07-01\n\
                 description = \"Desc a{short}b\"\nbottom_line = \"Bottom a{u}b\"\n\n\
                 [[key_judgments]]\ntext = \"Judgment a{short}b\"\nconfidence = \"likely\"\n\n\
                 [[sources]]\nid = \"s\"\ntitle = \"Source a{u}b\"\npublisher = \"P\"\n\n\
                 [[events]]\ndate = \"2016-02\"\ntext = \"Event a{short}b\"\n+++\n\
                 Body a{body_char}b here.\n"
            ),
        );
    }
    let r = run(&["build", "--root", arg(&site)]);
    r.expect_success().expect_no_panic();

    // One warning per file, at the first occurrence (the title's value), counting all seven.
    for (c, _) in chars {
        let rel = format!("content/analysis/c{c:04x}.md");
        let here: Vec<&str> = r
            .stderr
            .lines()
            .filter(|l| l.contains(&format!("{rel}:")))
            .collect();
        assert_eq!(
            here,
            vec![format!("  ┌─ {rel}:2:9")],
            "U+{c:04X}: expected one warning at the title\n{}",
            r.stderr
        );
    }
    let warnings = r
        .stderr
        .matches("warning: removed 7 control characters")
        .count();
    assert_eq!(warnings, chars.len(), "{}", r.stderr);

    let out = site.join("output");
    let mut xml_files = Vec::new();
    collect(&out, "xml", &mut xml_files);
    assert!(xml_files.len() >= 3, "{xml_files:?}");
    for f in &xml_files {
        let text = fs::read_to_string(f).unwrap();
        roxmltree::Document::parse(&text)
            .unwrap_or_else(|e| panic!("{} is not well-formed XML: {e}", f.display()));
    }
    let atom_text = fs::read_to_string(out.join("atom.xml")).unwrap();
    let atom = roxmltree::Document::parse(&atom_text).unwrap();
    let entries: Vec<(String, String)> = atom
        .descendants()
        .filter(|n| n.has_tag_name((ATOM, "entry")))
        .map(|e| {
            let child = |name: &str| {
                e.children()
                    .find(|n| n.has_tag_name((ATOM, name)))
                    .and_then(|n| n.text())
                    .unwrap_or("")
                    .to_string()
            };
            (child("title"), child("summary"))
        })
        .collect();
    for (c, _) in chars {
        let pair = cleaned_pair(*c);
        let want = (format!("Brief {c:04x} {pair}"), format!("Desc {pair}"));
        assert!(
            entries.contains(&want),
            "U+{c:04X}: no entry {want:?} in atom.xml: {entries:?}"
        );
    }

    let mut html_files = Vec::new();
    collect(&out, "html", &mut html_files);
    for f in &html_files {
        let text = fs::read_to_string(f).unwrap();
        if let Some(bad) = text.chars().find(|c| is_hostile(*c)) {
            panic!("{} contains U+{:04X}", f.display(), bad as u32);
        }
    }
    for (c, _) in chars {
        let pair = cleaned_pair(*c);
        let page = read_html(&file_for(&out, &format!("/analysis/c{c:04x}/")));
        let texts: Vec<String> = page.select(&sel("main *")).map(text_of).collect();
        for want in [
            format!("Brief {c:04x} {pair}"),
            format!("Bottom {pair}"),
            format!("Judgment {pair}"),
            format!("Event {pair}"),
            format!("Source {pair}"),
            format!("Body {pair} here."),
        ] {
            assert!(
                texts.iter().any(|t| t.contains(&want)),
                "U+{c:04X}: no element reads {want:?} on its page"
            );
        }
    }
}

#[test]
fn the_warning_shows_a_pasted_terminal_escape_without_sending_it() {
    let (_tmp, site) = fixture();
    edit(
        &site,
        "content/analysis/beta.md",
        "More to come.",
        "More \x1b]0;pwned\x07\x1b[2J to come.",
    );
    let r = run(&["build", "--root", arg(&site)]);
    r.expect_success();
    assert!(
        r.stderr.contains("content/analysis/beta.md:27:6")
            && r.stderr
                .contains("removed 3 control characters (the first is U+001B)"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains(['\x1b', '\x07']),
        "the warning printed the escape sequence: {:?}",
        r.stderr
    );
}

#[test]
fn config_strings_cannot_break_the_feed() {
    // Config strings reach feeds only through templates; the output filter catches them.
    let (_tmp, site) = fixture();
    edit(
        &site,
        "briefing.toml",
        "title = ",
        "description = \"Desk\\u0001 notes\\u000b today\"\ntitle = ",
    );
    run(&["build", "--root", arg(&site)]).expect_success();
    let text = fs::read_to_string(site.join("output/atom.xml")).unwrap();
    let atom = roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("atom.xml is not well-formed XML: {e}"));
    let subtitle = atom
        .descendants()
        .find(|n| n.has_tag_name((ATOM, "subtitle")))
        .and_then(|n| n.text());
    assert_eq!(subtitle, Some("Desk notes  today"));
    let mut html_files = Vec::new();
    collect(&site.join("output"), "html", &mut html_files);
    for f in &html_files {
        let text = fs::read_to_string(f).unwrap();
        if let Some(bad) = text.chars().find(|c| is_hostile(*c)) {
            panic!("{} contains U+{:04X}", f.display(), bad as u32);
        }
    }
}

#[test]
fn base_url_with_another_scheme_is_an_error() {
    let (_tmp, site) = fixture();
    edit(
        &site,
        "briefing.toml",
        "base_url = \"https://briefing.example/\"",
        "base_url = \"javascript:alert(1)//\"",
    );
    let r = run(&["build", "--root", arg(&site)]);
    r.expect_code(1);
    assert!(r.stderr.contains("briefing.toml:3:12"), "{}", r.stderr);
    let (_tmp2, site2) = fixture();
    run(&[
        "build",
        "--root",
        arg(&site2),
        "--base-url",
        " JAVASCRIPT:alert(1)//",
    ])
    .expect_code(2);
}

fn collect(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}
