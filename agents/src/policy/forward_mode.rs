//! Exact curvature products of the Gaussian MLP policy by forward-mode differentiation:
//! Pearlmutter's (1994) R-operator ("Fast exact multiplication by the Hessian"), written with
//! dfdx tensor operations without a tape, so the same code runs on every dfdx device.
//!
//! A [`Linearization`] runs the mean network once at θ on a batch and keeps what every product
//! at θ needs: each dense layer's input `h_l` and the slope `φ'(z_l)` of every hidden unit (for
//! tanh, `φ''(z) = −2 tanh(z) φ'(z)` follows from these). A conjugate-gradient solve builds it once per task and
//! reuses it for every iteration. For a direction `v = (dW_l, db_l, ds)`:
//!
//! * **forward tangent** (`J v`, the R-operator on the forward pass):
//!   `Ż_l = Ḣ_l W_l + H_l dW_l + db_l`, `Ḣ_{l+1} = φ'(Z_l) ⊙ Ż_l`, `Ḣ_0 = 0`, `J v = Ż_{L−1}`;
//! * **reverse pass** (`Jᵀ C`): `δ_{L−1} = C`, `∇W_l = H_lᵀ δ_l`, `∇b_l = 1ᵀ δ_l`,
//!   `E_l = δ_l W_lᵀ`, `δ_{l−1} = φ'(Z_{l−1}) ⊙ E_l`;
//! * **second-order adjoint** (the R-operator applied to the reverse pass; Pearlmutter 1994,
//!   §3): `R{∇W_l} = Ḣ_lᵀ δ_l + H_lᵀ R{δ_l}`, `R{E_l} = R{δ_l} W_lᵀ + δ_l dW_lᵀ`,
//!   `R{δ_{l−1}} = φ'(Z_{l−1}) ⊙ R{E_l} + φ''(Z_{l−1}) ⊙ E_l ⊙ Ż_{l−1}`.
//!
//! These products are exact up to floating-point rounding: no step size, no O(ε²) truncation.
//! On ReLU nets `φ'` is the on/off pattern at θ and `φ'' = 0`, which is the Hessian of the net
//! wherever it exists (no unit exactly at its kink). The central differences of
//! [`crate::policy::derivatives`] stay as the independent check in the tests.

use dfdx::prelude::*;

use super::derivatives::StateActionBatch;
use super::network::{device, Matrix, Vector};
use super::spec::{Activation, PolicySpec};
use super::tanh::tanh_and_slopes;

/// `[x | 1]`: the rows with a trailing column of ones, so that `[x | 1] [W; b] = x W + b` and
/// `[x | 1]ᵀ δ` stacks a layer's weight and bias gradients in the parameters' flat layout.
fn with_ones_column(x: Matrix) -> Matrix {
    let rows = x.shape().0;
    let ones: Matrix = device().ones_like(&(rows, 1));
    (x, ones).concat_along(Axis::<1>)
}

/// `mᵀ` as a strided view (no copy; dfdx's matmul reads any strides).
fn transpose(m: &Matrix) -> Matrix {
    m.clone().permute::<(usize, usize), Axes2<1, 0>>()
}

/// Column sums of a (rows x cols) matrix.
fn column_sums(m: Matrix) -> Vector {
    m.sum::<(usize,), Axis<0>>()
}

/// One dense layer's parameters (of θ or of a direction) on the device: `W` (inputs x outputs)
/// and the stacked `[W; b]` ((inputs + 1) x outputs), both read from the flat layout.
struct LayerParams {
    weights: Matrix,
    stacked: Matrix,
}

/// Every dense layer's parameters in `flat` (laid out as [`PolicySpec::layers`]).
fn layer_params(spec: &PolicySpec, flat: &[f64]) -> Vec<LayerParams> {
    let dev = device();
    spec.layers()
        .iter()
        .map(|l| LayerParams {
            weights: dev.tensor_from_vec(
                flat[l.weight_offset..l.bias_offset].to_vec(),
                (l.inputs, l.outputs),
            ),
            stacked: dev.tensor_from_vec(
                flat[l.weight_offset..l.bias_offset + l.outputs].to_vec(),
                (l.inputs + 1, l.outputs),
            ),
        })
        .collect()
}

