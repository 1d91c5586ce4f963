//! Bounded boxes of f64 values: the observation and action spaces of every env.

/// A bounded box of f64 values (Gymnasium `Box`).
///
/// A point `x` lies in the box when `low[i] <= x[i] <= high[i]` for every component (so a NaN
/// component never does). Bounds may be infinite.
#[derive(Clone, Debug, PartialEq)]
pub struct BoxSpace {
    /// Lower bound of each component.
    pub low: Vec<f64>,
    /// Upper bound of each component.
    pub high: Vec<f64>,
}

impl BoxSpace {
    /// A box with the given bounds.
    ///
    /// # Panics
    /// If `low` and `high` differ in length, or if some `low[i] > high[i]` or is NaN.
    pub fn new(low: Vec<f64>, high: Vec<f64>) -> Self {
        assert_eq!(
            low.len(),
            high.len(),
            "BoxSpace: low has {} components, high has {}",
            low.len(),
            high.len()
        );
        for (i, (l, h)) in low.iter().zip(&high).enumerate() {
            assert!(
                l <= h,
                "BoxSpace: component {i} has low {l} > high {h} (or a NaN bound)"
            );
        }
        Self { low, high }
    }

    /// The box `[low, high]^dim`.
    ///
    /// # Panics
    /// If `low > high` or a bound is NaN.
    pub fn uniform(dim: usize, low: f64, high: f64) -> Self {
        Self::new(vec![low; dim], vec![high; dim])
    }

    /// Number of components.
    pub fn dim(&self) -> usize {
        self.low.len()
    }

    /// Whether `x` has `dim()` components, each within its bounds (NaN is never contained).
    pub fn contains(&self, x: &[f64]) -> bool {
        x.len() == self.dim()
            && x.iter()
                .zip(self.low.iter().zip(&self.high))
                .all(|(v, (l, h))| l <= v && v <= h)
    }

    /// `x` with each component clamped to its bounds (infinities go to the bounds; NaN stays NaN).
    ///
    /// # Panics
    /// If `x.len() != dim()`.
    pub fn clip(&self, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.dim()];
        self.clip_into(x, &mut out);
        out
    }

    /// Writes `x` clamped to the box into `out`, without allocating (same rules as [`Self::clip`]).
    ///
    /// # Panics
    /// If `x.len()` or `out.len()` differs from `dim()`.
    pub fn clip_into(&self, x: &[f64], out: &mut [f64]) {
        assert_eq!(
            x.len(),
            self.dim(),
            "BoxSpace::clip_into: input has wrong dimension"
        );
        assert_eq!(
            out.len(),
            self.dim(),
            "BoxSpace::clip_into: output has wrong dimension"
        );
        for (((o, v), l), h) in out.iter_mut().zip(x).zip(&self.low).zip(&self.high) {
            *o = v.clamp(*l, *h);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_accepts_bounds_and_rejects_outside_nan_and_wrong_length() {
        let space = BoxSpace::new(vec![-1.0, 0.0], vec![1.0, 2.0]);
        assert_eq!(space.dim(), 2);
        assert!(space.contains(&[-1.0, 2.0]));
        assert!(space.contains(&[0.5, 1.0]));
        assert!(!space.contains(&[1.5, 1.0]));
        assert!(!space.contains(&[0.0, f64::NAN]));
        assert!(!space.contains(&[0.0]));
    }

    #[test]
    fn clip_clamps_each_component_including_infinities() {
        let space = BoxSpace::uniform(3, -0.1, 0.1);
        assert_eq!(
            space.clip(&[5.0, -f64::INFINITY, 0.05]),
            vec![0.1, -0.1, 0.05]
        );
        let mut out = [0.0; 3];
        space.clip_into(&[-1e300, f64::INFINITY, -0.0], &mut out);
        assert_eq!(out, [-0.1, 0.1, 0.0]);
    }

    #[test]
    #[should_panic(expected = "low 1 > high 0")]
    fn new_rejects_inverted_bounds() {
        BoxSpace::new(vec![1.0], vec![0.0]);
    }
}
