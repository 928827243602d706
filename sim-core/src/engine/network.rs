//! Links: the directed edges messages travel on, each with its latency, loss
//! and duplication, and its own random stream.

use crate::dist::Dist;
use crate::rng::Stream;
use crate::scenario::model::{NodeId, Scenario};
use crate::time::SimDuration;
use std::collections::BTreeMap;

/// One direction of one edge.
#[derive(Clone, Debug)]
pub struct Link {
    from: NodeId,
    to: NodeId,
    latency: Dist,
    loss: f64,
    duplicate: f64,
    /// One stream per purpose, so a loss or duplication knob moves no
    /// latency draw.
    latency_rng: Stream,
    loss_rng: Stream,
    duplicate_rng: Stream,
    /// What active faults add.
    fault: LinkFault,
}

/// The combined effect of the faults active on one link.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LinkFault {
    pub extra: SimDuration,
    pub loss: f64,
    pub duplicate: f64,
    /// Partitioned: nothing gets through.
    pub cut: bool,
}

/// Combines two independent probabilities of something happening.
pub fn either(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        a
    } else {
        1.0 - (1.0 - a) * (1.0 - b)
    }
}

/// What happens to one message sent on a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    Lost,
    /// Arrives after this delay.
    Once(SimDuration),
    /// Arrives twice, after each delay.
    Twice(SimDuration, SimDuration),
}

/// Every link the topology uses, indexed densely.
#[derive(Clone, Debug, Default)]
pub struct Network {
    links: Vec<Link>,
    index: BTreeMap<(NodeId, NodeId), u32>,
}

impl Network {
    /// The nodes link `link` goes from and to.
    pub fn ends(&self, link: u32) -> (NodeId, NodeId) {
        let l = &self.links[link as usize];
        (l.from, l.to)
    }

    /// The index of the link `from -> to`, created on first use with the
    /// scenario's override for that edge, or the network defaults.
    pub fn link(&mut self, sc: &Scenario, seed: u64, from: NodeId, to: NodeId) -> u32 {
        if let Some(i) = self.index.get(&(from, to)) {
            return *i;
        }
        let over = sc.links.iter().find(|l| l.from == from && l.to == to);
        let name = format!("link:{}->{}", sc.node_name(from), sc.node_name(to));
        let link = Link {
            from,
            to,
            fault: LinkFault::default(),
            latency: over
                .and_then(|l| l.latency.clone())
                .unwrap_or_else(|| sc.network.latency.clone()),
            loss: over.and_then(|l| l.loss).unwrap_or(sc.network.loss),
            duplicate: over
                .and_then(|l| l.duplicate)
                .unwrap_or(sc.network.duplicate),
            latency_rng: Stream::fork(seed, &format!("{name}/latency")),
            loss_rng: Stream::fork(seed, &format!("{name}/loss")),
            duplicate_rng: Stream::fork(seed, &format!("{name}/duplicate")),
        };
        let i = self.links.len() as u32;
        self.links.push(link);
        self.index.insert((from, to), i);
        i
    }

    /// Decides the fate of one message on link `i`. The loss, duplication
    /// and latency draws are made for every message, lost or not.
    pub fn send(&mut self, i: u32) -> Delivery {
        let l = &mut self.links[i as usize];
        let f = l.fault;
        let lost = l.loss_rng.chance(either(l.loss, f.loss));
        let twice = l.duplicate_rng.chance(either(l.duplicate, f.duplicate));
        let first = l.latency.sample(&mut l.latency_rng) + f.extra;
        if f.cut || lost {
            Delivery::Lost
        } else if twice {
            Delivery::Twice(first, l.latency.sample(&mut l.duplicate_rng) + f.extra)
        } else {
            Delivery::Once(first)
        }
    }

    /// Sets every link's fault overlay from `overlay(from, to)`.
    pub fn set_faults(&mut self, overlay: impl Fn(NodeId, NodeId) -> LinkFault) {
        for l in &mut self.links {
            l.fault = overlay(l.from, l.to);
        }
    }
}
