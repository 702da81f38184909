#include "scenarios/scenario.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "agents/behaviour.h"
#include "market/market.h"
#include "market/product_selector.h"
#include "market/shown_set.h"
#include "scenarios/catalog_file.h"
#include "scenarios/uncertainty.h"
#include "sim/concat.h"
#include "sim/dates.h"
#include "sim/error.h"
#include "sim/text.h"
#include "strategies/promotions/wish_listing.h"
#include "strategies/registry.h"

namespace marketsim {
namespace {

constexpr double kMaxConsumers = 4294967295.0;  // consumer ids are 32-bit
constexpr std::size_t kMaxSellers = 64;
constexpr std::size_t kMaxNameBytes = 200;  // names of arms, sellers, warehouses, segments, categories, groups
// Offers are (seller, product) pairs: each has its own stock, prices and log. As many as the
// largest catalogue, however it is split among sellers.
constexpr std::size_t kMaxOffers = 10000000;

/// Names are printed in tables, headers and file rows: at most kMaxNameBytes bytes.
void check_name_length(const std::string& file, const std::string& pointer, const std::string& name) {
  if (name.size() > kMaxNameBytes) {
    throw ScenarioError(file, pointer, cat("a name of ", std::to_string(name.size()), " bytes; allowed: at most ",
                                           std::to_string(kMaxNameBytes), " bytes"));
  }
}

/// What an arm's strategies need besides their parameters: the longest log lookback, and their
/// per-consumer state (declared columns, other bytes) for the memory estimate.
struct ArmFootprint {
  Day lookback_days = 0;
  std::vector<ColumnSpec> columns;
  double other_bytes_per_consumer = 0.0;
  double bytes_per_consumer() const {
    double b = other_bytes_per_consumer;
    for (const ColumnSpec& c : columns) b += static_cast<double>(c.bytes_per_consumer());
    return b;
  }
};

/// Validates a component object {"name": NAME, parameters...} against its registry's entry and
/// builds it once on `ctx` so that cross-parameter checks fail here, not mid-run. `resolved`
/// receives the parameters with defaults filled in; a strategy adds what it needs to `footprint`.
template <typename Interface, typename Context>
ComponentSpec parse_component(const Registry<Interface, Context>& registry, const Json& object,
                              const std::string& file, const std::string& pointer,
                              const SelectorContext& selectors, const Context& ctx, Json& resolved,
                              ArmFootprint* footprint = nullptr) {
  const std::string what = registry.family() + " " + registry.kind();
  if (!object.is_object()) {
    throw ScenarioError(file, pointer, "expected an object {\"name\": ..., parameters...}");
  }
  if (!object.contains("name")) {
    throw ScenarioError(file, pointer + "/name",
                        "required " + what + " name is missing; Valid values are: " + registry.names());
  }
  if (!object["name"].is_string()) {
    throw ScenarioError(file, pointer + "/name",
                        "expected a " + what + " name (a string); Valid values are: " + registry.names());
  }
  const std::string name = object["name"].get<std::string>();
  const auto* info = registry.find(name);
  if (info == nullptr) {
    throw UnknownStrategy(file, pointer + "/name",
                          "unknown " + what + " " + json_quoted(name) + "; Valid values are: " + registry.names());
  }
  Json params = object;
  params.erase("name");
  ComponentSpec spec{name, validate_object(info->params, params, file, pointer, &selectors)};
  try {
    const auto made = info->make(spec.params, ctx);  // cross-parameter checks live in the factory
    if constexpr (std::is_base_of_v<Strategy, Interface>) {
      if (footprint != nullptr) {
        footprint->lookback_days = std::max(footprint->lookback_days, made->needs().lookback_days);
        made->set_name(name);
        ColumnLayout layout;
        made->declare(layout);
        for (ColumnSpec c : layout.specs()) {
          c.owner = name;
          footprint->columns.push_back(std::move(c));
        }
        footprint->other_bytes_per_consumer += made->bytes_per_consumer_outside_columns();
      }
    }
  } catch (const ParamError& e) {
    const std::string& key = e.key();
    throw ScenarioError(file, pointer + (key.starts_with('/') ? key : "/" + pointer_token(key)), e.what());
  }
  resolved = spec.params;
  resolved["name"] = name;
  return spec;
}

/// Validates a seller's stacking rules for `promotions` promotions into `out`; returns them
/// resolved.
Json parse_stacking(const Json& object, const std::string& file, const std::string& pointer,
                    std::size_t promotions, Stacking& out) {
  Json st = validate_object(stacking_schema(), object, file, pointer);
  out.item = st["item"].get<std::string>() == "sum" ? Stacking::Item::kSum : Stacking::Item::kDeepest;
  out.order_rules = st["order_rules"].get<std::string>() == "best" ? Stacking::OrderRules::kBest
                                                                   : Stacking::OrderRules::kAll;
  out.held = st["coupons"].get<std::string>() == "exclusive" ? Stacking::Held::kExclusive
                                                             : Stacking::Held::kAfterOrderRules;
  out.group_of.assign(promotions, -1);
  const Json& groups = st["exclusive_groups"];
  if (groups.size() > 64) throw ScenarioError(file, pointer + "/exclusive_groups", "at most 64 groups");
  for (auto it = groups.begin(); it != groups.end(); ++it) {
    const std::string pg = pointer + "/exclusive_groups/" + pointer_token(it.key());
    const Json& members = it.value();
    if (!members.is_array() || members.size() < 2) {
      throw ScenarioError(file, pg, "expected a list of at least two promotion indices (a group of one excludes nothing)");
    }
    const auto group = static_cast<std::int32_t>(out.group_names.size());
    out.group_names.push_back(it.key());
    for (std::size_t k = 0; k < members.size(); ++k) {
      const std::string pm = pg + "/" + std::to_string(k);
      const Json& m = members[k];
      const bool integral = m.is_number_integer() || m.is_number_unsigned();
      if (!integral || m.get<double>() < 0 || m.get<double>() >= static_cast<double>(promotions)) {
        throw ScenarioError(file, pm, "expected the index of one of this seller's promotions; allowed: " +
                                          (promotions == 0 ? std::string("none (it has no promotions)")
                                                           : "0 to " + std::to_string(promotions - 1)));
      }
      const auto p = m.get<std::size_t>();
      if (out.group_of[p] == group) throw ScenarioError(file, pm, "promotion " + std::to_string(p) + " is listed twice");
      if (out.group_of[p] >= 0) {
        throw ScenarioError(file, pm, "promotion " + std::to_string(p) + " is already in group " +
                                          json_quoted(out.group_names[static_cast<std::size_t>(out.group_of[p])]) +
                                          "; a promotion belongs to one group at most");
      }
      out.group_of[p] = group;
    }
  }
  return st;
}

}  // namespace

const ParamSchema& scenario_schema() {
  static const ParamSchema s = {
      {.name = "name", .type = ParamType::kString, .description = "scenario name"},
      {.name = "description", .type = ParamType::kString, .default_value = "",
       .description = "what the scenario is for"},
      {.name = "seed", .type = ParamType::kInteger, .default_value = 1, .min = 0, .max = 9.0e15,
       .description = "master seed of every random stream"},
      {.name = "replications", .type = ParamType::kInteger, .default_value = 10, .min = 1,
       .max = 100000, .description = "independent replications per arm"},
      {.name = "horizon_days", .type = ParamType::kInteger, .min = 1, .max = 3650,
       .description = "simulated days"},
      {.name = "warmup_days", .type = ParamType::kInteger, .default_value = 0, .min = 0,
       .max = 3650, .description = "first days simulated but excluded from metrics"},
      {.name = "engine", .type = ParamType::kObject, .default_value = Json::object(),
       .description = "time windows and shards"},
      {.name = "market", .type = ParamType::kObject, .description = "products and consumers"},
      {.name = "arms", .type = ParamType::kObjectList,
       .description = "strategy bundles to compare; exactly one has \"baseline\": true"},
      {.name = "lifetime_value", .type = ParamType::kObject, .default_value = Json::object(),
       .description = "customer_lifetime_value: {\"margin\": \"contribution\" (gross profit less the costs of the "
                      "commands addressed to the customer; default) or \"gross_profit\", \"annual_rate\": 0.1}"},
      {.name = "start_date", .type = ParamType::kString, .default_value = nullptr,
       .description = "the calendar date of day 0, \"YYYY-MM-DD\" (dates in transactions.csv; absent: 2024-01-01, a Monday)",
       .optional = true},
      {.name = "offline", .type = ParamType::kObject, .default_value = nullptr,
       .description = "offline evaluation of each arm's recommender: {\"until\": last training day, "
                      "\"k\": [list lengths]}; scored on the purchases after until (experiments/offline_eval.h)",
       .optional = true},
      {.name = "market_sampling", .type = ParamType::kString, .default_value = "per_replication",
       .description = "per_replication: each replication draws its own catalog and population, "
                      "shared by its arms; shared: one market for all replications",
       .choices = {"per_replication", "shared"}},
  };
  return s;
}

const ParamSchema& engine_schema() {
  static const ParamSchema s = {
      {.name = "window_days", .type = ParamType::kNumber, .default_value = 1.0, .min = 0.0,
       .max = 1.0, .description = "length of a synchronisation window; 1/window_days must be a "
                                  "whole number", .min_exclusive = true},
      {.name = "shard_size", .type = ParamType::kInteger, .default_value = 65536, .min = 1,
       .max = kMaxConsumers, .description = "consumers per shard (shards advance in parallel)"},
  };
  return s;
}

const ParamSchema& market_schema() {
  static const ParamSchema s = {
      {.name = "latent_dimensions", .type = ParamType::kInteger, .default_value = 16, .min = 1,
       .max = 256, .description = "D, the length of taste and attribute vectors"},
      {.name = "intercept", .type = ParamType::kNumber, .default_value = -2.5, .min = -100,
       .max = 100, .description = "a, the utility intercept of every product"},
      {.name = "browse_slots", .type = ParamType::kInteger, .default_value = 0, .min = 0,
       .max = 255, .description = "products organic browsing adds to each visit (with the sellers' slots at most 255)"},
      {.name = "lead_time_days", .type = ParamType::kInteger, .default_value = 3, .min = 0,
       .max = 365, .description = "replenishment lead time"},
      {.name = "categories", .type = ParamType::kObjectList, .description = "product categories"},
      {.name = "catalog_file", .type = ParamType::kString, .default_value = nullptr,
       .description = "a CSV of every product (id,category,list_price,cost,quality,phi_1..phi_D), relative to "
                      "the scenario's folder: products given instead of drawn (scenarios/catalog_file.h)",
       .optional = true},
      {.name = "segments", .type = ParamType::kObjectList, .description = "consumer segments"},
      {.name = "sellers", .type = ParamType::kObjectList,
       .default_value = Json::array({Json{{"name", "shop"}}}),
       .description = "the marketplace's sellers and the products each offers"},
      {.name = "behaviours", .type = ParamType::kObjectList, .default_value = Json::array(),
       .description = "behaviour modules, in the order their hooks run (marketsim list behaviours)"},
      {.name = "learning", .type = ParamType::kObject, .default_value = nullptr,
       .description = "deprecated: quality learning and reference prices as switches (read as "
                      "the modules quality_learning and reference_price)",
       .optional = true},
  };
  return s;
}

const ParamSchema& category_schema() {
  static const ParamSchema s = {
      {.name = "name", .type = ParamType::kString, .description = "category name"},
      {.name = "products", .type = ParamType::kInteger, .default_value = nullptr, .min = 1, .max = 10000000,
       .description = "number of products (required unless /market/catalog_file gives them)", .optional = true},
      {.name = "price_min", .type = ParamType::kNumber, .default_value = 5.0, .min = 0.0,
       .max = 1e9, .description = "lowest list price", .min_exclusive = true},
      {.name = "price_max", .type = ParamType::kNumber, .default_value = 50.0, .min = 0.0,
       .max = 1e9, .description = "highest list price (>= price_min)", .min_exclusive = true},
      {.name = "cost_ratio", .type = ParamType::kNumber, .default_value = 0.6, .min = 0.0,
       .max = 10.0, .description = "unit cost as a share of list price"},
      {.name = "attribute_sd", .type = ParamType::kNumber, .default_value = 0.25, .min = 0.0,
       .max = 100.0, .description = "sd of each latent attribute"},
      {.name = "quality_mean", .type = ParamType::kNumber, .default_value = 0.0, .min = -100,
       .max = 100, .description = "mean true quality (and consumers' prior belief)"},
      {.name = "quality_sd", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0,
       .max = 100, .description = "sd of true quality across products"},
  };
  return s;
}

const ParamSchema& segment_schema() {
  static const ParamSchema s = {
      {.name = "name", .type = ParamType::kString, .description = "segment name"},
      {.name = "consumers", .type = ParamType::kInteger, .min = 1, .max = kMaxConsumers,
       .description = "number of consumers"},
      {.name = "taste_sd", .type = ParamType::kNumber, .default_value = 1.0, .min = 0.0,
       .max = 100.0, .description = "sd of each taste component"},
      {.name = "taste_mean", .type = ParamType::kNumberList, .default_value = nullptr, .min = -100.0, .max = 100.0,
       .description = "mean taste vector, latent_dimensions numbers (absent: 0)", .optional = true},
      {.name = "price_sensitivity_median", .type = ParamType::kNumber, .default_value = 0.06,
       .min = 0.0, .max = 100.0, .description = "median of beta (utility per currency unit)",
       .min_exclusive = true},
      {.name = "price_sensitivity_log_sd", .type = ParamType::kNumber, .default_value = 0.25,
       .min = 0.0, .max = 10.0, .description = "sd of ln beta"},
      {.name = "deal_proneness", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0,
       .max = 100.0, .description = "gamma, utility of a promotion tag"},
      {.name = "visit_rate", .type = ParamType::kNumber, .default_value = 0.2, .min = 0.0,
       .max = 1000.0, .description = "median visits per consumer per day", .min_exclusive = true},
      {.name = "visit_rate_log_sd", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0,
       .max = 5.0, .description = "sd of ln lambda around ln visit_rate (0: every consumer visits "
                                  "at visit_rate)"},
  };
  return s;
}

const ParamSchema& seller_schema() {
  static const ParamSchema s = {
      {.name = "name", .type = ParamType::kString, .description = "seller name"},
      {.name = "products", .type = ParamType::kProductSelector, .default_value = "all",
       .description = "the products it offers"},
      {.name = "holding_cost", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0,
       .max = 1e6, .description = "cost of holding one unit for a day (currency)"},
      {.name = "order_cost", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0,
       .max = 1e9, .description = "cost of placing one replenishment order (currency)"},
      {.name = "lead_time_days", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 365.0,
       .description = "a fixed replenishment lead time, days (absent: /market/lead_time_days)", .optional = true},
      {.name = "lead_time", .type = ParamType::kObject, .default_value = nullptr,
       .description = "a random lead time: {\"distribution\": \"gamma\", \"mean\", \"sd\"}, {\"distribution\": "
                      "\"uniform\", \"min\", \"max\"} or {\"distribution\": \"empirical\", \"values\", \"weights\"} "
                      "(days; drawn per offer and order time)",
       .optional = true},
      {.name = "unmet_demand", .type = ParamType::kString, .default_value = "lost",
       .description = "what happens to units a consumer orders that are not in stock: \"lost\" (a lost sale) or "
                      "\"backorder\" (the line waits for the next deliveries)",
       .choices = {"lost", "backorder"}},
      {.name = "backorder_cost", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0, .max = 1e6,
       .description = "cost per back-ordered unit waiting at the end of a day (currency)"},
      {.name = "cancel_rate", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0, .max = 1.0,
       .description = "daily probability that a waiting back-ordered line is cancelled (its units become lost sales)"},
      {.name = "lead_times", .type = ParamType::kObjectList, .default_value = Json::array(),
       .description = "lead times per product group: [{\"products\": SELECTOR, \"lead_time_days\": N or \"lead_time\": "
                      "{...}}], the first entry that picks a product applies (else lead_time / lead_time_days)"},
      {.name = "warehouses", .type = ParamType::kObjectList, .default_value = Json::array(),
       .description = "stock points (absent: one, \"main\"): [{\"name\", \"segments\" or \"share\", \"lead_time_days\" "
                      "or \"lead_time\", \"capacity\", \"fallback\": [names], \"fallback_cost\"}]"},
      {.name = "transfer_ratio", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0, .max = 1e6,
       .description = "transfer stock of an offer between warehouses when its largest days of supply exceed this "
                      "multiple of its smallest (0: never; otherwise at least 1)"},
      {.name = "transfer_days", .type = ParamType::kNumber, .default_value = 1.0, .min = 0.0, .max = 365.0,
       .description = "days a transfer between warehouses travels"},
      {.name = "transfer_cost", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0, .max = 1e6,
       .description = "cost per unit transferred between warehouses (currency)"},
  };
  return s;
}

const ParamSchema& lead_time_rule_schema() {
  static const ParamSchema s = {
      {.name = "products", .type = ParamType::kProductSelector, .default_value = nullptr,
       .description = "the product group this lead time is for"},
      {.name = "lead_time_days", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 365.0,
       .description = "a fixed lead time, days", .optional = true},
      {.name = "lead_time", .type = ParamType::kObject, .default_value = nullptr,
       .description = "a random lead time (as the seller's lead_time)", .optional = true},
  };
  return s;
}

const ParamSchema& warehouse_schema() {
  static const ParamSchema s = {
      {.name = "name", .type = ParamType::kString, .description = "warehouse name (unique within the seller)"},
      {.name = "segments", .type = ParamType::kStringList, .default_value = Json::array(),
       .description = "its region: the consumers of these segments (give segments for every warehouse, or none)"},
      {.name = "share", .type = ParamType::kNumber, .default_value = 1.0, .min = 0.0, .max = 1e9,
       .description = "its region's weight when consumers' regions are drawn (no segments given)"},
      {.name = "lead_time_days", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 365.0,
       .description = "a fixed lead time for its orders, days (absent: the seller's)", .optional = true},
      {.name = "lead_time", .type = ParamType::kObject, .default_value = nullptr,
       .description = "a random lead time for its orders (as the seller's lead_time)", .optional = true},
      {.name = "capacity", .type = ParamType::kInteger, .default_value = 0, .min = 0, .max = 1e12,
       .description = "units of each product on hand + on order at most; orders are cut to fit (0: no cap)"},
      {.name = "fallback", .type = ParamType::kStringList, .default_value = Json::array(),
       .description = "warehouses that serve its region's lines it cannot, tried in this order"},
      {.name = "fallback_cost", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0, .max = 1e6,
       .description = "cost per unit shipped to its region from a fallback warehouse (currency)"},
  };
  return s;
}

const ParamSchema& learning_schema() {
  static const ParamSchema s = {
      {.name = "quality", .type = ParamType::kObject, .default_value = Json::object(),
       .description = "Bayesian quality learning"},
      {.name = "reference_price", .type = ParamType::kObject, .default_value = Json::object(),
       .description = "adaptive reference prices"},
  };
  return s;
}

namespace {

/// A deprecated /market/learning switch: "enabled" plus the parameters of the module it stands
/// for (declared once, by the module).
ParamSchema legacy_switch_schema(const char* module, const char* enabled_description) {
  register_builtin_behaviours();
  ParamSchema schema = {{.name = "enabled", .type = ParamType::kBoolean, .default_value = false,
                         .description = enabled_description}};
  const BehaviourInfo* info = behaviour_registry().find(module);
  schema.insert(schema.end(), info->params.begin(), info->params.end());
  return schema;
}

}  // namespace

const ParamSchema& quality_learning_schema() {
  static const ParamSchema s = legacy_switch_schema("quality_learning", "consumers learn quality from consumption");
  return s;
}

const ParamSchema& reference_price_schema() {
  static const ParamSchema s =
      legacy_switch_schema("reference_price", "consumers compare prices with adaptive reference prices");
  return s;
}

const ParamSchema& arm_schema() {
  static const ParamSchema s = [] {
    ParamSchema schema = {
        {.name = "name", .type = ParamType::kString, .description = "arm name"},
        {.name = "baseline", .type = ParamType::kBoolean, .default_value = false,
         .description = "the arm others are compared with (exactly one)"},
        {.name = "sellers", .type = ParamType::kObjectList, .default_value = nullptr,
         .description = "each market seller's strategies in this arm (with one seller, the "
                        "strategy keys may be given on the arm itself)",
         .optional = true},
        {.name = "groups", .type = ParamType::kObjectList, .default_value = nullptr,
         .description = "consumer groups [{\"name\", \"share\"}]: consumers split at random per seed and "
                        "replication (the rest are \"others\"); a promotion with \"group\" reaches only that "
                        "group, and groups.csv reports line metrics per group",
         .optional = true},
    };
    for (ParamSpec spec : arm_seller_schema()) {
      if (spec.name == "name") continue;
      spec.default_value = nullptr;  // on the arm: only for a one-seller market, defaults below
      spec.optional = true;
      schema.push_back(spec);
    }
    return schema;
  }();
  return s;
}

const ParamSchema& arm_seller_schema() {
  static const ParamSchema s = {
      {.name = "name", .type = ParamType::kString, .description = "the market seller these strategies are for"},
      {.name = "pricing", .type = ParamType::kObject, .default_value = Json{{"name", "fixed"}},
       .description = "pricing strategy"},
      {.name = "promotions", .type = ParamType::kObjectList, .default_value = Json::array(),
       .description = "promotion strategies (any number)"},
      {.name = "recommendation", .type = ParamType::kObject,
       .default_value = Json{{"name", "popular_plus_random"}},
       .description = "recommendation strategy"},
      {.name = "replenishment", .type = ParamType::kObjectOrList,
       .default_value = Json{{"name", "order_up_to"}},
       .description = "replenishment policy, or a list of {\"products\": SELECTOR, \"warehouses\": [names], "
                      "\"name\": policy, ...} of which the first that picks a (warehouse, offer) plans it"},
      {.name = "stacking", .type = ParamType::kObject, .default_value = nullptr,
       .description = "how its promotions' discounts combine (absent: deepest per-item discount, every "
                      "order rule, then a coupon)",
       .optional = true},
  };
  return s;
}

const ParamSchema& stacking_schema() {
  static const ParamSchema s = {
      {.name = "item", .type = ParamType::kString, .default_value = "deepest",
       .description = "per-item discounts of several promotions on an offer: the deepest, or their sum "
                      "capped at the price",
       .choices = {"deepest", "sum"}},
      {.name = "order_rules", .type = ParamType::kString, .default_value = "all",
       .description = "order-level rules: all of them in promotion order, or only the one worth most",
       .choices = {"all", "best"}},
      {.name = "coupons", .type = ParamType::kString, .default_value = "after_order_rules",
       .description = "a coupon applies after the order-level rules, or is exclusive with them (whichever "
                      "is worth more)",
       .choices = {"after_order_rules", "exclusive"}},
      {.name = "exclusive_groups", .type = ParamType::kObject, .default_value = Json::object(),
       .description = "named groups of promotion indices that never stack with each other: "
                      "{\"NAME\": [i, j, ...]}"},
  };
  return s;
}

namespace {

/// What the sections of one scenario file share while it is parsed.
struct Loading {
  const std::string& file;
  Scenario& sc;
};

/// "/engine": the synchronisation window and the shard size.
void parse_engine(Loading& in, Json& top) {
  Json engine = validate_object(engine_schema(), top["engine"], in.file, "/engine");
  const double window = engine["window_days"].get<double>();
  const double per_day = std::round(1.0 / window);
  if (per_day > 1440.0 || std::fabs(per_day * window - 1.0) > 1e-9) {
    throw ScenarioError(in.file, "/engine/window_days",
                        "1 / window_days must be a whole number from 1 to 1440 (1, 0.5, 0.25, 0.1, ...)");
  }
  in.sc.windows_per_day = static_cast<std::size_t>(per_day);
  in.sc.shard_size = engine["shard_size"].get<std::size_t>();
  top["engine"] = engine;
}

/// "/market/categories".
void parse_categories(Loading& in, Json& market) {
  MarketSpec& ms = in.sc.market;
  if (market["categories"].empty()) {
    throw ScenarioError(in.file, "/market/categories", "at least one category is required");
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < market["categories"].size(); ++i) {
    const std::string p = "/market/categories/" + std::to_string(i);
    Json c = validate_object(category_schema(), market["categories"][i], in.file, p);
    CategorySpec cs;
    cs.name = c["name"].get<std::string>();
    check_name_length(in.file, p + "/name", cs.name);
    if (!names.insert(cs.name).second) {
      throw ScenarioError(in.file, p + "/name", "duplicate category name " + json_quoted(cs.name));
    }
    if (c.contains("products") && !c["products"].is_null()) {
      cs.products = c["products"].get<std::int64_t>();
    } else if (!market.contains("catalog_file") || market["catalog_file"].is_null()) {
      throw ScenarioError(in.file, p + "/products", "required key is missing: an integer, the number of products (or give /market/catalog_file)");
    }
    cs.price_min = c["price_min"].get<double>();
    cs.price_max = c["price_max"].get<double>();
    if (cs.price_max < cs.price_min) {
      throw ScenarioError(in.file, p + "/price_max", "must be >= price_min");
    }
    cs.cost_ratio = c["cost_ratio"].get<double>();
    cs.attribute_sd = c["attribute_sd"].get<double>();
    cs.quality_mean = c["quality_mean"].get<double>();
    cs.quality_sd = c["quality_sd"].get<double>();
    ms.categories.push_back(cs);
    market["categories"][i] = c;
  }
  if (ms.categories.size() > 65535) throw ScenarioError(in.file, "/market/categories", "at most 65535 categories");
  if (market.contains("catalog_file") && !market["catalog_file"].is_null()) {
    // Products given one by one: relative to the scenario's folder; each category's count is the file's.
    const std::string name = market["catalog_file"].get<std::string>();
    std::filesystem::path path(name);
    if (path.is_relative()) path = std::filesystem::path(in.file).parent_path() / path;
    std::vector<std::int64_t> counts;
    ms.product_table = read_product_table(path.string(), ms.categories, static_cast<std::size_t>(ms.latent_dimensions), counts);
    for (std::size_t i = 0; i < ms.categories.size(); ++i) {
      CategorySpec& cs = ms.categories[i];
      const std::string p = "/market/categories/" + std::to_string(i) + "/products";
      if (cs.products != 0 && cs.products != counts[i]) {
        throw ScenarioError(in.file, p, std::to_string(cs.products) + " where /market/catalog_file has " + std::to_string(counts[i]) +
                                            " products of " + json_quoted(cs.name));
      }
      cs.products = counts[i];
      market["categories"][i]["products"] = counts[i];
    }
  }
  if (static_cast<double>(ms.products()) > 1.0e7) {
    throw ScenarioError(in.file, "/market/categories", "at most 10,000,000 products in all");
  }
}

/// "/market/segments".
void parse_segments(Loading& in, Json& market) {
  MarketSpec& ms = in.sc.market;
  if (market["segments"].empty()) {
    throw ScenarioError(in.file, "/market/segments", "at least one segment is required");
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < market["segments"].size(); ++i) {
    const std::string p = "/market/segments/" + std::to_string(i);
    Json s = validate_object(segment_schema(), market["segments"][i], in.file, p);
    SegmentSpec ss;
    ss.name = s["name"].get<std::string>();
    check_name_length(in.file, p + "/name", ss.name);
    if (!names.insert(ss.name).second) {
      throw ScenarioError(in.file, p + "/name", "duplicate segment name " + json_quoted(ss.name));
    }
    ss.consumers = s["consumers"].get<std::int64_t>();
    ss.taste_sd = s["taste_sd"].get<double>();
    if (s.contains("taste_mean") && !s["taste_mean"].is_null()) {
      ss.taste_mean = s["taste_mean"].get<std::vector<double>>();
      if (ss.taste_mean.size() != static_cast<std::size_t>(ms.latent_dimensions)) {
        throw ScenarioError(in.file, p + "/taste_mean", "expected " + std::to_string(ms.latent_dimensions) +
                                                            " numbers (latent_dimensions), got " + std::to_string(ss.taste_mean.size()));
      }
    }
    ss.price_sensitivity_median = s["price_sensitivity_median"].get<double>();
    ss.price_sensitivity_log_sd = s["price_sensitivity_log_sd"].get<double>();
    ss.deal_proneness = s["deal_proneness"].get<double>();
    ss.visit_rate = s["visit_rate"].get<double>();
    ss.visit_rate_log_sd = s["visit_rate_log_sd"].get<double>();
    ms.segments.push_back(ss);
    market["segments"][i] = s;
  }
  if (static_cast<double>(ms.consumers()) > kMaxConsumers) {
    throw ScenarioError(in.file, "/market/segments", "at most 4,294,967,295 consumers in all");
  }
  if (ms.segments.size() > 65535) throw ScenarioError(in.file, "/market/segments", "at most 65535 segments");
}

/// A seller's "lead_time" object: a distribution of days.
LeadTime parse_lead_time(const std::string& file, const std::string& at, const Json& j) {
  const auto number = [&](const char* key, double min, double max) {
    if (!j.contains(key) || !j[key].is_number()) {
      throw ScenarioError(file, cat(at, "/", key), cat("expected a number in [", Json(min).dump(), ", ", Json(max).dump(), "]"));
    }
    const double v = j[key].get<double>();
    if (!(v >= min && v <= max)) {
      throw ScenarioError(file, cat(at, "/", key), cat(Json(v).dump(), " is outside [", Json(min).dump(), ", ", Json(max).dump(), "]"));
    }
    return v;
  };
  const std::string kind = j.contains("distribution") && j["distribution"].is_string() ? j["distribution"].get<std::string>() : "";
  const auto only = [&](std::initializer_list<const char*> keys) {
    for (const auto& [key, value] : j.items()) {
      if (key == "distribution") continue;
      bool known = false;
      for (const char* k : keys) known = known || key == k;
      if (!known) throw ScenarioError(file, cat(at, "/", key), cat("unknown key for a ", kind, " lead time"));
    }
  };
  if (kind == "gamma") {
    only({"mean", "sd"});
    return LeadTime::gamma(number("mean", 1e-6, 365.0), number("sd", 1e-6, 365.0));
  }
  if (kind == "uniform") {
    only({"min", "max"});
    const double lo = number("min", 0.0, 365.0), hi = number("max", 0.0, 365.0);
    if (hi < lo) throw ScenarioError(file, at + "/max", "must be at least min");
    return LeadTime::uniform(lo, hi);
  }
  if (kind == "empirical") {
    only({"values", "weights"});
    const Json& v = j.contains("values") ? j["values"] : Json();
    const Json& w = j.contains("weights") ? j["weights"] : Json();
    if (!v.is_array() || v.empty()) throw ScenarioError(file, at + "/values", "expected a non-empty list of days in [0, 365]");
    if (!w.is_array() || w.size() != v.size()) {
      throw ScenarioError(file, at + "/weights", "expected one weight >= 0 per value");
    }
    std::vector<double> values, weights;
    double total = 0.0;
    for (std::size_t k = 0; k < v.size(); ++k) {
      if (!v[k].is_number() || !(v[k].get<double>() >= 0.0 && v[k].get<double>() <= 365.0)) {
        throw ScenarioError(file, cat(at, "/values/", std::to_string(k)), "expected days in [0, 365]");
      }
      if (!w[k].is_number() || !(w[k].get<double>() >= 0.0)) {
        throw ScenarioError(file, cat(at, "/weights/", std::to_string(k)), "expected a weight >= 0");
      }
      values.push_back(v[k].get<double>());
      weights.push_back(w[k].get<double>());
      total += weights.back();
    }
    if (!(total > 0.0)) throw ScenarioError(file, at + "/weights", "the weights must not all be 0");
    return LeadTime::empirical(std::move(values), weights);
  }
  throw ScenarioError(file, at + "/distribution", "allowed: \"gamma\", \"uniform\" or \"empirical\"");
}

/// A "lead_time_days" or "lead_time" of `j` at `at` (absent: nullopt).
std::optional<LeadTime> lead_time_of(const std::string& file, const std::string& at, const Json& j) {
  if (j.contains("lead_time_days") && j.contains("lead_time")) {
    throw ScenarioError(file, at + "/lead_time", "give lead_time_days or lead_time, not both");
  }
  if (j.contains("lead_time_days")) return LeadTime::fixed(j["lead_time_days"].get<double>());
  if (j.contains("lead_time")) return parse_lead_time(file, at + "/lead_time", j["lead_time"]);
  return std::nullopt;
}

/// A seller's lead times per product group, warehouses (regions, caps, fallbacks) and transfers.
void parse_supply_network(Loading& in, Json& s, const std::string& p, const SelectorContext& selectors,
                          SellerSpec& seller) {
  for (std::size_t k = 0; k < s["lead_times"].size(); ++k) {
    const std::string at = cat(p, "/lead_times/", std::to_string(k));
    Json rule = validate_object(lead_time_rule_schema(), s["lead_times"][k], in.file, at, &selectors);
    auto lead = lead_time_of(in.file, at, rule);
    if (!lead) throw ScenarioError(in.file, at, "give lead_time_days or lead_time");
    seller.lead_times.push_back(LeadTimeRule{rule["products"], *lead});
    s["lead_times"][k] = rule;
  }
  const Json& list = s["warehouses"];
  if (list.size() > 64) throw ScenarioError(in.file, p + "/warehouses", "at most 64 warehouses per seller");
  std::vector<std::string> names;
  for (std::size_t k = 0; k < list.size(); ++k) {
    const std::string at = cat(p, "/warehouses/", std::to_string(k));
    Json w = validate_object(warehouse_schema(), list[k], in.file, at);
    WarehouseSpec spec;
    spec.name = w["name"].get<std::string>();
    check_name_length(in.file, at + "/name", spec.name);
    if (spec.name.empty() || std::find(names.begin(), names.end(), spec.name) != names.end()) {
      throw ScenarioError(in.file, at + "/name", "warehouse names must be non-empty and unique within the seller");
    }
    names.push_back(spec.name);
    spec.segments = w["segments"].get<std::vector<std::string>>();
    spec.share = w["share"].get<double>();
    spec.lead_time = lead_time_of(in.file, at, w);
    spec.capacity = w["capacity"].get<std::int64_t>();
    spec.fallback_cost = w["fallback_cost"].get<double>();
    seller.warehouses.push_back(spec);
    s["warehouses"][k] = w;
  }
  // Fallbacks by name, once every warehouse is known.
  const auto others = [&](std::size_t k) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (i == k) continue;
      if (!out.empty()) out += ", ";
      out += json_quoted(names[i]);
    }
    return out.empty() ? std::string("none") : out;
  };
  for (std::size_t k = 0; k < list.size(); ++k) {
    const std::string at = cat(p, "/warehouses/", std::to_string(k), "/fallback");
    for (std::size_t f = 0; f < s["warehouses"][k]["fallback"].size(); ++f) {
      const std::string name = s["warehouses"][k]["fallback"][f].get<std::string>();
      const auto it = std::find(names.begin(), names.end(), name);
      if (it == names.end() || static_cast<std::size_t>(it - names.begin()) == k) {
        throw ScenarioError(in.file, cat(at, "/", std::to_string(f)),
                            cat(json_quoted(name), " is not another warehouse of the seller; allowed: ", others(k)));
      }
      const auto index = static_cast<std::uint32_t>(it - names.begin());
      auto& fallback = seller.warehouses[k].fallback;
      if (std::find(fallback.begin(), fallback.end(), index) != fallback.end()) {
        throw ScenarioError(in.file, cat(at, "/", std::to_string(f)), cat(json_quoted(name), " is listed twice"));
      }
      fallback.push_back(index);
    }
  }
  // Regions: every warehouse names its segments (each segment in exactly one), or none does and
  // the shares draw them.
  if (!list.empty()) {
    const bool by_segment = !seller.warehouses[0].segments.empty();
    std::map<std::string, std::size_t> owner;
    double shares = 0.0;
    for (std::size_t k = 0; k < seller.warehouses.size(); ++k) {
      const WarehouseSpec& w = seller.warehouses[k];
      const std::string at = cat(p, "/warehouses/", std::to_string(k), "/segments");
      if (w.segments.empty() == by_segment) {
        throw ScenarioError(in.file, at, "give segments for every warehouse of the seller, or for none (regions by share)");
      }
      shares += w.share;
      for (const std::string& segment : w.segments) {
        const auto& segs = in.sc.market.segments;
        if (std::none_of(segs.begin(), segs.end(), [&](const SegmentSpec& g) { return g.name == segment; })) {
          throw ScenarioError(in.file, at, cat("unknown segment ", json_quoted(segment), "; allowed: the names in /market/segments"));
        }
        if (!owner.emplace(segment, k).second) throw ScenarioError(in.file, at, cat("segment ", json_quoted(segment), " is in two regions"));
      }
    }
    if (by_segment) {
      for (const SegmentSpec& g : in.sc.market.segments) {
        if (!owner.contains(g.name)) {
          throw ScenarioError(in.file, p + "/warehouses", cat("segment ", json_quoted(g.name), " is in no warehouse's region"));
        }
      }
    } else if (!(shares > 0.0)) {
      throw ScenarioError(in.file, p + "/warehouses", "the warehouses' shares must not all be 0");
    }
  }
  seller.transfer_ratio = s["transfer_ratio"].get<double>();
  if (seller.transfer_ratio > 0.0 && seller.transfer_ratio < 1.0) {
    throw ScenarioError(in.file, p + "/transfer_ratio", "allowed: 0 (no transfers) or a number >= 1");
  }
  seller.transfer_days = s["transfer_days"].get<double>();
  seller.transfer_cost = s["transfer_cost"].get<double>();
}

