//! Embeds the default theme so `briefing init` can scaffold a site without the repository, and
//! links the `briefing` binary as a position-dependent executable on Linux (see below).

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    link_position_dependent();
    pdf_code();
    let theme = Path::new("themes/default");
    println!("cargo:rerun-if-changed=themes/default");
    let mut files = Vec::new();
    collect(theme, theme, &mut files);
    files.sort();
    let mut out = String::from(
        "/// (path inside the theme, bytes)\npub const DEFAULT_THEME: &[(&str, &[u8])] = &[\n",
    );
    for rel in &files {
        let abs = std::fs::canonicalize(theme.join(rel))
            .expect("theme file disappeared during the build");
        let _ = writeln!(
            out,
            "    ({rel:?}, include_bytes!({:?})),",
            abs.display().to_string()
        );
    }
    out.push_str("];\n");
    let dest =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("default_theme.rs");
    std::fs::write(dest, out).expect("cannot write OUT_DIR/default_theme.rs");
}

/// Start-up cost, measured (BENCHMARKS.md): the binary carries 10.8 MB of read-only tables full
/// of pointers (mostly the Unicode segmentation data pagefind uses), and as a position-independent
/// executable every one of their ~78,000 pointers is relocated at start, which touches ~2,700
/// pages and costs 8-17 ms per command: a third of the example site's build. Linked at a fixed
/// address, the linker resolves them once and start-up takes about 2 ms. The price is that the
/// executable's own image is not address-randomised (its libraries still are); briefing reads
/// the user's own files and serves on loopback by default, so we take the trade. Only the
/// binary is affected: libraries, tests and proc macros link as usual.
fn link_position_dependent() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}

fn collect(base: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        println!("cargo:rerun-if-changed={}", p.display());
        if p.is_dir() {
            collect(base, &p, out);
        } else if let Ok(rel) = p.strip_prefix(base) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// `BRIEFING_PDF_CODE`: a hash of `src/pdf/`, so a PDF cached beside an output by a briefing
/// whose PDF code differs is typeset again rather than reused.
fn pdf_code() {
    use std::hash::{Hash, Hasher};
    println!("cargo:rerun-if-changed=src/pdf");
    let mut names: Vec<_> = std::fs::read_dir("src/pdf")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    names.sort();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for n in names {
        n.file_name().hash(&mut h);
        std::fs::read(&n).unwrap_or_default().hash(&mut h);
    }
    println!("cargo:rustc-env=BRIEFING_PDF_CODE={:016x}", h.finish());
}
