//! Physics, reward and task tests of the half-cheetah families (the contract checks run in
//! `conformance.rs` over every registered name).

use std::f64::consts::PI;

use metarl_envs::cheetah::env::{CTRL_COST_WEIGHT, DEFAULT_HORIZON, OBS_DIM};
use metarl_envs::cheetah::model::{INITIAL_HEIGHT, JOINTS, NUM_JOINTS};
use metarl_envs::{CheetahFamily, CheetahTasks, Env, Locomotion, Task, TaskDistribution};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn env_with_task(family: CheetahFamily, oracle: bool, param: f64, seed: u64) -> Locomotion {
    let mut env = family.env(oracle, DEFAULT_HORIZON);
    env.set_task(&Task {
        params: vec![param],
    });
    env.reset(seed);
    env
}

fn random_action(rng: &mut ChaCha8Rng) -> [f64; NUM_JOINTS] {
    std::array::from_fn(|_| rng.gen_range(-1.0..=1.0))
}

/// Largest distance of a hinge angle (MuJoCo convention) beyond its range.
fn limit_overshoot(obs: &[f64]) -> f64 {
    JOINTS
        .iter()
        .enumerate()
        .map(|(j, spec)| {
            let q = obs[2 + j];
            (spec.range[0] - q).max(q - spec.range[1]).max(0.0)
        })
        .fold(0.0, f64::max)
}

#[test]
fn random_actions_for_1e5_steps_stay_finite_in_space_above_ground_and_within_joint_limits() {
    let mut env = env_with_task(CheetahFamily::Velocity, false, 1.0, 0);
    let space = env.observation_space().clone();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let (mut penetration, mut overshoot) = (0.0f64, 0.0f64);
    // Reset noise (height -0.1, hinge angles ±0.1) can start a foot up to ~3 cm in the ground;
    // once the contacts have pushed it out (0.5 s), penetration comes from the dynamics only.
    let mut dynamic_penetration = 0.0f64;
    let mut largest = [0.0f64; OBS_DIM];
    let mut episodes = 1;
    for t in 0..100_000 {
        let step = env.step(&random_action(&mut rng));
        assert!(
            step.obs.iter().all(|v| v.is_finite())
                && step.reward.is_finite()
                && step.metrics.iter().all(|(_, v)| v.is_finite()),
            "step {t}: {step:?}"
        );
        assert!(space.contains(&step.obs), "step {t}: {:?}", step.obs);
        let depth = env.world().penetration();
        penetration = penetration.max(depth);
        if env.elapsed_steps() > 10 {
            dynamic_penetration = dynamic_penetration.max(depth);
        }
        overshoot = overshoot.max(limit_overshoot(&step.obs));
        for (m, v) in largest.iter_mut().zip(&step.obs) {
            *m = m.max(v.abs());
        }
        if step.truncated {
            env.reset(episodes);
            episodes += 1;
        }
    }
    eprintln!(
        "1e5 random steps: deepest penetration {penetration:.4} m ({dynamic_penetration:.4} m \
         after the first 0.5 s of each episode), largest limit overshoot {overshoot:.4} rad, \
         largest |obs| {largest:.2?}"
    );
    assert_eq!(episodes, 501);
    assert!(penetration < 0.05, "penetration {penetration}");
    assert!(
        dynamic_penetration < 0.01,
        "penetration {dynamic_penetration}"
    );
    // MuJoCo's own soft limits overshoot by up to 0.21 rad in the same test (see model.rs).
    assert!(overshoot < 0.15, "limit overshoot {overshoot}");
}

#[test]
fn zero_action_settles_within_2_s_and_does_not_drift_over_10_s() {
    for seed in [0, 1, 2] {
        let mut env = env_with_task(CheetahFamily::Velocity, false, 0.0, seed);
        let zero = [0.0; NUM_JOINTS];
        for _ in 0..40 {
            env.step(&zero);
        }
        let settled = env.step(&zero).obs;
        let x_settled = env.world().root_x();
        let speed = settled[8].hypot(settled[9]);
        assert!(
            speed < 0.05,
            "seed {seed}: torso speed {speed} m/s after 2 s"
        );
        assert!(
            settled[10].abs() < 0.05,
            "seed {seed}: pitch rate {}",
            settled[10]
        );
        let mut last = settled;
        for _ in 41..DEFAULT_HORIZON {
            last = env.step(&zero).obs;
        }
        let speed = last[8].hypot(last[9]);
        assert!(
            speed < 1e-3,
            "seed {seed}: torso speed {speed} m/s after 10 s"
        );
        let drift = (env.world().root_x() - x_settled).abs();
        assert!(
            drift < 0.01,
            "seed {seed}: drifted {drift} m from 2 s to 10 s"
        );
        assert!(env.world().root_x().abs() < 0.1, "seed {seed}");
        // Resting on the feet, torso still up.
        let h = env.world().state().qpos[1];
        assert!(h > 0.3 && h < INITIAL_HEIGHT, "seed {seed}: height {h}");
    }
}

