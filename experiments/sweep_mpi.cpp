#include "experiments/sweep_mpi.h"

#include <algorithm>
#include <atomic>
#include <boost/mpi/collectives/all_gather.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <boost/mpi/status.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <map>
#include <optional>
#include <thread>

#include "experiments/result_store.h"
#include "experiments/run_unit.h"
#include "sim/error.h"
#include "sim/text.h"

namespace marketsim {
namespace {

namespace mpi = boost::mpi;

// Messages. Rank 0 to a worker: kAssign (two uint64: point, replication), kStop (empty). A worker
// to rank 0: kResult (bytes: kind, point and replication as 8 bytes each, then the unit's stored
// form (kind 0) or its one-line error (kind 1)), kBye (empty: stopped).
constexpr int kAssign = 1, kStop = 2, kResult = 3, kBye = 4;
constexpr std::uint8_t kUnitDone = 0, kUnitFailed = 1;
constexpr std::size_t kHeader = 17;
constexpr std::size_t kHeld = 2;  // units a worker rank holds: one running, one prefetched
constexpr auto kIdle = std::chrono::milliseconds(1);  // between probes that found nothing

std::vector<std::uint8_t> result_message(std::uint8_t kind, std::uint64_t point, std::uint64_t replication,
                                         const void* payload, std::size_t size) {
  std::vector<std::uint8_t> m(kHeader + size);
  m[0] = kind;
  std::memcpy(m.data() + 1, &point, 8);
  std::memcpy(m.data() + 9, &replication, 8);
  if (size > 0) std::memcpy(m.data() + kHeader, payload, size);
  return m;
}

/// Receives the message `status` announces as bytes.
std::vector<std::uint8_t> receive_bytes(const mpi::communicator& world, const mpi::status& status) {
  const auto count = status.count<std::uint8_t>();
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(count.value_or(0)));
  world.recv(status.source(), status.tag(), bytes.data(), static_cast<int>(bytes.size()));
  return bytes;
}

}  // namespace

bool started_by_mpirun() { return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr; }

struct MpiSweep::Impl {
  mpi::environment environment{mpi::threading::funneled, false};
  mpi::communicator world;
  bool stopped = true;  // until executor(): the other ranks wait for no stop

  void run_wave(const SweepWave& wave);
};

MpiSweep::MpiSweep() : impl_(std::make_unique<Impl>()) {
  if (mpi::environment::thread_level() < mpi::threading::funneled) {
    throw Error("MPI: the library gives no MPI_THREAD_FUNNELED (marketsim sweep runs units on a thread of rank 0)");
  }
}

MpiSweep::~MpiSweep() {
  try {
    stop_workers();
  } catch (...) {  // finalising regardless
  }
}

int MpiSweep::rank() const { return impl_->world.rank(); }
int MpiSweep::size() const { return impl_->world.size(); }

std::vector<int> MpiSweep::gather(int flag) const {
  std::vector<int> all;
  mpi::all_gather(impl_->world, flag, all);
  return all;
}

void MpiSweep::abort(int code) {
  mpi::environment::abort(code);
  std::abort();  // not reached
}

SweepExecutor MpiSweep::executor() {
  impl_->stopped = false;
  return [impl = impl_.get()](const SweepWave& wave) { impl->run_wave(wave); };
}

