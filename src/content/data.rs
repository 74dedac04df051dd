//! Data files under `content/data/`: TOML, JSON and CSV, loaded once and shared by templates
//! (`data.NAME`) and shortcodes (`data="NAME"`).

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::diagnostics::{Diagnostic, display_path, from_toml_error, line_offset};

#[derive(Debug)]
pub struct DataFile {
    pub rel: String,
    /// The file stem: `content/data/gdp.csv` is `gdp`; a translation's stem without its
    /// language: `gdp.fr.csv` is `gdp` too.
    pub name: String,
    /// The language of a translation (`gdp.fr.csv` on a site with French), `None` for the
    /// original.
    pub language: Option<String>,
    /// The path diagnostics name (`content/data/gdp.fr.csv`).
    pub display: std::path::PathBuf,
    pub hash: u64,
    /// TOML and JSON as written; CSV as `{ "columns": [...], "rows": [{col: value}] }`.
    pub value: Value,
}

/// Reads one data file. Files of other kinds (and `.md` notes) are skipped.
pub fn read(
    root: &Path,
    rel: &str,
    file: &super::Located,
    cached: Option<Arc<DataFile>>,
    languages: &super::translation::Languages,
) -> Result<Option<Arc<DataFile>>, Diagnostic> {
    let Some((stem, ext)) = rel
        .strip_prefix("data/")
        .and_then(|n| n.rsplit_once('.'))
        .map(|(s, e)| (s.to_string(), e.to_ascii_lowercase()))
    else {
        return Ok(None);
    };
    if !matches!(ext.as_str(), "toml" | "json" | "csv") {
        return Ok(None);
    }
    let display = display_path(root, &file.path);
    let text = super::read_text_at(&display, &file.real)?;
    let hash = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
    if let Some(c) = cached
        && c.hash == hash
    {
        return Ok(Some(c));
    }
    let value = parse(&ext, &text, &display)?;
    let (name, language) = match stem.rsplit_once('.') {
        Some((base, code)) if languages.others.iter().any(|l| l == code) => {
            (base.to_string(), Some(code.to_string()))
        }
        _ => (stem, None),
    };
    Ok(Some(Arc::new(DataFile {
        rel: rel.to_string(),
        name,
        language,
        display,
        hash,
        value,
    })))
}

pub fn parse(ext: &str, text: &Arc<str>, display: &Path) -> Result<Value, Diagnostic> {
    match ext {
        "toml" => {
            let table: toml::Table =
                toml::from_str(text).map_err(|e| from_toml_error(&e, display, text, 0))?;
            serde_json::to_value(table)
                .map_err(|e| Diagnostic::error(e.to_string()).in_file(display))
        }
        "json" => serde_json::from_str(text).map_err(|e| {
            let start = line_offset(text, e.line()) + e.column().saturating_sub(1);
            Diagnostic::error(format!("invalid JSON: {e}"))
                .in_file(display)
                .at(text, start..start + 1)
                .with_hint("check commas, quotes and brackets near this point")
        }),
        _ => parse_csv(text, display),
    }
}

fn parse_csv(text: &Arc<str>, display: &Path) -> Result<Value, Diagnostic> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let csv_error = |e: csv::Error| {
        let mut d = Diagnostic::error(format!("invalid CSV: {e}")).in_file(display);
        let pos = match e.kind() {
            csv::ErrorKind::UnequalLengths { pos, .. } => pos.clone(),
            csv::ErrorKind::Utf8 { pos, .. } => pos.clone(),
            _ => e.position().cloned(),
        };
        if let Some(p) = pos {
            let start = line_offset(text, p.line() as usize);
            let end = text[start..]
                .find('\n')
                .map(|i| start + i)
                .unwrap_or(text.len());
            d = d.at(text, start..end);
        }
        d.with_hint("every row needs as many comma-separated fields as the header line")
    };
    let columns: Vec<String> = reader
        .headers()
        .map_err(csv_error)?
        .iter()
        .map(str::to_string)
        .collect();
    if columns.is_empty() || columns.iter().all(String::is_empty) {
        return Err(Diagnostic::error("CSV file has no header line")
            .in_file(display)
            .with_hint("put the column names on the first line, e.g. `year,tests`"));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        let row: serde_json::Map<String, Value> = columns
            .iter()
            .zip(record.iter())
            .map(|(c, v)| (c.clone(), cell(v)))
            .collect();
        rows.push(Value::Object(row));
    }
    Ok(serde_json::json!({ "columns": columns, "rows": rows }))
}

