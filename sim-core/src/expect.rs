//! Expectations: the `expect` lines of a scenario, parsed and evaluated.
//!
//! Grammar: `FUNCTION(SUBJECT[, WINDOW]) OP VALUE`, for example
//! `success_rate(users, 60s..) >= 0.99` or `p99(api) < 250ms`.
//! Latency values carry a unit and compare in milliseconds.

use crate::time::{parse_duration, SimDuration, SimTime};
use std::fmt;

/// One parsed `expect` line.
#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    /// The line as written, for reports.
    pub text: String,
    pub metric: Metric,
    /// The client or service the metric is about.
    pub subject: String,
    /// Where to measure; `None` is the whole run after warmup.
    pub window: Option<Window>,
    pub op: Op,
    /// The threshold, in the metric's unit (latencies in milliseconds,
    /// `max_age` in seconds).
    pub value: f64,
}

/// What an expectation measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Succeeded over issued requests of a client (over arrived attempts of
    /// a service): degraded, failed and unfinished ones are not successes.
    SuccessRate,
    /// Answered by a fallback, over issued requests.
    DegradedRate,
    /// Failed, over issued requests.
    FailureRate,
    /// Issued and not ended when the run stopped (a count).
    InFlight,
    /// A latency statistic of a client (end to end) or a service (per attempt).
    Latency(Stat),
    /// The longest queue of any instance of a service.
    MaxQueue,
    /// Average busy fraction of a service's workers.
    Utilization,
    /// Every try of a client's requests, retries and hedges included.
    Attempts,
    /// Attempts reaching a service per logical client request (all clients).
    Amplification,
    /// The state of the breaker named by the subject (`caller->service`) at
    /// an instant; the value is 0 closed, 1 open, 2 half-open.
    Breaker(SimTime),
    /// Applications of an effect for a logical request that had already
    /// applied it.
    DuplicateEffects,
    /// Messages of a queue that went to its dead letter (a count).
    DeadLetters,
    /// Messages of a queue never delivered and never dead-lettered: dropped
    /// by at-most-once delivery or by a dual write (a count).
    Lost,
    /// The most messages a queue held at once.
    MaxDepth,
    /// The age of a queue's oldest unacked message, at its highest. The
    /// threshold is a duration (`max_age(orders) < 5s`), parsed like a
    /// latency's but compared in seconds, as the summary's `max_age_s`.
    MaxAge,
    /// Deliveries of a queue that overtook an earlier message of the same
    /// key (0 by construction with partitions).
    OutOfOrder,
    /// A count of a saga's runs: `sagas(checkout).inconsistent == 0`.
    Saga(SagaStat),
    /// A cache's hits over its lookups (hits and misses).
    HitRatio,
    /// A service's instances started and not stopped at an instant:
    /// `instances(api) at 90s >= 6`.
    Instances(SimTime),
    /// The most instances a service had at once.
    MaxInstances,
    /// What a service's deployment did: `deploy(api).rolled_back == true`.
    Deploy(DeployStat),
}

/// What `deploy(SERVICE).STAT` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeployStat {
    /// Whether the analysis rolled it back (true is 1).
    RolledBack,
    /// Steps taken.
    StepsDone,
}

/// What `sagas(NAME).STAT` counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SagaStat {
    Started,
    Completed,
    Compensated,
    /// Neither completed nor fully compensated when the run stopped.
    InFlight,
    /// Whose effects no longer balance.
    Inconsistent,
    /// Compensations of steps that never applied (no-ops).
    CompensationsWithoutEffect,
}

impl Metric {
    /// Whether the subject is a broker queue.
    pub fn is_about_a_queue(self) -> bool {
        matches!(
            self,
            Metric::DeadLetters
                | Metric::Lost
                | Metric::MaxDepth
                | Metric::MaxAge
                | Metric::OutOfOrder
        )
    }

    /// Whether the metric is a fraction from 0 to 1.
    pub fn is_rate(self) -> bool {
        matches!(
            self,
            Metric::SuccessRate
                | Metric::DegradedRate
                | Metric::FailureRate
                | Metric::Utilization
                | Metric::HitRatio
        )
    }
}

