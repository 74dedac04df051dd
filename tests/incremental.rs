//! The incremental-rebuild invariant: after any sequence of edits, the output of a long-lived
//! `Builder` (what `serve` uses) equals a clean full build, byte for byte.
//!
//! A property test: random sequences of edits (create, retitle, redate, re-file under other
//! actors, change the body or the front matter, link with anchors, rename, delete briefs and
//! whole sections, edit templates, static files and the site's interface strings) from fixed seeds, so a failure names a
//! seed that reproduces it. The builder is told which paths each edit touched, as the watcher
//! tells `serve`, so edits to a brief's body or non-structural front matter take the patch path
//! (`Builder::build_changed`) and everything else the full pipeline.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use briefing::build::{BuildOptions, Builder, Output};
use briefing::output::Body;
use common::Rng;

const ACTORS: [&str; 5] = ["Japan", "China", "Russia", "India", "Côte d'Ivoire"];
const SECTIONS: [&str; 3] = ["alpha", "beta", "gamma"];

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&dest).unwrap();
        } else {
            fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

fn brief(rng: &mut Rng, title: &str) -> String {
    let a1 = rng.pick(&ACTORS);
    let a2 = rng.pick(&ACTORS);
    let day = 1 + rng.below(28);
    let month = 1 + rng.below(12);
    format!(
        "+++\ntitle = \"{title}\"\ndate = 2017-{month:02}-{day:02}\ndescription = \"About {title}.\"\nactors = [\"{a1}\", \"{a2}\"]\ntopics = [\"Topic {}\"]\n[[events]]\ndate = \"2016-{month:02}\"\ntext = \"Event of {title}\"\n+++\n\nFirst paragraph {}.\n\n<!-- more -->\n\n## Heading {}\n\nBody text {}.\n",
        rng.below(3),
        rng.next() % 1000,
        rng.below(4),
        rng.next() % 1000
    )
}

fn section(title: &str, weight: usize) -> String {
    format!("+++\ntitle = \"{title}\"\nweight = {weight}\n+++\n\nAbout {title}.\n")
}

fn site(rng: &mut Rng) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_dir(&repo.join("themes/default"), &root.join("themes/default"));
    fs::write(root.join("briefing.toml"), "title = \"Property site\"\nbase_url = \"https://example.org\"\npaginate_by = 2\nsearch = false\n").unwrap();
    // A site's own section template that reads `section.briefs` (the theme reads `paginator`),
    // so a stale section value shows.
    fs::create_dir_all(root.join("templates")).unwrap();
    fs::write(
        root.join("templates/section.html"),
        "{% extends \"base.html\" %}{% block content %}<h1>{{ section.title }}</h1>{% for b in section.briefs %}<p>{{ b.title }} | {{ b.description }} | {{ b.bottom_line }} | {{ b.summary | safe }}</p>{% endfor %}{% for b in paginator.briefs %}<i>{{ b.title }}</i>{% endfor %}{% endblock content %}",
    )
    .unwrap();
    fs::create_dir_all(root.join("content")).unwrap();
    fs::write(
        root.join("content/_index.md"),
        "+++\ntitle = \"Home\"\nbottom_line = \"Home line.\"\n+++\nWelcome.\n",
    )
    .unwrap();
    for (i, s) in SECTIONS.iter().take(2).enumerate() {
        fs::create_dir_all(root.join("content").join(s)).unwrap();
        fs::write(
            root.join("content").join(s).join("_index.md"),
            section(s, i),
        )
        .unwrap();
        for b in 0..3 {
            let t = format!("{s} brief {b}");
            fs::write(
                root.join("content").join(s).join(format!("b{b}.md")),
                brief(rng, &t),
            )
            .unwrap();
        }
    }
    dir
}

fn briefs(root: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(root.join("content"))
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.path().to_path_buf())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "md")
                && p.file_name().is_some_and(|n| n != "_index.md")
        })
        .collect();
    v.sort();
    v
}

