//! Everything a [`super::Builder`] keeps between builds, with one owner: the caches each stage
//! reuses and the last build the patch path edits. Every full run (the one that follows a
//! failed patch too) starts in [`BuildState::start_run`], which drops the last build, and only
//! a successful in-memory run puts one back, so no build can patch one that a later run
//! replaced or a failure left half edited.

use std::sync::Arc;

use super::Stats;
use super::links::LinkCheck;
use crate::content::Loader;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::model::Site;
use crate::pages::documents::{Documents, MarkdownCache};
use crate::render::RenderCache;
use crate::templates::Templates;

#[derive(Default)]
pub(super) struct BuildState {
    /// Parses by file hash (content stage).
    pub(super) loader: Loader,
    /// Markdown results and warnings per document (pages stage).
    pub(super) markdown: MarkdownCache,
    /// Rendered pages, their fingerprints and the dependency index (render stage).
    pub(super) render: RenderCache,
    /// Relative and root-relative links checked against the last full build's files.
    pub(super) links: LinkCheck,
    /// The Markdown and render caches of the site's other languages, by language code.
    pub(super) languages: std::collections::BTreeMap<String, (MarkdownCache, RenderCache)>,
    /// The PDF jobs of the last build and the PDFs kept between builds.
    pub(super) pdf: super::pdfs::PdfState,
    /// What the last successful in-memory build produced, for the patch path.
    last: Option<LastBuild>,
}

/// What a successful in-memory build leaves for the patch path.
pub(super) struct LastBuild {
    pub(super) templates: Templates,
    pub(super) site: Site,
    pub(super) docs: Documents,
    /// The site's other languages: each model with its documents, in code order.
    pub(super) others: Vec<(Site, Documents)>,
    /// Every page's counterparts in the other languages.
    pub(super) alternates: crate::pages::languages::Alternates,
    pub(super) warnings: StageWarnings,
    pub(super) brief_pages: Arc<Vec<String>>,
    /// What every page gets on its way out (relative URLs, minification).
    pub(super) finish: crate::output::Finish,
    pub(super) stats: Stats,
}

/// A build's warnings by the stages that produced them. Markdown's sit between the two, kept
/// per document by [`MarkdownCache`], so a patch that re-renders some documents reports the
/// new ones in the same place a full build would.
#[derive(Default)]
pub(super) struct StageWarnings {
    /// Templates, content and model: config up to the site graph.
    pub(super) content: Diagnostics,
    /// Static files, assets, pages and search: everything after Markdown.
    pub(super) output: Diagnostics,
}

impl StageWarnings {
    /// The report in stage order, with `markdown` in its place.
    pub(super) fn report(&self, markdown: Diagnostics) -> Vec<Diagnostic> {
        let mut all = Vec::new();
        all.extend(self.content.iter().cloned());
        all.extend(markdown);
        all.extend(self.output.iter().cloned());
        all
    }

    /// [`StageWarnings::report`], for a build that keeps nothing.
    pub(super) fn into_report(self, markdown: Diagnostics) -> Vec<Diagnostic> {
        let mut all = self.content.into_vec();
        all.extend(markdown);
        all.extend(self.output);
        all
    }

    /// Whether any stage so far reported an error.
    pub(super) fn any_error(&self, markdown: &Diagnostics) -> bool {
        self.content.has_errors() || markdown.has_errors() || self.output.has_errors()
    }
}

/// The caches, lent to the stages of one build.
pub(super) struct Caches<'a> {
    pub(super) loader: &'a mut Loader,
    pub(super) markdown: &'a mut MarkdownCache,
    pub(super) render: &'a mut RenderCache,
    pub(super) links: &'a mut LinkCheck,
    pub(super) languages: &'a mut std::collections::BTreeMap<String, (MarkdownCache, RenderCache)>,
    pub(super) pdf: &'a mut super::pdfs::PdfState,
}

impl BuildState {
    /// The caches for a full run, which starts by forgetting the last build. The caches stay:
    /// each is keyed on what it was computed from, so a stale entry is never used, only
    /// replaced.
    pub(super) fn start_run(&mut self) -> Caches<'_> {
        self.last = None;
        Caches {
            loader: &mut self.loader,
            markdown: &mut self.markdown,
            render: &mut self.render,
            links: &mut self.links,
            languages: &mut self.languages,
            pdf: &mut self.pdf,
        }
    }

    /// Keeps a successful in-memory build for the patch path.
    pub(super) fn finish_run(&mut self, last: LastBuild) {
        self.last = Some(last);
    }

    /// The last build and the caches, for the patch path to edit; `None` when there is no
    /// build to patch.
    pub(super) fn for_patch(&mut self) -> Option<(&mut LastBuild, Caches<'_>)> {
        let last = self.last.as_mut()?;
        Some((
            last,
            Caches {
                loader: &mut self.loader,
                markdown: &mut self.markdown,
                render: &mut self.render,
                links: &mut self.links,
                languages: &mut self.languages,
                pdf: &mut self.pdf,
            },
        ))
    }
}
