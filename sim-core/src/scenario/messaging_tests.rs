//! Messaging in scenario files: `[[queue]]`, `publish`, `consumes`, client
//! `keys`, queues as nodes and fault targets, and the metrics of queues;
//! each value read exactly, each problem with its message and place.

use super::fields::LIMIT_HINT;
use super::keys::POPULARITY_HINT;
use super::limits_tests::{place, warnings};
use super::model::*;
use super::tests::{errors, hint, ok, only, set};
use super::{load, Diagnostic, Override};
use crate::expect::Metric;
use crate::time::{SimDuration, SimTime};

/// A client calling `api`, which publishes to `orders`, which `worker`
/// consumes.
const MSG: &str = r#"[scenario]
duration = "60s"

[[client]]
name = "users"
target = "api"
rate = 100

[[service]]
name = "api"
service_time = "1ms"
publish = [ { to = "orders", outbox = true } ]

[[service]]
name = "worker"
service_time = "2ms"
consumes = "orders"

[[queue]]
name = "orders"
"#;

/// `MSG` with `from` replaced by `to` (which must be there).
fn edit(from: &str, to: &str) -> String {
    assert!(MSG.contains(from), "{from}");
    MSG.replacen(from, to, 1)
}

/// The one problem of `text`: `message` at the first `needle`, with `hint`.
pub(super) fn only_at(text: &str, needle: &str, message: &str, h: Option<&str>) {
    let (line, column) = place(text, needle);
    assert_eq!(
        only(text),
        (line, column, message.to_string(), h.map(str::to_string)),
        "{text}"
    );
}

/// Warnings as (line, column, message, hint).
pub(super) fn warned(
    text: &str,
    overrides: &[Override],
) -> Vec<(u32, u32, String, Option<String>)> {
    warnings(text, overrides)
        .into_iter()
        .map(|d: Diagnostic| (d.line, d.column, d.message, d.hint))
        .collect()
}

/// A queue's fields, for comparing them at once.
type Fields = (
    String,
    Delivery,
    SimDuration,
    Option<u32>,
    Option<DeadLetter>,
    Option<u32>,
    Option<u32>,
);

fn fields(q: &Queue) -> Fields {
    (
        q.name.clone(),
        q.delivery,
        q.ack_timeout,
        q.max_receives,
        q.dead_letter.clone(),
        q.partitions,
        q.capacity,
    )
}

#[test]
fn a_queue_with_defaults_its_publisher_and_its_consumer() {
    let s = ok(MSG);
    assert_eq!(s.queues.len(), 1);
    assert_eq!(
        fields(&s.queues[0]),
        (
            "orders".to_string(),
            Delivery::AtLeastOnce,
            SimDuration::from_secs(30),
            None,
            None,
            None,
            None
        )
    );
    let api = &s.services[0].endpoints[0];
    let orders = QueueId(0);
    assert_eq!(
        api.publish,
        [Publish {
            to: orders,
            outbox: true
        }]
    );
    assert_eq!(api.consumes, None);
    let worker = &s.services[1].endpoints[0];
    assert_eq!((worker.publish.len(), worker.consumes), (0, Some(orders)));
    assert_eq!(s.clients[0].keys, Keys::default());
    assert_eq!(s.node_name(NodeId::Queue(orders)), "orders");
    assert!(warned(MSG, &[]).is_empty());
}

