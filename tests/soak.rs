//! The `serve` soak test: many random edits to a live site while a client requests pages.
//!
//! It copies the example site (three sections, ten cross-linked briefs, actor and topic
//! taxonomies, a data file and chart, search), starts the real `briefing serve` on a loopback
//! port and then, from a seeded random number generator:
//!
//! - makes `BRIEFING_SOAK_EDITS` edits (default [`DEFAULT_EDITS`]): body, title, date and actor
//!   changes to the example briefs; briefs of its own created, rewritten, renamed and deleted;
//!   section, home page, data file, config, stylesheet and static file edits; a site template
//!   override added and removed; and now and then a broken file (front matter or template) that
//!   the next edit fixes. After each edit it waits, bounded, until the server shows that edit
//!   (the page has the new text and the build id moved on), so every edit is its own rebuild;
//! - meanwhile a client thread requests known pages over HTTP (home, sections, briefs, terms,
//!   feeds, the sitemap, the stylesheet, pages that come and go, an address that never exists)
//!   and fails on any transport error or unexpected status: 404 only where a page may be
//!   missing at that moment, redirects only for a directory asked for without its slash;
//! - and a second thread holds the live-reload event stream open throughout.
//!
//! At the end it requires: the server never exited and never panicked; its resident memory is
//! at most [`RSS_SLACK`] times what it was after the first [`RSS_BASELINE_AT`] edits; and every
//! file of a clean `briefing build` of the edited site (same base URL) is served with exactly
//! those bytes, with the reload script injected exactly as `serve` injects it and the stylesheet
//! under its plain name instead of the fingerprinted one. Pages that were deleted or renamed
//! away must answer 404.
//!
//! Every loop is bounded in count and time: `BRIEFING_SOAK_TIMEOUT` seconds for the whole test
//! (default 300 s plus 150 ms per edit), [`EDIT_WAIT`] per edit. `BRIEFING_SOAK_SEED` picks another edit sequence.
//! `scripts/soak` runs the long version (2,000 edits).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use briefing::serve::reload::snippet;
use briefing::serve::server::inject;
use common::serve::{self, Fetched, Server};
use common::{Rng, arg, example_site, run, snapshot};

/// Small enough for CI (well under a minute in release mode on two cores).
const DEFAULT_EDITS: usize = 250;
const DEFAULT_SEED: u64 = 0x50A4_7E57_2000_0001;
/// The default time limit for the whole test: this much, plus [`TIMEOUT_PER_EDIT`] per edit.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
const TIMEOUT_PER_EDIT: Duration = Duration::from_millis(150);
/// How long one edit may take to show up.
const EDIT_WAIT: Duration = Duration::from_secs(20);
/// The memory baseline is taken after this many edits (or half the edits, if fewer).
const RSS_BASELINE_AT: usize = 100;
/// The end-of-run resident set may be at most this multiple of the baseline.
const RSS_SLACK: f64 = 1.2;

const OVERLAY: &str = "id=\"briefing-error-overlay\"";
/// Never a page of the site.
const UNKNOWN: &str = "/soak/no-such-page/";
const STATIC_NOTE: &str = "/notes/soak.txt";
const SECTIONS: [&str; 3] = ["alliance-posture", "canada", "hedges"];
/// Actors and topics only the soak's own edits use: their term pages come and go.
const SOAK_ACTORS: usize = 4;
const SOAK_TOPICS: usize = 3;
/// Briefs of the soak's own at most at any time, so the site stays about the same size and the
/// memory comparison is fair.
const MAX_GENERATED: usize = 12;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a valid value")),
        Err(_) => default,
    }
}

fn actor_name(k: usize) -> String {
    format!("Soak Actor {k}")
}

fn actor_page(k: usize) -> String {
    format!("/actors/soak-actor-{k}/")
}

fn topic_page(k: usize) -> String {
    format!("/topics/soak-topic-{k}/")
}

/// `content/hedges/india.md` is served at `/hedges/india/`.
fn url_of(rel: &str) -> String {
    format!("/{}/", rel.trim_end_matches(".md"))
}

/// The build id `serve` puts into every HTML page it sends.
fn build_id(body: &[u8]) -> Option<String> {
    const KEY: &str = "window.__briefing={\"build\":\"";
    let text = String::from_utf8_lossy(body);
    let at = text.find(KEY)? + KEY.len();
    let end = text[at..].find('"')?;
    Some(text[at..at + end].to_string())
}

