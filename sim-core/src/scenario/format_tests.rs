//! The one description of the format against what is built from it: the
//! loader accepts exactly the keys the schema offers, the schema is
//! well-formed, the contract's example is known key by key, and the
//! committed reference page is the generated one.

use super::format::{Key, Kind, Table, SAGA_STEP, TABLES, TOP};
use super::{load, reference, schema, Diagnostic, Severity};
use serde_json::Value;

const META: &str = "[scenario]\nduration = \"60s\"\n";
const CLIENT: &str = "[[client]]\nname = \"users\"\ntarget = \"api\"\nrate = 10\n";
const SERVICES: &str = "[[service]]\nname = \"api\"\nservice_time = \"1ms\"\n\
                        [[service]]\nname = \"db\"\nservice_time = \"1ms\"\n";
/// The queue that the examples of `consumes` and `publish` name.
const QUEUE: &str = "[[queue]]\nname = \"orders\"\n";
/// The cache that the example of `via` names.
const CACHE: &str = "[[cache]]\nname = \"sessions\"\nttl = \"1s\"\n";
/// A client of the saga `checkout`, and the endpoints its steps' examples name.
const SAGA_HOST: &str = "[[client]]\nname = \"users\"\ntarget = \"checkout\"\nrate = 10\n\
                         [[service]]\nname = \"payments\"\nservice_time = \"1ms\"\n\
                         [[service.endpoint]]\nname = \"charge\"\n\
                         [[service.endpoint]]\nname = \"refund\"\n";

/// `key = value` as TOML writes it.
fn pair(name: &str, value: &str) -> String {
    if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        format!("{name} = {value}")
    } else {
        format!("\"{name}\" = {value}")
    }
}

/// A valid value of `key`: its example, or for a table one with its
/// required keys, for an array of tables an empty one.
fn value_of(key: &Key) -> String {
    match key.kind {
        Kind::Table(t) => format!("{{ {} }}", body(t, None, ", ")),
        Kind::Tables { table, .. } if std::ptr::eq(table, &SAGA_STEP) => {
            format!("[{{ {} }}]", body(table, None, ", "))
        }
        Kind::Tables { .. } => "[]".to_string(),
        _ => key.example.to_string(),
    }
}

/// The required keys of `table` with valid values, then `extra` (which
/// replaces a required key of its name), joined by `sep`.
fn body(table: &Table, extra: Option<(&str, String)>, sep: &str) -> String {
    let skip = extra.as_ref().map_or("", |(k, _)| *k);
    let mut parts: Vec<String> = table
        .keys()
        .filter(|k| k.required && k.name != skip)
        .map(|k| pair(k.name, &value_of(k)))
        .collect();
    parts.extend(extra.map(|(k, v)| pair(k, &v)));
    parts.join(sep)
}

