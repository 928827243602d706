//! Look-aside caches: hit ratios against theory (uniform and Zipf keys),
//! LRU under a capacity below the key count, the stampede of a hot key and
//! its cures (single flight, refresh ahead, jittered expiry), a crash that
//! empties the cache and a pause that holds its lookups.

use crate::common::run_text;
use proptest::prelude::*;
use sim_core::report::{CacheReport, Report};
use sim_core::{run, RunOptions, Simulation};

/// `users` at `rate` per second (its `keys` line) into `api`, whose one
/// call goes to `db` via `sessions`; `cache`, `db` and `tail` lines are
/// appended to the cache, the database and the file. No network latency,
/// no hit time and a database that answers in no time unless told: a fill
/// takes no time.
fn look_aside(client: &str, cache: &str, db: &str, tail: &str) -> String {
    format!(
        r#"
[scenario]
name = "look-aside"
duration = "100s"
warmup = "1s"

[[client]]
name = "users"
target = "api"
{client}

[[service]]
name = "api"
workers = 100000
service_time = "0ms"
calls = [ {{ to = "db", via = "sessions" }} ]

[[service]]
name = "db"
workers = 100000
{db}

[[cache]]
name = "sessions"
{cache}
{tail}
"#
    )
}

fn sessions(r: &Report) -> &CacheReport {
    &r.caches["sessions"]
}

/// Asserts `got` within `sigmas` binomial standard errors of `want` over
/// `n` lookups. The binomial error is an upper bound here: within a key's
/// ttl cycle the hits are Poisson and the misses one per cycle, which makes
/// the ratio estimator's variance (by the delta method) smaller than a
/// binomial one of the same mean, so `sigmas` = 5 is a safe margin.
fn assert_ratio(got: f64, want: f64, n: u64, sigmas: f64) {
    let se = (want * (1.0 - want) / n as f64).sqrt();
    assert!(
        (got - want).abs() <= sigmas * se,
        "hit ratio {got}, theory {want}, {:.1} standard errors apart (se {se:.5})",
        (got - want).abs() / se
    );
}

#[test]
fn uniform_keys_hit_as_theory_says() {
    // 100 keys at 1000/s: r = 10 per second per key; ttl 0.4s gives
    // r*ttl = 4 and a hit ratio of 4/5.
    let text = look_aside(
        "rate = 1000\nkeys = { count = 100 }",
        "ttl = \"400ms\"",
        "service_time = \"0ms\"",
        "",
    );
    let r = run_text(&text, 3);
    let c = sessions(&r);
    assert_eq!(c.hits + c.misses, r.clients["users"].requests);
    assert_eq!(c.misses, c.fills, "every miss fills");
    // Each key was looked up in the warmup (at 10/s, all but e^-10 of them):
    // every miss after it finds its entry expired.
    assert_eq!(c.misses, c.expired);
    assert_ratio(c.hit_ratio, 0.8, c.hits + c.misses, 5.0);
    assert_eq!((c.evicted, c.max_concurrent_misses), (0, 1));
}

#[test]
fn a_zipf_mix_hits_as_the_weighted_sum_of_its_keys() {
    // Key k (from 0) has weight 1/(k+1); each key's ratio is r_k*ttl /
    // (1 + r_k*ttl) and the cache's is their mean weighted by lookups.
    let (count, rate, ttl) = (50u32, 500.0, 0.05);
    let weights: Vec<f64> = (1..=count).map(|k| 1.0 / f64::from(k)).collect();
    let total: f64 = weights.iter().sum();
    let want: f64 = weights
        .iter()
        .map(|w| {
            let p = w / total;
            let x = rate * p * ttl;
            p * x / (1.0 + x)
        })
        .sum();
    let text = look_aside(
        &format!("rate = {rate}\nkeys = {{ count = {count}, popularity = \"zipf(1.0)\" }}"),
        "ttl = \"50ms\"",
        "service_time = \"0ms\"",
        "",
    );
    let r = run_text(&text, 5);
    let c = sessions(&r);
    assert_ratio(c.hit_ratio, want, c.hits + c.misses, 5.0);
    // Far from either end: the mix is neither all hits nor all misses.
    assert!(want > 0.4 && want < 0.8, "theory {want}");
}

