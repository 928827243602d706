//! The loader's limits, its guards against deep nesting, its warnings and
//! its semantic checks: each with the exact message and place.

use super::fields::LIMIT_HINT;
use super::tests::{errors, errors_with, hint, ok, only, set, BASE};
use super::{load, load_with_warnings, Diagnostic, Diagnostics, Override, Severity};
use crate::limits;

/// A scenario whose last table is the client `users`: append its keys.
fn with_client(extra: &str) -> String {
    format!(
        "[scenario]\nduration = \"60s\"\n[[service]]\nname = \"api\"\nservice_time = \"1ms\"\n\
         [[client]]\nname = \"users\"\ntarget = \"api\"\nrate = 10\n{extra}\n"
    )
}

/// The line and column of the first `needle` in `text` (ASCII text).
pub(super) fn place(text: &str, needle: &str) -> (u32, u32) {
    let offset = text.find(needle).expect("the needle is in the text");
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = offset - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line as u32, column as u32)
}

/// Asserts the one problem of `text`: `message` at the first `needle`,
/// with the limits' hint.
fn over_limit(text: &str, needle: &str, message: &str) {
    let (line, column) = place(text, needle);
    assert_eq!(
        only(text),
        (line, column, message.to_string(), hint(LIMIT_HINT)),
        "{text}"
    );
}

/// The errors of a text that must be rejected, without its warnings.
fn refusals(text: &str) -> Vec<Diagnostic> {
    let mut found = errors(text);
    found.retain(|d| d.severity == Severity::Error);
    found
}

/// The warnings of a text that must load.
pub(super) fn warnings(text: &str, overrides: &[Override]) -> Vec<Diagnostic> {
    match load_with_warnings(text, "t.toml", overrides) {
        Ok(l) => l.warnings.items,
        Err(e) => panic!("expected a valid scenario, got:\n{e}"),
    }
}

#[test]
fn sizes_of_a_service_are_refused_past_their_limits() {
    let cases = [
        (
            "instances = 100000000",
            "`instances` = 100000000 is above the limit of 10000 per service",
        ),
        (
            "workers = 100001",
            "`workers` = 100001 is above the limit of 100000 per instance",
        ),
        (
            "queue = 1000001",
            "`queue` = 1000001 is above the limit of 1000000 per instance",
        ),
        (
            "dedup = { capacity = 1000001 }",
            "`capacity` = 1000001 is above the limit of 1000000 per service",
        ),
    ];
    for (line, message) in cases {
        let text = format!("{BASE}{line}\n");
        let value = line
            .rsplit(' ')
            .find(|w| w.starts_with('1'))
            .unwrap_or(line);
        over_limit(&text, value, message);
    }
}

#[test]
fn sizes_of_policies_are_refused_past_their_limits() {
    let cases = [
        (
            "hedge = { after = \"1ms\", max_extra = 4294967295 }",
            "4294967295",
            "`max_extra` = 4294967295 is above the limit of 10 per call",
        ),
        (
            "retry = { max_attempts = 101 }",
            "101",
            "`max_attempts` = 101 is above the limit of 100 per call",
        ),
        (
            "breaker = { size = 10001 }",
            "10001",
            "`size` = 10001 is above the limit of 10000 per breaker",
        ),
        (
            "bulkhead = { max_concurrent = 100001 }",
            "100001",
            "`max_concurrent` = 100001 is above the limit of 100000 per bulkhead",
        ),
        (
            "users = 100001",
            "100001",
            "`users` = 100001 is above the limit of 100000 per client",
        ),
    ];
    for (line, value, message) in cases {
        let text = with_client(line).replace("rate = 10\nusers", "users");
        over_limit(&text, value, message);
    }
}

