//! # sim-web: dsim in the browser
//!
//! WebAssembly bindings over [`sim_core`], for the static visualizer and for
//! anything else that can load a wasm module. The browser calls the same
//! `sim-core` functions as the `dsim` binary, so a run here returns the very
//! bytes `dsim run` prints: the exports are thin wrappers, and no metric or
//! format is re-implemented.
//!
//! From JavaScript (after `sim-web/build.sh`):
//!
//! ```js
//! import init, { run, list_builtins, version } from "./pkg/sim_web.js";
//! await init();
//! const summary = JSON.parse(run(text, 42));        // = dsim run FILE --seed 42 --format json
//! const withSeries = JSON.parse(run(text, 42, "1s")); // ... --timeseries 1s
//! ```
//!
//! ## Errors
//!
//! Bad input never traps: it comes back as a thrown `Error` whose message is
//! what the CLI prints on stderr for the same input — a scenario's
//! diagnostics name the file `scenario.toml`, as `dsim run scenario.toml`
//! would. A panic would be a bug; if one happens anyway, its message goes to
//! the console (`console_error_panic_hook`) rather than a bare trap.
//!
//! ## Seeds
//!
//! A seed is a JavaScript number, not a `BigInt`, so the page can pass what a
//! user typed. It must be a whole number from 0 to 2^53 − 1
//! (`Number.MAX_SAFE_INTEGER`): above that a number cannot hold every
//! integer, and a seed the user did not write would run silently. Seeds the
//! CLI accepts above 2^53 − 1 are not reachable from here.

use sim_core::scenario;
use sim_core::scenario::model::{
    Balancer, DeadLetter, Delivery, Endpoint, HealthAction, Load, Queue, Service,
};
use sim_core::scenario::policy::Policy;
use sim_core::scenario::Override;
use sim_core::time::parse_duration;
use sim_core::{RunOptions, SimDuration, SimTime, Simulation};
use wasm_bindgen::prelude::*;

mod sagas;

/// The file name used in diagnostics: the text did not come from a file.
pub const FILE_NAME: &str = "scenario.toml";

/// The largest seed a JavaScript number holds exactly, 2^53 − 1.
const MAX_SAFE_SEED: u64 = (1 << 53) - 1;

/// Runs when the module is instantiated: a panic's message goes to
/// `console.error` instead of vanishing into an `unreachable` trap.
/// wasm-bindgen also exports it to JavaScript; calling it again does nothing.
#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// Runs a scenario and returns its summary as JSON, byte for byte what
/// `dsim run scenario.toml [--seed SEED] [--timeseries WINDOW] --format json`
/// prints. Without `seed` the scenario's own seed is used; `timeseries` is a
/// window such as `"1s"`. Throws with the CLI's message on bad input.
#[wasm_bindgen]
pub fn run(
    scenario_text: &str,
    seed: Option<f64>,
    timeseries: Option<String>,
) -> Result<String, JsError> {
    let options = options(seed, timeseries.as_deref()).map_err(js_error)?;
    run_json(scenario_text, &options).map_err(js_error)
}

/// A simulation the page steps through: created from scenario text, a seed
/// and `--set`-style overrides, advanced in slices of simulated time with an
/// event budget (so a shared scenario cannot hang the page), read through
/// snapshots, and summarised exactly as the CLI would.
#[wasm_bindgen]
pub struct Sim {
    inner: Simulation,
}

#[wasm_bindgen]
impl Sim {
    /// Loads `scenario_text` with `sets` (`["client.users.rate=900"]`) and
    /// prepares the run; `timeseries` as for [`run`]. Throws the CLI's
    /// diagnostics on bad input.
    #[wasm_bindgen(constructor)]
    pub fn new(
        scenario_text: &str,
        seed: Option<f64>,
        sets: Vec<String>,
        timeseries: Option<String>,
    ) -> Result<Sim, JsError> {
        let options = options(seed, timeseries.as_deref()).map_err(js_error)?;
        let scenario = load(scenario_text, &sets)?;
        options
            .check(&scenario)
            .map_err(|e| js_error(format!("error: timeseries: {e}\n")))?;
        let mut inner = Simulation::new(&scenario, &options);
        inner.keep_saga_timelines();
        Ok(Sim { inner })
    }

