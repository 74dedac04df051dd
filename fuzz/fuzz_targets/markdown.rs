//! The `markdown` target; its body is `briefing::fuzzing::markdown`, shared with the stable smoke run in
//! `tests/fuzz_smoke.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| briefing::fuzzing::markdown(data));
