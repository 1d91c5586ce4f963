//! A worker pool over indices: results come back in index order, so any
//! reduction over them is independent of the number of workers.
//!
//! **Workers.** Everywhere in this crate a worker count of `0` means "all available cores" and
//! `n >= 1` means `n` threads ([`resolve_workers`]).
//!
//! **Matrix kernels.** dfdx's CPU matmul calls `gemm` with
//! `Parallelism::Rayon(rayon::current_num_threads())`, i.e. it splits a large product over the
//! rayon pool it runs in (the global pool if none is installed). This crate parallelizes over
//! tasks itself, so every work item of [`parallel_map`] runs inside a single-thread rayon pool
//! owned by its worker thread (see [`with_single_threaded_kernels`]); no process-global pool is
//! configured. The thread count does not change results: gemm splits a product over blocks of
//! the output, never over the inner dimension `k`, so every output element is accumulated in
//! the same order whatever the thread count (a test checks a 2000x100 @ 100x100 product inside a
//! 1-thread and a 4-thread pool bit for bit).
//!
//! **Worker threads are reused.** [`parallel_map`] runs its workers on single-thread rayon pools
//! that the *calling thread* keeps (in a thread-local) and reuses for its later calls; they end
//! with that thread. A meta-iteration makes dozens of parallel calls (one per conjugate-gradient
//! iteration and line-search candidate). Spawning fresh threads for each, whose kernel pools'
//! threads ended asynchronously, made glibc malloc open a new arena for many of them, each
//! keeping its own freed memory: peak RSS of the default nav2d run 206 MiB after 12 iterations,
//! against 109 MiB with reused workers (`src/cli/malloc.rs` has the allocator settings). Nothing
//! global is configured: the process-wide rayon pool is left alone.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

thread_local! {
    /// This thread's single-thread rayon pool for dfdx's matrix kernels.
    static KERNELS: rayon::ThreadPool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread rayon pool can be built");

    /// The worker pools of [`parallel_map`] calls made from this thread (one single-thread pool
    /// per worker), kept for its later calls.
    static WORKER_POOLS: RefCell<Vec<rayon::ThreadPool>> = const { RefCell::new(Vec::new()) };
}

/// The number of cores available to this process (at least 1).
pub fn available_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The worker count meant by a requested count: `0` means all available cores
/// ([`available_workers`]), `n >= 1` means `n`.
pub fn resolve_workers(requested: usize) -> usize {
    if requested == 0 {
        available_workers()
    } else {
        requested
    }
}

/// Runs `f` inside this thread's single-thread rayon pool, so that dfdx's matrix kernels in it
/// run on one thread (see the module documentation). [`parallel_map`] does this for every work
/// item; use it for policy computations outside `parallel_map` (e.g. single-row sampling on the
/// main thread) that must not spread over the global rayon pool. `f` runs on the pool's thread,
/// so it must be `Send` (and so must its result); the calling thread waits for it.
pub fn with_single_threaded_kernels<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    KERNELS.with(|pool| pool.install(f))
}

/// Computes `f(&mut state, i)` for `i in 0..n` on up to `workers` threads (`0` = all available
/// cores, see [`resolve_workers`]), each with its own `state` from `init` (e.g. reusable
/// environments), and returns the results in index order. With one worker (or one item)
/// everything runs on one thread. Each worker runs its items inside its single-thread kernel
/// pool (see the module documentation), so `init` and `f` run on that pool's thread.
pub fn parallel_map<S, T, I, F>(workers: usize, n: usize, init: I, f: F) -> Vec<T>
where
    T: Send,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, usize) -> T + Sync,
{
    let workers = resolve_workers(workers).clamp(1, n.max(1));
    if workers == 1 {
        return with_single_threaded_kernels(|| {
            let mut state = init();
            (0..n).map(|i| f(&mut state, i)).collect()
        });
    }
    let next = AtomicUsize::new(0);
    let (tx, rx) = crossbeam::channel::unbounded();
    let worker = || {
        let mut state = init();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                break;
            }
            // The receiver outlives the workers; a send cannot fail.
            let _ = tx.send((i, f(&mut state, i)));
        }
    };
    with_worker_pools(workers, |pools| run_on_each(pools, &worker));
    drop(tx);
    let mut slots: Vec<Option<T>> = (0..n).map(|_| None).collect();
    for (i, value) in rx.iter() {
        slots[i] = Some(value);
    }
    slots
        .into_iter()
        .map(|s| s.expect("every index is computed once"))
        .collect()
}

