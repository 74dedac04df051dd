//! briefing: a static site generator for policy briefings.
//!
//! The pipeline runs one way, each stage a module that names only earlier ones (ARCHITECTURE.md
//! has the rank table; `tests/layering.rs` enforces it): [`config`] → [`content`] (walk, front
//! matter) → [`model`] (sections, briefs, taxonomies, data) → [`markdown`] (with its child
//! [`markdown::shortcodes`]) → [`templates`] (Tera, lookups, the shortcode runner) → [`pages`]
//! (documents, page list, contexts, fingerprints) → [`render`] → [`output`] (atomic write).
//! [`build::Builder`] drives it and keeps the caches that make `serve`'s rebuilds incremental.

pub mod assets;
pub mod build;
pub mod charts;
pub mod check;
pub mod clean;
#[cfg(test)]
pub(crate) mod cliffs;
pub mod config;
pub mod confine;
pub mod content;
pub mod date;
pub mod diagnostics;
#[doc(hidden)]
pub mod faults;
#[doc(hidden)]
pub mod fuzzing;
pub mod hashing;
pub mod linkpath;
pub mod markdown;
pub mod model;
pub mod output;
pub mod pages;
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod placeholders;
pub mod publish;
pub mod render;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod slug;
pub mod strings;
pub mod templates;
pub mod typography;