/// Numbers become numbers so charts and templates can compute with them.
fn cell(v: &str) -> Value {
    if let Ok(i) = v.parse::<i64>() {
        return Value::from(i);
    }
    match v.parse::<f64>() {
        Ok(f) if f.is_finite() => Value::from(f),
        _ => Value::from(v),
    }
}

/// The data files as `language` reads them: each original, or its translation into `language`
/// where there is one. A translation translates words only: it must have the original's
/// shape, keys and numbers, or it is an error (and the original is used).
pub fn localized(
    data: &[Arc<DataFile>],
    language: &str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Arc<DataFile>> {
    let mut out: Vec<Arc<DataFile>> = data
        .iter()
        .filter(|d| d.language.is_none())
        .cloned()
        .collect();
    for t in data
        .iter()
        .filter(|d| d.language.as_deref() == Some(language))
    {
        let display = &t.display;
        let Some(slot) = out.iter_mut().find(|o| o.name == t.name) else {
            diags.push(
                Diagnostic::error(format!(
                    "this data translation has no original: there is no `{}` data file in content/data/",
                    t.name
                ))
                .in_file(display)
                .at_line(1, 1)
                .with_hint(format!(
                    "a data file's translation sits beside its original: name this file after it ({}.{language}.EXT beside {}.EXT)",
                    t.name, t.name
                )),
            );
            continue;
        };
        let csv = t.rel.ends_with(".csv");
        match differs(&slot.value, &t.value, &mut Vec::new()) {
            None => *slot = t.clone(),
            Some((path, what)) => {
                let (place, line) = place(&path, csv);
                let mut d = Diagnostic::error(format!(
                    "{place}: {what}; a translated data file translates words only"
                ))
                .in_file(display)
                .with_hint(format!(
                    "keep the original's columns, rows and numbers as they are ({}) and translate only the text",
                    slot.rel
                ));
                if let Some(line) = line {
                    d = d.at_line(line, 1);
                }
                diags.push(d);
            }
        }
    }
    out
}

/// Where a difference is, for the analyst: `row 2, column \`count\`` in a CSV file (and its
/// line, the header being line 1), the dotted key otherwise.
fn place(path: &[String], csv: bool) -> (String, Option<usize>) {
    if csv
        && path.first().is_some_and(|p| p == "rows")
        && let Some(row) = path.get(1).and_then(|r| r.parse::<usize>().ok())
    {
        let column = path
            .get(2)
            .map(|c| format!(", column `{c}`"))
            .unwrap_or_default();
        return (format!("row {}{column}", row + 1), Some(row + 2));
    }
    if csv && path.first().is_some_and(|p| p == "columns") {
        return ("the header line".into(), Some(1));
    }
    if path.is_empty() {
        return ("the file".into(), None);
    }
    (format!("`{}`", path.join(".")), None)
}

/// The first place where `t` is not a translation of `o`: other keys, other lengths, other
/// numbers or booleans. Strings may differ, except object keys and CSV column names.
fn differs(o: &Value, t: &Value, path: &mut Vec<String>) -> Option<(Vec<String>, String)> {
    let show = |v: &Value| match v {
        Value::String(s) => format!("`{s}`"),
        other => other.to_string(),
    };
    let here = |path: &Vec<String>, what: String| Some((path.clone(), what));
    match (o, t) {
        (Value::Object(a), Value::Object(b)) => {
            if let Some(k) = a.keys().find(|k| !b.contains_key(*k)) {
                return here(path, format!("`{k}` is missing"));
            }
            if let Some(k) = b.keys().find(|k| !a.contains_key(*k)) {
                return here(path, format!("`{k}` is not in the original"));
            }
            for (k, v) in a {
                path.push(k.clone());
                if let Some(d) = differs(v, &b[k], path) {
                    return Some(d);
                }
                path.pop();
            }
            None
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return here(
                    path,
                    format!("{} items where the original has {}", b.len(), a.len()),
                );
            }
            // Column names are keys: the chart's `x=` and `y=` name them in every language.
            let keys = path.last().is_some_and(|p| p == "columns") && path.len() == 1;
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                path.push(i.to_string());
                let d = if keys && v != w {
                    here(
                        path,
                        format!("{} where the original has {}", show(w), show(v)),
                    )
                } else {
                    differs(v, w, path)
                };
                if d.is_some() {
                    return d;
                }
                path.pop();
            }
            None
        }
        (Value::String(_), Value::String(_)) => None,
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => None,
        _ if o == t => None,
        _ => here(
            path,
            format!("{} where the original has {}", show(t), show(o)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_are_typed() {
        let t: Arc<str> = Arc::from("kind,count\nnuclear,3\nmissile,70\n");
        let v = parse("csv", &t, Path::new("d.csv")).unwrap();
        assert_eq!(v["rows"][1]["count"], 70);
        assert_eq!(v["columns"][0], "kind");
    }

    #[test]
    fn malformed_csv_names_the_line() {
        let t: Arc<str> = Arc::from("kind,count\nnuclear,3\nmissile\n");
        let e = parse("csv", &t, Path::new("d.csv")).unwrap_err();
        assert_eq!(e.location().map(|l| l.0), Some(3), "{e:?}");
    }

    #[test]
    fn json_error_has_line() {
        let t: Arc<str> = Arc::from("{\n\"a\": 1,\n}");
        let e = parse("json", &t, Path::new("d.json")).unwrap_err();
        assert_eq!(e.location().map(|l| l.0), Some(3));
    }

    fn file(rel: &str, name: &str, language: Option<&str>, text: &str) -> Arc<DataFile> {
        let t: Arc<str> = Arc::from(text);
        Arc::new(DataFile {
            rel: rel.into(),
            name: name.into(),
            language: language.map(str::to_string),
            display: Path::new("content").join(rel),
            hash: 0,
            value: parse("csv", &t, Path::new(rel)).unwrap(),
        })
    }

    #[test]
    fn a_language_reads_the_translation_of_a_data_file_and_others_the_original() {
        let data = vec![
            file(
                "data/t.csv",
                "t",
                None,
                "kind,count\nNuclear tests,3\nMissiles,70\n",
            ),
            file(
                "data/t.fr.csv",
                "t",
                Some("fr"),
                "kind,count\nEssais nucléaires,3\nMissiles,70\n",
            ),
            file("data/u.csv", "u", None, "a\n1\n"),
        ];
        let mut diags = Vec::new();
        let fr = localized(&data, "fr", &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        let names: Vec<(&str, &str)> = fr
            .iter()
            .map(|d| (d.name.as_str(), d.rel.as_str()))
            .collect();
        assert_eq!(names, [("t", "data/t.fr.csv"), ("u", "data/u.csv")]);
        assert_eq!(fr[0].value["rows"][0]["kind"], "Essais nucléaires");
        let de = localized(&data, "de", &mut diags);
        assert_eq!(
            de.iter().map(|d| d.rel.as_str()).collect::<Vec<_>>(),
            ["data/t.csv", "data/u.csv"]
        );
    }

    #[test]
    fn a_data_translation_that_changes_a_number_or_a_column_is_an_error_at_its_row() {
        let original = file(
            "data/t.csv",
            "t",
            None,
            "kind,count\nNuclear,3\nMissiles,70\n",
        );
        for (text, message, line) in [
            (
                "kind,count\nNucléaires,3\nMissiles,71\n",
                "row 2, column `count`: 71 where the original has 70",
                Some(3),
            ),
            (
                "kind,count\nNucléaires,3\nMissiles,\"70,0\"\n",
                "row 2, column `count`: `70,0` where the original has 70",
                Some(3),
            ),
            (
                "type,count\nNucléaires,3\nMissiles,70\n",
                "the header line",
                Some(1),
            ),
            (
                "kind,count\nNucléaires,3\n",
                "1 items where the original has 2",
                None,
            ),
        ] {
            let t = file("data/t.fr.csv", "t", Some("fr"), text);
            let mut diags = Vec::new();
            let fr = localized(&[original.clone(), t], "fr", &mut diags);
            assert_eq!(fr[0].rel, "data/t.csv", "the original stands in");
            assert_eq!(diags.len(), 1, "{text}");
            let d = &diags[0];
            assert!(
                d.is_error() && d.render(false).contains(message),
                "{text}: {}",
                d.render(false)
            );
            assert_eq!(d.location().map(|l| l.0), line, "{text}");
        }
        let orphan = file("data/v.fr.csv", "v", Some("fr"), "a\n1\n");
        let mut diags = Vec::new();
        localized(&[original, orphan], "fr", &mut diags);
        assert!(
            diags[0]
                .render(false)
                .contains("this data translation has no original"),
            "{diags:?}"
        );
    }
}
