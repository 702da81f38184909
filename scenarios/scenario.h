#pragma once
// A validated, immutable scenario: the market, the arms, the experiment's shape. Built once by
// load_scenario(); runs read it and never change it.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "market/market_spec.h"
#include "scenarios/json_input.h"
#include "scenarios/lifetime_value.h"
#include "sim/columns.h"
#include "sim/params.h"
#include "sim/time.h"
#include "strategies/arm.h"

namespace marketsim {

struct Uncertainty;  // scenarios/uncertainty.h

/// Offline evaluation of the arms' recommenders (scenario key /offline; experiments/offline_eval.h).
struct OfflinePlan {
  Day until = 0;                // the last training day; days until + 1 .. horizon - 1 are scored
  std::vector<std::size_t> ks;  // list lengths
};

struct Scenario {
  std::string file;  // where it was read from (for messages)
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  std::int64_t replications = 10;
  Day horizon_days = 30;
  Day warmup_days = 0;  // simulated but excluded from metrics
  std::size_t windows_per_day = 1;
  std::size_t shard_size = 65536;
  MarketSpec market;  // market.sampling: how replications draw their markets
  std::vector<ArmSpec> arms;
  std::size_t baseline = 0;  // index into arms
  Json resolved;             // the scenario as resolved: overrides applied, defaults filled in
  /// The per-consumer columns the behaviour modules declare (for the memory estimate before a
  /// run; the engine adds its own).
  std::vector<ColumnSpec> module_columns;
  /// What the modules hold per consumer outside columns (bytes), for the same estimate.
  double module_other_bytes_per_consumer = 0.0;
  bool engine_bound_factor = false;  // some module bounds consumers one by one (a float each)
  /// The longest platform-log lookback any strategy of any arm declares (days).
  Day log_lookback_days = 0;
  /// The per-consumer state of the arm whose strategies hold the most (Strategy::declare, owner:
  /// the strategy's name; Strategy::bytes_per_consumer_outside_columns), for the same estimate.
  std::vector<ColumnSpec> strategy_columns;
  double strategy_other_bytes_per_consumer = 0.0;
  /// Parameter uncertainty (scenarios/uncertainty.h), or null. When set, this scenario holds each
  /// uncertain value's median (for everything that does not run it: names, arms, estimates) and
  /// replication r runs on draw_scenario(*this, r).
  std::shared_ptr<const Uncertainty> uncertainty;
  std::optional<OfflinePlan> offline;
  /// The calendar date of day 0 as a day number since 1970-01-01 (/start_date; 2024-01-01, a
  /// Monday, when absent).
  std::int64_t start_day = 19723;
  /// customer_lifetime_value's margin and discount rate (/lifetime_value).
  LifetimeValueSpec lifetime_value;
};

/// The scenario replication `replication` runs on: with parameter uncertainty, its draw's values
/// in place (validated like a file; replications and resolved as this one's, no uncertainty of
/// its own); without, a copy.
Scenario draw_scenario(const Scenario& scenario, std::uint64_t replication);

/// Reads, overrides (`--set /pointer=value` assignments, applied in order) and validates a
/// scenario file. Throws ScenarioError naming the file, the JSON pointer and what is allowed.
Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides = {});

/// Checks a scenario given as text (as read from `file`) with its overrides, without drawing the
/// market: what `marketsim validate` and the loader's fuzz target run. Throws ScenarioError (a
/// one-line message naming the file, the JSON pointer and what is allowed) and nothing else on
/// bad input.
Scenario check_scenario_text(std::string_view text, const std::string& file,
                             const std::vector<std::string>& overrides = {});

/// Validates an already parsed document (`file` is used in messages).
Scenario parse_scenario(const Json& document, const std::string& file);

/// The declared keys of each scenario object, for validation and documentation.
const ParamSchema& scenario_schema();
const ParamSchema& engine_schema();
const ParamSchema& market_schema();
const ParamSchema& category_schema();
const ParamSchema& segment_schema();
const ParamSchema& learning_schema();
const ParamSchema& quality_learning_schema();
const ParamSchema& reference_price_schema();
const ParamSchema& seller_schema();
const ParamSchema& arm_schema();
const ParamSchema& arm_seller_schema();
const ParamSchema& stacking_schema();

}  // namespace marketsim
