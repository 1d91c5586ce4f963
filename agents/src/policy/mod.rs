//! Gaussian MLP policy: architecture, dfdx network, closed-form Gaussian terms and derivatives.

pub mod derivatives;
pub mod forward_mode;
pub mod gaussian;
pub mod network;
pub mod spec;
pub mod tanh;
#[cfg(test)]
pub(crate) mod test_problems;

pub use derivatives::{
    central_difference, central_difference_at, fisher_vector_product, mean_vjp, relu_pattern,
    weighted_log_prob_gradient, weighted_log_prob_hvp, StateActionBatch, FD_EPSILON,
};
pub use forward_mode::{
    log_likelihood_gradient, FisherMetric, Linearization, LogLikelihoodHessian,
};
pub use network::{
    device, matrix, vector, Device, Matrix, Network, ReluMasks, ReluPattern, Vector,
};
pub use spec::{Activation, LayerLayout, PolicySpec};
