//! What a brief's PDF shows (#19): charts as vector images with their labels, the hedge
//! assessment box, key judgments whose hyphens survive text extraction, a site's own
//! shortcodes through their `.typ` (or their text, with a warning `check` lists too), raw HTML
//! (text, warning), and clear errors for a missing image and a broken `.typ`. PDFs are read with
//! poppler-utils (`pdftotext`, `pdfimages`), diagnostics as `--format json` lines.

mod common;
#[path = "support/pdftext.rs"]
mod pdftext;
#[path = "support/tools.rs"]
mod tools;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Run, TinySite, run};
use pdftext::in_order;

const CONFIG: &str = "title = \"PDF site\"\nbase_url = \"https://pdf.example.org\"\n";

/// A poppler-utils program's output for `pdf`, or `None` (skipped loudly) without poppler.
fn poppler(program: &str, args: &[&str], pdf: &Path) -> Option<String> {
    let info = tools::pdfinfo()?;
    let path: PathBuf = if program == "pdfinfo" {
        info
    } else {
        tools::poppler(&info, program)
    };
    let out = Command::new(&path)
        .args(args)
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
    assert!(
        out.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `pdftotext` in reading order (not `-layout`: that is what copy and paste and search see).
fn text(pdf: &Path) -> Option<String> {
    poppler("pdftotext", &["-enc", "UTF-8"], pdf)
}

/// The rows of `pdfimages -list` (after its two header lines): one per image in the PDF.
fn images(pdf: &Path) -> Option<Vec<String>> {
    let info = tools::pdfinfo()?;
    let out = Command::new(tools::poppler(&info, "pdfimages"))
        .arg("-list")
        .arg(pdf)
        .output()
        .expect("cannot run pdfimages");
    assert!(out.status.success());
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .skip(2)
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect(),
    )
}

/// The diagnostics of a `--format json` run: (severity, message, file, line, column).
#[derive(Debug)]
struct Diag {
    severity: String,
    message: String,
    file: String,
    line: Option<u64>,
    column: Option<u64>,
}

fn diags(r: &Run) -> Vec<Diag> {
    r.stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v.get("severity").is_some() && v.get("message").is_some())
        .map(|v| {
            let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
            Diag {
                severity: s("severity"),
                message: s("message"),
                file: s("file"),
                line: v.get("line").and_then(|x| x.as_u64()),
                column: v.get("column").and_then(|x| x.as_u64()),
            }
        })
        .collect()
}

/// The line (1-based) of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> u64 {
    let at = text.find(needle).expect("the needle is in the text");
    text[..at].matches('\n').count() as u64 + 1
}

const SHORTCODES_BRIEF: &str = r#"+++
title = "Shortcodes"
date = 2024-03-05
+++
Intro paragraph.

{{ stamp(label="Secret label", level=2) }}

{% aside() %}
Aside body words.
{% end %}

Inline {{ flag(colour="red") }} stays out.

<div class="raw">Raw block words</div>
"#;

fn shortcode_site() -> TinySite {
    let s = TinySite::new(CONFIG, "Home");
    s.write(
        "templates/shortcodes/stamp.html",
        "<p class=\"stamp\">{{ label }} {{ level }}</p>\n",
    );
    // Arguments arrive as Typst values: the number is a number.
    s.write(
        "templates/shortcodes/stamp.typ",
        "#let shortcode(args, body) = block(stroke: 1pt, inset: 6pt)[Stamped #args.label at level #str(args.level + 1)]\n",
    );
    s.write(
        "templates/shortcodes/aside.html",
        "<aside>{{ body | safe }}</aside>\n",
    );
    s.write(
        "templates/shortcodes/flag.html",
        "<span class=\"flag\">{{ colour }}</span>\n",
    );
    s.write("content/sec/report.md", SHORTCODES_BRIEF);
    s
}

#[test]
fn a_chart_is_a_vector_image_with_its_labels_in_each_language() {
    let (_tmp, site) = common::example_site();
    run(&["build", "--root", common::arg(&site)]).expect_success();
    let rel = "alliance-posture/north-korea-threat/north-korea-threat.pdf";
    let en = site.join("output").join(rel);
    let fr = site.join("output/fr").join(rel);
    let Some(en_text) = text(&en) else { return };
    // The categories and axis titles of the data file, the chart's caption and its source.
    in_order(
        &en_text,
        &[
            "Number of tests",
            "70",
            "Nuclear tests",
            "Missile tests",
            "Kind of test",
            "North Korean nuclear and missile tests since Kim Jong-un took power in 2011",
            "Source: Asia Pacific Foundation of Canada.",
        ],
    );
    // The French PDF draws the French data file, with the French words.
    let fr_text = text(&fr).unwrap_or_default();
    in_order(&fr_text, &["Nombre d’essais", "Essais nucléaires"]);
    assert!(!fr_text.contains("Nuclear tests"), "{fr_text}");
    // Vector: drawn, not pasted in as pixels.
    for pdf in [&en, &fr] {
        let listed = images(pdf).unwrap_or_default();
        assert!(
            listed.is_empty(),
            "raster images in {}: {listed:?}",
            pdf.display()
        );
    }
}

