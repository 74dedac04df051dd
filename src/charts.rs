//! Bar and line charts rendered at build time to accessible inline SVG (no JavaScript), and
//! the hedge dot matrix.

mod columns;
mod matrix;
mod rows;
mod text;

use std::fmt::Write as _;

use serde_json::Value;

use crate::clean::escape;
use crate::strings::Strings;

pub use matrix::{MatrixRow, hedge_matrix};

/// The colours a chart is drawn in, written on the SVG as presentation attributes so it reads
/// right with no stylesheet (alone, in a feed reader, in a PDF). The page stylesheet overrides
/// them by class for its dark scheme only ([`Palette::DARK`] is the copy it must match).
/// Against `background`: text and muted text at least 4.5:1, everything else at least 3:1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Palette {
    /// What the chart is drawn on; also the outline that separates a point from its line.
    pub background: &'static str,
    pub text: &'static str,
    /// Tick labels and axis titles.
    pub muted: &'static str,
    pub grid: &'static str,
    /// The baseline.
    pub axis: &'static str,
    /// Bars, the line and its points.
    pub mark: &'static str,
    /// Hedge-matrix dots, low to high.
    pub levels: [&'static str; 3],
}

impl Palette {
    /// The page in light mode, and the default for everything else.
    pub const LIGHT: Palette = Palette {
        background: "#ffffff",
        text: "#1b1f24",
        muted: "#4a525c",
        grid: "#8a939e",
        axis: "#4a525c",
        mark: "#2a5a96",
        levels: ["#8a939e", "#6b8bbd", "#13365e"],
    };
    /// The page in dark mode: the default theme's style.css sets these by class (its "chart
    /// colours: dark" block; a unit test compares them).
    pub const DARK: Palette = Palette {
        background: "#14181d",
        text: "#e6e9ed",
        muted: "#a9b2bc",
        grid: "#6f7a86",
        axis: "#a9b2bc",
        mark: "#6d9fd8",
        levels: ["#6f7a86", "#5f8fc8", "#a9cbf2"],
    };
    /// Paper: the light palette with black text, for PDFs.
    pub const PRINT: Palette = Palette {
        text: "#000000",
        muted: "#30363d",
        axis: "#30363d",
        ..Palette::LIGHT
    };
}

/// The font of every chart text: the theme's interface stack, as an attribute (no stylesheet
/// needed). Single quotes, since it sits in a double-quoted attribute.
const FONT_FAMILY: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', 'Noto Sans', 'Liberation Sans', Arial, sans-serif";
/// Text size in CSS px, and the distance between lines of a wrapped label.
const FONT: f64 = 13.0;
const LINE: f64 = 16.0;
/// The narrowest width a chart is laid out for: a 320 px screen less the page's gutters
/// (2 × 16 px), with 8 px to spare.
///
/// Why no viewBox: a scaled SVG scales its text with it, and no single scale keeps 13 px text
/// between 12 and 20 px from a 288 px phone column to a 672 px desktop one (the ratio is 2.3).
/// So a chart is drawn at 1 user unit = 1 CSS px, 100% wide and a fixed height: horizontal
/// positions are percentages of the width, vertical ones px, and text is always 13 px. Labels
/// are wrapped, thinned and cut for this narrowest width; wider, every gap only grows, so
/// nothing that fits here can overlap or be clipped there.
const NARROWEST: f64 = 280.0;
/// Height of the plotting area in px.
const PLOT_H: f64 = 200.0;

pub struct ChartSpec<'a> {
    pub kind: &'a str,
    pub x: &'a str,
    pub y: &'a str,
    /// Axis titles; the column names when absent.
    pub x_label: Option<&'a str>,
    pub y_label: Option<&'a str>,
    pub title: Option<&'a str>,
    pub source: Option<&'a str>,
    pub description: Option<&'a str>,
    /// The words a chart writes itself: its default title and description, "Source:".
    pub words: &'a Strings,
}

