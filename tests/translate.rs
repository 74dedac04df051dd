//! `briefing translate` and what `check` says about translations: the scaffold carries every
//! text field of its original and builds as it is; an edit to the original's text makes the
//! translation stale (at the line of `translated_from`), an edit to what a translation inherits
//! does not; `--update` records that the translator caught up; untranslated pages are listed
//! once per language; `init --languages` and `new` know about translations; usage errors.

mod common;

use std::path::Path;

use common::{
    TinySite, arg, edit, example_site, file_for, read_html, run, sel, split_front_matter,
};

const CONFIG: &str = "title = \"Briefing\"\nbase_url = \"https://briefing.example.net\"\nlanguage = \"en\"\n\
[languages.fr]\ntitle = \"Dossier\"\n";

const BRIEF: &str = "+++\ntitle = \"China\"\ndate = 2017-05-01\ndescription = \"The tempting hedge.\"\n\
bottom_line = \"No hedge.\"\nactors = [\"China\", \"Japan\"]\n\
[[key_judgments]]\ntext = \"Security wins.\"\nconfidence = \"very likely\"\n\
[[key_judgments]]\ntext = \"Trade stays.\"\nconfidence = \"likely\"\n\
[[events]]\ndate = \"2016-11\"\ntext = \"Trump elected.\"\n\
[[sources]]\nid = \"apf\"\ntitle = \"Japan Remains Anchored\"\npublisher = \"APF Canada\"\nurl = \"https://www.asiapacific.ca/report\"\n\
[hedge]\npartner = \"China\"\nkind = \"hard\"\n\
economic = { level = \"high\", rationale = \"Trade.\" }\n\
security = { level = \"low\", rationale = \"Rival.\" }\n\
credibility = { level = \"low\", rationale = \"No.\" }\n+++\nThe body, see [Russia](@/sec/b.md).\n\n## Why\n\nBecause.\n";

const OTHER: &str =
    "+++\ntitle = \"Russia\"\ndate = 2017-05-02\n+++\nOnly English; [China](@/sec/a.md).\n";

fn site() -> TinySite {
    let site = TinySite::new(CONFIG, "Home");
    site.write("content/sec/a.md", BRIEF)
        .write("content/sec/b.md", OTHER)
        .write(
            "content/sec/f/index.md",
            "+++\ntitle = \"Folder\"\ndate = 2017-05-03\n+++\nA folder brief: [Russia](@/sec/b.md).\n",
        );
    site
}

fn translate(site: &TinySite, original: &str, extra: &[&str]) -> common::Run {
    let mut args = vec![
        "translate",
        original,
        "--to",
        "fr",
        "--root",
        arg(&site.root),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// `check --format json`, its diagnostics (every line of stdout that is one).
fn check(root: &Path, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["check", "--root", arg(root), "--format", "json"];
    args.extend_from_slice(extra);
    let r = run(&args);
    r.expect_no_panic();
    assert!(r.code == 0 || r.code == 1, "check: {r:?}");
    r.stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
        .filter(|d| d["severity"] != "info")
        .collect()
}

fn with<'a>(diags: &'a [serde_json::Value], words: &str) -> Vec<&'a serde_json::Value> {
    diags
        .iter()
        .filter(|d| d["message"].as_str().unwrap_or("").contains(words))
        .collect()
}

fn files(diags: &[&serde_json::Value]) -> Vec<String> {
    let mut f: Vec<String> = diags
        .iter()
        .map(|d| d["file"].as_str().unwrap_or("").to_string())
        .collect();
    f.sort();
    f
}

fn line_of(text: &str, starts: &str) -> u64 {
    text.lines()
        .position(|l| l.starts_with(starts))
        .expect(starts) as u64
        + 1
}

