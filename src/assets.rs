//! The asset pipeline: fingerprinted CSS and JS names (`style.3f2a9c1d.css`) so browsers can
//! cache them forever, and minification of CSS and JS with minify-html (which uses lightningcss
//! and oxc), before the fingerprint is taken. With `relative_urls`, a stylesheet's site URLs
//! (`url(/img/x.png)`) are made relative to it first. HTML pages are finished by `output`.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::output::{Body, Finish};

fn is_code_asset(rel: &str) -> Option<&'static str> {
    if rel.ends_with(".css") {
        Some("css")
    } else if rel.ends_with(".js") {
        Some("js")
    } else {
        None
    }
}

/// minify-html minifies stylesheets and scripts inside HTML; a standalone file is wrapped in its
/// element, minified, and unwrapped, so one well-kept crate serves all three formats.
pub fn minify_code(kind: &str, src: &[u8]) -> Vec<u8> {
    let (open, close): (&[u8], &[u8]) = if kind == "css" {
        (b"<style>", b"</style>")
    } else {
        (b"<script>", b"</script>")
    };
    let mut wrapped = Vec::with_capacity(src.len() + 20);
    wrapped.extend_from_slice(open);
    wrapped.extend_from_slice(src);
    wrapped.extend_from_slice(close);
    let out = minify_html::minify(&wrapped, &crate::output::minify::config());
    match (out.strip_prefix(open), out.strip_suffix(close)) {
        (Some(_), Some(_)) if out.len() >= open.len() + close.len() => {
            out[open.len()..out.len() - close.len()].to_vec()
        }
        // Should minify-html ever change its wrapping, ship the original rather than a broken file.
        _ => src.to_vec(),
    }
}

/// Prepares static files, minified as `finish` says (its relative URLs apply to stylesheets).
/// Returns the map from a CSS/JS file's path to its published (fingerprinted) path, and the
/// files to write.
pub fn process(
    files: BTreeMap<String, PathBuf>,
    fingerprint: bool,
    finish: &Finish,
    diags: &mut Diagnostics,
) -> (HashMap<String, String>, Vec<(String, Body)>) {
    let minify = finish.minify;
    let results: Vec<Result<(String, String, Body), Diagnostic>> = files
        .into_par_iter()
        .map(|(rel, abs)| {
            let relative = finish.relative.as_ref().filter(|_| rel.ends_with(".css"));
            let Some(kind) =
                is_code_asset(&rel).filter(|_| fingerprint || minify || relative.is_some())
            else {
                return Ok((rel.clone(), rel, Body::Copy(abs)));
            };
            let bytes = std::fs::read(&abs).map_err(|e| {
                Diagnostic::error(format!("cannot read static file: {e}"))
                    .in_file(&abs)
                    .with_hint("check the file's permissions")
            })?;
            // Before the fingerprint, which must be taken over the published bytes.
            // A stylesheet that is not UTF-8 is shipped as it is rather than re-encoded.
            let rewritten = relative
                .zip(std::str::from_utf8(&bytes).ok())
                .and_then(|(r, css)| r.css(&rel, css));
            let bytes = rewritten.map_or(bytes, String::into_bytes);
            let bytes = if minify {
                minify_code(kind, &bytes)
            } else {
                bytes
            };
            let published = if fingerprint {
                let hash = xxhash_rust::xxh3::xxh3_64(&bytes) as u32;
                match rel.rsplit_once('.') {
                    Some((stem, ext)) => format!("{stem}.{hash:08x}.{ext}"),
                    None => rel.clone(),
                }
            } else {
                rel.clone()
            };
            Ok((rel, published, Body::Bytes(Arc::new(bytes))))
        })
        .collect();
    let mut map = HashMap::new();
    let mut out = Vec::new();
    for r in results {
        match r {
            Ok((rel, published, body)) => {
                if rel != published {
                    map.insert(rel, published.clone());
                }
                out.push((published, body));
            }
            Err(d) => diags.push(d),
        }
    }
    (map, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minifies_css_and_js() {
        let css = minify_code("css", b"body {\n  color : red ;\n}\n");
        assert_eq!(String::from_utf8_lossy(&css), "body{color:red}");
        let js = minify_code("js", b"function  add ( a , b ) {\n  return a + b ;\n}\n");
        assert!(js.len() < 30, "{}", String::from_utf8_lossy(&js));
    }
}
