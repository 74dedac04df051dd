//! One edit chain per kind of edit `serve` sees (see `common::chain`): each step's result from
//! the long-lived builder must equal a fresh full build, and must have taken the path its
//! kind calls for (patched, or the whole pipeline).

mod common;
// Not declared in common/mod.rs: it names the library, and a test binary that links the
// library's dependencies can no longer infer some types the binary-only tests leave open.
#[path = "common/chain.rs"]
mod chain;

use briefing::build::ChangeKind;
use chain::{Chain, Step, Took};
use common::{example_site, sel, text_of};

const CHINA: &str = "content/hedges/china.md";
const CHINA_PAGE: &str = "hedges/china/index.html";

/// A brief the example site links nowhere, so removing it breaks no `@/` link.
const KOREA: &str = "+++
title = \"South Korea: a neighbour kept at a distance\"
date = 2017-05-02
description = \"A short brief the chains add.\"
weight = 9
bottom_line = \"Seoul and Tokyo cooperate on North Korea and little else.\"
actors = [\"Japan\", \"South Korea\"]
topics = [\"Hedging\"]
+++
History still weighs on the relationship.
";

fn chain() -> Chain {
    Chain::new(example_site()).build()
}

/// The text of the first element matching `selector` on `page`.
fn first_text(step: &Step, page: &str, selector: &str) -> String {
    let html = step.html(page);
    let el = html
        .select(&sel(selector))
        .next()
        .unwrap_or_else(|| panic!("no {selector} on {page}"));
    text_of(el)
}

fn page_text(step: &Step, page: &str) -> String {
    first_text(step, page, "body")
}

#[test]
fn brief_body_edits_are_patched_one_after_another() {
    chain()
        .edit_file(
            CHINA,
            "Optimists can point to a thaw.",
            "Optimists see a thaw.",
        )
        .build_changed()
        .classified(ChangeKind::BriefEdit)
        .took(Took::Patched)
        .check(|s| assert!(page_text(s, CHINA_PAGE).contains("Optimists see a thaw.")))
        .edit_file(
            CHINA,
            "Economics is the strongest argument.",
            "Trade is the strongest argument.",
        )
        .build_changed()
        .took(Took::Patched)
        .check(|s| {
            let text = page_text(s, CHINA_PAGE);
            assert!(
                text.contains("Optimists see a thaw."),
                "the first edit was lost"
            );
            assert!(text.contains("Trade is the strongest argument."));
        });
}

#[test]
fn a_key_judgment_edit_is_patched() {
    chain()
        .edit_file(
            CHINA,
            "Security concerns will keep",
            "Security worries will keep",
        )
        .build_changed()
        .classified(ChangeKind::BriefEdit)
        .took(Took::Patched)
        .check(|s| assert!(page_text(s, CHINA_PAGE).contains("Security worries will keep")));
}

#[test]
fn a_title_edit_is_a_brief_edit_that_runs_the_whole_pipeline() {
    // Classified as a brief edit from its path; only rereading it shows the title moved, which
    // can reorder listings.
    chain()
        .edit_file(
            CHINA,
            "title = \"China: the tempting",
            "title = \"Beijing: the tempting",
        )
        .build_changed()
        .classified(ChangeKind::BriefEdit)
        .took(Took::Full)
        .check(|s| {
            assert!(first_text(s, CHINA_PAGE, "h1").starts_with("Beijing: the tempting"));
        });
}

#[test]
fn a_section_edit_runs_the_whole_pipeline() {
    chain()
        .edit_file(
            "content/hedges/_index.md",
            "title = \"Hedges\"",
            "title = \"Hedging options\"",
        )
        .build_changed()
        .classified(ChangeKind::Section)
        .took(Took::Full)
        .check(|s| assert_eq!(first_text(s, "hedges/index.html", "h1"), "Hedging options"));
}

#[test]
fn a_new_brief_runs_the_whole_pipeline() {
    chain()
        .change_file("content/hedges/korea.md", KOREA)
        .build_changed()
        .classified(ChangeKind::Added)
        .took(Took::Full)
        .check(|s| {
            assert!(first_text(s, "hedges/korea/index.html", "h1").starts_with("South Korea"));
        });
}

#[test]
fn a_deleted_brief_runs_the_whole_pipeline() {
    chain()
        .change_file("content/hedges/korea.md", KOREA)
        .build_changed()
        .took(Took::Full)
        .remove_file("content/hedges/korea.md")
        .build_changed()
        .classified(ChangeKind::Removed)
        .took(Took::Full)
        .check(|s| assert!(!s.files.contains_key("hedges/korea/index.html")));
}

#[test]
fn a_renamed_brief_runs_the_whole_pipeline() {
    chain()
        .change_file("content/hedges/korea.md", KOREA)
        .build_changed()
        .took(Took::Full)
        .rename_file("content/hedges/korea.md", "content/hedges/south-korea.md")
        .build_changed()
        .classified(ChangeKind::Removed)
        .classified(ChangeKind::Added)
        .took(Took::Full)
        .check(|s| {
            assert!(!s.files.contains_key("hedges/korea/index.html"));
            assert!(s.files.contains_key("hedges/south-korea/index.html"));
        });
}

#[test]
fn a_data_edit_runs_the_whole_pipeline() {
    chain()
        .edit_file(
            "content/data/north_korea_tests.csv",
            "Nuclear tests,3",
            "Nuclear tests,4",
        )
        .build_changed()
        .classified(ChangeKind::Data)
        .took(Took::Full);
}

#[test]
fn a_site_template_runs_the_whole_pipeline() {
    let chain = chain();
    let theme =
        std::fs::read_to_string(chain.root.join("themes/default/templates/brief.html")).unwrap();
    let marked = theme.replacen(
        "<article class=\"brief\"",
        "<p class=\"chain-marker\">site template</p>\n<article class=\"brief\"",
        1,
    );
    assert_ne!(marked, theme);
    chain
        .change_file("templates/brief.html", marked)
        .build_changed()
        .classified(ChangeKind::Template)
        .took(Took::Full)
        .check(|s| assert_eq!(first_text(s, CHINA_PAGE, "p.chain-marker"), "site template"));
}

#[test]
fn a_theme_template_edit_runs_the_whole_pipeline() {
    chain()
        .edit_file(
            "themes/default/templates/brief.html",
            "<article class=\"brief\"",
            "<p class=\"chain-marker\">theme edit</p>\n<article class=\"brief\"",
        )
        .build_changed()
        .classified(ChangeKind::Theme)
        .took(Took::Full)
        .check(|s| assert_eq!(first_text(s, CHINA_PAGE, "p.chain-marker"), "theme edit"));
}

#[test]
fn static_files_added_and_edited_run_the_whole_pipeline() {
    chain()
        .change_file("static/extra.css", "body { color: black; }\n")
        .build_changed()
        .classified(ChangeKind::Static)
        .took(Took::Full)
        .check(|s| assert_eq!(s.files["extra.css"], b"body { color: black; }\n"))
        .change_file("static/extra.css", "body { color: navy; }\n")
        .build_changed()
        .classified(ChangeKind::Static)
        .took(Took::Full)
        .check(|s| assert_eq!(s.files["extra.css"], b"body { color: navy; }\n"));
}

#[test]
fn a_config_edit_runs_the_whole_pipeline() {
    chain()
        .edit_file("briefing.toml", "title = \"Japan:", "title = \"Tokyo:")
        .build_changed()
        .classified(ChangeKind::Config)
        .took(Took::Full)
        .check(|s| assert!(first_text(s, "index.html", "title").starts_with("Tokyo:")));
}

#[test]
fn an_edit_that_breaks_the_build_fails_like_a_fresh_build_and_its_fix_recovers() {
    chain()
        .edit_file(
            CHINA,
            "Optimists can point to a thaw.",
            "Optimists can point to a [thaw](@/hedges/nowhere.md).",
        )
        .build_changed()
        .classified(ChangeKind::BriefEdit)
        .took(Took::Failed)
        .check(|s| {
            assert!(
                s.diagnostics.iter().any(|d| d.contains("nowhere.md")),
                "{:?}",
                s.diagnostics
            )
        })
        .edit_file(CHINA, "(@/hedges/nowhere.md)", "(@/hedges/russia.md)")
        .build_changed()
        .classified(ChangeKind::BriefEdit)
        // The failure dropped the last build, so the fix runs the whole pipeline...
        .took(Took::Full)
        .check(|s| {
            let html = s.html(CHINA_PAGE);
            assert!(
                html.select(&sel("a[href$=\"/hedges/russia/\"]"))
                    .next()
                    .is_some(),
                "no link to the Russia brief"
            );
        })
        // ...and the next body edit is patched again.
        .edit_file(
            CHINA,
            "Economics is the strongest argument.",
            "Trade is the strongest argument.",
        )
        .build_changed()
        .took(Took::Patched);
}

#[test]
fn a_broken_image_added_and_fixed_by_body_edits_is_patched_with_its_warning() {
    chain()
        .edit_file(
            CHINA,
            "Optimists can point to a thaw.",
            "Optimists can point to a thaw. ![a map](nomap.png)",
        )
        .build_changed()
        .classified(ChangeKind::BriefEdit)
        .took(Took::Patched)
        .check(|s| {
            let warned: Vec<&String> = s
                .diagnostics
                .iter()
                .filter(|d| d.contains("missing image nomap.png"))
                .collect();
            assert_eq!(warned.len(), 1, "{:?}", s.diagnostics);
            assert!(warned[0].contains(CHINA), "{}", warned[0]);
        })
        .edit_file(CHINA, " ![a map](nomap.png)", "")
        .build_changed()
        .took(Took::Patched)
        .check(|s| {
            assert!(
                !s.diagnostics.iter().any(|d| d.contains("nomap.png")),
                "{:?}",
                s.diagnostics
            );
        });
}
