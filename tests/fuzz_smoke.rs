//! The CI-sized fuzz run, on the stable toolchain: the same target code as the cargo-fuzz
//! binaries in `fuzz/` (`briefing::fuzzing::{frontmatter, markdown, links}`), without coverage
//! guidance or sanitizers, so it needs no nightly compiler and no instrumented build.
//!
//! For each target it replays every file in `fuzz/corpus/TARGET/` (the committed `seed-*` files
//! and whatever local corpus `scripts/fuzz` has grown), then runs seeded, deterministic mutations
//! of those inputs (bit flips, dictionary tokens from `fuzz/dicts/`, splices of two inputs,
//! truncations, repeats) until its time budget is spent.
//!
//! - `BRIEFING_FUZZ_SMOKE_SECONDS`: seconds of mutations per target (default 6; 0 replays the
//!   corpus only). The three targets run as three tests, two at a time on two test threads.
//! - `BRIEFING_FUZZ_SMOKE_SEED`: the PRNG seed (default fixed, so every run tries the same inputs
//!   in the same order; only how far it gets depends on the machine's speed).
//!
//! A failing input (a panic, a broken invariant, or one input running longer than 10 s) is printed
//! and written to `target/fuzz-smoke-failures/TARGET/crash-HASH`; reproduce it with
//! `cargo +nightly fuzz run TARGET target/fuzz-smoke-failures/TARGET/crash-HASH` or by calling
//! `briefing::fuzzing::TARGET(include_bytes!(...))` in a unit test. If the whole test process
//! dies (a stack overflow aborts it), the input it was running is in
//! `target/fuzz-smoke-failures/TARGET/last-input`. See docs/fuzzing.md.

use std::cell::Cell;
use std::fmt::Write as _;
use std::fs::{self, File};
use std::os::unix::fs::FileExt;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Once};
use std::thread;
use std::time::{Duration, Instant};

use briefing::fuzzing;

/// The longest input a mutation may produce, as `scripts/fuzz` passes `-max_len=8192`.
const MAX_LEN: usize = 8192;
/// One input running longer than this is a failure, like libFuzzer's `-timeout=10`.
const INPUT_TIMEOUT: Duration = Duration::from_secs(10);
/// Failures collected per target before it stops fuzzing.
const MAX_FAILURES: usize = 5;
const DEFAULT_SECONDS: f64 = 6.0;
const DEFAULT_SEED: u64 = 0x6272_6965_6669_6e67; // "briefing"

#[test]
fn frontmatter() {
    smoke("frontmatter", fuzzing::frontmatter);
}

#[test]
fn markdown() {
    smoke("markdown", fuzzing::markdown);
}

#[test]
fn links() {
    smoke("links", fuzzing::links);
}

#[test]
fn every_fuzz_target_has_a_smoke_test_and_a_committed_seed() {
    let root = repo_root();
    for (name, _) in fuzzing::TARGETS {
        assert!(
            root.join("fuzz/fuzz_targets")
                .join(format!("{name}.rs"))
                .is_file(),
            "fuzz/fuzz_targets/{name}.rs is missing"
        );
        assert!(
            corpus(name).iter().any(|(p, _)| p
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("seed-")),
            "fuzz/corpus/{name}/ has no committed seed-* file"
        );
    }
    let targets = fs::read_dir(root.join("fuzz/fuzz_targets"))
        .unwrap()
        .count();
    assert_eq!(
        targets,
        fuzzing::TARGETS.len(),
        "a fuzz target without a smoke test (add it to briefing::fuzzing::TARGETS and here)"
    );
}

