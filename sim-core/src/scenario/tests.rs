//! Loading scenarios end to end: semantics, defaults, overrides, and one test
//! per class of error, each checking the message and its line and column.

use super::model::*;
use super::{load, parse_override, Diagnostic, Override};
use crate::dist::Dist;
use crate::expect::Metric;
use crate::time::{SimDuration, SimTime};

/// A small valid scenario that tests append to or edit.
pub(super) const BASE: &str = r#"[scenario]
name = "Base"
duration = "60s"

[[client]]
name = "users"
target = "api"
rate = 100

[[service]]
name = "api"
service_time = "exp(5ms)"
calls = ["db"]

[[service]]
name = "db"
service_time = "2ms"
"#;

pub(super) fn ok(text: &str) -> Scenario {
    match load(text, "t.toml", &[]) {
        Ok(s) => s,
        Err(e) => panic!("expected a valid scenario, got:\n{e}"),
    }
}

/// The diagnostics of a text that must be rejected.
pub(super) fn errors_with(text: &str, overrides: &[Override]) -> Vec<Diagnostic> {
    match load(text, "t.toml", overrides) {
        Ok(_) => panic!("expected errors, the scenario loaded"),
        Err(e) => {
            assert_eq!(e.file, "t.toml");
            e.items
        }
    }
}

pub(super) fn errors(text: &str) -> Vec<Diagnostic> {
    errors_with(text, &[])
}

/// The one diagnostic of a text, as (line, column, message, hint).
pub(super) fn only(text: &str) -> (u32, u32, String, Option<String>) {
    let items = errors(text);
    assert_eq!(items.len(), 1, "expected one diagnostic, got {items:#?}");
    let d = items.into_iter().next().unwrap();
    (d.line, d.column, d.message, d.hint)
}

pub(super) fn hint(s: &str) -> Option<String> {
    Some(s.to_string())
}

pub(super) fn set(arg: &str) -> Override {
    parse_override(arg).unwrap()
}

#[test]
fn loads_a_scenario_with_defaults() {
    let s = ok(BASE);
    assert_eq!(s.name, "Base");
    assert_eq!(s.description, "");
    assert_eq!(s.duration, SimDuration::from_secs(60));
    assert_eq!(s.seed, 1);
    assert_eq!(s.warmup, SimDuration::ZERO);
    assert!(s.expect.is_empty());
    assert_eq!(s.network, Network::default());
    assert!(s.links.is_empty());

    let c = &s.clients[0];
    assert_eq!(c.name, "users");
    assert_eq!(
        c.target,
        Target {
            service: ServiceId(0),
            endpoint: EndpointId(0)
        }
    );
    assert_eq!(
        c.load,
        Load::Open {
            arrivals: Arrivals::Poisson,
            schedule: vec![(SimTime::ZERO, 100.0)]
        }
    );
    assert_eq!(c.policy, Policy::default());

    let api = &s.services[0];
    assert_eq!(api.name, "api");
    assert_eq!((api.instances, api.workers, api.queue), (1, 1, None));
    assert_eq!(api.balancer, Balancer::RoundRobin);
    assert_eq!(api.discipline, Discipline::Fifo);
    assert_eq!(api.endpoints.len(), 1);
    let e = &api.endpoints[0];
    assert_eq!(e.name, "default");
    assert_eq!(e.service_time, Dist::Exp { mean: 5e6 });
    assert_eq!((e.error_rate, e.parallel, e.blocking), (0.0, false, true));
    assert_eq!(e.calls.len(), 1);
    assert_eq!(
        e.calls[0].to,
        Target {
            service: ServiceId(1),
            endpoint: EndpointId(0)
        }
    );
    assert_eq!(e.calls[0].policy.timeout, None);
}

