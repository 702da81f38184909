#include "analysis/resources.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "analysis/metric.h"
#include "analysis/run_result.h"
#include "engine/simulation.h"
#include "market/population.h"
#include "sim/error.h"

namespace marketsim {
namespace {

// Per-product and per-offer bytes beyond the columns (see market/catalog.h, market/offers.h,
// agents/inventory.h, market/platform_log.h): catalog arrays besides the attribute vectors;
// an offer's ids, prices and stock (five counters), and its platform log per day of lookback.
constexpr double kProductBytes = 2 + 8 + 8 + 8;
constexpr double kOfferBytes = 8 + 8 + 5 * 8;
constexpr double kLogBytesPerOfferDay = 4 * 8;
// The calendar holds one 4-byte id per consumer (filed once), plus a visit batch per shard.
constexpr double kCalendarBytesPerConsumer = 4;
// A window's visits, order lines and their records while the window is settled, per visit.
constexpr double kWindowBytesPerVisit = 128;
// A kept number is a double in memory and about 12 bytes of text in an output file.
constexpr double kValueBytes = 8 + 12;
// A shard's fixed state (visit batch, outboxes, calendar ring of up to 4096 buckets).
constexpr double kShardBytes = 4096 * 24 + 16384;
// The program, its libraries, thread stacks and allocator slack.
constexpr double kFixedBytes = 64.0 * 1024 * 1024;

double read_number(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return -1.0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  return end != text.c_str() ? v : -1.0;
}

}  // namespace

ResourceEstimate estimate_resources(const Scenario& sc, std::size_t threads) {
  const MarketSpec& ms = sc.market;
  const auto consumers = static_cast<double>(ms.consumers());
  const auto products = static_cast<double>(ms.products());
  const auto dims = static_cast<std::size_t>(ms.latent_dimensions);
  const auto arms = static_cast<double>(sc.arms.size());
  const auto reps = static_cast<double>(sc.replications);
  const double runs = arms * reps;
  threads = std::max<std::size_t>(threads, 1);
  // Offers: a seller offering "all" offers every product; bound it by sellers x products.
  const double offers = products * static_cast<double>(std::max<std::size_t>(ms.sellers.size(), 1));

  ResourceEstimate e;
  e.market_bytes = consumers * static_cast<double>(Population::bytes_per_consumer(dims)) +
                   products * (kProductBytes + static_cast<double>(dims) * sizeof(float));
  const bool shared = ms.sampling == MarketSampling::kShared;
  e.markets_at_once = shared ? 1 : static_cast<std::size_t>(std::min<double>(reps, static_cast<double>(threads)));

  std::size_t columns = Simulation::engine_columns().bytes_per_consumer();
  for (const ColumnSpec& c : sc.module_columns) columns += c.bytes_per_consumer();
  for (const ColumnSpec& c : sc.strategy_columns) columns += c.bytes_per_consumer();
  e.run_state_bytes_per_consumer = columns;
  const double line_metrics = static_cast<double>(metric_list().size());  // a breakdown row holds every metric
  const double cells = static_cast<double>(ms.sellers.size()) * static_cast<double>(ms.categories.size()) *
                       static_cast<double>(ms.segments.size());
  e.run_bytes = consumers * (static_cast<double>(columns) + sc.module_other_bytes_per_consumer +
                            sc.strategy_other_bytes_per_consumer + kCalendarBytesPerConsumer) + offers * (kOfferBytes + kLogBytesPerOfferDay * static_cast<double>(sc.log_lookback_days + 1)) +
                cells * line_metrics * 8.0;
  e.runs_at_once = static_cast<std::size_t>(std::min<double>(runs, static_cast<double>(threads)));
  // Expected visits: a segment's rates are log-normal around visit_rate, with mean
  // visit_rate * exp(sd^2 / 2).
  double per_day = 0.0;
  for (const SegmentSpec& s : ms.segments) {
    per_day += static_cast<double>(s.consumers) * s.visit_rate *
               std::exp(s.visit_rate_log_sd * s.visit_rate_log_sd / 2.0);
  }
  e.run_bytes += per_day / static_cast<double>(sc.windows_per_day) * kWindowBytesPerVisit;
  const double shards = std::ceil(consumers / static_cast<double>(sc.shard_size));
  const double windows = static_cast<double>(sc.horizon_days) * static_cast<double>(sc.windows_per_day);
  e.run_bytes += shards * kShardBytes + windows * 16.0;  // and the intensity bound per window
  e.shard_windows = shards * windows * runs;

  // Kept for the output files: daily rows, seller totals, breakdown cells, cohort tables.
  const double metrics = static_cast<double>(metric_list().size());
  const auto days = static_cast<double>(sc.horizon_days);
  const double cohort_rows = (days / 7.0) * (days / 7.0 + 1.0) / 2.0 + (days / 30.0) * (days / 30.0 + 1.0) / 2.0;
  e.results_bytes = runs * kValueBytes *
                    (days * (metrics + 4.0) + static_cast<double>(ms.sellers.size() + 1) * metrics +
                     cells * (line_metrics + 5.0) + cohort_rows * 8.0);

  e.total_bytes = static_cast<double>(e.markets_at_once) * e.market_bytes +
                  static_cast<double>(e.runs_at_once) * e.run_bytes + e.results_bytes + kFixedBytes;

  e.expected_visits = per_day * days * runs;
  return e;
}

std::optional<double> available_memory_bytes() {
  std::optional<double> best;
  const auto consider = [&](double v) {
    if (v >= 0.0) best = best ? std::min(*best, v) : v;
  };
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  double kib = 0.0;
  std::string unit;
  while (meminfo >> key >> kib) {
    std::getline(meminfo, unit);
    if (key == "MemAvailable:") consider(kib * 1024.0);
  }
  // cgroup v2: the limit of this process's group, less what the group already uses.
  std::ifstream cgroup("/proc/self/cgroup");
  std::string line;
  while (std::getline(cgroup, line)) {
    if (!line.starts_with("0::")) continue;
    const std::string dir = "/sys/fs/cgroup" + line.substr(3);
    const double limit = read_number(dir + "/memory.max");
    const double used = read_number(dir + "/memory.current");
    if (limit >= 0.0) consider(limit - std::max(used, 0.0));
  }
  return best;
}

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  std::size_t u = 0;
  while (bytes >= 1024.0 && u + 1 < std::size(units)) {
    bytes /= 1024.0;
    ++u;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, bytes < 10.0 && u > 0 ? "%.1f %s" : "%.0f %s", bytes, units[u]);
  return buf;
}

