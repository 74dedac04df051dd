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

/// A language's month names, and how it writes the first day of a month.
struct MonthNames {
    full: [&'static str; 12],
    abbreviated: [&'static str; 12],
    first_of_month: Option<&'static str>,
}

const ENGLISH: MonthNames = MonthNames {
    full: MONTHS,
    abbreviated: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
    first_of_month: None,
};

/// Lowercase, as French writes them.
const FRENCH: MonthNames = MonthNames {
    full: [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    abbreviated: [
        "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
        "déc.",
    ],
    first_of_month: Some("1er"),
};

impl MonthNames {
    /// `fr-CA` is French, `frr` is not (the same test as the French typography).
    fn of(language: &str) -> &'static MonthNames {
        if crate::typography::is_french(language) {
            &FRENCH
        } else {
            &ENGLISH
        }
    }
}

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

    /// [`PartialDate::format_in`] in English.
    pub fn format(&self, fmt: &str) -> String {
        self.format_in(fmt, "en")
    }

    /// Formats with a strftime subset (%Y %y %m %-m %d %-d %e %B %b %%), month names in
    /// `language` (a BCP 47 tag: `fr`, `fr-CA`; any other is English, since the config checks
    /// languages). A month-only date prints "May 2017" / "mai 2017" whatever the format, since
    /// a day would be invented; a year-only date prints the year. French writes the first of
    /// the month as an ordinal, "1er mai 2017", wherever the format has `%-d` or `%e`.
    pub fn format_in(&self, fmt: &str, language: &str) -> String {
        let names = MonthNames::of(language);
        let Some(month) = self.month else {
            return self.year.to_string();
        };
        let month_name = names.full[month as usize - 1];
        let Some(day) = self.day else {
            return format!("{month_name} {}", self.year);
        };
        let ordinal = names.first_of_month.filter(|_| day == 1);
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
                'd' if !no_pad => out.push_str(&format!("{day:02}")),
                'd' | 'e' => match (ordinal, spec) {
                    (Some(first), _) => out.push_str(first),
                    (None, 'e') => out.push_str(&format!("{day:>2}")),
                    (None, _) => out.push_str(&day.to_string()),
                },
                'B' => out.push_str(month_name),
                'b' => out.push_str(names.abbreviated[month as usize - 1]),
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

    fn on(s: &str) -> PartialDate {
        PartialDate::parse(s).unwrap()
    }

    #[test]
    fn every_month_in_english_and_french() {
        let english = [
            ("January", "Jan"),
            ("February", "Feb"),
            ("March", "Mar"),
            ("April", "Apr"),
            ("May", "May"),
            ("June", "Jun"),
            ("July", "Jul"),
            ("August", "Aug"),
            ("September", "Sep"),
            ("October", "Oct"),
            ("November", "Nov"),
            ("December", "Dec"),
        ];
        let french = [
            ("janvier", "janv."),
            ("février", "févr."),
            ("mars", "mars"),
            ("avril", "avr."),
            ("mai", "mai"),
            ("juin", "juin"),
            ("juillet", "juil."),
            ("août", "août"),
            ("septembre", "sept."),
            ("octobre", "oct."),
            ("novembre", "nov."),
            ("décembre", "déc."),
        ];
        for m in 1..=12 {
            let d = on(&format!("2017-{m:02}-14"));
            let (full, abbr) = english[m - 1];
            assert_eq!(d.format_in("%-d %B %Y", "en"), format!("14 {full} 2017"));
            assert_eq!(d.format_in("%b %d", "en"), format!("{abbr} 14"));
            assert_eq!(d.format("%-d %B %Y"), format!("14 {full} 2017"));
            let (full, abbr) = french[m - 1];
            assert_eq!(d.format_in("%-d %B %Y", "fr"), format!("14 {full} 2017"));
            assert_eq!(d.format_in("%e %b %Y", "fr-CA"), format!("14 {abbr} 2017"));
            let month_only = on(&format!("2017-{m:02}"));
            assert_eq!(
                month_only.format_in("%-d %B %Y", "fr"),
                format!("{full} 2017")
            );
            assert_eq!(
                month_only.format_in("%d/%m/%Y", "fr"),
                format!("{full} 2017")
            );
        }
    }

    #[test]
    fn the_first_of_the_month_in_french() {
        assert_eq!(
            on("2017-05-01").format_in("%-d %B %Y", "fr"),
            "1er mai 2017"
        );
        assert_eq!(on("2017-05-01").format_in("le %e %b", "fr"), "le 1er mai");
        // A padded day is a number, not an ordinal.
        assert_eq!(on("2017-05-01").format_in("%d/%m/%Y", "fr"), "01/05/2017");
        assert_eq!(on("2017-05-02").format_in("%-d %B %Y", "fr"), "2 mai 2017");
        assert_eq!(on("2017-05-11").format_in("%-d %B %Y", "fr"), "11 mai 2017");
        assert_eq!(on("2017-05-21").format_in("%-d %B %Y", "fr"), "21 mai 2017");
        assert_eq!(on("2017-05-31").format_in("%e %B", "fr"), "31 mai");
        assert_eq!(on("2017-05-01").format_in("%-d %B %Y", "en"), "1 May 2017");
        assert_eq!(on("2017-05-01").format_in("%e %B", "en"), " 1 May");
    }

    #[test]
    fn partial_dates_datetimes_and_other_languages() {
        assert_eq!(on("2017").format_in("%-d %B %Y", "fr"), "2017");
        assert_eq!(on("2017").format_in("%-d %B %Y", "en"), "2017");
        assert_eq!(on("2017-05").format_in("%-d %B %Y", "en"), "May 2017");
        assert_eq!(on("2017-05").format_in("%-d %B %Y", "fr"), "mai 2017");
        let dt = on("2017-08-01T10:00:00+09:00");
        assert_eq!(dt.format_in("%-d %B %Y", "fr"), "1er août 2017");
        assert_eq!(dt.format_in("%-d %B %Y", "en"), "1 August 2017");
        assert_eq!(
            on("2017-12-01T00:00:00Z").format_in("%-d %b %Y", "FR"),
            "1er déc. 2017"
        );
        // Unknown languages (and ones that only start like French) read English.
        for lang in ["xx", "", "de", "frr", "en-fr"] {
            assert_eq!(
                on("2017-05-01").format_in("%-d %B %Y", lang),
                "1 May 2017",
                "{lang}"
            );
            assert_eq!(on("2017-05").format_in("%B %Y", lang), "May 2017", "{lang}");
        }
        assert_eq!(on("2017-05-01").format_in("%% %q %-", "fr"), "% %q %");
    }
}
