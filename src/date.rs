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

/// A language's month names and how it writes dates, from its interface strings (so a language
/// is added with files, not code): `months.jan` … `months.dec`, `months_short.jan` …,
/// `first_of_month` (how the first day is written, `1er` in French; empty for the number) and
/// `month_format` (a date with no day, `%B %Y`).
#[derive(Debug, Clone, Copy)]
pub struct MonthNames<'a> {
    full: [&'a str; 12],
    abbreviated: [&'a str; 12],
    first_of_month: Option<&'a str>,
    month_format: &'a str,
}

const FULL_KEYS: [&str; 12] = [
    "months.jan",
    "months.feb",
    "months.mar",
    "months.apr",
    "months.may",
    "months.jun",
    "months.jul",
    "months.aug",
    "months.sep",
    "months.oct",
    "months.nov",
    "months.dec",
];
const SHORT_KEYS: [&str; 12] = [
    "months_short.jan",
    "months_short.feb",
    "months_short.mar",
    "months_short.apr",
    "months_short.may",
    "months_short.jun",
    "months_short.jul",
    "months_short.aug",
    "months_short.sep",
    "months_short.oct",
    "months_short.nov",
    "months_short.dec",
];

impl<'a> MonthNames<'a> {
    /// English, for dates formatted outside any page (and any name a language lacks).
    pub const ENGLISH: MonthNames<'static> = MonthNames {
        full: MONTHS,
        abbreviated: [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ],
        first_of_month: None,
        month_format: "%B %Y",
    };

    /// The names `get` gives for the interface-string keys above; English for any it lacks.
    pub fn read(get: impl Fn(&'static str) -> Option<&'a str>) -> MonthNames<'a> {
        let e = MonthNames::ENGLISH;
        let pick = |keys: [&'static str; 12], english: [&'static str; 12]| {
            std::array::from_fn(|i| get(keys[i]).unwrap_or(english[i]))
        };
        MonthNames {
            full: pick(FULL_KEYS, e.full),
            abbreviated: pick(SHORT_KEYS, e.abbreviated),
            first_of_month: get("first_of_month").filter(|f| !f.is_empty()),
            month_format: get("month_format").unwrap_or(e.month_format),
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
        self.format_in(fmt, &MonthNames::ENGLISH)
    }

    /// Formats with a strftime subset (%Y %y %m %-m %d %-d %e %B %b %%) and `names`. A
    /// month-only date prints in the language's `month_format` ("May 2017", "mai 2017")
    /// whatever the format, since a day would be invented; a year-only date prints the year. A
    /// language with a `first_of_month` ("1er") writes it wherever the format has `%-d` or `%e`
    /// and the day is the first.
    pub fn format_in(&self, fmt: &str, names: &MonthNames) -> String {
        let Some(month) = self.month else {
            return self.year.to_string();
        };
        let (fmt, day) = match self.day {
            Some(day) => (fmt, Some(day)),
            None => (names.month_format, None),
        };
        let ordinal = names.first_of_month.filter(|_| day == Some(1));
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
            match (spec, day) {
                ('Y', _) => out.push_str(&self.year.to_string()),
                ('y', _) => out.push_str(&format!("{:02}", self.year.rem_euclid(100))),
                ('m', _) if no_pad => out.push_str(&month.to_string()),
                ('m', _) => out.push_str(&format!("{month:02}")),
                // A month format that names a day has none to give.
                ('d' | 'e', None) => {}
                ('d', Some(day)) if !no_pad => out.push_str(&format!("{day:02}")),
                ('d' | 'e', Some(day)) => match (ordinal, spec) {
                    (Some(first), _) => out.push_str(first),
                    (None, 'e') => out.push_str(&format!("{day:>2}")),
                    (None, _) => out.push_str(&day.to_string()),
                },
                ('B', _) => out.push_str(names.full[month as usize - 1]),
                ('b', _) => out.push_str(names.abbreviated[month as usize - 1]),
                ('%', _) => out.push('%'),
                (other, _) => {
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

    /// The theme's French strings, read as the build reads them (dotted keys).
    fn french_table() -> &'static toml::Table {
        static T: std::sync::OnceLock<toml::Table> = std::sync::OnceLock::new();
        T.get_or_init(|| {
            toml::from_str(include_str!("../themes/default/i18n/fr.toml")).expect("fr.toml")
        })
    }

    fn french() -> MonthNames<'static> {
        MonthNames::read(|key| match key.split_once('.') {
            Some((table, name)) => french_table().get(table)?.get(name)?.as_str(),
            None => french_table().get(key)?.as_str(),
        })
    }

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
        let fr = french();
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
            assert_eq!(
                d.format_in("%-d %B %Y", &MonthNames::ENGLISH),
                format!("14 {full} 2017")
            );
            assert_eq!(
                d.format_in("%b %d", &MonthNames::ENGLISH),
                format!("{abbr} 14")
            );
            assert_eq!(d.format("%-d %B %Y"), format!("14 {full} 2017"));
            let (full, abbr) = french[m - 1];
            assert_eq!(d.format_in("%-d %B %Y", &fr), format!("14 {full} 2017"));
            assert_eq!(d.format_in("%e %b %Y", &fr), format!("14 {abbr} 2017"));
            let month_only = on(&format!("2017-{m:02}"));
            assert_eq!(
                month_only.format_in("%-d %B %Y", &fr),
                format!("{full} 2017")
            );
            assert_eq!(
                month_only.format_in("%d/%m/%Y", &fr),
                format!("{full} 2017")
            );
        }
    }

    #[test]
    fn the_first_of_the_month_in_french() {
        let fr = french();
        assert_eq!(on("2017-05-01").format_in("%-d %B %Y", &fr), "1er mai 2017");
        assert_eq!(on("2017-05-01").format_in("le %e %b", &fr), "le 1er mai");
        // A padded day is a number, not an ordinal.
        assert_eq!(on("2017-05-01").format_in("%d/%m/%Y", &fr), "01/05/2017");
        assert_eq!(on("2017-05-02").format_in("%-d %B %Y", &fr), "2 mai 2017");
        assert_eq!(on("2017-05-11").format_in("%-d %B %Y", &fr), "11 mai 2017");
        assert_eq!(on("2017-05-21").format_in("%-d %B %Y", &fr), "21 mai 2017");
        assert_eq!(on("2017-05-31").format_in("%e %B", &fr), "31 mai");
        assert_eq!(
            on("2017-05-01").format_in("%-d %B %Y", &MonthNames::ENGLISH),
            "1 May 2017"
        );
        assert_eq!(
            on("2017-05-01").format_in("%e %B", &MonthNames::ENGLISH),
            " 1 May"
        );
    }

    #[test]
    fn partial_dates_datetimes_and_other_languages() {
        let fr = french();
        assert_eq!(on("2017").format_in("%-d %B %Y", &fr), "2017");
        assert_eq!(
            on("2017").format_in("%-d %B %Y", &MonthNames::ENGLISH),
            "2017"
        );
        assert_eq!(
            on("2017-05").format_in("%-d %B %Y", &MonthNames::ENGLISH),
            "May 2017"
        );
        assert_eq!(on("2017-05").format_in("%-d %B %Y", &fr), "mai 2017");
        let dt = on("2017-08-01T10:00:00+09:00");
        assert_eq!(dt.format_in("%-d %B %Y", &fr), "1er août 2017");
        assert_eq!(
            dt.format_in("%-d %B %Y", &MonthNames::ENGLISH),
            "1 August 2017"
        );
        assert_eq!(
            on("2017-12-01T00:00:00Z").format_in("%-d %b %Y", &fr),
            "1er déc. 2017"
        );
        // A language whose strings lack the names reads English.
        let none = MonthNames::read(|_| None);
        assert_eq!(on("2017-05-01").format_in("%-d %B %Y", &none), "1 May 2017");
        assert_eq!(on("2017-05").format_in("%-d %B %Y", &none), "May 2017");
        // A language's own month format: 2017年5月.
        let ja = MonthNames::read(|k| (k == "month_format").then_some("%Y年%-m月"));
        assert_eq!(on("2017-05").format_in("%-d %B %Y", &ja), "2017年5月");
        assert_eq!(on("2017-05-01").format_in("%% %q %-", &fr), "% %q %");
    }
}
