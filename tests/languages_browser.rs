//! The language switcher of the example site, used in headless Chromium as a reader would, on
//! a phone (360 px) and on a wide screen (1366 px):
//!
//! - on a brief with a French translation the switcher is a link named for assistive tech, with
//!   `lang` and `hreflang`; the keyboard reaches it (Tab, with the phone's menu closed) and
//!   Enter leads to the French brief, whose switcher leads back (a mouse click);
//! - on a brief with no translation the switcher leads to the French fallback page, which says
//!   so and links to the original, and following that link works.
//!
//! The example translates every page, so the site here is the example less one translation
//! (`content/hedges/india.fr.md`). A missing Chromium skips the test with a loud note, except
//! under CI, where it fails.

#[path = "support/cdp.rs"]
mod cdp;
#[path = "support/site.rs"]
mod site;
#[path = "support/tools.rs"]
mod tools;

use std::time::Duration;

use serde_json::{Value, json};

const SWITCHER: &str = ".site-languages a";

fn screen(b: &mut cdp::Browser, width: u32, mobile: bool) {
    b.call(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": width, "height": 800, "deviceScaleFactor": 1, "mobile": mobile }),
    );
}

fn key(b: &mut cdp::Browser, name: &str, code: u32) {
    let text = if name == "Enter" { "\r" } else { "" };
    b.call(
        "Input.dispatchKeyEvent",
        json!({ "type": "keyDown", "key": name, "code": name, "windowsVirtualKeyCode": code, "text": text }),
    );
    b.call(
        "Input.dispatchKeyEvent",
        json!({ "type": "keyUp", "key": name, "code": name, "windowsVirtualKeyCode": code }),
    );
}

/// A real click (a mouse press and release at the element's centre), as a reader's.
fn click(b: &mut cdp::Browser, css: &str) {
    let at = b.eval_ok(&format!(
        "(() => {{ const e = document.querySelector('{css}'); if (!e) return null; \
         e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect(); \
         return [r.left + r.width / 2, r.top + r.height / 2]; }})()"
    ));
    assert!(
        !at.is_null(),
        "{}: nothing to click at `{css}`",
        b.eval_ok("location.pathname")
    );
    let (x, y) = (at[0].as_f64().unwrap_or(0.0), at[1].as_f64().unwrap_or(0.0));
    for kind in ["mousePressed", "mouseReleased"] {
        b.call(
            "Input.dispatchMouseEvent",
            json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
        );
    }
}

/// Waits until the tab shows `path`, loaded, in `lang`; fails naming where it is instead.
fn lands_on(b: &mut cdp::Browser, path: &str, lang: &str, how: &str) {
    let landed = b.poll(
        &format!(
            "location.pathname === {path:?} && document.readyState === 'complete' \
             && document.documentElement.lang === {lang:?}"
        ),
        Duration::from_millis(50),
        Duration::from_secs(10),
    );
    assert!(
        landed.is_some(),
        "{how} did not land on {path} in {lang:?}: at {} (lang {})",
        b.eval("location.pathname").unwrap_or_default(),
        b.eval("document.documentElement.lang").unwrap_or_default()
    );
}

/// Records a problem (at `at`) unless the page's switcher is `expected`: its accessible name,
/// `lang`, `hreflang`, the path it leads to, whether it shows, and its navigation's label.
fn expect_switcher(
    b: &mut cdp::Browser,
    expected: (&str, &str, &str, &str, bool, &str),
    at: &str,
    problems: &mut Vec<String>,
) {
    let (name, lang, hreflang, to, shown, nav) = switcher(b);
    let got = (
        name.as_str(),
        lang.as_str(),
        hreflang.as_str(),
        to.as_str(),
        shown,
        nav.as_str(),
    );
    if got != expected {
        problems.push(format!(
            "{at}: the switcher is (name, lang, hreflang, path, shown, nav label) {got:?}, \
             expected {expected:?}"
        ));
    }
}