#[test]
fn the_scaffold_has_every_text_field_builds_and_is_current() {
    let site = site();
    let r = translate(&site, "content/sec/a.md", &[]);
    r.expect_success();
    let path = site.root.join("content/sec/a.fr.md");
    let text = std::fs::read_to_string(&path).expect("the scaffold is written");
    let (fm, body) = split_front_matter(&text, "sec/a.fr.md");
    let (original, original_body) = split_front_matter(BRIEF, "sec/a.md");
    assert_eq!(body, original_body, "the body is copied");
    for key in ["title", "description", "bottom_line"] {
        assert_eq!(fm.get(key), original.get(key), "{key}");
    }
    let texts = |t: &toml::Table, list: &str, key: &str| -> Vec<String> {
        t[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i[key].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        texts(&fm, "key_judgments", "text"),
        ["Security wins.", "Trade stays."]
    );
    assert_eq!(texts(&fm, "events", "text"), ["Trump elected."]);
    assert_eq!(texts(&fm, "sources", "id"), ["apf"]);
    assert_eq!(texts(&fm, "sources", "title"), ["Japan Remains Anchored"]);
    let hedge = fm["hedge"].as_table().unwrap();
    assert_eq!(hedge["partner"].as_str(), Some("China"));
    for (k, r) in [
        ("economic", "Trade."),
        ("security", "Rival."),
        ("credibility", "No."),
    ] {
        assert_eq!(hedge[k]["rationale"].as_str(), Some(r), "{k}");
        assert!(
            hedge[k].get("level").is_none(),
            "{k}: the level is inherited"
        );
    }
    // Inherited, so not copied: an edit to the original's date must reach the translation.
    for key in ["date", "actors"] {
        assert!(fm.get(key).is_none(), "{key} is copied");
    }
    assert!(
        fm["key_judgments"][0].get("confidence").is_none()
            && fm["events"][0].get("date").is_none()
            && fm["sources"][0].get("url").is_none()
    );
    let hash = fm["translated_from"].as_str().expect("translated_from");
    assert!(
        hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()),
        "{hash}"
    );
    assert!(r.stdout.contains(hash), "{}", r.stdout);

    // Folder briefs and sections, given from content/ or from the root.
    translate(&site, "sec/f/index.md", &[]).expect_success();
    translate(&site, "content/sec/_index.md", &[]).expect_success();
    translate(&site, "content/_index.md", &[]).expect_success();
    for f in ["sec/f/index.fr.md", "sec/_index.fr.md", "_index.fr.md"] {
        assert!(site.root.join("content").join(f).is_file(), "{f}");
    }

    run(&site.build_args(&[])).expect_success();
    let out = site.out();
    let html = read_html(&file_for(&out, "/fr/sec/a/"));
    let lang: Vec<_> = html
        .select(&sel("html"))
        .map(|e| e.value().attr("lang").unwrap_or("").to_string())
        .collect();
    assert_eq!(lang, ["fr"]);
    assert!(file_for(&out, "/fr/sec/f/").is_file());
    let diags = check(&site.root, &[]);
    assert!(with(&diags, "stale").is_empty(), "{diags:#?}");
    assert!(
        with(&diags, "does not say which version").is_empty(),
        "{diags:#?}"
    );
    assert!(diags.iter().all(|d| d["severity"] != "error"), "{diags:#?}");
}