    /// Runs up to `seconds` of simulated time, at most `budget` events;
    /// returns the events processed. Throws, with the message `dsim run`
    /// prints, when the run stops at one of its budgets (a zero-time loop
    /// among them): the budgets are checked at every event, so this always
    /// returns.
    pub fn advance(&mut self, seconds: f64, budget: f64) -> Result<f64, JsError> {
        let t = SimTime((seconds.max(0.0) * 1e9).round() as u64);
        let done = self
            .inner
            .run_bounded(t, budget.max(1.0) as u64)
            .map_err(|stop| js_error(stop.to_string()))?;
        Ok(done as f64)
    }

    /// Simulated seconds so far.
    pub fn now(&self) -> f64 {
        self.inner.now().as_secs_f64()
    }

    /// The run's length in simulated seconds.
    pub fn end(&self) -> f64 {
        self.inner.end().as_secs_f64()
    }

    /// The state now, as JSON (see `sim_core::engine::snapshot`).
    pub fn snapshot(&self) -> String {
        serde_json::to_string(&self.inner.snapshot()).unwrap_or_default()
    }

    /// The timelines of each saga's last runs that ended, as JSON: saga
    /// name → `[{"run", "started_s", "ended_s", "outcome", "calls":
    /// [{"step", "endpoint", "compensation", "call", "start_s", "end_s",
    /// "outcome"}]}]`, in the order the runs ended (see
    /// `sim_core::engine::saga_view`).
    pub fn saga_timelines(&self) -> String {
        serde_json::to_string(&self.inner.saga_timelines()).unwrap_or_default()
    }

    /// Records spans from now on, at most `limit` of them (capped at
    /// `dsim trace`'s largest `--limit`): requests,
    /// attempts, work, messages, saga steps (see `sim_core::engine::trace`).
    /// Observing changes nothing in the run.
    pub fn trace_from_now(&mut self, limit: f64) {
        let most = sim_core::limits::MAX_TRACE_SPANS as f64;
        self.inner.enable_trace(limit.clamp(0.0, most) as usize);
    }

    /// The spans recorded since [`Sim::trace_from_now`] in Chrome's trace
    /// event format, as `dsim trace` writes them (spans still open end now,
    /// `in_flight`); recording stops. Empty when nothing was recorded.
    pub fn take_trace(&mut self) -> String {
        self.inner
            .take_trace()
            .map(|t| t.to_json())
            .unwrap_or_default()
    }

    /// The summary so far; once the run has reached its end, byte for byte
    /// what `dsim run --format json` prints.
    pub fn summary(&mut self) -> String {
        self.inner.report().to_json()
    }
}

/// The topology of a scenario for drawing, as JSON: `{"name", "description",
/// "duration_s", "clients": [{"name", "rate", "timeout", "retry", "budget",
/// "breaker", "deadline", "saga"}], "services": [{"name", "instances", "slots"
/// (the most instances at once: autoscaling and deployments add some),
/// "workers", "dedup", "balancer", "vnodes", "limit", "startup_s", "health":
/// null or {"action", "deep", "interval_s"}}], "queues": [{"name", "delivery", "partitions", "ack_timeout",
/// "ack_timeout_s", "max_receives", "dead_letter", "dead_letter_queue",
/// "capacity", "publishers": [{"service", "endpoint", "outbox",
/// "outbox_path"}], "consumers": [{"service", "endpoint"}]}], "caches":
/// [{"name", "capacity", "ttl", "single_flight", "refresh_ahead"}],
/// "edges": [{"from", "to", "label", "kind"}], "deploys": [{"service",
/// "strategy", "steps"}]}` (deploy `i` is `--set` path `deploy.i`). `dead_letter` names where dead
/// letters go, a declared queue when `dead_letter_queue`; a publisher's
/// `endpoint` is the endpoint that writes the entry, null when its service
/// does (and its endpoints inherit it).
/// Edges of kind `call` come first, one per client and per call in the order
/// of a snapshot's `edges`, labelled with their policies; then one `publish`
/// edge per service and queue it publishes to (`publish` or
/// `publish · outbox`), one `consume` edge per queue and consuming service,
/// and one `dead_letter` edge per queue whose dead letters go to a declared
/// queue, then one `lookup` edge per service and cache it calls `via`.
/// `outbox_path` is the `--set` path of the publish entry's `outbox`
/// flag. A client that starts a saga names it in `saga` and has a `start`
/// edge to it; the sagas follow the services' calls (see [`sagas`]):
/// `"sagas": [{"name", "mode", "steps": [{"call", "compensate", "pivot"}]}]`.
/// Throws the CLI's diagnostics on bad input.
#[wasm_bindgen]
pub fn describe(scenario_text: &str, sets: Vec<String>) -> Result<String, JsError> {
    let overrides = parse_sets(&sets)?;
    let sc = load_with(scenario_text, &overrides)?;
    let loads = |path: &str| {
        let mut trial = overrides.clone();
        trial.push(Override::set(path, "true"));
        scenario::load(scenario_text, FILE_NAME, &trial).is_ok()
    };
    Ok(topology_json(&sc, &loads).to_string())
}

