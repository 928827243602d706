//! Clients: open-loop arrivals (Poisson or constant, with rate schedules) and
//! closed-loop users, and the logical requests they issue.

use super::call::Origin;
use super::event::{Event, Handle, Outcome};
use super::keys::KeyDraw;
use super::record::ClientFact;
use super::trace::{outcome_name, Kind, Link};
use super::Simulation;
use crate::dist::Dist;
use crate::rng::Stream;
use crate::scenario::model::{Arrivals, ClientId, Load};
use crate::time::{SimDuration, SimTime, NS_PER_S};

/// The run-time state of one client: its arrivals' random stream and its
/// keys' (its policies' state is in its site).
#[derive(Clone, Debug)]
pub struct ClientState {
    rng: Stream,
    keys: KeyDraw,
}

impl ClientState {
    pub fn new(rng: Stream, keys: KeyDraw) -> ClientState {
        ClientState { rng, keys }
    }
}

/// One logical request of a client, from first send to final answer.
#[derive(Clone, Debug)]
pub struct Request {
    pub uid: u64,
    pub client: ClientId,
    pub issued: SimTime,
    /// Issued after warmup, so its end is measured.
    pub counted: bool,
}

/// The rate in force at `t` and when it next changes.
fn rate_at(schedule: &[(SimTime, f64)], t: SimTime) -> (f64, SimTime) {
    let i = schedule.partition_point(|(at, _)| *at <= t);
    let rate = if i == 0 { 0.0 } else { schedule[i - 1].1 };
    let next = schedule.get(i).map_or(SimTime::MAX, |(at, _)| *at);
    (rate, next)
}

impl Simulation {
    /// Schedules the open-loop arrival that follows `from`, if any before the end.
    ///
    /// Poisson gaps restart at a rate change, which is exact by memorylessness;
    /// constant arrivals restart their period at the change.
    pub(super) fn schedule_arrival(&mut self, c: ClientId, from: SimTime) {
        let client = &self.sc.clients[c.0 as usize];
        let Load::Open { arrivals, schedule } = &client.load else {
            return;
        };
        let rng = &mut self.clients[c.0 as usize].rng;
        let mut t = from;
        while t < self.end {
            let (rate, change) = rate_at(schedule, t);
            if rate > 0.0 {
                let mean = NS_PER_S as f64 / rate;
                let gap = match arrivals {
                    Arrivals::Poisson => Dist::Exp { mean }.sample(rng),
                    Arrivals::Constant => SimDuration(libm::round(mean) as u64),
                };
                let next = t + gap;
                if next < change {
                    self.schedule(next, Event::Arrival(c));
                    return;
                }
            }
            t = change;
        }
    }

    /// Schedules one closed-loop user's next request after a think time.
    pub(super) fn schedule_wake(&mut self, c: ClientId) {
        let Load::Closed { think, .. } = &self.sc.clients[c.0 as usize].load else {
            return;
        };
        let at = self.now + think.sample(&mut self.clients[c.0 as usize].rng);
        self.schedule(at, Event::Wake(c));
    }

    pub(super) fn on_arrival(&mut self, c: ClientId) {
        self.issue(c);
        self.schedule_arrival(c, self.now);
    }

    pub(super) fn on_wake(&mut self, c: ClientId) {
        self.issue(c);
    }

    /// Starts a logical request and sends its first attempt.
    fn issue(&mut self, c: ClientId) {
        let counted = self.now >= self.warmup;
        let uid = self.uid();
        let key = self.requests.insert(Request {
            uid,
            client: c,
            issued: self.now,
            counted,
        }) as u32;
        if counted {
            self.client_fact(c.0 as usize, self.now, ClientFact::Issued);
        }
        // Site `c` holds client `c`'s policies.
        let request_key = self.clients[c.0 as usize].keys.next();
        if let Some(g) = self.sc.clients[c.0 as usize].saga {
            return self.start_saga(g.0 as usize, Handle { key, uid }, request_key);
        }
        let origin = Origin::Request(Handle { key, uid });
        self.start_exchange(origin, c.0, 0, None, counted, request_key, uid);
    }

    /// The exchange of request `r` ended with `outcome`: the request ends too.
    pub(super) fn on_request_result(&mut self, r: Handle, outcome: Outcome) {
        if self
            .requests
            .get(r.key as usize)
            .is_none_or(|q| q.uid != r.uid)
        {
            return;
        }
        let req = self.requests.remove(r.key as usize);
        let c = req.client.0 as usize;
        let latency = self.now - req.issued;
        if self.trace.is_some() {
            let name = self.sc.clients[c].name.clone();
            let (o, link) = (outcome_name(outcome), Link::of(req.uid));
            self.record_span(Kind::Request, &name, None, req.issued, o, link);
        }
        if req.counted {
            self.client_fact(c, req.issued, ClientFact::Ended(outcome, latency));
        }
        if matches!(self.sc.clients[c].load, Load::Closed { .. }) {
            self.schedule_wake(req.client);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_at_follows_the_schedule() {
        let s = [(SimTime(0), 10.0), (SimTime(100), 20.0)];
        assert_eq!(rate_at(&s, SimTime(0)), (10.0, SimTime(100)));
        assert_eq!(rate_at(&s, SimTime(99)), (10.0, SimTime(100)));
        assert_eq!(rate_at(&s, SimTime(100)), (20.0, SimTime::MAX));
        assert_eq!(
            rate_at(&[(SimTime(50), 1.0)], SimTime(0)),
            (0.0, SimTime(50))
        );
    }
}
