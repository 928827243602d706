//! `dsim plot`: SVG charts over simulated time, drawn from the report's
//! timeseries (so they show exactly what `--timeseries` would print).

use super::{print, Outcome};
use crate::cli::PlotArgs;
use crate::{chart, input, simulate};
use anyhow::Context;
use plotters::prelude::*;
use sim_core::report::{ClientSeries, FaultReport, Timeseries};
use sim_core::text::escape;
use sim_core::{RunOptions, SimDuration};

/// How many windows the default window width aims for over a run.
const POINTS: u64 = 100;

/// One named line of a chart: `(seconds, value)` points.
struct Line {
    label: String,
    points: Vec<(f64, f64)>,
}

/// Runs the scenario with a timeseries and writes one SVG per chart into `--out`.
pub fn plot(args: &PlotArgs) -> anyhow::Result<Outcome> {
    let (Some(file), None) = (&args.file, &args.sweep) else {
        let (csv, x, y) = (args.sweep.as_deref(), args.x.as_deref(), args.y.as_deref());
        let (Some(csv), Some(x), Some(y)) = (csv, x, y) else {
            anyhow::bail!("give a scenario FILE, or --sweep GRID.csv with --x and --y");
        };
        let png = args.format == crate::cli::PlotFormat::Png;
        return super::sweep_plot::plot(csv, x, y, &args.out, png);
    };
    let scenario = input::load(file, &args.set.set)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create directory `{}`", args.out.display()))?;
    let window = args
        .window
        .unwrap_or_else(|| nice_window(scenario.duration));
    let options = RunOptions {
        seed: args.seed.seed,
        timeseries: Some(window),
        budget: args.budget.budget(),
    };
    options
        .check(&scenario)
        .map_err(|e| anyhow::anyhow!("--window: {e}"))?;
    let report = simulate::run(&scenario, &options)?;
    let series = report
        .timeseries
        .as_ref()
        .context("the engine returned no timeseries")?;
    let charts = [
        (
            "throughput",
            "Throughput",
            "per second",
            None,
            throughput(series),
        ),
        (
            "success_rate",
            "Success rate",
            "fraction",
            Some(1.0),
            success_rate(series),
        ),
        ("latency", "Client latency", "ms", None, latency(series)),
        (
            "queue",
            "Queue length",
            "waiting requests",
            None,
            queue(series),
        ),
        (
            "utilization",
            "Utilization",
            "busy fraction",
            Some(1.0),
            utilization(series),
        ),
    ];
    let breakers = breakers(series);
    let breaker_chart = (!breakers.is_empty()).then_some((
        "breakers",
        "Breaker state",
        "state",
        Some(2.0),
        breakers,
    ));
    let instances = instances(series);
    let instance_chart = (!instances.is_empty()).then_some((
        "instances",
        "Instances (live, and serving)",
        "instances",
        None,
        instances,
    ));
    let versions = version_errors(series);
    let version_chart = (!versions.is_empty()).then_some((
        "versions",
        "Failures per version of each deployment",
        "failures per second",
        None,
        versions,
    ));
    let queued = !series.queues.is_empty();
    let queue_charts = queued.then(|| {
        [
            (
                "queue_depth",
                "Broker queue depth",
                "messages held",
                None,
                queue_depth(series),
            ),
            (
                "queue_age",
                "Oldest message's age",
                "seconds",
                None,
                queue_age(series),
            ),
        ]
    });
    let steps = deploy_steps(&report);
    let cached = !series.caches.is_empty();
    let cache_charts = cached.then(|| {
        [
            (
                "hit_ratio",
                "Cache hit ratio",
                "hits / lookups",
                Some(1.0),
                hit_ratio(series),
            ),
            (
                "cache_fills",
                "Calls behind each cache (misses that fill, refreshes)",
                "per second",
                None,
                fills(series),
            ),
        ]
    });
    let saga_chart = (!series.sagas.is_empty()).then(|| {
        (
            "sagas",
            "Sagas by state",
            "runs (per window; in flight at its end)",
            None,
            sagas(series),
        )
    });
    let run = format!("{} (seed {})", escape(&report.scenario), report.seed);
    let mut written = String::new();
    let all = charts
        .into_iter()
        .chain(breaker_chart)
        .chain(instance_chart)
        .chain(version_chart)
        .chain(queue_charts.into_iter().flatten())
        .chain(cache_charts.into_iter().flatten())
        .chain(saga_chart);
    for (stem, title, unit, y_max, lines) in all {
        let frame = Frame {
            title,
            run: &run,
            unit,
            y_max,
            end_s: report.sim_time_s,
            faults: &series.faults,
            steps: &steps,
        };
        let svg = draw(&frame, &lines)?;
        let path = chart::save(
            &args.out,
            stem,
            &svg,
            args.format == crate::cli::PlotFormat::Png,
        )?;
        written.push_str(&format!("wrote {}\n", path.display()));
    }
    print(&written)?;
    Ok(Outcome::Ok)
}

