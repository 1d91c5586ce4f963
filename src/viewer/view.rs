//! Where a recording goes on screen, from the recording alone (no env-specific code): a side view
//! when its scenery has a ground, else a top-down view of an arena fitted to the walls and the
//! goal, zoomed out if the trails would leave the window.
//!
//! The cameras are fixed (1 world unit = 1 px, the origin at the window's centre); a view maps
//! env coordinates to those pixels.

use bevy::math::Vec2;
use metarl_envs::Shape;

use super::shapes::{bounds, v};
use crate::rollout::Recording;

/// Side of the square (px) the top-down view fits its arena into (between the HUD on the left
/// and the legend on the right).
pub const TOP_PX: f32 = 500.0;
/// Side of the square (px) around the arena's centre that every trail stays in (the window's
/// height less a margin): trails beyond it zoom the view out.
pub const TRAILS_PX: f32 = 700.0;
/// The top-down view always shows at least this square around the origin (the start of the
/// point families: nav2d's arena [-0.5, 0.5]^2 fills [`TOP_PX`] exactly).
pub const TOP_MIN_HALF_EXTENT: f32 = 0.5;
/// Grid cells along the longer side of the top-down view (about; the step is 1, 2 or 5 x 10^k).
const GRID_CELLS: f32 = 10.0;
/// Side view: most pixels per metre (the half-cheetah's scale; taller bodies are zoomed out).
pub const SIDE_MAX_PPU: f32 = 250.0;
/// Side view: y (px, world) of the ground of the top (before adaptation) and bottom lanes.
pub const LANE_GROUND: [f32; 2] = [40.0, -320.0];
/// Side view: height (px) above a lane's ground that the tallest body may reach: the 232 px
/// between the ground and the bottom of the lane's 3-line text panel (the HUD), less a margin,
/// so that the panel never covers a tall body's head.
pub const LANE_ROOM: f32 = 220.0;

/// How a recording is laid out.
#[derive(Clone, Debug, PartialEq)]
pub enum View {
    /// Seen from the side over the ground: two lanes, before adaptation on top and after below,
    /// each following its body's `position`.
    Side(SideView),
    /// Seen from above, fitted to what is drawn.
    Top(TopView),
}

impl View {
    /// The view of `recording`: [`SideView`] if its scenery has a ground, else [`TopView`].
    pub fn of(recording: &Recording) -> View {
        match recording.scenery.ground {
            Some(ground) => View::Side(SideView::fit(recording, ground as f32)),
            None => View::Top(TopView::fit(recording)),
        }
    }
}

/// A side view: lanes whose ground is the scenery's, at [`LANE_GROUND`].
#[derive(Clone, Debug, PartialEq)]
pub struct SideView {
    /// Height (y, m) of the ground.
    pub ground: f32,
    /// Pixels per metre: [`SIDE_MAX_PPU`], or less so the tallest body fits in [`LANE_ROOM`].
    pub ppu: f32,
}

impl SideView {
    fn fit(recording: &Recording, ground: f32) -> SideView {
        let top = every_frame(recording)
            .flat_map(|f| &f.bodies)
            .map(|s| bounds(s).1.y)
            .fold(ground, f32::max);
        let height = top - ground;
        let ppu = if height > 0.0 {
            SIDE_MAX_PPU.min(LANE_ROOM / height)
        } else {
            SIDE_MAX_PPU
        };
        SideView { ground, ppu }
    }

    /// Env coordinates (m) to world pixels in `lane`, whose view follows x = `follow`.
    pub fn to_px(&self, p: Vec2, lane: usize, follow: f32) -> Vec2 {
        Vec2::new(
            (p.x - follow) * self.ppu,
            (p.y - self.ground) * self.ppu + LANE_GROUND[lane],
        )
    }
}

/// A top-down view: the arena `min..max` (whole grid cells) centred and scaled into [`TOP_PX`],
/// or less so every trail stays within [`TRAILS_PX`].
#[derive(Clone, Debug, PartialEq)]
pub struct TopView {
    /// Lower-left corner of the arena (env units): the grid, its border and where clicks land.
    pub min: Vec2,
    /// Upper-right corner.
    pub max: Vec2,
    /// Spacing of the grid lines (env units).
    pub grid: f32,
    /// Pixels per env unit.
    pub ppu: f32,
}