/// "/market/sellers": each offers the products its selector picks (at least one), checked against
/// the catalogue's outline.
void parse_sellers(Loading& in, Json& market, const Catalog& catalog, const SelectorContext& selectors) {
  MarketSpec& ms = in.sc.market;
  if (market["sellers"].empty()) throw ScenarioError(in.file, "/market/sellers", "at least one seller is required");
  if (market["sellers"].size() > kMaxSellers) {
    throw ScenarioError(in.file, "/market/sellers", "at most " + std::to_string(kMaxSellers) + " sellers");
  }
  ms.sellers.clear();
  std::set<std::string> names;
  std::size_t offer_count = 0;
  for (std::size_t i = 0; i < market["sellers"].size(); ++i) {
    const std::string p = "/market/sellers/" + std::to_string(i);
    Json s = validate_object(seller_schema(), market["sellers"][i], in.file, p, &selectors);
    SellerSpec seller;
    seller.name = s["name"].get<std::string>();
    check_name_length(in.file, p + "/name", seller.name);
    if (seller.name.empty() || !names.insert(seller.name).second) {
      throw ScenarioError(in.file, p + "/name", "seller names must be non-empty and unique");
    }
    seller.products = s["products"];
    seller.holding_cost = s["holding_cost"].get<double>();
    seller.order_cost = s["order_cost"].get<double>();
    seller.lead_time = lead_time_of(in.file, p, s);
    seller.backorders = s["unmet_demand"].get<std::string>() == "backorder";
    seller.backorder_cost = s["backorder_cost"].get<double>();
    seller.cancel_rate = s["cancel_rate"].get<double>();
    parse_supply_network(in, s, p, selectors, seller);
    const auto chosen = select_products(seller.products, catalog);
    const auto count = static_cast<std::size_t>(std::count(chosen.begin(), chosen.end(), 1));
    if (count == 0) {
      throw ScenarioError(in.file, p + "/products", "selects no product; a seller offers at least one");
    }
    offer_count += count;
    if (offer_count > kMaxOffers) {
      throw ScenarioError(in.file, p + "/products", "the sellers offer " + std::to_string(offer_count) +
                                                        " (seller, product) pairs up to this seller; allowed: at most "
                                                        "10,000,000 offers in all");
    }
    ms.sellers.push_back(seller);
    market["sellers"][i] = s;
  }
}

