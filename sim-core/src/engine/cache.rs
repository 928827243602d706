//! Look-aside caches: a call `via` a cache looks its request's key up
//! first. A lookup waits for one of the cache's workers and holds it for
//! `hit_time`; a fresh entry then answers the caller (a hit), anything else
//! is a miss that makes the call with all its policies, and a successful
//! answer fills the entry, fresh for a `ttl` drawn from the cache's own
//! stream. With `single_flight` the misses of a key wait for the fill in
//! flight and all get its answer; with `refresh_ahead` a hit close to
//! expiry answers and starts one background fill. A crash empties the
//! cache (lookups miss at once until it restarts); a pause holds both the
//! lookups and the writes of the fills that end meanwhile.
//!
//! Entries live in a `BTreeMap` by key and their recency in another by a
//! use stamp, so eviction of the least recently used is deterministic and
//! costs a logarithm; memory follows the keys cached and the lookups in
//! flight, not the run's length. Expired entries are dropped when looked
//! up (or evicted), never swept.

use super::call::Origin;
use super::event::{Event, Handle, Outcome};
use super::record::CacheFact;
use super::trace::{Kind, Link};
use super::Simulation;
use crate::rng::Stream;
use crate::scenario::model::Cache;
use crate::time::SimTime;
use std::collections::{BTreeMap, VecDeque};

/// What a cache holds and is doing.
#[derive(Clone, Debug)]
pub struct CacheState {
    entries: BTreeMap<u64, Entry>,
    /// Keys by their last use: the first is the least recently used.
    recency: BTreeMap<u64, u64>,
    /// The next use stamp.
    clock: u64,
    capacity: Option<u32>,
    /// Fills in flight and the lookups waiting for them, per key.
    flights: BTreeMap<u64, Flight>,
    workers: Option<u32>,
    busy: u32,
    /// Lookups waiting for a worker, oldest first.
    waiting: VecDeque<Handle>,
    /// Crashed: lookups miss at once and nothing is filled.
    pub down: bool,
    /// Paused: lookups that finish are held until it resumes, and so are
    /// the writes of the fills that end meanwhile (their keys).
    pub paused: bool,
    held: Vec<Handle>,
    held_fills: Vec<u64>,
    /// Bumped by each crash: fills started before it do not fill.
    generation: u32,
    ttl_rng: Stream,
    hit_rng: Stream,
}

/// One cached key.
#[derive(Clone, Copy, Debug)]
struct Entry {
    expires: SimTime,
    /// Its stamp in `recency`.
    used: u64,
}

/// The fills of one key in flight, and the lookups waiting for them.
#[derive(Clone, Debug, Default)]
struct Flight {
    fills: u32,
    waiters: Vec<Handle>,
}

/// What a lookup found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    /// A fresh entry, expiring at this instant.
    Fresh(SimTime),
    /// An entry past its expiry, now dropped.
    Expired,
    Absent,
}

/// Where a lookup is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// Waiting for a worker.
    Queued,
    /// On a worker, for its `hit_time`.
    Serving,
    /// A miss whose call is out to fill the entry.
    Filling,
    /// A miss waiting for another's fill (single flight).
    Waiting,
}

/// A lookup in flight, or a background refresh (no origin).
#[derive(Clone, Debug)]
pub struct Lookup {
    uid: u64,
    cache: u32,
    /// Who waits for the answer; `None` for a refresh.
    origin: Option<Origin>,
    /// The call's policy site, its caller instance and deadline: what a
    /// miss's call goes out with.
    site: u32,
    caller: u32,
    deadline: Option<SimTime>,
    key: u64,
    /// The client request it is made for (a refresh: the one whose hit
    /// started it).
    request: u64,
    /// Made after warmup.
    counted: bool,
    started: SimTime,
    generation: u32,
    stage: Stage,
}

impl Lookup {
    /// Who waits for its answer.
    pub fn origin(&self) -> Option<Origin> {
        self.origin
    }
}

impl CacheState {
    pub fn new(cache: &Cache, seed: u64) -> CacheState {
        CacheState {
            entries: BTreeMap::new(),
            recency: BTreeMap::new(),
            clock: 0,
            capacity: cache.capacity,
            flights: BTreeMap::new(),
            workers: cache.workers,
            busy: 0,
            waiting: VecDeque::new(),
            down: false,
            paused: false,
            held: Vec::new(),
            held_fills: Vec::new(),
            generation: 0,
            ttl_rng: Stream::fork(seed, &format!("cache:{}/ttl", cache.name)),
            hit_rng: Stream::fork(seed, &format!("cache:{}/hit_time", cache.name)),
        }
    }

    /// Keys cached now, expired ones not yet dropped included.
    pub fn len(&self) -> u64 {
        self.entries.len() as u64
    }

