//! Messaging: redelivery at the ack timeout, dead letters, at-most-once
//! losses, the outbox against the dual write, ordering by partition, the
//! duplicates of slow consumers, and the conservation of messages.

use crate::common::{run_text, span_starts};
use proptest::prelude::*;
use sim_core::report::{QueueReport, Report};

/// `checkout` (1 ms of work) publishes every request of a client to
/// `orders`; `inventory` consumes it with `consumer` lines and an effect.
/// `client` lines set the load; `queue` and `tail` lines are appended to
/// the queue and the file.
fn pipeline(client: &str, publish: &str, queue: &str, consumer: &str, tail: &str) -> String {
    format!(
        r#"
[scenario]
name = "pipeline"
duration = "60s"

[[client]]
name = "shop"
target = "checkout"
{client}

[[service]]
name = "checkout"
workers = 100
service_time = "1ms"
publish = [ {{ to = "orders"{publish} }} ]

[[queue]]
name = "orders"
{queue}

[[service]]
name = "inventory"
consumes = "orders"
effect = "decrement"
{consumer}
{tail}
"#
    )
}

/// One request at 1 s (constant arrivals at 1/s until 1.5 s).
const ONE: &str =
    "arrivals = \"constant\"\nrate = [ { at = \"0s\", rate = 1 }, { at = \"1.5s\", rate = 0 } ]";

fn orders(r: &Report) -> &QueueReport {
    &r.queues["orders"]
}

#[test]
fn a_slow_delivery_is_redelivered_after_exactly_the_ack_timeout() {
    let text = pipeline(
        ONE,
        "",
        "ack_timeout = \"1s\"",
        "workers = 4\nservice_time = \"1500ms\"",
        "",
    );
    // Published at 1.001 s (the request's 1 ms of work), redelivered at 2.001 s.
    assert_eq!(span_starts(&text, "delivery"), [1.001, 2.001]);
    let r = run_text(&text, 1);
    let q = orders(&r);
    assert_eq!(
        (q.published, q.delivered, q.redelivered, q.acked),
        (1, 2, 1, 1)
    );
    // Both copies applied the effect: the first acked at 2.501 s, the
    // second finished its work at 3.501 s anyway.
    assert_eq!(
        (
            r.effects["decrement"].applied,
            r.effects["decrement"].duplicates
        ),
        (2, 1)
    );
    assert_eq!(q.max_age_s, 1.5);

    let dedup = text.replace(
        "effect = \"decrement\"",
        "effect = \"decrement\"\ndedup = { ttl = \"1h\", capacity = 100 }",
    );
    let r = run_text(&dedup, 1);
    assert_eq!(
        (
            r.effects["decrement"].applied,
            r.effects["decrement"].duplicates
        ),
        (1, 0)
    );
}

#[test]
fn the_max_receives_th_failure_dead_letters_the_message() {
    let queue = "max_receives = 3\ndead_letter = \"orders-dlq\"";
    let dlq = "[[queue]]\nname = \"orders-dlq\"";
    let text = pipeline(
        ONE,
        "",
        queue,
        "service_time = \"10ms\"\nerror_rate = 1.0",
        dlq,
    );
    let r = run_text(&text, 1);
    let q = orders(&r);
    assert_eq!(
        (q.delivered, q.redelivered, q.acked, q.dead_lettered),
        (3, 2, 0, 1)
    );
    assert_eq!((q.lost, q.remaining), (0, 0));
    // The dead letter waits in its own queue, which nobody consumes.
    let d = &r.queues["orders-dlq"];
    assert_eq!((d.published, d.remaining), (1, 1));
    // Failures are redelivered at once: three receives, 10 ms each.
    assert_eq!(span_starts(&text, "delivery"), [1.001, 1.011, 1.021]);
}

#[test]
fn at_most_once_loses_exactly_what_a_crashed_consumer_held() {
    // Ten messages a second, each 1 s of work: at the crash, 5.5 s, the
    // consumer holds the ten published in (4.5 s, 5.5 s).
    let client = "arrivals = \"constant\"\nrate = [ { at = \"0s\", rate = 10 }, { at = \"20s\", rate = 0 } ]";
    let crash = "[[fault]]\nkind = \"crash\"\ntarget = \"inventory\"\nat = \"5.5s\"\nfor = \"1s\"";
    let text = pipeline(
        client,
        "",
        "delivery = \"at_most_once\"",
        "workers = 100\nservice_time = \"1s\"",
        crash,
    );
    let r = run_text(&text, 1);
    let q = orders(&r);
    assert_eq!(q.lost, 10, "{q:?}");
    assert_eq!(q.published, q.acked + q.lost);
    // At least once, the same crash loses nothing: the ten come again.
    let again = run_text(&text.replace("at_most_once", "at_least_once"), 1);
    let q = orders(&again);
    assert_eq!(
        (q.lost, q.redelivered, q.acked),
        (0, 10, q.published),
        "{q:?}"
    );
}

