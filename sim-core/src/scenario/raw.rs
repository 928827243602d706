//! The scenario file as written: serde types that mirror its structure.
//!
//! They are the format's reference: [`schema`] turns them (and their doc
//! comments) into the JSON Schema that editors use for completion and hover
//! help, and the key lists below, which the loader checks files against, are
//! tested to match their fields. The loader itself reads the document tree
//! rather than these types, so that it can report every problem at once with
//! its place; serde would stop at the first.

use schemars::JsonSchema;
use serde::Deserialize;

/// The keys a table of the format accepts.
pub(crate) struct Keys {
    /// Keys the engine implements.
    pub supported: &'static [&'static str],
    /// Keys of the contract the engine does not implement yet: recognised
    /// (so that a misspelling is suggested them) and rejected.
    pub not_yet: &'static [&'static str],
    /// Whether these are the file's sections (messages then say `[[queue]]`).
    pub sections: bool,
}

impl Keys {
    /// Every key the format knows here.
    pub fn all(&self) -> impl Iterator<Item = &'static str> {
        self.supported.iter().chain(self.not_yet).copied()
    }
}

/// Policy keys of calls and clients.
const POLICY_KEYS: [&str; 10] = [
    "timeout",
    "retry",
    "budget",
    "breaker",
    "bulkhead",
    "limit",
    "hedge",
    "fallback",
    "deadline",
    "idempotency_key",
];

/// The sections of the file.
pub(crate) const TOP: Keys = Keys {
    supported: &[
        "$schema", "scenario", "network", "link", "client", "service", "fault",
    ],
    not_yet: &["queue", "saga"],
    sections: true,
};
/// `[scenario]`.
pub(crate) const SCENARIO: Keys = Keys {
    supported: &[
        "name",
        "description",
        "duration",
        "seed",
        "warmup",
        "expect",
    ],
    not_yet: &[],
    sections: false,
};
/// `[network]`.
pub(crate) const NETWORK: Keys = Keys {
    supported: &["latency", "loss", "duplicate"],
    not_yet: &[],
    sections: false,
};
/// `[[link]]`.
pub(crate) const LINK: Keys = Keys {
    supported: &["from", "to", "latency", "loss", "duplicate"],
    not_yet: &[],
    sections: false,
};
/// `[[client]]`.
pub(crate) const CLIENT: Keys = Keys {
    supported: &[
        "name",
        "target",
        "rate",
        "arrivals",
        "users",
        "think",
        POLICY_KEYS[0],
        POLICY_KEYS[1],
        POLICY_KEYS[2],
        POLICY_KEYS[3],
        POLICY_KEYS[4],
        POLICY_KEYS[5],
        POLICY_KEYS[6],
        POLICY_KEYS[7],
        POLICY_KEYS[8],
        POLICY_KEYS[9],
    ],
    not_yet: &[],
    sections: false,
};
/// One `{ at, rate }` step of a rate schedule.
pub(crate) const STEP: Keys = Keys {
    supported: &["at", "rate"],
    not_yet: &[],
    sections: false,
};
/// `[[service]]`.
pub(crate) const SERVICE: Keys = Keys {
    supported: &[
        "name",
        "instances",
        "balancer",
        "workers",
        "queue",
        "discipline",
        "service_time",
        "error_rate",
        "calls",
        "parallel",
        "blocking",
        "endpoint",
        "dedup",
        "effect",
        "idempotent",
        "shed",
        "limit",
        "outlier",
    ],
    not_yet: &["publish", "consumes"],
    sections: false,
};
/// `[[service.endpoint]]`.
pub(crate) const ENDPOINT: Keys = Keys {
    supported: &[
        "name",
        "service_time",
        "error_rate",
        "calls",
        "parallel",
        "blocking",
        "effect",
        "idempotent",
    ],
    not_yet: &["publish", "consumes"],
    sections: false,
};
/// `dedup = { ... }` of a service.
pub(crate) const DEDUP: Keys = Keys {
    supported: &["ttl", "capacity"],
    not_yet: &[],
    sections: false,
};
/// One entry of `calls`.
pub(crate) const CALL: Keys = Keys {
    supported: &[
        "to",
        POLICY_KEYS[0],
        POLICY_KEYS[1],
        POLICY_KEYS[2],
        POLICY_KEYS[3],
        POLICY_KEYS[4],
        POLICY_KEYS[5],
        POLICY_KEYS[6],
        POLICY_KEYS[7],
        POLICY_KEYS[8],
        POLICY_KEYS[9],
    ],
    not_yet: &[],
    sections: false,
};
/// `retry = { ... }`.
pub(crate) const RETRY: Keys = Keys {
    supported: &[
        "max_attempts",
        "backoff",
        "base",
        "multiplier",
        "cap",
        "jitter",
        "retry_on",
    ],
    not_yet: &[],
    sections: false,
};
/// `budget = { ... }`.
pub(crate) const BUDGET: Keys = Keys {
    supported: &["max_tokens", "token_ratio"],
    not_yet: &[],
    sections: false,
};
/// `breaker = { ... }`.
pub(crate) const BREAKER: Keys = Keys {
    supported: &[
        "window",
        "size",
        "min_calls",
        "failure_rate",
        "slow_call",
        "slow_call_rate",
        "open_for",
        "half_open_calls",
    ],
    not_yet: &[],
    sections: false,
};
/// `bulkhead = { ... }`.
pub(crate) const BULKHEAD: Keys = Keys {
    supported: &["max_concurrent", "max_wait"],
    not_yet: &[],
    sections: false,
};
/// `limit = { ... }`, on a caller or a service.
pub(crate) const LIMIT: Keys = Keys {
    supported: &["rate", "burst"],
    not_yet: &[],
    sections: false,
};
/// `hedge = { ... }`.
pub(crate) const HEDGE: Keys = Keys {
    supported: &["after", "max_extra"],
    not_yet: &[],
    sections: false,
};
/// `fallback = { ... }`.
pub(crate) const FALLBACK: Keys = Keys {
    supported: &["service_time"],
    not_yet: &[],
    sections: false,
};
/// `[[fault]]`.
pub(crate) const FAULT: Keys = Keys {
    supported: &["kind", "target", "at", "for", "factor", "rate", "latency"],
    not_yet: &[],
    sections: false,
};
/// `outlier = { ... }` of a service.
pub(crate) const OUTLIER: Keys = Keys {
    supported: &["consecutive_errors", "eject_for"],
    not_yet: &[],
    sections: false,
};
/// `shed = { ... }` of a service.
pub(crate) const SHED: Keys = Keys {
    supported: &["queue_wait"],
    not_yet: &[],
    sections: false,
};

