//! Reading the resilience policies of clients and calls, and the
//! protections of services, into [`super::policy`] types.
//!
//! Every nested table is opened with its own key list, so a misspelt key
//! inside `retry = { ... }` gets the same "did you mean" as a top-level one,
//! and every value is checked where it is written.

use super::fields::{self, Fields};
use super::format::{self, WINDOW_CALLS};
use super::model::Cause;
use super::policy::{
    Backoff, Breaker, BreakerWindow, Budget, Bulkhead, Hedge, Jitter, LimitScope, Outlier, Policy,
    Protection, Retry, TokenBucket,
};
use super::problems::Problems;
use super::tree::{Node, Value};
use crate::dist::Dist;
use crate::time::SimDuration;

const BACKOFFS: &[(&str, Backoff)] = &[
    ("none", Backoff::None),
    ("constant", Backoff::Constant),
    ("exponential", Backoff::Exponential),
];

const JITTERS: &[(&str, Jitter)] = &[
    ("none", Jitter::None),
    ("full", Jitter::Full),
    ("equal", Jitter::Equal),
    ("decorrelated", Jitter::Decorrelated),
];

const WINDOWS: &[(&str, bool)] = &[("count", false), ("time", true)];

/// The scopes of a `limit` by their names in scenario files.
pub(crate) const SCOPES: &[(&str, LimitScope)] =
    &[("all", LimitScope::All), ("key", LimitScope::Key)];

/// Opens the table of policy `key` of the table `f`, if present.
fn nested<'a>(
    f: &Fields<'a>,
    key: &str,
    desc: &'static format::Table,
    p: &mut Problems,
) -> Option<Fields<'a>> {
    let node = f.get(key)?;
    let context = format!("`{key}` of {}", f.context);
    Fields::open(node, &format!("`{key}`"), desc, context, p)
}

/// A duration longer than zero.
fn positive(node: &Node, key: &str, p: &mut Problems) -> Option<SimDuration> {
    let d = fields::duration(node, key, p)?;
    if d.0 == 0 {
        p.error(node.at, format!("`{key}` must be longer than 0"));
        return None;
    }
    Some(d)
}

/// A number at least `min`.
fn at_least(node: &Node, key: &str, min: f64, p: &mut Problems) -> Option<f64> {
    let x = fields::number(node, key, p)?;
    if x < min {
        p.error(node.at, format!("`{key}` must be at least {min}, got {x}"));
        return None;
    }
    Some(x)
}

/// The caller-side policies of a client or a call.
pub(crate) fn policy(f: &Fields, p: &mut Problems) -> Option<Policy> {
    let timeout = f.read("timeout", p, positive);
    let retry = nested(f, "retry", &format::RETRY, p).map(|r| retry(&r, p));
    let budget = nested(f, "budget", &format::BUDGET, p).map(|b| budget(&b, p));
    let breaker = nested(f, "breaker", &format::BREAKER, p).map(|b| breaker(&b, p));
    let bulkhead = nested(f, "bulkhead", &format::BULKHEAD, p).map(|b| bulkhead(&b, p));
    let limit = nested(f, "limit", &format::LIMIT, p).map(|l| bucket(&l, p));
    let hedge = nested(f, "hedge", &format::HEDGE, p).map(|h| hedge(&h, p));
    let fallback = nested(f, "fallback", &format::FALLBACK, p).map(|b| {
        Some(
            b.read("service_time", p, fields::dist)
                .unwrap_or(Dist::Constant(SimDuration::ZERO)),
        )
    });
    let deadline = f.read("deadline", p, fields::boolean).unwrap_or(false);
    let idempotency_key = f
        .read("idempotency_key", p, fields::boolean)
        .unwrap_or(false);
    if let (Some(_), None, None) = (&budget, &retry, &hedge) {
        let at = f.place("budget");
        p.hinted(
            at,
            format!(
                "`budget` in {} throttles retries and hedges, and there are none",
                f.context
            ),
            Some("add `retry = { max_attempts = 3 }`, or remove the budget".to_string()),
        );
    }
    Some(Policy {
        timeout,
        retry: retry.flatten(),
        budget: budget.flatten(),
        breaker: breaker.flatten(),
        bulkhead: bulkhead.flatten(),
        limit: limit.flatten(),
        hedge: hedge.flatten(),
        fallback: fallback.flatten(),
        deadline,
        idempotency_key,
    })
}

