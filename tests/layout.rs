//! The default theme's layout, measured in headless Chromium on the repository's example site:
//!
//! - on a 360x800 phone screen, in English and in French: no page kind scrolls sideways (nor
//!   does the opened menu or estimative legend), the header stays compact, every cell of the
//!   hedge matrix is inside the screen without a scrolling box, a brief's bottom line is on the
//!   first screen, and chart text is at least 12 CSS px as rendered;
//! - the menu is a disclosure that opens without JavaScript on a phone and is always open on a
//!   wide screen;
//! - the estimative legend is closed until a reader opens it or follows a judgment's word to
//!   it, and printed open;
//! - the language switcher stays inside the header's column and clear of the site's name, and
//!   on a wide screen the search box stays beside the navigation, in both languages;
//! - the home page is one grid: every brief card has its title, date and bottom line, and the
//!   cards of a row are the same height.
//!
//! A missing Chromium skips the test with a loud note, except under CI, where it fails.

#[path = "support/cdp.rs"]
mod cdp;
#[path = "support/site.rs"]
mod site;
#[path = "support/tools.rs"]
mod tools;

use serde_json::{Value, json};

use site::build_example;

/// Every kind of page the theme has, with a page of the example site for each, in English and
/// in French (about a fifth longer: headers, buttons, badges and labels must still fit).
const PAGES: [&str; 22] = [
    "/",
    "/hedges/",
    "/hedges/china/",
    "/alliance-posture/north-korea-threat/",
    "/briefing/",
    "/chronology/",
    "/actors/",
    "/actors/japan/",
    "/topics/",
    "/search/",
    "/404.html",
    "/fr/",
    "/fr/hedges/",
    "/fr/hedges/china/",
    "/fr/alliance-posture/north-korea-threat/",
    "/fr/briefing/",
    "/fr/chronology/",
    "/fr/acteurs/",
    "/fr/acteurs/japon/",
    "/fr/themes/",
    "/fr/search/",
    "/fr/404.html",
];

/// The example's briefs: each must show its bottom line on a phone's first screen.
const BRIEFS: [&str; 6] = [
    "/hedges/china/",
    "/alliance-posture/north-korea-threat/",
    "/canada/implications/",
    "/fr/hedges/china/",
    "/fr/alliance-posture/north-korea-threat/",
    "/fr/canada/implications/",
];

fn screen(b: &mut cdp::Browser, width: u32, height: u32, mobile: bool) {
    b.call(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
    );
}

/// A real click (a mouse press and release at the element's centre), not a script's
/// `el.click()`: what the reader does, and what works with JavaScript off. A missing element
/// is a problem of the page, reported with the others.
fn click(b: &mut cdp::Browser, css: &str, problems: &mut Vec<String>) {
    let at = b.eval_ok(&format!(
        "(() => {{ const e = document.querySelector('{css}'); if (!e) return null; e.scrollIntoView({{block: 'center'}}); \
         const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; }})()"
    ));
    if at.is_null() {
        problems.push(format!(
            "{}: nothing to click at `{css}`",
            b.eval_ok("location.pathname")
        ));
        return;
    }
    let (x, y) = (at[0].as_f64().unwrap_or(0.0), at[1].as_f64().unwrap_or(0.0));
    for kind in ["mousePressed", "mouseReleased"] {
        b.call(
            "Input.dispatchMouseEvent",
            json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
        );
    }
}

fn list(v: &Value) -> Vec<String> {
    v.as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
        .collect()
}

/// Elements of `main` that reach past the screen's right edge, outside any box that clips
/// or scrolls them (those are checked apart: the hedge matrix may not use one).
const OVERFLOW: &str = "(() => { const w = document.documentElement.clientWidth; const out = []; \
  if (document.documentElement.scrollWidth > w) out.push('the page is ' + document.documentElement.scrollWidth + ' px wide'); \
  for (const e of document.querySelectorAll('body *')) { \
    const r = e.getBoundingClientRect(); if (r.width === 0 || r.right <= w + 0.5 || !e.checkVisibility()) continue; \
    let clipped = false; for (let p = e.parentElement; p; p = p.parentElement) { \
      if (getComputedStyle(p).overflowX !== 'visible') { clipped = true; break; } } \
    if (!clipped) out.push(e.tagName.toLowerCase() + '.' + e.className + ' reaches ' + Math.round(r.right) + ' px'); } \
  return out.slice(0, 10); })()";

