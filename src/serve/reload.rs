//! Live reload: the script served pages carry, the error overlay, and the server-sent-event feed
//! that tells open tabs about each rebuild.
//!
//! Everything here exists only in responses from `serve`; `build` never sees it, so the files a
//! site publishes carry no trace of the development server.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::response::sse::Event;
use futures_util::Stream;
use serde_json::{Value, json};
use tokio::sync::{broadcast, watch};

/// Where the script listens. Under a double-underscore prefix so it cannot shadow a page a
/// site is likely to have.
pub const EVENTS_PATH: &str = "/__briefing/events";

/// The id of the overlay element; tests and the script look for it.
pub const OVERLAY_ID: &str = "briefing-error-overlay";

/// The id of the overlay that lists a successful build's warnings (broken links, missing
/// images...): the page is current, so it is a separate, quieter box.
pub const WARNINGS_ID: &str = "briefing-warning-overlay";

/// The id of the note `serve` adds to its 404 page when the address is a draft's.
pub const DRAFT_HINT_ID: &str = "briefing-draft-hint";

/// A successful build's warnings as JSON diagnostics; `None` when there are none.
pub type Warnings = Option<Arc<Vec<Value>>>;

/// One message to every open tab.
#[derive(Debug, Clone)]
pub enum Message {
    /// A build succeeded and changed these output paths.
    Reload {
        build: String,
        paths: Arc<Vec<String>>,
        css_only: bool,
        /// The build's warnings, shown in the warnings overlay.
        warnings: Warnings,
    },
    /// A build succeeded but changed nothing: only the overlay of an earlier failure, or
    /// warnings that are gone, must go.
    Clear { build: String, warnings: Warnings },
    /// A build failed; the tabs keep the last good page and show these diagnostics over it.
    Error {
        build: String,
        diagnostics: Arc<Vec<Value>>,
    },
    /// Sent first on every connection, so a tab that reconnects (after a server restart, or a
    /// network blip during which it missed events) can tell whether its page is stale.
    Hello {
        build: String,
        diagnostics: Option<Arc<Vec<Value>>>,
        warnings: Warnings,
    },
    /// The tab missed events and cannot know what changed.
    FullReload { build: String },
}

impl Message {
    /// The SSE event name and its JSON payload.
    pub fn parts(&self) -> (&'static str, Value) {
        match self {
            Message::Reload {
                build,
                paths,
                css_only,
                warnings,
            } => (
                "reload",
                json!({ "build": build, "paths": paths.as_slice(), "css_only": css_only, "warnings": warnings.as_deref() }),
            ),
            Message::Clear { build, warnings } => (
                "clear",
                json!({ "build": build, "warnings": warnings.as_deref() }),
            ),
            Message::Error { build, diagnostics } => (
                "error",
                json!({ "build": build, "diagnostics": diagnostics.as_slice() }),
            ),
            Message::Hello {
                build,
                diagnostics,
                warnings,
            } => (
                "hello",
                json!({ "build": build, "diagnostics": diagnostics.as_deref(), "warnings": warnings.as_deref() }),
            ),
            Message::FullReload { build } => (
                "reload",
                json!({ "build": build, "paths": [], "css_only": false, "full": true }),
            ),
        }
    }

    pub fn to_event(&self) -> Event {
        let (name, data) = self.parts();
        // A short retry keeps the gap after a server restart small; the browser's default is ~3 s.
        Event::default()
            .event(name)
            .data(data.to_string())
            .retry(Duration::from_millis(500))
    }
}

/// Fans rebuild messages out to every connected tab.
#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<Message>,
}

impl Default for Hub {
    fn default() -> Self {
        // Tabs that fall further behind than this get a full reload instead of the backlog.
        let (tx, _) = broadcast::channel(64);
        Hub { tx }
    }
}

impl Hub {
    pub fn send(&self, m: Message) {
        // No receivers just means no tab is open.
        let _ = self.tx.send(m);
    }

