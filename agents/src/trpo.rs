//! Trust-region policy optimization on flat parameter vectors (Schulman et al. 2015): conjugate
//! gradient on a metric-vector product, the step scaled to the KL radius, and a backtracking line
//! search on the closed-form KL (not its quadratic model). MAML-TRPO and the TRPO-trained baselines share it.

use serde::{Deserialize, Serialize};

/// TRPO settings (`[trpo]` in the config). Defaults are the MAML paper's (pytorch-maml-rl).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrpoConfig {
    /// Trust-region radius: the largest mean KL(pi_old || pi_new) a step may take.
    pub max_kl: f64,
    /// Conjugate-gradient iterations for solving (M + damping I) x = g.
    pub cg_iterations: usize,
    /// Damping added to the metric (Tikhonov), keeps CG well posed.
    pub cg_damping: f64,
    /// Factor by which the line search shrinks the step each time it is rejected.
    pub backtrack_ratio: f64,
    /// Line-search steps tried before the update is abandoned (theta kept).
    pub line_search_steps: usize,
}

impl Default for TrpoConfig {
    fn default() -> Self {
        TrpoConfig {
            max_kl: 0.01,
            cg_iterations: 10,
            cg_damping: 1e-5,
            backtrack_ratio: 0.8,
            line_search_steps: 15,
        }
    }
}

impl TrpoConfig {
    /// Checks every value is in range; the error names the key.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.max_kl > 0.0 && self.max_kl.is_finite()) {
            return Err(format!("trpo.max_kl must be > 0 (got {})", self.max_kl));
        }
        if self.cg_iterations == 0 {
            return Err("trpo.cg_iterations must be >= 1".into());
        }
        if !(self.cg_damping >= 0.0 && self.cg_damping.is_finite()) {
            return Err(format!(
                "trpo.cg_damping must be >= 0 (got {})",
                self.cg_damping
            ));
        }
        if !(self.backtrack_ratio > 0.0 && self.backtrack_ratio < 1.0) {
            return Err(format!(
                "trpo.backtrack_ratio must be in (0, 1) (got {})",
                self.backtrack_ratio
            ));
        }
        if self.line_search_steps == 0 {
            return Err("trpo.line_search_steps must be >= 1".into());
        }
        Ok(())
    }
}

/// Dot product.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The result of a conjugate-gradient solve.
#[derive(Clone, Debug, PartialEq)]
pub struct CgSolution {
    /// The approximate solution x of A x = b.
    pub x: Vec<f64>,
    /// x·A x, from the solver's own residual: x·(b − r) (saves one product).
    pub x_ax: f64,
}

/// Solves `A x = b` for symmetric positive-definite `A` given as a product `a(v) = A v`, with at
/// most `iterations` conjugate-gradient steps from x = 0 (stops early once |r|^2 < 1e-10).
pub fn conjugate_gradient(
    mut a: impl FnMut(&[f64]) -> Vec<f64>,
    b: &[f64],
    iterations: usize,
) -> CgSolution {
    let mut x = vec![0.0; b.len()];
    let mut r = b.to_vec();
    let mut p = b.to_vec();
    let mut rr = dot(&r, &r);
    for _ in 0..iterations {
        if rr < 1e-10 {
            break;
        }
        let ap = a(&p);
        let alpha = rr / dot(&p, &ap);
        for i in 0..x.len() {
            x[i] += alpha * p[i];
            r[i] -= alpha * ap[i];
        }
        let rr_new = dot(&r, &r);
        let beta = rr_new / rr;
        for i in 0..p.len() {
            p[i] = r[i] + beta * p[i];
        }
        rr = rr_new;
    }
    let x_ax = dot(&x, b) - dot(&x, &r);
    CgSolution { x, x_ax }
}

/// The value of the objective and the closed-form mean KL at one candidate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candidate {
    /// Surrogate loss (lower is better).
    pub surrogate: f64,
    /// Mean KL(pi_old || pi_candidate).
    pub kl: f64,
}

/// Outcome of one TRPO update.
#[derive(Clone, Debug, PartialEq)]
pub struct TrpoStep {
    /// The new parameters (the old ones if no step was accepted).
    pub theta: Vec<f64>,
    /// Whether a step was accepted.
    pub accepted: bool,
    /// Line-search steps evaluated (1 = the full step).
    pub line_search_steps: usize,
    /// Surrogate at the returned parameters.
    pub surrogate: f64,
    /// KL at the returned parameters (0 if none accepted).
    pub kl: f64,
    /// Norm of the gradient.
    pub gradient_norm: f64,
    /// A non-finite value (gradient, CG direction or quadratic form) stopped the update.
    pub non_finite: bool,
}

