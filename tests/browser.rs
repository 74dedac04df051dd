//! `briefing serve` seen from a real browser: a page open in headless Chromium follows edits on
//! disk by itself (live reload), shows the error overlay while a template is broken, and drops it
//! once the template is fixed. No navigation is issued by the test after the first load.
//!
//! Needs Chromium (tools/env.sh, scripts/setup-test-tools): skipped with a loud note when it is
//! missing, except under CI, where it fails.

#[path = "support/cdp.rs"]
mod cdp;
#[path = "support/tools.rs"]
mod tools;

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::{self, sleep};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The overlay's id, as `src/serve/reload.rs` (OVERLAY_ID) sets it.
const OVERLAY_ID: &str = "briefing-error-overlay";
/// How long a change may take to show in the page.
const CHANGE_TIMEOUT: Duration = Duration::from_secs(10);
const POLL_EVERY: Duration = Duration::from_millis(100);

fn brief(body: &str) -> String {
    format!("+++\ntitle = \"First note\"\ndate = 2024-03-01\n+++\n{body}\n")
}

/// A small site: the repository's default theme, a home page, a section and one brief.
fn small_site() -> TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path();
    let theme = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
    for e in walkdir::WalkDir::new(&theme) {
        let e = e.expect("walk the default theme");
        let to = root
            .join("themes/default")
            .join(e.path().strip_prefix(&theme).expect("inside the theme"));
        if e.file_type().is_dir() {
            fs::create_dir_all(&to).expect("create theme folder");
        } else {
            fs::copy(e.path(), &to).expect("copy theme file");
        }
    }
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().expect("has a parent")).expect("create folder");
        fs::write(p, text).expect("write site file");
    };
    write(
        "briefing.toml",
        "title = \"Live reload test\"\ntheme = \"default\"\n",
    );
    write(
        "content/_index.md",
        "+++\ntitle = \"Live reload test\"\n+++\nThe home page.\n",
    );
    write(
        "content/notes/_index.md",
        "+++\ntitle = \"Notes\"\n+++\nThe notes.\n",
    );
    write("content/notes/first.md", &brief("ORIGINAL-TEXT"));
    dir
}

/// A running `briefing serve`, stopped on drop; its output is kept for failure messages.
struct Server {
    child: Child,
    output: Arc<Mutex<String>>,
    url: String,
}