/// Runs `f` with `workers` single-thread pools of this thread's [`WORKER_POOLS`], creating the
/// missing ones. The pools are taken out while `f` runs, so a nested call cannot alias them.
fn with_worker_pools<R>(workers: usize, f: impl FnOnce(&[rayon::ThreadPool]) -> R) -> R {
    let mut pools = WORKER_POOLS.with(|cell| cell.take());
    while pools.len() < workers {
        pools.push(
            rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .thread_name(|_| "metarl-worker".into())
                .build()
                .expect("a one-thread rayon pool can be built"),
        );
    }
    let result = f(&pools[..workers]);
    WORKER_POOLS.with(|cell| {
        let mut kept = cell.borrow_mut();
        if kept.len() < pools.len() {
            *kept = pools;
        }
    });
    result
}

/// Runs `job` once on each pool's thread, all at once, and returns when every run is done (a
/// panic in one is resumed here after all have ended).
fn run_on_each(pools: &[rayon::ThreadPool], job: &(dyn Fn() + Sync)) {
    if let Some((first, rest)) = pools.split_first() {
        first.in_place_scope(|scope| {
            scope.spawn(|_| job());
            run_on_each(rest, job);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::device;
    use dfdx::prelude::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn results_are_in_index_order_for_any_worker_count() {
        for workers in [0, 1, 2, 3, 8] {
            let out = parallel_map(
                workers,
                50,
                || 0usize,
                |calls, i| {
                    *calls += 1;
                    i * i
                },
            );
            assert_eq!(out, (0..50).map(|i| i * i).collect::<Vec<_>>());
        }
    }

    #[test]
    fn zero_items_give_an_empty_result() {
        let out: Vec<u8> = parallel_map(4, 0, || (), |_, _| 1);
        assert!(out.is_empty());
    }

    #[test]
    fn zero_workers_mean_all_cores() {
        assert_eq!(resolve_workers(0), available_workers());
        assert_eq!(resolve_workers(3), 3);
    }

    #[test]
    fn work_items_see_a_single_thread_kernel_pool() {
        let threads = parallel_map(2, 4, || (), |_, _| rayon::current_num_threads());
        assert_eq!(threads, vec![1; 4]);
        assert_eq!(with_single_threaded_kernels(rayon::current_num_threads), 1);
    }

    /// `a (m x k) @ b (k x n)` with dfdx on this thread's device.
    fn matmul(a: &[f64], b: &[f64], (m, k, n): (usize, usize, usize)) -> Vec<f64> {
        let dev = device();
        let a = dev.tensor_from_vec(a.to_vec(), (m, k));
        let b = dev.tensor_from_vec(b.to_vec(), (k, n));
        a.matmul(b).as_vec()
    }

    #[test]
    fn gemm_results_do_not_depend_on_the_kernel_thread_count() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for shape @ (m, k, n) in [(2000, 100, 100), (1000, 600, 64)] {
            let a: Vec<f64> = (0..m * k).map(|_| rng.gen_range(-1.0..1.0)).collect();
            let b: Vec<f64> = (0..k * n).map(|_| rng.gen_range(-1.0..1.0)).collect();
            let single = with_single_threaded_kernels(|| matmul(&a, &b, shape));
            let four = rayon::ThreadPoolBuilder::new()
                .num_threads(4)
                .build()
                .unwrap()
                .install(|| {
                    assert_eq!(rayon::current_num_threads(), 4);
                    matmul(&a, &b, shape)
                });
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&single), bits(&four), "{m}x{k} @ {k}x{n}");
        }
    }
}
