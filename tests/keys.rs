//! Keys at work: consistent hashing sends each key to one instance (a hot
//! key makes a hot instance, a lost instance hands over only its own keys),
//! and per-key limits hold back one tenant without touching the others.

use crate::common::run_text;
use sim_core::engine::balancer::Ring;
use sim_core::report::Report;

/// Clients `clients` (TOML) calling `api`, whose keys are `api` (TOML),
/// with `faults` appended, for `seconds`.
fn scenario(clients: &str, api: &str, faults: &str, seconds: u32) -> String {
    format!(
        r#"[scenario]
name = "keys"
duration = "{seconds}s"
seed = 1

{clients}

[[service]]
name = "api"
workers = 1000
service_time = "1ms"
{api}

{faults}
"#
    )
}

/// Zipf's law on keys `0..n`: key k has weight 1 / (k + 1)^s.
fn zipf(n: u64, s: f64) -> Vec<f64> {
    let w: Vec<f64> = (1..=n).map(|k| (k as f64).powf(-s)).collect();
    let total: f64 = w.iter().sum();
    w.iter().map(|x| x / total).collect()
}

/// The arrivals of each instance of `api`.
fn per_instance(r: &Report) -> Vec<u64> {
    r.services["api"]
        .per_instance
        .iter()
        .map(|i| i.arrivals)
        .collect()
}

const ZIPF_CLIENT: &str = r#"[[client]]
name = "users"
target = "api"
rate = 2000
arrivals = "constant"
keys = { count = 1000, popularity = "zipf(1.1)" }"#;

const HASHED: &str = "instances = 10\nbalancer = \"hash\"";

#[test]
fn a_hot_key_makes_one_hot_instance() {
    let r = run_text(&scenario(ZIPF_CLIENT, HASHED, "", 60), 1);
    let got = per_instance(&r);
    let n = r.services["api"].arrivals;
    assert_eq!(got.iter().sum::<u64>(), n);
    // The share each instance should take: the probability of the keys the
    // ring gives it. Its observed share over n independent keys has
    // standard deviation sqrt(E (1 - E) / n), under 0.0013 for n = 120,000;
    // the Zipf draws themselves are checked to this precision elsewhere.
    let p = zipf(1000, 1.1);
    let ring = Ring::new("api", 10, 100);
    let mut want = [0.0; 10];
    for (k, pk) in p.iter().enumerate() {
        want[ring.owner(k as u64, &[true; 10]) as usize] += pk;
    }
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        let share = *g as f64 / n as f64;
        let sd = (w * (1.0 - w) / n as f64).sqrt();
        assert!((share - w).abs() < 4.0 * sd, "#{i}: {share} vs {w}");
    }
    // Key 0 alone has p0 ≈ 0.14 of the load: its instance takes that and
    // its ~1/10 of the rest, while the average instance takes 1/10.
    let hot = ring.owner(0, &[true; 10]) as usize;
    let busiest = (0..10).max_by_key(|i| got[*i]).unwrap();
    assert_eq!(busiest, hot);
    assert!(got[hot] as f64 / n as f64 > p[0] + 0.05, "{got:?}");
    let u = &r.services["api"].per_instance;
    assert!(u[hot].utilization > 1.5 * r.services["api"].utilization);
}

#[test]
fn a_lost_instance_hands_over_only_its_keys() {
    // Instance 3 crashes at once; outlier detection ejects it after its
    // first refusal, for 30 s, twice in the minute. Every key keeps its
    // instance but those of #3, and the clients draw the same keys in both
    // runs (a stream of their own), so no live instance takes fewer.
    let ejecting = format!("{HASHED}\noutlier = {{ consecutive_errors = 1 }}");
    let crash = "[[fault]]\nkind = \"crash\"\ntarget = \"api#3\"\nat = \"0s\"";
    let before = per_instance(&run_text(&scenario(ZIPF_CLIENT, &ejecting, "", 60), 1));
    let r = run_text(&scenario(ZIPF_CLIENT, &ejecting, crash, 60), 1);
    let after = per_instance(&r);
    assert!(after[3] <= 2, "refused once per ejection: {after:?}");
    assert_eq!(r.services["api"].refused, after[3]);
    for i in (0..10).filter(|i| *i != 3) {
        assert!(after[i] >= before[i], "#{i}: {before:?} -> {after:?}");
    }
    // #3's keys spread over several heirs, not all onto its neighbour.
    let heirs = (0..10).filter(|i| after[*i] > before[*i]).count();
    assert!(heirs >= 5, "{before:?} -> {after:?}");
}