/// A whole scenario with `table` holding the required keys and `extra`.
fn host(table: &Table, extra: Option<(&str, String)>) -> String {
    let key = extra.as_ref().map_or("", |(k, _)| *k).to_string();
    let inline = body(table, extra.clone(), ", ");
    let lines = body(table, extra, "\n");
    match table.id {
        "scenario-file" => format!("{lines}\n{CLIENT}{SERVICES}"),
        "scenario" => format!("[scenario]\n{lines}\n{CLIENT}{SERVICES}"),
        "network" => format!("{META}[network]\n{lines}\n{CLIENT}{SERVICES}"),
        "link" => format!("{META}{CLIENT}{SERVICES}[[link]]\n{lines}\n"),
        "client" => {
            let load = match key.as_str() {
                "rate" | "users" => "",
                "think" => "users = 1\n",
                "budget" => "rate = 10\nretry = {}\n",
                _ => "rate = 10\n",
            };
            format!("{META}{SERVICES}[[client]]\n{load}{lines}\n")
        }
        "step" => format!(
            "{META}{SERVICES}[[client]]\nname = \"users\"\ntarget = \"api\"\nrate = [{{ {inline} }}]\n"
        ),
        "service" => {
            let time = if key == "service_time" {
                ""
            } else {
                "service_time = \"1ms\"\n"
            };
            format!(
                "{META}{CLIENT}[[service]]\n{time}{lines}\n[[service]]\nname = \"db\"\nservice_time = \"1ms\"\n{QUEUE}"
            )
        }
        "endpoint" => format!(
            "{META}{CLIENT}[[service]]\nname = \"api\"\nservice_time = \"1ms\"\n\
             [[service.endpoint]]\n{lines}\n[[service]]\nname = \"db\"\nservice_time = \"1ms\"\n{QUEUE}"
        ),
        "publish" => format!(
            "{META}{CLIENT}[[service]]\nname = \"api\"\nservice_time = \"1ms\"\npublish = [{{ {inline} }}]\n\
             [[service]]\nname = \"db\"\nservice_time = \"1ms\"\n{QUEUE}"
        ),
        "queue" => format!("{META}{CLIENT}{SERVICES}[[queue]]\n{lines}\n"),
        "deploy" => format!("{META}{CLIENT}{SERVICES}[[deploy]]\n{lines}\n"),
        "version" | "rollback" => format!(
            "{META}{CLIENT}{SERVICES}[[deploy]]\nservice = \"api\"\nat = \"1s\"\n{} = {{ {inline}{judged} }}\n",
            table.id,
            judged = if table.id == "rollback" && !["error_rate", "p99"].contains(&key.as_str()) {
                ", error_rate = 0.1"
            } else {
                ""
            },
        ),
        "cache" => format!("{META}{CLIENT}{SERVICES}[[cache]]\n{lines}\n"),
        "saga" => format!("{META}{SAGA_HOST}[[saga]]\n{lines}\n"),
        "saga_step" => format!(
            "{META}{SAGA_HOST}[[saga]]\nname = \"checkout\"\nsteps = [{{ {inline}{retry} }}]\n",
            retry = if key == "budget" { ", retry = {}" } else { "" },
        ),
        "call" => format!(
            "{META}{CLIENT}[[service]]\nname = \"api\"\nservice_time = \"1ms\"\ncalls = [{{ {inline}{retry} }}]\n\
             [[service]]\nname = \"db\"\nservice_time = \"1ms\"\n{CACHE}",
            retry = if key == "budget" { ", retry = {}" } else { "" },
        ),
        "shed" | "outlier" | "dedup" | "health" | "autoscale" => {
            format!("{META}{CLIENT}{SERVICES}{} = {{ {inline} }}\n", table.id)
        }
        "fault" => {
            let kind = match key.as_str() {
                "factor" => "slowdown",
                "rate" => "error_rate",
                "latency" => "latency",
                _ => "crash",
            };
            let lines = lines.replace("kind = \"crash\"", &format!("kind = \"{kind}\""));
            format!("{META}{CLIENT}{SERVICES}[[fault]]\n{lines}\n")
        }
        policy => {
            let retry = if policy == "budget" { "retry = {}\n" } else { "" };
            format!("{META}{SERVICES}{CLIENT}{retry}{policy} = {{ {inline} }}\n")
        }
    }
}

fn problems(text: &str) -> Vec<Diagnostic> {
    load(text, "t.toml", &[])
        .err()
        .map_or(Vec::new(), |d| d.items)
}

#[test]
fn the_loader_accepts_every_key_the_schema_offers() {
    for table in TABLES {
        for key in table.keys() {
            // The sections of every host scenario: written there already.
            if std::ptr::eq(*table, &TOP) && ["client", "service"].contains(&key.name) {
                continue;
            }
            let text = host(table, Some((key.name, value_of(key))));
            let found = problems(&text);
            assert!(
                found.is_empty(),
                "`{}` in {}:\n{text}\n{found:#?}",
                key.name,
                table.title
            );
        }
    }
}

