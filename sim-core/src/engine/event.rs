//! What can happen in a simulation: a closed set of events and outcomes.

use crate::scenario::model::{Cause, ClientId, Target};
use crate::time::SimTime;

/// A handle on a slab entry plus the uid it had when the event was scheduled;
/// a mismatch means the entry has ended and the event is stale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handle {
    pub key: u32,
    pub uid: u64,
}

/// One scheduled event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The next open-loop arrival of a client.
    Arrival(ClientId),
    /// A closed-loop user of a client finished thinking and sends a request.
    Wake(ClientId),
    /// A request message (an attempt of an exchange) reaches the instance
    /// it chose, with the deadline it carries (`SimTime::MAX` for none).
    Deliver(Handle, Handle, Target, u32, SimTime),
    /// An instance finished the local work of a job.
    WorkDone(Handle),
    /// An answer reaches the caller of a call.
    Respond(Handle, Outcome),
    /// An attempt's timeout expires.
    Timeout(Handle),
    /// An exchange's backoff is over: it tries again.
    Retry(Handle),
    /// An exchange's hedge delay is over: it may send another copy.
    Hedge(Handle),
    /// An exchange's fallback has done its work.
    Fallback(Handle),
    /// An exchange has waited `max_wait` for a bulkhead slot.
    SlotWait(Handle),
    /// A publish reaches its queue.
    Publish(Handle),
    /// A queue's answer to an outbox relay: stored or refused.
    Stored(Handle, bool),
    /// An outbox relay's wait for an answer is over.
    RelayRetry(Handle),
    /// A delivery of a queue's message reaches its consumer instance.
    Receive(Handle),
    /// An ack (`true`) or a nack of delivery `u64` of held copy `Handle` of
    /// queue `u32` reaches the queue.
    Acked(u32, Handle, u64, bool),
    /// The ack timeout of delivery `u64` of held copy `Handle` of queue `u32`.
    AckTimeout(u32, Handle, u64),
    /// A saga run calls its current step again (in the orchestrator's
    /// generation `u32`).
    SagaRetry(Handle, u32),
    /// A cache lookup has had its `hit_time` on a worker.
    CacheDone(Handle),
    /// Fault `i` of the scenario starts.
    FaultStart(u32),
    /// Fault `i` ends.
    FaultEnd(u32),
    /// Instance `u32` of service `u32` is done starting, if still in its
    /// generation `u32`.
    Ready(u32, u32, u32),
    /// A round of health checks of a service's instances.
    HealthCheck(u32),
    /// Health check `u32` of instance `u32` of service `u32` (last) has
    /// not been answered in time.
    ProbeTimeout(u32, u32, u32),
    /// An autoscaler's decision.
    Autoscale(u32),
    /// The next step of deployment `u32`.
    DeployStep(u32),
    /// Deployment `u32`'s analysis judges its last window.
    DeployJudge(u32),
    /// A timeseries window ends.
    Tick,
    /// An expectation's window opens (index into the probes).
    Mark(u32),
}

impl Event {
    /// Whether the event only observes the model (a timeseries tick, an
    /// expectation's mark): such events change nothing and are not counted.
    pub fn observes(self) -> bool {
        matches!(self, Event::Tick | Event::Mark(_))
    }

    /// What the event is, for the message of a stopped run.
    pub fn describe(self) -> &'static str {
        match self {
            Event::Arrival(_) => "open-loop arrivals",
            Event::Wake(_) => "closed-loop users sending their next request",
            Event::Deliver(..) => "requests reaching an instance",
            Event::WorkDone(_) => "work finishing at an instance",
            Event::Respond(..) => "answers reaching their callers",
            Event::Timeout(_) => "attempts timing out",
            Event::Retry(_) => "retries",
            Event::Hedge(_) => "hedges",
            Event::Fallback(_) => "fallbacks answering",
            Event::SlotWait(_) => "bulkhead waits ending",
            Event::Publish(_) => "publishes reaching a queue",
            Event::Stored(..) => "queue answers reaching an outbox relay",
            Event::RelayRetry(_) => "outbox relays sending again",
            Event::Receive(_) => "deliveries reaching a consumer",
            Event::Acked(..) => "acks reaching a queue",
            Event::AckTimeout(..) => "ack timeouts",
            Event::SagaRetry(..) => "saga steps called again",
            Event::CacheDone(_) => "cache lookups answering",
            Event::FaultStart(_) | Event::FaultEnd(_) => "faults starting or ending",
            Event::Ready(..) => "instances finishing their startup",
            Event::HealthCheck(_) | Event::ProbeTimeout(..) => "health checks",
            Event::Autoscale(_) => "autoscaler decisions",
            Event::DeployStep(_) | Event::DeployJudge(_) => "deployment steps",
            Event::Tick | Event::Mark(_) => "observation",
        }
    }
}

/// How an attempt, a call or a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Answered by a fallback instead of the real thing.
    Degraded,
    Failed(Cause),
}

impl Outcome {
    /// Succeeded or degraded: the caller got an answer it can use.
    pub fn is_success(self) -> bool {
        !matches!(self, Outcome::Failed(_))
    }
}
