//! The future-event list, totally ordered by `(time, seq)`.
//!
//! `seq` counts insertions, so two events at the same instant run in the order
//! they were scheduled. Cancellation is lazy: a stale event carries a uid that
//! no longer matches live state and is skipped when it is popped.
//!
//! Events for the current instant (a zero-latency hop, an answer sent at
//! once) skip the heap: they go to a FIFO, which holds only events at `now`
//! in insertion order. Every heap entry at `now` was pushed before `now` was
//! reached, so it precedes every FIFO entry; popping the heap while its top
//! is at or before `now`, then the FIFO, is exactly the `(time, seq)` order.

use super::event::Event;
use crate::time::SimTime;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

/// A scheduled event.
#[derive(Debug)]
struct Entry {
    time: SimTime,
    seq: u64,
    event: Event,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    /// Reversed, so that the max-heap pops the earliest `(time, seq)` first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// Events waiting to happen.
#[derive(Debug, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Entry>,
    /// Events at `now`, in insertion order.
    now_fifo: VecDeque<Event>,
    /// The time of the last event popped.
    now: SimTime,
    seq: u64,
}

impl EventQueue {
    /// Schedules `event` at `time`.
    pub fn push(&mut self, time: SimTime, event: Event) {
        if time == self.now {
            self.now_fifo.push_back(event);
            return;
        }
        self.seq += 1;
        self.heap.push(Entry {
            time,
            seq: self.seq,
            event,
        });
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        if self.heap_next() {
            self.heap.peek().map(|e| e.time)
        } else {
            (!self.now_fifo.is_empty()).then_some(self.now)
        }
    }

    /// How many events are pending.
    pub fn len(&self) -> usize {
        self.heap.len() + self.now_fifo.len()
    }

    /// Whether the next event is the heap's: its top is at or before `now`
    /// (pushed before the FIFO's events), or the FIFO is empty.
    fn heap_next(&self) -> bool {
        self.heap
            .peek()
            .is_some_and(|e| e.time <= self.now || self.now_fifo.is_empty())
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(SimTime, Event)> {
        if !self.heap_next() {
            return self.now_fifo.pop_front().map(|e| (self.now, e));
        }
        let e = self.heap.pop()?;
        self.now = self.now.max(e.time);
        Some((e.time, e.event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simultaneous_events_keep_insertion_order() {
        let mut q = EventQueue::default();
        q.push(SimTime(5), Event::Mark(1));
        q.push(SimTime(3), Event::Mark(2));
        q.push(SimTime(5), Event::Mark(3));
        q.push(SimTime(3), Event::Mark(4));
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            order,
            vec![
                (SimTime(3), Event::Mark(2)),
                (SimTime(3), Event::Mark(4)),
                (SimTime(5), Event::Mark(1)),
                (SimTime(5), Event::Mark(3)),
            ]
        );
    }

    #[test]
    fn events_at_the_current_instant_follow_earlier_ones_at_it() {
        let mut q = EventQueue::default();
        q.push(SimTime(2), Event::Mark(1));
        q.push(SimTime(2), Event::Mark(2));
        q.push(SimTime(7), Event::Mark(3));
        assert_eq!(q.pop(), Some((SimTime(2), Event::Mark(1))));
        q.push(SimTime(2), Event::Mark(4));
        q.push(SimTime(2), Event::Mark(5));
        assert_eq!(q.len(), 4);
        assert_eq!(q.peek_time(), Some(SimTime(2)));
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            order,
            vec![
                (SimTime(2), Event::Mark(2)),
                (SimTime(2), Event::Mark(4)),
                (SimTime(2), Event::Mark(5)),
                (SimTime(7), Event::Mark(3)),
            ]
        );
    }
}
