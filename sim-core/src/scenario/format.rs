//! The scenario format, described once: every table, its keys, and each
//! key's value, default, limit and one-line doc.
//!
//! The loader checks keys (and "did you mean") and reads integer bounds
//! from here, [`super::schema()`] turns it into the JSON Schema for editors,
//! and [`super::reference()`] into the Markdown reference page; so what
//! the loader accepts, what editors complete and what the page documents
//! cannot drift apart.

use crate::limits;

/// What a key's value is.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    /// Any string.
    String,
    /// A name: letters, digits, `_` and `-`, at most [`limits::MAX_NAME_CHARS`].
    Name,
    /// `"service"` or `"service.endpoint"`.
    Target,
    /// The name of a declared `[[service]]`.
    Service,
    /// A client, a service, a queue, a cache or a saga.
    Node,
    /// The name of a declared `[[queue]]`.
    Queue,
    /// The name of a declared `[[cache]]`.
    Cache,
    /// `"db"`, `"db#2"`, `"api->db"` or a queue.
    FaultTarget,
    /// `"uniform"` or `"zipf(S)"`: how often each key is drawn.
    Popularity,
    Bool,
    /// `"250ms"`.
    Duration,
    /// `"exp(5ms)"`.
    Distribution,
    /// A number from 0 to 1.
    Probability,
    /// An array of numbers from 0 to 1, at least one.
    Shares,
    /// Per second, from 0 to [`limits::MAX_RATE`].
    Rate,
    /// A number from `min` to `max` (infinite: no upper bound).
    Number {
        min: f64,
        max: f64,
    },
    Integer(Int),
    /// One word of a closed set.
    Choice(&'static [&'static str]),
    /// An array of words of a closed set.
    Choices(&'static [&'static str]),
    /// An array of expectation lines, at most `max`.
    Expectations {
        max: usize,
    },
    /// An inline table.
    Table(&'static Table),
    /// An array of tables, at most `max` of them.
    Tables {
        table: &'static Table,
        max: usize,
    },
    /// `calls`: target strings or call tables, at most [`limits::MAX_CALLS`].
    Calls,
    /// A rate, or a schedule of `{ at, rate }` steps.
    RateSchedule,
    /// A breaker window's size: calls, or a duration for a time window.
    WindowSize,
}

/// The bounds of an integer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Int {
    pub min: i64,
    pub max: i64,
    /// When `max` is one of [`limits`], what it counts per ("per service");
    /// `None` when the bounds are the value's meaning.
    pub per: Option<&'static str>,
}

/// One key of a table.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Key {
    pub name: &'static str,
    pub kind: Kind,
    /// One line: what the key does.
    pub doc: &'static str,
    /// The value when the key is omitted, as the reference page says it.
    pub default: Option<&'static str>,
    pub required: bool,
    /// A valid value, as TOML: for the reference page and for the test
    /// that the loader accepts every key the schema offers.
    pub example: &'static str,
}

/// One table of the format, a section or an inline table.
#[derive(Debug)]
pub(crate) struct Table {
    /// Names it in the schema's definitions and the page's anchors.
    pub id: &'static str,
    /// How the reference page heads it: `[[service]]`, `retry = { … }`.
    pub title: &'static str,
    pub doc: &'static str,
    /// Its keys, in groups (the policy keys are shared by clients and calls).
    pub groups: &'static [&'static [Key]],
    /// Whether these are the file's sections (messages then say `[[queue]]`).
    pub sections: bool,
}

impl Table {
    /// Every key.
    pub fn keys(&self) -> impl Iterator<Item = &'static Key> + '_ {
        self.groups.iter().flat_map(|g| g.iter())
    }

    /// The key called `name`.
    pub fn key(&self, name: &str) -> Option<&'static Key> {
        self.keys().find(|k| k.name == name)
    }
}

const fn key(name: &'static str, kind: Kind, doc: &'static str, example: &'static str) -> Key {
    Key {
        name,
        kind,
        doc,
        default: None,
        required: false,
        example,
    }
}

impl Key {
    const fn or(mut self, default: &'static str) -> Key {
        self.default = Some(default);
        self
    }

    const fn required(mut self) -> Key {
        self.required = true;
        self
    }
}

/// The largest count the model holds.
const U32: i64 = u32::MAX as i64;

/// An integer from `min` to `max`, where the bounds are its meaning.
const fn int(min: i64, max: i64) -> Kind {
    Kind::Integer(Int {
        min,
        max,
        per: None,
    })
}

/// A count from `min` to the limit `max` (`per` says of what).
const fn limited(min: i64, max: u32, per: &'static str) -> Kind {
    Kind::Integer(Int {
        min,
        max: max as i64,
        per: Some(per),
    })
}

/// The size of a breaker's count window: calls, up to the limit.
pub(crate) const WINDOW_CALLS: Int = Int {
    min: 1,
    max: limits::MAX_BREAKER_CALLS as i64,
    per: Some("per breaker"),
};