#[test]
fn loads_every_supported_key() {
    let s = ok(r#"
[scenario]
name = "Full"
description = "notes"
duration = "2m"
seed = 42
warmup = "10s"
expect = ["success_rate(users, 60s..) >= 0.99", "p99(api) < 250ms", "max_queue(db) <= 100"]

[network]
latency = "exp(0.5ms)"
loss = 0.01
duplicate = 0.02

[[link]]
from = "api"
to = "db"
latency = "2ms"
loss = 0.5

[[client]]
name = "users"
target = "api.charge"
rate = [ { at = "10s", rate = 200 }, { at = "30s", rate = 900.5 } ]
arrivals = "constant"
timeout = "1s"

[[client]]
name = "batch"
target = "db"
users = 10
think = "exp(1s)"

[[service]]
name = "api"
instances = 3
balancer = "p2c"
workers = 8
queue = 0
discipline = "lifo"
service_time = "exp(5ms)"
error_rate = 0.1
calls = [ { to = "db", timeout = "200ms" } ]
parallel = true
blocking = false

[[service.endpoint]]
name = "charge"
service_time = "exp(20ms)"
calls = []

[[service.endpoint]]
name = "browse"
error_rate = 0.5

[[service]]
name = "db"
service_time = "2ms"
"#);
    assert_eq!(
        (s.name.as_str(), s.description.as_str(), s.seed),
        ("Full", "notes", 42)
    );
    assert_eq!(
        (s.duration, s.warmup),
        (SimDuration::from_secs(120), SimDuration::from_secs(10))
    );
    assert_eq!(s.expect.len(), 3);
    assert_eq!(s.expect[2].metric, Metric::MaxQueue);
    assert_eq!(
        s.network,
        Network {
            latency: Dist::Exp { mean: 5e5 },
            loss: 0.01,
            duplicate: 0.02
        }
    );
    assert_eq!(
        s.links,
        vec![Link {
            from: NodeId::Service(ServiceId(0)),
            to: NodeId::Service(ServiceId(1)),
            latency: Some(Dist::Constant(SimDuration::from_millis(2))),
            loss: Some(0.5),
            duplicate: None,
        }]
    );
    let users = &s.clients[0];
    assert_eq!(users.target.endpoint, EndpointId(0));
    assert_eq!(
        users.load,
        Load::Open {
            arrivals: Arrivals::Constant,
            // Rate 0 until the first step.
            schedule: vec![
                (SimTime::ZERO, 0.0),
                (SimTime(10_000_000_000), 200.0),
                (SimTime(30_000_000_000), 900.5)
            ]
        }
    );
    assert_eq!(users.policy.timeout, Some(SimDuration::from_secs(1)));
    assert_eq!(
        s.clients[1].load,
        Load::Closed {
            users: 10,
            think: Dist::Exp { mean: 1e9 }
        }
    );
    let api = &s.services[0];
    assert_eq!((api.instances, api.workers, api.queue), (3, 8, Some(0)));
    assert_eq!(
        (api.balancer, api.discipline),
        (Balancer::P2c, Discipline::Lifo)
    );
}

#[test]
fn endpoints_inherit_what_they_do_not_set() {
    let s = ok(r#"
[scenario]
duration = "1s"

[[service]]
name = "api"
service_time = "exp(5ms)"
error_rate = 0.1
calls = [ { to = "db", timeout = "200ms" } ]
parallel = true
blocking = false

[[service.endpoint]]
name = "charge"
service_time = "exp(20ms)"
calls = []
blocking = true

[[service.endpoint]]
name = "browse"
error_rate = 0.5

[[service]]
name = "db"
service_time = "2ms"
"#);
    let api = &s.services[0];
    let names: Vec<&str> = api.endpoints.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["charge", "browse"]);
    let charge = &api.endpoints[0];
    assert_eq!(charge.service_time, Dist::Exp { mean: 2e7 });
    assert_eq!(charge.error_rate, 0.1);
    assert!(charge.calls.is_empty());
    assert_eq!((charge.parallel, charge.blocking), (true, true));
    let browse = &api.endpoints[1];
    assert_eq!(browse.service_time, Dist::Exp { mean: 5e6 });
    assert_eq!(browse.error_rate, 0.5);
    assert_eq!(browse.calls.len(), 1);
    assert_eq!(
        browse.calls[0].policy.timeout,
        Some(SimDuration::from_millis(200))
    );
    assert_eq!((browse.parallel, browse.blocking), (true, false));
    // The scenario's name defaults to the file's.
    assert_eq!(s.name, "t");
}

#[test]
fn a_bare_service_target_means_default_or_the_first_endpoint() {
    let s = ok(r#"
[scenario]
duration = "1s"

[[client]]
name = "a"
target = "one"
rate = 1

[[client]]
name = "b"
target = "two"
rate = 1

[[client]]
name = "c"
target = "one.default"
rate = 1

[[service]]
name = "one"
service_time = "1ms"

[[service]]
name = "two"
service_time = "1ms"
[[service.endpoint]]
name = "first"
[[service.endpoint]]
name = "default"
"#);
    let endpoints: Vec<(u32, u32)> = s
        .clients
        .iter()
        .map(|c| (c.target.service.0, c.target.endpoint.0))
        .collect();
    assert_eq!(endpoints, [(0, 0), (1, 1), (0, 0)]);
}

#[test]
fn closed_loop_think_defaults_to_zero() {
    let text = BASE.replace("rate = 100", "users = 5");
    assert_eq!(
        ok(&text).clients[0].load,
        Load::Closed {
            users: 5,
            think: Dist::Constant(SimDuration::ZERO)
        }
    );
}

#[test]
fn json_is_equivalent_to_toml() {
    let json = r#"{
  "scenario": { "name": "Base", "duration": "60s" },
  "client": [ { "name": "users", "target": "api", "rate": 100 } ],
  "service": [
    { "name": "api", "service_time": "exp(5ms)", "calls": ["db"] },
    { "name": "db", "service_time": "2ms" }
  ]
}"#;
    let (a, b) = (ok(BASE), ok(json));
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
}

#[test]
fn json_errors_have_places() {
    let json = "{\n  \"scenario\": { \"duration\": 60 },\n  \"servce\": []\n}";
    let items = errors(json);
    let got: Vec<(u32, u32, &str)> = items
        .iter()
        .map(|d| (d.line, d.column, d.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                2,
                29,
                "invalid duration for `duration`: `60` has no unit: durations need a unit: 250ms, 1.5s"
            ),
            (3, 3, "unknown key `servce` in the file"),
        ]
    );
    assert_eq!(items[1].hint, hint("did you mean `service`?"));

    let (line, column, message, _) =
        only("{\n  \"scenario\": {\n    \"duration\": \"1s\",\n  }\n}");
    assert_eq!((line, column), (4, 3));
    assert_eq!(message, "JSON syntax: key must be a string");
}

// ---- one test per class of error -------------------------------------------

#[test]
fn toml_syntax_error() {
    let (line, column, message, _) = only("[scenario]\nduration = 60s\n");
    assert_eq!((line, column), (2, 12));
    assert_eq!(
        message,
        "TOML syntax: string values must be quoted, expected literal string"
    );
}

#[test]
fn unknown_key_with_suggestion() {
    let text = BASE.replace("rate = 100", "rate = 100\nretires = 3");
    assert_eq!(
        only(&text),
        (
            9,
            1,
            "unknown key `retires` in [[client]] `users`".to_string(),
            hint("did you mean `retry`?")
        )
    );
}

