//! `briefing publish`: releases under `TARGET/releases/`, an atomically repointed `current`
//! symlink, `--keep`, `--rollback`, and the refusals. The main test serves `TARGET/current`
//! with a real nginx while client threads request pages continuously, and checks that no
//! request fails and no response mixes two releases while releases are switched.

mod common;
#[path = "support/nginx.rs"]
mod nginx;
#[path = "support/tools.rs"]
mod tools;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use nginx::Nginx;
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------------
// The fixture site: every release carries its tag in three files, so a response shows which
// release it came from.

/// In the brief's title and body.
const BRIEF_TOKEN: &str = "RELEASE-";
/// In the site title (briefing.toml), shown on every page.
const SITE_TOKEN: &str = "SITETOKEN-";
/// In a comment appended to the theme's style.css.
const STYLE_TOKEN: &str = "STYLETOKEN-";
const TAGS: [char; 3] = ['A', 'B', 'C'];

const HOME: &str = "/";
const BRIEF: &str = "/analysis/note/";

/// Writes the content of release `tag` into `site`.
fn write_release(site: &Path, tag: char) {
    write(
        site,
        "briefing.toml",
        format!("title = \"Publish fixture {SITE_TOKEN}{tag}\"\ntheme = \"default\"\n"),
    );
    write(
        site,
        "content/_index.md",
        "+++\ntitle = \"Home\"\nbottom_line = \"A fixture for publish.\"\n+++\nThe home page.\n",
    );
    write(
        site,
        "content/analysis/_index.md",
        "+++\ntitle = \"Analysis\"\ndescription = \"One brief.\"\n+++\nThe analysis section.\n",
    );
    write(
        site,
        "content/analysis/note.md",
        format!(
            "+++\ntitle = \"Brief {BRIEF_TOKEN}{tag}\"\ndate = 2026-01-01\ndescription = \"The brief.\"\n+++\nThis brief belongs to {BRIEF_TOKEN}{tag}.\n"
        ),
    );
    let css_path = repo_root().join("themes/default/static/style.css");
    let css = fs::read_to_string(&css_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", css_path.display()));
    write(
        site,
        "themes/default/static/style.css",
        format!("{css}\n/* {STYLE_TOKEN}{tag} */\n"),
    );
}

/// A site with release A's content at `<tmp>/site`, and the web root `<tmp>/www`.
fn new_site() -> (TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().expect("cannot create a temp dir");
    let site = tmp.path().join("site");
    copy_dir(
        &repo_root().join("themes/default"),
        &site.join("themes/default"),
    );
    write_release(&site, 'A');
    let www = tmp.path().join("www");
    (tmp, site, www)
}

fn publish(site: &Path, www: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["publish", arg(www), "--root", arg(site)];
    args.extend_from_slice(extra);
    let r = run(&args);
    r.expect_no_panic();
    r
}

/// Where `www/current` points (the link text), failing the test if it is not a symlink.
fn current_link(www: &Path) -> PathBuf {
    let current = www.join("current");
    let meta = fs::symlink_metadata(&current)
        .unwrap_or_else(|e| panic!("cannot stat {}: {e}", current.display()));
    assert!(
        meta.file_type().is_symlink(),
        "{} is not a symlink",
        current.display()
    );
    fs::read_link(&current).unwrap()
}

/// Every entry of `www/releases`, sorted by name.
fn release_entries(www: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(www.join("releases"))
        .unwrap_or_else(|e| panic!("cannot list the releases: {e}"))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `YYYYMMDDTHHMMSSZ` with an optional `-N`, as (stamp, N) for ordering.
fn release_key(name: &str) -> (String, u32) {
    let (stamp, n) = match name.split_once('-') {
        Some((s, n)) => (
            s,
            n.parse().unwrap_or_else(|_| panic!("bad suffix in {name}")),
        ),
        None => (name, 0),
    };
    let b = stamp.as_bytes();
    assert!(
        b.len() == 16
            && b[8] == b'T'
            && b[15] == b'Z'
            && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit),
        "{name} is not a UTC release name"
    );
    (stamp.to_string(), n)
}

// ---------------------------------------------------------------------------------------------
// Watching `current`: it must be a symlink at every moment of a publish or rollback.

struct LinkWatch {
    stop: Arc<AtomicBool>,
    handle: thread::JoinHandle<(usize, Vec<String>)>,
}

impl LinkWatch {
    fn start(www: &Path) -> LinkWatch {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let current = www.join("current");
        let handle = thread::spawn(move || {
            let (mut checks, mut bad) = (0, Vec::new());
            while !flag.load(Ordering::Relaxed) {
                checks += 1;
                match fs::symlink_metadata(&current) {
                    Ok(m) if m.file_type().is_symlink() => {}
                    Ok(m) => bad.push(format!("current is not a symlink: {:?}", m.file_type())),
                    Err(e) => bad.push(format!("current is missing: {e}")),
                }
                if fs::metadata(current.join("index.html")).is_err() {
                    bad.push("current/index.html is missing".into());
                }
            }
            (checks, bad)
        });
        LinkWatch { stop, handle }
    }

    /// Stops watching; returns how many checks ran, failing the test if any saw a problem.
    fn finish(self) -> usize {
        self.stop.store(true, Ordering::Relaxed);
        let (checks, bad) = self.handle.join().expect("the link watcher panicked");
        assert!(
            bad.is_empty(),
            "`current` was not a symlink to a complete release at some moment ({} of {checks} checks): {:?}",
            bad.len(),
            &bad[..bad.len().min(5)]
        );
        checks
    }
}

// ---------------------------------------------------------------------------------------------
// nginx

/// Starts nginx serving `WWW/current` on a free port. A port is free when chosen, but another
/// process may take it before nginx binds it: then another port.
fn start_nginx(bin: &Path, www: &Path) -> Nginx {
    Nginx::on_free_port(bin, &www.join("current"), |_| {})
}

// ---------------------------------------------------------------------------------------------
// Clients

/// What a client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Home,
    /// The stylesheet the home page just fetched links to (fingerprinted, per release).
    Style,
    Brief,
}