#[test]
fn every_key_of_a_queue_is_read() {
    let text = edit(
        "[[queue]]\nname = \"orders\"\n",
        "[[queue]]\nname = \"orders\"\ndelivery = \"at_least_once\"\nack_timeout = \"5s\"\n\
         max_receives = 3\ndead_letter = \"orders-dlq\"\npartitions = 4\ncapacity = 1000\n\
         [[queue]]\nname = \"orders-dlq\"\n\
         [[queue]]\nname = \"audit\"\ndelivery = \"at_most_once\"\n\
         [[queue]]\nname = \"mail\"\nmax_receives = 1\ndead_letter = \"graveyard\"\n",
    );
    let s = ok(&text);
    let got: Vec<Fields> = s.queues.iter().map(fields).collect();
    let default = |name: &str, delivery| {
        (
            name.to_string(),
            delivery,
            SimDuration::from_secs(30),
            None,
            None,
            None,
            None,
        )
    };
    assert_eq!(
        got,
        [
            (
                "orders".to_string(),
                Delivery::AtLeastOnce,
                SimDuration::from_secs(5),
                Some(3),
                Some(DeadLetter::Queue(QueueId(1))),
                Some(4),
                Some(1000)
            ),
            default("orders-dlq", Delivery::AtLeastOnce),
            default("audit", Delivery::AtMostOnce),
            (
                "mail".to_string(),
                Delivery::AtLeastOnce,
                SimDuration::from_secs(30),
                Some(1),
                Some(DeadLetter::Sink("graveyard".to_string())),
                None,
                None
            ),
        ]
    );
}

#[test]
fn endpoints_inherit_publish_and_the_first_without_its_own_consumes() {
    let text = edit(
        "consumes = \"orders\"\n",
        "consumes = \"orders\"\npublish = [ { to = \"audit\" } ]\n\
         [[service.endpoint]]\nname = \"a\"\nconsumes = \"audit\"\n\
         [[service.endpoint]]\nname = \"b\"\n\
         [[service.endpoint]]\nname = \"c\"\npublish = []\n",
    ) + "[[queue]]\nname = \"audit\"\n";
    let s = ok(&text);
    let (orders, audit) = (QueueId(0), QueueId(1));
    let to_audit = [Publish {
        to: audit,
        outbox: false,
    }];
    let got: Vec<(&str, &[Publish], Option<QueueId>)> = s.services[1]
        .endpoints
        .iter()
        .map(|e| (e.name.as_str(), &e.publish[..], e.consumes))
        .collect();
    assert_eq!(
        got,
        [
            ("a", &to_audit[..], Some(audit)),
            ("b", &to_audit[..], Some(orders)),
            ("c", &[][..], None),
        ]
    );
    let (line, column) = place(&text, "\"orders\"\npublish = [ { to = \"audit\"");
    assert_eq!(
        warned(&text, &[]),
        [(
            line,
            column,
            "`consumes` of [[service]] `worker` goes to its first endpoint that does not set its own, `b`; its other endpoints consume nothing".to_string(),
            hint("a queue has one consumer: set `consumes` on the endpoint that serves it")
        )]
    );
}

#[test]
fn publish_and_consumes_must_name_a_declared_queue() {
    only_at(
        &edit("to = \"orders\"", "to = \"ordrs\""),
        "\"ordrs\"",
        "no queue `ordrs` for `to` of publish[0] of [[service]] `api`",
        Some("did you mean `orders`?"),
    );
    only_at(
        &edit("to = \"orders\"", "to = \"worker\""),
        "\"worker\", ",
        "no queue `worker` for `to` of publish[0] of [[service]] `api`",
        Some("`worker` is a service: messages are published to queues and consumed from them, calls go to services"),
    );
    only_at(
        &edit("consumes = \"orders\"", "consumes = \"payments\""),
        "\"payments\"",
        "no queue `payments` for `consumes` of [[service]] `worker`",
        Some("the queues: orders"),
    );
    let text = edit("[[queue]]\nname = \"orders\"\n", "");
    let got: Vec<(u32, u32, String, Option<String>)> = errors(&text)
        .into_iter()
        .map(|d| (d.line, d.column, d.message, d.hint))
        .collect();
    let declare = hint("declare it: [[queue]] with name = \"orders\"");
    assert_eq!(
        got,
        [
            (
                12,
                20,
                "no queue `orders` for `to` of publish[0] of [[service]] `api`".to_string(),
                declare.clone()
            ),
            (
                17,
                12,
                "no queue `orders` for `consumes` of [[service]] `worker`".to_string(),
                declare
            ),
        ]
    );
}