#[test]
fn lru_under_a_small_capacity_evicts_one_key_per_miss_once_full() {
    // 100 uniform keys, room for 20, entries that never expire: under
    // independent uniform requests the LRU set is any 20 keys alike, so a
    // lookup hits with probability 20/100. Once the cache is full, every
    // fill of a new key evicts exactly one.
    let text = look_aside(
        "rate = 1000\nkeys = { count = 100 }",
        "ttl = \"1h\"\ncapacity = 20",
        "service_time = \"0ms\"",
        "",
    )
    .replace("warmup = \"1s\"", "");
    let r = run_text(&text, 7);
    let c = sessions(&r);
    assert_eq!((c.size, c.expired), (20, 0));
    assert_eq!(c.evicted, c.fills - 20);
    assert_ratio(c.hit_ratio, 0.2, c.hits + c.misses, 5.0);
}

/// One hot key at 1000 requests per second, one every millisecond, and a
/// fill that takes 50 ms; the cold start is in the warmup.
fn stampede(cache: &str) -> Report {
    let text = look_aside(
        "rate = 1000\narrivals = \"constant\"",
        &format!("ttl = \"1s\"\n{cache}"),
        "service_time = \"50ms\"",
        "",
    )
    .replace("duration = \"100s\"", "duration = \"20s\"");
    run_text(&text, 1)
}

#[test]
fn each_expiry_of_a_hot_key_sends_rate_times_fill_time_misses_at_once() {
    let c = stampede("");
    let plain = sessions(&c);
    // The lookups of the 50 ms of a fill all miss: 50 fills out at once.
    assert_eq!(plain.max_concurrent_misses, 50);
    assert!(plain.misses >= 50 * 18, "misses {}", plain.misses);
    let one = stampede("single_flight = true");
    let sf = sessions(&one);
    assert_eq!(sf.max_concurrent_misses, 1);
    assert!(
        sf.misses >= 50 * 18,
        "the waiters still miss: {}",
        sf.misses
    );
    assert!(
        one.services["db"].arrivals * 40 < c.services["db"].arrivals,
        "single flight: {} calls to the database, without: {}",
        one.services["db"].arrivals,
        c.services["db"].arrivals
    );
    assert_eq!(one.clients["users"].failed, 0);
    let ahead = stampede("refresh_ahead = \"100ms\"");
    let ra = sessions(&ahead);
    // A hit in the last 100 ms refreshes the entry, which never expires
    // under this load: no miss after the cold start, one fill at a time.
    assert_eq!((ra.misses, ra.max_concurrent_misses), (0, 1));
    assert!(ra.refreshes >= 18, "refreshes {}", ra.refreshes);
}

#[test]
fn waiters_of_a_failed_fill_get_its_failure() {
    let text = look_aside(
        "rate = 1000\narrivals = \"constant\"",
        "ttl = \"1s\"\nsingle_flight = true",
        "service_time = \"50ms\"\nerror_rate = 1.0",
        "",
    )
    .replace("duration = \"100s\"", "duration = \"5s\"");
    let r = run_text(&text, 1);
    let u = &r.clients["users"];
    assert_eq!(u.succeeded, 0);
    assert_eq!(u.failed + u.in_flight, u.requests);
    // One call out at a time: one per 50 ms.
    let calls = r.services["db"].arrivals;
    assert!((79..=81).contains(&calls), "calls {calls}");
}

/// Misses of the 1000 uniform keys at 10000/s in each 100 ms window from
/// 15 s on, with `ttl`: the peak load a wave of expiries sends.
fn peak_misses(ttl: &str) -> u64 {
    let text = look_aside(
        "rate = 10000\nkeys = { count = 1000 }",
        &format!("ttl = \"{ttl}\""),
        "service_time = \"0ms\"",
        "",
    )
    .replace("duration = \"100s\"", "duration = \"40s\"")
    .replace("warmup = \"1s\"", "warmup = \"15s\"");
    let sc = sim_core::scenario::load(&text, "t.toml", &[]).unwrap();
    let options = RunOptions {
        timeseries: Some(sim_core::time::SimDuration::from_millis(100)),
        ..RunOptions::default()
    };
    let r = run(&sc, &options).unwrap();
    let series = &r.timeseries.as_ref().unwrap().caches["sessions"];
    let sum: u64 = series.misses.iter().sum();
    assert_eq!(sum, sessions(&r).misses, "the windows sum to the summary");
    series.misses.iter().copied().max().unwrap_or(0)
}

