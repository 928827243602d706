//! Means and 95% confidence intervals over seeds, for `dsim sweep
//! --summary`, `dsim compare` and `dsim plot --sweep`.
//!
//! Runs with different seeds are independent draws of a figure, so the
//! interval is the Student t one: mean ± t(0.975, n − 1) · s / √n, with s
//! the sample standard deviation. It needs two runs at least.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// The mean of some runs' values of one figure and its 95% interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    /// Half the width of the 95% confidence interval; `None` with fewer
    /// than two values.
    pub half_width: Option<f64>,
    pub n: usize,
}

impl Estimate {
    /// The estimate from `values` (empty: a mean of NaN over no runs).
    pub fn of(values: &[f64]) -> Estimate {
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n as f64;
        let half_width = (n >= 2).then(|| {
            let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            t975(n - 1) * (var / n as f64).sqrt()
        });
        Estimate {
            mean,
            half_width,
            n,
        }
    }

    /// Whether the interval excludes zero: a difference that the seeds
    /// cannot explain.
    pub fn excludes_zero(&self) -> bool {
        self.half_width.is_some_and(|h| self.mean.abs() > h)
    }
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
fn t975(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64).map_or(f64::NAN, |t| t.inverse_cdf(0.975))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_t_quantiles_are_the_tabulated_ones() {
        // Tables of Student's t, two-sided 95%.
        for (df, t) in [(1, 12.706), (4, 2.776), (9, 2.262), (29, 2.045)] {
            assert!((t975(df) - t).abs() < 1e-3, "df {df}: {}", t975(df));
        }
    }

    #[test]
    fn an_interval_is_t_times_the_standard_error() {
        let e = Estimate::of(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!((e.mean, e.n), (3.0, 5));
        // s = sqrt(2.5), s / sqrt(5) = sqrt(0.5), t(4) = 2.776.
        let h = e.half_width.unwrap();
        assert!((h - 2.776 * 0.5f64.sqrt()).abs() < 1e-3, "{h}");
        assert!(e.excludes_zero());
        assert_eq!(Estimate::of(&[7.0]).half_width, None);
        assert!(!Estimate::of(&[-1.0, 1.0]).excludes_zero());
    }
}
