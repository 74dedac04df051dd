//! The command line as an analyst meets it: commands run from inside the site find it, and
//! `briefing new` makes file names from titles and sections on request. Every test drives the
//! real binary with `current_dir` set inside a fixture site.

mod common;

use std::fs;
use std::path::Path;

use common::*;

/// The title in a brief's front matter.
fn title_of(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let toml = text
        .strip_prefix("+++\n")
        .and_then(|t| t.split("\n+++").next())
        .unwrap_or_else(|| panic!("{} has no front matter", path.display()));
    let table: toml::Table = toml.parse().unwrap();
    table["title"].as_str().unwrap().to_string()
}

#[test]
fn every_command_finds_the_site_from_a_folder_inside_it() {
    let (tmp, site) = fixture_site("minimal");
    let inside = site.join("content/analysis");

    run_in(&inside, &["build"])
        .expect_success()
        .expect_no_panic();
    assert!(site.join("output/index.html").is_file());
    assert!(
        !inside.join("output").exists(),
        "the default output is the site's own"
    );

    run_in(&inside, &["check"])
        .expect_success()
        .expect_no_panic();

    let r = run_in(&inside, &["new", "analysis/gamma", "--title", "Gamma"]);
    r.expect_success().expect_no_panic();
    let gamma = site.join("content/analysis/gamma.md");
    assert!(gamma.is_file(), "{}", r.stdout);
    // The path printed is one the analyst can open from where they are.
    let printed = r.stdout.trim().strip_prefix("Created ").unwrap();
    assert!(
        inside.join(printed).is_file(),
        "{printed:?} is not a path from here"
    );

    // A relative --output and a publish target are taken from the current folder.
    run_in(&inside, &["build", "--output", "../../../elsewhere"])
        .expect_success()
        .expect_no_panic();
    assert!(tmp.path().join("elsewhere/index.html").is_file());
    run_in(&inside, &["publish", "../../../web"])
        .expect_success()
        .expect_no_panic();
    assert!(tmp.path().join("web/current/index.html").is_file());

    // --root still wins, taken from the current folder too.
    let other = tmp.path().join("other");
    copy_dir(&site, &other);
    fs::remove_dir_all(other.join("output")).unwrap();
    run_in(&inside, &["build", "--root", "../../../other"]).expect_success();
    assert!(other.join("output/index.html").is_file());
}