/// Every cell of the hedge matrix inside the screen, and not inside a box that scrolls.
const MATRIX: &str = "(() => { const w = document.documentElement.clientWidth; const out = []; \
  const cells = document.querySelectorAll('section.hedge-matrix table :is(th, td)'); \
  if (cells.length === 0) return ['no hedge matrix cells']; \
  for (const c of cells) { if (c.closest('thead')) continue; const r = c.getBoundingClientRect(); \
    if (r.left < -0.5 || r.right > w + 0.5) out.push(c.textContent.trim().slice(0, 30) + ' spans ' + Math.round(r.left) + '..' + Math.round(r.right)); \
    for (let p = c.parentElement; p; p = p.parentElement) { const o = getComputedStyle(p).overflowX; \
      if (o === 'auto' || o === 'scroll') { out.push(c.textContent.trim().slice(0, 30) + ' is in a scrolling box'); break; } } } \
  return out; })()";

/// Chart text smaller than 12 CSS px as drawn: the computed font size times the SVG's scale
/// on the screen.
const CHART_TEXT: &str = "(() => { const out = []; let n = 0; \
  for (const t of document.querySelectorAll('figure svg text, svg.hedge-matrix text')) { \
    if (t.getClientRects().length === 0) continue; n++; \
    const m = t.getScreenCTM(); const scale = Math.hypot(m.a, m.b); \
    const px = parseFloat(getComputedStyle(t).fontSize) * scale; \
    if (px < 11.99) out.push(JSON.stringify(t.textContent) + ' at ' + px.toFixed(1) + ' px'); } \
  return [n, out]; })()";

fn phone_layout(b: &mut cdp::Browser, site: &site::Site, problems: &mut Vec<String>) {
    screen(b, 360, 800, true);
    let mut charts = 0;
    for p in PAGES {
        b.navigate(&site.url(p));
        for o in list(&b.eval_ok(OVERFLOW)) {
            problems.push(format!("{p} at 360 px: {o}"));
        }
        let header = b
            .eval_ok("document.querySelector('.site-header')?.getBoundingClientRect().bottom ?? 0");
        let header = header.as_f64().unwrap_or(f64::MAX);
        if header > 120.0 {
            problems.push(format!(
                "{p} at 360 px: the header takes {header:.0} px of 800 (at most 120)"
            ));
        }
        if p.ends_with("/hedges/") {
            for m in list(&b.eval_ok(MATRIX)) {
                problems.push(format!("{p} at 360 px, hedge matrix: {m}"));
            }
        }
        // What opens on demand must fit too: the menu, and a brief's estimative legend (its
        // French words are the longest badges).
        for (what, open) in [
            ("the opened menu", "document.querySelector('.site-menu')"),
            (
                "the opened estimative legend",
                "document.querySelector('details.legend')",
            ),
        ] {
            if b.eval_ok(&format!("(() => {{ const d = {open}; if (!d) return false; d.open = true; return true; }})()"))
                == Value::Bool(true)
            {
                for o in list(&b.eval_ok(OVERFLOW)) {
                    problems.push(format!("{p} at 360 px, {what}: {o}"));
                }
                // The legend's table sits in a box that would scroll rather than overflow: on
                // a phone it must not need to.
                let scrolls = b.eval_ok(&format!(
                    "[...{open}.querySelectorAll('.table-scroll')].map(s => s.scrollWidth - s.clientWidth).filter(d => d > 0.5)"
                ));
                for d in list(&scrolls) {
                    problems.push(format!("{p} at 360 px, {what}: a table scrolls sideways by {d} px"));
                }
                b.eval_ok(&format!("{open}.open = false, true"));
            }
        }
        let text = b.eval_ok(CHART_TEXT);
        charts += text[0].as_u64().unwrap_or(0);
        for t in list(&text[1]) {
            problems.push(format!("{p} at 360 px, chart text {t}"));
        }
    }
    if charts == 0 {
        problems.push("no chart text measured on any page".into());
    }
    for p in BRIEFS {
        b.navigate(&site.url(p));
        let bottom = b.eval_ok(
            "document.querySelector('.brief .box--bottom-line')?.getBoundingClientRect().bottom ?? 1e9",
        );
        let bottom = bottom.as_f64().unwrap_or(f64::MAX);
        if bottom > 800.0 {
            problems.push(format!(
                "{p} at 360x800: the bottom line ends {bottom:.0} px down, below the first screen"
            ));
        }
    }
}

