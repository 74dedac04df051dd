//! Nothing outside the site root is ever read: symbolic links out of `content/`, `static/`,
//! `templates/`, the theme and data files are refused with an error naming the link and its
//! target, links that stay inside are followed, and `template`/`archetype` names cannot reach
//! past their folders.
#![cfg(unix)]

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use common::serve::Server;
use common::{Run, arg, file_for, fixture_site, read_html, run, sel, snapshot, text_of, write};
use scraper::Html;
use tempfile::TempDir;

const SECRET: &str = "CI_TOKEN=s3cr3t-never-published";

/// The minimal fixture site at `<tmp>/site` and a secret file at `<tmp>/outside/`.
struct Setup {
    tmp: TempDir,
    site: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let (tmp, site) = fixture_site("minimal");
        write(tmp.path(), "outside/secret.txt", SECRET);
        write(
            tmp.path(),
            "outside/notes/leak.md",
            format!("+++\ntitle = \"Leak\"\ndate = 2017-01-01\n+++\n{SECRET}\n"),
        );
        write(tmp.path(), "outside/tpl/section.html", SECRET);
        write(
            tmp.path(),
            "outside/data.csv",
            format!("year,count\n2017,{}\n", 1),
        );
        Setup { tmp, site }
    }

    fn outside(&self, rel: &str) -> PathBuf {
        self.tmp.path().join("outside").join(rel)
    }

    fn link(&self, target: &Path, at: &str) {
        let p = self.site.join(at);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        symlink(target, p).unwrap();
    }

    fn build(&self, json: bool) -> Run {
        let mut args = vec!["build", "--root", arg(&self.site)];
        if json {
            args.extend(["--format", "json"]);
        }
        run(&args)
    }

    /// Builds once cleanly, then with `sabotage` applied: the second build must fail with exit
    /// 1 naming `link` and its target, leave the output as the first build wrote it and never
    /// contain the secret.
    fn refused(&self, sabotage: impl FnOnce(&Setup), link: &str) -> Run {
        self.build(false).expect_success();
        let out = self.site.join("output");
        let before = snapshot(&out);
        sabotage(self);
        let r = self.build(false);
        r.expect_code(1).expect_no_panic();
        assert!(
            r.stderr
                .contains(&format!("`{link}` is a symbolic link to")),
            "the error must name the link {link}:\n{}",
            r.stderr
        );
        assert!(
            r.stderr.contains("outside"),
            "the error must name the target:\n{}",
            r.stderr
        );
        assert!(!r.stderr.contains(SECRET), "{}", r.stderr);
        let after = snapshot(&out);
        common::assert_same_tree(&before, &after, "a failed build");
        assert_no_secret(&out);
        // The same error as JSON names the link as its file.
        let j = self.build(true);
        j.expect_code(1);
        let diags = json_lines(&j.stdout);
        assert!(
            diags.iter().any(|d| d["file"] == link),
            "no JSON diagnostic with file {link}:\n{}",
            j.stdout
        );
        r
    }
}

fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .collect()
}

fn assert_no_secret(out: &Path) {
    if !out.exists() {
        return;
    }
    for (rel, bytes) in snapshot(out) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(SECRET),
            "{rel} holds the secret"
        );
    }
}

/// A folder brief in the fixture: `content/analysis/gamma/index.md` with a picture beside it.
fn folder_brief(site: &Path) {
    write(
        site,
        "content/analysis/gamma/index.md",
        "+++\ntitle = \"Gamma\"\ndate = 2017-06-01\n+++\nGamma.\n",
    );
    write(site, "content/analysis/gamma/map.txt", "a map");
}

#[test]
fn linked_file_in_a_folder_brief_is_refused() {
    let s = Setup::new();
    folder_brief(&s.site);
    s.refused(
        |s| {
            s.link(
                &s.outside("secret.txt"),
                "content/analysis/gamma/passwd.txt",
            )
        },
        "content/analysis/gamma/passwd.txt",
    );
}

#[test]
fn linked_folder_under_content_makes_no_page() {
    let s = Setup::new();
    let r = s.refused(
        |s| s.link(&s.outside("notes"), "content/analysis/ext"),
        "content/analysis/ext",
    );
    assert!(
        r.stderr
            .contains("briefing never reads files outside the site root")
    );
    assert!(!s.site.join("output/analysis/ext").exists());
}

