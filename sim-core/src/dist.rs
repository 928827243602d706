//! Distributions of durations: service times, latencies, think times.
//!
//! dsim samples every distribution itself and computes every transcendental
//! function with `libm`, because `f64::ln`, `exp` and `powf` from std may give
//! different last bits natively and in WebAssembly; `libm` is the same Rust
//! code on both, so a seed gives the same durations everywhere.

use crate::limits;
use crate::rng::Stream;
use crate::text::quote;
use crate::time::{parse_duration, SimDuration};
use std::fmt;

/// The standard normal quantile at 0.99, to fit a lognormal from p50 and p99.
const Z99: f64 = 2.326_347_874_040_841;

/// A distribution of non-negative durations. Parameters are in nanoseconds.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Always this duration.
    Constant(SimDuration),
    /// Exponential with this mean.
    Exp { mean: f64 },
    /// Uniform between two bounds.
    Uniform { low: f64, high: f64 },
    /// Normal, truncated at zero (negative draws become zero).
    Normal { mean: f64, sd: f64 },
    /// Lognormal with the median `exp(mu)` and log-scale spread `sigma`.
    LogNormal { mu: f64, sigma: f64 },
    /// Pareto (type I): at least `scale`, tail index `shape`.
    Pareto { scale: f64, shape: f64 },
    /// A weighted mixture; weights are normalised to sum to one.
    Mix(Vec<(f64, Dist)>),
}

impl Dist {
    /// Draws one duration.
    pub fn sample(&self, rng: &mut Stream) -> SimDuration {
        let ns = match self {
            Dist::Constant(d) => return *d,
            Dist::Exp { mean } => -mean * libm::log(rng.unit_open()),
            Dist::Uniform { low, high } => low + (high - low) * rng.unit(),
            Dist::Normal { mean, sd } => mean + sd * standard_normal(rng),
            Dist::LogNormal { mu, sigma } => libm::exp(mu + sigma * standard_normal(rng)),
            Dist::Pareto { scale, shape } => scale * libm::pow(rng.unit_open(), -1.0 / shape),
            Dist::Mix(parts) => {
                let mut u = rng.unit();
                for (weight, dist) in parts {
                    if u < *weight {
                        return dist.sample(rng);
                    }
                    u -= weight;
                }
                return parts
                    .last()
                    .map_or(SimDuration::ZERO, |(_, d)| d.sample(rng));
            }
        };
        to_duration(ns)
    }

    /// The mean, in nanoseconds (infinite for a Pareto with shape <= 1).
    pub fn mean_ns(&self) -> f64 {
        match self {
            Dist::Constant(d) => d.0 as f64,
            Dist::Exp { mean } => *mean,
            Dist::Uniform { low, high } => (low + high) / 2.0,
            Dist::Normal { mean, .. } => *mean,
            Dist::LogNormal { mu, sigma } => libm::exp(mu + sigma * sigma / 2.0),
            Dist::Pareto { scale, shape } if *shape > 1.0 => shape * scale / (shape - 1.0),
            Dist::Pareto { .. } => f64::INFINITY,
            Dist::Mix(parts) => parts.iter().map(|(w, d)| w * d.mean_ns()).sum(),
        }
    }

    /// The same distribution with every duration multiplied by `factor`.
    pub fn scaled(&self, factor: f64) -> Dist {
        match self {
            Dist::Constant(d) => Dist::Constant(to_duration(d.0 as f64 * factor)),
            Dist::Exp { mean } => Dist::Exp {
                mean: mean * factor,
            },
            Dist::Uniform { low, high } => Dist::Uniform {
                low: low * factor,
                high: high * factor,
            },
            Dist::Normal { mean, sd } => Dist::Normal {
                mean: mean * factor,
                sd: sd * factor,
            },
            Dist::LogNormal { mu, sigma } => Dist::LogNormal {
                mu: mu + libm::log(factor),
                sigma: *sigma,
            },
            Dist::Pareto { scale, shape } => Dist::Pareto {
                scale: scale * factor,
                shape: *shape,
            },
            Dist::Mix(parts) => {
                Dist::Mix(parts.iter().map(|(w, d)| (*w, d.scaled(factor))).collect())
            }
        }
    }
}

