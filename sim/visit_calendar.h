#pragma once
// Scheduling of consumer visits in window buckets.
//
// Why buckets and not a heap: with a million consumers pending, a global binary heap costs
// O(log N) ≈ 20 cache-missing comparisons per visit and 24+ bytes per entry, while the engine
// only needs to know which consumers visit in the *current* window: consumers in one window do not
// see each other (shared state — stock, budget, popularity — is frozen during a window and settled
// at its end), so the order of visits inside a window is irrelevant to the result. Each pending
// consumer therefore sits in exactly one bucket, that of the window of its next visit: O(1) push,
// 4 bytes per consumer, and the buckets are scanned linearly (bench/README.md).
//
// The buckets form a ring of at most kMaxRing windows, so that multi-year horizons at short
// windows cost no more memory than a few days: a visit further ahead than the ring waits in an
// overflow list, which is re-filed once per turn of the ring.
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

#include "sim/time.h"

namespace marketsim {

class VisitCalendar {
 public:
  static constexpr std::size_t kMaxRing = 4096;

  /// `windows_per_day` windows of 1 / windows_per_day days each, `windows` in all.
  VisitCalendar(std::size_t windows_per_day, std::size_t windows)
      : windows_per_day_(static_cast<double>(windows_per_day)),
        windows_(windows),
        end_time_(static_cast<double>(windows) / static_cast<double>(windows_per_day)),
        buckets_(windows < kMaxRing ? windows : kMaxRing) {}

  /// The window that contains time t (0 <= t < the horizon). Every caller uses this one function,
  /// so a visit filed in window w is also processed in window w, whatever the rounding of t.
  std::size_t window_of(Time t) const {
    return static_cast<std::size_t>(std::floor(t * windows_per_day_));
  }
  std::size_t windows() const { return windows_; }
  /// The first window not taken yet: visits can be filed from it on.
  std::size_t next_window() const { return next_; }
  /// The window buckets it holds (at most kMaxRing, whatever the horizon).
  std::size_t buckets() const { return buckets_.size(); }
  /// Whether time t falls inside the horizon (false for NaN and infinity too).
  bool within(Time t) const { return t >= 0.0 && t < end_time_; }

  /// Files entity `id` (a shard-local index) for a visit at time t; times past the horizon are
  /// dropped (returns false). Throws std::logic_error for a window already taken.
  bool schedule(std::uint32_t id, Time t) {
    if (!within(t)) return false;
    const std::size_t w = window_of(t);
    if (w >= windows_) return false;
    if (w < next_) throw std::logic_error("visit calendar: a visit filed in a window already taken");
    if (w < turn_ + buckets_.size()) {  // inside the current turn of the ring: slot w - turn
      buckets_[w - turn_].push_back(id);
    } else {
      overflow_.emplace_back(w, id);
    }
    return true;
  }

  /// Hands over the entities of window w, leaving it empty. Every window is taken, in order
  /// (0, 1, 2, ...); anything else throws std::logic_error.
  std::vector<std::uint32_t> take(std::size_t w) {
    if (w != next_ || w >= windows_) throw std::logic_error("visit calendar: windows are taken in order");
    ++next_;
    const std::size_t ring = buckets_.size();
    if (w >= turn_ + ring) {
      // A new turn of the ring, [w, w + ring): its buckets were all taken; file the overflow
      // that falls in it.
      turn_ = w - w % ring;
      std::size_t kept = 0;
      for (const auto& [window, id] : overflow_) {
        if (window < turn_ + ring) {
          buckets_[window - turn_].push_back(id);
        } else {
          overflow_[kept++] = {window, id};
        }
      }
      overflow_.resize(kept);
    }
    std::vector<std::uint32_t> out;
    out.swap(buckets_[w - turn_]);
    return out;
  }

 private:
  double windows_per_day_;
  std::size_t windows_;
  double end_time_;
  std::size_t next_ = 0;  // the next window to take
  std::size_t turn_ = 0;  // first window of the ring's current turn; bucket k holds window turn_ + k
  std::vector<std::vector<std::uint32_t>> buckets_;
  std::vector<std::pair<std::size_t, std::uint32_t>> overflow_;
};

}  // namespace marketsim