#[test]
fn publish_entries_are_checked_like_tables() {
    let text = edit("{ to = \"orders\", outbox = true }", "{ outbox = true }");
    only_at(
        &text,
        "{ outbox",
        "missing key `to` in publish[0] of [[service]] `api`",
        None,
    );
    only_at(
        &edit("outbox = true", "outbox = \"yes\""),
        "\"yes\"",
        "expected a boolean (true or false) for `outbox`, found a string",
        None,
    );
    only_at(
        &edit("{ to = \"orders\", outbox = true }", "\"orders\""),
        "\"orders\" ]",
        "expected a table for `publish[0]`, found a string",
        None,
    );
    only_at(
        &edit("outbox = true", "outbx = true"),
        "outbx",
        "unknown key `outbx` in publish[0] of [[service]] `api`",
        Some("did you mean `outbox`?"),
    );
    let entries = vec!["{ to = \"orders\" }"; crate::limits::MAX_PUBLISH + 1].join(", ");
    let text = edit("{ to = \"orders\", outbox = true }", &entries);
    let (line, _) = place(&text, "publish = [");
    let found = errors(&text);
    assert_eq!(found.len(), 1, "{found:#?}");
    let column = 13 + 19 * crate::limits::MAX_PUBLISH as u32;
    assert_eq!(
        (found[0].line, found[0].column, found[0].message.as_str()),
        (
            line,
            column,
            "`publish` has 101 entries, above the limit of 100"
        )
    );
}

#[test]
fn a_queue_has_one_consumer_in_the_whole_file() {
    let text = format!(
        "{MSG}[[service]]\nname = \"billing\"\nservice_time = \"1ms\"\nconsumes = \"orders\"\n"
    );
    assert_eq!(
        only(&text),
        (
            24,
            12,
            "queue `orders` has a second consumer, `billing`: `worker` consumes it already (line 17)".to_string(),
            hint("a queue has one consumer group, the instances of one endpoint competing for its messages; a second consumer needs a second queue, published to as well")
        )
    );
}

#[test]
fn queues_share_the_namespace_of_services_and_avoid_client_names() {
    assert_eq!(
        only(&format!("{MSG}[[queue]]\nname = \"worker\"\n")),
        (
            22,
            8,
            "queue `worker` has the name of a service".to_string(),
            hint("queues and services share one namespace: rename one of them")
        )
    );
    assert_eq!(
        only(&format!("{MSG}[[queue]]\nname = \"users\"\n")),
        (
            22,
            8,
            "queue `users` has the name of a client".to_string(),
            hint("links and fault targets name clients and queues alike: rename one of them")
        )
    );
    assert_eq!(
        only(&format!("{MSG}[[queue]]\nname = \"orders\"\n")),
        (
            22,
            8,
            "a second queue named `orders`".to_string(),
            hint("the first is at line 20")
        )
    );
}

