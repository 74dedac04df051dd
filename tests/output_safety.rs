//! The output path always holds a complete site: a build killed (SIGKILL) at any step of the
//! swap leaves the previous or the new site there, never nothing or a mix; builds of one output
//! run one at a time and clean what killed builds left; a full disk is an I/O failure (exit 3);
//! outputs that would feed the site back into itself are refused; a symlinked output is written
//! through. The test-only switches used here are described in src/faults.rs.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;

const PAUSE: &str = "__BRIEFING_TEST_PAUSE_AT";
const FAULT: &str = "__BRIEFING_TEST_FAULT";

/// A build of `site` into `out` with extra environment variables.
fn build_with(site: &Path, out: &Path, env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(["build", "--root", arg(site), "--output", arg(out)])
        .current_dir(site)
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("cannot run briefing");
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// A build started in the background, its stderr lines delivered to `lines`.
struct Bg {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: String,
}

impl Bg {
    fn start(site: &Path, out: &Path, env: &[(&str, &str)]) -> Bg {
        let mut cmd = Command::new(BIN);
        cmd.args(["build", "--root", arg(site), "--output", arg(out)])
            .current_dir(site)
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("cannot start briefing");
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Bg {
            child,
            lines,
            seen: String::new(),
        }
    }

    /// Waits (up to 30 s) for a stderr line containing `text`.
    fn wait_for(&mut self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push_str(&line);
                    self.seen.push('\n');
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(_) => break,
            }
        }
        let _ = self.child.kill();
        panic!("no `{text}` on stderr; it said:\n{}", self.seen);
    }

    fn kill(&mut self) {
        self.child.kill().expect("cannot kill the build");
        self.child.wait().unwrap();
    }
}

/// The minimal fixture, with its `alpha` brief's title set to `title`.
fn set_title(site: &Path, title: &str) {
    let path = site.join("content/analysis/alpha.md");
    let text = fs::read_to_string(&path).unwrap();
    let old = text
        .lines()
        .find(|l| l.starts_with("title = "))
        .unwrap()
        .to_string();
    fs::write(
        &path,
        text.replacen(&old, &format!("title = \"{title}\""), 1),
    )
    .unwrap();
}

/// What a clean build of the site as it is now writes.
fn clean_build(site: &Path, scratch: &Path) -> BTreeMap<String, Vec<u8>> {
    let _ = fs::remove_dir_all(scratch);
    build_with(site, scratch, &[]).expect_success();
    snapshot(scratch)
}

/// briefing's folders beside `out` (staging, old), by name.
fn debris(out: &Path) -> Vec<String> {
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    let mut found: Vec<String> = fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.starts_with(&format!(".{name}.staging-")) || n.starts_with(&format!(".{name}.old-"))
        })
        .collect();
    found.sort();
    found
}

/// Waits (up to 20 s) until the detached removers took every staging and old folder away.
fn assert_no_debris_soon(out: &Path) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !debris(out).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(debris(out), Vec::<String>::new(), "left beside the output");
}

/// The output is a real folder holding exactly one of the `sites`.
fn assert_complete(out: &Path, sites: &[(&str, &BTreeMap<String, Vec<u8>>)], when: &str) {
    let meta = fs::symlink_metadata(out)
        .unwrap_or_else(|e| panic!("{when}: no output at {}: {e}", out.display()));
    assert!(meta.is_dir(), "{when}: the output is not a real folder");
    let now = snapshot(out);
    assert!(
        sites.iter().any(|(_, s)| **s == now),
        "{when}: the output is none of {:?} ({} files)",
        sites.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        now.len()
    );
}

fn killed_at_each_step(steps: &[&str], env: &[(&str, &str)]) {
    let (tmp, site) = fixture_site("minimal");
    let out = site.join("output");
    let scratch = tmp.path().join("scratch");
    set_title(&site, "Version A");
    let a = clean_build(&site, &scratch);
    set_title(&site, "Version B");
    let b = clean_build(&site, &scratch);
    assert_ne!(a, b);
    for step in steps {
        set_title(&site, "Version A");
        build_with(&site, &out, &[]).expect_success();
        assert_complete(&out, &[("A", &a)], "before");
        set_title(&site, "Version B");
        let mut env = env.to_vec();
        env.push((PAUSE, step));
        let mut bg = Bg::start(&site, &out, &env);
        bg.wait_for(&format!("paused at {step}"));
        bg.kill();
        assert_complete(&out, &[("A", &a), ("B", &b)], &format!("killed at {step}"));
        // The next build finishes the job and takes the killed build's folders away.
        build_with(&site, &out, &[]).expect_success();
        assert_complete(&out, &[("B", &b)], &format!("rebuilt after {step}"));
        assert_no_debris_soon(&out);
    }
}