/// The file's sections.
pub(crate) static TOP: Table = Table {
    id: "scenario-file",
    title: "Sections",
    doc: "A dsim scenario: a small distributed system, the load on it and what should hold.",
    groups: &[&[
        key(
            "$schema",
            Kind::String,
            "The schema this file follows (for editors; ignored by dsim).",
            "\"dsim.schema.json\"",
        ),
        key(
            "scenario",
            Kind::Table(&SCENARIO),
            "Name, notes, duration, seed and expectations of the run.",
            "",
        )
        .required(),
        key(
            "network",
            Kind::Table(&NETWORK),
            "Defaults for every message between two nodes.",
            "",
        )
        .or("zero latency, no loss, no duplicates"),
        key(
            "link",
            Kind::Tables {
                table: &LINK,
                max: limits::MAX_LINKS,
            },
            "Overrides of the network defaults for one direction of one edge.",
            "",
        ),
        key(
            "client",
            Kind::Tables {
                table: &CLIENT,
                max: limits::MAX_CLIENTS,
            },
            "Load generators.",
            "",
        ),
        key(
            "service",
            Kind::Tables {
                table: &SERVICE,
                max: limits::MAX_SERVICES,
            },
            "Services: replicas behind one name, serving requests.",
            "",
        ),
        key(
            "queue",
            Kind::Tables {
                table: &QUEUE,
                max: limits::MAX_QUEUES,
            },
            "Broker queues and topics: endpoints publish to them and consume from them.",
            "",
        ),
        key(
            "cache",
            Kind::Tables {
                table: &CACHE,
                max: limits::MAX_CACHES,
            },
            "Look-aside caches: calls `via` a cache look their request's key up first.",
            "",
        ),
        key(
            "fault",
            Kind::Tables {
                table: &FAULT,
                max: limits::MAX_FAULTS,
            },
            "Faults injected during the run.",
            "",
        ),
        key(
            "saga",
            Kind::Tables {
                table: &SAGA,
                max: limits::MAX_SAGAS,
            },
            "Sagas: steps with compensations, orchestrated, choreographed, or two-phase for contrast.",
            "",
        ),
        key(
            "deploy",
            Kind::Tables {
                table: &DEPLOY,
                max: limits::MAX_SERVICES,
            },
            "Deployments of a new version: rolling, canary or blue-green, with automated rollback.",
            "",
        ),
    ]],
    sections: true,
};

/// `[scenario]`.
pub(crate) static SCENARIO: Table = Table {
    id: "scenario",
    title: "[scenario]",
    doc: "What the run is and what should hold.",
    groups: &[&[
        key("name", Kind::String, "A title.", "\"Retry storm\"").or("the file's name"),
        key(
            "description",
            Kind::String,
            "Teaching notes in Markdown: what to look at and why.",
            "\"notes\"",
        )
        .or("empty"),
        key(
            "duration",
            Kind::Duration,
            "Simulated time to run.",
            "\"120s\"",
        )
        .required(),
        key(
            "seed",
            int(0, i64::MAX),
            "The default seed; `--seed` overrides it.",
            "42",
        )
        .or("1"),
        key(
            "warmup",
            Kind::Duration,
            "Metrics ignore this prefix of the run.",
            "\"10s\"",
        )
        .or("0s"),
        key(
            "expect",
            Kind::Expectations {
                max: limits::MAX_EXPECTATIONS,
            },
            "What should hold, like `\"p99(users) < 250ms\"`.",
            "[\"p99(users) < 250ms\"]",
        )
        .or("nothing"),
    ]],
    sections: false,
};

/// `[network]`.
pub(crate) static NETWORK: Table = Table {
    id: "network",
    title: "[network]",
    doc: "Defaults for every message between two nodes.",
    groups: &[&[
        key(
            "latency",
            Kind::Distribution,
            "One-way latency between any two nodes.",
            "\"exp(0.5ms)\"",
        )
        .or("0ms"),
        key(
            "loss",
            Kind::Probability,
            "Probability that a message is lost.",
            "0.01",
        )
        .or("0"),
        key(
            "duplicate",
            Kind::Probability,
            "Probability that a message is delivered twice.",
            "0.01",
        )
        .or("0"),
    ]],
    sections: false,
};

/// `[[link]]`.
pub(crate) static LINK: Table = Table {
    id: "link",
    title: "[[link]]",
    doc: "Overrides of the network defaults for one direction of one edge.",
    groups: &[&[
        key(
            "from",
            Kind::Node,
            "The sending client, service or queue.",
            "\"api\"",
        )
        .required(),
        key(
            "to",
            Kind::Node,
            "The receiving client, service or queue.",
            "\"db\"",
        )
        .required(),
        key(
            "latency",
            Kind::Distribution,
            "One-way latency on this link.",
            "\"2ms\"",
        )
        .or("the network's"),
        key(
            "loss",
            Kind::Probability,
            "Probability that a message on this link is lost.",
            "0.1",
        )
        .or("the network's"),
        key(
            "duplicate",
            Kind::Probability,
            "Probability that a message on this link is delivered twice.",
            "0.1",
        )
        .or("the network's"),
    ]],
    sections: false,
};

