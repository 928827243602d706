//! Resilience policies of a caller (a client or a call) and protections of a
//! service, as the scenario declares them.

use crate::dist::Dist;
use crate::time::SimDuration;

/// Why something failed, as `retry_on` and the summary name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cause {
    /// The work failed, or a call it depended on failed.
    Error,
    /// No answer within the caller's timeout.
    Timeout,
    /// The queue was full or an admission limit said no.
    Rejected,
    /// Dropped by load shedding (or because its deadline had passed).
    Shed,
    /// A circuit breaker was open.
    Open,
    /// The instance was down.
    Refused,
}

impl Cause {
    /// Every cause, in the order the summary prints them.
    pub const ALL: [Cause; 6] = [
        Cause::Error,
        Cause::Timeout,
        Cause::Rejected,
        Cause::Shed,
        Cause::Open,
        Cause::Refused,
    ];

    /// The cause's name in scenario files and reports.
    pub fn name(self) -> &'static str {
        match self {
            Cause::Error => "error",
            Cause::Timeout => "timeout",
            Cause::Rejected => "rejected",
            Cause::Shed => "shed",
            Cause::Open => "open",
            Cause::Refused => "refused",
        }
    }
}

/// Caller-side policies of a call or a client.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Policy {
    /// Give up on an attempt after this long.
    pub timeout: Option<SimDuration>,
    pub retry: Option<Retry>,
    pub budget: Option<Budget>,
    pub breaker: Option<Breaker>,
    pub bulkhead: Option<Bulkhead>,
    /// Token bucket on the caller side.
    pub limit: Option<TokenBucket>,
    pub hedge: Option<Hedge>,
    /// Answer "degraded" after this local work instead of failing.
    pub fallback: Option<Dist>,
    /// Propagate the remaining time downstream.
    pub deadline: bool,
    /// Retries and duplicates carry the same idempotency key.
    pub idempotency_key: bool,
}

impl Policy {
    /// The policies in a few words, for the labels of a topology's edges:
    /// `timeout 200ms · retry 3 · breaker` (empty without any).
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = self.timeout {
            parts.push(format!("timeout {t}"));
        }
        if let Some(r) = &self.retry {
            parts.push(format!("retry {}", r.max_attempts));
        }
        let flags = [
            (self.budget.is_some(), "budget"),
            (self.breaker.is_some(), "breaker"),
            (self.bulkhead.is_some(), "bulkhead"),
            (
                self.limit
                    .as_ref()
                    .is_some_and(|l| l.per == LimitScope::All),
                "limit",
            ),
            (
                self.limit
                    .as_ref()
                    .is_some_and(|l| l.per == LimitScope::Key),
                "limit per key",
            ),
            (self.hedge.is_some(), "hedge"),
            (self.fallback.is_some(), "fallback"),
            (self.deadline, "deadline"),
            (self.idempotency_key, "idempotency key"),
        ];
        parts.extend(
            flags
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, n)| n.to_string()),
        );
        parts.join(" · ")
    }
}

/// Retrying failed attempts.
#[derive(Clone, Debug, PartialEq)]
pub struct Retry {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub backoff: Backoff,
    pub base: SimDuration,
    pub multiplier: f64,
    pub cap: SimDuration,
    pub jitter: Jitter,
    /// Causes worth another attempt.
    pub retry_on: Vec<Cause>,
}

impl Retry {
    /// The causes retried when `retry_on` is not given.
    pub const DEFAULT_ON: [Cause; 4] = [
        Cause::Timeout,
        Cause::Error,
        Cause::Rejected,
        Cause::Refused,
    ];
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            max_attempts: 3,
            backoff: Backoff::Exponential,
            base: SimDuration::from_millis(100),
            multiplier: 2.0,
            cap: SimDuration::from_secs(10),
            jitter: Jitter::None,
            retry_on: Retry::DEFAULT_ON.to_vec(),
        }
    }
}

/// How the delay before a retry grows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backoff {
    /// Retry at once.
    None,
    /// Always `base`.
    Constant,
    /// `base * multiplier^(n-1)`, capped.
    Exponential,
}

/// Randomisation of backoff delays ("Exponential Backoff And Jitter", AWS
/// Architecture Blog, 2015).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jitter {
    None,
    /// `random(0, delay)`.
    Full,
    /// `delay/2 + random(0, delay/2)`.
    Equal,
    /// `min(cap, random(base, previous * 3))`.
    Decorrelated,
}

/// gRPC retry throttling (proposal A6).
#[derive(Clone, Debug, PartialEq)]
pub struct Budget {
    pub max_tokens: u32,
    pub token_ratio: f64,
}

/// A circuit breaker with Resilience4j semantics.
#[derive(Clone, Debug, PartialEq)]
pub struct Breaker {
    pub window: BreakerWindow,
    /// Nothing is decided before this many calls are recorded.
    pub min_calls: u32,
    /// Open when the failure rate reaches this.
    pub failure_rate: f64,
    /// A call is slow when strictly longer than this.
    pub slow_call: SimDuration,
    /// Open when the slow-call rate reaches this.
    pub slow_call_rate: f64,
    pub open_for: SimDuration,
    /// Probes let through in half-open.
    pub half_open_calls: u32,
}

impl Default for Breaker {
    /// Resilience4j's defaults.
    fn default() -> Self {
        Breaker {
            window: BreakerWindow::Count(100),
            min_calls: 100,
            failure_rate: 0.5,
            slow_call: SimDuration::from_secs(60),
            slow_call_rate: 1.0,
            open_for: SimDuration::from_secs(60),
            half_open_calls: 10,
        }
    }
}

/// The sliding window a breaker judges over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerWindow {
    /// The last N calls.
    Count(u32),
    /// The calls of the last span of time.
    Time(SimDuration),
}

/// At most this many calls at once per caller instance.
#[derive(Clone, Debug, PartialEq)]
pub struct Bulkhead {
    pub max_concurrent: u32,
    /// How long a call may wait for a slot before it is rejected.
    pub max_wait: SimDuration,
}

/// A token bucket: `rate` tokens per second, at most `burst` saved.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenBucket {
    pub rate: f64,
    pub burst: u32,
    /// One bucket for every request, or one per request key.
    pub per: LimitScope,
}

/// Which requests share a token bucket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LimitScope {
    /// Every request through the limit takes from one bucket.
    #[default]
    All,
    /// Each request key has its own bucket: a tenant's burst spends only
    /// its own tokens.
    Key,
}

impl LimitScope {
    /// Its name in scenario files.
    pub fn name(self) -> &'static str {
        super::policies::SCOPES
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("all", |(name, _)| name)
    }
}

/// Send another copy when the first is slow; the first answer wins.
#[derive(Clone, Debug, PartialEq)]
pub struct Hedge {
    pub after: SimDuration,
    pub max_extra: u32,
}

/// Server-side protections of a service.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Protection {
    /// Drop requests that waited longer than this in the queue.
    pub shed: Option<SimDuration>,
    /// Admission token bucket.
    pub limit: Option<TokenBucket>,
    /// Passive health checking by the service's balancer.
    pub outlier: Option<Outlier>,
}

/// Envoy-style outlier detection: eject an instance after consecutive errors.
#[derive(Clone, Debug, PartialEq)]
pub struct Outlier {
    pub consecutive_errors: u32,
    pub eject_for: SimDuration,
}