/// Rounds a non-negative float of nanoseconds to a duration (NaN and
/// negatives become zero, overflow saturates).
fn to_duration(ns: f64) -> SimDuration {
    if ns.is_nan() || ns <= 0.0 {
        SimDuration::ZERO
    } else if ns >= u64::MAX as f64 {
        SimDuration(u64::MAX)
    } else {
        SimDuration(libm::round(ns) as u64)
    }
}

/// One standard normal draw (Box–Muller, cosine branch), with libm.
fn standard_normal(rng: &mut Stream) -> f64 {
    let r = libm::sqrt(-2.0 * libm::log(rng.unit_open()));
    r * libm::cos(2.0 * std::f64::consts::PI * rng.unit())
}

/// Parses the distribution syntax of the scenario format.
///
/// `"5ms"` · `"exp(5ms)"` · `"uniform(1ms, 9ms)"` · `"normal(10ms, 2ms)"` ·
/// `"lognormal(p50=2ms, p99=40ms)"` · `"pareto(scale=1ms, shape=1.5)"` ·
/// `"mix(0.95: exp(2ms), 0.05: 200ms)"`. Parentheses may nest at most
/// [`limits::MAX_DIST_DEPTH`] deep: the parser recurses once per level.
pub fn parse_dist(text: &str) -> Result<Dist, String> {
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ => continue,
        }
        if depth > limits::MAX_DIST_DEPTH {
            return Err(format!(
                "`{}` nests parentheses more than {} deep, above the limit of {}",
                quote(text),
                limits::MAX_DIST_DEPTH,
                limits::MAX_DIST_DEPTH
            ));
        }
    }
    parse(text)
}

/// [`parse_dist`] of a text whose nesting is known to be within the limit.
fn parse(text: &str) -> Result<Dist, String> {
    let s = text.trim();
    let shown = quote(text);
    let Some(open) = s.find('(') else {
        return parse_duration(s).map(Dist::Constant).map_err(|e| {
            format!("{e}; a distribution is a duration like \"5ms\" or a form like \"exp(5ms)\"")
        });
    };
    if !s.ends_with(')') {
        return Err(format!("`{shown}` is missing its closing `)`"));
    }
    let name = s[..open].trim();
    let args = split_top_level(&s[open + 1..s.len() - 1]);
    let want = |n: usize, form: &str| -> Result<(), String> {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!(
                "`{}` takes {n} argument(s): {form}; got `{shown}`",
                quote(name)
            ))
        }
    };
    let dur = |arg: &str| -> Result<f64, String> { Ok(parse_duration(arg)?.0 as f64) };
    match name {
        "exp" => {
            want(1, "exp(MEAN)")?;
            Ok(Dist::Exp { mean: dur(args[0])? })
        }
        "uniform" => {
            want(2, "uniform(LOW, HIGH)")?;
            let (low, high) = (dur(args[0])?, dur(args[1])?);
            if low > high {
                return Err(format!("uniform's low bound is above its high bound in `{shown}`"));
            }
            Ok(Dist::Uniform { low, high })
        }
        "normal" => {
            want(2, "normal(MEAN, SD)")?;
            Ok(Dist::Normal { mean: dur(args[0])?, sd: dur(args[1])? })
        }
        "lognormal" => {
            want(2, "lognormal(p50=DURATION, p99=DURATION)")?;
            let p50 = dur(named(args[0], "p50", &shown)?)?;
            let p99 = dur(named(args[1], "p99", &shown)?)?;
            if p50 <= 0.0 || p99 < p50 {
                return Err(format!("lognormal needs 0 < p50 <= p99, got `{shown}`"));
            }
            let mu = libm::log(p50);
            Ok(Dist::LogNormal { mu, sigma: (libm::log(p99) - mu) / Z99 })
        }
        "pareto" => {
            want(2, "pareto(scale=DURATION, shape=NUMBER)")?;
            let scale = dur(named(args[0], "scale", &shown)?)?;
            let shape = number(named(args[1], "shape", &shown)?, &shown)?;
            if shape <= 0.0 {
                return Err(format!("pareto's shape must be above 0, got `{shown}`"));
            }
            Ok(Dist::Pareto { scale, shape })
        }
        "mix" => parse_mix(&args, &shown),
        other => Err(format!(
            "unknown distribution `{}` in `{shown}`: expected exp, uniform, normal, lognormal, pareto or mix{}",
            quote(other),
            crate::suggest::did_you_mean(other, &["exp", "uniform", "normal", "lognormal", "pareto", "mix"])
        )),
    }
}

