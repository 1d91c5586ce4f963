//! The recorded [`Shape`]s as Bevy meshes: bounds, interpolation between frames, the mesh of a
//! shape and the transform that places it, for bodies and walls in either view.

use std::f32::consts::FRAC_PI_2;
use std::f64::consts::{PI, TAU};

use bevy::prelude::*;
use metarl_envs::Shape;

/// Smallest radius (px) of a drawn disc: a point agent stays visible at any zoom (nav2d's agent,
/// radius 0.01 at 500 px per unit, is drawn at exactly this size).
pub const MIN_DISC_PX: f32 = 5.0;
/// Smallest radius or half extent (px) of a drawn capsule or rectangle.
pub const MIN_EXTENT_PX: f32 = 1.0;

/// A world point (f64) as a Bevy vector.
pub(super) fn v(p: [f64; 2]) -> Vec2 {
    Vec2::new(p[0] as f32, p[1] as f32)
}

/// Axis-aligned bounds (min, max) of `shape`, in its coordinates.
pub fn bounds(shape: &Shape) -> (Vec2, Vec2) {
    match *shape {
        Shape::Capsule { a, b, radius } => {
            let r = Vec2::splat(radius as f32);
            (v(a).min(v(b)) - r, v(a).max(v(b)) + r)
        }
        Shape::Rect {
            center,
            half_extents,
            angle,
        } => {
            let (sin, cos) = (angle as f32).sin_cos();
            let h = v(half_extents);
            let reach = Vec2::new(
                h.x * cos.abs() + h.y * sin.abs(),
                h.x * sin.abs() + h.y * cos.abs(),
            );
            (v(center) - reach, v(center) + reach)
        }
        Shape::Disc { center, radius } => {
            let r = Vec2::splat(radius as f32);
            (v(center) - r, v(center) + r)
        }
    }
}

/// The shape a fraction `s` of the way from `a` to `b` (points and sizes linearly, angles along
/// the shorter arc); `a` itself when the kinds differ.
pub fn lerp(a: &Shape, b: &Shape, s: f32) -> Shape {
    let s = f64::from(s);
    let num = |x: f64, y: f64| x + (y - x) * s;
    let mix = |p: [f64; 2], q: [f64; 2]| [num(p[0], q[0]), num(p[1], q[1])];
    match (*a, *b) {
        (
            Shape::Capsule {
                a: a0,
                b: b0,
                radius: r0,
            },
            Shape::Capsule {
                a: a1,
                b: b1,
                radius: r1,
            },
        ) => Shape::Capsule {
            a: mix(a0, a1),
            b: mix(b0, b1),
            radius: num(r0, r1),
        },
        (
            Shape::Rect {
                center: c0,
                half_extents: h0,
                angle: t0,
            },
            Shape::Rect {
                center: c1,
                half_extents: h1,
                angle: t1,
            },
        ) => {
            let turn = (t1 - t0 + PI).rem_euclid(TAU) - PI;
            Shape::Rect {
                center: mix(c0, c1),
                half_extents: mix(h0, h1),
                angle: t0 + turn * s,
            }
        }
        (
            Shape::Disc {
                center: c0,
                radius: r0,
            },
            Shape::Disc {
                center: c1,
                radius: r1,
            },
        ) => Shape::Disc {
            center: mix(c0, c1),
            radius: num(r0, r1),
        },
        _ => *a,
    }
}

/// The mesh of `shape` at `ppu` pixels per unit, centred at the origin and unrotated (a capsule
/// along y), no smaller than [`MIN_DISC_PX`] / [`MIN_EXTENT_PX`].
pub fn mesh(shape: &Shape, ppu: f32) -> Mesh {
    match *shape {
        Shape::Capsule { a, b, radius } => Capsule2d::new(
            (radius as f32 * ppu).max(MIN_EXTENT_PX),
            v(a).distance(v(b)) * ppu,
        )
        .into(),
        Shape::Rect { half_extents, .. } => {
            let h = (v(half_extents) * ppu).max(Vec2::splat(MIN_EXTENT_PX));
            Rectangle::new(2.0 * h.x, 2.0 * h.y).into()
        }
        Shape::Disc { radius, .. } => Circle::new((radius as f32 * ppu).max(MIN_DISC_PX)).into(),
    }
}

/// The [`mesh`] of every shape of `shapes`, added to `meshes`.
pub fn add_meshes(shapes: &[Shape], ppu: f32, meshes: &mut Assets<Mesh>) -> Vec<Handle<Mesh>> {
    shapes.iter().map(|s| meshes.add(mesh(s, ppu))).collect()
}

/// Ratio of two lengths, 1 when the base is 0 (a mesh of a degenerate shape is not scaled).
fn ratio(now: f32, base: f32) -> f32 {
    if base > 0.0 {
        now / base
    } else {
        1.0
    }
}