/// Keys whose value is an array of tables whose elements a `--set` path
/// selects by index or name.
pub(crate) const ARRAYS: &[&str] = &[
    "link", "client", "service", "queue", "saga", "fault", "endpoint", "calls",
];

/// A JSON Schema (pretty JSON, draft-07 for the widest editor support) of the
/// scenario format, for editors: taplo / Even Better TOML, and JSON or YAML
/// language servers.
pub fn schema() -> String {
    let schema = schemars::generate::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<RawScenario>();
    let mut value = schema.to_value();
    drop_null(&mut value);
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

/// Removes `null` from the schema: an absent key is written by leaving it
/// out (TOML has no null, and the loader rejects JSON's).
fn drop_null(value: &mut serde_json::Value) {
    use serde_json::Value;
    let Value::Object(map) = value else {
        if let Value::Array(items) = value {
            items.iter_mut().for_each(drop_null);
        }
        return;
    };
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if let [only] = types.as_slice() {
            let only = only.clone();
            map.insert("type".to_string(), only);
        }
    }
    if let Some(Value::Array(options)) = map.get_mut("anyOf") {
        options.retain(|o| o.get("type").is_none_or(|t| t != "null"));
        if options.len() == 1 {
            // `allOf` keeps the description next to a lone `$ref` in draft-07.
            if let Some(options) = map.remove("anyOf") {
                map.insert("allOf".to_string(), options);
            }
        }
    }
    map.values_mut().for_each(drop_null);
}

/// A dsim scenario: a small distributed system, the load on it and what should hold.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// The schema this file follows (for editors; ignored by dsim).
    #[serde(rename = "$schema")]
    pub schema: Option<String>,
    /// Name, notes, duration, seed and expectations of the run.
    pub scenario: RawMeta,
    /// Defaults for every message between two nodes. Omitted: zero latency, no loss, no duplicates.
    pub network: Option<RawNetwork>,
    /// Overrides of the network defaults for one direction of one edge.
    #[serde(default)]
    pub link: Vec<RawLink>,
    /// Load generators.
    #[serde(default)]
    pub client: Vec<RawClient>,
    /// Services: replicas behind one name, serving requests.
    #[serde(default)]
    pub service: Vec<RawService>,
    /// broker queues and topics.
    #[serde(default)]
    pub queue: Vec<RawQueue>,
    /// sagas (services and sagas share one namespace of names).
    #[serde(default)]
    pub saga: Vec<RawSaga>,
    /// faults injected during the run.
    #[serde(default)]
    pub fault: Vec<RawFault>,
}