/// A file write as an editor does it: in place, or a temp file renamed over the original.
fn save(rng: &mut Rng, path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).unwrap();
    }
    if rng.below(2) == 0 {
        fs::write(path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    } else {
        let name = path.file_name().unwrap().to_string_lossy();
        let tmp = path.with_file_name(format!("{name}.tmp"));
        fs::write(&tmp, text).unwrap();
        fs::rename(&tmp, path).unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// The client

/// The pages the client asks for. `must` pages answer 200 (or a slash redirect) at every
/// moment; `maybe` pages may be missing. The edit loop moves a page from `must` to `maybe`
/// while holding the write lock, before it removes the file, and the client holds the read lock
/// over each request, so no request can see a removal it was not told about.
#[derive(Default)]
struct Pages {
    must: Vec<String>,
    maybe: Vec<String>,
}

impl Pages {
    fn demote(&mut self, url: &str) {
        self.must.retain(|u| u != url);
        if !self.maybe.iter().any(|u| u == url) {
            self.maybe.push(url.to_string());
        }
    }

    fn promote(&mut self, url: &str) {
        self.maybe.retain(|u| u != url);
        if !self.must.iter().any(|u| u == url) {
            self.must.push(url.to_string());
        }
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Class {
    Must,
    Maybe,
    Missing,
}

#[derive(Default, Debug)]
struct ClientReport {
    requests: u64,
    statuses: BTreeMap<u16, u64>,
    failures: Vec<String>,
    failure_count: u64,
}

impl ClientReport {
    fn fail(&mut self, msg: String) {
        self.failure_count += 1;
        if self.failures.len() < 20 {
            self.failures.push(msg);
        }
    }
}

/// What is wrong with one response, if anything.
fn judge(path: &str, class: Class, slashless: bool, f: &Fetched) -> Option<String> {
    if ![200, 301, 302, 304, 307, 308, 404].contains(&f.status) {
        return Some(format!("GET {path}: status {}", f.status));
    }
    if slashless {
        let want = format!("{path}/");
        if !matches!(f.status, 301 | 308) || f.location.as_deref() != Some(want.as_str()) {
            return Some(format!(
                "GET {path}: {} to {:?}, not a redirect to {want}",
                f.status, f.location
            ));
        }
        return None;
    }
    let ok = match class {
        Class::Must => f.status == 200,
        Class::Maybe => f.status == 200 || f.status == 404,
        Class::Missing => f.status == 404,
    };
    if !ok {
        return Some(format!("GET {path} ({class:?}): status {}", f.status));
    }
    if f.ctype.starts_with("text/html") {
        let text = f.text();
        if text.matches("window.__briefing=").count() != 1 || !text.trim_end().ends_with("</html>")
        {
            return Some(format!(
                "GET {path}: a truncated page or no single reload script ({} bytes)",
                f.body.len()
            ));
        }
    } else if f.status == 200 && f.body.is_empty() {
        // Static files are served from the build's snapshot too, so never caught mid-save.
        return Some(format!("GET {path}: an empty body"));
    }
    None
}

fn client(
    base: String,
    pages: Arc<RwLock<Pages>>,
    stop: Arc<AtomicBool>,
    seed: u64,
    deadline: Instant,
) -> ClientReport {
    let agent = serve::agent();
    let mut rng = Rng(seed);
    let mut report = ClientReport::default();
    while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
        let roll = rng.below(100);
        let guard = pages.read().unwrap();
        let (path, class) = if roll < 4 {
            (UNKNOWN.to_string(), Class::Missing)
        } else if roll < 25 && !guard.maybe.is_empty() {
            (rng.pick(&guard.maybe).clone(), Class::Maybe)
        } else {
            (rng.pick(&guard.must).clone(), Class::Must)
        };
        // Now and then a directory without its slash, which must redirect to it.
        let slashless =
            class == Class::Must && path.len() > 1 && path.ends_with('/') && rng.below(12) == 0;
        let path = if slashless {
            path.trim_end_matches('/').to_string()
        } else {
            path
        };
        let result = serve::fetch(&agent, &format!("{base}{path}"));
        drop(guard);
        report.requests += 1;
        match result {
            Err(e) => report.fail(format!("GET {path}: {e}")),
            Ok(f) => {
                *report.statuses.entry(f.status).or_default() += 1;
                if let Some(msg) = judge(&path, class, slashless, &f) {
                    report.fail(msg);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(rng.below(4) as u64));
    }
    report
}

#[derive(Default, Debug)]
struct EventReport {
    hello: usize,
    reload: usize,
    error: usize,
    clear: usize,
    /// Set if the stream ended or failed before the test stopped it.
    broken: Option<String>,
}

/// Holds `/__briefing/events` open, as a browser tab does, and counts what arrives.
fn events(addr: String, stop: Arc<AtomicBool>, deadline: Instant) -> EventReport {
    let mut report = EventReport::default();
    let mut s = match TcpStream::connect(&addr) {
        Ok(s) => s,
        Err(e) => {
            report.broken = Some(format!("connect: {e}"));
            return report;
        }
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
    if let Err(e) = write!(s, "GET /__briefing/events HTTP/1.1\r\nHost: {addr}\r\n\r\n") {
        report.broken = Some(format!("request: {e}"));
        return report;
    }
    let mut pending = String::new();
    let mut buf = [0u8; 8192];
    while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => {
                report.broken = Some("the server closed the event stream".into());
                break;
            }
            Ok(n) => pending.push_str(&String::from_utf8_lossy(&buf[..n])),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => {
                report.broken = Some(format!("read: {e}"));
                break;
            }
        }
        // Count whole lines only, so an event name split across two reads is seen once.
        while let Some(nl) = pending.find('\n') {
            match pending[..nl].trim_end() {
                "event: hello" => report.hello += 1,
                "event: reload" => report.reload += 1,
                "event: error" => report.error += 1,
                "event: clear" => report.clear += 1,
                _ => {}
            }
            pending.drain(..=nl);
        }
    }
    report
}

/// Tells the side threads to stop however the test ends, so none outlives a failure.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

// ---------------------------------------------------------------------------------------------
// The edits

/// One of the example site's briefs. They link to each other, so they are edited but never
/// deleted or renamed; their own actors and topics stay, so those term pages always exist.
struct Original {
    rel: String,
    url: String,
    text: String,
    title_mark: Option<String>,
    date: Option<String>,
    actor: Option<usize>,
    note: Option<String>,
}

impl Original {
    /// The file with the current edits applied to the front matter's top-level keys.
    fn render(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 128);
        let mut fences = 0;
        let mut top = false;
        for line in self.text.lines() {
            if line == "+++" {
                fences += 1;
                top = fences == 1;
            } else if top && line.starts_with('[') {
                top = false;
            }
            match (top, &self.title_mark, &self.date, self.actor) {
                (true, Some(m), _, _) if line.starts_with("title = \"") => {
                    out.push_str(&format!("{}{m}\"", line.trim_end_matches('"')));
                }
                (true, _, Some(d), _) if line.starts_with("date = ") => {
                    out.push_str(&format!("date = {d}"));
                }
                (true, _, _, Some(k)) if line.starts_with("actors = [") => {
                    out.push_str(&format!(
                        "{}, \"{}\"]",
                        line.trim_end_matches(']'),
                        actor_name(k)
                    ));
                }
                _ => out.push_str(line),
            }
            out.push('\n');
        }
        if let Some(n) = &self.note {
            out.push_str(&format!("\nSoak note {n}.\n"));
        }
        out
    }
}

/// A brief the soak wrote; nothing links to it, so it may go.
struct Generated {
    rel: String,
    url: String,
    mark: String,
}

/// Pages whose content shows that an edit was served.
enum Expect {
    /// Answers 200 and contains the text.
    Has(String, String),
    /// Answers 200 and does not contain the text.
    Lacks(String, String),
    /// Answers 404, or 200 without the text.
    GoneOrLacks(String, String),
    /// Answers this status and contains the text.
    Status(String, u16, String),
    /// The home page shows the error overlay (true) or does not (false).
    Overlay(bool),
}

impl Expect {
    fn path(&self) -> &str {
        match self {
            Expect::Has(p, _)
            | Expect::Lacks(p, _)
            | Expect::GoneOrLacks(p, _)
            | Expect::Status(p, _, _) => p,
            Expect::Overlay(_) => "/",
        }
    }

    fn met(&self, f: &Fetched) -> bool {
        let text = f.text();
        match self {
            Expect::Has(_, t) => f.status == 200 && text.contains(t.as_str()),
            Expect::Lacks(_, t) => f.status == 200 && !text.contains(t.as_str()),
            Expect::GoneOrLacks(_, t) => {
                f.status == 404 || (f.status == 200 && !text.contains(t.as_str()))
            }
            Expect::Status(_, s, t) => f.status == *s && text.contains(t.as_str()),
            Expect::Overlay(on) => f.status == 200 && text.contains(OVERLAY) == *on,
        }
    }
}

/// What one edit did, and how to tell it is served.
struct Edit {
    what: String,
    expect: Vec<Expect>,
    /// Whether the build id must move on (every edit that changes the output).
    new_build: bool,
    /// A page to move to the `must` list once the edit is served.
    appears: Option<String>,
}

impl Edit {
    fn new(what: String, expect: Vec<Expect>) -> Edit {
        Edit {
            what,
            expect,
            new_build: true,
            appears: None,
        }
    }
}

enum Broken {
    Original(usize),
    Generated(String),
    Template,
}

struct Soak {
    rng: Rng,
    site: PathBuf,
    base: String,
    pages: Arc<RwLock<Pages>>,
    originals: Vec<Original>,
    generated: BTreeMap<String, Generated>,
    /// Pages that existed once and were removed; they must answer 404 at the end.
    gone: BTreeSet<String>,
    broken: Option<Broken>,
    next_id: usize,
    home: String,
    sections: Vec<(String, String)>,
    css: String,
    nuclear_tests: u32,
    log: Vec<String>,
    kinds: BTreeMap<&'static str, usize>,
}

impl Soak {
    fn new(seed: u64, site: &Path, base: &str, pages: Arc<RwLock<Pages>>) -> Soak {
        let mut originals = Vec::new();
        for s in SECTIONS {
            let mut names: Vec<_> = fs::read_dir(site.join("content").join(s))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                // The example's French translations (`NAME.fr.md`) are not briefs of their
                // own: the soak edits the originals, which every language shows.
                .filter(|n| n.ends_with(".md") && n != "_index.md" && !n.ends_with(".fr.md"))
                .collect();
            names.sort();
            for n in names {
                let rel = format!("{s}/{n}");
                originals.push(Original {
                    url: url_of(&rel),
                    text: fs::read_to_string(site.join("content").join(&rel)).unwrap(),
                    rel,
                    title_mark: None,
                    date: None,
                    actor: None,
                    note: None,
                });
            }
        }
        assert!(originals.len() >= 5, "the example site has too few briefs");
        let read = |rel: &str| fs::read_to_string(site.join(rel)).unwrap();
        Soak {
            rng: Rng(seed),
            site: site.to_path_buf(),
            base: base.to_string(),
            pages,
            originals,
            generated: BTreeMap::new(),
            gone: BTreeSet::new(),
            broken: None,
            next_id: 0,
            home: read("content/_index.md"),
            sections: SECTIONS
                .iter()
                .map(|s| (s.to_string(), read(&format!("content/{s}/_index.md"))))
                .collect(),
            css: read("themes/default/static/style.css"),
            nuclear_tests: 3,
            log: Vec::new(),
            kinds: BTreeMap::new(),
        }
    }

    fn content(&self, rel: &str) -> PathBuf {
        self.site.join("content").join(rel)
    }

    fn generated_text(&mut self, id: usize, mark: &str) -> String {
        let month = 1 + self.rng.below(12);
        let day = 1 + self.rng.below(28);
        let actor = actor_name(self.rng.below(SOAK_ACTORS));
        let other = self
            .rng
            .pick(&["Japan", "China", "India", "Canada"])
            .to_string();
        let topic = self.rng.below(SOAK_TOPICS);
        let confidence = self
            .rng
            .pick(&[
                "almost certain",
                "very likely",
                "likely",
                "roughly even",
                "unlikely",
            ])
            .to_string();
        let target = self.originals[self.rng.below(self.originals.len())]
            .rel
            .clone();
        format!(
            "+++\ntitle = \"Soak brief {id} {mark}\"\ndate = 2017-{month:02}-{day:02}\ndescription = \"A brief the soak test wrote.\"\nbottom_line = \"Bottom line {mark}.\"\nactors = [\"{other}\", \"{actor}\"]\ntopics = [\"Hedging\", \"Soak Topic {topic}\"]\n\n[[key_judgments]]\ntext = \"Judgment {mark}.\"\nconfidence = \"{confidence}\"\n\n[[events]]\ndate = \"2016-{month:02}\"\ntext = \"Event {mark}\"\n+++\nFirst paragraph {mark}, after [a brief of the example](@/{target}).\n\n<!-- more -->\n\n## Heading {id}\n\nMore text {mark}.\n"
        )
    }

    /// Makes edit number `n` and says how to see it served.
    fn edit(&mut self, n: usize, last: bool) -> Edit {
        let mark = format!("soakmark{n}x{:x}", self.rng.next() % 0xffff);
        if let Some(b) = self.broken.take() {
            *self.kinds.entry("fix").or_default() += 1;
            return self.fix(b, &mark);
        }
        let roll = self.rng.below(100);
        let kind = match roll {
            0..16 => "note",
            16..24 => "retitle",
            24..32 => "redate",
            32..40 => "actor",
            40..52 => "create",
            52..62 => "rewrite",
            62..68 => "rename",
            68..78 => "delete",
            78..83 => "css",
            83..87 => "static",
            87..91 => "template",
            91..93 => "home",
            93..95 => "section",
            95..96 => "data",
            96..97 => "config",
            _ => "break",
        };
        // Keep the site about the same size, and never end on a broken site.
        let kind = match kind {
            "create" if self.generated.len() >= MAX_GENERATED => "delete",
            "rewrite" | "rename" | "delete" if self.generated.is_empty() => "create",
            "break" if last => "note",
            k => k,
        };
        *self.kinds.entry(kind).or_default() += 1;
        match kind {
            "note" | "retitle" | "redate" | "actor" => self.edit_original(kind, &mark),
            "create" => {
                let id = self.next_id;
                self.next_id += 1;
                let s = *self.rng.pick(&SECTIONS);
                let rel = format!("{s}/soak-{id}.md");
                let text = self.generated_text(id, &mark);
                let path = self.content(&rel);
                save(&mut self.rng, &path, &text);
                let url = url_of(&rel);
                self.generated.insert(
                    rel.clone(),
                    Generated {
                        rel: rel.clone(),
                        url: url.clone(),
                        mark: mark.clone(),
                    },
                );
                let mut e = Edit::new(
                    format!("create {rel}"),
                    vec![Expect::Has(url.clone(), mark)],
                );
                e.appears = Some(url);
                e
            }
            "rewrite" => {
                let rel = self.pick_generated();
                let id: usize = rel
                    .rsplit_once("soak-")
                    .and_then(|(_, r)| r.trim_end_matches(".md").parse().ok())
                    .unwrap();
                let text = self.generated_text(id, &mark);
                let path = self.content(&rel);
                save(&mut self.rng, &path, &text);
                let g = self.generated.get_mut(&rel).unwrap();
                g.mark = mark.clone();
                let url = g.url.clone();
                Edit::new(format!("rewrite {rel}"), vec![Expect::Has(url, mark)])
            }
            "rename" => {
                let rel = self.pick_generated();
                let g = self.generated.remove(&rel).unwrap();
                let id = self.next_id;
                self.next_id += 1;
                let s = *self.rng.pick(&SECTIONS);
                let to = format!("{s}/soak-{id}.md");
                {
                    let mut pages = self.pages.write().unwrap();
                    pages.demote(&g.url);
                    fs::rename(self.content(&g.rel), self.content(&to)).unwrap();
                }
                self.gone.insert(g.url.clone());
                let url = url_of(&to);
                let expect = vec![
                    Expect::Has(url.clone(), g.mark.clone()),
                    Expect::Status(g.url.clone(), 404, String::new()),
                ];
                self.generated.insert(
                    to.clone(),
                    Generated {
                        rel: to.clone(),
                        url: url.clone(),
                        mark: g.mark,
                    },
                );
                let mut e = Edit::new(format!("rename {rel} -> {to}"), expect);
                e.appears = Some(url);
                e
            }
            "delete" => {
                let rel = self.pick_generated();
                let g = self.generated.remove(&rel).unwrap();
                {
                    let mut pages = self.pages.write().unwrap();
                    pages.demote(&g.url);
                    fs::remove_file(self.content(&rel)).unwrap();
                }
                self.gone.insert(g.url.clone());
                Edit::new(
                    format!("delete {rel}"),
                    vec![Expect::Status(g.url, 404, String::new())],
                )
            }
            "css" => {
                self.css.push_str(&format!("/* {mark} */\n"));
                let path = self.site.join("themes/default/static/style.css");
                save(&mut self.rng, &path, &self.css.clone());
                Edit::new(
                    "edit style.css".into(),
                    vec![Expect::Has("/style.css".into(), mark)],
                )
            }
            "static" => {
                let path = self.site.join("static/notes/soak.txt");
                if path.exists() && self.rng.below(3) == 0 {
                    if self.rng.below(2) == 0 {
                        fs::remove_dir_all(self.site.join("static")).unwrap();
                    } else {
                        fs::remove_file(&path).unwrap();
                    }
                    Edit::new(
                        "delete static/notes/soak.txt".into(),
                        vec![Expect::Status(STATIC_NOTE.into(), 404, String::new())],
                    )
                } else {
                    save(&mut self.rng, &path, &format!("note {mark}\n"));
                    Edit::new(
                        "write static/notes/soak.txt".into(),
                        vec![Expect::Has(STATIC_NOTE.into(), mark)],
                    )
                }
            }
            "template" => {
                let dir = self.site.join("templates");
                let t = dir.join("404.html");
                if t.exists() {
                    fs::remove_file(&t).unwrap();
                    if self.rng.below(2) == 0 && fs::read_dir(&dir).unwrap().next().is_none() {
                        fs::remove_dir(&dir).unwrap();
                    }
                    Edit::new(
                        "remove templates/404.html".into(),
                        vec![Expect::Status(UNKNOWN.into(), 404, "Page not found".into())],
                    )
                } else {
                    let text = format!(
                        "{{% extends \"base.html\" %}}{{% block content %}}<h1>Lost {mark}</h1>{{% endblock content %}}\n"
                    );
                    save(&mut self.rng, &t, &text);
                    Edit::new(
                        "override templates/404.html".into(),
                        vec![Expect::Status(UNKNOWN.into(), 404, mark)],
                    )
                }
            }
            "home" => {
                let text = format!("{}\nHome note {mark}.\n", self.home);
                let path = self.content("_index.md");
                save(&mut self.rng, &path, &text);
                Edit::new(
                    "edit content/_index.md".into(),
                    vec![Expect::Has("/".into(), mark)],
                )
            }
            "section" => {
                let i = self.rng.below(self.sections.len());
                let (s, text) = self.sections[i].clone();
                let rel = format!("{s}/_index.md");
                let path = self.content(&rel);
                save(
                    &mut self.rng,
                    &path,
                    &format!("{text}\nSection note {mark}.\n"),
                );
                Edit::new(
                    format!("edit {rel}"),
                    vec![Expect::Has(format!("/{s}/"), mark)],
                )
            }
            "data" => {
                let path = self.content("data/north_korea_tests.csv");
                let text = fs::read_to_string(&path).unwrap();
                let from = format!("Nuclear tests,{}\n", self.nuclear_tests);
                assert!(text.contains(&from), "{text}");
                let k = 3 + (self.nuclear_tests - 3 + 1 + self.rng.below(5) as u32) % 6;
                let old = std::mem::replace(&mut self.nuclear_tests, k);
                save(
                    &mut self.rng,
                    &path,
                    &text.replace(&from, &format!("Nuclear tests,{k}\n")),
                );
                // Its French translation gives the same figure, as a translator keeps it (a
                // different one builds, with a warning the soak's clean build would lack).
                let fr = self.content("data/north_korea_tests.fr.csv");
                if let Ok(text) = fs::read_to_string(&fr) {
                    let from = format!("Essais nucléaires,{old}\n");
                    assert!(text.contains(&from), "{text}");
                    fs::write(
                        &fr,
                        text.replace(&from, &format!("Essais nucléaires,{k}\n")),
                    )
                    .unwrap();
                }
                Edit::new(
                    format!("data: {k} nuclear tests"),
                    vec![Expect::Has(
                        "/alliance-posture/north-korea-threat/".into(),
                        format!("Nuclear tests: {k};"),
                    )],
                )
            }
            "config" => {
                let path = self.site.join("briefing.toml");
                let text = fs::read_to_string(&path).unwrap();
                let line = text.lines().find(|l| l.starts_with("title = ")).unwrap();
                let new = format!("title = \"Japan: anchored {mark}\"");
                save(&mut self.rng, &path, &text.replace(line, &new));
                Edit::new(
                    "retitle the site in briefing.toml".into(),
                    vec![
                        Expect::Has("/".into(), mark.clone()),
                        Expect::Has("/hedges/india/".into(), mark),
                    ],
                )
            }
            _ => self.breakage(),
        }
    }

    fn pick_generated(&mut self) -> String {
        let keys: Vec<String> = self.generated.keys().cloned().collect();
        self.rng.pick(&keys).clone()
    }

    fn edit_original(&mut self, kind: &str, mark: &str) -> Edit {
        let i = self.rng.below(self.originals.len());
        let url = self.originals[i].url.clone();
        let rel = self.originals[i].rel.clone();
        let expect = match kind {
            "note" => {
                self.originals[i].note = Some(mark.to_string());
                vec![Expect::Has(url.clone(), mark.to_string())]
            }
            "retitle" => {
                self.originals[i].title_mark = Some(format!(" {mark}"));
                vec![
                    Expect::Has(url.clone(), mark.to_string()),
                    Expect::Has("/briefing/".into(), mark.to_string()),
                ]
            }
            "redate" => {
                let date = loop {
                    let d = format!(
                        "{}-{:02}-{:02}",
                        2012 + self.rng.below(3),
                        1 + self.rng.below(12),
                        1 + self.rng.below(28)
                    );
                    if self.originals[i].date.as_deref() != Some(d.as_str()) {
                        break d;
                    }
                };
                self.originals[i].date = Some(date.clone());
                vec![Expect::Has(
                    url.clone(),
                    format!("<time datetime=\"{date}\">"),
                )]
            }
            _ => match self.originals[i].actor.take() {
                Some(k) => vec![
                    Expect::Lacks(url.clone(), format!("{}\"", actor_page(k))),
                    Expect::GoneOrLacks(actor_page(k), format!("{}{url}\"", self.base)),
                ],
                None => {
                    let k = self.rng.below(SOAK_ACTORS);
                    self.originals[i].actor = Some(k);
                    vec![Expect::Has(actor_page(k), format!("{}{url}\"", self.base))]
                }
            },
        };
        let text = self.originals[i].render();
        let path = self.content(&rel);
        save(&mut self.rng, &path, &text);
        Edit::new(format!("{kind} {rel}"), expect)
    }

    /// A broken file: the server must keep serving the last good build, with the overlay.
    fn breakage(&mut self) -> Edit {
        let what = match self.rng.below(4) {
            0 => {
                let dir = self.site.join("templates");
                save(
                    &mut self.rng,
                    &dir.join("section.html"),
                    "{% extends \"base.html\" %}{% block content %}{{ broken(\n",
                );
                self.broken = Some(Broken::Template);
                "break templates/section.html".to_string()
            }
            k => {
                let (rel, text) = if self.generated.is_empty() || self.rng.below(2) == 0 {
                    let i = self.rng.below(self.originals.len());
                    self.broken = Some(Broken::Original(i));
                    (self.originals[i].rel.clone(), self.originals[i].render())
                } else {
                    let rel = self.pick_generated();
                    self.broken = Some(Broken::Generated(rel.clone()));
                    (rel.clone(), fs::read_to_string(self.content(&rel)).unwrap())
                };
                let (how, broken) = match k {
                    // An unknown key.
                    1 => ("titel", text.replacen("\ntitle = ", "\ntitel = ", 1)),
                    // A confidence word that is not one.
                    2 => {
                        let line = text
                            .lines()
                            .find(|l| l.starts_with("confidence = "))
                            .unwrap();
                        (
                            "confidence",
                            text.replacen(line, "confidence = \"perhaps\"", 1),
                        )
                    }
                    // Front matter that never closes.
                    _ => {
                        let at = text[3..].find("\n+++\n").unwrap() + 3;
                        ("unclosed", format!("{}\n{}", &text[..at], &text[at + 5..]))
                    }
                };
                assert_ne!(broken, text, "the {how} break changed nothing in {rel}");
                let path = self.content(&rel);
                save(&mut self.rng, &path, &broken);
                format!("break {rel} ({how})")
            }
        };
        let mut e = Edit::new(what, vec![Expect::Overlay(true)]);
        // A failed build keeps the last good one, build id included.
        e.new_build = false;
        e
    }

    fn fix(&mut self, b: Broken, mark: &str) -> Edit {
        match b {
            Broken::Template => {
                let dir = self.site.join("templates");
                fs::remove_file(dir.join("section.html")).unwrap();
                if fs::read_dir(&dir).unwrap().next().is_none() {
                    fs::remove_dir(&dir).unwrap();
                }
                let mut e = Edit::new(
                    "fix: remove templates/section.html".into(),
                    vec![Expect::Overlay(false)],
                );
                // The site is what it was before the break, so the build id may stay.
                e.new_build = false;
                e
            }
            Broken::Original(i) => {
                self.originals[i].note = Some(mark.to_string());
                let text = self.originals[i].render();
                let path = self.content(&self.originals[i].rel);
                save(&mut self.rng, &path, &text);
                Edit::new(
                    format!("fix {}", self.originals[i].rel),
                    vec![
                        Expect::Overlay(false),
                        Expect::Has(self.originals[i].url.clone(), mark.to_string()),
                    ],
                )
            }
            Broken::Generated(rel) => {
                let id: usize = rel
                    .rsplit_once("soak-")
                    .and_then(|(_, r)| r.trim_end_matches(".md").parse().ok())
                    .unwrap();
                let text = self.generated_text(id, mark);
                let path = self.content(&rel);
                save(&mut self.rng, &path, &text);
                let g = self.generated.get_mut(&rel).unwrap();
                g.mark = mark.to_string();
                Edit::new(
                    format!("fix {rel}"),
                    vec![
                        Expect::Overlay(false),
                        Expect::Has(g.url.clone(), mark.to_string()),
                    ],
                )
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The test

struct Driver<'a> {
    server: &'a mut Server,
    seed: u64,
    deadline: Instant,
    limit: Duration,
}

impl Driver<'_> {
    fn fail(&mut self, soak: &Soak, msg: String) -> ! {
        let exited = self.server.exited();
        let recent = soak.log[soak.log.len().saturating_sub(15)..].join("\n  ");
        panic!(
            "{msg}\nseed {:#x} (BRIEFING_SOAK_SEED to repeat); server exited: {exited:?}\nlast edits:\n  {recent}\nthe server's last lines:\n{}",
            self.seed,
            self.server.output_tail(60)
        );
    }

    fn check_time(&mut self, soak: &Soak, during: &str) {
        if Instant::now() > self.deadline {
            let limit = self.limit.as_secs();
            self.fail(
                soak,
                format!("the soak ran over its {limit} s limit during {during}"),
            );
        }
        if let Some(status) = self.server.exited() {
            self.fail(
                soak,
                format!("briefing serve exited ({status}) during {during}"),
            );
        }
    }

    fn current_build(&mut self, soak: &Soak) -> String {
        let f = self.server.fetch("/");
        match build_id(&f.body) {
            Some(b) => b,
            None => self.fail(soak, format!("no build id in the home page ({})", f.status)),
        }
    }

    /// Waits, bounded, until every expectation of `edit` holds and (when it should) the build
    /// id moved on from `before`.
    fn wait(&mut self, soak: &Soak, edit: &Edit, before: &str) -> Duration {
        let start = Instant::now();
        loop {
            let mut ok = true;
            let mut build_seen = false;
            let mut last = String::new();
            for x in &edit.expect {
                let f = self.server.fetch(x.path());
                if !x.met(&f) {
                    ok = false;
                    last = format!("{} answered {}", x.path(), f.status);
                    break;
                }
                if let Some(b) = build_id(&f.body) {
                    build_seen = true;
                    if edit.new_build && b == before {
                        ok = false;
                        last = format!("{} still has build {b}", x.path());
                        break;
                    }
                }
            }
            if ok && edit.new_build && !build_seen {
                let b = self.current_build(soak);
                if b == before {
                    ok = false;
                    last = format!("still build {b}");
                }
            }
            if ok {
                return start.elapsed();
            }
            if start.elapsed() > EDIT_WAIT {
                self.fail(
                    soak,
                    format!(
                        "edit {:?} was not served within {} s: {last}",
                        edit.what,
                        EDIT_WAIT.as_secs()
                    ),
                );
            }
            self.check_time(soak, &edit.what);
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits until the server has printed no new rebuild line for `quiet`.
    fn settle(&mut self, soak: &Soak, quiet: Duration) {
        let mut count = self.server.rebuilds();
        let mut since = Instant::now();
        while since.elapsed() < quiet {
            std::thread::sleep(Duration::from_millis(50));
            self.check_time(soak, "the final settling");
            let now = self.server.rebuilds();
            if now != count {
                count = now;
                since = Instant::now();
            }
        }
    }
}

/// `style.9ea3fe2c.css` → `style.css`, if `rel` is a fingerprinted stylesheet or script.
fn unfingerprinted(rel: &str) -> Option<String> {
    let (rest, ext) = rel.rsplit_once('.')?;
    let (stem, hash) = rest.rsplit_once('.')?;
    let is_hash = hash.len() == 8 && hash.bytes().all(|b| b.is_ascii_hexdigit());
    (matches!(ext, "css" | "js") && is_hash && !rel.starts_with("pagefind/"))
        .then(|| format!("{stem}.{ext}"))
}

/// Where two byte strings first differ, with a little context from each.
fn first_difference(a: &[u8], b: &[u8]) -> String {
    let at = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let ctx = |s: &[u8]| {
        let from = at.saturating_sub(80);
        String::from_utf8_lossy(&s[from..(at + 120).min(s.len())]).into_owned()
    };
    format!(
        "first difference at byte {at} (lengths {} and {}):\n    served: {:?}\n    build:  {:?}",
        a.len(),
        b.len(),
        ctx(a),
        ctx(b)
    )
}

/// Compares every file of a clean build with what the server sends for it. Returns the number
/// of files compared and the mismatches.
fn compare_with_clean_build(server: &Server, site: &Path, out: &Path) -> (usize, Vec<String>) {
    let base = format!("{}/", server.base);
    run(&[
        "build",
        "--root",
        arg(site),
        "--output",
        arg(out),
        "--base-url",
        &base,
    ])
    .expect_success();
    let mut built = snapshot(out);
    built.remove(briefing::output::MARKER);
    // What a one-shot build's PDFs were typeset from, for the next build of that output:
    // bookkeeping beside the site, which `serve` neither writes nor answers.
    built.remove(".briefing-pdfs.json");
    let renames: Vec<(String, String)> = built
        .keys()
        .filter_map(|k| unfingerprinted(k).map(|plain| (k.clone(), plain)))
        .collect();
    assert!(
        renames.iter().any(|(_, p)| p == "style.css"),
        "the build has no fingerprinted style.css: {renames:?}"
    );
    // A built page as `serve` sends it: the stylesheet under its plain name, and the reload
    // script (with no error overlay) injected exactly as the server injects it.
    let as_served = |page: &[u8], id: &str, not_found: bool| {
        let mut text = String::from_utf8(page.to_vec()).unwrap();
        for (fp, plain) in &renames {
            text = text.replace(&format!("/{fp}\""), &format!("/{plain}\""));
        }
        inject(text.as_bytes(), &snippet(id, None, not_found))
    };
    let dump = out.with_file_name("mismatch");
    let mut problems = Vec::new();
    let mut builds = BTreeSet::new();
    let check = |path: &str, f: &Fetched, want: &[u8], rel: &str, problems: &mut Vec<String>| {
        if f.body != want {
            let d = dump.join(rel.replace('/', "__"));
            fs::create_dir_all(&d).unwrap();
            fs::write(d.join("served"), &f.body).unwrap();
            fs::write(d.join("built"), want).unwrap();
            problems.push(format!(
                "{path} differs from the clean build ({}): {}",
                d.display(),
                first_difference(&f.body, want)
            ));
        }
    };
    for (rel, bytes) in &built {
        let served_rel = renames
            .iter()
            .find(|(k, _)| k == rel)
            .map_or(rel.clone(), |(_, p)| p.clone());
        let path = format!("/{served_rel}");
        let f = server.fetch(&path);
        if f.status != 200 {
            problems.push(format!(
                "{path} answered {} but the build has {rel}",
                f.status
            ));
            continue;
        }
        if served_rel != *rel {
            // The fingerprint is the hash of the bytes `serve` sends under the plain name.
            let hash = xxhash_rust::xxh3::xxh3_64(&f.body) as u32;
            if !rel.contains(&format!(".{hash:08x}.")) {
                problems.push(format!("{path} hashes to {hash:08x}, the build has {rel}"));
            }
        }
        let want = if rel.ends_with(".html") {
            let Some(id) = build_id(&f.body) else {
                problems.push(format!("{path} has no build id"));
                continue;
            };
            builds.insert(id.clone());
            as_served(bytes, &id, false)
        } else {
            bytes.clone()
        };
        check(&path, &f, &want, rel, &mut problems);
    }
    // The 404 page, as sent for an unknown address.
    let f = server.fetch(UNKNOWN);
    if f.status != 404 {
        problems.push(format!("{UNKNOWN} answered {}", f.status));
    } else if let (Some(id), Some(page)) = (build_id(&f.body), built.get("404.html")) {
        builds.insert(id.clone());
        let want = as_served(page, &id, true);
        check(UNKNOWN, &f, &want, "unknown-404", &mut problems);
    } else {
        problems.push(format!(
            "{UNKNOWN}: no build id or no 404.html in the build"
        ));
    }
    if builds.len() != 1 {
        problems.push(format!(
            "pages of more than one build were served: {builds:?}"
        ));
    }
    (built.len(), problems)
}

#[test]
fn serve_survives_a_soak_of_random_edits() {
    let edits: usize = env_or("BRIEFING_SOAK_EDITS", DEFAULT_EDITS);
    let seed: u64 = match std::env::var("BRIEFING_SOAK_SEED") {
        Ok(v) => u64::from_str_radix(v.trim_start_matches("0x"), 16)
            .unwrap_or_else(|_| panic!("BRIEFING_SOAK_SEED={v} is not hexadecimal")),
        Err(_) => DEFAULT_SEED,
    };
    let default_limit = DEFAULT_TIMEOUT + TIMEOUT_PER_EDIT * edits as u32;
    let limit = Duration::from_secs(env_or("BRIEFING_SOAK_TIMEOUT", default_limit.as_secs()));
    let started = Instant::now();
    let deadline = started + limit;
    let baseline_at = RSS_BASELINE_AT.min(edits / 2).max(1);
    eprintln!(
        "soak: {edits} edits, seed {seed:#x}, limit {} s",
        limit.as_secs()
    );

    let (tmp, site) = example_site();
    let clean = tmp.path().join("clean");
    let mut server = Server::start_at(&site, serve::free_port(), None);
    let addr = server.base.trim_start_matches("http://").to_string();

    // Every page of the untouched site is a page that must always be there, except the search
    // bundle (its file names follow the content) and the stylesheet's fingerprinted name.
    let first = tmp.path().join("first");
    run(&[
        "build",
        "--root",
        arg(&site),
        "--output",
        arg(&first),
        "--base-url",
        &format!("{}/", server.base),
    ])
    .expect_success();
    let mut pages = Pages::default();
    for rel in snapshot(&first).keys() {
        if rel.starts_with("pagefind/") || rel.starts_with('.') {
            continue;
        }
        let rel = unfingerprinted(rel).unwrap_or(rel.clone());
        let url = match rel.strip_suffix("index.html") {
            Some(dir) => format!("/{dir}"),
            None => format!("/{rel}"),
        };
        pages.must.push(url);
    }
    fs::remove_dir_all(&first).unwrap();
    assert!(pages.must.len() > 30, "{:?}", pages.must);
    for k in 0..SOAK_ACTORS {
        pages.maybe.push(actor_page(k));
    }
    for k in 0..SOAK_TOPICS {
        pages.maybe.push(topic_page(k));
    }
    pages.maybe.push(STATIC_NOTE.into());
    let pages = Arc::new(RwLock::new(pages));

    let stop = Arc::new(AtomicBool::new(false));
    let _stop_guard = StopOnDrop(stop.clone());
    let client_thread: JoinHandle<ClientReport> = {
        let (base, pages, stop) = (server.base.clone(), pages.clone(), stop.clone());
        std::thread::spawn(move || client(base, pages, stop, seed ^ 0xC11E_4700, deadline))
    };
    let events_thread: JoinHandle<EventReport> = {
        let stop = stop.clone();
        std::thread::spawn(move || events(addr, stop, deadline))
    };

    let mut soak = Soak::new(seed, &site, &server.base, pages.clone());
    let mut driver = Driver {
        server: &mut server,
        seed,
        deadline,
        limit,
    };
    let mut latencies = Vec::with_capacity(edits);
    let mut rss_baseline = None;
    // VmRSS every 100 edits, to show a trend rather than two points.
    let mut rss_series = Vec::new();
    for n in 0..edits {
        driver.check_time(&soak, "the edits");
        let before = driver.current_build(&soak);
        let edit = soak.edit(n, n + 1 == edits);
        soak.log.push(format!("{n}: {}", edit.what));
        latencies.push(driver.wait(&soak, &edit, &before));
        if let Some(url) = &edit.appears {
            soak.pages.write().unwrap().promote(url);
        }
        if (n + 1) % 100 == 0 {
            rss_series.push(driver.server.rss_kib().unwrap_or(0));
        }
        if n + 1 == baseline_at {
            // Let the background search index of this build finish first.
            std::thread::sleep(Duration::from_millis(500));
            rss_baseline = driver.server.rss_kib();
        }
        if client_thread.is_finished() {
            break;
        }
    }
    let edits_done = soak.log.len();
    let edit_time = started.elapsed();

    // Stop the traffic, let the last rebuild and search index land, then compare.
    stop.store(true, Ordering::Relaxed);
    let report = client_thread.join().expect("the client thread panicked");
    let stream = events_thread.join().expect("the event thread panicked");
    driver.settle(&soak, Duration::from_millis(1500));
    let rss_end = driver.server.rss_kib();
    let (files, mut problems) = compare_with_clean_build(driver.server, &site, &clean);
    for url in &soak.gone {
        let f = driver.server.fetch(url);
        if f.status != 404 {
            problems.push(format!("{url} was removed but answers {}", f.status));
        }
    }
    let built = snapshot(&clean);
    let absent =
        |url: &str| !built.contains_key(&format!("{}index.html", url.trim_start_matches('/')));
    let mut maybe_pages: Vec<String> = (0..SOAK_ACTORS).map(actor_page).collect();
    maybe_pages.extend((0..SOAK_TOPICS).map(topic_page));
    for url in maybe_pages.iter().filter(|u| absent(u)) {
        let f = driver.server.fetch(url);
        if f.status != 404 {
            problems.push(format!(
                "{url} is not in the clean build but answers {}",
                f.status
            ));
        }
    }
    if !built.contains_key(STATIC_NOTE.trim_start_matches('/'))
        && driver.server.fetch(STATIC_NOTE).status != 404
    {
        problems.push(format!(
            "{STATIC_NOTE} is not in the clean build but is served"
        ));
    }
    let output = driver.server.output();
    let exited = driver.server.exited();

    let mut lat: Vec<u128> = latencies.iter().map(Duration::as_millis).collect();
    lat.sort_unstable();
    let pct = |p: usize| {
        lat.get(lat.len().saturating_sub(1) * p / 100)
            .copied()
            .unwrap_or(0)
    };
    eprintln!(
        "soak: {edits_done} edits in {:.1} s (edit-to-served ms: median {}, p95 {}, max {}); {} rebuilds",
        edit_time.as_secs_f64(),
        pct(50),
        pct(95),
        pct(100),
        output.lines().filter(|l| l.starts_with("Rebuilt ")).count()
    );
    eprintln!("soak: edit kinds {:?}", soak.kinds);
    eprintln!(
        "soak: client made {} requests, statuses {:?}, {} failures",
        report.requests, report.statuses, report.failure_count
    );
    eprintln!("soak: event stream {stream:?}");
    eprintln!(
        "soak: VmRSS after {baseline_at} edits {} KiB, at the end {} KiB",
        rss_baseline.map_or("?".into(), |v| v.to_string()),
        rss_end.map_or("?".into(), |v| v.to_string())
    );
    eprintln!("soak: VmRSS every 100 edits (KiB): {rss_series:?}");
    eprintln!(
        "soak: {files} files of the clean build compared, {} removed pages checked, {} problems; total {:.1} s",
        soak.gone.len(),
        problems.len(),
        started.elapsed().as_secs_f64()
    );

    if !problems.is_empty() {
        // The site and both outputs, for a look at what differs.
        eprintln!(
            "soak: kept the site and the clean build in {}",
            tmp.keep().display()
        );
    }
    assert!(
        exited.is_none(),
        "briefing serve exited: {exited:?}\n{output}"
    );
    assert!(
        !output.contains("panicked"),
        "briefing serve panicked:\n{output}"
    );
    assert!(
        report.failures.is_empty(),
        "the client saw {} bad responses (seed {seed:#x}), first ones:\n  {}",
        report.failure_count,
        report.failures.join("\n  ")
    );
    assert!(report.requests > 0, "the client made no requests");
    assert_eq!(edits_done, edits, "the edits stopped early");
    assert!(
        stream.broken.is_none() && stream.hello == 1 && stream.reload > 0,
        "the event stream: {stream:?}"
    );
    assert!(
        problems.is_empty(),
        "the served site is not the clean build (seed {seed:#x}):\n  {}",
        problems.join("\n  ")
    );
    if let (Some(a), Some(b)) = (rss_baseline, rss_end) {
        assert!(
            b as f64 <= a as f64 * RSS_SLACK,
            "resident memory grew from {a} KiB after {baseline_at} edits to {b} KiB at the end (limit {RSS_SLACK}x)"
        );
    } else if cfg!(target_os = "linux") {
        panic!("cannot read VmRSS of the server");
    }
}
