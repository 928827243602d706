//! Traces: spans of requests, attempts and service work in Chrome's trace
//! event format, which Perfetto and chrome://tracing open. Each span is an
//! async slice (`b`/`e` with an id), so overlapping requests of one node
//! stay apart. A trace keeps at most `limit` spans: memory stays bounded
//! however long the run.
//!
//! A saga run is a tree: its span, a child per call of a step or of a
//! compensation, and under each call its attempts. The spans of one tree
//! share the saga's process, the category `saga` and the root's id, which
//! is how the format nests async slices; each also names its own `span` id
//! and its `parent`'s in its arguments.
//!
//! Every span names its [`Kind`] (`args.kind`), and every span done for a
//! client request names the request (`args.request`), across
//! nodes, messages and saga steps; an attempt and the work that serves it
//! share `args.attempt`, a delivery and its consumer's work
//! `args.delivery`, and a hop names its two ends (`args.from`, `args.to`):
//! enough to draw one request as a sequence (space-time) diagram.

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
    /// A saga's call of one step or compensation, sent to its final answer.
    Step,
    /// A cache lookup, made to answered: `hit` or `miss`.
    Lookup,
    /// A copy of a message sent to a queue, to its arrival there:
    /// `stored`, `refused`, `unanswered` (a paused queue) or `lost`.
    Publish,
}

impl Kind {
    /// Its name, the `kind` argument of its spans.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Request => "request",
            Kind::Attempt => "attempt",
            Kind::Work => "work",
            Kind::Message => "message",
            Kind::Delivery => "delivery",
            Kind::Saga => "saga",
            Kind::Life => "life",
            Kind::Step => "step",
            Kind::Lookup => "lookup",
            Kind::Publish => "publish",
        }
    }
}

/// The request of work no client request caused (a health check).
pub const NO_REQUEST: u64 = 0;

/// How a span joins the other spans of its request and of the messages
/// it publishes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Link {
    /// The client request it is done for ([`NO_REQUEST`]: none).
    pub request: u64,
    /// The request key of the work, and the message id of a message's spans.
    pub key: Option<u64>,
    pub message: Option<u64>,
    /// The attempt it is, or the one the work serves.
    pub attempt: Option<u64>,
    /// The delivery it is, or the one the work serves.
    pub delivery: Option<u64>,
    /// A hop's two ends: caller and callee, publisher and queue.
    pub from: Option<String>,
    pub to: Option<String>,
}

impl Link {
    /// A span of `request` with nothing else to say.
    pub fn of(request: u64) -> Link {
        Link {
            request,
            ..Link::default()
        }
    }
}

/// One recorded span.
#[derive(Clone, Debug)]
pub(super) struct Span {
    pub kind: Kind,
    /// The node's name and, for work, its instance.
    pub node: String,
    pub instance: Option<u32>,
    pub start: SimTime,
    pub end: SimTime,
    /// How it ended: `ok`, `degraded`, a failure's cause, for a message
    /// `acked`, `dead_lettered` or `lost`, for a lookup `hit` or `miss`.
    pub outcome: &'static str,
    /// Where it sits in a saga run's tree.
    pub tree: Option<Tree>,
    /// Its request, key, message and hop.
    pub link: Link,
    /// Begun and not yet ended: closed as `in_flight` when the trace is taken.
    pub open: bool,
}

/// A span's place in a saga run's tree, and what a step call names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tree {
    /// The saga run's span; `None` for the root itself or when it was left out.
    pub root: Option<usize>,
    pub parent: Option<usize>,
    /// The slice's name: `step 1 payments.charge`, `attempt -> payments`.
    pub label: String,
    /// A step call's step, endpoint, direction and how many times the
    /// orchestrator had called it (1 for the first call).
    pub call: Option<StepCall>,
}

