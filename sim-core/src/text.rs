//! Text from a scenario on its way to a terminal, a file or a page: control
//! characters escaped (a name can hold an ANSI escape or a carriage return)
//! and overlong values cut, so no output can be garbled by what it quotes.

use std::borrow::Cow;
use std::fmt::Write;

/// Longest quoted value in a message, in characters, before it is cut.
pub const MAX_QUOTED: usize = 80;

/// `s` with every control character (newlines and tabs included) written as
/// a Rust-style escape: `\n`, `\t`, `\u{1b}`.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` escaped, and cut to [`MAX_QUOTED`] characters with `…(N more)` when
/// longer: for quoting a user's value inside a message.
pub fn quote(s: &str) -> String {
    let escaped = escape(s);
    let total = escaped.chars().count();
    if total <= MAX_QUOTED {
        return escaped.into_owned();
    }
    let mut out: String = escaped.chars().take(MAX_QUOTED).collect();
    let _ = write!(out, "…({} more)", total - MAX_QUOTED);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_characters_only() {
        assert_eq!(escape("api"), "api");
        assert_eq!(escape("é ok"), "é ok");
        assert_eq!(escape("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(escape("x\ny\tz\r"), "x\\ny\\tz\\r");
    }

    #[test]
    fn cuts_long_values() {
        let long = "a".repeat(100);
        let q = quote(&long);
        assert!(q.starts_with(&"a".repeat(MAX_QUOTED)));
        assert!(q.ends_with("…(20 more)"));
        assert_eq!(quote("short"), "short");
    }
}