std::string format_count(double count) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", count);
  return buf;
}

void check_resources(const Scenario& sc, const ResourceEstimate& e, std::optional<double> available) {
  if (e.expected_visits > kMaxExpectedVisits) {
    throw ScenarioError(sc.file, "", "the runs would simulate about " + format_count(e.expected_visits) +
                                         " visits (consumers x visit rate x days x arms x replications); allowed: "
                                         "at most 1e13 per invocation; split the study or shrink the market");
  }
  if (e.shard_windows > kMaxShardWindows) {
    throw ScenarioError(sc.file, "/engine", "the runs would step " + format_count(e.shard_windows) +
                                                " shard-windows (windows x shards x runs); allowed: at most 1e11; "
                                                "raise shard_size or window_days");
  }
  if (available && e.total_bytes > *available) {
    std::ostringstream what;
    what << "the run needs about " << format_bytes(e.total_bytes) << " of memory (" << e.markets_at_once
         << " market(s) of " << format_bytes(e.market_bytes) << ", " << e.runs_at_once << " run(s) of "
         << format_bytes(e.run_bytes) << ", results " << format_bytes(e.results_bytes) << ") but "
         << format_bytes(*available)
         << " is available; allowed: an estimate within the available memory (fewer consumers, products, "
            "replications or --threads)";
    throw ScenarioError(sc.file, "", what.str());
  }
}

}  // namespace marketsim