#[test]
fn a_dual_write_loses_what_a_paused_queue_missed_and_the_outbox_nothing() {
    // 10 requests a second; the queue is paused from 20 s to 25 s.
    let client = "arrivals = \"constant\"\nrate = [ { at = \"0s\", rate = 10 }, { at = \"40s\", rate = 0 } ]";
    let pause = "[[fault]]\nkind = \"pause\"\ntarget = \"orders\"\nat = \"20s\"\nfor = \"5s\"";
    let consumer = "workers = 4\nservice_time = \"10ms\"";
    let dual = run_text(&pipeline(client, "", "", consumer, pause), 1);
    let q = orders(&dual);
    // Published at 20.001 s ... 24.901 s: 50 messages.
    assert_eq!(q.lost, 50, "{q:?}");
    assert_eq!(q.published, 399);
    assert_eq!(dual.effects["decrement"].applied, 349);

    let outbox = run_text(&pipeline(client, ", outbox = true", "", consumer, pause), 1);
    let q = orders(&outbox);
    assert_eq!((q.lost, q.acked, q.remaining), (0, 399, 0), "{q:?}");
    // Each relay tried every second until the queue answered again.
    assert_eq!(
        q.rejected, 0,
        "a paused queue refuses nothing: it does not answer"
    );
    assert!(q.max_age_s < 1.0 && q.max_depth > 0);
    assert_eq!(outbox.effects["decrement"].applied, 399);
}

#[test]
fn an_outbox_relay_publishes_at_its_first_retry_after_the_queue_resumes() {
    // One request at 1 s; the queue is paused from 0.5 s to 3.2 s: the relay
    // sends at 1.001 s, 2.001 s and 3.001 s (no answer), then at 4.001 s.
    let pause = "[[fault]]\nkind = \"pause\"\ntarget = \"orders\"\nat = \"0.5s\"\nfor = \"2.7s\"";
    let text = pipeline(ONE, ", outbox = true", "", "service_time = \"10ms\"", pause);
    assert_eq!(span_starts(&text, "delivery"), [4.001]);
    let crash = pause.replace("pause", "crash");
    let text = pipeline(
        ONE,
        ", outbox = true",
        "",
        "service_time = \"10ms\"",
        &crash,
    );
    // A crashed queue refuses at once; the relay waits its second anyway.
    assert_eq!(span_starts(&text, "delivery"), [4.001]);
    assert_eq!(orders(&run_text(&text, 1)).rejected, 3);
}

#[test]
fn partitions_keep_a_keys_order_and_competing_consumers_overtake() {
    let client = "rate = 40\nkeys = { count = 8 }";
    let consumer = "instances = 2\nworkers = 4\nservice_time = \"exp(40ms)\"";
    let unordered = run_text(&pipeline(client, "", "", consumer, ""), 3);
    let q = orders(&unordered);
    assert!(q.out_of_order > 100, "{q:?}");
    let ordered = run_text(&pipeline(client, "", "partitions = 4", consumer, ""), 3);
    let q = orders(&ordered);
    assert_eq!(q.out_of_order, 0, "{q:?}");
    assert!(q.acked > 2000);
}

#[test]
fn five_percent_slow_deliveries_give_five_percent_duplicates_and_dedup_none() {
    // A slow first copy (1.5 s, probability 0.05) is redelivered at the
    // 1 s ack timeout; the message is acked once, but both copies apply the
    // effect. Other copies are fast. 20,000 messages: the duplicate share
    // has standard deviation sqrt(0.05 * 0.95 / 20000) = 0.0015; allow 4.
    let client = "rate = [ { at = \"0s\", rate = 400 }, { at = \"50s\", rate = 0 } ]";
    let consumer = "workers = 64\nservice_time = \"mix(0.95: 10ms, 0.05: 1500ms)\"";
    let text = pipeline(client, "", "ack_timeout = \"1s\"", consumer, "");
    let r = run_text(&text, 9);
    let q = orders(&r);
    let e = &r.effects["decrement"];
    let share = e.duplicates as f64 / q.published as f64;
    assert!(q.published > 19_000, "{q:?}");
    assert!((share - 0.05).abs() < 0.006, "duplicate share {share}");
    // A redelivered copy that is slow too is acked first by the first copy
    // (1.5 s < 2.5 s): no message has a third copy.
    assert_eq!(q.redelivered, e.duplicates);
    let dedup = text.replace(
        "effect = \"decrement\"",
        "effect = \"decrement\"\ndedup = { ttl = \"1h\", capacity = 100000 }",
    );
    assert_eq!(run_text(&dedup, 9).effects["decrement"].duplicates, 0);
}

/// A random messaging setup: queue options, faults on the queue, the
/// consumer and the link, and whether the producer uses an outbox.
#[derive(Debug, Clone)]
struct Setup {
    at_most_once: bool,
    ack_ms: u32,
    max_receives: Option<u32>,
    partitions: Option<u32>,
    capacity: Option<u32>,
    outbox: bool,
    error_rate: f64,
    consumer_ms: u32,
    fault: usize,
}