#[test]
fn the_limits_of_the_schema_are_the_loaders() {
    let at_limit = format!(
        "{BASE}instances = {}\nworkers = {}\nqueue = {}\n",
        limits::MAX_INSTANCES,
        limits::MAX_WORKERS,
        limits::MAX_QUEUE
    );
    let s = ok(&at_limit);
    assert_eq!(s.services[1].instances, limits::MAX_INSTANCES);
    let hedge = with_client(&format!(
        "hedge = {{ after = \"1ms\", max_extra = {} }}",
        limits::MAX_HEDGES
    ));
    let s = ok(&hedge);
    assert_eq!(
        s.clients[0].policy.hedge.as_ref().map(|h| h.max_extra),
        Some(limits::MAX_HEDGES)
    );
}

#[test]
fn totals_over_the_file_are_refused_where_they_pass_the_limit() {
    let services: String = (0..11)
        .map(|i| {
            format!("[[service]]\nname = \"s{i}\"\nservice_time = \"1ms\"\ninstances = 10000\n")
        })
        .collect();
    let text = format!("{BASE}{services}");
    let needle = "name = \"s9\"\nservice_time = \"1ms\"\ninstances = ";
    let (line, _) = place(&text, needle);
    assert_eq!(
        only(&text),
        (
            line + 2,
            13,
            "`instances` over all services come to 100002, above the limit of 100000 in all"
                .to_string(),
            hint(LIMIT_HINT)
        )
    );

    let clients: String = (0..11)
        .map(|i| format!("[[client]]\nname = \"c{i}\"\ntarget = \"api\"\nusers = 100000\n"))
        .collect();
    let text = format!("{BASE}{clients}");
    let (line, _) = place(&text, "name = \"c10\"");
    assert_eq!(
        only(&text),
        (
            line + 2,
            9,
            "`users` over all clients come to 1100000, above the limit of 1000000 in all"
                .to_string(),
            hint(LIMIT_HINT)
        )
    );
}

#[test]
fn total_calls_are_refused_at_the_first_past_the_limit() {
    let calls = vec!["\"db\""; limits::MAX_CALLS].join(", ");
    let services: String = (0..51)
        .map(|i| {
            format!("[[service]]\nname = \"s{i}\"\nservice_time = \"1ms\"\ncalls = [{calls}]\n")
        })
        .collect();
    let text = format!("{BASE}{services}");
    let found = errors(&text);
    assert_eq!(found.len(), 1, "{found:#?}");
    // BASE's api makes one call, so the 5,001st is the last of s49's.
    let (line, _) = place(&text, "name = \"s49\"");
    let column = 10 + 6 * (limits::MAX_CALLS as u32 - 1);
    assert_eq!((found[0].line, found[0].column), (line + 2, column));
    assert_eq!(
        found[0].message,
        "the endpoints make 5101 calls in all, above the limit of 5000"
    );
}

#[test]
fn arrays_are_refused_at_their_first_entry_past_the_limit() {
    let calls = vec!["\"db\""; limits::MAX_CALLS + 1].join(", ");
    let text =
        format!("{BASE}[[service]]\nname = \"x\"\nservice_time = \"1ms\"\ncalls = [{calls}]\n");
    let (line, column) = place(&text, "calls = [\"db\", \"db\"");
    let column = column + 9 + 6 * limits::MAX_CALLS as u32;
    assert_eq!(
        only(&text),
        (
            line,
            column,
            "`calls` has 101 entries, above the limit of 100".to_string(),
            hint(LIMIT_HINT)
        )
    );

    let endpoints: String = (0..=limits::MAX_ENDPOINTS)
        .map(|i| format!("[[service.endpoint]]\nname = \"e{i}\"\n"))
        .collect();
    let found = refusals(&format!("{BASE}{endpoints}"));
    assert_eq!(
        found[0].message,
        "`endpoint` has 101 entries, above the limit of 100"
    );

    let expect: Vec<String> = (0..=limits::MAX_EXPECTATIONS)
        .map(|_| "\"p99(users) < 1s\"".to_string())
        .collect();
    let text = BASE.replace(
        "duration = \"60s\"",
        &format!("duration = \"60s\"\nexpect = [{}]", expect.join(", ")),
    );
    let found = errors(&text);
    assert_eq!(
        found[0].message,
        "`expect` has 1001 entries, above the limit of 1000"
    );
    assert_eq!(found.len(), 1);

    let steps: String = (0..=limits::MAX_RATE_STEPS)
        .map(|i| format!("{{ at = \"{i}ms\", rate = 1 }}, "))
        .collect();
    let text = BASE.replace("rate = 100", &format!("rate = [{steps}]"));
    let found = errors(&text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].message,
        "`rate` has 10001 entries, above the limit of 10000"
    );
}