/// The slopes `φ'(Z_l)` of one hidden layer's units, a matrix of the layer's shape: the ReLU
/// on/off pattern as 1.0/0.0, or the tanh derivative `1 − H²`.
///
/// Applying them is one elementwise product. (The pattern was stored as one byte per unit and
/// applied with dfdx's `choose` against a broadcast zero, which walks strided indices: that made
/// the ReLU nets' tapeless gradient 20 % slower than dfdx's taped backward.) On a ReLU unit that
/// is off, `0.0 · x` is a zero whose sign may differ from `choose`'s `+0.0`, which changes no
/// sum or product that is not itself zero.
struct Slopes(Matrix);

impl Slopes {
    /// The ReLU pattern of the pre-activations `z`: 1.0 where `z > 0`, else 0.0.
    fn relu(z: &Matrix) -> Self {
        Slopes(z.clone().gt(0.0).to_dtype::<u8>().to_dtype::<f64>())
    }

    /// `φ'(Z) ⊙ x`, in place when `x` is uniquely owned (dfdx reuses it).
    fn apply(&self, x: Matrix) -> Matrix {
        self.0.clone() * x
    }
}

/// The forward tangent of the mean network along one direction.
struct Tangent {
    /// `Ḣ_l` of the inputs of layers `l = 1..L` (index `l − 1`).
    hidden: Vec<Matrix>,
    /// `Ż_l` of the hidden pre-activations `l = 0..L−1` (tanh only: the curvature term of the
    /// second-order adjoint needs them, ReLU has none).
    pre_activations: Vec<Matrix>,
    /// `J v`: the tangent of the means.
    means: Matrix,
}

/// The reverse pass of one loss at θ: `δ_l` of every layer and, for tanh, `φ''(Z_l) ⊙ E_{l+1}`
/// of every hidden layer (the factor of the second-order adjoint's curvature term).
struct Adjoint {
    deltas: Vec<Matrix>,
    bend_terms: Vec<Matrix>,
}

/// What the second-order adjoint adds to a reverse pass: the direction, its forward tangent and
/// the loss's own reverse pass at θ.
struct SecondOrder<'a> {
    direction: &'a [LayerParams],
    tangent: &'a Tangent,
    adjoint: &'a Adjoint,
}

/// The mean network linearized at θ on a batch of observations: each layer's input (with a
/// column of ones for the bias) and the slopes of its hidden units, kept for any number of
/// Jacobian and Hessian products at θ.
pub struct Linearization {
    spec: PolicySpec,
    params: Vec<LayerParams>,
    log_std: Vector,
    inputs: Vec<Matrix>,
    slopes: Vec<Slopes>,
    means: Matrix,
}

impl Linearization {
    /// Runs the mean network at `theta` on `obs` (rows x obs_dim) and keeps its activations.
    pub fn new(spec: &PolicySpec, theta: &[f64], obs: &Matrix) -> Self {
        Self::with_hidden_outputs(spec, theta, obs).0
    }

    /// [`Linearization::new`], also returning the hidden layers' outputs `H_l` (`l = 1..L`).
    fn with_hidden_outputs(spec: &PolicySpec, theta: &[f64], obs: &Matrix) -> (Self, Vec<Matrix>) {
        let params = layer_params(spec, theta);
        let last = params.len() - 1;
        let mut inputs = vec![with_ones_column(obs.clone())];
        let mut slopes = Vec::with_capacity(last);
        let mut hidden_outputs = Vec::with_capacity(last);
        for (l, layer) in params.iter().enumerate().take(last) {
            let z = inputs[l].clone().matmul(layer.stacked.clone());
            let h = match spec.activation {
                Activation::Relu => {
                    slopes.push(Slopes::relu(&z));
                    z.relu()
                }
                Activation::Tanh => {
                    let (h, slope) = tanh_and_slopes(z);
                    slopes.push(Slopes(slope));
                    h
                }
            };
            inputs.push(with_ones_column(h.clone()));
            hidden_outputs.push(h);
        }
        let means = inputs[last].clone().matmul(params[last].stacked.clone());
        let log_std =
            device().tensor_from_vec(theta[spec.log_std_offset()..].to_vec(), (spec.act_dim,));
        let linearization = Linearization {
            spec: spec.clone(),
            params,
            log_std,
            inputs,
            slopes,
            means,
        };
        (linearization, hidden_outputs)
    }

