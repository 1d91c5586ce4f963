//! Physics tests of the planar hopper and walker, anchored on MuJoCo's behaviour (Gymnasium v5,
//! MuJoCo 4.0 on this machine class; the reference numbers are quoted where they are used).

use metarl_envs::locomotion::{
    Family, LocomotionTasks, HOPPER, HOPPER_ROBOT, WALKER, WALKER_ROBOT,
};
use metarl_envs::planar::{Dynamics, PlanarState, PlanarWorld, Robot};
use metarl_envs::{check_env, task_distribution, Task, TaskDistribution};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const NEW_FAMILIES: [&str; 8] = [
    "hopper-vel",
    "hopper-vel-oracle",
    "hopper-params",
    "hopper-params-oracle",
    "walker-dir",
    "walker-dir-oracle",
    "walker-params",
    "walker-params-oracle",
];

#[test]
fn every_new_family_passes_the_conformance_check() {
    for name in NEW_FAMILIES {
        let dist = task_distribution(name, Some(60)).unwrap();
        assert_eq!(dist.name(), name);
        check_env(dist.as_ref(), 3).unwrap();
    }
}

#[test]
fn body_masses_and_inertias_match_mujoco_compiled_models() {
    // MuJoCo 4.0 compiling Gymnasium 1.4's hopper.xml / walker2d_v5.xml: body_mass and
    // body_inertia about y (torso, thigh, leg, foot).
    let hopper = (
        [3.6652, 4.0579, 2.7814, 5.3156],
        [0.06925, 0.0933, 0.0723, 0.10352],
    );
    let walker_foot = (3.1667, 0.024);
    for (body, (mass, inertia)) in HOPPER_ROBOT
        .body_masses()
        .iter()
        .zip(hopper.0.iter().zip(hopper.1))
    {
        assert!((body.mass / mass - 1.0).abs() < 1e-4, "{body:?} vs {mass}");
        assert!(
            (body.inertia / inertia - 1.0).abs() < 2e-3,
            "{body:?} vs {inertia}"
        );
    }
    let walker = WALKER_ROBOT.body_masses();
    assert_eq!(walker.len(), 7);
    for foot in [&walker[3], &walker[6]] {
        assert!((foot.mass / walker_foot.0 - 1.0).abs() < 1e-4, "{foot:?}");
        assert!(
            (foot.inertia / walker_foot.1 - 1.0).abs() < 2e-3,
            "{foot:?}"
        );
    }
}

/// Median episode length of `name` over 20 reset seeds at zero or uniform random actions (at most
/// 1000 steps).
fn median_steps_to_termination(name: &str, random: bool) -> usize {
    let dist = task_distribution(name, Some(1000)).unwrap();
    let mut env = dist.make_env();
    let mut lengths: Vec<usize> = (0..20u64)
        .map(|seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed + 100);
            env.reset(seed);
            (1..=1000)
                .find(|_| {
                    let action: Vec<f64> = (0..dist.act_dim())
                        .map(|_| {
                            if random {
                                rng.gen_range(-1.0..1.0)
                            } else {
                                0.0
                            }
                        })
                        .collect();
                    env.step(&action).terminated
                })
                .unwrap_or(1000)
        })
        .collect();
    lengths.sort_unstable();
    lengths[10]
}

#[test]
fn hopper_and_walker_fall_within_half_to_twice_mujocos_median_time() {
    // Gymnasium v5, 20 seeds: zero action Hopper 143.5, Walker2d 113 steps; uniform random
    // actions 23 and 21 steps (medians).
    for (name, random, mujoco) in [
        ("hopper-params", false, 143.5),
        ("hopper-params", true, 23.0),
        ("walker-params", false, 113.0),
        ("walker-params", true, 21.0),
    ] {
        let ours = median_steps_to_termination(name, random) as f64;
        assert!(
            (0.5 * mujoco..=2.0 * mujoco).contains(&ours),
            "{name} (random actions: {random}): median {ours} steps, MuJoCo {mujoco}"
        );
    }
}

/// Generalized velocities after 20 physics steps (0.04 s) without gravity from the initial pose
/// at rest, with `ctrl` held.
fn torque_response(robot: &'static Robot, dynamics: &Dynamics, ctrl: &[f64]) -> Vec<f64> {
    let mut world = PlanarWorld::new(robot, dynamics, &PlanarState::initial(robot));
    world.world.gravity = rapier2d::prelude::Vector::ZERO;
    world.set_controls(ctrl);
    for _ in 0..20 {
        world.step();
    }
    world.state().qvel
}