/// Whether `x OP value` holds for some `x` in `[0, 1]`.
fn can_hold(op: Op, value: f64) -> bool {
    match op {
        Op::Lt => value > 0.0,
        Op::Le => value >= 0.0,
        Op::Gt => value < 1.0,
        Op::Ge => value <= 1.0,
        Op::Eq => (0.0..=1.0).contains(&value),
        Op::Ne => true,
    }
}

/// A breaker state's name as `expect` lines write it, from its code.
pub const BREAKER_STATES: [&str; 3] = ["closed", "open", "half_open"];

/// A latency statistic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stat {
    Mean,
    P50,
    P90,
    P95,
    P99,
    P999,
    Max,
}

impl Stat {
    /// The quantile this statistic reads, or `None` for mean and max.
    pub fn quantile(self) -> Option<f64> {
        match self {
            Stat::P50 => Some(0.5),
            Stat::P90 => Some(0.9),
            Stat::P95 => Some(0.95),
            Stat::P99 => Some(0.99),
            Stat::P999 => Some(0.999),
            Stat::Mean | Stat::Max => None,
        }
    }
}

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Op {
    /// Whether `observed OP threshold` holds.
    pub fn holds(self, observed: f64, threshold: f64) -> bool {
        match self {
            Op::Lt => observed < threshold,
            Op::Le => observed <= threshold,
            Op::Gt => observed > threshold,
            Op::Ge => observed >= threshold,
            Op::Eq => observed == threshold,
            Op::Ne => observed != threshold,
        }
    }
}

/// A span of simulated time: `60s..120s`, `60s..`, `..30s`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub start: SimTime,
    /// `None` runs to the end of the run.
    pub end: Option<SimTime>,
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..", SimDuration(self.start.0))?;
        match self.end {
            Some(e) => write!(f, "{}", SimDuration(e.0)),
            None => Ok(()),
        }
    }
}

/// Functions the grammar knows, for "did you mean" hints.
pub const FUNCTIONS: &[&str] = &[
    "success_rate",
    "degraded_rate",
    "failure_rate",
    "in_flight",
    "mean",
    "p50",
    "p90",
    "p95",
    "p99",
    "p999",
    "max",
    "max_queue",
    "utilization",
    "attempts",
    "amplification",
    "breaker",
    "duplicate_effects",
    "dead_letters",
    "lost",
    "max_depth",
    "max_age",
    "out_of_order",
    "hit_ratio",
    "sagas",
    "instances",
    "max_instances",
    "deploy",
];

/// The words of `sagas(NAME).STAT`, as the summary's `sagas` object names them.
const SAGA_STATS: [(&str, SagaStat); 6] = [
    ("started", SagaStat::Started),
    ("completed", SagaStat::Completed),
    ("compensated", SagaStat::Compensated),
    ("in_flight", SagaStat::InFlight),
    ("inconsistent", SagaStat::Inconsistent),
    (
        "compensations_without_effect",
        SagaStat::CompensationsWithoutEffect,
    ),
];

/// Parses a window: `60s..120s`, `60s..`, `..30s`.
pub fn parse_window(text: &str) -> Result<Window, String> {
    let (a, b) = text.split_once("..").ok_or_else(|| {
        format!("`{text}` is not a window: expected `START..END`, `START..` or `..END`")
    })?;
    let start = if a.trim().is_empty() {
        SimTime::ZERO
    } else {
        SimTime(parse_duration(a)?.0)
    };
    let end = if b.trim().is_empty() {
        None
    } else {
        Some(SimTime(parse_duration(b)?.0))
    };
    if end.is_some_and(|e| e <= start) {
        return Err(format!("window `{text}` ends before it starts"));
    }
    Ok(Window { start, end })
}

