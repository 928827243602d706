//! JSON scenarios: the same structure as TOML, with places kept.
//!
//! `serde_json` checks the syntax (and gives line and column of an error);
//! then a small scanner walks the now-valid text to build the [`Node`] tree
//! with the byte offset of every key and value, which `serde_json::Value`
//! would have dropped.

use super::problems::{At, Problems};
use super::tree::{Entry, Node, Table, Value};
use crate::text::{escape, quote};
use serde::de::IgnoredAny;

/// Parses JSON text; `None` after a syntax error (which is reported).
pub(crate) fn parse_json(text: &str, problems: &mut Problems) -> Option<Node> {
    if let Err(e) = serde_json::from_str::<IgnoredAny>(text) {
        let message = e.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m);
        let offset = offset_of(text, e.line(), e.column());
        problems.error(
            At::File(offset),
            format!("JSON syntax: {}", escape(message)),
        );
        return None;
    }
    let mut scanner = Scanner { text, pos: 0 };
    let node = scanner.value(problems);
    if node.is_none() && problems.is_empty() {
        problems.error(At::File(scanner.pos), "JSON syntax: unexpected value");
    }
    node
}

/// The byte offset of serde_json's 1-based line and (byte) column.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + column.saturating_sub(1)).min(text.len())
}

/// Walks valid JSON text. Every method returns `None` rather than panicking
/// if the text is not what it expects.
struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Consumes `byte` (after whitespace) if it is next.
    fn eat(&mut self, byte: u8) -> bool {
        self.skip_space();
        let found = self.peek() == Some(byte);
        if found {
            self.pos += 1;
        }
        found
    }

    /// The next value; `null` is reported and yields `None`.
    fn value(&mut self, problems: &mut Problems) -> Option<Node> {
        self.skip_space();
        let at = At::File(self.pos);
        let value = match self.peek()? {
            b'{' => Value::Table(self.object(problems)?),
            b'[' => Value::Array(self.array(problems)?),
            b'"' => Value::String(self.string()?),
            b't' => self.word("true", Value::Boolean(true))?,
            b'f' => self.word("false", Value::Boolean(false))?,
            b'n' => {
                self.word("null", Value::Boolean(false))?;
                problems.error(at, "`null` is not a value in a scenario: leave the key out");
                return None;
            }
            _ => self.number()?,
        };
        Some(Node { at, value })
    }

    fn word(&mut self, word: &str, value: Value) -> Option<Value> {
        let rest = self.text.get(self.pos..)?;
        rest.starts_with(word).then(|| {
            self.pos += word.len();
            value
        })
    }

    fn number(&mut self) -> Option<Value> {
        let start = self.pos;
        while matches!(
            self.peek(),
            Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
        ) {
            self.pos += 1;
        }
        let text = self.text.get(start..self.pos)?;
        if let Ok(n) = text.parse::<i64>() {
            return Some(Value::Integer(n));
        }
        text.parse::<f64>().ok().map(Value::Float)
    }

    /// A string, unescaped by serde_json.
    fn string(&mut self) -> Option<String> {
        let start = self.pos;
        self.pos += 1;
        loop {
            match self.peek()? {
                b'\\' => self.pos += 2,
                b'"' => break,
                _ => self.pos += 1,
            }
        }
        self.pos += 1;
        serde_json::from_str(self.text.get(start..self.pos)?).ok()
    }

    fn array(&mut self, problems: &mut Problems) -> Option<Vec<Node>> {
        self.pos += 1;
        let mut items = Vec::new();
        if self.eat(b']') {
            return Some(items);
        }
        loop {
            items.extend(self.value(problems));
            if self.eat(b']') {
                return Some(items);
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    fn object(&mut self, problems: &mut Problems) -> Option<Table> {
        self.pos += 1;
        let mut table = Table::default();
        if self.eat(b'}') {
            return Some(table);
        }
        loop {
            self.skip_space();
            let key_at = At::File(self.pos);
            let key = self.string()?;
            if !self.eat(b':') {
                return None;
            }
            if table.get(&key).is_some() {
                problems.error(key_at, format!("duplicate key `{}`", quote(&key)));
            }
            if let Some(node) = self.value(problems) {
                table.entries.push(Entry { key, key_at, node });
            }
            if self.eat(b'}') {
                return Some(table);
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Option<Node>, Vec<super::super::Diagnostic>) {
        let mut p = Problems::new(text, &[]);
        let node = parse_json(text, &mut p);
        (node, p.into_diagnostics("t.json").items)
    }

    #[test]
    fn keeps_the_place_of_every_value() {
        let (node, problems) =
            parse("{\n  \"a\": [1, 2.5, \"x\\\"y\"],\n  \"b\": {\"c\": true}\n}");
        assert!(problems.is_empty());
        let Some(Node {
            value: Value::Table(t),
            ..
        }) = node
        else {
            panic!("not a table")
        };
        assert_eq!(t.entries[0].key_at, At::File(4));
        let Value::Array(items) = &t.entries[0].node.value else {
            panic!("not an array")
        };
        assert!(matches!(items[0].value, Value::Integer(1)));
        assert!(matches!(items[1].value, Value::Float(x) if x == 2.5));
        assert!(matches!(&items[2].value, Value::String(s) if s == "x\"y"));
        assert_eq!(items[2].at, At::File(18));
    }

    #[test]
    fn reports_syntax_errors_with_line_and_column() {
        let (node, problems) = parse("{\n  \"a\": 1,\n  \"b\" 2\n}");
        assert!(node.is_none());
        assert_eq!((problems[0].line, problems[0].column), (3, 7));
        assert_eq!(problems[0].message, "JSON syntax: expected `:`");
    }

    #[test]
    fn rejects_null_and_duplicate_keys() {
        let (_, problems) = parse("{\"a\": null, \"b\": 1, \"b\": 2}");
        let messages: Vec<_> = problems.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`null` is not a value in a scenario: leave the key out",
                "duplicate key `b`"
            ]
        );
    }
}
