//! Unit tests of the site graph, on a small site written to a temporary folder and read through
//! the real config and content stages.

use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::content::Loader;
use crate::content::meta::{Assessment, Confidence, Hedge, HedgeKind, KeyJudgment, Scale, Source};

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn brief(title: &str, date: &str, front: &str) -> String {
    format!("+++\ntitle = \"{title}\"\ndate = {date}\n{front}+++\n\nBody of {title}.\n")
}

fn section(title: &str, front: &str) -> String {
    format!("+++\ntitle = \"{title}\"\n{front}+++\n")
}

/// Sections: home, Alpha (weight 2, by date), Beta (weight 1, by weight) with Deep (by title)
/// inside, and Gamma Folder (weight 1, after Beta by title). Drafts: a brief, and a bundle
/// with a picture.
fn fixture(dir: &Path) {
    write(
        dir,
        "briefing.toml",
        "title = \"T\"\ntaxonomies = [\"actors\", \"topics\", \"regions\"]\n",
    );
    write(dir, "content/_index.md", &section("Home", ""));
    write(dir, "content/top.md", &brief("Top", "2015-05-05", ""));
    write(
        dir,
        "content/a/_index.md",
        &section("Alpha", "weight = 2\n"),
    );
    write(
        dir,
        "content/a/old.md",
        &brief(
            "Old",
            "2017-01-01",
            "actors = [\"china\", \"Russia\"]\ntopics = [\"Trade\"]\n\
             [[events]]\ndate = \"2016-04\"\ntext = \"A\"\n",
        ),
    );
    write(
        dir,
        "content/a/new.md",
        &brief(
            "New",
            "2017-03-01",
            "actors = [\"China\"]\ntopics = [\"Trade\"]\n\
             [[events]]\ndate = \"2016-04\"\ntext = \"B\"\n\
             [[events]]\ndate = \"2015\"\ntext = \"A\"\n",
        ),
    );
    write(
        dir,
        "content/a/mid.md",
        &brief(
            "Mid",
            "2017-02-01",
            "slug = \"Middle Way!\"\nactors = [\"China\"]\ntopics = [\"Arms Control\"]\n",
        ),
    );
    write(
        dir,
        "content/a/bundle/index.md",
        &brief("Bundle", "2016-12-01", "actors = [\"China\"]\n"),
    );
    write(dir, "content/a/bundle/map.png", "png");
    write(
        dir,
        "content/a/x/y.md",
        &brief("Y", "2016-11-01", "[taxonomies]\nregions = [\"Asia\"]\n"),
    );
    write(
        dir,
        "content/a/draft.md",
        &brief(
            "Draft",
            "2018-01-01",
            "draft = true\nactors = [\"Draftee\"]\n",
        ),
    );
    write(
        dir,
        "content/a/secret/index.md",
        &brief("Secret", "2018-01-01", "draft = true\n"),
    );
    write(dir, "content/a/secret/pic.png", "png");
    write(
        dir,
        "content/b/_index.md",
        &section("Beta", "weight = 1\nsort_by = \"weight\"\n"),
    );
    write(
        dir,
        "content/b/w2.md",
        &brief("Zulu", "2017-01-01", "weight = 2\n"),
    );
    write(
        dir,
        "content/b/w1.md",
        &brief("Yankee", "2017-01-02", "weight = 1\n"),
    );
    write(
        dir,
        "content/b/w1b.md",
        &brief("Xray", "2017-01-03", "weight = 1\n"),
    );
    write(
        dir,
        "content/b/deep/_index.md",
        &section("Deep", "sort_by = \"title\"\n"),
    );
    write(
        dir,
        "content/b/deep/beta.md",
        &brief("Beta brief", "2017-05-01", ""),
    );
    write(
        dir,
        "content/b/deep/alpha.md",
        &brief("Alpha brief", "2017-04-01", ""),
    );
    write(
        dir,
        "content/Gamma Folder/_index.md",
        &section("Gamma", "weight = 1\n"),
    );
    write(
        dir,
        "content/Gamma Folder/One.md",
        &brief("One", "2017-01-01", ""),
    );
    write(
        dir,
        "content/data/timeline.toml",
        "[[events]]\ndate = \"2016-01\"\ntext = \"T\"\n",
    );
}

