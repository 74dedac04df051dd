//! Reporting every mistake in a front matter, not only the first. serde stops at the first
//! field it cannot read; we report that error, take the field out of the parsed TOML (or put a
//! stand-in value where a required field is missing) and read again, until the front matter
//! reads or nothing more can be taken out.

use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

/// At most this many errors per front matter: enough for any real file, and a bound on the
/// work for a hostile one.
const MAX_ERRORS: usize = 50;

/// Reads `first` as `T`, reporting every error through `report`; `None` when any was found.
/// `again` builds the same table once more: it is called only when `first` has an error, so
/// the common case reads the table once and never copies it.
pub fn read_all<'a, T: DeserializeOwned>(
    first: Spanned<DeTable<'a>>,
    again: impl FnOnce() -> Option<Spanned<DeTable<'a>>>,
    mut report: impl FnMut(&toml::de::Error),
) -> Option<T> {
    let mut e = match T::deserialize(toml::de::Deserializer::from(first)) {
        Ok(v) => return Some(v),
        Err(e) => e,
    };
    let Some(mut root) = again() else {
        report(&e);
        return None;
    };
    // Fields this module took out: a "missing field" for one of them, in a table that starts
    // before it, is its doing, not the author's, so it is not reported.
    let mut removed: Vec<(Range<usize>, String)> = Vec::new();
    for _ in 0..MAX_ERRORS {
        let span = e.span().unwrap_or_else(|| root.span());
        let missing = missing_field(e.message());
        let ours = missing
            .as_deref()
            .is_some_and(|k| removed.iter().any(|(s, r)| r == k && span.start <= s.start));
        if !ours {
            report(&e);
        }
        let meant = meant_field(e.message());
        let mended = match &missing {
            Some(key) => stand_in(root.get_mut(), 0..usize::MAX, &span, key),
            None => take_out(root.get_mut(), &span, meant, &mut removed),
        };
        if !mended {
            return None;
        }
        e = match T::deserialize(toml::de::Deserializer::from(root.clone())) {
            // Every error is reported: the file still failed.
            Ok(_) => return None,
            Err(e) => e,
        };
    }
    None
}

fn contains(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// The field an "unknown field `titel`, expected one of `title`, ..." error most likely meant:
/// read under that name, its value is checked too and the field is not reported missing.
fn meant_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    let mut ticks = rest.split('`').step_by(2);
    let unknown = ticks.next()?;
    crate::diagnostics::did_you_mean(unknown, ticks)
}

/// The field a "missing field `date`" error names.
fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    Some(rest[..rest.find('`')?].to_string())
}

/// Removes the innermost entry whose key is `span` or whose value holds it. The removed key is
/// remembered with the span of the entry it was in, which the table's span holds. Containers
/// are searched whatever their span says: an array of tables spans only its first header.
fn take_out(
    table: &mut DeTable<'_>,
    span: &Range<usize>,
    meant: Option<&str>,
    removed: &mut Vec<(Range<usize>, String)>,
) -> bool {
    let mut hit = None;
    for (k, v) in table.iter_mut() {
        if k.span() != *span && inside(v, span, meant, removed) {
            return true;
        }
        if k.span() == *span || contains(&v.span(), span) {
            hit = Some((k.get_ref().to_string(), k.span().start..v.span().end));
            break;
        }
    }
    let Some((key, entry)) = hit else {
        return false;
    };
    let Some((k, v)) = table.remove_entry(key.as_str()) else {
        return false;
    };
    if let Some(name) = meant.filter(|m| k.span() == *span && !table.contains_key(*m)) {
        table.insert(Spanned::new(k.span(), DeString::Owned(name.to_string())), v);
        return true;
    }
    removed.push((entry, key));
    true
}

fn inside(
    v: &mut Spanned<DeValue<'_>>,
    span: &Range<usize>,
    meant: Option<&str>,
    removed: &mut Vec<(Range<usize>, String)>,
) -> bool {
    match v.get_mut() {
        DeValue::Table(t) => take_out(t, span, meant, removed),
        DeValue::Array(items) => items
            .iter_mut()
            .any(|item| inside(item, span, meant, removed)),
        _ => false,
    }
}