#[test]
fn unknown_key_without_a_near_miss_lists_the_keys() {
    let text = BASE.replace("service_time = \"2ms\"", "service_time = \"2ms\"\nzzz = 1");
    let (line, column, message, h) = only(&text);
    assert_eq!((line, column), (18, 1));
    assert_eq!(message, "unknown key `zzz` in [[service]] `db`");
    assert_eq!(
        h,
        hint("expected one of: name, instances, balancer, vnodes, workers, queue, discipline, endpoint, shed, limit, outlier, dedup, startup, health, autoscale, service_time, error_rate, calls, parallel, blocking, effect, idempotent, publish, consumes")
    );
}

#[test]
fn a_scenario_key_under_another_header_says_where_it_belongs() {
    let text = format!("{BASE}expect = [\"p99(users) < 1s\"]\n");
    let (line, column, message, h) = only(&text);
    assert_eq!((line, column), (18, 1));
    assert_eq!(message, "unknown key `expect` in [[service]] `db`");
    assert_eq!(
        h,
        hint("`expect` belongs in [scenario]: TOML puts a key into the table whose header comes before it")
    );
}

#[test]
fn unknown_service_in_a_target_with_suggestion() {
    let text = BASE.replace("target = \"api\"", "target = \"apx\"");
    assert_eq!(
        only(&text),
        (
            7,
            10,
            "no service `apx` for `target` of [[client]] `users`".to_string(),
            hint("did you mean `api`?")
        )
    );
}

#[test]
fn unknown_endpoint_with_suggestion() {
    let text = BASE
        .replace("calls = [\"db\"]", "calls = [{ to = \"db.raed\" }]")
        .replace(
            "service_time = \"2ms\"",
            "service_time = \"2ms\"\n[[service.endpoint]]\nname = \"read\"",
        );
    assert_eq!(
        only(&text),
        (
            13,
            17,
            "service `db` has no endpoint `raed` for `to` of calls[0] of [[service]] `api`"
                .to_string(),
            hint("did you mean `read`?")
        )
    );
}

#[test]
fn a_client_is_no_call_target() {
    let text = BASE.replace("calls = [\"db\"]", "calls = [\"users\"]");
    assert_eq!(
        only(&text),
        (
            13,
            10,
            "no service `users` for calls[0] of [[service]] `api`".to_string(),
            hint("`users` is a client; requests go to services")
        )
    );
}

#[test]
fn unknown_link_end_with_suggestion() {
    let text = format!("{BASE}\n[[link]]\nfrom = \"user\"\nto = \"db\"\n");
    assert_eq!(
        only(&text),
        (
            20,
            8,
            "no client, service, queue, cache or saga `user` for `from` of [[link]] [0]"
                .to_string(),
            hint("did you mean `users`?")
        )
    );
}

#[test]
fn unknown_expectation_subject_with_suggestion() {
    let text = BASE.replace(
        "duration = \"60s\"",
        "duration = \"60s\"\nexpect = [\n  \"p99(users) < 1s\",\n  \"p99(usres) < 1s\",\n  \"max_queue(users) < 10\",\n  \"utilization(dbb) < 0.9\",\n]",
    );
    let got: Vec<(u32, u32, String, Option<String>)> = errors(&text)
        .into_iter()
        .map(|d| (d.line, d.column, d.message, d.hint))
        .collect();
    assert_eq!(
        got,
        [
            (
                6,
                3,
                "no client or service `usres` in `p99(usres) < 1s`".to_string(),
                hint("did you mean `users`?")
            ),
            (
                7,
                3,
                "`max_queue` measures a service, and `users` is a client".to_string(),
                None
            ),
            (
                8,
                3,
                "no service `dbb` in `utilization(dbb) < 0.9`".to_string(),
                hint("did you mean `db`?")
            ),
        ]
    );
}

#[test]
fn malformed_expectation_at_its_string() {
    let text = BASE.replace(
        "duration = \"60s\"",
        "duration = \"60s\"\nexpect = [\"sucess_rate(users) > 0.9\", \"p99(users, 90s..) < 1s\"]",
    );
    let got: Vec<(u32, u32, String)> = errors(&text)
        .into_iter()
        .map(|d| (d.line, d.column, d.message))
        .collect();
    assert_eq!(
        got,
        [
            (
                4,
                11,
                "unknown function `sucess_rate` in `sucess_rate(users) > 0.9`; did you mean `success_rate`?".to_string()
            ),
            (
                4,
                39,
                "the window of `p99(users, 90s..) < 1s` starts after the run ends at 1m".to_string()
            ),
        ]
    );
}

#[test]
fn call_cycle_names_its_path() {
    let text = BASE.replace(
        "service_time = \"2ms\"",
        "service_time = \"2ms\"\ncalls = [\"auth\"]\n\n[[service]]\nname = \"auth\"\nservice_time = \"1ms\"\ncalls = [{ to = \"api\" }]",
    );
    assert_eq!(
        only(&text),
        (
            23,
            17,
            "call cycle: api -> db -> auth -> api".to_string(),
            hint("every request would call on without end: remove one of these calls")
        )
    );
}

#[test]
fn calls_between_different_endpoints_are_no_cycle() {
    let text = r#"
[scenario]
duration = "1s"
[[service]]
name = "api"
service_time = "1ms"
[[service.endpoint]]
name = "a"
calls = ["db"]
[[service.endpoint]]
name = "b"
[[service]]
name = "db"
service_time = "1ms"
calls = ["api.b"]
"#;
    let s = ok(text);
    assert_eq!(
        s.services[1].endpoints[0].calls[0].to.endpoint,
        EndpointId(1)
    );
    let (_, _, message, _) = only(&text.replace("api.b", "api.a"));
    assert_eq!(message, "call cycle: api.a -> db -> api.a");
}

#[test]
fn a_service_calling_itself_is_a_cycle() {
    let text = BASE.replace("calls = [\"db\"]", "calls = [\"api\"]");
    assert_eq!(only(&text).2, "call cycle: api -> api");
}