    /// The feed for one tab: `hello`, then every message, until the server stops.
    pub fn stream(
        &self,
        hello: Message,
        stop: watch::Receiver<bool>,
    ) -> impl Stream<Item = Result<Event, Infallible>> + Send + 'static {
        struct St {
            rx: broadcast::Receiver<Message>,
            stop: watch::Receiver<bool>,
            hello: Option<Message>,
            build: String,
        }
        let build = match &hello {
            Message::Hello { build, .. } => build.clone(),
            _ => String::new(),
        };
        let st = St {
            rx: self.tx.subscribe(),
            stop,
            hello: Some(hello),
            build,
        };
        futures_util::stream::unfold(st, |mut st| async move {
            if let Some(h) = st.hello.take() {
                return Some((Ok(h.to_event()), st));
            }
            // The stream must end on shutdown: graceful shutdown waits for open responses, and
            // an event stream never ends by itself.
            if *st.stop.borrow() {
                return None;
            }
            tokio::select! {
                _ = st.stop.changed() => None,
                r = st.rx.recv() => match r {
                    Ok(m) => {
                        if let Message::Reload { build, .. } | Message::Clear { build, .. } | Message::Error { build, .. } = &m {
                            st.build = build.clone();
                        }
                        Some((Ok(m.to_event()), st))
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let m = Message::FullReload { build: st.build.clone() };
                        Some((Ok(m.to_event()), st))
                    }
                    Err(broadcast::error::RecvError::Closed) => None,
                },
            }
        })
    }
}

/// What goes before `</body>` of every HTML page `serve` sends: the page's build id, the overlay
/// while the last build failed, and the script.
pub fn snippet(build: &str, overlay: Option<&str>, not_found: bool) -> String {
    let cfg = json!({ "build": build, "events": EVENTS_PATH, "not_found": not_found, "overlay": OVERLAY_ID, "warnings": WARNINGS_ID, "style": OVERLAY_STYLE, "warning_style": WARNINGS_STYLE });
    let mut s = String::with_capacity(SCRIPT.len() + 512);
    if let Some(o) = overlay {
        s.push_str(o);
    }
    s.push_str("<script>window.__briefing=");
    s.push_str(&script_json(&cfg));
    s.push_str(";\n");
    s.push_str(SCRIPT);
    s.push_str("</script>\n");
    s
}