fn label(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// How the chart's language writes numbers: its decimal mark and the separator between groups
/// of three digits (`1,234.5` in English, `1 234,5` in French, with a narrow no-break space).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Numbers<'a> {
    decimal: &'a str,
    group: &'a str,
}

impl<'a> Numbers<'a> {
    /// From the interface strings `number.decimal` and `number.group`.
    pub(crate) fn of(words: &'a Strings) -> Numbers<'a> {
        Numbers {
            decimal: words.get("number.decimal"),
            group: words.get("number.group"),
        }
    }
}

/// A value as the language writes it: whole numbers without decimals, others with two.
fn fmt_num(v: f64, n: Numbers) -> String {
    let plain = if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.2}")
    };
    let (sign, rest) = match plain.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", plain.as_str()),
    };
    let (whole, fraction) = match rest.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (rest, None),
    };
    let mut out = String::from(if sign.is_empty() { "" } else { "\u{2212}" });
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push_str(n.group);
        }
        out.push(c);
    }
    if let Some(f) = fraction {
        out.push_str(n.decimal);
        out.push_str(f);
    }
    out
}

/// A fraction of the chart's width as an SVG percentage.
fn pct(f: f64) -> String {
    format!("{:.3}%", f * 100.0)
}

/// One `<text>` with its presentation attributes; several lines become `<tspan>`s `LINE` apart,
/// and `tooltip` (the full text of a cut label) a `<title>`.
struct Label<'a> {
    class: &'a str,
    x: String,
    y: f64,
    anchor: &'a str,
    fill: &'a str,
    bold: bool,
    /// A shift in px after `x` (percentages and px do not add in one attribute).
    dx: f64,
}

impl Label<'_> {
    fn write(&self, s: &mut String, lines: &[String], tooltip: Option<&str>) {
        let _ = write!(
            s,
            "<text class=\"{}\" x=\"{}\" y=\"{:.1}\" text-anchor=\"{}\" fill=\"{}\" font-family=\"{FONT_FAMILY}\" font-size=\"{FONT}\"",
            self.class, self.x, self.y, self.anchor, self.fill
        );
        if self.dx != 0.0 {
            let _ = write!(s, " dx=\"{}\"", self.dx);
        }
        if self.bold {
            s.push_str(" font-weight=\"700\"");
        }
        s.push('>');
        if let [line] = lines {
            s.push_str(&escape(line));
        } else {
            for (i, line) in lines.iter().enumerate() {
                let _ = write!(
                    s,
                    "<tspan x=\"{}\" dy=\"{}\">{}</tspan>",
                    self.x,
                    if i == 0 { 0.0 } else { LINE },
                    escape(line)
                );
            }
        }
        if let Some(t) = tooltip {
            let _ = write!(s, "<title>{}</title>", escape(t));
        }
        s.push_str("</text>");
    }
}

/// A chart drawn for a page or a PDF: the SVG alone, and the figure's caption parts.
pub struct Drawn {
    /// The standalone SVG (`width="100%"` unless [`draw`] was given a width).
    pub svg: String,
    /// The accessible name and description the SVG carries.
    pub title: String,
    pub description: String,
    /// The title the author gave, drawn as the caption.
    pub caption: Option<String>,
    /// "Source: …", in the chart's language.
    pub source: Option<String>,
}

/// Renders a chart from a data file value (`rows`: list of tables) in `palette`: a figure with
/// the SVG (`width="100%"`, a fixed height) and the caption.
pub fn render(data: &Value, spec: &ChartSpec, palette: &Palette) -> Result<String, String> {
    Ok(figure(spec.kind, &draw(data, spec, palette, None)?))
}

