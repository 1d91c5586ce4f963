//! What makes a planar runner an environment: its robot, frame skip, reward weights, health rule
//! and reset noise (Gymnasium's `Hopper-v5` / `Walker2d-v5` constructor arguments).

use crate::planar::Robot;

/// Gymnasium's health rule: the episode terminates when the robot is unhealthy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Health {
    /// Open interval of healthy torso heights (rootz, m).
    pub z: (f64, f64),
    /// Healthy pitch: |rooty| below this (rad).
    pub pitch: f64,
    /// If set, every entry of `qpos[2..]` and of the (unclipped) `qvel` must lie strictly within
    /// ± this bound (Gymnasium's `healthy_state_range`, hopper only).
    pub state_bound: Option<f64>,
}

impl Health {
    /// Whether the state is healthy.
    pub fn is_healthy(&self, qpos: &[f64], qvel: &[f64]) -> bool {
        let (z, pitch) = (qpos[1], qpos[2]);
        let state_ok = self
            .state_bound
            .is_none_or(|b| qpos[2..].iter().chain(qvel).all(|x| -b < *x && *x < b));
        self.z.0 < z && z < self.z.1 && pitch.abs() < self.pitch && state_ok
    }
}

/// Reset noise added to the initial state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ResetNoise {
    /// Uniform ±scale on every `qpos` and `qvel` entry (Gymnasium hopper and walker; `qpos`
    /// first, in order, then `qvel`).
    Uniform(f64),
    /// Uniform ±scale on `qpos[1..]` (rootx gets none), then `scale · N(0, 1)` on every `qvel`
    /// entry (rllab's and Gymnasium's half-cheetah).
    UniformPositionsNormalVelocities(f64),
}

/// A planar runner (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Body {
    /// The robot.
    pub robot: &'static Robot,
    /// Physics steps per env step.
    pub frame_skip: usize,
    /// Weight of the squared action norm in `reward_ctrl = -weight · |clip(a)|²`.
    pub ctrl_cost_weight: f64,
    /// `reward_healthy` per step while healthy.
    pub healthy_reward: f64,
    /// The termination rule (`None`: never terminates).
    pub health: Option<Health>,
    /// Observed velocities are clipped to ± this (Gymnasium's hopper and walker: 10).
    pub velocity_clip: f64,
    /// The reset noise.
    pub reset_noise: ResetNoise,
    /// Default episode time limit H.
    pub horizon: usize,
}

impl Body {
    /// Simulated seconds per env step: `timestep · frame_skip`.
    pub fn dt(&self) -> f64 {
        self.robot.timestep * self.frame_skip as f64
    }

    /// Dimension of the base observation: `qpos[1..]` and `qvel`.
    pub fn obs_dim(&self) -> usize {
        2 * self.robot.num_dofs() - 1
    }
}
