//! The timeseries in a terminal: one sparkline per series, so that the
//! teaching notes' "watch the attempts" works without a plot. Each line
//! has at most [`COLUMNS`] cells; longer runs fold several windows into a
//! cell (counts summed, p99 and queue at their highest). A client's
//! requests, goodput and attempts share one scale, per second, so that
//! "attempts three times the requests" shows as three times as tall.

use crate::number::trimmed;
use sim_core::report::Timeseries;
use sim_core::text::escape;

/// Cells of a sparkline at most.
pub const COLUMNS: usize = 60;

/// Eighths of a cell, from empty to full.
const BARS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The block of sparklines: a header with the time axis, the faults, then
/// per client its requests, goodput, attempts and p99, per service its
/// queue.
pub fn render(ts: &Timeseries) -> String {
    let windows = ts
        .clients
        .values()
        .map(|c| c.requests.len())
        .chain(ts.services.values().map(|s| s.arrivals.len()))
        .max()
        .unwrap_or(0);
    if windows == 0 {
        return String::new();
    }
    let fold = windows.div_ceil(COLUMNS);
    let cells = windows.div_ceil(fold);
    let cell_s = ts.window_s * fold as f64;
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let mut out = format!(
        "\ntimeseries: {windows} windows of {}s, {} per cell; the series in full in the JSON summary\n",
        trimmed(ts.window_s, 9),
        if fold == 1 { "one".to_string() } else { fold.to_string() }
    );
    let faults: String = (0..cells)
        .map(|i| {
            let (a, b) = (
                ts.start_s + i as f64 * cell_s,
                ts.start_s + (i + 1) as f64 * cell_s,
            );
            let hit = ts
                .faults
                .iter()
                .any(|f| f.at_s < b && f.until_s.is_none_or(|u| u > a));
            if hit {
                '▒'
            } else {
                '·'
            }
        })
        .collect();
    if !ts.faults.is_empty() {
        rows.push(("faults".into(), String::new(), faults));
    }
    for (name, c) in &ts.clients {
        let per_s =
            |v: &[u64]| -> Vec<f64> { sums(v, fold).into_iter().map(|x| x / cell_s).collect() };
        let (requests, goodput, attempts) =
            (per_s(&c.requests), per_s(&c.succeeded), per_s(&c.attempts));
        let top = [&requests, &goodput, &attempts]
            .iter()
            .flat_map(|v| v.iter())
            .fold(0.0f64, |m, x| m.max(*x));
        let label = escape(name).into_owned();
        rows.push((
            label.clone(),
            format!("requests/s  max {}", trimmed(max(&requests), 1)),
            line(&requests, top),
        ));
        rows.push((
            String::new(),
            format!("goodput/s   max {}", trimmed(max(&goodput), 1)),
            line(&goodput, top),
        ));
        rows.push((
            String::new(),
            format!("attempts/s  max {}", trimmed(max(&attempts), 1)),
            line(&attempts, top),
        ));
        let p99 = highs(&c.p99_ms, fold);
        rows.push((
            String::new(),
            format!("p99 ms      max {}", trimmed(max(&p99), 2)),
            line(&p99, max(&p99)),
        ));
    }
    for (name, s) in &ts.services {
        let queue = highs(&s.queue.iter().map(|&q| q as f64).collect::<Vec<_>>(), fold);
        rows.push((
            escape(name).into_owned(),
            format!("queue       max {}", trimmed(max(&queue), 0)),
            line(&queue, max(&queue)),
        ));
    }
    let w0 = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let w1 = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
    let axis = format!(
        "{}s{}{}s",
        trimmed(ts.start_s, 3),
        " ".repeat(
            cells.saturating_sub(2 + trimmed(ts.start_s, 3).len() + trimmed(ts.end_s, 3).len())
        ),
        trimmed(ts.end_s, 3)
    );
    out.push_str(&format!("{:w0$}  {:w1$}  {axis}\n", "", ""));
    for (a, b, c) in rows {
        out.push_str(&format!("{a:w0$}  {b:w1$}  {c}\n"));
    }
    out
}

/// The largest value (0 for none).
fn max(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(*x))
}

/// Counts summed over each run of `fold` windows.
fn sums(v: &[u64], fold: usize) -> Vec<f64> {
    v.chunks(fold)
        .map(|c| c.iter().sum::<u64>() as f64)
        .collect()
}

/// The highest value of each run of `fold` windows.
fn highs(v: &[f64], fold: usize) -> Vec<f64> {
    v.chunks(fold).map(max).collect()
}

/// A sparkline of `v` on a scale from 0 to `top`: any value above 0 shows.
fn line(v: &[f64], top: f64) -> String {
    v.iter()
        .map(|&x| {
            if x <= 0.0 || top <= 0.0 {
                BARS[0]
            } else {
                BARS[((x / top * 8.0).ceil() as usize).clamp(1, 8)]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_map_to_eighths_and_windows_fold() {
        assert_eq!(line(&[0.0, 1.0, 4.0, 8.0], 8.0), " ▁▄█");
        assert_eq!(line(&[0.1, 7.9], 8.0), "▁█");
        assert_eq!(sums(&[1, 2, 3, 4, 5], 2), [3.0, 7.0, 5.0]);
        assert_eq!(highs(&[1.0, 9.0, 3.0], 2), [9.0, 3.0]);
    }
}
