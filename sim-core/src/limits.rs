//! Every size a scenario or a run may reach, in one place, so that the
//! loader, the engine, the command line and the reference page
//! (`docs/scenario-format.md`) read the same numbers.
//!
//! The loader refuses a file that goes past one of these before anything is
//! allocated, naming the limit. They are chosen so that the worst scenario
//! they allow still fits in a few GB: the sizes that multiply are kept small
//! enough that their product does. The largest such product is the
//! bulkheads, one slot (about 40 bytes) per call site per instance of the
//! caller: [`MAX_TOTAL_CALLS`] × [`MAX_INSTANCES`] = 5·10⁷ slots, 2 GB.
//! Everything else allocated up front is per instance ([`MAX_TOTAL_INSTANCES`]
//! instances of about 500 bytes each: 50 MB), per breaker (a count window of
//! [`MAX_BREAKER_CALLS`] two-byte entries on at most one breaker per call
//! site: 120 MB) or per closed-loop user ([`MAX_TOTAL_USERS`], each one
//! request in flight, the size of the default in-flight budget). Hash rings
//! take [`MAX_RING_POINTS`] points in all (160 MB); a per-key `limit` grows
//! with the keys active at once, up to [`MAX_KEY_BUCKETS`] (1 MB each).

/// The highest rate of a client or a token bucket, per second: one event
/// per simulated microsecond. Faster rates would make gaps of a few
/// nanoseconds, where integer time no longer resolves the distribution, and
/// runs that never end.
pub const MAX_RATE: f64 = 1e6;

/// Replicas of one service. Each has its own queue, random stream and
/// health; 10,000 already takes the balancers' per-request work to
/// milliseconds.
pub const MAX_INSTANCES: u32 = 10_000;

/// Replicas over all services of a file: 100,000 instances are about 50 MB.
pub const MAX_TOTAL_INSTANCES: u32 = 100_000;

/// Points per instance on a `hash` balancer's ring (`vnodes`).
pub const MAX_VNODES: u32 = 1_000;

/// Points on the rings of all `hash` balancers of a file: each is 16
/// bytes, so 10⁷ points are 160 MB.
pub const MAX_RING_POINTS: u64 = 10_000_000;

/// Token buckets one per-key `limit` holds at once (about 100 bytes each,
/// 1 MB per limit). A key's bucket is forgotten once it is full again, so
/// only keys that used tokens in the last `burst / rate` seconds count.
pub const MAX_KEY_BUCKETS: usize = 10_000;

/// Workers of one instance: requests it serves at once. Workers are counters,
/// but every busy one holds a request in flight, which the run's in-flight
/// budget (a million) bounds anyway.
pub const MAX_WORKERS: u32 = 100_000;

/// Places in one instance's waiting room. Omitting `queue` means no limit;
/// a written one above the in-flight budget could never fill.
pub const MAX_QUEUE: u32 = 1_000_000;

/// Users of one closed-loop client: each is a request in flight.
pub const MAX_USERS: u32 = 100_000;

/// Closed-loop users over all clients: the default in-flight budget, which
/// they would exhaust at the first instant.
pub const MAX_TOTAL_USERS: u32 = 1_000_000;

/// Attempts of one call, the first included (`retry.max_attempts`). Each
/// retry of each layer multiplies the load of the layers below.
pub const MAX_ATTEMPTS: u32 = 100;

/// Extra copies a hedge may send (`hedge.max_extra`): each one multiplies
/// the load on the target.
pub const MAX_HEDGES: u32 = 10;

/// Calls in a breaker's count window (`breaker.size`): the window keeps one
/// entry per call. A time window has a fixed number of buckets and needs no
/// limit beyond a positive span.
pub const MAX_BREAKER_CALLS: u32 = 10_000;

/// Concurrent calls a bulkhead admits (`bulkhead.max_concurrent`).
pub const MAX_BULKHEAD: u32 = 100_000;

/// Idempotency keys a service remembers (`dedup.capacity`): about 50 bytes
/// each, so 50 MB per service at most. The tables fill only as requests
/// arrive, so over all services the run's event budget bounds them.
pub const MAX_DEDUP_KEYS: u32 = 1_000_000;

/// Receives of one message before it is dead-lettered (`max_receives`):
/// each receive is a delivery the consumer serves again.
pub const MAX_RECEIVES: u32 = 1_000;

/// Partitions of one queue (`partitions`): each keeps its own order and
/// its own consumer assignment.
pub const MAX_PARTITIONS: u32 = 1_024;

/// Messages one queue holds (`capacity`). Held messages are in flight, so
/// the run's in-flight budget bounds them anyway; a larger capacity could
/// never fill.
pub const MAX_QUEUE_CAPACITY: u32 = 10_000_000;