/// Parses one `expect` line.
pub fn parse_expectation(text: &str) -> Result<Expectation, String> {
    let s = text.trim();
    let open = s
        .find('(')
        .ok_or_else(|| format!("`{text}` is not an expectation: expected `FUNCTION(NAME) OP VALUE`, like `p99(users) < 250ms`"))?;
    let close = s[open..]
        .find(')')
        .map(|i| i + open)
        .ok_or_else(|| format!("`{text}` is missing a `)`"))?;
    let function = s[..open].trim();
    let metric = match function {
        "success_rate" => Metric::SuccessRate,
        "degraded_rate" => Metric::DegradedRate,
        "failure_rate" => Metric::FailureRate,
        "in_flight" => Metric::InFlight,
        "mean" => Metric::Latency(Stat::Mean),
        "p50" => Metric::Latency(Stat::P50),
        "p90" => Metric::Latency(Stat::P90),
        "p95" => Metric::Latency(Stat::P95),
        "p99" => Metric::Latency(Stat::P99),
        "p999" => Metric::Latency(Stat::P999),
        "max" => Metric::Latency(Stat::Max),
        "max_queue" => Metric::MaxQueue,
        "utilization" => Metric::Utilization,
        "attempts" => Metric::Attempts,
        "amplification" => Metric::Amplification,
        "breaker" => Metric::Breaker(SimTime::ZERO),
        "duplicate_effects" => Metric::DuplicateEffects,
        "dead_letters" => Metric::DeadLetters,
        "lost" => Metric::Lost,
        "max_depth" => Metric::MaxDepth,
        "max_age" => Metric::MaxAge,
        "out_of_order" => Metric::OutOfOrder,
        "hit_ratio" => Metric::HitRatio,
        "sagas" => Metric::Saga(SagaStat::Started),
        "instances" => Metric::Instances(SimTime::ZERO),
        "max_instances" => Metric::MaxInstances,
        "deploy" => Metric::Deploy(DeployStat::RolledBack),
        f => {
            return Err(format!(
                "unknown function `{f}` in `{text}`{}",
                crate::suggest::did_you_mean(f, FUNCTIONS)
            ))
        }
    };
    let inner = &s[open + 1..close];
    let (subject, window) = match inner.split_once(',') {
        Some((name, w)) => (name.trim(), Some(parse_window(w.trim())?)),
        None => (inner.trim(), None),
    };
    if subject.is_empty() {
        return Err(format!(
            "`{text}` names no client or service inside the parentheses"
        ));
    }
    let mut rest = s[close + 1..].trim();
    let mut metric = metric;
    if let Metric::Breaker(_) = metric {
        let (at, after) = instant(text, rest, "breaker(api->db) at 45s == open")?;
        metric = Metric::Breaker(at);
        rest = after;
    }
    if let Metric::Instances(_) = metric {
        let (at, after) = instant(text, rest, "instances(api) at 90s >= 6")?;
        metric = Metric::Instances(at);
        rest = after;
    }
    if let Metric::Saga(_) = metric {
        let (stat, after) = saga_stat(text, rest)?;
        metric = Metric::Saga(stat);
        rest = after;
    }
    if let Metric::Deploy(_) = metric {
        let (stat, after) = deploy_stat(text, rest)?;
        metric = Metric::Deploy(stat);
        rest = after;
    }
    let (op, value_text) = parse_op(rest).ok_or_else(|| {
        format!("`{text}` needs a comparison after `)`: one of < <= > >= == !=, then a value")
    })?;
    let value = match metric {
        Metric::Latency(_) => parse_duration(value_text)
            .map_err(|e| format!("{e} (latency thresholds are durations)"))?
            .as_millis_f64(),
        Metric::MaxAge => parse_duration(value_text)
            .map_err(|e| format!("{e} (age thresholds are durations)"))?
            .as_secs_f64(),
        Metric::Breaker(_) => breaker_state(text, op, value_text)?,
        Metric::Deploy(DeployStat::RolledBack) => truth(text, op, value_text)?,
        _ => value_text
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("`{value_text}` is not a number in `{text}`"))?,
    };
    if metric.is_rate() && !can_hold(op, value) {
        return Err(format!(
            "`{text}` can never hold: a rate is between 0 and 1"
        ));
    }
    Ok(Expectation {
        text: s.to_string(),
        metric,
        subject: subject.to_string(),
        window,
        op,
        value,
    })
}

/// Reads `at T` after `breaker(...)` or `instances(...)`: the instant and
/// what follows it; `example` shows how it is written.
fn instant<'a>(text: &str, rest: &'a str, example: &str) -> Result<(SimTime, &'a str), String> {
    let after = rest
        .strip_prefix("at ")
        .ok_or_else(|| format!("`{text}`: this is checked at an instant: `{example}`"))?;
    let end = after
        .find(|c: char| c.is_whitespace() || "<>=!".contains(c))
        .unwrap_or(after.len());
    let at = parse_duration(&after[..end]).map_err(|e| format!("{e} (in `{text}`)"))?;
    Ok((SimTime(at.0), after[end..].trim()))
}