/// Caller-side policies a saga's step takes too, on a client or a call.
pub(crate) const POLICY: &[Key] = &[
    key(
        "timeout",
        Kind::Duration,
        "Give up on an attempt after this long.",
        "\"1s\"",
    )
    .or("no timeout"),
    key("retry", Kind::Table(&RETRY), "Retry failed attempts.", "").or("no retries"),
    key(
        "budget",
        Kind::Table(&BUDGET),
        "Retry throttling, gRPC A6 semantics.",
        "",
    )
    .or("no budget"),
    key(
        "breaker",
        Kind::Table(&BREAKER),
        "A circuit breaker, Resilience4j semantics.",
        "",
    )
    .or("no breaker"),
    key(
        "bulkhead",
        Kind::Table(&BULKHEAD),
        "A cap on concurrent calls.",
        "",
    )
    .or("no cap"),
    key(
        "limit",
        Kind::Table(&LIMIT),
        "A token bucket on the caller side.",
        "",
    )
    .or("no limit"),
    key(
        "hedge",
        Kind::Table(&HEDGE),
        "Send another copy if the first is slow.",
        "",
    )
    .or("no hedging"),
    key(
        "deadline",
        Kind::Bool,
        "Propagate the remaining timeout downstream.",
        "true",
    )
    .or("false"),
];

/// Caller-side policies of clients and calls that a saga's step does not
/// take: a step cannot answer "degraded", and always carries its key.
pub(crate) const CALLER_ONLY: &[Key] = &[
    key(
        "fallback",
        Kind::Table(&FALLBACK),
        "Answer \"degraded\" instead of failing.",
        "",
    )
    .or("no fallback"),
    key(
        "idempotency_key",
        Kind::Bool,
        "Retries and duplicates carry the same key.",
        "true",
    )
    .or("false"),
];

/// `[[client]]`.
pub(crate) static CLIENT: Table = Table {
    id: "client",
    title: "[[client]]",
    doc: "A load generator: `rate` for an open loop, `users` for a closed loop. Takes every policy key.",
    groups: &[
        &[
            key("name", Kind::Name, "The client's name, unique among clients.", "\"users\"").required(),
            key("target", Kind::Target, "A service (its `default` or first endpoint), or `\"service.endpoint\"`.", "\"api\"").required(),
            key("rate", Kind::RateSchedule, "Open loop: requests per second of simulated time, or a schedule of `{ at, rate }` steps.", "800"),
            key("arrivals", Kind::Choice(&["poisson", "constant"]), "How open-loop requests arrive.", "\"constant\"").or("poisson"),
            key("users", limited(1, limits::MAX_USERS, "per client"), "Closed loop: users, each sending a request, waiting for its end, then thinking.", "10"),
            key("think", Kind::Distribution, "Closed loop: how long each user waits between requests.", "\"exp(1s)\"").or("0ms"),
            key("keys", Kind::Table(&KEYS), "The keys its requests carry, one each; a key travels with every call and message the request causes.", "").or("one key, 0"),
        ],
        POLICY,
        CALLER_ONLY,
    ],
    sections: false,
};

/// One step of a rate schedule.
pub(crate) static STEP: Table = Table {
    id: "step",
    title: "rate = [{ at, rate }, …]",
    doc: "One step of a client's rate schedule; before the first step the rate is 0.",
    groups: &[&[
        key("at", Kind::Duration, "When this rate starts.", "\"30s\"").required(),
        key(
            "rate",
            Kind::Rate,
            "Requests per second from then on.",
            "900",
        )
        .required(),
    ]],
    sections: false,
};

/// The per-request keys of a service, which its endpoints inherit.
pub(crate) const REQUEST: &[Key] = &[
    key(
        "service_time",
        Kind::Distribution,
        "Local work per request. Required on the service or on each endpoint.",
        "\"exp(5ms)\"",
    ),
    key(
        "error_rate",
        Kind::Probability,
        "Probability that the local work fails.",
        "0.01",
    )
    .or("0"),
    key(
        "calls",
        Kind::Calls,
        "Downstream calls made while serving a request: targets, or `{ to, policies… }`.",
        "[\"db\"]",
    )
    .or("none"),
    key(
        "parallel",
        Kind::Bool,
        "Make the calls at once instead of in order.",
        "true",
    )
    .or("false"),
    key(
        "blocking",
        Kind::Bool,
        "A worker stays busy while it waits on calls.",
        "false",
    )
    .or("true"),
    key(
        "effect",
        Kind::Name,
        "A side effect applied when a request succeeds, counted per logical request.",
        "\"charge\"",
    )
    .or("none"),
    key(
        "idempotent",
        Kind::Bool,
        "Copies of one logical request apply the effect once.",
        "true",
    )
    .or("false"),
    key(
        "publish",
        Kind::Tables {
            table: &PUBLISH,
            max: limits::MAX_PUBLISH,
        },
        "Messages published to queues when a request succeeds, one per entry.",
        "",
    )
    .or("none"),
    key(
        "consumes",
        Kind::Queue,
        "The queue whose messages this serves. Set on a service, it goes to the first endpoint that does not set its own; a queue has one consumer in the whole file.",
        "\"orders\"",
    )
    .or("none"),
];

/// One entry of `publish`.
pub(crate) static PUBLISH: Table = Table {
    id: "publish",
    title: "publish = [{ to, outbox }]",
    doc: "A message to a queue, published when a request succeeds; it carries the request's key.",
    groups: &[&[
        key("to", Kind::Queue, "The queue, declared with `[[queue]]`.", "\"orders\"").required(),
        key(
            "outbox",
            Kind::Bool,
            "Store the message with the local commit and let a relay publish it, retrying: never lost. `false` publishes after the commit (a dual write), lost if the instance crashes or the queue is unreachable then.",
            "true",
        )
        .or("false"),
    ]],
    sections: false,
};