/// One TRPO update of `theta` minimizing a surrogate with gradient `gradient` at `theta`, where
/// `surrogate_before` is its value there. `metric(v)` is the KL Hessian times v (without damping);
/// `evaluate(theta')` gives the surrogate and the closed-form KL of a candidate. The step
/// x = CG(M + damping I, g) is scaled to sqrt(2 max_kl / x.Mx) and shrunk by `backtrack_ratio`
/// until the surrogate improves and KL <= max_kl; otherwise theta is kept. Non-finite candidates
/// are never accepted.
pub fn trpo_step(
    config: &TrpoConfig,
    theta: &[f64],
    gradient: &[f64],
    surrogate_before: f64,
    mut metric: impl FnMut(&[f64]) -> Vec<f64>,
    mut evaluate: impl FnMut(&[f64]) -> Candidate,
) -> TrpoStep {
    let gradient_norm = dot(gradient, gradient).sqrt();
    let kept = |steps, non_finite| TrpoStep {
        theta: theta.to_vec(),
        accepted: false,
        line_search_steps: steps,
        surrogate: surrogate_before,
        kl: 0.0,
        gradient_norm,
        non_finite,
    };
    if !gradient_norm.is_finite() || !surrogate_before.is_finite() {
        return kept(0, true);
    }
    let damped = |v: &[f64]| {
        let mut mv = metric(v);
        for (m, x) in mv.iter_mut().zip(v) {
            *m += config.cg_damping * x;
        }
        mv
    };
    let CgSolution {
        x: direction,
        x_ax: shs,
    } = conjugate_gradient(damped, gradient, config.cg_iterations);
    let finite = shs > 0.0 && shs.is_finite() && direction.iter().all(|x| x.is_finite());
    if !finite {
        return kept(0, true);
    }
    let scale = (2.0 * config.max_kl / shs).sqrt();
    let mut fraction = 1.0;
    for step in 1..=config.line_search_steps {
        let candidate: Vec<f64> = theta
            .iter()
            .zip(&direction)
            .map(|(t, d)| t - fraction * scale * d)
            .collect();
        let c = evaluate(&candidate);
        if c.surrogate.is_finite()
            && c.kl.is_finite()
            && c.surrogate < surrogate_before
            && c.kl <= config.max_kl
        {
            return TrpoStep {
                theta: candidate,
                accepted: true,
                line_search_steps: step,
                surrogate: c.surrogate,
                kl: c.kl,
                gradient_norm,
                non_finite: false,
            };
        }
        fraction *= config.backtrack_ratio;
    }
    kept(config.line_search_steps, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spd_product(v: &[f64]) -> Vec<f64> {
        // A = [[4, 1, 0], [1, 3, 1], [0, 1, 2]]
        vec![
            4.0 * v[0] + v[1],
            v[0] + 3.0 * v[1] + v[2],
            v[1] + 2.0 * v[2],
        ]
    }

    #[test]
    fn conjugate_gradient_solves_an_spd_system_in_n_steps() {
        let b = [1.0, 2.0, 3.0];
        let solution = conjugate_gradient(spd_product, &b, 3);
        let ax = spd_product(&solution.x);
        for (a, b) in ax.iter().zip(&b) {
            assert!((a - b).abs() < 1e-12, "{ax:?}");
        }
        assert!((solution.x_ax - dot(&solution.x, &ax)).abs() < 1e-12);
    }

    #[test]
    fn cg_quadratic_form_from_the_residual_matches_an_extra_product_when_truncated() {
        let b = [1.0, -2.0, 0.5];
        let solution = conjugate_gradient(spd_product, &b, 2);
        let direct = dot(&solution.x, &spd_product(&solution.x));
        assert!(
            (solution.x_ax - direct).abs() < 1e-12 * direct.abs(),
            "{solution:?} {direct}"
        );
    }

    #[test]
    fn trpo_step_on_a_quadratic_lands_on_the_kl_boundary() {
        // Surrogate f(t) = g.t (linear), KL(t) = 0.5 (t - t0).A(t - t0): the full step has KL = max_kl.
        let config = TrpoConfig::default();
        let g = [1.0, -1.0, 0.5];
        let theta = [0.0; 3];
        let step = trpo_step(&config, &theta, &g, 0.0, spd_product, |t| Candidate {
            surrogate: dot(&g, t),
            kl: 0.5 * dot(t, &spd_product(t)),
        });
        assert!(step.accepted);
        assert_eq!(step.line_search_steps, 1);
        assert!((step.kl - config.max_kl).abs() < 1e-6, "kl {}", step.kl);
        assert!(step.surrogate < 0.0);
    }

    #[test]
    fn line_search_never_accepts_kl_above_max_or_a_worse_surrogate() {
        let config = TrpoConfig::default();
        let g = [1.0, 0.0, 0.0];
        // KL grows 100x faster than the metric says: the first steps must be rejected.
        let step = trpo_step(&config, &[0.0; 3], &g, 0.0, spd_product, |t| Candidate {
            surrogate: dot(&g, t),
            kl: 50.0 * dot(t, &spd_product(t)),
        });
        // The KL of step fraction f is 100 f^2 max_kl: the first accepted fraction is
        // 0.8^11 (0.8^10 gives 1.15 max_kl), the 12th step, with KL 100 * 0.8^22 * max_kl (up to
        // the CG damping, relative 3e-6 here).
        assert!(step.accepted);
        assert_eq!(step.line_search_steps, 12);
        let expected_kl = 100.0 * 0.8f64.powi(22) * config.max_kl;
        assert!(
            (step.kl - expected_kl).abs() < 1e-4 * expected_kl,
            "kl {} vs {expected_kl}",
            step.kl
        );
        // A surrogate that never improves keeps theta.
        let kept = trpo_step(&config, &[0.5; 3], &g, 0.0, spd_product, |_| Candidate {
            surrogate: 1.0,
            kl: 0.0,
        });
        assert!(!kept.accepted);
        assert_eq!(kept.theta, vec![0.5; 3]);
        assert_eq!(kept.line_search_steps, config.line_search_steps);
        // NaN candidates are rejected too.
        let nan = trpo_step(&config, &[0.0; 3], &g, 0.0, spd_product, |_| Candidate {
            surrogate: f64::NAN,
            kl: 0.0,
        });
        assert!(!nan.accepted);
        // A non-finite gradient never reaches the parameters.
        let bad = trpo_step(
            &config,
            &[0.5; 3],
            &[f64::NAN, 0.0, 0.0],
            0.0,
            spd_product,
            |_| unreachable!("no candidate is evaluated"),
        );
        assert!(bad.non_finite && !bad.accepted);
        assert_eq!(bad.theta, vec![0.5; 3]);
    }
}