/// The switcher's one link as assistive tech gets it: its accessible name (Chromium's own
/// computation), `lang`, `hreflang`, the path it leads to, whether it shows, and the label of
/// the navigation it sits in.
fn switcher(b: &mut cdp::Browser) -> (String, String, String, String, bool, String) {
    let count = b.eval_ok(&format!("document.querySelectorAll('{SWITCHER}').length"));
    assert_eq!(
        count,
        Value::from(1),
        "{}: the switcher has not one link",
        b.eval_ok("location.pathname")
    );
    let object = b.call(
        "Runtime.evaluate",
        json!({ "expression": format!("document.querySelector('{SWITCHER}')") }),
    );
    let id = object["result"]["objectId"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let tree = b.call(
        "Accessibility.getPartialAXTree",
        json!({ "objectId": id, "fetchRelatives": false }),
    );
    let name = tree["nodes"][0]["name"]["value"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let attrs = b.eval_ok(&format!(
        "(() => {{ const a = document.querySelector('{SWITCHER}'); \
         return [a.lang, a.hreflang, new URL(a.href).pathname, a.checkVisibility(), \
           a.closest('nav')?.getAttribute('aria-label') ?? '']; }})()"
    ));
    let text = |i: usize| attrs[i].as_str().unwrap_or("").to_string();
    (
        name,
        text(0),
        text(1),
        text(2),
        attrs[3] == Value::Bool(true),
        text(4),
    )
}

/// Tabs from the top of the page to the switcher, as a keyboard user would, then presses
/// Enter. On a phone the menu stays closed all along: the switcher is outside it.
fn tab_to_switcher_and_press_enter(b: &mut cdp::Browser, problems: &mut Vec<String>) {
    let page = b.eval_ok("location.pathname");
    let mut reached = false;
    for _ in 0..8 {
        key(b, "Tab", 9);
        if b.eval_ok(&format!(
            "document.activeElement === document.querySelector('{SWITCHER}')"
        )) == Value::Bool(true)
        {
            reached = true;
            break;
        }
    }
    assert!(reached, "{page}: 8 Tabs do not reach the language switcher");
    if b.eval_ok("document.querySelector('.site-menu').open") != Value::Bool(false) {
        problems.push(format!(
            "{page}: the menu opened on the way to the language switcher"
        ));
    }
    key(b, "Enter", 13);
}

#[test]
fn the_language_switcher_leads_to_the_other_edition_and_back() {
    let Some(chromium) = tools::chromium() else {
        return;
    };
    let mut site = site::build_example_without(&["content/hedges/india.fr.md"]);
    for (page, translated) in [("fr/hedges/china", true), ("fr/hedges/india", false)] {
        let html = std::fs::read_to_string(site.out.join(page).join("index.html"))
            .unwrap_or_else(|e| panic!("the example site has no page /{page}/: {e}"));
        assert_eq!(
            html.contains("untranslated-notice"),
            !translated,
            "/{page}/ is the wrong kind of page for this test"
        );
    }
    site.serve();
    let mut b = cdp::Browser::launch(&chromium);
    let mut problems = Vec::new();
    for (width, mobile) in [(360, true), (1366, false)] {
        screen(&mut b, width, mobile);
        let at = |p: &str| format!("{p} at {width} px");

        // A translated brief: to French with the keyboard, back with the mouse.
        b.navigate(&site.url("/hedges/china/"));
        expect_switcher(
            &mut b,
            (
                "Français",
                "fr",
                "fr",
                "/fr/hedges/china/",
                true,
                "Languages",
            ),
            &at("/hedges/china/"),
            &mut problems,
        );
        tab_to_switcher_and_press_enter(&mut b, &mut problems);
        lands_on(
            &mut b,
            "/fr/hedges/china/",
            "fr",
            &at("Enter on the switcher"),
        );
        expect_switcher(
            &mut b,
            ("English", "en", "en", "/hedges/china/", true, "Langues"),
            &at("/fr/hedges/china/"),
            &mut problems,
        );
        if b.eval_ok("!!document.querySelector('.untranslated-notice')") != Value::Bool(false) {
            problems.push(format!(
                "{}: a translated brief shows the fallback notice",
                at("/fr/hedges/china/")
            ));
        }
        click(&mut b, SWITCHER);
        lands_on(
            &mut b,
            "/hedges/china/",
            "en",
            &at("clicking the French switcher"),
        );

        // A brief with no translation: the switcher leads to the fallback page, which says so
        // and links to the original.
        b.navigate(&site.url("/hedges/india/"));
        let (name, _, hreflang, to, _, _) = switcher(&mut b);
        if (name.as_str(), hreflang.as_str(), to.as_str())
            != ("Français", "fr", "/fr/hedges/india/")
        {
            problems.push(format!(
                "{}: the switcher of an untranslated brief is {name:?} (hreflang {hreflang:?}) \
                 to {to}, not Français to its French fallback page",
                at("/hedges/india/")
            ));
        }
        tab_to_switcher_and_press_enter(&mut b, &mut problems);
        lands_on(
            &mut b,
            "/fr/hedges/india/",
            "fr",
            &at("Enter on the switcher"),
        );
        let notice = b.eval_ok(
            "(() => { const n = document.querySelector('.untranslated-notice'); if (!n) return null; \
             const a = n.querySelector('a[href]'); \
             return [n.checkVisibility(), n.textContent.trim(), a ? new URL(a.href).pathname : '', \
               a?.hreflang ?? '', document.querySelector('article')?.lang ?? '']; })()",
        );
        let expected = json!([
            true,
            "Cette page n\u{2019}a pas encore été traduite\u{202f}; elle est présentée dans sa langue d\u{2019}origine\u{202f}: voir l\u{2019}original.",
            "/hedges/india/",
            "en",
            "en"
        ]);
        if notice != expected {
            problems.push(format!(
                "{}: the fallback notice (shown, text, link, its hreflang, the article's lang) \
                 is {notice}, expected {expected}",
                at("/fr/hedges/india/")
            ));
        }
        click(&mut b, ".untranslated-notice a");
        lands_on(
            &mut b,
            "/hedges/india/",
            "en",
            &at("the fallback notice's link"),
        );
    }
    b.close();
    assert!(
        problems.is_empty(),
        "{} problems with the language switcher:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}