#[test]
fn dead_letters_are_other_queues_without_cycles() {
    let own = edit(
        "name = \"orders\"\n",
        "name = \"orders\"\nmax_receives = 2\ndead_letter = \"orders\"\n",
    );
    assert_eq!(
        only(&own),
        (
            22,
            15,
            "queue `orders` is its own dead letter".to_string(),
            hint("name another queue, or a sink: any name that is not a queue's")
        )
    );
    let spaced = edit(
        "name = \"orders\"\n",
        "name = \"orders\"\nmax_receives = 2\ndead_letter = \"a b\"\n",
    );
    assert_eq!(
        only(&spaced),
        (
            22,
            15,
            "the name `a b` holds a space or a control character".to_string(),
            hint("use letters, digits, `_` and `-`: `.` separates a service from its endpoint")
        )
    );
    let chain = |q: &str, to: &str| {
        format!("[[queue]]\nname = \"{q}\"\nmax_receives = 2\ndead_letter = \"{to}\"\n")
    };
    // orders -> a -> b -> a: one cycle, reported once where it closes.
    let ending = |last: &str| {
        edit(
            "name = \"orders\"\n",
            "name = \"orders\"\nmax_receives = 2\ndead_letter = \"a\"\n",
        ) + &chain("a", "b")
            + &chain("b", last)
    };
    let text = ending("a");
    assert_eq!(
        only(&text),
        (
            30,
            15,
            "dead-letter cycle: a -> b -> a".to_string(),
            hint("a message would be dead-lettered round these queues for ever: end the chain at a sink (a name that is no queue's) or at a queue without `dead_letter`")
        )
    );
    let text = edit(
        "name = \"orders\"\n",
        "name = \"orders\"\nmax_receives = 2\ndead_letter = \"worker\"\n",
    );
    assert_eq!(
        warned(&text, &[]),
        [(
            22,
            15,
            "dead letters go to a sink that only counts them, and `worker` is the name of a service or a client".to_string(),
            hint("to serve dead letters, name a queue here and let an endpoint consume it; else name the sink apart, like `worker-dead`")
        )]
    );
    // Without the edge back it is a chain: each a queue's dead letter.
    let s = ok(&ending("sink"));
    let dead: Vec<Option<DeadLetter>> = s.queues.iter().map(|q| q.dead_letter.clone()).collect();
    assert_eq!(
        dead,
        [
            Some(DeadLetter::Queue(QueueId(1))),
            Some(DeadLetter::Queue(QueueId(2))),
            Some(DeadLetter::Sink("sink".to_string())),
        ]
    );
}

#[test]
fn queue_values_out_of_range_are_refused() {
    let cases = [
        (
            "ack_timeout = \"0s\"",
            "\"0s\"",
            "`ack_timeout` must be longer than 0",
            None,
        ),
        (
            "max_receives = 0",
            "0",
            "`max_receives` must be at least 1, got 0",
            None,
        ),
        (
            "max_receives = 1001",
            "1001",
            "`max_receives` = 1001 is above the limit of 1000 per message",
            Some(LIMIT_HINT),
        ),
        (
            "partitions = 0",
            "0",
            "`partitions` must be at least 1, got 0",
            None,
        ),
        (
            "partitions = 1025",
            "1025",
            "`partitions` = 1025 is above the limit of 1024 per queue",
            Some(LIMIT_HINT),
        ),
        (
            "capacity = 10000001",
            "10000001",
            "`capacity` = 10000001 is above the limit of 10000000 per queue",
            Some(LIMIT_HINT),
        ),
        (
            "delivery = \"at_least_one\"",
            "\"at_least_one\"",
            "unknown delivery `at_least_one`: expected at_least_once, at_most_once",
            Some("did you mean `at_least_once`?"),
        ),
    ];
    for (line, needle, message, h) in cases {
        let text = format!("{MSG}{line}\n");
        let (l, _) = place(&text, line);
        let column = line.find(needle).unwrap_or(0) as u32 + 1;
        assert_eq!(
            only(&text),
            (l, column, message.to_string(), h.map(str::to_string)),
            "{line}"
        );
    }
}

