//! Bar and line charts rendered at build time to accessible inline SVG (no JavaScript), and
//! the hedge dot matrix.

mod matrix;
mod text;

use std::fmt::Write as _;

use serde_json::Value;

use crate::clean::escape;

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
    /// The page in dark mode; the stylesheet's `--chart-*` variables (dark scheme) are these.
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
}

fn label(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.2}")
    }
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

/// Renders a chart from a data file value (`rows`: list of tables) in `palette`.
pub fn render(data: &Value, spec: &ChartSpec, palette: &Palette) -> Result<String, String> {
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
    let p = palette;

    let data_max = points.iter().map(|p| p.1).fold(0.0_f64, f64::max);
    let min = points.iter().map(|p| p.1).fold(0.0_f64, f64::min);
    // Round the axis up to a "nice" step (1, 2 or 5 × 10^k) so ticks read 0, 20, 40, not 17.50.
    let step = nice_step((data_max - min) / 4.0);
    let max = min + step * 4.0;
    let span = if max - min == 0.0 { 1.0 } else { max - min };
    let ticks: Vec<(f64, String)> = (0..=4)
        .map(|i| min + step * f64::from(i))
        .map(|v| (v, fmt_num(v)))
        .collect();

    // Horizontal layout, as fractions of the width (see NARROWEST).
    let tick_w = ticks
        .iter()
        .map(|(_, t)| text::width(t, FONT))
        .fold(0.0, f64::max);
    let left = (tick_w + 10.0) / NARROWEST;
    let right = 10.0 / NARROWEST;
    let n = points.len();
    let band = (1.0 - left - right) / n as f64;
    let band_px = band * NARROWEST;
    let center = |i: usize| left + band * (i as f64 + 0.5);

    // The y-axis title sits above the plot, horizontal, as publications print it: no rotated
    // text to read, and it never competes with the tick labels for the left margin.
    let (y_lines, y_cut) = text::wrap(y_label, NARROWEST, FONT, 2);
    let top = 14.0 + LINE * (y_lines.len() as f64 - 1.0) + 30.0;
    let bottom = top + PLOT_H;
    let y_of = |v: f64| top + PLOT_H - (v - min) / span * PLOT_H;

    // Category labels: every k-th one when the bands are too narrow for a few characters
    // (each point keeps its full label in its tooltip and the description).
    let longest = points
        .iter()
        .map(|(x, _)| text::width(x, FONT))
        .fold(0.0, f64::max);
    let wanted = longest.min(text::width("Wwwww", FONT));
    let mut k = 1;
    while k < n && k as f64 * band_px - 6.0 < wanted {
        k += 1;
    }
    let labels: Vec<(usize, Vec<String>, bool)> = (0..n)
        .step_by(k)
        .map(|i| {
            // A label is centred on its point: at most twice the room to the nearer edge.
            let to_left = left * NARROWEST + (i as f64 + 0.5) * band_px;
            let to_right = right * NARROWEST + (n as f64 - i as f64 - 0.5) * band_px;
            let room = (k as f64 * band_px - 6.0).min(2.0 * to_left.min(to_right) - 4.0);
            let (lines, cut) = text::wrap(&points[i].0, room, FONT, 3);
            (i, lines, cut)
        })
        .collect();
    let label_lines = labels.iter().map(|l| l.1.len()).max().unwrap_or(1);
    let (x_lines, x_cut) = text::wrap(x_label, (1.0 - left - right) * NARROWEST, FONT, 2);
    // Below the lowest tick label (at the plot's bottom), which a wide first label may reach.
    let label_y = bottom + 22.0;
    let x_title_y = label_y + LINE * (label_lines as f64 - 1.0) + 26.0;
    let height = x_title_y + LINE * (x_lines.len() as f64 - 1.0) + 8.0;

    let title = spec.title.map(str::to_string).unwrap_or_else(|| {
        format!(
            "{} chart of {y_label} by {x_label}",
            if spec.kind == "bar" { "Bar" } else { "Line" }
        )
    });
    let desc = spec.description.map(str::to_string).unwrap_or_else(|| {
        let items: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{x}: {}", fmt_num(*y)))
            .collect();
        format!(
            "{} chart of {y_label} by {x_label}. {}.",
            if spec.kind == "bar" { "Bar" } else { "Line" },
            items.join("; ")
        )
    });
    let id = format!(
        "chart-{:x}",
        xxhash_rust::xxh3::xxh3_64(format!("{title}{desc}").as_bytes()) as u32
    );
    let mut s = String::new();
    // The accessible name is the <title>; the title is drawn once, by the figure's caption.
    let _ = write!(
        s,
        "<figure class=\"chart chart--{kind}\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" height=\"{height:.0}\" role=\"img\" aria-labelledby=\"{id}-t\" aria-describedby=\"{id}-d\"><title id=\"{id}-t\">{t}</title><desc id=\"{id}-d\">{d}</desc>",
        kind = spec.kind,
        t = escape(&title),
        d = escape(&desc)
    );
    Label {
        class: "chart-axis-label",
        x: pct(0.0),
        y: 14.0,
        anchor: "start",
        fill: p.muted,
        bold: false,
        dx: 0.0,
    }
    .write(&mut s, &y_lines, y_cut.then_some(y_label));
    let base_v = 0.0_f64.max(min);
    for (v, t) in &ticks {
        let y = y_of(*v);
        // The baseline is drawn after the bars, over them.
        if *v != base_v {
            let _ = write!(
                s,
                "<line class=\"chart-grid\" x1=\"{}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{}\" stroke-width=\"1\"/>",
                pct(left),
                pct(1.0 - right),
                p.grid
            );
        }
        Label {
            class: "chart-tick",
            x: pct(left),
            y: y + 4.5,
            anchor: "end",
            fill: p.muted,
            bold: false,
            dx: -6.0,
        }
        .write(&mut s, std::slice::from_ref(t), None);
    }
    let value_fits = points
        .iter()
        .all(|(_, y)| text::width(&fmt_num(*y), FONT) * 1.1 <= band_px - 4.0);
    let y0 = y_of(base_v);
    let mut prev: Option<(f64, f64)> = None;
    for (i, (x, y)) in points.iter().enumerate() {
        let (cx, yv) = (center(i), y_of(*y));
        let tip = format!("{}: {}", escape(x), fmt_num(*y));
        if spec.kind == "bar" {
            let _ = write!(
                s,
                "<rect class=\"chart-bar\" x=\"{}\" y=\"{:.1}\" width=\"{}\" height=\"{:.1}\" fill=\"{}\" stroke=\"none\"><title>{tip}</title></rect>",
                pct(cx - band * 0.3),
                yv.min(y0),
                pct(band * 0.6),
                (y0 - yv).abs(),
                p.mark
            );
            if value_fits {
                Label {
                    class: "chart-value",
                    x: pct(cx),
                    y: yv.min(y0) - 6.0,
                    anchor: "middle",
                    fill: p.text,
                    bold: true,
                    dx: 0.0,
                }
                .write(&mut s, &[fmt_num(*y)], None);
            }
        } else {
            // Segments, not a polyline: `points` takes no percentages.
            if let Some((px, py)) = prev {
                let _ = write!(
                    s,
                    "<line class=\"chart-line\" x1=\"{}\" y1=\"{py:.1}\" x2=\"{}\" y2=\"{yv:.1}\" stroke=\"{}\" stroke-width=\"2.5\" stroke-linecap=\"round\"/>",
                    pct(px),
                    pct(cx),
                    p.mark
                );
            }
            prev = Some((cx, yv));
        }
    }
    if spec.kind == "line" {
        for (i, (x, y)) in points.iter().enumerate() {
            let _ = write!(
                s,
                "<circle class=\"chart-point\" cx=\"{}\" cy=\"{:.1}\" r=\"4\" fill=\"{}\" stroke=\"{}\" stroke-width=\"1.5\"><title>{}: {}</title></circle>",
                pct(center(i)),
                y_of(*y),
                p.mark,
                p.background,
                escape(x),
                fmt_num(*y)
            );
        }
    }
    let _ = write!(
        s,
        "<line class=\"chart-axis\" x1=\"{}\" x2=\"{}\" y1=\"{y0:.1}\" y2=\"{y0:.1}\" stroke=\"{}\" stroke-width=\"1.5\"/>",
        pct(left),
        pct(1.0 - right),
        p.axis
    );
    for (i, lines, cut) in &labels {
        Label {
            class: "chart-label",
            x: pct(center(*i)),
            y: label_y,
            anchor: "middle",
            fill: p.text,
            bold: false,
            dx: 0.0,
        }
        .write(&mut s, lines, cut.then_some(points[*i].0.as_str()));
    }
    Label {
        class: "chart-axis-label",
        x: pct(left + (1.0 - left - right) / 2.0),
        y: x_title_y,
        anchor: "middle",
        fill: p.muted,
        bold: false,
        dx: 0.0,
    }
    .write(&mut s, &x_lines, x_cut.then_some(x_label));
    s.push_str("</svg>");
    match spec.source {
        Some(src) => {
            let _ = write!(
                s,
                "<figcaption>{}<span class=\"chart-source\">Source: {}</span></figcaption>",
                spec.title
                    .map(|t| format!("{} ", escape(t)))
                    .unwrap_or_default(),
                escape(src)
            );
        }
        None => {
            if let Some(t) = spec.title {
                let _ = write!(s, "<figcaption>{}</figcaption>", escape(t));
            }
        }
    }
    s.push_str("</figure>");
    Ok(s)
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
mod tests {
    use super::*;

    fn spec<'a>(kind: &'a str, title: Option<&'a str>) -> ChartSpec<'a> {
        ChartSpec {
            kind,
            x: "kind",
            y: "count",
            x_label: None,
            y_label: None,
            title,
            source: Some("Article"),
            description: None,
        }
    }

    fn data() -> Value {
        serde_json::json!({"rows": [
            {"kind": "Nuclear tests", "count": 3},
            {"kind": "Missile tests (more than 70), a long category name", "count": 70},
            {"kind": "Cruise", "count": 12},
        ]})
    }

    /// The texts of the SVG's drawn `<text>` elements (tooltips left out).
    fn texts(markup: &str) -> Vec<String> {
        let doc = roxmltree::Document::parse(markup).unwrap();
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| {
                n.descendants()
                    .filter(|d| d.is_text() && d.ancestors().all(|a| !a.has_tag_name("title")))
                    .filter_map(|d| d.text())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    /// Every drawn element of the SVG carries the attributes that make it visible, and right,
    /// with no stylesheet: shapes a fill (and a stroke where they have one), lines a stroke
    /// and width, text a fill, font family and a font size.
    fn assert_self_styled(markup: &str) {
        let doc = roxmltree::Document::parse(markup).unwrap();
        let svg = doc
            .descendants()
            .find(|n| n.has_tag_name("svg"))
            .expect("an svg");
        let mut drawn = 0;
        for n in svg.descendants().filter(|n| n.is_element()) {
            let need: &[&str] = match n.tag_name().name() {
                "rect" | "circle" | "path" | "polygon" | "ellipse" => &["fill", "stroke"],
                "line" | "polyline" => &["stroke", "stroke-width"],
                "text" => &["fill", "font-family", "font-size"],
                "svg" | "title" | "desc" | "tspan" => continue,
                other => panic!("unexpected element <{other}> in {markup}"),
            };
            drawn += 1;
            for a in need {
                let v = n
                    .attribute(*a)
                    .unwrap_or_else(|| panic!("<{}> without {a}: {markup}", n.tag_name().name()));
                assert!(!v.trim().is_empty());
            }
            if n.has_tag_name("polyline") {
                assert_eq!(n.attribute("fill"), Some("none"));
            }
            if let Some(size) = n.attribute("font-size") {
                assert!(size.parse::<f64>().unwrap() >= 12.0, "{size}");
            }
        }
        assert!(drawn > 5, "{markup}");
    }

    #[test]
    fn bar_chart_has_accessible_svg() {
        let svg = render(&data(), &spec("bar", Some("Tests")), &Palette::LIGHT).unwrap();
        assert!(svg.contains("<title id="));
        assert!(svg.contains("Cruise: 12"));
        assert_eq!(svg.matches("<rect").count(), 3);
        // 70 rounds the axis up to 80 in steps of 20.
        let texts = texts(&svg);
        assert!(
            texts.iter().any(|t| t == "80") && texts.iter().any(|t| t == "20"),
            "{texts:?}"
        );
        assert!(!svg.contains(".50<"));
    }

    #[test]
    fn axis_titles_come_from_the_labels_or_else_the_columns() {
        let mut s = spec("line", None);
        let by_column = texts(&render(&data(), &s, &Palette::LIGHT).unwrap());
        assert!(by_column.iter().any(|t| t == "kind"), "{by_column:?}");
        assert!(by_column.iter().any(|t| t == "count"), "{by_column:?}");
        s.x_label = Some("Kind of test");
        s.y_label = Some("Number of tests");
        let svg = render(&data(), &s, &Palette::LIGHT).unwrap();
        let labelled = texts(&svg);
        assert!(labelled.iter().any(|t| t == "Kind of test"), "{labelled:?}");
        assert!(
            labelled.iter().any(|t| t == "Number of tests"),
            "{labelled:?}"
        );
        assert!(
            !labelled.iter().any(|t| t == "kind" || t == "count"),
            "{labelled:?}"
        );
        assert!(svg.contains("Line chart of Number of tests by Kind of test"));
    }

    #[test]
    fn the_title_is_drawn_once_by_the_caption() {
        let title = "North Korean tests";
        let svg = render(&data(), &spec("bar", Some(title)), &Palette::LIGHT).unwrap();
        let texts = texts(&svg);
        assert!(!texts.iter().any(|t| t.contains(title)), "{texts:?}");
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let caption = doc
            .descendants()
            .find(|n| n.has_tag_name("figcaption"))
            .expect("a caption");
        assert!(
            caption
                .descendants()
                .any(|n| n.text() == Some("North Korean tests "))
        );
        let name = doc
            .descendants()
            .find(|n| n.has_tag_name("title") && n.attribute("id").is_some())
            .and_then(|n| n.text());
        assert_eq!(name, Some(title), "the SVG keeps its accessible name");
    }

    #[test]
    fn charts_and_the_matrix_style_themselves() {
        for kind in ["bar", "line"] {
            for palette in [Palette::LIGHT, Palette::PRINT] {
                let svg = render(&data(), &spec(kind, Some("T")), &palette).unwrap();
                assert_self_styled(&svg);
                assert!(svg.contains(palette.mark) && svg.contains(palette.text));
            }
        }
        let rows = [
            MatrixRow {
                partner: "China",
                levels: [3, 1, 2],
            },
            MatrixRow {
                partner: "The European Union and its member states",
                levels: [2, 2, 1],
            },
        ];
        let svg = hedge_matrix(&rows, &Palette::LIGHT);
        assert_self_styled(&svg);
        // The matrix draws no title: its figure has the caption.
        let texts = texts(&svg);
        assert!(
            !texts.iter().any(|t| t.contains("Hedge matrix")),
            "{texts:?}"
        );
        // Scaled into a 288 px column, its text is still 12 px.
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let root = doc.root_element();
        let width: f64 = root
            .attribute("viewBox")
            .unwrap()
            .split(' ')
            .nth(2)
            .unwrap()
            .parse()
            .unwrap();
        assert!(FONT * 288.0 / width >= 12.0, "{width}");
        assert!(root.attribute("width").is_some() && root.attribute("height").is_some());
    }

    fn luminance(hex: &str) -> f64 {
        let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap();
        let c = |shift: u32| {
            let s = f64::from((v >> shift) & 0xff) / 255.0;
            if s <= 0.04045 {
                s / 12.92
            } else {
                ((s + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * c(16) + 0.7152 * c(8) + 0.0722 * c(0)
    }

    fn contrast(a: &str, b: &str) -> f64 {
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn palettes_have_enough_contrast() {
        for (name, p) in [
            ("light", Palette::LIGHT),
            ("dark", Palette::DARK),
            ("print", Palette::PRINT),
        ] {
            for (what, c, min) in [("text", p.text, 4.5), ("muted", p.muted, 4.5)]
                .into_iter()
                .chain(
                    [p.grid, p.axis, p.mark]
                        .into_iter()
                        .map(|c| ("mark", c, 3.0)),
                )
                .chain(p.levels.into_iter().map(|c| ("level", c, 3.0)))
            {
                let r = contrast(c, p.background);
                assert!(r >= min, "{name} {what} {c} on {}: {r:.2}", p.background);
            }
        }
    }

    /// The stylesheet's dark-scheme chart colours are `Palette::DARK`.
    #[test]
    fn the_stylesheet_dark_scheme_is_the_dark_palette() {
        let css = include_str!("../themes/default/static/style.css");
        let marker = "/* chart colours: dark";
        let block = &css[css.find(marker).expect("the chart colours block")..];
        let block = &block[..block.find("\n}\n").expect("its end")];
        let d = Palette::DARK;
        let want = [
            (".chart-label", "fill", d.text),
            (".chart-value", "fill", d.text),
            (".matrix-partner", "fill", d.text),
            (".chart-tick", "fill", d.muted),
            (".chart-axis-label", "fill", d.muted),
            (".matrix-head", "fill", d.muted),
            (".chart-grid", "stroke", d.grid),
            (".chart-axis", "stroke", d.axis),
            (".chart-bar", "fill", d.mark),
            (".chart-point", "fill", d.mark),
            (".chart-point", "stroke", d.background),
            (".chart-line", "stroke", d.mark),
            (".matrix-dot--low", "fill", d.levels[0]),
            (".matrix-dot--medium", "fill", d.levels[1]),
            (".matrix-dot--high", "fill", d.levels[2]),
        ];
        let rules: Vec<(Vec<&str>, &str)> = block
            .split('}')
            .filter_map(|r| r.rsplit_once('{'))
            .map(|(sel, decl)| {
                let sel = sel.rsplit(['{', '/']).next().unwrap_or(sel);
                (sel.split(',').map(str::trim).collect(), decl.trim())
            })
            .collect();
        for (class, prop, colour) in want {
            let found = rules
                .iter()
                .any(|(sels, decl)| sels.contains(&class) && *decl == format!("{prop}: {colour};"));
            assert!(
                found,
                "style.css sets no `{class} {{ {prop}: {colour}; }}` for dark: {rules:?}"
            );
        }
    }

    #[test]
    fn missing_column_is_an_error() {
        let data = serde_json::json!({"rows": [{"kind": "Nuclear"}]});
        assert!(
            render(&data, &spec("bar", None), &Palette::LIGHT)
                .unwrap_err()
                .contains("no column `count`")
        );
    }
}