fn parse_mix(args: &[&str], text: &str) -> Result<Dist, String> {
    let mut parts = Vec::new();
    for arg in args {
        let (weight, inner) = arg.split_once(':').ok_or_else(|| {
            format!(
                "each part of mix(...) is `WEIGHT: DISTRIBUTION`, got `{}` in `{text}`",
                quote(arg)
            )
        })?;
        let weight = number(weight, text)?;
        if weight <= 0.0 {
            return Err(format!("mix weights must be above 0, got `{}`", quote(arg)));
        }
        parts.push((weight, parse(inner)?));
    }
    let total: f64 = parts.iter().map(|(w, _)| w).sum();
    if parts.is_empty() {
        return Err(format!("mix(...) needs at least one part in `{text}`"));
    }
    Ok(Dist::Mix(
        parts.into_iter().map(|(w, d)| (w / total, d)).collect(),
    ))
}

/// Splits on commas that are not inside parentheses.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = s[start..].trim();
    if !last.is_empty() || !parts.is_empty() {
        parts.push(last);
    }
    parts
}

/// Takes `key=value` and returns the value, or an error naming the key.
fn named<'a>(arg: &'a str, key: &str, text: &str) -> Result<&'a str, String> {
    match arg.split_once('=') {
        Some((k, v)) if k.trim() == key => Ok(v.trim()),
        _ => Err(format!(
            "expected `{key}=...` in `{text}`, got `{}`",
            quote(arg)
        )),
    }
}

fn number(s: &str, text: &str) -> Result<f64, String> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("`{}` is not a number in `{text}`", quote(s.trim())))
}

