//! Vertical bars and lines: categories across, values up, with gridlines and tick labels.

use std::fmt::Write as _;

use super::{
    FONT, LINE, Label, NARROWEST, Numbers, PLOT_H, Palette, fmt_num, nice_step, pct, text,
};
use crate::clean::escape;

/// The value axis and the horizontal frame, as fractions of the width (see NARROWEST).
struct Frame {
    min: f64,
    span: f64,
    ticks: Vec<(f64, String)>,
    left: f64,
    right: f64,
}

fn frame(points: &[(String, f64)], nums: Numbers) -> Frame {
    let data_max = points.iter().map(|p| p.1).fold(0.0_f64, f64::max);
    let min = points.iter().map(|p| p.1).fold(0.0_f64, f64::min);
    // Round the axis up to a "nice" step (1, 2 or 5 × 10^k) so ticks read 0, 20, 40, not 17.50.
    let step = nice_step((data_max - min) / 4.0);
    let max = min + step * 4.0;
    let span = if max - min == 0.0 { 1.0 } else { max - min };
    let ticks: Vec<(f64, String)> = (0..=4)
        .map(|i| min + step * f64::from(i))
        .map(|v| (v, fmt_num(v, nums)))
        .collect();
    let tick_w = ticks
        .iter()
        .map(|(_, t)| text::width(t, FONT))
        .fold(0.0, f64::max);
    Frame {
        min,
        span,
        ticks,
        left: (tick_w + 10.0) / NARROWEST,
        right: 10.0 / NARROWEST,
    }
}

/// The category labels drawn, with their lines and whether they were cut: every k-th one when
/// the bands are too narrow for a few characters (each point keeps its full label in its
/// tooltip and the description).
fn labels(points: &[(String, f64)], f: &Frame) -> Vec<(usize, Vec<String>, bool)> {
    let n = points.len();
    let band_px = (1.0 - f.left - f.right) * NARROWEST / n as f64;
    let longest = points
        .iter()
        .map(|(x, _)| text::width(x, FONT))
        .fold(0.0, f64::max);
    let wanted = longest.min(text::width("Wwwww", FONT));
    let mut k = 1;
    while k < n && k as f64 * band_px - 6.0 < wanted {
        k += 1;
    }
    (0..n)
        .step_by(k)
        .map(|i| {
            // A label is centred on its point: at most twice the room to the nearer edge.
            let to_left = f.left * NARROWEST + (i as f64 + 0.5) * band_px;
            let to_right = f.right * NARROWEST + (n as f64 - i as f64 - 0.5) * band_px;
            let room = (k as f64 * band_px - 6.0).min(2.0 * to_left.min(to_right) - 4.0);
            let (lines, cut) = text::wrap(&points[i].0, room, FONT, 3);
            (i, lines, cut)
        })
        .collect()
}

/// Whether every category gets its label in full.
pub(super) fn every_label_fits(points: &[(String, f64)], nums: Numbers) -> bool {
    let labels = labels(points, &frame(points, nums));
    labels.len() == points.len() && labels.iter().all(|(_, _, cut)| !cut)
}

/// The SVG's content and its height in px, for `points` of `kind` (bar or line).
pub(super) fn draw(
    kind: &str,
    points: &[(String, f64)],
    x_label: &str,
    y_label: &str,
    p: &Palette,
    nums: Numbers,
) -> (String, f64) {
    let f = frame(points, nums);
    let Frame {
        min,
        span,
        ref ticks,
        left,
        right,
    } = f;
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

    let labels = labels(points, &f);
    let label_lines = labels.iter().map(|l| l.1.len()).max().unwrap_or(1);
    let (x_lines, x_cut) = text::wrap(x_label, (1.0 - left - right) * NARROWEST, FONT, 2);
    // Below the lowest tick label (at the plot's bottom), which a wide first label may reach.
    let label_y = bottom + 22.0;
    let x_title_y = label_y + LINE * (label_lines as f64 - 1.0) + 26.0;
    let height = x_title_y + LINE * (x_lines.len() as f64 - 1.0) + 8.0;

    let mut s = String::new();
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
    for (v, t) in ticks {
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
        .all(|(_, y)| text::width(&fmt_num(*y, nums), FONT) * 1.1 <= band_px - 4.0);
    let y0 = y_of(base_v);
    let mut prev: Option<(f64, f64)> = None;
    for (i, (x, y)) in points.iter().enumerate() {
        let (cx, yv) = (center(i), y_of(*y));
        let tip = format!("{}: {}", escape(x), fmt_num(*y, nums));
        if kind == "bar" {
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
                .write(&mut s, &[fmt_num(*y, nums)], None);
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
    if kind == "line" {
        for (i, (x, y)) in points.iter().enumerate() {
            let _ = write!(
                s,
                "<circle class=\"chart-point\" cx=\"{}\" cy=\"{:.1}\" r=\"4\" fill=\"{}\" stroke=\"{}\" stroke-width=\"1.5\"><title>{}: {}</title></circle>",
                pct(center(i)),
                y_of(*y),
                p.mark,
                p.background,
                escape(x),
                fmt_num(*y, nums)
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
    (s, height)
}