/// The transform that makes the mesh built from `base` ([`mesh`]) cover `shape`: `to_px` maps
/// the shape's coordinates to world pixels (a translation and a uniform scale), `z` is the depth.
pub fn placement(shape: &Shape, base: &Shape, to_px: impl Fn(Vec2) -> Vec2, z: f32) -> Transform {
    match (*shape, *base) {
        (Shape::Capsule { a, b, .. }, Shape::Capsule { a: a0, b: b0, .. }) => {
            let (pa, pb) = (to_px(v(a)), to_px(v(b)));
            let d = pb - pa;
            Transform {
                translation: ((pa + pb) / 2.0).extend(z),
                rotation: Quat::from_rotation_z(d.y.atan2(d.x) - FRAC_PI_2),
                scale: Vec3::new(1.0, ratio(v(a).distance(v(b)), v(a0).distance(v(b0))), 1.0),
            }
        }
        (
            Shape::Rect {
                center,
                half_extents,
                angle,
            },
            Shape::Rect {
                half_extents: h0, ..
            },
        ) => Transform {
            translation: to_px(v(center)).extend(z),
            rotation: Quat::from_rotation_z(angle as f32),
            scale: Vec3::new(
                ratio(half_extents[0] as f32, h0[0] as f32),
                ratio(half_extents[1] as f32, h0[1] as f32),
                1.0,
            ),
        },
        (Shape::Disc { center, radius }, Shape::Disc { radius: r0, .. }) => Transform {
            translation: to_px(v(center)).extend(z),
            scale: Vec3::new(
                ratio(radius as f32, r0 as f32),
                ratio(radius as f32, r0 as f32),
                1.0,
            ),
            ..default()
        },
        // Kinds never change within a recording (Recording::check); keep the mesh where it is.
        _ => Transform::from_translation(to_px(bounds(shape).0).extend(z)),
    }
}

#[cfg(test)]
mod tests {
    use bevy::camera::primitives::MeshAabb;

    use super::*;

    fn capsule(a: [f64; 2], b: [f64; 2]) -> Shape {
        Shape::Capsule { a, b, radius: 0.1 }
    }

    #[test]
    fn bounds_cover_every_kind_including_rotated_rects() {
        assert_eq!(
            bounds(&capsule([0.0, 0.0], [1.0, -1.0])),
            (Vec2::new(-0.1, -1.1), Vec2::new(1.1, 0.1))
        );
        let rect = Shape::Rect {
            center: [1.0, 2.0],
            half_extents: [2.0, 1.0],
            angle: std::f64::consts::FRAC_PI_2,
        };
        let (lo, hi) = bounds(&rect);
        assert!(lo.abs_diff_eq(Vec2::new(0.0, 0.0), 1e-6), "{lo}");
        assert!(hi.abs_diff_eq(Vec2::new(2.0, 4.0), 1e-6), "{hi}");
        let disc = Shape::Disc {
            center: [0.5, 0.5],
            radius: 0.5,
        };
        assert_eq!(bounds(&disc), (Vec2::ZERO, Vec2::ONE));
    }

    #[test]
    fn lerp_moves_points_and_turns_along_the_shorter_arc() {
        let mid = lerp(
            &capsule([0.0, 0.0], [1.0, 0.0]),
            &capsule([2.0, 0.0], [3.0, 2.0]),
            0.5,
        );
        assert_eq!(mid, capsule([1.0, 0.0], [2.0, 1.0]));
        let rect = |angle: f64| Shape::Rect {
            center: [0.0, 0.0],
            half_extents: [1.0, 1.0],
            angle,
        };
        // From 170 to -170 degrees is 20 degrees through 180, not 340 back through 0.
        let Shape::Rect { angle, .. } = lerp(&rect(3.0), &rect(-3.0), 0.5) else {
            panic!()
        };
        assert!((angle - 3.0 - (TAU - 6.0) / 2.0).abs() < 1e-12, "{angle}");
        let disc = Shape::Disc {
            center: [0.0, 0.0],
            radius: 1.0,
        };
        assert_eq!(lerp(&disc, &rect(0.0), 0.5), disc, "other kinds: the first");
    }

    #[test]
    fn placement_puts_the_mesh_on_the_shape_through_the_view() {
        let to_px = |p: Vec2| (p - Vec2::new(1.0, 0.0)) * 100.0;
        let base = capsule([0.0, 0.0], [0.0, 1.0]);
        let t = placement(&capsule([1.0, 0.0], [2.0, 0.0]), &base, to_px, 3.0);
        assert!(t.translation.abs_diff_eq(Vec3::new(50.0, 0.0, 3.0), 1e-4));
        // The capsule mesh is along y: a segment along +x is a quarter turn clockwise.
        assert!((t.rotation.to_euler(EulerRot::XYZ).2 + FRAC_PI_2).abs() < 1e-5);
        assert!((t.scale.y - 1.0).abs() < 1e-6);
        let disc = |radius| Shape::Disc {
            center: [1.5, 0.5],
            radius,
        };
        let t = placement(&disc(0.2), &disc(0.1), to_px, 0.0);
        assert!(t.translation.abs_diff_eq(Vec3::new(50.0, 50.0, 0.0), 1e-4));
        assert_eq!(t.scale, Vec3::new(2.0, 2.0, 1.0));
    }

    #[test]
    fn meshes_are_never_smaller_than_visible() {
        let tiny = Shape::Disc {
            center: [0.0, 0.0],
            radius: 0.001,
        };
        let aabb = mesh(&tiny, 100.0).compute_aabb().unwrap();
        assert!((aabb.half_extents.x - MIN_DISC_PX).abs() < 1e-4);
        let nav_agent = Shape::Disc {
            center: [0.0, 0.0],
            radius: 0.01,
        };
        let aabb = mesh(&nav_agent, 500.0).compute_aabb().unwrap();
        assert!(
            (aabb.half_extents.x - 5.0).abs() < 1e-4,
            "nav2d's agent: 5 px"
        );
    }
}
