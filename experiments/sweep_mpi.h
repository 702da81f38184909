#pragma once
// A sweep over MPI ranks (built with MARKETSIM_MPI=ON only: Boost.MPI over Open MPI):
// `mpirun -np K marketsim sweep SWEEP ...`. Every rank loads the same sweep file. Rank 0 runs
// run_sweep (experiments/sweep.h) with the executor below: it owns the store and the output
// directory, finds invalid points before anything is dispatched, and stores every unit's result
// as it arrives; its main thread serves the other ranks (each holds up to two units: one running,
// one prefetched) between non-blocking probes while a thread of its own runs units from the same
// queue, so K ranks are K workers and a slow point stalls nobody. The other ranks run the units
// they are sent (mpi_sweep_worker) and send back their stored form (experiments/result_store.h)
// or their one-line error; they never touch the store. The outputs are rebuilt from the store, so
// their bytes are those of one process; a killed mpirun resumes with or without MPI.
// Only the thread that made the MpiSweep calls MPI (MPI_THREAD_FUNNELED).
#include <memory>
#include <vector>

#include "experiments/sweep.h"

namespace marketsim {

/// Whether Open MPI's mpirun started this process (OMPI_COMM_WORLD_SIZE is set). A process
/// started otherwise never initialises MPI.
bool started_by_mpirun();

/// This process's MPI: initialised by the constructor, finalised by the destructor.
class MpiSweep {
 public:
  /// Initialises MPI asking for MPI_THREAD_FUNNELED; an Error if the library gives less.
  MpiSweep();
  /// Rank 0: stops the other ranks if they run units (executor() was called) and stop_workers()
  /// was not (an error on rank 0 leaves none of them waiting). Then finalises MPI.
  ~MpiSweep();
  MpiSweep(const MpiSweep&) = delete;
  MpiSweep& operator=(const MpiSweep&) = delete;

  int rank() const;
  int size() const;
  /// Every rank's `flag`, in rank order (collective: every rank calls it).
  std::vector<int> gather(int flag) const;
  /// Rank 0: run_sweep's executor, running each wave's units on every rank (this one included).
  /// From this call on, the other ranks are taken to be in mpi_sweep_worker.
  SweepExecutor executor();
  /// Rank 0: tells every other rank to stop and waits until each has stopped (results still in
  /// flight are dropped). Call once run_sweep has returned (or thrown).
  void stop_workers();
  /// Ends every rank of the job (MPI_Abort): for a rank that cannot go on and must not leave the
  /// others waiting.
  [[noreturn]] static void abort(int code);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A rank but 0: runs the units rank 0 sends (point_scenario and a MarketCache per point, built
/// when first needed), sending back each result or one-line error, until rank 0 says stop.
void mpi_sweep_worker(const SweepSpec& spec);

}  // namespace marketsim