/// "/market/behaviours" through the behaviour registry: the deprecated /market/learning switches
/// first (quality, then reference prices, as the engine ran them), then the list in order. Each
/// module is built once on the outline: its columns and other memory go into the estimate.
void parse_behaviours(Loading& in, Json& market, const Catalog& catalog, const Offers& offers,
                      const SelectorContext& selectors) {
  Scenario& sc = in.sc;
  register_builtin_behaviours();
  const BehaviourContext behaviour_ctx{sc.market, catalog, offers};
  Json behaviours = Json::array();
  std::map<std::string, std::string> configured_at;  // module name -> where it was configured
  const auto add_module = [&](ComponentSpec spec, const std::string& pointer) {
    const auto [at, added] = configured_at.emplace(spec.name, pointer);
    if (!added) {
      throw ScenarioError(in.file, pointer, "behaviour module " + json_quoted(spec.name) +
                                                " is configured twice (also at " + at->second +
                                                "); each module may appear once");
    }
    Json resolved = spec.params;
    resolved["name"] = spec.name;
    behaviours.push_back(resolved);
    ColumnLayout layout;
    const auto module = behaviour_registry().find(spec.name)->make(spec.params, behaviour_ctx);
    module->declare(layout);
    sc.module_other_bytes_per_consumer += module->bytes_per_consumer_outside_columns();
    // The engine keeps a bound factor per consumer for modules that bound consumers one by one.
    if (module->has_consumer_bound() && !sc.engine_bound_factor) {
      sc.engine_bound_factor = true;
      sc.module_other_bytes_per_consumer += sizeof(float);
    }
    sc.module_columns.insert(sc.module_columns.end(), layout.specs().begin(), layout.specs().end());
    sc.market.behaviours.push_back(std::move(spec));
  };
  if (market.contains("learning")) {
    Json learning = validate_object(learning_schema(), market["learning"], in.file, "/market/learning");
    const std::pair<const char*, const ParamSchema*> legacy[] = {
        {"quality", &quality_learning_schema()}, {"reference_price", &reference_price_schema()}};
    for (const auto& [key, schema] : legacy) {
      const std::string p = std::string("/market/learning/") + key;
      Json params = validate_object(*schema, learning[key], in.file, p);
      if (!params["enabled"].get<bool>()) continue;
      params.erase("enabled");
      Json object = params;
      object["name"] = std::string(key) == "quality" ? "quality_learning" : "reference_price";
      Json ignored;
      add_module(parse_component(behaviour_registry(), object, in.file, p, selectors, behaviour_ctx, ignored), p);
    }
    market.erase("learning");
  }
  for (std::size_t i = 0; i < market["behaviours"].size(); ++i) {
    const std::string p = "/market/behaviours/" + std::to_string(i);
    Json ignored;
    add_module(parse_component(behaviour_registry(), market["behaviours"][i], in.file, p, selectors, behaviour_ctx,
                               ignored),
               p + "/name");
  }
  market["behaviours"] = behaviours;
}

