//! Stage 5: templates. Loading them (theme first, then the site's own overrides by name) into
//! Tera 2, with the filters and site-graph functions briefing adds ([`lookup`]), the built-in
//! shortcodes ([`shortcode_host`]), and the map of which template reads which (for incremental
//! rebuilds). A loaded [`Templates`] is never changed: what the functions look up is lent to
//! each page's render by the stage that renders it ([`lookup::Lending`]).

pub mod lookup;
pub mod shortcode_host;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tera::{Kwargs, State, StringInput, Tera, Value};

use crate::config::Config;
use crate::date::{MonthNames, PartialDate};
use crate::diagnostics::{Diagnostic, Diagnostics, display_path};

/// Where a template came from, for error messages.
#[derive(Debug, Clone)]
pub struct TemplateSource {
    pub display: PathBuf,
    pub text: Arc<str>,
}

pub struct Templates {
    pub tera: Tera,
    pub sources: HashMap<String, TemplateSource>,
    /// Per template: a hash over its own source and everything it extends, includes or calls.
    closure_hash: HashMap<String, u64>,
}

fn read_dir_templates(
    root: &Path,
    dir: &Path,
    out: &mut HashMap<String, TemplateSource>,
    diags: &mut Diagnostics,
) {
    if !dir.is_dir() {
        return;
    }
    let confined = crate::confine::Root::new(root);
    let walk = confined.walk(dir, &|e| {
        e.file_type().is_dir() || !crate::content::is_ignored_name(&e.file_name().to_string_lossy())
    });
    diags.extend(walk.diagnostics);
    for f in walk.files {
        let display = display_path(root, &f.path);
        match crate::content::read_text_at(&display, &f.real) {
            Ok(text) => {
                out.insert(f.rel, TemplateSource { display, text });
            }
            Err(d) => diags.push(d),
        }
    }
}

impl Templates {
    /// Loads `themes/<theme>/templates/` then `templates/` (which wins on equal names).
    pub fn load(root: &Path, config: &Config) -> Result<Templates, Vec<Diagnostic>> {
        let mut diags = Diagnostics::new();
        let theme_dir = config.theme_dir(root);
        let site_templates = root.join("templates");
        if !theme_dir.is_dir() && !site_templates.is_dir() {
            return Err(vec![
                Diagnostic::error(format!(
                    "theme `{}` not found at {}",
                    config.theme,
                    display_path(root, &theme_dir).display()
                ))
                .in_file("briefing.toml")
                .with_hint(
                    "set `theme` in briefing.toml to a folder under themes/, e.g. theme = \"default\", or put every template in templates/",
                ),
            ]);
        }
        let mut sources = HashMap::new();
        read_dir_templates(root, &theme_dir.join("templates"), &mut sources, &mut diags);
        read_dir_templates(root, &root.join("templates"), &mut sources, &mut diags);
        if !diags.is_empty() {
            return Err(diags.into_vec());
        }
        Templates::from_sources(sources)
    }

    pub fn from_sources(
        sources: HashMap<String, TemplateSource>,
    ) -> Result<Templates, Vec<Diagnostic>> {
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".htm", ".xml", ".svg"]);
        register_filters(&mut tera);
        let mut names: Vec<&String> = sources.keys().collect();
        names.sort();
        lookup::register(&mut tera);
        if let Err(e) = tera.add_raw_templates(
            names
                .iter()
                .map(|n| (n.as_str(), sources[*n].text.as_ref())),
        ) {
            return Err(vec![error_to_diagnostic(&e, &sources)]);
        }
        let closure_hash = closure_hashes(&sources);
        Ok(Templates {
            tera,
            sources,
            closure_hash,
        })
    }

    pub fn has(&self, name: &str) -> bool {
        self.sources.contains_key(name)
    }

    pub fn closure_hash(&self, name: &str) -> u64 {
        self.closure_hash.get(name).copied().unwrap_or(0)
    }

    pub fn diagnostic(&self, e: &tera::Error) -> Diagnostic {
        error_to_diagnostic(e, &self.sources)
    }
}