/// What a step call's span says of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepCall {
    pub step: u32,
    pub endpoint: String,
    pub compensation: bool,
    pub call: u32,
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
            let name = match (s.kind, s.instance, &s.tree) {
                (_, _, Some(t)) if !t.label.is_empty() => t.label.clone(),
                (Kind::Request, ..) => "request".to_string(),
                (Kind::Attempt, ..) => "attempt".to_string(),
                (Kind::Work, Some(i), _) => format!("work #{i}"),
                (Kind::Work, None, _) => "work".to_string(),
                (Kind::Message, ..) => "message".to_string(),
                (Kind::Delivery, ..) => "delivery".to_string(),
                (Kind::Saga, ..) => "saga".to_string(),
                (Kind::Step, ..) => "step".to_string(),
                (Kind::Life, Some(i), _) => format!("instance #{i}"),
                (Kind::Life, None, _) => "instance".to_string(),
                (Kind::Lookup, ..) => format!("lookup: {}", s.outcome),
                (Kind::Publish, ..) => "publish".to_string(),
            };
            let outcome = s.outcome;
            let (slice, cat) = match &s.tree {
                Some(t) => (t.root.unwrap_or(id), "saga"),
                None => (id, outcome),
            };
            let common = json!({ "name": name, "cat": cat, "id": slice, "pid": pid, "tid": s.instance.unwrap_or(0) });
            let mut begin = common.clone();
            begin["ph"] = json!("b");
            begin["ts"] = json!(s.start.0 as f64 / 1000.0);
            let mut args = json!({ "outcome": outcome, "kind": s.kind.name() });
            link_args(&mut args, &s.link);
            if let Some(t) = &s.tree {
                args["span"] = json!(id);
                if let Some(p) = t.parent {
                    args["parent"] = json!(p);
                }
                if let Some(c) = &t.call {
                    args["step"] = json!(c.step);
                    args["endpoint"] = json!(c.endpoint);
                    let direction = if c.compensation {
                        "compensation"
                    } else {
                        "forward"
                    };
                    args["direction"] = json!(direction);
                    args["call"] = json!(c.call);
                }
            }
            begin["args"] = args;
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

    /// Adds `span` unless the trace is full; returns its id.
    fn push(&mut self, span: Span) -> Option<usize> {
        if self.spans.len() >= self.limit {
            self.dropped += 1;
            return None;
        }
        self.spans.push(span);
        Some(self.spans.len() - 1)
    }

    /// Ends the open span `id` at `end` with `outcome`.
    pub(super) fn close(&mut self, id: usize, end: SimTime, outcome: &'static str) {
        if let Some(s) = self.spans.get_mut(id).filter(|s| s.open) {
            s.end = end;
            s.outcome = outcome;
            s.open = false;
        }
    }

    /// Ends every span still open at `end`: runs the run's end cut short.
    fn close_all(&mut self, end: SimTime) {
        for s in self.spans.iter_mut().filter(|s| s.open) {
            s.end = end;
            s.outcome = "in_flight";
            s.open = false;
        }
    }
}

/// Adds what `link` says to a span's arguments.
fn link_args(args: &mut Value, link: &Link) {
    if let Some(k) = link.key {
        args["key"] = json!(k);
    }
    if let Some(m) = link.message {
        args["message"] = json!(m);
    }
    if link.request != NO_REQUEST {
        args["request"] = json!(link.request);
    }
    if let Some(a) = link.attempt {
        args["attempt"] = json!(a);
    }
    if let Some(d) = link.delivery {
        args["delivery"] = json!(d);
    }
    if let Some(f) = &link.from {
        args["from"] = json!(f);
    }
    if let Some(t) = &link.to {
        args["to"] = json!(t);
    }
}

impl Simulation {
    /// Records spans from now on, at most `limit` of them.
    pub fn enable_trace(&mut self, limit: usize) {
        self.trace = Some(Trace::new(limit));
    }

    /// The trace recorded so far, if tracing was enabled.
    /// Spans still open (a saga run not over) end now, as `in_flight`.
    pub fn take_trace(&mut self) -> Option<Trace> {
        let mut trace = self.trace.take()?;
        trace.close_all(self.now);
        Some(trace)
    }

    /// Records a span of `kind` on `node` (`instance` for work) from
    /// `start` to now, ended with `outcome`, joined to others by `link`.
    pub(super) fn record_span(
        &mut self,
        kind: Kind,
        node: &str,
        instance: Option<u32>,
        start: SimTime,
        outcome: &'static str,
        link: Link,
    ) {
        self.begin_span(Span {
            kind,
            node: node.to_string(),
            instance,
            start,
            end: self.now,
            outcome,
            tree: None,
            link,
            open: false,
        });
    }

    /// Records `span` (in a saga tree when it has one; [`Trace::close`]
    /// ends it later when it is `open`). Returns its id, `None` when left
    /// out.
    pub(super) fn begin_span(&mut self, span: Span) -> Option<usize> {
        self.trace.as_mut()?.push(span)
    }
}
