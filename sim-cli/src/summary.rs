//! The human summary of a run (`dsim run`'s default format): a header line,
//! a clients table, a services table, any other sections the report has, and
//! the expectations. Everything comes from the [`Report`]; nothing is
//! recomputed here.

use crate::number::{millis, percent, trimmed};
use crate::table::Table;
use sim_core::expect::{parse_expectation, Metric};
use sim_core::report::{ExpectationResult, Observed};
use sim_core::text::escape;
use sim_core::Report;

/// The whole summary, ready to print.
pub fn render(report: &Report) -> String {
    let mut out = format!(
        "{}: seed {}, {}s simulated, {} events\n",
        escape(&report.scenario),
        report.seed,
        trimmed(report.sim_time_s, 9),
        report.events
    );
    if !report.clients.is_empty() {
        out.push('\n');
        out.push_str(&clients(report).render(0));
        out.push_str(&causes(report));
        out.push_str(&unfinished(report));
    }
    if !report.services.is_empty() {
        out.push('\n');
        out.push_str(&services(report).render(0));
        out.push_str(&instances(report));
        out.push_str(&lifecycles(report));
    }
    if !report.deploys.is_empty() {
        out.push_str("\ndeploys\n");
        for (name, d) in &report.deploys {
            let rolled = d.rolled_back_at_s.map_or_else(
                || "not rolled back".to_string(),
                |t| format!("rolled back at {}s", trimmed(t, 9)),
            );
            out.push_str(&format!(
                "  {name}  {}: {} steps, {rolled}; old {} requests, {} failed; new {} requests, {} failed\n",
                d.strategy, d.steps_done, d.old.requests, d.old.failures, d.new.requests, d.new.failures
            ));
        }
    }
    if !report.faults.is_empty() {
        out.push_str("\nfaults\n");
        for f in &report.faults {
            let until = f
                .until_s
                .map_or_else(|| "the end".to_string(), |t| format!("{}s", trimmed(t, 9)));
            let chaos = if f.chaos { "  (chaos)" } else { "" };
            out.push_str(&format!(
                "  {} on {} from {}s to {until}{chaos}\n",
                f.kind,
                f.target,
                trimmed(f.at_s, 9)
            ));
        }
    }
    if !report.breakers.is_empty() {
        out.push_str("\nbreakers\n");
        for (name, b) in &report.breakers {
            out.push_str(&format!(
                "  {name}  opened {} times, open {}s, now {}\n",
                b.opened,
                trimmed(b.time_open_s, 3),
                b.final_state
            ));
        }
    }
    if !report.effects.is_empty() {
        out.push_str("\neffects\n");
        for (name, e) in &report.effects {
            out.push_str(&format!(
                "  {name}  applied {}, duplicates {}\n",
                e.applied, e.duplicates
            ));
        }
    }
    if !report.queues.is_empty() {
        out.push('\n');
        out.push_str(&queues(report).render(0));
    }
    if !report.caches.is_empty() {
        out.push('\n');
        out.push_str(&caches(report).render(0));
    }
    if !report.sagas.is_empty() {
        out.push('\n');
        out.push_str(&sagas(report).render(0));
        for (name, g) in &report.sagas {
            if let (Some(max), Some(seconds)) = (g.max_held, g.held_worker_seconds) {
                // Two-phase: the workers prepared participants held, blocked.
                out.push_str(&format!(
                    "  {} held workers: at most {max} at once, {seconds:.3} worker-s in all\n",
                    escape(name)
                ));
            }
        }
        out.push('\n');
        out.push_str(&saga_steps(report).render(0));
    }
    if let Some(ts) = &report.timeseries {
        out.push_str(&crate::sparklines::render(ts));
    }
    if !report.expectations.is_empty() {
        out.push_str("\nexpectations\n");
        for e in &report.expectations {
            out.push_str(&expectation(e));
            out.push('\n');
        }
    }
    out
}

/// One row per client: what its users saw, end to end.
fn clients(report: &Report) -> Table {
    let mut t = Table::new(&[
        "client",
        "requests",
        "succeeded",
        "degraded",
        "failed",
        "in flight",
        "attempts",
        "success",
        "p50 ms",
        "p99 ms",
        "max ms",
    ]);
    for (name, c) in &report.clients {
        t.row(vec![
            name.clone(),
            c.requests.to_string(),
            c.succeeded.to_string(),
            c.degraded.to_string(),
            c.failed.to_string(),
            c.in_flight.to_string(),
            c.attempts.to_string(),
            percent(c.success_rate),
            millis(c.latency_ms.p50),
            millis(c.latency_ms.p99),
            millis(c.latency_ms.max),
        ]);
    }
    t
}