#[test]
fn probability_out_of_range() {
    let text = BASE.replace(
        "service_time = \"2ms\"",
        "service_time = \"2ms\"\nerror_rate = 1.5",
    ) + "[network]\nloss = -0.1\n";
    let got: Vec<(u32, u32, String)> = errors(&text)
        .into_iter()
        .map(|d| (d.line, d.column, d.message))
        .collect();
    assert_eq!(
        got,
        [
            (
                18,
                14,
                "`error_rate` is a probability from 0 to 1, got 1.5".to_string()
            ),
            (
                20,
                8,
                "`loss` is a probability from 0 to 1, got -0.1".to_string()
            ),
        ]
    );
}

#[test]
fn duration_without_a_unit() {
    let text = BASE.replace("rate = 100", "rate = 100\ntimeout = 250");
    assert_eq!(
        only(&text),
        (
            9,
            11,
            "invalid duration for `timeout`: `250` has no unit: durations need a unit: 250ms, 1.5s"
                .to_string(),
            None
        )
    );
}

#[test]
fn malformed_distribution() {
    let text = BASE.replace("exp(5ms)", "expo(5ms)");
    assert_eq!(
        only(&text),
        (
            12,
            16,
            "invalid distribution for `service_time`: unknown distribution `expo` in `expo(5ms)`: expected exp, uniform, normal, lognormal, pareto or mix; did you mean `exp`?".to_string(),
            None
        )
    );
}

#[test]
fn wrong_types() {
    let text = BASE
        .replace(
            "name = \"db\"",
            "name = \"db\"\nworkers = \"4\"\nparallel = 1",
        )
        .replace("rate = 100", "rate = \"fast\"");
    let got: Vec<(u32, u32, String)> = errors(&text)
        .into_iter()
        .map(|d| (d.line, d.column, d.message))
        .collect();
    assert_eq!(
        got,
        [
            (
                8,
                8,
                "expected a number or an array of { at, rate } steps for `rate`, found a string"
                    .to_string()
            ),
            (
                17,
                11,
                "expected an integer for `workers`, found a string".to_string()
            ),
            (
                18,
                12,
                "expected a boolean (true or false) for `parallel`, found an integer".to_string()
            ),
        ]
    );
}

#[test]
fn a_single_table_where_an_array_of_tables_belongs() {
    let text = "[scenario]\nduration = \"1s\"\n[client]\nname = \"x\"\n";
    assert_eq!(
        only(text),
        (
            3,
            1,
            "expected an array of tables for `client`, found a table".to_string(),
            hint("write each one under a `[[client]]` header")
        )
    );
}

#[test]
fn required_keys_missing() {
    let text = r#"[scenario]
name = "x"

[[client]]
rate = 1

[[client]]
name = "idle"
target = "api"

[[service]]
name = "api"

[[service]]
name = "db"
[[service.endpoint]]
name = "read"
"#;
    let got: Vec<(u32, u32, String, Option<String>)> = errors(text)
        .into_iter()
        .map(|d| (d.line, d.column, d.message, d.hint))
        .collect();
    assert_eq!(
        got,
        [
            (
                1,
                1,
                "missing key `duration` in [scenario]".to_string(),
                None
            ),
            (
                4,
                1,
                "missing key `name` in [[client]] [0]".to_string(),
                None
            ),
            (
                4,
                1,
                "missing key `target` in [[client]] [0]".to_string(),
                None
            ),
            (
                7,
                1,
                "missing key `rate` or `users` in [[client]] `idle`".to_string(),
                hint("`rate = 800` for open-loop arrivals, or `users = 100` for a closed loop")
            ),
            (
                11,
                1,
                "missing key `service_time` in [[service]] `api`".to_string(),
                hint("set it on the service, or on each of its [[service.endpoint]]")
            ),
            (
                16,
                1,
                "missing key `service_time` in [[service.endpoint]] `read` of `db`".to_string(),
                hint("set it on the endpoint or on its service")
            ),
        ]
    );
}

#[test]
fn missing_scenario_section() {
    let text = BASE.replace("[scenario]\nname = \"Base\"\nduration = \"60s\"\n", "");
    assert_eq!(
        only(&text),
        (
            1,
            1,
            "missing section [scenario]".to_string(),
            hint("add a [scenario] section with at least `duration = \"60s\"`")
        )
    );
}

#[test]
fn rate_and_users_together() {
    let text = BASE.replace("rate = 100", "rate = 100\nusers = 5");
    assert_eq!(
        only(&text),
        (
            9,
            9,
            "[[client]] `users` has both `rate` and `users`".to_string(),
            hint("`rate` makes an open-loop client, `users` a closed-loop one: keep one")
        )
    );
}

#[test]
fn arrivals_and_think_only_with_their_loop() {
    let open = BASE.replace("rate = 100", "rate = 100\nthink = \"1s\"");
    assert_eq!(
        only(&open),
        (
            9,
            9,
            "`think` applies only to closed-loop clients (with `users`)".to_string(),
            None
        )
    );
    let closed = BASE.replace("rate = 100", "users = 3\narrivals = \"constant\"");
    assert_eq!(
        only(&closed),
        (
            9,
            12,
            "`arrivals` applies only to open-loop clients (with `rate`)".to_string(),
            None
        )
    );
}

#[test]
fn absurd_rates_are_refused_before_the_run() {
    let d = errors(&BASE.replace("rate = 100", "rate = 1e308"));
    assert_eq!(
        (d[0].line, d[0].column, d[0].message.as_str()),
        (
            8,
            8,
            "`rate` must be from 0 to 1000000 per second, got 1e308"
        )
    );
}