    /// Looks `key` up at `now`: a fresh entry becomes the most recently
    /// used; an expired one is dropped.
    pub fn get(&mut self, key: u64, now: SimTime) -> Found {
        let Some(e) = self.entries.get(&key).copied() else {
            return Found::Absent;
        };
        if now >= e.expires {
            self.remove(key);
            return Found::Expired;
        }
        self.touch(key);
        Found::Fresh(e.expires)
    }

    /// Fills `key` until `expires`, the most recently used; returns how
    /// many entries were evicted to make room.
    pub fn put(&mut self, key: u64, expires: SimTime) -> u64 {
        if self.entries.contains_key(&key) {
            self.touch(key);
            if let Some(e) = self.entries.get_mut(&key) {
                e.expires = expires;
            }
            return 0;
        }
        let used = self.stamp();
        self.entries.insert(key, Entry { expires, used });
        self.recency.insert(used, key);
        let mut evicted = 0;
        while self
            .capacity
            .is_some_and(|c| self.entries.len() > c as usize)
        {
            let Some((_, oldest)) = self.recency.pop_first() else {
                break;
            };
            self.entries.remove(&oldest);
            evicted += 1;
        }
        evicted
    }

    /// Forgets every entry: a cold restart.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.recency.clear();
    }

    fn stamp(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    fn touch(&mut self, key: u64) {
        let used = self.stamp();
        if let Some(e) = self.entries.get_mut(&key) {
            self.recency.remove(&e.used);
            e.used = used;
            self.recency.insert(used, key);
        }
    }

    fn remove(&mut self, key: u64) {
        if let Some(e) = self.entries.remove(&key) {
            self.recency.remove(&e.used);
        }
    }

    /// Fills of `key` out now.
    fn fills(&self, key: u64) -> u32 {
        self.flights.get(&key).map_or(0, |f| f.fills)
    }
}