    /// Number of rows of the batch.
    pub fn rows(&self) -> usize {
        self.means.shape().0
    }

    /// The means μ_θ(obs) (rows x act_dim).
    pub fn means(&self) -> &Matrix {
        &self.means
    }

    /// `J v`: the directional derivative of the means along `v` (rows x act_dim).
    pub fn jacobian_vector_product(&self, v: &[f64]) -> Matrix {
        self.tangent(&layer_params(&self.spec, v)).means
    }

    /// `Jᵀ C = Σ_rows Σ_j C_rj ∂μ_rj/∂θ` for a cotangent `C` of the means (log-std block zero).
    pub fn vector_jacobian_product(&self, cotangent: Matrix) -> Vec<f64> {
        let mut flat = self.reverse(cotangent, None);
        flat.extend(std::iter::repeat_n(0.0, self.spec.act_dim));
        flat
    }

    /// The forward tangent along the direction `dir`.
    fn tangent(&self, dir: &[LayerParams]) -> Tangent {
        let last = self.params.len() - 1;
        let mut hidden = Vec::with_capacity(last);
        let mut pre_activations = Vec::new();
        let keep_pre_activations = self.spec.activation == Activation::Tanh;
        let mut z_dot = self.inputs[0].clone().matmul(dir[0].stacked.clone());
        for l in 0..last {
            if keep_pre_activations {
                pre_activations.push(z_dot.clone());
            }
            let h_dot = self.slopes[l].apply(z_dot);
            let w = self.params[l + 1].weights.clone();
            z_dot = h_dot.clone().matmul(w)
                + self.inputs[l + 1]
                    .clone()
                    .matmul(dir[l + 1].stacked.clone());
            hidden.push(h_dot);
        }
        Tangent {
            hidden,
            pre_activations,
            means: z_dot,
        }
    }

    /// The reverse pass of `Σ C ⊙ μ` at θ, `δ_l` kept for every layer (see [`Adjoint`]);
    /// `hidden_outputs` are the tanh layers' outputs (unused for ReLU).
    fn adjoint(&self, cotangent: Matrix, hidden_outputs: &[Matrix]) -> Adjoint {
        let last = self.params.len() - 1;
        let mut deltas = vec![cotangent];
        let mut bend_terms = Vec::new();
        for l in (1..=last).rev() {
            let w = &self.params[l].weights;
            let e = deltas[deltas.len() - 1].clone().matmul(transpose(w));
            if self.spec.activation == Activation::Tanh {
                // φ''(Z_{l−1}) = −2 H_l ⊙ φ'(Z_{l−1}) with H_l = tanh(Z_{l−1}).
                let slope = &self.slopes[l - 1].0;
                let bend = hidden_outputs[l - 1].clone() * slope.clone() * -2.0;
                bend_terms.push(bend * e.clone());
            }
            deltas.push(self.slopes[l - 1].apply(e));
        }
        deltas.reverse();
        bend_terms.reverse();
        Adjoint { deltas, bend_terms }
    }

