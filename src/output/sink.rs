//! The streaming writer of a one-shot build: pages go into the staging folder as they are
//! rendered, so a 10,000-page site is never held in memory.

use std::path::PathBuf;

use super::{Finish, FirstFailure, Reuse, put};
use crate::diagnostics::Diagnostic;
use crate::render::PageSink;

/// Where a one-shot build streams pages as they are rendered. Pages that later stages need
/// (search indexes brief pages) are kept in memory instead.
pub struct Sink {
    pub dir: PathBuf,
    /// Relative URLs and minification, as every page gets them.
    pub finish: Finish,
    /// Keep brief pages in memory for the search index.
    pub keep_briefs: bool,
    /// The output being replaced, to link unchanged pages from.
    pub reuse: Option<Reuse>,
    /// The first failed write: an I/O failure (exit 3), not a content error.
    pub failed: FirstFailure,
}

impl PageSink for Sink {
    fn keeps_brief_pages(&self) -> bool {
        self.keep_briefs
    }

    /// Writes one page under the staging folder, finished (see [`Finish::page`]); its first
    /// write failure is kept in `failed` and returned as a diagnostic for the page.
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        let dest = self.dir.join(rel);
        let io = |e: std::io::Error| self.failed.record("cannot write", &dest, &e);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let bytes = self.finish.page(rel, bytes)?;
        put(self.reuse.as_ref(), rel, &dest, &bytes).map_err(io)
    }
}