#[test]
fn text_edits_make_a_translation_stale_inherited_ones_do_not() {
    let site = site();
    translate(&site, "content/sec/a.md", &[]).expect_success();
    let fr = site.root.join("content/sec/a.fr.md");
    let stale = |site: &TinySite| {
        with(&check(&site.root, &[]), "stale")
            .into_iter()
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(stale(&site).is_empty());

    // What a translation inherits, and the front matter's layout, are no change of its text.
    edit(
        &site.root,
        "content/sec/a.md",
        "date = 2017-05-01",
        "date = 2018-01-02",
    );
    edit(
        &site.root,
        "content/sec/a.md",
        "[\"China\", \"Japan\"]",
        "[\"China\"]",
    );
    edit(
        &site.root,
        "content/sec/a.md",
        "\"likely\"",
        "\"roughly even\"",
    );
    edit(
        &site.root,
        "content/sec/a.md",
        "title = \"China\"\n",
        "title   =   'China'\n\n",
    );
    edit(
        &site.root,
        "content/sec/a.md",
        "\"https://www.asiapacific.ca/report\"",
        "\"https://www.asiapacific.ca/report2\"",
    );
    assert!(stale(&site).is_empty(), "{:#?}", stale(&site));

    // The body.
    edit(
        &site.root,
        "content/sec/a.md",
        "Because.",
        "Because of trade.",
    );
    let found = stale(&site);
    assert_eq!(found.len(), 1, "{found:#?}");
    let text = std::fs::read_to_string(&fr).unwrap();
    assert_eq!(found[0]["file"], "content/sec/a.fr.md");
    assert_eq!(found[0]["line"], line_of(&text, "translated_from"));
    assert_eq!(found[0]["severity"], "warning");
    assert!(
        found[0]["hint"]
            .as_str()
            .unwrap()
            .contains("briefing translate content/sec/a.md --to fr --update"),
        "{found:#?}"
    );

    // --update records the catch-up and changes nothing else.
    let r = translate(&site, "content/sec/a.md", &["--update"]);
    r.expect_success();
    let after = std::fs::read_to_string(&fr).unwrap();
    let keep = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.starts_with("translated_from"))
            .map(String::from)
            .collect()
    };
    assert_eq!(keep(&after), keep(&text));
    assert_ne!(after, text);
    assert!(stale(&site).is_empty());

    // A text field: a key judgment's text.
    edit(
        &site.root,
        "content/sec/a.md",
        "Trade stays.",
        "Trade grows.",
    );
    assert_eq!(stale(&site).len(), 1);
    translate(&site, "content/sec/a.md", &["--update"]).expect_success();
    assert!(stale(&site).is_empty());

    // A translation written by hand, with no translated_from: reported once, and --update adds it.
    site.write(
        "content/sec/b.fr.md",
        "+++\ntitle = \"Russie\"\n+++\nSeulement.\n",
    );
    let diags = check(&site.root, &[]);
    let untracked = with(&diags, "does not say which version");
    assert_eq!(files(&untracked), ["content/sec/b.fr.md"], "{diags:#?}");
    let r = translate(&site, "content/sec/b.md", &["--update"]);
    r.expect_success();
    let b = std::fs::read_to_string(site.root.join("content/sec/b.fr.md")).unwrap();
    assert!(b.starts_with("+++\ntranslated_from = \""), "{b}");
    assert!(b.ends_with("title = \"Russie\"\n+++\nSeulement.\n"), "{b}");
    let diags = check(&site.root, &[]);
    assert!(with(&diags, "does not say which version").is_empty());
    assert!(with(&diags, "stale").is_empty());

    // A section's translation works the same.
    translate(&site, "content/sec/_index.md", &[]).expect_success();
    edit(
        &site.root,
        "content/sec/_index.md",
        "The section.",
        "The whole section.",
    );
    assert_eq!(
        files(&stale(&site).iter().collect::<Vec<_>>()),
        ["content/sec/_index.fr.md"]
    );
}

