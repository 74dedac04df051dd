//! The built-in shortcodes (figure, callout, chart, cite) and site/theme shortcodes from
//! `templates/shortcodes/NAME.html`. Built-ins check their arguments in Rust so errors name the
//! argument; their markup comes from templates so a theme can restyle them.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value as Json;
use tera::{Context, Value};

use crate::charts;
use crate::content::data::DataFile;
use crate::content::meta::Source;
use crate::diagnostics::did_you_mean;
use crate::markdown::shortcodes::{Call, CallError, ShortcodeHost};
use crate::markdown::{self, LinkResolver};
use crate::strings::Strings;

use super::Templates;

const BUILTINS: [(&str, &[&str], &[&str]); 4] = [
    (
        "figure",
        &["src", "alt"],
        &["caption", "source", "width", "height"],
    ),
    ("callout", &["kind"], &["title"]),
    (
        "chart",
        &["data", "x", "y"],
        &[
            "kind",
            "title",
            "source",
            "description",
            "x_label",
            "y_label",
        ],
    ),
    ("cite", &["id"], &[]),
];

pub struct ShortcodeRunner<'a> {
    pub templates: &'a Templates,
    pub data: &'a BTreeMap<String, Arc<DataFile>>,
    pub sources: &'a [Source],
    /// Where the brief's own files are (folder briefs), relative to content/.
    pub bundle_dir: Option<&'a str>,
    pub content_dir: &'a Path,
    /// Absolute URL of the page the shortcode is on, so relative image paths still work where
    /// the text is shown elsewhere (the full briefing, feeds).
    pub page_url: String,
    /// Cited source ids with their numbers, in order of first citation.
    pub references: Vec<(String, usize)>,
    /// Shortcode templates and data files used, for the render cache.
    pub used_templates: Vec<String>,
    pub used_data: Vec<String>,
    /// Errors from block bodies are reported against the shortcode.
    pub body_errors: Vec<markdown::MarkdownError>,
    /// Relative and root-relative links of block bodies, placed at the shortcode, for the
    /// build's link check.
    pub body_links: Vec<markdown::LocalLink>,
}

fn err(message: impl Into<String>, hint: impl Into<String>) -> CallError {
    CallError {
        message: message.into(),
        hint: Some(hint.into()),
    }
}

fn str_arg<'c>(call: &'c Call, key: &str) -> Result<Option<&'c str>, CallError> {
    match call.args.get(key) {
        None => Ok(None),
        Some(Json::String(s)) => Ok(Some(s)),
        Some(other) => Err(err(
            format!(
                "argument `{key}` of `{}` must be a string, got {other}",
                call.name
            ),
            format!("write {key}=\"...\""),
        )),
    }
}

