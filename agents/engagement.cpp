// Behaviour "engagement" (MODEL.md "Visits", "Engagement, retention and churn"): each consumer
// has an engagement e in [0, 1] (starting at `initial`) and receives notifications.
//   settled   every line sold raises e by up_purchase (a purchase counts as satisfying: this
//             module cannot read quality_learning's beliefs); every line with units lost to a
//             stock-out lowers it by down_stockout; every line paid above the product's list
//             price lowers it by down_price. e stays in [0, 1].
//   daily     engagement fades, e <- (1 - decay) e, and fatigue decays, f <- exp(-1 /
//             fatigue_days) f; then a consumer still in the market churns with probability
//             1 - exp(-h), h = churn_base * exp(-churn_slope * e): it leaves the visit calendar.
//   commands  a notification (kNotify) not opted out of boosts visit intensity by
//             boost * exp(-(t - t_notified) / boost_days) and adds 1 to fatigue; a notification
//             that takes fatigue above `tolerance` opts the consumer out (later notifications do
//             not reach it) and lowers e by down_optout. A touch (a coupon, or a notification that
//             reaches the consumer) wins a churned consumer back with probability `winback`: it
//             re-enters the calendar at the command's time.
//   intensity visits are thinned by g(e) / g(initial), g(e) = intensity_min + (1 -
//             intensity_min) e (so base visit rates hold at the initial engagement), times
//             (1 + the notification boost). Bound: g(1) / g(initial) * (1 + boost).
// Gauges: churned (currently churned), won_back (won back on the day), opted_out, engagement_sum,
// consumers. Randomness: the churn draw of day d is stream(c, 4 d); the k-th win-back draw of a
// consumer is stream(c, 2^40 + 4 k), k a per-consumer counter: the same for any thread count.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "agents/behaviour.h"
#include "sim/error.h"

namespace marketsim {
namespace {

struct EngagementParams {
  double initial;
  double up_purchase;
  double down_stockout;
  double down_price;
  double decay;
  double churn_base;
  double churn_slope;
  double winback;
  double intensity_min;
  double boost;
  double boost_days;
  double fatigue_days;
  double tolerance;
  double down_optout;
};

constexpr float kNever = -1.0e30f;
constexpr std::uint64_t kWinbackCounter = std::uint64_t{1} << 40;

class Engagement final : public Behaviour {
 public:
  Engagement(const BehaviourContext& ctx, const EngagementParams& p)
      : list_(ctx.catalog.list_price), p_(p), g0_(g(p.initial)), fatigue_decay_(std::exp(-1.0 / p.fatigue_days)) {}

  unsigned stages() const override {
    return kStageIntensity | kStageSettled | kStageDaily | kStageCommands;
  }
  unsigned commands_handled() const override {
    return (1u << static_cast<unsigned>(CommandKind::kNotify)) |
           (1u << static_cast<unsigned>(CommandKind::kIssueCoupon));
  }

  void declare(ColumnLayout& layout) override {
    engagement_ = layout.add<float>("engagement", "engagement", 1, static_cast<float>(p_.initial));
    fatigue_ = layout.add<float>("engagement", "fatigue", 1, 0.0f);
    notified_ = layout.add<float>("engagement", "notified_at", 1, kNever);
    churn_day_ = layout.add<std::int32_t>("engagement", "churn_day", 1, -1);
    won_back_day_ = layout.add<std::int32_t>("engagement", "won_back_day", 1, -1);
    touches_ = layout.add<std::uint32_t>("engagement", "winback_draws", 1, 0u);
    opted_out_ = layout.add<std::uint8_t>("engagement", "opted_out", 1, 0);
  }

  double intensity_bound(Time, Time) const override { return g(1.0) / g0_; }
  bool has_consumer_bound() const override { return p_.boost > 0.0; }
  /// The notification boost from t on is at most its value at t (it decays until the next
  /// notification, which redraws the consumer's pending candidate).
  double consumer_bound(const ShardContext& s, ConsumerId c, Time t) const override {
    const float at = *s.row(notified_, c);
    if (at <= kNever) return 1.0;
    return 1.0 + p_.boost * std::exp(-std::max(0.0, t - static_cast<double>(at)) / p_.boost_days);
  }