impl Server {
    fn start(root: &Path) -> Server {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").expect("bind a free local port");
            l.local_addr().expect("local address").port()
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_briefing"))
            .arg("serve")
            .arg("--root")
            .arg(root)
            .arg("--port")
            .arg(port.to_string())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start briefing serve");
        let output = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let out = output.clone();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // "Serving ROOT at URL (Ctrl-C to stop)": the port may differ from the one
                // asked for if another process took it meanwhile.
                if line.starts_with("Serving ")
                    && let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://"))
                {
                    let _ = tx.send(url.to_string());
                }
                out.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        let err = output.clone();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                err.lock().unwrap().push_str(&format!("[stderr] {line}\n"));
            }
        });
        let mut server = Server {
            child,
            output,
            url: format!("http://127.0.0.1:{port}/"),
        };
        // The first build of a debug binary on a busy CI machine can take a while.
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => server.url = url,
            Err(_) => {
                let status = server.child.try_wait().ok().flatten();
                panic!(
                    "briefing serve did not say where it serves within 60 s (exit: {status:?})\n{}",
                    server.output()
                );
            }
        }
        server
    }

    fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}/{}",
            self.url.trim_end_matches('/'),
            path.trim_start_matches('/')
        )
    }

    /// Waits until GET `path` answers 200.
    fn wait_for_ok(&self, path: &str, timeout: Duration) {
        let start = Instant::now();
        let mut last = String::new();
        while start.elapsed() < timeout {
            match http_status(&self.url, path) {
                Ok(200) => return,
                Ok(code) => last = format!("status {code}"),
                Err(e) => last = e.to_string(),
            }
            sleep(Duration::from_millis(100));
        }
        panic!(
            "{} did not answer 200 within {timeout:?} (last: {last})\n{}",
            self.url(path),
            self.output()
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The status code of a plain HTTP/1.1 GET.
fn http_status(base: &str, path: &str) -> std::io::Result<u16> {
    let host = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut s = TcpStream::connect(&host)?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head)?;
    let text = String::from_utf8_lossy(&head);
    text.get(9..12)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {text:?}")))
}

fn body_has(text: &str) -> String {
    format!("!!document.body && document.body.innerText.includes({text:?})")
}

fn overlay_text(b: &mut cdp::Browser) -> String {
    b.eval(&format!(
        "document.getElementById({OVERLAY_ID:?})?.innerText ?? ''"
    ))
    .ok()
    .and_then(|v| v.as_str().map(str::to_string))
    .unwrap_or_default()
}

/// Polls `expr` until true; panics with `what`, the page text and serve's output otherwise.
fn wait_until(b: &mut cdp::Browser, server: &Server, expr: &str, what: &str) -> Duration {
    match b.poll(expr, POLL_EVERY, CHANGE_TIMEOUT) {
        Some(t) => t,
        None => {
            let body = b
                .eval("document.body ? document.body.innerText : '(no body)'")
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let overlay = overlay_text(b);
            panic!(
                "{what}: not seen within {CHANGE_TIMEOUT:?}\n--- page text\n{body}\n--- overlay\n{overlay}\n--- briefing serve\n{}",
                server.output()
            );
        }
    }
}

#[test]
fn open_page_follows_edits_and_shows_template_errors() {
    let Some(chromium) = tools::chromium() else {
        return;
    };
    let site = small_site();
    let root = site.path();
    let t = Instant::now();
    let server = Server::start(root);
    server.wait_for_ok("/notes/first/", Duration::from_secs(30));
    eprintln!(
        "briefing serve ready in {:?} at {}",
        t.elapsed(),
        server.url
    );

    let t = Instant::now();
    let mut b = cdp::Browser::launch(&chromium);
    b.navigate(&server.url("/notes/first/"));
    eprintln!("Chromium started and loaded the page in {:?}", t.elapsed());
    assert!(
        b.eval_ok(&body_has("ORIGINAL-TEXT")) == serde_json::Value::Bool(true),
        "the served page does not show the brief's text\n{}",
        server.output()
    );
    // Let the page's live-reload connection open, so that what follows tests the events rather
    // than the catch-up a late connection gets.
    sleep(Duration::from_millis(300));

    // (a) An edit to the brief shows up in the open page by itself.
    let brief_path = root.join("content/notes/first.md");
    let t = Instant::now();
    fs::write(&brief_path, brief("UPDATED-TEXT")).expect("rewrite the brief");
    wait_until(
        &mut b,
        &server,
        &format!(
            "{} && !document.body.innerText.includes('ORIGINAL-TEXT')",
            body_has("UPDATED-TEXT")
        ),
        "the edited brief (UPDATED-TEXT) in the open page",
    );
    let edit = t.elapsed();
    eprintln!("edit -> page shows UPDATED-TEXT: {edit:?}");

    // (b) A broken template: the page keeps the last good build under the error overlay, which
    // names the template.
    let template = root.join("templates/brief.html");
    fs::create_dir_all(template.parent().expect("has a parent")).expect("create templates/");
    let t = Instant::now();
    fs::write(&template, "{% if %}\n").expect("write the broken template");
    wait_until(
        &mut b,
        &server,
        &format!("!!document.getElementById({OVERLAY_ID:?})"),
        "the error overlay after breaking templates/brief.html",
    );
    let broken = t.elapsed();
    let text = overlay_text(&mut b);
    assert!(
        text.contains("templates/brief.html"),
        "the error overlay does not name templates/brief.html:\n{text}\n--- briefing serve\n{}",
        server.output()
    );
    assert!(
        b.eval_ok(&body_has("UPDATED-TEXT")) == serde_json::Value::Bool(true),
        "under the overlay, the page no longer shows the last good build"
    );
    eprintln!("broken template -> overlay: {broken:?}");

    // (c) Removing the broken template clears the overlay and the page is whole again.
    let t = Instant::now();
    fs::remove_file(&template).expect("delete the broken template");
    wait_until(
        &mut b,
        &server,
        &format!(
            "!document.getElementById({OVERLAY_ID:?}) && {}",
            body_has("UPDATED-TEXT")
        ),
        "the overlay gone and UPDATED-TEXT shown after deleting templates/brief.html",
    );
    let fixed = t.elapsed();
    eprintln!("template deleted -> overlay gone: {fixed:?}");

    // (d) The overlay the script builds from the `error` event shows the source line with a
    // caret, as the terminal does.
    fs::write(
        &brief_path,
        brief("UPDATED-TEXT").replace("title = ", "titel = "),
    )
    .expect("break the front matter");
    let excerpt =
        format!("document.querySelector('#{OVERLAY_ID} pre.briefing-excerpt')?.innerText ?? ''");
    wait_until(
        &mut b,
        &server,
        &format!("({excerpt}).length > 0"),
        "the source excerpt in the error overlay",
    );
    let shown = b.eval_ok(&excerpt);
    assert_eq!(
        shown.as_str(),
        Some("2 │ titel = \"First note\"\n  │ ^^^^^"),
        "{shown}"
    );

    // (e) A broken image is a warning: the page is the new one, under the warnings overlay,
    // which goes when the image is fixed.
    const WARNINGS_ID: &str = "briefing-warning-overlay";
    fs::write(&brief_path, brief("WARNED-TEXT ![a map](nomap.png)")).expect("add an image");
    wait_until(
        &mut b,
        &server,
        &format!(
            "{} && !document.getElementById({OVERLAY_ID:?}) && !!document.querySelector('#{WARNINGS_ID} pre.briefing-excerpt')",
            body_has("WARNED-TEXT")
        ),
        "the warnings overlay with the missing image",
    );
    fs::write(&brief_path, brief("WARNED-TEXT")).expect("drop the image");
    wait_until(
        &mut b,
        &server,
        &format!("!document.getElementById({WARNINGS_ID:?})"),
        "the warnings overlay gone once the image is dropped",
    );

    b.close();
    tools::note(&format!(
        "browser: live reload timings: edit {edit:?}, broken template {broken:?}, fixed template {fixed:?}"
    ));
}