#[test]
fn the_dictionaries_parse() {
    for name in ["frontmatter", "markdown", "links"] {
        let dict = dictionary(name);
        assert!(dict.len() >= 10, "{name}: only {} tokens", dict.len());
    }
    assert_eq!(
        parse_dict_line(r#"kw="a\x0a\"b\\""#),
        Some(b"a\n\"b\\".to_vec())
    );
    assert_eq!(parse_dict_line("# comment"), None);
}

// -------------------------------------------------------------------------------- the run

/// What one input did wrong.
struct Failure {
    input: Vec<u8>,
    origin: String,
    message: String,
}

/// What the worker shares with the watchdog: when the input it is running started, in
/// milliseconds since `epoch` plus one, or 0 between inputs.
struct Progress {
    epoch: Instant,
    running_since: AtomicU64,
}

impl Progress {
    fn now(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64 + 1
    }
}

fn smoke(name: &'static str, target: fuzzing::Target) {
    let seconds = env_f64("BRIEFING_FUZZ_SMOKE_SECONDS", DEFAULT_SECONDS);
    let seed = env_u64("BRIEFING_FUZZ_SMOKE_SEED", DEFAULT_SEED);
    let corpus = corpus(name);
    assert!(!corpus.is_empty(), "fuzz/corpus/{name}/ is empty");
    let dict = dictionary(name);
    let out_dir = failures_dir().join(name);
    fs::create_dir_all(&out_dir).unwrap();
    let last_input = out_dir.join("last-input");

    let progress = Arc::new(Progress {
        epoch: Instant::now(),
        running_since: AtomicU64::new(0),
    });
    let (tx, rx) = mpsc::channel();
    let worker_progress = progress.clone();
    let worker_last = last_input.clone();
    // A worker thread, so a hanging input can be reported instead of blocking CI forever. Its
    // stack is the 8 MiB main-thread stack libFuzzer runs targets on.
    thread::Builder::new()
        .name(format!("fuzz-smoke-{name}"))
        .stack_size(8 << 20)
        .spawn(move || {
            let report = run(
                target,
                &corpus,
                &dict,
                seconds,
                seed,
                &worker_progress,
                &worker_last,
            );
            let _ = tx.send(report);
        })
        .unwrap();

    let (stats, failures) = loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok((stats, failures)) => break (Some(stats), failures),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let since = progress.running_since.load(Ordering::Acquire);
                if since != 0
                    && progress.now().saturating_sub(since) > INPUT_TIMEOUT.as_millis() as u64
                {
                    // The worker is stuck inside the target; it keeps writing nothing, so the
                    // last input on disk is the one that hangs.
                    let input = fs::read(&last_input).unwrap_or_default();
                    break (
                        None,
                        vec![Failure {
                            input,
                            origin: "the input running when the watchdog fired".into(),
                            message: format!("ran longer than {INPUT_TIMEOUT:?}"),
                        }],
                    );
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                panic!("the {name} worker died without a report (see last-input)")
            }
        }
    };
    if let Some(stats) = &stats {
        eprintln!(
            "fuzz smoke {name}: replayed {} corpus inputs, ran {} mutations in {:.1}s \
             (seed {seed:#x}), {} failed",
            stats.replayed, stats.mutations, stats.mutation_secs, stats.failed
        );
    }
    if failures.is_empty() {
        let _ = fs::remove_file(&last_input);
        return;
    }
    let mut report = format!(
        "fuzz smoke {name}: {} failing input(s), the first {} below\n",
        stats.map_or(failures.len(), |s| s.failed),
        failures.len()
    );
    for f in &failures {
        let path = out_dir.join(format!("crash-{:016x}", fnv1a(&f.input)));
        fs::write(&path, &f.input).unwrap();
        let _ = write!(
            report,
            "\n--- {}\n{}\ninput ({} bytes), saved as {}:\n{}\n",
            f.origin,
            f.message,
            f.input.len(),
            path.display(),
            show(&f.input)
        );
        if name == "links" {
            let _ = writeln!(
                report,
                "which assembles the Markdown:\n{:?}",
                fuzzing::links_markdown(&f.input)
            );
        }
    }
    let _ = write!(
        report,
        "\nReproduce with `cargo +nightly fuzz run {name} FILE` or \
         `briefing::fuzzing::{name}(include_bytes!(\"FILE\"))` in a unit test; \
         turn the shrunk input into a regression test (docs/fuzzing.md)."
    );
    panic!("{report}");
}

#[derive(Default)]
struct Stats {
    replayed: usize,
    /// Failing inputs, of which the first `MAX_FAILURES` are kept.
    failed: usize,
    mutations: u64,
    mutation_secs: f64,
}

