//! The planar half-cheetah as a Rapier world, built from MuJoCo `half_cheetah.xml`'s parameters.
//!
//! # Conventions
//!
//! MuJoCo's cheetah lives in the x-z plane and its hinges turn about +y. The 2D world here maps
//! MuJoCo x -> 2D x and MuJoCo z -> 2D y (up). A rotation by `alpha` about +y turns +z towards +x,
//! which is *clockwise* seen in the 2D (x right, y up) view, so every MuJoCo hinge angle is minus
//! the 2D counter-clockwise angle: a joint range `[lo, hi]` becomes the Rapier limits `[-hi, -lo]`,
//! and a positive MuJoCo actuator torque turns the child clockwise (2D torque `-gear * a` on the
//! child, `+gear * a` on the parent). A geom's `axisangle="0 1 0 alpha"` turns the capsule's
//! default axis (+z) into `(sin alpha, cos alpha)` in the 2D (x, y) plane; its endpoints are
//! `pos ± half_len * (sin alpha, cos alpha)` in the body frame.
//!
//! [`CheetahState`] holds MuJoCo's generalized coordinates in MuJoCo's order and signs (`qpos`:
//! rootx, rootz, rooty, 6 hinges; `qvel` the same 9 rates), except that rootz is the absolute
//! height of the torso origin (MuJoCo's slide joint measures it from the initial 0.7). Angles read
//! back from Rapier are wrapped to [-π, π] (MuJoCo's rooty is unwrapped; wrapping keeps the
//! observation box finite).
//!
//! # Mass model
//!
//! Each capsule (radius [`RADIUS`]) has the mass of density [`DENSITY`] on its 3D volume
//! (cylinder `π r² · 2h` plus sphere `4/3 π r³`) and MuJoCo's capsule inertia about the hinge axis
//! (`m_c (3r² + 4h²)/12 + 2/5 m_s r² + m_s · 2h (3r + 4h)/8`, `m_c`/`m_s` the cylinder/sphere
//! shares). `half_cheetah.xml` then rescales every mass and inertia with
//! `<compiler settotalmass="14">`: the density-1000 masses sum to 21.18 kg, so all are multiplied
//! by 14 / 21.18 ([`TOTAL_MASS`]; a description of the model that lists only the density-1000
//! masses misses this rescale). The resulting body masses,
//! inertias and centers of mass equal MuJoCo's compiled model (a test pins them). The masses are
//! set explicitly per collider through `ColliderBuilder::mass_properties`, and Rapier sums the
//! torso and head into the torso body.
//!
//! Armature: MuJoCo adds [`ARMATURE`] = 0.1 to the joint-space inertia of each hinge. Impulse
//! joints have no joint-space inertia, so it is approximated by adding 0.1 kg·m² to the child
//! link's rotational inertia about its center of mass. This is exact for the relative motion of a
//! link about its hinge with the parent held still; unlike MuJoCo's it also resists rotating the
//! link together with its parent (whole-body pitch inertia grows by ~0.6 kg·m²).
//!
//! # Joints, forces, contacts
//!
//! Rapier impulse revolute joints with limits `[-hi, -lo]`. Before every physics step of
//! [`TIMESTEP`] = 0.01 s, [`CheetahWorld::step`] sets on the two bodies of each hinge the equal and
//! opposite torques `gear · clip(a) - stiffness · q - damping · q̇` (actuator plus passive
//! spring-damper, from the state at the start of the step): MuJoCo also integrates joint stiffness
//! explicitly (its damping implicitly; `damping · dt / inertia` <= 0.6 here, so the explicit
//! damping is stable). Links collide only with the ground (a half-space at y = 0) through
//! [`InteractionGroups`]; friction 0.4 on both sides; speculative contacts within
//! [`PREDICTION_DISTANCE`] = 0.1 m (Rapier's default 0.02 m let fast impacts sink 5 cm); CCD off;
//! bodies never sleep. Rapier runs [`SOLVER_ITERATIONS`] = 2 substeps per physics step.
//!
//! # Joint type and solver iterations (measured)
//!
//! One-off experiments: the rows other than the chosen one were measured with variants of this
//! file that are not kept in the repository (other joint types and solver settings), so only the
//! chosen row can be re-measured (`metarl bench envs --env cheetah-vel`, `metarl bench soak --env
//! cheetah-vel`); the table records why the chosen setting was chosen.
//!
//! Release build, one thread, random actions uniform in [-1, 1]^6, noise-free reset every 200
//! env steps, 1e5 env steps per row (2026-11-22, on the 2 cores shared with a training run: rates
//! are per CPU second; wall-clock rates were 1-10 % lower). Overshoot: largest hinge angle beyond
//! its range at an env step; penetration: deepest capsule point below the ground; speed: torso
//! speed at 2 s and 10 s at zero action from the initial state; drift: |x(10 s) - x(2 s)|.
//!
//! | joints, passive spring-damper | solver iterations | env steps/s | overshoot (rad) | penetration (m) | speed 2 s / 10 s (m/s) | drift (m) |
//! |---|---|---|---|---|---|---|
//! | **impulse, explicit torques (chosen)** | **2** | **35.6k** | **0.136** | **0.004** | **0.021 / 0.000** | **0.003** |
//! | impulse, explicit torques | 3 | 30.1k | 0.085 | 0.004 | 0.024 / 0.000 | 0.003 |
//! | impulse, explicit torques | 4 | 26.1k | 0.065 | 0.004 | 0.026 / 0.000 | 0.003 |
//! | impulse, implicit force-based joint motor | 2 | 35.8k | 0.142 | 0.003 | 0.014 / 0.008 | 0.055 |
//! | impulse, implicit force-based joint motor | 4 | 24.1k | 0.055 | 0.004 | 0.016 / 0.002 | 0.016 |
//! | multibody (exact armature, implicit spring and damping) | 2 | 16.1k | 0.077 | 0.034 | 0.016 / 0.000 | 0.000 |
//! | multibody (exact armature, implicit spring and damping) | 4 | 9.7k | 0.039 | 0.035 | 0.017 / 0.000 | 0.001 |
//! | MuJoCo 4.0, Gymnasium 1.4 `half_cheetah.xml` (reference; Python loop) | - | 24k | 0.21 | 0.089 | 0.002 / 0.000 | 0.000 |
//!
//! Decision: impulse joints, explicit spring-damper torques, 2 solver iterations: the only
//! configuration at >= 30k env steps/s (the full [`super::Cheetah`] env with observations and
//! noisy resets: 34k/s wall clock). Its limit overshoot comes from Rapier's limits engaging only
//! once crossed (overshoot ≈ hinge speed × substep length, 25-30 rad/s × 5 ms at the feet); it is
//! still below MuJoCo's, whose soft limits (`solimplimit="0 .8 .03"`) overshoot by 0.21 rad under
//! the same random actions. More iterations buy smaller overshoot at 4-5k env steps/s each. The
//! implicit joint motor makes a resting cheetah creep forward (5.5 cm in 8 s at 2 iterations);
//! multibody joints are 2-4x slower.
//!
//! # Limit overshoot against cost (measured)
//!
//! As above, the rows other than the chosen one come from variants that are not kept; the chosen
//! row is re-measured by `metarl bench soak --env cheetah-vel --steps 1000000` (overshoot,
//! penetration) and `metarl bench envs --env cheetah-vel` (speed).
//!
//! Overshoot and penetration: worst over one `metarl bench soak --env cheetah-vel --steps 1000000`
//! (random actions, 5000 episodes with reset noise, so penetration includes feet started in the
//! ground). Speed: release build, env steps per CPU second, median of three 2e5-step soaks, or
//! (*) the rate of the 1e6-step soak; 2026-11-22 on the 2 cores shared with other builds and a
//! training run (wall-clock rates were 5-10 % lower, far lower when starved). All rows but the
//! first run without the broad phase's BVH optimizer (see [`CheetahWorld::new`]): that changes no
//! result here (same soak and test numbers to the last digit) and saves ~10 % of the time.
//!
//! | setting | env steps/s | overshoot (rad) | penetration (m) |
//! |---|---|---|---|
//! | 2 iterations, BVH optimizer on (before) | 32.9k | 0.136 | 0.035 |
//! | **2 iterations (chosen)** | **36.6k** | **0.136** | **0.035** |
//! | 3 iterations | 30.5k | 0.097 | 0.035 |
//! | 4 iterations * | 24.9k | 0.082 | 0.035 |
//! | 5 iterations * | 23.0k | 0.065 | 0.035 |
//! | 6 iterations * | 20.6k | 0.064 | 0.035 |
//! | 2 iterations + explicit speculative brake torque * | 36.2k | 0.127 | 0.035 |
//! | 3 iterations + explicit speculative brake torque * | 28.9k | 0.085 | 0.035 |
//! | 4 iterations + explicit speculative brake torque * | 25.0k | 0.080 | 0.035 |
//!
//! 3 iterations now sit at the 30k line (30.5k per CPU second, 28-29k wall clock here): the choice
//! between 2 and 3 is 6k env steps/s against 0.04 rad of overshoot; 2 are kept. No setting tried
//! reaches 0.05 rad at >= 30k env steps/s, and from 5 iterations on the overshoot stops shrinking
//! with the substep length: the worst cases are then feet struck by the ground, which spins them at
//! up to 40 rad/s relative to the shin within one physics step. Tried and dropped (2e5-step soaks,
//! where the chosen row gives 0.118 rad): 2 internal PGS iterations per substep (0.145), joint
//! warm-starting (0.122), no stabilization pass (3 iterations: 0.112, at the speed of 2), faster
//! limit recovery (`normalized_max_corrective_velocity` 30: 0.132), a 0.025 s physics step with 6-8
//! substeps (0.18-0.24 rad and 11 cm penetration). Rapier 0.36 has no speculative joint limits (a
//! limit row is built only once the angle is past it). The explicit brake (a unilateral torque,
//! from the joint-space inverse inertia, that makes a hinge predicted to cross within the step
//! arrive at the limit) removes the predictable part only; it never reached 0.05 and it goes
//! unstable when it over-brakes. Mechanical stops as speculative contacts (a massless ball on the
//! child against walls on the parent, solved with the contacts) handle the coupling (2 iterations:
//! 0.079 rad *) but cost 40 % of the speed (21.5k *), mostly in the broad phase.