impl TopView {
    /// The arena holding the scenery's arena (or, without one, the square of
    /// [`TOP_MIN_HALF_EXTENT`]), the walls and the goal region, widened to whole grid cells, and a
    /// scale that keeps every recorded position in view.
    fn fit(recording: &Recording) -> TopView {
        let scenery = &recording.scenery;
        let (mut lo, mut hi) = match scenery.arena {
            Some(arena) => (v(arena.min), v(arena.max)),
            None => (
                Vec2::splat(-TOP_MIN_HALF_EXTENT),
                Vec2::splat(TOP_MIN_HALF_EXTENT),
            ),
        };
        let mut include = |(a, b): (Vec2, Vec2)| {
            lo = lo.min(a);
            hi = hi.max(b);
        };
        scenery.walls.iter().map(bounds).for_each(&mut include);
        if let Some(goal) = scenery.goal {
            include(bounds(&Shape::Disc {
                center: goal.position,
                radius: goal.radius,
            }));
        }
        let grid = nice_step((hi - lo).max_element() / GRID_CELLS);
        // A tolerance keeps bounds already on the grid (-0.5 with a step of 0.1) where they are.
        let min = ((lo / grid) + 1e-4).floor() * grid;
        let max = ((hi / grid) - 1e-4).ceil() * grid;
        let centre = (min + max) / 2.0;
        let reach = every_frame(recording)
            .map(|f| (v(f.position) - centre).abs())
            .fold(0.0, |reach: f32, d| reach.max(d.max_element()));
        let arena_ppu = TOP_PX / (max - min).max_element();
        TopView {
            min,
            max,
            grid,
            ppu: arena_ppu.min(TRAILS_PX / 2.0 / reach),
        }
    }

    /// Centre of the region (drawn at the window's centre).
    pub fn centre(&self) -> Vec2 {
        (self.min + self.max) / 2.0
    }

    /// Env coordinates to world pixels.
    pub fn to_px(&self, p: Vec2) -> Vec2 {
        (p - self.centre()) * self.ppu
    }

    /// World pixels to env coordinates (where a click lands).
    pub fn to_env(&self, px: Vec2) -> Vec2 {
        px / self.ppu + self.centre()
    }
}

/// Every frame of every recorded episode.
fn every_frame(recording: &Recording) -> impl Iterator<Item = &crate::rollout::Frame> {
    recording
        .sets
        .iter()
        .flat_map(|s| &s.episodes)
        .flat_map(|e| &e.frames)
}

/// The smallest 1, 2 or 5 x 10^k that is at least `x` (> 0).
fn nice_step(x: f32) -> f32 {
    let decade = 10f32.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * decade)
        .find(|step| *step >= x * (1.0 - 1e-4))
        .unwrap_or(10.0 * decade)
}

#[cfg(test)]
mod tests {
    use metarl_envs::{GoalMarker, Region, Scenery};

    use super::*;
    use crate::rollout::{Episode, EpisodeSet, Frame, FORMAT, VERSION};

    /// A recording with one episode through `positions`, bodies `body(p)` at each, and `scenery`.
    fn recording(
        scenery: Scenery,
        positions: &[[f64; 2]],
        body: fn([f64; 2]) -> Shape,
    ) -> Recording {
        let frames: Vec<Frame> = positions
            .iter()
            .map(|&p| Frame {
                position: p,
                x_velocity: None,
                bodies: vec![body(p)],
            })
            .collect();
        Recording {
            format: FORMAT.into(),
            version: VERSION,
            env: "test".into(),
            task: vec![0.0, 0.0],
            seed: 0,
            horizon: frames.len() - 1,
            dt: 1.0,
            scenery,
            checkpoint_iteration: 0,
            lrs: vec![],
            sets: vec![EpisodeSet {
                steps: 0,
                mean_return: 0.0,
                batch_episodes: 1,
                episodes: vec![Episode {
                    total_return: 0.0,
                    terminated: false,
                    rewards: vec![0.0; frames.len() - 1],
                    frames,
                }],
            }],
        }
    }

    fn disc(center: [f64; 2]) -> Shape {
        Shape::Disc {
            center,
            radius: 0.01,
        }
    }

    fn goal(position: [f64; 2], radius: f64) -> Scenery {
        Scenery {
            goal: Some(GoalMarker { position, radius }),
            ..Scenery::default()
        }
    }

    fn top(recording: &Recording) -> TopView {
        match View::of(recording) {
            View::Top(top) => top,
            View::Side(_) => panic!("a side view"),
        }
    }

    #[test]
    fn nav2d_inside_its_arena_is_the_arena_centred_at_500_px_per_unit() {
        let rec = recording(
            goal([0.3, -0.2], 0.01),
            &[[0.0, 0.0], [0.1, -0.1], [0.49, -0.5]],
            disc,
        );
        let view = top(&rec);
        assert_eq!(
            view,
            TopView {
                min: Vec2::splat(-0.5),
                max: Vec2::splat(0.5),
                grid: 0.1,
                ppu: 500.0
            }
        );
        assert_eq!(view.to_px(Vec2::new(0.3, 0.2)), Vec2::new(150.0, 100.0));
        assert!(view
            .to_env(Vec2::new(150.0, -100.0))
            .abs_diff_eq(Vec2::new(0.3, -0.2), 1e-6));
    }

