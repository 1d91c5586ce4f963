//! A [`Robot`] in a Rapier world: one dynamic body per robot body, revolute impulse joints with
//! limits, explicit actuator and spring-damper torques, and a ground half-space at y = 0.
//!
//! The method is the cheetah's (see `crate::cheetah::model` for the measurements behind it):
//! impulse joints whose limits engage once crossed, torques `gear · clip(a) - stiffness · q -
//! damping · q̇` set on both bodies of each hinge from the state at the start of every physics
//! step, and MuJoCo's armature approximated by adding it to the child body's rotational inertia
//! (exact for a hinge turning with its parent held still; it also resists turning the child
//! together with its parent). Links collide only with the ground, as with MuJoCo's `contype=1
//! conaffinity=0` geoms; friction combines by the larger coefficient (MuJoCo's rule); bodies
//! never sleep; CCD is off; the broad phase does not re-optimize its tree (a dozen colliders).
//!
//! The hopper and walker use [`ArmatureModel::JointMotor`] (their armature, 1 and 0.01 kg·m²,
//! is large against their links' inertias), one solver iteration per 2 ms physics step and 8
//! Gauss-Seidel sweeps; the cheetah keeps its measured [`ArmatureModel::LinkInertia`] setting.
//!
//! # Measured against MuJoCo (the tests in `envs/tests/locomotion.rs` pin these)
//!
//! | check | MuJoCo 4.0 (Gymnasium v5) | here |
//! |---|---|---|
//! | body masses and inertias | compiled `hopper.xml`, `walker2d_v5.xml` | equal (mass 1e-4, inertia 2e-3 relative) |
//! | hopper, thigh torque −100 N·m for 0.04 s, no gravity: rooty / thigh rate (rad/s) | −3.03 / −3.58 | within 15 % |
//! | hopper, zero action: steps to termination (median of 20 seeds) | 143.5 | 85 |
//! | hopper, uniform random actions | 23 | 16 |
//! | walker, zero action | 113 | 127 |
//! | walker, uniform random actions | 21 | 18 |
//!
//! Bounds (tested: `joint_limits_and_ground_contact_hold_within_documented_bounds`, 2e4 steps):
//! hinge angles beyond their range by less than **0.2 rad**, capsules below the ground by less
//! than **3 cm**. Worst over `metarl bench soak --steps 1000000` (random actions, random
//! dynamics): hopper-params 0.026 rad and 5 mm, walker-params 0.150 rad and 7 mm (hopper-vel
//! 0.012 rad and 2 mm, walker-dir 0.139 rad and 3 mm), no non-finite value.
//!
//! Each body's mass, centre of mass and inertia (from its capsules, [`Robot::body_masses`]) are
//! set on the body, scaled by the task's [`Dynamics`] multipliers; the colliders carry no mass.

use rapier2d::geometry::{BroadPhaseBvh, BvhOptimizationStrategy};
use rapier2d::prelude::{
    CoefficientCombineRule, ColliderBuilder, ColliderHandle, Group, ImpulseJointHandle,
    InteractionGroups, InteractionTestMode, JointAxis, MassProperties, MotorModel, PhysicsWorld,
    RevoluteJointBuilder, RigidBodyBuilder, RigidBodyHandle, SharedShape, Vector,
};

use super::dynamics::Dynamics;
use super::robot::{ArmatureModel, CapsuleGeom, Robot};

/// Gravity (m/s², along -y).
pub const GRAVITY: f64 = 9.81;

/// Generalized coordinates and velocities in MuJoCo's order and signs: `qpos` = rootx, rootz (the
/// absolute height of the root point), rooty (pitch), then one angle per hinge; `qvel` their
/// rates. Angles read back from Rapier are wrapped to [-π, π].
#[derive(Clone, Debug, PartialEq)]
pub struct PlanarState {
    /// rootx, rootz, rooty, hinge angles.
    pub qpos: Vec<f64>,
    /// d/dt of `qpos` (the root point's velocity, pitch rate, hinge rates).
    pub qvel: Vec<f64>,
}

impl PlanarState {
    /// The initial pose of `robot`: the root at [`Robot::root`], every angle 0, at rest.
    pub fn initial(robot: &Robot) -> Self {
        let mut qpos = vec![0.0; robot.num_dofs()];
        qpos[..2].copy_from_slice(&robot.root);
        Self {
            qpos,
            qvel: vec![0.0; robot.num_dofs()],
        }
    }
}

