//! Running under `mpirun`: joining the MPI job (feature `mpi`), one-line errors for bad
//! launches, rank 0's messages to the other ranks, and ending the whole job when one rank fails
//! alone.
//!
//! Outside `mpirun` nothing here touches MPI: a plain `metarl train` is the single-process path
//! whether or not the `mpi` feature is compiled in.

use std::sync::Arc;

use anyhow::Result;
use metarl::agents::team::share_from_first;
use metarl::agents::TaskTeam;
use serde::{Deserialize, Serialize};

/// The first of the launcher's variables that is set and parses.
fn launcher_var(names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|k| std::env::var(k).ok()?.parse().ok())
}

/// The process count of the MPI job this process was started in (OpenMPI's
/// `OMPI_COMM_WORLD_SIZE`, MPICH/Hydra's `PMI_SIZE`), if any.
pub fn launched_size() -> Option<usize> {
    launcher_var(&["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"])
}

/// This process's rank in the job it was started in (0 outside one).
fn launched_rank() -> usize {
    launcher_var(&["OMPI_COMM_WORLD_RANK", "PMI_RANK"]).unwrap_or(0)
}

/// Fails unless this process runs alone: for the commands that do not run distributed.
pub fn refuse_ranks(command: &str) -> Result<()> {
    match launched_size() {
        Some(size) if size > 1 => quietly_unless_rank_zero(anyhow::anyhow!(
            "`metarl {command}` does not run distributed: start it without mpirun ({size} ranks)"
        )),
        _ => Ok(()),
    }
}

/// `error` on rank 0; [`ReportedByRankZero`] on the others (every rank meets it, one reports).
fn quietly_unless_rank_zero(error: anyhow::Error) -> Result<()> {
    if launched_rank() == 0 {
        Err(error)
    } else {
        Err(ReportedByRankZero.into())
    }
}

/// An error rank 0 reports (and exits non-zero with, which is the job's exit status); the
/// other ranks exit without repeating it, with status 0, so that mpirun does not end the job
/// before rank 0 has printed it.
#[derive(Debug)]
pub struct ReportedByRankZero;

impl std::fmt::Display for ReportedByRankZero {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("see rank 0's error")
    }
}

impl std::error::Error for ReportedByRankZero {}

/// An error every rank meets alike (one rank 0 has sent to all, or one of a command line all
/// ranks share), so the job ends without an abort, rank 0 reporting it.
#[derive(Debug)]
pub struct SameOnEveryRank(pub anyhow::Error);

impl std::fmt::Display for SameOnEveryRank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl std::error::Error for SameOnEveryRank {}

/// This process's place in an MPI job.
pub struct Job {
    #[cfg(feature = "mpi")]
    _universe: mpi::environment::Universe,
    #[cfg(feature = "mpi")]
    team: Arc<metarl::distributed::MpiTeam>,
}

impl Job {
    /// The job's processes as the trainer's team.
    pub fn team(&self) -> Arc<dyn TaskTeam> {
        #[cfg(feature = "mpi")]
        {
            self.team.clone()
        }
        #[cfg(not(feature = "mpi"))]
        {
            Arc::new(metarl::agents::Solo)
        }
    }

    /// This process's rank.
    pub fn rank(&self) -> usize {
        self.team().rank()
    }

    /// The end of a distributed command on this rank. Errors every rank meets at the same
    /// point (rank 0's errors it sent to all, stop requests and runs of non-finite steps in
    /// training) end each process normally, reported by rank 0 only; any other error may be
    /// this rank's alone, so it is printed and ends the whole job (`MPI_Abort`) rather than
    /// leave the other ranks waiting in a collective forever.
    pub fn finish(&self, result: Result<()>) -> Result<()> {
        let Err(e) = result else {
            return Ok(());
        };
        let everywhere = e.is::<ReportedByRankZero>()
            || e.is::<SameOnEveryRank>()
            || e.downcast_ref::<metarl::Error>()
                .is_some_and(metarl::Error::is_same_on_every_rank);
        match (everywhere, self.rank()) {
            (true, 0) => Err(e),
            (true, _) => Err(ReportedByRankZero.into()),
            (false, rank) => {
                eprintln!("error (rank {rank}): {e:#}");
                self.abort()
            }
        }
    }

