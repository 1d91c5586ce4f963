//! The planar half-cheetah of MuJoCo `half_cheetah.xml` as a [`Robot`] (simulated by
//! [`crate::planar::PlanarWorld`]), and the measurements behind its simulation settings.
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
//! The state ([`crate::planar::PlanarState`]) holds MuJoCo's generalized coordinates in MuJoCo's
//! order and signs (`qpos`: rootx, rootz, rooty, 6 hinges; `qvel` the same 9 rates), except that
//! rootz is the absolute height of the torso origin (MuJoCo's slide joint measures it from the
//! initial 0.7). Angles read back from Rapier are wrapped to [-π, π] (MuJoCo's rooty is
//! unwrapped; wrapping keeps the observation box finite).
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
//! inertias and centers of mass equal MuJoCo's compiled model (a test pins them). Each body's
//! mass properties (the torso's sum the torso and head capsules) are set on the body.
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
//! [`TIMESTEP`] = 0.01 s, [`crate::planar::PlanarWorld::step`] sets on the two bodies of each hinge the equal and
//! opposite torques `gear · clip(a) - stiffness · q - damping · q̇` (actuator plus passive
//! spring-damper, from the state at the start of the step): MuJoCo also integrates joint stiffness
//! explicitly (its damping implicitly; `damping · dt / inertia` <= 0.6 here, so the explicit
//! damping is stable). Links collide only with the ground (a half-space at y = 0) through
//! `InteractionGroups`; friction 0.4 on both sides; speculative contacts within
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
//! configuration at >= 30k env steps/s (the full cheetah env with observations and
//! noisy resets: 34k/s wall clock). These tables were measured with the cheetah's own Rapier world
//! (per-capsule masses, fixed-size arrays) before the cheetah moved onto the generic planar world;
//! the settings are the same. Its limit overshoot comes from Rapier's limits engaging only
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
//! first run without the broad phase's BVH optimizer (see [`crate::planar::PlanarWorld`]): that changes no
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

use std::sync::OnceLock;

use crate::planar::{ArmatureModel, CapsuleGeom, Link, Robot};

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

/// The capsule of MuJoCo `pos`, `axisangle="0 1 0 angle"` and half length `half_len` in a body
/// whose origin is at `origin` (initial pose, world frame).
fn capsule(origin: [f64; 2], pos: [f64; 2], angle: f64, half_len: f64) -> CapsuleGeom {
    let axis = [angle.sin(), angle.cos()];
    let center = [origin[0] + pos[0], origin[1] + pos[1]];
    CapsuleGeom {
        a: [
            center[0] - half_len * axis[0],
            center[1] - half_len * axis[1],
        ],
        b: [
            center[0] + half_len * axis[0],
            center[1] + half_len * axis[1],
        ],
        radius: RADIUS,
        friction: FRICTION,
    }
}

