//! One module per subcommand. Each returns an [`Outcome`] or an error; an
//! error is bad input (exit 2), printed by `main`.

pub mod check;
pub mod compare;
pub mod junit;
pub mod list;
pub mod plot;
pub mod run;
pub mod show;
pub mod sweep;
pub mod sweep_plot;
pub mod trace;
pub mod validate;
pub mod web;

use std::io::Write;

/// How a command ended when it was not stopped by bad input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Everything held: exit 0.
    Ok,
    /// An expectation failed: exit 1.
    Failed,
    /// Some input was bad and has been reported already (a command over
    /// several files goes on after a bad one): exit 2.
    BadInput,
    /// A run was stopped by a budget, and the reason printed: exit 3.
    Stopped,
}

/// Writes `text` to stdout. A closed pipe (`dsim list | head -1`) is an error
/// here rather than the panic `print!` would give.
pub fn print(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Writes `text` to stderr. A closed or full stderr (`2>/dev/full`) loses
/// the message but never panics, unlike `eprint!`.
pub fn eprint(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

/// `dsim graph`: the topology as DOT or Mermaid.
pub fn graph(args: &crate::cli::GraphArgs) -> anyhow::Result<Outcome> {
    let scenario = crate::input::load(&args.file, &args.set.set)?;
    print(&match args.format {
        crate::cli::GraphFormat::Dot => sim_core::topology::dot(&scenario),
        crate::cli::GraphFormat::Mermaid => sim_core::topology::mermaid(&scenario),
    })?;
    Ok(Outcome::Ok)
}

/// `dsim schema`: the JSON Schema of scenario files, or with `--markdown`
/// their reference page.
pub fn schema(args: &crate::cli::SchemaArgs) -> anyhow::Result<Outcome> {
    let mut schema = if args.markdown {
        sim_core::scenario::reference()
    } else {
        sim_core::scenario::schema()
    };
    if !schema.ends_with('\n') {
        schema.push('\n');
    }
    print(&schema)?;
    Ok(Outcome::Ok)
}

/// `FILE` as a shell word, quoted when it needs to be, for the commands we
/// print for people to paste.
pub fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_the_shell_would_split() {
        assert_eq!(
            shell_word("scenarios/retry-storm.toml"),
            "scenarios/retry-storm.toml"
        );
        assert_eq!(shell_word("my scenario.toml"), "'my scenario.toml'");
        assert_eq!(shell_word("it's.toml"), r"'it'\''s.toml'");
    }
}
