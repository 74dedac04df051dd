//! Charts and the hedge dot matrix as readers get them: a fixture site with a bar chart (long
//! category names), a line chart (many points) and a section with a hedge matrix, built by the
//! real binary.
//!
//! - Parsed: axis titles from `x_label`/`y_label`, the title drawn once (by the caption), and
//!   every drawn SVG element carrying its own presentation attributes (no stylesheet needed).
//! - In headless Chromium at 360 and 1366 px: every chart text renders at least 12 CSS px
//!   (computed font size times the SVG's screen scale, from `getScreenCTM()`), no text's box
//!   overlaps another's or leaves its SVG, and text and marks have enough contrast against the
//!   page, light and dark. Chromium comes from tools/env.sh: skipped with a loud note when it is
//!   missing, except under CI, where it fails.
//!
//! `cargo test --release --test charts -- --ignored` writes screenshots of the example site's
//! charts (360 and 1366 px, light and dark) to target/chart-screenshots/ for looking at.

#[path = "support/cdp.rs"]
mod cdp;
mod common;
#[path = "support/tools.rs"]
mod tools;

use common::*;
use scraper::ElementRef;
use serde_json::json;

const BAR_TITLE: &str = "Tests by kind since 2011";
const LINE_TITLE: &str = "Exports to China, 2011 to 2024";

fn hedge(partner: &str, levels: [&str; 3]) -> String {
    format!(
        "[hedge]\npartner = \"{partner}\"\nkind = \"soft\"\neconomic = {{ level = \"{}\", rationale = \"Trade.\" }}\nsecurity = {{ level = \"{}\", rationale = \"Defence.\" }}\ncredibility = {{ level = \"{}\", rationale = \"Trust.\" }}\n",
        levels[0], levels[1], levels[2]
    )
}

fn brief(title: &str, hedge: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\ndate = 2024-01-02\n{hedge}+++\n{body}\n")
}

/// The fixture, built with relative URLs so Chromium can open it from disk.
fn built_site() -> TinySite {
    let site = TinySite::new(
        "title = \"Charts\"\nbase_url = \"https://x.org/\"\ntheme = \"default\"\n",
        "Charts",
    );
    site.write(
        "content/data/tests.csv",
        "kind,count\nNuclear tests,3\nMissile tests (more than seventy in all),70\nIntercontinental ballistic missile launches,12\nCruise,8\nSubmarine-launched ballistic missiles,4\n",
    );
    let mut series = String::from("year,value\n");
    for (i, year) in (2011..=2024).enumerate() {
        series.push_str(&format!("{year},{}\n", 120 + (i * 37) % 90));
    }
    site.write("content/data/exports.csv", series);
    site.write(
        "content/sec/bar.md",
        brief(
            "Bar",
            &hedge("China", ["high", "low", "low"]),
            &format!(
                "Text.\n\n{{{{ chart(data=\"tests\", kind=\"bar\", x=\"kind\", y=\"count\", x_label=\"Kind of test\", y_label=\"Number of tests\", title=\"{BAR_TITLE}\", source=\"An article\") }}}}\n"
            ),
        ),
    );
    site.write(
        "content/sec/line.md",
        brief(
            "Line",
            &hedge(
                "The European Union and its member states",
                ["high", "medium", "medium"],
            ),
            &format!(
                "Text.\n\n{{{{ chart(data=\"exports\", kind=\"line\", x=\"year\", y=\"value\", x_label=\"Year\", y_label=\"Exports, billions of yen\", title=\"{LINE_TITLE}\") }}}}\n"
            ),
        ),
    );
    site.write(
        "content/sec/third.md",
        brief(
            "Third",
            &hedge("South Korea", ["medium", "high", "medium"]),
            "Text.",
        ),
    );
    run(&site.build_args(&["--relative-urls"])).expect_success();
    site
}

/// The pages with charts, and the section page with the matrix.
const PAGES: [&str; 3] = [
    "sec/bar/index.html",
    "sec/line/index.html",
    "sec/index.html",
];