/// One random edit; returns a description for the failure message and the paths it touched,
/// relative to the root (what the watcher would report).
fn edit(rng: &mut Rng, root: &Path, n: usize) -> (String, Vec<PathBuf>) {
    // Originals only: a translation's own edits are `edit_bilingual`'s.
    let existing: Vec<PathBuf> = briefs(root)
        .into_iter()
        .filter(|p| !p.to_string_lossy().ends_with(".fr.md"))
        .collect();
    let rel = |p: &Path| p.strip_prefix(root).unwrap().to_path_buf();
    let desc = match rng.below(15) {
        0 => {
            let s = rng.pick(&SECTIONS);
            let dir = root.join("content").join(s);
            if !dir.join("_index.md").exists() {
                fs::create_dir_all(&dir).unwrap();
                fs::write(dir.join("_index.md"), section(s, n)).unwrap();
            }
            let p = dir.join(format!("new{n}.md"));
            fs::write(&p, brief(rng, &format!("New {n}"))).unwrap();
            return (
                format!("create {}", p.display()),
                vec![rel(&dir.join("_index.md")), rel(&p)],
            );
        }
        1 if !existing.is_empty() => {
            let p = rng.pick(&existing).clone();
            let text = fs::read_to_string(&p).unwrap();
            let start = text.find("title = \"").unwrap() + 9;
            let end = start + text[start..].find('"').unwrap();
            fs::write(
                &p,
                format!("{}Retitled {n}{}", &text[..start], &text[end..]),
            )
            .unwrap();
            return (format!("retitle {}", p.display()), vec![rel(&p)]);
        }
        2 | 3 if !existing.is_empty() => {
            let p = rng.pick(&existing).clone();
            let title = fs::read_to_string(&p)
                .unwrap()
                .lines()
                .find_map(|l| {
                    l.strip_prefix("title = \"")
                        .map(|t| t.trim_end_matches('"').to_string())
                })
                .unwrap_or_default();
            fs::write(&p, brief(rng, &title)).unwrap();
            return (
                format!("rewrite date/actors/body of {}", p.display()),
                vec![rel(&p)],
            );
        }
        4 if !existing.is_empty() => {
            let p = rng.pick(&existing).clone();
            fs::remove_file(&p).unwrap();
            return (format!("delete {}", p.display()), vec![rel(&p)]);
        }
        10..=12 if !existing.is_empty() => {
            // The body only: new words, headings and `@/` links with anchors that may or may
            // not exist in their target (a broken one fails the build, both ways).
            let p = rng.pick(&existing).clone();
            let text = fs::read_to_string(&p).unwrap();
            let end = text[3..].find("+++").unwrap() + 6;
            let target_path = rng.pick(&existing).clone();
            let target = target_path
                .strip_prefix(root.join("content"))
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            // Mostly the target's real heading; now and then one it does not have.
            let anchor = match rng.below(5) {
                0 => format!("heading-{}", rng.below(4)),
                _ => fs::read_to_string(&target_path)
                    .unwrap()
                    .lines()
                    .find_map(|l| l.strip_prefix("## Heading "))
                    .map(|h| format!("heading-{h}"))
                    .unwrap_or_else(|| "top".into()),
            };
            let words = " word".repeat(rng.below(5));
            let body = format!(
                "\n\nEdited {n}{words}.\n\n<!-- more -->\n\n## Heading {}\n\nSee [there](@/{target}#{anchor}).\n",
                rng.below(4)
            );
            fs::write(&p, format!("{}{body}", &text[..end])).unwrap();
            return (format!("edit the body of {}", p.display()), vec![rel(&p)]);
        }
        13 if !existing.is_empty() => {
            // Front matter the model's structure does not depend on.
            let p = rng.pick(&existing).clone();
            let text: String = fs::read_to_string(&p)
                .unwrap()
                .split_inclusive('\n')
                .filter(|l| !l.starts_with("updated = ") && !l.starts_with("bottom_line = "))
                .collect();
            let start = text.find("description = \"").unwrap() + 15;
            let end = start + text[start..].find('"').unwrap();
            let extra = match rng.below(3) {
                0 => format!("\nupdated = 2018-0{}-01", 1 + rng.below(9)),
                1 => format!("\nbottom_line = \"Line {n}.\""),
                _ => String::new(),
            };
            fs::write(
                &p,
                format!(
                    "{}Described {n}.\"{extra}{}",
                    &text[..start],
                    &text[end + 1..]
                ),
            )
            .unwrap();
            return (
                format!("edit the description of {}", p.display()),
                vec![rel(&p)],
            );
        }
        5 if !existing.is_empty() => {
            let p = rng.pick(&existing).clone();
            let dest = root
                .join("content")
                .join(rng.pick(&SECTIONS))
                .join(format!("moved{n}.md"));
            if dest.parent().unwrap().join("_index.md").exists() {
                fs::rename(&p, &dest).unwrap();
                return (
                    format!("rename {} -> {}", p.display(), dest.display()),
                    vec![rel(&p), rel(&dest)],
                );
            } else {
                "skip rename".into()
            }
        }
        6 => {
            let s = rng.pick(&SECTIONS);
            let dir = root.join("content").join(s);
            if dir.exists() {
                fs::remove_dir_all(&dir).unwrap();
                return (format!("delete section {s}"), vec![rel(&dir)]);
            } else {
                fs::create_dir_all(&dir).unwrap();
                fs::write(dir.join("_index.md"), section(s, n)).unwrap();
                return (format!("create section {s}"), vec![rel(&dir)]);
            }
        }
        7 => {
            let dir = root.join("templates");
            fs::create_dir_all(&dir).unwrap();
            let t = dir.join("404.html");
            if t.exists() && rng.below(2) == 0 {
                fs::remove_file(&t).unwrap();
                return ("remove site 404.html override".into(), vec![rel(&t)]);
            } else {
                fs::write(&t, format!("{{% extends \"base.html\" %}}{{% block content %}}<h1>Lost {n}</h1>{{% endblock content %}}")).unwrap();
                return ("override 404.html".into(), vec![rel(&t)]);
            }
        }
        14 => {
            // The site's own interface strings, read over the theme's: labels in templates,
            // components and shortcodes, and the heading links the Markdown stage writes.
            let dir = root.join("i18n");
            let f = dir.join("en.toml");
            if f.exists() && rng.below(3) == 0 {
                fs::remove_file(&f).unwrap();
                return ("remove i18n/en.toml".into(), vec![rel(&f)]);
            }
            fs::create_dir_all(&dir).unwrap();
            fs::write(
                &f,
                format!("bottom_line = \"Line {n}\"\nheading_link = \"Anchor {n}: {{heading}}\"\n[legend]\ntitle = \"Scale {n}\"\n"),
            )
            .unwrap();
            return ("edit i18n/en.toml".into(), vec![rel(&f)]);
        }
        8 => {
            let css = root.join("themes/default/static/style.css");
            let mut text = fs::read_to_string(&css).unwrap();
            text.push_str(&format!("\n/* edit {n} */\n"));
            fs::write(&css, text).unwrap();
            return ("edit style.css".into(), vec![rel(&css)]);
        }
        _ => {
            let p = root.join("content/_index.md");
            fs::write(
                &p,
                format!(
                    "+++\ntitle = \"Home {n}\"\nbottom_line = \"Line {n}.\"\n+++\nWelcome {n}.\n"
                ),
            )
            .unwrap();
            return ("edit home".into(), vec![rel(&p)]);
        }
    };
    (desc, Vec::new())
}