/// `retry = { max_attempts, backoff, base, multiplier, cap, jitter, retry_on }`.
fn retry(f: &Fields, p: &mut Problems) -> Option<Retry> {
    let d = Retry::default();
    let max_attempts = f.count("max_attempts", p);
    let backoff = f.read("backoff", p, |n, k, p| fields::choice(n, k, BACKOFFS, p));
    let base = f.read("base", p, fields::duration);
    let multiplier = f.read("multiplier", p, |n, k, p| at_least(n, k, 1.0, p));
    let cap = f.read("cap", p, fields::duration);
    let jitter = f.read("jitter", p, |n, k, p| fields::choice(n, k, JITTERS, p));
    let retry_on = f.read("retry_on", p, causes);
    let r = Retry {
        max_attempts: max_attempts.unwrap_or(d.max_attempts),
        backoff: backoff.unwrap_or(d.backoff),
        base: base.unwrap_or(d.base),
        multiplier: multiplier.unwrap_or(d.multiplier),
        cap: cap.unwrap_or(d.cap),
        jitter: jitter.unwrap_or(d.jitter),
        retry_on: retry_on.unwrap_or(d.retry_on),
    };
    if r.cap < r.base {
        let at = f.get("cap").or(f.get("base")).map_or(f.at, |n| n.at);
        p.error(
            at,
            format!(
                "`cap` ({}) is shorter than `base` ({}) in {}",
                r.cap, r.base, f.context
            ),
        );
        return None;
    }
    Some(r)
}

/// `retry_on = ["timeout", "error"]`: failure causes.
fn causes(node: &Node, key: &str, p: &mut Problems) -> Option<Vec<Cause>> {
    let items = fields::array(node, key, p)?;
    let names: Vec<&str> = Cause::ALL.iter().map(|c| c.name()).collect();
    let options: Vec<(&str, Cause)> = names.iter().copied().zip(Cause::ALL).collect();
    let mut out = Vec::new();
    for item in items {
        out.push(fields::choice(item, "cause", &options, p)?);
    }
    out.sort();
    out.dedup();
    Some(out)
}

/// `budget = { max_tokens, token_ratio }`, both required as in gRPC.
fn budget(f: &Fields, p: &mut Problems) -> Option<Budget> {
    let max_tokens = f.require_count("max_tokens", p);
    let token_ratio = f.require("token_ratio", p, |n, k, p| {
        let x = fields::number(n, k, p)?;
        let milli = x * 1000.0;
        if !(x > 0.0 && x <= 1.0) || (milli - libm::round(milli)).abs() > 1e-9 {
            p.hinted(
                n.at,
                format!("`{k}` must be from 0.001 to 1 in steps of 0.001, got {x}"),
                Some("tokens are counted in thousandths, as gRPC does".to_string()),
            );
            return None;
        }
        Some(x)
    });
    Some(Budget {
        max_tokens: max_tokens?,
        token_ratio: token_ratio?,
    })
}

