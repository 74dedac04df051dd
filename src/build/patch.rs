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
use crate::content::translation::{merged, translation_path};
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
    serve: bool,
    start: Instant,
) -> Result<Built, Unpatchable> {
    let (last, caches) = state.for_patch().ok_or(Unpatchable::NoLastBuild)?;
    let mut laps = StageTimer::new(start);
    let docs = caches
        .loader
        .reload(root, rels)
        .ok_or(Unpatchable::Unreadable)?;
    laps.lap("reload");
    // Per model (the default language's first, then the others in code order): the briefs
    // whose document changed. An original's edit reaches every language (its translation is
    // merged over it again, or it is shown as it is); a translation's edit reaches its own.
    let mut edited: Vec<Vec<crate::model::BriefId>> = vec![Vec::new(); 1 + last.others.len()];
    for d in docs {
        if d.old.hash == d.new.hash {
            continue;
        }
        if !d.old.warnings.is_empty() || !d.new.warnings.is_empty() {
            return Err(Unpatchable::ReadWarnings);
        }
        match (&d.old.kind, &d.new.kind) {
            (DocKind::Brief(old), DocKind::Brief(new)) => {
                if !crate::model::same_structure(old, new) {
                    return Err(Unpatchable::Restructured);
                }
                // Whether the brief has a PDF edition (the pages link it, the sitemap lists it).
                let long = |d: &crate::content::SourceDoc| {
                    d.text.len().saturating_sub(d.body_start) > crate::model::PDF_MAX_BODY
                };
                if long(&d.old) != long(&d.new) {
                    return Err(Unpatchable::Restructured);
                }
                // A brief missing from the model is an unpublished draft, and stays one.
                if let Some(&DocRef::Brief(b)) = last.site.by_rel.get(&d.new.rel) {
                    if !last.site.replace_brief_doc(b, d.new.clone()) {
                        return Err(Unpatchable::Refused);
                    }
                    edited[0].push(b);
                }
                for (i, (site, _)) in last.others.iter_mut().enumerate() {
                    let Some(&DocRef::Brief(b)) = site.by_rel.get(&d.new.rel) else {
                        continue;
                    };
                    let doc = if site.language.fallback.contains(&d.new.rel) {
                        d.new.clone()
                    } else {
                        let t = translation_path(&d.new.rel, &site.language.code);
                        let t = caches.loader.doc(&t).ok_or(Unpatchable::Unreadable)?;
                        merged(&d.new, &t)
                            .ok_or(Unpatchable::NotABrief)?
                            .map_err(|_| Unpatchable::Errors)?
                    };
                    if !site.replace_brief_doc(b, doc) {
                        return Err(Unpatchable::Refused);
                    }
                    edited[i + 1].push(b);
                }
            }
            (
                DocKind::Translation { of, language, .. },
                DocKind::Translation {
                    of: of_new,
                    language: language_new,
                    ..
                },
            ) if of == of_new && language == language_new => {
                let i = last
                    .others
                    .iter()
                    .position(|(s, _)| &s.language.code == language)
                    .ok_or(Unpatchable::NotABrief)?;
                let site = &mut last.others[i].0;
                // A translation the last build could not merge is shown as its original: the
                // full build reports what became of it.
                if site.language.fallback.contains(of) {
                    return Err(Unpatchable::Restructured);
                }
                let Some(&DocRef::Brief(b)) = site.by_rel.get(of) else {
                    return Err(Unpatchable::NotABrief);
                };
                let original = caches.loader.doc(of).ok_or(Unpatchable::Unreadable)?;
                let doc = merged(&original, &d.new)
                    .ok_or(Unpatchable::NotABrief)?
                    .map_err(|_| Unpatchable::Errors)?;
                if !site.replace_brief_doc(b, doc) {
                    return Err(Unpatchable::Refused);
                }
                edited[i + 1].push(b);
            }
            _ => return Err(Unpatchable::NotABrief),
        }
    }
    let mut rendered = 0;
    let mut changed = Vec::new();
    let mut files = BTreeMap::new();
    let mut diags = Diagnostics::new();
    // The default language's model with its caches, then each other one with its own.
    let mut models: Vec<(
        &crate::model::Site,
        &mut documents::Documents,
        &mut documents::MarkdownCache,
        &mut render::RenderCache,
    )> = Vec::with_capacity(edited.len());
    models.push((&last.site, &mut last.docs, caches.markdown, caches.render));
    // Both in code order: the caches are keyed by code, the models built in config order.
    if last.others.len() != caches.languages.len() {
        return Err(Unpatchable::NoLastRender);
    }
    for ((site, docs), (code, (md, rc))) in last.others.iter_mut().zip(caches.languages.iter_mut())
    {
        if &site.language.code != code {
            return Err(Unpatchable::NoLastRender);
        }
        models.push((&*site, docs, md, rc));
    }
    for ((site, docs, md, rc), briefs) in models.into_iter().zip(&edited) {
        if briefs.is_empty() {
            continue;
        }
        documents::rerender_briefs(site, &last.templates, briefs, docs, md, &mut diags);
        if diags.has_errors() {
            return Err(Unpatchable::Errors);
        }
        laps.lap("markdown");
        let r = render::render_changed_briefs(
            site,
            docs,
            &last.templates,
            briefs,
            rc,
            &last.alternates,
            &mut diags,
        )
        .ok_or(Unpatchable::NoLastRender)?;
        if diags.has_errors() {
            return Err(Unpatchable::Errors);
        }
        laps.lap("pages");
        rendered += r.rendered;
        changed.extend(r.changed);
        files.extend(into_bodies(r.files));
    }
    if !edited[0].is_empty() {
        caches.links.recheck(&last.site, &last.docs, &edited[0]);
    }
    last.finish.pages(&mut files, &mut diags);
    if diags.has_errors() {
        return Err(Unpatchable::Errors);
    }
    let sites: Vec<&crate::model::Site> = std::iter::once(&last.site)
        .chain(last.others.iter().map(|(s, _)| s))
        .collect();
    let by_site: Vec<(&crate::model::Site, &[crate::model::BriefId])> = sites
        .into_iter()
        .zip(&edited)
        .map(|(s, b)| (s, b.as_slice()))
        .collect();
    if !super::pdfs::patch(caches.pdf, &by_site, serve, root, &mut files, &mut changed) {
        return Err(Unpatchable::Errors);
    }
    laps.lap("pdf");
    let mut markdown = caches.markdown.warnings();
    for (site, _) in &last.others {
        if let Some((md, _)) = caches.languages.get(&site.language.code) {
            markdown.extend(md.warnings());
        }
    }
    markdown.extend(caches.links.diagnostics().cloned());
    let mut warnings = last.warnings.report(markdown);
    warnings.extend(caches.pdf.warnings());
    let stats = Stats {
        rendered,
        translated: Stats::translated(last.others.iter().map(|(s, _)| s)),
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
        pdfs: caches.pdf.editions(),
    })
}