/// Replays the corpus, then mutates until `seconds` are spent. Runs on the worker thread.
fn run(
    target: fuzzing::Target,
    corpus: &[(PathBuf, Vec<u8>)],
    dict: &[Vec<u8>],
    seconds: f64,
    seed: u64,
    progress: &Progress,
    last_input: &Path,
) -> (Stats, Vec<Failure>) {
    install_panic_hook();
    let last = File::create(last_input).unwrap();
    let mut failures = Vec::new();
    let mut stats = Stats::default();
    // Runs one input; the panic message if it failed.
    let exec = |input: &[u8]| -> Option<String> {
        // Written before the run, so an abort leaves it behind; positional writes keep it to
        // two cheap system calls an input.
        if std::env::var_os("NOLAST").is_none() {
            let _ = last.set_len(0);
            let _ = last.write_all_at(input, 0);
        }
        progress
            .running_since
            .store(progress.now(), Ordering::Release);
        CATCHING.with(|c| c.set(true));
        let result = panic::catch_unwind(AssertUnwindSafe(|| target(input)));
        CATCHING.with(|c| c.set(false));
        progress.running_since.store(0, Ordering::Release);
        result.err().map(|_| CAUGHT.with(Cell::take))
    };

    for (path, input) in corpus {
        if let Some(message) = exec(input) {
            stats.failed += 1;
            if failures.len() < MAX_FAILURES {
                failures.push(Failure {
                    input: input.clone(),
                    origin: format!("corpus file {}", path.display()),
                    message,
                });
            }
        }
        stats.replayed += 1;
    }

    let start = Instant::now();
    let budget = Duration::from_secs_f64(seconds.max(0.0));
    let mut rng = Rng::new(seed);
    let mut previous_mutant: Vec<u8> = Vec::new();
    let mut n = 0u64;
    while stats.failed < MAX_FAILURES && start.elapsed() < budget {
        // Mostly a fresh corpus input; sometimes the last mutant again, to go further from it.
        let base = if !previous_mutant.is_empty() && rng.below(4) == 0 {
            previous_mutant.clone()
        } else {
            corpus[rng.below(corpus.len())].1.clone()
        };
        let mut input = base;
        for _ in 0..1 + rng.below(4) {
            mutate(&mut input, &mut rng, corpus, dict);
        }
        input.truncate(MAX_LEN);
        if let Some(message) = exec(&input) {
            stats.failed += 1;
            failures.push(Failure {
                input: input.clone(),
                origin: format!("mutation {n} of seed {seed:#x} over this corpus"),
                message,
            });
        }
        previous_mutant = input;
        n += 1;
    }
    stats.mutations = n;
    stats.mutation_secs = start.elapsed().as_secs_f64();
    (stats, failures)
}

thread_local! {
    /// Set while a target runs under `catch_unwind` on this thread.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    /// The message of the panic caught last on this thread.
    static CAUGHT: Cell<String> = const { Cell::new(String::new()) };
}

/// A panic hook that keeps the message of a panic inside a target (the report prints it once,
/// with the input) instead of printing it; every other panic goes to the previous hook.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !CATCHING.with(Cell::get) {
                return previous(info);
            }
            let location = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let payload = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(a panic without a message)".into());
            CAUGHT.with(|m| m.set(format!("panicked{location}: {payload}")));
        }));
    });
}

// ----------------------------------------------------------------------------- mutations

/// SplitMix64: small, fast and the same everywhere, so a seed names one sequence of inputs.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A position in `0..=len`.
    fn pos(&mut self, len: usize) -> usize {
        self.below(len + 1)
    }
}

/// Bytes that reach edge cases: delimiters of the dialect, line ends, NUL, UTF-8 lead bytes.
const INTERESTING: &[u8] = b"+{}%@/#[]()<>`~\\\"'=\n\r\t \0-*_|!.:";