use rapier2d::geometry::{BroadPhaseBvh, BvhOptimizationStrategy};
use rapier2d::prelude::{
    ColliderBuilder, Group, ImpulseJointHandle, InteractionGroups, InteractionTestMode,
    MassProperties, PhysicsWorld, RevoluteJointBuilder, RigidBodyBuilder, RigidBodyHandle,
    SharedShape, Vector,
};

/// Number of actuated hinges (the action dimension).
pub const NUM_JOINTS: usize = 6;
/// Number of rigid bodies: the torso (index 0) and one per hinge (index = hinge index + 1).
pub const NUM_BODIES: usize = NUM_JOINTS + 1;
/// Number of generalized coordinates (rootx, rootz, rooty, 6 hinges) and of velocities.
pub const NUM_DOFS: usize = NUM_JOINTS + 3;
/// Radius of every capsule (m).
pub const RADIUS: f64 = 0.046;
/// Density of the capsules before the total-mass rescale (kg/m^3).
pub const DENSITY: f64 = 1000.0;
/// Total mass after `half_cheetah.xml`'s `settotalmass="14"` (kg).
pub const TOTAL_MASS: f64 = 14.0;
/// Armature (reflected rotor inertia) of each hinge (kg·m²), see the module docs.
pub const ARMATURE: f64 = 0.1;
/// Coulomb friction coefficient of the capsules and the ground.
pub const FRICTION: f64 = 0.4;
/// Physics time step (s).
pub const TIMESTEP: f64 = 0.01;
/// Height of the torso origin in the initial configuration (m).
pub const INITIAL_HEIGHT: f64 = 0.7;
/// Rapier solver iterations (substeps) per physics step (see the decision table).
pub const SOLVER_ITERATIONS: usize = 2;
/// Rapier's speculative contact distance (m; its default 0.02 lets fast impacts sink up to 5 cm).
pub const PREDICTION_DISTANCE: f64 = 0.1;
/// Gravity (m/s², along -y).
pub const GRAVITY: f64 = 9.81;