#[test]
fn queues_that_are_not_both_published_and_consumed_are_warned_of() {
    let cases = [
        (
            edit("consumes = \"orders\"\n", ""),
            "queue `orders` has no consumer: its messages only pile up",
            "add `consumes = \"orders\"` to the endpoint that serves them",
        ),
        (
            edit("publish = [ { to = \"orders\", outbox = true } ]\n", ""),
            "queue `orders` is consumed but nothing publishes to it",
            "add `publish = [{ to = \"orders\" }]` to the endpoint that sends its messages",
        ),
        (
            edit("publish = [ { to = \"orders\", outbox = true } ]\n", "")
                .replace("consumes = \"orders\"\n", ""),
            "queue `orders` is never used: nothing publishes to it or consumes it",
            "publish with `publish = [{ to = \"orders\" }]` and consume with `consumes = \"orders\"`, or remove it",
        ),
    ];
    for (text, message, h) in cases {
        let (line, _) = place(&text, "name = \"orders\"");
        assert_eq!(
            warned(&text, &[]),
            [(line, 8, message.to_string(), hint(h))],
            "{text}"
        );
    }
    // A dead letter needs neither: it is fed by dead-lettering, and its
    // messages are there to be counted.
    let text = edit(
        "name = \"orders\"\n",
        "name = \"orders\"\nmax_receives = 2\ndead_letter = \"dlq\"\n[[queue]]\nname = \"dlq\"\n",
    );
    assert!(warned(&text, &[]).is_empty());
}

#[test]
fn keys_a_queue_never_uses_are_warned_of() {
    let text = edit(
        "name = \"orders\"\n",
        "name = \"orders\"\ndelivery = \"at_most_once\"\nack_timeout = \"1s\"\nmax_receives = 2\n",
    );
    let unused = |key: &str| {
        format!("`{key}` of [[queue]] `orders` is never used: an at_most_once queue acks on receipt and never redelivers")
    };
    let fix = hint("remove it, or make the queue `delivery = \"at_least_once\"`");
    assert_eq!(
        warned(&text, &[]),
        [
            (22, 15, unused("ack_timeout"), fix.clone()),
            (23, 16, unused("max_receives"), fix),
        ]
    );
    let text = edit(
        "name = \"orders\"\n",
        "name = \"orders\"\ndead_letter = \"graveyard\"\n",
    );
    assert_eq!(
        warned(&text, &[]),
        [(
            21,
            15,
            "`dead_letter` of [[queue]] `orders` is never used: without `max_receives` a message is redelivered until it is acked".to_string(),
            hint("set `max_receives`, the receives after which a message is dead-lettered")
        )]
    );
}

