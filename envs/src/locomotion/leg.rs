//! The leg shared by Gymnasium's hopper and walker: a thigh, a leg and a foot hanging from the
//! torso, in the models' global initial pose (hips at z 1.05, knees at 0.6, ankles at 0.1).

use crate::planar::{CapsuleGeom, Link};

const DEG: f64 = std::f64::consts::PI / 180.0;

/// What differs between the two robots' legs: the joints' passive and actuator settings and the
/// foot.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LegSettings {
    /// Armature of every hinge (kg·m²).
    pub armature: f64,
    /// Damping of every hinge (N·m·s/rad).
    pub damping: f64,
    /// Actuator gear of every hinge (N·m).
    pub gear: f64,
    /// x of the foot capsule's ends (its axis lies at z 0.1).
    pub foot_x: [f64; 2],
    /// Friction of the foot.
    pub foot_friction: f64,
}

/// The three hinges of one leg, named `names`; the thigh hangs from the torso (body 0), the leg
/// from body `first` (the thigh's), the foot from body `first + 1`. Ranges: hip and knee
/// [-150°, 0°], ankle [-45°, 45°]; thigh capsule r 0.05 from z 1.05 to 0.6, leg r 0.04 from 0.6
/// to 0.1, foot r 0.06; friction 0.9 but the foot's.
pub const fn leg(names: [&'static str; 3], first: usize, settings: LegSettings) -> [Link; 3] {
    [
        hinge(
            names[0],
            0,
            1.05,
            capsule([0.0, 1.05], [0.0, 0.6], 0.05, 0.9),
            [-150.0, 0.0],
            settings,
        ),
        hinge(
            names[1],
            first,
            0.6,
            capsule([0.0, 0.6], [0.0, 0.1], 0.04, 0.9),
            [-150.0, 0.0],
            settings,
        ),
        hinge(
            names[2],
            first + 1,
            0.1,
            capsule(
                [settings.foot_x[0], 0.1],
                [settings.foot_x[1], 0.1],
                0.06,
                settings.foot_friction,
            ),
            [-45.0, 45.0],
            settings,
        ),
    ]
}

/// A hinge at (0, `z`) with `settings`' passive and actuator values.
const fn hinge(
    name: &'static str,
    parent: usize,
    z: f64,
    geom: CapsuleGeom,
    range_deg: [f64; 2],
    settings: LegSettings,
) -> Link {
    Link {
        name,
        parent,
        anchor: [0.0, z],
        geom,
        range: [range_deg[0] * DEG, range_deg[1] * DEG],
        stiffness: 0.0,
        damping: settings.damping,
        armature: settings.armature,
        gear: settings.gear,
    }
}

const fn capsule(a: [f64; 2], b: [f64; 2], radius: f64, friction: f64) -> CapsuleGeom {
    CapsuleGeom {
        a,
        b,
        radius,
        friction,
    }
}

/// The torso of both robots: a capsule r 0.05 from z 1.45 to 1.05, friction 0.9.
pub const TORSO: CapsuleGeom = CapsuleGeom {
    a: [0.0, 1.45],
    b: [0.0, 1.05],
    radius: 0.05,
    friction: 0.9,
};
