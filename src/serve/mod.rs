//! `briefing serve`: build, serve from memory, rebuild on every change, reload the open tabs.
//!
//! Three parts run side by side. The watcher ([`watch`]) turns editor saves into batches. One
//! rebuild thread owns the [`Builder`], so its caches make every rebuild after the first one
//! incremental, and publishes each result as a new [`server::Snapshot`]. The HTTP server
//! ([`server`]) answers from whichever snapshot is current and tells tabs about new ones
//! ([`reload`]). Nothing is written to disk: the user's `output/` is left exactly as it was.

pub mod host;
pub mod reload;
pub mod server;
pub mod watch;

use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SendError, Sender};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::build::{BuildOptions, Builder, Built};
use crate::config::CONFIG_FILE;
use crate::diagnostics::{self, Diagnostic, Failure};
use crate::render::Body;
use reload::{Hub, Message};
use server::{App, Shared, Snapshot};

pub struct ServeOptions {
    pub root: PathBuf,
    /// An IP address, or `localhost`.
    pub bind: String,
    /// 0 lets the system choose.
    pub port: u16,
    pub open: bool,
    pub drafts: bool,
    /// `--allow-host` values: names (optionally NAME:PORT) answered besides localhost and IPs.
    pub allow_hosts: Vec<String>,
}

/// How many ports above the requested one to try before giving up.
const PORT_TRIES: u16 = 100;

pub fn run(opts: ServeOptions) -> Result<(), Failure> {
    let root = opts.root.canonicalize().map_err(|e| {
        Failure::Usage(
            Diagnostic::error(format!(
                "cannot open the site root {}: {e}",
                opts.root.display()
            ))
            .with_hint("pass --root with the folder that holds briefing.toml"),
        )
    })?;
    if !root.join(CONFIG_FILE).is_file() {
        return Err(Failure::Usage(
            Diagnostic::error(format!("no {CONFIG_FILE} in {}", root.display())).with_hint("pass --root with the folder that holds briefing.toml, or run `briefing init` to create a site"),
        ));
    }
    let ip = parse_bind(&opts.bind)?;
    let (listener, addr) = bind(ip, opts.port)?;
    let hosts = Arc::new(host::Policy::new(addr.port(), &opts.allow_hosts)?);
    if !ip.is_loopback() {
        eprintln!(
            "warning: serving on {ip}, which other machines on the network can reach; unpublished work is visible to them"
        );
        eprintln!(
            "  = help: leave out --bind (or pass --bind 127.0.0.1) to serve to this machine only"
        );
    }
    let url = format!("http://{addr}/");

    // Watching starts before the first build so an edit made while it runs is not lost.
    let batches = watch::spawn(&root);
    let mut builder = Builder::new(
        root.clone(),
        BuildOptions {
            drafts: opts.drafts,
            base_url: Some(url.clone()),
            serve: true,
            ..BuildOptions::default()
        },
    );
    let hub = Hub::default();
    let mut publisher = Publisher::new(hub.clone(), root.clone());
    publisher.publish(builder.build(), true);
    let shared = publisher.shared.clone();
    std::thread::Builder::new()
        .name("briefing-rebuild".into())
        .spawn(move || rebuild_loop(builder, batches, publisher))
        .map_err(|e| {
            Failure::Io(
                Diagnostic::error(format!("cannot start the rebuild thread: {e}"))
                    .with_hint("check the system's thread limits"),
            )
        })?;

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            Failure::Io(
                Diagnostic::error(format!("cannot start the server runtime: {e}"))
                    .with_hint("check the system's thread and file limits"),
            )
        })?;
    let result = rt.block_on(serve(listener, shared, hub, hosts, &root, &url, opts.open));
    // Nothing left running writes anything, so there is nothing to wait for.
    rt.shutdown_background();
    result
}

