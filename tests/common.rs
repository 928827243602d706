//! Helpers shared by the integration tests.

use sim_core::report::Report;
use sim_core::{run, RunOptions, Simulation};

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

/// The events of the trace (Chrome trace format) of a run of `text` with
/// its own seed, up to 10,000 spans.
pub fn trace_events(text: &str) -> Vec<serde_json::Value> {
    let sc = sim_core::scenario::load(text, "t.toml", &[]).unwrap();
    let mut sim = Simulation::new(&sc, &RunOptions::default());
    sim.enable_trace(10_000);
    sim.run_until(sim.end()).unwrap();
    let mut trace: serde_json::Value =
        serde_json::from_str(&sim.take_trace().unwrap().to_json()).unwrap();
    match trace["traceEvents"].take() {
        serde_json::Value::Array(events) => events,
        _ => panic!("a trace without events"),
    }
}

/// The begin times (seconds) of the trace's spans named `name`.
pub fn span_starts(text: &str, name: &str) -> Vec<f64> {
    span_starts_in(text, None, name)
}

/// The begin times (seconds) of the trace's spans named `name` on the
/// node (the trace's process) called `node`, or on any node.
pub fn span_starts_in(text: &str, node: Option<&str>, name: &str) -> Vec<f64> {
    let events = trace_events(text);
    let pid = node.map(|node| {
        events
            .iter()
            .find(|e| e["ph"] == "M" && e["args"]["name"] == node)
            .map(|e| e["pid"].clone())
            .unwrap_or_else(|| panic!("no node {node} in the trace"))
    });
    events
        .iter()
        .filter(|e| e["ph"] == "b" && e["name"] == name)
        .filter(|e| pid.as_ref().is_none_or(|p| e["pid"] == *p))
        .map(|e| e["ts"].as_f64().unwrap() / 1e6)
        .collect()
}