#[test]
fn linked_static_file_is_refused() {
    let s = Setup::new();
    write(&s.site, "static/ok.txt", "ok");
    s.refused(
        |s| s.link(&s.outside("secret.txt"), "static/leak.txt"),
        "static/leak.txt",
    );
}

#[test]
fn linked_override_template_is_refused() {
    let s = Setup::new();
    s.refused(
        |s| s.link(&s.outside("tpl/section.html"), "templates/section.html"),
        "templates/section.html",
    );
}

#[test]
fn linked_theme_file_and_theme_folder_are_refused() {
    let s = Setup::new();
    s.refused(
        |s| {
            fs::remove_file(s.site.join("themes/default/static/style.css")).unwrap();
            s.link(&s.outside("secret.txt"), "themes/default/static/style.css");
        },
        "themes/default/static/style.css",
    );
    // A whole theme checked out elsewhere and linked in is outside the site too.
    let s = Setup::new();
    s.refused(
        |s| {
            fs::rename(s.site.join("themes/default"), s.outside("theme")).unwrap();
            s.link(&s.outside("theme"), "themes/default");
        },
        "themes/default",
    );
}

#[test]
fn linked_data_file_is_refused() {
    let s = Setup::new();
    s.refused(
        |s| {
            fs::remove_file(s.site.join("content/data/tests.csv")).unwrap();
            s.link(&s.outside("data.csv"), "content/data/tests.csv");
        },
        "content/data/tests.csv",
    );
}

#[test]
fn linked_config_is_refused() {
    let s = Setup::new();
    fs::copy(s.site.join("briefing.toml"), s.outside("briefing.toml")).unwrap();
    fs::remove_file(s.site.join("briefing.toml")).unwrap();
    s.link(&s.outside("briefing.toml"), "briefing.toml");
    let r = s.build(false);
    r.expect_code(1);
    assert!(
        r.stderr.contains("`briefing.toml` is a symbolic link to"),
        "{}",
        r.stderr
    );
}

