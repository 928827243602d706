//! `--chaos`: faults drawn from the seed on top of a scenario's own, and the
//! TOML that replays them as plain `[[fault]]` tables.
//!
//! The draws come from their own stream (`chaos`), so adding chaos never
//! shifts the random numbers of clients, instances or links: the run differs
//! from the plain one only by the faults themselves.

use crate::rng::Stream;
use crate::scenario::model::{Fault, FaultKind, FaultTarget, NodeId, Scenario, ServiceId};
use crate::time::{SimDuration, SimTime};
use std::fmt::Write;

/// Every directed edge a message can take: client to target, caller to
/// callee, and the way back is the same edge reversed.
fn edges(sc: &Scenario) -> Vec<(NodeId, NodeId)> {
    let mut out: Vec<(NodeId, NodeId)> = sc
        .clients
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let from = NodeId::Client(crate::scenario::model::ClientId(i as u32));
            (from, NodeId::Service(c.target.service))
        })
        .collect();
    for (s, service) in sc.services.iter().enumerate() {
        let from = NodeId::Service(ServiceId(s as u32));
        for e in service.every_endpoint() {
            out.extend(
                e.calls
                    .iter()
                    .map(|c| (from, NodeId::Service(c.to.service))),
            );
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A uniform duration in `[lo, hi]` of the run's length, in thousandths.
fn span(rng: &mut Stream, total: SimDuration, lo: u64, hi: u64) -> SimDuration {
    let permille = lo + rng.below(hi - lo + 1);
    SimDuration(total.0 / 1000 * permille)
}

/// Draws one to three faults for `sc` from `seed`: kinds, targets, times
/// and strengths. Each starts between 10% and 70% of the run and lasts 5% to
/// 25% of it.
pub fn draw(sc: &Scenario, seed: u64) -> Vec<Fault> {
    let mut rng = Stream::fork(seed, "chaos");
    let edges = edges(sc);
    let count = 1 + rng.below(3);
    (0..count)
        .map(|_| {
            let on_link = !edges.is_empty() && rng.chance(0.35);
            let (kind, target) = if on_link {
                let (a, b) = edges[rng.below(edges.len() as u64) as usize];
                let kind = match rng.below(3) {
                    0 => FaultKind::Latency {
                        extra: SimDuration::from_millis(50 * (1 + rng.below(10))),
                    },
                    1 => FaultKind::Loss {
                        rate: 0.05 * (1 + rng.below(6)) as f64,
                    },
                    _ => FaultKind::Partition,
                };
                (kind, FaultTarget::Link(a, b))
            } else {
                let s = ServiceId(rng.below(sc.services.len() as u64) as u32);
                let instances = u64::from(sc.service(s).instances);
                let target = if instances > 1 && rng.chance(0.5) {
                    FaultTarget::Instance(s, rng.below(instances) as u32)
                } else {
                    FaultTarget::Service(s)
                };
                let kind = match rng.below(5) {
                    0 => FaultKind::Crash,
                    1 => FaultKind::Pause,
                    2 => FaultKind::Slowdown {
                        factor: [2.0, 5.0, 10.0][rng.below(3) as usize],
                    },
                    3 => FaultKind::Capacity { factor: 0.5 },
                    _ => FaultKind::ErrorRate {
                        rate: 0.1 * (1 + rng.below(5)) as f64,
                    },
                };
                (kind, target)
            };
            let at = span(&mut rng, sc.duration, 100, 700);
            let duration = span(&mut rng, sc.duration, 50, 250);
            Fault {
                kind,
                target,
                at: SimTime(at.0),
                duration: Some(duration),
                chaos: true,
            }
        })
        .collect()
}

/// `faults` as `[[fault]]` tables to append to the scenario's text.
pub fn to_toml(sc: &Scenario, faults: &[Fault]) -> String {
    let mut out = String::new();
    for f in faults {
        let _ = write!(
            out,
            "\n[[fault]]\nkind = \"{}\"\ntarget = \"{}\"\nat = \"{}\"\n",
            f.kind.name(),
            sc.fault_target(f.target),
            SimDuration(f.at.0)
        );
        if let Some(d) = f.duration {
            let _ = writeln!(out, "for = \"{d}\"");
        }
        let _ = match f.kind {
            FaultKind::Slowdown { factor } | FaultKind::Capacity { factor } => {
                writeln!(out, "factor = {factor:?}")
            }
            FaultKind::ErrorRate { rate }
            | FaultKind::Loss { rate }
            | FaultKind::Duplicate { rate } => {
                writeln!(out, "rate = {rate:?}")
            }
            FaultKind::Latency { extra } => writeln!(out, "latency = \"{extra}\""),
            FaultKind::Crash | FaultKind::Pause | FaultKind::Partition => Ok(()),
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load;

    const TEXT: &str = r#"
[scenario]
name = "chaos"
duration = "100s"

[[client]]
name = "users"
target = "api"
rate = 10

[[service]]
name = "api"
instances = 3
service_time = "1ms"
calls = ["db"]

[[service]]
name = "db"
service_time = "1ms"
"#;

    #[test]
    fn draws_depend_only_on_the_seed_and_replay_as_toml() {
        let sc = load(TEXT, "c.toml", &[]).unwrap();
        let a = draw(&sc, 9);
        assert_eq!(a, draw(&sc, 9));
        assert!((1..=3).contains(&a.len()));
        let different = (0..20).any(|s| draw(&sc, s) != a);
        assert!(different, "other seeds draw other faults");
        for seed in 0..50 {
            let faults = draw(&sc, seed);
            for f in &faults {
                assert!(f.at >= SimTime(10_000_000_000) && f.at <= SimTime(70_000_000_000));
            }
            let replay = load(&format!("{TEXT}{}", to_toml(&sc, &faults)), "r.toml", &[])
                .unwrap_or_else(|d| panic!("seed {seed}:\n{d}\n{}", to_toml(&sc, &faults)));
            let plain: Vec<Fault> = faults
                .iter()
                .map(|f| Fault {
                    chaos: false,
                    ..f.clone()
                })
                .collect();
            assert_eq!(replay.faults, plain, "seed {seed}");
        }
    }
}
