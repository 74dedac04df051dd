//! A small blocking Chrome DevTools Protocol client for the browser tests: starts a headless
//! Chromium with a fresh profile, opens one tab, and drives it (navigate, evaluate, emulate
//! dark mode). One process per test; the tab is reused across pages.
//!
//! The process is always stopped: `Browser.close` first, then a kill, in `Drop`, so a failing
//! assertion does not leave a Chromium behind.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::fs;
use std::io::ErrorKind;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tempfile::TempDir;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

/// How long one protocol command may take before the test fails. Generous: CI has two cores
/// shared with other test binaries, and axe on a long page takes a few seconds there.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// How long Chromium may take to start and open its DevTools port.
const START_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Browser {
    child: Child,
    ws: Option<WebSocket<MaybeTlsStream<TcpStream>>>,
    next_id: u64,
    /// Events read while waiting for something else, oldest first.
    events: VecDeque<Value>,
    /// The flattened session of the one tab.
    session: String,
    profile: TempDir,
}

impl Browser {
    /// Starts headless Chromium (the binary at `exe`) and opens a blank tab. Panics when it
    /// cannot: a Chromium that is installed but does not start is a real failure.
    pub fn launch(exe: &Path) -> Browser {
        let profile = tempfile::Builder::new()
            .prefix("briefing-chromium-")
            .tempdir()
            .expect("temporary profile folder");
        let child = Command::new(exe)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-dev-shm-usage",
                "--window-size=1280,900",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args([
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "about:blank",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
        // From here on, Drop stops the process whatever happens.
        let mut b = Browser {
            child,
            ws: None,
            next_id: 0,
            events: VecDeque::new(),
            session: String::new(),
            profile,
        };
        let (port, path) = b.devtools_port();
        let url = format!("ws://127.0.0.1:{port}{path}");
        let (ws, _) = tungstenite::connect(&url)
            .unwrap_or_else(|e| panic!("cannot connect to Chromium's DevTools at {url}: {e}"));
        if let MaybeTlsStream::Plain(s) = ws.get_ref() {
            // Reads wake up now and then so every wait can keep to its deadline.
            s.set_read_timeout(Some(Duration::from_millis(200)))
                .expect("set read timeout");
            s.set_nodelay(true).ok();
        }
        b.ws = Some(ws);

        let target = b.browser_call("Target.createTarget", json!({ "url": "about:blank" }));
        let target_id = target["targetId"]
            .as_str()
            .expect("Target.createTarget returns a targetId")
            .to_string();
        let attached = b.browser_call(
            "Target.attachToTarget",
            json!({ "targetId": target_id, "flatten": true }),
        );
        b.session = attached["sessionId"]
            .as_str()
            .expect("Target.attachToTarget returns a sessionId")
            .to_string();
        b.call("Page.enable", json!({}));
        b
    }

    /// Waits for `DevToolsActivePort` in the profile: line 1 the port, line 2 the browser's path.
    fn devtools_port(&mut self) -> (u16, String) {
        let file = self.profile.path().join("DevToolsActivePort");
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(text) = fs::read_to_string(&file) {
                let mut lines = text.lines();
                if let (Some(port), Some(path)) = (lines.next(), lines.next())
                    && let Ok(port) = port.trim().parse::<u16>()
                    && path.starts_with("/devtools/")
                {
                    return (port, path.trim().to_string());
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("Chromium exited during start-up ({status}) before opening DevTools");
            }
            assert!(
                Instant::now() < deadline,
                "Chromium did not open its DevTools port within {START_TIMEOUT:?}"
            );
            sleep(Duration::from_millis(50));
        }
    }

    fn ws(&mut self) -> &mut WebSocket<MaybeTlsStream<TcpStream>> {
        self.ws.as_mut().expect("DevTools connection is open")
    }

    /// Reads one protocol message, or `None` when nothing arrived within the read timeout.
    fn read(&mut self) -> Option<Value> {
        match self.ws().read() {
            Ok(Message::Text(t)) => Some(
                serde_json::from_str(t.as_str())
                    .unwrap_or_else(|e| panic!("DevTools sent bad JSON ({e}): {t}")),
            ),
            Ok(_) => None,
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
            {
                None
            }
            Err(e) => panic!("DevTools connection failed: {e}"),
        }
    }

    /// Sends one command and waits for its answer, keeping the events that arrive meanwhile.
    fn raw_call(
        &mut self,
        method: &str,
        params: Value,
        session: Option<String>,
    ) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = Value::String(s);
        }
        self.ws()
            .send(Message::Text(msg.to_string().into()))
            .unwrap_or_else(|e| panic!("cannot send {method} to Chromium: {e}"));
        let deadline = Instant::now() + CALL_TIMEOUT;
        loop {
            if let Some(m) = self.read() {
                if m["id"].as_u64() == Some(id) {
                    if let Some(err) = m.get("error") {
                        return Err(format!("{method} failed: {err}"));
                    }
                    return Ok(m["result"].clone());
                }
                if m.get("method").is_some() {
                    self.keep_event(m);
                }
            }
            assert!(
                Instant::now() < deadline,
                "Chromium did not answer {method} within {CALL_TIMEOUT:?}"
            );
        }
    }

