//! HTML minification of generated pages, here and nowhere else: every page goes through
//! [`html_page`] in [`super::Finish::page`], streamed or kept in memory. Stylesheets
//! and scripts are minified earlier, by `assets`, because their fingerprint is taken over the
//! minified bytes; both use [`config`], so a page's inline CSS and a stylesheet agree.

/// minify-html's settings for every format briefing minifies.
pub fn config() -> minify_html::Cfg {
    let mut cfg = minify_html::Cfg::new();
    cfg.minify_css = true;
    cfg.minify_js = true;
    // Keep the document valid HTML for validators and old parsers.
    cfg.keep_closing_tags = true;
    cfg.keep_html_and_head_opening_tags = true;
    cfg.minify_doctype = false;
    cfg
}

/// Minifies one HTML page.
pub fn html_page(html: &[u8]) -> Vec<u8> {
    minify_html::minify(html, &config())
}