impl ShortcodeRunner<'_> {
    fn template_name(name: &str) -> String {
        format!("shortcodes/{name}.html")
    }

    fn check_args(&self, call: &Call) -> Result<(), CallError> {
        let Some((_, required, optional)) = BUILTINS.iter().find(|(n, _, _)| *n == call.name)
        else {
            return Ok(());
        };
        for key in call.args.keys() {
            if !required.contains(&key.as_str()) && !optional.contains(&key.as_str()) {
                let all: Vec<&str> = required.iter().chain(optional.iter()).copied().collect();
                let hint = match did_you_mean(key, all.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("`{}` takes: {}", call.name, all.join(", ")),
                };
                return Err(err(
                    format!("unknown argument `{key}` in shortcode `{}`", call.name),
                    hint,
                ));
            }
        }
        for key in *required {
            match call.args.get(*key) {
                Some(Json::String(s)) if s.trim().is_empty() => {
                    return Err(err(
                        format!("argument `{key}` of `{}` is empty", call.name),
                        required_hint(&call.name, key),
                    ));
                }
                None => {
                    return Err(err(
                        format!("shortcode `{}` needs `{key}`", call.name),
                        required_hint(&call.name, key),
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn render_template(&mut self, name: &str, ctx: Context) -> Result<String, CallError> {
        let tpl = Self::template_name(name);
        if !self.used_templates.contains(&tpl) {
            self.used_templates.push(tpl.clone());
        }
        self.templates.tera.render(&tpl, &ctx).map_err(|e| {
            let d = self.templates.diagnostic(&e);
            CallError {
                message: format!(
                    "shortcode `{name}` failed: {} ({})",
                    d.message,
                    d.position()
                ),
                hint: d.hint,
            }
        })
    }
}

/// A data file by the name a shortcode gives it.
fn data_file<'d>(
    data: &'d BTreeMap<String, Arc<DataFile>>,
    name: &str,
) -> Result<&'d Arc<DataFile>, CallError> {
    if name.contains("..") || name.contains('/') || name.contains('\\') {
        return Err(err(
            format!("data name `{name}` must be a plain file name"),
            "name a file in content/data/ without its extension, e.g. data=\"missile_tests\"",
        ));
    }
    data.get(name).ok_or_else(|| {
        let hint = match did_you_mean(name, data.keys().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None => {
                "put a CSV, TOML or JSON file in content/data/ and name it without the extension"
                    .into()
            }
        };
        err(format!("no data file `{name}` in content/data/"), hint)
    })
}

/// A drawn `chart` shortcode.
pub struct Chart {
    pub kind: String,
    pub drawn: charts::Drawn,
}

impl Chart {
    /// The page's figure.
    pub fn html(&self) -> String {
        charts::figure(&self.kind, &self.drawn)
    }
}

/// The `chart` shortcode's arguments checked and its chart drawn from `data` (the language's
/// data files), for the page and the PDF alike. `width`: see [`charts::draw`].
pub fn chart(
    call: &Call,
    words: &Strings,
    data: &BTreeMap<String, Arc<DataFile>>,
    palette: &charts::Palette,
    width: Option<f64>,
) -> Result<Chart, CallError> {
    let data_name = str_arg(call, "data")?.unwrap_or_default().to_string();
    let x = str_arg(call, "x")?.unwrap_or_default().to_string();
    let y = str_arg(call, "y")?.unwrap_or_default().to_string();
    let kind = str_arg(call, "kind")?.unwrap_or("bar").to_string();
    if !["bar", "line"].contains(&kind.as_str()) {
        let hint = did_you_mean(&kind, ["bar", "line"])
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| "use kind=\"bar\" or kind=\"line\"".into());
        return Err(err(format!("unknown chart kind `{kind}`"), hint));
    }
    let mut labels = [None, None];
    let axes = [("x_label", &x, "Year"), ("y_label", &y, "Number of tests")];
    for (slot, (key, column, example)) in labels.iter_mut().zip(axes) {
        *slot = str_arg(call, key)?.map(str::to_string);
        if slot.as_deref().is_some_and(|l| l.trim().is_empty()) {
            return Err(err(
                format!("argument `{key}` of `chart` is empty"),
                format!(
                    "name the axis, e.g. {key}=\"{example}\", or leave {key} out to use the column name `{column}`"
                ),
            ));
        }
    }
    // A chart's words are the brief's text: typeset as the page around it is (’, and
    // in French « » and the narrow space before ;:!?).
    let lang = words.get("lang").to_string();
    let typeset =
        |s: Option<String>| s.map(|s| crate::typography::smarten_in(&s, &lang).into_owned());
    let [x_label, y_label] = labels.map(typeset);
    let title = typeset(str_arg(call, "title")?.map(str::to_string));
    let source = typeset(str_arg(call, "source")?.map(str::to_string));
    let description = typeset(str_arg(call, "description")?.map(str::to_string));
    let file = data_file(data, &data_name)?.clone();
    let spec = charts::ChartSpec {
        kind: &kind,
        x: &x,
        y: &y,
        x_label: x_label.as_deref(),
        y_label: y_label.as_deref(),
        title: title.as_deref(),
        source: source.as_deref(),
        description: description.as_deref(),
        words,
    };
    let failed = |m: String| {
        err(
            format!("chart from `{data_name}`: {m}"),
            "check the column names (x=, y=) against the data file's header",
        )
    };
    let drawn = charts::draw(&file.value, &spec, palette, width).map_err(failed)?;
    Ok(Chart { kind, drawn })
}

fn required_hint(name: &str, key: &str) -> String {
    match (name, key) {
        ("figure", "alt") => "describe the image for readers who cannot see it: alt=\"...\"".into(),
        _ => format!("add {key}=\"...\" to the shortcode"),
    }
}

impl ShortcodeHost for ShortcodeRunner<'_> {
    fn render(&mut self, call: &Call, links: &dyn LinkResolver) -> Result<String, CallError> {
        let known_builtin = BUILTINS.iter().any(|(n, _, _)| *n == call.name);
        let has_template = self.templates.has(&Self::template_name(&call.name));
        if !known_builtin && !has_template {
            let mut names: Vec<String> = BUILTINS.iter().map(|(n, _, _)| n.to_string()).collect();
            names.extend(self.templates.sources.keys().filter_map(|k| {
                k.strip_prefix("shortcodes/")?
                    .strip_suffix(".html")
                    .map(str::to_string)
            }));
            let hint = match did_you_mean(&call.name, names.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "known shortcodes: {}; add your own as templates/shortcodes/{}.html",
                    names.join(", "),
                    call.name
                ),
            };
            return Err(err(format!("unknown shortcode `{}`", call.name), hint));
        }
        self.check_args(call)?;
        let mut ctx = Context::new();
        ctx.insert_value("t", links.strings().value().clone());
        for (k, v) in &call.args {
            ctx.insert_value(k.clone(), Value::from_serializable(v));
        }
        let body_html = match &call.body {
            Some(md) => {
                let mut errors = Vec::new();
                let r = markdown::render(md, links, self, &mut errors);
                // Body errors are relative to the body; report them at the shortcode.
                // Point at the shortcode itself: the body's own offsets are not the file's.
                self.body_errors.extend(errors.into_iter().map(|mut e| {
                    e.span = call.span.clone();
                    e
                }));
                self.body_links
                    .extend(r.local_links.into_iter().map(|mut l| {
                        l.span = call.span.clone();
                        l
                    }));
                Some(r.html)
            }
            None => None,
        };
        if let Some(b) = &body_html {
            ctx.insert_value("body", Value::safe_string(b));
        }
        match call.name.as_str() {
            "callout" => {
                let kind = str_arg(call, "kind")?.unwrap_or_default();
                if !["implication", "warning", "note"].contains(&kind) {
                    let hint = did_you_mean(kind, ["implication", "warning", "note"])
                        .map(|s| format!("did you mean `{s}`?"))
                        .unwrap_or_else(|| "use implication, warning or note".into());
                    return Err(err(format!("unknown callout kind `{kind}`"), hint));
                }
                if call.body.is_none() {
                    return Err(err(
                        "callout is a block shortcode",
                        "write {% callout(kind=\"note\") %} ... {% end %}",
                    ));
                }
                if !ctx.contains_key("title") {
                    ctx.insert_value("title", Value::none());
                }
                self.render_template("callout", ctx)
            }
            "figure" => {
                let src = str_arg(call, "src")?.unwrap_or_default().to_string();
                let resolved = self.resolve_src(&src)?;
                ctx.insert_value("src", Value::from(resolved));
                for k in ["caption", "source", "width", "height"] {
                    if !ctx.contains_key(k) {
                        ctx.insert_value(k, Value::none());
                    }
                }
                self.render_template("figure", ctx)
            }
            "cite" => {
                let id = str_arg(call, "id")?.unwrap_or_default().to_string();
                let Some(source) = self.sources.iter().find(|s| s.id == id) else {
                    let hint = match did_you_mean(&id, self.sources.iter().map(|s| s.id.as_str())) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None if self.sources.is_empty() => {
                            "add a [[sources]] entry with this id to the front matter".into()
                        }
                        None => format!(
                            "this brief's source ids are: {}",
                            self.sources
                                .iter()
                                .map(|s| s.id.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    return Err(err(format!("unknown source id `{id}` in cite"), hint));
                };
                let number = match self.references.iter().find(|(r, _)| *r == id) {
                    Some((_, n)) => *n,
                    None => {
                        let n = self.references.len() + 1;
                        self.references.push((id.clone(), n));
                        n
                    }
                };
                ctx.insert_value("number", Value::from(number));
                ctx.insert_value("title", Value::from(source.title.as_str()));
                ctx.insert_value("publisher", Value::from(source.publisher.as_str()));
                self.render_template("cite", ctx)
            }
            "chart" => {
                // Recorded first, for the render cache: a failed call fails the build anyway.
                if let Some(name) = str_arg(call, "data")?
                    && !self.used_data.iter().any(|d| d == name)
                {
                    self.used_data.push(name.to_string());
                }
                chart(
                    call,
                    links.strings(),
                    self.data,
                    &charts::Palette::LIGHT,
                    None,
                )
                .map(|c| c.html())
            }
            _ => self.render_template(&call.name, ctx),
        }
    }
}

impl ShortcodeRunner<'_> {
    /// Image paths: absolute URLs and site paths stay; relative ones belong to the brief's folder
    /// and must exist there.
    fn resolve_src(&self, src: &str) -> Result<String, CallError> {
        if src.starts_with("http://") || src.starts_with("https://") || src.starts_with("data:") {
            return Ok(src.to_string());
        }
        if src.split(['/', '\\']).any(|c| c == "..") {
            return Err(err(
                format!("figure src `{src}` leaves the site"),
                "put the image beside the brief (folder brief) or under static/ and use its path",
            ));
        }
        if let Some(abs) = src.strip_prefix('/') {
            return Ok(abs.to_string()).map(|a| format!("/{a}"));
        }
        let Some(dir) = self.bundle_dir else {
            return Err(err(
                format!("figure src `{src}` is relative, but this brief is not a folder"),
                "make the brief a folder (name/index.md) with the image beside it, or use a path under static/ starting with /",
            ));
        };
        let on_disk = self.content_dir.join(dir).join(src);
        if !on_disk.is_file() {
            return Err(err(
                format!("figure image `{src}` not found in content/{dir}/"),
                "check the file name",
            ));
        }
        Ok(format!("{}{src}", self.page_url))
    }
}
