//! The life of instances: health checks that remove and readmit, restarts
//! that pay `startup`, an autoscaler's decisions, and what they do to a
//! system under faults and load.

use crate::common::run_text;
use sim_core::report::Report;
use sim_core::time::SimDuration;
use sim_core::{run, RunOptions, SimTime, Simulation};

/// Runs `text` with `seed` and a timeseries of `window` seconds.
fn series(text: &str, seed: u64, window: u64) -> Report {
    let sc = sim_core::scenario::load(text, "test.toml", &[]).unwrap_or_else(|d| panic!("{d}"));
    let options = RunOptions {
        seed: Some(seed),
        timeseries: Some(SimDuration::from_secs(window)),
        ..RunOptions::default()
    };
    run(&sc, &options).unwrap_or_else(|stop| panic!("{stop}"))
}

/// Two instances of `api` under light constant load, with `lifecycle`
/// keys and `fault` on `api#1`.
fn pair(lifecycle: &str, fault: &str) -> String {
    format!(
        r#"
[scenario]
duration = "30s"

[[client]]
name = "users"
target = "api"
rate = 10
arrivals = "constant"

[[service]]
name = "api"
instances = 2
workers = 4
service_time = "10ms"
{lifecycle}

[[fault]]
target = "api#1"
{fault}
"#
    )
}

