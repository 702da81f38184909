#include "analysis/progress.h"

#include <unistd.h>

#include <cstdio>

namespace marketsim {

ProgressBar::ProgressBar(bool enabled)
    : enabled_(enabled && isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(std::uint64_t done, std::uint64_t total) { update(done, total, nullptr, 0); }

void ProgressBar::update(std::uint64_t done, std::uint64_t total, const char* label, std::uint64_t failed) {
  if (!enabled_ || total == 0) return;
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (elapsed < 2.0 || now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  const double fraction = static_cast<double>(done) / static_cast<double>(total);
  const double eta = fraction > 0 ? elapsed * (1.0 - fraction) / fraction : 0.0;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(fraction * kWidth);
  char bar[kWidth + 1];
  for (int i = 0; i < kWidth; ++i) bar[i] = i < filled ? '#' : '.';
  bar[kWidth] = '\0';
  std::fprintf(stderr, "\r[%s] %5.1f%%  elapsed %.0fs  ETA %.0fs ", bar, 100.0 * fraction, elapsed,
               eta);
  if (label != nullptr) {
    std::fprintf(stderr, " %llu/%llu %s, %llu failed, %.2f %s/s ", static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total), label, static_cast<unsigned long long>(failed),
                 static_cast<double>(done) / elapsed, label);
  }
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  std::lock_guard lock(mutex_);
  if (drawn_) {
    std::fprintf(stderr, "\r%120s\r", "");
    std::fflush(stderr);
    drawn_ = false;
  }
}

}  // namespace marketsim
