//! Feature tests on the structure of generated pages: the hedge matrix, key judgments and their
//! legend, charts, callouts, citations, related briefs, the full briefing and its print styles,
//! taxonomy slugs, data files in templates and the chronology's order.
//!
//! Expectations are derived from the sources (front matter, Markdown, CSV) and compared with the
//! HTML as parsed by `scraper`. The example site is built once and shared by the tests.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;
use scraper::{ElementRef, Html};
use tempfile::TempDir;

// ------------------------------------------------------------------------------------ helpers

const EXAMPLE_PREFIX: &str = "structure-example-";

/// The example site, built once into a folder under cargo's target/tmp. Statics are never
/// dropped, so the folder outlives the run; each run removes those older than an hour.
fn example_out() -> &'static Path {
    static EXAMPLE: OnceLock<(TempDir, PathBuf)> = OnceLock::new();
    &EXAMPLE
        .get_or_init(|| {
            prune_stale_builds(Path::new(env!("CARGO_TARGET_TMPDIR")));
            let tmp = tempfile::Builder::new()
                .prefix(EXAMPLE_PREFIX)
                .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
                .expect("cannot create a temp dir");
            let out = tmp.path().join("out");
            run(&["build", "--root", arg(&repo_root()), "--output", arg(&out)])
                .expect_success()
                .expect_no_panic();
            (tmp, out)
        })
        .1
}

/// Removes example builds left by earlier runs (an hour old: never one still in use).
fn prune_stale_builds(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let ours = e
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(EXAMPLE_PREFIX));
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > std::time::Duration::from_secs(3600));
        if ours && old {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

/// The parsed page that serves the URL path `url` of the example site.
fn example_page(url: &str) -> Html {
    read_html(&file_for(example_out(), url))
}

fn doc<'a>(docs: &'a [Doc], rel: &str) -> &'a Doc {
    docs.iter()
        .find(|d| d.rel == rel)
        .unwrap_or_else(|| panic!("no content/{rel}"))
}

/// The example's base URL without its trailing slash.
fn base_url() -> String {
    let cfg: toml::Table = fs::read_to_string(repo_root().join("briefing.toml"))
        .unwrap()
        .parse()
        .unwrap();
    cfg["base_url"]
        .as_str()
        .unwrap()
        .trim_end_matches('/')
        .to_string()
}

/// The site path an internal link points at (`https://site/x/` and `/x/` are `/x/`).
fn local_path(href: &str, base: &str) -> String {
    let path = if base.is_empty() {
        href
    } else {
        href.strip_prefix(base).unwrap_or(href)
    };
    if path.is_empty() {
        "/".to_string()
    } else {
        path.to_string()
    }
}

/// Markdown without fenced code blocks, where shortcodes are left alone.
fn without_code_blocks(md: &str) -> String {
    let mut out = String::new();
    let mut fence: Option<&str> = None;
    for line in md.lines() {
        let t = line.trim_start();
        match fence {
            Some(f) if t.starts_with(f) => fence = None,
            Some(_) => {}
            None if t.starts_with("```") => fence = Some("```"),
            None if t.starts_with("~~~") => fence = Some("~~~"),
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// The arguments of `key="value", n=3` as text.
fn shortcode_args(s: &str) -> BTreeMap<String, String> {
    let mut args = BTreeMap::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        if rest.is_empty() {
            return args;
        }
        let (key, after) = rest
            .split_once('=')
            .unwrap_or_else(|| panic!("bad shortcode arguments {s:?}"));
        let after = after.trim_start();
        let quote = after.chars().next().unwrap_or(' ');
        let (value, tail) = if matches!(quote, '"' | '\'' | '`') {
            let mut value = String::new();
            let mut chars = after[1..].char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                if c == '\\' {
                    if let Some((_, n)) = chars.next() {
                        value.push(n);
                    }
                } else if c == quote {
                    end = Some(1 + i + c.len_utf8());
                    break;
                } else {
                    value.push(c);
                }
            }
            let end = end.unwrap_or_else(|| panic!("unclosed string in {s:?}"));
            (value, &after[end..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        args.insert(key.trim().to_string(), value);
        rest = tail;
    }
}

/// The calls of shortcode `name` in Markdown `md` (inline `{{ name(...) }}` and block
/// `{% name(...) %}`), in order, each as its arguments.
fn shortcodes(md: &str, name: &str) -> Vec<BTreeMap<String, String>> {
    let md = without_code_blocks(md);
    let mut calls = Vec::new();
    let mut rest = md.as_str();
    while let Some(start) = rest.find(['{']) {
        let open = &rest[start..];
        let close = if open.starts_with("{{") {
            "}}"
        } else if open.starts_with("{%") {
            "%}"
        } else {
            rest = &rest[start + 1..];
            continue;
        };
        let Some(end) = open.find(close) else { break };
        let inner = open[2..end].trim();
        if let Some(call) = inner.strip_prefix(name)
            && let Some(call) = call.trim_start().strip_prefix('(')
            && let Some(call) = call.strip_suffix(')')
        {
            calls.push(shortcode_args(call));
        }
        rest = &open[end + 2..];
    }
    calls
}

/// The rows of `content/data/NAME.csv`, each by column name.
fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// The text a sighted reader sees: `text_of` without `.visually-hidden` or `hidden` parts.
fn visible_text(e: ElementRef) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for node in e.descendants() {
        let Some(text) = node.value().as_text() else {
            continue;
        };
        let hidden = node
            .ancestors()
            .take_while(|a| a.id() != e.id())
            .chain(std::iter::once(*e))
            .filter_map(|a| a.value().as_element())
            .any(|el| el.classes().any(|c| c == "visually-hidden") || el.attr("hidden").is_some());
        if !hidden {
            parts.push(text);
        }
    }
    parts
        .concat()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The elements of `html` whose id is `id`.
fn by_id<'a>(html: &'a Html, id: &str) -> Vec<ElementRef<'a>> {
    html.select(&sel("[id]"))
        .filter(|e| e.value().id() == Some(id))
        .collect()
}

fn select<'a>(root: ElementRef<'a>, selector: &str) -> Vec<ElementRef<'a>> {
    root.select(&sel(selector)).collect()
}