/// One error per missing template: at the `template` line of each section asking for it, or
/// (for a template briefing itself needs) on the site.
pub fn missing(site: &crate::model::Site, names: &[&str]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for m in names {
        let hint = format!(
            "add templates/{m} or use a theme that has it (themes/{}/templates/)",
            site.config.theme
        );
        let error = || Diagnostic::error(format!("template `{m}` not found"));
        let mut asked = false;
        for s in &site.sections {
            if s.meta().template.as_deref() != Some(*m) {
                continue;
            }
            asked = true;
            let mut d = error().in_file(&s.doc.display);
            if let Some(span) = crate::content::frontmatter::field_span(&s.doc.text, "template") {
                d = d.at(&s.doc.text, span);
            }
            out.push(d.with_hint(hint.clone()));
        }
        if !asked {
            out.push(error().with_hint(hint));
        }
    }
    out
}

/// Turns a Tera error into a diagnostic on the template's own file and line.
pub fn error_to_diagnostic(
    e: &tera::Error,
    sources: &HashMap<String, TemplateSource>,
) -> Diagnostic {
    use tera::ErrorKind;
    let mut err: &dyn std::error::Error = e;
    // Errors raised inside our own functions come wrapped; the innermost report has the span.
    loop {
        if let Some(te) = err.downcast_ref::<tera::Error>()
            && let ErrorKind::SyntaxError(r) | ErrorKind::RenderingError(r) = te.kind()
        {
            let name = r.filename().to_string();
            let mut d = Diagnostic::error(format!("template {name}: {}", r.message()));
            let mut hint = template_hint(r.message());
            if let Some(src) = sources.get(&name) {
                d = d
                    .in_file(&src.display)
                    .at(&src.text, r.span().range.clone());
            } else {
                d = d.in_file(format!("templates/{name}"));
                hint = hint.or(Some(
                    "check the template's syntax against docs/templates.md".into(),
                ));
            }
            if let Some(h) = hint {
                d = d.with_hint(h);
            }
            return d;
        }
        match err.source() {
            Some(s) => err = s,
            None => break,
        }
    }
    let message = e.to_string();
    let hint = match e.kind() {
        ErrorKind::CircularInclude { .. } | ErrorKind::CircularExtend { .. } => {
            "a template includes or extends itself; break the cycle"
        }
        ErrorKind::TemplateNotFound(_) | ErrorKind::MissingParent { .. } => {
            "add the template to templates/ or fix its name"
        }
        _ => "see docs/templates.md for the variables and functions templates can use",
    };
    Diagnostic::error(format!("template error: {message}")).with_hint(hint)
}

fn template_hint(message: &str) -> Option<String> {
    if message.contains("not found in context")
        || message.contains("is not defined")
        || message.contains("undefined")
        || message.contains("Undefined")
    {
        Some("the variable does not exist on this page; guard optional values with {% if x %} or `x | default(value=...)`, see docs/templates.md".into())
    } else {
        None
    }
}

/// Names a template refers to: what it extends or includes, and the components it calls.
fn references(text: &str) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut templates = Vec::new();
    let mut calls = Vec::new();
    let mut defines = Vec::new();
    let quoted = |s: &str| -> Option<String> {
        let s = s.trim_start();
        let q = s.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let end = s[1..].find(q)?;
        Some(s[1..1 + end].to_string())
    };
    let mut rest = text;
    while let Some(i) = rest.find(['{']) {
        let tag = &rest[i..];
        rest = &rest[i + 1..];
        let Some(inner) = tag.strip_prefix("{%").or_else(|| tag.strip_prefix("{{")) else {
            continue;
        };
        let inner = inner.trim_start_matches(['-', ' ', '\n', '\t']);
        if let Some(t) = inner
            .strip_prefix("extends")
            .or_else(|| inner.strip_prefix("include"))
            .and_then(quoted)
        {
            templates.push(t);
        } else if let Some(def) = inner.strip_prefix("component ") {
            defines.push(ident(def.trim_start()));
        } else if let Some(call) = inner.strip_prefix('<') {
            let name = ident(call.trim_start_matches('/'));
            if !name.is_empty() {
                calls.push(name);
            }
        }
    }
    (templates, calls, defines)
}

