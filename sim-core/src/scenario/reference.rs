//! The Markdown reference page of the format, built from [`super::format`]
//! and [`crate::limits`]; `docs/scenario-format.md` is its committed copy.

use super::format::{Int, Key, Kind, Table, CALL, STEP, TABLES, WINDOW_CALLS};
use crate::limits;
use std::fmt::Write;

/// The reference page: every table with its keys (type, default, limit,
/// what it does), then every limit.
pub fn reference() -> String {
    let mut out = String::new();
    out.push_str(
        "# Scenario format reference\n\n\
         Generated from the format's description in `sim-core` by `dsim schema --markdown`; \
         do not edit by hand. What each part means is in the scenario format's \
         contract; `dsim schema` gives the same description as a JSON Schema \
         for editors.\n\n\
         A duration is a number with a unit: `\"250ms\"`, `\"1.5s\"`, `\"2m\"`, `\"100us\"`, \
         `\"40ns\"`, `\"1h\"`. A distribution is a duration (constant) or `\"exp(5ms)\"`, \
         `\"uniform(1ms, 9ms)\"`, `\"normal(10ms, 2ms)\"`, `\"lognormal(p50=2ms, p99=40ms)\"`, \
         `\"pareto(scale=1ms, shape=1.5)\"`, `\"mix(0.95: exp(2ms), 0.05: 200ms)\"`. \
         A rate is per second of simulated time.\n",
    );
    for table in TABLES {
        section(&mut out, table);
    }
    out.push_str(
        "\n## Limits\n\n\
         A file past one of these is refused before the run, with the limit named. \
         They keep the worst scenario they allow within a few GB of memory.\n\n\
         | limit | value | bounds |\n|---|---|---|\n",
    );
    for l in limits::ALL {
        let _ = writeln!(out, "| `{}` | {} | {} |", l.name, l.value, l.what);
    }
    out
}

/// One table: its doc and its keys.
fn section(out: &mut String, table: &Table) {
    let _ = write!(
        out,
        "\n<a id=\"{id}\"></a>\n\n## {title}\n\n{doc}\n\n\
         | key | type | default | limit | what |\n|---|---|---|---|---|\n",
        title = name(table),
        id = table.id,
        doc = table.doc,
    );
    for key in table.keys() {
        let default = match (key.required, key.default) {
            (true, _) => "required".to_string(),
            (false, Some(d)) => d.to_string(),
            (false, None) => "—".to_string(),
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {}{} |",
            key.name,
            kind(key.kind),
            default,
            limit(key.kind),
            key.doc,
            example(key),
        );
    }
}

/// How the page names a table: its title as code, or the plain title of
/// the file's sections.
fn name(table: &Table) -> String {
    if table.sections {
        table.title.to_string()
    } else {
        format!("`{}`", table.title)
    }
}

fn example(key: &Key) -> String {
    if key.example.is_empty() {
        String::new()
    } else {
        format!(" Example: `{}`.", key.example)
    }
}

/// How the page names a value's type.
fn kind(kind: Kind) -> String {
    let link = |t: &Table| format!("[{}](#{})", name(t), t.id);
    match kind {
        Kind::String => "string".into(),
        Kind::Name => "name".into(),
        Kind::Target => "target".into(),
        Kind::Service => "service".into(),
        Kind::Node => "client, service, queue, cache or saga".into(),
        Kind::Queue => "queue".into(),
        Kind::Cache => "cache".into(),
        Kind::Popularity => "`\"uniform\"` or `\"zipf(S)\"`".into(),
        Kind::FaultTarget => "fault target".into(),
        Kind::Bool => "boolean".into(),
        Kind::Duration => "duration".into(),
        Kind::Distribution => "distribution".into(),
        Kind::Probability => "probability (0 to 1)".into(),
        Kind::Rate => format!("rate (0 to {})", limits::MAX_RATE),
        Kind::Number { min, max } if max.is_finite() => format!("number ({min} to {max})"),
        Kind::Number { min, .. } => format!("number (at least {min})"),
        Kind::Integer(Int {
            min,
            max,
            per: None,
        }) if max > i64::from(u32::MAX) => {
            format!("integer (at least {min})")
        }
        Kind::Integer(Int {
            min,
            max,
            per: None,
        }) => format!("integer ({min} to {max})"),
        Kind::Integer(Int { min, .. }) => format!("integer (at least {min})"),
        Kind::Choice(words) => format!("one of {}", words_list(words)),
        Kind::Choices(words) => format!("array of {}", words_list(words)),
        Kind::Shares => "array of numbers from 0 to 1".into(),
        Kind::Expectations { .. } => "array of expectations".into(),
        Kind::Table(t) => format!("table {}", link(t)),
        Kind::Tables { table, .. } => format!("array of {}", link(table)),
        Kind::Calls => format!("array of targets or {}", link(&CALL)),
        Kind::RateSchedule => format!("rate, or array of {}", link(&STEP)),
        Kind::WindowSize => "integer (calls) or duration".into(),
    }
}

fn words_list(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    quoted.join(", ")
}

/// The limit on a value, if it has one.
fn limit(kind: Kind) -> String {
    match kind {
        Kind::Integer(Int {
            max,
            per: Some(per),
            ..
        }) => format!("{max} {per}"),
        Kind::Expectations { max } | Kind::Tables { max, .. } => format!("{max} entries"),
        Kind::Calls => format!("{} entries", limits::MAX_CALLS),
        Kind::RateSchedule => format!("{} steps", limits::MAX_RATE_STEPS),
        Kind::WindowSize => format!("{} calls", WINDOW_CALLS.max),
        Kind::Name => format!("{} characters", limits::MAX_NAME_CHARS),
        _ => String::new(),
    }
}