/// `[scenario]`: what the run is and what should hold.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    /// A title. Default: the file's name.
    pub name: Option<String>,
    /// Teaching notes in Markdown: what to look at and why.
    pub description: Option<String>,
    /// Simulated time to run. Required.
    pub duration: Duration,
    /// The default seed (`--seed` overrides it). Default: 1.
    #[schemars(range(min = 0))]
    pub seed: Option<i64>,
    /// Metrics ignore this prefix of the run. Default: 0s.
    pub warmup: Option<Duration>,
    /// What should hold, like `"success_rate(users) >= 0.99"` or `"p99(api, 30s..60s) < 1s"`.
    #[serde(default)]
    pub expect: Vec<String>,
}

/// A duration with a unit: `"250ms"`, `"1.5s"`, `"2m"`, `"100us"`, `"40ns"`, `"1h"`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Duration(
    #[schemars(regex(pattern = r"^\s*[0-9]*\.?[0-9]*\s*(ns|us|µs|ms|s|m|min|h)\s*$"))] pub String,
);

/// A distribution of durations: `"5ms"` constant, `"exp(5ms)"`, `"uniform(1ms, 9ms)"`,
/// `"normal(10ms, 2ms)"`, `"lognormal(p50=2ms, p99=40ms)"`, `"pareto(scale=1ms, shape=1.5)"`,
/// `"mix(0.95: exp(2ms), 0.05: 200ms)"`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Distribution(pub String);

/// A probability, from 0 to 1.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Probability(#[schemars(range(min = 0, max = 1))] pub f64);

/// `[network]`: defaults for every message between two nodes.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    /// One-way latency between any two nodes. Default: 0ms.
    pub latency: Option<Distribution>,
    /// Probability that a message is lost. Default: 0.
    pub loss: Option<Probability>,
    /// Probability that a message is delivered twice. Default: 0.
    pub duplicate: Option<Probability>,
}

/// `[[link]]`: overrides for one direction of one edge.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLink {
    /// The sending client or service.
    pub from: String,
    /// The receiving client or service.
    pub to: String,
    /// One-way latency on this link. Default: the network's.
    pub latency: Option<Distribution>,
    /// Probability that a message on this link is lost. Default: the network's.
    pub loss: Option<Probability>,
    /// Probability that a message on this link is delivered twice. Default: the network's.
    pub duplicate: Option<Probability>,
}

/// `[[client]]`: a load generator. Give it `rate` (open loop) or `users` (closed loop).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawClient {
    /// The client's name, unique among clients.
    pub name: String,
    /// A service (its `default` or first endpoint), or `"service.endpoint"`.
    pub target: String,
    /// Open loop: requests per second of simulated time, or a schedule of steps.
    pub rate: Option<Rate>,
    /// How open-loop requests arrive. Default: poisson.
    pub arrivals: Option<Arrivals>,
    /// Closed loop: this many users, each sending one request, waiting for its end, then thinking.
    #[schemars(range(min = 1))]
    pub users: Option<i64>,
    /// Closed loop: how long each user waits between requests. Default: 0ms.
    pub think: Option<Distribution>,
    #[serde(flatten)]
    pub policy: RawPolicy,
}

/// A client's request rate: a number, or steps `[{ at = "0s", rate = 200 }, { at = "30s", rate = 900 }]`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Rate {
    /// Requests per second, for the whole run.
    Constant(#[schemars(range(min = 0))] f64),
    /// Steps sorted by `at`; the rate is 0 before the first.
    Schedule(Vec<RawStep>),
}

/// One step of a rate schedule.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    /// From when this rate holds.
    pub at: Duration,
    /// Requests per second from then on.
    #[schemars(range(min = 0))]
    pub rate: f64,
}

/// How an open-loop client's requests arrive.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Arrivals {
    /// Independent arrivals: exponential gaps with mean 1/rate.
    Poisson,
    /// Evenly spaced, exactly 1/rate apart.
    Constant,
}