fn select_doc<'a>(html: &'a Html, selector: &str) -> Vec<ElementRef<'a>> {
    html.select(&sel(selector)).collect()
}

fn one<'a>(html: &'a Html, selector: &str, what: &str) -> ElementRef<'a> {
    let found = select_doc(html, selector);
    assert_eq!(
        found.len(),
        1,
        "{what}: expected exactly one `{selector}`, found {}",
        found.len()
    );
    found[0]
}

fn rank(level: &str) -> u8 {
    match level {
        "low" => 1,
        "medium" => 2,
        "high" => 3,
        other => panic!("unknown hedge level {other:?}"),
    }
}

// ------------------------------------------------------------------------------- hedge matrix

struct HedgeRow {
    partner: String,
    kind: String,
    url: String,
    /// economic, security, credibility: (level, rationale)
    dims: [(String, String); 3],
}

fn expected_hedge_rows(docs: &[Doc]) -> Vec<HedgeRow> {
    let mut rows: Vec<HedgeRow> = briefs(docs)
        .into_iter()
        .filter(|d| d.rel.starts_with("hedges/"))
        .filter_map(|d| {
            let h = d
                .front
                .get("hedge")?
                .as_table()
                .expect("[hedge] is a table");
            let text = |k: &str| h[k].as_str().unwrap().to_string();
            let dim = |k: &str| {
                let t = h[k].as_table().unwrap();
                (
                    t["level"].as_str().unwrap().to_string(),
                    shown(t["rationale"].as_str().unwrap()),
                )
            };
            Some(HedgeRow {
                partner: text("partner"),
                kind: text("kind"),
                url: d.url.clone(),
                dims: [dim("economic"), dim("security"), dim("credibility")],
            })
        })
        .collect();
    // As src/render/mod.rs `hedge_matrix`: credibility high first, then economic + security
    // value, then partner name.
    rows.sort_by(|a, b| {
        rank(&b.dims[2].0)
            .cmp(&rank(&a.dims[2].0))
            .then_with(|| {
                (rank(&b.dims[0].0) + rank(&b.dims[1].0))
                    .cmp(&(rank(&a.dims[0].0) + rank(&a.dims[1].0)))
            })
            .then_with(|| a.partner.cmp(&b.partner))
    });
    rows
}

#[test]
fn hedge_matrix_table_lists_every_partner_by_credibility() {
    let docs = content_docs();
    let expected = expected_hedge_rows(&docs);
    assert!(
        expected.len() >= 2,
        "the example should have several hedges"
    );
    let base = base_url();
    let html = example_page("/hedges/");
    let table = one(&html, "section.hedge-matrix table", "/hedges/");
    let rows = select(table, "tbody > tr");
    let partners: Vec<String> = rows.iter().map(|r| text_of(select(*r, "th")[0])).collect();
    let want: Vec<&str> = expected.iter().map(|r| r.partner.as_str()).collect();
    assert_eq!(partners, want, "hedge matrix rows, in credibility order");

    for (row, exp) in rows.iter().zip(&expected) {
        let p = &exp.partner;
        let links = select(*row, "th a[href]");
        assert_eq!(links.len(), 1, "{p}: the partner should link to its brief");
        assert_eq!(
            local_path(links[0].attr("href").unwrap(), &base),
            exp.url,
            "{p}: partner link"
        );
        let cells = select(*row, "td");
        assert_eq!(cells.len(), 4, "{p}: kind and three dimensions");
        assert_eq!(
            visible_text(cells[0]).to_lowercase(),
            exp.kind,
            "{p}: hedge kind"
        );
        for (i, (dim, (level, rationale))) in ["economic", "security", "credibility"]
            .iter()
            .zip(&exp.dims)
            .enumerate()
        {
            let cell = cells[i + 1];
            let lv = select(cell, ".level");
            assert_eq!(lv.len(), 1, "{p} {dim}: one level badge");
            assert_eq!(
                text_of(lv[0]).to_lowercase(),
                *level,
                "{p} {dim}: level text"
            );
            assert!(
                lv[0]
                    .value()
                    .classes()
                    .any(|c| c == format!("level--{level}")),
                "{p} {dim}: the badge should carry class level--{level}"
            );
            let why = select(cell, ".level__rationale");
            assert_eq!(why.len(), 1, "{p} {dim}: one rationale");
            let want_why = rationale.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(text_of(why[0]), want_why, "{p} {dim}: rationale");
        }
    }
}

