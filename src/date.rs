//! Dates as analysts write them: a full date, a datetime, or just `YYYY-MM` / `YYYY`.
//!
//! The article behind a brief often gives a month but no day; we keep that precision instead of
//! inventing a day, and sort partial dates before full dates of the same month.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
    /// `HH:MM:SS` plus offset when the front matter gave a datetime, kept for feeds.
    pub time: Option<String>,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl PartialDate {
    pub fn parse(s: &str) -> Result<PartialDate, String> {
        let s = s.trim();
        let (date_part, time) = match s.find(['T', 't', ' ']) {
            Some(i) => (&s[..i], Some(s[i + 1..].to_string())),
            None => (s, None),
        };
        let mut parts = date_part.split('-');
        let bad = || {
            format!("invalid date `{s}`: expected YYYY-MM-DD, YYYY-MM or YYYY (e.g. 2017-05-14)")
        };
        let year: i32 = parts
            .next()
            .filter(|p| p.len() == 4)
            .and_then(|p| p.parse().ok())
            .ok_or_else(bad)?;
        let month = match parts.next() {
            Some(p) if p.len() == 2 => Some(p.parse::<u8>().map_err(|_| bad())?),
            Some(_) => return Err(bad()),
            None => None,
        };
        let day = match parts.next() {
            Some(p) if p.len() == 2 => Some(p.parse::<u8>().map_err(|_| bad())?),
            Some(_) => return Err(bad()),
            None => None,
        };
        if parts.next().is_some() {
            return Err(bad());
        }
        if let Some(m) = month
            && !(1..=12).contains(&m)
        {
            return Err(format!(
                "invalid date `{s}`: month {m} is not between 01 and 12"
            ));
        }
        if let (Some(m), Some(d)) = (month, day)
            && (d == 0 || d > days_in_month(year, m))
        {
            return Err(format!(
                "invalid date `{s}`: {} {year} has no day {d}",
                MONTHS[m as usize - 1]
            ));
        }
        if time.is_some() && day.is_none() {
            return Err(bad());
        }
        Ok(PartialDate {
            year,
            month,
            day,
            time,
        })
    }

    pub fn is_full(&self) -> bool {
        self.day.is_some()
    }

    /// ISO form as written: `2017`, `2017-05` or `2017-05-14`.
    pub fn iso(&self) -> String {
        match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{:04}-{m:02}-{d:02}", self.year),
            (Some(m), None) => format!("{:04}-{m:02}", self.year),
            _ => format!("{:04}", self.year),
        }
    }

    /// RFC 3339 timestamp for feeds and sitemaps (midnight UTC when no time was given).
    pub fn rfc3339(&self) -> String {
        let date = format!(
            "{:04}-{:02}-{:02}",
            self.year,
            self.month.unwrap_or(1),
            self.day.unwrap_or(1)
        );
        match &self.time {
            Some(t) if t.ends_with('Z') || t.contains('+') || t.rfind('-').is_some() => {
                format!("{date}T{t}")
            }
            Some(t) => format!("{date}T{t}Z"),
            None => format!("{date}T00:00:00Z"),
        }
    }

    /// Formats with a strftime subset (%Y %y %m %-m %d %-d %e %B %b %%). A month-only date
    /// prints "May 2017" whatever the format, since a day would be invented.
    pub fn format(&self, fmt: &str) -> String {
        let Some(month) = self.month else {
            return self.year.to_string();
        };
        let month_name = MONTHS[month as usize - 1];
        let Some(day) = self.day else {
            return format!("{month_name} {}", self.year);
        };
        let mut out = String::new();
        let mut chars = fmt.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let mut spec = chars.next().unwrap_or('%');
            let no_pad = spec == '-';
            if no_pad {
                spec = chars.next().unwrap_or('%');
            }
            match spec {
                'Y' => out.push_str(&self.year.to_string()),
                'y' => out.push_str(&format!("{:02}", self.year.rem_euclid(100))),
                'm' if no_pad => out.push_str(&month.to_string()),
                'm' => out.push_str(&format!("{month:02}")),
                'd' if no_pad => out.push_str(&day.to_string()),
                'd' => out.push_str(&format!("{day:02}")),
                'e' => out.push_str(&format!("{day:>2}")),
                'B' => out.push_str(month_name),
                'b' => out.push_str(&month_name[..3]),
                '%' => out.push('%'),
                other => {
                    out.push('%');
                    out.push(other);
                }
            }
        }
        out
    }

    fn key(&self) -> (i32, u8, u8, &str) {
        (
            self.year,
            self.month.unwrap_or(0),
            self.day.unwrap_or(0),
            self.time.as_deref().unwrap_or(""),
        )
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Ord for PartialDate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for PartialDate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iso())
    }
}

impl Serialize for PartialDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.iso())
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Datetime(toml::value::Datetime),
            Text(String),
            Year(i64),
        }
        let raw = Raw::deserialize(d).map_err(|e: D::Error| {
            // A missing field surfaces here too; keep serde's own message for it.
            if e.to_string().starts_with("missing field") {
                e
            } else {
                serde::de::Error::custom(
                    "invalid date: expected a TOML date (2017-05-14), a datetime, or a string \"YYYY-MM\"",
                )
            }
        })?;
        let text = match raw {
            Raw::Datetime(dt) => dt.to_string(),
            Raw::Text(s) => s,
            Raw::Year(y) => y.to_string(),
        };
        PartialDate::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A date that must carry a day: the `date` and `updated` of a brief.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct FullDate(pub PartialDate);

impl<'de> Deserialize<'de> for FullDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let p = PartialDate::deserialize(d)?;
        if !p.is_full() {
            return Err(serde::de::Error::custom(format!(
                "invalid date `{p}`: a brief's date needs a day, e.g. {}-01",
                p.iso()
            )));
        }
        Ok(FullDate(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_order() {
        let m = PartialDate::parse("2017-05").unwrap();
        let d = PartialDate::parse("2017-05-14").unwrap();
        assert!(m < d);
        assert_eq!(m.format("%-d %B %Y"), "May 2017");
        assert_eq!(d.format("%-d %B %Y"), "14 May 2017");
        assert_eq!(d.rfc3339(), "2017-05-14T00:00:00Z");
        assert!(PartialDate::parse("2017-13").is_err());
        assert!(PartialDate::parse("2017-02-30").is_err());
        assert!(PartialDate::parse("May 2017").is_err());
        let dt = PartialDate::parse("2017-05-14T10:00:00+09:00").unwrap();
        assert_eq!(dt.rfc3339(), "2017-05-14T10:00:00+09:00");
    }
}