#[test]
fn a_build_killed_at_any_step_of_the_swap_leaves_a_complete_site() {
    killed_at_each_step(
        &["locked", "staging", "staged", "swapped", "discarded"],
        &[],
    );
}

/// The fallback (no RENAME_EXCHANGE) has one moment without an output; the next build, even a
/// failed one, puts the previous site back first.
#[test]
fn the_fallback_swap_cut_short_is_undone_by_the_next_build() {
    killed_at_each_step(&["staged", "swapped"], &[(FAULT, "no-exchange")]);

    let (tmp, site) = fixture_site("minimal");
    let out = site.join("output");
    build_with(&site, &out, &[]).expect_success();
    let before = snapshot(&out);
    set_title(&site, "Changed");
    let mut bg = Bg::start(
        &site,
        &out,
        &[(PAUSE, "moved-aside"), (FAULT, "no-exchange")],
    );
    bg.wait_for("paused at moved-aside");
    bg.kill();
    assert!(!out.exists(), "the documented gap of the fallback");
    fs::write(
        site.join("content/analysis/broken.md"),
        "+++\ntitel = 1\n+++\n",
    )
    .unwrap();
    build_with(&site, &out, &[]).expect_code(1);
    assert_complete(&out, &[("previous", &before)], "after a failed build");
    assert_no_debris_soon(&out);
    drop(tmp);
}

#[test]
fn a_second_build_of_the_same_output_waits_for_the_first() {
    let (tmp, site) = fixture_site("minimal");
    let out = site.join("output");
    let expected = clean_build(&site, &tmp.path().join("scratch"));
    let mut first = Bg::start(&site, &out, &[(PAUSE, "locked")]);
    first.wait_for("paused at locked");
    let mut second = Bg::start(&site, &out, &[]);
    let line = second.wait_for("waiting for another build of");
    assert!(
        line.contains(&format!("(pid {})", first.child.id())),
        "the message names the build holding the lock: {line}"
    );
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        second.child.try_wait().unwrap().is_none(),
        "the second build went ahead while the first held the lock"
    );
    first.kill();
    let status = second.child.wait().unwrap();
    assert!(status.success(), "{}", second.seen);
    assert_complete(&out, &[("built", &expected)], "after both builds");
    assert_no_debris_soon(&out);
}

#[test]
fn a_build_removes_only_briefings_leftovers_of_its_own_output() {
    let (_tmp, site) = fixture_site("minimal");
    let out = site.join("output");
    let leftover = |name: &str, marker: bool| -> PathBuf {
        let dir = site.join(name);
        write(&dir, "index.html", "<p>half written</p>");
        write(&dir, "a/b/page.html", "<p>deep</p>");
        if marker {
            write(&dir, ".briefing-output", "");
        }
        dir
    };
    // A staging folder of an older briefing (pid only), and one of a killed build.
    let ours = [
        leftover(".output.staging-4242", true),
        leftover(".output.staging-77-18ed0000", true),
    ];
    // Not provably briefing's, or not beside this output's name: all stay.
    let theirs = [
        leftover(".output.staging-99", false),
        leftover(".other.staging-1", true),
        leftover("output.staging-2", true),
    ];
    let outside = site.parent().unwrap().join("elsewhere");
    write(&outside, ".briefing-output", "");
    std::os::unix::fs::symlink(&outside, site.join(".output.staging-5")).unwrap();

    build_with(&site, &out, &[]).expect_success();
    assert_no_debris_soon_except(&out, &[".output.staging-5", ".output.staging-99"]);
    for d in &ours {
        assert!(!d.exists(), "{} was not removed", d.display());
    }
    for d in &theirs {
        assert!(
            d.join("a/b/page.html").is_file(),
            "{} was touched",
            d.display()
        );
    }
    assert!(outside.join(".briefing-output").is_file());
    assert!(
        fs::symlink_metadata(site.join(".output.staging-5"))
            .unwrap()
            .is_symlink()
    );

    // The hidden remover refuses on its own what is not briefing's (`.other.staging-1` may be
    // the leftover of an output named `other`: it is left to that output's builds).
    for d in [&theirs[0], &theirs[2], &site.join(".output.staging-5")] {
        let r = run(&["__remove-tree", arg(d)]);
        r.expect_code(2);
        assert!(fs::symlink_metadata(d).is_ok(), "{} removed", d.display());
    }
}