/// Each partner's row of the matrix is also on that partner's own brief (one box, its three
/// levels and reasons in the matrix's order, a link back to the matrix) and, once per brief, in
/// /briefing/.
#[test]
fn each_partner_shows_its_row_on_its_brief_and_in_the_briefing() {
    let docs = content_docs();
    let expected = expected_hedge_rows(&docs);
    assert!(expected.len() >= 2);
    let check = |scope: ElementRef, exp: &HedgeRow, place: &str| {
        let p = &exp.partner;
        let title = visible_text(select(scope, ".box__title")[0]);
        assert!(
            title.ends_with(p.as_str()),
            "{place}: the box is titled {title:?}, not for {p}"
        );
        let levels: Vec<String> = select(scope, ".level")
            .into_iter()
            .map(|l| text_of(l).to_lowercase())
            .collect();
        let want: Vec<String> = exp.dims.iter().map(|d| d.0.clone()).collect();
        assert_eq!(levels, want, "{place}: {p}'s levels");
        let why: Vec<String> = select(scope, ".level__rationale")
            .into_iter()
            .map(text_of)
            .collect();
        let want_why: Vec<String> = exp
            .dims
            .iter()
            .map(|d| d.1.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        assert_eq!(why, want_why, "{place}: {p}'s reasons");
        assert_eq!(
            visible_text(select(scope, ".hedge-kind")[0]),
            exp.kind,
            "{place}: {p}'s kind of hedge"
        );
    };
    let base = base_url();
    for exp in &expected {
        let html = example_page(&exp.url);
        let boxes = select_doc(&html, ".brief .hedge-assessment");
        assert_eq!(boxes.len(), 1, "{}: one hedge assessment", exp.url);
        check(boxes[0], exp, &exp.url);
        let back = select(boxes[0], "a[href]");
        assert_eq!(back.len(), 1, "{}: a link to the matrix", exp.url);
        assert_eq!(
            local_path(back[0].attr("href").unwrap(), &base),
            "/hedges/#hedge-matrix",
            "{}: the link to the matrix",
            exp.url
        );
    }
    let briefing = example_page("/briefing/");
    let boxes = select_doc(&briefing, "article.brief--in-briefing .hedge-assessment");
    assert_eq!(
        boxes.len(),
        expected.len(),
        "/briefing/: one box per partner's brief"
    );
    for exp in &expected {
        let article = select_doc(&briefing, "article.brief--in-briefing")
            .into_iter()
            .find(|a| {
                select(*a, ".brief-title a")
                    .first()
                    .is_some_and(|l| local_path(l.attr("href").unwrap_or(""), &base) == exp.url)
            })
            .unwrap_or_else(|| panic!("/briefing/ has no article for {}", exp.url));
        let inside = select(article, ".hedge-assessment");
        assert_eq!(inside.len(), 1, "/briefing/ {}: one box", exp.url);
        check(inside[0], exp, "/briefing/");
    }
}

#[test]
fn hedge_matrix_svg_is_accessible_with_one_dot_per_partner_and_dimension() {
    let docs = content_docs();
    let expected = expected_hedge_rows(&docs);
    let html = example_page("/hedges/");
    let svg = one(&html, "section.hedge-matrix svg", "/hedges/ dot matrix");
    assert_eq!(svg.attr("role"), Some("img"), "the matrix SVG is an image");

    let titles = select(svg, ":scope > title");
    assert_eq!(titles.len(), 1, "the SVG has one <title>");
    assert!(!text_of(titles[0]).is_empty(), "the SVG <title> is empty");
    let descs = select(svg, ":scope > desc");
    assert_eq!(descs.len(), 1, "the SVG has one <desc>");
    let desc = text_of(descs[0]);
    for r in &expected {
        assert!(
            desc.contains(&r.partner),
            "the SVG <desc> should name {}: {desc:?}",
            r.partner
        );
    }
    // aria references, when used, point at the title and the description.
    for (attr, target) in [
        ("aria-labelledby", titles[0]),
        ("aria-describedby", descs[0]),
    ] {
        if let Some(id) = svg.attr(attr) {
            assert_eq!(
                target.value().id(),
                Some(id),
                "{attr} should point at the SVG's own element"
            );
            assert_eq!(by_id(&html, id).len(), 1, "{attr}: id {id} is not unique");
        }
    }

    let circles = select(svg, "circle");
    assert_eq!(
        circles.len(),
        3 * expected.len(),
        "one dot per partner per dimension"
    );
    let labels: Vec<String> = select(svg, "text.matrix-partner")
        .into_iter()
        .map(text_of)
        .collect();
    let want: Vec<&str> = expected.iter().map(|r| r.partner.as_str()).collect();
    assert_eq!(labels, want, "partner labels of the dot matrix");
    for (row, exp) in circles.chunks(3).zip(&expected) {
        let levels: Vec<String> = row
            .iter()
            .map(|c| {
                c.value()
                    .classes()
                    .find_map(|k| k.strip_prefix("matrix-dot--"))
                    .unwrap_or("?")
                    .to_string()
            })
            .collect();
        let want: Vec<&str> = exp.dims.iter().map(|d| d.0.as_str()).collect();
        assert_eq!(levels, want, "{}: dots by dimension", exp.partner);
    }
}

// ----------------------------------------------------------------------------- key judgments

#[test]
fn confidence_words_link_to_the_estimative_legend() {
    let docs = content_docs();
    let china = doc(&docs, "hedges/china.md");
    let words: Vec<String> = china.front["key_judgments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|kj| kj["confidence"].as_str().unwrap().to_string())
        .collect();
    assert!(!words.is_empty());

    let html = example_page(&china.url);
    let links = select_doc(&html, "a.confidence");
    let shown: Vec<String> = links.iter().map(|a| visible_text(*a)).collect();
    assert_eq!(
        shown, words,
        "one confidence link per key judgment, in order"
    );
    for (a, word) in links.iter().zip(&words) {
        let href = a.attr("href").unwrap_or("");
        let id = href
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{word}: link {href:?} is not an in-page anchor"));
        let targets = by_id(&html, id);
        assert_eq!(targets.len(), 1, "{word}: #{id} should exist exactly once");
        let legend = targets[0];
        let legend_words: Vec<String> = select(legend, "table tr")
            .into_iter()
            .filter_map(|tr| select(tr, "th, td").first().map(|c| visible_text(*c)))
            .collect();
        assert!(
            legend_words.iter().any(|w| w == word),
            "{word}: #{id} is not a legend of the estimative words (rows: {legend_words:?})"
        );
        assert!(
            select(legend, "a.confidence").is_empty(),
            "#{id} should be the legend, not the judgments"
        );
    }
}

// ------------------------------------------------------------------------------------ charts

#[test]
fn chart_renders_every_csv_row_as_an_accessible_bar() {
    let docs = content_docs();
    let brief = doc(&docs, "alliance-posture/north-korea-threat.md");
    let calls = shortcodes(&brief.body, "chart");
    assert_eq!(calls.len(), 1, "the brief has one chart");
    let spec = &calls[0];
    assert_eq!(spec["kind"], "bar");
    let rows = csv_rows(
        &repo_root()
            .join("content/data")
            .join(format!("{}.csv", spec["data"])),
    );
    assert!(!rows.is_empty());
    let (x, y) = (&spec["x"], &spec["y"]);

    let html = example_page(&brief.url);
    let figure = one(&html, ".brief__content figure.chart", "chart figure");
    let svgs = select(figure, "svg");
    assert_eq!(svgs.len(), 1, "the chart is one inline SVG");
    let svg = svgs[0];
    assert_eq!(svg.attr("role"), Some("img"));
    let title = select(svg, ":scope > title");
    assert_eq!(title.len(), 1, "the chart SVG has a <title>");
    assert_eq!(text_of(title[0]), spec["title"], "chart <title>");
    let desc = select(svg, ":scope > desc");
    assert_eq!(desc.len(), 1, "the chart SVG has a <desc>");
    assert!(!text_of(desc[0]).is_empty(), "the chart <desc> is empty");

    let bars = select(svg, "rect.chart-bar");
    assert_eq!(bars.len(), rows.len(), "one bar per CSV row");
    for (bar, row) in bars.iter().zip(&rows) {
        let tip = select(*bar, "title");
        assert_eq!(tip.len(), 1, "each bar has a tooltip title");
        assert_eq!(
            text_of(tip[0]),
            format!("{}: {}", row[x], row[y]),
            "bar tooltip"
        );
        let h: f64 = bar.attr("height").unwrap().parse().unwrap();
        assert!(h > 0.0, "bar {} has no height", row[x]);
    }
    // Bars grow with their values.
    let mut by_value: Vec<(f64, f64)> = bars
        .iter()
        .zip(&rows)
        .map(|(b, r)| {
            (
                r[y].parse().unwrap(),
                b.attr("height").unwrap().parse().unwrap(),
            )
        })
        .collect();
    by_value.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(
        by_value.windows(2).all(|w| w[0].1 <= w[1].1),
        "bar heights should follow the values: {by_value:?}"
    );

    // Axis labels: one category label per row, the x column named, values on the y axis.
    let categories: Vec<String> = select(svg, "text.chart-label")
        .into_iter()
        .map(text_of)
        .collect();
    let want: Vec<&str> = rows.iter().map(|r| r[x].as_str()).collect();
    assert_eq!(categories, want, "category labels on the x axis");
    let axis: Vec<String> = select(svg, "text.chart-axis-label")
        .into_iter()
        .map(text_of)
        .collect();
    // Axis titles: `x_label`/`y_label` when the shortcode gives them, else the column names.
    let x_title = spec.get("x_label").unwrap_or(x);
    let y_title = spec.get("y_label").unwrap_or(y);
    assert!(
        axis.iter().any(|a| a == x_title),
        "the x axis should be labelled {x_title:?}: {axis:?}"
    );
    assert!(
        axis.iter().any(|a| a == y_title),
        "the y axis should be labelled {y_title:?}: {axis:?}"
    );
    let ticks: Vec<f64> = select(svg, "text.chart-tick")
        .into_iter()
        .map(|t| text_of(t).parse().expect("numeric tick label"))
        .collect();
    let max = rows
        .iter()
        .map(|r| r[y].parse::<f64>().unwrap())
        .fold(0.0, f64::max);
    assert!(ticks.len() >= 2, "the y axis needs value labels: {ticks:?}");
    assert!(
        ticks.contains(&0.0) && ticks.iter().any(|t| *t >= max),
        "y ticks should span 0..{max}: {ticks:?}"
    );

    let sources = select(figure, "figcaption .chart-source");
    assert_eq!(sources.len(), 1, "the chart has a source line");
    assert_eq!(
        text_of(sources[0]),
        format!("Source: {}", spec["source"]),
        "chart source line"
    );
}

// ---------------------------------------------------------------------------------- callouts

#[test]
fn implication_callouts_are_rendered() {
    let docs = content_docs();
    let brief = doc(&docs, "canada/implications.md");
    let calls: Vec<_> = shortcodes(&brief.body, "callout")
        .into_iter()
        .filter(|c| c.get("kind").map(String::as_str) == Some("implication"))
        .collect();
    assert!(
        !calls.is_empty(),
        "the brief should have implication callouts"
    );

    let html = example_page(&brief.url);
    let all = select_doc(&html, ".brief__content .callout");
    let rendered = select_doc(&html, ".brief__content .callout.callout--implication");
    assert_eq!(
        rendered.len(),
        calls.len(),
        "implication callouts in the page vs {{% callout(kind=\"implication\") %}} in the source"
    );
    assert_eq!(all.len(), rendered.len(), "no other kind of callout");
    for (c, call) in rendered.iter().zip(&calls) {
        let title = select(*c, ".callout__title");
        assert_eq!(title.len(), 1, "each callout has a title");
        let want = call.get("title").map_or("Implication", String::as_str);
        assert_eq!(text_of(title[0]), want, "callout title");
        let body = select(*c, ".callout__body");
        assert!(
            body.len() == 1 && !text_of(body[0]).is_empty(),
            "callout {want:?} has no body"
        );
    }
}

// --------------------------------------------------------------------------------- citations

#[test]
fn citations_are_numbered_links_to_the_references() {
    let docs = content_docs();
    let mut checked = 0;
    for brief in briefs(&docs) {
        let b = &brief.rel;
        let titles: BTreeMap<String, String> = brief
            .front
            .get("sources")
            .and_then(toml::Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|s| {
                        (
                            s["id"].as_str().unwrap().to_string(),
                            s["title"].as_str().unwrap().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let cites: Vec<String> = shortcodes(&brief.body, "cite")
            .into_iter()
            .map(|c| c["id"].clone())
            .collect();
        let mut order: Vec<&str> = Vec::new();
        for id in &cites {
            if !order.contains(&id.as_str()) {
                order.push(id);
            }
        }
        let number = |id: &str| order.iter().position(|o| *o == id).unwrap() + 1;

        let html = example_page(&brief.url);
        let links = select_doc(&html, ".brief__content sup.cite a");
        assert_eq!(
            links.len(),
            cites.len(),
            "{b}: a reference link per {{{{ cite() }}}}"
        );
        let lists = select_doc(&html, "ol.reference-list");
        if cites.is_empty() {
            assert!(lists.is_empty(), "{b}: references without citations");
            continue;
        }
        assert_eq!(lists.len(), 1, "{b}: one references list");
        let items = select(lists[0], ":scope > li");

        for (a, id) in links.iter().zip(&cites) {
            let n = number(id);
            assert_eq!(
                visible_text(*a),
                format!("[{n}]"),
                "{b}: citation of {id} shows its number"
            );
            let href = a.attr("href").unwrap_or("");
            let frag = href
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("{b}: citation link {href:?} is not an anchor"));
            let targets = by_id(&html, frag);
            assert_eq!(targets.len(), 1, "{b}: #{frag} should exist exactly once");
            let pos = items
                .iter()
                .position(|li| li.id() == targets[0].id())
                .unwrap_or_else(|| panic!("{b}: #{frag} is not an item of the references"));
            assert_eq!(pos + 1, n, "{b}: [{n}] points at reference {}", pos + 1);
        }

        let listed: Vec<String> = items
            .iter()
            .map(|li| text_of(select(*li, "cite")[0]))
            .collect();
        let want: Vec<&str> = order.iter().map(|id| titles[*id].as_str()).collect();
        assert_eq!(listed, want, "{b}: references, in order of first citation");
        for (i, li) in items.iter().enumerate() {
            if let Some(v) = li.attr("value") {
                assert_eq!(v, (i + 1).to_string(), "{b}: reference number");
            }
        }
        checked += 1;
    }
    assert!(checked >= 5, "too few briefs with citations: {checked}");
}

// ---------------------------------------------------------------------------- related briefs

/// The scoring of docs/content.md ("Related briefs"): a shared term filed on `df` of the `n`
/// briefs is worth ln(1 + n/df), counted in millionths like briefing does. The example site is
/// far smaller than the window of candidates, so every brief sharing a term is a candidate.
#[test]
fn related_briefs_share_the_most_and_rarest_terms() {
    let docs = content_docs();
    let all = briefs(&docs);
    let base = base_url();
    let terms = |d: &Doc| -> BTreeSet<(&'static str, String)> {
        let mut t = BTreeSet::new();
        for tax in ["actors", "topics"] {
            for name in d.list(tax) {
                t.insert((tax, name.to_lowercase()));
            }
        }
        t
    };
    let mut filed: BTreeMap<(&'static str, String), usize> = BTreeMap::new();
    for d in &all {
        for t in terms(d) {
            *filed.entry(t).or_default() += 1;
        }
    }
    let n = all.len() as f64;
    let weight =
        |t: &(&'static str, String)| ((1.0 + n / filed[t] as f64).ln() * 1e6).round() as u64;
    let mut listed_somewhere = 0;
    for brief in &all {
        let b = &brief.rel;
        let mine = terms(brief);
        let score = |other: &Doc| -> u64 { terms(other).intersection(&mine).map(weight).sum() };
        let html = example_page(&brief.url);
        let listed: Vec<&Doc> = select_doc(&html, "section.related li > a[href]")
            .into_iter()
            .map(|a| {
                let path = local_path(a.attr("href").unwrap(), &base);
                *all.iter()
                    .find(|d| d.url == path)
                    .unwrap_or_else(|| panic!("{b}: related link {path} is not a brief"))
            })
            .collect();
        listed_somewhere += listed.len();
        assert!(listed.len() <= 3, "{b}: {} related briefs", listed.len());
        let urls: BTreeSet<&str> = listed.iter().map(|d| d.url.as_str()).collect();
        assert_eq!(urls.len(), listed.len(), "{b}: a related brief is repeated");
        assert!(!urls.contains(brief.url.as_str()), "{b}: related to itself");
        for r in &listed {
            assert!(score(r) > 0, "{b}: {} shares no actor or topic", r.rel);
        }
        let scores: Vec<u64> = listed.iter().map(|r| score(r)).collect();
        assert!(
            scores.windows(2).all(|w| w[0] >= w[1]),
            "{b}: related briefs not best first: {scores:?}"
        );
        let least = scores.iter().copied().min().unwrap_or(0);
        for other in &all {
            if other.rel == brief.rel || urls.contains(other.url.as_str()) {
                continue;
            }
            let s = score(other);
            assert!(
                s <= least,
                "{b}: {} scores {s} but is left out for one scoring {least}",
                other.rel
            );
            assert!(
                listed.len() == 3 || s == 0,
                "{b}: only {} related listed, but {} shares terms",
                listed.len(),
                other.rel
            );
        }
    }
    assert!(listed_somewhere > 0, "no brief lists related briefs");
}

// ------------------------------------------------------------------------- the full briefing

/// Briefs in reading order: top-level sections by weight then title, briefs by the section's
/// `sort_by`.
fn reading_order(docs: &[Doc]) -> Vec<&Doc> {
    let mut sections: Vec<&Doc> = docs
        .iter()
        .filter(|d| d.is_section && d.url != "/")
        .collect();
    for s in &sections {
        assert!(
            !s.dir().contains('/'),
            "{}: nested sections; teach reading_order about them",
            s.rel
        );
    }
    assert!(
        docs.iter().all(|d| d.is_section || d.rel.contains('/')),
        "briefs at the content root; teach reading_order about them"
    );
    sections.sort_by(|a, b| {
        a.weight()
            .cmp(&b.weight())
            .then_with(|| a.title().cmp(b.title()))
    });
    let mut out = Vec::new();
    for s in sections {
        let prefix = format!("{}/", s.dir());
        let mut list: Vec<&Doc> = briefs(docs)
            .into_iter()
            .filter(|d| d.rel.starts_with(&prefix))
            .collect();
        let sort_by = s.str("sort_by").unwrap_or("date");
        let key = |d: &Doc| -> String {
            match sort_by {
                "weight" => format!("{:020}", d.weight() + (1 << 40)),
                "title" => d.title().to_string(),
                "date" => d.front["date"].to_string(),
                other => panic!("{}: unknown sort_by {other}", s.rel),
            }
        };
        list.sort_by_key(|d| key(d));
        if sort_by == "date" {
            list.reverse();
        }
        let keys: BTreeSet<String> = list.iter().map(|d| key(d)).collect();
        assert_eq!(
            keys.len(),
            list.len(),
            "{}: briefs tie on {sort_by}; the expected order is ambiguous",
            s.rel
        );
        out.extend(list);
    }
    out
}

#[test]
fn full_briefing_has_every_brief_in_reading_order_with_a_table_of_contents() {
    let docs = content_docs();
    let expected = reading_order(&docs);
    assert_eq!(
        expected.len(),
        briefs(&docs).len(),
        "every brief sits in a section"
    );
    let want: Vec<String> = expected.iter().map(|d| shown(d.title())).collect();
    let base = base_url();
    let html = example_page("/briefing/");

    let articles = select_doc(&html, "main article");
    let titles: Vec<String> = articles
        .iter()
        .map(|a| {
            let h = select(*a, "h2");
            assert!(!h.is_empty(), "a brief on /briefing/ has no h2");
            text_of(h[0])
        })
        .collect();
    assert_eq!(titles, want, "briefs on /briefing/, in reading order");
    for (a, d) in articles.iter().zip(&expected) {
        let link = select(select(*a, "h2")[0], "a[href]");
        assert_eq!(link.len(), 1, "{}: title links to the brief", d.rel);
        assert_eq!(local_path(link[0].attr("href").unwrap(), &base), d.url);
        assert!(
            !select(*a, ".brief__content").is_empty()
                && !text_of(select(*a, ".brief__content")[0]).is_empty(),
            "{}: the brief's text is missing from /briefing/",
            d.rel
        );
    }

    let toc = one(&html, "nav.toc--briefing", "/briefing/ contents");
    let entries = select(toc, ":scope > ol > li > a");
    let names: Vec<String> = entries.iter().map(|a| text_of(*a)).collect();
    assert_eq!(names, want, "table of contents of /briefing/");
    for (a, article) in entries.iter().zip(&articles) {
        let href = a.attr("href").unwrap_or("");
        let id = href
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("contents link {href:?} is not an anchor"));
        let targets = by_id(&html, id);
        assert_eq!(targets.len(), 1, "#{id} should exist exactly once");
        assert_eq!(
            targets[0].id(),
            article.id(),
            "contents entry {id} should point at its brief's article"
        );
    }
}

// ------------------------------------------------------------------------------ print styles

/// CSS without comments.
fn strip_css_comments(css: &str) -> String {
    let mut out = String::new();
    let mut rest = css;
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        rest = rest[i + 2..]
            .split_once("*/")
            .map_or("", |(_, after)| after);
    }
    out.push_str(rest);
    out
}

/// Top-level blocks of `css`: (prelude, body) for every `prelude { body }`.
fn css_blocks(css: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut quote: Option<char> = None;
    let (mut prelude_start, mut body_start) = (0, 0);
    for (i, c) in css.char_indices() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '{' => {
                if depth == 0 {
                    body_start = i + 1;
                }
                depth += 1;
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    out.push((
                        css[prelude_start..body_start - 1].trim().to_string(),
                        css[body_start..i].to_string(),
                    ));
                    prelude_start = i + 1;
                }
            }
            ';' if depth == 0 => prelude_start = i + 1,
            _ => {}
        }
    }
    out
}

/// The declarations of a rule body, as (property, value).
fn declarations(body: &str) -> Vec<(String, String)> {
    body.split(';')
        .filter_map(|d| d.split_once(':'))
        .map(|(p, v)| (p.trim().to_lowercase(), v.trim().to_string()))
        .collect()
}

#[test]
fn print_styles_break_pages_between_briefs_and_print_link_urls() {
    let base = base_url();
    let html = example_page("/briefing/");
    let sheets = select_doc(&html, "link[rel~=stylesheet][href]");
    assert!(!sheets.is_empty(), "/briefing/ links no stylesheet");
    let mut print_rules: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for link in &sheets {
        let path = local_path(link.attr("href").unwrap(), &base);
        let css = fs::read_to_string(file_for(example_out(), &path))
            .unwrap_or_else(|e| panic!("cannot read stylesheet {path}: {e}"));
        for (prelude, body) in css_blocks(&strip_css_comments(&css)) {
            let p = prelude.to_lowercase();
            let media = p.strip_prefix("@media").map(str::trim);
            if media.is_some_and(|m| m.split([',', ' ']).any(|w| w == "print")) {
                for (sel, decls) in css_blocks(&body) {
                    print_rules.push((sel, declarations(&decls)));
                }
            }
        }
    }
    assert!(!print_rules.is_empty(), "no @media print block");

    // Every brief article on /briefing/ starts a new page.
    let page_breaks: Vec<&str> = print_rules
        .iter()
        .filter(|(_, decls)| {
            decls.iter().any(|(p, v)| {
                (p == "break-before" && v.starts_with("page"))
                    || (p == "page-break-before" && v.starts_with("always"))
            })
        })
        .flat_map(|(s, _)| s.split(','))
        .map(str::trim)
        .collect();
    let articles = select_doc(&html, "main article");
    assert!(!articles.is_empty());
    for a in &articles {
        assert!(
            page_breaks
                .iter()
                .any(|s| { scraper::Selector::parse(s).is_ok_and(|parsed| parsed.matches(a)) }),
            "no print rule breaks the page before article #{} (page-break selectors: {page_breaks:?})",
            a.value().id().unwrap_or("?")
        );
    }

    // Links print their URL: an `a[href...]::after` rule whose content includes attr(href).
    let external = Html::parse_fragment(r#"<a href="https://example.org/report">Report</a>"#);
    let external_link = external.select(&sel("a")).next().unwrap();
    let prints_urls = print_rules.iter().any(|(sels, decls)| {
        decls
            .iter()
            .any(|(p, v)| p == "content" && v.contains("attr(href)"))
            && sels.split(',').any(|s| {
                let s = s.trim();
                let base = s
                    .strip_suffix("::after")
                    .or_else(|| s.strip_suffix(":after"));
                base.is_some_and(|b| {
                    b.contains("a[href")
                        && scraper::Selector::parse(b).is_ok_and(|p| p.matches(&external_link))
                })
            })
    });
    assert!(
        prints_urls,
        "no print rule like a[href^=\"http\"]::after {{ content: attr(href) }}"
    );
}

// ---------------------------------------------------------------------------- taxonomy slugs

fn write_brief(site: &Path, rel: &str, title: &str, date: &str, actors: &[&str]) {
    let actors: Vec<String> = actors.iter().map(|a| format!("{a:?}")).collect();
    write(
        site,
        rel,
        format!(
            "+++\ntitle = \"{title}\"\ndate = {date}\nactors = [{}]\n+++\n{title} text.\n",
            actors.join(", ")
        ),
    );
}

#[test]
fn unicode_actor_names_get_working_term_pages_and_look_alikes_merge() {
    let (_tmp, site) = fixture_site("minimal");
    write_brief(
        &site,
        "content/analysis/gamma.md",
        "Gamma brief",
        "2017-07-01",
        &["Japan–Russia"],
    );
    write_brief(
        &site,
        "content/analysis/delta.md",
        "Delta brief",
        "2017-08-01",
        &["Japan-Russia", "日本"],
    );
    write_brief(
        &site,
        "content/analysis/epsilon.md",
        "Epsilon brief",
        "2017-09-01",
        &["Côte d'Ivoire", "日本"],
    );
    let out = site.join("out");
    let run = run_in(&site, &["build", "--output", arg(&out)]);
    run.expect_success().expect_no_panic();

    // The build warns that the two spellings share one URL.
    let log = format!("{}\n{}", run.stdout, run.stderr);
    assert!(
        log.lines().any(|l| l.to_lowercase().contains("warning")
            && l.contains("Japan–Russia")
            && l.contains("Japan-Russia")),
        "expected a warning naming \"Japan–Russia\" and \"Japan-Russia\":\n{log}"
    );

    // slug → (acceptable names, briefs); slugs as documented in src/slug.rs.
    let expected: BTreeMap<&str, (Vec<&str>, BTreeSet<&str>)> = [
        ("china", (vec!["China"], ["Alpha brief"].into())),
        (
            "japan",
            (vec!["Japan"], ["Alpha brief", "Beta brief"].into()),
        ),
        (
            "japan-russia",
            (
                vec!["Japan–Russia", "Japan-Russia"],
                ["Gamma brief", "Delta brief"].into(),
            ),
        ),
        (
            "ri-ben",
            (vec!["日本"], ["Delta brief", "Epsilon brief"].into()),
        ),
        (
            "cote-d-ivoire",
            (vec!["Côte d'Ivoire"], ["Epsilon brief"].into()),
        ),
    ]
    .into();

    let list = read_html(&file_for(&out, "/actors/"));
    let links = select_doc(&list, "main a[href*='/actors/']");
    let links: Vec<(String, String)> = links
        .into_iter()
        .map(|a| (text_of(a), a.attr("href").unwrap().to_string()))
        .filter(|(_, href)| !href.ends_with("/actors/"))
        .collect();
    let hrefs: BTreeSet<&str> = links.iter().map(|(_, h)| h.as_str()).collect();
    assert_eq!(hrefs.len(), links.len(), "duplicate term links: {links:?}");
    assert_eq!(
        links.len(),
        expected.len(),
        "terms on /actors/ (the look-alikes should merge): {links:?}"
    );

    let mut merged_href = String::new();
    for (slug, (names, want_briefs)) in &expected {
        let (name, href) = links
            .iter()
            .find(|(_, h)| h.ends_with(&format!("/actors/{slug}/")))
            .unwrap_or_else(|| panic!("/actors/ has no link to /actors/{slug}/: {links:?}"));
        assert!(names.contains(&name.as_str()), "{slug}: listed as {name:?}");
        if *slug == "japan-russia" {
            merged_href = href.clone();
        }
        let file = file_for(&out, href);
        assert!(file.is_file(), "{href}: no term page");
        let page = read_html(&file);
        assert_eq!(
            text_of(one(&page, "main h1", href)),
            *name,
            "{href}: term page heading"
        );
        let titles: BTreeSet<String> = select_doc(&page, "main .brief-list li h2 a")
            .into_iter()
            .map(text_of)
            .collect();
        let want: BTreeSet<String> = want_briefs.iter().map(|s| s.to_string()).collect();
        assert_eq!(titles, want, "{href}: briefs of the term");
    }

    // Both spellings link to the one merged page from their briefs.
    for brief in ["/analysis/gamma/", "/analysis/delta/"] {
        let page = read_html(&file_for(&out, brief));
        let tags: Vec<&str> = select_doc(&page, ".terms a.tag[href]")
            .into_iter()
            .filter_map(|a| a.attr("href"))
            .filter(|h| *h == merged_href)
            .collect();
        assert_eq!(tags.len(), 1, "{brief}: should link to {merged_href}");
    }
}

// --------------------------------------------------------------------------------- data files

#[test]
fn data_files_reach_site_templates() {
    let (_tmp, site) = fixture_site("minimal");
    let rows = csv_rows(&site.join("content/data/tests.csv"));
    assert!(!rows.is_empty());
    write(
        &site,
        "templates/index.html",
        concat!(
            "{% extends \"base.html\" %}\n",
            "{% block content %}\n",
            "<p id=\"row-count\">{{ data.tests.rows | length }}</p>\n",
            "<p id=\"first-year\">{{ data.tests.rows[0].year }}</p>\n",
            "{% endblock content %}\n",
        ),
    );
    let out = site.join("out");
    run_in(&site, &["build", "--output", arg(&out)])
        .expect_success()
        .expect_no_panic();
    let home = read_html(&file_for(&out, "/"));
    assert_eq!(
        text_of(one(&home, "#row-count", "home")),
        rows.len().to_string(),
        "data.tests.rows | length"
    );
    assert_eq!(
        text_of(one(&home, "#first-year", "home")),
        rows[0]["year"],
        "data.tests.rows[0].year"
    );
}

// --------------------------------------------------------------------------------- chronology

/// Typography may curl quotes in event texts; the order, not the punctuation, is checked here.
fn plain_quotes(s: &str) -> String {
    s.replace(['\u{2018}', '\u{2019}'], "'")
        .replace(['\u{201C}', '\u{201D}'], "\"")
}

#[test]
fn chronology_keeps_each_briefs_order_for_events_of_the_same_date() {
    let docs = content_docs();
    let trump = doc(&docs, "alliance-posture/trump-era.md");
    let events: Vec<(String, String)> = trump
        .front
        .get("events")
        .and_then(toml::Value::as_array)
        .expect("trump-era.md lists [[events]]")
        .iter()
        .map(|e| {
            let field = |k: &str| e.get(k).and_then(toml::Value::as_str).unwrap().to_string();
            (field("date"), plain_quotes(&field("text")))
        })
        .collect();
    // The brief lists its events in date order; the chronology must keep that order.
    assert!(events.windows(2).all(|w| w[0].0 <= w[1].0), "{events:?}");
    let february: Vec<&str> = events
        .iter()
        .filter(|(d, _)| d == "2017-02")
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(february.len(), 3, "trump-era.md's February 2017 events");

    let page = example_page("/chronology/");
    let shown: Vec<(String, String)> = select_doc(&page, "li.timeline__event")
        .into_iter()
        .map(|li| {
            let date = one_in(li, "time.timeline__date")
                .attr("datetime")
                .unwrap_or_default();
            let text = visible_text(one_in(li, ".timeline__text"));
            (date.to_string(), plain_quotes(&text))
        })
        .collect();
    let position = |text: &str| {
        shown
            .iter()
            .position(|(_, t)| t == text)
            .unwrap_or_else(|| panic!("chronology lacks {text:?}: {shown:#?}"))
    };
    let elected =
        position("Donald Trump is elected U.S. President, stunning Japanese policymakers.");
    let meets = position("Abe meets President-elect Trump in New York.");
    assert!(
        elected < meets,
        "the election comes before Abe meets the president-elect"
    );
    let positions: Vec<usize> = events.iter().map(|(_, t)| position(t)).collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "trump-era.md's events out of order in the chronology: {:#?}",
        positions.iter().map(|&i| &shown[i]).collect::<Vec<_>>()
    );
    let shown_february: Vec<&str> = shown
        .iter()
        .filter(|(d, _)| d == "2017-02")
        .map(|(_, t)| t.as_str())
        .filter(|t| february.contains(t))
        .collect();
    assert_eq!(shown_february, february, "February 2017 in reading order");
    // Month-only dates lead their month, and dates never go backwards.
    assert!(shown.windows(2).all(|w| w[0].0 <= w[1].0), "{shown:#?}");
}

fn one_in<'a>(root: ElementRef<'a>, selector: &str) -> ElementRef<'a> {
    let found = select(root, selector);
    assert_eq!(
        found.len(),
        1,
        "expected exactly one `{selector}` in an event"
    );
    found[0]
}
