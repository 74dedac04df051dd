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
/// where there is one. A translation gives the words: it must have the original's shape (keys,
/// columns, rows), or it is an error and the original is used. Numbers and booleans are always
/// the original's, so updating a figure in the original updates every language; a translation
/// that gives another one gets a warning (an empty cell inherits without one).
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
        // The diagnostic at a place in the translation: its row's line in a CSV file.
        let at = |path: &[String], d: fn(String) -> Diagnostic, what: &str, tail: &str| {
            let (place, line) = place(path, csv);
            let d = d(format!("{place}: {what}; {tail}")).in_file(display);
            match line {
                Some(line) => d.at_line(line, 1),
                None => d,
            }
        };
        let mut kept = Vec::new();
        match merge(&slot.value, &t.value, &mut Vec::new(), &mut kept) {
            Ok(value) => {
                for (path, what) in kept {
                    diags.push(
                        at(&path, Diagnostic::warning, &what, "the original's value is used")
                            .with_hint(format!(
                                "numbers come from the original ({}): leave the cell empty or write the original's value",
                                slot.rel
                            )),
                    );
                }
                *slot = Arc::new(DataFile {
                    rel: t.rel.clone(),
                    name: t.name.clone(),
                    language: t.language.clone(),
                    display: t.display.clone(),
                    hash: slot.hash.rotate_left(1) ^ t.hash,
                    value,
                });
            }
            Err((path, what)) => diags.push(
                at(
                    &path,
                    Diagnostic::error,
                    &what,
                    "a translated data file has its original's keys, columns and rows",
                )
                .with_hint(format!(
                    "keep the structure of the original ({}) and translate only the text",
                    slot.rel
                )),
            ),
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

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`{s}`"),
        other => other.to_string(),
    }
}

/// The original `o` with the text of its translation `t`: the same keys and lengths or an
/// error at the first difference; strings from `t` (but object keys and CSV column names, which
/// charts and templates name), everything else from `o`, noting in `kept` where `t` differs.
fn merge(
    o: &Value,
    t: &Value,
    path: &mut Vec<String>,
    kept: &mut Vec<(Vec<String>, String)>,
) -> Result<Value, (Vec<String>, String)> {
    match (o, t) {
        (Value::Object(a), Value::Object(b)) => {
            if let Some(k) = a.keys().find(|k| !b.contains_key(*k)) {
                return Err((path.clone(), format!("`{k}` is missing")));
            }
            if let Some(k) = b.keys().find(|k| !a.contains_key(*k)) {
                return Err((path.clone(), format!("`{k}` is not in the original")));
            }
            let mut out = serde_json::Map::with_capacity(a.len());
            for (k, v) in a {
                path.push(k.clone());
                out.insert(k.clone(), merge(v, &b[k], path, kept)?);
                path.pop();
            }
            Ok(Value::Object(out))
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return Err((
                    path.clone(),
                    format!("{} items where the original has {}", b.len(), a.len()),
                ));
            }
            // Column names are keys: the chart's `x=` and `y=` name them in every language.
            let keys = path.len() == 1 && path[0] == "columns";
            let mut out = Vec::with_capacity(a.len());
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                path.push(i.to_string());
                if keys && v != w {
                    return Err((
                        path.clone(),
                        format!("{} where the original has {}", show(w), show(v)),
                    ));
                }
                out.push(merge(v, w, path, kept)?);
                path.pop();
            }
            Ok(Value::Array(out))
        }
        (Value::String(_), Value::String(_)) => Ok(t.clone()),
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => Ok(o.clone()),
        (_, Value::String(s)) if s.is_empty() => Ok(o.clone()),
        _ if o == t => Ok(o.clone()),
        (Value::String(_), _) => Err((
            path.clone(),
            format!("{} where the original has text, {}", show(t), show(o)),
        )),
        _ => {
            kept.push((
                path.clone(),
                format!("{} where the original has {}", show(t), show(o)),
            ));
            Ok(o.clone())
        }
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
    fn a_data_translation_gives_words_and_the_original_its_numbers_and_shape() {
        let original = file(
            "data/t.csv",
            "t",
            None,
            "kind,count\nNuclear,3\nMissiles,70\n",
        );
        // Numbers are the original's: a different one is a warning at its row, an empty cell
        // inherits without one.
        for (text, warning) in [
            (
                "kind,count\nNucléaires,3\nMissiles,71\n",
                Some("row 2, column `count`: 71 where the original has 70"),
            ),
            (
                "kind,count\nNucléaires,3\nMissiles,\"70,0\"\n",
                Some("row 2, column `count`: `70,0` where the original has 70"),
            ),
            ("kind,count\nNucléaires,\nMissiles,\n", None),
        ] {
            let t = file("data/t.fr.csv", "t", Some("fr"), text);
            let mut diags = Vec::new();
            let fr = localized(&[original.clone(), t], "fr", &mut diags);
            assert_eq!(fr[0].value["rows"][0]["kind"], "Nucléaires", "{text}");
            assert_eq!(fr[0].value["rows"][1]["count"], 70, "{text}");
            assert_eq!(fr[0].value["rows"][0]["count"], 3, "{text}");
            match warning {
                Some(w) => {
                    assert_eq!(diags.len(), 1, "{text}");
                    let d = &diags[0];
                    assert!(
                        !d.is_error() && d.render(false).contains(w),
                        "{text}: {}",
                        d.render(false)
                    );
                    assert_eq!(d.location().map(|l| l.0), Some(3), "{text}");
                }
                None => assert!(diags.is_empty(), "{text}: {diags:?}"),
            }
        }
        // Another shape is an error, and the original stands in.
        for (text, message, line) in [
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
