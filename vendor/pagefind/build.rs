//! Minifies pagefind.js and pagefind-worker.js once, at compile time. They are the same on
//! every index build, and minifying them at run time was a fifth of a small site's build.
//! The bytes are exactly what `output::write_common` produced at run time before.

use std::{env, fs, path::PathBuf};

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("set by cargo"));
    let version = env::var("CARGO_PKG_VERSION").expect("set by cargo");
    let vendored = |name: &str| {
        let path = dir.join("vendor").join(format!("{name}.{version}.js"));
        println!("cargo:rerun-if-changed={}", path.display());
        let bytes = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let js_version = format!("const pagefind_version = \"{version}\";");
    let web = vendored("pagefind_web");
    let minify = |name: &str, source: String| {
        let mut bytes = vec![];
        minifier::js::minify(&source)
            .expect("Minifying Pagefind JS failed")
            .write(&mut bytes)
            .expect("Writing minified Pagefind JS failed");
        fs::write(out.join(name), bytes).expect("cannot write to OUT_DIR");
    };
    minify(
        "pagefind.min.js",
        format!("{js_version}\n{web}\n{}", vendored("pagefind_public_search_api")),
    );
    minify(
        "pagefind-worker.min.js",
        format!("{js_version}\n{web}\n{}", vendored("pagefind_worker")),
    );
    println!("cargo:rerun-if-changed=build.rs");
}