/// Pose and velocity of one body in the 2D world.
#[derive(Clone, Copy, Debug)]
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

fn vector(v: [f64; 2]) -> Vector {
    Vector::new(v[0] as f32, v[1] as f32)
}

/// The 2D angle (counter-clockwise, in [-π, π]) of a Rapier rotation, computed in f64.
fn angle_of(rotation: &rapier2d::math::Rotation) -> f64 {
    f64::from(rotation.im).atan2(f64::from(rotation.re))
}

/// Forward kinematics: every body's pose and origin velocity from generalized coordinates.
fn forward_kinematics(robot: &Robot, state: &PlanarState) -> Vec<BodyKinematics> {
    let (q, v, s, r) = (&state.qpos, &state.qvel, robot.axis, robot.root_axis);
    let mut out = vec![BodyKinematics {
        origin: [q[0], q[1]],
        angle: -r * q[2],
        origin_vel: [v[0], v[1]],
        angvel: -r * v[2],
    }];
    for (j, link) in robot.links.iter().enumerate() {
        let p = out[link.parent];
        let from = robot.origin(link.parent);
        let offset = rotate(
            p.angle,
            [link.anchor[0] - from[0], link.anchor[1] - from[1]],
        );
        let drift = cross(p.angvel, offset);
        out.push(BodyKinematics {
            origin: [p.origin[0] + offset[0], p.origin[1] + offset[1]],
            angle: p.angle - s * q[3 + j],
            origin_vel: [p.origin_vel[0] + drift[0], p.origin_vel[1] + drift[1]],
            angvel: p.angvel - s * v[3 + j],
        });
    }
    out
}

/// Collision group of the ground.
const GROUND_GROUP: Group = Group::GROUP_1;
/// Collision group of the robot's capsules.
const LINK_GROUP: Group = Group::GROUP_2;

/// A [`Robot`] with given [`Dynamics`] in a Rapier world (see the module docs).
pub struct PlanarWorld {
    /// The Rapier world (public for inspection; stepping goes through [`PlanarWorld::step`]).
    pub world: PhysicsWorld,
    robot: &'static Robot,
    bodies: Vec<RigidBodyHandle>,
    joints: Vec<ImpulseJointHandle>,
    /// Every capsule with its body, in body frames ([`Robot::geoms`]).
    geoms: Vec<(usize, CapsuleGeom)>,
    /// The ground's collider.
    ground: ColliderHandle,
    /// Hinge damping after the task's multipliers.
    damping: Vec<f64>,
    /// Actuator torque on each body (2D sign), set by `set_controls`.
    actuator_torque: Vec<f64>,
}

