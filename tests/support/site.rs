//! The repository's example site for the browser tests: built by the real binary into a
//! temporary folder, and served over HTTP from a thread of the test (a file server just big
//! enough for Chromium: GET and HEAD of files, folders as their index.html).

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The example site, built into a temporary folder for `base` (a local address).
pub struct Site {
    _dir: TempDir,
    pub out: PathBuf,
    pub base: String,
    listener: Option<TcpListener>,
}

/// Builds the repository's example site with base_url on a free local port; the port's listener
/// is kept for `serve`, so no other process can take it meanwhile.
pub fn build_example() -> Site {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temporary folder");
    build(&repo, dir)
}

/// The example site with some of its files left out (paths from the repository root, such as
/// `content/hedges/india.fr.md`): a copy of the site's own files in a temporary folder, built
/// like `build_example`. Every page of the example is translated; leaving a translation out
/// gives a page that is not.
pub fn build_example_without(left_out: &[&str]) -> Site {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path().join("site");
    for part in ["briefing.toml", "terms.toml", "content", "themes"] {
        for e in walkdir::WalkDir::new(repo.join(part)) {
            let e = e.expect("read the example site");
            let rel = e.path().strip_prefix(&repo).expect("inside the repository");
            let to = root.join(rel);
            if e.file_type().is_dir() {
                std::fs::create_dir_all(&to).expect("create a folder");
            } else if !left_out.iter().any(|l| Path::new(l) == rel) {
                std::fs::create_dir_all(to.parent().expect("a parent")).expect("create a folder");
                std::fs::copy(e.path(), &to).expect("copy a file of the example");
            }
        }
    }
    for l in left_out {
        assert!(repo.join(l).is_file(), "the example site has no file {l}");
    }
    build(&root, dir)
}

/// Builds the site at `root` into `dir`/out.
fn build(root: &Path, dir: TempDir) -> Site {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free local port");
    let port = listener.local_addr().expect("local address").port();
    let base = format!("http://127.0.0.1:{port}/");
    let out = dir.path().join("out");
    let t = Instant::now();
    build_site_into(root, &out, &base);
    eprintln!("built the example site in {:?}", t.elapsed());
    Site {
        _dir: dir,
        out,
        base,
        listener: Some(listener),
    }
}

/// Builds the repository's example site into `out` with base_url `base`, failing the test with
/// the build's output if the build fails.
pub fn build_example_into(out: &Path, base: &str) {
    build_site_into(Path::new(env!("CARGO_MANIFEST_DIR")), out, base);
}

/// Builds the site at `root` into `out` with base_url `base`, failing the test with the
/// build's output if the build fails.
fn build_site_into(root: &Path, out: &Path, base: &str) {
    let run = Command::new(env!("CARGO_BIN_EXE_briefing"))
        .arg("build")
        .arg("--root")
        .arg(root)
        .arg("--output")
        .arg(out)
        .arg("--base-url")
        .arg(base)
        .env("NO_COLOR", "1")
        .output()
        .expect("run briefing build");
    assert!(
        run.status.success(),
        "briefing build of the example site failed ({})\n--- stdout\n{}\n--- stderr\n{}",
        run.status,
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
}

impl Site {
    /// Serves the output folder on the site's port from a background thread, for the rest of
    /// the test.
    pub fn serve(&mut self) {
        let listener = self.listener.take().expect("served once");
        let root = self.out.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let root = root.clone();
                thread::spawn(move || {
                    let _ = respond(stream, &root);
                });
            }
        });
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path.trim_start_matches('/'))
    }
}

/// One HTTP/1.1 exchange of the test's static file server: GET (or HEAD) of a file under `root`,
/// a folder meaning its index.html; 404 for anything else. The connection closes after it.
fn respond(stream: TcpStream, root: &Path) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(&stream);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
    }
    let mut parts = request.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let file = resolve(root, path).filter(|_| method == "GET" || method == "HEAD");
    let mut out = &stream;
    match file.and_then(|f| std::fs::read(&f).ok().map(|body| (f, body))) {
        Some((f, body)) => {
            write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
                content_type(&f),
                body.len()
            )?;
            if method == "GET" {
                out.write_all(&body)?;
            }
        }
        None => {
            let body = b"not found";
            write!(
                out,
                "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )?;
            out.write_all(body)?;
        }
    }
    out.flush()
}

/// The file a URL path names under `root`, if it exists; never outside `root`.
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(url_path)
        .decode_utf8()
        .ok()?;
    let rel = Path::new(decoded.trim_start_matches('/'));
    if rel
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return None;
    }
    let mut p = root.join(rel);
    if p.is_dir() {
        p = p.join("index.html");
    } else if decoded.ends_with('/') {
        return None;
    }
    p.is_file().then_some(p)
}

fn content_type(p: &Path) -> &'static str {
    let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
    match ext {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "wasm" => "application/wasm",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        // pagefind's index files: .pagefind, .pf_meta, .pf_index, .pf_fragment, .pf_filter
        _ => "application/octet-stream",
    }
}