/// `  users failed by: timeout 120, rejected 4` for each client with
/// failures, and its retries and hedges when it made any.
fn causes(report: &Report) -> String {
    let mut out = String::new();
    for (name, c) in &report.clients {
        let f = &c.failures;
        let counts = [
            ("error", f.error),
            ("timeout", f.timeout),
            ("rejected", f.rejected),
            ("shed", f.shed),
            ("open", f.open),
            ("refused", f.refused),
        ];
        let parts: Vec<String> = counts
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(cause, n)| format!("{cause} {n}"))
            .collect();
        if !parts.is_empty() {
            out.push_str(&format!("  {name} failed by: {}\n", parts.join(", ")));
        }
        if c.retries + c.hedges > 0 {
            out.push_str(&format!(
                "  {name} sent {} retries and {} hedges\n",
                c.retries, c.hedges
            ));
        }
    }
    out
}

/// `  api instances: max 13, 8 at the end; started 11, stopped 5, ...` for
/// each service with a lifecycle.
fn lifecycles(report: &Report) -> String {
    let mut out = String::new();
    for (name, s) in &report.services {
        let Some(l) = &s.lifecycle else {
            continue;
        };
        let c = &l.counts;
        out.push_str(&format!(
            "  {name} instances: max {}, {} at the end; started {}, stopped {}, replaced {}; \
             health checks: restarted {}, removed {}, readmitted {}\n",
            c.max_instances,
            l.instances_at_end,
            c.started,
            c.stopped,
            c.replaced,
            c.restarted,
            c.removed,
            c.readmitted
        ));
    }
    out
}

/// Share of unfinished requests above which the table warns that its rates
/// describe an unfinished run.
const UNFINISHED_WARNING: f64 = 0.01;

/// `  unfinished 120 (1.2%)` for each client with requests still in flight
/// at the end, with a warning when they are more than 1%.
fn unfinished(report: &Report) -> String {
    let mut out = String::new();
    for (name, c) in &report.clients {
        if c.in_flight == 0 {
            continue;
        }
        let name = escape(name);
        out.push_str(&format!(
            "  {name} unfinished {} ({})\n",
            c.in_flight,
            percent(c.in_flight_rate)
        ));
        if c.in_flight_rate > UNFINISHED_WARNING {
            out.push_str(&format!(
                "  warning: {} of the requests of {name} had not ended when the run did: \
                 they count as neither successes nor failures (run longer, or give the client a timeout)\n",
                percent(c.in_flight_rate)
            ));
        }
    }
    out
}

/// One row per service: what it did with each attempt.
fn services(report: &Report) -> Table {
    let mut t = Table::new(&[
        "service",
        "arrivals",
        "completed",
        "degraded",
        "errors",
        "rejected",
        "shed",
        "refused",
        "util %",
        "max queue",
        "p50 ms",
        "p99 ms",
    ]);
    for (name, s) in &report.services {
        t.row(vec![
            name.clone(),
            s.arrivals.to_string(),
            s.completed.to_string(),
            s.degraded.to_string(),
            s.errors.to_string(),
            s.rejected.to_string(),
            s.shed.to_string(),
            s.refused.to_string(),
            format!("{:.1}", s.utilization * 100.0),
            s.max_queue.to_string(),
            millis(s.latency_ms.p50),
            millis(s.latency_ms.p99),
        ]);
    }
    t
}