/// One response (or failure) seen by a client thread, in request order.
#[derive(Debug, Clone)]
struct Sample {
    kind: Kind,
    path: String,
    /// The status, or why the request failed.
    result: Result<u16, String>,
    /// The release tags found in the body.
    tags: BTreeSet<char>,
    /// Which tokens the body holds (brief, site, style).
    tokens: [bool; 3],
    /// For a stylesheet: the release of the home page that linked to it.
    linked_from: Option<char>,
}

impl Sample {
    fn tag(&self) -> Option<char> {
        match self.tags.iter().collect::<Vec<_>>().as_slice() {
            [t] => Some(**t),
            _ => None,
        }
    }
}

/// Requests `path`; returns what was seen and the body.
fn fetch(agent: &ureq::Agent, port: u16, kind: Kind, path: &str) -> (Sample, String) {
    let url = format!("http://127.0.0.1:{port}{path}");
    let body = agent
        .get(&url)
        .call()
        .map_err(|e| e.to_string())
        .and_then(|mut r| {
            let status = r.status().as_u16();
            r.body_mut()
                .read_to_string()
                .map(|b| (status, b))
                .map_err(|e| e.to_string())
        });
    let mut sample = Sample {
        kind,
        path: path.to_string(),
        result: Err(String::new()),
        tags: BTreeSet::new(),
        tokens: [false; 3],
        linked_from: None,
    };
    match body {
        Ok((status, text)) => {
            for (i, token) in [BRIEF_TOKEN, SITE_TOKEN, STYLE_TOKEN].iter().enumerate() {
                for tag in TAGS {
                    if text.contains(&format!("{token}{tag}")) {
                        sample.tags.insert(tag);
                        sample.tokens[i] = true;
                    }
                }
            }
            sample.result = Ok(status);
            (sample, text)
        }
        Err(e) => {
            sample.result = Err(e);
            (sample, String::new())
        }
    }
}

/// The URL path of the stylesheet a page links to.
fn stylesheet_path(html: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let href = doc
        .select(&sel("link[rel=stylesheet]"))
        .next()?
        .value()
        .attr("href")?
        .to_string();
    // An absolute URL (a site with a base_url): keep the path.
    match href.split_once("://") {
        Some((_, rest)) => rest.find('/').map(|i| rest[i..].to_string()),
        None => Some(href),
    }
}