fn ident(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
        .collect()
}

fn closure_hashes(sources: &HashMap<String, TemplateSource>) -> HashMap<String, u64> {
    let mut refs: HashMap<&str, Vec<String>> = HashMap::new();
    let mut component_home: HashMap<String, Vec<String>> = HashMap::new();
    let mut calls: HashMap<&str, Vec<String>> = HashMap::new();
    for (name, src) in sources {
        let (t, c, d) = references(&src.text);
        refs.insert(name, t);
        calls.insert(name, c);
        for def in d {
            component_home.entry(def).or_default().push(name.clone());
        }
    }
    let mut out = HashMap::new();
    for name in sources.keys() {
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut stack = vec![name.clone()];
        while let Some(n) = stack.pop() {
            if !seen.insert(n.clone()) {
                continue;
            }
            if let Some(r) = refs.get(n.as_str()) {
                stack.extend(r.iter().cloned());
            }
            if let Some(c) = calls.get(n.as_str()) {
                for comp in c {
                    if let Some(homes) = component_home.get(comp) {
                        stack.extend(homes.iter().cloned());
                    }
                }
            }
        }
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for n in &seen {
            h.update(n.as_bytes());
            if let Some(s) = sources.get(n) {
                h.update(s.text.as_bytes());
            } else {
                h.update(b"\0missing");
            }
        }
        out.insert(name.clone(), h.digest());
    }
    out
}

