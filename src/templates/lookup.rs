//! The site-graph functions templates call (`get_url`, `get_brief`, `get_section`,
//! `get_taxonomy`). What they look things up in is lent to the thread rendering a page for the
//! duration of that page ([`Lending`]), so the loaded templates stay immutable and a later stage
//! owns the values. Every lookup is recorded for the page being rendered, so a page that looked
//! up a brief is re-rendered when that brief changes.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use tera::{Kwargs, State, Tera, TeraResult, Value};

/// The values lookups return, built by the render stage from the model.
#[derive(Default, Clone)]
pub struct Lookup {
    pub base_url: String,
    /// Content file (`hedges/china.md`, `hedges/_index.md`) to its summary value.
    pub docs: HashMap<String, Value>,
    pub taxonomies: HashMap<String, Value>,
    /// Static file path to its published path (fingerprinted names, when enabled).
    pub assets: HashMap<String, String>,
}

impl Lookup {
    /// The value a recorded read saw, to tell whether it changed.
    pub fn read(&self, key: &str) -> Option<&Value> {
        match key.split_once(':') {
            Some(("doc", rel)) => self.docs.get(rel),
            Some(("taxonomy", name)) => self.taxonomies.get(name),
            _ => None,
        }
    }
}

thread_local! {
    static READS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    static LENT: RefCell<Option<Arc<Lookup>>> = const { RefCell::new(None) };
}

/// A page render's hold on the lookup values: lends them to this thread's template functions
/// and records what they read, until [`Lending::finish`] (or drop) takes both back. One page
/// renders on one thread, so the reads are that page's.
pub struct Lending(());

impl Lending {
    pub fn start(lookup: &Arc<Lookup>) -> Lending {
        READS.with(|r| r.borrow_mut().clear());
        LENT.with(|l| *l.borrow_mut() = Some(lookup.clone()));
        Lending(())
    }

    /// The lookups made since `start`, sorted and deduplicated.
    pub fn finish(self) -> Vec<String> {
        READS.with(|r| {
            let mut v = std::mem::take(&mut *r.borrow_mut());
            v.sort();
            v.dedup();
            v
        })
    }
}

impl Drop for Lending {
    fn drop(&mut self) {
        LENT.with(|l| *l.borrow_mut() = None);
    }
}

fn record(key: String) {
    READS.with(|r| r.borrow_mut().push(key));
}

/// The values lent to this thread; outside a page render (a shortcode template rendered with a
/// document's Markdown) there are none, and lookups find nothing.
fn current() -> Arc<Lookup> {
    static NONE: std::sync::OnceLock<Arc<Lookup>> = std::sync::OnceLock::new();
    LENT.with(|l| l.borrow().clone())
        .unwrap_or_else(|| NONE.get_or_init(Default::default).clone())
}

pub fn register(tera: &mut Tera) {
    tera.register_function(
        "get_url",
        move |kwargs: Kwargs, _: &State| -> TeraResult<String> {
            let path: String = kwargs.must_get("path")?;
            let site = current();
            if let Some(rel) = path.strip_prefix("@/") {
                let (file, anchor) = rel
                    .split_once('#')
                    .map(|(f, a)| (f, Some(a)))
                    .unwrap_or((rel, None));
                record(format!("doc:{file}"));
                let v = site.docs.get(file).ok_or_else(|| {
                    tera::Error::message(format!("get_url: no content file `{file}`"))
                })?;
                let url = v
                    .as_map()
                    .and_then(|m| m.get(&tera::value::Key::from("permalink")))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                return Ok(match anchor {
                    Some(a) => format!("{url}#{a}"),
                    None => url,
                });
            }
            let clean = path.trim_start_matches('/');
            let published = site.assets.get(clean).map(String::as_str).unwrap_or(clean);
            Ok(format!("{}{}", site.base_url, published))
        },
    );
    let doc_fn = move |kind: &'static str| {
        move |kwargs: Kwargs, _: &State| -> TeraResult<Value> {
            let path: String = kwargs.must_get("path")?;
            record(format!("doc:{path}"));
            let site = current();
            let is_section = path.ends_with("_index.md");
            match site.docs.get(&path) {
                Some(v) if is_section == (kind == "section") => Ok(v.clone()),
                _ => Err(tera::Error::message(format!(
                    "{}: no {kind} `{path}` (paths are relative to content/, e.g. {})",
                    if kind == "section" {
                        "get_section"
                    } else {
                        "get_brief"
                    },
                    if kind == "section" {
                        "hedges/_index.md"
                    } else {
                        "hedges/china.md"
                    }
                ))),
            }
        }
    };
    tera.register_function("get_brief", doc_fn("brief"));
    tera.register_function("get_section", doc_fn("section"));
    tera.register_function(
        "get_taxonomy",
        move |kwargs: Kwargs, _: &State| -> TeraResult<Value> {
            let name: String = kwargs.must_get("name")?;
            record(format!("taxonomy:{name}"));
            current()
                .taxonomies
                .get(&name)
                .cloned()
                .ok_or_else(|| tera::Error::message(format!("get_taxonomy: no taxonomy `{name}`")))
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tera() -> Tera {
        let mut tera = Tera::default();
        register(&mut tera);
        tera.add_raw_template("t", "{% set b = get_brief(path=\"a.md\") %}{{ b.title }}")
            .unwrap_or_else(|e| panic!("{e}"));
        tera
    }

    #[test]
    fn lookups_see_only_what_the_current_page_render_lent_them_and_are_recorded() {
        let tera = tera();
        let ctx = tera::Context::new();
        let mut docs = HashMap::new();
        docs.insert(
            "a.md".to_string(),
            Value::from_serializable(&serde_json::json!({"title": "Alpha"})),
        );
        let lookup = Arc::new(Lookup {
            docs,
            ..Lookup::default()
        });
        let lending = Lending::start(&lookup);
        assert_eq!(tera.render("t", &ctx).ok().as_deref(), Some("Alpha"));
        assert_eq!(lending.finish(), vec!["doc:a.md".to_string()]);
        // Once the page is done, nothing is lent: a render outside a page finds nothing.
        assert!(tera.render("t", &ctx).is_err());
        // And the values are no longer shared, so the renderer can patch them in place.
        assert_eq!(Arc::strong_count(&lookup), 1);
    }
}