/// One page load: the home page, the stylesheet it links to, then the brief.
fn page_load(agent: &ureq::Agent, port: u16, out: &mut Vec<Sample>) {
    let (home, html) = fetch(agent, port, Kind::Home, HOME);
    let home_tag = home.tag();
    out.push(home);
    match stylesheet_path(&html) {
        Some(css) => {
            let (mut style, _) = fetch(agent, port, Kind::Style, &css);
            style.linked_from = home_tag;
            out.push(style);
        }
        None => out.push(Sample {
            kind: Kind::Style,
            path: "(none)".into(),
            result: Err("the home page links no stylesheet".into()),
            tags: BTreeSet::new(),
            tokens: [false; 3],
            linked_from: home_tag,
        }),
    }
    out.push(fetch(agent, port, Kind::Brief, BRIEF).0);
}

const CLIENTS: usize = 3;
/// Requests each client makes before the action starts, so the action runs under load.
const WARMUP: usize = 30;
/// Requests each client makes after the action has finished.
const AFTER: usize = 100;
const LOAD_LIMIT: Duration = Duration::from_secs(20);

/// Runs `action` while CLIENTS threads load pages (home, its stylesheet, the brief) over and
/// over, and `current` is watched. Each client stops once it has made AFTER requests after
/// the action returned (or after LOAD_LIMIT). Returns the action's result and each client's
/// samples.
fn under_load<T>(port: u16, www: &Path, action: impl FnOnce() -> T) -> (T, Vec<Vec<Sample>>) {
    let done = Arc::new(AtomicBool::new(false));
    let warm = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (done, warm) = (done.clone(), warm.clone());
            thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(5)))
                    .build()
                    .into();
                let mut samples = Vec::new();
                let mut after = None;
                let mut warmed = false;
                loop {
                    if after.is_none() && done.load(Ordering::SeqCst) {
                        after = Some(samples.len());
                    }
                    if after.is_some_and(|a| samples.len() >= a + AFTER)
                        || start.elapsed() > LOAD_LIMIT
                    {
                        break;
                    }
                    page_load(&agent, port, &mut samples);
                    if !warmed && samples.len() >= WARMUP {
                        warmed = true;
                        warm.fetch_add(1, Ordering::SeqCst);
                    }
                }
                samples
            })
        })
        .collect();
    while warm.load(Ordering::SeqCst) < CLIENTS && start.elapsed() < LOAD_LIMIT {
        thread::sleep(Duration::from_millis(1));
    }
    let watch = LinkWatch::start(www);
    let result = action();
    done.store(true, Ordering::SeqCst);
    assert!(
        start.elapsed() < LOAD_LIMIT,
        "the switch ended after the {LOAD_LIMIT:?} load window: the clients had already stopped"
    );
    let samples = clients
        .into_iter()
        .map(|c| c.join().expect("a client thread panicked"))
        .collect();
    let checks = watch.finish();
    eprintln!("  `current` checked {checks} times during the switch: always a symlink");
    (result, samples)
}