#[test]
fn hinge_torques_accelerate_like_mujocos_joint_space_armature() {
    // MuJoCo 4.0, Gymnasium Hopper-v5 model, gravity off, ctrl[j] = -0.5 for 20 steps: qvel
    // (rootx, rootz, rooty, thigh, leg, foot). The armature (1 kg·m² per hinge) dominates: without
    // it the thigh would turn at -30.3 rad/s.
    let mujoco = [
        [-0.192, -0.021, -3.030, -3.577, 0.003, 0.053],
        [-0.299, 0.001, -1.524, 0.003, -3.292, 0.176],
        [-0.078, 0.074, -0.125, 0.001, 0.002, -3.527],
    ];
    let nominal = Dynamics::nominal(&HOPPER_ROBOT);
    for (j, expected) in mujoco.iter().enumerate() {
        let mut ctrl = [0.0; 3];
        ctrl[j] = -0.5;
        let qvel = torque_response(&HOPPER_ROBOT, &nominal, &ctrl);
        // The driven hinge and the pitch within 15 %, the others within 0.5 rad/s.
        for (i, (ours, theirs)) in qvel.iter().zip(expected).enumerate() {
            let theirs: f64 = *theirs;
            let ok = if i == 3 + j || (i == 2 && theirs.abs() > 1.0) {
                (ours / theirs - 1.0).abs() < 0.15
            } else {
                (ours - theirs).abs() < 0.5
            };
            assert!(ok, "ctrl {j}: qvel {qvel:?}, MuJoCo {expected:?}");
        }
    }
}

/// Uniform random actions for `steps` env steps over episodes of `name`; the worst joint-limit
/// violation and penetration.
fn worst_violations(name: &str, steps: usize) -> (f64, f64) {
    let dist = task_distribution(name, None).unwrap();
    let mut env = dist.make_env();
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let tasks = dist.sample_tasks(&mut rng, 16);
    let (mut limit, mut depth) = (0.0f64, 0.0f64);
    let mut done = true;
    for k in 0..steps {
        if done {
            env.set_task(&tasks[k % tasks.len()]);
            env.reset(k as u64);
        }
        let action: Vec<f64> = (0..dist.act_dim())
            .map(|_| rng.gen_range(-1.0..1.0))
            .collect();
        let step = env.step(&action);
        let metric = |name: &str| step.metrics.iter().find(|m| m.0 == name).unwrap().1;
        limit = limit.max(metric("joint_limit_violation"));
        depth = depth.max(metric("penetration"));
        done = step.terminated || step.truncated;
    }
    (limit, depth)
}

#[test]
fn joint_limits_and_ground_contact_hold_within_documented_bounds() {
    // Bounds documented in `metarl_envs::planar::world`: limits within 0.2 rad, penetration
    // within 3 cm, under random actions with random dynamics.
    for name in ["hopper-params", "walker-params"] {
        let (limit, depth) = worst_violations(name, 20_000);
        assert!(limit < 0.2, "{name}: joint limit violation {limit}");
        assert!(depth < 0.03, "{name}: penetration {depth}");
    }
}

/// Root x after `steps` env steps of a periodic open-loop gait `a_j(k) = bias_j + amp_j ·
/// sin(2π k / period + phase_j)`, or None if the episode terminated.
fn gait_distance(name: &str, gait: &[f64], seed: u64, steps: usize) -> Option<f64> {
    let dist = task_distribution(name, Some(steps)).unwrap();
    let n = dist.act_dim();
    let (period, amp, phase, bias) = (
        gait[0],
        &gait[1..=n],
        &gait[n + 1..=2 * n],
        &gait[2 * n + 1..],
    );
    let mut env = dist.make_env();
    env.reset(seed);
    let mut x = 0.0;
    for k in 0..steps {
        let t = k as f64 * std::f64::consts::TAU / period;
        let action: Vec<f64> = (0..n)
            .map(|j| bias[j] + amp[j] * (t + phase[j]).sin())
            .collect();
        let step = env.step(&action);
        x += step.metrics.iter().find(|m| m.0 == "x_velocity").unwrap().1 * dist.dt();
        if step.terminated {
            return None;
        }
    }
    Some(x)
}

#[test]
fn a_periodic_gait_moves_forward_without_falling() {
    // Open-loop sinusoid gaits (period in env steps, then amplitudes, phases and biases per
    // hinge, rounded to 0.01), found by a random search for the farthest 1 s run without
    // termination from reset seeds 0-3 (the worst of the four counts).
    let hopper = [
        45.0, 0.49, -0.34, -0.08, 1.66, 0.86, 4.55, 0.18, 0.46, -0.36,
    ];
    let walker = [
        24.0, -0.21, 0.45, -0.0, 0.1, -0.85, 0.08, 3.62, 5.6, 5.07, 0.97, 1.98, 5.27, 0.47, 0.33,
        0.27, 0.2, 0.3, -0.02,
    ];
    for (name, gait) in [("hopper-vel", &hopper[..]), ("walker-dir", &walker[..])] {
        for seed in 0..4 {
            let x = gait_distance(name, gait, seed, 125);
            assert!(
                x.is_some_and(|x| x > 0.1),
                "{name}, seed {seed}: {x:?} m in 1 s"
            );
        }
        // Standing still (period 1, everything else 0) for 60 steps moves nowhere.
        let mut zero = vec![0.0; gait.len()];
        zero[0] = 1.0;
        let x0 = gait_distance(name, &zero, 0, 60).unwrap();
        assert!(x0.abs() < 0.05, "{name}: {x0} m at zero action");
    }
}

