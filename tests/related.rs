//! Related briefs on a country-focused site: every brief files the same actor, which once made
//! the model stage quadratic (issue #13). Sites are generated; the real binary builds them.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{BIN, copy_dir, file_for, read_html, repo_root, sel};
use tempfile::TempDir;

// Few terms, so that every term's list is longer than the window of candidates related briefs
// are drawn from already on the small site: then each brief costs the same at every size.
const PARTNERS: [&str; 2] = ["China", "Russia"];
const THEMES: [&str; 2] = ["Trade", "Hedging"];

/// A site of `n` briefs, every one filed under the actor "Japan", one of two partners and one
/// of two topics, one day apart. Brief 0 and the oldest brief also share the rare actor
/// "Mongolia".
fn japan_site(n: usize) -> (TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("cannot create a temp dir");
    let site = tmp.path().join("site");
    copy_dir(
        &repo_root().join("themes/default"),
        &site.join("themes/default"),
    );
    let sec = site.join("content/sec");
    fs::create_dir_all(&sec).expect("cannot create content/sec");
    let put = |p: PathBuf, s: String| fs::write(&p, s).expect("cannot write the site");
    put(
        site.join("briefing.toml"),
        "title = \"Japan\"\ntheme = \"default\"\ntaxonomies = [\"actors\", \"topics\"]\n\
         search = false\nfull_briefing = false\n"
            .into(),
    );
    put(
        site.join("content/_index.md"),
        "+++\ntitle = \"Japan\"\n+++\n".into(),
    );
    put(
        sec.join("_index.md"),
        "+++\ntitle = \"Briefs\"\n+++\n".into(),
    );
    for i in 0..n {
        let mut actors = vec!["Japan", PARTNERS[i % PARTNERS.len()]];
        if i == 0 || i == n - 1 {
            actors.push("Mongolia");
        }
        // Brief 0 is the newest, brief n - 1 the oldest.
        let day = 20_000 - i;
        let (y, m, d) = (1900 + day / 336, day / 28 % 12 + 1, day % 28 + 1);
        put(
            sec.join(format!("b{i:05}.md")),
            format!(
                "+++\ntitle = \"Brief {i}\"\ndate = {y}-{m:02}-{d:02}\nactors = {actors:?}\n\
                 topics = [\"{}\"]\n+++\nBody of brief {i}.\n",
                THEMES[i / 2 % THEMES.len()]
            ),
        );
    }
    (tmp, site)
}

/// The value `BRIEFING_TIMINGS=1` prints on the line named `name` (`model  12.3 ms`,
/// `deps  4000 entries`) for one build of `site`.
fn timing(site: &Path, name: &str) -> f64 {
    let out = Command::new(BIN)
        .args(["build", "--root"])
        .arg(site)
        .env("BRIEFING_TIMINGS", "1")
        .env("NO_COLOR", "1")
        .output()
        .expect("cannot run briefing");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "build failed: {stderr}");
    stderr
        .lines()
        .filter_map(|l| l.trim().strip_prefix(name))
        .find_map(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no `{name}` line in: {stderr}"))
}

/// The model stage's time in milliseconds, the least of five builds: the least is the one
/// other processes disturbed least.
fn model_ms(site: &Path) -> f64 {
    (0..5)
        .map(|_| timing(site, "model"))
        .fold(f64::INFINITY, f64::min)
}

/// A term on every brief, listed 50 to a page (the default), has n / 50 pages that each read
/// all n briefs. The dependency index once listed every one of those pages under every brief:
/// n² / 50 entries, 1.1 GB more at 50,000 briefs. It must grow with the site, not its square.
#[test]
fn term_pages_of_a_term_on_every_brief_keep_the_dependency_index_linear() {
    let (_a, small) = japan_site(500);
    let (_b, large) = japan_site(4000);
    let (s, l) = (timing(&small, "deps"), timing(&large, "deps"));
    let ratio = l / s.max(1.0);
    eprintln!("dependency entries: 500 briefs {s}, 4000 briefs {l}, ratio {ratio:.1}");
    assert!(
        ratio < 12.0,
        "the dependency index grew {ratio:.1}x for 8x the briefs ({s} -> {l} entries)"
    );
}

/// Eight times the briefs, all sharing one actor, must cost about eight times the model work,
/// not sixty-four. The bound is generous, as shared machines are noisy; the quadratic version
/// measured far above it.
#[test]
fn a_term_on_every_brief_keeps_the_model_stage_linear() {
    let (_a, small) = japan_site(500);
    let (_b, large) = japan_site(4000);
    let (s, l) = (model_ms(&small), model_ms(&large));
    let ratio = l / s.max(0.5);
    eprintln!("model stage: 500 briefs {s:.1} ms, 4000 briefs {l:.1} ms, ratio {ratio:.1}");
    assert!(
        ratio < 32.0,
        "model stage grew {ratio:.1}x for 8x the briefs ({s:.1} ms -> {l:.1} ms)"
    );
}

/// A rare shared actor outweighs the actor every brief carries: brief 0's first related brief
/// is the oldest brief, its only other "Mongolia" brief, ahead of newer briefs that share
/// "Japan" and a partner or topic.
#[test]
fn a_rare_shared_term_ranks_first() {
    let n = 300;
    let (_t, site) = japan_site(n);
    let out = Command::new(BIN)
        .args(["build", "--root"])
        .arg(&site)
        .output()
        .expect("cannot run briefing");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = read_html(&file_for(&site.join("output"), "/sec/b00000/"));
    let links: Vec<String> = page
        .select(&sel(".related__list a"))
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    assert_eq!(links.len(), 3, "{links:?}");
    assert!(
        links[0].ends_with(&format!("/sec/b{:05}/", n - 1)),
        "first related brief of brief 0: {links:?}"
    );
}
