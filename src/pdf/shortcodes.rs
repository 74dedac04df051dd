//! Shortcodes in a PDF: the built-ins answer in Typst (a chart is its print-palette SVG as a
//! vector image), a site's own shortcode calls its `templates/shortcodes/NAME.typ` module, and
//! one without a module shows its text with a warning. Also where a brief's images are found.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value as Json;

use crate::charts::Palette;
use crate::confine;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::markdown::LinkResolver;
use crate::markdown::shortcodes::{Call, CallError, ShortcodeHost};
use crate::templates::shortcode_host;

use super::markup::{Context, GLUE, body, quoted, string};

/// The width a chart is drawn at for a PDF, in px: an A4 column of 16.6 cm shows its 13 px
/// text at about 9 pt, the size of the page's small print.
pub const CHART_PX: f64 = 680.0;

/// Where a site's own shortcode's Typst lives, beside its HTML template.
const FOLDER: &str = "templates/shortcodes";

/// The virtual folder the `.typ` shortcodes are served from (no brief file can be named so:
/// brief files are served at the root by their own names).
pub const VIRTUAL: &str = "/briefing-shortcodes";

/// One `templates/shortcodes/NAME.typ`.
pub struct Module {
    /// As the user sees it: `templates/shortcodes/box.typ`, `themes/x/templates/...`.
    pub shown: String,
    pub text: Arc<str>,
}

/// The `.typ` shortcodes of the site and its theme (the site's wins), by name.
#[derive(Default)]
pub struct Modules(pub BTreeMap<String, Module>);

impl Modules {
    /// Reads every `.typ` in the site's and the theme's `templates/shortcodes/`.
    pub fn load(root: &Path, theme_dir: &Path, diags: &mut Diagnostics) -> Modules {
        let confined = confine::Root::new(root);
        let mut map = BTreeMap::new();
        for dir in [root.join(FOLDER), theme_dir.join(FOLDER)] {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            paths.sort();
            for path in paths {
                let Some(name) = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.strip_suffix(".typ"))
                else {
                    continue;
                };
                if map.contains_key(name) || !path.is_file() {
                    continue;
                }
                let shown = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                let read = confined.resolve(&path).and_then(|real| {
                    std::fs::read_to_string(&real).map_err(|e| {
                        Diagnostic::error(format!("cannot read {shown}: {e}")).in_file(&path)
                    })
                });
                match read {
                    Ok(text) => {
                        map.insert(
                            name.to_string(),
                            Module {
                                shown,
                                text: text.into(),
                            },
                        );
                    }
                    Err(d) => diags.push(d),
                }
            }
        }
        Modules(map)
    }

    /// The virtual path a module is imported from.
    pub fn path(name: &str) -> String {
        format!("{VIRTUAL}/{name}.typ")
    }
}

/// Where a brief's images are, as its page finds them: a relative path in a folder brief's
/// folder, else under the page's path in static/; a `/` path in static/ (the site's, then the
/// theme's).
pub struct Files<'a> {
    pub root: &'a Path,
    pub confined: &'a confine::Root,
    /// A folder brief's folder (content/sec/name/).
    pub folder: Option<PathBuf>,
    /// The page's path (`/sec/name/`).
    pub page: &'a str,
    pub theme_dir: PathBuf,
    /// The path the site is published under (`/briefs` for `https://x.org/briefs/`): a `/`
    /// path written with it names the same file.
    pub base_path: String,
    /// Every folder brief's page path (also without the language prefix, as its files are
    /// published at both) and folder: a `/` path may name one of their files, as on the page.
    pub bundles: &'a [(String, PathBuf)],
}

/// The folder briefs of `site`, for [`Files::bundles`].
pub fn bundles(site: &crate::model::Site, root: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for b in site.briefs.iter() {
        let Some(dir) = &b.bundle_dir else { continue };
        let folder = root.join("content").join(dir);
        if let Some(bare) = b.path.strip_prefix(site.language.prefix.as_str())
            && !site.language.prefix.is_empty()
            && bare.starts_with('/')
        {
            out.push((bare.to_string(), folder.clone()));
        }
        out.push((b.path.clone(), folder));
    }
    out
}

