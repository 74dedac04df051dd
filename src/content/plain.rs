//! The TOML mistakes analysts make, in their words: the parser's message ("unexpected key or
//! value, expected newline, `#`") becomes what went wrong ("a `\"` inside the text ends it
//! early"), and the hint is the line as it should be, quoted from the file and ready to paste.

use crate::diagnostics::Diagnostic;

/// What to say instead of the parser's message, and the corrected line.
struct Plain {
    message: String,
    label: String,
    hint: String,
}

/// Rewrites `d`, made from `err` on `toml` (a front matter's text), when the mistake is one
/// of those this module knows; its place in the file stays.
pub fn refine(d: Diagnostic, err: &toml::de::Error, toml: &str) -> Diagnostic {
    let Some(span) = err.span() else {
        return d;
    };
    let Some(p) = explain(err.message(), toml, span.start) else {
        return d;
    };
    Diagnostic {
        message: p.message,
        label: Some(p.label),
        hint: Some(p.hint),
        ..d
    }
}

/// A `key = value` line of the TOML text.
struct Line<'a> {
    key: &'a str,
    value: &'a str,
    /// The table the line is in (`sources`, `events`, ...), `None` at the top.
    table: Option<&'a str>,
}

fn line_at(toml: &str, at: usize) -> Option<Line<'_>> {
    let at = at.min(toml.len());
    let start = toml[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = toml[at..].find('\n').map_or(toml.len(), |i| at + i);
    let line = toml[start..end].trim_end_matches('\r');
    let (key, value) = line.split_once('=')?;
    let table = toml[..start].lines().rev().find_map(|l| {
        let l = l.trim();
        l.starts_with('[')
            .then(|| l.trim_matches(['[', ']']).trim())
    });
    Some(Line {
        key: key.trim(),
        value: without_comment(value.trim()),
        table,
    })
}

/// A value without the `# comment` after it: after the closing quote of a string, at the first
/// `#` of anything else.
fn without_comment(value: &str) -> &str {
    let end = match value.rfind(['"', '\'']) {
        Some(q)
            if value.starts_with(['"', '\'']) && value[q + 1..].trim_start().starts_with('#') =>
        {
            q + 1
        }
        Some(_) if value.starts_with(['"', '\'']) => value.len(),
        _ => value.find('#').unwrap_or(value.len()),
    };
    value[..end].trim_end()
}

fn explain(message: &str, toml: &str, at: usize) -> Option<Plain> {
    let line = line_at(toml, at)?;
    let first = message.lines().next().unwrap_or(message);
    let key = line.key;
    let is_brief_date = line.table.is_none() && matches!(key, "date" | "updated");
    if first.starts_with("unexpected key or value") && line.value.starts_with('"') {
        return quote_inside(&line);
    }
    if first.starts_with("invalid date") && !line.value.starts_with('"') {
        let value = line.value;
        let partial = value.len() == 7 && value.as_bytes()[4] == b'-';
        if partial && is_brief_date {
            return Some(month_only(key, value));
        }
        if partial {
            return Some(Plain {
                message: format!("a date with no day must be in quotes: `{value}`"),
                label: "TOML reads this as a full date and finds no day".into(),
                hint: format!("write {key} = \"{value}\""),
            });
        }
    }
    if first.starts_with("invalid date `") && first.contains("needs a day") {
        let value = line.value.trim_matches('"');
        return Some(month_only(key, value));
    }
    if first.starts_with("string values must be quoted") {
        return Some(unquoted(&line, is_brief_date));
    }
    if first.starts_with("invalid type: string") && first.ends_with("expected a sequence") {
        return Some(list(&line));
    }
    None
}

fn quote_inside(line: &Line<'_>) -> Option<Plain> {
    let inner = line.value.strip_prefix('"')?.strip_suffix('"')?;
    let key = line.key;
    let escaped = inner.replace('\\', "\\\\").replace('"', "\\\"");
    let hint = if inner.contains('\'') {
        format!("escape the inner quotes: {key} = \"{escaped}\"")
    } else {
        format!(
            "use single quotes around the text: {key} = '{inner}' (or escape the inner quotes: {key} = \"{escaped}\")"
        )
    };
    Some(Plain {
        message: format!("a `\"` inside the text of `{key}` ends it early"),
        label: "the text ended at the quote before this".into(),
        hint,
    })
}