/// One hinge of `half_cheetah.xml` and the capsule of its child body, in MuJoCo's (x, z)
/// coordinates and sign conventions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct JointSpec {
    /// Name of the joint, its child body and its actuator.
    pub name: &'static str,
    /// Body index of the parent (0 = torso).
    pub parent: usize,
    /// Position of the child body's origin (the hinge) in the parent's frame.
    pub body_pos: [f64; 2],
    /// Center of the child's capsule in the child's frame.
    pub geom_pos: [f64; 2],
    /// `axisangle` of the capsule about +y (rad).
    pub geom_angle: f64,
    /// Half length of the capsule's segment (m).
    pub half_len: f64,
    /// Hinge range `[lo, hi]` in MuJoCo's sign convention (rad).
    pub range: [f64; 2],
    /// Passive spring stiffness towards angle 0 (N·m/rad).
    pub stiffness: f64,
    /// Passive damping (N·m·s/rad).
    pub damping: f64,
    /// Actuator gear: torque = gear · clip(a, -1, 1) (N·m).
    pub gear: f64,
}

/// The six hinges, in action and observation order: bthigh, bshin, bfoot, fthigh, fshin, ffoot.
pub const JOINTS: [JointSpec; NUM_JOINTS] = [
    JointSpec {
        name: "bthigh",
        parent: 0,
        body_pos: [-0.5, 0.0],
        geom_pos: [0.1, -0.13],
        geom_angle: -3.8,
        half_len: 0.145,
        range: [-0.52, 1.05],
        stiffness: 240.0,
        damping: 6.0,
        gear: 120.0,
    },
    JointSpec {
        name: "bshin",
        parent: 1,
        body_pos: [0.16, -0.25],
        geom_pos: [-0.14, -0.07],
        geom_angle: -2.03,
        half_len: 0.15,
        range: [-0.785, 0.785],
        stiffness: 180.0,
        damping: 4.5,
        gear: 90.0,
    },
    JointSpec {
        name: "bfoot",
        parent: 2,
        body_pos: [-0.28, -0.14],
        geom_pos: [0.03, -0.097],
        geom_angle: -0.27,
        half_len: 0.094,
        range: [-0.4, 0.785],
        stiffness: 120.0,
        damping: 3.0,
        gear: 60.0,
    },
    JointSpec {
        name: "fthigh",
        parent: 0,
        body_pos: [0.5, 0.0],
        geom_pos: [-0.07, -0.12],
        geom_angle: 0.52,
        half_len: 0.133,
        range: [-1.0, 0.7],
        stiffness: 180.0,
        damping: 4.5,
        gear: 120.0,
    },
    JointSpec {
        name: "fshin",
        parent: 4,
        body_pos: [-0.14, -0.24],
        geom_pos: [0.065, -0.09],
        geom_angle: -0.6,
        half_len: 0.106,
        range: [-1.2, 0.87],
        stiffness: 120.0,
        damping: 3.0,
        gear: 60.0,
    },
    JointSpec {
        name: "ffoot",
        parent: 5,
        body_pos: [0.13, -0.18],
        geom_pos: [0.045, -0.07],
        geom_angle: -0.6,
        half_len: 0.07,
        range: [-0.5, 0.5],
        stiffness: 60.0,
        damping: 1.5,
        gear: 30.0,
    },
];