    #[test]
    fn trails_leaving_the_window_zoom_out_but_keep_the_arena() {
        // 0.7 from the centre is 350 px: still in view at nav2d's scale.
        let near = top(&recording(
            goal([0.3, 0.2], 0.01),
            &[[0.0, 0.0], [0.0, -0.7]],
            disc,
        ));
        assert_eq!(
            (near.min, near.max, near.ppu),
            (Vec2::splat(-0.5), Vec2::splat(0.5), 500.0)
        );
        let far = top(&recording(
            goal([0.3, 0.2], 0.01),
            &[[0.0, 0.0], [-1.0, 0.1]],
            disc,
        ));
        assert_eq!((far.min, far.max), (Vec2::splat(-0.5), Vec2::splat(0.5)));
        assert_eq!(far.ppu, TRAILS_PX / 2.0, "1 unit from the centre at 350 px");
    }

    #[test]
    fn far_goals_and_walls_widen_the_arena_to_whole_cells() {
        // A corner goal at (2, 2) with a sparse radius, a trail that goes left of the arena.
        let rec = recording(goal([2.0, 2.0], 0.3), &[[0.0, 0.0], [-0.7, 0.1]], disc);
        let view = top(&rec);
        // Bounds [-0.5, 2.3]^2: extent 2.8 -> grid 0.5 -> [-0.5, 2.5]^2, 3 units in 500 px (the
        // trail, 1.7 from the centre, is 283 px away: in view).
        assert_eq!(view.grid, 0.5);
        assert_eq!((view.min, view.max), (Vec2::splat(-0.5), Vec2::splat(2.5)));
        assert_eq!(view.ppu, TOP_PX / 3.0);
        assert_eq!(view.to_px(view.centre()), Vec2::ZERO);

        let walls = Scenery {
            walls: vec![Shape::Rect {
                center: [0.0, 0.7],
                half_extents: [0.5, 0.05],
                angle: 0.0,
            }],
            ..Scenery::default()
        };
        let view = top(&recording(walls, &[[0.0, 0.0]], disc));
        assert!(view.max.y >= 0.75 && view.min.y <= -0.5, "{view:?}");
    }

    #[test]
    fn a_scenery_arena_keeps_the_view_the_same_for_every_goal() {
        let arena = |position| Scenery {
            arena: Some(Region::square(2.5)),
            ..goal(position, 0.0)
        };
        let views: Vec<TopView> = [[2.0, 2.0], [-2.0, 2.0], [-2.0, -2.0], [2.0, -2.0]]
            .into_iter()
            .map(|g| top(&recording(arena(g), &[[0.0, 0.0], [0.3, -0.2]], disc)))
            .collect();
        assert_eq!(
            (views[0].min, views[0].max),
            (Vec2::splat(-2.5), Vec2::splat(2.5))
        );
        assert!(views.iter().all(|v| *v == views[0]), "{views:?}");
        // Without the arena the view follows the goal into its quadrant.
        let fitted = top(&recording(goal([-2.0, -2.0], 0.0), &[[0.0, 0.0]], disc));
        assert_eq!(fitted.max, Vec2::splat(0.5));
    }

    #[test]
    fn a_ground_makes_a_side_view_zoomed_out_only_for_tall_bodies() {
        let ground = Scenery {
            ground: Some(0.0),
            ..Scenery::default()
        };
        let low = |p: [f64; 2]| Shape::Capsule {
            a: [p[0] - 0.5, 0.6],
            b: [p[0] + 0.5, 0.6],
            radius: 0.046,
        };
        let cheetah = recording(ground.clone(), &[[0.0, 0.6], [0.2, 0.6]], low);
        assert_eq!(
            View::of(&cheetah),
            View::Side(SideView {
                ground: 0.0,
                ppu: SIDE_MAX_PPU
            })
        );
        let tall = |p: [f64; 2]| Shape::Capsule {
            a: [p[0], 0.0],
            b: [p[0], 1.95],
            radius: 0.05,
        };
        let View::Side(side) = View::of(&recording(ground, &[[0.0, 1.0]], tall)) else {
            panic!("a side view")
        };
        assert!((side.ppu - LANE_ROOM / 2.0).abs() < 1e-3, "{}", side.ppu);
        assert_eq!(
            side.to_px(Vec2::new(1.0, 0.0), 1, 1.0),
            Vec2::new(0.0, LANE_GROUND[1])
        );
    }

    #[test]
    fn nice_steps_are_1_2_5_times_a_power_of_ten() {
        for (x, step) in [(0.1, 0.1), (0.12, 0.2), (0.3, 0.5), (0.7, 1.0), (3.0, 5.0)] {
            assert!((nice_step(x) - step).abs() < 1e-6, "{x}: {}", nice_step(x));
        }
    }
}
