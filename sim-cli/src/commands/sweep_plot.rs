//! `dsim plot --sweep grid.csv --x PARAM --y FIGURE`: curves of a sweep.
//! For each combination of the other parameters, one curve of the figure's
//! mean over the seeds against PARAM, in a band of its 95% confidence
//! interval: goodput against offered load with and without retries, p99
//! against the hedge delay, the fraction of seeds that recover.

use super::{print, Outcome};
use crate::chart;
use crate::stats::Estimate;
use anyhow::{bail, Context};
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

/// A sweep's rows: its parameter columns (those before `seed`) and, per
/// row, every cell.
struct Sweep {
    header: Vec<String>,
    params: usize,
    rows: Vec<Vec<String>>,
}

/// One curve: its label and, per x, the estimate of the figure.
struct Curve {
    label: String,
    points: Vec<(f64, Estimate)>,
}

/// Reads `csv`, draws the curves of `y` against `x` into `out` (as a PNG
/// when `png`).
pub fn plot(csv: &Path, x: &str, y: &str, out: &Path, png: bool) -> anyhow::Result<Outcome> {
    let sweep = read(csv)?;
    let column = |name: &str, what: &str| -> anyhow::Result<usize> {
        sweep
            .header
            .iter()
            .position(|h| h == name)
            .with_context(|| {
                format!(
                    "{what} `{name}` is not a column of `{}`{}\n  columns: {}",
                    csv.display(),
                    sim_core::suggest::did_you_mean(
                        name,
                        &sweep.header.iter().map(String::as_str).collect::<Vec<_>>()
                    ),
                    sweep.header.join(", ")
                )
            })
    };
    let (xi, yi) = (column(x, "--x")?, column(y, "--y")?);
    if xi >= sweep.params {
        bail!(
            "--x `{x}` is a figure, not a parameter: the parameters of `{}` are {}",
            csv.display(),
            sweep.header[..sweep.params].join(", ")
        );
    }
    let curves = curves(&sweep, xi, yi)?;
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create directory `{}`", out.display()))?;
    let svg = draw(x, y, &curves)?;
    let path = chart::save(out, &format!("sweep-{}", file_part(y)), &svg, png)?;
    print(&format!("wrote {}\n", path.display()))?;
    Ok(Outcome::Ok)
}

/// `client.users.p99_ms` as a file name's part: letters, digits, `_`, `-`, `.`.
fn file_part(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || "_-.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn read(path: &Path) -> anyhow::Result<Sweep> {
    let mut reader = csv::Reader::from_path(path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("`{}` has no header", path.display()))?
        .iter()
        .map(String::from)
        .collect();
    let Some(params) = header.iter().position(|h| h == "seed") else {
        bail!(
            "`{}` is not a sweep's CSV: it has no `seed` column",
            path.display()
        );
    };
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record =
            record.with_context(|| format!("`{}`: row {} is not CSV", path.display(), i + 2))?;
        rows.push(record.iter().map(String::from).collect());
    }
    Ok(Sweep {
        header,
        params,
        rows,
    })
}

/// The curves: rows grouped by the other parameters' values (in the order
/// they first appear), then by x; x must be a number.
fn curves(sweep: &Sweep, xi: usize, yi: usize) -> anyhow::Result<Vec<Curve>> {
    let mut labels: Vec<String> = Vec::new();
    let mut groups: BTreeMap<usize, BTreeMap<u64, (f64, Vec<f64>)>> = BTreeMap::new();
    for (r, row) in sweep.rows.iter().enumerate() {
        let label: Vec<String> = (0..sweep.params)
            .filter(|&i| i != xi)
            .map(|i| format!("{}={}", sweep.header[i], row[i]))
            .collect();
        let label = label.join(" ");
        let g = labels.iter().position(|l| *l == label).unwrap_or_else(|| {
            labels.push(label);
            labels.len() - 1
        });
        let x: f64 = row[xi].parse().map_err(|_| {
            anyhow::anyhow!(
                "row {}: `{}` = `{}` is not a number to plot along x",
                r + 2,
                sweep.header[xi],
                row[xi]
            )
        })?;
        // `passed` plots as the fraction of seeds that passed; an empty
        // cell is a run a budget stopped, which has no figure.
        let y = match row[yi].as_str() {
            "true" => 1.0,
            "false" => 0.0,
            cell => match cell.parse::<f64>() {
                Ok(y) => y,
                Err(_) if cell.is_empty() => continue,
                Err(_) => bail!(
                    "row {}: `{}` = `{cell}` is not a number",
                    r + 2,
                    sweep.header[yi]
                ),
            },
        };
        let at = groups
            .entry(g)
            .or_default()
            .entry(x.to_bits())
            .or_insert((x, Vec::new()));
        at.1.push(y);
    }
    Ok(labels
        .into_iter()
        .enumerate()
        .map(|(g, label)| {
            let mut points: Vec<(f64, Estimate)> = groups
                .remove(&g)
                .unwrap_or_default()
                .into_values()
                .map(|(x, ys)| (x, Estimate::of(&ys)))
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            Curve { label, points }
        })
        .collect())
}

/// Draws the curves and their bands.
fn draw(x: &str, y: &str, curves: &[Curve]) -> anyhow::Result<String> {
    let xs = curves.iter().flat_map(|c| c.points.iter().map(|p| p.0));
    let (x0, x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    let highs = curves.iter().flat_map(|c| {
        c.points
            .iter()
            .map(|(_, e)| e.mean + e.half_width.unwrap_or(0.0))
    });
    let top = highs.fold(0.0f64, f64::max).max(f64::MIN_POSITIVE) * 1.08;
    let (x0, x1) = if x0 < x1 {
        (x0, x1)
    } else {
        (x0 - 1.0, x0 + 1.0)
    };
    let what = if y == "passed" {
        "passed (the fraction of seeds)"
    } else {
        y
    };
    let mut svg = String::new();
    let root = SVGBackend::with_string(&mut svg, chart::SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{y} against {x} (mean over seeds, 95% interval)"),
            ("sans-serif", chart::TITLE),
        )
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(90)
        .build_cartesian_2d(x0..x1, 0.0..top)?;
    chart
        .configure_mesh()
        .x_desc(x)
        .y_desc(what)
        .label_style(("sans-serif", chart::TICKS))
        .axis_desc_style(("sans-serif", chart::AXES))
        .draw()?;
    for (i, c) in curves.iter().enumerate() {
        let color = chart::colour(i);
        let band: Vec<(f64, f64)> = c
            .points
            .iter()
            .map(|(x, e)| (*x, e.mean + e.half_width.unwrap_or(0.0)))
            .chain(
                c.points
                    .iter()
                    .rev()
                    .map(|(x, e)| (*x, (e.mean - e.half_width.unwrap_or(0.0)).max(0.0))),
            )
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(
            band,
            color.mix(0.18).filled(),
        )))?;
        let label = if c.label.is_empty() {
            y.to_string()
        } else {
            c.label.clone()
        };
        chart
            .draw_series(LineSeries::new(
                c.points.iter().map(|(x, e)| (*x, e.mean)),
                color.stroke_width(3),
            ))?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], color.stroke_width(3)));
        chart.draw_series(
            c.points
                .iter()
                .map(|(x, e)| Circle::new((*x, e.mean), 4, color.filled())),
        )?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::MiddleRight)
        .label_font(("sans-serif", chart::LEGEND))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    drop(chart);
    drop(root);
    Ok(svg)
}