fn build(dir: &Path, drafts: bool) -> Site {
    let config = Arc::new(Config::load(dir).unwrap_or_else(|f| panic!("{:?}", f.diagnostics())));
    let content = Loader::default().load(dir);
    assert!(content.diagnostics.is_empty(), "{:?}", content.diagnostics);
    let mut diags = crate::diagnostics::Diagnostics::new();
    let site = Site::build(config, dir.to_path_buf(), &content, drafts, &mut diags);
    assert!(diags.is_empty(), "{diags:?}");
    site
}

fn fixture_site() -> (tempfile::TempDir, Site) {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let site = build(dir.path(), false);
    (dir, site)
}

fn brief_id(site: &Site, rel: &str) -> BriefId {
    match site.by_rel.get(rel) {
        Some(DocRef::Brief(b)) => *b,
        other => panic!("{rel} is {other:?}"),
    }
}

fn section_id(site: &Site, title: &str) -> SectionId {
    site.sections
        .position(|s| s.meta().title == title)
        .unwrap_or_else(|| panic!("no section {title}"))
}

fn titles<'a>(site: &'a Site, ids: &[BriefId]) -> Vec<&'a str> {
    ids.iter()
        .map(|&b| site.briefs[b].meta().title.as_str())
        .collect()
}

fn section_titles<'a>(site: &'a Site, ids: &[SectionId]) -> Vec<&'a str> {
    ids.iter()
        .map(|&s| site.sections[s].meta().title.as_str())
        .collect()
}

#[test]
fn sections_nest_and_sort_by_weight_then_title() {
    let (_dir, site) = fixture_site();
    assert_eq!(site.sections[SectionId::HOME].path, "/");
    assert_eq!(site.sections[SectionId::HOME].parent, None);
    assert_eq!(
        section_titles(&site, &site.sections[SectionId::HOME].subsections),
        ["Beta", "Gamma", "Alpha"]
    );
    let (beta, deep) = (section_id(&site, "Beta"), section_id(&site, "Deep"));
    assert_eq!(site.sections[beta].subsections, [deep]);
    assert_eq!(site.sections[deep].parent, Some(beta));
    assert_eq!(site.sections[beta].parent, Some(SectionId::HOME));
    assert_eq!(site.sections[deep].path, "/b/deep/");
    assert_eq!(
        site.sections[section_id(&site, "Gamma")].path,
        "/gamma-folder/"
    );
}

#[test]
fn each_section_lists_its_own_briefs_in_its_sort_order() {
    let (_dir, site) = fixture_site();
    let listed = |title: &str| titles(&site, &site.sections[section_id(&site, title)].briefs);
    // By date, newest first; a brief in a folder without `_index.md` joins the nearest section.
    assert_eq!(listed("Alpha"), ["New", "Mid", "Old", "Bundle", "Y"]);
    // By weight, then title on equal weights.
    assert_eq!(listed("Beta"), ["Xray", "Yankee", "Zulu"]);
    assert_eq!(listed("Deep"), ["Alpha brief", "Beta brief"]);
    assert_eq!(listed("Home"), ["Top"]);
    for (s, sec) in site.sections.iter_enumerated() {
        assert!(sec.briefs.iter().all(|&b| site.briefs[b].section == s));
    }
}

#[test]
fn reading_order_runs_depth_first_through_the_sorted_sections() {
    let (_dir, site) = fixture_site();
    assert_eq!(
        titles(&site, &site.reading_order),
        [
            "Top",
            "Xray",
            "Yankee",
            "Zulu",
            "Alpha brief",
            "Beta brief",
            "One",
            "New",
            "Mid",
            "Old",
            "Bundle",
            "Y"
        ]
    );
    for (i, &b) in site.reading_order.iter().enumerate() {
        assert_eq!(site.briefs[b].order, i);
    }
}