void MpiSweep::Impl::run_wave(const SweepWave& wave) {
  const std::size_t n = wave.units.size();
  std::atomic<std::size_t> next{0};  // the wave's queue: units next.. are not taken yet
  // Rank 0's own units, on a thread of their own (it makes no MPI call).
  std::exception_ptr local_error;
  std::thread local([&] {
    try {
      for (std::size_t i = next++; i < n; i = next++) wave.run(i);
    } catch (...) {
      local_error = std::current_exception();
    }
  });
  struct Join {
    std::thread& thread;
    std::atomic<std::size_t>& next;
    std::size_t n;
    ~Join() {
      next = n;  // after an error here, the thread takes nothing more
      if (thread.joinable()) thread.join();
    }
  } join{local, next, n};

  const auto take = [&]() -> std::optional<std::size_t> {
    for (std::size_t i = next++; i < n; i = next++) {
      if (!wave.skip(i)) return i;
      wave.record(i, nullptr, nullptr);  // its point has failed
    }
    return std::nullopt;
  };
  const int ranks = world.size();
  std::vector<std::deque<std::size_t>> held(static_cast<std::size_t>(ranks));
  std::size_t in_flight = 0;
  const auto fill = [&](int w) {
    auto& h = held[static_cast<std::size_t>(w)];
    // A unit prefetched while the others have nothing left would end the wave late: at its tail
    // (fewer units left than ranks), a rank holds only the unit it runs.
    while (h.empty() || (h.size() < kHeld && n - std::min(next.load(), n) >= static_cast<std::size_t>(ranks))) {
      const std::optional<std::size_t> i = take();
      if (!i) return;
      const std::uint64_t unit[2] = {wave.units[*i].first, wave.units[*i].second};
      world.send(w, kAssign, unit, 2);
      h.push_back(*i);
      ++in_flight;
    }
  };
  for (int w = 1; w < ranks; ++w) fill(w);
  while (in_flight > 0) {
    const auto status = world.iprobe(mpi::any_source, kResult);
    if (!status) {
      std::this_thread::sleep_for(kIdle);
      continue;
    }
    const int w = status->source();
    const std::vector<std::uint8_t> message = receive_bytes(world, *status);
    std::uint64_t point = 0, replication = 0;
    if (message.size() < kHeader) throw Error("MPI: rank " + std::to_string(w) + " sent a malformed result");
    std::memcpy(&point, message.data() + 1, 8);
    std::memcpy(&replication, message.data() + 9, 8);
    auto& h = held[static_cast<std::size_t>(w)];
    const auto it = std::find_if(h.begin(), h.end(), [&](std::size_t i) {
      return wave.units[i] == std::pair{point, replication};
    });
    if (it == h.end()) throw Error("MPI: rank " + std::to_string(w) + " sent a result of a unit it was not given");
    const std::size_t i = *it;
    h.erase(it);
    --in_flight;
    if (message[0] == kUnitDone) {
      const std::vector<std::uint8_t> result(message.begin() + kHeader, message.end());
      wave.record(i, &result, nullptr);
    } else {
      const std::string error(message.begin() + kHeader, message.end());
      wave.record(i, nullptr, &error);
    }
    fill(w);
  }
  local.join();  // rank 0's last unit
  if (local_error) std::rethrow_exception(local_error);
}

void MpiSweep::stop_workers() {
  Impl& m = *impl_;
  if (m.stopped || m.world.rank() != 0) return;
  m.stopped = true;
  for (int w = 1; w < m.world.size(); ++w) m.world.send(w, kStop);
  // Until every worker has said bye, results still in flight (after an error) are dropped.
  for (int left = m.world.size() - 1; left > 0;) {
    const auto status = m.world.iprobe(mpi::any_source, mpi::any_tag);
    if (!status) {
      std::this_thread::sleep_for(kIdle);
      continue;
    }
    if (status->tag() == kBye) {
      m.world.recv(status->source(), kBye);
      --left;
    } else {
      receive_bytes(m.world, *status);
    }
  }
}

void mpi_sweep_worker(const SweepSpec& spec) {
  const mpi::communicator world;
  struct Point {
    std::unique_ptr<Scenario> scenario;
    std::unique_ptr<MarketCache> cache;
  };
  std::map<std::uint64_t, Point> points;
  std::deque<std::pair<std::uint64_t, std::uint64_t>> assigned;  // units received, not yet run
  for (;;) {
    // Every message waiting; a wait (sleeping between probes) only when there is nothing to run.
    bool stop = false;
    while (!stop) {
      const auto status = world.iprobe(0, mpi::any_tag);
      if (!status) {
        if (!assigned.empty()) break;
        std::this_thread::sleep_for(kIdle);
        continue;
      }
      if (status->tag() == kStop) {
        world.recv(0, kStop);
        stop = true;
      } else {
        std::uint64_t unit[2] = {0, 0};
        world.recv(0, kAssign, unit, 2);
        assigned.emplace_back(unit[0], unit[1]);
      }
    }
    if (stop) break;
    const auto [p, r] = assigned.front();
    assigned.pop_front();
    std::vector<std::uint8_t> message;
    try {
      if (p >= spec.points.size()) throw Error("MPI: no point " + std::to_string(p) + " in this sweep");
      Point& point = points[p];
      if (!point.scenario) {
        point.scenario = std::make_unique<Scenario>(point_scenario(spec, p));
        point.cache = std::make_unique<MarketCache>();
      }
      const std::vector<std::uint8_t> bytes = encode_unit_result(run_unit(*point.scenario, RunUnit{r, {}}, point.cache.get()));
      message = result_message(kUnitDone, p, r, bytes.data(), bytes.size());
    } catch (const std::exception& e) {
      const std::string error = one_line(e.what());
      message = result_message(kUnitFailed, p, r, error.data(), error.size());
    }
    world.send(0, kResult, message.data(), static_cast<int>(message.size()));
  }
  world.send(0, kBye);
}

}  // namespace marketsim