/// What [`describe`] returns; `loads(path)` says whether the scenario loads
/// with `--set path=true` (see [`publish_site`]).
fn topology_json(sc: &sim_core::Scenario, loads: &dyn Fn(&str) -> bool) -> serde_json::Value {
    use serde_json::json;
    let edge = |from: &str, to: sim_core::scenario::model::Target, p: &Policy| json!({ "from": from, "to": sc.service(to.service).name, "label": p.label(), "kind": "call" });
    let mut edges: Vec<serde_json::Value> = sc
        .clients
        .iter()
        .map(|c| match c.saga {
            Some(g) => json!({ "from": c.name, "to": sc.sagas[g.0 as usize].name, "label": "", "kind": "start" }),
            None => edge(&c.name, c.target, &c.policy),
        })
        .collect();
    for s in &sc.services {
        for (_, e) in s.call_lists() {
            edges.extend(e.calls.iter().map(|c| edge(&s.name, c.to, &c.policy)));
        }
    }
    edges.extend(sagas::saga_edges(sc));
    let queues: Vec<serde_json::Value> = sc
        .queues
        .iter()
        .enumerate()
        .map(|(q, queue)| queue_json(sc, q, queue, loads))
        .collect();
    edges.extend(message_edges(&queues));
    for s in &sc.services {
        for (_, e) in s.call_lists() {
            for c in &e.calls {
                if let Some(cache) = c.via {
                    let name = &sc.caches[cache.0 as usize].name;
                    push_new(
                        &mut edges,
                        json!({ "from": s.name, "to": name, "label": "look up", "kind": "lookup" }),
                    );
                }
            }
        }
    }
    json!({
        "name": sc.name,
        "description": sc.description,
        "duration_s": sc.duration.as_secs_f64(),
        "clients": sc.clients.iter().map(|c| json!({
            "name": c.name,
            "rate": match &c.load {
                Load::Open { schedule, .. } if schedule.len() == 1 => Some(schedule[0].1),
                _ => None,
            },
            "timeout": c.policy.timeout.is_some(),
            "retry": c.policy.retry.as_ref().map(|r| r.max_attempts),
            "budget": c.policy.budget.is_some(),
            "breaker": c.policy.breaker.is_some(),
            "deadline": c.policy.deadline,
            "saga": c.saga.map(|g| &sc.sagas[g.0 as usize].name),
            "limit": c.policy.limit.as_ref().map(|l| l.per.name()),
        })).collect::<Vec<_>>(),
        "services": sc.services.iter().map(|s| json!({
            "name": s.name, "instances": s.instances, "slots": s.max_instances(), "workers": s.workers,
            "dedup": s.dedup.is_some(),
            "balancer": s.balancer.name(),
            "vnodes": match s.balancer { Balancer::Hash { vnodes } => Some(vnodes), _ => None },
            "limit": s.protection.limit.as_ref().map(|l| l.per.name()),
            "startup_s": s.lifecycle.startup.as_secs_f64(),
            "health": s.lifecycle.health.as_ref().map(|h| json!({
                "action": match h.action {
                    HealthAction::Remove => "remove",
                    HealthAction::Restart => "restart",
                },
                "deep": h.deep,
                "interval_s": h.interval.as_secs_f64(),
            })),
        })).collect::<Vec<_>>(),
        "queues": queues,
        "caches": sc.caches.iter().map(|c| json!({
            "name": c.name,
            "capacity": c.capacity,
            "ttl": c.ttl.to_string(),
            "single_flight": c.single_flight,
            "refresh_ahead": c.refresh_ahead.map(|d| d.to_string()),
        })).collect::<Vec<_>>(),
        "sagas": sagas::sagas_json(sc),
        "deploys": sc.deploys.iter().map(|d| json!({
            "service": sc.service(d.service).name,
            "strategy": d.strategy.name(),
            "steps": d.steps,
        })).collect::<Vec<_>>(),
        "edges": edges,
    })
}