fn month_only(key: &str, value: &str) -> Plain {
    Plain {
        message: format!("a brief's {key} needs a day: `{value}` gives only the month"),
        label: "no day".into(),
        hint: format!(
            "give the day, e.g. the first of the month: {key} = {value}-01 (month-only dates are for events and sources)"
        ),
    }
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// `May 2017`, `2017 May` or `May, 2017` as `2017-05`.
fn month_year(value: &str) -> Option<String> {
    let words: Vec<&str> = value.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    let [a, b] = words[..] else {
        return None;
    };
    let (month, year) = if a.chars().all(|c| c.is_ascii_digit()) {
        (b, a)
    } else {
        (a, b)
    };
    let m = month.to_ascii_lowercase();
    let n = MONTHS
        .iter()
        .position(|full| m.len() >= 3 && full.starts_with(m.trim_end_matches('.')))?
        + 1;
    (year.len() == 4 && year.chars().all(|c| c.is_ascii_digit())).then(|| format!("{year}-{n:02}"))
}

fn unquoted(line: &Line<'_>, is_brief_date: bool) -> Plain {
    let (key, value) = (line.key, line.value);
    let is_date = matches!(key, "date" | "updated");
    if is_date && let Some(iso) = month_year(value) {
        let hint = if is_brief_date {
            format!("write the date as year-month-day, e.g. {key} = {iso}-01")
        } else {
            format!("write the date as year-month, in quotes: {key} = \"{iso}\"")
        };
        return Plain {
            message: format!("`{value}` is not a date briefing can read: write dates as numbers"),
            label: "dates are YYYY-MM-DD (or \"YYYY-MM\" where the day is unknown)".into(),
            hint,
        };
    }
    let quoted = value.replace('\\', "\\\\").replace('"', "\\\"");
    Plain {
        message: format!("the text of `{key}` must be in quotes"),
        label: "text without quotes".into(),
        hint: format!("write {key} = \"{quoted}\""),
    }
}

fn list(line: &Line<'_>) -> Plain {
    let key = line.key;
    let inner = line.value.trim_matches('"');
    let items: Vec<String> = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| format!("\"{s}\""))
        .collect();
    Plain {
        message: format!("`{key}` is a list: put the names in square brackets"),
        label: "one text, where a list is expected".into(),
        hint: format!("write {key} = [{}]", items.join(", ")),
    }
}

/// The whole line `at` is on, for tests.
#[cfg(test)]
fn line_text(toml: &str, at: usize) -> &str {
    let n = toml[..at].matches('\n').count() + 1;
    let start = crate::diagnostics::line_offset(toml, n);
    toml[start..].lines().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(toml: &str, needle: &str, message: &str) -> Option<String> {
        let at = toml.find(needle).unwrap();
        assert!(line_text(toml, at).contains(needle));
        explain(message, toml, at).map(|p| p.hint)
    }

    #[test]
    fn fixed_lines() {
        assert_eq!(month_year("May 2017").as_deref(), Some("2017-05"));
        assert_eq!(month_year("2017 september").as_deref(), Some("2017-09"));
        assert_eq!(month_year("Maybe 2017"), None);
        let t = "title = \"a\"\n[[sources]]\nid = \"x\"\ndate = 2017-08\n";
        assert_eq!(
            hint(t, "2017-08", "invalid date, expected `-` (MM-DD)").as_deref(),
            Some("write date = \"2017-08\"")
        );
        let t = "[[events]]\ndate = 2015-04    # the guidelines\n";
        assert_eq!(
            hint(t, "2015-04", "invalid date, expected `-` (MM-DD)").as_deref(),
            Some("write date = \"2015-04\"")
        );
        let t = "bottom_line = \"He said \"no\" to it\"  # quoted\n";
        assert!(
            hint(t, "no\"", "unexpected key or value, expected newline, `#`")
                .is_some_and(|h| h.contains("bottom_line = 'He said \"no\" to it'"))
        );
        let t = "actors = \"Japan, China\"\n";
        assert_eq!(
            hint(
                t,
                "\"Japan",
                "invalid type: string \"Japan, China\", expected a sequence"
            )
            .as_deref(),
            Some("write actors = [\"Japan\", \"China\"]")
        );
    }
}