/// An open-loop gait: `a_j(t) = sin(2π f t + φ_j)` (found by a random search over f and φ).
fn gait_action(t: f64) -> [f64; NUM_JOINTS] {
    const FREQUENCY: f64 = GAIT[0];
    std::array::from_fn(|j| (2.0 * PI * FREQUENCY * t + GAIT[1 + j]).sin())
}

/// Frequency (Hz) and the phases of bthigh, bshin, bfoot, fthigh, fshin, ffoot (rad).
const GAIT: [f64; 7] = [2.08, 0.47, 2.53, 4.45, 3.65, 3.02, 5.91];

#[test]
fn open_loop_sinusoidal_gait_runs_forward_faster_than_half_a_meter_per_second() {
    for seed in [0, 1, 2] {
        let mut env = env_with_task(CheetahFamily::Velocity, false, 1.0, seed);
        let x0 = env.world().root_x();
        let mut sum_velocity = 0.0;
        for k in 0..DEFAULT_HORIZON {
            let step = env.step(&gait_action(k as f64 * 0.05));
            sum_velocity += step.metrics[2].1;
        }
        let mean_velocity = sum_velocity / DEFAULT_HORIZON as f64;
        let displacement = env.world().root_x() - x0;
        eprintln!("gait seed {seed}: mean v_x {mean_velocity:.3} m/s");
        assert!((displacement / 10.0 - mean_velocity).abs() < 1e-5);
        assert!(mean_velocity > 0.5, "seed {seed}: {mean_velocity} m/s");
    }
}

#[test]
fn reward_terms_equal_their_formulas_for_both_families() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for (family, param) in [
        (CheetahFamily::Velocity, 1.3),
        (CheetahFamily::Direction, -1.0),
        (CheetahFamily::Direction, 1.0),
    ] {
        let mut env = env_with_task(family, false, param, 3);
        for _ in 0..30 {
            // Some components far outside [-1, 1]: the control cost uses the clipped action.
            let action: [f64; NUM_JOINTS] = std::array::from_fn(|_| rng.gen_range(-3.0..3.0));
            let x_before = env.world().root_x();
            let step = env.step(&action);
            let x_velocity = (env.world().root_x() - x_before) / 0.05;
            let reward_run = match family {
                CheetahFamily::Velocity => -(x_velocity - param).abs(),
                CheetahFamily::Direction => param * x_velocity,
            };
            let reward_ctrl = -CTRL_COST_WEIGHT
                * action
                    .iter()
                    .map(|a| a.clamp(-1.0, 1.0).powi(2))
                    .sum::<f64>();
            assert_eq!(
                step.metrics[..3],
                [
                    ("reward_run", reward_run),
                    ("reward_ctrl", reward_ctrl),
                    ("x_velocity", x_velocity),
                ]
            );
            let names: Vec<&str> = step.metrics[3..].iter().map(|m| m.0).collect();
            assert_eq!(names, ["penetration", "joint_limit_violation"]);
            assert!(step.metrics[3..]
                .iter()
                .all(|m| m.1 >= 0.0 && m.1.is_finite()));
            assert_eq!(step.reward, reward_run + reward_ctrl);
            assert!(!step.terminated);
        }
    }
}

#[test]
fn oracle_observation_is_the_base_observation_plus_the_task_parameter() {
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    for (family, param) in [
        (CheetahFamily::Velocity, 0.7),
        (CheetahFamily::Direction, -1.0),
    ] {
        let mut base = family.env(false, DEFAULT_HORIZON);
        let mut oracle = family.env(true, DEFAULT_HORIZON);
        let task = Task {
            params: vec![param],
        };
        base.set_task(&task);
        oracle.set_task(&task);
        let (b, o) = (base.reset(11), oracle.reset(11));
        assert_eq!((b.len(), o.len()), (OBS_DIM, OBS_DIM + 1));
        assert_eq!(o[..OBS_DIM], b[..]);
        assert_eq!(o[OBS_DIM], param);
        for _ in 0..20 {
            let action = random_action(&mut rng);
            let (b, o) = (base.step(&action), oracle.step(&action));
            assert_eq!(o.obs[..OBS_DIM], b.obs[..]);
            assert_eq!(o.obs[OBS_DIM], param);
            assert_eq!((o.reward, &o.metrics), (b.reward, &b.metrics));
        }
    }
}

#[test]
fn reset_noise_is_small_and_drawn_from_the_reset_seed() {
    let mut env = CheetahFamily::Velocity.env(false, DEFAULT_HORIZON);
    let first = env.reset(4);
    assert_eq!(env.reset(4), first);
    assert_ne!(env.reset(5), first);
    for seed in 0..50 {
        let obs = env.reset(seed);
        assert!((obs[0] - INITIAL_HEIGHT).abs() <= 0.1 + 1e-6, "{obs:?}");
        assert!(obs[1..8].iter().all(|q| q.abs() <= 0.1 + 1e-6), "{obs:?}");
        // 0.1·N(0, 1) velocities: |v| < 0.6 except with probability ~1e-7 per value.
        assert!(obs[8..].iter().all(|v| v.abs() < 0.6), "{obs:?}");
    }
}

