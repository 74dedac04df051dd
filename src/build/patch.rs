//! The patch path: edits to existing briefs ([`Changes::Briefs`](super::Changes::Briefs))
//! applied to the last build. Whether an edited brief still fits the model's structure is
//! known only after rereading it, so this can still end in [`Unpatchable`]; the caller then
//! runs the whole pipeline.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use super::state::BuildState;
use super::{Built, Output, StageTimer, Stats, into_bodies};
use crate::content::DocKind;
use crate::diagnostics::Diagnostics;
use crate::model::DocRef;
use crate::pages::documents;
use crate::render;

/// Why brief edits could not be patched in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unpatchable {
    /// No successful in-memory build to patch (none yet, or the last one failed or streamed).
    NoLastBuild,
    /// A file could not be reread (unreadable, no longer parses, became a link): a full load
    /// reports why.
    Unreadable,
    /// A file stopped being a brief (or was never one).
    NotABrief,
    /// A brief's front matter changed something the model's structure is built from (see
    /// [`crate::model::same_structure`]).
    Restructured,
    /// Reading a file warned: read-time warnings belong to the full build's report, which a
    /// patch cannot edit.
    ReadWarnings,
    /// The model refused the new document in place of the old.
    Refused,
    /// The render kept no dependency index to patch.
    NoLastRender,
    /// Markdown or a page failed: the full build reports it with every other error.
    Errors,
}

/// Patches the last build with the briefs at `rels` (relative to `content/`).
pub(super) fn patch(
    state: &mut BuildState,
    root: &Path,
    rels: &[String],
    start: Instant,
) -> Result<Built, Unpatchable> {
    let (last, caches) = state.for_patch().ok_or(Unpatchable::NoLastBuild)?;
    let mut laps = StageTimer::new(start);
    let docs = caches
        .loader
        .reload(root, rels)
        .ok_or(Unpatchable::Unreadable)?;
    laps.lap("reload");
    let mut briefs = Vec::new();
    for d in docs {
        if d.old.hash == d.new.hash {
            continue;
        }
        let (DocKind::Brief(old), DocKind::Brief(new)) = (&d.old.kind, &d.new.kind) else {
            return Err(Unpatchable::NotABrief);
        };
        if !crate::model::same_structure(old, new) {
            return Err(Unpatchable::Restructured);
        }
        if !d.old.warnings.is_empty() || !d.new.warnings.is_empty() {
            return Err(Unpatchable::ReadWarnings);
        }
        // A brief missing from the model is an unpublished draft, and stays one.
        if let Some(&DocRef::Brief(b)) = last.site.by_rel.get(&d.new.rel) {
            if !last.site.replace_brief_doc(b, d.new.clone()) {
                return Err(Unpatchable::Refused);
            }
            briefs.push(b);
        }
    }
    let mut rendered = 0;
    let mut changed = Vec::new();
    let mut files = BTreeMap::new();
    if !briefs.is_empty() {
        let mut diags = Diagnostics::new();
        documents::rerender_briefs(
            &last.site,
            &last.templates,
            &briefs,
            &mut last.docs,
            caches.markdown,
            &mut diags,
        );
        if diags.has_errors() {
            return Err(Unpatchable::Errors);
        }
        laps.lap("markdown");
        let r = render::render_changed_briefs(
            &last.site,
            &last.docs,
            &last.templates,
            &briefs,
            caches.render,
            &mut diags,
        )
        .ok_or(Unpatchable::NoLastRender)?;
        if diags.has_errors() {
            return Err(Unpatchable::Errors);
        }
        laps.lap("pages");
        caches.links.recheck(&last.site, &last.docs, &briefs);
        rendered = r.rendered;
        changed = r.changed;
        files = into_bodies(r.files);
        last.finish.pages(&mut files, &mut diags);
        if diags.has_errors() {
            return Err(Unpatchable::Errors);
        }
    }
    let mut markdown = caches.markdown.warnings();
    markdown.extend(caches.links.diagnostics().cloned());
    let warnings = last.warnings.report(markdown);
    let stats = Stats {
        rendered,
        elapsed: start.elapsed(),
        ..last.stats.clone()
    };
    Ok(Built {
        output: Output::Patched(files),
        stats,
        warnings,
        changed,
        brief_pages: last.brief_pages.clone(),
        language: last.site.config.language.clone(),
        search: last.site.config.search,
        drafts: Arc::new(last.site.drafts.clone()),
    })
}
