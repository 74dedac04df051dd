//! Data files under `content/data/`: TOML, JSON and CSV, loaded once and shared by templates
//! (`data.NAME`) and shortcodes (`data="NAME"`).

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::diagnostics::{Diagnostic, display_path, from_toml_error, line_offset};

#[derive(Debug)]
pub struct DataFile {
    pub rel: String,
    /// The file stem: `content/data/gdp.csv` is `gdp`.
    pub name: String,
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
    Ok(Some(Arc::new(DataFile {
        rel: rel.to_string(),
        name: stem,
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
}
