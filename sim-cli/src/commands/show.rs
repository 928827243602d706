//! `dsim show NAME`: a built-in's teaching notes rendered for a terminal,
//! then its scenario text; `--text` prints the text alone, ready to copy.

use super::{print, Outcome};
use crate::cli::ShowArgs;
use crate::input::Source;
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use sim_core::text::escape;
use std::io::IsTerminal;

/// Columns a paragraph is wrapped to.
const WIDTH: usize = 78;

/// Prints the notes (title, description) and then the file.
pub fn show(args: &ShowArgs) -> anyhow::Result<Outcome> {
    let source = Source::resolve(&args.name)?;
    if args.text {
        print(&source.text)?;
        return Ok(Outcome::Ok);
    }
    let scenario = source.load(&[])?;
    let ansi = std::io::stdout().is_terminal();
    let mut out = String::new();
    let title = escape(&scenario.name);
    out.push_str(&emphasis(&title, ansi));
    out.push('\n');
    out.push_str(&"=".repeat(title.chars().count().min(WIDTH)));
    out.push_str("\n\n");
    out.push_str(render(&scenario.description, ansi).trim_end());
    out.push_str(&format!(
        "\n\n---- {} (`dsim show {} --text` prints it alone) ----\n\n",
        escape(&source.name),
        escape(&source.name)
    ));
    out.push_str(&escape_lines(&source.text));
    if !out.ends_with('\n') {
        out.push('\n');
    }
    print(&out)?;
    Ok(Outcome::Ok)
}

/// The text with control characters escaped, line breaks and tabs kept.
fn escape_lines(text: &str) -> String {
    text.split('\n')
        .map(|l| escape(&l.replace('\t', "    ")).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Bold on a terminal; as written elsewhere.
fn emphasis(text: &str, ansi: bool) -> String {
    if ansi {
        format!("\x1b[1m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// Markdown for a terminal: paragraphs wrapped to [`WIDTH`], list items
/// indented under a bullet or their number, `code` kept in backticks,
/// bold and italic as ANSI when `ansi` (else `**` and `*` as written).
pub fn render(markdown: &str, ansi: bool) -> String {
    let mut out = String::new();
    let mut words = String::new();
    // The bullets of the lists we are in: `None` for "-", `Some(n)` numbered.
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut prefix = String::new();
    let (bold, italic, plain) = if ansi {
        ("\x1b[1m", "\x1b[3m", "\x1b[0m")
    } else {
        ("**", "*", "")
    };
    let flush = |words: &mut String, prefix: &str, out: &mut String| {
        if !words.trim().is_empty() {
            out.push_str(&wrap(words.trim(), prefix));
        }
        words.clear();
    };
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::List(first)) => {
                flush(&mut words, &prefix, &mut out);
                lists.push(first);
            }
            Event::End(TagEnd::List(_)) => {
                lists.pop();
                if lists.is_empty() {
                    out.push('\n');
                }
            }
            Event::Start(Tag::Item) => {
                flush(&mut words, &prefix, &mut out);
                let depth = lists.len().saturating_sub(1);
                let bullet = match lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}.", *n - 1)
                    }
                    _ => "-".to_string(),
                };
                prefix = format!("{}{bullet} ", "  ".repeat(depth));
            }
            Event::End(TagEnd::Item) => {
                flush(&mut words, &prefix, &mut out);
                prefix.clear();
            }
            Event::End(TagEnd::Paragraph) => {
                flush(&mut words, &prefix, &mut out);
                prefix.clear();
                if lists.is_empty() {
                    out.push('\n');
                }
            }
            Event::Start(Tag::Strong) => words.push_str(bold),
            Event::End(TagEnd::Strong) => words.push_str(if ansi { plain } else { bold }),
            Event::Start(Tag::Emphasis) => words.push_str(italic),
            Event::End(TagEnd::Emphasis) => words.push_str(if ansi { plain } else { italic }),
            Event::Code(code) => {
                words.push('`');
                words.push_str(&escape(&code));
                words.push('`');
            }
            Event::Text(t) => words.push_str(&escape(&t)),
            Event::SoftBreak | Event::HardBreak => words.push(' '),
            _ => {}
        }
    }
    flush(&mut words, &prefix, &mut out);
    out
}

/// `text` wrapped to [`WIDTH`] columns, the first line after `first` (a
/// list's bullet), the others as far in.
fn wrap(text: &str, first: &str) -> String {
    let hang = " ".repeat(first.chars().count());
    let visible = |s: &str| s.chars().filter(|c| !c.is_control()).count();
    let mut out = String::new();
    let mut line = first.to_string();
    for word in text.split_whitespace() {
        if !line.trim().is_empty() && visible(&line) + 1 + visible(word) > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = hang.clone();
        }
        if !line.is_empty() && !line.ends_with(' ') {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_wrap_and_lists_hang() {
        let md = "A **bold** claim with `code`, and a long tail of words that goes past the width of one line for sure.\n\n- one item\n- two, which is also long enough to wrap past the width of seventy-eight columns\n\n1. first\n2. second\n";
        let got = render(md, false);
        let want = "A **bold** claim with `code`, and a long tail of words that goes past the\n\
                    width of one line for sure.\n\
                    \n\
                    - one item\n\
                    - two, which is also long enough to wrap past the width of seventy-eight\n  columns\n\
                    \n\
                    1. first\n\
                    2. second\n\
                    \n";
        assert_eq!(got, want);
        assert!(render("**x**", true).contains("\x1b[1mx\x1b[0m"));
    }
}