fn bytes(files: &BTreeMap<String, Body>) -> BTreeMap<String, Vec<u8>> {
    files
        .iter()
        .map(|(k, b)| {
            let v = match b {
                Body::Bytes(b) => b.to_vec(),
                Body::Copy(p) => fs::read(p).unwrap(),
            };
            (k.clone(), v)
        })
        .collect()
}

#[test]
fn incremental_rebuilds_equal_full_builds() {
    let sequences = 12;
    let patches = sequences_equal_full_builds(sequences, 16, Languages::One);
    // The sequences must exercise both paths, or the test proves less than it says.
    assert!(
        patches >= sequences as usize * 2,
        "only {patches} builds took the patch path"
    );
}

/// The same in English and French: translations created (named as their original or linked
/// by `translation_key`), retitled, broken and deleted, and term labels changed, among the
/// edits above.
#[test]
fn incremental_rebuilds_equal_full_builds_in_two_languages() {
    let patches = sequences_equal_full_builds(6, 14, Languages::Two);
    // Edits of originals and of translations take the patch path too.
    assert!(patches >= 3, "only {patches} builds took the patch path");
}

/// The same with the default language under its own prefix too (`/en/...`, `/` the language
/// choice): the patch path re-renders the prefixed pages, and the choice and root 404 stay
/// what a full build writes.
#[test]
fn incremental_rebuilds_equal_full_builds_with_the_default_language_prefixed() {
    let patches = sequences_equal_full_builds(5, 14, Languages::TwoPrefixed);
    assert!(patches >= 3, "only {patches} builds took the patch path");
}