/// What parsing one seller's strategies of an arm needs and gathers.
struct SellerSection {
  Loading& in;
  ArmFootprint& footprint;
  const SelectorContext& selectors;
  const BuildContext& build;
  Json& object;             // the seller's entry of the arm, resolved in place
  const std::string& pointer;
  SellerStrategySpec& out;
  std::size_t slots = 0;    // offers its strategies add to a visit (recommendation, featured, wish lists)
};

/// Parses one family's key of a seller's entry through the family's registry.
using SectionParser = void (*)(SellerSection& s);

void parse_pricing(SellerSection& s) {
  s.out.pricing = parse_component(pricing_registry(), s.object["pricing"], s.in.file, s.pointer + "/pricing", s.selectors,
                                  s.build, s.object["pricing"], &s.footprint);
  s.out.fixed_price_factor =
      pricing_registry().find(s.out.pricing.name)->make(s.out.pricing.params, s.build)->fixed_price_factor();
}

void parse_promotions(SellerSection& s) {
  for (std::size_t k = 0; k < s.object["promotions"].size(); ++k) {
    BuildContext promotion_build = s.build;
    promotion_build.promotion = static_cast<std::int32_t>(k);
    s.out.promotions.push_back(parse_component(promotion_registry(), s.object["promotions"][k], s.in.file,
                                               s.pointer + "/promotions/" + std::to_string(k), s.selectors,
                                               promotion_build, s.object["promotions"][k], &s.footprint));
    // Featured slots (a flash-sale banner) and wish lists are shown offers too.
    const auto made = promotion_registry().find(s.out.promotions.back().name)->make(s.out.promotions.back().params,
                                                                                   promotion_build);
    const auto* featured = made->capability<FeaturedSlots>();
    const auto* wishes = made->capability<WishListing>();
    s.slots += (featured != nullptr ? featured->featured_slots() : 0) + (wishes != nullptr ? wishes->wish_slots_bound() : 0);
  }
}