#[test]
fn the_hedge_assessment_is_in_the_pdf_with_its_fields_and_words() {
    let s = TinySite::new(CONFIG, "Home");
    s.write(
        "content/sec/report.md",
        r#"+++
title = "Narnia as a hedge"
date = 2024-03-05
[hedge]
partner = "Narnia"
kind = "soft"
economic = { level = "high", rationale = "Plenty of trade in wardrobes." }
security = { level = "low", rationale = "Lions are scarce." }
credibility = { level = "medium", rationale = "Present on some days." }
+++
The body follows the box.
"#,
    );
    run(&s.build_args(&[])).expect_success();
    let Some(t) = text(&s.out().join("sec/report/report.pdf")) else {
        return;
    };
    in_order(
        &t,
        &[
            "HEDGE ASSESSMENT: NARNIA",
            "A soft hedge.",
            "Economic value",
            "High",
            "Plenty of trade in wardrobes.",
            "Security value",
            "Low",
            "Lions are scarce.",
            "Credibility",
            "Medium",
            "Present on some days.",
            "Compare every partner in the hedge matrix",
            "The body follows the box.",
        ],
    );
}

#[test]
fn a_hyphen_at_the_end_of_a_key_judgment_line_survives_text_extraction() {
    let s = TinySite::new(CONFIG, "Home");
    // In the default layout this judgment's first line ends at the compound's hyphen.
    s.write(
        "content/sec/report.md",
        r#"+++
title = "Hyphens"
date = 2024-03-05
[[key_judgments]]
text = "Abe sees engagement with Russia as low risk and will look for any dividend that weakens the China-Russia strategic relationship."
confidence = "likely"
+++
Body.
"#,
    );
    run(&s.build_args(&[])).expect_success();
    let Some(t) = text(&s.out().join("sec/report/report.pdf")) else {
        return;
    };
    let flat = t.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("China-Russia strategic"), "{flat}");
}

#[test]
fn site_shortcodes_use_their_typ_or_show_their_text_with_a_warning_build_and_check_list() {
    let s = shortcode_site();
    let r = run(&s.build_args(&["--format", "json"]));
    r.expect_success();
    let Some(t) = text(&s.out().join("sec/report/report.pdf")) else {
        return;
    };
    in_order(
        &t,
        &[
            "Intro paragraph.",
            "Stamped Secret label at level 3",
            "Aside body words.",
            "Inline",
            "stays out.",
            "Raw block words",
        ],
    );
    assert!(
        !t.contains("red"),
        "an inline shortcode without .typ shows nothing:\n{t}"
    );
    let check = run(&["check", "--root", common::arg(&s.root), "--format", "json"]);
    for (what, r) in [("build", &r), ("check", &check)] {
        let warnings: Vec<Diag> = diags(r)
            .into_iter()
            .filter(|d| d.severity == "warning" && d.message.contains("PDF"))
            .collect();
        let find = |needle: &str| {
            warnings
                .iter()
                .find(|d| d.message.contains(needle))
                .unwrap_or_else(|| panic!("{what}: no warning with {needle:?}: {warnings:?}"))
        };
        for (name, at) in [("aside", "{% aside() %}"), ("flag", "{{ flag(")] {
            let d = find(&format!(
                "shows only the text of the shortcode `{name}`: add templates/shortcodes/{name}.typ"
            ));
            assert_eq!(d.file, "content/sec/report.md", "{what}: {d:?}");
            assert_eq!(d.line, Some(line_of(SHORTCODES_BRIEF, at)), "{what}: {d:?}");
        }
        let raw = find("raw HTML `<div class=\"raw\">`");
        assert_eq!(raw.file, "content/sec/report.md");
        assert_eq!(
            raw.line,
            Some(line_of(SHORTCODES_BRIEF, "<div")),
            "{what}: {raw:?}"
        );
        assert!(
            !warnings.iter().any(|d| d.message.contains("`stamp`")),
            "{what}: stamp has its .typ: {warnings:?}"
        );
        assert_eq!(warnings.len(), 3, "{what}: {warnings:?}");
    }
}

#[test]
fn a_missing_image_shows_as_its_alt_text_with_the_pages_warning_at_its_line() {
    let s = TinySite::new(CONFIG, "Home");
    let brief = "+++\ntitle = \"Images\"\ndate = 2024-03-05\n+++\nText.\n\n![A map of the strait](strait-map.png)\n";
    s.write("content/sec/report.md", brief);
    let r = run(&s.build_args(&["--format", "json"]));
    r.expect_success().expect_no_panic();
    let warnings = diags(&r);
    let d = warnings
        .iter()
        .find(|d| d.message.contains("strait-map.png"))
        .unwrap_or_else(|| panic!("no warning names the image: {warnings:?}\n{}", r.stderr));
    assert_eq!(d.file, "content/sec/report.md", "{d:?}");
    assert_eq!(d.line, Some(line_of(brief, "![A map")), "{d:?}");
    let Some(text) = text(&s.out().join("sec/report/report.pdf")) else {
        return;
    };
    assert!(text.contains("A map of the strait"), "{text}");
}

#[test]
fn a_mistake_in_a_shortcodes_typ_names_its_file_line_and_column() {
    let s = shortcode_site();
    s.write(
        "templates/shortcodes/stamp.typ",
        "#let shortcode(args, body) = {\n  let label = args.label\n  label + 1\n}\n",
    );
    let r = run(&s.build_args(&["--format", "json"]));
    r.expect_code(1).expect_no_panic();
    let errors: Vec<Diag> = diags(&r)
        .into_iter()
        .filter(|d| d.severity == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let d = &errors[0];
    assert_eq!(d.file, "templates/shortcodes/stamp.typ", "{d:?}");
    assert_eq!((d.line, d.column), (Some(3), Some(3)), "{d:?}");
    assert!(!s.out().exists(), "a failed build writes no output");
}
