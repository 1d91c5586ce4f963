//! The shape of a Gaussian MLP policy and the layout of its flat parameter vector.

use rand::Rng;
use serde::{Deserialize, Serialize};

/// Hidden-layer nonlinearity of the policy MLP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// max(0, x): the MAML paper's policy. Piecewise linear, so curvature products freeze its
    /// on/off pattern at the base point (see `derivatives`).
    Relu,
    /// tanh(x): the PyTorch reference implementation's policy. Smooth; needs no frozen pattern.
    Tanh,
}

impl Activation {
    /// The config spelling (`"relu"` / `"tanh"`).
    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Tanh => "tanh",
        }
    }
}

/// Architecture of a Gaussian MLP policy pi(a|s) = N(mu_theta(s), diag(exp(log_std))^2), with a
/// state-independent log standard deviation (MAML paper §5.3).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicySpec {
    /// Observation dimension (network input).
    pub obs_dim: usize,
    /// Action dimension (network output and log-std length).
    pub act_dim: usize,
    /// Hidden layer widths, input to output.
    pub hidden: Vec<usize>,
    /// Hidden-layer nonlinearity.
    pub activation: Activation,
}

/// Where one dense layer's weights and bias sit in the flat parameter vector.
///
/// The weight matrix is stored row-major as (inputs x outputs), so a batch forward is `x W + b`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerLayout {
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
    /// Offset of W (inputs x outputs, row-major).
    pub weight_offset: usize,
    /// Offset of b (outputs).
    pub bias_offset: usize,
}

impl PolicySpec {
    /// Dense layers in order (hidden layers, then the mean head).
    pub fn layers(&self) -> Vec<LayerLayout> {
        let mut widths = vec![self.obs_dim];
        widths.extend(&self.hidden);
        widths.push(self.act_dim);
        let mut offset = 0;
        widths
            .windows(2)
            .map(|w| {
                let layout = LayerLayout {
                    inputs: w[0],
                    outputs: w[1],
                    weight_offset: offset,
                    bias_offset: offset + w[0] * w[1],
                };
                offset += w[0] * w[1] + w[1];
                layout
            })
            .collect()
    }

    /// Offset of the log-std block (the last `act_dim` entries).
    pub fn log_std_offset(&self) -> usize {
        self.num_params() - self.act_dim
    }

    /// Length of the flat parameter vector.
    pub fn num_params(&self) -> usize {
        let mut widths = vec![self.obs_dim];
        widths.extend(&self.hidden);
        widths.push(self.act_dim);
        widths.windows(2).map(|w| w[0] * w[1] + w[1]).sum::<usize>() + self.act_dim
    }

    /// A fresh parameter vector: Xavier-uniform weights (as pytorch-maml-rl), zero biases and
    /// log-std 0 (sigma = 1, the paper's initial exploration).
    pub fn init_params(&self, rng: &mut impl Rng) -> Vec<f64> {
        let mut theta = vec![0.0; self.num_params()];
        for layer in self.layers() {
            let bound = (6.0 / (layer.inputs + layer.outputs) as f64).sqrt();
            for w in &mut theta[layer.weight_offset..layer.bias_offset] {
                *w = rng.gen_range(-bound..bound);
            }
        }
        theta
    }
}