    fn keep_event(&mut self, m: Value) {
        // Only this tab's page events are ever waited for; the rest is noise.
        let ours = m["sessionId"].as_str() == Some(self.session.as_str());
        if ours && m["method"].as_str().is_some_and(|n| n.starts_with("Page.")) {
            if self.events.len() >= 256 {
                self.events.pop_front();
            }
            self.events.push_back(m);
        }
    }

    fn browser_call(&mut self, method: &str, params: Value) -> Value {
        self.raw_call(method, params, None)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// A command to the tab; panics when Chromium answers with an error.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.try_call(method, params)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// A command to the tab.
    pub fn try_call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let session = Some(self.session.clone());
        self.raw_call(method, params, session)
    }

    /// Waits for the tab's next event named `method`.
    pub fn wait_event(&mut self, method: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(i) = self.events.iter().position(|e| e["method"] == method) {
                return self.events.remove(i).expect("present");
            }
            if let Some(m) = self.read()
                && m.get("method").is_some()
            {
                self.keep_event(m);
            }
            assert!(
                Instant::now() < deadline,
                "no {method} event within {timeout:?}"
            );
        }
    }

    /// Loads `url` in the tab and waits for its load event.
    pub fn navigate(&mut self, url: &str) {
        self.events.retain(|e| e["method"] != "Page.loadEventFired");
        let r = self.call("Page.navigate", json!({ "url": url }));
        if let Some(err) = r["errorText"].as_str().filter(|e| !e.is_empty()) {
            panic!("cannot load {url}: {err}");
        }
        self.wait_event("Page.loadEventFired", CALL_TIMEOUT);
    }

    /// Evaluates `expr` in the page (awaiting a promise) and returns its value as JSON. An
    /// exception in the page is an `Err` with its description.
    pub fn eval(&mut self, expr: &str) -> Result<Value, String> {
        let r = self.try_call(
            "Runtime.evaluate",
            json!({ "expression": expr, "awaitPromise": true, "returnByValue": true }),
        )?;
        if let Some(ex) = r.get("exceptionDetails") {
            let text = ex["exception"]["description"]
                .as_str()
                .or(ex["text"].as_str())
                .unwrap_or("exception");
            return Err(format!("page threw: {text}"));
        }
        Ok(r["result"]["value"].clone())
    }

    /// Like `eval`, for expressions that must not fail.
    pub fn eval_ok(&mut self, expr: &str) -> Value {
        let short: String = expr.chars().take(120).collect();
        self.eval(expr)
            .unwrap_or_else(|e| panic!("evaluating `{short}`: {e}"))
    }

    /// Polls `expr` every `every` until it is `true`; returns how long that took, or `None` at
    /// the timeout. Errors while polling (e.g. a page reloading under the evaluation) count as
    /// "not yet".
    pub fn poll(&mut self, expr: &str, every: Duration, timeout: Duration) -> Option<Duration> {
        let start = Instant::now();
        loop {
            if self.eval(expr).ok() == Some(Value::Bool(true)) {
                return Some(start.elapsed());
            }
            if start.elapsed() >= timeout {
                return None;
            }
            sleep(every);
        }
    }

    /// Emulates `prefers-color-scheme: dark` (or light) for the tab; stays on across navigations.
    pub fn set_color_scheme(&mut self, dark: bool) {
        let value = if dark { "dark" } else { "light" };
        self.call(
            "Emulation.setEmulatedMedia",
            json!({ "features": [{ "name": "prefers-color-scheme", "value": value }] }),
        );
    }

    /// Closes the browser; also done by `Drop`.
    pub fn close(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        if let Some(mut ws) = self.ws.take() {
            self.next_id += 1;
            let msg = json!({ "id": self.next_id, "method": "Browser.close", "params": {} });
            let _ = ws.send(Message::Text(msg.to_string().into()));
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                sleep(Duration::from_millis(20));
            }
        }
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.shut_down();
    }
}
