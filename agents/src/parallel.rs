//! A scoped worker pool over indices (crossbeam): results come back in index order, so any
//! reduction over them is independent of the number of workers.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The number of workers to use when the config says 0 ("all cores").
pub fn available_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Computes `f(&mut state, i)` for `i in 0..n` on up to `workers` threads, each with its own
/// `state` from `init` (e.g. reusable environments), and returns the results in index order.
/// With one worker (or one item) everything runs on the calling thread.
pub fn parallel_map<S, T, I, F>(workers: usize, n: usize, init: I, f: F) -> Vec<T>
where
    T: Send,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, usize) -> T + Sync,
{
    let workers = workers.clamp(1, n.max(1));
    if workers == 1 {
        let mut state = init();
        return (0..n).map(|i| f(&mut state, i)).collect();
    }
    let next = AtomicUsize::new(0);
    let (tx, rx) = crossbeam::channel::unbounded();
    crossbeam::scope(|scope| {
        for _ in 0..workers {
            let tx = tx.clone();
            let (next, init, f) = (&next, &init, &f);
            scope.spawn(move |_| {
                let mut state = init();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    // The receiver outlives the scope; a send cannot fail.
                    let _ = tx.send((i, f(&mut state, i)));
                }
            });
        }
    })
    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_in_index_order_for_any_worker_count() {
        for workers in [1, 2, 3, 8] {
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
}