/// Which languages a property site is in.
#[derive(Clone, Copy, PartialEq)]
enum Languages {
    One,
    /// English at `/`, French at `/fr/`.
    Two,
    /// English at `/en/` too (`prefix_default_language`).
    TwoPrefixed,
}

/// One edit of a two-language site: a translation's, a term label's, or any edit above.
fn edit_bilingual(rng: &mut Rng, root: &Path, n: usize) -> (String, Vec<PathBuf>) {
    let originals: Vec<PathBuf> = briefs(root)
        .into_iter()
        .filter(|p| !p.to_string_lossy().ends_with(".fr.md"))
        .collect();
    let rel = |p: &Path| p.strip_prefix(root).unwrap().to_path_buf();
    match rng.below(9) {
        6 if !originals.is_empty() => {
            // A translation named unlike its original, linked by `translation_key`.
            let p = rng.pick(&originals).clone();
            let text = fs::read_to_string(&p).unwrap();
            let key = format!("k{n}");
            let keyed = match text.strip_prefix("+++\n") {
                Some(rest) if !text.contains("translation_key") => {
                    format!("+++\ntranslation_key = \"{key}\"\n{rest}")
                }
                _ => text,
            };
            fs::write(&p, &keyed).unwrap();
            let key = keyed
                .lines()
                .find_map(|l| l.strip_prefix("translation_key = \""))
                .map(|k| k.trim_end_matches('"').to_string())
                .unwrap_or(key);
            let by_name = p.with_extension("fr.md");
            let mut touched = vec![rel(&p)];
            if by_name.exists() {
                fs::remove_file(&by_name).unwrap();
                touched.push(rel(&by_name));
            }
            let t = p.with_file_name(format!("traduit-{n}.fr.md"));
            fs::write(
                &t,
                format!(
                    "+++\ntitle = \"Clé {n}\"\ntranslation_key = \"{key}\"\n+++\n\nTexte {n}.\n"
                ),
            )
            .unwrap();
            touched.push(rel(&t));
            (
                format!("translate {} by key into {}", p.display(), t.display()),
                touched,
            )
        }
        0 | 1 if !originals.is_empty() => {
            let p = rng.pick(&originals).clone();
            let t = p.with_extension("fr.md");
            fs::write(
                &t,
                format!("+++\ntitle = \"Traduction {n}\"\ndescription = \"Au sujet {n} : voilà.\"\n+++\n\nTexte {n} : «\u{a0}cité\u{a0}».\n\n## Titre {n}\n\nSuite.\n"),
            )
            .unwrap();
            (format!("translate {}", p.display()), vec![rel(&t)])
        }
        2 if !originals.is_empty() => {
            let p = rng.pick(&originals).clone();
            let t = p.with_extension("fr.md");
            if t.exists() {
                fs::remove_file(&t).unwrap();
                return (format!("delete translation {}", t.display()), vec![rel(&t)]);
            }
            // A translation that contradicts its original: three events where it has one.
            fs::write(&t, "+++\ntitle = \"Faux\"\n[[events]]\ntext = \"a\"\n[[events]]\ntext = \"b\"\n[[events]]\ntext = \"c\"\n+++\n").unwrap();
            (format!("bad translation {}", t.display()), vec![rel(&t)])
        }
        3 => {
            let f = root.join("terms.toml");
            fs::write(
                &f,
                format!(
                    "[actors]\njapan = {{ fr = \"Japon {n}\" }}\nchina = {{ fr = \"Chine\" }}\n"
                ),
            )
            .unwrap();
            ("label terms".into(), vec![rel(&f)])
        }
        _ => edit(rng, root, n),
    }
}