impl fmt::Display for Dist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = |ns: f64| SimDuration(libm::round(ns) as u64);
        match self {
            Dist::Constant(c) => write!(f, "{c}"),
            Dist::Exp { mean } => write!(f, "exp({})", d(*mean)),
            Dist::Uniform { low, high } => write!(f, "uniform({}, {})", d(*low), d(*high)),
            Dist::Normal { mean, sd } => write!(f, "normal({}, {})", d(*mean), d(*sd)),
            Dist::LogNormal { mu, sigma } => write!(
                f,
                "lognormal(p50={}, p99={})",
                d(libm::exp(*mu)),
                d(libm::exp(mu + sigma * Z99))
            ),
            Dist::Pareto { scale, shape } => {
                write!(f, "pareto(scale={}, shape={shape})", d(*scale))
            }
            Dist::Mix(parts) => {
                write!(f, "mix(")?;
                for (i, (w, dist)) in parts.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{w}: {dist}")?;
                }
                write!(f, ")")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_of(d: &Dist, n: usize) -> f64 {
        let mut rng = Stream::fork(9, "dist-test");
        (0..n).map(|_| d.sample(&mut rng).0 as f64).sum::<f64>() / n as f64
    }

    #[test]
    fn parses_every_form() {
        assert_eq!(
            parse_dist("5ms"),
            Ok(Dist::Constant(SimDuration::from_millis(5)))
        );
        assert_eq!(parse_dist("exp(5ms)"), Ok(Dist::Exp { mean: 5e6 }));
        assert_eq!(
            parse_dist("uniform(1ms, 9ms)"),
            Ok(Dist::Uniform {
                low: 1e6,
                high: 9e6
            })
        );
        assert_eq!(
            parse_dist("normal(10ms, 2ms)"),
            Ok(Dist::Normal { mean: 1e7, sd: 2e6 })
        );
        assert_eq!(
            parse_dist("pareto(scale=1ms, shape=1.5)"),
            Ok(Dist::Pareto {
                scale: 1e6,
                shape: 1.5
            })
        );
        let Ok(Dist::LogNormal { mu, sigma }) = parse_dist("lognormal(p50=2ms, p99=40ms)") else {
            panic!("lognormal did not parse")
        };
        assert!((libm::exp(mu) - 2e6).abs() < 1e-3);
        assert!((libm::exp(mu + sigma * Z99) - 4e7).abs() < 1e-2);
        let Ok(Dist::Mix(parts)) = parse_dist("mix(0.95: exp(2ms), 0.05: 200ms)") else {
            panic!("mix did not parse")
        };
        assert_eq!(parts.len(), 2);
        assert_eq!(
            parts[1],
            (0.05, Dist::Constant(SimDuration::from_millis(200)))
        );
    }

    #[test]
    fn rejects_malformed_distributions() {
        assert!(parse_dist("exp(5ms").unwrap_err().contains("closing"));
        assert!(parse_dist("expo(5ms)")
            .unwrap_err()
            .contains("did you mean `exp`"));
        assert!(parse_dist("exp(5)").unwrap_err().contains("unit"));
        assert!(parse_dist("uniform(9ms, 1ms)").is_err());
        assert!(parse_dist("uniform(1ms)")
            .unwrap_err()
            .contains("2 argument"));
        assert!(parse_dist("lognormal(p50=2ms)").is_err());
        assert!(parse_dist("mix(0.5 exp(1ms))").is_err());
        assert!(parse_dist("pareto(scale=1ms, shape=-1)").is_err());
    }

    #[test]
    fn sample_means_match_theory() {
        // 200k draws: the standard error of an exponential mean is mean/sqrt(n) ~ 0.22%,
        // so 1.5% is over six standard errors.
        let n = 200_000;
        for (text, mean) in [
            ("exp(5ms)", 5e6),
            ("uniform(1ms, 9ms)", 5e6),
            ("normal(10ms, 2ms)", 1e7),
            ("mix(0.5: 2ms, 0.5: 4ms)", 3e6),
        ] {
            let d = parse_dist(text).unwrap();
            let got = mean_of(&d, n);
            assert!(
                (got / mean - 1.0).abs() < 0.015,
                "{text}: mean {got}, expected {mean}"
            );
            assert!((d.mean_ns() / mean - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn lognormal_median_matches_p50() {
        let d = parse_dist("lognormal(p50=2ms, p99=40ms)").unwrap();
        let mut rng = Stream::fork(3, "ln");
        let mut xs: Vec<u64> = (0..100_001).map(|_| d.sample(&mut rng).0).collect();
        xs.sort_unstable();
        let median = xs[50_000] as f64;
        assert!((median / 2e6 - 1.0).abs() < 0.03, "median {median}");
        let p99 = xs[99_000] as f64;
        assert!((p99 / 4e7 - 1.0).abs() < 0.08, "p99 {p99}");
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "5ms",
            "exp(5ms)",
            "uniform(1ms, 9ms)",
            "normal(10ms, 2ms)",
            "pareto(scale=1ms, shape=1.5)",
        ] {
            assert_eq!(parse_dist(text).unwrap().to_string(), text);
        }
    }
}