#[test]
fn heavier_bodies_fall_the_same_but_turn_less_under_the_same_torque() {
    let robot = &WALKER_ROBOT;
    let nominal = Dynamics::nominal(robot);
    let mut heavy = nominal.clone();
    heavy.mass.iter_mut().for_each(|m| *m = 3.0);
    heavy.inertia.iter_mut().for_each(|i| *i = 3.0);
    // Free fall from 1 m above the start: the same drop whatever the mass.
    let fall = |dynamics: &Dynamics| {
        let mut state = PlanarState::initial(robot);
        state.qpos[1] += 1.0;
        let mut world = PlanarWorld::new(robot, dynamics, &state);
        for _ in 0..100 {
            world.step();
        }
        world.state().qpos[1]
    };
    let (light_z, heavy_z) = (fall(&nominal), fall(&heavy));
    assert!((light_z - heavy_z).abs() < 1e-4, "{light_z} vs {heavy_z}");
    assert!(
        (2.25 - light_z - 0.5 * 9.81 * 0.2 * 0.2).abs() < 0.01,
        "{light_z}"
    );
    // The same hip torque turns heavier links more slowly.
    let ctrl = [-0.5, 0.0, 0.0, 0.0, 0.0, 0.0];
    let light = torque_response(robot, &nominal, &ctrl)[3];
    let slow = torque_response(robot, &heavy, &ctrl)[3];
    assert!(light < 0.0 && slow < 0.0, "{light} {slow}");
    assert!(slow.abs() < 0.6 * light.abs(), "{slow} vs {light}");
}

#[test]
fn lower_friction_lets_a_pushed_hopper_slide_further() {
    let robot = &HOPPER_ROBOT;
    // Standing on the ground (the foot's bottom at y = 0), pushed forward at 1 m/s; slide after
    // 0.2 s.
    let slide = |friction: f64| {
        let mut dynamics = Dynamics::nominal(robot);
        dynamics.friction.iter_mut().for_each(|f| *f = friction);
        let mut state = PlanarState::initial(robot);
        state.qpos[1] -= 0.04;
        state.qvel[0] = 1.0;
        let mut world = PlanarWorld::new(robot, &dynamics, &state);
        let foot = |w: &PlanarWorld| w.capsules()[3].a[0];
        let start = foot(&world);
        for _ in 0..100 {
            world.step();
        }
        foot(&world) - start
    };
    let (grippy, slippery) = (slide(1.0), slide(0.3));
    assert!(
        slippery > grippy + 0.02,
        "foot slid {slippery} m at 0.3x, {grippy} m at 1x"
    );
}

#[test]
fn rand_params_tasks_are_exponents_in_range_and_set_the_dynamics() {
    let dist = task_distribution("hopper-params", None).unwrap();
    let tasks = dist.sample_tasks(&mut ChaCha8Rng::seed_from_u64(1), 200);
    let len = Dynamics::task_len(&HOPPER_ROBOT);
    assert_eq!(len, 4 + 4 + 3 + 5);
    let all: Vec<f64> = tasks.iter().flat_map(|t| t.params.clone()).collect();
    assert!(all.iter().all(|u| (-3.0..3.0).contains(u)));
    assert!(all.iter().any(|u| *u < -2.5) && all.iter().any(|u| *u > 2.5));
    let d = Dynamics::from_exponents(&HOPPER_ROBOT, &tasks[0].params).unwrap();
    assert!((d.mass[0] - 1.5f64.powf(tasks[0].params[0])).abs() < 1e-12);
    assert!((d.damping[0] - 1.3f64.powf(tasks[0].params[8])).abs() < 1e-12);
    assert!(Dynamics::from_exponents(&HOPPER_ROBOT, &vec![3.5; len]).is_err());
    assert!(Dynamics::from_exponents(&HOPPER_ROBOT, &[0.0; 3]).is_err());
    // Different dynamics, different episodes; the oracle observes the exponents.
    let oracle = task_distribution("hopper-params-oracle", None).unwrap();
    assert_eq!(oracle.obs_dim(), 11 + len);
    let mut env = oracle.make_env();
    env.set_task(&tasks[0]);
    let obs = env.reset(0);
    assert_eq!(obs[11..], tasks[0].params[..]);
    let run = |task: &Task| {
        let mut env = dist.make_env();
        env.set_task(task);
        env.reset(0);
        (0..20)
            .map(|_| env.step(&[0.3, -0.2, 0.1]).obs)
            .last()
            .unwrap()
    };
    assert_ne!(run(&tasks[0]), run(&tasks[1]));
    let message = dist.check_task(&[0.0]).unwrap_err();
    assert_eq!(
        message,
        "invalid task [0.0] for hopper-params: expected 16 exponents in [-3, 3]"
    );
}