void parse_stacking_section(SellerSection& s) {
  if (!s.object.contains("stacking")) return;
  s.object["stacking"] = parse_stacking(s.object["stacking"], s.in.file, s.pointer + "/stacking",
                                        s.object["promotions"].size(), s.out.stacking);
}

void parse_recommendation(SellerSection& s) {
  s.out.recommendation = parse_component(recommender_registry(), s.object["recommendation"], s.in.file,
                                         s.pointer + "/recommendation", s.selectors, s.build, s.object["recommendation"],
                                         &s.footprint);
  s.slots += recommender_registry().find(s.out.recommendation.name)->make(s.out.recommendation.params, s.build)->slots();
}

/// "replenishment": one policy for every offer, or a list of rules, first match wins; every
/// (warehouse, offer) of the seller must be matched.
void parse_replenishment(SellerSection& s) {
  Json& value = s.object["replenishment"];
  const bool list = value.is_array();
  if (list && value.empty()) throw ScenarioError(s.in.file, s.pointer + "/replenishment", "expected at least one rule");
  const Json rules = list ? value : Json::array({value});
  const SellerSpec& seller = s.in.sc.market.sellers[s.build.seller];
  std::vector<std::string> names;
  for (const WarehouseSpec& w : seller.warehouses) names.push_back(w.name);
  if (names.empty()) names.push_back("main");
  const Offers& offers = s.build.offers;
  const OfferId first = offers.begin(s.build.seller);
  const std::size_t count = offers.count(s.build.seller);
  std::vector<char> planned(count * names.size(), 0);
  s.out.replenishment.clear();
  s.out.warehouses = names.size();
  Json resolved_list = Json::array();
  for (std::size_t r = 0; r < rules.size(); ++r) {
    const std::string at = list ? cat(s.pointer, "/replenishment/", std::to_string(r)) : s.pointer + "/replenishment";
    if (!rules[r].is_object()) throw ScenarioError(s.in.file, at, "expected an object {\"name\": ..., parameters...}");
    Json policy = rules[r];
    PlannerRule rule;
    if (policy.contains("products") || policy.contains("warehouses")) {
      if (!list) {
        const char* key = policy.contains("products") ? "/products" : "/warehouses";
        throw ScenarioError(s.in.file, at + key, "products and warehouses are keys of a list of replenishment rules");
      }
      const ParamSchema scope = {
          {.name = "products", .type = ParamType::kProductSelector, .default_value = "all",
           .description = "the products the rule plans"},
          {.name = "warehouses", .type = ParamType::kStringList, .default_value = Json::array(),
           .description = "the warehouses the rule plans (empty: all)"},
      };
      Json keys = Json::object();
      for (const char* k : {"products", "warehouses"}) {
        if (policy.contains(k)) keys[k] = policy[k];
        policy.erase(k);
      }
      keys = validate_object(scope, keys, s.in.file, at, &s.selectors);
      rule.products = keys["products"];
      rule.warehouses = keys["warehouses"].get<std::vector<std::string>>();
      for (std::size_t k = 0; k < rule.warehouses.size(); ++k) {
        if (std::find(names.begin(), names.end(), rule.warehouses[k]) == names.end()) {
          throw ScenarioError(s.in.file, cat(at, "/warehouses/", std::to_string(k)),
                              cat("unknown warehouse ", json_quoted(rule.warehouses[k]), " of seller ", json_quoted(seller.name)));
        }
      }
    }
    Json resolved = policy;
    rule.policy = parse_component(replenishment_registry(), policy, s.in.file, at, s.selectors, s.build, resolved, &s.footprint);
    // The offers and warehouses it picks that no earlier rule did.
    const std::vector<char> picked = select_products(rule.products, s.build.catalog);
    bool used = false;
    for (std::size_t w = 0; w < names.size(); ++w) {
      if (!rule.warehouses.empty() &&
          std::find(rule.warehouses.begin(), rule.warehouses.end(), names[w]) == rule.warehouses.end()) {
        continue;
      }
      for (std::size_t k = 0; k < count; ++k) {
        char& done = planned[w * count + k];
        if (!done && picked[offers.product[first + k]]) done = used = true;
      }
    }
    if (!used && list) throw ScenarioError(s.in.file, at, "plans no offer: earlier rules match everything it picks");
    if (list) {
      resolved["products"] = rule.products;
      if (!rule.warehouses.empty()) resolved["warehouses"] = rule.warehouses;
    }
    resolved_list.push_back(resolved);
    s.out.replenishment.push_back(std::move(rule));
  }
  for (std::size_t w = 0; w < names.size(); ++w) {
    for (std::size_t k = 0; k < count; ++k) {
      if (planned[w * count + k]) continue;
      throw ScenarioError(s.in.file, s.pointer + "/replenishment",
                          cat("no rule plans product ", std::to_string(offers.product[first + k]),
                              names.size() > 1 ? cat(" in warehouse ", json_quoted(names[w])) : std::string(),
                              "; end the list with a rule for \"all\" products"));
    }
  }
  value = list ? resolved_list : resolved_list[0];
}