#[test]
fn check_lists_each_untranslated_page_once_per_language() {
    let site = site();
    // b.md is linked from a.md, from the folder brief and from the French a.fr.md: still one entry.
    translate(&site, "content/sec/a.md", &[]).expect_success();
    site.write(
        "content/sec/draft.md",
        "+++\ntitle = \"Draft\"\ndate = 2017-05-04\ndraft = true\n+++\nNot yet.\n",
    );
    let diags = check(&site.root, &[]);
    let untranslated = with(&diags, "no translation into `fr`");
    assert_eq!(
        files(&untranslated),
        [
            "content/_index.md",
            "content/sec/_index.md",
            "content/sec/b.md",
            "content/sec/f/index.md",
        ],
        "{diags:#?}"
    );
    assert!(untranslated.iter().all(|d| d["severity"] == "warning"));
    assert!(
        untranslated[0]["hint"]
            .as_str()
            .unwrap()
            .contains("briefing translate content/"),
    );
    let with_drafts = check(&site.root, &["--drafts"]);
    assert!(
        files(&with(&with_drafts, "no translation into `fr`"))
            .contains(&"content/sec/draft.md".to_string())
    );
    // A one-language site has nothing to translate.
    let one = TinySite::new(
        "title = \"B\"\nbase_url = \"https://briefing.example.net\"\n",
        "Home",
    );
    one.write(
        "content/sec/b.md",
        OTHER.replace("; [China](@/sec/a.md)", ""),
    );
    assert!(with(&check(&one.root, &[]), "translation").is_empty());
}

#[test]
fn translate_refuses_what_it_cannot_translate() {
    let site = site();
    site.write("content/sec/notes.txt", "not content");
    translate(&site, "content/sec/a.md", &[]).expect_success();
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["translate", "content/sec/b.md", "--to", "de"],
            "the site has no language `de`",
            "[languages.de]",
        ),
        (
            &["translate", "content/sec/b.md", "--to", "en"],
            "`en` is the site's default language",
            "fr",
        ),
        (
            &["translate", "content/sec/notes.txt", "--to", "fr"],
            "is not a brief or a section",
            "content/hedges/china.md",
        ),
        (
            &["translate", "content/sec/nope.md", "--to", "fr"],
            "no file content/sec/nope.md",
            "content/hedges/china.md",
        ),
        (
            &["translate", "content/sec/a.fr.md", "--to", "fr"],
            "is itself a translation",
            "briefing translate content/sec/a.md --to fr",
        ),
        (
            &["translate", "content/sec/a.md", "--to", "fr"],
            "content/sec/a.fr.md already exists",
            "--update",
        ),
        (
            &["translate", "content/sec/b.md", "--to", "fr", "--update"],
            "there is no translation content/sec/b.fr.md to update",
            "briefing translate content/sec/b.md --to fr`",
        ),
    ];
    let before = std::fs::read_to_string(site.root.join("content/sec/a.fr.md")).unwrap();
    for (args, message, hint) in cases {
        let mut all = args.to_vec();
        all.extend(["--root", arg(&site.root)]);
        let r = run(&all);
        r.expect_code(2).expect_no_panic();
        assert!(r.stderr.contains(message), "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(hint),
            "{args:?}: hint {hint:?} in {}",
            r.stderr
        );
    }
    assert_eq!(
        std::fs::read_to_string(site.root.join("content/sec/a.fr.md")).unwrap(),
        before,
        "a refused translate leaves the translation alone"
    );
    assert!(!site.root.join("content/sec/b.fr.md").exists());
    assert!(!site.root.join("content/sec/b.de.md").exists());

    // An original with an error is a content error, at its line, as the build reports it.
    site.write(
        "content/sec/bad.md",
        "+++\ntitle = \"Bad\"\ndate = 2017-05-01\n[[key_judgments]]\ntext = \"x\"\nconfidence = \"perhaps\"\n+++\nBody.\n",
    );
    let r = translate(&site, "content/sec/bad.md", &[]);
    r.expect_code(1).expect_no_panic();
    assert!(r.stderr.contains("content/sec/bad.md:6"), "{}", r.stderr);
    assert!(!site.root.join("content/sec/bad.fr.md").exists());
}

