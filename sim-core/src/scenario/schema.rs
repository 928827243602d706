//! The JSON Schema of scenario files, built from [`super::format`]: one
//! definition per table, with descriptions, enums, ranges and the duration
//! pattern, and nothing the loader would refuse.

use super::format::{Int, Key, Kind, Table, TABLES, TOP, WINDOW_CALLS};
use crate::limits;
use serde_json::{json, Map, Value};

/// The text a duration must match: a number and a unit.
pub(crate) const DURATION_PATTERN: &str = r"^\s*[0-9]*\.?[0-9]*\s*(ns|us|µs|ms|s|m|min|h)\s*$";

/// A key popularity: `uniform`, or `zipf(S)` with a plain decimal exponent.
const POPULARITY_PATTERN: &str =
    r"^\s*(uniform|zipf\(\s*[0-9]*\.?[0-9]+([eE][+-]?[0-9]+)?\s*\))\s*$";

/// Names in the schema: ASCII letters, digits, `_` and `-`. The loader also
/// takes other letters and digits; the schema is the stricter of the two, so
/// that it never offers what the loader refuses.
const NAME_PATTERN: &str = "^[A-Za-z0-9_-]+$";

/// A JSON Schema (pretty JSON, draft-07 for the widest editor support) of the
/// scenario format, for editors: taplo / Even Better TOML, and JSON or YAML
/// language servers.
pub fn schema() -> String {
    let mut definitions = Map::new();
    definitions.insert(
        "duration".into(),
        json!({
            "description": "A duration with a unit: \"250ms\", \"1.5s\", \"2m\", \"100us\", \"40ns\", \"1h\".",
            "type": "string",
            "pattern": DURATION_PATTERN,
        }),
    );
    definitions.insert(
        "distribution".into(),
        json!({
            "description": "A distribution of durations: \"5ms\" constant, \"exp(5ms)\", \"uniform(1ms, 9ms)\", \"normal(10ms, 2ms)\", \"lognormal(p50=2ms, p99=40ms)\", \"pareto(scale=1ms, shape=1.5)\", \"mix(0.95: exp(2ms), 0.05: 200ms)\".",
            "type": "string",
        }),
    );
    for table in TABLES.iter().filter(|t| !std::ptr::eq(**t, &TOP)) {
        definitions.insert(table.id.into(), object(table));
    }
    let mut root = Map::new();
    root.insert(
        "$schema".into(),
        json!("http://json-schema.org/draft-07/schema#"),
    );
    root.insert("title".into(), json!("dsim scenario"));
    if let Value::Object(top) = object(&TOP) {
        root.extend(top);
    }
    root.insert("definitions".into(), Value::Object(definitions));
    serde_json::to_string_pretty(&Value::Object(root)).unwrap_or_default()
}

/// A table as a closed object.
fn object(table: &Table) -> Value {
    let mut properties = Map::new();
    for key in table.keys() {
        properties.insert(key.name.into(), property(key));
    }
    let required: Vec<&str> = table
        .keys()
        .filter(|k| k.required)
        .map(|k| k.name)
        .collect();
    let mut schema = json!({
        "description": table.doc,
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    });
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema
}

/// One key: its value's schema with the key's description.
fn property(key: &Key) -> Value {
    let mut doc = key.doc.to_string();
    if let Some(d) = key.default {
        doc.push_str(&format!(" Default: {d}."));
    }
    let mut value = value(key.kind);
    match &mut value {
        // draft-07 ignores the siblings of `$ref`: `allOf` keeps the description.
        Value::Object(map) if map.contains_key("$ref") => {
            json!({ "description": doc, "allOf": [value] })
        }
        Value::Object(map) => {
            map.insert("description".into(), json!(doc));
            value
        }
        _ => value,
    }
}

fn reference(id: &str) -> Value {
    json!({ "$ref": format!("#/definitions/{id}") })
}

fn integer(int: Int) -> Value {
    json!({ "type": "integer", "minimum": int.min, "maximum": int.max })
}

/// The schema of a value of `kind`.
fn value(kind: Kind) -> Value {
    match kind {
        Kind::String
        | Kind::Target
        | Kind::Service
        | Kind::Node
        | Kind::Queue
        | Kind::Cache
        | Kind::FaultTarget => {
            json!({ "type": "string" })
        }
        Kind::Popularity => json!({ "type": "string", "pattern": POPULARITY_PATTERN }),
        Kind::Name => json!({
            "type": "string",
            "minLength": 1,
            "maxLength": limits::MAX_NAME_CHARS,
            "pattern": NAME_PATTERN,
        }),
        Kind::Bool => json!({ "type": "boolean" }),
        Kind::Duration => reference("duration"),
        Kind::Distribution => reference("distribution"),
        Kind::Probability => json!({ "type": "number", "minimum": 0, "maximum": 1 }),
        Kind::Rate => json!({ "type": "number", "minimum": 0, "maximum": limits::MAX_RATE }),
        Kind::Number { min, max } => {
            let mut v = json!({ "type": "number", "minimum": min });
            if max.is_finite() {
                v["maximum"] = json!(max);
            }
            v
        }
        Kind::Integer(int) => integer(int),
        Kind::Choice(words) => json!({ "type": "string", "enum": words }),
        Kind::Shares => json!({
            "type": "array",
            "minItems": 1,
            "items": { "type": "number", "minimum": 0, "maximum": 1 },
        }),
        Kind::Choices(words) => json!({
            "type": "array",
            "items": { "type": "string", "enum": words },
        }),
        Kind::Expectations { max } => json!({
            "type": "array",
            "items": { "type": "string" },
            "maxItems": max,
        }),
        Kind::Table(t) => reference(t.id),
        Kind::Tables { table, max } => json!({
            "type": "array",
            "items": reference(table.id),
            "maxItems": max,
        }),
        Kind::Calls => json!({
            "type": "array",
            "items": { "anyOf": [{ "type": "string" }, reference("call")] },
            "maxItems": limits::MAX_CALLS,
        }),
        Kind::RateSchedule => json!({
            "anyOf": [
                value(Kind::Rate),
                {
                    "type": "array",
                    "items": reference("step"),
                    "minItems": 1,
                    "maxItems": limits::MAX_RATE_STEPS,
                },
            ]
        }),
        Kind::WindowSize => json!({
            "anyOf": [
                integer(WINDOW_CALLS),
                reference("duration"),
            ]
        }),
    }
}
