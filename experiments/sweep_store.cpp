#include "experiments/sweep_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <filesystem>

#include "experiments/result_store.h"
#include "sim/error.h"

namespace marketsim {
namespace {

std::string what_of(const std::string& path, const std::exception& e) { return path + ": sweep store: " + e.what(); }

}  // namespace

SweepStore::SweepStore(const std::string& path, const std::string& fingerprint, bool fresh) {
  try {
    if (fresh) {
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
    }
    db_ = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db_->exec("PRAGMA journal_mode=WAL");
    db_->exec("PRAGMA synchronous=NORMAL");  // WAL: a committed unit survives the process's death
    db_->exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    db_->exec(
        "CREATE TABLE IF NOT EXISTS units (point INTEGER NOT NULL, replication INTEGER NOT NULL, "
        "result BLOB NOT NULL, PRIMARY KEY (point, replication))");
    db_->exec("CREATE TABLE IF NOT EXISTS failed (point INTEGER PRIMARY KEY, error TEXT NOT NULL)");
  } catch (const SQLite::Exception& e) {
    throw Error(what_of(path, e));
  }
  const std::string stored = meta("fingerprint");
  const std::string version = std::to_string(kUnitResultVersion);
  if (stored.empty()) {
    set_meta("fingerprint", fingerprint);
    set_meta("unit_version", version);
  } else if (meta("unit_version") != version) {
    const std::string old = meta("unit_version").empty() ? "1" : meta("unit_version");
    throw UsageError(path + " holds units in the stored format of another marketsim (version " + old + ", this build reads " +
                     version + "); run with --fresh to start over, or use another --out");
  } else if (stored != fingerprint) {
    throw UsageError(path + " holds the store of another sweep, optimisation or A/B test design (fingerprint " + stored +
                     ", this one " + fingerprint + ": its file, base scenario or marketsim commit differ); run with "
                     "--fresh to start over, or use another --out");
  }
}

SweepStore::SweepStore(const std::string& path) {
  if (!std::filesystem::exists(path)) throw UsageError(path + ": no sweep store here");
  try {
    db_ = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE);
  } catch (const SQLite::Exception& e) {
    throw UsageError(what_of(path, e));
  }
}

SweepStore::~SweepStore() = default;

std::set<std::pair<std::uint64_t, std::uint64_t>> SweepStore::units() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::set<std::pair<std::uint64_t, std::uint64_t>> out;
  SQLite::Statement q(*db_, "SELECT point, replication FROM units");
  while (q.executeStep()) {
    out.emplace(static_cast<std::uint64_t>(q.getColumn(0).getInt64()), static_cast<std::uint64_t>(q.getColumn(1).getInt64()));
  }
  return out;
}

std::map<std::uint64_t, std::string> SweepStore::failures() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::map<std::uint64_t, std::string> out;
  SQLite::Statement q(*db_, "SELECT point, error FROM failed");
  while (q.executeStep()) out.emplace(static_cast<std::uint64_t>(q.getColumn(0).getInt64()), q.getColumn(1).getString());
  return out;
}

void SweepStore::put_unit(std::uint64_t point, std::uint64_t replication, const std::vector<std::uint8_t>& result) {
  const auto start = std::chrono::steady_clock::now();  // a writer's wait for the lock counts too
  const std::lock_guard<std::mutex> lock(mutex_);
  SQLite::Transaction t(*db_);
  SQLite::Statement q(*db_, "INSERT OR REPLACE INTO units (point, replication, result) VALUES (?, ?, ?)");
  q.bind(1, static_cast<std::int64_t>(point));
  q.bind(2, static_cast<std::int64_t>(replication));
  q.bind(3, result.data(), static_cast<int>(result.size()));
  q.exec();
  t.commit();
  write_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double SweepStore::write_seconds() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return write_seconds_;
}

void SweepStore::put_failure(std::uint64_t point, const std::string& error) {
  const std::lock_guard<std::mutex> lock(mutex_);
  SQLite::Transaction t(*db_);
  SQLite::Statement q(*db_, "INSERT OR REPLACE INTO failed (point, error) VALUES (?, ?)");
  q.bind(1, static_cast<std::int64_t>(point));
  q.bind(2, error);
  q.exec();
  t.commit();
}

std::vector<std::uint8_t> SweepStore::unit(std::uint64_t point, std::uint64_t replication) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  SQLite::Statement q(*db_, "SELECT result FROM units WHERE point = ? AND replication = ?");
  q.bind(1, static_cast<std::int64_t>(point));
  q.bind(2, static_cast<std::int64_t>(replication));
  if (!q.executeStep()) throw Error("sweep store: no unit for point " + std::to_string(point) + " replication " + std::to_string(replication));
  const SQLite::Column blob = q.getColumn(0);
  const auto* bytes = static_cast<const std::uint8_t*>(blob.getBlob());
  return std::vector<std::uint8_t>(bytes, bytes + blob.getBytes());
}

void SweepStore::set_meta(const std::string& key, const std::string& value) {
  const std::lock_guard<std::mutex> lock(mutex_);
  SQLite::Statement q(*db_, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
  q.bind(1, key);
  q.bind(2, value);
  q.exec();
}

std::string SweepStore::meta(const std::string& key) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  SQLite::Statement q(*db_, "SELECT value FROM meta WHERE key = ?");
  q.bind(1, key);
  return q.executeStep() ? q.getColumn(0).getString() : std::string();
}

}  // namespace marketsim