/// Queue `q` of `sc` as [`describe`] lists it, with the endpoints that
/// publish to it and consume it.
fn queue_json(
    sc: &sim_core::Scenario,
    q: usize,
    queue: &Queue,
    loads: &dyn Fn(&str) -> bool,
) -> serde_json::Value {
    use serde_json::json;
    let mut publishers = Vec::new();
    let mut consumers = Vec::new();
    for s in &sc.services {
        for e in &s.endpoints {
            for (i, p) in e.publish.iter().enumerate() {
                if p.to.0 as usize == q {
                    let (endpoint, path) = publish_site(s, e, i, loads);
                    // Endpoints that inherit their service's `publish` share
                    // its entries: one entry, one knob.
                    push_new(
                        &mut publishers,
                        json!({
                            "service": s.name, "endpoint": endpoint, "outbox": p.outbox,
                            "outbox_path": path,
                        }),
                    );
                }
            }
            if e.consumes.is_some_and(|c| c.0 as usize == q) {
                consumers.push(json!({ "service": s.name, "endpoint": e.name }));
            }
        }
    }
    json!({
        "name": queue.name,
        "delivery": match queue.delivery {
            Delivery::AtLeastOnce => "at_least_once",
            Delivery::AtMostOnce => "at_most_once",
        },
        "partitions": queue.partitions,
        "ack_timeout": queue.ack_timeout.to_string(),
        "ack_timeout_s": queue.ack_timeout.as_secs_f64(),
        "max_receives": queue.max_receives,
        "dead_letter": match &queue.dead_letter {
            Some(DeadLetter::Queue(d)) => Some(sc.queues[d.0 as usize].name.as_str()),
            Some(DeadLetter::Sink(name)) => Some(name.as_str()),
            None => None,
        },
        "dead_letter_queue": matches!(queue.dead_letter, Some(DeadLetter::Queue(_))),
        "capacity": queue.capacity,
        "publishers": publishers,
        "consumers": consumers,
    })
}

/// The `publish`, `consume` and `dead_letter` edges of `queues` (as
/// [`queue_json`] lists them): one per pair of nodes, however many endpoints
/// make it. A publish edge whose entries are only some of them outboxes says
/// how many: `publish · outbox 1 of 2`.
fn message_edges(queues: &[serde_json::Value]) -> Vec<serde_json::Value> {
    use serde_json::json;
    let mut edges = Vec::new();
    for q in queues {
        let publishers = q["publishers"].as_array().map_or(&[][..], Vec::as_slice);
        for p in publishers {
            let entries = publishers.iter().filter(|o| o["service"] == p["service"]);
            let (all, outbox) = entries.fold((0, 0), |(all, outbox), o| {
                (all + 1, outbox + usize::from(o["outbox"] == true))
            });
            let label = match outbox {
                0 => "publish".to_string(),
                n if n == all => "publish · outbox".to_string(),
                n => format!("publish · outbox {n} of {all}"),
            };
            push_new(
                &mut edges,
                json!({ "from": p["service"], "to": q["name"], "label": label, "kind": "publish" }),
            );
        }
        for c in q["consumers"].as_array().into_iter().flatten() {
            push_new(
                &mut edges,
                json!({ "from": q["name"], "to": c["service"], "label": "consume", "kind": "consume" }),
            );
        }
        if q["dead_letter_queue"] == true {
            push_new(
                &mut edges,
                json!({ "from": q["name"], "to": q["dead_letter"], "label": "dead letters", "kind": "dead_letter" }),
            );
        }
    }
    edges
}

/// Appends `item` to `list` unless an equal one is there.
fn push_new(list: &mut Vec<serde_json::Value>, item: serde_json::Value) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Where entry `i` of the `publish` of endpoint `e` of service `s` is
/// written, and the `--set` path of its `outbox` flag: on the endpoint
/// (named) when it writes its own `publish`, else on the service (`None`),
/// which the endpoint inherits it from. The model does not keep which, so the
/// endpoint's path is tried: it names an entry only where the endpoint writes
/// one (`loads` tries it).
fn publish_site<'a>(
    s: &Service,
    e: &'a Endpoint,
    i: usize,
    loads: &dyn Fn(&str) -> bool,
) -> (Option<&'a str>, String) {
    let on_endpoint = format!("service.{}.endpoint.{}.publish.{i}.outbox", s.name, e.name);
    if loads(&on_endpoint) {
        (Some(&e.name), on_endpoint)
    } else {
        (None, format!("service.{}.publish.{i}.outbox", s.name))
    }
}