/// The keys of a seller's strategies in an arm, each parsed through its family (in this order:
/// an error names the first key that is wrong).
constexpr std::pair<const char*, SectionParser> kSellerSections[] = {
    {"pricing", parse_pricing},
    {"promotions", parse_promotions},
    {"stacking", parse_stacking_section},
    {"recommendation", parse_recommendation},
    {"replenishment", parse_replenishment},
};

/// An arm's per-seller strategy objects with their pointers: from "sellers", or (one seller) the
/// arm itself.
std::vector<std::pair<Json, std::string>> arm_sellers(Loading& in, const Json& a, const std::string& p) {
  const MarketSpec& ms = in.sc.market;
  std::vector<std::pair<Json, std::string>> per_seller(ms.sellers.size());
  if (!a.contains("sellers")) {
    if (ms.sellers.size() > 1) {
      throw ScenarioError(in.file, p, "the market has " + std::to_string(ms.sellers.size()) +
                                          " sellers; give each its strategies under \"sellers\"");
    }
    Json ss = a;
    ss.erase("baseline");
    ss.erase("groups");
    ss["name"] = ms.sellers[0].name;
    per_seller[0] = {validate_object(arm_seller_schema(), ss, in.file, p), p};
    return per_seller;
  }
  for (const auto& [key, parse] : kSellerSections) {
    if (a.contains(key)) {
      throw ScenarioError(in.file, p + "/" + key, "give strategies either on the arm or under \"sellers\", not both");
    }
  }
  std::vector<bool> seen(ms.sellers.size(), false);
  for (std::size_t k = 0; k < a["sellers"].size(); ++k) {
    const std::string ps = p + "/sellers/" + std::to_string(k);
    Json ss = validate_object(arm_seller_schema(), a["sellers"][k], in.file, ps);
    const std::string name = ss["name"].get<std::string>();
    std::size_t index = ms.sellers.size();
    std::string valid;
    for (std::size_t m = 0; m < ms.sellers.size(); ++m) {
      if (ms.sellers[m].name == name) index = m;
      valid += (valid.empty() ? "" : ", ") + json_quoted(ms.sellers[m].name);
    }
    if (index == ms.sellers.size()) {
      std::string what = "unknown seller " + json_quoted(name) + "; Valid values are: ";
      what += valid;
      throw ScenarioError(in.file, ps + "/name", what);
    }
    if (seen[index]) throw ScenarioError(in.file, ps + "/name", "seller " + json_quoted(name) + " is listed twice");
    seen[index] = true;
    per_seller[index] = {ss, ps};
  }
  for (std::size_t m = 0; m < ms.sellers.size(); ++m) {
    if (!seen[m]) {
      throw ScenarioError(in.file, p + "/sellers",
                          "seller " + json_quoted(ms.sellers[m].name) + " has no strategies in this arm");
    }
  }
  return per_seller;
}