/// JSON that is safe inside a `<script>` element: `</script>` or `<!--` in a message must not
/// end or comment out the element.
fn script_json(v: &Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

const OVERLAY_STYLE: &str = "position:fixed;inset:auto 1rem 1rem 1rem;max-height:70vh;overflow:auto;z-index:2147483647;margin:0 auto;max-width:60rem;padding:1rem 1.25rem;border-radius:6px;border-top:4px solid #e5484d;background:#1c1c1f;color:#ececec;box-shadow:0 8px 32px rgba(0,0,0,.45);font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;text-align:left";

const WARNINGS_STYLE: &str = "position:fixed;inset:auto 1rem 1rem 1rem;max-height:50vh;overflow:auto;z-index:2147483646;margin:0 auto;max-width:60rem;padding:1rem 1.25rem;border-radius:6px;border-top:4px solid #f5a623;background:#1c1c1f;color:#ececec;box-shadow:0 8px 32px rgba(0,0,0,.45);font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;text-align:left";

const FAILED_HEAD: &str = "Build failed: the page below is the last good build. Fix the file and save; this page updates by itself.";
const WARNINGS_HEAD: &str =
    "Built with warnings: the page below is up to date. Fix the files and save to clear them.";

/// The overlay as HTML, for pages loaded while the last build is failing. The script builds the
/// same markup from the `error` event, so both paths look alike.
pub fn overlay_html(diagnostics: &[Value]) -> String {
    overlay(
        OVERLAY_ID,
        OVERLAY_STYLE,
        FAILED_HEAD,
        "#ff9592",
        diagnostics,
    )
}

/// The warnings overlay as HTML, for pages loaded after a build that warned (the script
/// builds the same from `hello`, `reload` and `clear`).
pub fn warnings_html(diagnostics: &[Value]) -> String {
    overlay(
        WARNINGS_ID,
        WARNINGS_STYLE,
        WARNINGS_HEAD,
        "#f5c76a",
        diagnostics,
    )
}

fn overlay(id: &str, style: &str, head: &str, color: &str, diagnostics: &[Value]) -> String {
    let field = |d: &Value, k: &str| d.get(k).and_then(Value::as_str).map(str::to_string);
    let mut s = format!(
        "<div id=\"{id}\" role=\"alert\" style=\"{style}\">\
<button type=\"button\" data-briefing-dismiss aria-label=\"Dismiss\" style=\"float:right;background:none;border:0;color:inherit;font-size:1.25rem;cursor:pointer\">×</button>\
<p style=\"margin:0 0 .75rem;color:{color};font-weight:bold\">{head}</p>"
    );
    for d in diagnostics {
        let mut pos = field(d, "file").unwrap_or_else(|| "<site>".into());
        if let (Some(l), Some(c)) = (
            d.get("line").and_then(Value::as_u64),
            d.get("column").and_then(Value::as_u64),
        ) {
            pos = format!("{pos}:{l}:{c}");
        }
        s.push_str("<div class=\"briefing-error\" style=\"margin:.75rem 0;padding-left:.75rem;border-left:3px solid #e5484d\">");
        s.push_str(&format!(
            "<div style=\"color:#a0a0a0\">{}</div>",
            crate::clean::escape(&pos)
        ));
        s.push_str(&format!(
            "<div style=\"font-weight:bold;white-space:pre-wrap\">{}</div>",
            crate::clean::escape(&field(d, "message").unwrap_or_default())
        ));
        if let Some(excerpt) = excerpt(d) {
            s.push_str(&format!(
                "<pre class=\"briefing-excerpt\" style=\"{EXCERPT_STYLE}\">{}</pre>",
                crate::clean::escape(&excerpt)
            ));
        }
        if let Some(h) = field(d, "hint") {
            s.push_str(&format!(
                "<div style=\"color:#7ee787;white-space:pre-wrap\">help: {}</div>",
                crate::clean::escape(&h)
            ));
        }
        s.push_str("</div>");
    }
    s.push_str("</div>");
    s
}

const EXCERPT_STYLE: &str = "margin:.25rem 0;padding:0;background:none;color:inherit;font:inherit;white-space:pre;overflow-x:auto";

/// The source line and a caret under the span, as the terminal report draws them:
/// `12 │ text` over `   │      ^^^^`. Tabs before the span stay tabs so the caret lines up.
/// The script's `excerpt` draws the same.
fn excerpt(d: &Value) -> Option<String> {
    let text = d.get("source_line")?.as_str()?;
    let line = d.get("line")?.as_u64()?;
    let start = d.get("column")?.as_u64()?.max(1) as usize;
    let end = d.get("end_column").and_then(Value::as_u64).unwrap_or(0) as usize;
    let gutter = line.to_string();
    let pad: String = text
        .chars()
        .take(start - 1)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let carets = "^".repeat(end.saturating_sub(start).max(1));
    Some(format!(
        "{gutter} │ {text}\n{} │ {pad}{carets}",
        " ".repeat(gutter.len())
    ))
}

/// The note `serve` puts on its 404 page for the address of a draft brief (never in
/// `output/404.html`: a published site says nothing of its drafts).
pub fn draft_hint_html() -> String {
    format!(
        "<div id=\"{DRAFT_HINT_ID}\" role=\"note\" style=\"{WARNINGS_STYLE}\"><p style=\"margin:0\">This page is a draft; restart with <code>briefing serve --drafts</code> to preview it.</p></div>"
    )
}

/// Runs in every served page. Kept dependency-free and small; it must never throw, because a
/// broken reload script would leave the author staring at stale pages.
pub const SCRIPT: &str = r#"(function () {
  "use strict";
  var cfg = window.__briefing || {};
  var build = cfg.build;
  var KEY = "briefing:scroll:" + location.pathname;

  try {
    var saved = sessionStorage.getItem(KEY);
    if (saved !== null) {
      sessionStorage.removeItem(KEY);
      var y = parseFloat(saved) || 0;
      var restore = function () { window.scrollTo(0, y); };
      if (document.readyState === "complete") restore(); else window.addEventListener("load", restore);
    }
  } catch (e) {}

  function reload() {
    try { sessionStorage.setItem(KEY, String(window.scrollY)); } catch (e) {}
    location.reload();
  }

  function hide(id) {
    var el = document.getElementById(id || cfg.overlay);
    if (el) el.parentNode.removeChild(el);
  }

  function wire(el) {
    var b = el.querySelector("[data-briefing-dismiss]");
    if (b) b.addEventListener("click", function () { hide(el.id); });
  }

  // The source line with a caret under the span, as the server draws it (`excerpt` there).
  function excerpt(d) {
    if (typeof d.source_line !== "string" || d.line == null || d.column == null) return null;
    var gutter = String(d.line), start = Math.max(1, d.column), end = d.end_column || 0;
    var chars = Array.from(d.source_line), pad = "";
    for (var i = 0; i < start - 1 && i < chars.length; i++) pad += chars[i] === "\t" ? "\t" : " ";
    var carets = new Array(Math.max(1, end - start) + 1).join("^");
    var pre = document.createElement("pre");
    pre.className = "briefing-excerpt";
    pre.setAttribute("style", "margin:.25rem 0;padding:0;background:none;color:inherit;font:inherit;white-space:pre;overflow-x:auto");
    pre.textContent = gutter + " \u2502 " + d.source_line + "\n" + new Array(gutter.length + 1).join(" ") + " \u2502 " + pad + carets;
    return pre;
  }

  function div(style, text) {
    var d = document.createElement("div");
    if (style) d.setAttribute("style", style);
    if (text !== undefined) d.textContent = text;
    return d;
  }

  function show(diags, warn) {
    var id = warn ? cfg.warnings : cfg.overlay;
    hide(id);
    if (warn && !(diags && diags.length)) return;
    var root = div(warn ? cfg.warning_style : cfg.style);
    root.id = id;
    root.setAttribute("role", "alert");
    var btn = document.createElement("button");
    btn.type = "button";
    btn.setAttribute("data-briefing-dismiss", "");
    btn.setAttribute("aria-label", "Dismiss");
    btn.setAttribute("style", "float:right;background:none;border:0;color:inherit;font-size:1.25rem;cursor:pointer");
    btn.textContent = "\u00d7";
    root.appendChild(btn);
    var head = document.createElement("p");
    head.setAttribute("style", "margin:0 0 .75rem;color:" + (warn ? '#f5c76a' : '#ff9592') + ";font-weight:bold");
    head.textContent = warn ? "Built with warnings: the page below is up to date. Fix the files and save to clear them." : "Build failed: the page below is the last good build. Fix the file and save; this page updates by itself.";
    root.appendChild(head);
    (diags || []).forEach(function (d) {
      var box = div("margin:.75rem 0;padding-left:.75rem;border-left:3px solid #e5484d");
      box.className = "briefing-error";
      var pos = d.file || "<site>";
      if (d.line != null && d.column != null) pos += ":" + d.line + ":" + d.column;
      box.appendChild(div("color:#a0a0a0", pos));
      box.appendChild(div("font-weight:bold;white-space:pre-wrap", d.message || ""));
      var ex = excerpt(d);
      if (ex) box.appendChild(ex);
      if (d.hint) box.appendChild(div("color:#7ee787;white-space:pre-wrap", "help: " + d.hint));
      root.appendChild(box);
    });
    wire(root);
    (document.body || document.documentElement).appendChild(root);
  }

  // The output file this tab shows, to tell whether a rebuild touched it.
  function currentFile() {
    var p = location.pathname;
    try { p = decodeURIComponent(p); } catch (e) {}
    p = p.replace(/^\/+/, "");
    if (p === "" || p.charAt(p.length - 1) === "/") p += "index.html";
    return p;
  }

  function swapCss(id) {
    var links = document.querySelectorAll('link[rel~="stylesheet"]');
    Array.prototype.forEach.call(links, function (link) {
      var url;
      try { url = new URL(link.href, location.href); } catch (e) { return; }
      if (url.origin !== location.origin) return;
      url.searchParams.set("briefing-reload", id);
      var next = link.cloneNode(false);
      next.href = url.href;
      // Remove the old sheet only once the new one applies, so the page does not flash unstyled.
      var done = function () { if (link.parentNode) link.parentNode.removeChild(link); };
      next.addEventListener("load", done);
      next.addEventListener("error", done);
      link.parentNode.insertBefore(next, link.nextSibling);
    });
  }

  function data(e) {
    try { return JSON.parse(e.data); } catch (err) { return null; }
  }

  function onReload(m) {
    hide();
    show(m.warnings, true);
    if (m.css_only) { swapCss(m.build); build = m.build; return; }
    var here = currentFile();
    var touches = cfg.not_found || m.full || m.paths.some(function (p) {
      // Anything but another page (an image, a script, a font) may be used by this one.
      return p === here || !/\.html?$/.test(p);
    });
    if (touches) reload(); else build = m.build;
  }

  [cfg.overlay, cfg.warnings].forEach(function (id) {
    var wired = document.getElementById(id);
    if (wired) wire(wired);
  });

  // Browsers allow only six connections per host over HTTP/1.1, and every open event stream
  // holds one; hidden tabs let theirs go and catch up through `hello` when shown again.
  var es = null;
  function connect() {
    if (es || document.hidden) return;
    var source = new EventSource(cfg.events);
    es = source;
    source.addEventListener("hello", function (e) {
      var m = data(e);
      if (!m) return;
      if (m.build !== build) { reload(); return; }
      if (m.diagnostics) show(m.diagnostics); else hide();
      show(m.warnings, true);
    });
    source.addEventListener("reload", function (e) { var m = data(e); if (m) onReload(m); });
    source.addEventListener("clear", function (e) { var m = data(e); hide(); if (m) { build = m.build; show(m.warnings, true); } });
    // A named "error" event shares its name with the connection-error event; only ours has data.
    source.addEventListener("error", function (e) {
      if (typeof e.data === "string") {
        var m = data(e);
        if (m) show(m.diagnostics);
        return;
      }
      // The browser retries by itself unless it gave up (e.g. the server answered with an error
      // while restarting); then start again a little later.
      if (source.readyState === 2 && es === source) { es = null; setTimeout(connect, 1000); }
    });
  }
  function disconnect() {
    if (es) { es.close(); es = null; }
  }
  if (typeof EventSource === "function") {
    document.addEventListener("visibilitychange", function () { if (document.hidden) disconnect(); else connect(); });
    window.addEventListener("pagehide", disconnect);
    window.addEventListener("pageshow", connect);
    connect();
  }
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_escapes_everything_from_the_site() {
        let d = json!({ "file": "content/<a>.md", "line": 3, "column": 7, "message": "bad </script><script>alert(1)</script>", "hint": "use \"x\" & 'y'" });
        let html = overlay_html(&[d]);
        assert!(html.contains("content/&lt;a&gt;.md:3:7"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&quot;x&quot; &amp; &#39;y&#39;"), "{html}");
        assert!(html.contains(OVERLAY_ID));
    }

    #[test]
    fn overlay_shows_the_source_line_with_a_caret_escaped() {
        let d = json!({ "file": "content/a.md", "line": 12, "column": 7, "end_column": 20,
            "source_line": "\tSee [<b>x</b>](../gone/) & more", "message": "broken link to ../gone/" });
        for html in [overlay_html(std::slice::from_ref(&d)), warnings_html(&[d])] {
            let doc = scraper::Html::parse_fragment(&html);
            let pre = scraper::Selector::parse("pre.briefing-excerpt").unwrap();
            let text: String = doc
                .select(&pre)
                .next()
                .unwrap_or_else(|| panic!("no excerpt in {html}"))
                .text()
                .collect();
            assert_eq!(
                text,
                "12 │ \tSee [<b>x</b>](../gone/) & more\n   │ \t     ^^^^^^^^^^^^^"
            );
            // The source's markup is text, not elements.
            let b = scraper::Selector::parse("b").unwrap();
            assert_eq!(doc.select(&b).count(), 0, "{html}");
        }
        // No source line (an I/O error): no excerpt.
        let html = overlay_html(&[json!({ "message": "m", "file": "x" })]);
        assert!(!html.contains("briefing-excerpt"), "{html}");
    }

    #[test]
    fn snippet_json_cannot_close_the_script() {
        let s = snippet("a</script>b", None, false);
        assert_eq!(s.matches("</script>").count(), 1, "{s}");
        assert!(s.contains("a\\u003c/script\\u003eb"));
    }

    #[test]
    fn events_carry_their_name_and_payload() {
        let m = Message::Reload {
            build: "1".into(),
            paths: Arc::new(vec!["style.css".into()]),
            css_only: true,
            warnings: None,
        };
        let (name, data) = m.parts();
        assert_eq!(name, "reload");
        assert_eq!(
            data,
            json!({ "build": "1", "paths": ["style.css"], "css_only": true, "warnings": null })
        );
        let (name, data) = Message::Hello {
            build: "2".into(),
            diagnostics: None,
            warnings: Some(Arc::new(vec![json!({ "message": "w" })])),
        }
        .parts();
        assert_eq!(name, "hello");
        assert_eq!(data["diagnostics"], Value::Null);
        assert_eq!(data["warnings"][0]["message"], "w");
        let text = format!("{:?}", m.to_event());
        assert!(text.contains("event: reload"), "{text}");
    }
}
