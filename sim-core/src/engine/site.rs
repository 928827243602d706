//! Policy sites: each place a caller policy is declared — a client, or one
//! call of a service endpoint — with the run-time state its policies keep
//! (breaker, retry budget, rate limit, bulkhead slots, a random stream for
//! jitter and fallbacks).

use super::breaker::{CircuitBreaker, State};
use super::event::Handle;
use super::network::Network;
use super::throttle::{Limiter, RetryBudget};
use crate::rng::Stream;
use crate::scenario::model::{
    ClientId, Endpoint, NodeId, Policy, SagaId, Scenario, ServiceId, Target,
};
use std::collections::VecDeque;

/// One policy site.
#[derive(Clone, Debug)]
pub struct Site {
    pub policy: Policy,
    pub target: Target,
    /// The request's link towards the target, and the answer's way back.
    pub link: u32,
    pub back: u32,
    /// Backoff jitter, and fallback work: one stream each.
    pub jitter_rng: Stream,
    pub fallback_rng: Stream,
    /// Index into the simulation's breakers (shared by sites of one edge).
    pub breaker: Option<u32>,
    pub budget: Option<RetryBudget>,
    pub limit: Option<Limiter>,
    /// Bulkhead slots per caller instance (empty without a bulkhead).
    pub bulkheads: Vec<Slots>,
    /// Attempts sent, and those that came back failed (for snapshots).
    pub sent: u64,
    pub failed: u64,
}

/// A bulkhead of one caller instance.
#[derive(Clone, Debug, Default)]
pub struct Slots {
    pub busy: u32,
    /// Calls waiting for a slot, oldest first.
    pub waiting: VecDeque<Handle>,
}

/// A breaker of one edge, `caller->service`, and its state per window.
#[derive(Clone, Debug)]
pub struct BreakerRec {
    pub name: String,
    pub cb: CircuitBreaker,
    pub series: Vec<State>,
}

/// Who declares a policy: a client, or a call of a service's endpoint.
struct Caller {
    from: NodeId,
    /// Instances of the caller, each with its own bulkhead.
    instances: u32,
    /// A stable name of the place, for the site's random stream.
    place: String,
}

/// Every site of a scenario: clients first (site `i` is client `i`), then
/// each call of each endpoint of each service in file order (a new
/// version's calls after its service's own), then the sagas' steps.
pub struct Sites {
    pub sites: Vec<Site>,
    pub breakers: Vec<BreakerRec>,
    /// Site index of call `i` of endpoint `e` of service `s`, as its old
    /// (`v` = 0) or new version (1) makes it: `calls[s][v][e][i]`.
    pub calls: Vec<[Vec<Vec<u32>>; 2]>,
    /// Sites of step `i` of saga `g`: its call and its compensation.
    pub steps: Vec<Vec<(u32, Option<u32>)>>,
}

impl Sites {
    pub fn build(sc: &Scenario, seed: u64, network: &mut Network) -> Sites {
        let mut out = Sites {
            sites: Vec::new(),
            breakers: Vec::new(),
            calls: Vec::new(),
            steps: Vec::new(),
        };
        for (i, c) in sc.clients.iter().enumerate() {
            let caller = Caller {
                from: NodeId::Client(ClientId(i as u32)),
                instances: 1,
                place: format!("client:{}", c.name),
            };
            out.add(sc, seed, network, &caller, c.target, &c.policy);
        }
        for (s, service) in sc.services.iter().enumerate() {
            let caller = |e: &Endpoint, version: &str, i: usize| Caller {
                from: NodeId::Service(ServiceId(s as u32)),
                instances: service.max_instances(),
                place: format!("{}.{}{version}/calls[{i}]", service.name, e.name),
            };
            let old: Vec<Vec<u32>> = (service.endpoints.iter())
                .map(|e| {
                    let calls = e.calls.iter().enumerate();
                    calls
                        .map(|(i, c)| {
                            out.add(sc, seed, network, &caller(e, "", i), c.to, &c.policy)
                        })
                        .collect()
                })
                .collect();
            // The new version's calls have sites of their own where it
            // changes them, and share the old ones where it does not.
            let new = (service.endpoints_of(true).iter().zip(&service.endpoints))
                .zip(&old)
                .map(|((e, was), sites)| {
                    if e.calls == was.calls {
                        return sites.clone();
                    }
                    let calls = e.calls.iter().enumerate();
                    calls
                        .map(|(i, c)| {
                            let at = caller(e, "@new", i);
                            out.add(sc, seed, network, &at, c.to, &c.policy)
                        })
                        .collect()
                })
                .collect();
            out.calls.push([old, new]);
        }
        for (g, saga) in sc.sagas.iter().enumerate() {
            let steps = saga
                .steps
                .iter()
                .enumerate()
                .map(|(i, step)| {
                    let caller = |what: &str| Caller {
                        from: NodeId::Saga(SagaId(g as u32)),
                        instances: 1,
                        place: format!("saga:{}/steps[{i}]/{what}", saga.name),
                    };
                    let call = out.add(sc, seed, network, &caller("call"), step.call, &step.policy);
                    let undo = step.compensate.map(|to| {
                        out.add(sc, seed, network, &caller("compensate"), to, &step.policy)
                    });
                    (call, undo)
                })
                .collect();
            out.steps.push(steps);
        }
        out
    }

    /// Adds the site of `caller`'s policy towards `target`; returns its index.
    fn add(
        &mut self,
        sc: &Scenario,
        seed: u64,
        network: &mut Network,
        caller: &Caller,
        target: Target,
        policy: &Policy,
    ) -> u32 {
        let (from, instances) = (caller.from, caller.instances);
        let index = self.sites.len() as u32;
        let to = NodeId::Service(target.service);
        let edge = format!("{}->{}", sc.node_name(from), sc.node_name(to));
        let breaker = policy.breaker.as_ref().map(|cfg| {
            match self.breakers.iter().position(|b| b.name == edge) {
                Some(b) => b as u32,
                None => {
                    self.breakers.push(BreakerRec {
                        name: edge.clone(),
                        cb: CircuitBreaker::new(cfg),
                        series: Vec::new(),
                    });
                    self.breakers.len() as u32 - 1
                }
            }
        });
        let bulkheads = match policy.bulkhead {
            Some(_) => vec![Slots::default(); instances as usize],
            None => Vec::new(),
        };
        self.sites.push(Site {
            policy: policy.clone(),
            target,
            link: network.link(sc, seed, from, to),
            back: network.link(sc, seed, to, from),
            // Named by place, so adding a client or a call elsewhere does
            // not change this site's draws.
            jitter_rng: Stream::fork(seed, &format!("policy:{}/jitter", caller.place)),
            fallback_rng: Stream::fork(seed, &format!("policy:{}/fallback", caller.place)),
            breaker,
            budget: policy.budget.as_ref().map(RetryBudget::new),
            limit: policy.limit.as_ref().map(Limiter::new),
            bulkheads,
            sent: 0,
            failed: 0,
        });
        index
    }
}