/// Caller-side policies, on a client or a call.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct RawPolicy {
    /// Give up on an attempt after this long. Default: no timeout.
    pub timeout: Option<Duration>,
    /// retry failed attempts.
    pub retry: Option<RawRetry>,
    /// retry throttling, gRPC A6 semantics.
    pub budget: Option<RawBudget>,
    /// a circuit breaker, Resilience4j semantics.
    pub breaker: Option<RawBreaker>,
    /// a cap on concurrent calls.
    pub bulkhead: Option<RawBulkhead>,
    /// a token bucket on the caller side.
    pub limit: Option<RawLimit>,
    /// send a second copy if the first is slow.
    pub hedge: Option<RawHedge>,
    /// answer "degraded" instead of failing.
    pub fallback: Option<RawFallback>,
    /// propagate the remaining timeout downstream.
    pub deadline: Option<bool>,
    /// retries and duplicates carry the same key.
    pub idempotency_key: Option<bool>,
}

/// retry failed attempts.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRetry {
    /// Attempts in all, the first included.
    pub max_attempts: Option<i64>,
    /// none | constant | exponential.
    pub backoff: Option<String>,
    /// The first backoff.
    pub base: Option<Duration>,
    /// Growth of an exponential backoff. Default: 2.
    pub multiplier: Option<f64>,
    /// The longest backoff.
    pub cap: Option<Duration>,
    /// none | full | equal | decorrelated.
    pub jitter: Option<String>,
    /// Causes to retry. Default: timeout, error, rejected, refused.
    pub retry_on: Option<Vec<String>>,
}

/// retry throttling, gRPC A6 semantics.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBudget {
    pub max_tokens: Option<f64>,
    pub token_ratio: Option<f64>,
}

/// a circuit breaker, Resilience4j semantics.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBreaker {
    /// count | time.
    pub window: Option<String>,
    /// Calls (count window) or a duration (time window).
    pub size: Option<serde_json::Value>,
    pub min_calls: Option<i64>,
    pub failure_rate: Option<f64>,
    pub slow_call: Option<Duration>,
    pub slow_call_rate: Option<f64>,
    pub open_for: Option<Duration>,
    pub half_open_calls: Option<i64>,
}

/// a cap on concurrent calls.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBulkhead {
    pub max_concurrent: Option<i64>,
    pub max_wait: Option<Duration>,
}

/// a token bucket.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLimit {
    pub rate: Option<f64>,
    pub burst: Option<i64>,
}

/// send a second copy if the first is slow.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawHedge {
    pub after: Option<Duration>,
    pub max_extra: Option<i64>,
}

/// answer "degraded" instead of failing.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFallback {
    pub service_time: Option<Distribution>,
}

/// `[[service]]`: replicas behind one name.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    /// The service's name, unique among services.
    pub name: String,
    /// Replicas behind the service's name. Default: 1.
    #[schemars(range(min = 1))]
    pub instances: Option<i64>,
    /// How a request picks an instance. Default: round_robin.
    pub balancer: Option<Balancer>,
    /// Requests served at once per instance. Default: 1.
    #[schemars(range(min = 1))]
    pub workers: Option<i64>,
    /// Waiting room per instance; when full, requests are rejected. Default: unbounded.
    #[schemars(range(min = 0))]
    pub queue: Option<i64>,
    /// The order in which an instance takes waiting requests. Default: fifo.
    pub discipline: Option<Discipline>,
    /// Endpoints; a service without any has one, `default`. Each inherits the
    /// service's per-request keys it does not set.
    #[serde(default)]
    pub endpoint: Vec<RawEndpoint>,
    /// drop requests that waited longer than this.
    pub shed: Option<RawShed>,
    /// an admission token bucket.
    pub limit: Option<RawLimit>,
    /// Passive health checking by the service's balancer (Envoy's outlier detection): an
    /// instance that fails `consecutive_errors` calls in a row is left out for `eject_for`.
    pub outlier: Option<RawOutlier>,
    /// Remember idempotency keys; repeats are answered, not re-applied. The key is checked and
    /// recorded with the effect, at the end of the work.
    pub dedup: Option<RawDedup>,
    #[serde(flatten)]
    pub request: RawRequest,
}