/// The smallest 1-2-5 step (1ms, 2ms, 5ms, 10ms, ...) that cuts `duration`
/// into at most [`POINTS`] windows.
fn nice_window(duration: SimDuration) -> SimDuration {
    let target = duration.0.div_ceil(POINTS).max(1);
    let mut scale = 1u64;
    loop {
        for step in [1, 2, 5] {
            let w = step * scale;
            if w >= target {
                return SimDuration(w);
            }
        }
        scale *= 10;
    }
}

/// The end of window `i`, in seconds: counts are plotted where their
/// window closes (windows start at the warmup; the last ends with the run).
fn at(series: &Timeseries, i: usize) -> f64 {
    (series.start_s + (i + 1) as f64 * series.window_s).min(series.end_s)
}

/// Counts per window as points per second, where each window closes.
fn per_second(series: &Timeseries, counts: &[u64]) -> Vec<(f64, f64)> {
    counts
        .iter()
        .enumerate()
        .map(|(i, &n)| (at(series, i), n as f64 / series.window_s))
        .collect()
}

/// Per second, per client: requests issued, tries sent (the signal of a
/// retry storm), and requests that succeeded, were degraded or failed.
fn throughput(series: &Timeseries) -> Vec<Line> {
    let rate = |v: &[u64]| per_second(series, v);
    client_lines(
        series,
        &[
            ("requests", &|c| rate(&c.requests)),
            ("attempts", &|c| rate(&c.attempts)),
            ("succeeded", &|c| rate(&c.succeeded)),
            ("degraded", &|c| rate(&c.degraded)),
            ("failed", &|c| rate(&c.failed)),
        ],
    )
}

/// A point function of a client's series, for [`client_lines`].
type Points<'a> = &'a dyn Fn(&ClientSeries) -> Vec<(f64, f64)>;

/// One line per client and per `(label, points)`, labelled `client label`.
fn client_lines(series: &Timeseries, parts: &[(&str, Points)]) -> Vec<Line> {
    series
        .clients
        .iter()
        .flat_map(|(name, c)| {
            parts.iter().map(move |(label, points)| Line {
                label: format!("{name} {label}"),
                points: points(c),
            })
        })
        .collect()
}

/// Succeeded over the requests that ended in each window, per client (a
/// degraded answer is not a success); windows where nothing ended have no
/// point.
fn success_rate(series: &Timeseries) -> Vec<Line> {
    series
        .clients
        .iter()
        .map(|(name, c)| Line {
            label: name.clone(),
            points: (0..c.succeeded.len())
                .filter_map(|i| {
                    let ended = c.succeeded[i] + c.degraded[i] + c.failed[i];
                    let rate = c.succeeded[i] as f64 / ended as f64;
                    (ended > 0).then(|| (at(series, i), rate))
                })
                .collect(),
        })
        .collect()
}

/// End-to-end p50 and p99 per window, per client.
fn latency(series: &Timeseries) -> Vec<Line> {
    let points = |v: &[f64]| -> Vec<(f64, f64)> {
        v.iter()
            .enumerate()
            .map(|(i, &ms)| (at(series, i), ms))
            .collect()
    };
    client_lines(
        series,
        &[
            ("p50", &|c| points(&c.p50_ms)),
            ("p99", &|c| points(&c.p99_ms)),
        ],
    )
}

/// One line per entry of `map`, its label the entry's name and its points
/// `value` of each window.
fn per_name<'a, T: 'a>(
    series: &Timeseries,
    map: impl IntoIterator<Item = (&'a String, &'a T)>,
    value: impl Fn(&T) -> Vec<f64>,
) -> Vec<Line> {
    map.into_iter()
        .map(|(name, x)| Line {
            label: name.clone(),
            points: value(x)
                .into_iter()
                .enumerate()
                .map(|(i, v)| (at(series, i), v))
                .collect(),
        })
        .collect()
}

/// Waiting requests at each window's end, per service.
fn queue(series: &Timeseries) -> Vec<Line> {
    per_name(series, &series.services, |s| {
        s.queue.iter().map(|&q| q as f64).collect()
    })
}

/// Average busy fraction per window, per service.
fn utilization(series: &Timeseries) -> Vec<Line> {
    per_name(series, &series.services, |s| s.utilization.clone())
}