#[test]
fn sampled_tasks_cover_each_family_support() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let velocities = CheetahTasks::velocity().sample_tasks(&mut rng, 4000);
    assert!(velocities
        .iter()
        .all(|t| t.params.len() == 1 && (0.0..2.0).contains(&t.params[0])));
    let below_one = velocities.iter().filter(|t| t.params[0] < 1.0).count();
    assert!((1800..2200).contains(&below_one), "{below_one}");
    let directions = CheetahTasks::direction().sample_tasks(&mut rng, 4000);
    assert!(directions
        .iter()
        .all(|t| t.params == [1.0] || t.params == [-1.0]));
    let forward = directions.iter().filter(|t| t.params[0] == 1.0).count();
    assert!((1800..2200).contains(&forward), "{forward}");
}

#[test]
#[should_panic(expected = "invalid task [2.5]: expected one target velocity in [0, 2]")]
fn set_task_rejects_a_goal_velocity_outside_the_family() {
    CheetahFamily::Velocity
        .env(true, 10)
        .set_task(&Task { params: vec![2.5] });
}

#[test]
fn registry_names_map_to_family_and_oracle() {
    for (name, dim) in [
        ("cheetah-vel", 17),
        ("cheetah-dir", 17),
        ("cheetah-vel-oracle", 18),
        ("cheetah-dir-oracle", 18),
    ] {
        let dist = metarl_envs::task_distribution(name, None).unwrap();
        assert_eq!(
            (dist.name(), dist.obs_dim(), dist.act_dim()),
            (name, dim, 6)
        );
        assert_eq!(dist.make_env().observation_space().dim(), dim);
    }
}

#[test]
fn render_draws_the_torso_origin_last_step_velocity_and_capsule_segments() {
    use metarl_envs::cheetah::model::RADIUS;
    let mut env = env_with_task(CheetahFamily::Velocity, false, 1.0, 3);
    let expected = |env: &Locomotion, x_velocity: f64| metarl_envs::RenderFrame {
        position: [env.world().state().qpos[0], env.world().state().qpos[1]],
        x_velocity: Some(x_velocity),
        bodies: env
            .world()
            .capsules()
            .iter()
            .map(|c| metarl_envs::Shape::Capsule {
                a: c.a,
                b: c.b,
                radius: RADIUS,
            })
            .collect(),
    };
    let frame = env.render().unwrap();
    assert_eq!(frame, expected(&env, 0.0));
    assert_eq!(frame.position, [0.0, env.world().state().qpos[1]]);
    assert!((frame.position[1] - INITIAL_HEIGHT).abs() <= 0.1 + 1e-12);
    assert_eq!(frame.bodies.len(), 8);
    assert_eq!(env.scenery().ground, Some(0.0));
    assert_eq!(env.scenery().goal, None);
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for _ in 0..20 {
        let step = env.step(&random_action(&mut rng));
        let (_, v) = *step
            .metrics
            .iter()
            .find(|(name, _)| *name == "x_velocity")
            .unwrap();
        assert_eq!(env.render().unwrap(), expected(&env, v));
    }
    assert_ne!(env.render().unwrap().position[0], 0.0);
    env.reset(4);
    assert_eq!(env.render().unwrap().x_velocity, Some(0.0));
}

#[test]
fn cheetah_distributions_give_dt_and_check_tasks() {
    for oracle in [false, true] {
        let vel = CheetahTasks::new(CheetahFamily::Velocity, oracle, 200);
        let dir = CheetahTasks::new(CheetahFamily::Direction, oracle, 200);
        for dist in [&vel, &dir] {
            assert!((dist.dt() - 0.05).abs() < 1e-15);
        }
        for ok in [0.0, 1.3, 2.0] {
            assert_eq!(vel.check_task(&[ok]), Ok(Task { params: vec![ok] }));
        }
        for bad in [
            vec![-0.1],
            vec![2.01],
            vec![f64::NAN],
            vec![],
            vec![1.0, 1.0],
        ] {
            assert_eq!(
                vel.check_task(&bad),
                Err(format!(
                    "invalid task {bad:?} for {}: expected one target velocity in [0, 2]",
                    vel.name()
                ))
            );
        }
        for ok in [1.0, -1.0] {
            assert_eq!(dir.check_task(&[ok]), Ok(Task { params: vec![ok] }));
        }
        for bad in [vec![0.0], vec![0.5], vec![2.0], vec![], vec![1.0, -1.0]] {
            assert_eq!(
                dir.check_task(&bad),
                Err(format!(
                    "invalid task {bad:?} for {}: expected one direction, 1 or -1",
                    dir.name()
                ))
            );
        }
    }
    assert_eq!(
        CheetahTasks::velocity().check_task(&[3.0]).unwrap_err(),
        "invalid task [3.0] for cheetah-vel: expected one target velocity in [0, 2]"
    );
}
