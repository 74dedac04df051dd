//! Text measurement for chart layout at build time, with no font at hand: widths are estimated
//! per character class, on the wide side (DejaVu Sans, the widest of the usual sans fallbacks,
//! is the reference), so a label judged to fit does fit in the font the reader actually has.

/// Estimated advance width of `s` in px at `size` px.
pub fn width(s: &str, size: f64) -> f64 {
    s.chars().map(em).sum::<f64>() * size
}

fn em(c: char) -> f64 {
    match c {
        'i' | 'j' | 'l' | 'I' | '.' | ',' | ':' | ';' | '\'' | '!' | '|' => 0.32,
        'f' | 't' | 'r' | ' ' | '(' | ')' | '[' | ']' | '-' | '/' => 0.44,
        'm' | 'w' | 'M' | 'W' | '%' | '@' | '—' => 1.0,
        'A'..='Z' => 0.78,
        _ => 0.66,
    }
}

/// `s` in at most `max_lines` lines of at most `max_w` px each, broken at spaces; what does not
/// fit ends in "…". The flag says whether anything was cut, so the caller can add the full text
/// as a tooltip.
pub fn wrap(s: &str, max_w: f64, size: f64, max_lines: usize) -> (Vec<String>, bool) {
    let mut lines: Vec<String> = Vec::new();
    let mut cut = false;
    for word in s.split_whitespace() {
        let full = lines.len() == max_lines;
        if let Some(last) = lines.last_mut() {
            let joined = format!("{last} {word}");
            if width(&joined, size) <= max_w {
                *last = joined;
                continue;
            }
            if full {
                // No line left for this word: the last line ends in an ellipsis.
                *last = truncate(&joined, max_w, size);
                cut = true;
                break;
            }
        }
        if width(word, size) <= max_w {
            lines.push(word.to_string());
        } else {
            // A word cut short ends the label: what followed would read as its continuation.
            lines.push(truncate(word, max_w, size));
            cut = true;
            break;
        }
    }
    (lines, cut)
}

/// The longest prefix of `s` that fits `max_w` with a trailing "…".
fn truncate(s: &str, max_w: f64, size: f64) -> String {
    let room = max_w - width("…", size);
    let mut out = String::new();
    let mut used = 0.0;
    for c in s.chars() {
        let w = em(c) * size;
        if used + w > room {
            break;
        }
        used += w;
        out.push(c);
    }
    format!("{}…", out.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_marks_what_it_cuts() {
        let (lines, cut) = wrap("Missile tests (more than 70)", 100.0, 13.0, 3);
        assert!(!cut, "{lines:?}");
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| width(l, 13.0) <= 100.0), "{lines:?}");
        assert_eq!(lines.join(" "), "Missile tests (more than 70)");

        let (lines, cut) = wrap("Intercontinental ballistic missile", 60.0, 13.0, 2);
        assert!(cut);
        assert!(lines.iter().all(|l| width(l, 13.0) <= 60.0), "{lines:?}");
        assert!(lines.last().is_some_and(|l| l.ends_with('…')), "{lines:?}");
    }
}