/// A capsule geom as the segment between its two endpoints, in its body's 2D frame (m).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Capsule {
    /// One endpoint of the segment.
    pub a: [f64; 2],
    /// The other endpoint.
    pub b: [f64; 2],
}

impl Capsule {
    /// The capsule of MuJoCo `pos`, `axisangle="0 1 0 angle"` and half length `half_len`.
    pub fn from_mujoco(pos: [f64; 2], angle: f64, half_len: f64) -> Self {
        let axis = [angle.sin(), angle.cos()];
        Self {
            a: [pos[0] - half_len * axis[0], pos[1] - half_len * axis[1]],
            b: [pos[0] + half_len * axis[0], pos[1] + half_len * axis[1]],
        }
    }

    /// Half length of the segment.
    pub fn half_len(&self) -> f64 {
        0.5 * (self.b[0] - self.a[0]).hypot(self.b[1] - self.a[1])
    }

    /// Midpoint of the segment (the capsule's center of mass).
    pub fn center(&self) -> [f64; 2] {
        [0.5 * (self.a[0] + self.b[0]), 0.5 * (self.a[1] + self.b[1])]
    }
}

/// Number of capsule geoms: torso, head and one per hinge.
pub const NUM_GEOMS: usize = NUM_BODIES + 1;

/// Every capsule geom with its body index: torso, head (both on the torso), then the links.
pub fn geoms() -> [(usize, Capsule); NUM_GEOMS] {
    let link = |j: usize| {
        let s = &JOINTS[j];
        (
            j + 1,
            Capsule::from_mujoco(s.geom_pos, s.geom_angle, s.half_len),
        )
    };
    [
        // fromto="-.5 0 0 .5 0 0"
        (
            0,
            Capsule {
                a: [-0.5, 0.0],
                b: [0.5, 0.0],
            },
        ),
        // pos=".6 0 .1" axisangle="0 1 0 .87" size="0.046 .15"
        (0, Capsule::from_mujoco([0.6, 0.1], 0.87, 0.15)),
        link(0),
        link(1),
        link(2),
        link(3),
        link(4),
        link(5),
    ]
}

/// Mass of a capsule of half length `half_len` with density [`DENSITY`] on its 3D volume
/// (before the total-mass rescale).
pub fn capsule_mass(half_len: f64) -> f64 {
    let r = RADIUS;
    let cylinder = std::f64::consts::PI * r * r * 2.0 * half_len;
    let sphere = 4.0 / 3.0 * std::f64::consts::PI * r * r * r;
    DENSITY * (cylinder + sphere)
}

/// MuJoCo's inertia of a capsule of mass `mass` about an axis through its center perpendicular
/// to its segment (the hinge axis).
pub fn capsule_inertia(mass: f64, half_len: f64) -> f64 {
    let (r, height) = (RADIUS, 2.0 * half_len);
    let sphere_volume = 4.0 / 3.0 * r * r * r;
    let sphere_mass = mass * sphere_volume / (sphere_volume + r * r * height);
    let cylinder_mass = mass - sphere_mass;
    cylinder_mass * (3.0 * r * r + height * height) / 12.0
        + 2.0 / 5.0 * sphere_mass * r * r
        + sphere_mass * height * (3.0 * r + 2.0 * height) / 8.0
}

/// Mass properties of one geom in its body's frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GeomInertia {
    /// Mass (kg), after the total-mass rescale.
    pub mass: f64,
    /// Center of mass in the body frame.
    pub com: [f64; 2],
    /// Rotational inertia about the center of mass (kg·m²), after the rescale, plus [`ARMATURE`]
    /// for the link geoms (the armature approximation, see the module docs).
    pub inertia: f64,
}

