//! A planar robot described like a MuJoCo model in its initial pose: capsule geoms, hinges with
//! ranges, passive spring-dampers, armature and actuator gears, and the mass model that MuJoCo's
//! `inertiafromgeom` compiles from them.
//!
//! Everything is given in the **world frame of the initial pose** (every angle 0), as in MuJoCo's
//! old `coordinate="global"` models (`hopper.xml`, `walker2d.xml`): MuJoCo x -> 2D x, MuJoCo z ->
//! 2D y (up). A body's frame has its origin at its hinge (the torso's at its root point) and the
//! world's orientation in the initial pose.

use std::f64::consts::PI;

/// A capsule: the points within `radius` of the segment from `a` to `b`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CapsuleGeom {
    /// One endpoint (initial pose, world frame).
    pub a: [f64; 2],
    /// The other endpoint.
    pub b: [f64; 2],
    /// Radius (m).
    pub radius: f64,
    /// Coulomb friction coefficient (MuJoCo's sliding friction).
    pub friction: f64,
}

impl CapsuleGeom {
    /// Half length of the segment.
    pub fn half_len(&self) -> f64 {
        0.5 * (self.b[0] - self.a[0]).hypot(self.b[1] - self.a[1])
    }

    /// Midpoint of the segment (the capsule's centre of mass).
    pub fn center(&self) -> [f64; 2] {
        [0.5 * (self.a[0] + self.b[0]), 0.5 * (self.a[1] + self.b[1])]
    }

    /// Mass of the capsule at `density` on its 3D volume (cylinder `π r² · 2h` plus sphere
    /// `4/3 π r³`), as MuJoCo's `inertiafromgeom` computes it.
    pub fn mass(&self, density: f64) -> f64 {
        let r = self.radius;
        let cylinder = PI * r * r * 2.0 * self.half_len();
        let sphere = 4.0 / 3.0 * PI * r * r * r;
        density * (cylinder + sphere)
    }

    /// MuJoCo's inertia of the capsule, of total mass `mass`, about an axis through its centre
    /// perpendicular to its segment and to the plane (the hinge axis):
    /// `m_c (3r² + 4h²)/12 + 2/5 m_s r² + m_s · 2h (3r + 4h)/8` with `m_c`, `m_s` the cylinder's
    /// and the spheres' shares of the mass.
    pub fn inertia(&self, mass: f64) -> f64 {
        let (r, height) = (self.radius, 2.0 * self.half_len());
        let sphere_volume = 4.0 / 3.0 * r * r * r;
        let sphere_mass = mass * sphere_volume / (sphere_volume + r * r * height);
        let cylinder_mass = mass - sphere_mass;
        cylinder_mass * (3.0 * r * r + height * height) / 12.0
            + 2.0 / 5.0 * sphere_mass * r * r
            + sphere_mass * height * (3.0 * r + 2.0 * height) / 8.0
    }
}

/// One actuated hinge and the body it moves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Link {
    /// Name of the joint, its body and its actuator (as in the MuJoCo model).
    pub name: &'static str,
    /// Index of the parent body (0 = torso, `k` = the body of link `k - 1`).
    pub parent: usize,
    /// The hinge's position (initial pose, world frame); the body's origin.
    pub anchor: [f64; 2],
    /// The body's capsule.
    pub geom: CapsuleGeom,
    /// Hinge range `[lo, hi]` in MuJoCo's sign convention (rad).
    pub range: [f64; 2],
    /// Passive spring stiffness towards angle 0 (N·m/rad).
    pub stiffness: f64,
    /// Passive damping (N·m·s/rad).
    pub damping: f64,
    /// Armature, MuJoCo's reflected rotor inertia added to the hinge (kg·m²).
    pub armature: f64,
    /// Actuator gear: torque = gear · clip(a, -1, 1) (N·m).
    pub gear: f64,
}

/// How a hinge's armature (MuJoCo's reflected rotor inertia, a term `A · q̈` on the hinge's own
/// coordinate only) is simulated with Rapier's impulse joints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArmatureModel {
    /// Added to the child body's rotational inertia: exact for a hinge turning with its parent
    /// held still, but it also resists turning the child together with its parent, and the
    /// actuator's reaction then acts on the parent's inertia alone. Fine where the armature is
    /// small against the parent's inertia (the cheetah: 0.1 against a 0.9 kg·m² torso).
    LinkInertia,
    /// An implicit joint-space term: a force-based joint motor whose damping `A / dt + damping`
    /// pulls the hinge rate towards its rate at the start of the step, which is the backward-Euler
    /// form of `-A · q̈ - damping · q̇` acting on the hinge coordinate only, as in MuJoCo. Exact
    /// for one solver iteration per physics step (the motor's target is set once per step); the
    /// joint damping is then implicit too.
    JointMotor,
}