/// The lifecycle transitions of a run of `text`, from its trace: (time in
/// ms, instance, what happened).
fn transitions(text: &str) -> Vec<(u64, String, String)> {
    let sc = sim_core::scenario::load(text, "test.toml", &[]).unwrap_or_else(|d| panic!("{d}"));
    let mut sim = Simulation::new(&sc, &RunOptions::default());
    sim.enable_trace(100_000);
    sim.run_until(SimTime::MAX).unwrap();
    let trace: serde_json::Value =
        serde_json::from_str(&sim.take_trace().unwrap().to_json()).unwrap();
    let events = trace["traceEvents"].as_array().cloned().unwrap_or_default();
    events
        .iter()
        .filter(|e| {
            e["ph"] == "b"
                && e["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("instance"))
        })
        .map(|e| {
            let ms = e["ts"].as_f64().unwrap() / 1000.0;
            let name = e["name"].as_str().unwrap().to_string();
            (ms as u64, name, e["cat"].as_str().unwrap().to_string())
        })
        .collect()
}

/// Window `k` of 1 s ends at `k + 1` s: the windows whose end is in `ends`.
fn at_ends<T: Copy + Into<u64>>(column: &[T], ends: std::ops::Range<usize>) -> Vec<u64> {
    ends.map(|end| column[end - 1].into()).collect()
}

/// How the instances of `api` came and went.
fn life(r: &Report) -> &sim_core::report::LifeReport {
    r.services["api"].lifecycle.as_ref().unwrap()
}

/// The instances of `api` serving at each window's end.
fn serving(r: &Report) -> Vec<u32> {
    r.timeseries.as_ref().unwrap().services["api"]
        .serving
        .clone()
}

#[test]
fn readiness_removes_a_frozen_instance_and_readmits_it() {
    // Probes every second; a paused instance never answers, so each probe
    // fails at its 500 ms timeout: those sent at 10 s and 11 s fail at
    // 10.5 s and 11.5 s, the second removes it. The pause ends at 15 s, so
    // the probes of 15 s and 16 s pass and the second brings it back.
    let health = r#"health = { interval = "1s", timeout = "500ms", unhealthy = 2, healthy = 2, action = "remove" }"#;
    let text = pair(health, "kind = \"pause\"\nat = \"10s\"\nfor = \"5s\"");
    let one = |ms: u64, what: &str| (ms, "instance #1".to_string(), what.to_string());
    assert_eq!(
        transitions(&text),
        vec![one(11_500, "removed"), one(16_000, "readmitted")]
    );
    let r = run_text(&text, 1);
    let life = life(&r);
    assert_eq!(
        (
            life.counts.removed,
            life.counts.readmitted,
            life.counts.restarted
        ),
        (1, 1, 0)
    );
    // No request times out (none has a timeout): what reached api#1 before
    // its removal is served late, when it resumes.
    assert_eq!(r.clients["users"].failed, 0);
}

#[test]
fn a_restart_pays_startup() {
    // Liveness: the probes of 10 s and 11 s fail (paused), so api#1
    // restarts at 11.5 s and serves again 5 s later, at 16.5 s: it is not
    // serving at the ends of the windows from 12 s to 16 s, and is at 17 s;
    // then its probes pass (the pause ended at 13 s).
    let health = r#"startup = "5s"
health = { interval = "1s", timeout = "500ms", unhealthy = 2, action = "restart" }"#;
    let r = series(
        &pair(health, "kind = \"pause\"\nat = \"10s\"\nfor = \"3s\""),
        1,
        1,
    );
    let s = &r.timeseries.as_ref().unwrap().services["api"];
    assert_eq!(
        at_ends(&serving(&r), 10..19),
        vec![2, 2, 1, 1, 1, 1, 1, 2, 2]
    );
    assert_eq!(at_ends(&s.restarted, 11..13), vec![0, 1]);
    assert_eq!(life(&r).counts.restarted, 1);
}

#[test]
fn a_crashed_instance_restarts_through_startup() {
    // Down from 10 s (the crash comes before the window's end at that
    // instant) to 12 s, then starting until 17 s.
    let r = series(
        &pair(
            "startup = \"5s\"",
            "kind = \"crash\"\nat = \"10s\"\nfor = \"2s\"",
        ),
        1,
        1,
    );
    assert_eq!(
        at_ends(&serving(&r), 10..19),
        vec![1, 1, 1, 1, 1, 1, 1, 2, 2]
    );
}

/// A scripted constant load: 80/s, 200/s from 30 s, 40/s from 60 s, each
/// request 100 ms of one of 10 workers per instance; an autoscaler aiming
/// at 50% utilization every 10 s, cooling down 30 s, without startup.
const SCRIPTED: &str = r#"
[scenario]
duration = "90s"

[[client]]
name = "users"
target = "api"
arrivals = "constant"
rate = [{ at = "0s", rate = 80 }, { at = "30s", rate = 200 }, { at = "60s", rate = 40 }]

[[service]]
name = "api"
instances = 1
workers = 10
service_time = "100ms"
autoscale = { min = 1, max = 10, target = 0.5, interval = "10s", cooldown = "30s" }
"#;

#[test]
fn the_autoscaler_follows_the_hpa_arithmetic_step_by_step() {
    // Busy workers are rate x 100 ms exactly (constant arrivals and work):
    // 10 s: 8 of 10 busy (a hair less: the first 100 ms fill up), ceil(1 x 0.8 / 0.5) = 2;
    // 20 s, 30 s: 8 of 20, ceil(2 x 0.4 / 0.5) = 2;
    // 40 s: 20 of 20, ceil(2 x 1.0 / 0.5) = 4;
    // 50 s, 60 s: 20 of 40, ceil(4 x 0.5 / 0.5) = 4;
    // 70 s: 4 of 40, ceil(4 x 0.1 / 0.5) = 1, and 30 s since the last
    // change: three drain (still live at the window's end, not serving);
    // 80 s, 90 s: 4 of 10, ceil(0.8) = 1.
    let r = series(SCRIPTED, 1, 10);
    let s = &r.timeseries.as_ref().unwrap().services["api"];
    assert_eq!(s.instances, vec![2, 2, 2, 4, 4, 4, 4, 1, 1]);
    // Without startup a new instance is ready at the instant it starts,
    // after the window that ends then has closed.
    assert_eq!(s.serving, vec![1, 2, 2, 2, 4, 4, 1, 1, 1]);
    assert_eq!(s.utilization[1..3], [0.4, 0.4]);
    assert_eq!(s.utilization[4..6], [0.5, 0.5]);
    let life = life(&r);
    assert_eq!((life.counts.started, life.counts.stopped), (3, 3));
    assert_eq!((life.counts.max_instances, life.instances_at_end), (4, 1));
    assert_eq!(r.clients["users"].failed, 0);
}

#[test]
fn instance_expectations_read_the_count_at_an_instant_and_the_most() {
    let text = SCRIPTED.replace(
        "duration = \"90s\"",
        "duration = \"90s\"\nexpect = [\"instances(api) at 45s == 4\", \"instances(api) at 15s == 2\", \"max_instances(api) == 4\", \"max_instances(api, 75s..) == 1\"]",
    );
    let r = run_text(&text, 1);
    let failed: Vec<&str> = r
        .expectations
        .iter()
        .filter(|e| !e.passed)
        .map(|e| e.expect.as_str())
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
}

#[test]
fn autoscaling_under_a_tenfold_step_settles_at_the_hpa_fixed_point() {
    // 1000/s of 50 ms keep 50 workers busy: with 10 workers an instance, n
    // instances run at 5 / n, and desired = ceil(n x (5 / n) / 0.6) =
    // ceil(8.33) = 9 whatever n: the fixed point. Over a 15 s interval the
    // measured utilization has a relative sd of about sqrt(2 / 15000) = 1.2%
    // (Poisson arrivals, exponential work), so 8.33 stays 3 sd away from
    // both 8 and 9. The spike overshoots (a saturated instance reads 100%),
    // and scale-in after the 60 s cooldown brings it back.
    let text = r#"
[scenario]
duration = "600s"

[[client]]
name = "users"
target = "api"
rate = [{ at = "0s", rate = 100 }, { at = "60s", rate = 1000 }]
timeout = "1s"

[[service]]
name = "api"
instances = 1
workers = 10
service_time = "exp(50ms)"
queue = 200
startup = "20s"
autoscale = { min = 1, max = 30, target = 0.6, interval = "15s", cooldown = "60s" }
"#;
    let r = series(text, 7, 15);
    let s = &r.timeseries.as_ref().unwrap().services["api"];
    let tail = &s.instances[s.instances.len() - 10..];
    assert!(tail.iter().all(|n| *n == 9), "{:?}", s.instances);
    assert!(life(&r).counts.max_instances > 9);
}

/// Three instances of `api`, `api#1` frozen from 20 s to 60 s, with
/// `health` keys; the failed share of the requests.
fn frozen(health: &str) -> f64 {
    let text = format!(
        r#"
[scenario]
duration = "80s"

[[client]]
name = "users"
target = "api"
rate = 300
timeout = "500ms"

[[service]]
name = "api"
instances = 3
workers = 20
service_time = "exp(20ms)"
{health}

[[fault]]
kind = "pause"
target = "api#1"
at = "20s"
for = "40s"
"#
    );
    let r = run_text(&text, 5);
    let c = &r.clients["users"];
    c.failed as f64 / c.requests as f64
}

#[test]
fn readiness_checks_cut_the_failures_of_a_frozen_instance() {
    // Without checks a third of the 40 s of the pause fails: 40 / 80 / 3 =
    // 1/6 of the run, and more after it while api#1 works off the 4000
    // requests it held, for callers long gone (4 s at 1000/s: 400 more,
    // 1.7% of the run's 24000). With checks every 2 s failing after 2,
    // api#1 leaves within 2 x 2 s + 1 s: at most 5 s of its third fail,
    // 5 / 80 / 3 = 2%, and it comes back only once it answers again.
    let without = frozen("");
    let with =
        frozen(r#"health = { interval = "2s", timeout = "1s", unhealthy = 2, action = "remove" }"#);
    assert!((0.16..0.19).contains(&without), "without checks {without}");
    assert!(with < 0.025, "with readiness checks {with}");
}

#[test]
fn deep_liveness_probes_under_overload_make_it_worse_than_no_probes() {
    // The built-in spiral: a 20 s spike to 900/s against 800/s of capacity.
    // Without restarts the backlog of at most 20 s x 100/s drains in
    // seconds: about 5% of the 115000 requests fail (those that waited
    // past 2 s). With deep liveness probes each restart takes a quarter of
    // the capacity away for 30 s while 600/s keep coming, so each costs of
    // the order of 30 s x 150/s = 4500 requests (4%), and the others, now
    // overloaded, follow: at least three restarts, 10 points lower.
    let text = sim_core::library::find("liveness-death-spiral")
        .unwrap()
        .text;
    let deep = run_text(text, 1);
    let shallow = run_text(&text.replace("deep = true", "deep = false"), 1);
    let success = |r: &Report| r.clients["users"].success_rate;
    let restarts = life(&deep).counts.restarted;
    assert!(restarts >= 3, "{restarts} restarts");
    let shallow_restarts = life(&shallow).counts.restarted;
    assert_eq!(shallow_restarts, 0);
    assert!(
        success(&deep) < success(&shallow) - 0.1,
        "deep {} against shallow {}",
        success(&deep),
        success(&shallow)
    );
}

/// Four instances of `api` under light constant load (10 ms each), with a
/// `[[deploy]]` of `deploy` keys at 60 s.
fn deployed(deploy: &str) -> String {
    format!(
        r#"
[scenario]
duration = "200s"
expect = ["failure_rate(users, 90s..) >= 0"]

[[client]]
name = "users"
target = "api"
rate = 100
arrivals = "constant"

[[service]]
name = "api"
instances = 4
workers = 4
service_time = "10ms"
startup = "10s"

[[deploy]]
service = "api"
at = "60s"
{deploy}
"#
    )
}

#[test]
fn a_rolling_deploy_dips_by_one_batch_for_each_startup() {
    // One instance a step, every 30 s from 60 s: the lowest old id drains
    // (idle at these instants: the constant arrivals leave each instance
    // its 10 ms job 40 ms apart, and a step falls between them), starts at
    // once as the new version and is out for its 10 s startup. The step
    // comes before the window ending at its instant closes, and so does the
    // end of the startup: out at the ends 60 s to 69 s, 90 s to 99 s, ...
    let r = series(
        &deployed("strategy = \"rolling\"\nbatch = 1\nstep_every = \"30s\""),
        1,
        1,
    );
    let serving = serving(&r);
    for (k, n) in serving.iter().enumerate() {
        let end = k as u64 + 1;
        let out = (0..4).any(|step| (60 + 30 * step..70 + 30 * step).contains(&end));
        assert_eq!(
            *n,
            if out { 3 } else { 4 },
            "serving at {end} s: {serving:?}"
        );
    }
    let d = &r.deploys["api"];
    assert_eq!((d.steps_done, d.rolled_back_at_s), (4, None));
    assert_eq!(life(&r).counts.replaced, 4);
    // Every request that ended was served by one version or the other;
    // none failed.
    let api = &r.services["api"];
    assert_eq!(
        d.old.requests + d.new.requests + api.in_flight,
        api.arrivals
    );
    assert_eq!(d.old.failures + d.new.failures, 0);
}

#[test]
fn a_canary_is_rolled_back_at_its_first_failing_window() {
    // The canary starts at 60 s and serves from 70 s (startup): the window
    // 60 s..70 s has no request of the new version, so it is not judged;
    // the window 70 s..80 s has, all failed: rolled back at 80 s, one step
    // done. A good version takes all three steps.
    let canary = "strategy = \"canary\"\nsteps = [0.1, 0.5, 1.0]\nstep_every = \"30s\"\n\
                  rollback = { error_rate = 0.05, window = \"10s\" }";
    let bad = run_text(
        &deployed(&format!("{canary}\nversion = {{ error_rate = 1.0 }}")),
        1,
    );
    let d = &bad.deploys["api"];
    assert_eq!((d.steps_done, d.rolled_back_at_s), (1, Some(80.0)));
    assert_eq!(d.new.failures, d.new.requests);
    assert!(d.new.requests > 0);
    let good = run_text(&deployed(canary), 1);
    let d = &good.deploys["api"];
    assert_eq!(
        (d.steps_done, d.rolled_back_at_s, d.new.failures),
        (3, None, 0)
    );
    // After the last step (120 s) and its drain, the old version serves nothing.
    assert_eq!(life(&good).instances_at_end, 4);
}

#[test]
fn a_bad_canary_fails_under_1_percent_where_a_big_bang_fails_half() {
    // The built-in: version 2 fails half its requests. The canary serves
    // 5% for one 10 s window before the rollback: 0.5 x 5% x 10 s of 180 s
    // is 0.14% of all requests. A blue-green switch without analysis sends
    // every request after the switch (90 s) to it: half of them fail.
    let text = sim_core::library::find("canary-rollback").unwrap().text;
    let canary = run_text(text, 4);
    assert!(canary.deploys["api"].rolled_back_at_s.is_some());
    assert!(canary.clients["users"].failure_rate < 0.01);
    let big_bang = text
        .replace("strategy = \"canary\"", "strategy = \"blue_green\"")
        .replace("rollback = { error_rate = 0.05, window = \"10s\" }\n", "")
        .replace(
            "expect = [",
            "expect = [\n  \"failure_rate(users, 100s..) >= 0\",",
        );
    let r = run_text(&big_bang, 4);
    // Requests after the switch; 0.5 +- 3 sd of a binomial over ~16000.
    let after = r.expectations[0].observed.number().unwrap();
    assert!(
        (after - 0.5).abs() < 0.015,
        "failed after the switch: {after}"
    );
}

#[test]
fn once_a_deploy_is_done_new_instances_run_the_new_version() {
    // A one-step canary at 10 s: its instances are ready at 20 s and take
    // all the traffic; the old ones drain a step later (a scale-in at 30 s
    // takes the old version first); at 60 s the load triples and the
    // autoscaler adds instances: they run the new version, so from the
    // window ending at 40 s on the old version serves (almost) nothing,
    // and from the one ending at 70 s nothing at all.
    let text = r#"
[scenario]
duration = "120s"

[[client]]
name = "users"
target = "api"
arrivals = "constant"
rate = [{ at = "0s", rate = 100 }, { at = "60s", rate = 300 }]

[[service]]
name = "api"
instances = 2
workers = 10
service_time = "50ms"
startup = "10s"
autoscale = { min = 2, max = 10, target = 0.5, interval = "10s", cooldown = "30s" }

[[deploy]]
service = "api"
at = "10s"
strategy = "canary"
steps = [1.0]
"#;
    let r = series(text, 1, 10);
    let d = &r.timeseries.as_ref().unwrap().deploys["api"];
    assert!(
        d.old_requests[..2].iter().all(|n| *n > 0),
        "{:?}",
        d.old_requests
    );
    assert!(
        d.old_requests[3..].iter().all(|n| *n == 0),
        "{:?}",
        d.old_requests
    );
    assert!(
        life(&r).counts.max_instances > 4,
        "the autoscaler added instances"
    );
    assert_eq!(r.deploys["api"].new.failures, 0);
}

#[test]
fn a_cache_in_front_of_an_autoscaled_redeployed_service_sends_it_only_misses() {
    // Each miss of `rows` makes one call to `db` (no retries), whichever
    // instance serves it: those the autoscaler starts and those the
    // rolling deployment replaces; every request ends once or is in flight.
    let r = run_text(CACHED, 1);
    let (users, rows, db) = (&r.clients["users"], &r.caches["rows"], &r.services["api"]);
    assert_eq!(db.arrivals, rows.misses);
    let per: Vec<u64> = db.per_instance.iter().map(|i| i.arrivals).collect();
    assert_eq!(per.iter().sum::<u64>(), db.arrivals);
    let life = life(&r);
    assert!(life.counts.max_instances > 1, "the autoscaler added some");
    assert!(per.len() >= life.counts.max_instances as usize, "{per:?}");
    assert!(
        per.iter().skip(1).all(|n| *n > 0),
        "every slot served: {per:?}"
    );
    assert_eq!(r.deploys["api"].steps_done, 2);
    assert_eq!(users.failed, 0);
    assert_eq!(users.succeeded + users.in_flight, users.requests);
    let looked_up = rows.hits + rows.misses;
    assert!(looked_up <= users.requests && users.requests - looked_up <= users.in_flight);
}

/// `web` calls `api` through the cache `rows` (1000 keys, 1 s ttl); `api`
/// starts with one instance of 10 workers at 50 ms (load 10 busy: the
/// autoscaler aiming at half adds more, each after a 2 s startup) and is
/// redeployed, rolling, at 30 s.
const CACHED: &str = r#"
[scenario]
duration = "60s"

[[client]]
name = "users"
target = "web"
rate = 200
arrivals = "constant"
keys = { count = 1000 }

[[service]]
name = "web"
workers = 1000
service_time = "1ms"
calls = [{ to = "api", via = "rows" }]

[[cache]]
name = "rows"
ttl = "1s"

[[service]]
name = "api"
workers = 10
service_time = "50ms"
startup = "2s"
autoscale = { min = 1, max = 5, target = 0.5, interval = "5s", cooldown = "30s" }

[[deploy]]
service = "api"
at = "30s"
"#;

#[test]
fn a_blue_green_switch_moves_every_request_to_the_new_versions_calls() {
    // The new set starts at 60 s and takes all the traffic at the switch,
    // 90 s; only the new version calls `audit`, publishes to `events` and
    // charges. Requests arrive every 10 ms and take 10 ms, so a request to
    // the new version calls `audit` in the window it arrived in.
    let deploy = r#"strategy = "blue_green"
step_every = "30s"
version = { calls = ["audit"], publish = [{ to = "events" }], effect = "charge" }

[[service]]
name = "audit"
service_time = "1ms"

[[queue]]
name = "events"

[[service]]
name = "ledger"
service_time = "1ms"
consumes = "events"
"#;
    let r = series(&deployed(deploy), 1, 1);
    let ts = r.timeseries.as_ref().unwrap();
    let audit = &ts.services["audit"].arrivals;
    assert_eq!(audit[..90].iter().sum::<u64>(), 0, "{audit:?}");
    // (The last window holds the arrival at its end, 200 s, too.)
    assert!(audit[91..199].iter().all(|&n| n == 100), "{audit:?}");
    let d = &r.deploys["api"];
    assert_eq!(ts.deploys["api"].old_requests[91..].iter().sum::<u64>(), 0);
    // Each request the new version served published once and charged once.
    assert_eq!(d.new.failures, 0);
    assert_eq!(r.queues["events"].published, d.new.requests);
    assert_eq!(r.effects["charge"].applied, d.new.requests);
    assert_eq!(r.effects["charge"].duplicates, 0);
    assert!(d.new.requests >= 100 * 109, "{}", d.new.requests);
}

#[test]
fn a_version_that_is_not_idempotent_applies_duplicated_requests_twice() {
    // The network duplicates one request in ten; the old version's charge
    // is idempotent, so the copies apply nothing. A rolling deploy of a
    // version that forgets it lets the copies charge again.
    let duplicates = |version: &str| {
        let text = deployed(&format!(
            "strategy = \"rolling\"\nbatch = 4\n{version}\n\n[network]\nduplicate = 0.1\n"
        ))
        .replace(
            "service_time = \"10ms\"\n",
            "service_time = \"10ms\"\neffect = \"charge\"\nidempotent = true\n",
        );
        let r = series(&text, 1, 10);
        (
            r.effects["charge"].duplicates,
            r.deploys["api"].new.requests,
        )
    };
    assert_eq!(duplicates("").0, 0);
    assert_eq!(duplicates("version = { service_time = \"5ms\" }").0, 0);
    let (twice, new) = duplicates("version = { idempotent = false }");
    // About a tenth of the new version's ~13,000 requests are copies
    // (binomial, 3 sd of ~1,200 is ~100).
    let expected = new as f64 * 0.1 / 1.1;
    assert!((twice as f64 - expected).abs() < 120.0, "{twice} of {new}");
}