    /// The reverse pass with cotangent `delta` of the means: the gradient of every layer's
    /// `[W; b]`, flat. With `second`, `delta` is `R{δ_{L−1}}` and the pass is the second-order
    /// adjoint.
    fn reverse(&self, mut delta: Matrix, second: Option<SecondOrder<'_>>) -> Vec<f64> {
        let last = self.params.len() - 1;
        let mut blocks = Vec::with_capacity(last + 1);
        for l in (0..=last).rev() {
            // [H_l | 1]ᵀ δ_l: the weight gradient rows, then the bias gradient row.
            let mut grad = transpose(&self.inputs[l]).matmul(delta.clone()).as_vec();
            if let (Some(s), true) = (&second, l > 0) {
                let h_dot = &s.tangent.hidden[l - 1];
                let extra = transpose(h_dot).matmul(s.adjoint.deltas[l].clone());
                for (g, x) in grad.iter_mut().zip(extra.as_vec()) {
                    *g += x;
                }
            }
            if l > 0 {
                let mut e = delta.matmul(transpose(&self.params[l].weights));
                if let Some(s) = &second {
                    let dw = &s.direction[l].weights;
                    e = e + s.adjoint.deltas[l].clone().matmul(transpose(dw));
                }
                delta = self.slopes[l - 1].apply(e);
                if let Some(term) = second.as_ref().and_then(|s| {
                    let bend = s.adjoint.bend_terms.get(l - 1)?;
                    Some(bend.clone() * s.tangent.pre_activations[l - 1].clone())
                }) {
                    delta = delta + term;
                }
            }
            blocks.push(grad);
        }
        blocks.into_iter().rev().flatten().collect()
    }
}

/// The log-likelihood loss at the means: with `r = a − μ` and `P = diag(e^{−2s})`, the adjoint
/// `δ_out = w r P` of the means, `w P` (rows x act_dim) and `Σ_t w_t r_t² P` per action dimension.
struct OutputTerms {
    delta: Matrix,
    weighted_precision: Matrix,
    log_std_curvature: Vec<f64>,
}

impl OutputTerms {
    fn new(lin: &Linearization, batch: &StateActionBatch, weights: &Vector) -> Self {
        let shape = (lin.rows(), lin.spec.act_dim);
        let precision = (lin.log_std.clone() * -2.0).exp();
        let weighted_precision = weights.clone().broadcast_like::<_, Axis<1>>(&shape)
            * precision.broadcast_like::<_, Axis<0>>(&shape);
        let residual = batch.actions.clone() - lin.means.clone();
        let delta = weighted_precision.clone() * residual.clone();
        let log_std_curvature = column_sums(delta.clone() * residual).as_vec();
        OutputTerms {
            delta,
            weighted_precision,
            log_std_curvature,
        }
    }
}

/// Gradient of `ℓ(θ) = Σ_t w_t log π_θ(a_t|s_t)` by one reverse pass over the activations of a
/// tapeless forward pass (the same pass as [`Linearization`]'s; dfdx's taped backward is the
/// tests' independent check). The log-std block is `Σ_t w_t (r_t² P − 1)`.
pub fn log_likelihood_gradient(
    spec: &PolicySpec,
    theta: &[f64],
    batch: &StateActionBatch,
    weights: &Vector,
) -> Vec<f64> {
    let lin = Linearization::new(spec, theta, &batch.obs);
    let head = OutputTerms::new(&lin, batch, weights);
    let weight_sum = weights.clone().sum::<(), _>().array();
    let mut flat = lin.reverse(head.delta, None);
    flat.extend(head.log_std_curvature.iter().map(|c| c - weight_sum));
    flat
}

/// Exact Hessian-vector products of `ℓ(θ) = Σ_t w_t log π_θ(a_t|s_t)` at one θ on one batch (the
/// Hessian of MAML's inner loss, with `w_t = −A_t / N`), by the R-operator.
///
/// With `r = a − μ` and `P = diag(e^{−2s})`, the loss's adjoint at the means is
/// `δ_out = w r P`; along `v = (…, ds)` its R-derivative is
/// `R{δ_out} = −w P (J v) − 2 ds ⊙ δ_out`, and the log-std block of `H v` is
/// `−2 Σ_t δ_out ⊙ (J v) − 2 ds ⊙ Σ_t w r² P`.
pub struct LogLikelihoodHessian {
    linearization: Linearization,
    adjoint: Adjoint,
    weighted_precision: Matrix,
    log_std_curvature: Vec<f64>,
    /// `Σ_t w_t`.
    weight_sum: f64,
    /// `∂ log π_t / ∂μ_t = r_t P` per row (rows x act_dim), for the score products.
    mean_scores: Matrix,
    /// `∂ log π_t / ∂s = r_t² P − 1` per row (rows x act_dim).
    log_std_scores: Matrix,
}