/// `.STAT` after `sagas(NAME)`, and what follows it.
fn saga_stat<'a>(text: &str, rest: &'a str) -> Result<(SagaStat, &'a str), String> {
    let words: Vec<&str> = SAGA_STATS.iter().map(|(w, _)| *w).collect();
    let expected = || format!("expected one of {}", words.join(", "));
    let after = rest.strip_prefix('.').ok_or_else(|| {
        format!(
            "`{text}`: say what to count after `)`, like `sagas(checkout).inconsistent == 0`: {}",
            expected()
        )
    })?;
    let end = after
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(after.len());
    let word = &after[..end];
    let stat = SAGA_STATS
        .iter()
        .find(|(w, _)| *w == word)
        .map(|(_, s)| *s)
        .ok_or_else(|| {
            format!(
                "`{word}` is not a count of a saga in `{text}`: {}{}",
                expected(),
                crate::suggest::did_you_mean(word, &words)
            )
        })?;
    Ok((stat, after[end..].trim()))
}

/// `.rolled_back` or `.steps_done` after `deploy(SERVICE)`, and what follows.
fn deploy_stat<'a>(text: &str, rest: &'a str) -> Result<(DeployStat, &'a str), String> {
    let stats = [
        ("rolled_back", DeployStat::RolledBack),
        ("steps_done", DeployStat::StepsDone),
    ];
    let after = rest.strip_prefix('.').unwrap_or("");
    let end = after
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(after.len());
    let word = &after[..end];
    let stat = stats.iter().find(|(w, _)| *w == word).map(|(_, s)| *s);
    let stat = stat.ok_or_else(|| {
        format!(
            "`{text}`: say what to read after `)`: `.rolled_back` or `.steps_done`, like `deploy(api).rolled_back == true`{}",
            crate::suggest::did_you_mean(word, &["rolled_back", "steps_done"])
        )
    })?;
    Ok((stat, after[end..].trim()))
}

/// `true` (1) or `false` (0), compared with == or !=.
fn truth(text: &str, op: Op, value: &str) -> Result<f64, String> {
    if !matches!(op, Op::Eq | Op::Ne) {
        return Err(format!("`{text}`: compare true or false with == or !="));
    }
    match value {
        "true" => Ok(1.0),
        "false" => Ok(0.0),
        _ => Err(format!("`{value}` is not true or false in `{text}`")),
    }
}

/// The code of the state a breaker expectation compares with (only `==`
/// and `!=` make sense for states).
fn breaker_state(text: &str, op: Op, value: &str) -> Result<f64, String> {
    if !matches!(op, Op::Eq | Op::Ne) {
        return Err(format!("`{text}`: compare a breaker state with == or !="));
    }
    BREAKER_STATES
        .iter()
        .position(|s| *s == value)
        .map(|i| i as f64)
        .ok_or_else(|| {
            format!(
                "`{value}` is not a breaker state in `{text}`: expected closed, open or half_open{}",
                crate::suggest::did_you_mean(value, &BREAKER_STATES)
            )
        })
}

