#pragma once
// Drives one behaviour module's hooks directly, shard by shard, without the engine: for tests that
// compare what a module keeps besides its columns (per-shard tallies, lists of consumers to look
// at, spilled sums) with a plain recomputation from the columns or from the events it was given.
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "agents/behaviour.h"
#include "market/market.h"
#include "scenarios/scenario.h"
#include "sim/columns.h"

namespace marketsim::testing {

/// A shard's calendar that records who left it and who re-entered.
struct RecordingCalendar final : CalendarControl {
  std::set<ConsumerId> away;
  std::vector<std::pair<ConsumerId, Time>> entered;
  void leave(ConsumerId c) override { away.insert(c); }
  void enter(ConsumerId c, Time t) override {
    away.erase(c);
    entered.emplace_back(c, t);
  }
  bool active(ConsumerId c) const override { return !away.contains(c); }
  std::vector<std::pair<ConsumerId, Time>> redrawn;
  void redraw(ConsumerId c, Time t) override {
    if (active(c)) redrawn.emplace_back(c, t);
  }
};

/// The first behaviour module of a scenario (parameters resolved by the loader), its columns over
/// consumers [cuts[0], cuts.back()) cut into shards at `cuts`, and a recording calendar per shard.
class ModuleHarness {
 public:
  ModuleHarness(const Scenario& sc, const std::vector<ConsumerId>& cuts)
      : market_(build_market(sc.market, sc.seed, 0)),
        streams_(sc.seed, 0, Purpose::kBehaviour, name_hash(sc.market.behaviours.at(0).name)) {
    register_builtin_behaviours();
    auto modules = instantiate_behaviours({sc.market.behaviours.at(0)}, {sc.market, market_.catalog, market_.offers});
    module_ = std::move(modules.at(0));
    module_->declare(layout_);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;
    for (std::size_t s = 0; s + 1 < cuts.size(); ++s) ranges.emplace_back(cuts[s], cuts[s + 1]);
    store_ = std::make_unique<ColumnStore>(layout_, ranges);
    ranges_ = ranges;
    calendars_.resize(ranges.size());
    outboxes_.resize(ranges.size());
  }
  ModuleHarness(const ModuleHarness&) = delete;  // the module refers to the market's catalog
  ModuleHarness& operator=(const ModuleHarness&) = delete;

  Behaviour& module() { return *module_; }
  const Market& market() const { return market_; }
  std::size_t shards() const { return ranges_.size(); }
  ConsumerId begin(std::size_t s) const { return ranges_[s].first; }
  ConsumerId end(std::size_t s) const { return ranges_[s].second; }
  std::size_t shard_of(ConsumerId c) const {
    for (std::size_t s = 0; s < ranges_.size(); ++s) {
      if (c >= ranges_[s].first && c < ranges_[s].second) return s;
    }
    return ranges_.size();
  }
  RecordingCalendar& calendar(std::size_t s) { return calendars_[s]; }

  ShardContext context(std::size_t s) {
    return ShardContext(s, ranges_[s].first, ranges_[s].second, *store_, outboxes_[s], calendars_[s], streams_, 0);
  }

  /// Consumer c's elements of the column the module declared as `name` (T must be its type's size).
  template <typename T>
  T* row(const std::string& name, ConsumerId c) const {
    const auto& specs = layout_.specs();
    for (std::uint32_t i = 0; i < specs.size(); ++i) {
      if (specs[i].name != name) continue;
      if (specs[i].element_bytes != sizeof(T)) return nullptr;
      const Column<T> column{i, static_cast<std::uint32_t>(specs[i].width)};
      const std::size_t s = shard_of(c);
      return store_->data(s, column) + static_cast<std::size_t>(c - ranges_[s].first) * specs[i].width;
    }
    return nullptr;
  }

  /// The module's gauges at the end of `day`, its shards' parts added in shard order.
  std::vector<double> gauges(Day day) {
    std::vector<double> sums(module_->gauges().size(), 0.0);
    for (std::size_t s = 0; s < shards(); ++s) {
      const ShardContext ctx = context(s);
      module_->gauge(DayBatch{ctx, day}, sums);
    }
    return sums;
  }
  void daily(Day day) {
    for (std::size_t s = 0; s < shards(); ++s) {
      const ShardContext ctx = context(s);
      module_->daily(DayBatch{ctx, day});
    }
  }
  /// `lines` (in commit order) to the settled hooks of their consumers' shards.
  void settled(const std::vector<LineRecord>& lines) {
    for (std::size_t s = 0; s < shards(); ++s) {
      std::vector<LineRecord> mine;
      for (const LineRecord& l : lines) {
        if (shard_of(l.consumer) == s) mine.push_back(l);
      }
      if (mine.empty()) continue;
      const ShardContext ctx = context(s);
      module_->settled(SettledBatch{ctx, mine});
    }
  }
  /// `commands` (in issue order) to the commands hooks of their consumers' shards.
  void commands(const std::vector<Command>& commands) {
    for (std::size_t s = 0; s < shards(); ++s) {
      std::vector<Command> mine;
      for (const Command& c : commands) {
        if (shard_of(c.consumer) == s) mine.push_back(c);
      }
      if (mine.empty()) continue;
      const ShardContext ctx = context(s);
      module_->commands(CommandBatch{ctx, mine});
    }
  }

 private:
  Market market_;
  StreamFamily streams_;
  std::unique_ptr<Behaviour> module_;
  ColumnLayout layout_;
  std::unique_ptr<ColumnStore> store_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges_;
  std::vector<RecordingCalendar> calendars_;
  std::vector<std::vector<Message>> outboxes_;
};

}  // namespace marketsim::testing