fn setup() -> impl Strategy<Value = Setup> {
    (
        any::<bool>(),
        1u32..3000,
        proptest::option::of(1u32..5),
        proptest::option::of(1u32..6),
        proptest::option::of(1u32..50),
        any::<bool>(),
        0.0..0.5f64,
        1u32..400,
        0usize..6,
    )
        .prop_map(
            |(
                at_most_once,
                ack_ms,
                max_receives,
                partitions,
                capacity,
                outbox,
                error_rate,
                consumer_ms,
                fault,
            )| Setup {
                at_most_once,
                ack_ms,
                max_receives,
                partitions,
                capacity,
                outbox,
                error_rate,
                consumer_ms,
                fault,
            },
        )
}

/// Faults the property test picks from.
const FAULTS: &[&str] = &[
    "",
    "[[fault]]\nkind = \"pause\"\ntarget = \"orders\"\nat = \"3s\"\nfor = \"2s\"",
    "[[fault]]\nkind = \"crash\"\ntarget = \"orders\"\nat = \"3s\"\nfor = \"2s\"",
    "[[fault]]\nkind = \"crash\"\ntarget = \"inventory#0\"\nat = \"2s\"\nfor = \"3s\"",
    "[[fault]]\nkind = \"loss\"\ntarget = \"orders->inventory\"\nat = \"0s\"\nrate = 0.2",
    "[[fault]]\nkind = \"duplicate\"\ntarget = \"checkout->orders\"\nat = \"0s\"\nrate = 0.3",
];

fn render(s: &Setup) -> String {
    let mut queue = format!(
        "delivery = \"{}\"\n",
        if s.at_most_once {
            "at_most_once"
        } else {
            "at_least_once"
        }
    );
    if !s.at_most_once {
        queue += &format!("ack_timeout = \"{}ms\"\n", s.ack_ms);
        if let Some(m) = s.max_receives {
            queue += &format!("max_receives = {m}\n");
        }
    }
    if let Some(p) = s.partitions {
        queue += &format!("partitions = {p}\n");
    }
    if let Some(c) = s.capacity {
        queue += &format!("capacity = {c}\n");
    }
    let consumer = format!(
        "instances = 2\nworkers = 3\nservice_time = \"exp({}ms)\"\nerror_rate = {}",
        s.consumer_ms, s.error_rate
    );
    let publish = if s.outbox { ", outbox = true" } else { "" };
    pipeline(
        "rate = 30\nkeys = { count = 20 }",
        publish,
        &queue,
        &consumer,
        FAULTS[s.fault],
    )
    .replace("duration = \"60s\"", "duration = \"10s\"")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_message_ends_exactly_once(s in setup(), seed in 0u64..1000) {
        let text = render(&s);
        let r = run_text(&text, seed);
        let q = orders(&r);
        prop_assert_eq!(q.published, q.acked + q.dead_lettered + q.lost + q.remaining, "{:?}\n{}", q, text);
        prop_assert!(q.delivered >= q.acked, "{:?}", q);
        prop_assert!(q.redelivered <= q.delivered);
        if s.partitions.is_some() {
            prop_assert_eq!(q.out_of_order, 0, "{:?}", q);
        }
        if s.outbox && !s.at_most_once {
            // Only a dual write or an at-most-once receive loses a message.
            prop_assert_eq!(q.lost, 0, "an outbox loses nothing:\n{}", text);
        }
        let c = &r.clients["shop"];
        prop_assert_eq!(c.requests, c.succeeded + c.degraded + c.failed + c.in_flight);
    }
}

#[test]
fn a_crashed_consumers_partitions_move_to_the_instances_that_are_up() {
    // Two instances own two partitions each; instance 0 is down from 10 s
    // to 30 s. Its partitions move to instance 1 and keep flowing, in order.
    let crash =
        "[[fault]]\nkind = \"crash\"\ntarget = \"inventory#0\"\nat = \"10s\"\nfor = \"20s\"";
    let consumer = "instances = 2\nworkers = 2\nservice_time = \"exp(20ms)\"";
    let text = pipeline(
        "rate = 20\nkeys = { count = 50 }",
        "",
        "partitions = 4",
        consumer,
        crash,
    );
    let r = run_text(&text, 4);
    let q = orders(&r);
    assert_eq!((q.lost, q.out_of_order), (0, 0), "{q:?}");
    // Nothing waited for the crashed instance to come back: without
    // rebalancing, its partitions' messages would wait 20 s.
    assert!(q.max_age_s < 1.0, "{q:?}");
    assert!(q.acked > 1000, "{q:?}");
}

#[test]
fn a_full_queue_rejects_publishes() {
    // Nobody consumes for the first 10 s (the consumer is down): the queue
    // fills up to its capacity of 5, and a dual write past it is lost.
    let crash = "[[fault]]\nkind = \"crash\"\ntarget = \"inventory\"\nat = \"0s\"\nfor = \"10s\"";
    let client = "arrivals = \"constant\"\nrate = [ { at = \"0s\", rate = 1 }, { at = \"8.5s\", rate = 0 } ]";
    let text = pipeline(client, "", "capacity = 5", "service_time = \"1ms\"", crash);
    let q = orders(&run_text(&text, 1)).clone();
    assert_eq!(
        (q.published, q.rejected, q.lost, q.acked),
        (8, 3, 3, 5),
        "{q:?}"
    );
}
