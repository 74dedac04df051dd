//! A section's hedge matrix, for the section page and `get_section`.

use tera::Value;

use super::context::{self, obj};
use crate::charts;
use crate::model::{BriefId, SectionId, Site, Table};

/// The section's hedge matrix: its briefs' hedge assessments as rows (most credible first) and
/// as an SVG chart; none when no brief of the section assesses a hedge.
pub fn value(site: &Site, s: SectionId, summaries: &Table<BriefId, Value>) -> Value {
    let mut rows: Vec<(BriefId, &crate::content::meta::Hedge)> = site.sections[s]
        .briefs
        .iter()
        .filter_map(|&b| site.briefs[b].meta().hedge.as_ref().map(|h| (b, h)))
        .collect();
    if rows.is_empty() {
        return Value::none();
    }
    rows.sort_by(|a, b| {
        b.1.credibility
            .level
            .cmp(&a.1.credibility.level)
            .then_with(|| {
                (b.1.economic.level.rank() + b.1.security.level.rank())
                    .cmp(&(a.1.economic.level.rank() + a.1.security.level.rank()))
            })
            .then_with(|| a.1.partner.cmp(&b.1.partner))
    });
    let svg = charts::hedge_matrix(
        &rows
            .iter()
            .map(|(_, h)| charts::MatrixRow {
                partner: &h.partner,
                levels: [
                    h.economic.level.rank(),
                    h.security.level.rank(),
                    h.credibility.level.rank(),
                ],
            })
            .collect::<Vec<_>>(),
        &charts::Palette::LIGHT,
        &site.config.strings,
    );
    let list: Vec<Value> = rows
        .iter()
        .map(|(b, h)| {
            let mut m = context::hedge_value(h)
                .as_map()
                .cloned()
                .unwrap_or_default();
            m.insert("brief".into(), summaries[*b].clone());
            Value::from(m)
        })
        .collect();
    obj([
        ("rows", Value::from(list)),
        ("svg", Value::safe_string(&svg)),
    ])
}
