//! Exchanges: one logical call from a caller (a client's request or a
//! service's job) to a target, through the caller's policies — rate limit,
//! bulkhead, circuit breaker, attempts with timeouts, retries with backoff
//! and budget, hedges, fallback — until one final outcome goes back to the
//! caller.
//!
//! The order of the checks follows the usual client stacks (Resilience4j's
//! decorators, gRPC's retry layer): the rate limit and the bulkhead admit the
//! exchange once; every attempt then asks the breaker, carries its own
//! timeout (shortened to the deadline), and its failure is retried while
//! `max_attempts`, `retry_on`, the budget and the deadline allow.

use super::backoff;
use super::call::Origin;
use super::event::{Event, Handle, Outcome};
use super::record::ClientFact;
use super::Simulation;
use crate::scenario::model::Cause;
use crate::time::{SimDuration, SimTime};

/// One logical call in progress.
#[derive(Clone, Debug)]
pub struct Exchange {
    pub uid: u64,
    pub origin: Origin,
    /// The policy site it follows.
    pub site: u32,
    /// The caller's instance (0 for a client), for its bulkhead.
    pub caller: u32,
    /// Attempts sent so far, the first and retries; hedges apart.
    pub tries: u32,
    pub hedges: u32,
    /// Attempts sent and not yet answered.
    pub live: u32,
    /// When the whole exchange must be over: the deadline its caller's
    /// request carried, shortened by its own timeout under `deadline = true`.
    /// Every attempt carries it downstream.
    pub deadline: Option<SimTime>,
    /// Decorrelated jitter's previous delay.
    pub sleep: SimDuration,
    /// Holds a bulkhead slot.
    pub slot: bool,
    /// Whether a logical client request is counted (after warmup).
    pub counted: bool,
    /// Its target has an effect: the record outlives the exchange until
    /// every copy sent has been served, so duplicates can be recognised.
    pub tracked: bool,
    /// Request copies on the wire or at the callee (only when tracked).
    pub copies: u32,
    /// Over, kept only for copies still out.
    pub done: bool,
    /// Times the target's effect was applied for it.
    pub applied: u32,
    /// The key of the request it serves, which its attempts carry.
    pub key: u64,
    /// The client request it is done for, which its attempts carry (for
    /// traces; [`super::trace::NO_REQUEST`] for a health check's).
    pub request: u64,
}