#[test]
fn sections_are_refused_past_the_limit_per_file() {
    let services: String = (0..limits::MAX_SERVICES)
        .map(|i| format!("[[service]]\nname = \"s{i}\"\nservice_time = \"1ms\"\n"))
        .collect();
    let text = format!("{BASE}{services}");
    let (line, column) = place(&text, "[[service]]\nname = \"s998\"");
    let found = errors(&text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].message,
        "1002 [[service]] sections are above the limit of 1000 per file"
    );
    // The 1,001st: BASE has two services, so it is s998's.
    assert_eq!((found[0].line, found[0].column), (line, column));
}

#[test]
fn names_are_short_without_spaces_or_control_characters() {
    let long = "a".repeat(limits::MAX_NAME_CHARS + 1);
    let text = BASE.replace("name = \"db\"", &format!("name = \"{long}\""));
    let mut found = errors(&text);
    found.retain(|d| d.line == 16);
    assert_eq!((found[0].line, found[0].column), (16, 8));
    assert_eq!(
        found[0].message,
        format!("the name `{long}` is 65 characters long, above the limit of 64")
    );

    let text = BASE.replace("name = \"users\"", "name = \"my users\"");
    assert_eq!(
        only(&text),
        (
            6,
            8,
            "the name `my users` holds a space or a control character".to_string(),
            hint_of_names()
        )
    );
    let text = BASE.replace("name = \"users\"", "name = \"u\\u001b[31m\"");
    let (_, _, message, _) = only(&text);
    assert_eq!(
        message,
        "the name `u\\u{1b}[31m` holds a space or a control character"
    );
    let text = format!("{BASE}effect = \"double charge\"\n");
    let (line, column, message, _) = only(&text);
    assert_eq!((line, column), (18, 10));
    assert_eq!(
        message,
        "the name `double charge` holds a space or a control character"
    );
}

fn hint_of_names() -> Option<String> {
    hint("use letters, digits, `_` and `-`: `.` separates a service from its endpoint")
}

/// Runs `f` on a thread with a small stack: if loading recursed once per
/// level of a deep document, it would overflow there.
fn in_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .expect("a thread")
        .join()
        .expect("no stack overflow")
}

/// The one problem of loading `text` with `overrides`, on a small stack.
fn deep(text: String, overrides: Vec<Override>) -> Diagnostic {
    let d: Diagnostics =
        in_small_stack(move || load(&text, "t.toml", &overrides).expect_err("refused"));
    assert_eq!(d.items.len(), 1, "{d}");
    d.items[0].clone()
}

const TOO_DEEP: &str =
    "tables and arrays nest more than 32 levels deep here, above the limit of 32";

#[test]
fn deep_toml_is_refused_before_it_is_parsed() {
    let n = 100_000;
    let arrays = format!("a = {}1{}\n", "[".repeat(n), "]".repeat(n));
    let d = deep(arrays, Vec::new());
    assert_eq!(
        (d.line, d.column, d.message.as_str()),
        (1, 5 + 32, TOO_DEEP)
    );

    let tables = format!("a = {}1{}\n", "{ b = ".repeat(n), " }".repeat(n));
    let d = deep(tables, Vec::new());
    assert_eq!(
        (d.line, d.column, d.message.as_str()),
        (1, 5 + 6 * 32, TOO_DEEP)
    );

    let dotted = format!("{} = 1\n", vec!["a"; n].join("."));
    let d = deep(dotted, Vec::new());
    assert_eq!(
        (d.line, d.column, d.message.as_str()),
        (1, 2 * 33, TOO_DEEP)
    );

    let header = format!("[{}]\n", vec!["a"; n].join("."));
    let d = deep(header, Vec::new());
    assert_eq!(
        (d.line, d.column, d.message.as_str()),
        (1, 1 + 2 * 32, TOO_DEEP)
    );
    assert_eq!(d.hint, hint(LIMIT_HINT));
}

