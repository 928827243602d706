//! Side effects (a charge, a shipment) and the defences against applying one
//! twice: idempotent endpoints and services that remember idempotency keys.
//!
//! An effect is applied when a request to its endpoint succeeds. Copies of
//! one logical request — retries, hedges, network duplicates — apply it
//! again unless the endpoint is idempotent or the service deduplicates them
//! by key (and the caller sends one key for all copies: `idempotency_key`).
//! An application for a logical request that already had one is counted as
//! a duplicate.

use super::call::Origin;
use super::saga::step_key;
use super::service::Asker;
use super::Simulation;
use crate::scenario::model::{Dedup, Scenario};
use crate::time::SimTime;
use std::collections::{BTreeMap, VecDeque};

/// What one effect did.
#[derive(Clone, Debug)]
pub struct EffectStats {
    pub name: String,
    pub applied: u64,
    pub duplicates: u64,
}

/// Every effect of a scenario, in order of first appearance.
#[derive(Clone, Debug)]
pub struct Effects {
    pub stats: Vec<EffectStats>,
    /// The effect of endpoint `e` of service `s`: `of[s][e]`.
    of: Vec<Vec<Option<u32>>>,
}

impl Effects {
    pub fn build(sc: &Scenario) -> Effects {
        let mut stats: Vec<EffectStats> = Vec::new();
        let of = sc
            .services
            .iter()
            .map(|s| {
                s.endpoints
                    .iter()
                    .map(|e| {
                        let name = e.effect.as_ref()?;
                        let i = stats
                            .iter()
                            .position(|x| &x.name == name)
                            .unwrap_or_else(|| {
                                stats.push(EffectStats {
                                    name: name.clone(),
                                    applied: 0,
                                    duplicates: 0,
                                });
                                stats.len() - 1
                            });
                        Some(i as u32)
                    })
                    .collect()
            })
            .collect();
        Effects { stats, of }
    }

    /// The effect of endpoint `e` of service `s`, if it has one.
    pub fn of(&self, s: usize, e: usize) -> Option<u32> {
        self.of[s][e]
    }
}

/// A service's processed-keys table: bounded by `ttl` and `capacity`.
#[derive(Clone, Debug)]
pub struct DedupTable {
    cfg: Dedup,
    keys: BTreeMap<u64, SimTime>,
    /// Keys in the order they were recorded, for expiry and eviction.
    order: VecDeque<(SimTime, u64)>,
}

impl DedupTable {
    pub fn new(cfg: &Dedup) -> DedupTable {
        DedupTable {
            cfg: cfg.clone(),
            keys: BTreeMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Checks and records `key` at `now` in one step (the insert into a
    /// processed-keys table in the effect's transaction): true if it was
    /// already there, so this request is a repeat.
    pub fn repeat(&mut self, now: SimTime, key: u64) -> bool {
        while let Some(&(at, old)) = self.order.front() {
            if at + self.cfg.ttl > now {
                break;
            }
            self.order.pop_front();
            self.keys.remove(&old);
        }
        if self.keys.contains_key(&key) {
            return true;
        }
        self.keys.insert(key, now);
        self.order.push_back((now, key));
        if self.keys.len() > self.cfg.capacity as usize {
            if let Some((_, old)) = self.order.pop_front() {
                self.keys.remove(&old);
            }
        }
        false
    }
}

impl Simulation {
    /// Work for endpoint `e` of service `s`, asked by `asker`, succeeded
    /// at `now`: apply its effect, if any. The logical unit whose repeats
    /// are duplicates is the exchange of a call (its idempotency key, or
    /// the attempt's own id without one), or the message of a delivery (its
    /// message id, shared by every copy).
    pub(super) fn commit_effect(&mut self, s: usize, e: usize, asker: Asker, counted: bool) {
        let Some(effect) = self.effects.of(s, e) else {
            return;
        };
        // Every exchange to an endpoint with an effect is kept until its
        // last copy is done, and a message until its last delivery is, so
        // the record is still here.
        let key = match asker {
            Asker::Call { call, exchange } => {
                let x = &self.exchanges[exchange.key as usize];
                debug_assert_eq!(x.uid, exchange.uid);
                let keyed = self.sites[x.site as usize].policy.idempotency_key;
                match x.origin {
                    Origin::Saga {
                        run, step, undo, ..
                    } => step_key(run.uid, step, undo),
                    _ if keyed => exchange.uid,
                    _ => call.uid,
                }
            }
            Asker::Delivery(d) => {
                self.envelopes[self.deliveries[d.key as usize].envelope.key as usize].uid
            }
            // A health check applies nothing.
            Asker::Probe(..) => return,
        };
        if let Some(table) = &mut self.dedups[s] {
            if table.repeat(self.now, key) {
                return;
            }
        }
        let applied = match asker {
            Asker::Call { exchange, .. } => &mut self.exchanges[exchange.key as usize].applied,
            Asker::Delivery(d) => {
                let env = self.deliveries[d.key as usize].envelope;
                &mut self.envelopes[env.key as usize].applied
            }
            Asker::Probe(..) => return,
        };
        if *applied > 0 && self.sc.services[s].endpoints[e].idempotent {
            return;
        }
        *applied += 1;
        let mut duplicate = *applied > 1;
        if let Asker::Call { exchange, .. } = asker {
            if let Origin::Saga {
                run, step, undo, ..
            } = self.exchanges[exchange.key as usize].origin
            {
                match self.saga_effect(run, step, undo) {
                    Some(again) => duplicate |= again,
                    None => {
                        // A compensation of a step that never applied: a no-op.
                        self.exchanges[exchange.key as usize].applied -= 1;
                        return;
                    }
                }
            }
        }
        if !counted {
            return;
        }
        let st = &mut self.effects.stats[effect as usize];
        st.applied += 1;
        st.duplicates += u64::from(duplicate);
        if duplicate {
            for p in &self.effect_probes[effect as usize] {
                self.probes[*p as usize].on_duplicate(self.now);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimDuration;

    #[test]
    fn keys_are_remembered_for_ttl_and_capacity() {
        let mut t = DedupTable::new(&Dedup {
            ttl: SimDuration::from_secs(10),
            capacity: 2,
        });
        let s = |n: u64| SimTime(n * 1_000_000_000);
        assert!(!t.repeat(s(0), 1));
        assert!(t.repeat(s(9), 1), "within ttl: a repeat");
        assert!(!t.repeat(s(10), 1), "after ttl: forgotten, applies again");
        assert!(!t.repeat(s(11), 2));
        assert!(!t.repeat(s(12), 3), "capacity 2: key 1 is evicted");
        assert!(!t.repeat(s(13), 1), "evicted: applies again");
        assert!(t.repeat(s(13), 3));
    }
}
