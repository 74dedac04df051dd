//! The hedge dot matrix: partners down, dimensions across, dot size by level.

use std::fmt::Write as _;

use super::{FONT, FONT_FAMILY, LINE, Palette, text};
use crate::clean::escape;
use crate::strings::Strings;

/// One partner's row of the hedge matrix: (partner, economic, security, credibility) levels 1–3.
pub struct MatrixRow<'a> {
    pub partner: &'a str,
    pub levels: [u8; 3],
}

/// Width of the drawing in user units. Unlike a chart the matrix is a fixed little table, so it
/// scales with a viewBox: text is `FONT` units, so it renders at FONT × (shown width / WIDTH)
/// px, at least 12 px for a 288 px column (a 320 px screen) and, with the stylesheet's
/// max-width of 26rem, at most about 18 px. Without a stylesheet it keeps this width.
const WIDTH: f64 = 308.0;
const ROW_H: f64 = 36.0;
/// Where partner names start: a glyph's ink may begin a little left of its origin.
const NAME_X: f64 = 2.0;
const HEAD_H: f64 = 32.0;
/// The levels by rank, as class names (`matrix-dot--high`) and keys of `level_words`.
const WORDS: [&str; 4] = ["", "low", "medium", "high"];

fn text_el(s: &mut String, class: &str, x: f64, y: f64, anchor: &str, fill: &str, body: &str) {
    let _ = write!(
        s,
        "<text class=\"{class}\" x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" fill=\"{fill}\" font-family=\"{FONT_FAMILY}\" font-size=\"{FONT}\">{body}</text>"
    );
}

/// The matrix as inline SVG in `palette`; its caption is the page's (the figure's), so the SVG
/// draws no title of its own.
pub fn hedge_matrix(rows: &[MatrixRow], palette: &Palette, words: &Strings) -> String {
    let word = |level: u8| WORDS.get(usize::from(level)).copied().unwrap_or("");
    let said = |level: u8| {
        words
            .get(&format!("level_words.{}", word(level)))
            .to_string()
    };
    let dims = [
        words.get("economic"),
        words.get("security"),
        words.get("credibility"),
    ];
    // Columns as wide as the widest heading (whose estimate errs on the wide side, so 4 units
    // of gap are enough); the partner names get what is left.
    let col_w = dims
        .iter()
        .map(|d| text::width(d, FONT))
        .fold(0.0, f64::max)
        + 4.0;
    let left = WIDTH - 3.0 * col_w - 2.0;
    let h = HEAD_H + ROW_H * rows.len() as f64 + 6.0;
    let desc: Vec<String> = rows
        .iter()
        .map(|r| {
            words.fill(
                "matrix.row",
                &[
                    ("partner", r.partner),
                    ("economic", &said(r.levels[0])),
                    ("security", &said(r.levels[1])),
                    ("credibility", &said(r.levels[2])),
                ],
            )
        })
        .collect();
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"hedge-matrix\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{h}\" viewBox=\"0 0 {WIDTH} {h}\" role=\"img\" aria-labelledby=\"hedge-matrix-t\" aria-describedby=\"hedge-matrix-d\"><title id=\"hedge-matrix-t\">{}</title><desc id=\"hedge-matrix-d\">{}.</desc>",
        escape(words.get("matrix.title")),
        escape(&desc.join("; "))
    );
    for (i, d) in dims.iter().enumerate() {
        let x = left + col_w * (i as f64 + 0.5);
        text_el(&mut s, "matrix-head", x, 20.0, "middle", palette.muted, d);
    }
    for (r, row) in rows.iter().enumerate() {
        let cy = HEAD_H + ROW_H * (r as f64 + 0.5);
        let (lines, cut) = text::wrap(row.partner, left - NAME_X - 6.0, FONT, 2);
        let mut body = String::new();
        let first = cy + 4.5 - LINE / 2.0 * (lines.len() as f64 - 1.0);
        if let [line] = lines.as_slice() {
            body.push_str(&escape(line));
        } else {
            for (i, line) in lines.iter().enumerate() {
                let _ = write!(
                    body,
                    "<tspan x=\"{NAME_X}\" y=\"{:.1}\">{}</tspan>",
                    first + LINE * i as f64,
                    escape(line)
                );
            }
        }
        if cut {
            let _ = write!(body, "<title>{}</title>", escape(row.partner));
        }
        text_el(
            &mut s,
            "matrix-partner",
            NAME_X,
            first,
            "start",
            palette.text,
            &body,
        );
        for (i, level) in row.levels.iter().enumerate() {
            let cx = left + col_w * (i as f64 + 0.5);
            let radius = 4.0 + 4.0 * f64::from(*level);
            let fill = palette.levels[usize::from((*level).clamp(1, 3) - 1)];
            let _ = write!(
                s,
                "<circle class=\"matrix-dot matrix-dot--{}\" cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"{radius}\" fill=\"{fill}\" stroke=\"none\"/>",
                word(*level)
            );
        }
    }
    s.push_str("</svg>");
    s
}