/// Mass properties of every geom of [`geoms`], in the same order.
pub fn geom_inertias() -> [GeomInertia; NUM_GEOMS] {
    let geoms = geoms();
    let raw_total: f64 = geoms.iter().map(|(_, c)| capsule_mass(c.half_len())).sum();
    let scale = TOTAL_MASS / raw_total;
    geoms.map(|(body, capsule)| {
        let h = capsule.half_len();
        let raw_mass = capsule_mass(h);
        let armature = if body == 0 { 0.0 } else { ARMATURE };
        GeomInertia {
            mass: scale * raw_mass,
            com: capsule.center(),
            inertia: scale * capsule_inertia(raw_mass, h) + armature,
        }
    })
}

/// Center of mass of each body in its own frame.
pub fn body_centers_of_mass() -> [[f64; 2]; NUM_BODIES] {
    let mut weighted = [[0.0; 3]; NUM_BODIES];
    for ((body, _), g) in geoms().iter().zip(geom_inertias()) {
        let w = &mut weighted[*body];
        w[0] += g.mass * g.com[0];
        w[1] += g.mass * g.com[1];
        w[2] += g.mass;
    }
    weighted.map(|[mx, my, m]| [mx / m, my / m])
}

/// A configuration and velocity of the cheetah in MuJoCo's generalized coordinates (see the
/// module docs for the order and signs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CheetahState {
    /// rootx, rootz (absolute height of the torso origin), rooty (pitch), then the 6 hinge angles.
    pub qpos: [f64; NUM_DOFS],
    /// d/dt of `qpos` (the torso origin's velocity, pitch rate, hinge rates).
    pub qvel: [f64; NUM_DOFS],
}

impl CheetahState {
    /// The initial configuration: torso origin at (0, [`INITIAL_HEIGHT`]), all angles 0, at rest.
    pub fn initial() -> Self {
        let mut qpos = [0.0; NUM_DOFS];
        qpos[1] = INITIAL_HEIGHT;
        Self {
            qpos,
            qvel: [0.0; NUM_DOFS],
        }
    }
}

/// Pose and velocity of one body in the 2D world (f64).
#[derive(Clone, Copy, Debug, PartialEq)]
struct BodyKinematics {
    origin: [f64; 2],
    angle: f64,
    origin_vel: [f64; 2],
    angvel: f64,
}

/// 2D cross product of the angular velocity `w` with `r`.
fn cross(w: f64, r: [f64; 2]) -> [f64; 2] {
    [-w * r[1], w * r[0]]
}

fn rotate(angle: f64, v: [f64; 2]) -> [f64; 2] {
    let (s, c) = angle.sin_cos();
    [c * v[0] - s * v[1], s * v[0] + c * v[1]]
}

/// Forward kinematics: every body's pose and origin velocity from generalized coordinates.
fn forward_kinematics(state: &CheetahState) -> [BodyKinematics; NUM_BODIES] {
    let (q, v) = (&state.qpos, &state.qvel);
    let mut out = [BodyKinematics {
        // MuJoCo angles are minus the 2D counter-clockwise angles.
        origin: [q[0], q[1]],
        angle: -q[2],
        origin_vel: [v[0], v[1]],
        angvel: -v[2],
    }; NUM_BODIES];
    for (j, spec) in JOINTS.iter().enumerate() {
        let p = out[spec.parent];
        let offset = rotate(p.angle, spec.body_pos);
        let drift = cross(p.angvel, offset);
        out[j + 1] = BodyKinematics {
            origin: [p.origin[0] + offset[0], p.origin[1] + offset[1]],
            angle: p.angle - q[3 + j],
            origin_vel: [p.origin_vel[0] + drift[0], p.origin_vel[1] + drift[1]],
            angvel: p.angvel - v[3 + j],
        };
    }
    out
}

/// Collision group of the ground.
const GROUND_GROUP: Group = Group::GROUP_1;
/// Collision group of the cheetah's capsules.
const LINK_GROUP: Group = Group::GROUP_2;

fn vector(v: [f64; 2]) -> Vector {
    Vector::new(v[0] as f32, v[1] as f32)
}

/// The 2D angle (counter-clockwise, in [-π, π]) of a Rapier rotation, computed in f64.
fn angle_of(rotation: &rapier2d::math::Rotation) -> f64 {
    f64::from(rotation.im).atan2(f64::from(rotation.re))
}