#[test]
fn jittered_expiry_flattens_the_waves_of_a_cold_start() {
    // Filled together at the start, keys with a constant ttl expire
    // together every 10 s (each key misses within ~0.1 s of its expiry, so
    // a wave spreads little); drawn from 5..15 s they spread over 10 s.
    let constant = peak_misses("10s");
    let jittered = peak_misses("uniform(5s, 15s)");
    assert!(
        constant > 5 * jittered,
        "peak misses per 100 ms: constant ttl {constant}, jittered {jittered}"
    );
}

#[test]
fn a_crash_empties_the_cache_and_a_pause_holds_its_lookups() {
    // One key at 100/s, one every 10 ms; the cache is down 10 s..11 s.
    let crash = look_aside(
        "rate = 100\narrivals = \"constant\"",
        "ttl = \"1h\"",
        "service_time = \"0ms\"",
        "[[fault]]\nkind = \"crash\"\ntarget = \"sessions\"\nat = \"10s\"\nfor = \"1s\"",
    )
    .replace("duration = \"100s\"", "duration = \"20s\"")
    .replace("warmup = \"1s\"", "");
    let r = run_text(&crash, 1);
    let c = sessions(&r);
    // The first lookup, the 100 of the second down (their fills are
    // dropped) and the first after the restart miss; the rest hit.
    assert_eq!(c.misses, 102, "{c:?}");
    assert_eq!(c.hits + c.misses, r.clients["users"].requests);
    assert_eq!((r.clients["users"].failed, c.size), (0, 1));
    let pause = crash.replace("kind = \"crash\"", "kind = \"pause\"");
    let r = run_text(&pause, 1);
    let c = sessions(&r);
    let u = &r.clients["users"];
    assert_eq!((c.misses, u.failed, u.in_flight), (1, 0, 0));
    // The lookups of the pause are answered when it ends: the first waited 1 s.
    assert!(
        (u.latency_ms.max - 1000.0).abs() < 2.0,
        "max {}",
        u.latency_ms.max
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Whatever the cache's knobs, the call's policies and the faults on
    /// the cache, every request ends exactly once, a cache never holds more
    /// than its capacity, and every call behind it is a miss's or a
    /// refresh's.
    #[test]
    fn every_request_through_a_cache_ends_exactly_once(
        capacity in prop::option::of(1u32..50),
        ttl in prop::sample::select(vec!["20ms", "exp(50ms)", "uniform(10ms, 90ms)"]),
        workers in prop::option::of(1u32..4),
        single_flight in any::<bool>(),
        refresh_ahead in prop::option::of(1u32..30),
        policy in prop::sample::select(vec![
            "",
            ", timeout = \"15ms\"",
            ", timeout = \"10ms\", retry = { max_attempts = 3 }",
            ", fallback = { service_time = \"1ms\" }",
        ]),
        fault in prop::sample::select(vec!["", "crash", "pause"]),
        seed in 0u64..1000,
    ) {
        let mut cache = format!("ttl = \"{ttl}\"\nhit_time = \"exp(1ms)\"\nsingle_flight = {single_flight}\n");
        if let Some(c) = capacity {
            cache += &format!("capacity = {c}\n");
        }
        if let Some(w) = workers {
            cache += &format!("workers = {w}\n");
        }
        if let Some(ms) = refresh_ahead {
            cache += &format!("refresh_ahead = \"{ms}ms\"\n");
        }
        let tail = if fault.is_empty() {
            String::new()
        } else {
            format!("[[fault]]\nkind = \"{fault}\"\ntarget = \"sessions\"\nat = \"1s\"\nfor = \"500ms\"\n")
        };
        let text = look_aside(
            "rate = 300\nkeys = { count = 80, popularity = \"zipf(1.1)\" }",
            &cache,
            "service_time = \"exp(5ms)\"\nerror_rate = 0.1",
            &tail,
        )
        .replace("duration = \"100s\"", "duration = \"3s\"")
        .replace("warmup = \"1s\"", "")
        .replace("via = \"sessions\" }", &format!("via = \"sessions\"{policy} }}"));
        let r = run_text(&text, seed);
        let u = &r.clients["users"];
        prop_assert_eq!(u.requests, u.succeeded + u.degraded + u.failed + u.in_flight, "{}", text);
        for (name, s) in &r.services {
            prop_assert_eq!(s.arrivals, s.completed + s.degraded + s.errors + s.rejected + s.shed + s.refused + s.in_flight, "{}:\n{}", name, text);
        }
        let c = sessions(&r);
        prop_assert!(capacity.is_none_or(|cap| c.size <= u64::from(cap)), "{:?}", c);
        prop_assert!(c.fills <= c.misses + c.refreshes, "{:?}", c);
        prop_assert!(c.expired <= c.misses, "{:?}", c);
        if single_flight {
            prop_assert!(c.max_concurrent_misses <= 1, "{:?}", c);
        }
    }
}

#[test]
fn each_lookup_is_a_hit_or_a_miss_span_on_its_cache() {
    // One key at 10/s from 0.1 s, 1 ms lookups, 5 ms fills and an entry
    // for 1 s: the lookup at 0.1 s misses and fills at 0.106 s, so those
    // of 0.2 s to 1.1 s (answered 1 ms later) hit, and the one of 1.2 s
    // finds it expired; its fill at 1.206 s serves 1.3 s to 2.0 s.
    let text = look_aside(
        "rate = 10\narrivals = \"constant\"",
        "ttl = \"1s\"\nhit_time = \"1ms\"",
        "service_time = \"5ms\"",
        "",
    )
    .replace("duration = \"100s\"", "duration = \"2.05s\"")
    .replace("warmup = \"1s\"", "");
    let sc = sim_core::scenario::load(&text, "t.toml", &[]).unwrap();
    let mut sim = Simulation::new(&sc, &RunOptions::default());
    sim.enable_trace(10_000);
    sim.run_until(sim.end()).unwrap();
    let trace: serde_json::Value =
        serde_json::from_str(&sim.take_trace().unwrap().to_json()).unwrap();
    let lookups: Vec<(&str, f64)> = trace["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ph"] == "b" && e["name"].as_str().unwrap().starts_with("lookup"))
        .map(|e| {
            (
                e["args"]["outcome"].as_str().unwrap(),
                e["ts"].as_f64().unwrap(),
            )
        })
        .collect();
    let found: Vec<&str> = lookups.iter().map(|(o, _)| *o).collect();
    let mut want = vec!["miss"];
    want.extend(["hit"; 10]);
    want.push("miss");
    want.extend(["hit"; 8]);
    assert_eq!(found, want, "{lookups:?}");
}

