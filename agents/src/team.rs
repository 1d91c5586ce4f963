//! A team of processes sharing the tasks of a meta-batch (data-parallel meta-training).
//!
//! A meta-iteration is parallel across tasks: sampling, inner adaptation, each task's
//! meta-gradient and curvature products. A [`TaskTeam`] gives every process (rank) a contiguous
//! block of the tasks ([`shard`]) and exchanges the per-task results so that every rank holds
//! all of them, in task order. Every cross-task sum is then taken by every rank over the same
//! values in the same order, so a team of any size computes the same bits as one process (a sum's
//! order would otherwise depend on the reduction tree of the communication library).
//!
//! [`Solo`] is the team of one process (no communication). The `metarl` crate implements an MPI
//! team behind its `mpi` feature.

use std::ops::Range;
use std::time::Duration;

use crate::parallel::parallel_map;

/// The processes sharing a meta-batch's tasks, and how they exchange per-task results.
pub trait TaskTeam: Send + Sync {
    /// Number of processes.
    fn size(&self) -> usize;
    /// This process's index in `0..size()`.
    fn rank(&self) -> usize;
    /// The concatenation, in rank order, of every rank's `local` values; every rank calls it
    /// (collectively) and receives the same vector. `lengths[r]` is rank `r`'s `local.len()`.
    fn all_gather(&self, local: &[f64], lengths: &[usize]) -> Vec<f64>;
    /// Time spent communicating since the last call (then reset); zero for [`Solo`].
    fn take_communication_time(&self) -> Duration {
        Duration::ZERO
    }
}

/// The team of one process: every task is local, nothing is exchanged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Solo;

impl TaskTeam for Solo {
    fn size(&self) -> usize {
        1
    }

    fn rank(&self) -> usize {
        0
    }

    fn all_gather(&self, local: &[f64], _lengths: &[usize]) -> Vec<f64> {
        local.to_vec()
    }
}

/// The tasks of rank `rank` in a team of `size` sharing `n` tasks: contiguous blocks in rank
/// order, the first `n % size` ranks holding one task more.
pub fn shard(n: usize, size: usize, rank: usize) -> Range<usize> {
    let (base, extra) = (n / size, n % size);
    let start = rank * base + rank.min(extra);
    start..start + base + usize::from(rank < extra)
}

/// A per-task result that crosses between ranks as f64 values (integers below 2^53 are exact).
pub trait Exchanged: Sized {
    /// Appends the values to `out`.
    fn write(&self, out: &mut Vec<f64>);
    /// Reads one value back from the front of `values`, advancing it.
    fn read(values: &mut &[f64]) -> Self;
}

impl Exchanged for f64 {
    fn write(&self, out: &mut Vec<f64>) {
        out.push(*self);
    }

    fn read(values: &mut &[f64]) -> Self {
        let v = values[0];
        *values = &values[1..];
        v
    }
}

impl Exchanged for Vec<f64> {
    fn write(&self, out: &mut Vec<f64>) {
        out.push(self.len() as f64);
        out.extend_from_slice(self);
    }

    fn read(values: &mut &[f64]) -> Self {
        let len = f64::read(values) as usize;
        let v = values[..len].to_vec();
        *values = &values[len..];
        v
    }
}

impl<A: Exchanged, B: Exchanged> Exchanged for (A, B) {
    fn write(&self, out: &mut Vec<f64>) {
        self.0.write(out);
        self.1.write(out);
    }

    fn read(values: &mut &[f64]) -> Self {
        let a = A::read(values);
        (a, B::read(values))
    }
}

/// Every rank's `local` values concatenated in rank order, and each rank's count: the counts
/// are gathered first (one value per rank), then the values (collective).
fn gather_varcount(team: &dyn TaskTeam, local: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let ones = vec![1; team.size()];
    let lengths: Vec<usize> = team
        .all_gather(&[local.len() as f64], &ones)
        .into_iter()
        .map(|l| l as usize)
        .collect();
    (team.all_gather(local, &lengths), lengths)
}

/// Every rank's `local` results (its [`shard`] of `n` tasks, in task order) gathered into the
/// results of all `n` tasks, in task order, on every rank.
pub fn gather_tasks<G: Exchanged>(team: &dyn TaskTeam, n: usize, local: Vec<G>) -> Vec<G> {
    if team.size() == 1 {
        return local;
    }
    let mut values = Vec::new();
    for g in &local {
        g.write(&mut values);
    }
    let (all, _) = gather_varcount(team, &values);
    let mut rest = all.as_slice();
    (0..n).map(|_| G::read(&mut rest)).collect()
}