#[test]
fn urls_come_from_folders_files_and_slugs() {
    let (_dir, site) = fixture_site();
    for (rel, path) in [
        ("top.md", "/top/"),
        ("a/old.md", "/a/old/"),
        ("a/mid.md", "/a/middle-way/"),
        ("a/bundle/index.md", "/a/bundle/"),
        ("a/x/y.md", "/a/x/y/"),
        ("Gamma Folder/One.md", "/gamma-folder/one/"),
        ("b/deep/alpha.md", "/b/deep/alpha/"),
    ] {
        assert_eq!(site.briefs[brief_id(&site, rel)].path, path, "{rel}");
        assert_eq!(site.path_of(rel), Some(path), "{rel}");
    }
    assert_eq!(site.path_of("b/_index.md"), Some("/b/"));
    assert_eq!(site.path_of("nope.md"), None);
    let bundle = &site.briefs[brief_id(&site, "a/bundle/index.md")];
    assert_eq!(bundle.bundle_dir.as_deref(), Some("a/bundle"));
    let map = site
        .assets
        .iter()
        .find(|a| a.rel == "a/bundle/map.png")
        .unwrap();
    assert_eq!(site.asset_output(map), "a/bundle/map.png");
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let (dir, site) = fixture_site();
    assert!(!site.by_rel.contains_key("a/draft.md"));
    assert!(!site.by_rel.contains_key("a/secret/index.md"));
    assert!(!site.assets.iter().any(|a| a.rel == "a/secret/pic.png"));
    let actors = &site.taxonomies[TaxonomyId::new(0)];
    assert!(!actors.terms.iter().any(|t| t.name == "Draftee"));
    // Links may still name a draft: it is a known file, only not published.
    assert_eq!(site.link_names.find("a/draft.md"), Some("a/draft.md"));

    let with = build(dir.path(), true);
    let draft = brief_id(&with, "a/draft.md");
    assert_eq!(with.briefs[draft].path, "/a/draft/");
    assert!(with.assets.iter().any(|a| a.rel == "a/secret/pic.png"));
    assert!(
        with.taxonomies[TaxonomyId::new(0)]
            .terms
            .iter()
            .any(|t| t.name == "Draftee")
    );
    assert_eq!(with.reading_order.len(), site.reading_order.len() + 2);
}

#[test]
fn taxonomies_file_briefs_under_merged_terms_newest_first() {
    let (_dir, site) = fixture_site();
    let names: Vec<&str> = site.taxonomies.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["actors", "topics", "regions"]);
    let terms = |ti: usize| -> Vec<(&str, &str, Vec<&str>)> {
        site.taxonomies[TaxonomyId::new(ti)]
            .terms
            .iter()
            .map(|t| (t.name.as_str(), t.slug.as_str(), titles(&site, &t.briefs)))
            .collect()
    };
    // Old's "china" shares China's URL and joins it; the first spelling (by file) names it.
    assert_eq!(
        terms(0),
        [
            ("China", "china", vec!["New", "Mid", "Old", "Bundle"]),
            ("Russia", "russia", vec!["Old"])
        ]
    );
    assert_eq!(
        terms(1),
        [
            ("Arms Control", "arms-control", vec!["Mid"]),
            ("Trade", "trade", vec!["New", "Old"])
        ]
    );
    assert_eq!(terms(2), [("Asia", "asia", vec!["Y"])]);
    let tax = &site.taxonomies[TaxonomyId::new(1)];
    assert_eq!(tax.path(), "/topics/");
    assert_eq!(
        tax.term_path(&tax.terms[TermId::new(0)]),
        "/topics/arms-control/"
    );
    // Each brief's term indices point back at the terms that list it.
    for (b, brief) in site.briefs.iter_enumerated() {
        for (ti, idx) in brief.terms.iter_enumerated() {
            for &t in idx {
                assert!(site.taxonomies[ti].terms[t].briefs.contains(&b));
            }
        }
    }
    let old = &site.briefs[brief_id(&site, "a/old.md")];
    let terms = |ids: &[usize]| ids.iter().map(|&t| TermId::new(t)).collect::<Vec<_>>();
    assert_eq!(old.terms.as_slice(), [terms(&[0, 1]), terms(&[1]), vec![]]);
}

