//! The built-in scenario library, embedded at compile time so that
//! `dsim run retry-storm` works from any directory and the browser can list it.

/// One built-in scenario.
#[derive(Clone, Copy, Debug)]
pub struct Builtin {
    /// The file name without `.toml`: what `dsim run NAME` takes.
    pub name: &'static str,
    /// The scenario text.
    pub text: &'static str,
}

/// A [`Builtin`] for `scenarios/NAME.toml`, embedded at compile time.
macro_rules! builtin {
    ($name:literal) => {
        Builtin {
            name: $name,
            text: include_str!(concat!("../../scenarios/", $name, ".toml")),
        }
    };
}

/// Every built-in scenario, sorted by name: every file of `scenarios/`
/// (a test at the workspace root checks that none is missing).
pub const BUILTIN: &[Builtin] = &[
    builtin!("autoscale-lag"),
    builtin!("black-hole-balancer"),
    builtin!("bulkhead-isolation"),
    builtin!("cache-stampede"),
    builtin!("canary-rollback"),
    builtin!("cascading-timeouts"),
    builtin!("circuit-breaker"),
    builtin!("cold-cache"),
    builtin!("consumer-lag"),
    builtin!("crash-vs-pause"),
    builtin!("double-charge"),
    builtin!("exactly-once-illusion"),
    builtin!("fail-open-fail-closed"),
    builtin!("fan-out-tail"),
    builtin!("gray-failure"),
    builtin!("hedging-tail-latency"),
    builtin!("hot-key"),
    builtin!("idempotent-consumer"),
    builtin!("lifo-vs-fifo"),
    builtin!("liveness-death-spiral"),
    builtin!("load-shedding"),
    builtin!("lossy-network"),
    builtin!("mesh-retries"),
    builtin!("noisy-neighbour"),
    builtin!("ordering"),
    builtin!("outbox-vs-dual-write"),
    builtin!("partition"),
    builtin!("payments-down-at-checkout"),
    builtin!("poison-message"),
    builtin!("queueing-basics"),
    builtin!("readiness-vs-liveness"),
    builtin!("retries-help-and-hurt"),
    builtin!("retry-budget"),
    builtin!("retry-storm"),
    builtin!("rolling-deploy"),
    builtin!("saga-checkout"),
    builtin!("saga-choreography"),
    builtin!("saga-failing-compensation"),
    builtin!("saga-vs-2pc"),
    builtin!("settlement-fails"),
    builtin!("slow-dependency"),
    builtin!("thundering-herd"),
];

/// The built-in scenario called `name`, if there is one.
pub fn find(name: &str) -> Option<&'static Builtin> {
    BUILTIN.iter().find(|b| b.name == name)
}