#[test]
fn velocity_and_direction_rewards_follow_the_task() {
    let vel = LocomotionTasks {
        name: "hopper-vel",
        body: &HOPPER,
        family: Family::Velocity { max: 2.0 },
        oracle: true,
        horizon: 10,
    };
    let mut env = vel.make_env();
    env.set_task(&Task { params: vec![1.5] });
    let obs = env.reset(2);
    assert_eq!(obs.len(), 12);
    assert_eq!(obs[11], 1.5);
    let step = env.step(&[0.0; 3]);
    let metric = |name: &str| step.metrics.iter().find(|m| m.0 == name).unwrap().1;
    assert!((metric("reward_run") + (metric("x_velocity") - 1.5).abs()).abs() < 1e-12);
    assert_eq!(metric("reward_healthy"), 1.0);
    assert!((step.reward - metric("reward_run") - 1.0).abs() < 1e-12);
    assert!(vel.check_task(&[2.5]).is_err() && vel.check_task(&[0.5]).is_ok());

    let dir = task_distribution("walker-dir", None).unwrap();
    let mut env = dir.make_env();
    env.set_task(&Task { params: vec![-1.0] });
    env.reset(0);
    let step = env.step(&[0.5; 6]);
    let metric = |name: &str| step.metrics.iter().find(|m| m.0 == name).unwrap().1;
    assert!((metric("reward_run") + metric("x_velocity")).abs() < 1e-12);
    assert!((metric("reward_ctrl") + 1e-3 * 6.0 * 0.25).abs() < 1e-12);
    assert_eq!(
        dir.check_task(&[0.5]).unwrap_err(),
        "invalid task [0.5] for walker-dir: expected one direction, 1 or -1"
    );
    assert_eq!(WALKER.obs_dim(), 17);
}

#[test]
fn cheetah_params_at_nominal_dynamics_is_the_maml_cheetah() {
    use metarl_envs::{CheetahFamily, Env};
    let params = task_distribution("cheetah-params", None).unwrap();
    assert_eq!(
        (params.obs_dim(), params.act_dim(), params.horizon()),
        (17, 6, 200)
    );
    assert!((params.dt() - 0.05).abs() < 1e-15);
    let robot = metarl_envs::cheetah::model::robot();
    assert_eq!(Dynamics::task_len(robot), 7 + 7 + 6 + 9);
    assert_eq!(
        task_distribution("cheetah-params-oracle", None)
            .unwrap()
            .obs_dim(),
        17 + 29
    );
    let mut ours = params.make_env();
    ours.set_task(&Task {
        params: vec![0.0; Dynamics::task_len(robot)],
    });
    let mut theirs = CheetahFamily::Direction.env(false, 200);
    assert_eq!(ours.reset(4), theirs.reset(4));
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for _ in 0..20 {
        let action: Vec<f64> = (0..6).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let (s, t) = (ours.step(&action), theirs.step(&action));
        assert_eq!((s.obs, s.reward), (t.obs, t.reward));
    }
}

#[test]
fn planar_state_round_trips_through_the_rapier_world() {
    for robot in [
        &HOPPER_ROBOT,
        &WALKER_ROBOT,
        metarl_envs::cheetah::model::robot(),
    ] {
        let n = robot.num_dofs();
        let mut state = PlanarState::initial(robot);
        for i in 0..n {
            let x = 0.1 * ((i * 7 % 5) as f64 - 2.0);
            state.qvel[i] = 3.0 * x;
            if i >= 2 {
                state.qpos[i] = x;
            }
        }
        state.qpos[0] = 0.3;
        let back = PlanarWorld::new(robot, &Dynamics::nominal(robot), &state).state();
        for i in 0..n {
            assert!(
                (back.qpos[i] - state.qpos[i]).abs() < 1e-5,
                "{back:?} vs {state:?}"
            );
            assert!(
                (back.qvel[i] - state.qvel[i]).abs() < 1e-5,
                "{back:?} vs {state:?}"
            );
        }
    }
}
