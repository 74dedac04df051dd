//! Horizontal bars, for categories whose names do not fit under vertical bars on a phone
//! (at NARROWEST): each name gets the whole width on its own line, its bar below it and the
//! value at the bar's end, so no name has to be cut or left out.

use std::fmt::Write as _;

use super::{FONT, LINE, Label, NARROWEST, Numbers, Palette, columns, fmt_num, pct, text};
use crate::clean::escape;

const BAR_H: f64 = 18.0;

/// Whether a bar chart of `points` is drawn this way: when vertical bars would cut or drop a
/// category's name, and no value is negative (bars grow from the left edge).
pub(super) fn wanted(points: &[(String, f64)], nums: Numbers) -> bool {
    points.iter().all(|p| p.1 >= 0.0) && !columns::every_label_fits(points, nums)
}

/// The SVG's content and its height in px.
pub(super) fn draw(
    points: &[(String, f64)],
    x_label: &str,
    y_label: &str,
    p: &Palette,
    nums: Numbers,
) -> (String, f64) {
    let max = points.iter().map(|p| p.1).fold(0.0_f64, f64::max);
    let max = if max > 0.0 { max } else { 1.0 };
    // The longest bar leaves room for its value (bold, so a tenth wider).
    let value_w = points
        .iter()
        .map(|(_, v)| text::width(&fmt_num(*v, nums), FONT) * 1.1)
        .fold(0.0, f64::max);
    let scale = 1.0 - (value_w + 10.0) / NARROWEST;
    let mut s = String::new();
    let head = |class, x: f64, anchor| Label {
        class,
        x: pct(x),
        y: 14.0,
        anchor,
        fill: p.muted,
        bold: false,
        dx: 0.0,
    };
    // A header row, as over a table: what the names are on the left, what the values are on the
    // right; one above the other when the two do not fit side by side.
    let mut y = 14.0;
    if text::width(x_label, FONT) + text::width(y_label, FONT) + 16.0 <= NARROWEST {
        head("chart-axis-label", 0.0, "start").write(&mut s, &[x_label.to_string()], None);
        head("chart-axis-label", 1.0, "end").write(&mut s, &[y_label.to_string()], None);
    } else {
        for (i, (title, x, anchor)) in [(x_label, 0.0, "start"), (y_label, 1.0, "end")]
            .into_iter()
            .enumerate()
        {
            if i == 1 {
                y += LINE;
            }
            let (lines, cut) = text::wrap(title, NARROWEST, FONT, 2);
            let mut l = head("chart-axis-label", x, anchor);
            l.y = y;
            l.write(&mut s, &lines, cut.then_some(title));
            y += LINE * (lines.len() as f64 - 1.0);
        }
    }
    y += 12.0;
    for (name, v) in points {
        let (lines, cut) = text::wrap(name, NARROWEST - 2.0, FONT, 2);
        let baseline = y + 13.0;
        Label {
            class: "chart-label",
            x: "1".into(),
            y: baseline,
            anchor: "start",
            fill: p.text,
            bold: false,
            dx: 0.0,
        }
        .write(&mut s, &lines, cut.then_some(name.as_str()));
        let bar_top = baseline + LINE * (lines.len() as f64 - 1.0) + 7.0;
        let end = v / max * scale;
        let _ = write!(
            s,
            "<rect class=\"chart-bar\" x=\"0\" y=\"{bar_top:.1}\" width=\"{}\" height=\"{BAR_H}\" fill=\"{}\" stroke=\"none\"><title>{}: {}</title></rect>",
            pct(end),
            p.mark,
            escape(name),
            fmt_num(*v, nums)
        );
        Label {
            class: "chart-value",
            x: pct(end),
            y: bar_top + 13.5,
            anchor: "start",
            fill: p.text,
            bold: true,
            dx: 5.0,
        }
        .write(&mut s, &[fmt_num(*v, nums)], None);
        y = bar_top + BAR_H + 10.0;
    }
    (s, y + 2.0)
}
