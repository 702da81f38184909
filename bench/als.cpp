// bench/als: implicit-feedback ALS (strategies/learning/als.h) on a synthetic purchase matrix, at a
// chosen size and thread count; prints one JSON line.
//
//   bench/als [--users N] [--items M] [--factors F] [--threads T] [--iterations I] [--density D]
//             [--seed S]
//
// The matrix: user u buys n_u distinct items, n_u uniform on 1 .. 2D - 1 (mean D) less the repeats
// of a draw, each item drawn from a Zipf popularity (P(item i) proportional to 1 / (i + 1)), r_ui
// = the units bought (1 to 3 per draw, repeats summed); every draw from one CounterRng keyed by the
// seed. Then I iterations (users given items, items given users: two als_half_step calls, the loop
// of fit_als) on at most T threads. seconds_per_iteration is the median over the iterations,
// gflops = flops_per_iteration (als_flops_per_iteration) / seconds_per_iteration; user_seconds and
// item_seconds are the two half-steps of the median iteration, cpu_seconds its processor time
// summed over threads (cpu_seconds / seconds_per_iteration near T: the threads were busy; well
// below T on a shared machine: they waited for a core).
#include <tbb/global_control.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "sim/rng.h"
#include "strategies/learning/als.h"

namespace {

long parse_flag(const std::string& name, const char* text) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < 1) {
    std::cerr << "error: " << name << " " << text << ": need an integer >= 1\n";
    std::exit(2);
  }
  return v;
}

marketsim::ImplicitMatrix synthetic(std::size_t users, std::size_t items, long density, std::uint64_t seed) {
  marketsim::CounterRng rng(marketsim::stream_key(seed, 0, 0, marketsim::Purpose::kTest));
  std::vector<double> cumulative(items);
  double total = 0.0;
  for (std::size_t i = 0; i < items; ++i) cumulative[i] = total += 1.0 / static_cast<double>(i + 1);
  marketsim::ImplicitMatrix r;
  r.users = users;
  r.items = items;
  r.row_start.reserve(users + 1);
  r.row_start.push_back(0);
  r.item.reserve(users * static_cast<std::size_t>(density));
  r.value.reserve(users * static_cast<std::size_t>(density));
  std::vector<std::pair<std::uint32_t, float>> row;
  for (std::size_t u = 0; u < users; ++u) {
    const std::uint64_t n = 1 + rng.below(static_cast<std::uint64_t>(2 * density - 1));
    row.clear();
    for (std::uint64_t k = 0; k < n; ++k) {
      const double target = rng.uniform() * total;
      const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), target);
      const auto i = static_cast<std::uint32_t>(std::min<std::size_t>(it - cumulative.begin(), items - 1));
      row.emplace_back(i, static_cast<float>(1 + rng.below(3)));
    }
    std::sort(row.begin(), row.end());
    for (std::size_t k = 0; k < row.size(); ++k) {
      if (k > 0 && row[k].first == row[k - 1].first) {
        r.value.back() += row[k].second;
      } else {
        r.item.push_back(row[k].first);
        r.value.push_back(row[k].second);
      }
    }
    r.row_start.push_back(r.item.size());
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  long users = 1000000, items = 10000, factors = 32, threads = 1, iterations = 3, density = 10, seed = 1;
  for (int a = 1; a < argc; ++a) {
    const std::string flag = argv[a];
    long* target = flag == "--users"        ? &users
                   : flag == "--items"      ? &items
                   : flag == "--factors"    ? &factors
                   : flag == "--threads"    ? &threads
                   : flag == "--iterations" ? &iterations
                   : flag == "--density"    ? &density
                   : flag == "--seed"       ? &seed
                                            : nullptr;
    if (target == nullptr || a + 1 == argc) {
      std::cerr << "usage: " << argv[0]
                << " [--users N] [--items M] [--factors F] [--threads T] [--iterations I] [--density D] [--seed S]\n";
      return 2;
    }
    *target = parse_flag(flag, argv[++a]);
  }
  if (items > (1L << 32)) {
    std::cerr << "error: --items " << items << ": item ids are 32-bit\n";
    return 2;
  }
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));

  const marketsim::ImplicitMatrix r =
      synthetic(static_cast<std::size_t>(users), static_cast<std::size_t>(items), density, static_cast<std::uint64_t>(seed));
  const marketsim::ImplicitMatrix rt = r.transpose();
  marketsim::AlsParams p;
  p.factors = static_cast<int>(factors);
  p.iterations = 0;
  marketsim::CounterRng rng(marketsim::stream_key(static_cast<std::uint64_t>(seed), 0, 1, marketsim::Purpose::kTest));
  marketsim::AlsModel m = marketsim::fit_als(r, p, rng);  // the random start

  using clock = std::chrono::steady_clock;
  struct Timing {
    double total, user, item, cpu;
  };
  std::vector<Timing> times;
  for (long it = 0; it < iterations; ++it) {
    const std::clock_t c0 = std::clock();
    const auto t0 = clock::now();
    marketsim::als_half_step(r, p, m.item_factors, m.user_factors);
    const auto t1 = clock::now();
    marketsim::als_half_step(rt, p, m.user_factors, m.item_factors);
    const auto t2 = clock::now();
    const std::clock_t c2 = std::clock();
    const double user = std::chrono::duration<double>(t1 - t0).count();
    const double item = std::chrono::duration<double>(t2 - t1).count();
    times.push_back({user + item, user, item, static_cast<double>(c2 - c0) / CLOCKS_PER_SEC});
  }
  std::sort(times.begin(), times.end(), [](const Timing& a, const Timing& b) { return a.total < b.total; });
  const Timing& median = times[times.size() / 2];
  const double flops = marketsim::als_flops_per_iteration(r, p.factors);
  char line[512];
  std::snprintf(line, sizeof line,
                "{\"users\":%ld,\"items\":%ld,\"factors\":%ld,\"threads\":%ld,\"entries\":%zu,"
                "\"seconds_per_iteration\":%.4f,\"gflops\":%.3f,\"flops_per_iteration\":%.6e,"
                "\"user_seconds\":%.4f,\"item_seconds\":%.4f,\"cpu_seconds\":%.4f,\"iterations\":%ld}",
                users, items, factors, threads, r.entries(), median.total, flops / median.total / 1e9, flops,
                median.user, median.item, median.cpu, iterations);
  std::cout << line << "\n";
  return 0;
}