#[test]
fn links_inside_the_site_are_followed() {
    let s = Setup::new();
    folder_brief(&s.site);
    write(&s.site, "shared/logo.txt", "LOGO inside the site");
    write(
        &s.site,
        "shared/briefs/delta.md",
        "+++\ntitle = \"Delta linked\"\ndate = 2017-07-01\n+++\nDelta.\n",
    );
    s.link(
        Path::new("../../../shared/logo.txt"),
        "content/analysis/gamma/logo.txt",
    );
    s.link(Path::new("../../shared/briefs"), "content/analysis/linked");
    s.link(Path::new("../shared/logo.txt"), "static/logo.txt");
    // Beside them, one link out: only that one is reported.
    s.link(&s.outside("secret.txt"), "static/leak.txt");
    let r = s.build(false);
    r.expect_code(1);
    let named: Vec<&str> = r
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("error: `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    assert_eq!(named, ["static/leak.txt"], "{}", r.stderr);
    fs::remove_file(s.site.join("static/leak.txt")).unwrap();
    s.build(false).expect_success();
    let out = s.site.join("output");
    assert_eq!(
        fs::read_to_string(out.join("analysis/gamma/logo.txt")).unwrap(),
        "LOGO inside the site"
    );
    assert_eq!(
        fs::read_to_string(out.join("logo.txt")).unwrap(),
        "LOGO inside the site"
    );
    let page = read_html(&file_for(&out, "/analysis/linked/delta/"));
    let h1 = page.select(&sel("h1")).next().expect("an h1");
    assert_eq!(text_of(h1), "Delta linked");
}

#[test]
fn a_link_loop_is_an_error_not_a_hang() {
    let s = Setup::new();
    s.link(Path::new("../analysis"), "content/analysis/again");
    let r = s.build(false);
    r.expect_code(1).expect_no_panic();
    assert!(
        r.stderr
            .contains("`content/analysis/again` is a symbolic link loop"),
        "{}",
        r.stderr
    );
}

#[test]
fn serve_never_hands_out_a_file_outside() {
    let s = Setup::new();
    write(&s.site, "static/ok.txt", "fine");
    s.link(&s.outside("secret.txt"), "static/leak.txt");
    folder_brief(&s.site);
    s.link(
        &s.outside("secret.txt"),
        "content/analysis/gamma/passwd.txt",
    );
    let site = s.site.clone();
    let server = Server::start_at(&site, common::serve::free_port(), None);
    for path in [
        "/leak.txt",
        "/analysis/gamma/passwd.txt",
        "/static/leak.txt",
        "/",
    ] {
        let (_, _, body) = server.get(path);
        assert!(!body.contains(SECRET), "{path} served the secret");
    }
    let (status, _, _) = server.get("/leak.txt");
    assert_eq!(status, 404);
    // The failed build is shown with the link named, as in the terminal.
    let (_, _, home) = server.get("/");
    let overlay = Html::parse_document(&home);
    let shown = overlay
        .select(&sel("#briefing-error-overlay"))
        .next()
        .map(text_of)
        .unwrap_or_default();
    assert!(
        shown.contains("`content/analysis/gamma/passwd.txt` is a symbolic link to"),
        "{home}"
    );
    drop(server);
    drop(s);
}

fn section_with(s: &Setup, field: &str) {
    fs::write(
        s.site.join("content/analysis/_index.md"),
        format!("+++\ntitle = \"Analysis\"\n{field}\n+++\nThe analysis section.\n"),
    )
    .unwrap();
}

#[test]
fn archetypes_stay_in_archetypes() {
    for value in ["/etc/passwd", "../../../outside/secret.txt"] {
        let s = Setup::new();
        section_with(&s, &format!("archetype = \"{value}\""));
        let r = run(&["new", "analysis/new-one", "--root", arg(&s.site)]);
        r.expect_code(1).expect_no_panic();
        assert!(
            r.stderr.contains("content/analysis/_index.md:3:13"),
            "{value}: {}",
            r.stderr
        );
        assert!(!s.site.join("content/analysis/new-one.md").exists());
    }
    // A link out of archetypes/ is refused at the same place.
    let s = Setup::new();
    section_with(&s, "archetype = \"hedge.md\"");
    s.link(&s.outside("secret.txt"), "archetypes/hedge.md");
    let r = run(&["new", "analysis/new-one", "--root", arg(&s.site)]);
    r.expect_code(1);
    assert!(
        r.stderr.contains("content/analysis/_index.md:3:13")
            && r.stderr.contains("archetypes/hedge.md"),
        "{}",
        r.stderr
    );
    assert!(!s.site.join("content/analysis/new-one.md").exists());
    // A real archetype still works.
    let s = Setup::new();
    section_with(&s, "archetype = \"hedge.md\"");
    write(
        &s.site,
        "archetypes/hedge.md",
        "+++\ntitle = \"{{title}}\"\ndate = {{date}}\n+++\nFrom the archetype.\n",
    );
    run(&["new", "analysis/new-one", "--root", arg(&s.site)]).expect_success();
    let text = fs::read_to_string(s.site.join("content/analysis/new-one.md")).unwrap();
    assert!(text.contains("From the archetype."));
}

#[test]
fn template_outside_names_the_section_line_and_column() {
    let s = Setup::new();
    section_with(&s, "template = \"../../etc/passwd\"");
    let r = s.build(false);
    r.expect_code(1);
    assert!(
        r.stderr.contains("content/analysis/_index.md:3:12"),
        "{}",
        r.stderr
    );
    let j = s.build(true);
    j.expect_code(1);
    let diags = json_lines(&j.stdout);
    let d = diags
        .iter()
        .find(|d| {
            d["message"]
                .as_str()
                .is_some_and(|m| m.contains("../../etc/passwd"))
        })
        .unwrap_or_else(|| panic!("no diagnostic about the template:\n{}", j.stderr));
    assert_eq!(d["file"], "content/analysis/_index.md");
    assert_eq!(d["line"], 3);
    assert_eq!(d["column"], 12);
}

#[test]
fn missing_template_names_the_section_line_and_column() {
    let s = Setup::new();
    section_with(&s, "template = \"wide.html\"");
    let j = s.build(true);
    j.expect_code(1);
    let diags = json_lines(&j.stdout);
    let d = diags
        .iter()
        .find(|d| d["message"] == "template `wide.html` not found")
        .unwrap_or_else(|| panic!("no diagnostic about the template:\n{}", j.stdout));
    assert_eq!(d["file"], "content/analysis/_index.md");
    assert_eq!(d["line"], 3);
    assert_eq!(d["column"], 12);
}