/// The problems of a scenario as a JSON array of `{line, column, message,
/// hint, severity}` (`"error"` or `"warning"`; empty when there are none),
/// for an editor to mark. Errors stop a run; warnings do not.
#[wasm_bindgen]
pub fn validate(scenario_text: &str) -> String {
    let problems = match scenario::load_with_warnings(scenario_text, FILE_NAME, &[]) {
        Ok(loaded) => loaded.warnings,
        Err(d) => d,
    };
    let items: Vec<serde_json::Value> = problems
        .items
        .iter()
        .map(|i| {
            serde_json::json!({
                "line": i.line, "column": i.column, "message": i.message, "hint": i.hint,
                "severity": i.severity.name(),
            })
        })
        .collect();
    serde_json::Value::Array(items).to_string()
}

/// The built-in scenario library as a JSON array of `{"name", "text"}`
/// objects, sorted by name: what `dsim list` lists and `dsim run NAME` runs.
#[wasm_bindgen]
pub fn list_builtins() -> String {
    builtins_json()
}

/// The dsim version this module was built from, as `dsim --version` shows it
/// after the program name.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Loads and runs `text`; the summary exactly as the CLI's `--format json`,
/// or what the CLI prints on stderr when the file is bad or the run stops.
fn run_json(text: &str, options: &RunOptions) -> Result<String, String> {
    let scenario = scenario::load(text, FILE_NAME, &[]).map_err(|d| d.to_string())?;
    options
        .check(&scenario)
        .map_err(|e| format!("error: timeseries: {e}\n"))?;
    sim_core::run(&scenario, options)
        .map(|r| r.to_json())
        .map_err(|stop| stop.to_string())
}

/// [`sim_core::library::BUILTIN`] as JSON, in its order.
fn builtins_json() -> String {
    let list: Vec<serde_json::Value> = sim_core::library::BUILTIN
        .iter()
        .map(|b| serde_json::json!({ "name": b.name, "text": b.text }))
        .collect();
    serde_json::Value::Array(list).to_string()
}

/// Loads `text` with `--set`-style `sets`; errors as the CLI prints them.
fn load(text: &str, sets: &[String]) -> Result<sim_core::Scenario, JsError> {
    load_with(text, &parse_sets(sets)?)
}

/// `--set`-style `sets` (`"client.users.rate=900"`) as overrides; errors as
/// the CLI prints them.
fn parse_sets(sets: &[String]) -> Result<Vec<Override>, JsError> {
    sets.iter()
        .map(|s| scenario::parse_override(s).map_err(|e| format!("--set {e}")))
        .collect::<Result<Vec<_>, _>>()
        .map_err(js_error)
}

/// Loads `text` with `overrides`; errors as the CLI prints them.
fn load_with(text: &str, overrides: &[Override]) -> Result<sim_core::Scenario, JsError> {
    scenario::load(text, FILE_NAME, overrides).map_err(|d| js_error(d.to_string()))
}

/// The run options of a seed and a timeseries window from JavaScript.
fn options(seed: Option<f64>, timeseries: Option<&str>) -> Result<RunOptions, String> {
    Ok(RunOptions {
        seed: seed.map(seed_from_number).transpose()?,
        timeseries: timeseries.map(parse_window).transpose()?,
        ..RunOptions::default()
    })
}

/// A JavaScript number as a seed: a whole number in `0..=2^53 − 1`.
/// Anything else (fractions, negatives, NaN, infinities, numbers too large
/// to be exact) is an error rather than a silently different seed.
fn seed_from_number(n: f64) -> Result<u64, String> {
    if n.fract() == 0.0 && (0.0..=MAX_SAFE_SEED as f64).contains(&n) {
        // Exact: `n` is a whole number that fits in 53 bits.
        Ok(n as u64)
    } else {
        Err(format!(
            "seed must be a whole number from 0 to {MAX_SAFE_SEED} \
             (Number.MAX_SAFE_INTEGER), got {n}"
        ))
    }
}

/// A timeseries window, with the CLI's `--timeseries` rules: a duration
/// longer than zero.
fn parse_window(text: &str) -> Result<SimDuration, String> {
    let window = parse_duration(text).map_err(|e| format!("timeseries: {e}"))?;
    if window == SimDuration::ZERO {
        return Err("timeseries: a window must be longer than zero".to_string());
    }
    Ok(window)
}

/// A thrown JavaScript `Error` with `message`.
fn js_error(message: impl AsRef<str>) -> JsError {
    JsError::new(message.as_ref())
}

#[cfg(test)]
mod tests {
    //! Native tests of everything but the JavaScript glue; the Node test
    //! `sim-web/tests/wasm_matches_native.mjs` covers the built module.

    use super::*;