/// [`parallel_map`] over this rank's [`shard`] of `n` tasks (`f` gets the task index), on
/// `workers` threads; returns the local results (in task order) and the exchanged part of every
/// task's result, gathered from all ranks in task order.
pub fn map_tasks<S, L, G, I, F>(
    team: &dyn TaskTeam,
    workers: usize,
    n: usize,
    init: I,
    f: F,
) -> (Vec<L>, Vec<G>)
where
    L: Send,
    G: Send + Exchanged,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, usize) -> (L, G) + Sync,
{
    let mine = shard(n, team.size(), team.rank());
    let results = parallel_map(workers, mine.len(), init, |s, i| f(s, mine.start + i));
    let (local, exchanged): (Vec<L>, Vec<G>) = results.into_iter().unzip();
    let all = gather_tasks(team, n, exchanged);
    (local, all)
}

/// Rank 0's `bytes` on every rank (other ranks pass `None`; collective).
pub fn share_from_first(team: &dyn TaskTeam, bytes: Option<&[u8]>) -> Vec<u8> {
    let bytes = bytes.unwrap_or_default();
    if team.size() == 1 {
        return bytes.to_vec();
    }
    // Eight bytes per f64 (bit patterns only; no arithmetic touches them), length first.
    let mut local = vec![bytes.len() as f64];
    local.extend(bytes.chunks(8).map(|c| {
        let mut word = [0u8; 8];
        word[..c.len()].copy_from_slice(c);
        f64::from_bits(u64::from_le_bytes(word))
    }));
    let (all, lengths) = gather_varcount(team, &local);
    let len = all[0] as usize;
    let mut out: Vec<u8> = all[1..lengths[0]]
        .iter()
        .flat_map(|w| w.to_bits().to_le_bytes())
        .collect();
    out.truncate(len);
    out
}

/// Whether `flag` holds on some rank (collective).
pub fn any_rank(team: &dyn TaskTeam, flag: bool) -> bool {
    if team.size() == 1 {
        return flag;
    }
    let ones = vec![1; team.size()];
    team.all_gather(&[f64::from(u8::from(flag))], &ones)
        .iter()
        .any(|&f| f != 0.0)
}

/// The ranks whose `value` differs from rank 0's (collective; empty when all agree).
pub fn ranks_differing_from_first(team: &dyn TaskTeam, value: u64) -> Vec<usize> {
    let ones = vec![1; team.size()];
    let all = team.all_gather(&[f64::from_bits(value)], &ones);
    all.iter()
        .enumerate()
        .filter(|(_, v)| v.to_bits() != all[0].to_bits())
        .map(|(r, _)| r)
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn shards_cover_the_tasks_in_order_and_differ_by_at_most_one() {
        for n in 1..30 {
            for size in 1..=n {
                let blocks: Vec<Range<usize>> = (0..size).map(|r| shard(n, size, r)).collect();
                assert_eq!(blocks[0].start, 0);
                assert_eq!(blocks[size - 1].end, n);
                for w in blocks.windows(2) {
                    assert_eq!(w[0].end, w[1].start);
                }
                let lens: Vec<usize> = blocks.iter().map(|b| b.len()).collect();
                assert!(lens.iter().max().unwrap() - lens.iter().min().unwrap() <= 1);
            }
        }
    }

    /// A team of `size` ranks simulated in one process: rank `r`'s contributions are collected
    /// by running every rank's part in turn.
    struct Simulated {
        size: usize,
        rank: usize,
        /// What the other ranks contribute to each successive gather.
        others: Mutex<Vec<Vec<Vec<f64>>>>,
    }

    impl TaskTeam for Simulated {
        fn size(&self) -> usize {
            self.size
        }
        fn rank(&self) -> usize {
            self.rank
        }
        fn all_gather(&self, local: &[f64], lengths: &[usize]) -> Vec<f64> {
            let mut others = self.others.lock().unwrap();
            let mut parts = others.remove(0);
            parts[self.rank] = local.to_vec();
            let all: Vec<f64> = parts.concat();
            assert_eq!(all.len(), lengths.iter().sum::<usize>());
            all
        }
    }

    #[test]
    fn gathered_results_equal_the_single_process_results_for_any_team() {
        let n = 7;
        let result = |i: usize| (i as f64 * 0.5, vec![i as f64; i % 3]);
        let (_, solo) = map_tasks(&Solo, 2, n, || (), |_, i| ((), result(i)));
        for size in 1..=n {
            // Each rank's packed values, as rank `r` would send them.
            let packed: Vec<Vec<f64>> = (0..size)
                .map(|r| {
                    let mut v = Vec::new();
                    for i in shard(n, size, r) {
                        result(i).write(&mut v);
                    }
                    v
                })
                .collect();
            for rank in 0..size {
                let lengths: Vec<Vec<f64>> = packed.iter().map(|p| vec![p.len() as f64]).collect();
                let team = Simulated {
                    size,
                    rank,
                    others: Mutex::new(vec![lengths, packed.clone()]),
                };
                let (local, all) = map_tasks(&team, 1, n, || (), |_, i| (i, result(i)));
                assert_eq!(local, shard(n, size, rank).collect::<Vec<_>>());
                assert_eq!(all, solo, "size {size}, rank {rank}");
            }
        }
    }
}
