#pragma once
// State a behaviour module keeps per shard outside its columns: daily tallies read by gauge(),
// caches of pure functions. A module does not know the number of shards before the run, so each
// shard's part is made on first use; the mutex guards only the list (a shard's part is used by
// the hooks of that shard, which run on one thread at a time, so they need no lock of their own).
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace marketsim {

template <typename T>
class PerShard {
 public:
  /// Shard s's part, made by make() on first use.
  template <typename Make>
  T& get(std::size_t s, Make make) const {
    const std::lock_guard lock(mutex_);
    if (s >= parts_.size()) parts_.resize(s + 1);
    if (!parts_[s]) parts_[s] = make();
    return *parts_[s];
  }
  T& get(std::size_t s) const {
    return get(s, [] { return std::make_unique<T>(); });
  }

 private:
  mutable std::mutex mutex_;
  mutable std::vector<std::unique_ptr<T>> parts_;
};

}  // namespace marketsim