#[test]
fn without_ejection_a_crashed_instance_keeps_its_keys() {
    // Like every balancer, hash skips only instances that outlier detection
    // ejected: a crashed one still owns its keys, whose requests are
    // refused, and nothing moves.
    let crash = "[[fault]]\nkind = \"crash\"\ntarget = \"api#3\"\nat = \"0s\"";
    let before = per_instance(&run_text(&scenario(ZIPF_CLIENT, HASHED, "", 20), 1));
    let r = run_text(&scenario(ZIPF_CLIENT, HASHED, crash, 20), 1);
    assert_eq!(per_instance(&r), before);
    assert_eq!(r.services["api"].refused, before[3]);
}

/// A noisy tenant (key 0, 1000 requests a second) and quiet ones (50 a
/// second over a million keys, so key 0 comes with probability 1e-6 per
/// request), both constant, calling `api` with the limit `limit`.
fn tenants(api: &str) -> Report {
    let clients = r#"[[client]]
name = "noisy"
target = "api"
rate = 1000
arrivals = "constant"

[[client]]
name = "quiet"
target = "api"
rate = 50
arrivals = "constant"
keys = { count = 1000000 }"#;
    run_text(&scenario(clients, api, "", 10), 1)
}

#[test]
fn a_per_key_limit_holds_back_only_the_bursting_tenant() {
    let r = tenants("limit = { rate = 10, burst = 20, per = \"key\" }");
    let (noisy, quiet) = (&r.clients["noisy"], &r.clients["quiet"]);
    // Key 0's bucket: its 20 saved tokens, then one each 100 ms from its
    // first request at 1 ms to its last at 10 s: 20 + 99.
    assert_eq!(noisy.succeeded, 119);
    assert_eq!(noisy.failures.rejected, noisy.requests - 119);
    assert_eq!(r.services["api"].rejected, noisy.failures.rejected);
    assert_eq!((quiet.failed, quiet.requests), (0, 500));
    // One shared bucket of the same size: the noisy tenant takes nearly
    // every token and the quiet ones are turned away with it.
    let shared = tenants("limit = { rate = 10, burst = 20 }");
    let quiet = &shared.clients["quiet"];
    assert!(quiet.success_rate < 0.05, "{}", quiet.success_rate);
}

#[test]
fn a_per_key_limit_on_a_call_paces_each_key_apart() {
    // The same limit on the caller side, on api's call to db, made 1 ms
    // after each request arrives: key 0 still gets 20 + 99 tokens, and the
    // quiet tenants' last call (at 10.001 s) is after the end.
    let api = "calls = [{ to = \"db\", limit = { rate = 10, burst = 20, per = \"key\" } }]\n\n\
               [[service]]\nname = \"db\"\nworkers = 1000\nservice_time = \"1ms\"";
    let r = tenants(api);
    assert_eq!(r.clients["noisy"].succeeded, 119);
    assert_eq!(r.clients["quiet"].failed, 0);
    assert_eq!(r.services["db"].arrivals, 119 + 499);
}

#[test]
fn a_per_key_limit_on_a_client_gives_each_key_its_own_bucket() {
    // One request each millisecond, its key one of 10 at random, through a
    // client-side limit of 50 a second with a burst of 1, per key. A key's
    // bucket refills in 20 ms after each admission, then waits for the key's
    // next request: each millisecond brings it with probability 0.1, so
    // (1 - 0.1) / 0.1 = 9 ms on average. A key is admitted every 29 ms, 10
    // keys 10 · 10 s / 29 ms ≈ 3448 times, plus each key's first token. The
    // intervals have a standard deviation near 9.5 ms, so the count over 10
    // keys has one near sqrt(3448) · 9.5 / 29 ≈ 19; allow four.
    let client = |per: &str| {
        format!(
            "[[client]]\nname = \"users\"\ntarget = \"api\"\nrate = 1000\narrivals = \"constant\"\n\
             keys = {{ count = 10 }}\nlimit = {{ rate = 50, burst = 1{per} }}"
        )
    };
    let keyed = run_text(&scenario(&client(", per = \"key\""), "", "", 10), 1);
    let users = &keyed.clients["users"];
    let want = 10.0 * 10_000.0 / 29.0 + 10.0;
    assert!(
        (users.succeeded as f64 - want).abs() < 80.0,
        "{}",
        users.succeeded
    );
    assert_eq!(users.failures.rejected, users.failed);
    // One shared bucket: 1 + 50 · 10 tokens for all ten keys together.
    let shared = run_text(&scenario(&client(""), "", "", 10), 1);
    assert!(shared.clients["users"].succeeded <= 501);
}

