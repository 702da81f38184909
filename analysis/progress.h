#pragma once
// A progress bar with ETA on standard error, shown only for runs longer than about two seconds,
// only when standard error is a terminal, and never with --quiet.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

namespace marketsim {

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled);
  ~ProgressBar();
  /// Safe to call from any thread; draws at most ten times a second.
  void update(std::uint64_t done, std::uint64_t total);
  /// The same, counting `label`s (a sweep's units): also "done/total label, F failed, R label/s".
  void update(std::uint64_t done, std::uint64_t total, const char* label, std::uint64_t failed);
  /// Clears the bar (if one was drawn).
  void finish();

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
  std::mutex mutex_;
};

}  // namespace marketsim
