//! Front-matter text as readers see it: the body's smart punctuation on every text field a page,
//! feed, JSON-LD block or search result shows. Ids, slugs, URLs, dates, term names (they name
//! taxonomy pages) and `extra` (the site's own data) keep exactly what was written.

use super::DocKind;
use super::meta::{BriefMeta, SectionMeta};
use super::translation::TranslationMeta;
use crate::typography::smarten_in;

/// Typesets the text fields in `language`'s way (French: « » and narrow spaces).
pub fn apply(kind: &mut DocKind, language: &str) {
    let t = Typeset(language);
    match kind {
        DocKind::Brief(m) => t.brief(m),
        DocKind::Section(m) => t.section(m),
        DocKind::Translation { meta, .. } => t.translation(meta),
    }
}

struct Typeset<'a>(&'a str);

impl Typeset<'_> {
    fn translation(&self, m: &mut TranslationMeta) {
        self.fix(&mut m.title);
        self.fix_opt(&mut m.description);
        self.fix_opt(&mut m.bottom_line);
        for a in m.authors.iter_mut().flatten() {
            self.fix(a);
        }
        for k in &mut m.key_judgments {
            self.fix(&mut k.text);
        }
        for e in &mut m.events {
            self.fix(&mut e.text);
        }
        for s in &mut m.sources {
            self.fix_opt(&mut s.title);
            self.fix_opt(&mut s.publisher);
        }
        if let Some(h) = &mut m.hedge {
            for r in [&mut h.economic, &mut h.security, &mut h.credibility]
                .into_iter()
                .flatten()
            {
                self.fix(&mut r.rationale);
            }
        }
    }

    fn brief(&self, m: &mut BriefMeta) {
        self.fix(&mut m.title);
        self.fix_opt(&mut m.description);
        self.fix_opt(&mut m.bottom_line);
        for a in m.authors.iter_mut().flatten() {
            self.fix(a);
        }
        for k in &mut m.key_judgments {
            self.fix(&mut k.text);
        }
        for e in &mut m.events {
            self.fix(&mut e.text);
        }
        for s in &mut m.sources {
            self.fix(&mut s.title);
            self.fix(&mut s.publisher);
        }
        if let Some(h) = &mut m.hedge {
            for a in [&mut h.economic, &mut h.security, &mut h.credibility] {
                self.fix(&mut a.rationale);
            }
        }
    }

    fn section(&self, m: &mut SectionMeta) {
        self.fix(&mut m.title);
        self.fix_opt(&mut m.description);
        self.fix_opt(&mut m.bottom_line);
    }

    fn fix(&self, s: &mut String) {
        if let std::borrow::Cow::Owned(new) = smarten_in(s, self.0) {
            *s = new;
        }
    }

    fn fix_opt(&self, s: &mut Option<String>) {
        if let Some(s) = s {
            self.fix(s);
        }
    }
}