impl Simulation {
    /// Starts a logical call of `origin` under the policies of `site`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn start_exchange(
        &mut self,
        origin: Origin,
        site: u32,
        caller: u32,
        deadline: Option<SimTime>,
        counted: bool,
        key: u64,
        request: u64,
    ) {
        let uid = self.uid();
        let target = self.sites[site as usize].target;
        let tracked = self
            .effects
            .any(target.service.0 as usize, target.endpoint.0 as usize);
        let policy = &self.sites[site as usize].policy;
        let sleep = policy.retry.as_ref().map_or(SimDuration::ZERO, |r| r.base);
        // Under `deadline = true` the timeout bounds the whole exchange, as a
        // gRPC deadline bounds a call across its retries.
        let own = policy
            .timeout
            .filter(|_| policy.deadline)
            .map(|t| self.now + t);
        let deadline = match (own, deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let key = self.exchanges.insert(Exchange {
            uid,
            origin,
            site,
            caller,
            tries: 0,
            hedges: 0,
            live: 0,
            deadline,
            sleep,
            slot: false,
            counted,
            tracked,
            copies: 0,
            done: false,
            applied: 0,
            key,
            request,
        }) as u32;
        let h = Handle { key, uid };
        let now = self.now;
        let s = &mut self.sites[site as usize];
        if let Some(limit) = &mut s.limit {
            if !limit.take(now, self.exchanges[key as usize].key) {
                return self.fail(h, Cause::Rejected);
            }
        }
        if let Some(bh) = s.policy.bulkhead.clone() {
            let slots = &mut s.bulkheads[caller as usize];
            if slots.busy >= bh.max_concurrent {
                if bh.max_wait.0 == 0 {
                    return self.fail(h, Cause::Rejected);
                }
                slots.waiting.push_back(h);
                self.schedule(now + bh.max_wait, Event::SlotWait(h));
                return;
            }
            slots.busy += 1;
            self.exchanges[key as usize].slot = true;
        }
        self.try_attempt(h);
    }

    /// The exchange `h`, if it is still going on.
    fn exchange(&self, h: Handle) -> Option<&Exchange> {
        self.exchanges
            .get(h.key as usize)
            .filter(|x| x.uid == h.uid && !x.done)
    }

    /// `n` more copies of a request of `h` are out.
    pub(super) fn copies_sent(&mut self, h: Handle, n: u32) {
        let x = &mut self.exchanges[h.key as usize];
        if x.tracked {
            x.copies += n;
        }
    }

    /// A copy of a request of `h` has been served or turned away; the
    /// record goes when the exchange is over and no copy is left.
    pub(super) fn copy_done(&mut self, h: Handle) {
        let Some(x) = self
            .exchanges
            .get_mut(h.key as usize)
            .filter(|x| x.uid == h.uid && x.tracked)
        else {
            return;
        };
        x.copies -= 1;
        if x.done && x.copies == 0 {
            self.forget_exchange(h);
        }
    }

    /// Removes the record of `h`: no copy of its request is left.
    fn forget_exchange(&mut self, h: Handle) {
        let x = self.exchanges.remove(h.key as usize);
        if let Origin::Saga { run, .. } = x.origin {
            self.step_exchange_gone(run);
        }
    }

    /// Makes the next try of `h`: through the breaker, then on the wire.
    fn try_attempt(&mut self, h: Handle) {
        let Some(x) = self.exchange(h) else {
            return;
        };
        let site = x.site as usize;
        if x.deadline.is_some_and(|d| self.now >= d) {
            return self.fail(h, Cause::Timeout);
        }
        self.exchanges[h.key as usize].tries += 1;
        self.count_attempt(h, false);
        let permitted = match self.sites[site].breaker {
            Some(b) => self.breakers[b as usize].cb.try_acquire(self.now),
            None => true,
        };
        if !permitted {
            return self.attempt_failed(h, Cause::Open);
        }
        self.send_attempt(h, permitted);
        let hedge = self.sites[site].policy.hedge.clone();
        if let Some(hedge) = hedge {
            if self.exchanges[h.key as usize].tries == 1 {
                self.schedule(self.now + hedge.after, Event::Hedge(h));
            }
        }
    }

    /// Counts an attempt (or a hedge) of a client's logical request.
    fn count_attempt(&mut self, h: Handle, hedge: bool) {
        let x = &self.exchanges[h.key as usize];
        let Origin::Request(r) = x.origin else {
            return;
        };
        if !x.counted {
            return;
        }
        let retry = !hedge && x.tries > 1;
        let req = &self.requests[r.key as usize];
        let (c, issued) = (req.client.0 as usize, req.issued);
        self.client_fact(c, issued, ClientFact::Tried { retry, hedge });
    }

    /// Puts one attempt of `h` on the wire: it times out after the
    /// policy's timeout or at the exchange's deadline, whichever is first,
    /// and carries the deadline.
    fn send_attempt(&mut self, h: Handle, permitted: bool) {
        let x = &mut self.exchanges[h.key as usize];
        x.live += 1;
        let deadline = x.deadline;
        let site = &self.sites[x.site as usize];
        let own = site.policy.timeout.map(|t| self.now + t);
        let expires = match (own, deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let (target, link, back) = (site.target, site.link, site.back);
        self.sites[x.site as usize].sent += 1;
        self.send_call(h, target, expires, deadline, permitted, link, back);
    }

    /// The hedge timer of `h` fired: send another copy if still useful.
    pub(super) fn on_hedge(&mut self, h: Handle) {
        let Some(x) = self.exchange(h) else {
            return;
        };
        let site = &self.sites[x.site as usize];
        let Some(hedge) = site.policy.hedge.clone() else {
            return;
        };
        if x.live == 0 || x.hedges >= hedge.max_extra {
            return;
        }
        if !site.budget.as_ref().is_none_or(|b| b.allows()) {
            return;
        }
        self.exchanges[h.key as usize].hedges += 1;
        self.count_attempt(h, true);
        self.send_attempt(h, true);
        if self.exchanges[h.key as usize].hedges < hedge.max_extra {
            self.schedule(self.now + hedge.after, Event::Hedge(h));
        }
    }

    /// An attempt of `h` sent at `sent` ended with `outcome`.
    pub(super) fn on_attempt_result(
        &mut self,
        h: Handle,
        outcome: Outcome,
        sent: SimTime,
        permitted: bool,
    ) {
        let Some(x) = self.exchange(h) else {
            return; // a hedge or late copy of an exchange already over
        };
        let site = x.site as usize;
        self.exchanges[h.key as usize].live -= 1;
        let failed = !outcome.is_success();
        self.sites[site].failed += u64::from(failed);
        if let Some(b) = self.sites[site].breaker.filter(|_| permitted) {
            let took = self.now.since(sent);
            self.breakers[b as usize]
                .cb
                .on_result(self.now, failed, took);
        }
        if let Some(budget) = &mut self.sites[site].budget {
            if failed {
                budget.on_failure();
            } else {
                budget.on_success();
            }
        }
        match outcome {
            Outcome::Failed(cause) => self.attempt_failed(h, cause),
            ok => self.conclude(h, ok),
        }
    }

    /// A try of `h` failed with `cause`: retry it, wait for a hedge, or give up.
    fn attempt_failed(&mut self, h: Handle, cause: Cause) {
        let x = &self.exchanges[h.key as usize];
        if x.live > 0 {
            return; // another copy may still answer
        }
        let (tries, deadline) = (x.tries, x.deadline);
        let site = &mut self.sites[x.site as usize];
        let Some(retry) = site.policy.retry.as_ref() else {
            return self.fail(h, cause);
        };
        let allowed = tries < retry.max_attempts
            && retry.retry_on.contains(&cause)
            && site.budget.as_ref().is_none_or(|b| b.allows());
        if !allowed {
            return self.fail(h, cause);
        }
        let mut sleep = self.exchanges[h.key as usize].sleep;
        let delay = backoff::delay(retry, tries, &mut sleep, &mut site.jitter_rng);
        let at = self.now + delay;
        if deadline.is_some_and(|d| at >= d) {
            return self.fail(h, cause);
        }
        self.exchanges[h.key as usize].sleep = sleep;
        self.schedule(at, Event::Retry(h));
    }

    /// The backoff of `h` is over: try again.
    pub(super) fn on_retry(&mut self, h: Handle) {
        self.try_attempt(h);
    }

    /// `h` gave up with `cause`: a fallback answers degraded, else it fails.
    fn fail(&mut self, h: Handle, cause: Cause) {
        let site = &mut self.sites[self.exchanges[h.key as usize].site as usize];
        match &site.policy.fallback {
            Some(work) => {
                let at = self.now + work.sample(&mut site.fallback_rng);
                self.release_slot(h);
                self.schedule(at, Event::Fallback(h));
            }
            None => self.conclude(h, Outcome::Failed(cause)),
        }
    }

    /// The fallback of `h` has done its work.
    pub(super) fn on_fallback(&mut self, h: Handle) {
        if self.exchange(h).is_some() {
            self.conclude(h, Outcome::Degraded);
        }
    }

    /// A waiting exchange's `max_wait` for a bulkhead slot has passed.
    pub(super) fn on_slot_wait(&mut self, h: Handle) {
        let Some(x) = self.exchange(h) else {
            return;
        };
        if x.slot {
            return;
        }
        let (site, caller) = (x.site as usize, x.caller as usize);
        self.sites[site].bulkheads[caller]
            .waiting
            .retain(|w| *w != h);
        self.fail(h, Cause::Rejected);
    }

    /// Gives `h`'s bulkhead slot, if it holds one, to the oldest waiter.
    fn release_slot(&mut self, h: Handle) {
        let x = &mut self.exchanges[h.key as usize];
        if !x.slot {
            return;
        }
        x.slot = false;
        let slots = &mut self.sites[x.site as usize].bulkheads[x.caller as usize];
        match slots.waiting.pop_front() {
            Some(next) => {
                self.exchanges[next.key as usize].slot = true;
                self.try_attempt(next);
            }
            None => slots.busy -= 1,
        }
    }

    /// `h` is over: tell its caller.
    fn conclude(&mut self, h: Handle, outcome: Outcome) {
        self.release_slot(h);
        let x = &mut self.exchanges[h.key as usize];
        let origin = x.origin;
        if x.copies > 0 {
            x.done = true;
        } else {
            self.forget_exchange(h);
        }
        self.answer_origin(origin, outcome);
    }

    /// Gives the outcome of a call to whoever made it.
    pub(super) fn answer_origin(&mut self, origin: Origin, outcome: Outcome) {
        match origin {
            Origin::Request(r) => self.on_request_result(r, outcome),
            Origin::Job(j) => self.on_call_result(j, outcome),
            Origin::Saga {
                run,
                step,
                undo,
                generation,
            } => self.on_step_result(run, step, undo, generation, outcome),
            Origin::Lookup(l) => self.on_fill_result(l, outcome),
        }
    }
}