/// Puts a stand-in value for the required field `key` into the innermost table (at `at`) that
/// holds `span`. Only the required fields of briefs and sections have stand-ins.
fn stand_in(table: &mut DeTable<'_>, at: Range<usize>, span: &Range<usize>, key: &str) -> bool {
    for (_, v) in table.iter_mut() {
        let vs = v.span();
        if let DeValue::Table(t) = v.get_mut() {
            if contains(&vs, span) && stand_in(t, vs, span, key) {
                return true;
            }
            continue;
        }
        if let DeValue::Array(items) = v.get_mut() {
            for item in items.iter_mut() {
                let is = item.span();
                if let DeValue::Table(t) = item.get_mut()
                    && contains(&is, span)
                    && stand_in(t, is, span, key)
                {
                    return true;
                }
            }
        }
    }
    if table.contains_key(key) {
        return false;
    }
    let Some(value) = placeholder(key) else {
        return false;
    };
    let at = at.start.min(span.start)..at.start.min(span.start);
    table.insert(
        Spanned::new(at.clone(), DeString::Owned(key.to_string())),
        Spanned::new(at, value),
    );
    true
}

fn placeholder(key: &str) -> Option<DeValue<'static>> {
    let text = |s: &'static str| DeValue::String(DeString::Borrowed(s));
    Some(match key {
        "title" | "text" | "id" | "publisher" | "partner" | "rationale" => text("-"),
        "date" => DeValue::Datetime("2000-01-01".parse().ok()?),
        "confidence" => text("likely"),
        "kind" => text("soft"),
        "level" => text("low"),
        "economic" | "security" | "credibility" => {
            let mut t = DeTable::new();
            for (k, v) in [("level", text("low")), ("rationale", text("-"))] {
                t.insert(
                    Spanned::new(0..0, DeString::Borrowed(k)),
                    Spanned::new(0..0, v),
                );
            }
            DeValue::Table(t)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::meta::BriefMeta;

    fn errors(toml: &str) -> Vec<String> {
        let root = DeTable::parse(toml).unwrap();
        let mut out = Vec::new();
        let again = || DeTable::parse(toml).ok();
        let r: Option<BriefMeta> = read_all(root, again, |e| {
            let s = e.span().unwrap_or(0..0);
            out.push(format!(
                "{}: {}",
                &toml[s],
                e.message().lines().next().unwrap()
            ));
        });
        assert!(r.is_none() || out.is_empty());
        out
    }

    #[test]
    fn every_field_error_is_reported() {
        let e = errors(
            "title = 3\ndate = \"2017-13-01\"\nweigth = 2\n[[key_judgments]]\ntext = 1\nconfidence = \"likely\"\n[[sources]]\nid = \"a\"\ntitle = \"t\"\n",
        );
        assert_eq!(e.len(), 5, "{e:#?}");
        assert!(e.iter().any(|m| m.starts_with("3: ")), "{e:#?}");
        assert!(
            e.iter().any(|m| m.starts_with("\"2017-13-01\": ")),
            "{e:#?}"
        );
        assert!(e.iter().any(|m| m.starts_with("weigth: ")), "{e:#?}");
        assert!(e.iter().any(|m| m.starts_with("1: ")), "{e:#?}");
        assert!(
            e.iter().any(|m| m.contains("missing field `publisher`")),
            "{e:#?}"
        );
    }

    #[test]
    fn a_removed_required_field_is_not_reported_missing() {
        let e = errors("title = \"t\"\ndate = \"May 2017\"\n");
        assert_eq!(e.len(), 1, "{e:#?}");
        let e = errors("titel = 3\ndate = 2017-01-01\n");
        assert_eq!(e.len(), 2, "read as `title`, which is not a string: {e:#?}");
        let e = errors("title = \"t\"\n");
        assert_eq!(e.len(), 1, "{e:#?}");
        assert!(e[0].contains("missing field `date`"), "{e:#?}");
        assert!(errors("title = \"t\"\ndate = 2017-01-01\n").is_empty());
    }
}