/// An arm's "groups": named, with shares in (0, 1] summing to at most 1.
std::vector<ConsumerGroup> parse_groups(Loading& in, const Json& groups, const std::string& at) {
  std::vector<ConsumerGroup> out;
  double total = 0.0;
  std::set<std::string> names = {kOtherConsumers};
  if (groups.size() > 32) throw ScenarioError(in.file, at, "at most 32 consumer groups");
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const std::string pg = at + "/" + std::to_string(g);
    const Json& j = groups[g];
    for (const auto& [key, value] : j.items()) {
      if (key != "name" && key != "share") throw ScenarioError(in.file, pg + "/" + pointer_token(key), "unknown key (allowed: name, share)");
    }
    if (!j.contains("name") || !j["name"].is_string() || j["name"].get<std::string>().empty()) {
      throw ScenarioError(in.file, pg + "/name", "required: a non-empty name");
    }
    check_name_length(in.file, pg + "/name", j["name"].get<std::string>());
    ConsumerGroup group{j["name"].get<std::string>(), 0.0};
    if (!names.insert(group.name).second) {
      throw ScenarioError(in.file, pg + "/name", "names must be unique, and \"others\" names the consumers in no group");
    }
    if (!j.contains("share") || !j["share"].is_number() || !(j["share"].get<double>() > 0.0) || !(j["share"].get<double>() <= 1.0)) {
      throw ScenarioError(in.file, pg + "/share", "required: a number in (0, 1]");
    }
    group.share = j["share"].get<double>();
    total += group.share;
    if (total > 1.0 + 1e-12) throw ScenarioError(in.file, pg + "/share", "the groups' shares add up to more than 1");
    out.push_back(std::move(group));
  }
  return out;
}

/// Every promotion's "group" names one of its arm's groups.
void check_promotion_groups(Loading& in, const ArmSpec& arm, const std::string& at, bool per_seller) {
  for (std::size_t m = 0; m < arm.sellers.size(); ++m) {
    const auto& promotions = arm.sellers[m].promotions;
    for (std::size_t k = 0; k < promotions.size(); ++k) {
      if (!promotions[k].params.contains("group")) continue;
      const std::string name = promotions[k].params["group"].get<std::string>();
      const bool known = std::any_of(arm.groups.begin(), arm.groups.end(), [&](const ConsumerGroup& g) { return g.name == name; });
      if (known) continue;
      std::string what = "no consumer group of this arm is called ";
      what += json_quoted(name);
      if (arm.groups.empty()) what += "; the arm has no \"groups\"";
      for (std::size_t g = 0; g < arm.groups.size(); ++g) {
        what += g == 0 ? "; allowed: " : ", ";
        what += json_quoted(arm.groups[g].name);
      }
      std::string pointer = at;
      if (per_seller) {
        pointer += "/sellers/";
        pointer += std::to_string(m);
      }
      pointer += "/promotions/";
      pointer += std::to_string(k);
      pointer += "/group";
      throw ScenarioError(in.file, pointer, what);
    }
  }
}

/// "/arms": each seller's strategies, validated against their declared parameters and built once
/// on the market's offers so that cross-parameter checks fail here, not mid-run.
void parse_arms(Loading& in, Json& top, const Catalog& catalog, const Offers& offers, const SelectorContext& selectors) {
  Scenario& sc = in.sc;
  MarketSpec& ms = sc.market;
  if (top["arms"].empty()) throw ScenarioError(in.file, "/arms", "at least one arm is required");
  std::set<std::string> arm_names;
  std::vector<std::size_t> baselines;
  const std::vector<SegmentRange> segment_ranges = ms.segment_ranges();
  for (std::size_t i = 0; i < top["arms"].size(); ++i) {
    const std::string p = "/arms/" + std::to_string(i);
    Json a = validate_object(arm_schema(), top["arms"][i], in.file, p);
    ArmSpec arm;
    arm.name = a["name"].get<std::string>();
    check_name_length(in.file, p + "/name", arm.name);
    if (arm.name.empty() || !arm_names.insert(arm.name).second) {
      throw ScenarioError(in.file, p + "/name", "arm names must be non-empty and unique");
    }
    arm.baseline = a["baseline"].get<bool>();
    if (arm.baseline) baselines.push_back(i);
    if (a.contains("groups")) arm.groups = parse_groups(in, a["groups"], p + "/groups");
    std::vector<std::pair<Json, std::string>> per_seller = arm_sellers(in, a, p);
    ArmFootprint footprint;
    Json resolved_sellers = Json::array();
    std::size_t slots = 0;  // offers the sellers so far add to a visit
    for (std::size_t m = 0; m < ms.sellers.size(); ++m) {
      auto& [ss, ps] = per_seller[m];
      const BuildContext build{catalog, offers, static_cast<SellerId>(m),
                               static_cast<std::int64_t>(std::ceil(ms.lead_time(m).mean())),
                               ms.expected_visits_per_day(), ms.consumers(), segment_ranges, sc.seed, 0};
      SellerStrategySpec seller;
      SellerSection section{in, footprint, selectors, build, ss, ps, seller, slots};
      for (const auto& [key, parse] : kSellerSections) parse(section);
      slots = section.slots;
      const std::size_t shown = slots + static_cast<std::size_t>(ms.browse_slots);
      if (shown > ShownSet::kCapacity || shown > offers.size()) {
        throw ScenarioError(in.file, ps + "/recommendation",
                            "the sellers' recommendation and featured slots (" + std::to_string(slots) +
                                " up to this seller) + browse_slots (" + std::to_string(ms.browse_slots) + ") = " +
                                std::to_string(shown) +
                                " offers shown per visit; allowed: at most " + std::to_string(ShownSet::kCapacity) +
                                " and at most the number of offers (" +
                                std::to_string(offers.size()) + ")");
      }
      ms.max_shown = std::max(ms.max_shown, static_cast<std::int64_t>(shown));
      arm.sellers.push_back(std::move(seller));
      resolved_sellers.push_back(ss);
    }
    check_promotion_groups(in, arm, p, a.contains("sellers"));
    top["arms"][i] = Json{{"name", a["name"]}, {"baseline", a["baseline"]}, {"sellers", resolved_sellers}};
    if (a.contains("groups")) top["arms"][i]["groups"] = a["groups"];
    sc.arms.push_back(std::move(arm));
    sc.log_lookback_days = std::max(sc.log_lookback_days, footprint.lookback_days);
    double largest = sc.strategy_other_bytes_per_consumer;  // the arm whose strategies hold the most
    for (const ColumnSpec& c : sc.strategy_columns) largest += static_cast<double>(c.bytes_per_consumer());
    if (footprint.bytes_per_consumer() > largest) {
      sc.strategy_columns = std::move(footprint.columns);
      sc.strategy_other_bytes_per_consumer = footprint.other_bytes_per_consumer;
    }
  }
  if (baselines.empty()) {
    throw ScenarioError(in.file, "/arms", "no arm has \"baseline\": true; exactly one must");
  }
  if (baselines.size() > 1) {
    throw ScenarioError(in.file, "/arms/" + std::to_string(baselines[1]) + "/baseline",
                        "more than one arm has \"baseline\": true; exactly one must");
  }
  sc.baseline = baselines[0];
}

}  // namespace

