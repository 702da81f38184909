#include "scenarios/scenario.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "market/market.h"
#include "sim/error.h"
#include "strategies/registry.h"

namespace marketsim {
namespace {

constexpr double kMaxConsumers = 4294967295.0;  // consumer ids are 32-bit
constexpr Day kMaxCohortWeeks = 64;             // cohorts track up to 64 weeks after warm-up

template <typename Interface>
StrategySpec parse_strategy(Registry<Interface>& registry, const Json& object,
                            const std::string& file, const std::string& pointer,
                            const SelectorContext& selectors, const BuildContext& build,
                            Json& resolved) {
  if (!object.is_object()) {
    throw ScenarioError(file, pointer, "expected an object {\"name\": ..., parameters...}");
  }
  if (!object.contains("name") || !object["name"].is_string()) {
    throw ScenarioError(file, pointer + "/name",
                        "required " + registry.family() + " strategy name is missing; Valid values are: " +
                            registry.names());
  }
  const std::string name = object["name"].get<std::string>();
  const auto* info = registry.find(name);
  if (info == nullptr) {
    throw UnknownStrategy(file, pointer + "/name",
                          "unknown " + registry.family() + " strategy \"" + name +
                              "\"; Valid values are: " + registry.names());
  }
  Json params = object;
  params.erase("name");
  StrategySpec spec{name, validate_object(info->params, params, file, pointer, &selectors)};
  try {
    (void)info->make(spec.params, build);  // cross-parameter checks live in the factory
  } catch (const ParamError& e) {
    throw ScenarioError(file, pointer + "/" + pointer_token(e.key()), e.what());
  }
  resolved = spec.params;
  resolved["name"] = name;
  return spec;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in || std::filesystem::is_directory(path)) throw ScenarioError(path, "", "cannot open the scenario file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
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
       .max = 32, .description = "products organic browsing adds to each visit"},
      {.name = "lead_time_days", .type = ParamType::kInteger, .default_value = 3, .min = 0,
       .max = 365, .description = "replenishment lead time"},
      {.name = "categories", .type = ParamType::kObjectList, .description = "product categories"},
      {.name = "segments", .type = ParamType::kObjectList, .description = "consumer segments"},
      {.name = "learning", .type = ParamType::kObject, .default_value = Json::object(),
       .description = "consumer learning switches"},
  };
  return s;
}