/// The cheetah in a Rapier world: 7 dynamic bodies, 6 revolute impulse joints, a ground half-space.
pub struct CheetahWorld {
    /// The Rapier world (public for inspection; stepping goes through [`CheetahWorld::step`]).
    pub world: PhysicsWorld,
    bodies: [RigidBodyHandle; NUM_BODIES],
    joints: [ImpulseJointHandle; NUM_JOINTS],
    /// Actuator torque on each body (2D sign), set by `set_controls`.
    actuator_torque: [f64; NUM_BODIES],
}

impl CheetahWorld {
    /// Builds the world with the cheetah in `state`, with `solver_iterations` solver iterations
    /// per physics step.
    ///
    /// # Panics
    /// If `solver_iterations` is 0.
    pub fn new(state: &CheetahState, solver_iterations: usize) -> Self {
        assert!(
            solver_iterations >= 1,
            "CheetahWorld: needs at least one solver iteration"
        );
        let mut world = PhysicsWorld::new();
        world.gravity = Vector::new(0.0, -GRAVITY as f32);
        world.integration_parameters.dt = TIMESTEP as f32;
        world.integration_parameters.num_solver_iterations = solver_iterations;
        world.integration_parameters.max_ccd_substeps = 0;
        world.integration_parameters.normalized_prediction_distance = PREDICTION_DISTANCE as f32;
        // With 9 colliders the broad phase's incremental BVH optimizer (re-building subtrees
        // every step) costs ~10 % of the step time and buys nothing; the pairs it finds, and so
        // the simulation, are unchanged without it.
        world.broad_phase =
            BroadPhaseBvh::with_optimization_strategy(BvhOptimizationStrategy::None);

        world.insert_collider(
            ColliderBuilder::new(SharedShape::halfspace(Vector::Y))
                .friction(FRICTION as f32)
                .collision_groups(InteractionGroups::new(
                    GROUND_GROUP,
                    LINK_GROUP,
                    InteractionTestMode::And,
                )),
            None,
        );

        let kinematics = forward_kinematics(state);
        let coms = body_centers_of_mass();
        let bodies: [RigidBodyHandle; NUM_BODIES] = std::array::from_fn(|i| {
            let k = &kinematics[i];
            // Rapier's linear velocity is the center of mass's.
            let com_offset = rotate(k.angle, coms[i]);
            let drift = cross(k.angvel, com_offset);
            world.insert_body(
                RigidBodyBuilder::dynamic()
                    .translation(vector(k.origin))
                    .rotation(k.angle as f32)
                    .linvel(vector([
                        k.origin_vel[0] + drift[0],
                        k.origin_vel[1] + drift[1],
                    ]))
                    .angvel(k.angvel as f32)
                    .can_sleep(false),
            )
        });
        for ((body, capsule), inertia) in geoms().iter().zip(geom_inertias()) {
            world.insert_collider(
                ColliderBuilder::new(SharedShape::capsule(
                    vector(capsule.a),
                    vector(capsule.b),
                    RADIUS as f32,
                ))
                .mass_properties(MassProperties::new(
                    vector(inertia.com),
                    inertia.mass as f32,
                    inertia.inertia as f32,
                ))
                .friction(FRICTION as f32)
                .collision_groups(InteractionGroups::new(
                    LINK_GROUP,
                    GROUND_GROUP,
                    InteractionTestMode::And,
                )),
                Some(bodies[*body]),
            );
        }
        let joints = std::array::from_fn(|j| {
            let spec = &JOINTS[j];
            let joint = RevoluteJointBuilder::new()
                .local_anchor1(vector(spec.body_pos))
                .local_anchor2(Vector::ZERO)
                .limits([-spec.range[1] as f32, -spec.range[0] as f32])
                .contacts_enabled(false);
            world.insert_impulse_joint(bodies[spec.parent], bodies[j + 1], joint)
        });
        Self {
            world,
            bodies,
            joints,
            actuator_torque: [0.0; NUM_BODIES],
        }
    }

    /// Sets the actuator torques `gear · ctrl` (MuJoCo sign), applied at every following
    /// [`CheetahWorld::step`] until the next call.
    ///
    /// `ctrl` should already lie in [-1, 1] (the env clips actions); each torque acts on the child
    /// (2D torque `-gear · ctrl`) and, opposite, on the parent.
    pub fn set_controls(&mut self, ctrl: &[f64; NUM_JOINTS]) {
        let mut torque = [0.0f64; NUM_BODIES];
        for (j, (spec, c)) in JOINTS.iter().zip(ctrl).enumerate() {
            let t = spec.gear * c;
            torque[j + 1] -= t;
            torque[spec.parent] += t;
        }
        self.actuator_torque = torque;
    }