    #[test]
    fn seeds_are_whole_safe_integers() {
        assert_eq!(seed_from_number(0.0), Ok(0));
        assert_eq!(seed_from_number(-0.0), Ok(0));
        assert_eq!(seed_from_number(42.0), Ok(42));
        assert_eq!(seed_from_number(9_007_199_254_740_991.0), Ok(MAX_SAFE_SEED));
        for bad in [
            -1.0,
            1.5,
            9_007_199_254_740_992.0,
            1e300,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            let err = seed_from_number(bad).expect_err("not a seed");
            assert!(err.starts_with("seed must be a whole number"), "{err}");
        }
    }

    #[test]
    fn a_zero_time_loop_stops_with_the_cli_message() {
        let text = "[scenario]\nduration = \"10s\"\n[[client]]\nname = \"u\"\ntarget = \"api\"\nusers = 1\n[[service]]\nname = \"api\"\nservice_time = \"0ns\"\n";
        let err = run_json(text, &RunOptions::default()).expect_err("it never advances");
        assert!(err.starts_with("stopped: no progress"), "{err}");
        let mut sim = Sim::new(text, None, Vec::new(), None)
            .map_err(|_| ())
            .unwrap();
        let mut calls = 0;
        let stopped = loop {
            calls += 1;
            match sim.inner.run_bounded(SimTime(1), 100_000) {
                Ok(_) => assert!(calls < 100, "the budget never stopped it"),
                Err(stop) => break stop,
            }
        };
        assert_eq!(stopped.to_string(), err);
        assert_eq!(sim.now(), 0.0);
    }

    #[test]
    fn windows_follow_the_cli() {
        assert_eq!(parse_window("1s"), Ok(SimDuration(1_000_000_000)));
        assert_eq!(
            parse_window("0s"),
            Err("timeseries: a window must be longer than zero".to_string())
        );
        assert!(parse_window("soon").is_err());
    }

    #[test]
    fn bad_scenarios_are_diagnosed_against_scenario_toml() {
        let err =
            run_json("this is = = not toml", &RunOptions::default()).expect_err("invalid TOML");
        assert!(err.starts_with("error: scenario.toml:"), "{err}");
    }

    #[test]
    fn a_stepped_sim_ends_with_the_cli_summary() {
        let text = sim_core::library::find("retry-storm").unwrap().text;
        let mut sim = Sim::new(text, Some(3.0), Vec::new(), None)
            .map_err(|_| ())
            .unwrap();
        let mut steps = 0;
        while sim.now() < sim.end() {
            sim.advance(sim.now() + 0.7, 1000.0)
                .map_err(|_| ())
                .unwrap();
            steps += 1;
        }
        assert!(steps > 200, "the budget cut the run into slices: {steps}");
        let snapshot: serde_json::Value = serde_json::from_str(&sim.snapshot()).unwrap();
        assert_eq!(snapshot["done"], true);
        assert_eq!(snapshot["services"]["api"]["instances"][0]["health"], "up");
        let options = RunOptions {
            seed: Some(3),
            ..RunOptions::default()
        };
        assert_eq!(sim.summary(), run_json(text, &options).unwrap());
    }

    #[test]
    fn the_topology_labels_edges_with_policies() {
        let text = sim_core::library::find("circuit-breaker").unwrap().text;
        let sc = scenario::load(text, FILE_NAME, &[]).unwrap();
        let t = topology_json(&sc, &|_| false);
        assert_eq!(t["edges"][1]["from"], "checkout");
        assert_eq!(t["edges"][1]["to"], "payments");
        assert_eq!(t["edges"][1]["label"], "timeout 200ms · breaker · fallback");
        assert_eq!(t["edges"][1]["kind"], "call");
        assert_eq!(t["services"][0]["workers"], 20);
        assert_eq!(t["queues"], serde_json::json!([]));
    }