/// `keys = { … }` of a client.
pub(crate) static KEYS: Table = Table {
    id: "keys",
    title: "keys = { … }",
    doc: "The keys a client's requests carry: keys decide cache hits, partitions and per-key limits.",
    groups: &[&[
        key(
            "count",
            Kind::Integer(Int {
                min: 1,
                max: limits::MAX_KEYS as i64,
                per: Some("per client"),
            }),
            "Keys are 0 to count - 1.",
            "10000",
        )
        .or("1"),
        key(
            "popularity",
            Kind::Popularity,
            "How often each key is drawn: `\"uniform\"`, or `\"zipf(S)\"` where key k (from 0) has weight 1 / (k + 1)^S, S more than 0.",
            "\"zipf(1.1)\"",
        )
        .or("uniform"),
    ]],
    sections: false,
};

/// `[[queue]]`.
pub(crate) static QUEUE: Table = Table {
    id: "queue",
    title: "[[queue]]",
    doc: "A broker queue or topic. Queues share the namespace of services, and are named unlike any client.",
    groups: &[&[
        key("name", Kind::Name, "The queue's name, unique among queues and services.", "\"orders\"").required(),
        key("delivery", Kind::Choice(&["at_least_once", "at_most_once"]), "`at_least_once` acks after the work succeeds and redelivers on failure, crash or `ack_timeout`; `at_most_once` acks on receipt.", "\"at_most_once\"").or("at_least_once"),
        key("ack_timeout", Kind::Duration, "A delivery not acked within this is redelivered (at least once); more than 0.", "\"5s\"").or("30s"),
        key("max_receives", limited(1, limits::MAX_RECEIVES, "per message"), "Receives after which an unacked message goes to `dead_letter`.", "5").or("unlimited"),
        key("dead_letter", Kind::Name, "Where dead letters go: another declared queue, or any other name (a sink that counts them).", "\"orders-dlq\"").or("counted only"),
        key("partitions", limited(1, limits::MAX_PARTITIONS, "per queue"), "Ordered partitions by the message's key, one consumer instance each at a time.", "4").or("one unordered queue, competing consumers"),
        key("capacity", limited(1, limits::MAX_QUEUE_CAPACITY, "per queue"), "Messages held at most; publishing to a full queue is `rejected`.", "100000").or("unbounded"),
    ]],
    sections: false,
};

/// `[[cache]]`.
pub(crate) static CACHE: Table = Table {
    id: "cache",
    title: "[[cache]]",
    doc: "A look-aside cache. A call `via` it looks its request's key up first: a fresh entry answers after `hit_time`; a miss makes the call with all its policies, and a success fills the entry. Caches share the namespace of services, and are named unlike any client.",
    groups: &[&[
        key("name", Kind::Name, "The cache's name, unique among caches, queues and services.", "\"sessions\"").required(),
        key("capacity", limited(1, limits::MAX_CACHE_CAPACITY, "per cache"), "Keys held at most; the least recently used are evicted.", "10000").or("unlimited"),
        key("ttl", Kind::Distribution, "How long a filled entry stays fresh, drawn at each fill: a distribution such as `\"uniform(50s, 70s)\"` jitters expiry.", "\"60s\"").required(),
        key("hit_time", Kind::Distribution, "A lookup's time on a worker, hit or miss (the round trip to the cache included).", "\"0.5ms\"").or("0ms"),
        key("workers", limited(1, limits::MAX_WORKERS, "per cache"), "Lookups served at once; the others wait in order.", "64").or("unlimited"),
        key("single_flight", Kind::Bool, "Concurrent misses of one key wait for the first one's fill and all get its answer.", "true").or("false"),
        key("refresh_ahead", Kind::Duration, "A hit within this of its entry's expiry answers and refreshes the entry in the background, once.", "\"10s\"").or("none"),
    ]],
    sections: false,
};