#[test]
fn counts_and_rates_out_of_range() {
    let text = BASE.replace("rate = 100", "rate = -1").replace(
        "name = \"db\"",
        "name = \"db\"\nworkers = 0\ninstances = 0\nqueue = -1",
    );
    let got: Vec<(u32, u32, String)> = errors(&text)
        .into_iter()
        .map(|d| (d.line, d.column, d.message))
        .collect();
    assert_eq!(
        got,
        [
            (
                8,
                8,
                "`rate` must be from 0 to 1000000 per second, got -1.0".to_string()
            ),
            (17, 11, "`workers` must be at least 1, got 0".to_string()),
            (18, 13, "`instances` must be at least 1, got 0".to_string()),
            (19, 9, "`queue` must be at least 0, got -1".to_string()),
        ]
    );
    let text = BASE.replace("rate = 100", "users = 0");
    assert_eq!(
        only(&text),
        (8, 9, "`users` must be at least 1, got 0".to_string(), None)
    );
}

#[test]
fn rate_schedule_must_be_sorted() {
    let text = BASE.replace(
        "rate = 100",
        "rate = [{ at = \"0s\", rate = 1 }, { at = \"30s\", rate = 2 }, { at = \"10s\", rate = 3 }]",
    );
    assert_eq!(
        only(&text),
        (
            8,
            67,
            "rate[2] of [[client]] `users` starts at 10s, not after the step before it at 30s"
                .to_string(),
            hint("sort the steps by `at`")
        )
    );
    let text = BASE.replace(
        "rate = 100",
        "rate = [{ at = \"0s\" }, { rate = 1, at = \"1s\", x = 1 }]",
    );
    let got: Vec<(u32, u32, String)> = errors(&text)
        .into_iter()
        .map(|d| (d.line, d.column, d.message))
        .collect();
    assert_eq!(
        got,
        [
            (
                8,
                9,
                "missing key `rate` in rate[0] of [[client]] `users`".to_string()
            ),
            (
                8,
                47,
                "unknown key `x` in rate[1] of [[client]] `users`".to_string()
            ),
        ]
    );
}

#[test]
fn bad_enum_values_with_suggestion() {
    let text = BASE
        .replace(
            "name = \"db\"",
            "name = \"db\"\nbalancer = \"round_robbin\"\ndiscipline = \"lifp\"",
        )
        .replace("rate = 100", "rate = 100\narrivals = \"poison\"");
    let got: Vec<(u32, u32, String, Option<String>)> = errors(&text)
        .into_iter()
        .map(|d| (d.line, d.column, d.message, d.hint))
        .collect();
    assert_eq!(
        got,
        [
            (
                9,
                12,
                "unknown arrivals `poison`: expected poisson, constant".to_string(),
                hint("did you mean `poisson`?")
            ),
            (
                18,
                12,
                "unknown balancer `round_robbin`: expected round_robin, random, least_outstanding, p2c, hash".to_string(),
                hint("did you mean `round_robin`?")
            ),
            (
                19,
                14,
                "unknown discipline `lifp`: expected fifo, lifo".to_string(),
                hint("did you mean `lifo`?")
            ),
        ]
    );
}

#[test]
fn duplicate_names() {
    let text = format!(
        "{BASE}\n[[service]]\nname = \"db\"\nservice_time = \"1ms\"\n[[service.endpoint]]\nname = \"x\"\n[[service.endpoint]]\nname = \"x\"\n\n[[client]]\nname = \"users\"\ntarget = \"db\"\nrate = 1\n"
    );
    let got: Vec<(u32, u32, String, Option<String>)> = errors(&text)
        .into_iter()
        .map(|d| (d.line, d.column, d.message, d.hint))
        .collect();
    assert_eq!(
        got,
        [
            (
                20,
                8,
                "a second service named `db`".to_string(),
                hint("the first is at line 16")
            ),
            (
                25,
                8,
                "a second endpoint named `x`".to_string(),
                hint("the first is at line 23")
            ),
            (
                28,
                8,
                "a second client named `users`".to_string(),
                hint("the first is at line 6")
            ),
        ]
    );
}

#[test]
fn a_client_and_a_service_may_share_a_name_unless_referred_to() {
    let text = BASE.replace("name = \"users\"", "name = \"db\"");
    assert_eq!(ok(&text).clients[0].name, "db");
    let text = format!("{text}[[link]]\nfrom = \"api\"\nto = \"db\"\n");
    assert_eq!(
        only(&text),
        (
            20,
            6,
            "`db` names both a client and a service".to_string(),
            hint("rename one of them")
        )
    );
}

#[test]
fn names_must_work_in_targets_and_paths() {
    let text = BASE.replace("name = \"db\"", "name = \"d.b\"");
    let got: Vec<(u32, u32, String, Option<String>)> = errors(&text)
        .into_iter()
        .map(|d| (d.line, d.column, d.message, d.hint))
        .collect();
    assert_eq!(
        got,
        [
            (
                13,
                10,
                "no service `db` for calls[0] of [[service]] `api`".to_string(),
                None
            ),
            (
                16,
                8,
                "`d.b` is not a valid name".to_string(),
                hint("use letters, digits, `_` and `-`: `.` separates a service from its endpoint")
            ),
        ]
    );
}

#[test]
fn duration_warmup_and_timeout_bounds() {
    let text = BASE
        .replace("duration = \"60s\"", "duration = \"0s\"")
        .replace("rate = 100", "rate = 100\ntimeout = \"0ms\"");
    let got: Vec<String> = errors(&text).into_iter().map(|d| d.message).collect();
    assert_eq!(
        got,
        [
            "`duration` must be longer than 0",
            "`timeout` must be longer than 0"
        ]
    );
    let text = BASE.replace("duration = \"60s\"", "duration = \"60s\"\nwarmup = \"1m\"");
    assert_eq!(
        only(&text),
        (
            4,
            10,
            "`warmup` (1m) must be shorter than `duration` (1m)".to_string(),
            None
        )
    );
}

