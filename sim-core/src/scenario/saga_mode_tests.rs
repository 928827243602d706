//! The loader's side of the saga modes: a choreographed saga's event
//! queues (implicit, or declared by name), and the keys two-phase commit
//! does not use.

use super::load;
use super::messaging_tests::warned;
use super::model::*;
use super::saga_tests::{edit, SAGA};
use super::tests::{errors, ok, set};
use crate::time::SimDuration;

const CHOREOGRAPHY: &str = "name = \"checkout\"\nmode = \"choreography\"";

/// `SAGA` choreographed, without the step `timeout` choreography ignores.
fn choreographed() -> String {
    edit("name = \"checkout\"", CHOREOGRAPHY).replace(", timeout = \"500ms\"", "")
}

/// The queues of `sc`'s first saga's events, by name.
fn event_names(sc: &Scenario) -> Vec<(String, Option<String>)> {
    let name = |q: QueueId| sc.queues[q.0 as usize].name.clone();
    sc.sagas[0]
        .events
        .iter()
        .map(|(on, undo)| (name(*on), undo.map(name)))
        .collect()
}

#[test]
fn a_choreographed_saga_gets_an_implicit_queue_per_trigger() {
    let sc = ok(&choreographed());
    assert_eq!(sc.sagas[0].mode, SagaMode::Choreography);
    let named = |s: &str| s.to_string();
    assert_eq!(
        event_names(&sc),
        [
            (named("checkout.0"), Some(named("checkout.0.undo"))),
            (named("checkout.1"), Some(named("checkout.1.undo"))),
            (named("checkout.2"), None),
        ]
    );
    let q = &sc.queues[0];
    assert_eq!(
        (q.delivery, q.ack_timeout, q.max_receives),
        (Delivery::AtLeastOnce, SimDuration::from_secs(30), None)
    );
    // An orchestrated saga has none.
    assert!(ok(SAGA).queues.is_empty());
}

#[test]
fn a_declared_queue_sets_a_saga_events_delivery_and_is_a_fault_target() {
    let text = choreographed()
        + "\n[[queue]]\nname = \"checkout.1\"\nack_timeout = \"2s\"\n"
        + "\n[[fault]]\nkind = \"duplicate\"\ntarget = \"payments->checkout.1\"\nat = \"1s\"\nrate = 1.0\n";
    let sc = ok(&text);
    assert_eq!(sc.queues[0].name, "checkout.1");
    assert_eq!(sc.queues[0].ack_timeout, SimDuration::from_secs(2));
    assert_eq!(sc.sagas[0].events[1].0, QueueId(0));
    assert_eq!(sc.queues.len(), 5, "the other four are implicit");
    assert!(warned(&text, &[]).is_empty(), "{:?}", warned(&text, &[]));
}

#[test]
fn only_a_sagas_event_queues_may_have_a_dot_in_their_name() {
    let text = choreographed() + "\n[[queue]]\nname = \"cart.1\"\n";
    let messages: Vec<String> = errors(&text).into_iter().map(|d| d.message).collect();
    assert_eq!(messages, ["`cart.1` is not a valid name"]);
}

#[test]
fn two_phase_warns_of_compensations_and_a_pivot() {
    let text = edit(
        "name = \"checkout\"",
        "name = \"checkout\"\nmode = \"two_phase\"",
    );
    let sc = ok(&text);
    assert_eq!(sc.sagas[0].mode, SagaMode::TwoPhase);
    let got: Vec<String> = warned(&text, &[]).into_iter().map(|w| w.2).collect();
    let never = |key: &str, step: u32, why: &str| {
        format!("`{key}` of step {step} of [[saga]] `checkout` is never used in two_phase: {why}")
    };
    let undo = "an abort releases what the step prepared: nothing is compensated";
    assert_eq!(
        got,
        [
            never("compensate", 0, undo),
            never("compensate", 1, undo),
            never("pivot", 2, "every step commits or aborts with the others"),
        ]
    );
}

#[test]
fn set_reaches_a_declared_event_queue_by_its_dotted_name() {
    let text = choreographed() + "\n[[queue]]\nname = \"checkout.1.undo\"\n";
    let sc = load(
        &text,
        "t.toml",
        &[set("queue.checkout.1.undo.ack_timeout=5s")],
    )
    .unwrap();
    assert_eq!(sc.queues[0].ack_timeout, SimDuration::from_secs(5));
    // An implicit one has no element to set.
    let e = load(&text, "t.toml", &[set("queue.checkout.0.ack_timeout=5s")]).unwrap_err();
    assert_eq!(
        e.items[0].message,
        "--set queue.checkout.0.ack_timeout: no queue `checkout`"
    );
}

#[test]
fn an_endpoint_may_not_consume_a_sagas_event_queue() {
    let text = choreographed().replace(
        "name = \"shipping\"",
        "name = \"shipping\"\nconsumes = \"checkout.2\"",
    ) + "\n[[queue]]\nname = \"checkout.2\"\n";
    let got: Vec<String> = errors(&text).into_iter().map(|d| d.message).collect();
    assert_eq!(
        got,
        ["an endpoint consumes a queue of saga `checkout`'s events"]
    );
}

#[test]
fn choreography_warns_of_step_policies_but_retry() {
    // Step 1 of SAGA has a `timeout`, step 2 a `retry`.
    let text = edit("name = \"checkout\"", CHOREOGRAPHY);
    let got: Vec<String> = warned(&text, &[]).into_iter().map(|w| w.2).collect();
    assert_eq!(
        got,
        ["`timeout` of step 1 of [[saga]] `checkout` is never used in choreography: the step's endpoint consumes its trigger from a queue, there is no call"]
    );
}