  void intensity(IntensityBatch& b) const override {
    for (std::size_t i = 0; i < b.consumer.size(); ++i) {
      const ConsumerId c = b.consumer[i];
      double m = g(*b.shard.row(engagement_, c)) / g0_;
      const float at = *b.shard.row(notified_, c);
      if (p_.boost > 0.0 && at > kNever) {
        const double since = std::max(0.0, b.time[i] - static_cast<double>(at));
        m *= 1.0 + p_.boost * std::exp(-since / p_.boost_days);
      }
      b.multiplier[i] *= m;
    }
  }

  void settled(const SettledBatch& b) const override {
    for (const LineRecord& l : b.lines) {
      double delta = 0.0;
      if (l.quantity > 0) {
        delta += p_.up_purchase;
        if (l.unit_paid() > list_[l.product]) delta -= p_.down_price;
      }
      if (l.lost > 0) delta -= p_.down_stockout;
      if (delta != 0.0) add(b.shard.row(engagement_, l.consumer), delta);
    }
  }

  void daily(const DayBatch& b) const override {
    const ShardContext& s = b.shard;
    float* e = s.column(engagement_);
    float* fatigue = s.column(fatigue_);
    std::int32_t* churn_day = s.column(churn_day_);
    for (ConsumerId c = s.begin(); c < s.end(); ++c) {
      const std::size_t k = c - s.begin();
      if (fatigue[k] > 0.0f) fatigue[k] = static_cast<float>(fatigue[k] * fatigue_decay_);
      if (p_.decay > 0.0) e[k] = static_cast<float>(e[k] * (1.0 - p_.decay));
      if (churn_day[k] >= 0 || p_.churn_base <= 0.0) continue;
      const double hazard = p_.churn_base * std::exp(-p_.churn_slope * e[k]);
      CounterRng rng = s.stream(c, 4 * static_cast<std::uint64_t>(b.day));
      if (rng.uniform() < -std::expm1(-hazard)) {
        churn_day[k] = static_cast<std::int32_t>(b.day);
        s.calendar().leave(c);
      }
    }
  }

  void commands(const CommandBatch& b) const override {
    const ShardContext& s = b.shard;
    for (const Command& cmd : b.commands) {
      const ConsumerId c = cmd.consumer;
      bool reached = true;
      if (cmd.kind == CommandKind::kNotify) {
        std::uint8_t& out = *s.row(opted_out_, c);
        reached = out == 0;
        if (reached) {
          *s.row(notified_, c) = static_cast<float>(cmd.time);
          s.calendar().redraw(c, cmd.time);  // the boost raised its bound
          float& fatigue = *s.row(fatigue_, c);
          fatigue += 1.0f;
          if (fatigue > p_.tolerance) {
            out = 1;
            add(s.row(engagement_, c), -p_.down_optout);
          }
        }
      }
      std::int32_t& churn_day = *s.row(churn_day_, c);
      if (!reached || churn_day < 0) continue;
      std::uint32_t& draws = *s.row(touches_, c);
      CounterRng rng = s.stream(c, kWinbackCounter + 4 * static_cast<std::uint64_t>(draws));
      ++draws;
      if (rng.uniform() < p_.winback) {
        churn_day = -1;
        *s.row(won_back_day_, c) = static_cast<std::int32_t>(day_of(cmd.time));
        s.calendar().enter(c, cmd.time);
      }
    }
  }

  std::vector<std::string> gauges() const override {
    return {"churned", "won_back", "opted_out", "engagement_sum", "consumers"};
  }
  void gauge(const DayBatch& b, std::span<double> sums) const override {
    const ShardContext& s = b.shard;
    const float* e = s.column(engagement_);
    const std::int32_t* churn_day = s.column(churn_day_);
    const std::int32_t* won_back = s.column(won_back_day_);
    const std::uint8_t* out = s.column(opted_out_);
    const std::size_t n = s.end() - s.begin();
    double churned = 0, back = 0, opted = 0, sum = 0;
    for (std::size_t k = 0; k < n; ++k) {
      churned += churn_day[k] >= 0 ? 1.0 : 0.0;
      back += won_back[k] == b.day ? 1.0 : 0.0;
      opted += out[k];
      sum += e[k];
    }
    sums[0] += churned;
    sums[1] += back;
    sums[2] += opted;
    sums[3] += sum;
    sums[4] += static_cast<double>(n);
  }

 private:
  double g(double e) const { return p_.intensity_min + (1.0 - p_.intensity_min) * e; }
  static void add(float* e, double delta) { *e = static_cast<float>(std::clamp(*e + delta, 0.0, 1.0)); }

