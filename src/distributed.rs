//! Distributed meta-training over MPI (feature `mpi`): an [`agents::TaskTeam`] on an MPI
//! communicator.
//!
//! The library does not initialize MPI (process-global state is the caller's). The protocol,
//! as the `metarl` command runs it:
//!
//! 1. initialize MPI with at least [`mpi::Threading::Serialized`] and build an [`MpiTeam`] on
//!    the world communicator;
//! 2. rank 0 creates or resumes its [`crate::Trainer`], calls [`crate::Trainer::with_team`] and
//!    sends [`crate::Trainer::snapshot`] to the other ranks (e.g. with
//!    [`crate::agents::team::share_from_first`], which every rank calls);
//! 3. the other ranks build theirs with [`crate::Trainer::follow`] from that snapshot;
//! 4. every rank calls [`crate::Trainer::step`] until it returns `Ok(None)`. An error for which
//!    [`crate::Error::is_same_on_every_rank`] is false may be one rank's alone: end the job
//!    with [`MpiTeam::abort`] (a panic too), or the other ranks wait for that rank forever.
//!
//! Per-task results cross between ranks with `MPI_Allgatherv` (as f64 values; the transport
//! must copy bits, as shared memory and TCP between hosts of the same architecture do) and
//! every rank sums them in task order, so a run's numbers are the same bits for any number of
//! ranks on identical hosts (same CPU features and math library); see `docs/distributed.md`
//! for what crosses the network.
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
        let counts: Vec<Count> = lengths
            .iter()
            .map(|&l| Count::try_from(l).expect("an MPI gather holds fewer than 2^31 values"))
            .collect();
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
