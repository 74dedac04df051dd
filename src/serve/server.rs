//! The HTTP side of `serve`: answers requests from the latest build held in memory.
//!
//! Requests are looked up in the build's file map by a normalised relative path, never joined
//! onto a directory, so a crafted URL has nothing on disk to reach. Static files are read into
//! the snapshot too (`SnapshotStore::load_static`); the exceptions, static files over 8 MiB or
//! outside the site root, stay as source paths and are checked again against the root before
//! any read, so a link pointing out of the site is refused.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::body::{Body as HttpBody, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::sse::{KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;
use tokio::sync::watch;

use super::reload::{self, Hub, Message};
use crate::output::Body;

/// One published build, as requests see it. Replaced whole, never edited, so a request sees
/// either the old site or the new one.
pub struct Snapshot {
    pub files: Arc<BTreeMap<String, Body>>,
    /// Changes whenever `files` does; pages carry it so a reconnecting tab can tell it is stale.
    pub build: String,
    /// Set while the latest build failed: its error diagnostics as JSON, and as overlay HTML.
    pub failure: Option<(Arc<Vec<Value>>, Arc<str>)>,
    /// The warnings of the build these files are from, as JSON and as overlay HTML.
    pub warnings: Option<(Arc<Vec<Value>>, Arc<str>)>,
    /// URL paths of the draft briefs the build left out: a 404 there says how to see them.
    pub drafts: Arc<HashSet<String>>,
    /// The build's PDF editions, typeset when first asked for (and again after an edit).
    pub pdfs: crate::build::PdfEditions,
}

/// The snapshot currently being served: swapped whole by the snapshot store (and by the search
/// worker when its bundle is ready), read by every request.
pub type LiveSite = Arc<RwLock<Arc<Snapshot>>>;

pub fn current(live: &LiveSite) -> Arc<Snapshot> {
    // A writer that panicked left a complete snapshot behind (it only swaps an Arc), so a
    // poisoned lock is still safe to read.
    match live.read() {
        Ok(g) => g.clone(),
        Err(p) => p.into_inner().clone(),
    }
}

pub struct App {
    pub site: LiveSite,
    pub hub: Hub,
    /// Which `Host` values requests may carry (see [`super::host`]).
    pub hosts: Arc<super::host::Policy>,
    /// The canonical site root: the only tree static files may be read from.
    pub root: PathBuf,
    pub stop: watch::Receiver<bool>,
}

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(reload::EVENTS_PATH, get(events))
        .fallback(site)
        // A layer on the whole router, so no route (nor the fallback) escapes the check.
        .layer(axum::middleware::from_fn_with_state(
            app.hosts.clone(),
            super::host::guard,
        ))
        .with_state(app)
}

async fn events(State(app): State<Arc<App>>) -> impl IntoResponse {
    let snap = current(&app.site);
    let hello = Message::Hello {
        build: snap.build.clone(),
        diagnostics: snap.failure.as_ref().map(|(d, _)| d.clone()),
        warnings: snap.warnings.as_ref().map(|(d, _)| d.clone()),
    };
    let stream = app.hub.stream(hello, app.stop.clone());
    let mut res = Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// A request path split into safe, decoded segments.
#[derive(Debug, PartialEq, Eq)]
pub struct RequestPath {
    /// Decoded segments joined with `/`; empty for the site root.
    pub key: String,
    pub trailing_slash: bool,
}

/// Splits and decodes a raw (still percent-encoded) URL path.
///
/// Splitting happens before decoding, so `%2f` cannot make a new segment; any decoded segment
/// that is `.` or `..`, or holds a slash, backslash or NUL, is refused rather than resolved,
/// since no page of a generated site has such a name. Empty segments are refused too: `//host`
/// would otherwise turn a redirect into one to another site.
pub fn parse_path(raw: &str) -> Option<RequestPath> {
    let rest = raw.strip_prefix('/')?;
    if rest.is_empty() {
        return Some(RequestPath {
            key: String::new(),
            trailing_slash: true,
        });
    }
    let (rest, trailing_slash) = match rest.strip_suffix('/') {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let mut segs = Vec::new();
    for seg in rest.split('/') {
        let decoded = percent_encoding::percent_decode_str(seg)
            .decode_utf8()
            .ok()?;
        if decoded.is_empty()
            || decoded == "."
            || decoded == ".."
            || decoded.contains(['/', '\\', '\0'])
        {
            return None;
        }
        segs.push(decoded.into_owned());
    }
    Some(RequestPath {
        key: segs.join("/"),
        trailing_slash,
    })
}

#[derive(Debug, PartialEq, Eq)]
pub enum RequestTarget {
    File(String),
    /// To the same path with a trailing slash.
    AddSlash,
    NotFound,
}

/// Maps a request path onto the output file that answers it.
pub fn resolve(files: &BTreeMap<String, Body>, p: &RequestPath) -> RequestTarget {
    if p.key.is_empty() {
        return if files.contains_key("index.html") {
            RequestTarget::File("index.html".into())
        } else {
            RequestTarget::NotFound
        };
    }
    let index = format!("{}/index.html", p.key);
    if p.trailing_slash {
        return if files.contains_key(&index) {
            RequestTarget::File(index)
        } else {
            RequestTarget::NotFound
        };
    }
    if files.contains_key(&p.key) {
        RequestTarget::File(p.key.clone())
    } else if files.contains_key(&index) {
        RequestTarget::AddSlash
    } else {
        RequestTarget::NotFound
    }
}

pub fn content_type(path: &str) -> &'static str {
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        _ => "application/octet-stream",
    }
}