/// The keys a fault of `kind` needs beside kind, target and at.
fn needed_by(kind: &str) -> &'static str {
    match kind {
        "slowdown" | "capacity" => "factor = 2",
        "error_rate" | "loss" | "duplicate" => "rate = 0.1",
        "latency" => "latency = \"1ms\"",
        _ => "",
    }
}

#[test]
fn the_loader_accepts_every_word_the_schema_offers() {
    for table in TABLES {
        for key in table.keys() {
            let values: Vec<String> = match key.kind {
                Kind::Choice(words) => words.iter().map(|w| format!("\"{w}\"")).collect(),
                Kind::Choices(words) => vec![format!("[\"{}\"]", words.join("\", \""))],
                _ => continue,
            };
            for value in values {
                let mut text = host(table, Some((key.name, value.clone())));
                if table.id == "fault" {
                    text.push_str(needed_by(value.trim_matches('"')));
                }
                let found = problems(&text);
                assert!(
                    found.is_empty(),
                    "{} = {value}:\n{text}\n{found:#?}",
                    key.name
                );
            }
        }
    }
}

#[test]
fn the_loader_refuses_every_key_the_schema_does_not_offer() {
    let mut candidates: Vec<&str> = TABLES
        .iter()
        .flat_map(|t| t.keys())
        .map(|k| k.name)
        .collect();
    candidates.extend(["bogus", "Name", "retries"]);
    candidates.sort_unstable();
    candidates.dedup();
    for table in TABLES {
        for name in &candidates {
            if table.key(name).is_some() {
                continue;
            }
            let text = host(table, Some((name, "1".to_string())));
            let refused = problems(&text)
                .iter()
                .any(|d| d.message.starts_with(&format!("unknown key `{name}`")));
            assert!(
                refused,
                "`{name}` in {} was not refused:\n{text}",
                table.title
            );
        }
    }
}

#[test]
fn the_schema_lists_exactly_the_keys_of_the_format() {
    let value: Value = serde_json::from_str(&schema()).unwrap();
    for table in TABLES {
        let object = if std::ptr::eq(*table, &TOP) {
            &value
        } else {
            &value["definitions"][table.id]
        };
        let listed: Vec<&str> = object["properties"]
            .as_object()
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let keys: Vec<&str> = table.keys().map(|k| k.name).collect();
        assert_eq!(listed, keys, "{}", table.title);
        assert_eq!(object["additionalProperties"], false, "{}", table.title);
    }
    assert!(value["properties"].get("deploy").is_some());
    assert!(value["properties"].get("saga").is_some());
    assert!(value["properties"].get("queue").is_some());
}

#[test]
fn schema_is_json_with_descriptions_ranges_and_limits() {
    let text = schema();
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["$schema"], "http://json-schema.org/draft-07/schema#");
    assert_eq!(value["required"], serde_json::json!(["scenario"]));
    let service = &value["definitions"]["service"]["properties"];
    assert_eq!(
        service["service_time"],
        serde_json::json!({
            "description": "Local work per request. Required on the service or on each endpoint.",
            "allOf": [{ "$ref": "#/definitions/distribution" }]
        })
    );
    assert_eq!(service["workers"]["type"], "integer");
    assert_eq!(service["workers"]["minimum"], 1);
    assert_eq!(
        service["instances"]["maximum"],
        crate::limits::MAX_INSTANCES
    );
    assert_eq!(
        service["balancer"]["enum"],
        serde_json::json!(["round_robin", "random", "least_outstanding", "p2c", "hash"])
    );
    assert_eq!(
        value["definitions"]["hedge"]["properties"]["max_extra"]["maximum"],
        crate::limits::MAX_HEDGES
    );
    assert_eq!(
        value["definitions"]["duration"]["pattern"],
        super::schema::DURATION_PATTERN
    );
    assert!(!text.contains("null"));
}