impl Files<'_> {
    fn shown(&self, p: &Path) -> String {
        p.strip_prefix(self.root).unwrap_or(p).display().to_string()
    }

    /// The file `src` names, or the paths looked at.
    fn find(&self, src: &str) -> Result<PathBuf, Vec<String>> {
        if src.split(['/', '\\']).any(|c| c == "..") {
            return Err(Vec::new());
        }
        let in_static = |rel: &str| {
            vec![
                self.root.join("static").join(rel),
                self.theme_dir.join("static").join(rel),
            ]
        };
        let candidates = match (src.strip_prefix('/'), &self.folder) {
            (Some(_), _) => {
                let src = match src.strip_prefix(self.base_path.as_str()) {
                    Some(rest) if !self.base_path.is_empty() && rest.starts_with('/') => rest,
                    _ => src,
                };
                let abs = src.trim_start_matches('/');
                let mut c = in_static(abs);
                for (path, folder) in self.bundles {
                    if let Some(rest) = src.strip_prefix(path.as_str()) {
                        c.push(folder.join(rest));
                    }
                }
                c
            }
            (None, Some(folder)) => vec![folder.join(src)],
            (None, None) => in_static(&format!("{}{src}", self.page.trim_start_matches('/'))),
        };
        for c in &candidates {
            if let Some(real) = c.is_file().then(|| self.confined.resolve(c).ok()).flatten() {
                return Ok(real);
            }
        }
        Err(candidates.iter().map(|c| self.shown(c)).collect())
    }
}

/// An image as a Typst figure into `out`: a file of the brief (or static/) by its virtual
/// path; a web image (never fetched) as its alt text, with a note; a missing file noted for
/// an error at `at`.
pub fn image(
    cx: &mut Context,
    src: &str,
    alt: &str,
    caption: Option<&str>,
    at: Range<usize>,
    out: &mut String,
) {
    let lower = src.to_ascii_lowercase();
    if ["http://", "https://", "data:"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        cx.text_only.push((
            format!(
                "the PDF of this brief shows only the alt text of the web image `{src}`: put the image beside the brief (or under static/) and name that file; PDFs do not fetch images"
            ),
            at,
        ));
        out.push_str("#emph[");
        string(out, alt);
        out.push(']');
        return;
    }
    let Some(files) = &cx.files else {
        return;
    };
    match files.find(src) {
        Ok(real) if !super::readable(&real) => {
            // A file Typst cannot decode (truncated, mislabelled) would stop the whole PDF:
            // its alt text stands in, as a browser shows a broken image's.
            cx.unreadable.push(real);
            out.push_str("#emph[");
            string(out, alt);
            out.push(']');
        }
        Ok(real) => {
            let name = real
                .file_name()
                .and_then(|n| n.to_str())
                .filter(|n| !n.contains(['"', '\\']))
                .unwrap_or("image");
            let vpath = format!("/briefing-images/{}/{name}", cx.images.len());
            out.push_str(&format!(
                "#figure(image({}, alt: {}, width: 80%)",
                quoted(&vpath),
                quoted(alt)
            ));
            if let Some(c) = caption.filter(|c| !c.is_empty()) {
                out.push_str(", caption: [");
                string(out, c);
                out.push(']');
            }
            out.push_str(");");
            cx.images.push((vpath, real));
        }
        Err(looked) => {
            cx.missing.push((src.to_string(), looked, at));
            out.push_str("#emph[");
            string(out, alt);
            out.push(']');
        }
    }
}

/// A shortcode argument as a Typst value in code.
fn value(v: &Json) -> String {
    match v {
        Json::Null => "none".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => format!("({i})"),
            (None, Some(f)) if f.is_finite() => format!("({f:?})"),
            _ => "none".into(),
        },
        Json::String(s) => quoted(s),
        Json::Array(items) => {
            let mut out = String::from("(");
            for i in items {
                out.push_str(&value(i));
                out.push_str(", ");
            }
            out.push(')');
            out
        }
        Json::Object(map) => dict(map.iter()),
    }
}

fn dict<'v>(entries: impl Iterator<Item = (&'v String, &'v Json)>) -> String {
    let mut out = String::from("(");
    for (k, v) in entries {
        out.push_str(&quoted(k));
        out.push_str(": ");
        out.push_str(&value(v));
        out.push_str(", ");
    }
    if out.len() == 1 {
        out.push(':');
    }
    out.push(')');
    out
}

