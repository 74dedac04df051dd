//! `briefing serve`: build, serve from memory, rebuild on every change, reload the open tabs.
//!
//! Three parts run side by side. The watcher ([`watch`]) turns editor saves into batches. One
//! rebuild thread (`rebuild.rs`) owns the [`Builder`], so its caches make every rebuild after
//! the first one incremental, and hands each result to the snapshot store (`snapshots.rs`),
//! which makes it a new [`server::Snapshot`]; a worker (`search_worker.rs`) indexes it for
//! search. The HTTP server ([`server`]) answers from whichever snapshot is current and tells
//! tabs about new ones ([`reload`]). Nothing is written to disk: the user's `output/` is left
//! exactly as it was. This module owns the command itself: binding the port, running the
//! server, stopping on a signal.

pub mod host;
mod rebuild;
pub mod reload;
mod search_worker;
pub mod server;
mod snapshots;
pub mod watch;

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::build::{BuildOptions, Builder};
use crate::config::CONFIG_FILE;
use crate::diagnostics::{Diagnostic, Failure};
use rebuild::rebuild_loop;
use reload::Hub;
use server::{App, LiveSite};
use snapshots::SnapshotStore;

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
    let mut store = SnapshotStore::new(hub.clone(), root.clone());
    store.apply(builder.build(), true);
    let live = store.live.clone();
    std::thread::Builder::new()
        .name("briefing-rebuild".into())
        .spawn(move || rebuild_loop(builder, batches, store))
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
    let result = rt.block_on(serve(listener, live, hub, hosts, &root, &url, opts.open));
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
    site: LiveSite,
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

#[cfg(test)]
mod tests {
    use super::*;

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