/// The per-request keys of a service, which its endpoints inherit.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct RawRequest {
    /// Local work per request. Required on the service or on each endpoint.
    pub service_time: Option<Distribution>,
    /// Probability that the local work fails. Default: 0.
    pub error_rate: Option<Probability>,
    /// Downstream calls made while serving a request, in order.
    pub calls: Option<Vec<RawCall>>,
    /// Make the calls at once instead of in order. Default: false.
    pub parallel: Option<bool>,
    /// A worker stays busy while it waits on calls. Default: true.
    pub blocking: Option<bool>,
    /// messages published to queues.
    pub publish: Option<Vec<RawPublish>>,
    /// the queue this consumes.
    pub consumes: Option<String>,
    /// A side effect (e.g. "charge") applied when a request succeeds, counted per logical request.
    pub effect: Option<String>,
    /// Copies of one logical request apply the effect once. Default: false (duplicates apply it again).
    pub idempotent: Option<bool>,
}

/// `[[service.endpoint]]`: one kind of request a service serves.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEndpoint {
    /// The endpoint's name, unique in its service; targets name it `"service.endpoint"`.
    pub name: String,
    #[serde(flatten)]
    pub request: RawRequest,
}

/// A downstream call: a target name, or a table with the target and the call's policies.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawCall {
    /// A service (its `default` or first endpoint), or `"service.endpoint"`.
    To(String),
    /// A target with policies.
    Call(Box<RawCallTable>),
}

/// A downstream call with its policies.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCallTable {
    /// A service (its `default` or first endpoint), or `"service.endpoint"`.
    pub to: String,
    #[serde(flatten)]
    pub policy: RawPolicy,
}

/// How a service picks the instance that serves a request.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Balancer {
    /// Each instance in turn.
    RoundRobin,
    /// An instance at random.
    Random,
    /// The instance with the fewest requests in service or waiting.
    LeastOutstanding,
    /// Power of two random choices: the less loaded of two random instances.
    P2c,
}

/// The order in which an instance takes waiting requests.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Discipline {
    /// First in, first out.
    Fifo,
    /// Last in, first out: the newest waiting request first.
    Lifo,
}

/// drop requests that waited too long.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawShed {
    pub queue_wait: Option<Duration>,
}

/// Outlier detection of a service.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOutlier {
    /// Failed calls in a row that eject an instance. Default: 5.
    #[schemars(range(min = 1))]
    pub consecutive_errors: Option<i64>,
    /// How long an ejected instance is left out. Default: 30s.
    pub eject_for: Option<Duration>,
}

/// A table of processed idempotency keys.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDedup {
    /// Keys older than this are forgotten. Default: 1h.
    pub ttl: Option<Duration>,
    /// At most this many keys are kept, the oldest evicted first. Default: 100000.
    #[schemars(range(min = 1))]
    pub capacity: Option<i64>,
}

/// a message published to a queue.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPublish {
    pub to: String,
    /// Never lost between commit and publish.
    pub outbox: Option<bool>,
}

/// a broker queue or topic.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawQueue {
    pub name: String,
    /// at_least_once | at_most_once.
    pub delivery: Option<String>,
    pub ack_timeout: Option<Duration>,
    pub max_receives: Option<i64>,
    pub dead_letter: Option<String>,
}

/// a saga.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSaga {
    pub name: String,
    /// orchestration | choreography.
    pub mode: Option<String>,
    pub steps: Vec<RawSagaStep>,
}

/// one step of a saga.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSagaStep {
    pub call: String,
    pub compensate: Option<String>,
    pub pivot: Option<bool>,
    pub retry: Option<RawRetry>,
}

