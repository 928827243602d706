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
use super::event::Handle;
use super::saga::step_key;
use super::service::Asker;
use super::Simulation;
use crate::scenario::model::{Dedup, Endpoint, Scenario};
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
    /// The effect of endpoint `e` of service `s` as its old (`v` = 0) or
    /// new version (1) serves it: `of[s][v][e]`.
    of: Vec<[Vec<Option<u32>>; 2]>,
}

impl Effects {
    pub fn build(sc: &Scenario) -> Effects {
        let mut stats: Vec<EffectStats> = Vec::new();
        let mut index = |e: &Endpoint| {
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
        };
        let of = sc
            .services
            .iter()
            .map(|s| [false, true].map(|new| s.endpoints_of(new).iter().map(&mut index).collect()))
            .collect();
        Effects { stats, of }
    }

    /// The effect of endpoint `e` of service `s` as its new version
    /// (`new`) or its old one serves it, if it has one.
    pub fn of(&self, s: usize, new: bool, e: usize) -> Option<u32> {
        self.of[s][usize::from(new)][e]
    }

    /// Whether endpoint `e` of service `s` has an effect in either version
    /// (a caller does not know which version will serve it).
    pub fn any(&self, s: usize, e: usize) -> bool {
        self.of[s].iter().any(|version| version[e].is_some())
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

    /// Forgets the keys older than `ttl` at `now`; whether `key` is left.
    pub fn knows(&mut self, now: SimTime, key: u64) -> bool {
        while let Some(&(at, old)) = self.order.front() {
            if at + self.cfg.ttl > now {
                break;
            }
            self.order.pop_front();
            self.keys.remove(&old);
        }
        self.keys.contains_key(&key)
    }

    /// Checks and records `key` at `now` in one step (the insert into a
    /// processed-keys table in the effect's transaction): true if it was
    /// already there, so this request is a repeat.
    pub fn repeat(&mut self, now: SimTime, key: u64) -> bool {
        if self.knows(now, key) {
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
    /// The key a processed-keys table knows the work of `asker` by: a saga
    /// step's key (called by an orchestrator or triggered by an event), a
    /// call's idempotency key (the exchange) or, without one, the attempt's
    /// own id; a message's id, shared by every copy. A health check has
    /// none: it applies nothing.
    fn dedup_key(&self, asker: Asker) -> Option<u64> {
        Some(match (asker, self.saga_step_of(asker)) {
            (Asker::Probe(..), _) => return None,
            (_, Some((run, step, undo))) => step_key(run.uid, step, undo),
            (Asker::Call { call, exchange }, None) => {
                let x = &self.exchanges[exchange.key as usize];
                debug_assert_eq!(x.uid, exchange.uid);
                if self.sites[x.site as usize].policy.idempotency_key {
                    exchange.uid
                } else {
                    call.uid
                }
            }
            (Asker::Delivery(d), None) => {
                self.envelopes[self.deliveries[d.key as usize].envelope.key as usize].uid
            }
        })
    }

    /// Whether service `s` has processed the work of `asker` already: its
    /// answer is then the recorded one, a success.
    pub(super) fn already_processed(&mut self, s: usize, asker: Asker) -> bool {
        if self.dedups[s].is_none() {
            return false;
        }
        let Some(key) = self.dedup_key(asker) else {
            return false;
        };
        let now = self.now;
        self.dedups[s].as_mut().is_some_and(|t| t.knows(now, key))
    }

    /// Work for endpoint `e` of service `s`, asked by `asker`, succeeded
    /// at `now`: apply its effect, if any. The logical unit whose repeats
    /// are duplicates is the exchange of a call (its idempotency key, or
    /// the attempt's own id without one), the message of a delivery (its
    /// message id, shared by every copy), or a saga run's step.
    pub(super) fn commit_effect(
        &mut self,
        s: usize,
        new: bool,
        e: usize,
        asker: Asker,
        counted: bool,
    ) {
        let Some(effect) = self.effects.of(s, new, e) else {
            return;
        };
        // Every exchange to an endpoint with an effect is kept until its
        // last copy is done, and a message until its last delivery is, so
        // the record is still here.
        let Some(key) = self.dedup_key(asker) else {
            return;
        };
        if let Some(table) = &mut self.dedups[s] {
            if table.repeat(self.now, key) {
                if let Asker::Delivery(d) = asker {
                    self.deliveries[d.key as usize].repeat = true;
                }
                return;
            }
        }
        let idempotent = self.sc.services[s].endpoints_of(new)[e].idempotent;
        let Some(applied) = self.applied_of(asker) else {
            return;
        };
        if *applied > 0 && idempotent {
            return;
        }
        *applied += 1;
        let mut duplicate = *applied > 1;
        if let Some((run, step, undo)) = self.saga_step_of(asker) {
            match self.saga_effect(run, step, undo) {
                Some(again) => duplicate |= again,
                None => {
                    // A compensation of a step that never applied: a no-op.
                    if let Some(applied) = self.applied_of(asker) {
                        *applied -= 1;
                    }
                    return;
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

impl Simulation {
    /// The saga run, step and direction `asker` does, if it is a saga's step.
    fn saga_step_of(&self, asker: Asker) -> Option<(Handle, u32, bool)> {
        match asker {
            Asker::Call { exchange, .. } => match self.exchanges[exchange.key as usize].origin {
                Origin::Saga {
                    run, step, undo, ..
                } => Some((run, step, undo)),
                _ => None,
            },
            Asker::Delivery(d) => {
                let env = self.deliveries[d.key as usize].envelope;
                let ev = self.envelopes[env.key as usize].saga?;
                Some((ev.run, ev.step, ev.undo))
            }
            Asker::Probe(..) => None,
        }
    }

    /// The count of applications of the logical unit `asker` serves (a
    /// health check serves none).
    fn applied_of(&mut self, asker: Asker) -> Option<&mut u32> {
        match asker {
            Asker::Call { exchange, .. } => {
                Some(&mut self.exchanges[exchange.key as usize].applied)
            }
            Asker::Delivery(d) => {
                let env = self.deliveries[d.key as usize].envelope;
                Some(&mut self.envelopes[env.key as usize].applied)
            }
            Asker::Probe(..) => None,
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
