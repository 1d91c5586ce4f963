//! Adam on a flat parameter vector (Kingma & Ba 2015, Algorithm 1), with its moments exposed
//! so that checkpoints can hold them and a resumed run continues bit for bit.

/// Adam's state: first and second moment estimates and the step count.
#[derive(Clone, Debug, PartialEq)]
pub struct Adam {
    /// Step size α.
    pub learning_rate: f64,
    /// First moment estimate m.
    pub m: Vec<f64>,
    /// Second moment estimate v.
    pub v: Vec<f64>,
    /// Steps taken (t).
    pub steps: u64,
}

/// Exponential decay of the first moment (β1).
const BETA1: f64 = 0.9;
/// Exponential decay of the second moment (β2).
const BETA2: f64 = 0.999;
/// ε of the update's denominator.
const EPSILON: f64 = 1e-8;

impl Adam {
    /// A fresh optimizer for `n` parameters.
    pub fn new(learning_rate: f64, n: usize) -> Self {
        Adam {
            learning_rate,
            m: vec![0.0; n],
            v: vec![0.0; n],
            steps: 0,
        }
    }

    /// One step down the gradient `g` of a loss: `θ ← θ − α m̂ / (√v̂ + ε)`.
    pub fn step(&mut self, theta: &mut [f64], g: &[f64]) {
        self.steps += 1;
        let t = self.steps as i32;
        let (c1, c2) = (1.0 - BETA1.powi(t), 1.0 - BETA2.powi(t));
        for (((p, g), m), v) in theta.iter_mut().zip(g).zip(&mut self.m).zip(&mut self.v) {
            *m = BETA1 * *m + (1.0 - BETA1) * g;
            *v = BETA2 * *v + (1.0 - BETA2) * g * g;
            *p -= self.learning_rate * (*m / c1) / ((*v / c2).sqrt() + EPSILON);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_step_moves_every_coordinate_by_the_learning_rate_against_the_gradient_sign() {
        let mut adam = Adam::new(0.01, 3);
        let mut theta = vec![1.0, 2.0, 3.0];
        adam.step(&mut theta, &[4.0, -0.5, 0.0]);
        // m̂ = g, v̂ = g²: the step is α g / (|g| + ε).
        assert!((theta[0] - 0.99).abs() < 1e-9);
        assert!((theta[1] - 2.01).abs() < 1e-9);
        assert_eq!(theta[2], 3.0);
        assert_eq!(adam.steps, 1);
    }

    #[test]
    fn minimizes_a_quadratic() {
        let mut adam = Adam::new(0.05, 2);
        let mut theta = vec![3.0, -2.0];
        for _ in 0..2000 {
            let g = vec![2.0 * theta[0], 20.0 * theta[1]];
            adam.step(&mut theta, &g);
        }
        assert!(theta[0].abs() < 1e-2 && theta[1].abs() < 1e-2, "{theta:?}");
    }
}
