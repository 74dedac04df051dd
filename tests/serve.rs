//! `briefing serve` end to end: the real binary on a throwaway site, spoken to over HTTP.
//!
//! Each test starts its own server on its own copy of a small site, so tests can edit files
//! without seeing each other's rebuilds.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::copy_dir;
use common::serve::{EDIT_TIMEOUT, Server, free_port};

/// Never rendered into a page (a TOML comment), so finding it in a response means the server
/// handed out the config file itself.
const SECRET: &str = "serve-test-secret-4f1c9a";

const BRIEF: &str = r#"+++
title = "Opening brief"
date = 2017-05-01
description = "The first brief."
bottom_line = "Original bottom line."
actors = ["Japan"]
topics = ["Security"]
+++
The original body text of the first brief.
"#;

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

/// A site with a home page, one section and one brief, on the default theme.
fn make_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        &root.join("briefing.toml"),
        &format!(
            "# {SECRET}\ntitle = \"Serve test\"\nbase_url = \"https://example.org\"\ntheme = \"default\"\n"
        ),
    );
    write(
        &root.join("content/_index.md"),
        "+++\ntitle = \"Serve test\"\n+++\nThe home page.\n",
    );
    write(
        &root.join("content/notes/_index.md"),
        "+++\ntitle = \"Notes\"\ndescription = \"One brief.\"\n+++\nThe notes section.\n",
    );
    write(&root.join("content/notes/first.md"), BRIEF);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default"),
        &root.join("themes/default"),
    );
    dir
}

#[test]
fn serves_pages_with_types_redirects_and_the_404_page() {
    let server = Server::start(make_site());
    let (status, ctype, body) = server.get("/notes/first/");
    assert_eq!(status, 200);
    assert!(ctype.starts_with("text/html"), "{ctype}");
    assert!(body.contains("The original body text"), "{body}");
    // Links point at the server, not at the configured site.
    assert!(body.contains(&format!("{}/notes/", server.base)), "{body}");

    let (status, ctype, _) = server.get("/style.css");
    assert_eq!(status, 200);
    assert!(ctype.starts_with("text/css"), "{ctype}");
    let (status, ctype, body) = server.get("/atom.xml");
    assert_eq!(status, 200);
    assert!(ctype.contains("xml"), "{ctype}");
    assert!(body.starts_with("<?xml"), "{body}");

    let (status, _, location) = server.get("/notes/first");
    assert!(status == 308 || status == 301, "{status}");
    assert_eq!(location, "/notes/first/");

    let (status, ctype, body) = server.get("/no/such/page/");
    assert_eq!(status, 404);
    assert!(ctype.starts_with("text/html"), "{ctype}");
    assert!(
        body.contains("Page not found"),
        "not the site's 404 page:\n{body}"
    );

    assert!(
        !server.root.join("output").exists(),
        "serve wrote an output folder"
    );
}

#[test]
fn nothing_outside_the_site_is_served() {
    let server = Server::start(make_site());
    for raw in [
        "/../briefing.toml",
        "/%2e%2e/briefing.toml",
        "/%2E%2E/%2E%2E/briefing.toml",
        "/notes/../../briefing.toml",
        "/notes%2f..%2f..%2fbriefing.toml",
        "/hedges%2f..%2f..%2fbriefing.toml",
        "/..%5cbriefing.toml",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/briefing.toml",
        "/content/notes/first.md",
        "/themes/default/theme.toml",
        "/notes/first.md%00.html",
    ] {
        let res = server.raw_get(raw);
        let status: u16 = res
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        assert!(
            (400..500).contains(&status),
            "{raw} answered {status}:\n{res}"
        );
        assert!(!res.contains(SECRET), "{raw} leaked briefing.toml:\n{res}");
        assert!(!res.contains("root:x:"), "{raw} leaked /etc/passwd:\n{res}");
        assert!(!res.contains("+++"), "{raw} leaked a content file:\n{res}");
    }
}

