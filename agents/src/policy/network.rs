//! The policy's mean network on dfdx tensors with run-time shapes, in f64.
//!
//! One forward, generic over the tape, serves sampling (no tape) and differentiation (a tape on
//! every parameter). ReLU nets can run with their on/off pattern frozen (a [`ReluPattern`] taken at
//! a base point), which makes the network a fixed multilinear function of its parameters: away
//! from kinks the Hessian of a ReLU net is the Hessian of that function, so central differences
//! of gradients evaluated with the frozen pattern approximate it to O(ε²) (see `derivatives`).

use std::cell::RefCell;

use dfdx::prelude::*;

use super::spec::{Activation, PolicySpec};
use super::tanh::tanh;

/// The dfdx device the policy computes on (CPU; CUDA with the `cuda` feature, untested here).
#[cfg(not(feature = "cuda"))]
pub type Device = dfdx::tensor::Cpu;
/// The dfdx device the policy computes on (CPU; CUDA with the `cuda` feature, untested here).
#[cfg(feature = "cuda")]
pub type Device = dfdx::tensor::Cuda;

/// A run-time shaped f64 matrix on [`Device`], optionally carrying a gradient tape.
pub type Matrix<T = dfdx::tensor::NoneTape> = Tensor<(usize, usize), f64, Device, T>;
/// A run-time shaped f64 vector on [`Device`], optionally carrying a gradient tape.
pub type Vector<T = dfdx::tensor::NoneTape> = Tensor<(usize,), f64, Device, T>;

thread_local! {
    static DEVICE: RefCell<Option<Device>> = const { RefCell::new(None) };
}

/// This thread's device. Each thread gets its own (its own allocation cache, no lock shared
/// between workers). The device's matrix kernels split large products over the rayon pool they
/// run in; [`crate::parallel::parallel_map`] runs its work items in a single-thread pool (see
/// [`crate::parallel`]). No process-global state is set up here.
pub fn device() -> Device {
    DEVICE.with(|d| d.borrow_mut().get_or_insert_with(Device::default).clone())
}

/// A row-major (rows x cols) matrix on this thread's device.
pub fn matrix(data: &[f64], rows: usize, cols: usize) -> Matrix {
    debug_assert_eq!(data.len(), rows * cols);
    device().tensor_from_vec(data.to_vec(), (rows, cols))
}

/// A vector on this thread's device.
pub fn vector(data: &[f64]) -> Vector {
    device().tensor_from_vec(data.to_vec(), (data.len(),))
}

/// The ReLU on/off pattern of every hidden layer for one batch at one parameter point, stored
/// compactly (one byte per unit and row; empty for smooth activations). Materialize it with
/// [`ReluPattern::masks`] for the forward passes that use it.
#[derive(Clone, Debug, Default)]
pub struct ReluPattern {
    layers: Vec<(Vec<bool>, usize, usize)>,
}

/// A [`ReluPattern`] as 0/1 device matrices, ready to multiply pre-activations.
#[derive(Clone, Debug)]
pub struct ReluMasks {
    masks: Vec<Matrix>,
}

impl ReluPattern {
    /// The 0/1 masks on this thread's device.
    pub fn masks(&self) -> ReluMasks {
        let masks = self
            .layers
            .iter()
            .map(|(on, rows, cols)| {
                let values: Vec<f64> = on.iter().map(|&a| if a { 1.0 } else { 0.0 }).collect();
                device().tensor_from_vec(values, (*rows, *cols))
            })
            .collect();
        ReluMasks { masks }
    }
}

/// The policy's parameters as dfdx tensors: dense layers (W as inputs x outputs, b) and the
/// state-independent log standard deviation.
#[derive(Clone, Debug)]
pub struct Network {
    activation: Activation,
    weights: Vec<Matrix>,
    biases: Vec<Vector>,
    log_std: Vector,
}

impl Network {
    /// Builds the tensors from a flat parameter vector laid out as [`PolicySpec::layers`].
    pub fn new(spec: &PolicySpec, theta: &[f64]) -> Self {
        assert_eq!(theta.len(), spec.num_params(), "parameter vector length");
        let dev = device();
        let layers = spec.layers();
        let weights = layers
            .iter()
            .map(|l| {
                let w = &theta[l.weight_offset..l.bias_offset];
                dev.tensor_from_vec(w.to_vec(), (l.inputs, l.outputs))
            })
            .collect();
        let biases = layers
            .iter()
            .map(|l| {
                let b = &theta[l.bias_offset..l.bias_offset + l.outputs];
                dev.tensor_from_vec(b.to_vec(), (l.outputs,))
            })
            .collect();
        let log_std = dev.tensor_from_vec(theta[spec.log_std_offset()..].to_vec(), (spec.act_dim,));
        Network {
            activation: spec.activation,
            weights,
            biases,
            log_std,
        }
    }

    /// Action means for row-major observations (rows x obs_dim), without a tape.
    ///
    /// Each row's means are the same bits whatever the number of rows: gemm computes a
    /// one-row product in another summation order than products of two or more rows (which
    /// agree with each other), so a single row is computed as a two-row product of itself. The
    /// sampler's actions therefore do not depend on how many of its episodes are still running,
    /// and a policy evaluated one observation at a time (e.g. from Python) acts as in the batch.
    /// tanh units use [`super::tanh`] (the same values as the tapeless derivatives use, not the
    /// taped [`Network::mean`]'s `2σ(2z) − 1`).
    pub fn mean_values(&self, obs: &[f64], rows: usize) -> Vec<f64> {
        let forward = |obs: Matrix| {
            self.forward(obs, |_, z| match self.activation {
                Activation::Relu => z.relu(),
                Activation::Tanh => tanh(z),
            })
        };
        if rows == 1 {
            let twice = [obs, obs].concat();
            let mut means = forward(matrix(&twice, 2, obs.len())).as_vec();
            means.truncate(means.len() / 2);
            return means;
        }
        forward(matrix(obs, rows, obs.len() / rows.max(1))).as_vec()
    }