#[test]
fn related_briefs_share_terms_best_first_newer_on_ties() {
    let (_dir, site) = fixture_site();
    let related = |rel: &str| titles(&site, &site.briefs[brief_id(&site, rel)].related);
    // New shares China and Trade with Old; Mid and Bundle only China, Mid is newer.
    assert_eq!(related("a/old.md"), ["New", "Mid", "Bundle"]);
    assert_eq!(related("a/new.md"), ["Old", "Mid", "Bundle"]);
    // A term no other brief carries relates nothing.
    assert!(related("a/x/y.md").is_empty());
    assert!(related("top.md").is_empty());
}

fn chronology(site: &Site) -> Vec<(String, &str, Option<BriefId>)> {
    site.chronology
        .iter()
        .map(|e| (e.date.iso(), e.text.as_str(), e.brief))
        .collect()
}

#[test]
fn chronology_holds_brief_and_timeline_events_by_date_then_reading_order() {
    let (_dir, site) = fixture_site();
    let (old, new) = (brief_id(&site, "a/old.md"), brief_id(&site, "a/new.md"));
    // Alpha sorts by date, newest first, so New is read before Old: its "B" comes first.
    assert_eq!(
        chronology(&site),
        [
            ("2015".to_string(), "A", Some(new)),
            ("2016-01".to_string(), "T", None),
            ("2016-04".to_string(), "B", Some(new)),
            ("2016-04".to_string(), "A", Some(old)),
        ]
    );
}

#[test]
fn same_date_events_keep_reading_order_and_month_only_dates_lead_their_month() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    // Top is the first brief read (the home section's own); its events are listed out of text
    // order on purpose, and a month-only date comes after a full date of the same month.
    write(
        dir.path(),
        "content/top.md",
        &brief(
            "Top",
            "2015-05-05",
            "[[events]]\ndate = \"2016-04-02\"\ntext = \"Zeta\"\n\
             [[events]]\ndate = \"2016-04\"\ntext = \"Month\"\n\
             [[events]]\ndate = \"2016-04-02\"\ntext = \"Alpha\"\n",
        ),
    );
    write(
        dir.path(),
        "content/data/timeline.toml",
        "[[events]]\ndate = \"2016-04\"\ntext = \"Tz\"\n\
         [[events]]\ndate = \"2016-04\"\ntext = \"Ta\"\n",
    );
    let site = build(dir.path(), false);
    let (top, old, new) = (
        brief_id(&site, "top.md"),
        brief_id(&site, "a/old.md"),
        brief_id(&site, "a/new.md"),
    );
    assert_eq!(
        chronology(&site),
        [
            ("2015".to_string(), "A", Some(new)),
            // Across briefs: Top (home) before New before Old (Alpha, newest first).
            ("2016-04".to_string(), "Month", Some(top)),
            ("2016-04".to_string(), "B", Some(new)),
            ("2016-04".to_string(), "A", Some(old)),
            // Timeline events follow the briefs' of the same date, in file order.
            ("2016-04".to_string(), "Tz", None),
            ("2016-04".to_string(), "Ta", None),
            // Within one brief: the order it lists them.
            ("2016-04-02".to_string(), "Zeta", Some(top)),
            ("2016-04-02".to_string(), "Alpha", Some(top)),
        ]
    );
}

/// The fixture's `rel` reread after `edit` rewrote its text.
fn reread(dir: &Path, rel: &str, edit: impl Fn(&str) -> String) -> Arc<SourceDoc> {
    let path = dir.join("content").join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(&text)).unwrap();
    let content = Loader::default().load(dir);
    content.docs.into_iter().find(|d| d.rel == rel).unwrap()
}