fn is_html(path: &str) -> bool {
    content_type(path).starts_with("text/html")
}

/// Inserts `snippet` before the last `</body>`, or at the end when a page has none.
pub fn inject(html: &[u8], snippet: &str) -> Vec<u8> {
    let at = rfind_ci(html, b"</body").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + snippet.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(snippet.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn rfind_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() > hay.len() {
        return None;
    }
    (0..=hay.len() - needle.len())
        .rev()
        .find(|&i| hay[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

/// Is `path` (after following links) inside `root`? Builds refuse links out of the site, but
/// a file can become one between a build and a request: checked again, by the builds' rule.
pub(crate) fn inside(root: &Path, path: &Path) -> Option<PathBuf> {
    crate::confine::inside(root, path)
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut res = (status, text).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn site(State(app): State<Arc<App>>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut res = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        res.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return res;
    }
    let Some(path) = parse_path(uri.path()) else {
        return plain(StatusCode::BAD_REQUEST, "bad request path\n");
    };
    let snap = current(&app.site);
    if snap.pdfs.has(&path.key) {
        return pdf(&snap, path.key.clone()).await;
    }
    match resolve(&snap.files, &path) {
        RequestTarget::File(key) => respond(&app, &snap, &key, StatusCode::OK).await,
        RequestTarget::AddSlash => {
            // The raw path passed `parse_path`, so it starts with exactly one slash and the
            // Location stays on this server.
            let mut loc = format!("{}/", uri.path());
            if let Some(q) = uri.query() {
                loc.push('?');
                loc.push_str(q);
            }
            match HeaderValue::from_str(&loc) {
                Ok(v) => {
                    let mut res = StatusCode::PERMANENT_REDIRECT.into_response();
                    res.headers_mut().insert(header::LOCATION, v);
                    res.headers_mut()
                        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                    res
                }
                Err(_) => plain(StatusCode::BAD_REQUEST, "bad request path\n"),
            }
        }
        RequestTarget::NotFound => {
            let draft = snap.drafts.contains(&format!("/{}/", path.key));
            not_found(&app, &snap, draft).await
        }
    }
}

/// A PDF edition, typeset on a blocking thread if its inputs changed since it was last made.
/// A PDF that cannot be typeset answers with the errors (the terminal shows them too).
async fn pdf(snap: &Snapshot, key: String) -> Response {
    let editions = snap.pdfs.clone();
    let made = tokio::task::spawn_blocking(move || editions.get(&key)).await;
    match made {
        Ok(Some(Ok(bytes))) => with_headers(
            StatusCode::OK,
            "application/pdf",
            HttpBody::from(Bytes::from_owner(SharedBytes(bytes))),
        ),
        Ok(Some(Err(diags))) => {
            let mut text = String::from("This PDF could not be typeset:\n\n");
            for d in &diags {
                eprint!("{}", d.render(false));
                text.push_str(&d.render(false));
            }
            with_headers(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain; charset=utf-8",
                HttpBody::from(text),
            )
        }
        Ok(None) | Err(_) => plain(StatusCode::NOT_FOUND, "not found\n"),
    }
}

async fn not_found(app: &App, snap: &Snapshot, draft: bool) -> Response {
    if snap.files.contains_key("404.html") {
        let mut res = respond(app, snap, "404.html", StatusCode::NOT_FOUND).await;
        if draft {
            res = with_draft_hint(res).await;
        }
        return res;
    }
    // A site without a 404 page, or one that has never built: still a page, so the overlay
    // and the reload script reach the author.
    let page = b"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Not found</title></head><body><h1>Not found</h1><p>There is no page at this address.</p></body></html>";
    let res = html_response(snap, page, StatusCode::NOT_FOUND, true);
    if draft {
        with_draft_hint(res).await
    } else {
        res
    }
}

/// The 404 response with the note that its address is a draft's, put before `</body>`.
async fn with_draft_hint(res: Response) -> Response {
    let (parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    };
    let page = inject(&bytes, &reload::draft_hint_html());
    Response::from_parts(parts, HttpBody::from(page))
}

async fn respond(app: &App, snap: &Snapshot, key: &str, status: StatusCode) -> Response {
    let Some(body) = snap.files.get(key) else {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    };
    if is_html(key) {
        let bytes: std::borrow::Cow<[u8]> = match body {
            Body::Bytes(b) => std::borrow::Cow::Borrowed(b.as_slice()),
            Body::Copy(src) => match read_inside(&app.root, src).await {
                Some(b) => std::borrow::Cow::Owned(b),
                None => return plain(StatusCode::NOT_FOUND, "not found\n"),
            },
        };
        return html_response(snap, &bytes, status, status == StatusCode::NOT_FOUND);
    }
    let body = match body {
        Body::Bytes(b) => Bytes::from_owner(SharedBytes(b.clone())),
        Body::Copy(src) => match read_inside(&app.root, src).await {
            Some(b) => Bytes::from(b),
            None => return plain(StatusCode::NOT_FOUND, "not found\n"),
        },
    };
    with_headers(status, content_type(key), HttpBody::from(body))
}

async fn read_inside(root: &Path, src: &Path) -> Option<Vec<u8>> {
    let real = inside(root, src)?;
    tokio::fs::read(real).await.ok()
}

fn html_response(snap: &Snapshot, page: &[u8], status: StatusCode, not_found: bool) -> Response {
    // A failed build's overlay, else the last build's warnings.
    let overlay = snap
        .failure
        .as_ref()
        .or(snap.warnings.as_ref())
        .map(|(_, html)| html.as_ref());
    let snippet = reload::snippet(&snap.build, overlay, not_found);
    with_headers(
        status,
        "text/html; charset=utf-8",
        HttpBody::from(inject(page, &snippet)),
    )
}

fn with_headers(status: StatusCode, ctype: &'static str, body: HttpBody) -> Response {
    let mut res = Response::new(body);
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    // Every response may be stale a moment later; a cached stylesheet would hide the edit.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

/// Lets a cached page go out without copying it.
struct SharedBytes(Arc<Vec<u8>>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(key: &str, slash: bool) -> Option<RequestPath> {
        Some(RequestPath {
            key: key.into(),
            trailing_slash: slash,
        })
    }

    #[test]
    fn paths_decode_into_segments() {
        assert_eq!(parse_path("/"), p("", true));
        assert_eq!(parse_path("/hedges/china/"), p("hedges/china", true));
        assert_eq!(parse_path("/hedges/china"), p("hedges/china", false));
        assert_eq!(parse_path("/style.css"), p("style.css", false));
        assert_eq!(
            parse_path("/actors/south%20korea/"),
            p("actors/south korea", true)
        );
        assert_eq!(parse_path("/caf%C3%A9/"), p("café", true));
    }

    #[test]
    fn traversal_and_oddities_are_refused() {
        for bad in [
            "/../briefing.toml",
            "/%2e%2e/briefing.toml",
            "/%2E%2E/briefing.toml",
            "/hedges/../../briefing.toml",
            "/hedges%2f..%2f..%2fbriefing.toml",
            "/hedges%2F..%2Fbriefing.toml",
            "/./index.html",
            "/%2e/index.html",
            "//etc/passwd",
            "/hedges//china/",
            "/..%5cbriefing.toml",
            "/a\\..\\briefing.toml",
            "/a%00.html",
            "/%ff",
            "relative",
            "",
        ] {
            assert_eq!(parse_path(bad), None, "{bad}");
        }
    }

    fn files(keys: &[&str]) -> BTreeMap<String, Body> {
        keys.iter()
            .map(|k| (k.to_string(), Body::Bytes(Arc::new(Vec::new()))))
            .collect()
    }

    #[test]
    fn directories_serve_their_index_or_redirect() {
        let f = files(&[
            "index.html",
            "hedges/china/index.html",
            "style.css",
            "404.html",
        ]);
        let r = |raw: &str| parse_path(raw).map(|p| resolve(&f, &p));
        assert_eq!(r("/"), Some(RequestTarget::File("index.html".into())));
        assert_eq!(
            r("/hedges/china/"),
            Some(RequestTarget::File("hedges/china/index.html".into()))
        );
        assert_eq!(r("/hedges/china"), Some(RequestTarget::AddSlash));
        assert_eq!(
            r("/hedges/china/index.html"),
            Some(RequestTarget::File("hedges/china/index.html".into()))
        );
        assert_eq!(
            r("/style.css"),
            Some(RequestTarget::File("style.css".into()))
        );
        assert_eq!(r("/style.css/"), Some(RequestTarget::NotFound));
        assert_eq!(r("/hedges/"), Some(RequestTarget::NotFound));
        assert_eq!(r("/nope"), Some(RequestTarget::NotFound));
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("style.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("app.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("atom.xml"), "application/xml; charset=utf-8");
        assert_eq!(
            content_type("sitemap.xml"),
            "application/xml; charset=utf-8"
        );
        assert_eq!(content_type("robots.txt"), "text/plain; charset=utf-8");
        assert_eq!(content_type("x/chart.svg"), "image/svg+xml");
        assert_eq!(content_type("x/chart.PNG"), "image/png");
        assert_eq!(content_type("a.jpg"), "image/jpeg");
        assert_eq!(content_type("a.jpeg"), "image/jpeg");
        assert_eq!(content_type("a.webp"), "image/webp");
        assert_eq!(content_type("data.json"), "application/json");
        assert_eq!(content_type("f.woff2"), "font/woff2");
        assert_eq!(content_type("Makefile"), "application/octet-stream");
    }

    #[test]
    fn injection_goes_before_the_last_body_close() {
        let out = inject(b"<html><body><p>x</p></BODY></html>", "<s>");
        assert_eq!(out, b"<html><body><p>x</p><s></BODY></html>");
        let out = inject(b"<p>no body</p>", "<s>");
        assert_eq!(out, b"<p>no body</p><s>");
        // A `</body>` quoted inside the page (say, in a code sample) is not the real one.
        let out = inject(b"<body><code>&lt;/body&gt;</code></body>", "<s>");
        assert_eq!(out, b"<body><code>&lt;/body&gt;</code><s></body>");
    }

    #[test]
    fn static_files_must_stay_inside_the_root() {
        let dir =
            std::env::temp_dir().join(format!("briefing-serve-inside-{}", std::process::id()));
        let site = dir.join("site");
        std::fs::create_dir_all(site.join("static")).unwrap();
        std::fs::write(dir.join("secret.txt"), "secret").unwrap();
        std::fs::write(site.join("static/ok.txt"), "ok").unwrap();
        let root = site.canonicalize().unwrap();
        assert!(inside(&root, &site.join("static/ok.txt")).is_some());
        assert!(inside(&root, &site.join("static/../../secret.txt")).is_none());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.join("secret.txt"), site.join("static/link.txt"))
                .unwrap();
            assert!(inside(&root, &site.join("static/link.txt")).is_none());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
