//! Integration tests across crates: one binary, one module per behaviour.

mod common;
mod conservation;
mod determinism;
mod library;
mod queueing;
