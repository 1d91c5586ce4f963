//! Poses for drawing: the cheetah's capsule geoms as world-space segments (for viewers and
//! recordings; the simulation never reads them).

use super::model::{geoms, CheetahWorld, NUM_GEOMS, RADIUS};

/// Radius of every capsule geom (m), for drawing the segments of [`capsule_segments`].
pub const CAPSULE_RADIUS: f64 = RADIUS;

/// One capsule geom in world coordinates: the segment between its endpoints (m); the capsule is
/// the set of points within [`CAPSULE_RADIUS`] of it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    /// One endpoint (x forward, y up).
    pub a: [f64; 2],
    /// The other endpoint.
    pub b: [f64; 2],
}

/// Every capsule geom of `world` (torso, head, then the six links in `JOINTS` order) as a
/// world-space segment, from the current body poses.
pub fn capsule_segments(world: &CheetahWorld) -> [Segment; NUM_GEOMS] {
    geoms().map(|(body, capsule)| {
        let rb = &world.world.bodies[world.bodies()[body]];
        let (t, r) = (rb.translation(), rb.rotation());
        let (s, c) = (f64::from(r.im), f64::from(r.re));
        let (tx, ty) = (f64::from(t.x), f64::from(t.y));
        let to_world = |p: [f64; 2]| [tx + c * p[0] - s * p[1], ty + s * p[0] + c * p[1]];
        Segment {
            a: to_world(capsule.a),
            b: to_world(capsule.b),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cheetah::model::{CheetahState, INITIAL_HEIGHT, SOLVER_ITERATIONS};

    #[test]
    fn initial_torso_segment_is_horizontal_at_the_initial_height() {
        let world = CheetahWorld::new(&CheetahState::initial(), SOLVER_ITERATIONS);
        let segments = capsule_segments(&world);
        let torso = segments[0];
        assert!((torso.a[0] + 0.5).abs() < 1e-6 && (torso.b[0] - 0.5).abs() < 1e-6);
        assert!((torso.a[1] - INITIAL_HEIGHT).abs() < 1e-6);
        assert!((torso.b[1] - INITIAL_HEIGHT).abs() < 1e-6);
        // Every geom of the standing cheetah is above the ground, and the lowest ones (the feet)
        // agree with the model's own geom bottoms.
        let bottoms = world.geom_bottoms();
        for (seg, bottom) in segments.iter().zip(bottoms) {
            let low = seg.a[1].min(seg.b[1]) - CAPSULE_RADIUS;
            assert!((low - bottom).abs() < 1e-6, "{low} vs {bottom}");
        }
    }
}