/// `[[service]]`.
pub(crate) static SERVICE: Table = Table {
    id: "service",
    title: "[[service]]",
    doc: "Replicas behind one name, serving requests. Its per-request keys are inherited by its endpoints.",
    groups: &[
        &[
            key("name", Kind::Name, "The service's name, unique among services.", "\"api\"").required(),
            key("instances", limited(1, limits::MAX_INSTANCES, "per service"), "Replicas behind the service's name.", "3").or("1"),
            key("balancer", Kind::Choice(&["round_robin", "random", "least_outstanding", "p2c", "hash"]), "How a request picks an instance; `hash`: consistent hashing of the request's key, so a key always goes to the same instance and losing an instance moves only its own keys.", "\"p2c\"").or("round_robin"),
            key("vnodes", limited(1, limits::MAX_VNODES, "per instance"), "Points per instance on a `hash` balancer's ring: more points, more even shares (an instance's share varies by about 1/sqrt(vnodes)).", "100").or("100"),
            key("workers", limited(1, limits::MAX_WORKERS, "per instance"), "Requests served at once per instance.", "8").or("1"),
            key("queue", limited(0, limits::MAX_QUEUE, "per instance"), "Waiting room per instance; when full, requests are rejected.", "1000").or("unbounded"),
            key("discipline", Kind::Choice(&["fifo", "lifo"]), "The order in which an instance takes waiting requests.", "\"lifo\"").or("fifo"),
            key("endpoint", Kind::Tables { table: &ENDPOINT, max: limits::MAX_ENDPOINTS }, "Endpoints; a service without any has one, `default`.", "").or("one, `default`"),
            key("shed", Kind::Table(&SHED), "Drop requests that waited too long.", "").or("no shedding"),
            key("limit", Kind::Table(&LIMIT), "An admission token bucket.", "").or("no limit"),
            key("outlier", Kind::Table(&OUTLIER), "Passive health checking by the balancer (Envoy's outlier detection).", "").or("none"),
            key("dedup", Kind::Table(&DEDUP), "Remember idempotency keys; repeats are answered, not re-applied.", "").or("none"),
            key("startup", Kind::Duration, "How long a started or restarted instance takes before it serves (a cold start); the instances of the first moment are already up.", "\"20s\"").or("0s"),
            key("health", Kind::Table(&HEALTH), "Health checks from the balancer: readiness (remove) or liveness (restart).", "").or("none"),
            key("autoscale", Kind::Table(&AUTOSCALE), "Instances added and removed to hold a metric at a target.", "").or("none"),
        ],
        REQUEST,
    ],
    sections: false,
};

/// `[[service.endpoint]]`.
pub(crate) static ENDPOINT: Table = Table {
    id: "endpoint",
    title: "[[service.endpoint]]",
    doc: "One kind of request a service serves; it inherits the service's per-request keys it does not set.",
    groups: &[
        &[key("name", Kind::Name, "The endpoint's name, unique in its service; targets name it `\"service.endpoint\"`.", "\"charge\"").required()],
        REQUEST,
    ],
    sections: false,
};

/// One entry of `calls` written as a table.
pub(crate) static CALL: Table = Table {
    id: "call",
    title: "calls = [{ to, … }]",
    doc: "A downstream call with its policies; `\"db\"` alone is a call without policies.",
    groups: &[
        &[key(
            "to",
            Kind::Target,
            "A service (its `default` or first endpoint), or `\"service.endpoint\"`.",
            "\"db\"",
        )
        .required(),
        key(
            "via",
            Kind::Cache,
            "A `[[cache]]` to look the request's key up in first: a hit answers from it, a miss makes the call and its success fills the entry.",
            "\"sessions\"",
        )
        .or("no cache")],
        POLICY,
        CALLER_ONLY,
    ],
    sections: false,
};

/// `[[saga]]`.
pub(crate) static SAGA: Table = Table {
    id: "saga",
    title: "[[saga]]",
    doc: "A saga: steps done in order, each undone by its compensation if a later step fails. A client whose `target` names the saga starts one per request. Sagas share the namespace of services and queues.",
    groups: &[&[
        key("name", Kind::Name, "The saga's name, unique among sagas, services and queues; faults on it strike its orchestrator.", "\"checkout\"").required(),
        key("mode", Kind::Choice(&["orchestration", "choreography", "two_phase"]), "`orchestration`: an orchestrator calls each step and keeps a durable log. `choreography`: no orchestrator; each step's trigger is a message on the queue `SAGA.STEP` (steps numbered from 0) consumed by the step's endpoint, whose success publishes the next step's trigger, and whose failure (after `retry.max_attempts` deliveries; past the pivot, never) publishes the trigger of the previous step's compensation on `SAGA.STEP.undo`; each compensation's success triggers the one before it. The queues are at least once with the defaults of a `[[queue]]`, unless a `[[queue]]` of that name sets them (and can be a fault target); the first trigger is put on `SAGA.0` by the client's request, which ends when the saga completes or is compensated. A step's other policies do not apply. `two_phase` (two-phase commit, for contrast): the coordinator (the saga's node) asks every step's endpoint to prepare, which then holds one worker of its instance until the decision; if all prepared it commits all (the effects apply then), else it aborts all. A crashed coordinator leaves the prepared participants blocked until it restarts. `compensate` and `pivot` do not apply.", "\"orchestration\"").or("orchestration"),
        key(
            "steps",
            Kind::Tables {
                table: &SAGA_STEP,
                max: limits::MAX_SAGA_STEPS,
            },
            "The steps, in order: at least one.",
            "",
        )
        .required(),
    ]],
    sections: false,
};

/// One entry of a saga's `steps`.
pub(crate) static SAGA_STEP: Table = Table {
    id: "saga_step",
    title: "steps = [{ call, compensate, pivot, … }]",
    doc: "One step of a saga with its policies. Its calls carry an idempotency key (the saga run and the step), the same for every resend, so a participant's `dedup` absorbs them. A compensation is retried, every second, until it succeeds.",
    groups: &[
        &[
            key("call", Kind::Target, "The endpoint that does the step.", "\"payments.charge\"").required(),
            key("compensate", Kind::Target, "The endpoint that undoes it; a step without one cannot be undone (an email sent).", "\"payments.refund\"").or("none"),
            key("pivot", Kind::Bool, "The point of no return: the steps after it are retried, every second, until they succeed, and never compensated. At most one step is the pivot.", "true").or("false"),
        ],
        POLICY,
    ],
    sections: false,
};

