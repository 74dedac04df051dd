//! Full-text search: pagefind's Rust API indexes the rendered brief pages in-process and hands
//! back its bundle (index, JS, WASM) as files for `pagefind/` in the output.
//!
//! pagefind is vendored with a small patch (vendor/README.md): `add_html_files` parses the pages
//! on all cores and `into_files` builds the bundle without copying the parsed pages.

use std::collections::BTreeMap;
use std::sync::Arc;

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;

use crate::diagnostics::Diagnostic;

/// Indexes `pages` (output path → HTML) and returns the bundle's files, keyed by output path.
/// Pages are parsed on all cores.
pub fn index(
    pages: &[(String, Arc<Vec<u8>>)],
    language: &str,
) -> Result<BTreeMap<String, Arc<Vec<u8>>>, Diagnostic> {
    index_with(pages, language, true)
}

/// [`index`] parsing one page at a time on the calling thread, for `serve`'s background
/// worker: on a large site indexing takes seconds, and rebuilds must keep the other cores.
pub fn index_serially(
    pages: &[(String, Arc<Vec<u8>>)],
    language: &str,
) -> Result<BTreeMap<String, Arc<Vec<u8>>>, Diagnostic> {
    index_with(pages, language, false)
}

fn index_with(
    pages: &[(String, Arc<Vec<u8>>)],
    language: &str,
    parallel: bool,
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
        // An empty language: a site in several languages, whose pages each say theirs in
        // `<html lang>`; pagefind then writes one index per language.
        let config = if language.is_empty() {
            PagefindServiceConfig::builder().build()
        } else {
            PagefindServiceConfig::builder()
                .force_language(language.to_string())
                .build()
        };
        let mut index = PagefindIndex::new(Some(config)).map_err(|e| fail("bad options", &e))?;
        let text = |html: &[u8]| String::from_utf8_lossy(html).into_owned();
        if parallel {
            // One batch, so pagefind parses the pages on all cores; they enter the index in
            // the order given, which keeps the bundle the same from build to build.
            let batch = pages
                .iter()
                .map(|(path, html)| (Some(path.clone()), None, text(html)))
                .collect();
            let indexed = index
                .add_html_files(batch)
                .await
                .map_err(|e| fail("cannot index the pages", &e))?;
            for ((path, _), result) in pages.iter().zip(indexed) {
                result.map_err(|e| fail(&format!("cannot index {path}"), &e))?;
            }
        } else {
            for (path, html) in pages {
                index
                    .add_html_file(Some(path.clone()), None, text(html))
                    .await
                    .map_err(|e| fail(&format!("cannot index {path}"), &e))?;
            }
        }
        let files = index
            .into_files()
            .await
            .map_err(|e| fail("cannot write the bundle", &e))?;
        Ok(files
            .into_iter()
            .map(|f| (output_path(&f.filename), Arc::new(f.contents)))
            .collect())
    })
}

/// Where a bundle file pagefind names relative to its bundle goes in the output.
fn output_path(filename: &std::path::Path) -> String {
    let rel = filename.to_string_lossy().replace('\\', "/");
    let rel = rel.trim_start_matches('/');
    if rel.starts_with("pagefind/") {
        rel.to_string()
    } else {
        format!("pagefind/{rel}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pages of very different lengths, so parallel parsing finishes them out of order.
    fn pages() -> Vec<(String, Arc<Vec<u8>>)> {
        (0..40)
            .map(|i| {
                let words = ["alliance", "hedge", "deterrence", "Senkaku", "ODA", "Quad"];
                let body: String = (0..(i * 37 % 400 + 5))
                    .map(|j| format!("{} {j} ", words[(i + j) % words.len()]))
                    .collect();
                let html = format!(
                    "<!doctype html><html lang=\"en\"><head><title>Brief {i}</title></head>\
                     <body><main data-pagefind-body><h1>Brief {i}</h1><p>{body}</p></main></body></html>"
                );
                (format!("s/brief-{i}/index.html"), Arc::new(html.into_bytes()))
            })
            .collect()
    }

    /// The bundle through pagefind's one-page-at-a-time API, as upstream callers build it.
    fn one_by_one(pages: &[(String, Arc<Vec<u8>>)]) -> BTreeMap<String, Vec<u8>> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let config = PagefindServiceConfig::builder()
                .force_language("en".to_string())
                .build();
            let mut index = PagefindIndex::new(Some(config)).unwrap();
            for (path, html) in pages {
                let text = String::from_utf8_lossy(html).into_owned();
                index
                    .add_html_file(Some(path.clone()), None, text)
                    .await
                    .unwrap();
            }
            let files = index.get_files().await.unwrap();
            files
                .into_iter()
                .map(|f| (output_path(&f.filename), f.contents))
                .collect()
        })
    }

    #[test]
    fn every_way_of_indexing_gives_the_bundle_of_upstream_serial_indexing() {
        let pages = pages();
        let expected = one_by_one(&pages);
        assert!(
            expected
                .keys()
                .filter(|k| k.ends_with(".pf_fragment"))
                .count()
                == pages.len(),
            "expected one fragment per page, got {:?}",
            expected.keys().collect::<Vec<_>>()
        );
        for run in 0..4 {
            // Three parallel runs, then the serial one `serve` uses.
            let indexer = if run < 3 { index } else { index_serially };
            let got: BTreeMap<String, Vec<u8>> = indexer(&pages, "en")
                .unwrap()
                .into_iter()
                .map(|(k, v)| (k, v.to_vec()))
                .collect();
            assert_eq!(
                got.keys().collect::<Vec<_>>(),
                expected.keys().collect::<Vec<_>>(),
                "run {run}: the bundle's file names differ from serial indexing"
            );
            for (name, bytes) in &expected {
                assert!(
                    got[name] == *bytes,
                    "run {run}: {name} differs from serial indexing"
                );
            }
        }
    }

    #[test]
    fn the_minified_client_is_in_the_bundle() {
        let files = index(&pages()[..2], "en").unwrap();
        for name in ["pagefind/pagefind.js", "pagefind/pagefind-worker.js"] {
            let js = String::from_utf8(files[name].to_vec()).unwrap();
            assert!(
                js.starts_with("const pagefind_version=\"1.6.0\";"),
                "{name} should start with the version constant, minified: {:?}",
                &js[..js.len().min(80)]
            );
            // The sources run to hundreds of lines; minified, they are a handful.
            let lines = js.lines().count();
            assert!(
                js.len() > 10_000 && lines < 50,
                "{name} is not minified ({lines} lines)"
            );
        }
    }
}
