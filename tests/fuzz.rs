//! Fuzzing on stable Rust: the built-in scenarios, mutated (bytes cut out,
//! hostile tokens put in, numbers made extreme, lines repeated) and
//! overridden with extreme values, are loaded and, when valid, run under a
//! small budget. Nothing may panic or overflow the stack: a bad file is
//! diagnosed, a valid one ends or stops at a budget. CI runs a few thousand
//! cases (`PROPTEST_CASES` raises it).

use proptest::prelude::*;
use sim_core::engine::budget::Budget;
use sim_core::{run, RunOptions};

/// Tokens that break or stretch a scenario.
const TOKENS: &[&str] = &[
    "[[",
    "]]",
    "[",
    "]",
    "{",
    "}",
    "=",
    "\"",
    ",",
    "\n",
    "0",
    "-1",
    "1e308",
    "nan",
    "inf",
    "0ns",
    "1ns",
    "4294967295",
    "18446744073709551615",
    "mix(1: ",
    "mix(0.5: 1ms, 0.5: ",
    "exp(0ns)",
    "\u{1b}[2J",
    "é",
    "\0",
    "users = 1\n",
    "think = \"0ns\"\n",
    "queue = 0\n",
    "service_time = \"0ns\"\n",
    "\n[[service]]\nname = \"x\"\nservice_time = \"0ns\"\n",
    "\n[[fault]]\nkind = \"crash\"\ntarget = \"api\"\nat = \"0s\"\n",
    "retry = { max_attempts = 10 }\n",
    "hedge = { after = \"1ns\", max_extra = 9 }\n",
    "\"success_rate(users) >= 2\",",
    "expect = []\n",
    "instances = 100000000\n",
];

/// Extreme values for `--set` overrides.
const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "0ns",
    "1ns",
    "1h",
    "1e9",
    "4294967295",
    "0.000000001",
    "1.5",
    "nan",
    "exp(0ns)",
    "mix(1: mix(1: 1ms))",
    "\"\"",
    "[]",
    "{}",
];

/// Paths that `--set` can reach in most built-ins.
const PATHS: &[&str] = &[
    "scenario.duration",
    "scenario.warmup",
    "network.latency",
    "network.loss",
    "network.duplicate",
    "client.0.rate",
    "client.0.timeout",
    "client.0.users",
    "client.0.think",
    "service.0.workers",
    "service.0.queue",
    "service.0.instances",
    "service.0.service_time",
    "service.0.error_rate",
    "service.0.calls.0.timeout",
    "client.0.retry.max_attempts",
    "client.0.hedge.max_extra",
];

/// One edit of a scenario's text.
#[derive(Clone, Debug)]
enum Edit {
    Cut { at: usize, len: usize },
    Insert { at: usize, token: usize },
    Repeat { line: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Edit::Cut { at, len }),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, token)| Edit::Insert { at, token }),
        any::<usize>().prop_map(|line| Edit::Repeat { line }),
    ]
}

/// The char boundary nearest below `at % len`.
fn boundary(text: &str, at: usize) -> usize {
    let mut i = at % (text.len() + 1);
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &str, e: &Edit) -> String {
    match *e {
        Edit::Cut { at, len } => {
            let a = boundary(text, at);
            let b = boundary(text, a + len.min(text.len() - a));
            let b = if b < a { a } else { b };
            format!("{}{}", &text[..a], &text[b..])
        }
        Edit::Insert { at, token } => {
            let a = boundary(text, at);
            format!("{}{}{}", &text[..a], TOKENS[token], &text[a..])
        }
        Edit::Repeat { line } => {
            let lines: Vec<&str> = text.lines().collect();
            let i = line % lines.len().max(1);
            let mut out: Vec<&str> = lines.clone();
            if let Some(l) = lines.get(i) {
                out.insert(i, l);
            }
            out.join("\n")
        }
    }
}

/// Loads `text` with `sets` and, when valid, runs it under a small budget:
/// the run must end or stop, never panic.
fn survive(text: &str, sets: &[(usize, usize)]) {
    let overrides: Vec<_> = sets
        .iter()
        .filter_map(|(p, v)| {
            sim_core::scenario::parse_override(&format!("{}={}", PATHS[*p], VALUES[*v])).ok()
        })
        .collect();
    let Ok(sc) = sim_core::scenario::load(text, "fuzz.toml", &overrides) else {
        return;
    };
    let options = RunOptions {
        budget: Budget {
            max_events: 20_000,
            max_in_flight: 20_000,
        },
        timeseries: Some(sim_core::SimDuration::from_secs(1)),
        ..RunOptions::default()
    };
    if let Ok(report) = run(&sc, &options) {
        let _ = report.to_json();
    }
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(2000), ..ProptestConfig::default() })]

    #[test]
    fn mutated_builtins_are_diagnosed_or_run(
        b in 0..sim_core::library::BUILTIN.len(),
        edits in proptest::collection::vec(edit(), 1..5),
    ) {
        let text = edits
            .iter()
            .fold(sim_core::library::BUILTIN[b].text.to_string(), |t, e| apply(&t, e));
        survive(&text, &[]);
    }

    #[test]
    fn extreme_overrides_are_diagnosed_or_run(
        b in 0..sim_core::library::BUILTIN.len(),
        sets in proptest::collection::vec((0..PATHS.len(), 0..VALUES.len()), 1..4),
    ) {
        survive(sim_core::library::BUILTIN[b].text, &sets);
    }
}

#[test]
fn the_edits_change_the_text() {
    let text = "a = 1\nb = 2\n";
    assert_eq!(apply(text, &Edit::Cut { at: 0, len: 2 }), "= 1\nb = 2\n");
    assert_eq!(
        apply(text, &Edit::Insert { at: 6, token: 0 }),
        "a = 1\n[[b = 2\n"
    );
    assert_eq!(
        apply(text, &Edit::Repeat { line: 1 }),
        "a = 1\nb = 2\nb = 2"
    );
}