    /// The log standard deviations (length act_dim).
    pub fn log_std(&self) -> Vec<f64> {
        self.log_std.as_vec()
    }

    /// The ReLU pattern of this network on `obs` (empty for tanh nets).
    pub fn relu_pattern(&self, obs: &Matrix) -> ReluPattern {
        if self.activation != Activation::Relu {
            return ReluPattern::default();
        }
        let mut layers = Vec::with_capacity(self.weights.len() - 1);
        let mut h = obs.clone();
        for layer in 0..self.weights.len() - 1 {
            let z = self.affine(layer, h);
            let (rows, cols) = *z.shape();
            layers.push((z.as_vec().iter().map(|&v| v > 0.0).collect(), rows, cols));
            h = z.relu();
        }
        ReluPattern { layers }
    }

    /// The action means mu(obs) (rows x act_dim). The tape, if any, enters through `obs` and every
    /// parameter joins it, so `backward` yields gradients for all of them. With `pattern`, hidden
    /// ReLU units use that frozen on/off pattern instead of their own sign.
    pub fn mean<T>(&self, obs: Matrix<T>, pattern: Option<&ReluMasks>) -> Matrix<T>
    where
        T: Tape<f64, Device> + Merge<T> + Merge<NoneTape> + Default,
    {
        self.forward(obs, |layer, z| match (self.activation, pattern) {
            (Activation::Relu, Some(p)) => z * p.masks[layer].clone(),
            (Activation::Relu, None) => z.relu(),
            // tanh(z) = 2 sigmoid(2z) - 1 with dfdx's own ops, which the tape can differentiate
            // (the tapeless paths use `super::tanh`, vectorized and more accurate near 0).
            (Activation::Tanh, _) => (z * 2.0).sigmoid() * 2.0 - 1.0,
        })
    }

    /// The mean network with `activate(layer, z)` applied to every hidden layer's
    /// pre-activations.
    fn forward<T>(
        &self,
        obs: Matrix<T>,
        activate: impl Fn(usize, Matrix<T>) -> Matrix<T>,
    ) -> Matrix<T>
    where
        T: Tape<f64, Device> + Merge<T> + Default,
    {
        let last = self.weights.len() - 1;
        let mut h = obs;
        for layer in 0..last {
            h = activate(layer, self.affine(layer, h));
        }
        self.affine(last, h)
    }

    /// The log-std broadcast to (rows x act_dim), joined to tape `T`.
    pub fn log_std_rows<T>(&self, rows: usize) -> Matrix<T>
    where
        T: Tape<f64, Device> + Default,
    {
        let act = self.log_std.shape().0;
        self.log_std
            .clone()
            .put_tape(T::default())
            .broadcast_like::<_, Axis<0>>(&(rows, act))
    }

    /// Copies the gradients of the parameters out of `grads` into a flat vector laid out like
    /// the parameters. With `log_std_used = false` the loss did not involve the log-std and its
    /// block is zero.
    pub fn flat_gradient(&self, grads: &Gradients<f64, Device>, log_std_used: bool) -> Vec<f64> {
        let mut flat = Vec::new();
        for (w, b) in self.weights.iter().zip(&self.biases) {
            flat.extend(grads.get(w).as_vec());
            flat.extend(grads.get(b).as_vec());
        }
        if log_std_used {
            flat.extend(grads.get(&self.log_std).as_vec());
        } else {
            flat.extend(std::iter::repeat_n(0.0, self.log_std.shape().0));
        }
        flat
    }

    /// x W + b for one layer, with the parameters joined to the input's tape.
    fn affine<T>(&self, layer: usize, x: Matrix<T>) -> Matrix<T>
    where
        T: Tape<f64, Device> + Merge<T> + Default,
    {
        let rows = x.shape().0;
        let w = self.weights[layer].clone().put_tape(T::default());
        let b = self.biases[layer].clone().put_tape(T::default());
        let outputs = b.shape().0;
        x.matmul(w) + b.broadcast_like::<_, Axis<0>>(&(rows, outputs))
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;

    /// Regression: a one-row product used to differ from the same row inside a batch in the
    /// last bits, so an episode's actions depended on how many episodes were still running.
    #[test]
    fn mean_values_of_a_row_do_not_depend_on_the_batch_size() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for activation in [Activation::Relu, Activation::Tanh] {
            let spec = PolicySpec {
                obs_dim: 17,
                act_dim: 6,
                hidden: vec![32, 32],
                activation,
            };
            let theta = spec.init_params(&mut rng);
            let net = Network::new(&spec, &theta);
            let obs: Vec<f64> = (0..41 * 17).map(|_| rng.gen_range(-2.0..2.0)).collect();
            let full = net.mean_values(&obs, 41);
            for rows in [1, 2, 3, 7, 8, 9, 16, 17, 40] {
                let part = net.mean_values(&obs[..rows * 17], rows);
                assert_eq!(part[..], full[..rows * 6], "{activation:?}, {rows} rows");
            }
        }
    }
}