    /// Advances the physics by one time step of [`TIMESTEP`]: the passive spring-damper torques
    /// `-stiffness · q - damping · q̇` are computed from the current state (explicitly, like
    /// MuJoCo's joint stiffness) and added to the actuator torques for this step.
    pub fn step(&mut self) {
        let mut torque = self.actuator_torque;
        let (q, qd) = self.joint_coordinates();
        for (j, spec) in JOINTS.iter().enumerate() {
            // MuJoCo-sign hinge torque; the 2D torque on the child is its negative.
            let t = -spec.stiffness * q[j] - spec.damping * qd[j];
            torque[j + 1] -= t;
            torque[spec.parent] += t;
        }
        for (handle, t) in self.bodies.iter().zip(torque) {
            let body = &mut self.world.bodies[*handle];
            body.reset_torques(true);
            body.add_torque(t as f32, true);
        }
        self.world.step();
    }

    /// Hinge angles and velocities (MuJoCo sign convention, angles wrapped to [-π, π]).
    pub fn joint_coordinates(&self) -> ([f64; NUM_JOINTS], [f64; NUM_JOINTS]) {
        let body = |i: usize| &self.world.bodies[self.bodies[i]];
        let mut q = [0.0; NUM_JOINTS];
        let mut qd = [0.0; NUM_JOINTS];
        for (j, spec) in JOINTS.iter().enumerate() {
            let (parent, child) = (body(spec.parent), body(j + 1));
            let relative = parent.rotation().inverse() * *child.rotation();
            q[j] = -angle_of(&relative);
            qd[j] = -(f64::from(child.angvel()) - f64::from(parent.angvel()));
        }
        (q, qd)
    }

    /// x of the torso origin (rootx).
    pub fn torso_x(&self) -> f64 {
        f64::from(self.world.bodies[self.bodies[0]].translation().x)
    }

    /// The current generalized coordinates and velocities (see the module docs).
    pub fn state(&self) -> CheetahState {
        let body = |i: usize| &self.world.bodies[self.bodies[i]];
        let torso = body(0);
        let origin = torso.translation();
        let origin_vel = torso.velocity_at_point(origin);
        let mut qpos = [0.0; NUM_DOFS];
        let mut qvel = [0.0; NUM_DOFS];
        qpos[0] = f64::from(origin.x);
        qpos[1] = f64::from(origin.y);
        qpos[2] = -angle_of(torso.rotation());
        qvel[0] = f64::from(origin_vel.x);
        qvel[1] = f64::from(origin_vel.y);
        qvel[2] = -f64::from(torso.angvel());
        let (q, qd) = self.joint_coordinates();
        qpos[3..].copy_from_slice(&q);
        qvel[3..].copy_from_slice(&qd);
        CheetahState { qpos, qvel }
    }

    /// Height of the lowest capsule point of each geom of [`geoms`] (negative = below the ground).
    pub fn geom_bottoms(&self) -> [f64; NUM_GEOMS] {
        geoms().map(|(body, capsule)| {
            let rb = &self.world.bodies[self.bodies[body]];
            let (t, r) = (rb.translation(), rb.rotation());
            let y = |p: [f64; 2]| {
                let (s, c) = (f64::from(r.im), f64::from(r.re));
                f64::from(t.y) + s * p[0] + c * p[1]
            };
            y(capsule.a).min(y(capsule.b)) - RADIUS
        })
    }

    /// Handles of the bodies: torso, then the child of each hinge in [`JOINTS`] order.
    pub fn bodies(&self) -> &[RigidBodyHandle; NUM_BODIES] {
        &self.bodies
    }

