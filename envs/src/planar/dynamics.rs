//! Per-task dynamics multipliers: the `rand_param_envs` recipe of ProMP (Rothfuss et al. 2019) and
//! PEARL (Rakelly et al. 2019), `HopperRandParamsEnv` / `Walker2DRandParamsEnv`.
//!
//! Each element of four parameter arrays is multiplied independently by `base^u`, `u ~ U(-3, 3)`:
//!
//! | array | elements (this crate) | base | multiplier range |
//! |---|---|---|---|
//! | body mass | one per body (torso first, then the links) | 1.5 | 0.30 - 3.38 |
//! | body inertia | one per body (rotational inertia about the centre of mass; armature excluded) | 1.5 | 0.30 - 3.38 |
//! | joint damping | one per hinge (the root's degrees of freedom have no damping to scale) | 1.3 | 0.46 - 2.20 |
//! | friction | the ground, then one per capsule ([`super::Robot::geoms`] order) | 1.5 | 0.30 - 3.38 |
//!
//! A task is the vector of exponents `u` in that order (mass, inertia, damping, friction), so its
//! entries lie in [-3, 3]: the "log-scale" parameters an oracle observes. MuJoCo's `body_mass`
//! also holds the world body and `geom_friction` the floor; the world body has no mass to scale,
//! the floor is the first friction element here.

use rand::distributions::{Distribution, Uniform};

use super::robot::Robot;

/// Bound of the exponents: `u ~ U(-LOG_SCALE_LIMIT, LOG_SCALE_LIMIT)` (ProMP's `log_scale_limit`).
pub const LOG_SCALE_LIMIT: f64 = 3.0;
/// Base of the mass, inertia and friction multipliers.
pub const BASE: f64 = 1.5;
/// Base of the damping multipliers.
pub const DAMPING_BASE: f64 = 1.3;

/// Multipliers on a robot's nominal dynamics (all 1 for the nominal robot).
#[derive(Clone, Debug, PartialEq)]
pub struct Dynamics {
    /// Body masses, one per body.
    pub mass: Vec<f64>,
    /// Body rotational inertias, one per body.
    pub inertia: Vec<f64>,
    /// Hinge damping, one per link.
    pub damping: Vec<f64>,
    /// Friction coefficients: the ground, then one per capsule.
    pub friction: Vec<f64>,
}

impl Dynamics {
    /// The nominal robot: every multiplier 1.
    pub fn nominal(robot: &Robot) -> Self {
        let [bodies, links, frictions] = Self::sizes(robot);
        Self {
            mass: vec![1.0; bodies],
            inertia: vec![1.0; bodies],
            damping: vec![1.0; links],
            friction: vec![1.0; frictions],
        }
    }

    /// Number of exponents in a task of `robot`: 2 per body, 1 per link, 1 + 1 per capsule.
    pub fn task_len(robot: &Robot) -> usize {
        let [bodies, links, frictions] = Self::sizes(robot);
        2 * bodies + links + frictions
    }

    /// The multipliers of the exponents `u` (a task, in the module's order).
    ///
    /// # Errors
    /// A one-line message if `u` has the wrong length or an entry outside
    /// [-[`LOG_SCALE_LIMIT`], [`LOG_SCALE_LIMIT`]] (or not finite).
    pub fn from_exponents(robot: &Robot, u: &[f64]) -> Result<Self, String> {
        let expected = Self::task_len(robot);
        if u.len() != expected {
            return Err(format!("expected {expected} exponents, got {}", u.len()));
        }
        if let Some(bad) = u
            .iter()
            .find(|x| !x.is_finite() || x.abs() > LOG_SCALE_LIMIT)
        {
            return Err(format!(
                "exponent {bad} is outside [-{LOG_SCALE_LIMIT}, {LOG_SCALE_LIMIT}]"
            ));
        }
        let [bodies, links, _] = Self::sizes(robot);
        let powers = |base: f64, part: &[f64]| part.iter().map(|x| base.powf(*x)).collect();
        let (mass, rest) = u.split_at(bodies);
        let (inertia, rest) = rest.split_at(bodies);
        let (damping, friction) = rest.split_at(links);
        Ok(Self {
            mass: powers(BASE, mass),
            inertia: powers(BASE, inertia),
            damping: powers(DAMPING_BASE, damping),
            friction: powers(BASE, friction),
        })
    }

    /// Draws a task: [`Dynamics::task_len`] exponents, each uniform in [-3, 3), in order.
    pub fn sample_exponents(robot: &Robot, rng: &mut dyn rand::RngCore) -> Vec<f64> {
        let u = Uniform::new(-LOG_SCALE_LIMIT, LOG_SCALE_LIMIT);
        (0..Self::task_len(robot)).map(|_| u.sample(rng)).collect()
    }

    /// Element counts: bodies, links, frictions (ground + capsules).
    fn sizes(robot: &Robot) -> [usize; 3] {
        [
            robot.num_bodies(),
            robot.links.len(),
            1 + robot.torso.len() + robot.links.len(),
        ]
    }
}