#[test]
fn every_key_of_the_contract_example_is_known() {
    let text = r#"
[scenario]
name = "Retry storm"
description = "notes"
duration = "120s"
seed = 42
warmup = "10s"
expect = ["p99(users) < 250ms"]

[network]
latency = "exp(0.5ms)"
loss = 0.0
duplicate = 0.0

[[link]]
from = "api"
to = "db"
latency = "2ms"

[[client]]
name = "users"
target = "api"
rate = [ { at = "0s", rate = 200 }, { at = "30s", rate = 900 } ]
arrivals = "constant"
keys = { count = 10000, popularity = "zipf(1.1)" }
timeout = "1s"
retry = { max_attempts = 3, backoff = "exponential", base = "20ms", multiplier = 2.0, cap = "2s", jitter = "full", retry_on = ["timeout"] }
budget = { max_tokens = 10, token_ratio = 0.1 }
breaker = { window = "count", size = 20, min_calls = 10, failure_rate = 0.5, slow_call = "1s", slow_call_rate = 1.0, open_for = "5s", half_open_calls = 3 }
bulkhead = { max_concurrent = 10, max_wait = "0ms" }
limit = { rate = 100, burst = 20 }
hedge = { after = "50ms", max_extra = 1 }
fallback = { service_time = "1ms" }
deadline = true
idempotency_key = true

[[service]]
name = "api"
instances = 1
balancer = "least_outstanding"
workers = 8
queue = 1000
discipline = "lifo"
service_time = "exp(5ms)"
error_rate = 0.0
calls = ["auth", { to = "db", timeout = "200ms", retry = { max_attempts = 3 } }]
parallel = true
blocking = true
shed = { queue_wait = "100ms" }
dedup = { ttl = "1h", capacity = 100000 }

[[service.endpoint]]
name = "charge"
service_time = "exp(20ms)"
effect = "charge"
idempotent = false
calls = []
publish = [ { to = "orders", outbox = true } ]

[[service]]
name = "auth"
service_time = "1ms"

[[service]]
name = "db"
service_time = "1ms"
consumes = "orders"

[[queue]]
name = "orders"
delivery = "at_least_once"
ack_timeout = "30s"
max_receives = 5
dead_letter = "orders-dlq"
partitions = 4
capacity = 100000

[[saga]]
name = "checkout"
mode = "orchestration"
steps = [
  { call = "api.charge", compensate = "db", timeout = "1s" },
  { call = "auth", pivot = true, retry = { max_attempts = 10 } },
]

[[fault]]
kind = "slowdown"
target = "db"
at = "30s"
for = "10s"
factor = 5.0
"#;
    let messages: Vec<String> = problems(text)
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.message)
        .collect();
    assert_eq!(messages, Vec::<String>::new());
}

#[test]
fn the_committed_reference_page_is_the_generated_one() {
    let committed = include_str!("../../../docs/scenario-format.md");
    assert!(
        committed == reference(),
        "docs/scenario-format.md is out of date: regenerate it with \
         `cargo run -q -p sim-cli -- schema --markdown > docs/scenario-format.md`"
    );
}

#[test]
fn the_reference_page_lists_every_table_key_and_limit() {
    let page = reference();
    for table in TABLES {
        let heading = format!("<a id=\"{}\"></a>", table.id);
        assert!(page.contains(&heading), "{}", table.title);
        assert!(page.contains(table.doc), "{}", table.title);
        for key in table.keys() {
            assert!(page.contains(&format!("`{}`", key.name)), "{}", key.name);
        }
    }
    for limit in crate::limits::ALL {
        assert!(page.contains(&format!("| `{}` | {} |", limit.name, limit.value)));
    }
    assert!(page.contains("| `instances` | integer (at least 1) | 1 | 10000 per service |"));
}

#[test]
fn a_version_offers_every_per_request_key_but_consumes_with_its_kind() {
    let request: Vec<(&str, String)> = (super::format::REQUEST.iter())
        .filter(|k| k.name != "consumes")
        .map(|k| (k.name, format!("{:?}", k.kind)))
        .collect();
    let version: Vec<(&str, String)> = (super::format::VERSION.keys())
        .map(|k| (k.name, format!("{:?}", k.kind)))
        .collect();
    assert_eq!(version, request);
}
