//! Engine throughput: events per second on an M/M/c topology, on a
//! three-tier chain with timeouts, on the retry storm (retries, a slowdown
//! fault, a full queue), and on one built-in of each newer model — a queue
//! with redeliveries, an orchestrated saga through a crash, a choreographed
//! saga, a cache stampede, a canary deploy; and how long hostile scenarios
//! take to be stopped by their budgets (a zero-time loop, a flood into an
//! unbounded queue). `cargo bench --bench engine`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sim_core::{run, RunOptions};

const MMC: &str = include_str!("mmc.toml");

const CHAIN: &str = r#"
[scenario]
name = "chain"
duration = "60s"

[network]
latency = "exp(0.5ms)"

[[client]]
name = "users"
target = "api"
rate = 2000
timeout = "200ms"

[[service]]
name = "api"
instances = 4
balancer = "p2c"
workers = 8
service_time = "exp(1ms)"
calls = [ { to = "db", timeout = "50ms" } ]

[[service]]
name = "db"
instances = 2
balancer = "least_outstanding"
workers = 8
queue = 100
service_time = "exp(2ms)"
"#;

fn bench(c: &mut Criterion, name: &str, text: &str) {
    let sc = sim_core::scenario::load(text, name, &[]).expect("benchmark scenarios are valid");
    let events = run(&sc, &RunOptions::default())
        .expect("the benchmark runs to its end")
        .events;
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group.throughput(Throughput::Elements(events));
    group.bench_function("run", |b| {
        b.iter(|| run(&sc, &RunOptions::default()).expect("the benchmark runs to its end"))
    });
    group.finish();
}

/// A zero-time loop, and a flood into an unbounded queue (the hostile
/// tests run the same files).
const ZERO_TIME_LOOP: &str = include_str!("hostile/zero-time-loop.toml");
const FLOOD: &str = include_str!("hostile/flood.toml");

/// How long `text` takes to be stopped by a budget (it must be stopped).
fn bench_stop(c: &mut Criterion, name: &str, text: &str) {
    let sc = sim_core::scenario::load(text, name, &[]).expect("benchmark scenarios are valid");
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group.bench_function("until_stopped", |b| {
        b.iter(|| run(&sc, &RunOptions::default()).expect_err("a budget stops it"))
    });
    group.finish();
}

fn engine(c: &mut Criterion) {
    bench(c, "mmc_1m_requests", MMC);
    bench(c, "chain_120k_requests", CHAIN);
    for name in [
        "retry-storm",
        "exactly-once-illusion",
        "saga-checkout",
        "saga-choreography",
        "cache-stampede",
        "canary-rollback",
    ] {
        let builtin = sim_core::library::find(name).expect("a built-in");
        bench(c, &name.replace('-', "_"), builtin.text);
    }
    bench_stop(c, "zero_time_loop", ZERO_TIME_LOOP);
    bench_stop(c, "flood_into_unbounded_queue", FLOOD);
}

criterion_group!(benches, engine);
criterion_main!(benches);