/// Keys one cache holds (`capacity`): an entry is a few dozen bytes, and a
/// cache holds only keys requests asked for, so the run's events bound it
/// too.
pub const MAX_CACHE_CAPACITY: u32 = 10_000_000;

/// Keys a client draws from (`keys.count`). Nothing is allocated per key
/// (Zipf keys are drawn by a method whose memory does not depend on the
/// count), so the limit only keeps key arithmetic far from `u64` overflow.
pub const MAX_KEYS: u64 = 1_000_000_000_000;

/// `[[service]]` sections of a file.
pub const MAX_SERVICES: usize = 1_000;

/// `[[client]]` sections of a file.
pub const MAX_CLIENTS: usize = 1_000;

/// `[[link]]` sections of a file.
pub const MAX_LINKS: usize = 10_000;

/// `[[queue]]` sections of a file.
pub const MAX_QUEUES: usize = 1_000;

/// `[[cache]]` sections of a file.
pub const MAX_CACHES: usize = 1_000;

/// Entries of one `publish` array: each is a message per successful request.
pub const MAX_PUBLISH: usize = 100;

/// `[[saga]]` sections of a file.
pub const MAX_SAGAS: usize = 1_000;

/// Steps of one saga: each run keeps a few counters per step.
pub const MAX_SAGA_STEPS: usize = 100;

/// `[[fault]]` sections of a file (chaos adds its own on top).
pub const MAX_FAULTS: usize = 10_000;

/// Lines of `expect`.
pub const MAX_EXPECTATIONS: usize = 1_000;

/// `[[service.endpoint]]` sections of one service.
pub const MAX_ENDPOINTS: usize = 100;

/// Entries of one `calls` array.
pub const MAX_CALLS: usize = 100;

/// Calls over all endpoints of a file, inherited ones counted once per
/// endpoint that inherits them: each is a call site with its own policies,
/// random stream and, with a bulkhead, a slot per caller instance.
pub const MAX_TOTAL_CALLS: usize = 5_000;

/// Steps of one client's rate schedule.
pub const MAX_RATE_STEPS: usize = 10_000;

/// Characters of a name (of a service, endpoint, client, queue, dead-letter
/// sink or effect): names are repeated in every report line and
/// random-stream key.
pub const MAX_NAME_CHARS: usize = 64;

/// Nesting of tables and arrays in a scenario document, dotted keys
/// counted. The format needs six; the parsers and the loader walk the tree
/// recursively, so a deeper document is refused by a scan before parsing.
pub const MAX_NESTING: usize = 32;

/// Nesting of parentheses in a distribution (`mix(1: mix(1: exp(1ms)))`);
/// the distribution parser recurses once per level.
pub const MAX_DIST_DEPTH: usize = 8;

/// Timeseries windows of one run: one entry each per client and service.
pub const MAX_TIMESERIES_WINDOWS: u64 = 1_000_000;

/// Spans `dsim trace` records in one run: a few hundred bytes each.
pub const MAX_TRACE_SPANS: u64 = 10_000_000;

/// One limit as the reference page lists it.
pub struct Limit {
    /// The constant's name in this module.
    pub name: &'static str,
    pub value: u64,
    /// What it bounds, in a few words.
    pub what: &'static str,
}

