//! The bodies of files whose front matter could not be read. Their page is not built (the
//! build fails on the front-matter error), but their `@/` links are checked against the site
//! made of the files that did read, so one build reports a broken front matter and the broken
//! links below it together.

use std::collections::HashSet;

use crate::content::UnreadBody;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::markdown::shortcodes::{Call, CallError, ShortcodeHost};
use crate::markdown::{self, LinkResolver};
use crate::model::{DocRef, Site};
use crate::pages::documents::{Documents, SiteLinks};

/// Shortcodes need the front matter (a `cite` needs the sources), so here they render to
/// nothing and are checked once the front matter reads.
struct Unchecked;

impl ShortcodeHost for Unchecked {
    fn render(&mut self, _: &Call, _: &dyn LinkResolver) -> Result<String, CallError> {
        Ok(String::new())
    }
}

/// Reports the broken `@/` links (missing files and missing anchors) of every unread body.
pub fn check(site: &Site, docs: &Documents, bodies: &[UnreadBody], diags: &mut Diagnostics) {
    for body in bodies {
        let text = &body.text[body.body_start..];
        let mut errors = Vec::new();
        let rendered = markdown::render(text, &SiteLinks(site, None), &mut Unchecked, &mut errors);
        let at =
            |span: std::ops::Range<usize>| body.body_start + span.start..body.body_start + span.end;
        for e in errors {
            let mut d = Diagnostic::error(e.message)
                .in_file(&body.display)
                .at(&body.text, at(e.span));
            if let Some(h) = e.hint {
                d = d.with_hint(h);
            }
            diags.push(d);
        }
        for link in &rendered.links {
            let Some(anchor) = &link.anchor else { continue };
            let target = match site.by_rel.get(&link.target) {
                Some(DocRef::Brief(b)) => docs.brief(*b),
                Some(DocRef::Section(s)) => docs.section(*s),
                None => None,
            };
            let Some(target) = target else { continue };
            let ids: HashSet<&str> = markdown::id_set(target);
            if ids.contains(anchor.as_str()) {
                continue;
            }
            let hint = match crate::diagnostics::did_you_mean(anchor, ids.iter().copied()) {
                Some(s) => format!("did you mean `#{s}`?"),
                None => format!("link to a heading of {}", link.target),
            };
            diags.push(
                Diagnostic::error(format!(
                    "broken anchor: {} has no heading `#{anchor}`",
                    link.target
                ))
                .in_file(&body.display)
                .at(&body.text, at(link.span.clone()))
                .with_hint(hint),
            );
        }
    }
}
