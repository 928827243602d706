//! Helpers shared by the integration tests.

use sim_core::report::Report;
use sim_core::{run, RunOptions};

/// Loads scenario text (panicking with the diagnostics if it is invalid: a
/// test's own scenario must be valid) and runs it with `seed`.
pub fn run_text(text: &str, seed: u64) -> Report {
    let sc = sim_core::scenario::load(text, "test.toml", &[]).unwrap_or_else(|d| panic!("{d}"));
    run(
        &sc,
        &RunOptions {
            seed: Some(seed),
            ..RunOptions::default()
        },
    )
    .unwrap_or_else(|stop| panic!("{stop}"))
}

/// Asserts that `got` is within `rel` (relative) of `want`.
pub fn assert_close(what: &str, got: f64, want: f64, rel: f64) {
    let err = (got / want - 1.0).abs();
    assert!(
        err <= rel,
        "{what}: got {got}, theory {want}, relative error {err:.4} > {rel}"
    );
}