/// On a phone the menu is closed until its toggle is pressed; on a wide screen it is open and
/// its toggle is not shown.
fn menu_works_without_script(b: &mut cdp::Browser, site: &site::Site, problems: &mut Vec<String>) {
    let url = site.url("/hedges/china/");
    let nav_shown =
        "[...document.querySelectorAll('.site-nav a')].filter(a => a.checkVisibility()).length";
    screen(b, 360, 800, true);
    b.navigate(&url);
    let scripts =
        b.eval_ok("document.querySelectorAll('script:not([type=\"application/ld+json\"])').length");
    if scripts != 0 {
        problems.push(format!(
            "a brief page runs {scripts} scripts: the menu must not need one"
        ));
    }
    if b.eval_ok(nav_shown) != 0 {
        problems.push("at 360 px the menu's links show before the menu is opened".into());
    }
    click(b, ".site-menu > summary", problems);
    let shown = b.eval_ok(nav_shown).as_u64().unwrap_or(0);
    let all = b
        .eval_ok("document.querySelectorAll('.site-nav a').length")
        .as_u64()
        .unwrap_or(0);
    // The Search link gives way to the search form where both are.
    if shown + 1 < all || shown == 0 {
        problems.push(format!(
            "at 360 px the opened menu shows {shown} of {all} links"
        ));
    }
    if b.eval_ok("document.querySelector('.site-search input')?.checkVisibility() === true")
        != Value::Bool(true)
    {
        problems.push("at 360 px the opened menu has no search box".into());
    }
    screen(b, 1366, 900, false);
    b.navigate(&url);
    let shown = b.eval_ok(nav_shown).as_u64().unwrap_or(0);
    if shown + 1 < all || shown == 0 {
        problems.push(format!("at 1366 px the menu shows {shown} of {all} links"));
    }
    if b.eval_ok("document.querySelector('.site-menu > summary')?.checkVisibility() ?? false")
        != Value::Bool(false)
    {
        problems.push("at 1366 px the menu's toggle is shown".into());
    }
}

/// The language switcher shows on every width, inside the header's column, clear of the site's
/// name (the French name is the longer), in both languages; on a wide screen the search box is
/// on the navigation's row.
fn switcher_clear_of_the_title(
    b: &mut cdp::Browser,
    site: &site::Site,
    problems: &mut Vec<String>,
) {
    for (width, mobile) in [(360, true), (768, false), (1366, false)] {
        screen(b, width, 900, mobile);
        for p in ["/hedges/china/", "/fr/hedges/china/"] {
            b.navigate(&site.url(p));
            let found = b.eval_ok(
                "(() => { const s = document.querySelector('.site-languages a'); \
                 const t = document.querySelector('.site-title a'); \
                 const col = document.querySelector('.site-header__inner').getBoundingClientRect(); \
                 if (!s || !t || !s.checkVisibility()) return 'no switcher shown'; \
                 const a = s.getBoundingClientRect(); const out = []; \
                 for (const r of t.getClientRects()) \
                   if (a.left < r.right && r.left < a.right && a.top < r.bottom && r.top < a.bottom) \
                     out.push('the switcher overlaps the site name'); \
                 if (a.left < col.left - 0.5 || a.right > col.right + 0.5) \
                   out.push('the switcher spans ' + Math.round(a.left) + '..' + Math.round(a.right) \
                     + ', outside the header column ' + Math.round(col.left) + '..' + Math.round(col.right)); \
                 return out.join('; '); })()",
            );
            if let Some(f) = found.as_str().filter(|f| !f.is_empty()) {
                problems.push(format!("{p} at {width} px: {f}"));
            }
            // On a wide screen the search box stays on the navigation's row (the French
            // navigation is a fifth longer than the English).
            let beside = b.eval_ok(
                "(() => { const n = document.querySelector('.site-nav__list').getBoundingClientRect(); \
                 const f = document.querySelector('.site-search')?.getBoundingClientRect(); \
                 return !!f && f.top < n.bottom && n.top < f.bottom; })()",
            );
            if width == 1366 && beside != Value::Bool(true) {
                problems.push(format!(
                    "{p} at {width} px: the search box is not beside the navigation"
                ));
            }
        }
    }
}

