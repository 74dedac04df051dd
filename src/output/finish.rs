//! What happens to a rendered page on its way to the output, the same on every path that
//! writes pages (the streamed one-shot build, the in-memory build `serve` and `check` use, and
//! the pages a patch re-rendered): URLs made relative when asked, then minification.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;

use super::Body;
use super::minify;
use super::relative::Relative;
use crate::diagnostics::{Diagnostic, Diagnostics};

/// The finishing steps a build's pages get.
#[derive(Debug, Clone, Default)]
pub struct Finish {
    pub minify: bool,
    /// Set with `relative_urls`: the site's base, to rewrite site URLs against.
    pub relative: Option<Relative>,
}

impl Finish {
    /// The output bytes of the page at output path `rel` (only `.html` files are pages).
    pub fn page<'a>(&self, rel: &str, bytes: &'a [u8]) -> Result<Cow<'a, [u8]>, Diagnostic> {
        if !rel.ends_with(".html") {
            return Ok(Cow::Borrowed(bytes));
        }
        let mut out = Cow::Borrowed(bytes);
        if let Some(relative) = &self.relative {
            let rewritten = relative.page(rel, bytes).map_err(|e| {
                Diagnostic::error(format!("cannot make the URLs of {rel} relative: {e}"))
                    .with_hint("build without `relative_urls` to publish the site as it is")
            })?;
            out = Cow::Owned(rewritten);
        }
        if self.minify {
            out = Cow::Owned(minify::html_page(&out));
        }
        Ok(out)
    }

    /// [`Finish::page`] on every page held in memory, in parallel; a page that cannot be
    /// finished is left out, with its error in `diags`.
    pub fn pages(&self, files: &mut BTreeMap<String, Body>, diags: &mut Diagnostics) {
        if !self.minify && self.relative.is_none() {
            return;
        }
        let failed: Vec<(String, Diagnostic)> = files
            .par_iter_mut()
            .filter_map(|(rel, body)| {
                let Body::Bytes(b) = body else {
                    return None;
                };
                match self.page(rel, b) {
                    Ok(Cow::Borrowed(_)) => None,
                    Ok(Cow::Owned(new)) => {
                        *b = Arc::new(new);
                        None
                    }
                    Err(d) => Some((rel.clone(), d)),
                }
            })
            .collect();
        for (rel, d) in failed {
            files.remove(&rel);
            diags.push(d);
        }
    }
}