#[test]
fn a_pause_holds_the_write_of_a_fill_until_it_resumes() {
    // One key every 10 ms from 10 ms, 100 ms fills under single flight, an
    // entry for 1 s, the cache paused 50 ms..500 ms. The lookups of 10 ms to
    // 40 ms miss (one fill); the fill ends at 110 ms, in the pause, so the
    // entry is written at 500 ms and is fresh until 1.5 s: the lookups the
    // pause held, and every one after them, hit. Written at 110 ms, it
    // would expire at 1.11 s and the lookups from then on would miss.
    let run_with = |fault: &str| {
        let text = look_aside(
            "rate = 100\narrivals = \"constant\"",
            "ttl = \"1s\"\nsingle_flight = true",
            "service_time = \"100ms\"",
            fault,
        )
        .replace("duration = \"100s\"", "duration = \"1.4s\"")
        .replace("warmup = \"1s\"", "");
        run_text(&text, 1)
    };
    let paused = run_with(
        "[[fault]]\nkind = \"pause\"\ntarget = \"sessions\"\nat = \"50ms\"\nfor = \"450ms\"",
    );
    let c = sessions(&paused);
    assert_eq!((c.misses, c.fills, c.expired), (4, 1, 0), "{c:?}");
    assert_eq!(paused.clients["users"].failed, 0);
    let plain = run_with("");
    let c = sessions(&plain);
    assert!(c.expired == 1 && c.misses > 4, "{c:?}");
}
