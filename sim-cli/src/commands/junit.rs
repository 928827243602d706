//! `dsim check --junit FILE`: the results as JUnit XML, the format CI
//! systems show as test reports. One `<testsuite>` per scenario file, one
//! `<testcase>` per seed; a failed expectation is a `<failure>`, a run
//! stopped by a budget or a file that does not load an `<error>`. Every
//! expectation's observed value is in the case's output. No times are
//! written: the file is the same for every run of the same check.

use super::check::{FileResult, Verdict};
use crate::summary;
use anyhow::Context;
use quick_xml::events::BytesText;
use quick_xml::Writer;
use sim_core::report::ExpectationResult;
use std::io::Write;
use std::path::Path;

/// Writes the results of `dsim check` to `path`.
pub fn write(path: &Path, results: &[FileResult]) -> anyhow::Result<()> {
    let mut xml = Writer::new_with_indent(Vec::new(), b' ', 2);
    xml.get_mut()
        .write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
    let (tests, failures, errors) = totals(results);
    xml.create_element("testsuites")
        .with_attributes([
            ("name", "dsim check"),
            ("tests", tests.to_string().as_str()),
            ("failures", failures.to_string().as_str()),
            ("errors", errors.to_string().as_str()),
        ])
        .write_inner_content(|xml| {
            for r in results {
                suite(xml, r)?;
            }
            Ok(())
        })?;
    let mut bytes = xml.into_inner();
    bytes.push(b'\n');
    std::fs::write(path, bytes).with_context(|| format!("cannot write `{}`", path.display()))
}

/// Test cases, failed ones and errors over all files.
fn totals(results: &[FileResult]) -> (usize, usize, usize) {
    results.iter().fold((0, 0, 0), |(t, f, e), r| {
        let (tests, failures, errors) = counts(r);
        (t + tests, f + failures, e + errors)
    })
}

/// Test cases, failed ones and errors of one file (a bad file is one error).
fn counts(r: &FileResult) -> (usize, usize, usize) {
    if r.bad.is_some() {
        return (1, 0, 1);
    }
    let failed = |v: &Verdict| matches!(v, Verdict::Judged(es) if es.iter().any(|e| !e.passed));
    let stopped = |v: &Verdict| matches!(v, Verdict::Stopped(_));
    (
        r.runs.len(),
        r.runs.iter().filter(|(_, v)| failed(v)).count(),
        r.runs.iter().filter(|(_, v)| stopped(v)).count(),
    )
}

/// XML text: control characters, which XML 1.0 cannot hold, escaped as
/// the rest of dsim's output escapes them.
fn text(s: &str) -> String {
    sim_core::text::escape(s).into_owned()
}

/// One file's `<testsuite>`.
fn suite(xml: &mut Writer<Vec<u8>>, r: &FileResult) -> std::io::Result<()> {
    let (tests, failures, errors) = counts(r);
    let name = text(&r.file);
    xml.create_element("testsuite")
        .with_attributes([
            ("name", name.as_str()),
            ("tests", tests.to_string().as_str()),
            ("failures", failures.to_string().as_str()),
            ("errors", errors.to_string().as_str()),
        ])
        .write_inner_content(|xml| {
            if let Some(why) = &r.bad {
                let case = xml
                    .create_element("testcase")
                    .with_attributes([("name", name.as_str()), ("classname", "dsim.check")]);
                return case
                    .write_inner_content(|xml| {
                        xml.create_element("error")
                            .with_attribute(("message", "the scenario does not load"))
                            .write_text_content(BytesText::new(&text(why)))?;
                        Ok(())
                    })
                    .map(drop);
            }
            for (seed, verdict) in &r.runs {
                case(xml, &name, *seed, verdict)?;
            }
            Ok(())
        })
        .map(drop)
}

/// One seed's `<testcase>`.
fn case(xml: &mut Writer<Vec<u8>>, file: &str, seed: u64, v: &Verdict) -> std::io::Result<()> {
    let name = format!("{file} seed {seed}");
    xml.create_element("testcase")
        .with_attributes([("name", name.as_str()), ("classname", "dsim.check")])
        .write_inner_content(|xml| {
            match v {
                Verdict::Stopped(why) => {
                    xml.create_element("error")
                        .with_attribute(("message", "stopped by a budget"))
                        .write_text_content(BytesText::new(&text(why)))?;
                }
                Verdict::Judged(es) => {
                    let failed: Vec<&ExpectationResult> = es.iter().filter(|e| !e.passed).collect();
                    if !failed.is_empty() {
                        let message =
                            format!("{} of {} expectations failed", failed.len(), es.len());
                        let lines = lines(&failed);
                        xml.create_element("failure")
                            .with_attribute(("message", message.as_str()))
                            .write_text_content(BytesText::new(&lines))?;
                    }
                    let all: Vec<&ExpectationResult> = es.iter().collect();
                    xml.create_element("system-out")
                        .write_text_content(BytesText::new(&lines(&all)))?;
                }
            }
            Ok(())
        })
        .map(drop)
}

/// The expectations as `dsim check` prints them, one per line.
fn lines(es: &[&ExpectationResult]) -> String {
    es.iter()
        .map(|e| summary::expectation(e).trim().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}