#[test]
fn replace_brief_doc_takes_a_body_edit_and_refuses_a_structural_one() {
    let (dir, mut site) = fixture_site();
    let b = brief_id(&site, "a/old.md");
    let body = reread(dir.path(), "a/old.md", |t| {
        t.replace("Body of Old.", "New words.")
            .replace("title", "description = \"D\"\ntitle")
    });
    assert!(site.replace_brief_doc(b, body.clone()));
    assert!(Arc::ptr_eq(&site.briefs[b].doc, &body));
    assert_eq!(site.briefs[b].doc.body().trim(), "New words.");

    let retitled = reread(dir.path(), "a/old.md", |t| {
        t.replace("\"Old\"", "\"Older\"")
    });
    assert!(!site.replace_brief_doc(b, retitled));
    assert!(Arc::ptr_eq(&site.briefs[b].doc, &body), "the model changed");

    // Not a brief, or no such brief: nothing to swap.
    let home = site.sections[SectionId::HOME].doc.clone();
    assert!(!site.replace_brief_doc(b, home));
    assert!(!site.replace_brief_doc(site.briefs.next_id(), body));
}

/// A change to one field of the front matter, by the field's name.
type Change = (&'static str, fn(&mut BriefMeta));

fn assessment() -> Assessment {
    Assessment {
        level: Scale::Low,
        rationale: "r".into(),
    }
}

fn meta() -> BriefMeta {
    toml::from_str(
        "title = \"T\"\ndate = 2017-06-01\nactors = [\"China\"]\ntopics = [\"Trade\"]\n\
         [taxonomies]\nregions = [\"Asia\"]\n[[events]]\ndate = \"2016-04\"\ntext = \"E\"\n",
    )
    .unwrap()
}

#[test]
fn same_structure_compares_what_the_model_reads_and_nothing_else() {
    let base = meta();
    assert!(same_structure(&base, &base.clone()));
    let structural: [Change; 11] = [
        ("title", |m| m.title.push('!')),
        ("date", |m| m.date.0.day = Some(2)),
        ("draft", |m| m.draft = true),
        ("weight", |m| m.weight = 3),
        ("slug", |m| m.slug = Some("s".into())),
        ("actors", |m| m.actors.push("Russia".into())),
        ("topics", |m| m.topics.clear()),
        ("taxonomies", |m| {
            m.taxonomies.insert("regions".into(), vec!["Europe".into()]);
        }),
        ("an event's date", |m| {
            m.events[0].date = PartialDate::parse("2015").unwrap()
        }),
        ("an event's text", |m| m.events[0].text.push('!')),
        ("the events", |m| m.events.push(m.events[0].clone())),
    ];
    for (field, change) in structural {
        let mut m = base.clone();
        change(&mut m);
        assert!(
            !same_structure(&base, &m),
            "a changed {field} kept the structure"
        );
        assert!(
            !same_structure(&m, &base),
            "a changed {field} kept the structure"
        );
    }
    let ignored: [Change; 8] = [
        ("updated", |m| m.updated = Some(m.date.clone())),
        ("description", |m| m.description = Some("d".into())),
        ("authors", |m| m.authors = Some(vec!["A".into()])),
        ("bottom_line", |m| m.bottom_line = Some("b".into())),
        ("key_judgments", |m| {
            m.key_judgments.push(KeyJudgment {
                text: "k".into(),
                confidence: Confidence::Likely,
            })
        }),
        ("sources", |m| {
            m.sources.push(Source {
                id: "s".into(),
                title: "t".into(),
                publisher: "p".into(),
                url: None,
                date: None,
            })
        }),
        ("hedge", |m| {
            m.hedge = Some(Hedge {
                partner: "P".into(),
                kind: HedgeKind::Soft,
                economic: assessment(),
                security: assessment(),
                credibility: assessment(),
            })
        }),
        ("extra", |m| {
            m.extra.insert("k".into(), toml::Value::Integer(1));
        }),
    ];
    for (field, change) in ignored {
        let mut m = base.clone();
        change(&mut m);
        assert_ne!(m, base, "{field}: the change changed nothing");
        assert!(
            same_structure(&base, &m),
            "a changed {field} broke the structure"
        );
    }
}
