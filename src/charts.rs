//! Bar and line charts rendered at build time to accessible inline SVG (no JavaScript), and
//! the hedge dot matrix.

use std::fmt::Write as _;

use serde_json::Value;

use crate::clean::escape;

pub struct ChartSpec<'a> {
    pub kind: &'a str,
    pub x: &'a str,
    pub y: &'a str,
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

/// Renders a chart from a data file value (`rows`: list of tables).
pub fn render(data: &Value, spec: &ChartSpec) -> Result<String, String> {
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
    let (w, h) = (640.0_f64, 360.0_f64);
    let (left, right, top, bottom) = (56.0, 16.0, 40.0, 64.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let data_max = points.iter().map(|p| p.1).fold(0.0_f64, f64::max);
    let min = points.iter().map(|p| p.1).fold(0.0_f64, f64::min);
    // Round the axis up to a "nice" step (1, 2 or 5 × 10^k) so ticks read 0, 20, 40, not 17.50.
    let step = nice_step((data_max - min) / 4.0);
    let max = min + step * 4.0;
    let span = if max - min == 0.0 { 1.0 } else { max - min };
    let y_of = |v: f64| top + plot_h - (v - min) / span * plot_h;
    let title = spec.title.unwrap_or("Chart");
    let desc = spec.description.map(str::to_string).unwrap_or_else(|| {
        let items: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{x}: {}", fmt_num(*y)))
            .collect();
        format!(
            "{} chart of {} by {}. {}.",
            if spec.kind == "bar" { "Bar" } else { "Line" },
            spec.y,
            spec.x,
            items.join("; ")
        )
    });
    let id = format!(
        "chart-{:x}",
        xxhash_rust::xxh3::xxh3_64(format!("{title}{desc}").as_bytes()) as u32
    );
    let mut s = String::new();
    let _ = write!(
        s,
        "<figure class=\"chart chart--{kind}\"><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"{id}-t\" aria-describedby=\"{id}-d\"><title id=\"{id}-t\">{t}</title><desc id=\"{id}-d\">{d}</desc>",
        kind = spec.kind,
        t = escape(title),
        d = escape(&desc)
    );
    let _ = write!(
        s,
        "<text class=\"chart-title\" x=\"{left}\" y=\"24\">{}</text>",
        escape(title)
    );
    // Axes and four gridlines with value labels.
    for i in 0..=4 {
        let v = min + step * f64::from(i);
        let y = y_of(v);
        let _ = write!(
            s,
            "<line class=\"chart-grid\" x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text class=\"chart-tick\" x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left + plot_w,
            left - 6.0,
            y + 4.0,
            fmt_num(v)
        );
    }
    let _ = write!(
        s,
        "<line class=\"chart-axis\" x1=\"{left}\" x2=\"{left}\" y1=\"{top}\" y2=\"{}\"/>",
        top + plot_h
    );
    let _ = write!(
        s,
        "<line class=\"chart-axis\" x1=\"{left}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>",
        left + plot_w,
        top + plot_h,
        top + plot_h
    );
    let n = points.len() as f64;
    let band = plot_w / n;
    let mut line_pts = Vec::new();
    for (i, (x, y)) in points.iter().enumerate() {
        let cx = left + band * (i as f64 + 0.5);
        if spec.kind == "bar" {
            let bw = band * 0.6;
            let y0 = y_of(0.0_f64.max(min));
            let yv = y_of(*y);
            let _ = write!(
                s,
                "<rect class=\"chart-bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{:.1}\"><title>{}: {}</title></rect>",
                cx - bw / 2.0,
                yv.min(y0),
                (y0 - yv).abs(),
                escape(x),
                fmt_num(*y)
            );
            let _ = write!(
                s,
                "<text class=\"chart-value\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                yv.min(y0) - 6.0,
                fmt_num(*y)
            );
        } else {
            line_pts.push(format!("{cx:.1},{:.1}", y_of(*y)));
            let _ = write!(
                s,
                "<circle class=\"chart-point\" cx=\"{cx:.1}\" cy=\"{:.1}\" r=\"4\"><title>{}: {}</title></circle>",
                y_of(*y),
                escape(x),
                fmt_num(*y)
            );
        }
        let _ = write!(
            s,
            "<text class=\"chart-label\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            top + plot_h + 20.0,
            escape(x)
        );
    }
    if !line_pts.is_empty() {
        let _ = write!(
            s,
            "<polyline class=\"chart-line\" fill=\"none\" points=\"{}\"/>",
            line_pts.join(" ")
        );
    }
    let _ = write!(
        s,
        "<text class=\"chart-axis-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
        left + plot_w / 2.0,
        h - 16.0,
        escape(spec.x)
    );
    let _ = write!(
        s,
        "<text class=\"chart-axis-label\" x=\"14\" y=\"{:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {:.1})\">{}</text>",
        top + plot_h / 2.0,
        top + plot_h / 2.0,
        escape(spec.y)
    );
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

/// One partner's row of the hedge matrix: (partner, economic, security, credibility) levels 1–3.
pub struct MatrixRow<'a> {
    pub partner: &'a str,
    pub levels: [u8; 3],
}

/// A dot matrix: partners down, dimensions across, dot size by level.
pub fn hedge_matrix(rows: &[MatrixRow]) -> String {
    let dims = ["Economic", "Security", "Credibility"];
    let words = ["", "low", "medium", "high"];
    let (row_h, left, col_w, top) = (36.0, 150.0, 110.0, 40.0);
    let w = left + col_w * 3.0 + 10.0;
    let h = top + row_h * rows.len() as f64 + 10.0;
    let desc: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{}: economic {}, security {}, credibility {}",
                r.partner,
                words[r.levels[0] as usize],
                words[r.levels[1] as usize],
                words[r.levels[2] as usize]
            )
        })
        .collect();
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"hedge-matrix\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"hedge-matrix-t\" aria-describedby=\"hedge-matrix-d\"><title id=\"hedge-matrix-t\">Hedge matrix: partners by economic, security and credibility value</title><desc id=\"hedge-matrix-d\">{}.</desc>",
        escape(&desc.join("; "))
    );
    for (i, d) in dims.iter().enumerate() {
        let _ = write!(
            s,
            "<text class=\"matrix-head\" x=\"{:.1}\" y=\"24\" text-anchor=\"middle\">{d}</text>",
            left + col_w * (i as f64 + 0.5)
        );
    }
    for (r, row) in rows.iter().enumerate() {
        let cy = top + row_h * (r as f64 + 0.5);
        let _ = write!(
            s,
            "<text class=\"matrix-partner\" x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 12.0,
            cy + 5.0,
            escape(row.partner)
        );
        for (i, level) in row.levels.iter().enumerate() {
            let cx = left + col_w * (i as f64 + 0.5);
            let radius = 4.0 + 4.0 * f64::from(*level);
            let _ = write!(
                s,
                "<circle class=\"matrix-dot matrix-dot--{}\" cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"{radius}\"/>",
                words[*level as usize]
            );
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_chart_has_accessible_svg() {
        let data = serde_json::json!({"rows": [{"kind": "Nuclear", "count": 3}, {"kind": "Missile", "count": 70}]});
        let spec = ChartSpec {
            kind: "bar",
            x: "kind",
            y: "count",
            title: Some("Tests"),
            source: Some("Article"),
            description: None,
        };
        let svg = render(&data, &spec).unwrap();
        assert!(svg.contains("<title id="));
        assert!(svg.contains("Missile: 70"));
        assert_eq!(svg.matches("<rect").count(), 2);
        // 70 rounds the axis up to 80 in steps of 20.
        assert!(
            svg.contains(">80</text>") && svg.contains(">20</text>"),
            "{svg}"
        );
        assert!(!svg.contains(".50<"));
    }

    #[test]
    fn missing_column_is_an_error() {
        let data = serde_json::json!({"rows": [{"kind": "Nuclear"}]});
        let spec = ChartSpec {
            kind: "bar",
            x: "kind",
            y: "count",
            title: None,
            source: None,
            description: None,
        };
        assert!(
            render(&data, &spec)
                .unwrap_err()
                .contains("no column `count`")
        );
    }
}
