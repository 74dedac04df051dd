//! Which briefs have a PDF edition, and where it is published: one rule, read by the pages
//! that link it, the sitemap and the PDF stage alike.

use super::Brief;
use crate::config::{Config, PdfMode};

/// Briefs with more Markdown than this get no PDF edition (with a warning): typesetting a
/// book of thousands of pages would hold up every build, and no reader prints one. About
/// 80,000 words, some 250 pages.
pub const PDF_MAX_BODY: usize = 512 * 1024;

impl Brief {
    /// Where the brief's PDF edition is published: beside its page, named after its last path
    /// segment so a downloaded file says what it is (`/hedges/china/china.pdf`).
    pub fn pdf_path(&self) -> String {
        let name = self.path.trim_end_matches('/').rsplit('/').next();
        let name = name.filter(|n| !n.is_empty()).unwrap_or("brief");
        format!("{}{name}.pdf", self.path)
    }

    /// Whether this brief has a PDF edition: `pdf = "all"` and a body within [`PDF_MAX_BODY`].
    pub fn has_pdf(&self, config: &Config) -> bool {
        config.pdf == PdfMode::All && self.body_len() <= PDF_MAX_BODY
    }

    /// The length of the Markdown body, in bytes.
    pub fn body_len(&self) -> usize {
        self.doc.text.len().saturating_sub(self.doc.body_start)
    }
}
