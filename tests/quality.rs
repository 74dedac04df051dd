//! Quality gates on the repository's example site, built by the real binary:
//!
//! - every generated page is valid HTML by the Nu Html Checker (vnu.jar);
//! - the main kinds of page, English and French, have no axe-core violations, in light and in
//!   dark mode, and the search page really finds things (the French one French pages only).
//!
//! The tools come from tools/env.sh (scripts/setup-test-tools installs them). A missing tool
//! skips the test with a loud note, except under CI, where it fails.

#[path = "support/cdp.rs"]
mod cdp;
#[path = "support/site.rs"]
mod site;
#[path = "support/tools.rs"]
mod tools;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use site::build_example;

fn html_files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| e.into_path())
        .collect()
}

#[test]
fn every_page_is_valid_html() {
    let Some(java) = tools::java() else { return };
    let Some(jar) = tools::vnu_jar() else { return };
    let site = build_example();
    let pages = html_files(&site.out);
    // vnu says nothing, and exits 0, for a folder without HTML: make sure it has some to check.
    assert!(
        pages.len() >= 20,
        "expected the example site to have at least 20 HTML pages, found {}",
        pages.len()
    );

    let t = Instant::now();
    let run = Command::new(&java)
        .arg("-jar")
        .arg(&jar)
        .args([
            "--errors-only",
            "--skip-non-html",
            "--format",
            "json",
            "--stdout",
        ])
        .arg(&site.out)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", java.display()));
    let elapsed = t.elapsed();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "vnu printed no JSON report ({e}; exit {})\n--- stdout\n{stdout}\n--- stderr\n{}",
            run.status,
            String::from_utf8_lossy(&run.stderr)
        )
    });
    let prefix = format!("file:{}/", site.out.display());
    let messages: Vec<String> = report["messages"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|m| {
            let file = m["url"].as_str().unwrap_or("?");
            let file = file.strip_prefix(&prefix).unwrap_or(file);
            let line = m["lastLine"].as_u64().or(m["firstLine"].as_u64());
            let line = line.map(|l| format!(":{l}")).unwrap_or_default();
            let extract = m["extract"].as_str().unwrap_or("").trim();
            format!(
                "  {file}{line}: {} {}\n      {extract}",
                m["type"].as_str().unwrap_or("?"),
                m["message"].as_str().unwrap_or("")
            )
        })
        .collect();
    tools::note(&format!(
        "quality: vnu checked {} pages in {elapsed:?}: {} messages",
        pages.len(),
        messages.len()
    ));
    assert!(
        messages.is_empty() && run.status.success(),
        "the Nu Html Checker found {} errors (exit {}):\n{}",
        messages.len(),
        run.status,
        messages.join("\n")
    );
}

/// The run function of axe-core, after axe.min.js is loaded: the violations as plain JSON.
const AXE_RUN: &str = "axe.run(document, { resultTypes: ['violations'] }).then(r => \
    r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, \
    nodes: v.nodes.map(n => n.target.join(' ')) })))";

const SEARCH_INPUT: &str = ".pagefind-ui__search-input";

/// On a search page: waits for the pagefind UI's search box and types `word` into it.
fn type_query(b: &mut cdp::Browser, word: &str) {
    let ready = b.poll(
        &format!("!!document.querySelector('{SEARCH_INPUT}')"),
        Duration::from_millis(50),
        Duration::from_secs(5),
    );
    assert!(
        ready.is_some(),
        "the pagefind UI did not render its search box ({SEARCH_INPUT}) within 5 s"
    );
    b.eval_ok(&format!(
        "(() => {{ const i = document.querySelector('{SEARCH_INPUT}'); i.focus(); \
         i.value = {word:?}; i.dispatchEvent(new Event('input', {{ bubbles: true }})); return true; }})()"
    ));
}