/// Runs `sequences` random sequences of `edits` edits, comparing after each the site a
/// long-lived builder serves with a clean full build; returns how many took the patch path.
fn sequences_equal_full_builds(sequences: u64, edits: usize, languages: Languages) -> usize {
    let bilingual = languages != Languages::One;
    let mut patches = 0;
    for seed in 1..=sequences {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed);
        let dir = site(&mut rng);
        let root = dir.path();
        if bilingual {
            let config = root.join("briefing.toml");
            let mut text = fs::read_to_string(&config).unwrap();
            if languages == Languages::TwoPrefixed {
                // Top-level keys come before the first table.
                text = format!("prefix_default_language = true\n{text}");
            }
            fs::write(
                &config,
                format!("{text}[languages.fr]\ntitle = \"Site de propriétés\"\ntaxonomies = {{ actors = \"acteurs\" }}\n"),
            )
            .unwrap();
            // Every brief starts translated, so the edits of originals meet translations.
            for p in briefs(root) {
                fs::write(
                    p.with_extension("fr.md"),
                    "+++\ntitle = \"Traduit\"\n+++\n\nTexte : traduit.\n",
                )
                .unwrap();
            }
        }
        let mut live = Builder::new(root, BuildOptions::default());
        let mut served = live
            .build()
            .unwrap_or_else(|f| panic!("seed {seed}: initial build failed: {:?}", f.diagnostics()))
            .output
            .files()
            .clone();
        // Every brief's PDF edition is part of what is compared (`pdf = "all"` by default): the
        // patch path must typeset an edited brief's PDF again, as a full build does.
        assert!(
            served.keys().filter(|k| k.ends_with(".pdf")).count() >= briefs(root).len(),
            "seed {seed}: the site has no PDF editions to compare"
        );
        if languages == Languages::TwoPrefixed {
            assert!(
                served.contains_key("en/index.html") && served.contains_key("404.html"),
                "seed {seed}: the English home is not under /en/"
            );
        }
        let mut log = Vec::new();
        for n in 0..edits {
            let (desc, touched) = if bilingual {
                edit_bilingual(&mut rng, root, n)
            } else {
                edit(&mut rng, root, n)
            };
            log.push(desc);
            let incremental = live.build_changed(&touched).map(|built| {
                let warnings = warnings_of(&built.warnings);
                // What serve does with a result: a patch updates the pages it names.
                match built.output {
                    Output::Patched(pages) => {
                        patches += 1;
                        served.extend(pages);
                    }
                    Output::Full(files) => served = files,
                    Output::Streamed(_) => panic!("seed {seed}: an in-memory build streamed"),
                }
                (served.clone(), warnings)
            });
            let full = Builder::new(root, BuildOptions::default()).build();
            match (incremental, full) {
                (Ok((a, a_warnings)), Ok(b)) => {
                    assert_eq!(
                        a_warnings,
                        warnings_of(&b.warnings),
                        "seed {seed}: different warnings after {log:?}"
                    );
                    let (a, b) = (bytes(&a), bytes(b.output.files()));
                    let a_keys: Vec<_> = a.keys().collect();
                    let b_keys: Vec<_> = b.keys().collect();
                    assert_eq!(
                        a_keys, b_keys,
                        "seed {seed}: file lists differ after {log:?}"
                    );
                    for (k, v) in &a {
                        assert!(v == &b[k], "seed {seed}: {k} differs after {log:?}");
                    }
                }
                (Err(a), Err(b)) => {
                    let msg = |f: &briefing::diagnostics::Failure| {
                        f.diagnostics()
                            .iter()
                            .map(|d| d.message.clone())
                            .collect::<Vec<_>>()
                    };
                    assert_eq!(
                        msg(&a),
                        msg(&b),
                        "seed {seed}: different errors after {log:?}"
                    );
                }
                (a, b) => panic!(
                    "seed {seed}: incremental ok={} but full ok={} after {log:?}",
                    a.is_ok(),
                    b.is_ok()
                ),
            }
        }
    }
    patches
}

fn warnings_of(diags: &[briefing::diagnostics::Diagnostic]) -> Vec<String> {
    diags.iter().map(|d| d.render(false)).collect()
}

#[test]
fn a_body_edit_rerenders_only_what_read_the_brief() {
    let mut rng = Rng(42);
    let dir = site(&mut rng);
    let root = dir.path();
    let mut live = Builder::new(root, BuildOptions::default());
    let first = live.build().unwrap();
    let again = live.build().unwrap();
    assert_eq!(
        again.stats.rendered, 0,
        "an unchanged site re-rendered {:?}",
        again.changed
    );
    let p = root.join("content/alpha/b1.md");
    let text = fs::read_to_string(&p).unwrap();
    // Same word count, same summary: listings that show the word count must not re-render.
    fs::write(&p, text.replace("Body text", "Body line")).unwrap();
    let after = live
        .build_changed(&[PathBuf::from("content/alpha/b1.md")])
        .unwrap();
    assert!(
        matches!(after.output, Output::Patched(_)),
        "a body edit did not take the patch path"
    );
    assert!(after.stats.rendered >= 1);
    assert!(
        after.changed.iter().any(|c| c == "alpha/b1/index.html"),
        "{:?}",
        after.changed
    );
    assert!(
        after.stats.rendered < first.stats.pages / 2,
        "a body edit re-rendered {} of {} pages: {:?}",
        after.stats.rendered,
        first.stats.pages,
        after.changed
    );
    assert!(
        !after.changed.iter().any(|c| c.starts_with("beta/")),
        "{:?}",
        after.changed
    );
    // The full briefing shows every brief in full, so it must follow the edit.
    assert!(
        after.changed.iter().any(|c| c == "briefing/index.html"),
        "{:?}",
        after.changed
    );
}