/// The legend is one closed line; a judgment's estimative word opens it and brings it into
/// view; printed, it is open, beside the partner's hedge assessment and a contents box that
/// stays whole.
fn legend_opens_on_demand(b: &mut cdp::Browser, site: &site::Site, problems: &mut Vec<String>) {
    screen(b, 1366, 900, false);
    b.navigate(&site.url("/hedges/china/"));
    let table_shown = "document.querySelector('.legend table')?.checkVisibility() === true";
    let height =
        b.eval_ok("document.querySelector('.legend')?.getBoundingClientRect().height ?? 0");
    if b.eval_ok(table_shown) != Value::Bool(false) || height.as_f64().unwrap_or(f64::MAX) > 80.0 {
        problems.push(format!(
            "the estimative legend is open at rest ({height} px high)"
        ));
    }
    b.call("Emulation.setEmulatedMedia", json!({ "media": "print" }));
    if b.eval_ok(table_shown) != Value::Bool(true) {
        problems.push("printed, the estimative legend is closed".into());
    }
    if b.eval_ok("document.querySelector('.hedge-assessment')?.checkVisibility() === true")
        != Value::Bool(true)
    {
        problems.push("printed, a brief leaves out its partner's hedge assessment".into());
    }
    // A brief's contents box is kept whole on a page; the whole briefing's runs over pages
    // with no box to cut in two.
    if b.eval_ok("getComputedStyle(document.querySelector('.toc')).breakInside") != "avoid" {
        problems.push("printed, a brief's contents box may split across pages".into());
    }
    b.call("Emulation.setEmulatedMedia", json!({ "media": "" }));
    click(b, ".judgment a.confidence", problems);
    let opened = b.poll(
        &format!("{table_shown} && (() => {{ const r = document.querySelector('.legend table').getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; }})()"),
        std::time::Duration::from_millis(20),
        std::time::Duration::from_secs(3),
    );
    if opened.is_none() {
        problems.push(format!(
            "following a judgment's word to the legend did not open it in view (at {})",
            b.eval_ok("location.hash")
        ));
    }
}

/// Every brief card of the home page has a title, a date and its bottom line, and the cards
/// of one row line up: same top, same height.
fn home_is_one_grid(b: &mut cdp::Browser, site: &site::Site, problems: &mut Vec<String>) {
    screen(b, 1366, 900, false);
    b.navigate(&site.url("/"));
    let cards = b.eval_ok(
        "[...document.querySelectorAll('.brief-card')].map(c => { const r = c.getBoundingClientRect(); \
         return { title: c.querySelector('h3 a')?.textContent.trim() || '', \
           date: c.querySelector('time[datetime]')?.textContent.trim() || '', \
           text: c.querySelector('.brief-card__text')?.textContent.trim() || '', \
           top: Math.round(r.top + scrollY), height: Math.round(r.height), left: Math.round(r.left) }; })",
    );
    let cards = cards.as_array().cloned().unwrap_or_default();
    if cards.len() < 10 {
        problems.push(format!(
            "the home page shows {} brief cards, not 10",
            cards.len()
        ));
    }
    for c in &cards {
        for field in ["title", "date", "text"] {
            if c[field].as_str().unwrap_or("").is_empty() {
                problems.push(format!("a home card has no {field}: {c}"));
            }
        }
    }
    for a in &cards {
        for c in cards.iter().filter(|c| c["top"] == a["top"]) {
            if c["height"] != a["height"] {
                problems.push(format!("home cards in one row differ in height: {a} / {c}"));
            }
        }
    }
    let lefts = b.eval_ok(
        "[...new Set([document.querySelector('.page-title'), ...document.querySelectorAll('.home-section, .brief-cards')]\
         .map(e => Math.round(e.getBoundingClientRect().left)))]",
    );
    if lefts.as_array().map_or(0, Vec::len) != 1 {
        problems.push(format!(
            "the home page's title, sections and cards start at different left edges: {lefts}"
        ));
    }
}

#[test]
fn theme_layout_on_phone_and_wide_screens() {
    let Some(chromium) = tools::chromium() else {
        return;
    };
    let mut site = build_example();
    for p in PAGES.iter().chain(&BRIEFS) {
        let rel = p.trim_start_matches('/');
        let file = if rel.ends_with(".html") {
            site.out.join(rel)
        } else {
            site.out.join(rel).join("index.html")
        };
        assert!(file.is_file(), "the example site has no page {p}");
    }
    site.serve();
    let mut b = cdp::Browser::launch(&chromium);
    let mut problems = Vec::new();
    for dark in [false, true] {
        b.set_color_scheme(dark);
        phone_layout(&mut b, &site, &mut problems);
    }
    b.set_color_scheme(false);
    menu_works_without_script(&mut b, &site, &mut problems);
    switcher_clear_of_the_title(&mut b, &site, &mut problems);
    legend_opens_on_demand(&mut b, &site, &mut problems);
    home_is_one_grid(&mut b, &site, &mut problems);
    b.close();
    assert!(
        problems.is_empty(),
        "{} layout problems:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}