/// A fault: what goes wrong, where and when.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    /// crash | pause | slowdown | capacity | error_rate | latency | loss | duplicate | partition.
    pub kind: String,
    /// A service (every instance; for network kinds every link into it), `"db#2"` for one
    /// instance (numbered from 0), or a link `"api->db"` (a partition cuts both directions).
    pub target: String,
    /// When it starts.
    pub at: Duration,
    /// How long it lasts. Omitted: until the end.
    #[serde(rename = "for")]
    pub for_: Option<Duration>,
    /// slowdown: service times x factor; capacity: workers x factor (0.5 = half).
    #[schemars(range(min = 0))]
    pub factor: Option<f64>,
    /// error_rate, loss, duplicate: a probability.
    pub rate: Option<Probability>,
    /// latency: extra one-way delay on the link(s).
    pub latency: Option<Duration>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemars::Schema;

    /// The property names of a type's schema, flattened fields included.
    fn properties<T: JsonSchema>() -> Vec<String> {
        let schema: Schema = schemars::schema_for!(T);
        let mut keys: Vec<String> = schema
            .get("properties")
            .and_then(|p| p.as_object())
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        keys.sort();
        keys
    }

    fn sorted(keys: &Keys) -> Vec<String> {
        let mut all: Vec<String> = keys.all().map(String::from).collect();
        all.sort();
        all
    }

    #[test]
    fn key_lists_match_the_types() {
        assert_eq!(properties::<RawScenario>(), sorted(&TOP));
        assert_eq!(properties::<RawMeta>(), sorted(&SCENARIO));
        assert_eq!(properties::<RawNetwork>(), sorted(&NETWORK));
        assert_eq!(properties::<RawLink>(), sorted(&LINK));
        assert_eq!(properties::<RawClient>(), sorted(&CLIENT));
        assert_eq!(properties::<RawStep>(), sorted(&STEP));
        assert_eq!(properties::<RawService>(), sorted(&SERVICE));
        assert_eq!(properties::<RawEndpoint>(), sorted(&ENDPOINT));
        assert_eq!(properties::<RawCallTable>(), sorted(&CALL));
        assert_eq!(properties::<RawFault>(), sorted(&FAULT));
    }

    #[test]
    fn the_contract_example_fits_the_types() {
        let text = r#"
[scenario]
name = "Retry storm"
description = "notes"
duration = "120s"
seed = 42
warmup = "10s"
expect = ["p99(users) < 250ms"]

[network]
latency = "exp(0.5ms)"
loss = 0.0
duplicate = 0.0

[[link]]
from = "api"
to = "db"
latency = "2ms"

[[client]]
name = "users"
target = "api"
rate = [ { at = "0s", rate = 200 }, { at = "30s", rate = 900 } ]
arrivals = "constant"
timeout = "1s"
retry = { max_attempts = 3, backoff = "exponential", base = "20ms", multiplier = 2.0, cap = "2s", jitter = "full", retry_on = ["timeout"] }
budget = { max_tokens = 10, token_ratio = 0.1 }
breaker = { window = "count", size = 20, min_calls = 10, failure_rate = 0.5, slow_call = "1s", slow_call_rate = 1.0, open_for = "5s", half_open_calls = 3 }
bulkhead = { max_concurrent = 10, max_wait = "0ms" }
limit = { rate = 100, burst = 20 }
hedge = { after = "50ms", max_extra = 1 }
fallback = { service_time = "1ms" }
deadline = true
idempotency_key = true

[[service]]
name = "api"
instances = 1
balancer = "least_outstanding"
workers = 8
queue = 1000
discipline = "lifo"
service_time = "exp(5ms)"
error_rate = 0.0
calls = ["auth", { to = "db", timeout = "200ms", retry = { max_attempts = 3 } }]
parallel = true
blocking = true
shed = { queue_wait = "100ms" }
dedup = { ttl = "1h", capacity = 100000 }

[[service.endpoint]]
name = "charge"
service_time = "exp(20ms)"
effect = "charge"
idempotent = false
calls = []
publish = [ { to = "orders", outbox = true } ]

[[queue]]
name = "orders"
delivery = "at_least_once"
ack_timeout = "30s"
max_receives = 5
dead_letter = "orders-dlq"

[[saga]]
name = "checkout"
mode = "orchestration"
steps = [ { call = "inventory.reserve", compensate = "inventory.release" } ]

[[fault]]
kind = "slowdown"
target = "db"
at = "30s"
for = "10s"
factor = 5.0
"#;
        let raw: RawScenario = toml::from_str(text).unwrap();
        assert_eq!(raw.service[0].endpoint[0].name, "charge");
        assert!(matches!(raw.client[0].rate, Some(Rate::Schedule(ref s)) if s.len() == 2));
        assert!(matches!(
            raw.service[0].request.calls.as_deref(),
            Some([RawCall::To(_), RawCall::Call(_)])
        ));
        assert_eq!(
            raw.fault[0].for_.as_ref().map(|d| d.0.as_str()),
            Some("10s")
        );
    }

    #[test]
    fn schema_is_json_with_descriptions() {
        let text = schema();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["$schema"], "http://json-schema.org/draft-07/schema#");
        let service_time = &value["definitions"]["RawService"]["properties"]["service_time"];
        assert_eq!(
            service_time,
            &serde_json::json!({
                "description": "Local work per request. Required on the service or on each endpoint.",
                "allOf": [{ "$ref": "#/definitions/Distribution" }]
            })
        );
        let workers = &value["definitions"]["RawService"]["properties"]["workers"];
        assert_eq!(workers["type"], "integer");
        assert_eq!(workers["minimum"], 1);
        assert_eq!(value["required"], serde_json::json!(["scenario"]));
        assert!(!text.contains("null"));
    }
}
