//! The forward-mode products against independent checks: central differences of dfdx gradients
//! (frozen ReLU pattern), second differences of plain-f64 loss and KL values, and dfdx's own
//! reverse mode, in many random directions on ReLU and tanh nets.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::policy::derivatives::{central_difference, mean_vjp};
use crate::policy::network::matrix;
use crate::policy::spec::Activation;
use crate::policy::test_problems::*;

fn exact_problems() -> Vec<Problem> {
    let mut all = problems();
    all.push(problem(Activation::Tanh, vec![64, 64], 6));
    all.push(problem(Activation::Relu, vec![32], 7));
    all
}

fn hessian(p: &Problem) -> LogLikelihoodHessian {
    LogLikelihoodHessian::new(&p.spec, &p.theta, &p.batch, &p.weights_tensor())
}

fn fisher(p: &Problem) -> FisherMetric {
    FisherMetric::new(&p.spec, &p.theta, &p.batch.obs)
}

#[test]
fn hvp_matches_central_differences_of_gradients_in_random_directions() {
    for p in exact_problems() {
        let h = hessian(&p);
        let mut rng = ChaCha8Rng::seed_from_u64(20);
        for _ in 0..DIRECTIONS {
            let v = gaussian_vec(&mut rng, p.theta.len());
            let rel = relative_error(&h.product(&v), &p.hvp(&v));
            assert!(rel < 1e-8, "{:?}: exact vs FD HVP {rel:e}", p.spec);
        }
    }
}

#[test]
fn hvp_matches_mixed_second_differences_of_values() {
    for p in exact_problems() {
        let h = hessian(&p);
        let n = p.theta.len();
        let mut rng = ChaCha8Rng::seed_from_u64(21);
        for _ in 0..DIRECTIONS {
            let (u, v) = (unit(&mut rng, n), unit(&mut rng, n));
            let mixed = p.mixed_second_difference(&u, &v);
            assert_close(dot(&u, &h.product(&v)), mixed, 1e-4, "u.Hv vs values");
        }
    }
}

#[test]
fn hvp_is_symmetric_to_rounding() {
    for p in exact_problems() {
        let h = hessian(&p);
        let n = p.theta.len();
        let mut rng = ChaCha8Rng::seed_from_u64(22);
        for _ in 0..DIRECTIONS {
            let (u, v) = (gaussian_vec(&mut rng, n), gaussian_vec(&mut rng, n));
            let (uhv, vhu) = (dot(&u, &h.product(&v)), dot(&v, &h.product(&u)));
            assert_close(uhv, vhu, 1e-11, "u.Hv vs v.Hu");
        }
    }
}

#[test]
fn hvp_of_every_log_std_and_output_bias_coordinate_matches_finite_differences() {
    // Random directions weigh the few log-std and output-bias entries little; check each one.
    for p in exact_problems() {
        let h = hessian(&p);
        let last = *p.spec.layers().last().unwrap();
        let coords = (last.bias_offset..last.bias_offset + p.spec.act_dim)
            .chain(p.spec.log_std_offset()..p.theta.len());
        for k in coords {
            let mut e = vec![0.0; p.theta.len()];
            e[k] = 1.0;
            let rel = relative_error(&h.product(&e), &p.hvp(&e));
            assert!(rel < 1e-8, "coordinate {k}: {rel:e}");
        }
    }
}

#[test]
fn fvp_matches_central_differences_and_kl_curvature() {
    for p in exact_problems() {
        let f = fisher(&p);
        let n = p.theta.len();
        let mut rng = ChaCha8Rng::seed_from_u64(23);
        for _ in 0..DIRECTIONS {
            let (u, v) = (unit(&mut rng, n), unit(&mut rng, n));
            let fu = f.product(&u);
            let rel = relative_error(&fu, &p.fvp(&u));
            assert!(rel < 1e-8, "{:?}: exact vs FD FVP {rel:e}", p.spec);
            let ufu = dot(&u, &fu);
            assert!(ufu > 0.0, "u.Fu = {ufu:e}");
            assert_close(
                ufu,
                p.kl_curvature(&u),
                1e-4,
                "u.Fu vs KL second difference",
            );
            assert_close(dot(&v, &fu), dot(&u, &f.product(&v)), 1e-11, "v.Fu vs u.Fv");
        }
    }
}

#[test]
fn jacobian_products_match_differences_of_means_and_reverse_mode() {
    for p in exact_problems() {
        let lin = Linearization::new(&p.spec, &p.theta, &p.batch.obs);
        let means_error = relative_error(&lin.means().as_vec(), &p.frozen_means(&p.theta));
        assert!(means_error < 1e-14, "means: {means_error:e}");
        let mut rng = ChaCha8Rng::seed_from_u64(24);
        for _ in 0..DIRECTIONS {
            let v = gaussian_vec(&mut rng, p.theta.len());
            let jv = lin.jacobian_vector_product(&v).as_vec();
            let fd = central_difference(&p.theta, &v, |t| p.frozen_means(t));
            assert!(relative_error(&jv, &fd) < 1e-8, "J v");
            let rows = p.batch.rows();
            let c = gaussian_vec(&mut rng, rows * p.spec.act_dim);
            let cotangent = matrix(&c, rows, p.spec.act_dim);
            let exact = lin.vector_jacobian_product(cotangent.clone());
            let masks = p.pattern.masks();
            let taped = mean_vjp(&p.spec, &p.theta, &p.batch.obs, &cotangent, Some(&masks));
            assert!(
                relative_error(&exact, &taped) < 1e-12,
                "Jᵀ c vs dfdx backward"
            );
        }
    }
}

#[test]
fn tapeless_gradient_matches_dfdx_backward_and_differences_of_values() {
    for p in exact_problems() {
        let g = log_likelihood_gradient(&p.spec, &p.theta, &p.batch, &p.weights_tensor());
        assert!(
            relative_error(&g, &p.gradient()) < 1e-12,
            "vs dfdx backward"
        );
        let mut rng = ChaCha8Rng::seed_from_u64(25);
        for _ in 0..DIRECTIONS {
            let u = unit(&mut rng, g.len());
            let step = 1e-6;
            let fd = (p.loss_value(&p.shifted(&[(step, &u)]))
                - p.loss_value(&p.shifted(&[(-step, &u)])))
                / (2.0 * step);
            assert_close(dot(&g, &u), fd, 1e-6, "directional derivative");
        }
    }
}

#[test]
fn the_hessians_gradient_is_the_tapeless_gradient_bit_for_bit() {
    for p in exact_problems() {
        let kept = hessian(&p).gradient();
        let direct = log_likelihood_gradient(&p.spec, &p.theta, &p.batch, &p.weights_tensor());
        let bits = |g: &[f64]| g.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&kept), bits(&direct), "{:?}", p.spec);
    }
}