/// Instances live and serving at each window's end, for each service
/// whose instances came and went (started, starting, stopped or crashed).
fn instances(series: &Timeseries) -> Vec<Line> {
    let changing = series.services.iter().filter(|(_, s)| {
        let first = s.instances.first();
        s.instances
            .iter()
            .chain(&s.serving)
            .any(|n| Some(n) != first)
    });
    let points = |counts: &[u32]| stepped(series, counts.iter().map(|&n| f64::from(n)));
    changing
        .flat_map(|(name, s)| {
            [
                Line {
                    label: name.clone(),
                    points: points(&s.instances),
                },
                Line {
                    label: format!("{name} serving"),
                    points: points(&s.serving),
                },
            ]
        })
        .collect()
}

/// Every deployment's steps, shaded behind the lines and named in the
/// legend.
struct Steps {
    /// Each step from when it was taken to the next, or to the rollback,
    /// or to the end of the run.
    spans: Vec<(f64, f64)>,
    /// `deploy: canary of api (3 steps)`, one entry per deployment.
    label: String,
}

/// The steps of every deployment of `report`.
fn deploy_steps(report: &sim_core::report::Report) -> Steps {
    let mut spans = Vec::new();
    let mut names = Vec::new();
    for (name, d) in &report.deploys {
        let last = d.rolled_back_at_s.unwrap_or(report.sim_time_s);
        let ends = d.steps_at_s.iter().skip(1).copied().chain([last]);
        spans.extend(d.steps_at_s.iter().copied().zip(ends));
        let rolled = if d.rolled_back_at_s.is_some() {
            ", rolled back"
        } else {
            ""
        };
        let plural = if d.steps_done == 1 { "" } else { "s" };
        names.push(format!(
            "{} of {} ({} step{plural}{rolled})",
            d.strategy,
            escape(name),
            d.steps_done
        ));
    }
    Steps {
        spans,
        label: format!("deploy: {}", names.join(", ")),
    }
}

/// Failures per second of the old and the new version of each deployment.
fn version_errors(series: &Timeseries) -> Vec<Line> {
    let rate = |v: &[u64]| per_second(series, v);
    series
        .deploys
        .iter()
        .flat_map(|(name, d)| {
            [
                Line {
                    label: format!("{name} old"),
                    points: rate(&d.old_failures),
                },
                Line {
                    label: format!("{name} new"),
                    points: rate(&d.new_failures),
                },
            ]
        })
        .collect()
}

/// Messages held at each window's end, per broker queue.
fn queue_depth(series: &Timeseries) -> Vec<Line> {
    per_name(series, &series.queues, |q| {
        q.depth.iter().map(|&d| d as f64).collect()
    })
}

/// Each cache's hit ratio per window; a window without lookups has no point.
fn hit_ratio(series: &Timeseries) -> Vec<Line> {
    series
        .caches
        .iter()
        .map(|(name, c)| Line {
            label: name.clone(),
            points: c
                .hit_ratio
                .iter()
                .enumerate()
                .filter_map(|(i, r)| r.map(|r| (at(series, i), r)))
                .collect(),
        })
        .collect()
}

/// Calls each cache sends to its backend per second: the load its misses
/// and refreshes put on the database.
fn fills(series: &Timeseries) -> Vec<Line> {
    per_name(series, &series.caches, |c| {
        c.fills
            .iter()
            .map(|&n| n as f64 / series.window_s)
            .collect()
    })
}

/// The oldest held message's age at each window's end, per broker queue.
fn queue_age(series: &Timeseries) -> Vec<Line> {
    per_name(series, &series.queues, |q| q.age_s.clone())
}

/// A value per window as a stepped line: flat over each window, so a
/// state or a count reads as what it was, not as a slope between windows.
fn stepped(series: &Timeseries, values: impl Iterator<Item = f64>) -> Vec<(f64, f64)> {
    let mut from = series.start_s;
    let mut points = Vec::new();
    for (i, v) in values.enumerate() {
        let to = at(series, i);
        points.extend([(from, v), (to, v)]);
        from = to;
    }
    points
}

/// Per saga, stepped over each window: runs started, completed,
/// compensated and found inconsistent in it, and in flight at its end.
fn sagas(series: &Timeseries) -> Vec<Line> {
    let steps = |v: &[u64]| stepped(series, v.iter().map(|&n| n as f64));
    series
        .sagas
        .iter()
        .flat_map(|(name, g)| {
            [
                ("started", &g.started),
                ("completed", &g.completed),
                ("compensated", &g.compensated),
                ("inconsistent", &g.inconsistent),
                ("in flight", &g.in_flight),
            ]
            .map(|(label, v)| Line {
                label: format!("{name} {label}"),
                points: steps(v),
            })
        })
        .collect()
}

/// The states a breaker chart's y axis names, by level.
const BREAKER_STATES: [&str; 3] = ["closed", "half-open", "open"];