#[test]
fn control_characters_added_and_removed_by_a_body_edit_are_reported_as_a_full_build_does() {
    let mut rng = Rng(42);
    let dir = site(&mut rng);
    let root = dir.path();
    let mut live = Builder::new(root, BuildOptions::default());
    live.build().unwrap();
    let p = root.join("content/alpha/b1.md");
    let text = fs::read_to_string(&p).unwrap();
    for (edit, expected) in [(text.replace("Body text", "Body\u{1} text"), 1), (text, 0)] {
        fs::write(&p, &edit).unwrap();
        let patched = live
            .build_changed(&[PathBuf::from("content/alpha/b1.md")])
            .unwrap();
        let full = Builder::new(root, BuildOptions::default()).build().unwrap();
        let removed = warnings_of(&full.warnings)
            .iter()
            .filter(|w| w.contains("removed 1 control character"))
            .count();
        assert_eq!(removed, expected, "{:?}", warnings_of(&full.warnings));
        assert_eq!(
            warnings_of(&patched.warnings),
            warnings_of(&full.warnings),
            "the patch path reports other warnings than a full build"
        );
    }
}

/// A broken `@/` link is an error, not a link, but its target still belongs to the document's
/// render: once the file exists, the long-lived builder must render the link as a clean full
/// build does, whatever Markdown syntax wrote it. (A hint looks the target up with its `#`
/// part too: creating that file changes the hint.)
#[test]
fn a_broken_link_renders_once_its_target_is_created() {
    let later = "+++\ntitle = \"Later\"\ndate = 2017-03-01\n+++\n\nLater.\n";
    let cases = [
        ("inline", "See [x](@/alpha/later.md).", "alpha/later.md"),
        ("image", "See ![x](@/alpha/later.md).", "alpha/later.md"),
        (
            "reference",
            "See [x][r].\n\n[r]: @/alpha/later.md",
            "alpha/later.md",
        ),
        (
            "angle brackets",
            "See [x](<@/alpha/later.md>).",
            "alpha/later.md",
        ),
        ("spaced", "See [x]( @/alpha/later.md ).", "alpha/later.md"),
        (
            "block shortcode body",
            "{% callout(kind=\"note\") %}\nSee [x](@/alpha/later.md).\n{% end %}",
            "alpha/later.md",
        ),
        ("hint", "See [x](@/alpha/q#1.md).", "alpha/q#1.md"),
    ];
    let mut stale = Vec::new();
    for (name, body, target) in cases {
        let dir = site(&mut Rng(7));
        let root = dir.path();
        fs::write(
            root.join("content/alpha/linker.md"),
            format!("+++\ntitle = \"Linker\"\ndate = 2017-02-01\n+++\n\n{body}\n"),
        )
        .unwrap();
        let mut live = Builder::new(root, BuildOptions::default());
        assert!(live.build().is_err(), "{name}: the broken link built");
        fs::write(root.join("content").join(target), later).unwrap();
        let touched = [Path::new("content").join(target)];
        let report = |r: Result<briefing::build::Built, briefing::diagnostics::Failure>| match r {
            Ok(b) => Ok(bytes(b.output.files())),
            Err(f) => Err(f
                .diagnostics()
                .iter()
                .map(|d| d.render(false))
                .collect::<Vec<_>>()),
        };
        let incremental = report(live.build_changed(&touched));
        let full = report(Builder::new(root, BuildOptions::default()).build());
        if incremental != full {
            stale.push(format!(
                "{name}: incremental {:?}, full {:?}",
                incremental.as_ref().err(),
                full.as_ref().err()
            ));
        }
    }
    assert!(stale.is_empty(), "{stale:#?}");
}
