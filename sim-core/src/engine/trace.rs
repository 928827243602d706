//! Traces: spans of requests, attempts and service work in Chrome's trace
//! event format, which Perfetto and chrome://tracing open. Each span is an
//! async slice (`b`/`e` with an id), so overlapping requests of one node
//! stay apart. A trace keeps at most `limit` spans: memory stays bounded
//! however long the run.

use super::event::Outcome;
use super::Simulation;
use crate::time::SimTime;
use serde_json::{json, Value};

/// What a span covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A client's logical request, first send to final answer.
    Request,
    /// One attempt of a client or a call, sent to answered or timed out.
    Attempt,
    /// A service instance's handling of one attempt, arrival to answer.
    Work,
    /// A message held by a queue, stored to acked, dead-lettered or lost.
    Message,
    /// One delivery of a message, sent to its consumer's answer.
    Delivery,
    /// A saga run, started to completed or compensated.
    Saga,
    /// An instance's lifecycle transition (an instant): started, stopped,
    /// restarted, removed or readmitted.
    Life,
}

/// One recorded span.
#[derive(Clone, Debug)]
struct Span {
    kind: Kind,
    /// The node's name and, for work, its instance.
    node: String,
    instance: Option<u32>,
    start: SimTime,
    end: SimTime,
    /// How it ended: `ok`, `degraded`, a failure's cause, or for a message
    /// `acked`, `dead_lettered` or `lost`.
    outcome: &'static str,
    /// The request key of the work, and the message id of a message's spans.
    tag: Option<Tag>,
}

/// What links the spans of one request and of the messages it publishes:
/// its key, and a message's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tag {
    pub key: u64,
    pub message: Option<u64>,
}

/// The name of an outcome in a trace.
pub fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Ok => "ok",
        Outcome::Degraded => "degraded",
        Outcome::Failed(c) => c.name(),
    }
}

/// The spans of a run, up to a limit.
#[derive(Clone, Debug)]
pub struct Trace {
    limit: usize,
    spans: Vec<Span>,
    /// Spans left out once the limit was reached.
    pub dropped: u64,
}

impl Trace {
    pub fn new(limit: usize) -> Trace {
        Trace {
            limit,
            spans: Vec::new(),
            dropped: 0,
        }
    }

    /// The trace as Chrome trace event JSON: one process per node, one
    /// async slice per span, times in microseconds of simulated time.
    pub fn to_json(&self) -> String {
        let mut nodes: Vec<&str> = Vec::new();
        let mut events: Vec<Value> = Vec::new();
        for (id, s) in self.spans.iter().enumerate() {
            let pid = match nodes.iter().position(|n| *n == s.node) {
                Some(p) => p,
                None => {
                    nodes.push(&s.node);
                    events.push(json!({
                        "name": "process_name", "ph": "M", "pid": nodes.len() - 1,
                        "args": { "name": s.node },
                    }));
                    nodes.len() - 1
                }
            };
            let name = match (s.kind, s.instance) {
                (Kind::Request, _) => "request".to_string(),
                (Kind::Attempt, _) => "attempt".to_string(),
                (Kind::Work, Some(i)) => format!("work #{i}"),
                (Kind::Work, None) => "work".to_string(),
                (Kind::Message, _) => "message".to_string(),
                (Kind::Delivery, _) => "delivery".to_string(),
                (Kind::Saga, _) => "saga".to_string(),
                (Kind::Life, Some(i)) => format!("instance #{i}"),
                (Kind::Life, None) => "instance".to_string(),
            };
            let outcome = s.outcome;
            let common = json!({ "name": name, "cat": outcome, "id": id, "pid": pid, "tid": s.instance.unwrap_or(0) });
            let mut begin = common.clone();
            begin["ph"] = json!("b");
            begin["ts"] = json!(s.start.0 as f64 / 1000.0);
            begin["args"] = match s.tag {
                Some(Tag {
                    key,
                    message: Some(m),
                }) => json!({ "outcome": outcome, "key": key, "message": m }),
                Some(Tag { key, message: None }) => json!({ "outcome": outcome, "key": key }),
                None => json!({ "outcome": outcome }),
            };
            let mut end = common;
            end["ph"] = json!("e");
            end["ts"] = json!(s.end.0 as f64 / 1000.0);
            events.push(begin);
            events.push(end);
        }
        let doc = json!({
            "traceEvents": events,
            "displayTimeUnit": "ms",
            "otherData": { "spans_dropped": self.dropped },
        });
        let mut text = serde_json::to_string(&doc).unwrap_or_default();
        text.push('\n');
        text
    }
}

impl Simulation {
    /// Records spans from now on, at most `limit` of them.
    pub fn enable_trace(&mut self, limit: usize) {
        self.trace = Some(Trace::new(limit));
    }

    /// The trace recorded so far, if tracing was enabled.
    pub fn take_trace(&mut self) -> Option<Trace> {
        self.trace.take()
    }

    /// Records a span of `kind` on `node` (`instance` for work) from
    /// `start` to now.
    pub(super) fn record_span(
        &mut self,
        kind: Kind,
        node: &str,
        instance: Option<u32>,
        start: SimTime,
        outcome: Outcome,
    ) {
        self.record_tagged(kind, node, instance, start, outcome_name(outcome), None);
    }

    /// [`Self::record_span`] with the message it belongs to.
    pub(super) fn record_tagged(
        &mut self,
        kind: Kind,
        node: &str,
        instance: Option<u32>,
        start: SimTime,
        outcome: &'static str,
        tag: Option<Tag>,
    ) {
        let now = self.now;
        let Some(t) = &mut self.trace else {
            return;
        };
        if t.spans.len() >= t.limit {
            t.dropped += 1;
            return;
        }
        t.spans.push(Span {
            kind,
            node: node.to_string(),
            instance,
            start,
            end: now,
            outcome,
            tag,
        });
    }
}