/// The half-cheetah as a planar [`Robot`]: torso (capsule `fromto="-.5 0 0 .5 0 0"`) and head
/// (`pos=".6 0 .1" axisangle="0 1 0 .87"`, half length 0.15) on the torso, then one capsule per
/// hinge of [`JOINTS`], in the initial pose with the torso origin at (0, [`INITIAL_HEIGHT`]).
pub fn robot() -> &'static Robot {
    static ROBOT: OnceLock<Robot> = OnceLock::new();
    ROBOT.get_or_init(|| {
        let root = [0.0, INITIAL_HEIGHT];
        // Body origins in the initial pose (every angle 0): the root, then each hinge.
        let mut origins = vec![root];
        for joint in &JOINTS {
            let parent = origins[joint.parent];
            origins.push([parent[0] + joint.body_pos[0], parent[1] + joint.body_pos[1]]);
        }
        let torso = vec![
            CapsuleGeom {
                a: [root[0] - 0.5, root[1]],
                b: [root[0] + 0.5, root[1]],
                radius: RADIUS,
                friction: FRICTION,
            },
            capsule(root, [0.6, 0.1], 0.87, 0.15),
        ];
        let links: Vec<Link> = JOINTS
            .iter()
            .enumerate()
            .map(|(j, joint)| Link {
                name: joint.name,
                parent: joint.parent,
                anchor: origins[j + 1],
                geom: capsule(
                    origins[j + 1],
                    joint.geom_pos,
                    joint.geom_angle,
                    joint.half_len,
                ),
                range: joint.range,
                stiffness: joint.stiffness,
                damping: joint.damping,
                armature: ARMATURE,
                gear: joint.gear,
            })
            .collect();
        Robot {
            root,
            torso: Vec::leak(torso),
            links: Vec::leak(links),
            axis: 1.0,
            root_axis: 1.0,
            density: DENSITY,
            total_mass: Some(TOTAL_MASS),
            ground_friction: FRICTION,
            timestep: TIMESTEP,
            solver_iterations: SOLVER_ITERATIONS,
            pgs_iterations: 1,
            prediction_distance: PREDICTION_DISTANCE,
            armature_model: ArmatureModel::LinkInertia,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planar::{Dynamics, PlanarState, PlanarWorld};

    #[test]
    fn masses_follow_density_1000_rescaled_to_14_kg() {
        let robot = robot();
        assert!((robot.total_mass() - TOTAL_MASS).abs() < 1e-12);
        let raw_total: f64 = robot.geoms().iter().map(|(_, g)| g.mass(DENSITY)).sum();
        assert!((raw_total - 21.18).abs() < 0.01, "{raw_total}");
        // Density 1000 on the torso capsule's 3D volume (half length 0.5, radius 0.046).
        assert!((robot.torso[0].mass(DENSITY) - 7.0559).abs() < 1e-3);
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
        let bodies = robot().body_masses();
        assert!(
            (bodies[0].com[0] - torso_com[0]).abs() < 1e-5
                && (bodies[0].com[1] - torso_com[1]).abs() < 1e-5
        );
        for (b, body) in bodies.iter().enumerate() {
            assert!(
                (body.mass / mass[b] - 1.0).abs() < 1e-5,
                "body {b}: {body:?}"
            );
            assert!(
                (body.inertia / inertia[b] - 1.0).abs() < 1e-3,
                "body {b}: {body:?}"
            );
        }
    }

    #[test]
    fn capsule_inertia_tends_to_the_rod_and_sphere_limits() {
        let rod = |half_len: f64| CapsuleGeom {
            a: [0.0, -half_len],
            b: [0.0, half_len],
            radius: RADIUS,
            friction: FRICTION,
        };
        // A long thin capsule is nearly a rod: m L^2 / 12.
        let long = rod(50.0).inertia(1.0);
        assert!(
            (long / (100.0f64.powi(2) / 12.0) - 1.0).abs() < 1e-2,
            "{long}"
        );
        // A zero-length capsule is a sphere: 2/5 m r^2.
        let ball = rod(0.0).inertia(1.0);
        assert!((ball - 0.4 * RADIUS * RADIUS).abs() < 1e-15, "{ball}");
    }

    #[test]
    fn geoms_match_the_mujoco_layout() {
        let robot = robot();
        // Head: tilted 0.87 rad up and forward from (0.6, 0.1) above the torso origin.
        let head = robot.torso[1];
        assert!((head.half_len() - 0.15).abs() < 1e-12);
        let center = head.center();
        assert!((center[0] - 0.6).abs() < 1e-12 && (center[1] - 0.8).abs() < 1e-12);
        assert!(head.b[0] > head.a[0] && head.b[1] > head.a[1]);
        // The back thigh runs from near its hinge down to near the shin's hinge.
        let bthigh = robot.links[0].geom;
        let near = |p: [f64; 2], q: [f64; 2]| (p[0] - q[0]).hypot(p[1] - q[1]) < 0.04;
        let (hip, knee) = (robot.links[0].anchor, robot.links[1].anchor);
        assert_eq!(hip, [-0.5, 0.7]);
        assert!((knee[0] + 0.34).abs() < 1e-12 && (knee[1] - 0.45).abs() < 1e-12);
        assert!(near(bthigh.a, hip) || near(bthigh.b, hip), "{bthigh:?}");
        assert!(near(bthigh.a, knee) || near(bthigh.b, knee), "{bthigh:?}");
    }

    #[test]
    fn initial_pose_has_the_feet_lowest_and_above_the_ground() {
        let robot = robot();
        let world = PlanarWorld::new(
            robot,
            &Dynamics::nominal(robot),
            &PlanarState::initial(robot),
        );
        let bottoms: Vec<f64> = world
            .capsules()
            .iter()
            .map(|c| c.a[1].min(c.b[1]) - c.radius)
            .collect();
        // bfoot ≈ 0.076 m and ffoot ≈ 0.106 m above the ground; the torso at 0.7 - r.
        assert!((bottoms[4] - 0.076).abs() < 0.005, "{bottoms:?}");
        assert!((bottoms[7] - 0.106).abs() < 0.005, "{bottoms:?}");
        assert!((bottoms[0] - (INITIAL_HEIGHT - RADIUS)).abs() < 1e-6);
        assert!(bottoms.iter().all(|&b| b >= bottoms[4]));
    }

    #[test]
    fn positive_mujoco_torque_increases_the_mujoco_joint_angle() {
        // Torso held up by nothing: a short burst in free fall shows the sign of each hinge.
        let robot = robot();
        for j in 0..NUM_JOINTS {
            let mut world = PlanarWorld::new(
                robot,
                &Dynamics::nominal(robot),
                &PlanarState::initial(robot),
            );
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