/// Each breaker's state per window, stepped: 0 closed, 1 half-open, 2 open.
fn breakers(series: &Timeseries) -> Vec<Line> {
    series
        .breakers
        .iter()
        .map(|(name, b)| Line {
            label: name.clone(),
            points: stepped(
                series,
                b.state.iter().map(|s| match *s {
                    "open" => 2.0,
                    "half_open" => 1.0,
                    _ => 0.0,
                }),
            ),
        })
        .collect()
}

/// What frames a chart: its title, the run it shows (scenario and seed),
/// y unit and top, the run's length, and the fault windows and deployment
/// steps shaded behind the lines.
struct Frame<'a> {
    title: &'a str,
    run: &'a str,
    unit: &'a str,
    y_max: Option<f64>,
    end_s: f64,
    faults: &'a [FaultReport],
    /// Deployment steps, shaded in turn lighter and darker.
    steps: &'a Steps,
}

/// Draws `lines` as an SVG, x from 0 to the end of the run, y
/// from 0 to `y_max` (or a little above the largest value), deployment
/// steps and fault windows shaded and named in the legend.
fn draw(frame: &Frame, lines: &[Line]) -> anyhow::Result<String> {
    let Frame {
        title,
        run,
        unit,
        y_max,
        end_s,
        faults,
        steps,
    } = *frame;
    let largest = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .fold(0.0, f64::max);
    let top = y_max.unwrap_or(if largest > 0.0 { largest * 1.1 } else { 1.0 });
    let mut svg = String::new();
    let root = SVGBackend::with_string(&mut svg, chart::SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut c = ChartBuilder::on(&root)
        .caption(format!("{title} · {run}"), ("sans-serif", chart::TITLE))
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(100)
        .build_cartesian_2d(0.0..end_s.max(f64::MIN_POSITIVE), 0.0..top * 1.02)?;
    let states = |y: &f64| {
        let level = y.round() as usize;
        match BREAKER_STATES.get(level) {
            Some(name) if (y - level as f64).abs() < 1e-9 => name.to_string(),
            _ => String::new(),
        }
    };
    let mut mesh = c.configure_mesh();
    mesh.x_desc("simulated time (s)")
        .y_desc(unit)
        .label_style(("sans-serif", chart::TICKS))
        .axis_desc_style(("sans-serif", chart::AXES));
    if title == "Breaker state" {
        mesh.y_labels(BREAKER_STATES.len())
            .y_label_formatter(&states);
    }
    mesh.draw()?;
    if !steps.spans.is_empty() {
        let shade = |k: usize| BLUE.mix(if k.is_multiple_of(2) { 0.10 } else { 0.18 });
        c.draw_series(steps.spans.iter().enumerate().map(|(k, (from, to))| {
            Rectangle::new([(*from, 0.0), (*to, top * 1.02)], shade(k).filled())
        }))?
        .label(&steps.label)
        .legend(move |(x, y)| Rectangle::new([(x, y - 7), (x + 24, y + 7)], shade(1).filled()));
    }
    if !faults.is_empty() {
        let shade = RED.mix(0.15);
        let kinds: Vec<String> = faults
            .iter()
            .map(|f| format!("{} on {}", f.kind, escape(&f.target)))
            .collect();
        let mut label = kinds[..kinds.len().min(3)].join(", ");
        if kinds.len() > 3 {
            label.push_str(&format!(" and {} more", kinds.len() - 3));
        }
        c.draw_series(faults.iter().map(|f| {
            let until = f.until_s.unwrap_or(end_s);
            Rectangle::new([(f.at_s, 0.0), (until, top * 1.02)], shade.filled())
        }))?
        .label(format!("fault: {label}"))
        .legend(move |(x, y)| Rectangle::new([(x, y - 7), (x + 24, y + 7)], shade.filled()));
    }
    for (i, line) in lines.iter().enumerate() {
        let color = chart::colour(i);
        c.draw_series(LineSeries::new(
            line.points.iter().copied(),
            color.stroke_width(3),
        ))?
        .label(&line.label)
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], color.stroke_width(3)));
    }
    if !lines.is_empty() || !faults.is_empty() || !steps.spans.is_empty() {
        c.configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font(("sans-serif", chart::LEGEND))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    drop(c);
    drop(root);
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_round_and_about_a_hundredth() {
        assert_eq!(
            nice_window(SimDuration::from_secs(120)),
            SimDuration::from_secs(2)
        );
        assert_eq!(
            nice_window(SimDuration::from_secs(10)),
            SimDuration::from_millis(100)
        );
        assert_eq!(
            nice_window(SimDuration::from_secs(30)),
            SimDuration::from_millis(500)
        );
        assert_eq!(nice_window(SimDuration(1)), SimDuration(1));
    }
}
