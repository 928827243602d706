//! A scan of a document's nesting before it is parsed.
//!
//! The TOML and JSON parsers, the tree and the loader all walk nested
//! values recursively (and dropping a tree recurses too), so a document
//! 100,000 arrays deep, or with a dotted key of 100,000 parts, would
//! overflow the stack. This scan reads the text once, without recursion,
//! and finds the first place deeper than [`limits::MAX_NESTING`]; the loader
//! refuses the file there before any parser sees it.

use crate::limits;

/// What is wrong with a document (or an override's value) that nests too deep.
pub(crate) fn too_deep() -> String {
    format!(
        "tables and arrays nest more than {} levels deep here, above the limit of {}",
        limits::MAX_NESTING,
        limits::MAX_NESTING
    )
}

/// The byte offset where TOML `text` first nests deeper than the limit.
/// `value` starts the scan at a value (an override's `--set k=VALUE`)
/// rather than at the start of a document.
pub(crate) fn toml(text: &str, value: bool) -> Option<usize> {
    let mut s = Toml {
        bytes: text.as_bytes(),
        pos: 0,
        open: Vec::new(),
        dots: 0,
        header: 0,
        key_dots: 0,
        in_value: value,
    };
    s.scan()
}

/// The byte offset where JSON `text` first nests deeper than the limit.
pub(crate) fn json(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut depth, mut pos) = (0usize, 0);
    while let Some(&b) = bytes.get(pos) {
        match b {
            b'"' => pos = skip_basic_string(bytes, pos),
            b'[' | b'{' => {
                depth += 1;
                if depth > limits::MAX_NESTING {
                    return Some(pos);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        pos += 1;
    }
    None
}

/// The position of the closing quote of the `"…"` string opening at `pos`
/// (or the end of the text).
fn skip_basic_string(bytes: &[u8], mut pos: usize) -> usize {
    pos += 1;
    while let Some(&b) = bytes.get(pos) {
        match b {
            b'\\' => pos += 2,
            b'"' | b'\n' => return pos,
            _ => pos += 1,
        }
    }
    pos
}

/// The scan of a TOML text. Depth counts the table header's parts, every
/// open array or inline table, and the parts of the dotted keys on the way.
struct Toml<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Open arrays and inline tables: the bracket, and the dots of the key
    /// whose value it is.
    open: Vec<(u8, usize)>,
    /// The dots of the keys of every open value.
    dots: usize,
    /// The depth of the current `[table]` header.
    header: usize,
    /// Dots in the key being read.
    key_dots: usize,
    /// Whether a value comes next (after `=`, `[` or `,` in an array).
    in_value: bool,
}

impl Toml<'_> {
    fn depth(&self) -> usize {
        self.header + self.dots + self.open.len() + self.key_dots
    }

    fn scan(&mut self) -> Option<usize> {
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'#' => self.skip_line(),
                b'"' | b'\'' => self.skip_string(b),
                b'[' if self.open.is_empty() && !self.in_value => {
                    if let Some(at) = self.table_header() {
                        return Some(at);
                    }
                }
                b'[' | b'{' => {
                    let key = if self.in_value { self.key_dots } else { 0 };
                    self.open.push((b, key));
                    self.dots += key;
                    self.key_dots = 0;
                    self.in_value = b == b'[';
                    if self.depth() > limits::MAX_NESTING {
                        return Some(self.pos);
                    }
                }
                b']' | b'}' => {
                    if let Some((_, key)) = self.open.pop() {
                        self.dots -= key;
                    }
                    self.in_value = false;
                }
                b'=' => self.in_value = true,
                b',' => {
                    self.in_value = matches!(self.open.last(), Some((b'[', _)));
                    self.key_dots = 0;
                }
                b'\n' if self.open.is_empty() => {
                    self.in_value = false;
                    self.key_dots = 0;
                }
                b'.' if !self.in_value => {
                    self.key_dots += 1;
                    if self.depth() > limits::MAX_NESTING {
                        return Some(self.pos);
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
        None
    }

    /// Reads a `[a.b]` or `[[a.b]]` header, leaving `pos` on its last `]`.
    fn table_header(&mut self) -> Option<usize> {
        self.header = 1;
        if self.bytes.get(self.pos + 1) == Some(&b'[') {
            self.header += 1;
            self.pos += 1;
        }
        self.pos += 1;
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'"' | b'\'' => self.skip_string(b),
                b'.' => {
                    self.header += 1;
                    if self.header > limits::MAX_NESTING {
                        return Some(self.pos);
                    }
                }
                b']' | b'\n' => break,
                _ => {}
            }
            self.pos += 1;
        }
        if self.bytes.get(self.pos + 1) == Some(&b']') {
            self.pos += 1;
        }
        None
    }

    fn skip_line(&mut self) {
        while self.bytes.get(self.pos).is_some_and(|&b| b != b'\n') {
            self.pos += 1;
        }
        // Leave the newline to the main loop, which ends a statement there.
        self.pos -= 1;
    }

    /// Skips the string opening at `pos` with `quote`, leaving `pos` on its
    /// last quote.
    fn skip_string(&mut self, quote: u8) {
        let triple = [quote; 3];
        if self.bytes.get(self.pos..self.pos + 3) == Some(&triple[..]) {
            self.pos += 3;
            while self.pos < self.bytes.len() {
                if quote == b'"' && self.bytes[self.pos] == b'\\' {
                    self.pos += 2;
                    continue;
                }
                if self.bytes.get(self.pos..self.pos + 3) == Some(&triple[..]) {
                    // A closing run may hold up to two more quotes of the content.
                    while self.bytes.get(self.pos + 3) == Some(&quote) {
                        self.pos += 1;
                    }
                    self.pos += 2;
                    return;
                }
                self.pos += 1;
            }
            return;
        }
        if quote == b'"' {
            self.pos = skip_basic_string(self.bytes, self.pos);
            return;
        }
        self.pos += 1;
        while self
            .bytes
            .get(self.pos)
            .is_some_and(|&b| b != b'\'' && b != b'\n')
        {
            self.pos += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_arrays_tables_headers_and_dotted_keys() {
        let deep = |open: &str, close: &str, n: usize| {
            format!("a = {}1{}", open.repeat(n), close.repeat(n))
        };
        let max = limits::MAX_NESTING;
        assert_eq!(toml(&deep("[", "]", max), false), None);
        assert_eq!(toml(&deep("[", "]", max + 1), false), Some(4 + max));
        assert!(toml(&deep("{b = ", "}", max + 1), false).is_some());
        let dotted = format!("{} = 1", vec!["a"; max + 2].join("."));
        assert!(toml(&dotted, false).is_some());
        let header = format!("[{}]\nx = 1", vec!["a"; max + 2].join("."));
        assert_eq!(toml(&header, false), Some(2 * max));
        assert_eq!(
            toml(&format!("[{}]", vec!["a"; max].join(".")), false),
            None
        );
    }

    #[test]
    fn ignores_brackets_in_strings_comments_and_numbers() {
        let text = format!(
            "a = \"{}\"\nb = '{}'\nc = \"\"\"\n{}\"\"\"\n# {}\nd = [1.5, 2.5]\n",
            "[".repeat(99),
            "{".repeat(99),
            "[".repeat(99),
            "[".repeat(99)
        );
        assert_eq!(toml(&text, false), None);
        assert_eq!(json(&format!("{{\"a\": \"{}\"}}", "[".repeat(99))), None);
    }

    #[test]
    fn values_of_overrides_start_as_values() {
        let n = limits::MAX_NESTING + 1;
        assert!(toml(&"[".repeat(n), true).is_some());
        assert_eq!(toml("{ a.b = [1] }", true), None);
    }

    #[test]
    fn json_counts_both_brackets() {
        let n = limits::MAX_NESTING;
        let ok = format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert_eq!(json(&ok), None);
        assert_eq!(json(&format!("{{\"a\": {ok}}}")), Some(5 + n));
    }
}