#[test]
fn a_second_link_for_the_same_edge() {
    let text = format!(
        "{BASE}[[link]]\nfrom = \"api\"\nto = \"db\"\n[[link]]\nfrom = \"api\"\nto = \"db\"\n"
    );
    assert_eq!(
        only(&text),
        (
            21,
            1,
            "a second [[link]] from `api` to `db`".to_string(),
            None
        )
    );
}

#[test]
fn every_problem_is_reported_in_order() {
    let text = r#"[scenario]
duration = "10"
[[client]]
name = "users"
target = "apj"
rate = 10
retires = 2
[[service]]
name = "api"
service_time = "exp(5)"
error_rate = 2
calls = [{ to = "api", timeout = 5 }]
"#;
    let got: Vec<(u32, u32, String)> = errors(text)
        .into_iter()
        .map(|d| (d.line, d.column, d.message))
        .collect();
    let places: Vec<(u32, u32)> = got.iter().map(|d| (d.0, d.1)).collect();
    assert_eq!(
        places,
        [
            (2, 12),
            (5, 10),
            (7, 1),
            (10, 16),
            (11, 14),
            (12, 17),
            (12, 34)
        ]
    );
    // Wrong values elsewhere in the service do not hide its call cycle.
    assert_eq!(got[5].2, "call cycle: api -> api");
}

// ---- overrides -------------------------------------------------------------

#[test]
fn parses_override_arguments() {
    assert_eq!(
        parse_override("client.users.rate=900"),
        Ok(Override::set("client.users.rate", "900"))
    );
    assert_eq!(
        parse_override("scenario.name=a=b").map(|o| o.value),
        Ok("a=b".to_string())
    );
    assert_eq!(
        parse_override("client.users.rate"),
        Err(
            "`client.users.rate` is not PATH=VALUE: write it like client.users.rate=900"
                .to_string()
        )
    );
    assert_eq!(
        parse_override("client..rate=1"),
        Err("`client..rate` is not a path: expected keys separated by dots, like service.db.workers".to_string())
    );
}

#[test]
fn overrides_edit_the_document_before_checks() {
    let text = BASE.replace(
        "calls = [\"db\"]",
        "calls = [\"db\", { to = \"db\" }]\n[[service.endpoint]]\nname = \"charge\"",
    );
    let s = load(
        &text,
        "t.toml",
        &[
            set("client.users.rate=900"),
            set("service.db.workers=4"),
            set("service.api.calls.1.timeout=50ms"),
            set("scenario.duration=2m"),
            set("scenario.seed=7"),
            set("network.latency=2ms"),
            set("service.api.endpoint.charge.service_time=exp(3ms)"),
            set("service.db.balancer=\"p2c\""),
            set("client.0.arrivals=constant"),
            set("scenario.expect=[\"p99(users) < 1s\"]"),
        ],
    )
    .unwrap();
    assert_eq!(
        s.clients[0].load,
        Load::Open {
            arrivals: Arrivals::Constant,
            schedule: vec![(SimTime::ZERO, 900.0)]
        }
    );
    assert_eq!(s.services[1].workers, 4);
    assert_eq!(s.services[1].balancer, Balancer::P2c);
    assert_eq!(
        s.services[0].endpoints[0].calls[1].policy.timeout,
        Some(SimDuration::from_millis(50))
    );
    assert_eq!(s.services[0].endpoints[0].calls[0].policy.timeout, None);
    assert_eq!(
        s.services[0].endpoints[0].service_time,
        Dist::Exp { mean: 3e6 }
    );
    assert_eq!((s.duration, s.seed), (SimDuration::from_secs(120), 7));
    assert_eq!(
        s.network.latency,
        Dist::Constant(SimDuration::from_millis(2))
    );
    assert_eq!(s.expect.len(), 1);
}

#[test]
fn calls_are_selected_by_their_target_too() {
    let text = BASE.replace("calls = [\"db\"]", "calls = [{ to = \"db\" }]");
    let s = load(&text, "t.toml", &[set("service.api.calls.db.timeout=1s")]).unwrap();
    assert_eq!(
        s.services[0].endpoints[0].calls[0].policy.timeout,
        Some(SimDuration::from_secs(1))
    );
    // A call written as just its target has no keys to set.
    let items = errors_with(BASE, &[set("service.api.calls.db.timeout=1s")]);
    assert_eq!(
        items[0].message,
        "--set service.api.calls.db.timeout: `db` is a string, which has no keys to set"
    );
}

#[test]
fn overridden_values_are_checked_like_written_ones() {
    let got: Vec<(u32, u32, String, Option<String>)> = errors_with(
        BASE,
        &[
            set("client.users.retry.max_atempts=1"),
            set("service.db.wrokers=4"),
            set("service.db.error_rate=2"),
            set("client.users.timeout=50"),
        ],
    )
    .into_iter()
    .map(|d| (d.line, d.column, d.message, d.hint))
    .collect();
    assert_eq!(
        got,
        [
            (0, 0, "--set client.users.retry.max_atempts: unknown key `max_atempts` in `retry` of [[client]] `users`".to_string(), hint("did you mean `max_attempts`?")),
            (0, 0, "--set service.db.wrokers: unknown key `wrokers` in [[service]] `db`".to_string(), hint("did you mean `workers`?")),
            (0, 0, "--set service.db.error_rate: `error_rate` is a probability from 0 to 1, got 2".to_string(), None),
            (0, 0, "--set client.users.timeout: invalid duration for `timeout`: `50` has no unit: durations need a unit: 250ms, 1.5s".to_string(), None),
        ]
    );
}