#[test]
fn overrides_reach_queues_publish_and_keys() {
    let overrides = [
        set("queue.orders.ack_timeout=5s"),
        set("queue.0.max_receives=3"),
        set("queue.orders.delivery=at_most_once"),
        set("service.api.publish.0.outbox=false"),
        set("client.users.keys.count=10"),
        set("client.users.keys.popularity=zipf(1.5)"),
    ];
    let s = load(MSG, "t.toml", &overrides).map_err(|e| e.to_string());
    let s = match s {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let q = &s.queues[0];
    assert_eq!(
        (q.ack_timeout, q.max_receives, q.delivery),
        (SimDuration::from_secs(5), Some(3), Delivery::AtMostOnce)
    );
    assert!(!s.services[0].endpoints[0].publish[0].outbox);
    assert_eq!(
        s.clients[0].keys,
        Keys {
            count: 10,
            popularity: Popularity::Zipf(1.5)
        }
    );
    // A `publish` entry is selected by its queue too.
    let s = load(
        MSG,
        "t.toml",
        &[set("service.api.publish.orders.outbox=false")],
    );
    assert!(s.is_ok_and(|s| !s.services[0].endpoints[0].publish[0].outbox));

    let bad = [
        set("queue.ordrs.ack_timeout=1s"),
        set("queue.orders.partitions=0"),
        set("service.api.publish.ordrs.outbox=true"),
    ];
    let got: Vec<(u32, String, Option<String>)> = match load(MSG, "t.toml", &bad) {
        Ok(_) => panic!("the overrides should be refused"),
        Err(e) => e
            .items
            .into_iter()
            .map(|d| (d.line, d.message, d.hint))
            .collect(),
    };
    assert_eq!(
        got,
        [
            (
                0,
                "--set queue.ordrs.ack_timeout: no queue `ordrs`".to_string(),
                hint("did you mean `orders`?")
            ),
            (
                0,
                "--set queue.orders.partitions: `partitions` must be at least 1, got 0".to_string(),
                None
            ),
            (
                0,
                "--set service.api.publish.ordrs.outbox: no element `ordrs` in `publish`"
                    .to_string(),
                hint("did you mean `orders`?")
            ),
        ]
    );
}

#[test]
fn queues_are_nodes_of_links_and_targets_of_crash_and_pause() {
    let text = format!(
        "{MSG}[[link]]\nfrom = \"orders\"\nto = \"worker\"\nlatency = \"3ms\"\n\
         [[fault]]\nkind = \"pause\"\ntarget = \"orders\"\nat = \"10s\"\nfor = \"5s\"\n\
         [[fault]]\nkind = \"crash\"\ntarget = \"orders\"\nat = \"20s\"\n\
         [[fault]]\nkind = \"partition\"\ntarget = \"api->orders\"\nat = \"30s\"\n"
    );
    let s = ok(&text);
    let (orders, api) = (NodeId::Queue(QueueId(0)), NodeId::Service(ServiceId(0)));
    assert_eq!(
        (s.links[0].from, s.links[0].to),
        (orders, NodeId::Service(ServiceId(1)))
    );
    assert_eq!(
        s.links[0].latency,
        Some(crate::dist::Dist::Constant(SimDuration::from_millis(3)))
    );
    let got: Vec<(FaultKind, FaultTarget, SimTime, String)> = s
        .faults
        .iter()
        .map(|f| (f.kind, f.target, f.at, s.fault_target(f.target)))
        .collect();
    assert_eq!(
        got,
        [
            (
                FaultKind::Pause,
                FaultTarget::Queue(QueueId(0)),
                SimTime(10_000_000_000),
                "orders".to_string()
            ),
            (
                FaultKind::Crash,
                FaultTarget::Queue(QueueId(0)),
                SimTime(20_000_000_000),
                "orders".to_string()
            ),
            (
                FaultKind::Partition,
                FaultTarget::Link(api, orders),
                SimTime(30_000_000_000),
                "api->orders".to_string()
            ),
        ]
    );
}

#[test]
fn queue_faults_and_links_are_checked() {
    let fault = |kind: &str, target: &str, extra: &str| {
        format!("{MSG}[[fault]]\nkind = \"{kind}\"\ntarget = \"{target}\"\nat = \"1s\"\n{extra}")
    };
    only_at(
        &fault("slowdown", "orders", "factor = 2\n"),
        "\"orders\"\nat",
        "a slowdown fault strikes a service, an instance or a link, not a queue",
        Some("queues take crash (it refuses publishes) and pause (it answers nothing) faults; network faults go on a link like `api->orders`"),
    );
    only_at(
        &fault("crash", "orders#2", ""),
        "\"orders#2\"",
        "`orders` is a queue: it has no instances",
        Some("target the whole queue: `orders`"),
    );
    only_at(
        &fault("crash", "api->orders", ""),
        "\"api->orders\"",
        "a crash fault strikes a service or an instance, not a link",
        Some("links take latency, loss, duplicate and partition faults"),
    );
    only_at(
        &fault("pause", "ordrs", ""),
        "\"ordrs\"",
        "no client, service, queue, cache or saga `ordrs` for `target` of [[fault]] [0]",
        Some("did you mean `orders`?"),
    );
    let link = "[[link]]\nfrom = \"api\"\nto = \"orders\"\n";
    let text = format!("{MSG}{link}{link}");
    let (line, _) = place(&text, "[[link]]");
    assert_eq!(
        only(&text),
        (
            line + 3,
            1,
            "a second [[link]] from `api` to `orders`".to_string(),
            None
        )
    );
}

#[test]
fn the_metrics_of_queues_take_a_queue() {
    let lines = [
        "dead_letters(orders) == 0",
        "lost(orders) == 0",
        "max_depth(orders) < 1000",
        "max_age(orders) < 5s",
        "out_of_order(orders, 10s..) == 0",
    ];
    let expect = |lines: &[&str]| {
        let quoted: Vec<String> = lines.iter().map(|l| format!("\"{l}\"")).collect();
        edit(
            "duration = \"60s\"\n",
            &format!("duration = \"60s\"\nexpect = [{}]\n", quoted.join(", ")),
        )
    };
    let s = ok(&expect(&lines));
    let got: Vec<(Metric, &str, f64)> = s
        .expect
        .iter()
        .map(|e| (e.metric, e.subject.as_str(), e.value))
        .collect();
    assert_eq!(
        got,
        [
            (Metric::DeadLetters, "orders", 0.0),
            (Metric::Lost, "orders", 0.0),
            (Metric::MaxDepth, "orders", 1000.0),
            (Metric::MaxAge, "orders", 5.0),
            (Metric::OutOfOrder, "orders", 0.0),
        ]
    );
    let cases = [
        (
            "dead_letters(api) == 0",
            "`dead_letters` measures a queue, and `api` is a service",
            None,
        ),
        (
            "lost(users) == 0",
            "`lost` measures a queue, and `users` is a client",
            None,
        ),
        (
            "max_depth(ordrs) < 5",
            "no queue `ordrs` in `max_depth(ordrs) < 5`",
            Some("did you mean `orders`?"),
        ),
        (
            "p99(orders) < 1s",
            "`p99` measures a client or a service, and `orders` is a queue",
            None,
        ),
        (
            "max_queue(orders) < 5",
            "`max_queue` measures a service, and `orders` is a queue",
            None,
        ),
        (
            "breaker(api->orders) at 1s == open",
            "`breaker` measures a service, and `orders` is a queue",
            None,
        ),
        (
            "p99(ordrs) < 1s",
            "no client or service `ordrs` in `p99(ordrs) < 1s`",
            None,
        ),
        (
            "max_age(orders) < 5",
            "`5` has no unit: durations need a unit: 250ms, 1.5s (age thresholds are durations)",
            None,
        ),
    ];
    for (line, message, h) in cases {
        assert_eq!(
            only(&expect(&[line])),
            (3, 11, message.to_string(), h.map(str::to_string)),
            "{line}"
        );
    }
}

#[test]
fn client_keys_are_read_with_their_popularity() {
    let with_keys = |keys: &str| edit("rate = 100\n", &format!("rate = 100\nkeys = {keys}\n"));
    let cases = [
        (
            "{ count = 10000, popularity = \"zipf(1.1)\" }",
            10_000,
            Popularity::Zipf(1.1),
        ),
        ("{ popularity = \"uniform\" }", 1, Popularity::Uniform),
        ("{ count = 5 }", 5, Popularity::Uniform),
        ("{ popularity = \" zipf( 2 ) \" }", 1, Popularity::Zipf(2.0)),
        (
            "{ count = 1000000000000 }",
            1_000_000_000_000,
            Popularity::Uniform,
        ),
    ];
    for (keys, count, popularity) in cases {
        assert_eq!(
            ok(&with_keys(keys)).clients[0].keys,
            Keys { count, popularity },
            "{keys}"
        );
    }
}

#[test]
fn malformed_keys_are_located_with_both_forms_in_the_hint() {
    let with_keys = |keys: &str| edit("rate = 100\n", &format!("rate = 100\nkeys = {keys}\n"));
    let popularity = [
        (
            "zipf(0)",
            "the exponent of `zipf(0)` must be a finite number more than 0",
        ),
        (
            "zipf(-1)",
            "the exponent of `zipf(-1)` must be a finite number more than 0",
        ),
        (
            "zipf(inf)",
            "the exponent of `zipf(inf)` must be a finite number more than 0",
        ),
        ("zipf(x)", "the exponent of `zipf(x)` is not a number"),
        (
            "zip(1.1)",
            "`zip(1.1)` is not a popularity: expected \"uniform\" or \"zipf(S)\"",
        ),
        (
            "Uniform",
            "`Uniform` is not a popularity: expected \"uniform\" or \"zipf(S)\"",
        ),
    ];
    for (value, message) in popularity {
        let text = with_keys(&format!("{{ popularity = \"{value}\" }}"));
        only_at(
            &text,
            &format!("\"{value}\""),
            message,
            Some(POPULARITY_HINT),
        );
    }
    let others = [
        (
            "{ count = 0 }",
            "0 }",
            "`count` must be at least 1, got 0",
            None,
        ),
        (
            "{ count = 1000000000001 }",
            "1000000000001",
            "`count` = 1000000000001 is above the limit of 1000000000000 per client",
            Some(LIMIT_HINT),
        ),
        (
            "5",
            "5\n",
            "expected a table for `keys`, found an integer",
            None,
        ),
        (
            "{ counts = 5 }",
            "counts",
            "unknown key `counts` in `keys` of [[client]] `users`",
            Some("did you mean `count`?"),
        ),
        (
            "{ popularity = 1.1 }",
            "1.1",
            "expected a string for `popularity`, found a float",
            None,
        ),
    ];
    for (keys, needle, message, h) in others {
        only_at(&with_keys(keys), needle, message, h);
    }
}

#[test]
fn a_queue_is_no_call_target() {
    only_at(
        &edit("service_time = \"1ms\"\n", "service_time = \"1ms\"\ncalls = [\"orders\"]\n"),
        "\"orders\"]",
        "no service `orders` for calls[0] of [[service]] `api`",
        Some("`orders` is a queue; requests go to services, messages to queues with `publish = [{ to = \"orders\" }]`"),
    );
}

#[test]
fn json_messaging_is_equivalent_to_toml() {
    let json = r#"{
  "scenario": { "duration": "60s" },
  "client": [ { "name": "users", "target": "api", "rate": 100 } ],
  "service": [
    { "name": "api", "service_time": "1ms", "publish": [ { "to": "orders", "outbox": true } ] },
    { "name": "worker", "service_time": "2ms", "consumes": "orders" }
  ],
  "queue": [ { "name": "orders" } ]
}"#;
    let (a, b) = (ok(MSG), ok(json));
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
}

