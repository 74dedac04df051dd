//! Unit tests of the charts and the dot matrix, parsing the SVG they draw.

use super::*;

fn spec<'a>(kind: &'a str, title: Option<&'a str>) -> ChartSpec<'a> {
    ChartSpec {
        kind,
        x: "kind",
        y: "count",
        x_label: None,
        y_label: None,
        title,
        source: Some("Article"),
        description: None,
        words: crate::strings::Strings::built_in(),
    }
}

fn data() -> Value {
    serde_json::json!({"rows": [
        {"kind": "Nuclear tests", "count": 3},
        {"kind": "Missile tests (more than 70)", "count": 70},
        {"kind": "Cruise", "count": 12},
    ]})
}

/// The texts of the SVG's drawn `<text>` elements (tooltips left out).
fn texts(markup: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(markup).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            n.descendants()
                .filter(|d| d.is_text() && d.ancestors().all(|a| !a.has_tag_name("title")))
                .filter_map(|d| d.text())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// Every drawn element of the SVG carries the attributes that make it visible, and right,
/// with no stylesheet: shapes a fill (and a stroke where they have one), lines a stroke
/// and width, text a fill, font family and a font size.
fn assert_self_styled(markup: &str) {
    let doc = roxmltree::Document::parse(markup).unwrap();
    let svg = doc
        .descendants()
        .find(|n| n.has_tag_name("svg"))
        .expect("an svg");
    let mut drawn = 0;
    for n in svg.descendants().filter(|n| n.is_element()) {
        let need: &[&str] = match n.tag_name().name() {
            "rect" | "circle" | "path" | "polygon" | "ellipse" => &["fill", "stroke"],
            "line" | "polyline" => &["stroke", "stroke-width"],
            "text" => &["fill", "font-family", "font-size"],
            "svg" | "title" | "desc" | "tspan" => continue,
            other => panic!("unexpected element <{other}> in {markup}"),
        };
        drawn += 1;
        for a in need {
            let v = n
                .attribute(*a)
                .unwrap_or_else(|| panic!("<{}> without {a}: {markup}", n.tag_name().name()));
            assert!(!v.trim().is_empty());
        }
        if n.has_tag_name("polyline") {
            assert_eq!(n.attribute("fill"), Some("none"));
        }
        if let Some(size) = n.attribute("font-size") {
            assert!(size.parse::<f64>().unwrap() >= 12.0, "{size}");
        }
    }
    assert!(drawn > 5, "{markup}");
}

#[test]
fn bar_chart_has_accessible_svg() {
    let data = serde_json::json!({"rows": [
        {"kind": "Nuclear tests", "count": 3},
        {"kind": "Missile tests (more than 70)", "count": 70},
    ]});
    let svg = render(&data, &spec("bar", Some("Tests")), &Palette::LIGHT).unwrap();
    assert!(svg.contains("<title id="));
    assert!(svg.contains("Missile tests (more than 70): 70"));
    assert_eq!(svg.matches("<rect").count(), 2);
    // 70 rounds the axis up to 80 in steps of 20.
    let texts = texts(&svg);
    assert!(
        texts.iter().any(|t| t == "80") && texts.iter().any(|t| t == "20"),
        "{texts:?}"
    );
    assert!(!svg.contains(".50<"));
}

#[test]
fn axis_titles_come_from_the_labels_or_else_the_columns() {
    let mut s = spec("line", None);
    let by_column = texts(&render(&data(), &s, &Palette::LIGHT).unwrap());
    assert!(by_column.iter().any(|t| t == "kind"), "{by_column:?}");
    assert!(by_column.iter().any(|t| t == "count"), "{by_column:?}");
    s.x_label = Some("Kind of test");
    s.y_label = Some("Number of tests");
    let svg = render(&data(), &s, &Palette::LIGHT).unwrap();
    let labelled = texts(&svg);
    assert!(labelled.iter().any(|t| t == "Kind of test"), "{labelled:?}");
    assert!(
        labelled.iter().any(|t| t == "Number of tests"),
        "{labelled:?}"
    );
    assert!(
        !labelled.iter().any(|t| t == "kind" || t == "count"),
        "{labelled:?}"
    );
    assert!(svg.contains("Line chart of Number of tests by Kind of test"));
}

#[test]
fn the_title_is_drawn_once_by_the_caption() {
    let title = "North Korean tests";
    let svg = render(&data(), &spec("bar", Some(title)), &Palette::LIGHT).unwrap();
    let texts = texts(&svg);
    assert!(!texts.iter().any(|t| t.contains(title)), "{texts:?}");
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let caption = doc
        .descendants()
        .find(|n| n.has_tag_name("figcaption"))
        .expect("a caption");
    assert!(
        caption
            .descendants()
            .any(|n| n.text() == Some("North Korean tests "))
    );
    let name = doc
        .descendants()
        .find(|n| n.has_tag_name("title") && n.attribute("id").is_some())
        .and_then(|n| n.text());
    assert_eq!(name, Some(title), "the SVG keeps its accessible name");
}

#[test]
fn charts_and_the_matrix_style_themselves() {
    for kind in ["bar", "line"] {
        for palette in [Palette::LIGHT, Palette::PRINT] {
            let svg = render(&data(), &spec(kind, Some("T")), &palette).unwrap();
            assert_self_styled(&svg);
            assert!(svg.contains(palette.mark) && svg.contains(palette.text));
        }
    }
    let rows = [
        MatrixRow {
            partner: "China",
            levels: [3, 1, 2],
        },
        MatrixRow {
            partner: "The European Union and its member states",
            levels: [2, 2, 1],
        },
    ];
    let svg = hedge_matrix(&rows, &Palette::LIGHT, crate::strings::Strings::built_in());
    assert_self_styled(&svg);
    // The matrix draws no title: its figure has the caption.
    let texts = texts(&svg);
    assert!(
        !texts.iter().any(|t| t.contains("Hedge matrix")),
        "{texts:?}"
    );
    // Scaled into a 288 px column, its text is still 12 px.
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let root = doc.root_element();
    let width: f64 = root
        .attribute("viewBox")
        .unwrap()
        .split(' ')
        .nth(2)
        .unwrap()
        .parse()
        .unwrap();
    assert!(FONT * 288.0 / width >= 12.0, "{width}");
    assert!(root.attribute("width").is_some() && root.attribute("height").is_some());
}

fn luminance(hex: &str) -> f64 {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap();
    let c = |shift: u32| {
        let s = f64::from((v >> shift) & 0xff) / 255.0;
        if s <= 0.04045 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * c(16) + 0.7152 * c(8) + 0.0722 * c(0)
}

fn contrast(a: &str, b: &str) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[test]
fn palettes_have_enough_contrast() {
    for (name, p) in [
        ("light", Palette::LIGHT),
        ("dark", Palette::DARK),
        ("print", Palette::PRINT),
    ] {
        for (what, c, min) in [("text", p.text, 4.5), ("muted", p.muted, 4.5)]
            .into_iter()
            .chain(
                [p.grid, p.axis, p.mark]
                    .into_iter()
                    .map(|c| ("mark", c, 3.0)),
            )
            .chain(p.levels.into_iter().map(|c| ("level", c, 3.0)))
        {
            let r = contrast(c, p.background);
            assert!(r >= min, "{name} {what} {c} on {}: {r:.2}", p.background);
        }
    }
}

/// The stylesheet's dark-scheme chart colours are `Palette::DARK`.
#[test]
fn the_stylesheet_dark_scheme_is_the_dark_palette() {
    let css = include_str!("../../themes/default/static/style.css");
    let marker = "/* chart colours: dark";
    let block = &css[css.find(marker).expect("the chart colours block")..];
    let block = &block[..block.find("\n}\n").expect("its end")];
    let d = Palette::DARK;
    let want = [
        (".chart-label", "fill", d.text),
        (".chart-value", "fill", d.text),
        (".matrix-partner", "fill", d.text),
        (".chart-tick", "fill", d.muted),
        (".chart-axis-label", "fill", d.muted),
        (".matrix-head", "fill", d.muted),
        (".chart-grid", "stroke", d.grid),
        (".chart-axis", "stroke", d.axis),
        (".chart-bar", "fill", d.mark),
        (".chart-point", "fill", d.mark),
        (".chart-point", "stroke", d.background),
        (".chart-line", "stroke", d.mark),
        (".matrix-dot--low", "fill", d.levels[0]),
        (".matrix-dot--medium", "fill", d.levels[1]),
        (".matrix-dot--high", "fill", d.levels[2]),
    ];
    let rules: Vec<(Vec<&str>, &str)> = block
        .split('}')
        .filter_map(|r| r.rsplit_once('{'))
        .map(|(sel, decl)| {
            let sel = sel.rsplit(['{', '/']).next().unwrap_or(sel);
            (sel.split(',').map(str::trim).collect(), decl.trim())
        })
        .collect();
    for (class, prop, colour) in want {
        let found = rules
            .iter()
            .any(|(sels, decl)| sels.contains(&class) && *decl == format!("{prop}: {colour};"));
        assert!(
            found,
            "style.css sets no `{class} {{ {prop}: {colour}; }}` for dark: {rules:?}"
        );
    }
}

#[test]
fn missing_column_is_an_error() {
    let data = serde_json::json!({"rows": [{"kind": "Nuclear"}]});
    assert!(
        render(&data, &spec("bar", None), &Palette::LIGHT)
            .unwrap_err()
            .contains("no column `count`")
    );
}

#[test]
fn every_bar_is_named_even_when_names_are_long() {
    let data = serde_json::json!({"rows": [
        {"kind": "Nuclear tests", "count": 3},
        {"kind": "Missile tests (more than seventy in all)", "count": 70},
        {"kind": "Intercontinental ballistic missile launches", "count": 12},
        {"kind": "Cruise", "count": 8},
        {"kind": "Submarine-launched ballistic missiles", "count": 4},
    ]});
    let svg = render(&data, &spec("bar", None), &Palette::LIGHT).unwrap();
    let texts = texts(&svg);
    for name in [
        "Nuclear tests",
        "Missile tests (more than seventy in all)",
        "Intercontinental ballistic missile launches",
        "Cruise",
        "Submarine-launched ballistic missiles",
    ] {
        assert!(
            texts.iter().any(|t| t == name),
            "{name} not drawn in full: {texts:?}"
        );
    }
    assert_self_styled(&svg);
    // Short names stay under vertical bars.
    let svg = render(&data_short(), &spec("bar", None), &Palette::LIGHT).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let bars: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .collect();
    assert!(bars.iter().all(|b| b.attribute("x") != Some("0")), "{svg}");
}

fn data_short() -> Value {
    serde_json::json!({"rows": [{"kind": "A", "count": 3}, {"kind": "B", "count": 7}]})
}

#[test]
fn numbers_are_written_the_language_s_way() {
    let en = Numbers::of(crate::strings::Strings::built_in());
    assert_eq!(fmt_num(1234.5, en), "1,234.50");
    assert_eq!(fmt_num(70.0, en), "70");
    assert_eq!(fmt_num(-1234567.0, en), "\u{2212}1,234,567");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let (fr, diags) = crate::strings::Strings::load(root, &root.join("themes/default"), "fr");
    assert!(diags.is_empty(), "{diags:?}");
    let nums = Numbers::of(&fr);
    assert_eq!(fmt_num(1234.5, nums), "1\u{202f}234,50");
    assert_eq!(fmt_num(0.25, nums), "0,25");
    // The French chart says so in its ticks, labels and description.
    let mut s = spec("bar", None);
    s.words = &fr;
    let data =
        serde_json::json!({"rows": [{"kind": "A", "count": 1500.5}, {"kind": "B", "count": 2}]});
    let svg = render(&data, &s, &Palette::LIGHT).unwrap();
    let drawn = texts(&svg[svg.find("<svg").unwrap()..svg.find("</svg>").unwrap() + 6]);
    assert!(drawn.iter().any(|t| t == "1\u{202f}500,50"), "{drawn:?}");
    assert!(svg.contains("A\u{202f}: 1\u{202f}500,50"), "{svg}");
}