/// `retry = { … }`.
pub(crate) static RETRY: Table = Table {
    id: "retry",
    title: "retry = { … }",
    doc: "Retry failed attempts, with backoff as in \"Exponential Backoff And Jitter\" (AWS Architecture Blog, 2015).",
    groups: &[&[
        key("max_attempts", limited(1, limits::MAX_ATTEMPTS, "per call"), "Attempts in all, the first included.", "3").or("3"),
        key("backoff", Kind::Choice(&["none", "constant", "exponential"]), "How the wait before a retry grows.", "\"exponential\"").or("exponential"),
        key("base", Kind::Duration, "The first backoff.", "\"20ms\"").or("100ms"),
        key("multiplier", Kind::Number { min: 1.0, max: f64::INFINITY }, "Growth of an exponential backoff.", "2.0").or("2"),
        key("cap", Kind::Duration, "The longest backoff; not shorter than `base`.", "\"2s\"").or("10s"),
        key("jitter", Kind::Choice(&["none", "full", "equal", "decorrelated"]), "Randomisation of the backoff.", "\"full\"").or("none"),
        key("retry_on", Kind::Choices(&["error", "timeout", "rejected", "shed", "open", "refused"]), "Failure causes worth a retry.", "[\"timeout\", \"error\"]").or("timeout, error, rejected, refused"),
    ]],
    sections: false,
};

/// `budget = { … }`.
pub(crate) static BUDGET: Table = Table {
    id: "budget",
    title: "budget = { … }",
    doc: "Retry throttling with gRPC A6 semantics: retries and hedges spend tokens, successes earn `token_ratio`.",
    groups: &[&[
        key("max_tokens", int(1, 1000), "Tokens in the bucket, full at the start.", "10").required(),
        key("token_ratio", Kind::Number { min: 0.001, max: 1.0 }, "Tokens a success earns back, 0.001 to 1 in steps of 0.001.", "0.1").required(),
    ]],
    sections: false,
};

/// `breaker = { … }`.
pub(crate) static BREAKER: Table = Table {
    id: "breaker",
    title: "breaker = { … }",
    doc: "A circuit breaker of the edge caller->service, Resilience4j semantics.",
    groups: &[&[
        key(
            "window",
            Kind::Choice(&["count", "time"]),
            "What the sliding window holds: the last calls, or a span of time.",
            "\"count\"",
        )
        .or("count"),
        key(
            "size",
            Kind::WindowSize,
            "Calls in a count window, or a duration for a time window.",
            "20",
        )
        .or("100 calls, or 60s"),
        key(
            "min_calls",
            int(1, U32),
            "Calls the window needs before it judges.",
            "10",
        )
        .or("100"),
        key(
            "failure_rate",
            Kind::Probability,
            "Failed share of the window that opens the breaker.",
            "0.5",
        )
        .or("0.5"),
        key(
            "slow_call",
            Kind::Duration,
            "A call that takes longer than this is slow.",
            "\"1s\"",
        )
        .or("60s"),
        key(
            "slow_call_rate",
            Kind::Probability,
            "Slow share of the window that opens the breaker.",
            "1.0",
        )
        .or("1"),
        key(
            "open_for",
            Kind::Duration,
            "How long the breaker stays open before probing.",
            "\"5s\"",
        )
        .or("60s"),
        key(
            "half_open_calls",
            int(1, U32),
            "Probe calls let through when half open.",
            "3",
        )
        .or("10"),
    ]],
    sections: false,
};

/// `bulkhead = { … }`.
pub(crate) static BULKHEAD: Table = Table {
    id: "bulkhead",
    title: "bulkhead = { … }",
    doc: "A cap on the calls in flight from each caller instance.",
    groups: &[&[
        key(
            "max_concurrent",
            limited(1, limits::MAX_BULKHEAD, "per bulkhead"),
            "Calls in flight at once.",
            "10",
        )
        .required(),
        key(
            "max_wait",
            Kind::Duration,
            "How long a call may wait for a slot before it is rejected.",
            "\"0ms\"",
        )
        .or("0ms"),
    ]],
    sections: false,
};

/// `limit = { … }`.
pub(crate) static LIMIT: Table = Table {
    id: "limit",
    title: "limit = { … }",
    doc: "A token bucket: on a caller it paces calls, on a service it admits requests.",
    groups: &[&[
        key("rate", Kind::Rate, "Tokens per second; more than 0.", "100").required(),
        key("burst", int(1, U32), "Tokens the bucket holds.", "20").or("one second's worth"),
        key("per", Kind::Choice(&["all", "key"]), "`all`: one bucket for every request; `key`: one bucket per request key, so one tenant's burst spends only its own tokens.", "\"key\"").or("all"),
    ]],
    sections: false,
};

/// `hedge = { … }`.
pub(crate) static HEDGE: Table = Table {
    id: "hedge",
    title: "hedge = { … }",
    doc: "Send another copy of a call that has not answered in time.",
    groups: &[&[
        key(
            "after",
            Kind::Duration,
            "How long to wait before each extra copy.",
            "\"50ms\"",
        )
        .required(),
        key(
            "max_extra",
            limited(1, limits::MAX_HEDGES, "per call"),
            "Extra copies at most.",
            "1",
        )
        .or("1"),
    ]],
    sections: false,
};