fn texts_of(svg: ElementRef) -> Vec<String> {
    svg.select(&sel("text"))
        .map(|t| {
            // A cut label's tooltip (<title>) is not drawn.
            t.descendants()
                .filter(|n| {
                    !n.ancestors()
                        .any(|a| a.value().as_element().is_some_and(|e| e.name() == "title"))
                })
                .filter_map(|n| n.value().as_text().map(|s| s.to_string()))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// Every shape and text in `svg` carries the presentation attributes it needs to be seen.
fn assert_self_styled(page: &str, svg: ElementRef) {
    let mut drawn = 0;
    for e in svg.descendants().filter_map(ElementRef::wrap) {
        let name = e.value().name();
        let need: &[&str] = match name {
            "rect" | "circle" | "path" | "polygon" | "ellipse" => &["fill", "stroke"],
            "line" | "polyline" => &["stroke", "stroke-width"],
            "text" => &["fill", "font-family", "font-size"],
            "svg" | "title" | "desc" | "tspan" => continue,
            other => panic!("{page}: unexpected <{other}> in a chart"),
        };
        drawn += 1;
        for a in need {
            assert!(
                e.value().attr(a).is_some_and(|v| !v.trim().is_empty()),
                "{page}: <{name} class={:?}> has no {a} of its own",
                e.value().attr("class")
            );
        }
    }
    assert!(drawn >= 10, "{page}: only {drawn} drawn elements");
}

#[test]
fn charts_are_labelled_titled_once_and_style_themselves() {
    let site = built_site();
    let out = site.out();
    for (page, title, x_label, y_label, column) in [
        (
            PAGES[0],
            BAR_TITLE,
            "Kind of test",
            "Number of tests",
            "count",
        ),
        (
            PAGES[1],
            LINE_TITLE,
            "Year",
            "Exports, billions of yen",
            "value",
        ),
    ] {
        let html = read_html(&out.join(page));
        let figures: Vec<_> = html.select(&sel("figure.chart")).collect();
        assert_eq!(figures.len(), 1, "{page}: one chart");
        let figure = figures[0];
        let svg = figure.select(&sel("svg")).next().expect("an svg");
        let texts = texts_of(svg);
        assert!(texts.iter().any(|t| t == x_label), "{page}: {texts:?}");
        assert!(texts.iter().any(|t| t == y_label), "{page}: {texts:?}");
        assert!(!texts.iter().any(|t| t == column), "{page}: {texts:?}");
        // One visible title: the caption's; the SVG keeps it as its accessible name only.
        let caption = figure
            .select(&sel("figcaption"))
            .next()
            .map(text_of)
            .unwrap_or_default();
        assert!(caption.contains(title), "{page}: caption {caption:?}");
        assert!(
            !texts.iter().any(|t| t.contains(title)),
            "{page}: the SVG draws the title again: {texts:?}"
        );
        let name_id = svg.value().attr("aria-labelledby").expect("a labelled svg");
        let name = svg
            .select(&sel(&format!("title[id=\"{name_id}\"]")))
            .next()
            .map(text_of);
        assert_eq!(name.as_deref(), Some(title), "{page}: accessible name");
        assert_self_styled(page, svg);
        // Every bar is named: no category left out or cut short under its bar.
        for bar in svg.select(&sel("rect")) {
            let tip = bar
                .select(&sel("title"))
                .next()
                .map(text_of)
                .unwrap_or_default();
            let name = tip.rsplit_once(": ").map_or(tip.as_str(), |(n, _)| n);
            assert!(
                texts.iter().any(|t| t == name),
                "{page}: the bar {name:?} has no label of its own: {texts:?}"
            );
        }
    }
    let html = read_html(&out.join(PAGES[2]));
    let svg = html
        .select(&sel("figure svg.hedge-matrix"))
        .next()
        .expect("the section's dot matrix");
    let texts = texts_of(svg);
    assert!(
        texts.iter().any(|t| t == "South Korea"),
        "matrix texts: {texts:?}"
    );
    assert!(
        !texts.iter().any(|t| t.contains("Hedge matrix")),
        "the matrix draws a title: {texts:?}"
    );
    assert_self_styled(PAGES[2], svg);
}

/// Bad chart arguments are reported in the analyst's words, each at its shortcode, all of them
/// in one run: an empty axis title, a number for one, a misspelt kind.
#[test]
fn bad_chart_arguments_are_explained() {
    let site = TinySite::new(
        "title = \"Charts\"\nbase_url = \"https://x.org/\"\ntheme = \"default\"\n",
        "Charts",
    );
    site.write("content/data/d.csv", "a,b\nx,1\n");
    site.write(
        "content/sec/b.md",
        brief(
            "B",
            "",
            "{{ chart(data=\"d\", x=\"a\", y=\"b\", x_label=\" \") }}\n\n{{ chart(data=\"d\", x=\"a\", y=\"b\", y_label=3) }}\n\n{{ chart(data=\"d\", x=\"a\", y=\"b\", kind=\"lien\") }}",
        ),
    );
    let r = run(&site.build_args(&["--format", "json"]));
    r.expect_code(1);
    let found: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .chain(r.stderr.lines())
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let want = [
        (
            5,
            "argument `x_label` of `chart` is empty",
            "leave x_label out to use the column name `a`",
        ),
        (
            7,
            "argument `y_label` of `chart` must be a string, got 3",
            "write y_label=\"...\"",
        ),
        (9, "unknown chart kind `lien`", "did you mean `line`?"),
    ];
    for (line, message, hint) in want {
        assert!(
            found.iter().any(|d| d["file"] == "content/sec/b.md"
                && d["line"] == line
                && d["message"] == message
                && d["hint"].as_str().is_some_and(|h| h.contains(hint))),
            "no diagnostic {message:?} (hint {hint:?}) at line {line}: {found:#?}"
        );
    }
}

/// What the page script below finds wrong with the chart texts of the open page, and how many
/// texts and marks it looked at.
const INSPECT: &str = r#"(() => {
  const problems = [];
  const rgb = c => (c.match(/[\d.]+/g) || []).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = rgb(c).map(v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const bg = getComputedStyle(document.body).backgroundColor;
  let texts = 0, marks = 0;
  for (const svg of document.querySelectorAll('figure.chart svg, svg.hedge-matrix')) {
    const box = svg.getBoundingClientRect();
    const where = (svg.getAttribute('class') || 'chart') + ' ' + (svg.querySelector('title') || {}).textContent;
    const boxes = [];
    for (const t of svg.querySelectorAll('text')) {
      texts++;
      const m = t.getScreenCTM();
      const size = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
      const r = t.getBoundingClientRect();
      const label = JSON.stringify(t.textContent);
      if (size < 12) problems.push(`${where}: ${label} renders at ${size.toFixed(2)} px`);
      if (size > 20) problems.push(`${where}: ${label} renders at ${size.toFixed(2)} px (over 20)`);
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5)
        problems.push(`${where}: ${label} leaves the SVG (${[r.left, r.top, r.right, r.bottom].map(Math.round)} outside ${[box.left, box.top, box.right, box.bottom].map(Math.round)})`);
      for (const [other, o] of boxes) {
        const w = Math.min(r.right, o.right) - Math.max(r.left, o.left);
        const h = Math.min(r.bottom, o.bottom) - Math.max(r.top, o.top);
        if (w > 0.5 && h > 0.5) problems.push(`${where}: ${label} overlaps ${other}`);
      }
      boxes.push([label, r]);
      const c = contrast(getComputedStyle(t).fill, bg);
      if (c < 4.5) problems.push(`${where}: ${label} has contrast ${c.toFixed(2)}`);
    }
    for (const e of svg.querySelectorAll('rect, circle, line, polyline, path')) {
      marks++;
      const s = getComputedStyle(e);
      const paint = e.tagName === 'line' || e.tagName === 'polyline' ? s.stroke : s.fill;
      const c = contrast(paint, bg);
      if (c < 3) problems.push(`${where}: <${e.tagName} class=${e.getAttribute('class')}> ${paint} has contrast ${c.toFixed(2)} on ${bg}`);
    }
  }
  return { problems, texts, marks };
})()"#;

fn set_width(b: &mut cdp::Browser, width: u32) {
    b.call(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": width, "height": 800, "deviceScaleFactor": 1, "mobile": width < 600 }),
    );
}

#[test]
fn chart_text_is_readable_and_never_collides_on_phones_and_desktops() {
    let Some(chromium) = tools::chromium() else {
        return;
    };
    let site = built_site();
    let out = site.out();
    let mut b = cdp::Browser::launch(&chromium);
    let mut failures = Vec::new();
    for dark in [false, true] {
        b.set_color_scheme(dark);
        // 360 and 1366 are the suite's phone and desktop; 320 and 1920 the ends of the range.
        for width in [320, 360, 1366, 1920] {
            set_width(&mut b, width);
            for page in PAGES {
                b.navigate(&format!("file://{}", out.join(page).display()));
                let r = b.eval_ok(INSPECT);
                let texts = r["texts"].as_u64().unwrap_or(0);
                assert!(
                    texts >= 5,
                    "{page} at {width} px: only {texts} chart texts found: {r}"
                );
                tools::note(&format!(
                    "charts: {page} at {width} px{}: {texts} texts, {} marks checked",
                    if dark { ", dark" } else { "" },
                    r["marks"]
                ));
                for p in r["problems"].as_array().into_iter().flatten() {
                    failures.push(format!(
                        "{page} at {width} px{}: {}",
                        if dark { " (dark)" } else { "" },
                        p.as_str().unwrap_or_default()
                    ));
                }
            }
        }
    }
    // Printed, even from a browser in dark mode, every mark and text keeps the light colours
    // of its own attributes: the stylesheet recolours the screen's dark scheme only.
    b.call(
        "Emulation.setEmulatedMedia",
        json!({ "media": "print", "features": [{ "name": "prefers-color-scheme", "value": "dark" }] }),
    );
    for page in PAGES {
        b.navigate(&format!("file://{}", out.join(page).display()));
        let r = b.eval_ok(PRINTED);
        let checked = r["checked"].as_u64().unwrap_or(0);
        assert!(
            checked >= 10,
            "{page}: only {checked} painted attributes checked"
        );
        for p in r["problems"].as_array().into_iter().flatten() {
            failures.push(format!(
                "{page} printed: {}",
                p.as_str().unwrap_or_default()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every `fill` and `stroke` attribute of the open page's charts that the computed style does
/// not follow.
const PRINTED: &str = r#"(() => {
  const problems = [];
  let checked = 0;
  const probe = document.createElement('div');
  document.body.append(probe);
  const rgb = c => { probe.style.color = ''; probe.style.color = c; return getComputedStyle(probe).color; };
  for (const e of document.querySelectorAll('figure.chart svg *, svg.hedge-matrix *')) {
    for (const a of ['fill', 'stroke']) {
      const v = e.getAttribute(a);
      if (!v || v === 'none') continue;
      checked++;
      const got = getComputedStyle(e)[a];
      if (got !== rgb(v)) problems.push(`<${e.tagName} class=${e.getAttribute('class')}> ${a} is ${got}, not its attribute's ${v}`);
    }
  }
  probe.remove();
  return { problems, checked };
})()"#;

/// A chart's title, source and axis titles are the brief's text, typeset as the page around
/// them: curly apostrophes, and on a French page the narrow no-break space before `:` (a plain
/// space there lets the line break before the colon).
#[test]
fn chart_words_are_typeset_in_the_pages_language() {
    let site = TinySite::new(
        "title = \"Charts\"\nbase_url = \"https://x.org/\"\nlanguage = \"en\"\n[languages.fr]\ntitle = \"Graphiques\"\n",
        "Charts",
    );
    site.write(
        "content/data/tests.csv",
        "kind,count\nNuclear,3\nMissile,70\n",
    );
    // A translation inherits its original's date.
    let chart = |title: &str, source: &str, x_label: &str| {
        let date = if title.starts_with("Kim") {
            "date = 2024-01-02\n"
        } else {
            ""
        };
        format!(
            "+++\ntitle = \"T\"\n{date}+++\nText.\n\n{{{{ chart(data=\"tests\", kind=\"bar\", x=\"kind\", y=\"count\", x_label=\"{x_label}\", y_label=\"Tests\", title=\"{title}\", source=\"{source}\") }}}}\n"
        )
    };
    site.write(
        "content/sec/bar.md",
        chart("Kim's tests", "An article's count", "Kim's kinds"),
    );
    site.write(
        "content/sec/bar.fr.md",
        chart(
            "Depuis l'arrivée de Kim",
            "Un minimum : l'article en indique plus",
            "Type d'essai",
        ),
    );
    run(&site.build_args(&[])).expect_success();
    let out = site.out();
    for (page, caption, axis) in [
        (
            "sec/bar/index.html",
            "Kim\u{2019}s tests Source: An article\u{2019}s count",
            "Kim\u{2019}s kinds",
        ),
        (
            "fr/sec/bar/index.html",
            "Depuis l\u{2019}arrivée de Kim Source\u{202f}: Un minimum\u{202f}: l\u{2019}article en indique plus",
            "Type d\u{2019}essai",
        ),
    ] {
        let html = read_html(&out.join(page));
        let figure = html
            .select(&sel("figure.chart"))
            .next()
            .unwrap_or_else(|| panic!("{page}: no chart"));
        let shown = figure
            .select(&sel("figcaption"))
            .map(|c| c.text().collect::<String>().trim().to_string())
            .collect::<Vec<_>>();
        assert_eq!(shown, [caption], "{page}: the chart's caption");
        let texts = figure
            .select(&sel("svg text"))
            .map(|t| t.text().collect::<String>())
            .collect::<Vec<_>>();
        assert!(
            texts.iter().any(|t| t == axis),
            "{page}: no axis title {axis:?} among the chart's texts {texts:?}"
        );
    }
}