#[test]
fn deep_json_is_refused_before_it_is_parsed() {
    let n = 100_000;
    let text = format!("{{\n\"scenario\": {}1{}}}", "[".repeat(n), "]".repeat(n));
    let d = deep(text, Vec::new());
    assert_eq!(
        (d.line, d.column, d.message.as_str()),
        (2, 13 + 31, TOO_DEEP)
    );
    let text = format!("{{\"a\": {}1{}}}", "{\"b\": ".repeat(n), "}".repeat(n));
    let d = deep(text, Vec::new());
    assert_eq!(
        (d.line, d.column, d.message.as_str()),
        (1, 7 + 6 * 31, TOO_DEEP)
    );
}

#[test]
fn deep_overrides_are_refused() {
    let n = 100_000;
    let value = format!("service.api.calls={}{}", "[".repeat(n), "]".repeat(n));
    let d = deep(BASE.to_string(), vec![set(&value)]);
    assert_eq!(d.message, format!("--set service.api.calls: {TOO_DEEP}"));
    let path = format!("{}=1", vec!["a"; n].join("."));
    let message = super::parse_override(&path).expect_err("too many keys");
    assert!(
        message.ends_with("has more than 32 keys, above the limit of the format's nesting"),
        "{message}"
    );
    assert!(message.contains("…(199919 more)"), "{message}");
}

#[test]
fn deep_distributions_are_refused_before_they_are_parsed() {
    let n = 20_000;
    let mix = format!("{}1ms{}", "mix(1: ".repeat(n), ")".repeat(n));
    let text = BASE.replace("\"2ms\"", &format!("\"{mix}\""));
    let d = deep(text, Vec::new());
    assert_eq!((d.line, d.column), (17, 16));
    assert!(
        d.message
            .starts_with("invalid distribution for `service_time`: `mix(1: mix(1: "),
        "{}",
        d.message
    );
    assert!(
        d.message
            .ends_with("more)` nests parentheses more than 8 deep, above the limit of 8"),
        "{}",
        d.message
    );
    let within = format!("{}1ms{}", "mix(1: ".repeat(8), ")".repeat(8));
    ok(&BASE.replace("\"2ms\"", &format!("\"{within}\"")));
}

#[test]
fn a_fault_after_the_end_of_the_run_is_a_warning() {
    let text = format!("{BASE}[[fault]]\nkind = \"crash\"\ntarget = \"db\"\nat = \"60s\"\n");
    let found = warnings(&text, &[]);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].severity, Severity::Warning);
    assert_eq!((found[0].line, found[0].column), (21, 6));
    assert_eq!(
        found[0].message,
        "[[fault]] [0] starts at 1m, at or after the end of the run at 1m: it never fires"
    );
    assert_eq!(
        found[0].hint,
        hint("move `at` before the end, or lengthen `duration`")
    );
    let shortened = text.replace("at = \"60s\"", "at = \"30s\"");
    assert!(warnings(&shortened, &[]).is_empty());
    let found = warnings(&shortened, &[set("scenario.duration=20s")]);
    assert_eq!(
        found[0].message,
        "[[fault]] [0] starts at 30s, at or after the end of the run at 20s: it never fires"
    );
}

#[test]
fn a_capacity_fault_of_factor_zero_is_an_error() {
    let text =
        format!("{BASE}[[fault]]\nkind = \"capacity\"\ntarget = \"db\"\nat = \"1s\"\nfactor = 0\n");
    assert_eq!(
        only(&text),
        (
            22,
            10,
            "a capacity fault with `factor` = 0 leaves no workers at all".to_string(),
            hint("use kind = \"pause\" (nothing is answered until it resumes) or \"crash\" (requests fail at once)")
        )
    );
    ok(&text.replace("factor = 0", "factor = 0.5"));
}