/// `fallback = { … }`.
pub(crate) static FALLBACK: Table = Table {
    id: "fallback",
    title: "fallback = { … }",
    doc: "Answer \"degraded\" instead of failing.",
    groups: &[&[key(
        "service_time",
        Kind::Distribution,
        "Local work of the degraded answer.",
        "\"1ms\"",
    )
    .or("0ms")]],
    sections: false,
};

/// `shed = { … }`.
pub(crate) static SHED: Table = Table {
    id: "shed",
    title: "shed = { … }",
    doc: "Load shedding: drop requests that waited too long in the queue.",
    groups: &[&[key(
        "queue_wait",
        Kind::Duration,
        "The longest wait before a request is dropped.",
        "\"100ms\"",
    )
    .required()]],
    sections: false,
};

/// `outlier = { … }`.
pub(crate) static OUTLIER: Table = Table {
    id: "outlier",
    title: "outlier = { … }",
    doc: "An instance that fails `consecutive_errors` calls in a row is left out of the balancer for `eject_for`.",
    groups: &[&[
        key("consecutive_errors", int(1, U32), "Failed calls in a row that eject an instance.", "3").or("5"),
        key("eject_for", Kind::Duration, "How long an ejected instance is left out.", "\"10s\"").or("30s"),
    ]],
    sections: false,
};

/// `dedup = { … }`.
pub(crate) static DEDUP: Table = Table {
    id: "dedup",
    title: "dedup = { … }",
    doc: "A table of processed idempotency keys, checked and recorded with the effect at the end of the work.",
    groups: &[&[
        key("ttl", Kind::Duration, "Keys older than this are forgotten.", "\"10m\"").or("1h"),
        key("capacity", limited(1, limits::MAX_DEDUP_KEYS, "per service"), "Keys kept, the oldest evicted first.", "1000").or("100000"),
    ]],
    sections: false,
};

/// `[[deploy]]`.
pub(crate) static DEPLOY: Table = Table {
    id: "deploy",
    title: "[[deploy]]",
    doc: "A new version of a service, rolled out while the run goes on; at most one per service.",
    groups: &[&[
        key("service", Kind::Service, "The service deployed.", "\"api\"").required(),
        key("at", Kind::Duration, "When the deployment starts.", "\"60s\"").required(),
        key("strategy", Kind::Choice(&["rolling", "canary", "blue_green"]), "`rolling`: `batch` instances at a time are drained and started again as the new version (each paying `startup`); `canary`: new instances take the share `steps` of the traffic, one step every `step_every`, and the old ones drain a step after the last; `blue_green`: a full new set starts, traffic switches to it after `step_every`, and the old set is kept `step_every` more for a rollback.", "\"canary\"").or("rolling"),
        key("steps", Kind::Shares, "Canary: the new version's share of traffic at each step, rising, each from 0 to 1, the last 1.", "[0.05, 0.25, 1.0]").or("[1.0]"),
        key("step_every", Kind::Duration, "Time between steps; more than 0.", "\"30s\"").or("30s"),
        key("batch", limited(1, limits::MAX_INSTANCES, "per service"), "Rolling: instances replaced per step.", "1").or("1"),
        key("version", Kind::Table(&VERSION), "What the new version does differently.", "").or("the same as the old"),
        key("rollback", Kind::Table(&ROLLBACK), "Automated analysis of the new version: roll back as soon as its last window exceeds a threshold.", "").or("none"),
    ]],
    sections: false,
};

/// `version = { … }` of a deployment.
pub(crate) static VERSION: Table = Table {
    id: "version",
    title: "version = { … }",
    doc: "The per-request keys the new version overrides, on every endpoint of the service; a key it does not set keeps each endpoint's own. `consumes` is not among them: a queue keeps its one consumer.",
    groups: &[&[
        key("service_time", Kind::Distribution, "Local work per request of the new version.", "\"exp(15ms)\"").or("the endpoint's"),
        key("error_rate", Kind::Probability, "Probability that the new version's local work fails.", "0.2").or("the endpoint's"),
        key("calls", Kind::Calls, "The new version's downstream calls, replacing the endpoint's: targets, or `{ to, policies… }`.", "[\"db\"]").or("the endpoint's"),
        key("parallel", Kind::Bool, "Whether the new version makes its calls at once.", "true").or("the endpoint's"),
        key("blocking", Kind::Bool, "Whether the new version's workers wait on calls.", "false").or("the endpoint's"),
        key("effect", Kind::Name, "The new version's side effect.", "\"charge\"").or("the endpoint's"),
        key("idempotent", Kind::Bool, "Whether copies of one logical request apply the new version's effect once.", "false").or("the endpoint's"),
        key("publish", Kind::Tables { table: &PUBLISH, max: limits::MAX_PUBLISH }, "Messages the new version publishes when a request succeeds, replacing the endpoint's.", "").or("the endpoint's"),
    ]],
    sections: false,
};