/// On /search/: waits for the pagefind UI, searches for `word`, and waits for the results.
/// Returns the result titles.
fn search(b: &mut cdp::Browser, word: &str) -> Vec<String> {
    type_query(b, word);
    let found = b.poll(
        "document.querySelectorAll('.pagefind-ui__result').length > 0 \
         && !document.querySelector('.pagefind-ui__result .pagefind-ui__loading')",
        Duration::from_millis(50),
        Duration::from_secs(10),
    );
    let message = b
        .eval("document.querySelector('.pagefind-ui__message')?.textContent ?? ''")
        .unwrap_or_default();
    assert!(
        found.is_some(),
        "searching for {word:?} showed no results within 10 s (pagefind says: {message})"
    );
    let titles = b.eval_ok(
        "[...document.querySelectorAll('.pagefind-ui__result-title')].map(e => e.textContent.trim())",
    );
    strings(&titles).into_iter().map(str::to_string).collect()
}

/// On a search page: searches for `word` and waits until pagefind has answered, with results or
/// with none. Returns the paths of the pages found, in pagefind's order.
fn search_paths(b: &mut cdp::Browser, word: &str) -> Vec<String> {
    type_query(b, word);
    // While it searches, pagefind shows its message alone; the list of results comes with the
    // answer, empty when nothing matched.
    let answered = b.poll(
        &format!(
            "!!document.querySelector('.pagefind-ui__results') \
             && document.querySelector('.pagefind-ui__message')?.textContent.includes({word:?}) \
             && !document.querySelector('.pagefind-ui__result .pagefind-ui__loading')"
        ),
        Duration::from_millis(50),
        Duration::from_secs(10),
    );
    assert!(
        answered.is_some(),
        "searching for {word:?}: no answer within 10 s"
    );
    let paths = b.eval_ok(
        "[...document.querySelectorAll('.pagefind-ui__result-link')].map(a => new URL(a.href).pathname)",
    );
    strings(&paths).into_iter().map(str::to_string).collect()
}

/// The French search page searches the French edition only (pagefind's multilingual bundle: one
/// index per `<html lang>`): a word of both editions and a word only the French text has find
/// French pages and no English one, and a word only the English text has finds nothing, while
/// the English search page does find it. Its interface speaks French too.
fn french_search_finds_french_pages_only(b: &mut cdp::Browser, site: &site::Site) {
    let french = site.url("/fr/search/");
    b.navigate(&french);
    search_paths(b, "Senkaku");
    let placeholder = b.eval_ok(&format!(
        "document.querySelector('{SEARCH_INPUT}').placeholder"
    ));
    assert_eq!(
        placeholder,
        Value::from("Rechercher"),
        "the French search page's search box is not in French"
    );
    // "Poutine" is the French text's "Putin".
    // pagefind lists the best five at first: "couverture" is on nearly every French page.
    for (word, page) in [
        ("Senkaku", Some("/fr/hedges/china/")),
        ("couverture", None),
        ("Poutine", Some("/fr/hedges/russia/")),
    ] {
        b.navigate(&french);
        let found = search_paths(b, word);
        assert!(
            !found.is_empty() && page.is_none_or(|page| found.iter().any(|p| p == page)),
            "searching /fr/search/ for {word:?} did not find {}: {found:?}",
            page.unwrap_or("anything")
        );
        let english: Vec<_> = found.iter().filter(|p| !p.starts_with("/fr/")).collect();
        assert!(
            english.is_empty(),
            "searching /fr/search/ for {word:?} found English pages: {english:?}"
        );
    }
    b.navigate(&french);
    let found = search_paths(b, "Putin");
    assert!(
        found.is_empty(),
        "searching /fr/search/ for the English text's word \"Putin\" found {found:?}"
    );
    b.navigate(&site.url("/search/"));
    let found = search_paths(b, "Putin");
    assert!(
        found.iter().any(|p| p == "/hedges/russia/")
            && found.iter().all(|p| !p.starts_with("/fr/")),
        "searching /search/ for \"Putin\" should find English pages only, found {found:?}"
    );
}

/// The strings of a JSON array, as an `eval` of `[...].map(...)` returns them.
fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