/// `  api by instance: busiest #3 31.00% of arrivals (util 97.0%, max queue
/// 200), quietest #1 8.00% (util 25.1%, max queue 3)` for each service of
/// several instances with arrivals: an uneven spread (a hot key under a
/// `hash` balancer) shows.
fn instances(report: &Report) -> String {
    let mut out = String::new();
    for (name, s) in &report.services {
        let per = &s.per_instance;
        if per.len() < 2 || s.arrivals == 0 {
            continue;
        }
        // Ties go to the lowest index, as the JSON lists them.
        let by = |i: &usize| (per[*i].arrivals, std::cmp::Reverse(*i));
        let busiest = (0..per.len()).max_by_key(by).unwrap_or(0);
        let quietest = (0..per.len()).min_by_key(by).unwrap_or(0);
        let share = |i: usize| percent(per[i].arrivals as f64 / s.arrivals as f64);
        let load = |i: usize| {
            let x = &per[i];
            let util = x.utilization * 100.0;
            format!("util {util:.1}%, max queue {}", x.max_queue)
        };
        out.push_str(&format!(
            "  {} by instance: busiest #{busiest} {} of arrivals ({}), quietest #{quietest} {} ({})\n",
            escape(name),
            share(busiest),
            load(busiest),
            share(quietest),
            load(quietest)
        ));
    }
    out
}

/// One row per saga: what its runs did.
fn sagas(report: &Report) -> Table {
    let mut t = Table::new(&[
        "saga",
        "started",
        "completed",
        "compensated",
        "in flight",
        "inconsistent",
        "no-op undos",
    ]);
    for (name, g) in &report.sagas {
        t.row(vec![
            name.clone(),
            g.started.to_string(),
            g.completed.to_string(),
            g.compensated.to_string(),
            g.in_flight.to_string(),
            g.inconsistent.to_string(),
            g.compensations_without_effect.to_string(),
        ]);
    }
    t
}

/// One row per saga step, in order: the calls of the step and of its
/// compensation.
fn saga_steps(report: &Report) -> Table {
    let mut t = Table::new(&["saga step", "calls", "failed", "undos", "undos failed"]);
    for (name, g) in &report.sagas {
        for (i, s) in g.steps.iter().enumerate() {
            t.row(vec![
                format!("{name} {}. {}", i + 1, s.call),
                s.calls.to_string(),
                s.failures.to_string(),
                s.compensations.to_string(),
                s.compensation_failures.to_string(),
            ]);
        }
    }
    t
}

/// One row per queue: what happened to its messages.
fn queues(report: &Report) -> Table {
    let mut t = Table::new(&[
        "queue",
        "published",
        "delivered",
        "redelivered",
        "acked",
        "dead letters",
        "lost",
        "remaining",
        "max depth",
        "max age s",
        "out of order",
    ]);
    for (name, q) in &report.queues {
        t.row(vec![
            name.clone(),
            q.published.to_string(),
            q.delivered.to_string(),
            q.redelivered.to_string(),
            q.acked.to_string(),
            q.dead_lettered.to_string(),
            q.lost.to_string(),
            q.remaining.to_string(),
            q.max_depth.to_string(),
            trimmed(q.max_age_s, 3),
            q.out_of_order.to_string(),
        ]);
    }
    t
}

/// One row per cache: its lookups, its entries and its worst stampede.
fn caches(report: &Report) -> Table {
    let mut t = Table::new(&[
        "cache",
        "hits",
        "misses",
        "hit ratio",
        "expired",
        "evicted",
        "fills",
        "refreshes",
        "max concurrent misses",
        "keys",
    ]);
    for (name, c) in &report.caches {
        t.row(vec![
            name.clone(),
            c.hits.to_string(),
            c.misses.to_string(),
            trimmed(c.hit_ratio, 4),
            c.expired.to_string(),
            c.evicted.to_string(),
            c.fills.to_string(),
            c.refreshes.to_string(),
            c.max_concurrent_misses.to_string(),
            c.size.to_string(),
        ]);
    }
    t
}

/// `  PASS  p99(users) < 250ms  (observed 31.2ms)`: the verdict, the line as
/// written and the measured value in the expectation's unit.
pub fn expectation(e: &ExpectationResult) -> String {
    let unit = match parse_expectation(&e.expect).map(|x| x.metric) {
        Ok(Metric::Latency(_)) => "ms",
        Ok(Metric::MaxAge) => "s",
        _ => "",
    };
    format!(
        "  {}  {}  (observed {})",
        if e.passed { "PASS" } else { "FAIL" },
        escape(&e.expect),
        match &e.observed {
            Observed::Number(x) => format!("{}{unit}", trimmed(*x, 6)),
            Observed::State(s) => s.to_string(),
            Observed::Unmeasured => "nothing: no request in the window".to_string(),
        }
    )
}