    #[test]
    fn the_topology_lists_caches_and_the_services_that_look_up_in_them() {
        let text = sim_core::library::find("cache-stampede").unwrap().text;
        let sc = scenario::load(text, FILE_NAME, &[]).unwrap();
        let t = topology_json(&sc, &|_| false);
        assert_eq!(
            t["caches"],
            serde_json::json!([{ "name": "pages", "capacity": null, "ttl": "5s", "single_flight": false, "refresh_ahead": null }])
        );
        let lookups: Vec<&serde_json::Value> = t["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "lookup")
            .collect();
        assert_eq!(
            lookups,
            [
                &serde_json::json!({ "from": "web", "to": "pages", "label": "look up", "kind": "lookup" })
            ]
        );
    }

    /// `checkout.place` writes its own `publish`; `checkout.view` inherits
    /// the service's; `inventory` consumes `orders`, whose dead letters go
    /// to the declared queue `orders-dlq`.
    const MESSAGING: &str = r#"
[scenario]
duration = "10s"

[[client]]
name = "shoppers"
target = "checkout.place"
rate = 10

[[service]]
name = "checkout"
service_time = "1ms"
publish = [ { to = "audit" } ]

[[service.endpoint]]
name = "place"
publish = [ { to = "orders" }, { to = "audit", outbox = true } ]

[[service.endpoint]]
name = "view"

[[service]]
name = "inventory"
service_time = "1ms"
consumes = "orders"
dedup = { ttl = "1h", capacity = 1000 }

[[service]]
name = "auditor"
service_time = "1ms"
consumes = "audit"

[[queue]]
name = "orders"
partitions = 4
ack_timeout = "5s"
max_receives = 3
dead_letter = "orders-dlq"

[[queue]]
name = "orders-dlq"

[[queue]]
name = "audit"
delivery = "at_most_once"
"#;

    #[test]
    fn the_topology_shows_queues_with_their_publishers_and_consumers() {
        let t: serde_json::Value =
            serde_json::from_str(&describe(MESSAGING, Vec::new()).map_err(|_| ()).unwrap())
                .unwrap();
        let orders = &t["queues"][0];
        assert_eq!(orders["name"], "orders");
        assert_eq!(orders["delivery"], "at_least_once");
        assert_eq!(orders["partitions"], 4);
        assert_eq!(orders["ack_timeout"], "5s");
        assert_eq!(orders["ack_timeout_s"], 5.0);
        assert_eq!(orders["max_receives"], 3);
        assert_eq!(orders["dead_letter"], "orders-dlq");
        assert_eq!(orders["dead_letter_queue"], true);
        assert_eq!(
            orders["publishers"],
            serde_json::json!([{ "service": "checkout", "endpoint": "place", "outbox": false,
                "outbox_path": "service.checkout.endpoint.place.publish.0.outbox" }])
        );
        assert_eq!(
            orders["consumers"],
            serde_json::json!([{ "service": "inventory", "endpoint": "default" }])
        );
        let audit = &t["queues"][2];
        assert_eq!(audit["delivery"], "at_most_once");
        assert_eq!(audit["partitions"], serde_json::Value::Null);
        assert_eq!(audit["dead_letter"], serde_json::Value::Null);
        // The entry `place` writes, then the one `view` inherits.
        assert_eq!(
            audit["publishers"],
            serde_json::json!([
                { "service": "checkout", "endpoint": "place", "outbox": true,
                  "outbox_path": "service.checkout.endpoint.place.publish.1.outbox" },
                { "service": "checkout", "endpoint": null, "outbox": false,
                  "outbox_path": "service.checkout.publish.0.outbox" },
            ])
        );
        assert_eq!(t["services"][1]["dedup"], true);
        assert_eq!(t["services"][2]["dedup"], false);
        let edges: Vec<String> = t["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!("{} {}->{} {}", e["kind"], e["from"], e["to"], e["label"]).replace('"', "")
            })
            .collect();
        assert_eq!(
            edges,
            [
                "call shoppers->checkout ",
                "publish checkout->orders publish",
                "consume orders->inventory consume",
                "dead_letter orders->orders-dlq dead letters",
                "publish checkout->audit publish · outbox 1 of 2",
                "consume audit->auditor consume",
            ]
        );
    }

    #[test]
    fn every_outbox_path_sets_its_entry() {
        let t: serde_json::Value =
            serde_json::from_str(&describe(MESSAGING, Vec::new()).map_err(|_| ()).unwrap())
                .unwrap();
        for q in t["queues"].as_array().unwrap() {
            for p in q["publishers"].as_array().unwrap() {
                let path = p["outbox_path"].as_str().unwrap();
                let set = scenario::parse_override(&format!("{path}=true")).unwrap();
                let sc = scenario::load(MESSAGING, FILE_NAME, &[set]).unwrap();
                let checkout = &sc.services[0];
                let entry = |e: usize, i: usize| checkout.endpoints[e].publish[i].outbox;
                match path {
                    "service.checkout.endpoint.place.publish.0.outbox" => assert!(entry(0, 0)),
                    "service.checkout.endpoint.place.publish.1.outbox" => assert!(entry(0, 1)),
                    "service.checkout.publish.0.outbox" => {
                        assert!(entry(1, 0) && !entry(0, 0) && entry(0, 1));
                    }
                    other => panic!("unexpected path {other}"),
                }
            }
        }
    }

