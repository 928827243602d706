//! Integration tests across crates: one binary, one module per behaviour.

mod caches;
mod common;
mod conservation;
mod determinism;
mod effects;
mod faults;
mod fuzz;
mod interview;
mod keys;
mod library;
mod lifecycle;
mod messaging;
mod policies;
mod queueing;
mod record;
mod saga_modes;
mod saga_views;
mod sagas;
mod sequences;
