//! Where the external test tools are (see tools/env.sh and scripts/setup-test-tools), and what to
//! do when one is missing: fail under CI, skip loudly elsewhere.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

/// Whether this run is CI's: `CI` set to anything but "", "false" or "0".
pub fn in_ci() -> bool {
    matches!(std::env::var("CI"), Ok(v) if !v.is_empty() && v != "false" && v != "0")
}

/// The file a tool lives in: `$VAR` when set, else the first fallback that exists. A fallback
/// that is a bare name is looked up on PATH; a relative one is taken from the repository root.
///
/// `None` means the caller must return at once: the test is skipped (with a loud note on stderr).
/// Under CI a missing tool fails the test instead.
pub fn find(what: &str, var: &str, fallbacks: &[&str]) -> Option<PathBuf> {
    let found = locate(var, fallbacks);
    if found.is_none() {
        let msg = format!(
            "{what} not found (set {var}, or run scripts/setup-test-tools and `. tools/env.sh`)"
        );
        if in_ci() {
            panic!("{msg}");
        }
        // Straight to the process's stderr: the test harness captures `eprintln!` of passing
        // tests, and a skip must be seen.
        let _ = writeln!(
            std::io::stderr(),
            "\n==================== SKIP: {msg} ====================\n"
        );
    }
    found
}

fn locate(var: &str, fallbacks: &[&str]) -> Option<PathBuf> {
    if let Some(v) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        let p = PathBuf::from(v);
        // A variable that names a missing file is a broken setup, not a reason to look elsewhere.
        return p.is_file().then_some(p);
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    fallbacks.iter().find_map(|f| {
        let p = Path::new(f);
        if p.is_absolute() {
            p.is_file().then(|| p.to_path_buf())
        } else if p.components().count() == 1 {
            on_path(f)
        } else {
            let p = repo.join(p);
            p.is_file().then_some(p)
        }
    })
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

pub fn chromium() -> Option<PathBuf> {
    find("chromium", "BRIEFING_CHROMIUM", &["/usr/bin/chromium"])
}

pub fn java() -> Option<PathBuf> {
    find("java", "BRIEFING_JAVA", &["java"])
}

pub fn vnu_jar() -> Option<PathBuf> {
    find(
        "vnu.jar (the Nu Html Checker)",
        "BRIEFING_VNU_JAR",
        &["tools/node_modules/vnu-jar/build/dist/vnu.jar"],
    )
}

pub fn axe_js() -> Option<PathBuf> {
    find(
        "axe.min.js (axe-core)",
        "BRIEFING_AXE_JS",
        &["tools/node_modules/axe-core/axe.min.js"],
    )
}

pub fn nginx() -> Option<PathBuf> {
    find("nginx", "BRIEFING_NGINX", &["/usr/sbin/nginx"])
}

/// poppler-utils' `pdfinfo`; its siblings (`pdffonts`, `pdftotext`, `pdftoppm`) come in the
/// same package and folder, so [`poppler`] finds them beside it.
pub fn pdfinfo() -> Option<PathBuf> {
    find(
        "pdfinfo (poppler-utils)",
        "BRIEFING_PDFINFO",
        &["/usr/bin/pdfinfo", "pdfinfo"],
    )
}

/// Another poppler-utils program, from `pdfinfo`'s folder.
pub fn poppler(pdfinfo: &Path, program: &str) -> PathBuf {
    pdfinfo.with_file_name(program)
}

/// qpdf, whose `--json` gives a PDF's objects (the tests read link annotations from it).
pub fn qpdf() -> Option<PathBuf> {
    find("qpdf", "BRIEFING_QPDF", &["/usr/bin/qpdf", "qpdf"])
}

/// pdfua (PyPI, in tools/venv): 16 of PDF/UA-1's 106 machine-checkable rules, offline.
pub fn pdfua() -> Option<PathBuf> {
    find(
        "pdfua (PDF/UA-1 checker)",
        "BRIEFING_PDFUA",
        &["tools/venv/bin/pdfua"],
    )
}

pub fn node() -> Option<PathBuf> {
    find("node", "BRIEFING_NODE", &["node"])
}

/// Lighthouse's CLI script (run with `node`); its package, and chrome-launcher beside it, are
/// found from there.
pub fn lighthouse() -> Option<PathBuf> {
    find(
        "lighthouse",
        "BRIEFING_LIGHTHOUSE",
        &["tools/node_modules/lighthouse/cli/index.js"],
    )
}

/// Prints a line that shows even when the test harness captures output (timings worth seeing in
/// every CI log).
pub fn note(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}