impl Simulation {
    /// Makes call `site` of `origin` through cache `c`: the lookup queues
    /// for a worker, or misses at once if the cache is down.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn lookup(
        &mut self,
        c: u32,
        origin: Origin,
        site: u32,
        caller: u32,
        deadline: Option<SimTime>,
        key: u64,
        request: u64,
    ) {
        let uid = self.uid();
        let state = &self.caches[c as usize];
        let generation = state.generation;
        let h = Handle {
            uid,
            key: self.lookups.insert(Lookup {
                uid,
                cache: c,
                origin: Some(origin),
                site,
                caller,
                deadline,
                key,
                request,
                counted: self.now >= self.warmup,
                started: self.now,
                generation,
                stage: Stage::Queued,
            }) as u32,
        };
        if self.caches[c as usize].down {
            return self.missed(h, false);
        }
        let state = &mut self.caches[c as usize];
        if state.workers.is_some_and(|w| state.busy >= w) {
            state.waiting.push_back(h);
        } else {
            self.serve_lookup(h);
        }
    }

    /// The lookup `h`, if it is still in flight.
    fn lookup_rec(&self, h: Handle) -> Option<&Lookup> {
        self.lookups.get(h.key as usize).filter(|l| l.uid == h.uid)
    }

    /// Who waits for lookup `h`, if it is in flight and not a refresh: a
    /// pause of the caller's instance holds its fill's events.
    pub(super) fn lookup_origin(&self, h: Handle) -> Option<Origin> {
        self.lookup_rec(h).and_then(Lookup::origin)
    }

    /// Puts lookup `h` on a worker for its `hit_time`.
    fn serve_lookup(&mut self, h: Handle) {
        let l = &mut self.lookups[h.key as usize];
        l.stage = Stage::Serving;
        let c = l.cache as usize;
        let state = &mut self.caches[c];
        state.busy += 1;
        let took = self.sc.caches[c].hit_time.sample(&mut state.hit_rng);
        self.schedule(self.now + took, Event::CacheDone(h));
    }

    /// Lookup `h` has had its `hit_time`: the cache answers from the entry,
    /// or it is a miss. A paused cache holds it until it resumes.
    pub(super) fn on_cache_done(&mut self, h: Handle) {
        let Some(l) = self.lookup_rec(h).filter(|l| l.stage == Stage::Serving) else {
            return; // a crash turned it into a miss already
        };
        let (c, key) = (l.cache as usize, l.key);
        if self.caches[c].paused {
            return self.caches[c].held.push(h);
        }
        self.free_cache_worker(c);
        match self.caches[c].get(key, self.now) {
            Found::Fresh(expires) => self.hit(h, expires),
            Found::Expired => self.missed(h, true),
            Found::Absent => self.missed(h, false),
        }
    }

    /// A worker of cache `c` is free: the oldest waiting lookup takes it.
    fn free_cache_worker(&mut self, c: usize) {
        let state = &mut self.caches[c];
        state.busy -= 1;
        if let Some(next) = state.waiting.pop_front() {
            self.serve_lookup(next);
        }
    }

    /// Lookup `h` found its entry fresh until `expires`: it answers, and a
    /// hit within `refresh_ahead` of expiry starts a background fill unless
    /// one is out.
    fn hit(&mut self, h: Handle, expires: SimTime) {
        let l = &self.lookups[h.key as usize];
        let (c, counted) = (l.cache as usize, l.counted);
        self.cache_fact(c, counted, CacheFact::Hit);
        self.trace_lookup(h, "hit");
        let l = self.lookups.remove(h.key as usize);
        let refresh = self.sc.caches[c]
            .refresh_ahead
            .is_some_and(|ahead| expires.since(self.now) <= ahead);
        let origin = l.origin;
        if refresh && self.caches[c].fills(l.key) == 0 {
            // Nobody waits for a refresh: no deadline bounds it.
            let uid = self.uid();
            let r = Lookup {
                uid,
                origin: None,
                deadline: None,
                started: self.now,
                counted: self.now >= self.warmup,
                ..l
            };
            let key = self.lookups.insert(r) as u32;
            self.fill(Handle { key, uid }, true);
        }
        if let Some(origin) = origin {
            self.answer_origin(origin, Outcome::Ok);
        }
    }

    /// Lookup `h` missed (`expired`: its entry had expired): it waits for
    /// the fill in flight under single flight, or makes the call.
    fn missed(&mut self, h: Handle, expired: bool) {
        let l = &self.lookups[h.key as usize];
        let (c, key, counted) = (l.cache as usize, l.key, l.counted);
        self.cache_fact(c, counted, CacheFact::Miss { expired });
        self.trace_lookup(h, "miss");
        let state = &mut self.caches[c];
        if self.sc.caches[c].single_flight && state.fills(key) > 0 {
            self.lookups[h.key as usize].stage = Stage::Waiting;
            if let Some(f) = state.flights.get_mut(&key) {
                f.waiters.push(h);
            }
            return;
        }
        self.fill(h, false);
    }

    /// Sends the call that fills the entry of lookup `h` (`refresh`: in the
    /// background).
    fn fill(&mut self, h: Handle, refresh: bool) {
        let l = &mut self.lookups[h.key as usize];
        l.stage = Stage::Filling;
        let (c, key, site, caller, deadline) = (l.cache, l.key, l.site, l.caller, l.deadline);
        let request = l.request;
        let flight = self.caches[c as usize].flights.entry(key).or_default();
        flight.fills += 1;
        let in_flight = flight.fills;
        if self.now >= self.warmup {
            let fact = CacheFact::Filling { refresh, in_flight };
            self.cache_fact(c as usize, true, fact);
        }
        self.start_exchange(
            Origin::Lookup(h),
            site,
            caller,
            deadline,
            false,
            key,
            request,
        );
    }

    /// The call of lookup `h` ended with `outcome`: a success fills the
    /// entry (unless the cache crashed since it was looked up); the lookup
    /// and, once no fill of the key is out, every lookup waiting for it
    /// get the answer.
    pub(super) fn on_fill_result(&mut self, h: Handle, outcome: Outcome) {
        if self.lookup_rec(h).is_none() {
            return;
        }
        let l = self.lookups.remove(h.key as usize);
        let c = l.cache as usize;
        let state = &mut self.caches[c];
        if outcome.is_success() && !state.down && l.generation == state.generation {
            if state.paused {
                state.held_fills.push(l.key);
            } else {
                self.write_entry(c, l.key);
            }
        }
        let state = &mut self.caches[c];
        let mut waiters = Vec::new();
        if let Some(f) = state.flights.get_mut(&l.key) {
            f.fills -= 1;
            if f.fills == 0 {
                waiters = std::mem::take(&mut f.waiters);
                state.flights.remove(&l.key);
            }
        }
        if let Some(origin) = l.origin {
            self.answer_origin(origin, outcome);
        }
        for w in waiters {
            if self.lookup_rec(w).is_none() {
                continue;
            }
            if let Some(origin) = self.lookups.remove(w.key as usize).origin {
                self.answer_origin(origin, outcome);
            }
        }
    }

    /// Fills `key` in cache `c`, fresh for a `ttl` drawn now, and counts
    /// the entries evicted to make room.
    fn write_entry(&mut self, c: usize, key: u64) {
        let state = &mut self.caches[c];
        let ttl = self.sc.caches[c].ttl.sample(&mut state.ttl_rng);
        let evicted = state.put(key, self.now + ttl);
        if self.now >= self.warmup {
            for _ in 0..evicted {
                self.cache_fact(c, true, CacheFact::Evicted);
            }
        }
    }

    /// A fault on cache `c` changed: a crash empties it and turns every
    /// lookup at it into a miss (the caller goes to the backend) and drops
    /// the writes a pause held; the end of a pause writes the fills it held,
    /// then lets the lookups it held finish now.
    pub(super) fn refresh_cache(&mut self, c: usize, down: bool, paused: bool) {
        let state = &mut self.caches[c];
        let (was_down, was_paused) = (state.down, state.paused);
        state.down = down;
        state.paused = paused && !down;
        if down && !was_down {
            state.clear();
            state.generation += 1;
            state.busy = 0;
            state.held.clear();
            state.held_fills.clear();
            state.waiting.clear();
            let at_cache: Vec<Handle> = self
                .lookups
                .iter()
                .filter(|(_, l)| l.cache as usize == c)
                .filter(|(_, l)| matches!(l.stage, Stage::Queued | Stage::Serving))
                .map(|(k, l)| Handle {
                    key: k as u32,
                    uid: l.uid,
                })
                .collect();
            for h in at_cache {
                self.missed(h, false);
            }
            return;
        }
        if was_paused && !self.caches[c].paused {
            for key in std::mem::take(&mut self.caches[c].held_fills) {
                self.write_entry(c, key);
            }
            for h in std::mem::take(&mut self.caches[c].held) {
                self.schedule(self.now, Event::CacheDone(h));
            }
        }
    }

    /// A fact about cache `c`, into the totals, the open window and the
    /// cache's probes, if it is measured.
    fn cache_fact(&mut self, c: usize, counted: bool, fact: CacheFact) {
        if !counted {
            return;
        }
        self.cache_totals[c].apply(fact);
        if let Some(s) = &mut self.series {
            s.caches[c].open.apply(fact);
        }
        for p in &self.cache_probes[c] {
            self.probes[*p as usize].on_cache(self.now, fact);
        }
    }

    /// The span of lookup `h`, from when it was made to its answer now:
    /// `hit` or `miss`, from the calling service to the cache.
    fn trace_lookup(&mut self, h: Handle, found: &'static str) {
        if self.trace.is_none() {
            return;
        }
        let l = &self.lookups[h.key as usize];
        let name = self.sc.caches[l.cache as usize].name.clone();
        let (from, _) = self.network.ends(self.sites[l.site as usize].link);
        let from = self.sc.node_name(from);
        let link = Link {
            key: Some(l.key),
            from: Some(from.to_string()),
            to: Some(name.clone()),
            ..Link::of(l.request)
        };
        let started = l.started;
        self.record_span(Kind::Lookup, &name, None, started, found, link);
    }

    /// Cache `c`'s health now: up, down or paused.
    pub(super) fn cache_health(&self, c: usize) -> &'static str {
        let state = &self.caches[c];
        if state.down {
            "down"
        } else if state.paused {
            "paused"
        } else {
            "up"
        }
    }

    /// Cache `c`'s entries now.
    pub(super) fn cache_size(&self, c: usize) -> u64 {
        self.caches[c].len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Dist;
    use crate::time::SimDuration;

    fn cache(capacity: Option<u32>) -> CacheState {
        let c = Cache {
            name: "c".into(),
            capacity,
            ttl: Dist::Constant(SimDuration::from_secs(10)),
            hit_time: Dist::Constant(SimDuration::ZERO),
            workers: None,
            single_flight: false,
            refresh_ahead: None,
        };
        CacheState::new(&c, 1)
    }

    #[test]
    fn the_least_recently_used_key_is_evicted() {
        let mut c = cache(Some(2));
        let t = |s| SimTime(SimDuration::from_secs(s).0);
        assert_eq!(c.put(1, t(100)), 0);
        assert_eq!(c.put(2, t(100)), 0);
        // Using 1 makes 2 the least recently used.
        assert_eq!(c.get(1, t(1)), Found::Fresh(t(100)));
        assert_eq!(c.put(3, t(100)), 1);
        assert_eq!(c.get(2, t(2)), Found::Absent);
        assert_eq!(c.get(1, t(2)), Found::Fresh(t(100)));
        assert_eq!(c.get(3, t(2)), Found::Fresh(t(100)));
        // A refill of a cached key evicts nothing and renews it.
        assert_eq!(c.put(1, t(200)), 0);
        assert_eq!(c.len(), 2);
        assert_eq!(c.get(1, t(150)), Found::Fresh(t(200)));
    }

    #[test]
    fn an_expired_entry_is_dropped_when_looked_up() {
        let mut c = cache(None);
        let t = |s| SimTime(SimDuration::from_secs(s).0);
        c.put(7, t(10));
        assert_eq!(c.get(7, t(9)), Found::Fresh(t(10)));
        assert_eq!(c.get(7, t(10)), Found::Expired);
        assert_eq!((c.get(7, t(10)), c.len()), (Found::Absent, 0));
        c.put(7, t(20));
        c.clear();
        assert_eq!(c.get(7, t(11)), Found::Absent);
    }
}