#[test]
fn service_keys_every_endpoint_shadows_are_a_warning() {
    let endpoints = "[[service.endpoint]]\nname = \"a\"\ncalls = []\n\
                     [[service.endpoint]]\nname = \"default\"\ncalls = [\"db\"]\n";
    let text = BASE.replace(
        "calls = [\"db\"]\n",
        &format!("calls = [\"db\"]\n{endpoints}"),
    );
    let found = warnings(&text, &[]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!((found[0].line, found[0].column), (13, 9));
    assert_eq!(
        found[0].message,
        "`calls` of [[service]] `api` is never used: every endpoint sets its own"
    );
    let inheriting = text.replace("name = \"a\"\ncalls = []\n", "name = \"a\"\n");
    assert!(warnings(&inheriting, &[]).is_empty());
}

#[test]
fn a_bare_target_with_several_endpoints_warns_which_it_takes() {
    let endpoints =
        "[[service.endpoint]]\nname = \"read\"\n[[service.endpoint]]\nname = \"write\"\n";
    let text = format!("{BASE}{endpoints}");
    let found = warnings(&text, &[]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!((found[0].line, found[0].column), (13, 10));
    assert_eq!(
        found[0].message,
        "`db` has 2 endpoints and none is `default`: calls[0] of [[service]] `api` takes the first, `db.read`"
    );
    assert_eq!(
        found[0].hint,
        hint("name the endpoint: `db.read`, `db.write`")
    );
    let s = ok(&text);
    assert_eq!(s.services[0].endpoints[0].calls[0].to.endpoint.0, 0);
    let named = text.replace("calls = [\"db\"]", "calls = [\"db.write\"]");
    assert!(warnings(&named, &[]).is_empty());
    let with_default = text.replace("name = \"write\"", "name = \"default\"");
    assert!(warnings(&with_default, &[]).is_empty());
}

#[test]
fn warnings_print_like_errors_and_escape_what_they_quote() {
    let d = Diagnostics {
        file: "a\u{1b}b.toml".to_string(),
        items: vec![Diagnostic {
            severity: Severity::Warning,
            line: 3,
            column: 7,
            message: "it \u{7} never fires".to_string(),
            hint: Some("move\nit".to_string()),
        }],
    };
    assert_eq!(
        d.to_string(),
        "warning: a\\u{1b}b.toml:3:7: it \\u{7} never fires\n  hint: move\\nit\n"
    );
    let errors = errors_with(&BASE.replace("rate = 100", "rate = -1"), &[]);
    assert_eq!(errors[0].severity, Severity::Error);
}

#[test]
fn every_kind_of_section_is_counted() {
    let cases = [
        (
            "client",
            limits::MAX_CLIENTS,
            "[[client]]\nname = \"c{i}\"\ntarget = \"api\"\nrate = 1\n",
        ),
        (
            "link",
            limits::MAX_LINKS,
            "[[link]]\nfrom = \"api\"\nto = \"db\"\n",
        ),
        ("queue", limits::MAX_QUEUES, "[[queue]]\nname = \"q{i}\"\n"),
        (
            "cache",
            limits::MAX_CACHES,
            "[[cache]]\nname = \"k{i}\"\nttl = \"1s\"\n",
        ),
        (
            "fault",
            limits::MAX_FAULTS,
            "[[fault]]\nkind = \"crash\"\ntarget = \"db\"\nat = \"1s\"\n",
        ),
    ];
    for (name, max, section) in cases {
        let sections: String = (0..=max)
            .map(|i| section.replace("{i}", &i.to_string()))
            .collect();
        let text = format!("{BASE}{sections}");
        let found = refusals(&text);
        let message = format!(
            "{} [[{name}]] sections are above the limit of {max} per file",
            max + 1 + usize::from(name == "client")
        );
        assert!(
            found.iter().any(|d| d.message == message),
            "{name}: {found:#?}"
        );
    }
}
