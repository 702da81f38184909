#pragma once
// A sweep's store (an optimisation's and an A/B test design's too): DIR/store.sqlite, an embedded
// SQLite database in WAL mode (SQLiteCpp over Debian's libsqlite3). One row per completed unit (a
// point's replication with all its arms, its
// result in the stored form of experiments/result_store.h) in table `units`, written in one
// transaction each, so a sweep killed at any moment (kill -9) loses at most the units it was
// running and never holds half a unit; one row per failed point in `failed`; the sweep's
// fingerprint and run metadata in `meta`. A store refuses to serve a sweep of another
// fingerprint. Thread-safe: one writer at a time.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace SQLite {
class Database;
}

namespace marketsim {

class SweepStore {
 public:
  /// Opens (or creates) the store at `path` for the sweep of `fingerprint`. An existing store of
  /// another fingerprint, or whose units are in another stored format (kUnitResultVersion), is a
  /// UsageError naming both unless `fresh`, which starts it over.
  SweepStore(const std::string& path, const std::string& fingerprint, bool fresh);
  /// Opens an existing store whatever its sweep (to read it: sweep merge). Error if none.
  explicit SweepStore(const std::string& path);
  ~SweepStore();
  SweepStore(const SweepStore&) = delete;
  SweepStore& operator=(const SweepStore&) = delete;

  /// The (point, replication) of every stored unit.
  std::set<std::pair<std::uint64_t, std::uint64_t>> units() const;
  /// Every failed point's one-line error.
  std::map<std::uint64_t, std::string> failures() const;
  /// Stores a unit's result (one transaction).
  void put_unit(std::uint64_t point, std::uint64_t replication, const std::vector<std::uint8_t>& result);
  /// Records a failed point (its units, stored or not, no longer count).
  void put_failure(std::uint64_t point, const std::string& error);
  /// A stored unit's result.
  std::vector<std::uint8_t> unit(std::uint64_t point, std::uint64_t replication) const;
  /// Seconds the writers of units have spent in put_unit (waiting for the lock included): the
  /// store's cost to a sweep, for its metadata.
  double write_seconds() const;
  /// Run metadata (key -> JSON text).
  void set_meta(const std::string& key, const std::string& value);
  std::string meta(const std::string& key) const;

 private:
  std::unique_ptr<SQLite::Database> db_;
  mutable std::mutex mutex_;
  double write_seconds_ = 0.0;
};

}  // namespace marketsim