impl LogLikelihoodHessian {
    /// Linearizes the policy at `theta` on `batch` with row weights `weights`.
    pub fn new(
        spec: &PolicySpec,
        theta: &[f64],
        batch: &StateActionBatch,
        weights: &Vector,
    ) -> Self {
        let (linearization, hidden_outputs) =
            Linearization::with_hidden_outputs(spec, theta, &batch.obs);
        let head = OutputTerms::new(&linearization, batch, weights);
        let adjoint = linearization.adjoint(head.delta, &hidden_outputs);
        let shape = (linearization.rows(), spec.act_dim);
        let precision = (linearization.log_std.clone() * -2.0)
            .exp()
            .broadcast_like::<_, Axis<0>>(&shape);
        let residual = batch.actions.clone() - linearization.means.clone();
        let mean_scores = residual.clone() * precision.clone();
        let log_std_scores = residual.square() * precision - 1.0;
        LogLikelihoodHessian {
            linearization,
            adjoint,
            weighted_precision: head.weighted_precision,
            log_std_curvature: head.log_std_curvature,
            weight_sum: weights.clone().sum::<(), _>().array(),
            mean_scores,
            log_std_scores,
        }
    }

    /// `H v + Σ_t q_t ∇ log π_θ(a_t|s_t)` with `q = couple(u)` and `u_t = ∇ log π_θ(a_t|s_t) · v`:
    /// the Hessian product plus a score term, which is how the curvature of likelihood-ratio
    /// objectives (LVC, DiCE) differs from the fixed-sample loss's. `couple` maps the per-row
    /// directional derivatives `u` to per-row coefficients `q` (same length). One forward
    /// tangent serves both terms.
    pub fn product_with_scores(&self, v: &[f64], couple: impl Fn(&[f64]) -> Vec<f64>) -> Vec<f64> {
        self.product_and(
            v,
            Some(&mut |jv: &Matrix, ds: &[f64]| {
                let spec = &self.linearization.spec;
                let rows = self.linearization.rows();
                let act = spec.act_dim;
                let mean_scores = self.mean_scores.as_vec();
                let log_std_scores = self.log_std_scores.as_vec();
                let jv = jv.as_vec();
                let u: Vec<f64> = (0..rows)
                    .map(|t| {
                        (0..act)
                            .map(|j| mean_scores[t * act + j] * jv[t * act + j])
                            .sum::<f64>()
                            + (0..act)
                                .map(|j| log_std_scores[t * act + j] * ds[j])
                                .sum::<f64>()
                    })
                    .collect();
                let q = couple(&u);
                assert_eq!(q.len(), rows, "one score coefficient per row");
                let cotangent: Vec<f64> = (0..rows * act)
                    .map(|k| q[k / act] * mean_scores[k])
                    .collect();
                let log_std_block: Vec<f64> = (0..act)
                    .map(|j| (0..rows).map(|t| q[t] * log_std_scores[t * act + j]).sum())
                    .collect();
                (
                    device().tensor_from_vec(cotangent, (rows, act)),
                    log_std_block,
                )
            }),
        )
    }

    /// `∇ℓ(θ)`, the loss's gradient at its θ, from the reverse pass this Hessian keeps: the same
    /// operations as [`log_likelihood_gradient`], so the same bits, without another forward pass.
    pub fn gradient(&self) -> Vec<f64> {
        let lin = &self.linearization;
        let mut flat: Vec<f64> = (lin.inputs.iter())
            .zip(&self.adjoint.deltas)
            .flat_map(|(input, delta)| transpose(input).matmul(delta.clone()).as_vec())
            .collect();
        flat.extend(self.log_std_curvature.iter().map(|c| c - self.weight_sum));
        flat
    }