fn assert_no_debris_soon_except(out: &Path, kept: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let left = || -> Vec<String> {
        debris(out)
            .into_iter()
            .filter(|n| !kept.contains(&n.as_str()))
            .collect()
    };
    while !left().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(left(), Vec::<String>::new(), "left beside the output");
}

#[test]
fn a_full_disk_exits_3_and_keeps_the_previous_output() {
    let (_tmp, site) = fixture_site("minimal");
    let out = site.join("output");
    build_with(&site, &out, &[]).expect_success();
    let before = snapshot(&out);
    let files = before.len() as u64;
    set_title(&site, "Changed");
    // The first write is a streamed page; the last ones are the static files written at the end.
    for n in [1, 2, files / 2, files - 2] {
        let fault = format!("enospc:{n}");
        let r = build_with(&site, &out, &[(FAULT, &fault)]);
        r.expect_code(3).expect_no_panic();
        assert!(
            r.stderr.contains("the disk is full while writing"),
            "{fault}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("help: "), "{fault}: {}", r.stderr);
        assert_eq!(
            r.stderr.matches("error:").count(),
            1,
            "{fault}: one failure, reported once:\n{}",
            r.stderr
        );
        assert_same_tree(&before, &snapshot(&out), &format!("{fault}: the output"));
        assert_eq!(debris(&out), Vec::<String>::new(), "{fault}: left beside");
    }
}

#[test]
fn an_output_inside_a_folder_briefing_reads_is_refused() {
    let (tmp, site) = fixture_site("minimal");
    let before = snapshot(&site);
    fs::create_dir_all(site.join("static")).unwrap();
    let linked = tmp.path().join("linked");
    std::os::unix::fs::symlink(site.join("content/analysis"), &linked).unwrap();
    for out in [
        site.join("content/analysis/out"),
        site.join("static/out"),
        site.join("themes/out"),
        site.join("templates/out"),
        linked.join("out"),
        linked.clone(),
    ] {
        let r = build_with(&site, &out, &[]);
        r.expect_code(2).expect_no_panic();
        assert!(
            r.stderr.contains("folder, which briefing reads"),
            "{}: {}",
            out.display(),
            r.stderr
        );
        assert!(!out.join("index.html").exists());
    }
    fs::remove_dir(site.join("static")).unwrap();
    assert_same_tree(&before, &snapshot(&site), "the site after refused builds");
    // Relative paths are resolved against the working folder, as the shell does.
    let r = build_with(&site, Path::new("content/out"), &[]);
    r.expect_code(2);
    assert!(!site.join("content/out").exists());
}

#[test]
fn a_symlinked_output_is_written_through_and_kept() {
    let (tmp, site) = fixture_site("minimal");
    let www = tmp.path().join("www");
    fs::create_dir_all(&www).unwrap();
    let link = site.join("public");
    std::os::unix::fs::symlink("../www/site", &link).unwrap();
    let expected = clean_build(&site, &tmp.path().join("scratch"));
    for round in ["first", "second"] {
        let r = build_with(&site, &link, &[]);
        r.expect_success();
        assert!(r.stdout.contains("(a symlink to "), "{round}: {}", r.stdout);
        let meta = fs::symlink_metadata(&link).unwrap();
        assert!(meta.is_symlink(), "{round}: the link was replaced");
        assert_eq!(fs::read_link(&link).unwrap(), Path::new("../www/site"));
        assert_complete(&www.join("site"), &[("built", &expected)], round);
        let title = read_html(&www.join("site/index.html"))
            .select(&sel("title"))
            .count();
        assert_eq!(title, 1, "{round}: the home page has one <title>");
        assert_no_debris_soon(&www.join("site"));
    }
}
