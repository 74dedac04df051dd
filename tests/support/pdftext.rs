//! Reading PDF text in tests: what `pdftotext` gives, compared without caring where lines break.

/// Whether `needles` appear in `text`, each after the one before (reading order). Spaces and
/// Typst's own soft hyphens are dropped first: where Typst breaks a line is not what is being
/// tested. A compound's hyphen stays (tests/pdf_content.rs checks it survives a line end).
pub fn in_order(text: &str, needles: &[&str]) {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{ad}')
            .collect()
    };
    let flat = squash(text);
    let mut from = 0;
    for n in needles {
        let n = squash(n);
        match flat[from..].find(&n) {
            Some(i) => from += i + n.len(),
            None => panic!("{n:?} is missing from the PDF text, or out of order:\n{text}"),
        }
    }
}