/// Checks one load run: every request 200; every response from exactly one release, with the
/// tokens its file must carry; every stylesheet from the same release as the page that linked
/// it; and each client sees `from` until it sees `to`, never `from` again, and ends on `to`.
/// Returns the number of requests.
fn check_load(what: &str, clients: &[Vec<Sample>], from: char, to: char) -> usize {
    let (mut total, mut n_from, mut n_to) = (0, 0, 0);
    let mut failures = Vec::new();
    for (c, samples) in clients.iter().enumerate() {
        let mut switched = false;
        for (i, s) in samples.iter().enumerate() {
            total += 1;
            let at = format!("client {c} request {i} ({})", s.path);
            match &s.result {
                Ok(200) => {}
                Ok(code) => {
                    failures.push(format!("{at}: status {code}"));
                    continue;
                }
                Err(e) => {
                    failures.push(format!("{at}: {e}"));
                    continue;
                }
            }
            let needed = match s.kind {
                Kind::Home => [false, true, false],
                Kind::Brief => [true, true, false],
                Kind::Style => [false, false, true],
            };
            for (k, name) in ["brief", "site", "style"].iter().enumerate() {
                if needed[k] && !s.tokens[k] {
                    failures.push(format!("{at}: no {name} token"));
                }
            }
            let Some(tag) = s.tag() else {
                failures.push(format!("{at}: mixes releases {:?}", s.tags));
                continue;
            };
            if s.kind == Kind::Style && s.linked_from != Some(tag) {
                failures.push(format!(
                    "{at}: stylesheet of release {tag} for a page of release {:?}",
                    s.linked_from
                ));
            }
            if tag == to {
                switched = true;
                n_to += 1;
            } else if tag == from && !switched {
                n_from += 1;
            } else {
                failures.push(format!(
                    "{at}: release {tag} after the client had seen release {to}"
                ));
            }
        }
        assert!(
            samples.len() >= AFTER,
            "{what}: client {c} made only {} requests",
            samples.len()
        );
        if let Some(s) = samples[samples.len() - AFTER / 2..]
            .iter()
            .find(|s| s.tag() != Some(to))
        {
            failures.push(format!(
                "{what}: client {c} still saw {:?} on {} well after the switch",
                s.tags, s.path
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{what}: {} problems in {total} requests, e.g.:\n  {}",
        failures.len(),
        failures[..failures.len().min(10)].join("\n  ")
    );
    let served = if from == to {
        format!("all {n_to} served release {to}")
    } else {
        format!("{n_from} served release {from}, then {n_to} release {to}")
    };
    eprintln!(
        "  {what}: {total} requests by {} clients, 0 failed, 0 mixed; {served}",
        clients.len()
    );
    total
}

#[test]
fn nginx_serves_one_complete_release_while_publishing_and_rolling_back() {
    let Some(bin) = tools::nginx() else {
        return;
    };
    let (_tmp, site, www) = new_site();
    publish(&site, &www, &[]).expect_success();
    let release_a = current_link(&www);
    let nginx = start_nginx(&bin, &www);
    let port = nginx.port;

    // Release A is live: warm the clients on it, publish B under load.
    write_release(&site, 'B');
    let (run_b, clients) = under_load(port, &www, || publish(&site, &www, &[]));
    run_b.expect_success();
    assert!(
        run_b.stdout.contains("Published release"),
        "{}",
        run_b.stdout
    );
    let release_b = current_link(&www);
    assert_ne!(release_a, release_b);
    let total_b = check_load("publish B", &clients, 'A', 'B');

    // Roll back under load: A again.
    let (run_rb, clients) = under_load(port, &www, || publish(&site, &www, &["--rollback"]));
    run_rb.expect_success();
    assert!(run_rb.stdout.contains("Rolled back"), "{}", run_rb.stdout);
    assert_eq!(current_link(&www), release_a);
    let total_rb = check_load("rollback", &clients, 'B', 'A');

    // A failed build (broken front matter) exits 1 and leaves A live and untouched.
    let releases_before = release_entries(&www);
    write(
        &site,
        "content/analysis/note.md",
        "+++\ntitle = \"Broken\ndate = 2026-01-01\n+++\nBody.\n",
    );
    let (run_bad, clients) = under_load(port, &www, || publish(&site, &www, &[]));
    run_bad.expect_code(1);
    assert_eq!(current_link(&www), release_a);
    assert_eq!(release_entries(&www), releases_before);
    let total_bad = check_load("failed build", &clients, 'A', 'A');
    eprintln!(
        "nginx publish test: {} requests in all, 0 failed, no response mixed releases",
        total_b + total_rb + total_bad
    );
    drop(nginx);
}

// ---------------------------------------------------------------------------------------------
// Without nginx

#[test]
fn keep_prunes_to_the_newest_releases_with_unique_sorted_names() {
    let (_tmp, site, www) = new_site();
    let watch_started = {
        publish(&site, &www, &["--keep", "2"]).expect_success();
        LinkWatch::start(&www)
    };
    let mut names = vec![
        current_link(&www)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned(),
    ];
    for _ in 0..3 {
        let r = publish(&site, &www, &["--keep", "2"]);
        r.expect_success();
        let link = current_link(&www);
        assert_eq!(
            link.parent(),
            Some(Path::new("releases")),
            "relative link: {link:?}"
        );
        names.push(link.file_name().unwrap().to_string_lossy().into_owned());
    }
    watch_started.finish();
    // Four publishes within a few seconds: unique names, in publish order by (stamp, -N).
    let keys: Vec<_> = names.iter().map(|n| release_key(n)).collect();
    assert!(
        keys.windows(2).all(|w| w[0] < w[1]),
        "names out of order: {names:?}"
    );
    // Exactly the two newest are left, nothing else (no staging folders, no temp links).
    assert_eq!(release_entries(&www), names[2..].to_vec());
    let top: BTreeSet<String> = fs::read_dir(&www)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        top,
        BTreeSet::from([".publish.lock", "current", "releases"].map(String::from))
    );
    assert_eq!(
        current_link(&www),
        Path::new("releases").join(&names[3]),
        "current points at the newest release"
    );
    assert!(www.join("current/index.html").is_file());
    assert!(www.join("current/.briefing-output").is_file());
}

#[test]
fn keep_never_removes_the_current_release() {
    let (_tmp, site, www) = new_site();
    publish(&site, &www, &[]).expect_success();
    let first = current_link(&www);
    publish(&site, &www, &[]).expect_success();
    publish(&site, &www, &["--rollback"]).expect_success();
    assert_eq!(current_link(&www), first);
    // With --keep 1 the newest release is the new one; the old one is removed, the newer
    // unused one too.
    publish(&site, &www, &["--keep", "1"]).expect_success();
    assert_eq!(release_entries(&www).len(), 1);
    assert!(www.join("current/index.html").is_file());
}

#[test]
fn fingerprinted_assets_of_the_previous_release_stay_available() {
    // A page served from the old release just before the switch asks for the old release's
    // fingerprinted stylesheet after it: the new release must still have it.
    let (_tmp, site, www) = new_site();
    let live_css = |www: &Path| {
        let html = fs::read_to_string(www.join("current/index.html")).unwrap();
        let path = stylesheet_path(&html).expect("the home page links a stylesheet");
        path.trim_start_matches('/').to_string()
    };
    publish(&site, &www, &[]).expect_success();
    let css_a = live_css(&www);
    write_release(&site, 'B');
    publish(&site, &www, &[]).expect_success();
    let css_b = live_css(&www);
    assert_ne!(css_a, css_b, "the stylesheet is fingerprinted");
    let b = www.join(current_link(&www));
    let carried = fs::read_to_string(www.join("current/.briefing-carried")).unwrap();
    assert!(carried.lines().any(|l| l == css_a), "{carried}");
    let old = fs::read_to_string(b.join(&css_a)).unwrap();
    assert!(
        old.contains("STYLETOKEN-A"),
        "the carried file is A's stylesheet"
    );

    // Carried one generation only: C has B's stylesheet but no longer A's.
    write_release(&site, 'C');
    publish(&site, &www, &[]).expect_success();
    let css_c = live_css(&www);
    assert!(www.join("current").join(&css_b).is_file());
    assert!(!www.join("current").join(&css_a).exists());

    // A rollback links the abandoned release's stylesheet into the release it returns to.
    publish(&site, &www, &["--rollback"]).expect_success();
    assert_eq!(www.join(current_link(&www)), b);
    assert!(b.join(&css_c).is_file() && b.join(&css_a).is_file());
    let carried = fs::read_to_string(b.join(".briefing-carried")).unwrap();
    let carried: BTreeSet<&str> = carried.lines().collect();
    assert!(
        carried.contains(css_a.as_str()) && carried.contains(css_c.as_str()),
        "{carried:?}"
    );
}

#[test]
fn failed_build_leaves_current_and_releases_alone() {
    let (_tmp, site, www) = new_site();
    publish(&site, &www, &[]).expect_success();
    let before = current_link(&www);
    let releases = release_entries(&www);
    let snap = snapshot(&www.join("current"));
    write(
        &site,
        "content/analysis/note.md",
        "+++\ntitle = \"Broken\ndate = 2026-01-01\n+++\nBody.\n",
    );
    let r = publish(&site, &www, &[]);
    r.expect_code(1);
    assert_eq!(current_link(&www), before);
    assert_eq!(release_entries(&www), releases);
    assert_same_tree(&snap, &snapshot(&www.join("current")), "the live release");

    // A failed first publish creates nothing at all.
    let fresh = site.parent().unwrap().join("fresh");
    publish(&site, &fresh, &[]).expect_code(1);
    assert!(!fresh.exists(), "a failed build must not create TARGET");
}

#[test]
fn stale_staging_folders_and_temp_links_are_cleaned() {
    let (_tmp, site, www) = new_site();
    publish(&site, &www, &[]).expect_success();
    // What a publish killed midway leaves: a half-written release and a temporary link.
    write(&www, "releases/.staging-20200101T000000Z/half.html", "half");
    std::os::unix::fs::symlink("releases/nowhere", www.join(".current.tmp-999999")).unwrap();
    publish(&site, &www, &[]).expect_success();
    assert!(!www.join("releases/.staging-20200101T000000Z").exists());
    assert!(fs::symlink_metadata(www.join(".current.tmp-999999")).is_err());
    assert!(release_entries(&www).iter().all(|e| !e.starts_with('.')));
}

#[test]
fn a_killed_publish_leaves_current_on_a_complete_release() {
    let (_tmp, site, www) = new_site();
    let started = Instant::now();
    publish(&site, &www, &[]).expect_success();
    let duration = started.elapsed();
    let complete =
        |dir: &Path| dir.join(".briefing-output").is_file() && dir.join("index.html").is_file();
    // Kill publishes at points spread over (and past) a whole run: building, writing, renaming,
    // switching.
    let (mut killed, mut mid_write) = (0, 0);
    for k in 0..12u32 {
        let mut child = Command::new(BIN)
            .args(["publish", arg(&www), "--root", arg(&site), "--keep", "3"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {BIN}: {e}"));
        thread::sleep(duration * k / 8);
        if child.try_wait().unwrap().is_none() {
            killed += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
        let link = current_link(&www);
        assert!(
            complete(&www.join(&link)),
            "after kill {k}: current -> {link:?} is incomplete"
        );
        for name in release_entries(&www) {
            if name.starts_with('.') {
                mid_write += 1;
            } else {
                let dir = www.join("releases").join(&name);
                assert!(
                    complete(&dir),
                    "after kill {k}: release {name} is incomplete"
                );
            }
        }
    }
    assert!(killed > 0, "no publish was killed midway");
    eprintln!(
        "  {killed} of 12 publishes killed midway; {mid_write} checks found a half-written .staging-* release"
    );
    publish(&site, &www, &[]).expect_success();
    assert!(
        release_entries(&www).iter().all(|e| !e.starts_with('.')),
        "leftovers: {:?}",
        release_entries(&www)
    );
}

#[test]
fn rollback_walks_back_by_name_and_stops_at_the_oldest() {
    let (_tmp, site, www) = new_site();
    // Nothing published yet.
    let r = publish(&site, &www, &["--rollback"]);
    r.expect_code(2);
    assert!(r.stderr.contains("nothing is published"), "{}", r.stderr);

    publish(&site, &www, &[]).expect_success();
    let a = current_link(&www);
    write_release(&site, 'B');
    publish(&site, &www, &[]).expect_success();
    let b = current_link(&www);
    assert_ne!(a, b);
    let r = publish(&site, &www, &["--rollback"]);
    r.expect_success();
    assert_eq!(current_link(&www), a);
    let page = fs::read_to_string(www.join("current/analysis/note/index.html")).unwrap();
    assert!(page.contains("RELEASE-A") && !page.contains("RELEASE-B"));
    // No release before A: exit 2, current unchanged.
    let r = publish(&site, &www, &["--rollback"]);
    r.expect_code(2);
    assert!(r.stderr.contains("no release before"), "{}", r.stderr);
    assert_eq!(current_link(&www), a);
    // --rollback does not build.
    let r = publish(&site, &www, &["--rollback", "--drafts"]);
    r.expect_code(2);
}

#[test]
fn refuses_targets_inside_the_site_and_a_real_current_folder() {
    let (_tmp, site, www) = new_site();
    for (target, why) in [
        (site.clone(), "site root"),
        (site.join("content"), "content/"),
        (site.join("content/analysis/out"), "content/"),
        (site.parent().unwrap().to_path_buf(), "site root"),
    ] {
        let r = publish(&site, &target, &[]);
        r.expect_code(2);
        assert!(r.stderr.contains(why), "{}: {}", target.display(), r.stderr);
    }
    assert!(!site.join("releases").exists() && !site.join("current").exists());
    assert!(!site.join("content/releases").exists());

    // A `current` that is a real folder is never replaced.
    write(&www, "current/index.html", "hand-made");
    let r = publish(&site, &www, &[]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("not a symlink") && r.stderr.contains("real folder"),
        "{}",
        r.stderr
    );
    assert_eq!(
        fs::read_to_string(www.join("current/index.html")).unwrap(),
        "hand-made"
    );
    assert!(!www.join("releases").exists());
    let r = publish(&site, &www, &["--rollback"]);
    r.expect_code(2);
}