fn parse_bind(bind: &str) -> Result<IpAddr, Failure> {
    if bind.eq_ignore_ascii_case("localhost") {
        return Ok(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    bind.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .map_err(|_| {
            Failure::Usage(
                Diagnostic::error(format!("--bind {bind} is not an IP address"))
                    .with_hint("use an address such as 127.0.0.1, ::1 or 0.0.0.0"),
            )
        })
}

/// Binds `ip:port`, moving up to the next free port when it is taken.
fn bind(ip: IpAddr, port: u16) -> Result<(TcpListener, SocketAddr), Failure> {
    let usage = |msg: String, hint: &str| Failure::Usage(Diagnostic::error(msg).with_hint(hint));
    let last = if port == 0 {
        0
    } else {
        port.saturating_add(PORT_TRIES - 1)
    };
    for p in port..=last {
        let addr = SocketAddr::new(ip, p);
        match TcpListener::bind(addr) {
            Ok(l) => {
                let local = l.local_addr().unwrap_or(addr);
                if p != port {
                    eprintln!("note: port {port} is in use; serving on port {p} instead");
                }
                return Ok((l, local));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                return Err(usage(
                    format!("cannot listen on {addr}: {e}"),
                    "ports below 1024 need special rights; use --port 1111",
                ));
            }
            Err(e) => {
                return Err(usage(
                    format!("cannot listen on {addr}: {e}"),
                    "check that --bind is an address of this machine",
                ));
            }
        }
    }
    Err(usage(
        format!("ports {port} to {last} are all in use"),
        "stop another server, or pass --port 0 to let the system pick one",
    ))
}

async fn serve(
    listener: TcpListener,
    site: Shared,
    hub: Hub,
    hosts: Arc<host::Policy>,
    root: &Path,
    url: &str,
    open: bool,
) -> Result<(), Failure> {
    let io = |e: std::io::Error| {
        Failure::Io(
            Diagnostic::error(format!("cannot serve: {e}"))
                .with_hint("check the system's network settings"),
        )
    };
    listener.set_nonblocking(true).map_err(io)?;
    let listener = tokio::net::TcpListener::from_std(listener).map_err(io)?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let app = App {
        site,
        hub,
        hosts,
        root: root.to_path_buf(),
        stop: stop_rx.clone(),
    };
    let mut wait = stop_rx;
    let server =
        axum::serve(listener, server::router(Arc::new(app))).with_graceful_shutdown(async move {
            let _ = wait.wait_for(|stopped| *stopped).await;
        });
    let mut task = tokio::spawn(async move { server.await });
    println!("Serving {} at {url} (Ctrl-C to stop)", root.display());
    if open {
        open_browser(url);
    }
    tokio::select! {
        () = shutdown_signal() => {}
        r = &mut task => {
            return match r {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(io(e)),
                Err(e) => Err(io(std::io::Error::other(e.to_string()))),
            };
        }
    }
    println!("Stopping.");
    let _ = stop_tx.send(true);
    // Open connections get a moment to finish; a stuck one must not keep the command alive.
    let _ = tokio::time::timeout(Duration::from_secs(3), task).await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // Without a handler Ctrl-C still ends the process, just not gracefully; never
            // treat the failure itself as a request to stop.
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

fn open_browser(url: &str) {
    let cmd = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let spawned = std::process::Command::new(cmd)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match spawned {
        // Reaped on a side thread so it leaves no zombie behind.
        Ok(mut child) => {
            std::thread::spawn(move || {
                let _ = child.wait();
            });
        }
        Err(_) => {
            eprintln!("note: cannot open a browser ({cmd} is not available); open {url} yourself")
        }
    }
}

fn rebuild_loop(mut builder: Builder, batches: Receiver<watch::Batch>, mut publisher: Publisher) {
    while let Ok(first) = batches.recv() {
        // Edits that arrived during the previous rebuild are all covered by this one.
        let mut paths = first.paths;
        while let Ok(more) = batches.try_recv() {
            paths.extend(more.paths);
        }
        await_replacements(&builder.root, &batches, &mut paths);
        paths.sort();
        paths.dedup();
        let result = builder.build_changed(&paths);
        let start = std::time::Instant::now();
        publisher.publish(result, false);
        if std::env::var_os("BRIEFING_TIMINGS").is_some() {
            eprintln!(
                "  publish    {:>7.1} ms",
                start.elapsed().as_secs_f64() * 1000.0
            );
        }
    }
}

/// How long a vanished source file gets to come back before the build goes on without it.
const REPLACE_GRACE: Duration = Duration::from_millis(60);

/// Some editors save by moving the old file aside first and writing the new one after it; a
/// batch can end between the two. A build then would drop the brief and reload every tab onto
/// a 404. So when a batch names files that are gone, wait (briefly) for them to reappear,
/// taking in the batches that bring them. A real delete costs this grace once.
fn await_replacements(root: &Path, batches: &Receiver<watch::Batch>, paths: &mut Vec<PathBuf>) {
    let deadline = std::time::Instant::now() + REPLACE_GRACE;
    while paths
        .iter()
        .any(|p| p.extension().is_some() && !root.join(p).exists())
    {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return;
        }
        match batches.recv_timeout(left.min(Duration::from_millis(5))) {
            Ok(more) => paths.extend(more.paths),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Size and modification time: enough to tell that a static file changed without reading it.
type Stamp = (u64, Option<SystemTime>);

/// Turns build results into snapshots, terminal lines and tab messages.
struct Publisher {
    shared: Shared,
    hub: Hub,
    /// Tells this server's builds from a previous run's, so a tab that reconnects after a
    /// restart reloads even though the counter started again.
    nonce: u64,
    counter: u64,
    stamps: HashMap<String, Stamp>,
    /// Whether any build has succeeded yet, i.e. whether there is a last good build to show.
    built: bool,
    /// Jobs for the search worker, once it runs.
    search: Option<Sender<SearchJob>>,
    color: bool,
    /// The site root (canonical): static files are held in memory only from inside it.
    root: PathBuf,
    /// Static files read into memory, by real path, with the stamp they were read at.
    static_bytes: HashMap<PathBuf, (Stamp, Arc<Vec<u8>>)>,
}

/// Static files up to this size are served from memory, like pages: a request never sees one
/// half-written by an editor's save, only the version the last build read. Larger files (video,
/// big PDFs) are read from disk per request rather than held for the whole session.
const STATIC_IN_MEMORY: u64 = 8 << 20;

impl Publisher {
    fn new(hub: Hub, root: PathBuf) -> Publisher {
        let nonce = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
            ^ u64::from(std::process::id());
        let snap = Snapshot {
            files: Arc::new(BTreeMap::new()),
            build: format!("{nonce:x}-0"),
            failure: None,
        };
        Publisher {
            shared: Arc::new(RwLock::new(Arc::new(snap))),
            hub,
            nonce,
            counter: 0,
            stamps: HashMap::new(),
            built: false,
            search: None,
            root,
            static_bytes: HashMap::new(),
            color: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    fn publish(&mut self, result: Result<Built, Failure>, first: bool) {
        let old = server::current(&self.shared);
        match result {
            Ok(built) => {
                for w in &built.warnings {
                    eprint!("{}", w.render(self.color));
                }
                let old_build = old.build.clone();
                let was_failing = old.failure.is_some();
                let (files, changed) = if built.patch {
                    // Requests hold the snapshot only while they answer; let go of ours too, so
                    // the patch usually lands in place instead of copying 10,000 entries.
                    drop(old);
                    self.patched(built.files)
                } else {
                    let mut files = built.files;
                    // Until the background indexer below finishes, keep serving the previous
                    // search bundle rather than none; it is not a reason to reload any tab.
                    for (k, v) in old
                        .files
                        .range("pagefind/".to_string().."pagefind0".to_string())
                    {
                        files.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                    self.load_static(&mut files);
                    let stamps = stamp_static(&files);
                    let changed = changed_paths(&old.files, &files, &self.stamps, &stamps);
                    self.stamps = stamps;
                    (Arc::new(files), changed)
                };
                let mut changed = changed;
                changed.retain(|p| !p.starts_with("pagefind/"));
                self.built = true;
                let build = if changed.is_empty() {
                    old_build
                } else {
                    self.counter += 1;
                    format!("{:x}-{}", self.nonce, self.counter)
                };
                let s = &built.stats;
                let pages: Vec<(String, Arc<Vec<u8>>)> = if built.search {
                    built
                        .brief_pages
                        .iter()
                        .filter_map(|p| match files.get(p) {
                            Some(Body::Bytes(b)) => Some((p.clone(), b.clone())),
                            _ => None,
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                self.store(Snapshot {
                    files,
                    build: build.clone(),
                    failure: None,
                });
                if built.search {
                    self.refresh_search(pages, built.language.clone(), build.clone());
                }
                if first {
                    println!("{}", s.summary());
                } else {
                    println!(
                        "Rebuilt {} of {} pages in {} ms",
                        s.rendered,
                        s.pages,
                        s.elapsed.as_millis()
                    );
                }
                if !changed.is_empty() {
                    let css_only = changed.iter().all(|p| p.ends_with(".css"));
                    self.hub.send(Message::Reload {
                        build,
                        paths: Arc::new(changed),
                        css_only,
                    });
                } else if was_failing {
                    self.hub.send(Message::Clear { build });
                }
            }
            Err(failure) => {
                let diags = failure.diagnostics();
                eprint!("{}", diagnostics::render_report(&diags, self.color));
                let errors = diags.iter().filter(|d| d.is_error()).count();
                eprintln!(
                    "error: {} failed with {errors} error{}; {}",
                    if first { "the build" } else { "the rebuild" },
                    if errors == 1 { "" } else { "s" },
                    if self.built {
                        "still serving the last good build"
                    } else {
                        "fix it and save: the site appears once it builds"
                    }
                );
                let shown: Vec<&Diagnostic> = diags
                    .iter()
                    .copied()
                    .filter(|d| d.is_error() || errors == 0)
                    .collect();
                let json: Vec<Value> = diagnostics::json_report(&shown);
                let overlay: Arc<str> = Arc::from(reload::overlay_html(&json));
                let json = Arc::new(json);
                self.store(Snapshot {
                    files: old.files.clone(),
                    build: old.build.clone(),
                    failure: Some((json.clone(), overlay)),
                });
                self.hub.send(Message::Error {
                    build: old.build.clone(),
                    diagnostics: json,
                });
            }
        }
    }

    /// Reads the build's static files (those inside the site, up to [`STATIC_IN_MEMORY`]) into
    /// memory, rereading only files whose size or modification time changed. Anything else is
    /// left to the server, which checks it again per request.
    fn load_static(&mut self, files: &mut BTreeMap<String, Body>) {
        let mut kept = HashMap::new();
        for body in files.values_mut() {
            let Body::Copy(src) = body else { continue };
            let Some(real) = server::inside(&self.root, src) else {
                continue;
            };
            let Ok(meta) = std::fs::metadata(&real) else {
                continue;
            };
            if meta.len() > STATIC_IN_MEMORY {
                continue;
            }
            let stamp = (meta.len(), meta.modified().ok());
            let bytes = match self.static_bytes.get(&real) {
                Some((s, b)) if *s == stamp => b.clone(),
                _ => match std::fs::read(&real) {
                    Ok(b) => Arc::new(b),
                    Err(_) => continue,
                },
            };
            *body = Body::Bytes(bytes.clone());
            kept.insert(real, (stamp, bytes));
        }
        self.static_bytes = kept;
    }

    /// The current snapshot's files with a patch's pages put in, and the pages whose bytes
    /// changed. Done under the write lock on the map itself when no request holds it, which
    /// costs a few inserts; otherwise on a copy.
    fn patched(&self, pages: BTreeMap<String, Body>) -> (Arc<BTreeMap<String, Body>>, Vec<String>) {
        let mut guard = match self.shared.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let mut files = guard.files.clone();
        // Replace the snapshot's reference with a placeholder so ours is the only one.
        *guard = Arc::new(Snapshot {
            files: Arc::new(BTreeMap::new()),
            build: guard.build.clone(),
            failure: guard.failure.clone(),
        });
        let map = Arc::make_mut(&mut files);
        let mut changed = Vec::new();
        for (k, body) in pages {
            let same = matches!((map.get(&k), &body), (Some(Body::Bytes(a)), Body::Bytes(b)) if Arc::ptr_eq(a, b) || a == b);
            if !same {
                changed.push(k.clone());
            }
            map.insert(k, body);
        }
        *guard = Arc::new(Snapshot {
            files: files.clone(),
            build: guard.build.clone(),
            failure: guard.failure.clone(),
        });
        (files, changed)
    }

    /// Indexes the brief pages on a background thread, so the page reload never waits for
    /// search; the bundle is merged into the snapshot only if no newer build replaced it.
    ///
    /// One long-lived thread does all indexing and skips builds a newer one superseded. A thread
    /// per rebuild let a burst of edits index stale builds side by side, and each fresh thread
    /// left its garbage in another malloc arena, so the server's memory crept up with every save.
    fn refresh_search(
        &mut self,
        pages: Vec<(String, Arc<Vec<u8>>)>,
        language: String,
        build: String,
    ) {
        let job = SearchJob {
            pages,
            language,
            build,
        };
        let job = match &self.search {
            Some(tx) => match tx.send(job) {
                Ok(()) => return,
                // The worker is gone (it panicked); start another.
                Err(SendError(job)) => job,
            },
            None => job,
        };
        let (tx, rx) = mpsc::channel();
        let shared = self.shared.clone();
        let spawned = std::thread::Builder::new()
            .name("briefing-search".into())
            .spawn(move || search_worker(rx, shared, crate::search::index_serially));
        match spawned {
            Ok(_) => {
                let _ = tx.send(job);
                self.search = Some(tx);
            }
            Err(e) => eprintln!(
                "warning: cannot start the search indexer: {e}; search shows the last index"
            ),
        }
    }

    fn store(&self, snap: Snapshot) {
        let snap = Arc::new(snap);
        match self.shared.write() {
            Ok(mut g) => *g = snap,
            Err(p) => *p.into_inner() = snap,
        }
    }
}

/// The brief pages of one build, for the search worker.
struct SearchJob {
    pages: Vec<(String, Arc<Vec<u8>>)>,
    language: String,
    build: String,
}

/// Builds a search bundle: [`crate::search::index_serially`], or a stand-in in tests.
type Indexer =
    fn(&[(String, Arc<Vec<u8>>)], &str) -> Result<BTreeMap<String, Arc<Vec<u8>>>, Diagnostic>;

/// Indexes jobs until the publisher goes away, merging each bundle into the snapshot if its
/// build is still the current one.
fn search_worker(jobs: Receiver<SearchJob>, shared: Shared, index: Indexer) {
    while let Ok(mut job) = jobs.recv() {
        // Only the newest build can still be current; the ones before it need no index.
        while let Ok(newer) = jobs.try_recv() {
            job = newer;
        }
        let bundle = match index(&job.pages, &job.language) {
            Ok(b) => b,
            Err(d) => {
                eprint!("{}", d.render(false));
                continue;
            }
        };
        let mut guard = match shared.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if guard.build != job.build || guard.failure.is_some() {
            continue;
        }
        let mut files: BTreeMap<String, Body> = (*guard.files).clone();
        files.retain(|k, _| !k.starts_with("pagefind/"));
        for (k, v) in bundle {
            files.insert(k, Body::Bytes(v));
        }
        *guard = Arc::new(Snapshot {
            files: Arc::new(files),
            build: guard.build.clone(),
            failure: None,
        });
    }
}

fn stamp_static(files: &BTreeMap<String, Body>) -> HashMap<String, Stamp> {
    files
        .iter()
        .filter_map(|(k, b)| match b {
            Body::Copy(src) => {
                let m = std::fs::metadata(src).ok();
                Some((
                    k.clone(),
                    (
                        m.as_ref().map_or(0, |m| m.len()),
                        m.and_then(|m| m.modified().ok()),
                    ),
                ))
            }
            Body::Bytes(_) => None,
        })
        .collect()
}

/// Output paths that differ between two builds: added, removed, or with other bytes.
///
/// Computed here rather than taken from [`Built::changed`], which only covers rendered pages
/// and counts against the builder's last attempt, not against what the tabs were last sent.
fn changed_paths(
    old: &BTreeMap<String, Body>,
    new: &BTreeMap<String, Body>,
    old_stamps: &HashMap<String, Stamp>,
    new_stamps: &HashMap<String, Stamp>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (k, body) in new {
        let same = match (old.get(k), body) {
            (Some(Body::Bytes(a)), Body::Bytes(b)) => Arc::ptr_eq(a, b) || a == b,
            (Some(Body::Copy(a)), Body::Copy(b)) => {
                a == b && old_stamps.get(k) == new_stamps.get(k)
            }
            _ => false,
        };
        if !same {
            out.push(k.clone());
        }
    }
    out.extend(old.keys().filter(|k| !new.contains_key(*k)).cloned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_files_are_held_in_memory_from_inside_the_site_only() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        std::fs::create_dir_all(root.join("static")).unwrap();
        let small = root.join("static/a.txt");
        std::fs::write(&small, "first").unwrap();
        let outside = tmp.path().join("secret.txt");
        std::fs::write(&outside, "secret").unwrap();
        let root = root.canonicalize().unwrap();
        let mut publisher = Publisher::new(Hub::default(), root.clone());
        let files = || -> BTreeMap<String, Body> {
            [
                ("a.txt".to_string(), Body::Copy(small.clone())),
                ("secret.txt".to_string(), Body::Copy(outside.clone())),
            ]
            .into_iter()
            .collect()
        };
        let bytes = |files: &BTreeMap<String, Body>, k: &str| match &files[k] {
            Body::Bytes(b) => Some(b.clone()),
            Body::Copy(_) => None,
        };

        let mut first = files();
        publisher.load_static(&mut first);
        let a1 = bytes(&first, "a.txt").expect("a file inside the site is read");
        assert_eq!(a1.as_slice(), b"first");
        // Outside the root: left for the server, which refuses it per request.
        assert!(bytes(&first, "secret.txt").is_none());

        // Unchanged on disk: the same bytes, not a second read.
        let mut again = files();
        publisher.load_static(&mut again);
        assert!(Arc::ptr_eq(&a1, &bytes(&again, "a.txt").unwrap()));

        // Changed on disk: read again.
        std::fs::write(&small, "second, longer").unwrap();
        let mut changed = files();
        publisher.load_static(&mut changed);
        assert_eq!(
            bytes(&changed, "a.txt").unwrap().as_slice(),
            b"second, longer"
        );
    }

    fn bytes(s: &str) -> Body {
        Body::Bytes(Arc::new(s.as_bytes().to_vec()))
    }

    #[test]
    fn changes_cover_added_removed_and_edited_files() {
        let old: BTreeMap<String, Body> = [
            ("a.html", bytes("a")),
            ("b.html", bytes("b")),
            ("gone.html", bytes("g")),
            ("style.css", Body::Copy("s.css".into())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let new: BTreeMap<String, Body> = [
            ("a.html", bytes("a")),
            ("b.html", bytes("B")),
            ("new.html", bytes("n")),
            ("style.css", Body::Copy("s.css".into())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let t = SystemTime::UNIX_EPOCH;
        let s1: HashMap<String, Stamp> = [("style.css".to_string(), (10, Some(t)))].into();
        let s2: HashMap<String, Stamp> = [("style.css".to_string(), (11, Some(t)))].into();
        assert_eq!(
            changed_paths(&old, &new, &s1, &s1),
            vec!["b.html", "new.html", "gone.html"]
        );
        assert_eq!(
            changed_paths(&old, &new, &s1, &s2),
            vec!["b.html", "new.html", "style.css", "gone.html"]
        );
    }

    #[test]
    fn the_search_worker_indexes_only_the_newest_build() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static CALLS: AtomicUsize = AtomicUsize::new(0);
        fn fake(
            _: &[(String, Arc<Vec<u8>>)],
            _: &str,
        ) -> Result<BTreeMap<String, Arc<Vec<u8>>>, Diagnostic> {
            CALLS.fetch_add(1, Ordering::SeqCst);
            Ok([("pagefind/x.pf_index".to_string(), Arc::new(b"x".to_vec()))].into())
        }
        let shared: Shared = Arc::new(RwLock::new(Arc::new(Snapshot {
            files: Arc::new(BTreeMap::new()),
            build: "n-3".into(),
            failure: None,
        })));
        // Three rebuilds faster than indexing: only the last one is still worth an index.
        let (tx, rx) = mpsc::channel();
        for build in ["n-1", "n-2", "n-3"] {
            let job = SearchJob {
                pages: Vec::new(),
                language: "en".into(),
                build: build.into(),
            };
            assert!(tx.send(job).is_ok());
        }
        drop(tx);
        search_worker(rx, shared.clone(), fake);
        assert_eq!(CALLS.load(Ordering::SeqCst), 1);
        let snap = server::current(&shared);
        assert!(snap.files.contains_key("pagefind/x.pf_index"));
        assert_eq!(snap.build, "n-3");
    }

    #[test]
    fn bind_accepts_addresses_and_localhost() {
        assert_eq!(
            parse_bind("localhost").ok(),
            Some(IpAddr::V4(Ipv4Addr::LOCALHOST))
        );
        assert_eq!(
            parse_bind("0.0.0.0").ok(),
            Some(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
        );
        assert!(parse_bind("[::1]").is_ok_and(|ip| ip.is_loopback()));
        assert!(parse_bind("example.org").is_err());
    }

    #[test]
    fn a_taken_port_moves_to_the_next() {
        let Ok(taken) = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)) else {
            return;
        };
        let Ok(port) = taken.local_addr().map(|a| a.port()) else {
            return;
        };
        if port == u16::MAX {
            return;
        }
        let (_l, addr) = bind(IpAddr::V4(Ipv4Addr::LOCALHOST), port).expect("a free port nearby");
        assert_ne!(addr.port(), port);
    }
}