#[test]
fn override_paths_that_name_nothing() {
    let got: Vec<(String, Option<String>)> = errors_with(
        BASE,
        &[
            set("client.userz.rate=1"),
            set("clinet.users.rate=1"),
            set("service.api.calls.5.timeout=1s"),
            set("client.users.rate.x=1"),
            set("service.api.endpoint.charge.service_time=1ms"),
        ],
    )
    .into_iter()
    .map(|d| (d.message, d.hint))
    .collect();
    assert_eq!(
        got,
        [
            (
                "--set client.userz.rate: no client `userz`".to_string(),
                hint("did you mean `users`?")
            ),
            (
                "--set clinet.users.rate: no section `clinet`".to_string(),
                hint("did you mean `client`?")
            ),
            (
                "--set service.api.calls.5.timeout: `calls` has no element 5: it has 1".to_string(),
                None
            ),
            (
                "--set client.users.rate.x: `rate` is an integer, which has no keys to set"
                    .to_string(),
                None
            ),
            (
                "--set service.api.endpoint.charge.service_time: no endpoint `charge`".to_string(),
                None
            ),
        ]
    );
}

#[test]
fn overrides_apply_to_json_too() {
    let json =
        r#"{"scenario": {"duration": "1s"}, "service": [{"name": "a", "service_time": "1ms"}]}"#;
    let s = load(json, "t.json", &[set("service.a.workers=3")]).unwrap();
    assert_eq!(s.services[0].workers, 3);
}

// ---- robustness ------------------------------------------------------------

#[test]
fn garbage_never_panics() {
    let mut inputs: Vec<String> = vec![
        String::new(),
        "{".into(),
        "}".into(),
        "[".into(),
        "[[".into(),
        "{\"scenario\": null}".into(),
        "{\"scenario\": [1, {\"a\": [[[]]]}]}".into(),
        "\u{0}\u{1}\u{ffff}".into(),
        "scenario = 5".into(),
        "[scenario]\nduration = [\"1s\"]\nseed = -5\nexpect = \"p99\"".into(),
        "[[scenario]]".into(),
        "[scenario]\nduration = 1979-05-27T07:32:00Z".into(),
        "[scenario]\nduration = \"1s\"\n[[service]]\nname = 5\nendpoint = 3\ncalls = 4".into(),
        "[scenario]\nduration = \"1s\"\n[[service]]\n[[service.endpoint]]\n[[client]]\nrate = []"
            .into(),
        "[scenario]\nduration = \"99999999999999999999h\"".into(),
        format!("a = {}1{}", "[".repeat(200), "]".repeat(200)),
        format!("{}{}", "{\"a\":".repeat(300), "}".repeat(300)),
    ];
    // Every prefix of a full scenario, cut at each character: truncated files.
    let full = BASE.to_string() + "[[link]]\nfrom = \"api\"\nto = \"db\"\nloss = 0.5\n";
    for (i, _) in full.char_indices() {
        inputs.push(full[..i].to_string());
    }
    // Every single-byte mangle of the base scenario that keeps it UTF-8.
    for i in 0..BASE.len() {
        for b in [b'"', b'=', b'[', b'{', b'\n', b'x', b'.', b'0'] {
            let mut bytes = BASE.as_bytes().to_vec();
            bytes[i] = b;
            if let Ok(s) = String::from_utf8(bytes) {
                inputs.push(s);
            }
        }
    }
    for text in &inputs {
        let overrides = [
            set("client.users.rate=1"),
            set("service.x.y.z=[1, {a = 2}]"),
        ];
        if let Err(e) = load(text, "g.toml", &overrides) {
            // Each problem says something, at a place inside the text.
            let lines = text.lines().count() as u32 + 1;
            for d in &e.items {
                assert!(!d.message.is_empty(), "{text}");
                assert!(d.line <= lines, "line {} of {lines}: {}", d.line, d.message);
            }
        }
    }
}