/// A drawn chart of `kind` as the page's figure.
pub fn figure(kind: &str, d: &Drawn) -> String {
    let mut s = format!("<figure class=\"chart chart--{kind}\">{}", d.svg);
    match &d.source {
        Some(src) => {
            let _ = write!(
                s,
                "<figcaption>{}<span class=\"chart-source\">{}</span></figcaption>",
                d.caption
                    .as_ref()
                    .map(|t| format!("{} ", escape(t)))
                    .unwrap_or_default(),
                escape(src)
            );
        }
        None => {
            if let Some(t) = &d.caption {
                let _ = write!(s, "<figcaption>{}</figcaption>", escape(t));
            }
        }
    }
    s.push_str("</figure>");
    s
}

/// The chart's SVG and caption parts. `width` in px replaces `width="100%"` for a copy that
/// stands alone (a PDF's image has no container to be a percentage of); below NARROWEST the
/// labels would no longer fit, so it is at least that.
pub fn draw(
    data: &Value,
    spec: &ChartSpec,
    palette: &Palette,
    width: Option<f64>,
) -> Result<Drawn, String> {
    if !matches!(spec.kind, "bar" | "line") {
        return Err(format!(
            "unknown chart kind `{}`: use bar or line",
            spec.kind
        ));
    }
    let rows = data
        .get("rows")
        .and_then(Value::as_array)
        .ok_or("the data file has no rows (TOML data needs a [[rows]] list)")?;
    if rows.is_empty() {
        return Err("the data file has no rows".into());
    }
    let mut points = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let x = row
            .get(spec.x)
            .ok_or_else(|| format!("row {} has no column `{}`", i + 1, spec.x))?;
        let y = row
            .get(spec.y)
            .ok_or_else(|| format!("row {} has no column `{}`", i + 1, spec.y))?;
        let y = y
            .as_f64()
            .ok_or_else(|| format!("row {}: `{}` is not a number ({y})", i + 1, spec.y))?;
        points.push((label(x), y));
    }
    let x_label = spec.x_label.unwrap_or(spec.x);
    let y_label = spec.y_label.unwrap_or(spec.y);
    let words = spec.words;
    let nums = Numbers::of(words);
    let (body, height) = match spec.kind {
        "bar" if rows::wanted(&points, nums) => {
            rows::draw(&points, x_label, y_label, palette, nums)
        }
        _ => columns::draw(spec.kind, &points, x_label, y_label, palette, nums),
    };
    let kind_title = words.fill(
        if spec.kind == "bar" {
            "chart.bar_title"
        } else {
            "chart.line_title"
        },
        &[("x", x_label), ("y", y_label)],
    );
    let title = spec
        .title
        .map_or_else(|| kind_title.clone(), str::to_string);
    let desc = spec.description.map(str::to_string).unwrap_or_else(|| {
        let items: Vec<String> = points
            .iter()
            .map(|(x, y)| words.fill("chart.item", &[("x", x), ("y", &fmt_num(*y, nums))]))
            .collect();
        words.fill(
            "chart.description",
            &[("title", &kind_title), ("items", &items.join("; "))],
        )
    });
    let id = format!(
        "chart-{:x}",
        xxhash_rust::xxh3::xxh3_64(format!("{title}{desc}").as_bytes()) as u32
    );
    let width = match width {
        Some(w) => format!("{:.0}", w.max(NARROWEST)),
        None => "100%".to_string(),
    };
    let mut s = String::new();
    // The accessible name is the <title>; the title is drawn once, by the figure's caption.
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height:.0}\" role=\"img\" aria-labelledby=\"{id}-t\" aria-describedby=\"{id}-d\"><title id=\"{id}-t\">{t}</title><desc id=\"{id}-d\">{d}</desc>",
        t = escape(&title),
        d = escape(&desc)
    );
    s.push_str(&body);
    s.push_str("</svg>");
    Ok(Drawn {
        svg: s,
        title,
        description: desc,
        caption: spec.title.map(str::to_string),
        source: spec
            .source
            .map(|src| words.fill("source", &[("source", src)])),
    })
}

fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

#[cfg(test)]
mod tests;