#[test]
fn outside_any_site_the_error_says_where_it_looked() {
    let tmp = tempfile::tempdir().unwrap();
    let deep = tmp.path().join("a/b");
    fs::create_dir_all(&deep).unwrap();
    for cmd in [
        &["build"][..],
        &["check"],
        &["serve"],
        &["new", "x/y"],
        &["publish", "t"],
    ] {
        let r = run_in(&deep, cmd);
        r.expect_code(2).expect_no_panic();
        assert!(
            r.stderr.contains("no briefing.toml in") && r.stderr.contains("any folder above it"),
            "{cmd:?}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("--root"), "{cmd:?}: {}", r.stderr);
    }
    assert_eq!(fs::read_dir(tmp.path().join("a")).unwrap().count(), 1);
}

#[test]
fn new_makes_the_file_name_a_slug_and_keeps_the_title() {
    let (_tmp, site) = fixture_site("minimal");
    let r = run_in(&site, &["new", "analysis/Energy Security"]);
    r.expect_success().expect_no_panic();
    assert_eq!(
        r.stdout.trim(),
        "Created content/analysis/energy-security.md"
    );
    let brief = site.join("content/analysis/energy-security.md");
    assert_eq!(title_of(&brief), "Energy Security");
    assert!(!site.join("content/analysis/Energy Security.md").exists());
    // A name with quotes and a backslash still makes valid front matter.
    run_in(&site, &["new", "analysis/Japan's \"Hedge\" \\ 2017"]).expect_success();
    assert_eq!(
        title_of(&site.join("content/analysis/japan-s-hedge-2017.md")),
        "Japan's \"Hedge\" \\ 2017"
    );
    // A slug gives a title from its words, as before; --title still wins.
    run_in(&site, &["new", "analysis/oil-prices"]).expect_success();
    assert_eq!(
        title_of(&site.join("content/analysis/oil-prices.md")),
        "Oil prices"
    );
    run_in(&site, &["new", "analysis/Gas Prices", "--title", "Gas"]).expect_success();
    assert_eq!(
        title_of(&site.join("content/analysis/gas-prices.md")),
        "Gas"
    );
    // A name whose slug is `index` would turn the section into a folder brief.
    for reserved in ["analysis/_index", "analysis/Index"] {
        let r = run_in(&site, &["new", reserved]);
        r.expect_code(2).expect_no_panic();
        assert!(r.stderr.contains("hedges/vietnam"), "{}", r.stderr);
    }
    assert!(!site.join("content/analysis/index.md").exists());
    // The slug names the file that must not be overwritten.
    let again = run_in(&site, &["new", "analysis/energy security"]);
    again.expect_code(2);
    assert!(
        again.stderr.contains("energy-security.md already exists"),
        "{}",
        again.stderr
    );

    run_in(&site, &["build"]).expect_success();
    let page = read_html(&site.join("output/analysis/energy-security/index.html"));
    let h1: Vec<String> = page.select(&sel("h1")).map(text_of).collect();
    assert_eq!(h1, vec!["Energy Security".to_string()]);
}

#[test]
fn new_creates_a_missing_section_only_when_asked() {
    let (_tmp, site) = fixture_site("minimal");
    let before = snapshot(&site);
    let r = run_in(&site, &["new", "Energy Policy/Oil Prices"]);
    r.expect_code(2).expect_no_panic();
    assert!(
        r.stderr.contains("no section content/energy-policy/")
            && r.stderr.contains("--create-section")
            && r.stderr.contains("existing section: analysis"),
        "{}",
        r.stderr
    );
    assert_same_tree(&before, &snapshot(&site), "the site after a refused new");

    let r = run_in(
        &site,
        &["new", "Energy Policy/Oil Prices", "--create-section"],
    );
    r.expect_success().expect_no_panic();
    assert_eq!(
        r.stdout.lines().collect::<Vec<_>>(),
        vec![
            "Created content/energy-policy/_index.md",
            "Created content/energy-policy/oil-prices.md"
        ]
    );
    assert_eq!(
        title_of(&site.join("content/energy-policy/_index.md")),
        "Energy Policy"
    );
    assert_eq!(
        title_of(&site.join("content/energy-policy/oil-prices.md")),
        "Oil Prices"
    );
    // An existing section is used as it is, and nothing is created for it.
    let r = run_in(&site, &["new", "analysis/Delta", "--create-section"]);
    r.expect_success();
    assert_eq!(r.stdout.trim(), "Created content/analysis/delta.md");

    run_in(&site, &["build"]).expect_success();
    let section = read_html(&site.join("output/energy-policy/index.html"));
    let h1: Vec<String> = section.select(&sel("h1")).map(text_of).collect();
    assert_eq!(h1, vec!["Energy Policy".to_string()]);
    assert!(
        site.join("output/energy-policy/oil-prices/index.html")
            .is_file()
    );
}

#[test]
fn serve_finds_the_site_from_a_folder_inside_it() {
    use std::io::BufRead as _;
    let (_tmp, site) = fixture_site("minimal");
    let inside = site.join("content/analysis");
    let port = common::serve::free_port().to_string();
    let mut child = std::process::Command::new(BIN)
        .args(["serve", "--port", &port])
        .current_dir(&inside)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    // Reads end at the first "Serving" line, or at end of output if serve stops.
    let serving = std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find(|l| l.starts_with("Serving "));
    let page = serving.as_ref().and_then(|line| {
        let url = line.split(" at ").nth(1)?.split_whitespace().next()?;
        common::serve::fetch(&common::serve::agent(), url).ok()
    });
    let _ = child.kill();
    let _ = child.wait();
    let line = serving.expect("serve printed no Serving line");
    let real = site.canonicalize().unwrap();
    assert!(
        line.starts_with(&format!("Serving {} at ", real.display())),
        "{line}"
    );
    let page = page.expect("the home page was not served");
    assert_eq!(page.status, 200);
    let html = scraper::Html::parse_document(&page.text());
    let h1: Vec<String> = html.select(&sel("h1")).map(text_of).collect();
    assert_eq!(h1, vec!["Minimal briefing".to_string()]);
}