/// Built-in `name` with `sets`, run with its own seed.
fn builtin(name: &str, sets: &[&str]) -> Report {
    let b = sim_core::library::find(name).unwrap();
    let sets: Vec<_> = sets
        .iter()
        .map(|s| sim_core::scenario::parse_override(s).unwrap())
        .collect();
    let sc = sim_core::scenario::load(b.text, b.name, &sets).unwrap();
    sim_core::run(&sc, &sim_core::RunOptions::default()).unwrap()
}

#[test]
fn the_builtins_try_lines_do_what_their_notes_say() {
    // noisy-neighbour: one shared bucket turns the burst into everyone's
    // outage.
    let shared = builtin("noisy-neighbour", &["service.api.limit.per=\"all\""]);
    assert!(shared.clients["tenants"].failure_rate > 0.2);
    assert!(!shared.passed());
    // hot-key: load-aware balancing spreads the hot key and ends the failures.
    let spread = builtin("hot-key", &["service.store.balancer=\"p2c\""]);
    assert_eq!(spread.clients["users"].failed, 0);
    let per = &spread.services["store"].per_instance;
    let most = per.iter().map(|i| i.arrivals).max().unwrap();
    assert!((most as f64) < 0.13 * spread.services["store"].arrivals as f64);
}

#[test]
fn an_autoscaled_instance_takes_only_its_own_keys() {
    // Two instances on a ring; at 10 s the autoscaler (aiming at a
    // utilization of 1e-5, 1/5 of the 5e-5 it sees: it wants 10) starts
    // its max, a third, id 2,
    // which serves at once (no startup). Before then every key goes to its
    // owner on the ring of #0 and #1; after, to its owner on the ring of
    // all three, which is the same but for the keys of #2's own points.
    let text = scenario(
        "[[client]]\nname = \"users\"\ntarget = \"api\"\nrate = 100\narrivals = \"constant\"\nkeys = { count = 1000 }",
        "instances = 2\nbalancer = \"hash\"\nautoscale = { min = 2, max = 3, target = 0.00001, interval = \"10s\", cooldown = \"60s\" }",
        "",
        20,
    );
    let r = run_text(&text, 1);
    let per = per_instance(&r);
    assert_eq!(per.len(), 3, "one figure per id slot");
    assert_eq!(per.iter().sum::<u64>(), r.services["api"].arrivals);
    let ring = Ring::new("api", 3, 100);
    let events = crate::common::trace_events(&text);
    let api = events
        .iter()
        .find(|e| e["ph"] == "M" && e["args"]["name"] == "api")
        .map(|e| e["pid"].clone())
        .unwrap();
    let (mut before, mut after) = (0, 0);
    for e in events.iter().filter(|e| {
        e["ph"] == "b" && e["pid"] == api && e["name"].as_str().unwrap().starts_with("work #")
    }) {
        let key = e["args"]["key"].as_u64().unwrap();
        let instance: u32 = e["name"].as_str().unwrap()["work #".len()..]
            .parse()
            .unwrap();
        let s = e["ts"].as_f64().unwrap() / 1e6;
        let old = ring.owner(key, &[true, true, false]);
        let new = ring.owner(key, &[true; 3]);
        // At 10 s exactly, the scale-out and an arrival: either order.
        if s < 10.0 {
            assert_eq!(instance, old, "key {key} at {s} s");
            before += 1;
        } else if s > 10.0 {
            assert_eq!(instance, new, "key {key} at {s} s");
        }
        after += u32::from(instance == 2);
    }
    assert!(before > 900, "{before} works before the scale-out");
    // #2 owns about a third of the ring (see the share's spread above).
    assert!(after > 200, "#2 served {after} after the scale-out");
    assert!(per[2] >= u64::from(after), "{per:?}");
}