#[cfg(unix)]
#[test]
fn static_symlinks_out_of_the_site_are_not_followed() {
    let site = make_site();
    let outside = tempfile::tempdir().unwrap();
    write(&outside.path().join("private.txt"), SECRET);
    write(&site.path().join("static/ok.txt"), "fine");
    std::os::unix::fs::symlink(
        outside.path().join("private.txt"),
        site.path().join("static/leak.txt"),
    )
    .unwrap();
    // The link fails the build (see tests/confinement.rs); the server shows why and never
    // hands out what the link points at. Then, without the link, the site is served.
    let root = site.path().to_path_buf();
    let server = Server::start(site);
    let (status, _, body) = server.get("/leak.txt");
    assert_eq!(status, 404);
    assert!(!body.contains(SECRET));
    let home = server.wait_for_page("/", "showed the error", |b| {
        b.contains("`static/leak.txt` is a symbolic link to")
    });
    assert!(!home.contains(SECRET));
    std::fs::remove_file(root.join("static/leak.txt")).unwrap();
    // The watcher may start just after the server answers: save again until it rebuilds.
    let start = Instant::now();
    while server.get("/ok.txt").0 != 200 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "never rebuilt without the link:\n{}",
            server.output()
        );
        std::thread::sleep(Duration::from_millis(300));
        write(&root.join("static/ok.txt"), "fine");
    }
    assert_eq!(server.page("/ok.txt"), "fine");
}

#[test]
fn edits_show_up_and_editor_droppings_do_not_rebuild() {
    let mut server = Server::start(make_site());
    let brief = server.root.join("content/notes/first.md");
    assert!(
        server
            .page("/notes/first/")
            .contains("The original body text")
    );

    // Swap and backup files alone must not set off a rebuild.
    write(&server.root.join("content/notes/.first.md.swp"), "swap");
    write(&server.root.join("content/notes/first.md~"), "backup");
    write(&server.root.join("content/notes/4913"), "");
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(
        server.rebuilds(),
        0,
        "a rebuild for temp files only:\n{}",
        server.output()
    );

    // A plain write.
    write(
        &brief,
        &BRIEF.replace("The original body text", "Freshly edited text"),
    );
    server.wait_for_page("/notes/first/", "showed the edit", |b| {
        b.contains("Freshly edited text")
    });
    server.wait_for_line(|l| l.starts_with("Rebuilt "), EDIT_TIMEOUT);
    // The log names the file that triggered the rebuild.
    server.wait_for_line(|l| l == "Changed: content/notes/first.md", EDIT_TIMEOUT);

    // An atomic save, as vim and JetBrains IDEs do it: write a temp file, rename it over.
    let tmp = server.root.join("content/notes/first.md.tmp");
    write(
        &tmp,
        &BRIEF.replace("The original body text", "Saved by rename"),
    );
    std::fs::rename(&tmp, &brief).unwrap();
    server.wait_for_page("/notes/first/", "showed the renamed save", |b| {
        b.contains("Saved by rename")
    });

    assert!(
        !server.root.join("output").exists(),
        "serve wrote an output folder"
    );
}

#[test]
fn a_broken_file_shows_an_overlay_until_it_is_fixed() {
    let server = Server::start(make_site());
    let brief = server.root.join("content/notes/first.md");
    const MARKER: &str = "id=\"briefing-error-overlay\"";
    assert!(!server.page("/notes/first/").contains(MARKER));

    write(&brief, &BRIEF.replace("title = ", "titel = "));
    let body = server.wait_for_page("/notes/first/", "showed the error overlay", |b| {
        b.contains(MARKER)
    });
    assert!(
        body.contains("first.md"),
        "the overlay names the file:\n{body}"
    );
    assert!(
        body.contains("titel"),
        "the overlay shows the message:\n{body}"
    );
    // The last good page is still there underneath.
    assert!(body.contains("The original body text"));
    // Other pages carry it too, including the 404 page.
    assert!(server.page("/").contains(MARKER));
    let (status, _, body) = server.get("/missing/");
    assert_eq!(status, 404);
    assert!(body.contains(MARKER));

    write(
        &brief,
        &BRIEF.replace("The original body text", "Fixed text"),
    );
    server.wait_for_page("/notes/first/", "dropped the overlay", |b| {
        !b.contains(MARKER) && b.contains("Fixed text")
    });
    assert!(!server.page("/").contains(MARKER));
}