/// A scenario without uncertainty.
Scenario parse_certain(const Json& document, const std::string& file) {
  register_builtin_strategies();
  Scenario sc;
  sc.file = file;
  Loading in{file, sc};
  Json top = validate_object(scenario_schema(), document, file, "");
  sc.name = top["name"].get<std::string>();
  sc.description = top["description"].get<std::string>();
  sc.seed = top["seed"].get<std::uint64_t>();
  sc.replications = top["replications"].get<std::int64_t>();
  sc.horizon_days = top["horizon_days"].get<Day>();
  sc.warmup_days = top["warmup_days"].get<Day>();
  if (sc.warmup_days >= sc.horizon_days) {
    throw ScenarioError(file, "/warmup_days", "must be less than horizon_days (" +
                                                  std::to_string(sc.horizon_days) + ")");
  }
  parse_engine(in, top);
  if (top.contains("start_date") && !top["start_date"].is_null()) {
    const std::optional<std::int64_t> day = parse_iso_date(top["start_date"].get<std::string>());
    if (!day) throw ScenarioError(file, "/start_date", "expected a date \"YYYY-MM-DD\"");
    sc.start_day = *day;
  }
  {
    static const ParamSchema lifetime_schema = {
        {.name = "margin", .type = ParamType::kString, .default_value = "contribution",
         .description = "what a customer's purchases are worth: contribution (gross profit less the costs of the "
                        "commands addressed to it) or gross_profit",
         .choices = {"contribution", "gross_profit"}},
        {.name = "annual_rate", .type = ParamType::kNumber, .default_value = 0.10, .min = 0.0, .max = 10.0,
         .description = "discount rate a year"},
    };
    top["lifetime_value"] = validate_object(lifetime_schema, top["lifetime_value"], file, "/lifetime_value");
    sc.lifetime_value.contribution = top["lifetime_value"]["margin"].get<std::string>() == "contribution";
    sc.lifetime_value.annual_rate = top["lifetime_value"]["annual_rate"].get<double>();
  }
  if (top.contains("offline") && !top["offline"].is_null()) {
    static const ParamSchema offline_schema = {
        {.name = "until", .type = ParamType::kInteger, .min = 0, .max = 3650,
         .description = "the last training day (inclusive); lists are scored on the purchases after it"},
        {.name = "k", .type = ParamType::kIntegerList, .default_value = Json::array({5, 10, 20}), .min = 1, .max = 100,
         .description = "list lengths scored"},
    };
    top["offline"] = validate_object(offline_schema, top["offline"], file, "/offline");
    OfflinePlan plan;
    plan.until = top["offline"]["until"].get<Day>();
    for (const Json& k : top["offline"]["k"]) plan.ks.push_back(k.get<std::size_t>());
    if (plan.ks.empty()) throw ScenarioError(file, "/offline/k", "expected at least one list length");
    if (plan.until + 1 >= sc.horizon_days) {
      throw ScenarioError(file, "/offline/until", "must be at most horizon_days - 2 (" + std::to_string(sc.horizon_days - 2) +
                                                      "): days after it are scored");
    }
    sc.offline = plan;
  }

  Json market = validate_object(market_schema(), top["market"], file, "/market");
  MarketSpec& ms = sc.market;
  ms.latent_dimensions = market["latent_dimensions"].get<std::int64_t>();
  ms.intercept = market["intercept"].get<double>();
  ms.browse_slots = market["browse_slots"].get<std::int64_t>();
  ms.lead_time_days = market["lead_time_days"].get<std::int64_t>();
  parse_categories(in, market);
  parse_segments(in, market);
  // The market's outline, not the market: validation draws nothing and allocates no consumer.
  const Catalog catalog = outline_catalog(ms);
  const SelectorContext selectors{catalog.size(), catalog.category_names};
  parse_sellers(in, market, catalog, selectors);
  const Offers offers = build_offers(ms, catalog);
  parse_behaviours(in, market, catalog, offers, selectors);
  top["market"] = market;
  ms.sampling = top["market_sampling"].get<std::string>() == "shared" ? MarketSampling::kShared
                                                                      : MarketSampling::kPerReplication;
  parse_arms(in, top, catalog, offers, selectors);
  sc.resolved = top;
  return sc;
}

/// A scenario with uncertain values: checked with every value at its min, then at its max (so each
/// value's bounds lie inside its parameter's declared range), and held at the values' medians.
Scenario parse_uncertain(const Json& document, const std::string& file) {
  auto u = std::make_shared<Uncertainty>(read_uncertainty(document, file));
  const auto at = [&](const char* which, const std::function<double(const UncertainValue&)>& value) {
    std::vector<double> values;
    for (const UncertainValue& v : u->values) values.push_back(value(v));
    try {
      return parse_certain(u->document_with(values), file);
    } catch (const ScenarioError& e) {
      throw ScenarioError(e.file(), e.pointer(), e.detail() + " (with every \"$dist\" value at its " + which + ")");
    }
  };
  at("min", [](const UncertainValue& v) { return v.quantile(0.0); });
  at("max", [](const UncertainValue& v) { return v.quantile(1.0); });
  Scenario sc = at("median", [](const UncertainValue& v) { return v.quantile(0.5); });
  sc.replications = static_cast<std::int64_t>(u->draws * u->replications_per_draw);
  // Resolved: the medians' scenario with the distributions back in place and the block.
  for (const UncertainValue& v : u->values) sc.resolved[Json::json_pointer(v.pointer)] = v.spec;
  sc.resolved.erase("replications");
  sc.resolved["uncertainty"] = u->resolved_block();
  sc.uncertainty = std::move(u);
  return sc;
}

Scenario parse_scenario(const Json& document, const std::string& file) {
  return uses_uncertainty(document) ? parse_uncertain(document, file) : parse_certain(document, file);
}

Scenario draw_scenario(const Scenario& sc, std::uint64_t replication) {
  if (!sc.uncertainty) return sc;
  const Uncertainty& u = *sc.uncertainty;
  Scenario out = parse_certain(u.document_with(u.values_of_draw(sc.seed, u.draw_of(replication))), sc.file);
  out.replications = sc.replications;
  out.resolved = sc.resolved;
  return out;
}

Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  Json document = read_json_file(path);
  for (const auto& o : overrides) apply_override(document, o, path);
  return parse_scenario(document, path);
}

Scenario check_scenario_text(std::string_view text, const std::string& path,
                             const std::vector<std::string>& overrides) {
  const JsonLimits limits;
  Json document = parse_json(text, path, limits);
  for (const auto& o : overrides) apply_override(document, o, path, limits);
  return parse_scenario(document, path);
}

}  // namespace marketsim
