#include "strategies/campaign.h"

#include <cmath>

#include "sim/error.h"

namespace marketsim {

const char* monitor_metric_name(MonitorMetric m) {
  switch (m) {
    case MonitorMetric::kSpendToDate: return "spend_to_date";
    case MonitorMetric::kSalesVsForecast: return "sales_vs_forecast";
    case MonitorMetric::kLiftPerSpend: return "lift_per_spend";
    case MonitorMetric::kGauge: return "gauge";
    case MonitorMetric::kEvent: return "event";
  }
  return "?";
}

const char* monitor_action_name(MonitorAction a) {
  switch (a) {
    case MonitorAction::kNone: return "none";
    case MonitorAction::kStop: return "stop";
    case MonitorAction::kScaleDepth: return "scale_depth";
  }
  return "?";
}

const ParamSchema& campaign_params() {
  // Every key is optional without a default, so a promotion that uses none of them resolves (and
  // runs) exactly as before they existed.
  static const ParamSchema s = {
      {.name = "budget", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1e13,
       .description = "total it may spend on discounts and costs, currency units (absent: unlimited)",
       .optional = true},
      {.name = "daily_cap", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1e13,
       .description = "most it may spend in one day, currency units (absent: no cap); a charge beyond "
                      "it pauses the promotion until the next day",
       .min_exclusive = true, .optional = true},
      {.name = "pacing", .type = ParamType::kString, .default_value = nullptr,
       .description = "a day's share of the remaining budget (absent: \"asap\"): \"asap\" all of it, "
                      "\"even\" 1 / remaining days, \"front_loaded\" 2 / (remaining days + 1)",
       .choices = {"asap", "even", "front_loaded"}, .optional = true},
      {.name = "campaign_start", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1e9,
       .description = "start of the campaign, days (absent: the promotion's own start, else 0); it acts "
                      "only inside [campaign_start, campaign_end)",
       .optional = true},
      {.name = "campaign_end", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1e9,
       .description = "end of the campaign, days, exclusive (absent: the promotion's own end, else never); "
                      "\"even\" and \"front_loaded\" pacing need one",
       .min_exclusive = true, .optional = true},
      {.name = "holdout", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 0.99,
       .description = "share of consumers kept out of it (a hash of the consumer per seed, replication and "
                      "promotion), the control group of lift_per_spend",
       .optional = true},
      {.name = "group", .type = ParamType::kString, .default_value = nullptr,
       .description = "the arm's consumer group it reaches (its \"groups\"; an A/B test's treatment): every "
                      "other consumer is kept out of it as by a holdout",
       .optional = true},
      {.name = "monitor", .type = ParamType::kObjectList, .default_value = nullptr,
       .description = "rules checked at each day's end: {\"after_day\", \"if\": spend_to_date | "
                      "sales_vs_forecast | lift_per_spend | gauge (with \"gauge\": NAME) | event (with "
                      "\"event\": NAME), \"below\" | "
                      "\"above\", \"action\": stop | scale_depth, \"factor\"}",
       .optional = true},
  };
  return s;
}

const ParamSchema& monitor_rule_params() {
  static const ParamSchema s = {
      {.name = "after_day", .type = ParamType::kInteger, .default_value = nullptr, .min = 0, .max = 1000000,
       .description = "the first day at whose end the rule is checked"},
      {.name = "if", .type = ParamType::kString, .default_value = nullptr,
       .description = "what it observes",
       .choices = {"spend_to_date", "sales_vs_forecast", "lift_per_spend", "gauge", "event"}},
      {.name = "gauge", .type = ParamType::kString, .default_value = nullptr,
       .description = "with \"if\": \"gauge\": the run's gauge it reads by name, e.g. \"engagement.churned\" "
                      "(gauges.csv lists them); a gauge the run does not have reads as undefined",
       .optional = true},
      {.name = "event", .type = ParamType::kString, .default_value = nullptr,
       .description = "with \"if\": \"event\": the run's named event whose occurrences on the day it counts, "
                      "e.g. \"coupon.redeemed\" (events.csv lists them); an event that never occurs counts 0",
       .optional = true},
      {.name = "below", .type = ParamType::kNumber, .default_value = nullptr, .min = -1e15, .max = 1e15,
       .description = "fires when the value is below this (give below or above)", .optional = true},
      {.name = "above", .type = ParamType::kNumber, .default_value = nullptr, .min = -1e15, .max = 1e15,
       .description = "fires when the value is above this (give below or above)", .optional = true},
      {.name = "action", .type = ParamType::kString, .default_value = nullptr,
       .description = "\"stop\" ends the promotion, \"scale_depth\" multiplies its depth by factor",
       .choices = {"stop", "scale_depth"}},
      {.name = "factor", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 100.0,
       .description = "with \"scale_depth\": the multiplier of the depth", .min_exclusive = true,
       .optional = true},
  };
  return s;
}

namespace {

MonitorRule parse_rule(const Json& object, std::size_t index, bool scalable, bool has_holdout) {
  const std::string at = "/monitor/" + std::to_string(index);
  Json r;
  try {
    r = validate_object(monitor_rule_params(), object, "", at);
  } catch (const ScenarioError& e) {
    throw ParamError(e.pointer(), e.detail());
  }
  MonitorRule rule;
  rule.after_day = r["after_day"].get<Day>();
  const std::string metric = r["if"].get<std::string>();
  rule.metric = metric == "spend_to_date"       ? MonitorMetric::kSpendToDate
                : metric == "sales_vs_forecast" ? MonitorMetric::kSalesVsForecast
                : metric == "gauge"             ? MonitorMetric::kGauge
                : metric == "event"             ? MonitorMetric::kEvent
                                                : MonitorMetric::kLiftPerSpend;
  rule.label = metric;
  for (const char* key : {"gauge", "event"}) {  // the name a gauge or event rule reads
    if (metric == key) {
      if (!r.contains(key) || r[key].get<std::string>().empty()) {
        throw ParamError(at + "/" + key, std::string("is required with \"if\": \"") + key + "\" (a name, e.g. \"" +
                                             (metric == "gauge" ? "engagement.churned" : "coupon.redeemed") + "\")");
      }
      rule.gauge = r[key].get<std::string>();
      rule.label = metric + ":" + rule.gauge;
    } else if (r.contains(key)) {
      throw ParamError(at + "/" + key, std::string("applies only with \"if\": \"") + key + "\"");
    }
  }
  if (r.contains("below") == r.contains("above")) {
    throw ParamError(at, "give exactly one of \"below\" and \"above\"");
  }
  rule.below = r.contains("below");
  rule.threshold = r[rule.below ? "below" : "above"].get<double>();
  rule.action = r["action"].get<std::string>() == "stop" ? MonitorAction::kStop : MonitorAction::kScaleDepth;
  if (rule.action == MonitorAction::kScaleDepth) {
    if (!r.contains("factor")) throw ParamError(at + "/factor", "is required with \"action\": \"scale_depth\"");
    if (!scalable) {
      throw ParamError(at + "/action", "this promotion has no depth to scale; allowed: \"stop\"");
    }
    rule.factor = r["factor"].get<double>();
  } else if (r.contains("factor")) {
    throw ParamError(at + "/factor", "applies only with \"action\": \"scale_depth\"");
  }
  if (rule.metric == MonitorMetric::kLiftPerSpend && !has_holdout) {
    throw ParamError(at + "/if", "\"lift_per_spend\" needs a randomised holdout: set \"holdout\" above 0");
  }
  return rule;
}

}  // namespace

Campaign parse_campaign(const Json& p, std::optional<std::pair<Time, Time>> own_span, bool scalable) {
  Campaign c;
  if (p.contains("budget")) c.budget = to_cents(p["budget"].get<double>());
  if (p.contains("daily_cap")) {
    c.daily_cap = to_cents(p["daily_cap"].get<double>());
    if (*c.daily_cap <= 0) throw ParamError("daily_cap", "must be at least one cent");
  }
  if (p.contains("pacing")) {
    const std::string pacing = p["pacing"].get<std::string>();
    c.pacing = pacing == "even" ? Pacing::kEven : pacing == "front_loaded" ? Pacing::kFrontLoaded : Pacing::kAsap;
  }
  if (own_span) {
    c.start = own_span->first;
    c.end = own_span->second;
  }
  if (p.contains("campaign_start")) c.start = p["campaign_start"].get<double>();
  if (p.contains("campaign_end")) c.end = p["campaign_end"].get<double>();
  if (!(c.end > c.start)) {
    throw ParamError(p.contains("campaign_end") ? "campaign_end" : "campaign_start",
                     "the campaign must end after it starts (campaign_end > campaign_start)");
  }
  if (c.pacing != Pacing::kAsap) {
    if (!c.budget) throw ParamError("pacing", "\"" + p["pacing"].get<std::string>() + "\" pacing needs a \"budget\"");
    if (!(c.end < 1e9)) {
      throw ParamError("pacing", "\"" + p["pacing"].get<std::string>() +
                                     "\" pacing needs the campaign's end: set \"campaign_end\"");
    }
  }
  if (p.contains("holdout")) c.holdout = p["holdout"].get<double>();
  if (p.contains("group")) c.group = p["group"].get<std::string>();
  if (p.contains("monitor")) {
    const Json& rules = p["monitor"];
    for (std::size_t i = 0; i < rules.size(); ++i) {
      c.monitor.push_back(parse_rule(rules[i], i, scalable, c.holdout > 0.0));
      if (c.monitor.back().metric == MonitorMetric::kSalesVsForecast && c.first_day() < 1) {
        throw ParamError("/monitor/" + std::to_string(i) + "/if",
                         "\"sales_vs_forecast\" needs days before the campaign to forecast from: the campaign "
                         "starts on day 0 (set \"campaign_start\")");
      }
    }
  }
  return c;
}

}  // namespace marketsim