#[test]
fn new_sends_a_translation_to_translate() {
    let site = site();
    let new = |path: &str| run(&["new", path, "--root", arg(&site.root)]);
    let r = new("sec/a.fr");
    r.expect_code(2);
    assert!(
        r.stderr
            .contains("`briefing translate content/sec/a.md --to fr`"),
        "{}",
        r.stderr
    );
    let r = new("sec/c.fr.md");
    r.expect_code(2);
    assert!(
        r.stderr.contains("there is no original content/sec/c.md")
            && r.stderr.contains("`briefing new sec/c`"),
        "{}",
        r.stderr
    );
    let r = new("sec/c.de");
    r.expect_code(2);
    assert!(
        r.stderr.contains("which the site does not have"),
        "{}",
        r.stderr
    );
    for f in [
        "a.fr.md", "a-fr.md", "c.fr.md", "c-fr.md", "c.de.md", "c-de.md",
    ] {
        assert!(!site.root.join("content/sec").join(f).exists(), "{f}");
    }
    new("sec/c").expect_success();
}

#[test]
fn init_writes_the_other_languages_with_placeholders_check_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("site");
    run(&["init", arg(&dir), "--languages", "en,fr"]).expect_success();
    let config: toml::Table = std::fs::read_to_string(dir.join("briefing.toml"))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(config["language"].as_str(), Some("en"));
    assert!(config["languages"]["fr"]["title"].is_str());
    for f in ["content/_index.fr.md", "content/analysis/_index.fr.md"] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    run(&["build", "--root", arg(&dir)]).expect_success();
    assert!(file_for(&dir.join("output"), "/fr/analysis/").is_file());
    let diags = check(&dir, &[]);
    let errors: Vec<&serde_json::Value> =
        diags.iter().filter(|d| d["severity"] == "error").collect();
    // Each placeholder at its line: the titles written for French, and the original's
    // placeholders copied into the translations for the translator to replace.
    use briefing::placeholders::{
        HOME_BODY, HOME_BOTTOM_LINE, LANGUAGE_TITLE, SECTION_DESCRIPTION, SECTION_TITLE,
    };
    for (file, text) in [
        ("briefing.toml", LANGUAGE_TITLE),
        ("content/_index.fr.md", LANGUAGE_TITLE),
        ("content/_index.fr.md", HOME_BOTTOM_LINE),
        ("content/_index.fr.md", HOME_BODY),
        ("content/analysis/_index.fr.md", SECTION_TITLE),
        ("content/analysis/_index.fr.md", SECTION_DESCRIPTION),
    ] {
        let written = std::fs::read_to_string(dir.join(file)).unwrap();
        let line = written
            .lines()
            .position(|l| l.contains(text) && !l.starts_with('#'))
            .expect(text) as u64
            + 1;
        let at: Vec<_> = errors
            .iter()
            .filter(|d| d["file"] == file && d["line"] == line)
            .collect();
        assert_eq!(at.len(), 1, "{file}:{line} {text:?}: {errors:#?}");
        assert!(at[0]["message"].as_str().unwrap().contains(text));
    }
    assert!(with(&diags, "stale").is_empty());
    assert_eq!(
        files(&with(&diags, "no translation into `fr`")),
        ["content/analysis/first-brief.md"]
    );

    let r = run(&["init", arg(&tmp.path().join("b")), "--languages", "en,en"]);
    r.expect_code(2);
    assert!(r.stderr.contains("`en` is given twice"), "{}", r.stderr);
    let r = run(&[
        "init",
        arg(&tmp.path().join("c")),
        "--languages",
        "en,French",
    ]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("`French` is not a language code"),
        "{}",
        r.stderr
    );
    assert!(!tmp.path().join("b").exists() && !tmp.path().join("c").exists());
}

#[test]
fn the_example_sites_translations_are_current_until_an_original_changes() {
    let (_tmp, site) = example_site();
    let diags = check(&site, &[]);
    for words in ["stale", "no translation", "does not say which version"] {
        assert!(with(&diags, words).is_empty(), "{words}: {diags:#?}");
    }
    edit(
        &site,
        "content/hedges/china.md",
        "steadier political contact",
        "steadier political contacts",
    );
    let diags = check(&site, &[]);
    assert_eq!(
        files(&with(&diags, "stale")),
        ["content/hedges/china.fr.md"],
        "{diags:#?}"
    );
}
