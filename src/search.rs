//! Full-text search: pagefind's Rust API indexes the rendered brief pages in-process and hands
//! back its bundle (index, JS, WASM) as files for `pagefind/` in the output.

use std::collections::BTreeMap;
use std::sync::Arc;

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;

use crate::diagnostics::Diagnostic;

/// Indexes `pages` (output path → HTML) and returns the bundle's files, keyed by output path.
pub fn index(
    pages: &[(String, Arc<Vec<u8>>)],
    language: &str,
) -> Result<BTreeMap<String, Arc<Vec<u8>>>, Diagnostic> {
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        Diagnostic::error(format!("search index: {what}: {e}"))
            .with_hint("set `search = false` in briefing.toml to build without search")
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail("cannot start", &e))?;
    runtime.block_on(async {
        let config = PagefindServiceConfig::builder()
            .force_language(language.to_string())
            .build();
        let mut index = PagefindIndex::new(Some(config)).map_err(|e| fail("bad options", &e))?;
        for (path, html) in pages {
            let text = String::from_utf8_lossy(html).into_owned();
            index
                .add_html_file(Some(path.clone()), None, text)
                .await
                .map_err(|e| fail(&format!("cannot index {path}"), &e))?;
        }
        let files = index
            .get_files()
            .await
            .map_err(|e| fail("cannot write the bundle", &e))?;
        Ok(files
            .into_iter()
            .map(|f| {
                let rel = f.filename.to_string_lossy().replace('\\', "/");
                let rel = rel.trim_start_matches('/').to_string();
                let rel = if rel.starts_with("pagefind/") {
                    rel
                } else {
                    format!("pagefind/{rel}")
                };
                (rel, Arc::new(f.contents))
            })
            .collect())
    })
}