    /// A client starts `checkout`, whose first step can be undone on the
    /// same service and whose second is the pivot.
    const SAGA: &str = r#"
[scenario]
duration = "5s"

[[client]]
name = "shoppers"
target = "checkout"
rate = 20

[[saga]]
name = "checkout"
steps = [
  { call = "inventory.reserve", compensate = "inventory.release" },
  { call = "payments", pivot = true },
]

[[service]]
name = "inventory"
service_time = "1ms"
[[service.endpoint]]
name = "reserve"
[[service.endpoint]]
name = "release"

[[service]]
name = "payments"
service_time = "1ms"
error_rate = 0.3
"#;

    #[test]
    fn a_saga_is_a_node_with_step_and_compensation_edges_in_snapshot_order() {
        let t: serde_json::Value =
            serde_json::from_str(&describe(SAGA, Vec::new()).map_err(|_| ()).unwrap()).unwrap();
        assert_eq!(
            t["sagas"],
            serde_json::json!([{ "name": "checkout", "mode": "orchestration", "steps": [
                { "call": "inventory.reserve", "compensate": "inventory.release", "pivot": false },
                { "call": "payments", "compensate": null, "pivot": true },
            ] }])
        );
        let edges: Vec<String> = t["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| format!("{} {}->{} {}", e["kind"], e["from"], e["to"], e["label"]))
            .map(|e| e.replace('"', ""))
            .collect();
        assert_eq!(
            edges,
            [
                "start shoppers->checkout ",
                "step checkout->inventory 0 reserve",
                "compensate checkout->inventory undo 0",
                "step checkout->payments 1 · pivot",
            ]
        );
        // The page reads the counts of edge `i` from the snapshot's `edges[i]`.
        let mut sim = Sim::new(SAGA, Some(1.0), Vec::new(), None)
            .map_err(|_| ())
            .unwrap();
        sim.advance(5.0, 1e9).map_err(|_| ()).unwrap();
        let snapshot: serde_json::Value = serde_json::from_str(&sim.snapshot()).unwrap();
        let sent = &snapshot["edges"];
        for (i, e) in t["edges"].as_array().unwrap().iter().enumerate().skip(1) {
            assert_eq!(
                (&sent[i]["from"], &sent[i]["to"]),
                (&e["from"], &e["to"]),
                "edge {i}"
            );
        }
        assert!(
            sent[2]["sent"].as_u64().unwrap() > 0,
            "the failed charges are compensated"
        );
        let saga = &snapshot["sagas"]["checkout"];
        assert_eq!(saga["health"], "up");
        assert!(saga["started"].as_u64().unwrap() > 50, "{saga}");
        assert!(saga["compensated"].as_u64().unwrap() > 0, "{saga}");
        let timelines: serde_json::Value = serde_json::from_str(&sim.saga_timelines()).unwrap();
        let runs = timelines["checkout"].as_array().unwrap();
        let kept = |outcome: &str| runs.iter().filter(|r| r["outcome"] == outcome).count();
        assert_eq!((kept("completed"), kept("compensated")), (5, 5));
    }

    #[test]
    fn validate_lists_problems_with_places() {
        let list: serde_json::Value =
            serde_json::from_str(&validate("[scenario]\nduration = 5\n")).unwrap();
        assert_eq!(list[0]["line"], 2);
        assert_eq!(list[0]["severity"], "error");
        assert_eq!(validate(sim_core::library::BUILTIN[0].text), "[]");
        let late = "[scenario]\nduration = \"1s\"\n[[service]]\nname = \"a\"\nservice_time = \"1ms\"\n[[fault]]\nkind = \"crash\"\ntarget = \"a\"\nat = \"5s\"\n";
        let list: serde_json::Value = serde_json::from_str(&validate(late)).unwrap();
        assert_eq!(list[0]["severity"], "warning", "{list}");
        assert_eq!(list[0]["line"], 9, "{list}");
    }

    #[test]
    fn builtins_are_a_json_array_of_name_and_text() {
        let list: serde_json::Value = serde_json::from_str(&builtins_json()).unwrap();
        let list = list.as_array().expect("an array");
        assert_eq!(list.len(), sim_core::library::BUILTIN.len());
        for (item, b) in list.iter().zip(sim_core::library::BUILTIN) {
            assert_eq!(item["name"], b.name);
            assert_eq!(item["text"], b.text);
        }
    }
}
