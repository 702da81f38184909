#pragma once
// What a behaviour module draws once per replication and every arm's run of that replication
// shares: the market's structure beyond the population's traits (the social graph of word of
// mouth). Such an object must depend only on (seed, replication, the module's parameters), never
// on the arm, so arms compare on the same market (paired runs). The experiment runner draws them
// with the markets, as set-up, before the runs (experiments/run_unit.cpp); a module built without
// them (BehaviourContext::shared null, as in unit tests) draws its own.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace marketsim {

class ReplicationResources {
 public:
  ReplicationResources(std::uint64_t seed, std::uint64_t replication) : seed_(seed), replication_(replication) {}
  ReplicationResources(const ReplicationResources&) = delete;
  ReplicationResources& operator=(const ReplicationResources&) = delete;

  std::uint64_t seed() const { return seed_; }
  std::uint64_t replication() const { return replication_; }

  /// The object filed under `key` (its module's name and parameters: one key, one type), made by
  /// `make()` (returning a T) on first request. Safe to call from several runs at once; the first
  /// caller builds while the others wait.
  template <class T, class Make>
  std::shared_ptr<const T> get(const std::string& key, Make&& make) {
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto it = items_.find(key);
    if (it != items_.end()) return std::static_pointer_cast<const T>(it->second);
    std::shared_ptr<const T> made = std::make_shared<const T>(std::forward<Make>(make)());
    items_.emplace(key, made);
    return made;
  }

 private:
  std::uint64_t seed_;
  std::uint64_t replication_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const void>> items_;
};

}  // namespace marketsim