fn parse_op(rest: &str) -> Option<(Op, &str)> {
    let ops = [
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("==", Op::Eq),
        ("!=", Op::Ne),
        ("<", Op::Lt),
        (">", Op::Gt),
    ];
    ops.iter().find_map(|(sym, op)| {
        rest.strip_prefix(sym)
            .map(|v| (*op, v.trim()))
            .filter(|(_, v)| !v.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_contract_examples() {
        let e = parse_expectation("success_rate(users) >= 0.99").unwrap();
        assert_eq!(
            (e.metric, e.subject.as_str(), e.op, e.value),
            (Metric::SuccessRate, "users", Op::Ge, 0.99)
        );
        assert_eq!(e.window, None);

        let e = parse_expectation("success_rate(users, 60s..) >= 0.99").unwrap();
        assert_eq!(
            e.window,
            Some(Window {
                start: SimTime(60_000_000_000),
                end: None
            })
        );

        let e = parse_expectation("p99(users) < 250ms").unwrap();
        assert_eq!(
            (e.metric, e.op, e.value),
            (Metric::Latency(Stat::P99), Op::Lt, 250.0)
        );

        let e = parse_expectation("p99(api, 30s..60s) < 1s").unwrap();
        assert_eq!(e.value, 1000.0);
        assert_eq!(e.window.unwrap().end, Some(SimTime(60_000_000_000)));

        let e = parse_expectation("max_queue(db) <= 100").unwrap();
        assert_eq!((e.metric, e.op, e.value), (Metric::MaxQueue, Op::Le, 100.0));
    }

    #[test]
    fn explains_what_is_wrong() {
        assert!(parse_expectation("p98(users) < 1s")
            .unwrap_err()
            .contains("unknown function"));
        assert!(parse_expectation("sucess_rate(users) > 0.9")
            .unwrap_err()
            .contains("did you mean `success_rate`"));
        assert!(parse_expectation("p99(users) < 250")
            .unwrap_err()
            .contains("unit"));
        assert!(parse_expectation("p99(users)")
            .unwrap_err()
            .contains("comparison"));
        assert!(parse_expectation("p99(users, 60s..30s) < 1s")
            .unwrap_err()
            .contains("ends before"));
        let e = parse_expectation("sagas(checkout, 10s..).inconsistent == 0").unwrap();
        assert_eq!(e.metric, Metric::Saga(SagaStat::Inconsistent));
        assert_eq!((e.subject.as_str(), e.value), ("checkout", 0.0));
        assert!(e.window.is_some());
        let e = parse_expectation("sagas(checkout).compensated >= 5").unwrap();
        assert_eq!(e.metric, Metric::Saga(SagaStat::Compensated));
        assert!(parse_expectation("sagas(checkout).inconsistant == 0")
            .unwrap_err()
            .contains("did you mean `inconsistent`"));
        assert!(parse_expectation("sagas(checkout) == 0")
            .unwrap_err()
            .contains("say what to count"));
        assert!(parse_expectation("breaker(api->db) == open")
            .unwrap_err()
            .contains("at an instant"));
        assert!(parse_expectation("breaker(api->db) at 45s == opne")
            .unwrap_err()
            .contains("did you mean `open`"));
        assert!(parse_expectation("breaker(api->db) at 45s < open")
            .unwrap_err()
            .contains("== or !="));
    }

    #[test]
    fn parses_policy_expectations() {
        let e = parse_expectation("breaker(api->db) at 45s == open").unwrap();
        assert_eq!(
            (e.metric, e.subject.as_str(), e.op, e.value),
            (
                Metric::Breaker(SimTime(45_000_000_000)),
                "api->db",
                Op::Eq,
                1.0
            )
        );
        let e = parse_expectation("breaker(a->b) at 1.5s != half_open").unwrap();
        assert_eq!((e.op, e.value), (Op::Ne, 2.0));
        let e = parse_expectation("attempts(users) <= 1200").unwrap();
        assert_eq!((e.metric, e.value), (Metric::Attempts, 1200.0));
        let e = parse_expectation("amplification(db, 30s..) >= 27").unwrap();
        assert_eq!((e.metric, e.value), (Metric::Amplification, 27.0));
    }

    #[test]
    fn rates_refuse_thresholds_they_can_never_meet() {
        for text in [
            "success_rate(u) >= 1.5",
            "failure_rate(u) < 0",
            "degraded_rate(u) > 1",
            "utilization(db) == 2",
        ] {
            let e = parse_expectation(text).unwrap_err();
            assert!(e.contains("can never hold"), "{text}: {e}");
        }
        assert!(parse_expectation("success_rate(u) >= 1").is_ok());
        assert!(parse_expectation("failure_rate(u) <= 0").is_ok());
        assert!(parse_expectation("in_flight(u) <= 5").is_ok());
        let e = parse_expectation("hit_ratio(sessions) > 1").unwrap_err();
        assert!(e.contains("can never hold"), "{e}");
    }

    #[test]
    fn ops_compare() {
        assert!(Op::Lt.holds(1.0, 2.0) && !Op::Lt.holds(2.0, 2.0));
        assert!(Op::Le.holds(2.0, 2.0) && Op::Ge.holds(2.0, 2.0));
        assert!(Op::Eq.holds(0.0, 0.0) && Op::Ne.holds(1.0, 0.0));
    }
}