/// One cheap mutation of `input`, in place.
fn mutate(input: &mut Vec<u8>, rng: &mut Rng, corpus: &[(PathBuf, Vec<u8>)], dict: &[Vec<u8>]) {
    match rng.below(10) {
        // Flip one bit. ASCII stays ASCII (the text targets cut their input at the first invalid
        // UTF-8 byte, so most flips would otherwise just truncate it).
        0 if !input.is_empty() => {
            let i = rng.below(input.len());
            let bit = if input[i] < 0x80 {
                rng.below(7)
            } else {
                rng.below(8)
            };
            input[i] ^= 1 << bit;
        }
        // Overwrite or insert one interesting or random byte.
        1 if !input.is_empty() => {
            let i = rng.below(input.len());
            input[i] = INTERESTING[rng.below(INTERESTING.len())];
        }
        2 => {
            let b = if rng.below(4) == 0 {
                rng.next() as u8
            } else {
                INTERESTING[rng.below(INTERESTING.len())]
            };
            let at = rng.pos(input.len());
            input.insert(at, b);
        }
        // Insert a dictionary token, or write it over what is there.
        3 | 4 if !dict.is_empty() => {
            let token = &dict[rng.below(dict.len())];
            let at = rng.pos(input.len());
            if rng.below(3) == 0 {
                let end = (at + token.len()).min(input.len());
                input.splice(at..end, token.iter().copied());
            } else {
                input.splice(at..at, token.iter().copied());
            }
        }
        // Splice: a prefix of this input with a suffix of another corpus input.
        5 => {
            let other = &corpus[rng.below(corpus.len())].1;
            let cut = rng.pos(input.len());
            let from = rng.pos(other.len());
            input.truncate(cut);
            input.extend_from_slice(&other[from..]);
        }
        // Insert another corpus input whole (nesting documents in documents).
        6 => {
            let other = &corpus[rng.below(corpus.len())].1;
            let at = rng.pos(input.len());
            input.splice(at..at, other.iter().copied());
        }
        // Truncate, or remove a range.
        7 if !input.is_empty() => {
            let a = rng.below(input.len());
            if rng.below(2) == 0 {
                input.truncate(a);
            } else {
                let b = (a + 1 + rng.below(16)).min(input.len());
                input.drain(a..b);
            }
        }
        // Repeat a short range a few times (deep nesting, long runs of a delimiter).
        8 if !input.is_empty() => {
            let a = rng.below(input.len());
            let b = (a + 1 + rng.below(8)).min(input.len());
            let piece = input[a..b].to_vec();
            let most = if rng.below(8) == 0 { 200 } else { 8 };
            let times = 1 + rng.below(most);
            for _ in 0..times {
                if input.len() + piece.len() > MAX_LEN {
                    break;
                }
                input.splice(b..b, piece.iter().copied());
            }
        }
        // Swap two bytes.
        9 if input.len() >= 2 => {
            let a = rng.below(input.len());
            let b = rng.below(input.len());
            input.swap(a, b);
        }
        // The chosen mutation needs a longer input: grow it instead.
        _ => {
            let at = rng.pos(input.len());
            input.insert(at, INTERESTING[rng.below(INTERESTING.len())]);
        }
    }
}

// ------------------------------------------------------------------------ corpus and dicts

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `target/fuzz-smoke-failures` (cargo's target folder, wherever CARGO_TARGET_DIR puts it).
fn failures_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("fuzz-smoke-failures")
}

/// Every file of `fuzz/corpus/NAME/`, sorted by name.
fn corpus(name: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = repo_root().join("fuzz/corpus").join(name);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let bytes = fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
            (p, bytes)
        })
        .collect()
}

/// The tokens of the dictionary `scripts/fuzz` passes for `target`.
fn dictionary(target: &str) -> Vec<Vec<u8>> {
    let file = match target {
        "frontmatter" => "frontmatter.dict",
        _ => "markdown.dict",
    };
    let path = repo_root().join("fuzz/dicts").join(file);
    let text =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines().filter_map(parse_dict_line).collect()
}

/// One line of a libFuzzer dictionary: `"token"` or `name="token"`, with `\\`, `\"` and `\xNN`
/// escapes; blank lines and `#` comments are `None`.
fn parse_dict_line(line: &str) -> Option<Vec<u8>> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let start = line.find('"')?;
    let body = line[start + 1..].strip_suffix('"')?.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'\\' if body.get(i + 1) == Some(&b'x') => {
                let hex = std::str::from_utf8(body.get(i + 2..i + 4)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 4;
            }
            b'\\' if i + 1 < body.len() => {
                out.push(body[i + 1]);
                i += 2;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------------- helpers

fn env_f64(name: &str, default: f64) -> f64 {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number of seconds")),
        Err(_) => default,
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => {
            let v = v.trim();
            let parsed = match v.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => v.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("{name}={v:?} is not a number"))
        }
        Err(_) => default,
    }
}

/// FNV-1a, to name a saved input by its content.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// An input for a human: the text when it is UTF-8 (escaped, so control characters show), the
/// bytes otherwise; cut after 4 KB.
fn show(input: &[u8]) -> String {
    let cut = &input[..input.len().min(4096)];
    let mut s = match std::str::from_utf8(cut) {
        Ok(text) => format!("{text:?}"),
        Err(_) => format!("{cut:?}"),
    };
    if input.len() > cut.len() {
        s.push_str(" ...");
    }
    s
}