impl Context<'_> {
    /// A block shortcode's body as markup; notes found in it point at the whole shortcode.
    fn nested(&mut self, md: &str, span: &Range<usize>) -> String {
        let top = self.outer.is_none();
        if top {
            self.outer = Some(span.clone());
        }
        let out = body(md, self);
        if top {
            self.outer = None;
        }
        out
    }
}

impl ShortcodeHost for Context<'_> {
    fn render(&mut self, call: &Call, _: &dyn LinkResolver) -> Result<String, CallError> {
        let arg = |k: &str| call.args.get(k).and_then(|v| v.as_str()).unwrap_or("");
        let block = |inner: String| format!("\n\n{inner}\n\n");
        match call.name.as_str() {
            "cite" => {
                let id = arg("id");
                let mut note = String::new();
                match self.sources.iter().find(|s| s.id == id) {
                    Some(s) => {
                        string(&mut note, &s.publisher);
                        note.push_str(", ");
                        note.push_str("#emph[");
                        string(&mut note, &s.title);
                        note.push(']');
                        if let Some(d) = &s.date {
                            string(&mut note, &format!(", {}", d.iso()));
                        }
                        note.push('.');
                    }
                    None => string(&mut note, id),
                }
                Ok(format!("{GLUE}#footnote[{note}]"))
            }
            "callout" => {
                let inner = self.nested(call.body.as_deref().unwrap_or(""), &call.span);
                Ok(block(format!(
                    "#callout(kind: {}, title: {})[{inner}]",
                    quoted(arg("kind")),
                    quoted(arg("title"))
                )))
            }
            "figure" => {
                let at = self.place(call.span.clone());
                let caption = call.args.get("caption").and_then(|v| v.as_str());
                let mut out = String::new();
                image(self, arg("src"), arg("alt"), caption, at, &mut out);
                Ok(block(out))
            }
            "chart" => {
                let words = &self.site.config.strings;
                // Its errors are the page's to report (they fail the build): left out here.
                let Ok(c) = shortcode_host::chart(
                    call,
                    words,
                    &self.site.data,
                    &Palette::PRINT,
                    Some(CHART_PX),
                ) else {
                    return Ok(String::new());
                };
                let d = c.drawn;
                let opt = |s: Option<&String>| s.map_or("none".into(), |s| quoted(s));
                Ok(block(format!(
                    "#chart(bytes({}), alt: {}, caption: {}, source: {});",
                    quoted(&d.svg),
                    quoted(&format!("{}. {}", d.title, d.description)),
                    opt(d.caption.as_ref()),
                    opt(d.source.as_ref()),
                )))
            }
            name => {
                let inner = call.body.as_deref().map(|md| self.nested(md, &call.span));
                if !self.modules.0.contains_key(name) {
                    let at = self.place(call.span.clone());
                    let what = format!(
                        "the PDF of this brief shows only the text of the shortcode `{name}`: add templates/shortcodes/{name}.typ"
                    );
                    if !self.text_only.iter().any(|(n, _)| *n == what) {
                        self.text_only.push((what, at));
                    }
                    return Ok(match inner {
                        Some(inner) => block(inner),
                        None => String::new(),
                    });
                }
                let i = match self.used.iter().position(|u| u == name) {
                    Some(i) => i,
                    None => {
                        self.used.push(name.to_string());
                        self.used.len() - 1
                    }
                };
                let body = inner.map_or("none".into(), |m| format!("[{m}]"));
                let call_markup = format!("#briefing-sc-{i}({}, {body});", dict(call.args.iter()));
                Ok(match call.body {
                    Some(_) => block(call_markup),
                    None => call_markup,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_typst_values() {
        let args: serde_json::Map<String, Json> = serde_json::from_str(
            r#"{"s": "a \"q\" #x", "n": 3, "f": -2.5, "b": true, "l": ["x", 1], "e": []}"#,
        )
        .unwrap_or_default();
        let code = dict(args.iter());
        let src = format!("#let v = {code}");
        let tree = typst::syntax::parse(&src);
        assert!(tree.errors_and_warnings().0.is_empty(), "{src}");
        assert!(code.contains(r#""s": "a \"q\" #x""#), "{code}");
        assert!(
            code.contains(r#""n": (3)"#) && code.contains(r#""f": (-2.5)"#),
            "{code}"
        );
        assert!(code.contains(r#""l": ("x", (1), )"#), "{code}");
        assert_eq!(dict(std::iter::empty()), "(:)");
    }
}
