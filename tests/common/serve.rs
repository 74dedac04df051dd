//! A running `briefing serve` for tests: started on a free loopback port, spoken to over HTTP,
//! killed when dropped so a failing test leaves nothing behind.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::BIN;

/// Debug binaries on a busy two-core machine start slowly; this only bounds a hang.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long an edit may take to show up in a served page.
pub const EDIT_TIMEOUT: Duration = Duration::from_secs(10);

/// A port nobody listens on right now (the server moves up if it is taken in the meantime).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// An HTTP client that reports every status as a value and never follows redirects.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// One response, whole.
#[derive(Debug)]
pub struct Fetched {
    pub status: u16,
    pub ctype: String,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

impl Fetched {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// GET `url` with `agent`; transport errors (refused, reset, timed out, cut short) are `Err`.
pub fn fetch(agent: &ureq::Agent, url: &str) -> Result<Fetched, String> {
    let mut res = agent.get(url).call().map_err(|e| e.to_string())?;
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let status = res.status().as_u16();
    let ctype = header("content-type").unwrap_or_default();
    let location = header("location");
    let body = res
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .map_err(|e| format!("reading the body: {e}"))?;
    Ok(Fetched {
        status,
        ctype,
        location,
        body,
    })
}

/// A running `briefing serve`; killed when dropped.
pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:PORT`, without the trailing slash.
    pub base: String,
    pub root: PathBuf,
    lines: Arc<Mutex<Vec<String>>>,
    agent: ureq::Agent,
    _site: Option<tempfile::TempDir>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn capture(stream: impl Read + Send + 'static, tag: &'static str, lines: Arc<Mutex<Vec<String>>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            lines.lock().unwrap().push(format!("{tag}{line}"));
        }
    });
}

impl Server {
    /// Serves the site at the root of `site` on a free port; the folder lives as long as the server.
    pub fn start(site: tempfile::TempDir) -> Server {
        let root = site.path().to_path_buf();
        Server::start_at(&root, free_port(), Some(site))
    }

    pub fn start_at(root: &Path, port: u16, site: Option<tempfile::TempDir>) -> Server {
        Server::start_with(root, port, site, &[])
    }

    /// Like [`Server::start_at`], with more `serve` arguments.
    pub fn start_with(
        root: &Path,
        port: u16,
        site: Option<tempfile::TempDir>,
        args: &[&str],
    ) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--root"])
            .arg(root)
            .args(["--port", &port.to_string()])
            .args(args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        capture(child.stdout.take().unwrap(), "", lines.clone());
        capture(child.stderr.take().unwrap(), "stderr: ", lines.clone());
        let mut server = Server {
            child,
            base: String::new(),
            root: root.to_path_buf(),
            lines,
            agent: agent(),
            _site: site,
        };
        // The URL comes from the server's own line: if the port was taken in the meantime it
        // moved to the next one and says so.
        let line = server.wait_for_line(|l| l.starts_with("Serving "), START_TIMEOUT);
        let url = line
            .split(" at ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .unwrap();
        server.base = url.trim_end_matches('/').to_string();
        server
    }

    /// Everything the server printed so far, stderr lines tagged `stderr: `.
    pub fn output(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    /// The last `n` lines the server printed.
    pub fn output_tail(&self, n: usize) -> String {
        let lines = self.lines.lock().unwrap();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    pub fn wait_for_line(&mut self, pred: impl Fn(&str) -> bool, timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            if let Some(l) = self.lines.lock().unwrap().iter().find(|l| pred(l)) {
                return l.clone();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("briefing serve exited with {status}:\n{}", self.output());
            }
            assert!(
                start.elapsed() < timeout,
                "timed out waiting for the server; it printed:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The exit status, if the server is no longer running.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET `path`; a transport error fails the test.
    pub fn fetch(&self, path: &str) -> Fetched {
        fetch(&self.agent, &self.url(path))
            .unwrap_or_else(|e| panic!("GET {path}: {e}\n{}", self.output_tail(60)))
    }

    /// Status, content type, and the `Location` header if there is one, else the body.
    pub fn get(&self, path: &str) -> (u16, String, String) {
        let f = self.fetch(path);
        let body = f.location.clone().unwrap_or_else(|| f.text());
        (f.status, f.ctype, body)
    }

    pub fn page(&self, path: &str) -> String {
        let (status, _, body) = self.get(path);
        assert_eq!(status, 200, "GET {path}:\n{body}");
        body
    }

    /// Polls `path` until its body satisfies `pred`.
    pub fn wait_for_page(&self, path: &str, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let (_, _, body) = self.get(path);
            if pred(&body) {
                return body;
            }
            assert!(
                start.elapsed() < EDIT_TIMEOUT,
                "{path} never {what}; the server printed:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends `raw_path` exactly as given, so no client can tidy it up first.
    pub fn raw_get(&self, raw_path: &str) -> String {
        let addr = self.base.trim_start_matches("http://");
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "GET {raw_path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// GET `raw_target` with the given `Host` header (none: an HTTP/1.0 request without one).
    /// Returns the status and the body; only the head is read when the body has no length
    /// (the event stream never ends).
    pub fn get_as(&self, host: Option<&str>, raw_target: &str) -> (u16, String) {
        let addr = self.base.trim_start_matches("http://");
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let request = match host {
            Some(h) => {
                format!("GET {raw_target} HTTP/1.1\r\nHost: {h}\r\nConnection: close\r\n\r\n")
            }
            None => format!("GET {raw_target} HTTP/1.0\r\n\r\n"),
        };
        s.write_all(request.as_bytes()).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let text = String::from_utf8_lossy(&got).into_owned();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head.lines().find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())
                        .flatten()
                });
                if length.is_none_or(|n| body.len() >= n) {
                    let status = head
                        .split_whitespace()
                        .nth(1)
                        .and_then(|c| c.parse().ok())
                        .unwrap_or_else(|| panic!("no status in {head:?}"));
                    return (status, body.to_string());
                }
            }
            match s.read(&mut buf) {
                Ok(0) => panic!(
                    "GET {raw_target} as {host:?}: connection closed early after {text:?}\n{}",
                    self.output_tail(40)
                ),
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) => panic!("GET {raw_target} as {host:?}: {e} after {text:?}"),
            }
        }
    }

    /// How many rebuilds the server has reported.
    pub fn rebuilds(&self) -> usize {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.starts_with("Rebuilt "))
            .count()
    }

    /// The server's resident set size in KiB (`VmRSS` in `/proc/PID/status`), on Linux.
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}