fn register_filters(tera: &mut Tera) {
    tera.register_filter(
        "date",
        |v: &str, kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
            let format: String = kwargs
                .get("format")?
                .unwrap_or_else(|| "%-d %B %Y".to_string());
            let strings: Option<Value> = kwargs.get("strings")?;
            let names = match &strings {
                Some(t) => MonthNames::read(|key| t.get_from_path(key).and_then(Value::as_str)),
                None => MonthNames::ENGLISH,
            };
            PartialDate::parse(v)
                .map(|d| d.format_in(&format, &names))
                .map_err(tera::Error::message)
        },
    );
    // `{{ t.page_of | fill(current=2, total=9) }}`: an interface string with its `{name}`s
    // filled. The string and each argument are escaped as `{{ }}` would escape them (an
    // argument marked safe stays as it is), so the result is safe to insert as it is.
    tera.register_filter(
        "fill",
        |text: StringInput, kwargs: Kwargs, state: &State| -> tera::TeraResult<Value> {
            let template = text.rendered(state)?.into_owned();
            let mut args: Vec<(String, String)> = Vec::new();
            for (k, v) in kwargs.iter() {
                let name = k.to_string();
                let shown = if v.as_str().is_some() {
                    match kwargs.get::<StringInput>(&name)? {
                        Some(s) => s.rendered(state)?.into_owned(),
                        None => String::new(),
                    }
                } else {
                    v.to_string()
                };
                args.push((name, shown));
            }
            let pairs: Vec<(&str, &str)> =
                args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            crate::strings::fill(&template, &pairs)
                .map(|s| Value::safe_string(&s))
                .map_err(tera::Error::message)
        },
    );
    tera.register_filter("slugify", |v: &str, _: Kwargs, _: &State| {
        crate::slug::slugify(v)
    });
    tera.register_filter(
        "json_encode",
        |v: Value, _: Kwargs, _: &State| -> tera::TeraResult<String> {
            let json: serde_json::Value =
                serde_json::to_value(&v).map_err(|e| tera::Error::message(e.to_string()))?;
            // Escape `<` so the JSON is inert inside <script> blocks (JSON-LD).
            Ok(json
                .to_string()
                .replace('<', "\\u003c")
                .replace('>', "\\u003e"))
        },
    );
    tera.register_filter("urlencode", |v: &str, _: Kwargs, _: &State| {
        let mut out = String::new();
        for b in v.bytes() {
            if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(t: &str) -> TemplateSource {
        TemplateSource {
            display: PathBuf::from("templates/x"),
            text: Arc::from(t),
        }
    }

    #[test]
    fn closure_follows_extends_include_and_components() {
        let mut s = HashMap::new();
        s.insert(
            "base.html".to_string(),
            src("<html>{% block b %}{% endblock b %}{% include \"nav.html\" %}</html>"),
        );
        s.insert("nav.html".to_string(), src("<nav></nav>"));
        s.insert(
            "comps.html".to_string(),
            src("{% component card(x) %}{{x}}{% endcomponent card %}"),
        );
        s.insert(
            "brief.html".to_string(),
            src("{% extends \"base.html\" %}{% block b %}{{<card x=\"1\"/>}}{% endblock b %}"),
        );
        s.insert("other.html".to_string(), src("plain"));
        let before = closure_hashes(&s);
        s.insert("nav.html".to_string(), src("<nav>changed</nav>"));
        let after = closure_hashes(&s);
        assert_ne!(before["brief.html"], after["brief.html"]);
        assert_eq!(before["other.html"], after["other.html"]);
        s.insert(
            "comps.html".to_string(),
            src("{% component card(x) %}[{{x}}]{% endcomponent card %}"),
        );
        let again = closure_hashes(&s);
        assert_ne!(after["brief.html"], again["brief.html"]);
    }

    #[test]
    fn the_date_filter_speaks_the_language_of_the_strings_it_is_given() {
        let mut s = HashMap::new();
        s.insert(
            "d.html".to_string(),
            src(concat!(
                "{{ full | date(format=\"%-d %B %Y\", strings=fr) }}|",
                "{{ full | date(strings=fr) }}|",
                "{{ month | date(strings=fr) }}|",
                "{{ stamp | date(format=\"%-d %b %Y\", strings=fr) }}|",
                "{{ full | date }}|",
                "{{ month | date(strings=xx) }}",
            )),
        );
        let t = Templates::from_sources(s).ok().unwrap();
        let mut ctx = tera::Context::new();
        ctx.insert("full", "2017-05-01");
        ctx.insert("month", "2017-05");
        ctx.insert("stamp", "2017-02-01T10:00:00+09:00");
        ctx.insert(
            "fr",
            &serde_json::json!({
                "months": { "may": "mai" },
                "months_short": { "feb": "févr." },
                "first_of_month": "1er",
            }),
        );
        // A language without the strings gets English for what it lacks.
        ctx.insert("xx", &serde_json::json!({ "month_format": "%m/%Y" }));
        let out = t.tera.render("d.html", &ctx).unwrap();
        let parts: Vec<&str> = out.split('|').collect();
        assert_eq!(
            parts,
            [
                "1er mai 2017",
                "1er mai 2017",
                "mai 2017",
                "1er févr. 2017",
                "1 May 2017",
                "05/2017"
            ]
        );
    }

    #[test]
    fn syntax_error_names_file_and_line() {
        let mut s = HashMap::new();
        s.insert(
            "page.html".to_string(),
            TemplateSource {
                display: PathBuf::from("templates/page.html"),
                text: Arc::from("ok\n{% if %}\n"),
            },
        );
        let e = Templates::from_sources(s).err().unwrap();
        assert_eq!(e[0].file.as_deref(), Some(Path::new("templates/page.html")));
        assert_eq!(e[0].location().map(|l| l.0), Some(2), "{:?}", e[0]);
    }
}
