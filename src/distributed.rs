//! Distributed meta-training over MPI (feature `mpi`): an [`agents::TaskTeam`] on an MPI
//! communicator.
//!
//! The library does not initialize MPI (process-global state is the caller's): initialize it
//! with at least [`mpi::Threading::Serialized`], build an [`MpiTeam`] on the world communicator
//! and hand it to [`crate::Trainer::with_team`] on rank 0 and to [`crate::Trainer::follow`] on
//! the other ranks. Per-task results cross between ranks with `MPI_Allgatherv` and every rank
//! sums them in task order, so a run's numbers are the same bits for any number of ranks; see
//! `docs/distributed.md` for what crosses the network.
//!
//! [`agents::TaskTeam`]: crate::agents::TaskTeam

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use metarl_agents::TaskTeam;
use mpi::datatype::PartitionMut;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use mpi::Count;

/// The processes of an MPI communicator as a [`TaskTeam`].
pub struct MpiTeam {
    comm: Mutex<SimpleCommunicator>,
    size: usize,
    rank: usize,
    communication: Mutex<Duration>,
}

// SAFETY: the communicator handle is only used while its mutex is held, so MPI is never called
// from two threads at once; `MpiTeam::new`'s contract requires MPI to be initialized with at
// least `Threading::Serialized`, which allows calls from any thread under that condition.
unsafe impl Send for MpiTeam {}
// SAFETY: as above; every use of the communicator goes through the mutex.
unsafe impl Sync for MpiTeam {}

impl MpiTeam {
    /// The team of the processes of `comm` (e.g. `universe.world()`). MPI must have been
    /// initialized with at least [`mpi::Threading::Serialized`].
    pub fn new(comm: SimpleCommunicator) -> MpiTeam {
        MpiTeam {
            size: comm.size() as usize,
            rank: comm.rank() as usize,
            comm: Mutex::new(comm),
            communication: Mutex::new(Duration::ZERO),
        }
    }

    /// Ends every process of the job with exit code `code` (after a fatal error on one rank,
    /// so that the others do not wait for it forever).
    pub fn abort(&self, code: i32) -> ! {
        self.comm
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .abort(code)
    }
}

impl TaskTeam for MpiTeam {
    fn size(&self) -> usize {
        self.size
    }

    fn rank(&self) -> usize {
        self.rank
    }

    fn all_gather(&self, local: &[f64], lengths: &[usize]) -> Vec<f64> {
        let start = Instant::now();
        let counts: Vec<Count> = lengths.iter().map(|&l| l as Count).collect();
        let displs: Vec<Count> = counts
            .iter()
            .scan(0, |offset, &c| {
                let d = *offset;
                *offset += c;
                Some(d)
            })
            .collect();
        let mut all = vec![0.0; lengths.iter().sum()];
        {
            let comm = self.comm.lock().unwrap_or_else(PoisonError::into_inner);
            let mut partition = PartitionMut::new(&mut all[..], counts, &displs[..]);
            comm.all_gather_varcount_into(local, &mut partition);
        }
        *self
            .communication
            .lock()
            .unwrap_or_else(PoisonError::into_inner) += start.elapsed();
        all
    }

    fn take_communication_time(&self) -> Duration {
        std::mem::take(
            &mut *self
                .communication
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }
}