const ParamSchema& category_schema() {
  static const ParamSchema s = {
      {.name = "name", .type = ParamType::kString, .description = "category name"},
      {.name = "products", .type = ParamType::kInteger, .min = 1, .max = 10000000,
       .description = "number of products"},
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

const ParamSchema& learning_schema() {
  static const ParamSchema s = {
      {.name = "quality", .type = ParamType::kObject, .default_value = Json::object(),
       .description = "Bayesian quality learning"},
      {.name = "reference_price", .type = ParamType::kObject, .default_value = Json::object(),
       .description = "adaptive reference prices"},
  };
  return s;
}

const ParamSchema& quality_learning_schema() {
  static const ParamSchema s = {
      {.name = "enabled", .type = ParamType::kBoolean, .default_value = false,
       .description = "consumers learn quality from consumption"},
      {.name = "prior_sd", .type = ParamType::kNumber, .default_value = 1.0, .min = 0.0,
       .max = 100.0, .description = "sd of the prior belief", .min_exclusive = true},
      {.name = "observation_sd", .type = ParamType::kNumber, .default_value = 1.0, .min = 0.0,
       .max = 100.0, .description = "sd of one consumption experience", .min_exclusive = true},
      {.name = "memory", .type = ParamType::kInteger, .default_value = 8, .min = 1, .max = 64,
       .description = "products a consumer keeps beliefs about"},
  };
  return s;
}

const ParamSchema& reference_price_schema() {
  static const ParamSchema s = {
      {.name = "enabled", .type = ParamType::kBoolean, .default_value = false,
       .description = "consumers compare prices with adaptive reference prices"},
      {.name = "weight", .type = ParamType::kNumber, .default_value = 1.0, .min = 0.0,
       .max = 100.0, .description = "eta, utility per unit of ln(reference / price)"},
      {.name = "loss_aversion", .type = ParamType::kNumber, .default_value = 2.25, .min = 1.0,
       .max = 100.0, .description = "nu, weight of losses relative to gains"},
      {.name = "adaptation", .type = ParamType::kNumber, .default_value = 0.2, .min = 0.0,
       .max = 1.0, .description = "kappa, weight of the price paid in the new reference"},
  };
  return s;
}

const ParamSchema& arm_schema() {
  static const ParamSchema s = {
      {.name = "name", .type = ParamType::kString, .description = "arm name"},
      {.name = "baseline", .type = ParamType::kBoolean, .default_value = false,
       .description = "the arm others are compared with (exactly one)"},
      {.name = "pricing", .type = ParamType::kObject, .default_value = Json{{"name", "fixed"}},
       .description = "pricing strategy"},
      {.name = "promotions", .type = ParamType::kObjectList, .default_value = Json::array(),
       .description = "promotion strategies (any number)"},
      {.name = "recommendation", .type = ParamType::kObject,
       .default_value = Json{{"name", "popular_plus_random"}},
       .description = "recommendation strategy"},
      {.name = "replenishment", .type = ParamType::kObject,
       .default_value = Json{{"name", "order_up_to"}}, .description = "replenishment policy"},
  };
  return s;
}

void apply_override(Json& document, const std::string& assignment, const std::string& file) {
  const auto eq = assignment.find('=');
  if (assignment.empty() || assignment[0] != '/' || eq == std::string::npos) {
    throw ScenarioError(file, assignment,
                        "--set expects /json/pointer=value (e.g. --set /replications=20)");
  }
  const std::string pointer = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  Json value = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) value = text;  // a bare word is a string
  Json::json_pointer ptr;
  try {
    ptr = Json::json_pointer(pointer);
  } catch (const Json::exception&) {
    throw ScenarioError(file, pointer, "--set: not a valid JSON pointer");
  }
  const Json::json_pointer parent = ptr.parent_pointer();
  if (!document.contains(parent) || !(document[parent].is_object() || document[parent].is_array())) {
    throw ScenarioError(file, pointer, "--set: the scenario has no object or list at " +
                                           (parent.empty() ? std::string("/") : parent.to_string()));
  }
  Json& container = document[parent];
  if (container.is_array()) {
    const std::string& last = ptr.back();
    const bool digits = !last.empty() && last.find_first_not_of("0123456789") == std::string::npos &&
                        !(last.size() > 1 && last[0] == '0') && last.size() < 10;
    if (!digits) throw ScenarioError(file, pointer, "--set: a list index must be a plain number");
    const std::size_t index = std::stoul(last);
    if (index >= container.size()) {
      throw ScenarioError(file, pointer, "--set: index out of range; the list has " +
                                             std::to_string(container.size()) + " items");
    }
  }
  document[ptr] = value;
}

Scenario parse_scenario(const Json& document, const std::string& file) {
  register_builtin_strategies();
  Scenario sc;
  sc.file = file;
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
  if ((sc.horizon_days - sc.warmup_days) > 7 * kMaxCohortWeeks) {
    throw ScenarioError(file, "/horizon_days", "at most " + std::to_string(7 * kMaxCohortWeeks) +
                                                   " measured days (horizon - warm-up) are supported");
  }

  Json engine = validate_object(engine_schema(), top["engine"], file, "/engine");
  const double window = engine["window_days"].get<double>();
  const double per_day = std::round(1.0 / window);
  if (per_day > 1440.0 || std::fabs(per_day * window - 1.0) > 1e-9) {
    throw ScenarioError(file, "/engine/window_days",
                        "1 / window_days must be a whole number from 1 to 1440 (1, 0.5, 0.25, 0.1, ...)");
  }
  sc.windows_per_day = static_cast<std::size_t>(per_day);
  sc.shard_size = engine["shard_size"].get<std::size_t>();
  top["engine"] = engine;

  // Market.
  Json market = validate_object(market_schema(), top["market"], file, "/market");
  MarketSpec& ms = sc.market;
  ms.latent_dimensions = market["latent_dimensions"].get<std::int64_t>();
  ms.intercept = market["intercept"].get<double>();
  ms.browse_slots = market["browse_slots"].get<std::int64_t>();
  ms.lead_time_days = market["lead_time_days"].get<std::int64_t>();
  if (market["categories"].empty()) {
    throw ScenarioError(file, "/market/categories", "at least one category is required");
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < market["categories"].size(); ++i) {
    const std::string p = "/market/categories/" + std::to_string(i);
    Json c = validate_object(category_schema(), market["categories"][i], file, p);
    CategorySpec cs;
    cs.name = c["name"].get<std::string>();
    if (!names.insert(cs.name).second) {
      throw ScenarioError(file, p + "/name", "duplicate category name \"" + cs.name + "\"");
    }
    cs.products = c["products"].get<std::int64_t>();
    cs.price_min = c["price_min"].get<double>();
    cs.price_max = c["price_max"].get<double>();
    if (cs.price_max < cs.price_min) {
      throw ScenarioError(file, p + "/price_max", "must be >= price_min");
    }
    cs.cost_ratio = c["cost_ratio"].get<double>();
    cs.attribute_sd = c["attribute_sd"].get<double>();
    cs.quality_mean = c["quality_mean"].get<double>();
    cs.quality_sd = c["quality_sd"].get<double>();
    ms.categories.push_back(cs);
    market["categories"][i] = c;
  }
  if (ms.categories.size() > 65535) throw ScenarioError(file, "/market/categories", "at most 65535 categories");
  if (static_cast<double>(ms.products()) > 1.0e7) {
    throw ScenarioError(file, "/market/categories", "at most 10,000,000 products in all");
  }
  if (market["segments"].empty()) {
    throw ScenarioError(file, "/market/segments", "at least one segment is required");
  }
  names.clear();
  for (std::size_t i = 0; i < market["segments"].size(); ++i) {
    const std::string p = "/market/segments/" + std::to_string(i);
    Json s = validate_object(segment_schema(), market["segments"][i], file, p);
    SegmentSpec ss;
    ss.name = s["name"].get<std::string>();
    if (!names.insert(ss.name).second) {
      throw ScenarioError(file, p + "/name", "duplicate segment name \"" + ss.name + "\"");
    }
    ss.consumers = s["consumers"].get<std::int64_t>();
    ss.taste_sd = s["taste_sd"].get<double>();
    ss.price_sensitivity_median = s["price_sensitivity_median"].get<double>();
    ss.price_sensitivity_log_sd = s["price_sensitivity_log_sd"].get<double>();
    ss.deal_proneness = s["deal_proneness"].get<double>();
    ss.visit_rate = s["visit_rate"].get<double>();
    ss.visit_rate_log_sd = s["visit_rate_log_sd"].get<double>();
    ms.segments.push_back(ss);
    market["segments"][i] = s;
  }
  if (static_cast<double>(ms.consumers()) > kMaxConsumers) {
    throw ScenarioError(file, "/market/segments", "at most 4,294,967,295 consumers in all");
  }
  if (ms.segments.size() > 65535) throw ScenarioError(file, "/market/segments", "at most 65535 segments");
  Json learning = validate_object(learning_schema(), market["learning"], file, "/market/learning");
  Json quality = validate_object(quality_learning_schema(), learning["quality"], file,
                                 "/market/learning/quality");
  ms.quality.enabled = quality["enabled"].get<bool>();
  ms.quality.prior_sd = quality["prior_sd"].get<double>();
  ms.quality.observation_sd = quality["observation_sd"].get<double>();
  ms.quality.memory = quality["memory"].get<std::int64_t>();
  Json reference = validate_object(reference_price_schema(), learning["reference_price"], file,
                                   "/market/learning/reference_price");
  ms.reference_price.enabled = reference["enabled"].get<bool>();
  ms.reference_price.weight = reference["weight"].get<double>();
  ms.reference_price.loss_aversion = reference["loss_aversion"].get<double>();
  ms.reference_price.adaptation = reference["adaptation"].get<double>();
  learning["quality"] = quality;
  learning["reference_price"] = reference;
  market["learning"] = learning;
  top["market"] = market;

  // Arms: strategies are validated against their declared parameters and built once on the
  // market's catalog so that cross-parameter checks fail here, not mid-run.
  const Catalog catalog = build_catalog(ms, sc.seed);
  SelectorContext selectors{catalog.size(), catalog.category_names};
  const BuildContext build{catalog, ms.lead_time_days, ms.expected_visits_per_day()};
  if (top["arms"].empty()) throw ScenarioError(file, "/arms", "at least one arm is required");
  std::set<std::string> arm_names;
  std::vector<std::size_t> baselines;
  for (std::size_t i = 0; i < top["arms"].size(); ++i) {
    const std::string p = "/arms/" + std::to_string(i);
    Json a = validate_object(arm_schema(), top["arms"][i], file, p);
    ArmSpec arm;
    arm.name = a["name"].get<std::string>();
    if (arm.name.empty() || !arm_names.insert(arm.name).second) {
      throw ScenarioError(file, p + "/name", "arm names must be non-empty and unique");
    }
    arm.baseline = a["baseline"].get<bool>();
    if (arm.baseline) baselines.push_back(i);
    arm.pricing = parse_strategy(pricing_registry(), a["pricing"], file, p + "/pricing", selectors,
                                 build, a["pricing"]);
    for (std::size_t k = 0; k < a["promotions"].size(); ++k) {
      arm.promotions.push_back(parse_strategy(promotion_registry(), a["promotions"][k], file,
                                              p + "/promotions/" + std::to_string(k), selectors,
                                              build, a["promotions"][k]));
    }
    arm.recommendation = parse_strategy(recommender_registry(), a["recommendation"], file,
                                        p + "/recommendation", selectors, build, a["recommendation"]);
    arm.replenishment = parse_strategy(replenishment_registry(), a["replenishment"], file,
                                       p + "/replenishment", selectors, build, a["replenishment"]);
    const auto recommender = recommender_registry().find(arm.recommendation.name)->make(
        arm.recommendation.params, build);
    if (recommender->slots() + static_cast<std::size_t>(ms.browse_slots) > 64 ||
        recommender->slots() + static_cast<std::size_t>(ms.browse_slots) > catalog.size()) {
      throw ScenarioError(file, p + "/recommendation",
                          "recommendation slots + browse_slots must be at most 64 and at most the "
                          "number of products");
    }
    sc.arms.push_back(std::move(arm));
    top["arms"][i] = a;
  }
  if (baselines.empty()) {
    throw ScenarioError(file, "/arms", "no arm has \"baseline\": true; exactly one must");
  }
  if (baselines.size() > 1) {
    throw ScenarioError(file, "/arms/" + std::to_string(baselines[1]) + "/baseline",
                        "more than one arm has \"baseline\": true; exactly one must");
  }
  sc.baseline = baselines[0];
  sc.resolved = top;
  return sc;
}

Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  const std::string text = read_file(path);
  Json document = Json::parse(text, nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/true);
  if (document.is_discarded()) {
    // Re-parse with exceptions for the position of the first error.
    try {
      const Json again = Json::parse(text, nullptr, true, true);
      (void)again;
    } catch (const Json::parse_error& e) {
      std::string what = e.what();
      for (char& ch : what) {
        if (ch == '\n') ch = ' ';
      }
      throw ScenarioError(path, "", "invalid JSON: " + what);
    }
    throw ScenarioError(path, "", "invalid JSON");
  }
  for (const auto& o : overrides) apply_override(document, o, path);
  return parse_scenario(document, path);
}

}  // namespace marketsim