#[test]
fn deleting_the_config_is_reported_and_survived() {
    let mut server = Server::start(make_site());
    let config = server.root.join("briefing.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::remove_file(&config).unwrap();
    server.wait_for_line(|l| l.contains("no briefing.toml"), EDIT_TIMEOUT);
    // Still serving the last good build, with the error over it.
    let body = server.wait_for_page("/notes/first/", "showed the error", |b| {
        b.contains("id=\"briefing-error-overlay\"")
    });
    assert!(body.contains("The original body text"));
    std::fs::write(&config, text).unwrap();
    server.wait_for_page("/notes/first/", "recovered", |b| {
        !b.contains("id=\"briefing-error-overlay\"")
    });
}

#[test]
fn the_event_stream_announces_rebuilds() {
    let server = Server::start(make_site());
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut s = TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    write!(s, "GET /__briefing/events HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut seen = String::new();
    let mut read_until = |needle: &str, seen: &mut String| {
        let start = Instant::now();
        let mut buf = [0u8; 4096];
        while !seen.contains(needle) {
            assert!(
                start.elapsed() < EDIT_TIMEOUT,
                "no {needle:?} in the event stream:\n{seen}\n{}",
                server.output()
            );
            if let Ok(n) = s.read(&mut buf) {
                seen.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        }
    };
    read_until("event: hello", &mut seen);
    assert!(seen.contains("text/event-stream"), "{seen}");

    write(
        &server.root.join("content/notes/first.md"),
        &BRIEF.replace("The original body text", "Announced text"),
    );
    read_until("event: reload", &mut seen);
    read_until("notes/first/index.html", &mut seen);

    write(
        &server.root.join("themes/default/static/style.css"),
        "body { color: red }\n",
    );
    read_until("\"css_only\":true", &mut seen);
}

#[test]
fn the_reload_script_is_only_in_served_pages() {
    let site = make_site();
    let out = Command::new(env!("CARGO_BIN_EXE_briefing"))
        .args(["build", "--root"])
        .arg(site.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let built = std::fs::read_to_string(site.path().join("output/notes/first/index.html")).unwrap();
    assert!(
        !built.contains("__briefing"),
        "build wrote the reload script"
    );
    std::fs::remove_dir_all(site.path().join("output")).unwrap();

    let server = Server::start(site);
    let served = server.page("/notes/first/");
    assert!(
        served.contains("/__briefing/events"),
        "serve did not inject the script"
    );
    let at = served.find("window.__briefing").unwrap();
    assert!(
        at < served.rfind("</body>").unwrap(),
        "the script is not inside <body>"
    );
    // Non-HTML files are served untouched.
    assert!(!server.page("/atom.xml").contains("__briefing"));
    assert!(!server.root.join("output").exists());
}

#[test]
fn a_taken_port_moves_to_the_next_free_one() {
    let site = make_site();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let root = site.path().to_path_buf();
    let mut server = Server::start_at(&root, port, Some(site));
    assert!(
        !server.base.ends_with(&format!(":{port}")),
        "{}",
        server.base
    );
    server.wait_for_line(
        |l| l.contains(&format!("port {port} is in use")),
        EDIT_TIMEOUT,
    );
    assert!(server.page("/").contains("Serve test"));
    drop(taken);
}

#[cfg(unix)]
#[test]
fn interrupt_stops_the_server_cleanly() {
    let mut server = Server::start(make_site());
    // An open event stream must not hold the shutdown up.
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut s = TcpStream::connect(&addr).unwrap();
    write!(s, "GET /__briefing/events HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let start = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "still running after Ctrl-C:\n{}",
            server.output()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}\n{}", server.output());
}

/// DNS rebinding: a page on attacker.example points its name at 127.0.0.1 and reads the
/// preview as its own origin. Its requests still say `Host: attacker.example`.
#[test]
fn only_the_previews_own_hosts_are_answered() {
    let site = make_site();
    let root = site.path().to_path_buf();
    let server = Server::start_with(
        &root,
        free_port(),
        Some(site),
        &[
            "--allow-host",
            "preview.example",
            "--allow-host",
            "localhost:8080",
        ],
    );
    let port = server.base.rsplit(':').next().unwrap().to_string();
    let routes = [
        "/",
        "/notes/first/",
        "/notes/first",
        "/style.css",
        "/atom.xml",
        "/__briefing/events",
        "/no/such/page/",
        "/../briefing.toml",
    ];
    for host in ["attacker.example", &format!("attacker.example:{port}")] {
        for path in routes {
            let (status, body) = server.get_as(Some(host), path);
            assert_eq!(status, 403, "{path} as {host}:\n{body}");
            assert!(
                body.contains("--allow-host attacker.example"),
                "{path} as {host}: the refusal does not say how to allow it:\n{body}"
            );
            assert!(!body.contains("Serve test"), "{path} as {host}:\n{body}");
        }
    }
    // No Host at all (HTTP/1.0), a full URL naming another host, another port, and a
    // name that only starts like an allowed one.
    for (host, target) in [
        (None, "/".to_string()),
        (
            Some(format!("127.0.0.1:{port}")),
            "http://attacker.example/".to_string(),
        ),
        (Some("localhost:1".to_string()), "/".to_string()),
        (Some("localhost".to_string()), "/".to_string()),
        (
            Some("preview.example.attacker.example".to_string()),
            "/".to_string(),
        ),
        (Some("localhost:8081".to_string()), "/".to_string()),
    ] {
        let (status, body) = server.get_as(host.as_deref(), &target);
        assert_eq!(status, 403, "{target} as {host:?}:\n{body}");
    }

    for host in [
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
        "preview.example".to_string(),
        format!("preview.example:{port}"),
        "localhost:8080".to_string(),
    ] {
        let (status, body) = server.get_as(Some(&host), "/notes/first/");
        assert_eq!(status, 200, "as {host}:\n{body}");
        assert!(body.contains("The original body text"), "as {host}");
        let (status, _) = server.get_as(Some(&host), "/style.css");
        assert_eq!(status, 200, "/style.css as {host}");
        let (status, _) = server.get_as(Some(&host), "/__briefing/events");
        assert_eq!(status, 200, "the event stream as {host}");
        let (status, _) = server.get_as(Some(&host), "/no/such/page/");
        assert_eq!(status, 404, "a missing page as {host}");
    }
}

#[test]
fn a_bad_allow_host_is_a_usage_error() {
    let site = make_site();
    let out = Command::new(env!("CARGO_BIN_EXE_briefing"))
        .args([
            "serve",
            "--port",
            "0",
            "--allow-host",
            "http://preview.example/",
            "--root",
        ])
        .arg(site.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is not a host name")
            && stderr.contains("--allow-host preview.example.org"),
        "{stderr}"
    );
}

/// The text of the first element matching `css` inside the element with id `id`.
fn text_in(page: &str, id: &str, css: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(page);
    let sel = scraper::Selector::parse(format!("#{id} {css}").trim_end()).unwrap();
    doc.select(&sel).next().map(|e| e.text().collect())
}

#[test]
fn the_error_overlay_shows_the_source_line_with_a_caret() {
    let server = Server::start(make_site());
    let brief = server.root.join("content/notes/first.md");
    write(&brief, &BRIEF.replace("title = ", "titel = "));
    let body = server.wait_for_page("/notes/first/", "showed the error overlay", |b| {
        b.contains("id=\"briefing-error-overlay\"")
    });
    let excerpt = text_in(&body, "briefing-error-overlay", "pre.briefing-excerpt")
        .unwrap_or_else(|| panic!("no source excerpt in the overlay:\n{body}"));
    assert_eq!(
        excerpt, "2 │ titel = \"Opening brief\"\n  │ ^^^^^",
        "{body}"
    );
}

#[test]
fn a_broken_image_added_to_a_body_shows_in_the_warnings_overlay_until_fixed() {
    const WARNINGS: &str = "id=\"briefing-warning-overlay\"";
    let server = Server::start(make_site());
    let brief = server.root.join("content/notes/first.md");
    assert!(!server.page("/notes/first/").contains(WARNINGS));

    // A body edit: the patch path.
    write(
        &brief,
        &BRIEF.replace("The original", "See ![the map](nomap.png). The original"),
    );
    let body = server.wait_for_page("/notes/first/", "showed the warnings overlay", |b| {
        b.contains(WARNINGS)
    });
    let id = "briefing-warning-overlay";
    let all = text_in(&body, id, "").unwrap_or_default();
    assert!(all.contains("content/notes/first.md:9:5"), "{all}");
    assert!(all.contains("missing image nomap.png"), "{all}");
    let excerpt = text_in(&body, id, "pre.briefing-excerpt").unwrap_or_default();
    assert!(
        excerpt.ends_with(&format!(
            "│     {}",
            "^".repeat("![the map](nomap.png)".len())
        )),
        "{excerpt}"
    );
    // A warning is no failure: the page itself is the new one, and the terminal says so too.
    assert!(body.contains("the map"), "{body}");
    assert!(!body.contains("id=\"briefing-error-overlay\""));
    assert!(server.output().contains("missing image nomap.png"));
    // Every page carries it, and the event stream's hello too.
    assert!(server.page("/").contains(WARNINGS));

    write(&brief, BRIEF);
    server.wait_for_page("/notes/first/", "dropped the warnings overlay", |b| {
        !b.contains(WARNINGS) && !b.contains("the map")
    });
    assert!(!server.page("/").contains(WARNINGS));
}

#[test]
fn a_page_that_became_a_draft_answers_404_with_a_hint() {
    const HINT: &str = "restart with briefing serve --drafts to preview it";
    let hint_of = |body: &str| text_in(body, "briefing-draft-hint", "p");
    let server = Server::start(make_site());
    let brief = server.root.join("content/notes/first.md");
    server.page("/notes/first/");

    write(
        &brief,
        &BRIEF.replace("actors = ", "draft = true\nactors = "),
    );
    let start = Instant::now();
    while server.get("/notes/first/").0 != 404 {
        assert!(start.elapsed() < EDIT_TIMEOUT, "{}", server.output());
        std::thread::sleep(Duration::from_millis(50));
    }
    let (_, _, body) = server.get("/notes/first/");
    assert_eq!(
        hint_of(&body).as_deref(),
        Some(format!("This page is a draft; {HINT}.").as_str()),
        "{body}"
    );
    // Still the site's 404 page, with the reload script.
    assert!(body.contains("__briefing"), "{body}");
    // Only a draft's address gets it.
    let (status, _, other) = server.get("/notes/never-was/");
    assert_eq!(status, 404);
    assert_eq!(hint_of(&other), None, "{other}");

    // The published 404 page never mentions drafts.
    let out = server.root.join("output");
    let r = Command::new(env!("CARGO_BIN_EXE_briefing"))
        .args(["build", "--root"])
        .arg(&server.root)
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let published = std::fs::read_to_string(out.join("404.html")).unwrap();
    assert!(!published.contains("--drafts"), "{published}");
    assert!(!out.join("notes/first/index.html").exists());
}

#[test]
fn with_every_language_prefixed_serve_offers_the_choice_and_patches_edits() {
    let dir = make_site();
    let config = dir.path().join("briefing.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    write(
        &config,
        &format!("prefix_default_language = true\n{text}[languages.fr]\ntitle = \"Essai\"\n"),
    );
    write(
        &dir.path().join("content/_index.fr.md"),
        "+++\ntitle = \"Essai\"\n+++\nL'accueil.\n",
    );
    let server = Server::start(dir);
    let (status, _, body) = server.get("/");
    assert_eq!(status, 200);
    let html = scraper::Html::parse_document(&body);
    let links: Vec<(String, String)> = html
        .select(&scraper::Selector::parse("main a[hreflang]").unwrap())
        .map(|a| {
            let v = a.value();
            (
                v.attr("lang").unwrap_or("").to_string(),
                v.attr("href").unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        links,
        [
            ("en".to_string(), format!("{}/en/", server.base)),
            ("fr".to_string(), format!("{}/fr/", server.base))
        ]
    );
    assert!(
        server
            .page("/en/notes/first/")
            .contains("The original body text")
    );
    let (status, _, _) = server.get("/notes/first/");
    assert_eq!(status, 404, "the English brief is no longer at the root");
    let (status, _, body) = server.get("/no/such/page/");
    assert_eq!(status, 404);
    assert!(
        body.contains("Page not found") && body.contains("Page introuvable"),
        "not the root 404 in both languages:\n{body}"
    );
    write(
        &server.root.join("content/notes/first.md"),
        &BRIEF.replace("The original body text", "Freshly edited text"),
    );
    server.wait_for_page("/en/notes/first/", "showed the edit", |b| {
        b.contains("Freshly edited text")
    });
    server.wait_for_page("/fr/notes/first/", "showed the edit", |b| {
        b.contains("Freshly edited text")
    });
}