  std::vector<Money> list_;
  EngagementParams p_;
  double g0_;
  double fatigue_decay_;
  Column<float> engagement_;
  Column<float> fatigue_;
  Column<float> notified_;
  Column<std::int32_t> churn_day_;
  Column<std::int32_t> won_back_day_;
  Column<std::uint32_t> touches_;
  Column<std::uint8_t> opted_out_;
};

}  // namespace

void register_engagement() {
  behaviour_registry().add({
      "engagement",
      "Engagement rising with purchases and falling with stock-outs, prices above list and "
      "notification fatigue; churn hazard churn_base * exp(-churn_slope * e); coupons and "
      "notifications win churned consumers back; notifications boost visits.",
      {
          {.name = "initial", .type = ParamType::kNumber, .default_value = 0.5, .min = 0.0, .max = 1.0,
           .description = "e0, every consumer's engagement at the start"},
          {.name = "up_purchase", .type = ParamType::kNumber, .default_value = 0.05, .min = 0.0, .max = 1.0,
           .description = "engagement gained per line bought"},
          {.name = "down_stockout", .type = ParamType::kNumber, .default_value = 0.1, .min = 0.0, .max = 1.0,
           .description = "engagement lost per line with units lost to a stock-out"},
          {.name = "down_price", .type = ParamType::kNumber, .default_value = 0.05, .min = 0.0, .max = 1.0,
           .description = "engagement lost per line paid above the product's list price"},
          {.name = "decay", .type = ParamType::kNumber, .default_value = 0.01, .min = 0.0, .max = 1.0,
           .description = "share of engagement lost each day (fading without interaction)"},
          {.name = "churn_base", .type = ParamType::kNumber, .default_value = 0.01, .min = 0.0, .max = 1.0,
           .description = "h0, daily churn hazard at engagement 0"},
          {.name = "churn_slope", .type = ParamType::kNumber, .default_value = 3.0, .min = 0.0, .max = 50.0,
           .description = "k, the hazard is h0 * exp(-k * e)"},
          {.name = "winback", .type = ParamType::kNumber, .default_value = 0.2, .min = 0.0, .max = 1.0,
           .description = "probability that a coupon or a notification brings a churned consumer back"},
          {.name = "intensity_min", .type = ParamType::kNumber, .default_value = 0.5, .min = 0.0, .max = 1.0,
           .description = "visit intensity at engagement 0 relative to engagement 1 (g(e) linear)"},
          {.name = "boost", .type = ParamType::kNumber, .default_value = 1.0, .min = 0.0, .max = 20.0,
           .description = "extra visit intensity right after a notification (1 = twice the rate)"},
          {.name = "boost_days", .type = ParamType::kNumber, .default_value = 2.0, .min = 0.0, .max = 365.0,
           .description = "time constant of the boost's exponential decay, days", .min_exclusive = true},
          {.name = "fatigue_days", .type = ParamType::kNumber, .default_value = 7.0, .min = 0.0, .max = 365.0,
           .description = "time constant of notification fatigue's daily decay, days", .min_exclusive = true},
          {.name = "tolerance", .type = ParamType::kNumber, .default_value = 3.0, .min = 0.0, .max = 1000.0,
           .description = "fatigue (about the notifications of the last fatigue_days) above which a consumer opts out"},
          {.name = "down_optout", .type = ParamType::kNumber, .default_value = 0.2, .min = 0.0, .max = 1.0,
           .description = "engagement lost when a consumer opts out of notifications"},
      },
      [](const Json& j, const BehaviourContext& ctx) {
        const EngagementParams p{j["initial"].get<double>(),      j["up_purchase"].get<double>(),
                                 j["down_stockout"].get<double>(), j["down_price"].get<double>(),
                                 j["decay"].get<double>(),
                                 j["churn_base"].get<double>(),   j["churn_slope"].get<double>(),
                                 j["winback"].get<double>(),      j["intensity_min"].get<double>(),
                                 j["boost"].get<double>(),        j["boost_days"].get<double>(),
                                 j["fatigue_days"].get<double>(), j["tolerance"].get<double>(),
                                 j["down_optout"].get<double>()};
        if (p.intensity_min <= 0.0 && p.initial <= 0.0) {
          throw ParamError("intensity_min", "must be above 0 when initial is 0 (visit rates are relative to g(initial))");
        }
        return std::make_unique<Engagement>(ctx, p);
      },
  });
}

}  // namespace marketsim
