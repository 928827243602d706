//! Helpers shared by the tests that run the `dsim` binary.
//! Each test module uses some of them.
#![allow(dead_code)]

use serde_json::Value;
use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// How long a `dsim` process may live before a test calls it hung. Not a
/// timing assertion: a safety net, so that a hang fails instead of blocking
/// the suite; every case here ends in well under a second.
const HUNG_AFTER: Duration = Duration::from_secs(120);

/// Runs `dsim` with `args`, stdin closed and stderr not a terminal.
pub fn dsim(args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dsim"));
    command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    bounded(command)
}

/// Runs `command` (stdin closed), killing it and failing the test if it
/// is still running after [`HUNG_AFTER`].
pub fn bounded(mut command: Command) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .spawn()
        .expect("the dsim binary runs");
    let read = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut p) = pipe {
                p.read_to_end(&mut bytes).expect("the pipe reads");
            }
            bytes
        })
    };
    let out = read(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = read(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            break status;
        }
        if started.elapsed() > HUNG_AFTER {
            let _ = child.kill();
            panic!("dsim hung: still running after {HUNG_AFTER:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Output {
        status,
        stdout: out.join().expect("stdout is read"),
        stderr: err.join().expect("stderr is read"),
    }
}

/// Writes `text` to `dir/name` and returns the path as a string argument.
pub fn file(dir: &TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// What the run printed to stdout.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// What the run printed to stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// The exit code.
pub fn code(o: &Output) -> i32 {
    o.status.code().expect("dsim exits, not killed by a signal")
}

/// Stdout parsed as JSON.
pub fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).expect("stdout is one JSON document")
}