/// Heading anchors ("Assessment #"), citation markers ("Reference [2]"), the estimative
/// legend and the hidden filter values ("Hedges. Japan. China.") are page furniture: no result
/// title, sub-result or excerpt may show them, while the filters still offer every section and
/// actor. Searched through the real pagefind client, for a heading word and for words next to
/// citations.
fn no_furniture_in_search_results(b: &mut cdp::Browser, search_url: &str) {
    b.navigate(search_url);
    search(b, "China");
    let filters = b.eval_ok(
        "(async () => { const p = await import('/pagefind/pagefind.js'); const f = await p.filters(); \
         return [Object.keys(f.actor || {}), Object.keys(f.section || {})]; })()",
    );
    let actors = strings(&filters[0]);
    let sections = strings(&filters[1]);
    assert!(
        actors.contains(&"China") && actors.contains(&"Japan") && sections.contains(&"Hedges"),
        "the search filters lost their values: actors {actors:?}, sections {sections:?}"
    );
    let names: Vec<&str> = actors.iter().chain(&sections).copied().collect();
    for word in ["Assessment", "Senkaku", "Putin", "China"] {
        b.navigate(search_url);
        search(b, word);
        let shown = b.eval_ok(
            "[...document.querySelectorAll('.pagefind-ui__result-title, \
             .pagefind-ui__result-link, .pagefind-ui__result-excerpt')].map(e => e.textContent)",
        );
        let shown = strings(&shown);
        assert!(!shown.is_empty(), "searching for {word} showed nothing");
        for text in shown {
            let filter_values = names
                .iter()
                .any(|a| names.iter().any(|n| text.contains(&format!("{a}. {n}."))));
            assert!(
                !text.contains('#')
                    && !has_citation_marker(text)
                    && !text.contains("Approximate probability")
                    && !filter_values,
                "searching for {word}: a result shows page furniture: {text:?}"
            );
        }
    }
}

/// A heading's "#" link is invisible until the heading is hovered or the link has keyboard
/// focus; it stays in the tab order and the accessibility tree all along.
fn anchors_show_on_focus_only(b: &mut cdp::Browser) {
    let opacity = "getComputedStyle(document.querySelector('.prose a.heading-anchor')).opacity";
    let resting = b.eval_ok(opacity);
    assert_eq!(
        resting,
        Value::from("0"),
        "a heading anchor is visible at rest"
    );
    b.eval_ok("document.querySelector('.prose a.heading-anchor').focus(), true");
    let shown = b.poll(
        &format!("{opacity} === '1'"),
        Duration::from_millis(20),
        Duration::from_secs(2),
    );
    assert!(shown.is_some(), "a focused heading anchor does not show");
}

/// The header's search form is a plain GET form to /search/?q=..., and the search page runs
/// the query it is given at once (so a search can also be linked).
fn header_search_runs_on_the_search_page(b: &mut cdp::Browser) {
    b.eval_ok(
        "(() => { const f = document.querySelector('header form.site-search[role=search]'); \
         f.querySelector('input[name=q]').value = 'Senkaku'; f.submit(); return true; })()",
    );
    let landed = b.poll(
        "location.pathname.endsWith('/search/') && location.search === '?q=Senkaku' \
         && document.querySelectorAll('.pagefind-ui__result-title').length > 0",
        Duration::from_millis(50),
        Duration::from_secs(10),
    );
    assert!(
        landed.is_some(),
        "the header's search form did not lead to results on /search/?q=Senkaku (at {})",
        b.eval_ok("location.href")
    );
    let query = b.eval_ok("document.querySelector('.pagefind-ui__search-input').value");
    assert_eq!(
        query,
        Value::from("Senkaku"),
        "the search box does not show the query"
    );
}

/// On a page shorter than the window the footer ends at the window's bottom edge, not halfway
/// up the screen.
fn footer_at_the_bottom_of_a_short_page(b: &mut cdp::Browser, url: &str) {
    b.navigate(url);
    let short = b.eval_ok("document.documentElement.scrollHeight <= window.innerHeight");
    assert_eq!(
        short,
        Value::Bool(true),
        "{url} is not shorter than the window"
    );
    let gap = b.eval_ok(
        "window.innerHeight - document.querySelector('.site-footer').getBoundingClientRect().bottom",
    );
    let gap = gap.as_f64().unwrap_or(f64::MAX);
    assert!(
        gap.abs() < 1.0,
        "{url}: the footer ends {gap} px above the window's bottom"
    );
}