    /// `H v`, the exact Hessian of the loss at θ times `v`.
    pub fn product(&self, v: &[f64]) -> Vec<f64> {
        self.product_and(v, None)
    }

    /// `H v`, plus the extra cotangent of the means and log-std block that `extra` returns from
    /// the forward tangent `J v` and the log-std direction.
    fn product_and(&self, v: &[f64], extra: Option<&mut ScoreTerm<'_>>) -> Vec<f64> {
        let lin = &self.linearization;
        let spec = &lin.spec;
        let direction = layer_params(spec, v);
        let tangent = lin.tangent(&direction);
        let output_delta = &self.adjoint.deltas[self.adjoint.deltas.len() - 1];
        let shape = (lin.rows(), spec.act_dim);
        let ds = device().tensor_from_vec(v[spec.log_std_offset()..].to_vec(), (spec.act_dim,));
        let r_delta = (self.weighted_precision.clone() * tangent.means.clone()).negate()
            - ds.broadcast_like::<_, Axis<0>>(&shape) * output_delta.clone() * 2.0;
        let cross = column_sums(output_delta.clone() * tangent.means.clone()).as_vec();
        let ds = &v[spec.log_std_offset()..];
        let (r_delta, extra_log_std) = match extra {
            None => (r_delta, None),
            Some(term) => {
                let (cotangent, block) = term(&tangent.means, ds);
                (r_delta + cotangent, Some(block))
            }
        };
        let second = SecondOrder {
            direction: &direction,
            tangent: &tangent,
            adjoint: &self.adjoint,
        };
        let mut flat = lin.reverse(r_delta, Some(second));
        flat.extend(
            (0..spec.act_dim).map(|j| -2.0 * cross[j] - 2.0 * ds[j] * self.log_std_curvature[j]),
        );
        if let Some(block) = extra_log_std {
            let offset = spec.log_std_offset();
            for (f, b) in flat[offset..].iter_mut().zip(block) {
                *f += b;
            }
        }
        flat
    }
}

/// A score term of [`LogLikelihoodHessian::product_with_scores`]: from `J v` and the log-std
/// direction, the extra cotangent of the means and the extra log-std block.
type ScoreTerm<'a> = dyn FnMut(&Matrix, &[f64]) -> (Matrix, Vec<f64>) + 'a;

/// Exact Fisher-vector products of the Gaussian policy at θ averaged over a batch of states:
/// `F v = (1/N) Σ_t J_tᵀ diag(e^{−2s}) J_t v` for the mean parameters and `2 v_s` for the
/// log-std (the Fisher of a diagonal Gaussian in (μ, log σ)). `J v` is a forward tangent and
/// `Jᵀ (·)` a reverse pass, both on the activations kept at θ.
pub struct FisherMetric {
    linearization: Linearization,
    scaled_precision: Matrix,
}

impl FisherMetric {
    /// Linearizes the policy at `theta` on `obs` (rows x obs_dim).
    pub fn new(spec: &PolicySpec, theta: &[f64], obs: &Matrix) -> Self {
        let linearization = Linearization::new(spec, theta, obs);
        let rows = linearization.rows();
        let scale = 1.0 / rows.max(1) as f64;
        let precision = (linearization.log_std.clone() * -2.0).exp() * scale;
        let scaled_precision = precision.broadcast_like::<_, Axis<0>>(&(rows, spec.act_dim));
        FisherMetric {
            linearization,
            scaled_precision,
        }
    }

    /// `F v`.
    pub fn product(&self, v: &[f64]) -> Vec<f64> {
        let lin = &self.linearization;
        let jv = lin.jacobian_vector_product(v);
        let mut flat = lin.reverse(jv * self.scaled_precision.clone(), None);
        let ds = &v[lin.spec.log_std_offset()..];
        flat.extend(ds.iter().map(|d| 2.0 * d));
        flat
    }
}

#[cfg(test)]
mod tests;