    /// Ends every process of the job with exit code 1.
    fn abort(&self) -> ! {
        #[cfg(feature = "mpi")]
        {
            self.team.abort(1)
        }
        #[cfg(not(feature = "mpi"))]
        {
            std::process::exit(1)
        }
    }
}

/// Joins the MPI job this process was started in by `mpirun`; `None` outside one (and for
/// `mpirun -np 1` of a build without the `mpi` feature). Fails with one line (from rank 0) if
/// the build has no MPI, or if the ranks run different binaries or command lines. From here on
/// a panic on any rank ends the whole job.
pub fn join() -> Result<Option<Job>> {
    let Some(size) = launched_size() else {
        return Ok(None);
    };
    #[cfg(not(feature = "mpi"))]
    {
        if size > 1 {
            quietly_unless_rank_zero(anyhow::anyhow!("started by mpirun with {size} ranks, but this metarl was built without the `mpi` feature (build with `cargo build --release --features mpi`)"))?;
        }
        Ok(None)
    }
    #[cfg(feature = "mpi")]
    {
        let _ = size;
        let Some((universe, threading)) =
            mpi::initialize_with_threading(mpi::Threading::Serialized)
        else {
            anyhow::bail!("MPI could not be initialized");
        };
        if threading < mpi::Threading::Serialized {
            anyhow::bail!(
                "the MPI library offers threading level {threading:?}; metarl needs Serialized"
            );
        }
        abort_job_on_panic();
        let team = Arc::new(metarl::distributed::MpiTeam::new(universe.world()));
        let differing =
            metarl::agents::team::ranks_differing_from_first(team.as_ref(), fingerprint()?);
        if !differing.is_empty() {
            if team.rank() == 0 {
                anyhow::bail!(
                    "ranks {differing:?} run a different metarl binary or command line than rank 0"
                );
            }
            return Err(ReportedByRankZero.into());
        }
        Ok(Some(Job {
            _universe: universe,
            team,
        }))
    }
}

/// Makes a panic on this rank end the whole job once its message is printed (the other ranks
/// would otherwise wait for this one in a collective, and MPI_Finalize would wait for them).
#[cfg(feature = "mpi")]
fn abort_job_on_panic() {
    use mpi::traits::Communicator;
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        report(info);
        mpi::topology::SimpleCommunicator::world().abort(101);
    }));
}

/// A hash of this process's executable and command line (the same on every rank of a
/// consistent launch).
#[cfg(feature = "mpi")]
fn fingerprint() -> Result<u64> {
    use std::hash::{Hash, Hasher};
    let exe = std::fs::read("/proc/self/exe")
        .map_err(|e| anyhow::anyhow!("cannot read this process's executable: {e}"))?;
    let mut hasher = std::hash::DefaultHasher::new();
    exe.hash(&mut hasher);
    std::env::args_os()
        .skip(1)
        .collect::<Vec<_>>()
        .hash(&mut hasher);
    Ok(hasher.finish())
}

/// What rank 0 sends the other ranks before a command's collective part: its data, or the
/// error that ended the command on rank 0.
#[derive(Serialize, Deserialize)]
enum Envelope {
    Ok(Vec<u8>),
    Err(String),
}

/// Rank 0 sends `bytes` of its `value` (or its error, which it then returns marked as shared,
/// so that [`Job::finish`] ends the job without an abort) to the other ranks.
pub fn send_from_rank_zero<T>(
    team: &dyn TaskTeam,
    value: Result<T>,
    bytes: impl FnOnce(&T) -> Result<Vec<u8>>,
) -> Result<T> {
    let value = value.and_then(|v| bytes(&v).map(|b| (v, b)));
    let envelope = match &value {
        Ok((_, b)) => Envelope::Ok(b.clone()),
        Err(e) => Envelope::Err(format!("{e:#}")),
    };
    share_from_first(team, Some(&serde_json::to_vec(&envelope)?));
    value.map(|(v, _)| v).map_err(|e| SameOnEveryRank(e).into())
}

/// On a rank other than 0: rank 0's bytes, or [`ReportedByRankZero`] if rank 0 failed.
pub fn receive_from_rank_zero(team: &dyn TaskTeam) -> Result<Vec<u8>> {
    match serde_json::from_slice(&share_from_first(team, None))? {
        Envelope::Ok(bytes) => Ok(bytes),
        Envelope::Err(_) => Err(ReportedByRankZero.into()),
    }
}