/// Keyboard focus is visible on every element that can take it: an outline of at least 2 px
/// (the theme's `:focus-visible` rule) or, where a widget draws its own, a box shadow.
fn every_focusable_element_shows_focus(b: &mut cdp::Browser, page: &str, scheme: &str) {
    let unmarked = b.eval_ok(
        "(() => { const bad = []; \
         for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex=\"-1\"])')) { \
           if (el.closest('[hidden]') || el.getClientRects().length === 0) continue; \
           el.focus(); \
           if (document.activeElement !== el) continue; \
           const s = getComputedStyle(el); \
           const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; \
           if (!outline && s.boxShadow === 'none') bad.push(el.outerHTML.slice(0, 120)); \
           el.blur(); } \
         return bad; })()",
    );
    let count = unmarked.as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(
        count, 0,
        "{page} ({scheme}): elements with no visible focus: {unmarked}"
    );
}

/// Printed, `/briefing/` names its organisation once on its first page (its briefs' sources
/// may name it again), leaves out the
/// copy that only makes sense on screen, and prints the URL of a link only when the link
/// leaves the site.
fn printed_briefing_has_no_web_furniture(b: &mut cdp::Browser) {
    b.call(
        "Emulation.setEmulatedMedia",
        serde_json::json!({ "media": "print" }),
    );
    let shown = |b: &mut cdp::Browser, css: &str| {
        b.eval_ok(&format!(
            "[...document.querySelectorAll('{css}')].filter(e => getComputedStyle(e).display !== 'none').length"
        ))
    };
    let organisation = b.eval_ok(
        "(() => { const org = document.querySelector('.site-org').textContent.trim(); \
         return [...document.querySelectorAll('body *')].filter(e => e.children.length === 0 \
           && !e.closest('article, .site-footer') && e.textContent.trim() === org \
           && getComputedStyle(e).display !== 'none').length; })()",
    );
    assert_eq!(
        organisation,
        Value::from(1),
        "the organisation's name, printed"
    );
    assert_eq!(
        shown(b, ".briefing-note"),
        Value::from(0),
        "web-only copy, printed"
    );
    let after = |b: &mut cdp::Browser, which: &str| {
        b.eval_ok(&format!(
            "(() => {{ const base = document.querySelector('link[rel=canonical]').href.replace(/briefing\\/$/, ''); \
             const links = [...document.querySelectorAll('main a[href^=\"http\"]')].filter(a => a.href.startsWith(base) === {which}); \
             return links.map(a => getComputedStyle(a, '::after').content); }})()"
        ))
    };
    let internal = after(b, "true");
    let internal = internal.as_array().cloned().unwrap_or_default();
    assert!(!internal.is_empty(), "no internal links on /briefing/");
    assert!(
        internal.iter().all(|c| c == "none"),
        "internal links print their URL: {internal:?}"
    );
    // The example's briefing links nowhere else, so a link out of the site is added to see it
    // still prints where it goes.
    let external = b.eval_ok(
        "(() => { const a = document.createElement('a'); a.href = 'https://example.com/report'; \
         a.textContent = 'a report'; document.querySelector('main').append(a); \
         const c = getComputedStyle(a, '::after').content; a.remove(); return c; })()",
    );
    assert!(
        external
            .as_str()
            .is_some_and(|c| c.contains("https://example.com/report")),
        "a link out of the site does not print its URL: {external}"
    );
    b.call(
        "Emulation.setEmulatedMedia",
        serde_json::json!({ "media": "" }),
    );
}

/// A `[2]`-style citation marker, or the "Reference" label screen readers get, in a text.
fn has_citation_marker(text: &str) -> bool {
    text.contains("Reference ")
        || text.match_indices('[').any(|(i, _)| {
            let rest = &text[i + 1..];
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            digits > 0 && rest[digits..].starts_with(']')
        })
}