/// `rollback = { … }` of a deployment.
pub(crate) static ROLLBACK: Table = Table {
    id: "rollback",
    title: "rollback = { … }",
    doc: "Every `window` from the start of the deployment, the new version's requests in that window are judged; either threshold exceeded rolls it back at once.",
    groups: &[&[
        key("error_rate", Kind::Probability, "The most failures over requests the new version may have in a window.", "0.05").or("not judged"),
        key("p99", Kind::Duration, "The highest 99th percentile of the new version's latency in a window.", "\"200ms\"").or("not judged"),
        key("window", Kind::Duration, "The length of each judged window; more than 0.", "\"10s\"").or("10s"),
    ]],
    sections: false,
};

/// `health = { … }`.
pub(crate) static HEALTH: Table = Table {
    id: "health",
    title: "health = { … }",
    doc: "Active health checks: the balancer probes every serving instance each `interval`.",
    groups: &[&[
        key("interval", Kind::Duration, "How often each instance is probed; more than 0.", "\"5s\"").or("10s"),
        key("timeout", Kind::Duration, "A probe not answered within this fails; more than 0.", "\"1s\"").or("1s"),
        key("unhealthy", int(1, 1000), "Failed probes in a row that make an instance unhealthy.", "3").or("3"),
        key("healthy", int(1, 1000), "Passed probes in a row that bring a removed instance back.", "2").or("1"),
        key("action", Kind::Choice(&["remove", "restart"]), "`remove` (readiness): out of the balancer until it passes again; `restart` (liveness): restarted, losing what it holds, then `startup`.", "\"restart\"").or("remove"),
        key("deep", Kind::Bool, "The probe waits in the instance's queue for a worker like a request, so an overloaded instance fails it; otherwise any instance that is up and not paused answers at once.", "true").or("false"),
    ]],
    sections: false,
};

/// `autoscale = { … }`.
pub(crate) static AUTOSCALE: Table = Table {
    id: "autoscale",
    title: "autoscale = { … }",
    doc: "Every `interval`, desired = ceil(current × observed / target) instances, within `min`..`max` (Kubernetes' HPA arithmetic); new instances pay `startup`, scale-in waits `cooldown` after the last change and drains the highest ids.",
    groups: &[&[
        key("min", limited(1, limits::MAX_INSTANCES, "per service"), "Fewest instances; at most `instances`.", "1").or("1"),
        key("max", limited(1, limits::MAX_INSTANCES, "per service"), "Most instances; at least `instances`.", "20").required(),
        key("metric", Kind::Choice(&["utilization", "queue", "inflight"]), "`utilization`: busy fraction of the serving workers over the last interval; `queue`: requests waiting per serving instance; `inflight`: waiting or in service per serving instance.", "\"queue\"").or("utilization"),
        key("target", Kind::Number { min: 0.0, max: f64::INFINITY }, "The metric's value the scaler aims at, more than 0 (a fraction for utilization).", "0.7").required(),
        key("interval", Kind::Duration, "How often it decides; more than 0.", "\"15s\"").or("15s"),
        key("cooldown", Kind::Duration, "How long scale-in waits after the last change.", "\"60s\"").or("300s"),
    ]],
    sections: false,
};

/// `[[fault]]`.
pub(crate) static FAULT: Table = Table {
    id: "fault",
    title: "[[fault]]",
    doc: "What goes wrong, where and when.",
    groups: &[&[
        key("kind", Kind::Choice(&["crash", "pause", "slowdown", "capacity", "error_rate", "latency", "loss", "duplicate", "partition"]), "What goes wrong.", "\"crash\"").required(),
        key("target", Kind::FaultTarget, "A service (every instance; for network kinds every link into it), `\"db#2\"` for one instance, a link `\"api->db\"`, or a queue or a cache (crash and pause only).", "\"db\"").required(),
        key("at", Kind::Duration, "When it starts.", "\"30s\"").required(),
        key("for", Kind::Duration, "How long it lasts.", "\"10s\"").or("until the end"),
        key("factor", Kind::Number { min: 0.0, max: f64::INFINITY }, "slowdown: service times × factor; capacity: workers × factor (more than 0).", "5.0"),
        key("rate", Kind::Probability, "error_rate, loss, duplicate: a probability.", "0.3"),
        key("latency", Kind::Duration, "latency: extra one-way delay on the link(s).", "\"200ms\""),
    ]],
    sections: false,
};

/// Every table, in the order the reference page presents them.
pub(crate) static TABLES: &[&Table] = &[
    &TOP, &SCENARIO, &NETWORK, &LINK, &CLIENT, &STEP, &KEYS, &SERVICE, &ENDPOINT, &CALL, &PUBLISH,
    &RETRY, &BUDGET, &BREAKER, &BULKHEAD, &LIMIT, &HEDGE, &FALLBACK, &SHED, &OUTLIER, &DEDUP,
    &HEALTH, &AUTOSCALE, &QUEUE, &CACHE, &SAGA, &SAGA_STEP, &FAULT, &DEPLOY, &VERSION, &ROLLBACK,
];

/// Keys whose value is an array of tables whose elements a `--set` path
/// selects by index or name.
pub(crate) const ARRAYS: &[&str] = &[
    "link", "client", "service", "queue", "cache", "saga", "fault", "endpoint", "calls", "publish",
    "steps", "deploy",
];
