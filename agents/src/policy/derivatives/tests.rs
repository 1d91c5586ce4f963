//! Every derivative against an independent check: finite differences of plain-f64 *values*
//! (computed with `gaussian`, not with dfdx's backward), in many random directions, on ReLU and
//! tanh nets.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::policy::spec::Activation;
use crate::policy::test_problems::*;

#[test]
fn gradient_matches_central_difference_of_values_in_random_directions() {
    for p in problems() {
        let g = p.gradient();
        let mut rng = ChaCha8Rng::seed_from_u64(10);
        for _ in 0..DIRECTIONS {
            let u = unit(&mut rng, g.len());
            let h = 1e-6;
            let fd = (p.loss_value(&p.shifted(&[(h, &u)])) - p.loss_value(&p.shifted(&[(-h, &u)])))
                / (2.0 * h);
            assert_close(dot(&g, &u), fd, 1e-6, "directional derivative");
        }
    }
}

#[test]
fn gradient_matches_central_difference_along_every_log_std_and_output_bias_coordinate() {
    // Random directions weigh the few log-std and output-bias entries little; check them one by one.
    for p in problems() {
        let g = p.gradient();
        let last = *p.spec.layers().last().unwrap();
        let coords = (last.bias_offset..last.bias_offset + p.spec.act_dim)
            .chain(p.spec.log_std_offset()..g.len());
        for k in coords {
            let mut e = vec![0.0; g.len()];
            e[k] = 1.0;
            let h = 1e-6;
            let fd = (p.loss_value(&p.shifted(&[(h, &e)])) - p.loss_value(&p.shifted(&[(-h, &e)])))
                / (2.0 * h);
            assert_close(g[k], fd, 1e-6, "coordinate derivative");
        }
    }
}

#[test]
fn gradient_with_pattern_frozen_at_theta_equals_plain_gradient() {
    let p = problem(Activation::Relu, vec![32, 32], 4);
    let w = p.weights_tensor();
    let frozen =
        weighted_log_prob_gradient(&p.spec, &p.theta, &p.batch, &w, Some(&p.pattern.masks()));
    assert_eq!(frozen, p.gradient());
}

#[test]
fn hvp_matches_mixed_second_difference_of_values() {
    for p in problems() {
        let n = p.theta.len();
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for _ in 0..DIRECTIONS {
            let (u, v) = (unit(&mut rng, n), unit(&mut rng, n));
            let mixed = p.mixed_second_difference(&u, &v);
            assert_close(dot(&u, &p.hvp(&v)), mixed, 1e-4, "u.Hv vs values");
        }
    }
}

#[test]
fn hvp_agrees_across_finite_difference_steps() {
    for p in problems() {
        let w = p.weights_tensor();
        let mut rng = ChaCha8Rng::seed_from_u64(12);
        for _ in 0..DIRECTIONS {
            let v = gaussian_vec(&mut rng, p.theta.len());
            let coarse = central_difference_at(1e-4, &p.theta, &v, |t| {
                weighted_log_prob_gradient(&p.spec, t, &p.batch, &w, Some(&p.pattern.masks()))
            });
            let fine = p.hvp(&v);
            let err = coarse
                .iter()
                .zip(&fine)
                .map(|(a, b)| (a - b).powi(2))
                .sum::<f64>()
                .sqrt();
            let norm = dot(&fine, &fine).sqrt();
            assert!(
                err <= 1e-7 * norm,
                "HVP at eps 1e-4 vs 1e-5: {err:e} (norm {norm:e})"
            );
        }
    }
}

#[test]
fn hvp_is_symmetric() {
    for p in problems() {
        let n = p.theta.len();
        let mut rng = ChaCha8Rng::seed_from_u64(13);
        for _ in 0..DIRECTIONS {
            let (u, v) = (gaussian_vec(&mut rng, n), gaussian_vec(&mut rng, n));
            assert_close(
                dot(&u, &p.hvp(&v)),
                dot(&v, &p.hvp(&u)),
                1e-7,
                "u.Hv vs v.Hu",
            );
        }
    }
}

#[test]
fn hvp_across_relu_kinks_needs_the_frozen_pattern() {
    // Unfrozen central differences at a coarse step straddle kinks on a 2x100 ReLU net; the
    // frozen pattern keeps the product accurate (relative error < 1e-3) at the same step.
    let p = problem(Activation::Relu, vec![100, 100], 5);
    let w = p.weights_tensor();
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let v = gaussian_vec(&mut rng, p.theta.len());
    let reference = p.hvp(&v);
    let eps = 1e-2;
    let frozen = central_difference_at(eps, &p.theta, &v, |t| {
        weighted_log_prob_gradient(&p.spec, t, &p.batch, &w, Some(&p.pattern.masks()))
    });
    let unfrozen = central_difference_at(eps, &p.theta, &v, |t| {
        weighted_log_prob_gradient(&p.spec, t, &p.batch, &w, None)
    });
    let rel = |x: &[f64]| {
        let e: f64 = x.iter().zip(&reference).map(|(a, b)| (a - b).powi(2)).sum();
        (e / dot(&reference, &reference)).sqrt()
    };
    assert!(rel(&frozen) < 1e-3, "frozen pattern: {:e}", rel(&frozen));
    assert!(rel(&unfrozen) > 1e-2, "unfrozen: {:e}", rel(&unfrozen));
}

#[test]
fn fvp_matches_kl_curvature_and_is_positive_and_symmetric() {
    for p in problems() {
        let n = p.theta.len();
        let mut rng = ChaCha8Rng::seed_from_u64(15);
        for _ in 0..DIRECTIONS {
            let (u, v) = (unit(&mut rng, n), unit(&mut rng, n));
            let fu = p.fvp(&u);
            let ufu = dot(&u, &fu);
            assert!(ufu > 0.0, "u.Fu = {ufu:e}");
            assert_close(
                ufu,
                p.kl_curvature(&u),
                1e-4,
                "u.Fu vs KL second difference",
            );
            assert_close(dot(&v, &fu), dot(&u, &p.fvp(&v)), 1e-7, "v.Fu vs u.Fv");
        }
    }
}
