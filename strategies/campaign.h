#pragma once
// What every promotion shares, whatever it does: its campaign's budget and pacing, its span, a
// randomised holdout of consumers kept out of it, and the monitoring rules evaluated daily inside
// a run. The promotion registry (strategies/registry.h) appends these parameters to every
// promotion's schema and reads them into a Campaign after the promotion's own factory; the budget
// agent (agents/budget.h) and the engine (engine/campaigns.cpp) enforce them. A promotion never
// reads them itself.
//
//   budget          total spend (discounts and costs), currency units; absent: unlimited
//   daily_cap       most it may spend in one day, currency units; absent: no cap
//   pacing          how much of the remaining budget a day may use ("asap" when absent):
//                   "asap"          all of it (only daily_cap limits a day);
//                   "even"          remaining budget / remaining days of the campaign (today
//                                   included), so that an underspent day raises the later ones;
//                   "front_loaded"  remaining budget x 2 / (remaining days + 1): with every day
//                                   spent in full, n days get shares n : n-1 : ... : 1 (the
//                                   first 2 / (n + 1) of the budget, the last 2 / (n (n + 1))).
//                   On the campaign's last day and after it a day may use everything left.
//   campaign_start, campaign_end
//                   the campaign's span [start, end) in days. Each defaults to the promotion's
//                   own window where it has one (percent_off's start and end), else 0 and
//                   never. Outside the span the promotion offers nothing, issues nothing and its
//                   order rule does not apply (coupons it issued stay redeemable until they
//                   expire). Its days (for pacing) are the days the span touches,
//                   floor(start) .. ceil(end) - 1.
//   holdout         share of consumers kept out of the promotion, chosen once per run by a hash
//                   of the consumer in a stream keyed by (seed, replication, seller, promotion
//                   index): no coupon or message of it reaches them, its per-item discounts are
//                   not shown to them (nor charged), its order rule skips their orders.
//   group           the arm's consumer group it is scoped to (strategies/consumer_groups.h): only
//                   that group's consumers see it, as if every other consumer were held out.
//   monitor         rules evaluated at the end of every day from `after_day` on (and from the
//                   campaign's first day on) until one fires: {"after_day": d, "if": metric,
//                   "below" | "above": X, "action": "stop" | "scale_depth", "factor": f}.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "sim/money.h"
#include "sim/params.h"
#include "sim/time.h"

namespace marketsim {

enum class Pacing : std::uint8_t { kAsap, kEven, kFrontLoaded };

/// What a monitoring rule observes at a day's end.
enum class MonitorMetric : std::uint8_t {
  kSpendToDate,     // the promotion's spend so far (currency units)
  kSalesVsForecast, // the seller's revenue since the campaign's first day / the forecast from the
                    // mean daily revenue of the days before it (1 = on forecast)
  kLiftPerSpend,    // (treated revenue per consumer - holdout revenue per consumer) x treated
                    // consumers, over the campaign so far, per unit of spend
  kGauge,           // a gauge of the run by name (market/signals.h: a module's or a strategy's),
                    // its value at the day's end
  kEvent,           // a named event of the run (market/signals.h): its occurrences on the day
};

enum class MonitorAction : std::uint8_t { kNone, kStop, kScaleDepth };

const char* monitor_metric_name(MonitorMetric m);
const char* monitor_action_name(MonitorAction a);

struct MonitorRule {
  Day after_day = 0;
  MonitorMetric metric = MonitorMetric::kSpendToDate;
  bool below = true;  // fires when the value is below (else above) the threshold
  double threshold = 0.0;
  MonitorAction action = MonitorAction::kStop;
  double factor = 1.0;  // for kScaleDepth
  std::string gauge;    // for kGauge: the gauge's name ("engagement.churned"); kEvent: the event's
  std::string label;    // what monitor.csv calls it: the metric's name, "gauge:NAME" or "event:NAME"
};

/// A promotion's campaign terms, as the shared parameters set them.
struct Campaign {
  std::optional<Money> budget;     // cents; nullopt: unlimited
  std::optional<Money> daily_cap;  // cents; nullopt: no cap
  Pacing pacing = Pacing::kAsap;
  Time start = 0.0;                // the span [start, end), days
  Time end = std::numeric_limits<double>::infinity();
  double holdout = 0.0;
  std::string group;               // the consumer group it is scoped to ("": every consumer)
  std::vector<MonitorRule> monitor;

  /// Whether the promotion acts in a window starting at t.
  bool active_at(Time t) const { return t >= start && t < end; }
  /// The campaign's first and last days (last_day() is meaningful only with a finite end).
  Day first_day() const { return day_of(start); }
  Day last_day() const { return static_cast<Day>(std::ceil(end)) - 1; }
};

/// The shared parameters, appended to every promotion's schema.
const ParamSchema& campaign_params();

/// The schema of one monitoring rule.
const ParamSchema& monitor_rule_params();

/// Reads the shared parameters of a promotion whose own span (where it has one) is
/// [own_start, own_end) and which supports scale_depth when `scalable`. Cross-parameter problems
/// throw ParamError at the offending key (a relative JSON pointer for keys inside `monitor`).
Campaign parse_campaign(const Json& params, std::optional<std::pair<Time, Time>> own_span, bool scalable);

}  // namespace marketsim