impl PlanarWorld {
    /// Builds the world with `robot`, its dynamics scaled by `dynamics`, in `state`.
    ///
    /// # Panics
    /// If `dynamics` or `state` do not have `robot`'s sizes.
    pub fn new(robot: &'static Robot, dynamics: &Dynamics, state: &PlanarState) -> Self {
        let nominal = Dynamics::nominal(robot);
        assert!(
            dynamics.mass.len() == nominal.mass.len()
                && dynamics.inertia.len() == nominal.inertia.len()
                && dynamics.damping.len() == nominal.damping.len()
                && dynamics.friction.len() == nominal.friction.len(),
            "PlanarWorld: dynamics multipliers of the wrong sizes"
        );
        assert_eq!(state.qpos.len(), robot.num_dofs(), "PlanarWorld: qpos size");
        assert_eq!(state.qvel.len(), robot.num_dofs(), "PlanarWorld: qvel size");
        let mut world = PhysicsWorld::new();
        world.gravity = Vector::new(0.0, -GRAVITY as f32);
        world.integration_parameters.dt = robot.timestep as f32;
        world.integration_parameters.num_solver_iterations = robot.solver_iterations;
        world.integration_parameters.num_internal_pgs_iterations = robot.pgs_iterations;
        world.integration_parameters.max_ccd_substeps = 0;
        world.integration_parameters.normalized_prediction_distance =
            robot.prediction_distance as f32;
        world.broad_phase =
            BroadPhaseBvh::with_optimization_strategy(BvhOptimizationStrategy::None);

        let ground = world.insert_collider(
            ColliderBuilder::new(SharedShape::halfspace(Vector::Y))
                .friction((robot.ground_friction * dynamics.friction[0]) as f32)
                .friction_combine_rule(CoefficientCombineRule::Max)
                .collision_groups(InteractionGroups::new(
                    GROUND_GROUP,
                    LINK_GROUP,
                    InteractionTestMode::And,
                )),
            None,
        );

        let kinematics = forward_kinematics(robot, state);
        let masses = robot.body_masses();
        let bodies: Vec<RigidBodyHandle> = (0..robot.num_bodies())
            .map(|i| {
                let k = &kinematics[i];
                let m = &masses[i];
                let armature = match (i, robot.armature_model) {
                    (0, _) | (_, ArmatureModel::JointMotor) => 0.0,
                    (_, ArmatureModel::LinkInertia) => robot.links[i - 1].armature,
                };
                // Rapier's linear velocity is the centre of mass's.
                let com_offset = rotate(k.angle, m.com);
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
                        .additional_mass_properties(MassProperties::new(
                            vector(m.com),
                            (m.mass * dynamics.mass[i]) as f32,
                            (m.inertia * dynamics.inertia[i] + armature) as f32,
                        ))
                        .can_sleep(false),
                )
            })
            .collect();
        let geoms = robot.geoms();
        for (g, (body, capsule)) in geoms.iter().enumerate() {
            world.insert_collider(
                ColliderBuilder::new(SharedShape::capsule(
                    vector(capsule.a),
                    vector(capsule.b),
                    capsule.radius as f32,
                ))
                .density(0.0)
                .friction((capsule.friction * dynamics.friction[1 + g]) as f32)
                .friction_combine_rule(CoefficientCombineRule::Max)
                .collision_groups(InteractionGroups::new(
                    LINK_GROUP,
                    GROUND_GROUP,
                    InteractionTestMode::And,
                )),
                Some(bodies[*body]),
            );
        }
        // Additional mass properties take effect at the next update; apply them now so that the
        // state read before the first step sees the right centres of mass.
        for handle in &bodies {
            world.bodies[*handle].recompute_mass_properties_from_colliders(&world.colliders);
        }
        let joints = robot
            .links
            .iter()
            .enumerate()
            .map(|(j, link)| {
                let from = robot.origin(link.parent);
                // MuJoCo range [lo, hi] as 2D angles of the child relative to the parent.
                let s = robot.axis;
                let (a, b) = (-s * link.range[0], -s * link.range[1]);
                let joint = RevoluteJointBuilder::new()
                    .local_anchor1(vector([link.anchor[0] - from[0], link.anchor[1] - from[1]]))
                    .local_anchor2(Vector::ZERO)
                    .limits([a.min(b) as f32, a.max(b) as f32])
                    .motor_model(MotorModel::ForceBased)
                    .motor_max_force(f32::MAX)
                    .contacts_enabled(false);
                world.insert_impulse_joint(bodies[link.parent], bodies[j + 1], joint)
            })
            .collect();
        Self {
            world,
            robot,
            bodies,
            joints,
            geoms,
            ground,
            damping: robot
                .links
                .iter()
                .zip(&dynamics.damping)
                .map(|(link, d)| link.damping * d)
                .collect(),
            actuator_torque: vec![0.0; robot.num_bodies()],
        }
    }

    /// The robot this world simulates.
    pub fn robot(&self) -> &'static Robot {
        self.robot
    }

    /// Adds the MuJoCo-sign hinge torque `t` of link `j` to `torque` (2D signs, per body).
    fn add_hinge_torque(&self, torque: &mut [f64], j: usize, t: f64) {
        let s = self.robot.axis;
        torque[j + 1] -= s * t;
        torque[self.robot.links[j].parent] += s * t;
    }

    /// Sets the actuator torques `gear · ctrl` (MuJoCo sign), applied at every following
    /// [`PlanarWorld::step`] until the next call; `ctrl` should already lie in [-1, 1].
    ///
    /// # Panics
    /// If `ctrl` does not have one value per link.
    pub fn set_controls(&mut self, ctrl: &[f64]) {
        assert_eq!(ctrl.len(), self.robot.links.len(), "PlanarWorld: controls");
        let mut torque = vec![0.0; self.robot.num_bodies()];
        for (j, (link, c)) in self.robot.links.iter().zip(ctrl).enumerate() {
            self.add_hinge_torque(&mut torque, j, link.gear * c);
        }
        self.actuator_torque = torque;
    }

    /// Advances the physics by one time step: the passive torques `-stiffness · q - damping · q̇`
    /// from the current state are added to the actuator torques for this step (with
    /// [`ArmatureModel::JointMotor`], damping and armature are the joint motors' instead, set
    /// here from the hinge rates at the start of the step).
    pub fn step(&mut self) {
        let mut torque = self.actuator_torque.clone();
        let (q, qd) = self.joint_coordinates();
        let robot = self.robot;
        for (j, link) in robot.links.iter().enumerate() {
            let explicit_damping = match robot.armature_model {
                ArmatureModel::LinkInertia => self.damping[j] * qd[j],
                ArmatureModel::JointMotor => {
                    // Impulse h·c·(target - q̇') = A·(q̇ - q̇') - h·damping·q̇' over one step h.
                    let inertia_rate = link.armature / robot.timestep;
                    let c = inertia_rate + self.damping[j];
                    let target = -robot.axis * inertia_rate * qd[j] / c;
                    if let Some(joint) = self.world.impulse_joints.get_mut(self.joints[j], false) {
                        joint
                            .data
                            .set_motor_velocity(JointAxis::AngX, target as f32, c as f32);
                    }
                    0.0
                }
            };
            let t = -link.stiffness * q[j] - explicit_damping;
            self.add_hinge_torque(&mut torque, j, t);
        }
        for (handle, t) in self.bodies.iter().zip(torque) {
            let body = &mut self.world.bodies[*handle];
            body.reset_torques(true);
            body.add_torque(t as f32, true);
        }
        self.world.step();
    }

    /// Hinge angles and velocities (MuJoCo sign convention, angles wrapped to [-π, π]).
    pub fn joint_coordinates(&self) -> (Vec<f64>, Vec<f64>) {
        let body = |i: usize| &self.world.bodies[self.bodies[i]];
        let s = self.robot.axis;
        self.robot
            .links
            .iter()
            .enumerate()
            .map(|(j, link)| {
                let (parent, child) = (body(link.parent), body(j + 1));
                let relative = parent.rotation().inverse() * *child.rotation();
                (
                    -s * angle_of(&relative),
                    -s * (f64::from(child.angvel()) - f64::from(parent.angvel())),
                )
            })
            .unzip()
    }

    /// x of the root point (rootx).
    pub fn root_x(&self) -> f64 {
        f64::from(self.world.bodies[self.bodies[0]].translation().x)
    }

    /// The current generalized coordinates and velocities ([`PlanarState`]).
    pub fn state(&self) -> PlanarState {
        let torso = &self.world.bodies[self.bodies[0]];
        let s = self.robot.root_axis;
        let origin = torso.translation();
        let origin_vel = torso.velocity_at_point(origin);
        let (q, qd) = self.joint_coordinates();
        let mut qpos = vec![
            f64::from(origin.x),
            f64::from(origin.y),
            -s * angle_of(torso.rotation()),
        ];
        let mut qvel = vec![
            f64::from(origin_vel.x),
            f64::from(origin_vel.y),
            -s * f64::from(torso.angvel()),
        ];
        qpos.extend(q);
        qvel.extend(qd);
        PlanarState { qpos, qvel }
    }

    /// Every capsule in world coordinates, in [`Robot::geoms`] order.
    pub fn capsules(&self) -> Vec<CapsuleGeom> {
        self.geoms
            .iter()
            .map(|(body, capsule)| {
                let rb = &self.world.bodies[self.bodies[*body]];
                let (t, r) = (rb.translation(), rb.rotation());
                let (s, c) = (f64::from(r.im), f64::from(r.re));
                let (tx, ty) = (f64::from(t.x), f64::from(t.y));
                let to_world = |p: [f64; 2]| [tx + c * p[0] - s * p[1], ty + s * p[0] + c * p[1]];
                CapsuleGeom {
                    a: to_world(capsule.a),
                    b: to_world(capsule.b),
                    ..*capsule
                }
            })
            .collect()
    }

    /// Depth of the deepest capsule point below the ground (0 if none is below).
    pub fn penetration(&self) -> f64 {
        self.capsules()
            .iter()
            .map(|c| c.radius - c.a[1].min(c.b[1]))
            .fold(0.0, f64::max)
    }

    /// Handles of the bodies: torso, then one per link.
    pub fn bodies(&self) -> &[RigidBodyHandle] {
        &self.bodies
    }

    /// Handle of the ground's collider.
    pub fn ground(&self) -> ColliderHandle {
        self.ground
    }
}