    /// Handles of the six revolute joints, in [`JOINTS`] order.
    pub fn joints(&self) -> &[ImpulseJointHandle; NUM_JOINTS] {
        &self.joints
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masses_follow_density_1000_rescaled_to_14_kg() {
        let inertias = geom_inertias();
        let total: f64 = inertias.iter().map(|g| g.mass).sum();
        assert!((total - TOTAL_MASS).abs() < 1e-12, "{total}");
        let raw_total: f64 = geoms()
            .iter()
            .map(|(_, c)| capsule_mass(c.half_len()))
            .sum();
        assert!((raw_total - 21.18).abs() < 0.01, "{raw_total}");
        // Density 1000 on the torso capsule's 3D volume (half length 0.5, radius 0.046).
        assert!((capsule_mass(0.5) - 7.0559).abs() < 1e-3);
    }

    #[test]
    fn body_masses_inertias_and_centers_match_mujoco_compiled_half_cheetah() {
        // MuJoCo 4.0 compiling Gymnasium 1.4 half_cheetah.xml: body_mass, body_inertia about y, body_ipos.
        let mass = [
            6.250209, 1.543515, 1.587448, 1.095397, 1.438075, 1.200837, 0.884519,
        ];
        let inertia = [
            0.897118, 0.016844, 0.018267, 0.006352, 0.01374, 0.008222, 0.003529,
        ];
        let torso_com = [0.15239, 0.025398];
        let coms = body_centers_of_mass();
        assert!(
            (coms[0][0] - torso_com[0]).abs() < 1e-5 && (coms[0][1] - torso_com[1]).abs() < 1e-5
        );
        for body in 0..NUM_BODIES {
            let (mut m, mut i) = (0.0, 0.0);
            for ((b, _), g) in geoms().iter().zip(geom_inertias()) {
                if *b == body {
                    let armature = if body == 0 { 0.0 } else { ARMATURE };
                    let d2 =
                        (g.com[0] - coms[body][0]).powi(2) + (g.com[1] - coms[body][1]).powi(2);
                    m += g.mass;
                    i += g.inertia - armature + g.mass * d2;
                }
            }
            assert!((m / mass[body] - 1.0).abs() < 1e-5, "body {body}: mass {m}");
            assert!(
                (i / inertia[body] - 1.0).abs() < 1e-3,
                "body {body}: inertia {i}"
            );
        }
    }

    #[test]
    fn capsule_inertia_tends_to_the_rod_and_sphere_limits() {
        // A long thin capsule is nearly a rod: m L^2 / 12.
        let long = capsule_inertia(1.0, 50.0);
        assert!(
            (long / (100.0f64.powi(2) / 12.0) - 1.0).abs() < 1e-2,
            "{long}"
        );
        // A zero-length capsule is a sphere: 2/5 m r^2.
        let ball = capsule_inertia(1.0, 0.0);
        assert!((ball - 0.4 * RADIUS * RADIUS).abs() < 1e-15, "{ball}");
    }

    #[test]
    fn geoms_match_the_mujoco_layout() {
        let g = geoms();
        // Head: tilted 0.87 rad up and forward from (0.6, 0.1).
        let head = g[1].1;
        assert!((head.half_len() - 0.15).abs() < 1e-12);
        let center = head.center();
        assert!((center[0] - 0.6).abs() < 1e-12 && (center[1] - 0.1).abs() < 1e-12);
        assert!(head.b[0] > head.a[0] && head.b[1] > head.a[1]);
        // The back thigh runs from near its hinge down to near the shin's hinge (0.16, -0.25).
        let bthigh = g[2].1;
        let near = |p: [f64; 2], q: [f64; 2]| (p[0] - q[0]).hypot(p[1] - q[1]) < 0.04;
        assert!(
            near(bthigh.a, [0.0, 0.0]) || near(bthigh.b, [0.0, 0.0]),
            "{bthigh:?}"
        );
        assert!(
            near(bthigh.a, [0.16, -0.25]) || near(bthigh.b, [0.16, -0.25]),
            "{bthigh:?}"
        );
    }

    #[test]
    fn state_round_trips_through_the_rapier_world() {
        let mut state = CheetahState::initial();
        state.qpos = [0.3, 0.8, 0.2, 0.3, -0.5, 0.4, -0.6, 0.7, -0.3];
        state.qvel = [1.0, -0.5, 0.7, -2.0, 1.5, 0.3, -0.8, 2.2, -1.1];
        let world = CheetahWorld::new(&state, SOLVER_ITERATIONS);
        let back = world.state();
        for i in 0..NUM_DOFS {
            assert!(
                (back.qpos[i] - state.qpos[i]).abs() < 1e-5,
                "qpos {i}: {back:?}"
            );
            assert!(
                (back.qvel[i] - state.qvel[i]).abs() < 1e-5,
                "qvel {i}: {back:?}"
            );
        }
    }

    #[test]
    fn initial_pose_has_the_feet_lowest_and_above_the_ground() {
        let world = CheetahWorld::new(&CheetahState::initial(), SOLVER_ITERATIONS);
        let bottoms = world.geom_bottoms();
        // bfoot ≈ 0.076 m and ffoot ≈ 0.106 m above the ground; the torso at 0.7 - r.
        assert!((bottoms[4] - 0.076).abs() < 0.005, "{bottoms:?}");
        assert!((bottoms[7] - 0.106).abs() < 0.005, "{bottoms:?}");
        assert!((bottoms[0] - (INITIAL_HEIGHT - RADIUS)).abs() < 1e-6);
        assert!(bottoms.iter().all(|&b| b >= bottoms[4]));
    }

    #[test]
    fn positive_mujoco_torque_increases_the_mujoco_joint_angle() {
        // Torso held up by nothing: a short burst in free fall shows the sign of each hinge.
        for j in 0..NUM_JOINTS {
            let mut world = CheetahWorld::new(&CheetahState::initial(), SOLVER_ITERATIONS);
            let mut ctrl = [0.0; NUM_JOINTS];
            ctrl[j] = 0.5;
            world.set_controls(&ctrl);
            world.step();
            world.step();
            let s = world.state();
            assert!(s.qpos[3 + j] > 0.0, "{}: {:?}", JOINTS[j].name, s.qpos);
            assert!(s.qvel[3 + j] > 0.0, "{}: {:?}", JOINTS[j].name, s.qvel);
        }
    }
}