/// `breaker = { window, size, min_calls, failure_rate, slow_call, ... }`.
fn breaker(f: &Fields, p: &mut Problems) -> Option<Breaker> {
    let d = Breaker::default();
    let timed = f
        .read("window", p, |n, k, p| fields::choice(n, k, WINDOWS, p))
        .unwrap_or(false);
    let window = match (timed, f.get("size")) {
        (false, None) => d.window,
        (true, None) => BreakerWindow::Time(SimDuration::from_secs(60)),
        (false, Some(n)) => match n.value {
            Value::String(_) => {
                let hint = "a count window's size is a number of calls; for a span of time write `window = \"time\"`";
                p.hinted(
                    n.at,
                    "`size` of a count window is a number of calls".to_string(),
                    Some(hint.to_string()),
                );
                return None;
            }
            _ => {
                let size = fields::bounded(n, "size", WINDOW_CALLS, p)?;
                BreakerWindow::Count(u32::try_from(size).ok()?)
            }
        },
        (true, Some(n)) => BreakerWindow::Time(positive(n, "size", p)?),
    };
    let min_calls = f.count("min_calls", p);
    let failure_rate = f.read("failure_rate", p, fields::probability);
    let slow_call = f.read("slow_call", p, fields::duration);
    let slow_call_rate = f.read("slow_call_rate", p, fields::probability);
    let open_for = f.read("open_for", p, positive);
    let half_open_calls = f.count("half_open_calls", p);
    Some(Breaker {
        window,
        min_calls: min_calls.unwrap_or(d.min_calls),
        failure_rate: failure_rate.unwrap_or(d.failure_rate),
        slow_call: slow_call.unwrap_or(d.slow_call),
        slow_call_rate: slow_call_rate.unwrap_or(d.slow_call_rate),
        open_for: open_for.unwrap_or(d.open_for),
        half_open_calls: half_open_calls.unwrap_or(d.half_open_calls),
    })
}

/// `bulkhead = { max_concurrent, max_wait }`.
fn bulkhead(f: &Fields, p: &mut Problems) -> Option<Bulkhead> {
    let max_concurrent = f.require_count("max_concurrent", p);
    let max_wait = f
        .read("max_wait", p, fields::duration)
        .unwrap_or(SimDuration::ZERO);
    Some(Bulkhead {
        max_concurrent: max_concurrent?,
        max_wait,
    })
}

/// `limit = { rate, burst, per }`: a token bucket, shared or one per key.
/// `burst` defaults to one second's worth of tokens (at least one).
fn bucket(f: &Fields, p: &mut Problems) -> Option<TokenBucket> {
    let rate = f.require("rate", p, |n, k, p| {
        let r = fields::rate(n, k, p)?;
        if r <= 0.0 {
            p.error(n.at, format!("`{k}` of a limit must be more than 0"));
            return None;
        }
        Some(r)
    })?;
    let burst = f.count("burst", p);
    let per = f.read("per", p, |n, k, p| fields::choice(n, k, SCOPES, p));
    Some(TokenBucket {
        rate,
        burst: burst.unwrap_or_else(|| libm::ceil(rate).max(1.0) as u32),
        per: per.unwrap_or_default(),
    })
}

/// `hedge = { after, max_extra }`.
fn hedge(f: &Fields, p: &mut Problems) -> Option<Hedge> {
    let after = f.require("after", p, positive);
    let max_extra = f.count("max_extra", p);
    Some(Hedge {
        after: after?,
        max_extra: max_extra.unwrap_or(1),
    })
}

/// A service's `shed`, `limit` and `outlier` (Envoy's outlier detection:
/// defaults 5 consecutive errors, ejected for 30 s).
pub(crate) fn protection(f: &Fields, p: &mut Problems) -> Protection {
    let shed =
        nested(f, "shed", &format::SHED, p).and_then(|s| s.require("queue_wait", p, positive));
    let limit = nested(f, "limit", &format::LIMIT, p).and_then(|l| bucket(&l, p));
    let outlier = nested(f, "outlier", &format::OUTLIER, p).map(|o| {
        let errors = o.count("consecutive_errors", p);
        let eject_for = o.read("eject_for", p, positive);
        Outlier {
            consecutive_errors: errors.unwrap_or(5),
            eject_for: eject_for.unwrap_or(SimDuration::from_secs(30)),
        }
    });

    Protection {
        shed,
        limit,
        outlier,
    }
}