#[test]
fn main_pages_have_no_accessibility_violations_in_light_and_dark_mode() {
    let Some(chromium) = tools::chromium() else {
        return;
    };
    let Some(axe_path) = tools::axe_js() else {
        return;
    };
    let axe = std::fs::read_to_string(&axe_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", axe_path.display()));
    let mut site = build_example();
    let pages = [
        "/",
        "/hedges/",
        "/hedges/china/",
        "/actors/",
        "/actors/japan/",
        "/chronology/",
        "/briefing/",
        "/search/",
        // The French edition: its taxonomies have French URL names.
        "/fr/",
        "/fr/hedges/",
        "/fr/hedges/china/",
        "/fr/acteurs/",
        "/fr/acteurs/japon/",
        "/fr/chronology/",
        "/fr/briefing/",
        "/fr/search/",
    ];
    for p in pages {
        let file = site.out.join(p.trim_start_matches('/')).join("index.html");
        assert!(
            file.is_file(),
            "the example site has no page {p} ({} is missing)",
            file.display()
        );
    }
    site.serve();

    let t = Instant::now();
    let mut b = cdp::Browser::launch(&chromium);
    eprintln!("started Chromium in {:?}", t.elapsed());
    let mut problems = Vec::new();
    for dark in [false, true] {
        let scheme = if dark { "dark" } else { "light" };
        b.set_color_scheme(dark);
        for p in pages {
            let t = Instant::now();
            let url = site.url(p);
            b.navigate(&url);
            let is_dark = b.eval_ok("matchMedia('(prefers-color-scheme: dark)').matches");
            assert_eq!(
                is_dark,
                Value::Bool(dark),
                "{p}: prefers-color-scheme is not {scheme}"
            );
            let loaded = t.elapsed();
            if p == "/search/" {
                let titles = search(&mut b, "Senkaku");
                assert!(
                    !titles.is_empty(),
                    "searching for Senkaku found no titled results"
                );
                let highlighted = b.eval_ok(
                    "[...document.querySelectorAll('.pagefind-ui__result-excerpt mark')]\
                     .some(m => /senkaku/i.test(m.textContent))",
                );
                assert_eq!(
                    highlighted,
                    Value::Bool(true),
                    "no search result excerpt highlights the word Senkaku"
                );
                // The theme's highlight, not the browser's bright yellow (pagefind's reset
                // brings that back unless the theme's rule outranks it).
                let mark = b.eval_ok(
                    "getComputedStyle(document.querySelector('.pagefind-ui__result-excerpt mark')).backgroundColor",
                );
                let theme = b.eval_ok(
                    "(() => { const e = document.createElement('mark'); e.style.background = 'var(--mark)'; \
                     document.body.append(e); const c = getComputedStyle(e).backgroundColor; e.remove(); return c; })()",
                );
                assert_eq!(
                    mark, theme,
                    "search highlights ({scheme}) are not the theme's"
                );
                if !dark {
                    eprintln!("search for \"Senkaku\" found: {}", titles.join(" | "));
                    no_furniture_in_search_results(&mut b, &url);
                }
            }
            if p == "/fr/search/" {
                if !dark {
                    french_search_finds_french_pages_only(&mut b, &site);
                }
                b.navigate(&url);
                search_paths(&mut b, "Senkaku");
            }
            every_focusable_element_shows_focus(&mut b, p, scheme);
            if p == "/briefing/" && !dark {
                printed_briefing_has_no_web_furniture(&mut b);
            }
            if p == "/hedges/china/" && !dark {
                anchors_show_on_focus_only(&mut b);
                header_search_runs_on_the_search_page(&mut b);
                footer_at_the_bottom_of_a_short_page(&mut b, &site.url("/404.html"));
                b.navigate(&url);
            }
            let searched = t.elapsed();
            b.eval_ok(&axe);
            let violations = b.eval_ok(AXE_RUN);
            let violations = violations.as_array().expect("axe returns a list");
            for v in violations {
                let nodes = strings(&v["nodes"]);
                problems.push(format!(
                    "  {p} ({scheme}): {} [{}] {}\n      on: {}",
                    v["id"].as_str().unwrap_or("?"),
                    v["impact"].as_str().unwrap_or("?"),
                    v["help"].as_str().unwrap_or(""),
                    nodes.join(" ; ")
                ));
            }
            eprintln!(
                "axe {p} ({scheme}): {} violations; load {loaded:?}{}, axe {:?}",
                violations.len(),
                if p == "/search/" {
                    format!(", search {:?}", searched - loaded)
                } else {
                    String::new()
                },
                t.elapsed() - searched
            );
        }
    }
    b.close();
    tools::note(&format!(
        "quality: axe checked {} pages x 2 colour schemes in {:?} ({} violations)",
        pages.len(),
        t.elapsed(),
        problems.len()
    ));
    assert!(
        problems.is_empty(),
        "axe-core found {} violations:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
