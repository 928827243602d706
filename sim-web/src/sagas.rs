//! Sagas as [`crate::describe`] draws them: each saga a node (its
//! orchestrator) with an edge to the service of each step's call and of
//! each step's compensation.

use serde_json::{json, Value};
use sim_core::scenario::model::SagaMode;
use sim_core::Scenario;

/// Every saga of `sc`: `{"name", "mode", "steps": [{"call", "compensate",
/// "pivot"}]}`, `compensate` null for a step that cannot be undone.
pub fn sagas_json(sc: &Scenario) -> Vec<Value> {
    sc.sagas
        .iter()
        .map(|g| {
            let mode = match g.mode {
                SagaMode::Orchestration => "orchestration",
                SagaMode::Choreography => "choreography",
                SagaMode::TwoPhase => "two_phase",
            };
            let steps: Vec<Value> = g
                .steps
                .iter()
                .map(|s| {
                    json!({
                        "call": sc.target_name(s.call),
                        "compensate": s.compensate.map(|t| sc.target_name(t)),
                        "pivot": s.pivot,
                    })
                })
                .collect();
            json!({ "name": g.name, "mode": mode, "steps": steps })
        })
        .collect()
}

/// The edges of every saga, in the order of a snapshot's `edges` after the
/// services' calls: per step, a `step` edge to its call's service labelled
/// with its index and endpoint (none for a service's only one), then a `compensate` edge to its
/// compensation's service labelled `undo INDEX`.
pub fn saga_edges(sc: &Scenario) -> Vec<Value> {
    let mut edges = Vec::new();
    for g in &sc.sagas {
        for (i, s) in g.steps.iter().enumerate() {
            let to = &sc.service(s.call.service).name;
            // `service.endpoint`, or the service alone for its one endpoint.
            let call = sc.target_name(s.call);
            let endpoint = call
                .split_once('.')
                .map_or(String::new(), |(_, e)| format!(" {e}"));
            let pivot = if s.pivot { " · pivot" } else { "" };
            let label = format!("{i}{endpoint}{pivot}");
            edges.push(json!({ "from": g.name, "to": to, "label": label, "kind": "step" }));
            if let Some(t) = s.compensate {
                let to = &sc.service(t.service).name;
                let label = format!("undo {i}");
                edges.push(
                    json!({ "from": g.name, "to": to, "label": label, "kind": "compensate" }),
                );
            }
        }
    }
    edges
}
