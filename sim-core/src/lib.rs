//! # sim-core: dsim's deterministic engine and models
//!
//! A scenario's text becomes a validated [`Scenario`] ([`scenario::load`]), the
//! scenario becomes a [`Simulation`], and the simulation's events become a
//! [`Report`]. This crate does no I/O, starts no threads, reads no clock and
//! no OS randomness, so it builds for `wasm32-unknown-unknown` and gives the
//! same bytes natively and in the browser.
//!
//! ## Guarantees
//!
//! - **Integer time.** [`SimTime`] and [`SimDuration`] are nanoseconds in a
//!   `u64`; no clock is ever a float.
//! - **A total order of events.** Events run in order of `(time, seq)`, where
//!   `seq` counts insertions: two events at the same instant run in the order
//!   they were scheduled. Nothing depends on hash iteration order.
//! - **Forked randomness.** Each client, instance, balancer and link draws from
//!   its own ChaCha8 stream derived from `(seed, name)` ([`rng::Stream`]), so
//!   adding a component does not change the draws of the others.
//! - **Conservation.** Every logical request ends exactly once — succeeded,
//!   degraded or failed — or is counted in flight when the run stops.
//! - **Bounded memory.** Memory grows with what is in flight, not with run
//!   length: latencies go into fixed-size histograms, and only the optional
//!   timeseries grows (one entry per window).

pub mod chaos;
pub mod dist;
pub mod engine;
pub mod expect;
pub mod library;
pub mod limits;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod suggest;
pub mod text;
pub mod time;
pub mod topology;

pub use engine::{run, RunOptions, Simulation};
pub use report::Report;
pub use scenario::model::Scenario;
pub use time::{SimDuration, SimTime};