#[test]
fn random_documents_of_the_format_never_panic() {
    // Lines that parse as TOML but combine into every kind of wrong scenario.
    const LINES: &[&str] = &[
        "[scenario]",
        "[network]",
        "[[link]]",
        "[[client]]",
        "[[service]]",
        "[[service.endpoint]]",
        "[[fault]]",
        "name = \"api\"",
        "name = \"db\"",
        "name = \"users\"",
        "name = \"a.b\"",
        "duration = \"10s\"",
        "duration = 0",
        "warmup = \"20s\"",
        "target = \"api\"",
        "target = \"db.x\"",
        "from = \"users\"",
        "to = \"api\"",
        "rate = 5",
        "rate = [{ at = \"1s\", rate = 2 }, { at = \"0s\" }]",
        "users = 3",
        "think = \"exp(1s)\"",
        "arrivals = \"poisson\"",
        "service_time = \"exp(1ms)\"",
        "service_time = \"mix(0.5: 1ms, 0.5: exp(2ms))\"",
        "calls = [\"api\", \"db\", { to = \"users\", timeout = \"1s\" }]",
        "calls = [{ to = \"db\", retry = { max_attempts = 2 } }]",
        "endpoint = []",
        "workers = -1",
        "queue = 1e3",
        "error_rate = 2",
        "expect = [\"p99(api) < 1s\", \"max_queue(users) < 2\", 5]",
        "latency = \"nope\"",
        "balancer = {}",
        "[[queue]]",
        "name = \"orders\"",
        "consumes = \"orders\"",
        "consumes = \"api\"",
        "publish = [{ to = \"orders\", outbox = true }, { to = \"db\" }, \"orders\"]",
        "dead_letter = \"orders\"",
        "dead_letter = \"api\"",
        "max_receives = 2",
        "target = \"orders#1\"",
        "keys = { count = 3, popularity = \"zipf(1)\" }",
        "keys = { popularity = \"zipf(\" }",
        "expect = [\"lost(orders) == 0\", \"max_age(api) < 1s\"]",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3000 {
        let n = 1 + next() % 24;
        let text: String = (0..n)
            .map(|_| LINES[(next() % LINES.len() as u64) as usize])
            .collect::<Vec<_>>()
            .join("\n");
        if let Err(e) = load(&text, "r.toml", &[set("service.api.workers=2")]) {
            assert!(!e.items.is_empty(), "no diagnostics for:\n{text}");
        }
    }
}

#[test]
fn effects_and_dedup_load_with_defaults_and_inheritance() {
    let text = BASE.replace(
        "name = \"db\"",
        "name = \"db\"\neffect = \"write\"\ndedup = { capacity = 10 }",
    ) + "\n[[service.endpoint]]\nname = \"read\"\neffect = \"read\"\nidempotent = true\n\n[[service.endpoint]]\nname = \"write\"\n";
    let sc = ok(&text);
    let db = &sc.services[1];
    assert_eq!(
        db.dedup,
        Some(Dedup {
            ttl: SimDuration::from_secs(3600),
            capacity: 10
        })
    );
    let effects: Vec<(Option<&str>, bool)> = db
        .endpoints
        .iter()
        .map(|e| (e.effect.as_deref(), e.idempotent))
        .collect();
    assert_eq!(effects, [(Some("read"), true), (Some("write"), false)]);
}

#[test]
fn dedup_and_effect_expectations_are_checked() {
    let text = BASE.replace("name = \"db\"", "name = \"db\"\ndedup = { capacty = 5 }");
    let (line, column, message, h) = only(&text);
    assert_eq!((line, column), (17, 11));
    assert_eq!(
        message,
        "unknown key `capacty` in `dedup` of [[service]] `db`"
    );
    assert_eq!(h, hint("did you mean `capacity`?"));

    let text = BASE
        .replace("name = \"db\"", "name = \"db\"\neffect = \"charge\"")
        .replace(
            "duration = \"60s\"",
            "duration = \"60s\"\nexpect = [\"duplicate_effects(charg) == 0\"]",
        );
    let (line, column, message, h) = only(&text);
    assert_eq!((line, column), (4, 11));
    assert_eq!(
        message,
        "no effect `charg` in `duplicate_effects(charg) == 0`"
    );
    assert_eq!(h, hint("did you mean `charge`?"));
}

#[test]
fn faults_load_every_kind_and_target() {
    let text = BASE.replace("name = \"db\"", "name = \"db\"\ninstances = 3")
        + r#"
[[fault]]
kind = "crash"
target = "db#2"
at = "10s"
for = "5s"

[[fault]]
kind = "slowdown"
target = "db"
at = "1s"
factor = 3

[[fault]]
kind = "partition"
target = "api->db"
at = "20s"

[[fault]]
kind = "latency"
target = "users->api"
at = "0s"
latency = "80ms"
"#;
    let sc = ok(&text);
    let db = ServiceId(1);
    let got: Vec<(FaultKind, FaultTarget, SimTime, Option<SimDuration>)> = sc
        .faults
        .iter()
        .map(|f| (f.kind, f.target, f.at, f.duration))
        .collect();
    let api = NodeId::Service(ServiceId(0));
    assert_eq!(
        got,
        [
            (
                FaultKind::Crash,
                FaultTarget::Instance(db, 2),
                SimTime(10_000_000_000),
                Some(SimDuration::from_secs(5))
            ),
            (
                FaultKind::Slowdown { factor: 3.0 },
                FaultTarget::Service(db),
                SimTime(1_000_000_000),
                None
            ),
            (
                FaultKind::Partition,
                FaultTarget::Link(api, NodeId::Service(db)),
                SimTime(20_000_000_000),
                None
            ),
            (
                FaultKind::Latency {
                    extra: SimDuration::from_millis(80)
                },
                FaultTarget::Link(NodeId::Client(ClientId(0)), api),
                SimTime::ZERO,
                None
            ),
        ]
    );
}

#[test]
fn fault_problems_are_located_with_hints() {
    let text = BASE.to_string()
        + r#"
[[fault]]
kind = "crsh"
target = "db#1"
at = "10s"
factor = 2

[[fault]]
kind = "slowdown"
target = "dbb"
at = "5"

[[fault]]
kind = "crash"
target = "api->db"
at = "1s"
"#;
    let got: Vec<(u32, u32, String, Option<String>)> = errors(&text)
        .into_iter()
        .map(|d| (d.line, d.column, d.message, d.hint))
        .collect();
    assert_eq!(
        got,
        [
            (
                20,
                8,
                "unknown kind `crsh`: expected crash, pause, slowdown, capacity, error_rate, latency, loss, duplicate, partition".to_string(),
                hint("did you mean `crash`?")
            ),
            (
                21,
                10,
                "`db` has no instance `1`".to_string(),
                hint("instances are numbered from 0: `db#0` to `db#0`")
            ),
            (
                25,
                1,
                "missing key `factor` in [[fault]] [1]".to_string(),
                hint("a slowdown fault needs `factor`")
            ),
            (
                27,
                10,
                "no client, service, queue, cache or saga `dbb` for `target` of [[fault]] [1]".to_string(),
                hint("did you mean `db`?")
            ),
            (
                28,
                6,
                "invalid duration for `at`: `5` has no unit: durations need a unit: 250ms, 1.5s".to_string(),
                None
            ),
            (
                32,
                10,
                "a crash fault strikes a service or an instance, not a link".to_string(),
                hint("links take latency, loss, duplicate and partition faults")
            ),
        ]
    );
}
