//! Test helpers for the linear-time guarantees (issue #13), in the foundation so that any stage//! (markdown and its shortcodes, linkpath) can measure itself without naming another stage.

/// Runs `f(n)` and `f(8 n)` by turns, five times each after a warm-up, and fails unless the
/// larger took less than 24 times as long (best against best): about 8 when linear, 64 when
/// quadratic. Runs by turns share the load of a busy machine; `n` is large enough that even
/// the small runs take milliseconds.
pub(crate) fn assert_linear(what: &str, n: usize, f: impl Fn(usize)) {
    let time = |n: usize| {
        let start = std::time::Instant::now();
        f(n);
        start.elapsed()
    };
    time(n);
    let (mut small, mut large) = (std::time::Duration::MAX, std::time::Duration::MAX);
    for _ in 0..5 {
        small = small.min(time(n));
        large = large.min(time(8 * n));
        // Far past the bound: quadratic, no need to wait for more runs.
        if large.as_secs_f64() > 3.0 * 24.0 * small.as_secs_f64() {
            break;
        }
    }
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
    assert!(
        ratio < 24.0,
        "{what}: 8x the input took {ratio:.1}x as long ({small:?} -> {large:?})"
    );
}
