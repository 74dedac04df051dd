//! Front-matter text as readers see it: the body's smart punctuation on every text field a page,
//! feed, JSON-LD block or search result shows. Ids, slugs, URLs, dates, term names (they name
//! taxonomy pages) and `extra` (the site's own data) keep exactly what was written.

use super::DocKind;
use super::meta::{BriefMeta, SectionMeta};
use super::translation::TranslationMeta;
use crate::typography::smarten;

pub fn apply(kind: &mut DocKind) {
    match kind {
        DocKind::Brief(m) => brief(m),
        DocKind::Section(m) => section(m),
        DocKind::Translation { meta, .. } => translation(meta),
    }
}

fn translation(m: &mut TranslationMeta) {
    fix(&mut m.title);
    fix_opt(&mut m.description);
    fix_opt(&mut m.bottom_line);
    for a in m.authors.iter_mut().flatten() {
        fix(a);
    }
    for k in &mut m.key_judgments {
        fix(&mut k.text);
    }
    for e in &mut m.events {
        fix(&mut e.text);
    }
    for s in &mut m.sources {
        fix_opt(&mut s.title);
        fix_opt(&mut s.publisher);
    }
    if let Some(h) = &mut m.hedge {
        for r in [&mut h.economic, &mut h.security, &mut h.credibility]
            .into_iter()
            .flatten()
        {
            fix(&mut r.rationale);
        }
    }
}

fn brief(m: &mut BriefMeta) {
    fix(&mut m.title);
    fix_opt(&mut m.description);
    fix_opt(&mut m.bottom_line);
    for a in m.authors.iter_mut().flatten() {
        fix(a);
    }
    for k in &mut m.key_judgments {
        fix(&mut k.text);
    }
    for e in &mut m.events {
        fix(&mut e.text);
    }
    for s in &mut m.sources {
        fix(&mut s.title);
        fix(&mut s.publisher);
    }
    if let Some(h) = &mut m.hedge {
        for a in [&mut h.economic, &mut h.security, &mut h.credibility] {
            fix(&mut a.rationale);
        }
    }
}

fn section(m: &mut SectionMeta) {
    fix(&mut m.title);
    fix_opt(&mut m.description);
    fix_opt(&mut m.bottom_line);
}

fn fix(s: &mut String) {
    if let std::borrow::Cow::Owned(new) = smarten(s) {
        *s = new;
    }
}

fn fix_opt(s: &mut Option<String>) {
    if let Some(s) = s {
        fix(s);
    }
}