#[test]
fn the_schema_offers_queues_publish_and_keys_with_their_limits() {
    let schema: serde_json::Value = match serde_json::from_str(&super::schema()) {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    };
    let d = &schema["definitions"];
    let limits = (
        &d["queue"]["properties"]["partitions"]["maximum"],
        &d["queue"]["properties"]["capacity"]["maximum"],
        &d["queue"]["properties"]["max_receives"]["maximum"],
        &d["keys"]["properties"]["count"]["maximum"],
        &d["service"]["properties"]["publish"]["maxItems"],
        &schema["properties"]["queue"]["maxItems"],
    );
    assert_eq!(
        limits,
        (
            &serde_json::json!(crate::limits::MAX_PARTITIONS),
            &serde_json::json!(crate::limits::MAX_QUEUE_CAPACITY),
            &serde_json::json!(crate::limits::MAX_RECEIVES),
            &serde_json::json!(crate::limits::MAX_KEYS),
            &serde_json::json!(crate::limits::MAX_PUBLISH),
            &serde_json::json!(crate::limits::MAX_QUEUES),
        )
    );
    assert_eq!(d["publish"]["required"], serde_json::json!(["to"]));
    assert_eq!(
        d["queue"]["properties"]["delivery"]["enum"],
        serde_json::json!(["at_least_once", "at_most_once"])
    );
    assert_eq!(
        d["endpoint"]["properties"]["consumes"]["type"],
        serde_json::json!("string")
    );
    assert!(d["keys"]["properties"]["popularity"]["pattern"]
        .as_str()
        .is_some_and(|p| p.contains("zipf")));
}