/// Every limit above, for the reference page.
pub const ALL: &[Limit] = &[
    Limit {
        name: "MAX_RATE",
        value: MAX_RATE as u64,
        what: "requests or tokens per second of a client or a `limit`",
    },
    Limit {
        name: "MAX_INSTANCES",
        value: MAX_INSTANCES as u64,
        what: "`instances` of one service",
    },
    Limit {
        name: "MAX_TOTAL_INSTANCES",
        value: MAX_TOTAL_INSTANCES as u64,
        what: "`instances` over all services",
    },
    Limit {
        name: "MAX_VNODES",
        value: MAX_VNODES as u64,
        what: "`vnodes` of one service",
    },
    Limit {
        name: "MAX_RING_POINTS",
        value: MAX_RING_POINTS,
        what: "`instances` × `vnodes` over all `hash` services",
    },
    Limit {
        name: "MAX_KEY_BUCKETS",
        value: MAX_KEY_BUCKETS as u64,
        what: "buckets a per-key `limit` holds at once (the nearest to full is forgotten first)",
    },
    Limit {
        name: "MAX_WORKERS",
        value: MAX_WORKERS as u64,
        what: "`workers` of one instance",
    },
    Limit {
        name: "MAX_QUEUE",
        value: MAX_QUEUE as u64,
        what: "`queue` places of one instance",
    },
    Limit {
        name: "MAX_USERS",
        value: MAX_USERS as u64,
        what: "`users` of one closed-loop client",
    },
    Limit {
        name: "MAX_TOTAL_USERS",
        value: MAX_TOTAL_USERS as u64,
        what: "`users` over all clients",
    },
    Limit {
        name: "MAX_ATTEMPTS",
        value: MAX_ATTEMPTS as u64,
        what: "`retry.max_attempts`",
    },
    Limit {
        name: "MAX_HEDGES",
        value: MAX_HEDGES as u64,
        what: "`hedge.max_extra`",
    },
    Limit {
        name: "MAX_BREAKER_CALLS",
        value: MAX_BREAKER_CALLS as u64,
        what: "`breaker.size` of a count window",
    },
    Limit {
        name: "MAX_BULKHEAD",
        value: MAX_BULKHEAD as u64,
        what: "`bulkhead.max_concurrent`",
    },
    Limit {
        name: "MAX_DEDUP_KEYS",
        value: MAX_DEDUP_KEYS as u64,
        what: "`dedup.capacity`",
    },
    Limit {
        name: "MAX_RECEIVES",
        value: MAX_RECEIVES as u64,
        what: "`max_receives` of a queue",
    },
    Limit {
        name: "MAX_PARTITIONS",
        value: MAX_PARTITIONS as u64,
        what: "`partitions` of a queue",
    },
    Limit {
        name: "MAX_QUEUE_CAPACITY",
        value: MAX_QUEUE_CAPACITY as u64,
        what: "`capacity` of a queue",
    },
    Limit {
        name: "MAX_CACHE_CAPACITY",
        value: MAX_CACHE_CAPACITY as u64,
        what: "`capacity` of a cache",
    },
    Limit {
        name: "MAX_KEYS",
        value: MAX_KEYS,
        what: "`keys.count` of a client",
    },
    Limit {
        name: "MAX_SERVICES",
        value: MAX_SERVICES as u64,
        what: "`[[service]]` sections of a file",
    },
    Limit {
        name: "MAX_CLIENTS",
        value: MAX_CLIENTS as u64,
        what: "`[[client]]` sections of a file",
    },
    Limit {
        name: "MAX_LINKS",
        value: MAX_LINKS as u64,
        what: "`[[link]]` sections of a file",
    },
    Limit {
        name: "MAX_QUEUES",
        value: MAX_QUEUES as u64,
        what: "`[[queue]]` sections of a file",
    },
    Limit {
        name: "MAX_CACHES",
        value: MAX_CACHES as u64,
        what: "`[[cache]]` sections of a file",
    },
    Limit {
        name: "MAX_PUBLISH",
        value: MAX_PUBLISH as u64,
        what: "entries of one `publish` array",
    },
    Limit {
        name: "MAX_SAGAS",
        value: MAX_SAGAS as u64,
        what: "`[[saga]]` sections of a file",
    },
    Limit {
        name: "MAX_SAGA_STEPS",
        value: MAX_SAGA_STEPS as u64,
        what: "steps of one saga",
    },
    Limit {
        name: "MAX_FAULTS",
        value: MAX_FAULTS as u64,
        what: "`[[fault]]` sections of a file",
    },
    Limit {
        name: "MAX_EXPECTATIONS",
        value: MAX_EXPECTATIONS as u64,
        what: "lines of `expect`",
    },
    Limit {
        name: "MAX_ENDPOINTS",
        value: MAX_ENDPOINTS as u64,
        what: "endpoints of one service",
    },
    Limit {
        name: "MAX_CALLS",
        value: MAX_CALLS as u64,
        what: "entries of one `calls` array",
    },
    Limit {
        name: "MAX_TOTAL_CALLS",
        value: MAX_TOTAL_CALLS as u64,
        what: "calls over all endpoints of a file",
    },
    Limit {
        name: "MAX_RATE_STEPS",
        value: MAX_RATE_STEPS as u64,
        what: "steps of one rate schedule",
    },
    Limit {
        name: "MAX_NAME_CHARS",
        value: MAX_NAME_CHARS as u64,
        what: "characters of a name",
    },
    Limit {
        name: "MAX_NESTING",
        value: MAX_NESTING as u64,
        what: "nesting of tables and arrays in a document",
    },
    Limit {
        name: "MAX_DIST_DEPTH",
        value: MAX_DIST_DEPTH as u64,
        what: "nesting of parentheses in a distribution",
    },
    Limit {
        name: "MAX_TIMESERIES_WINDOWS",
        value: MAX_TIMESERIES_WINDOWS,
        what: "timeseries windows of one run",
    },
    Limit {
        name: "MAX_TRACE_SPANS",
        value: MAX_TRACE_SPANS,
        what: "spans `dsim trace` records in one run",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_limit_is_listed_once() {
        let source = include_str!("limits.rs");
        let declared: Vec<&str> = source
            .lines()
            .filter_map(|l| l.strip_prefix("pub const MAX_"))
            .filter_map(|rest| rest.split(':').next())
            .collect();
        let listed: Vec<&str> = ALL.iter().map(|l| &l.name[4..]).collect();
        assert_eq!(declared, listed);
    }
}