/// A planar robot: a free torso and a tree of actuated hinges (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Robot {
    /// The torso's root point (initial pose): the origin of its frame, whose height is the
    /// observed `rootz` and about which MuJoCo's `rooty` hinge turns.
    pub root: [f64; 2],
    /// The torso's capsules.
    pub torso: &'static [CapsuleGeom],
    /// The hinges, in action and observation order; a parent comes before its children.
    pub links: &'static [Link],
    /// Sign of the hinge axes along MuJoCo's +y: +1 for `axis="0 1 0"` (the cheetah), -1 for
    /// `axis="0 -1 0"` (hopper, walker). A MuJoCo angle is `-axis · (2D counter-clockwise angle)`.
    pub axis: f64,
    /// Density of every capsule (kg/m³).
    pub density: f64,
    /// MuJoCo's `<compiler settotalmass>`: if set, every mass and inertia from the density is
    /// rescaled so that the masses sum to this (kg).
    pub total_mass: Option<f64>,
    /// Friction of the ground plane y = 0 (contacts use the larger of the two coefficients, as
    /// MuJoCo does).
    pub ground_friction: f64,
    /// Physics time step (s).
    pub timestep: f64,
    /// Rapier solver iterations (substeps) per physics step.
    pub solver_iterations: usize,
    /// Rapier's projected Gauss-Seidel sweeps per solver iteration (its default is 1); the
    /// joint-motor armature couples the hinges of a chain, and a few sweeps converge it.
    pub pgs_iterations: usize,
    /// How the hinges' armature is simulated.
    pub armature_model: ArmatureModel,
    /// Sign of MuJoCo's `rooty` axis along +y (+1 in the cheetah, hopper and walker): the observed
    /// pitch is `-root_axis · (2D counter-clockwise torso angle)`.
    pub root_axis: f64,
    /// Rapier's speculative contact distance (m).
    pub prediction_distance: f64,
}

/// Mass properties of one body in its own frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BodyMass {
    /// Mass (kg).
    pub mass: f64,
    /// Centre of mass in the body frame.
    pub com: [f64; 2],
    /// Rotational inertia about the centre of mass (kg·m²), without armature.
    pub inertia: f64,
}

impl Robot {
    /// Number of bodies: the torso and one per link.
    pub fn num_bodies(&self) -> usize {
        self.links.len() + 1
    }

    /// Number of generalized coordinates: rootx, rootz, rooty and one per hinge.
    pub fn num_dofs(&self) -> usize {
        self.links.len() + 3
    }

    /// Origin of body `body`'s frame in the initial pose (world frame).
    pub fn origin(&self, body: usize) -> [f64; 2] {
        if body == 0 {
            self.root
        } else {
            self.links[body - 1].anchor
        }
    }

    /// Every capsule with its body index, in the frame of its body: torso capsules first, then
    /// one per link in link order.
    pub fn geoms(&self) -> Vec<(usize, CapsuleGeom)> {
        let local = |body: usize, g: &CapsuleGeom| {
            let o = self.origin(body);
            CapsuleGeom {
                a: [g.a[0] - o[0], g.a[1] - o[1]],
                b: [g.b[0] - o[0], g.b[1] - o[1]],
                ..*g
            }
        };
        let torso = self.torso.iter().map(|g| (0, local(0, g)));
        let links = self
            .links
            .iter()
            .enumerate()
            .map(|(j, link)| (j + 1, local(j + 1, &link.geom)));
        torso.chain(links).collect()
    }

    /// Mass, centre of mass and inertia of every body, from its capsules at [`Robot::density`]
    /// (rescaled to [`Robot::total_mass`] if set).
    pub fn body_masses(&self) -> Vec<BodyMass> {
        let geoms = self.geoms();
        let scale = self.total_mass.map_or(1.0, |total| {
            total / geoms.iter().map(|(_, g)| g.mass(self.density)).sum::<f64>()
        });
        (0..self.num_bodies())
            .map(|body| {
                let own: Vec<&CapsuleGeom> = geoms
                    .iter()
                    .filter(|(b, _)| *b == body)
                    .map(|(_, g)| g)
                    .collect();
                let mass: f64 = own.iter().map(|g| g.mass(self.density)).sum();
                let mut com = [0.0; 2];
                for g in &own {
                    let (m, c) = (g.mass(self.density), g.center());
                    com[0] += m * c[0] / mass;
                    com[1] += m * c[1] / mass;
                }
                let inertia: f64 = own
                    .iter()
                    .map(|g| {
                        let (m, c) = (g.mass(self.density), g.center());
                        g.inertia(m) + m * ((c[0] - com[0]).powi(2) + (c[1] - com[1]).powi(2))
                    })
                    .sum();
                BodyMass {
                    mass: scale * mass,
                    com,
                    inertia: scale * inertia,
                }
            })
            .collect()
    }

    /// Largest hinge angle of `hinge_angles` (MuJoCo signs, link order, e.g. `qpos[3..]`) beyond
    /// its range (rad, 0 if every hinge is within its range).
    pub fn joint_limit_violation(&self, hinge_angles: &[f64]) -> f64 {
        self.links
            .iter()
            .zip(hinge_angles)
            .map(|(link, &q)| (link.range[0] - q).max(q - link.range[1]).max(0.0))
            .fold(0.0, f64::max)
    }

    /// Total mass (kg).
    pub fn total_mass(&self) -> f64 {
        self.body_masses().iter().map(|b| b.mass).sum()
    }
}
