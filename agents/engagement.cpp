// Behaviour "engagement" (MODEL.md "Visits", "Engagement, retention and churn"): each consumer
// has an engagement e in [0, 1] (starting at `initial`) and receives notifications.
//   settled   every line sold raises e by up_purchase; every line with units lost to a
//             stock-out lowers it by down_stockout; without reference_price in the run, every
//             line paid above the product's list price lowers it by down_price. e stays in [0, 1].
//   messages  (issue 26 item 2) with quality_learning in the run, it tells this module each
//             line's quality surprise s = x - mu (the experience less the belief's mean before
//             it, kMessageQualitySurprise): e rises by up_surprise * s when s > 0 and falls by
//             down_surprise * |s| when s < 0 (down_surprise = 2.25 up_surprise by default: the
//             loss aversion of Tversky and Kahneman 1992, "Advances in prospect theory", J. Risk
//             and Uncertainty 5(4), lambda = 2.25). With reference_price in the run, it tells each
//             line's r = ln(paid / reference price) (kMessagePricePaid): e falls by
//             down_reference * r when r > 0 (paying above what the consumer expects, not above
//             list), replacing the list-price rule.
//   basket    an irrelevant recommendation: a visit with placed offers none of which has a
//             utility above the outside option's (0) lowers e by down_irrelevant, once per such
//             visit. Cost: a compare per placed slot of every visit, and a write per irrelevant
//             visit (gauge irrelevant_visits, per day).
//   daily     engagement fades, e <- (1 - decay) e, and fatigue decays, f <- exp(-1 /
//             fatigue_days) f; then a consumer still in the market churns with probability
//             1 - exp(-h), h = nu_i * churn_base * exp(-churn_slope * e): it leaves the visit
//             calendar. nu_i is the consumer's frailty, Gamma(churn_shape, 1 / churn_shape) (mean
//             1, drawn once from its stream): customers differ in how likely they are to leave,
//             so a cohort's frail members leave first and its retention curve flattens, as the
//             Pareto/NBD model describes a customer base (Schmittlein, Morrison and Colombo 1987,
//             "Counting Your Customers", Management Science 33(1): dropout rates Gamma(s, beta)
//             across customers). The default shape s = 0.61 is the Pareto/NBD fit to the CDNOW
//             sample (Fader, Hardie and Lee 2005, "RFM and CLV", Journal of Marketing Research
//             42(4); s = 0.606, beta = 11.67). churn_shape 0: every consumer's nu_i = 1.
//   commands  a notification (kNotify) not opted out of boosts visit intensity by
//             boost * exp(-(t - t_notified) / boost_days) and adds 1 to fatigue; a notification
//             that takes fatigue above `tolerance` opts the consumer out (later notifications do
//             not reach it) and lowers e by down_optout. A touch (a coupon, or a notification that
//             reaches the consumer) wins a churned consumer back with probability `winback`: it
//             re-enters the calendar at the command's time. The probability is per touch and does
//             not depend on a coupon's value (default: 30% per campaign of three touches,
//             Griffin and Lowenstein 2001, below).
//   intensity visits are thinned by g(e) / g(initial), g(e) = intensity_min + (1 -
//             intensity_min) e (so base visit rates hold at the initial engagement), times
//             (1 + the notification boost). Bound: a consumer's own g(e) / g(initial) times
//             1 + boost * exp(-(t - t_notified) / boost_days), taken at the time t its next
//             candidate is drawn (consumer_bound). Both parts only fall until e rises (a line
//             sold, in settled) or a notification arrives, and those redraw the pending candidate
//             through CalendarControl::redraw when the bound rose. (A bound of g(1) / g(initial)
//             for everyone drew 1.33 candidates per visit at the defaults.)
// Gauges: churned (currently churned), won_back (won back on the day), opted_out, engagement_sum,
// consumers.
//
// Randomness (the same for any thread count and shard size). Churn is drawn by thinning: the
// hazard never exceeds lambda_i = nu_i churn_base (e >= 0), so a consumer's daily churn
// probability is at most q_i = 1 - exp(-lambda_i). Each consumer is a candidate on a day
// independently with probability q_i: its candidate days are drawn by geometric gaps,
// floor(E / lambda_i) with E ~ Exp(1) (the first from stream(c, 2^44 + 2^20), the one after a
// candidate day d from stream(c, 4 d + 1)), kept in a column; a candidate in the market churns
// when the uniform u of stream(c, 4 d) has u q_i < 1 - exp(-h). So it churns with probability
// 1 - exp(-h) that day, independently, as above, and a day costs about q_i draws per consumer
// instead of one. nu_i comes from stream(c, 2^44). The k-th win-back draw of a consumer is
// stream(c, 2^40 + 4 k), k a per-consumer counter (at most 65,535 draws a consumer, checked).
//
// Cost. Besides the churn candidates, the daily pass is two multiplications and a compare a
// consumer (vectorised) and the engagement sum; 4 bytes a consumer for the next candidate day. Fading stays a daily pass: the engagement_sum gauge needs
// every consumer's e every day, and (1 - decay)^days applied when read would round differently.
// The gauges are per-shard tallies kept as consumers churn, come back and opt out, and that sum
// (sim/columns.h column_sum: a fixed order of additions, the same on any thread count).
#include <algorithm>
#include <boost/random/gamma_distribution.hpp>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
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
  double churn_shape;  // Gamma shape of the frailty (0: none)
  double winback;
  double intensity_min;
  double boost;
  double boost_days;
  double fatigue_days;
  double tolerance;
  double down_optout;
  double up_surprise;
  double down_surprise;
  double down_reference;
  double down_irrelevant;
};

constexpr float kNever = -1.0e30f;
/// The default win-back probability per touch: a campaign of three touches reactivates 30% of
/// the lapsed customers it reaches, the middle of the 20-40% Griffin and Lowenstein report
/// (2001, "Customer Winback", Jossey-Bass, from Marketing Metrics' data) for selling to a lost
/// customer, against 5-20% for a new prospect: 1 - (1 - 0.3)^(1/3) per touch.
const double kWinbackPerTouch = -std::expm1(std::log1p(-0.3) / 3.0);
constexpr std::uint64_t kWinbackCounter = std::uint64_t{1} << 40;
constexpr std::uint64_t kFrailtyCounter = std::uint64_t{1} << 44;        // nu_i
constexpr std::uint64_t kFirstGapCounter = kFrailtyCounter + (1u << 20);  // the first candidate day
constexpr std::int32_t kNotDrawn = -1;                                   // churn_next before the first draw
constexpr std::int32_t kNeverDay = std::numeric_limits<std::int32_t>::max();
/// settled: the lines ahead of the one redrawn whose rows are asked for.
constexpr std::size_t kRedrawAhead = 8;
// Bits of the state column.
constexpr std::uint8_t kChurned = 1;
constexpr std::uint8_t kOptedOut = 2;

/// A shard's gauges, kept as its hooks change the state (only the shard's own hooks touch them).
struct ShardTally {
  std::int64_t churned = 0;
  std::int64_t opted_out = 0;
  Day won_back_day = -1;  // the day of won_back
  std::int64_t won_back = 0;
  Day irrelevant_day = -1;  // the day of irrelevant
  std::int64_t irrelevant = 0;
  Day sum_day = -1;  // the day whose daily pass summed engagement_sum
  double engagement_sum = 0.0;
};

class Engagement final : public Behaviour {
 public:
  Engagement(const BehaviourContext& ctx, const EngagementParams& p)
      : list_(ctx.catalog.list_price),
        p_(p),
        g0_(g(p.initial)),
        fatigue_decay_(std::exp(-1.0 / p.fatigue_days)) {}

  unsigned stages() const override {
    return kStageIntensity | kStageSettled | kStageDaily | kStageCommands | kStageMessages |
           (p_.down_irrelevant > 0.0 ? kStageBasket : 0u);
  }

  /// Quality surprises come from quality_learning and prices against the reference from
  /// reference_price when they are in the run (they look this module up and send).
  void connect(const ModuleDirectory& modules) override {
    reference_price_ = modules.find("reference_price").has_value();
  }
  std::uint64_t commands_handled() const override {
    return command_bit(notify_kind()) | command_bit(command_kind("issue_coupon"));
  }

  void declare(ColumnLayout& layout) override {
    engagement_ = layout.add<float>("engagement", "engagement", 1, static_cast<float>(p_.initial));
    fatigue_ = layout.add<float>("engagement", "fatigue", 1, 0.0f);
    notified_ = layout.add<float>("engagement", "notified_at", 1, kNever);
    touches_ = layout.add<std::uint16_t>("engagement", "winback_draws", 1, std::uint16_t{0});
    state_ = layout.add<std::uint8_t>("engagement", "state", 1, std::uint8_t{0});  // kChurned | kOptedOut
    if (p_.churn_base > 0.0) churn_next_ = layout.add<std::int32_t>("engagement", "churn_next", 1, kNotDrawn);
  }

  bool has_consumer_bound() const override { return true; }
  /// g(e) / g(initial) and the notification boost from t on are at most their values at t (e
  /// only falls and the boost only decays until a sale or a notification, which redraw).
  double consumer_bound(const ShardContext& s, ConsumerId c, Time t) const override {
    const double m = g(static_cast<double>(*s.row(engagement_, c))) / g0_;  // as intensity() computes it
    const float at = *s.row(notified_, c);
    if (p_.boost <= 0.0 || at <= kNever) return m;
    return m * (1.0 + p_.boost * std::exp(-std::max(0.0, t - static_cast<double>(at)) / p_.boost_days));
  }

  void intensity(IntensityBatch& b) const override {
    // Parameters and spans in locals: the multipliers' stores cannot then alias them.
    const float* e = b.shard.column(engagement_);
    const float* notified = b.shard.column(notified_);
    const ConsumerId begin = b.shard.begin();
    const ConsumerId* consumer = b.consumer.data();
    const Time* time = b.time.data();
    double* multiplier = b.multiplier.data();
    const double intensity_min = p_.intensity_min, g0 = g0_, boost = p_.boost, boost_days = p_.boost_days;
    for (std::size_t i = 0; i < b.consumer.size(); ++i) {
      const std::size_t k = consumer[i] - begin;
      double m = (intensity_min + (1.0 - intensity_min) * e[k]) / g0;  // g(e) / g(initial)
      const float at = notified[k];
      if (boost > 0.0 && at > kNever) {
        const double since = std::max(0.0, time[i] - static_cast<double>(at));
        m *= 1.0 + boost * std::exp(-since / boost_days);
      }
      multiplier[i] *= m;
    }
  }

  void settled(const SettledBatch& b) const override {
    float* e = b.shard.column(engagement_);
    const ConsumerId begin = b.shard.begin();
    for (const LineRecord& l : b.lines) {
      double delta = 0.0;
      if (l.quantity > 0) {
        delta += p_.up_purchase;
        if (!reference_price_ && l.unit_paid() > list_[l.product]) delta -= p_.down_price;
      }
      if (l.lost > 0) delta -= p_.down_stockout;
      if (delta != 0.0) add(&e[l.consumer - begin], delta);
    }
    // A consumer whose e rose may now visit more often than its pending candidate was drawn for
    // (redraw does nothing when the bound did not rise, e.g. for its second line).
    if (p_.up_purchase <= 0.0) return;
    CalendarControl& calendar = b.shard.calendar();
    const float* notified = b.shard.column(notified_);
    const std::size_t n = b.lines.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (i + kRedrawAhead < n) {  // the rows redraw will read, a few lines ahead
        const ConsumerId ahead = b.lines[i + kRedrawAhead].consumer;
        calendar.prefetch(ahead);
        __builtin_prefetch(notified + (ahead - begin));
      }
      const LineRecord& l = b.lines[i];
      if (l.quantity > 0) calendar.redraw(l.consumer, l.time);
    }
  }

  /// Quality surprises and prices against the reference, line by line in delivery order. A rise
  /// redraws the consumer's pending candidate (its bound rose).
  void messages(const MessageBatch& b) const override {
    for (const Message& m : b.messages) {
      double delta = 0.0;
      if (m.kind == kMessageQualitySurprise) {
        delta = m.value > 0.0f ? p_.up_surprise * m.value : p_.down_surprise * m.value;
      } else if (m.kind == kMessagePricePaid) {
        delta = m.value > 0.0f ? -p_.down_reference * m.value : 0.0;
      }
      if (delta == 0.0) continue;
      add(b.shard.row(engagement_, m.recipient), delta);
      if (delta > 0.0) b.shard.calendar().redraw(m.recipient, m.time);
    }
  }

  /// Irrelevant recommendations: a visit whose placed offers all have utilities at or below the
  /// outside option's 0 (after every utility module; hidden offers count as below).
  void basket(VisitBatch& b) const override {
    if (b.placed.empty()) return;
    const float* utility = b.utility.data();
    std::int64_t irrelevant = 0;
    for (std::size_t v = 0; v < b.consumer.size(); ++v) {
      const std::uint32_t first = b.first_slot[v], end = first + b.placed[v];
      if (end == first) continue;
      bool relevant = false;
      for (std::uint32_t s = first; s < end; ++s) relevant |= utility[s] > 0.0f;
      if (relevant) continue;
      add(b.shard.row(engagement_, b.consumer[v]), -p_.down_irrelevant);
      ++irrelevant;
    }
    if (irrelevant == 0) return;
    ShardTally& tally = shard_tally(b.shard);
    const Day day = day_of(b.time[0]);
    if (tally.irrelevant_day != day) {
      tally.irrelevant_day = day;
      tally.irrelevant = 0;
    }
    tally.irrelevant += irrelevant;
  }

  void daily(const DayBatch& b) const override {
    const ShardContext& s = b.shard;
    ShardTally& tally = shard_tally(s);
    float* e = s.column(engagement_);
    float* fatigue = s.column(fatigue_);
    const std::uint8_t* state = s.column(state_);
    const std::size_t n = s.end() - s.begin();
    // Fading: a zero fatigue stays zero, so every consumer is multiplied (vectorised). Then the
    // engagement_sum gauge (churn leaves e as it is) sums the faded column, a shard's column being
    // in the cache by then.
    const double fatigue_decay = fatigue_decay_;
    const double keep = 1.0 - p_.decay;
    for (std::size_t k = 0; k < n; ++k) fatigue[k] = static_cast<float>(fatigue[k] * fatigue_decay);
    if (p_.decay > 0.0) {
      for (std::size_t k = 0; k < n; ++k) e[k] = static_cast<float>(e[k] * keep);
    }
    tally.sum_day = b.day;
    tally.engagement_sum = column_sum(e, n);
    if (p_.churn_base > 0.0) churn_draws(s, tally, b.day, e, state);
  }

  void commands(const CommandBatch& b) const override {
    const ShardContext& s = b.shard;
    ShardTally& tally = shard_tally(s);
    for (const Command& cmd : b.commands) {
      const ConsumerId c = cmd.consumer;
      std::uint8_t& state = *s.row(state_, c);
      bool reached = true;
      if (cmd.kind == notify_kind()) {
        reached = (state & kOptedOut) == 0;
        if (reached) {
          *s.row(notified_, c) = static_cast<float>(cmd.time);
          s.calendar().redraw(c, cmd.time);  // the boost raised its bound
          float& fatigue = *s.row(fatigue_, c);
          fatigue += 1.0f;
          if (fatigue > p_.tolerance) {
            state |= kOptedOut;
            ++tally.opted_out;
            add(s.row(engagement_, c), -p_.down_optout);
          }
        }
      }
      if (!reached || (state & kChurned) == 0) continue;
      std::uint16_t& draws = *s.row(touches_, c);
      if (draws == std::numeric_limits<std::uint16_t>::max()) {
        throw RangeError("engagement: consumer " + std::to_string(c) +
                         " was touched 65,535 times while churned (the most win-back draws a consumer can take)");
      }
      CounterRng rng = s.stream(c, kWinbackCounter + 4 * static_cast<std::uint64_t>(draws));
      ++draws;
      if (rng.uniform() < p_.winback) {
        state = static_cast<std::uint8_t>(state & ~kChurned);
        --tally.churned;
        const Day day = day_of(cmd.time);
        if (tally.won_back_day != day) {
          tally.won_back_day = day;
          tally.won_back = 0;
        }
        ++tally.won_back;
        s.calendar().enter(c, cmd.time);
        s.emit(kEventWonBack, cmd.time, std::numeric_limits<double>::quiet_NaN(), c);
      }
    }
  }

  std::vector<std::string> gauges() const override {
    return {"churned", "won_back", "opted_out", "engagement_sum", "consumers", "irrelevant_visits"};
  }
  /// Events: a consumer churned (at the end of its day), a consumer was won back (at the command).
  static constexpr std::size_t kEventChurned = 0, kEventWonBack = 1;
  std::vector<std::string> event_names() const override { return {"churned", "won_back"}; }
  void gauge(const DayBatch& b, std::span<double> sums) const override {
    const ShardContext& s = b.shard;
    const ShardTally& tally = shard_tally(s);
    const std::size_t n = s.end() - s.begin();
    // (A day without a daily pass, which the engine never gives, would scan the column.)
    const double sum = tally.sum_day == b.day ? tally.engagement_sum : column_sum(s.column(engagement_), n);
    sums[0] += static_cast<double>(tally.churned);
    sums[1] += tally.won_back_day == b.day ? static_cast<double>(tally.won_back) : 0.0;
    sums[2] += static_cast<double>(tally.opted_out);
    sums[3] += sum;
    sums[4] += static_cast<double>(n);
    sums[5] += tally.irrelevant_day == b.day ? static_cast<double>(tally.irrelevant) : 0.0;
  }

 private:
  double g(double e) const { return p_.intensity_min + (1.0 - p_.intensity_min) * e; }
  static void add(float* e, double delta) { *e = static_cast<float>(std::clamp(*e + delta, 0.0, 1.0)); }

  /// lambda_i = nu_i churn_base: consumer c's largest daily churn hazard.
  double churn_bound(const ShardContext& s, ConsumerId c) const {
    if (!(p_.churn_shape > 0.0)) return p_.churn_base;
    CounterRng rng = s.stream(c, kFrailtyCounter);
    const double frailty = boost::random::gamma_distribution<double>(p_.churn_shape, 1.0 / p_.churn_shape)(rng);
    return p_.churn_base * frailty;
  }
  /// The day after `after` on which a consumer with bound `lambda` is next a candidate.
  static std::int32_t next_candidate(CounterRng rng, std::int64_t after, double lambda) {
    const double gap = std::floor(-std::log1p(-rng.uniform()) / lambda);
    const double day = static_cast<double>(after) + 1.0 + gap;
    return day < static_cast<double>(kNeverDay) ? static_cast<std::int32_t>(day) : kNeverDay;
  }

  /// Day `day`'s churn: each consumer is a candidate with probability q_i (its candidate days in
  /// churn_next), and a candidate in the market churns with probability (1 - exp(-h)) / q_i.
  void churn_draws(const ShardContext& s, ShardTally& tally, Day day, const float* e,
                   const std::uint8_t* state) const {
    const ConsumerId begin = s.begin();
    const std::size_t n = s.end() - begin;
    std::int32_t* next = s.column(churn_next_);
    const auto d = static_cast<std::int32_t>(day);
    for (std::size_t k = 0; k < n; ++k) {
      if (next[k] > d) continue;
      const auto c = static_cast<ConsumerId>(begin + k);
      const double lambda = churn_bound(s, c);
      if (next[k] == kNotDrawn) {  // the first candidate day, from day 0
        next[k] = next_candidate(s.stream(c, kFirstGapCounter), -1, lambda);
        if (next[k] > d) continue;
      }
      const auto u = static_cast<std::uint64_t>(d);
      if ((state[k] & kChurned) == 0) {
        const double hazard = lambda * std::exp(-p_.churn_slope * e[k]);
        if (s.stream(c, 4 * u).uniform() * -std::expm1(-lambda) < -std::expm1(-hazard)) churn(s, tally, c, day);
      }
      next[k] = next_candidate(s.stream(c, 4 * u + 1), d, lambda);
    }
  }

  void churn(const ShardContext& s, ShardTally& tally, ConsumerId c, Day day) const {
    *s.row(state_, c) |= kChurned;
    ++tally.churned;
    s.calendar().leave(c);
    s.emit(kEventChurned, static_cast<Time>(day + 1), std::numeric_limits<double>::quiet_NaN(), c);  // the day's end
  }

  /// The tally of `shard` (created at first use; shards' hooks may ask at once).
  ShardTally& shard_tally(const ShardContext& shard) const {
    const std::lock_guard lock(tallies_mutex_);
    if (tallies_.size() <= shard.index()) tallies_.resize(shard.index() + 1);
    std::unique_ptr<ShardTally>& tally = tallies_[shard.index()];
    if (!tally) tally = std::make_unique<ShardTally>();
    return *tally;
  }

  std::vector<Money> list_;
  EngagementParams p_;
  double g0_;
  double fatigue_decay_;
  Column<float> engagement_;
  Column<float> fatigue_;
  Column<float> notified_;
  Column<std::uint16_t> touches_;
  Column<std::uint8_t> state_;
  Column<std::int32_t> churn_next_;  // each consumer's next churn candidate day (kNotDrawn: none drawn yet)
  bool reference_price_ = false;     // reference_price is in the run: it replaces the list-price rule
  mutable std::mutex tallies_mutex_;
  mutable std::vector<std::unique_ptr<ShardTally>> tallies_;
};

}  // namespace

void register_engagement() {
  behaviour_registry().add({
      "engagement",
      "Engagement rising with purchases and falling with stock-outs, prices above list and "
      "notification fatigue; churn hazard nu_i * churn_base * exp(-churn_slope * e), nu_i a Gamma frailty; coupons and "
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
           .description = "k, the hazard is nu_i * h0 * exp(-k * e)"},
          {.name = "churn_shape", .type = ParamType::kNumber, .default_value = 0.61, .min = 0.0, .max = 1000.0,
           .description = "shape s of the consumers' churn frailty nu_i ~ Gamma(s, 1/s), mean 1 (0: the same hazard "
                          "for all; default: the Pareto/NBD dropout heterogeneity fitted to CDNOW, Fader, Hardie and "
                          "Lee 2005)"},
          {.name = "winback", .type = ParamType::kNumber, .default_value = kWinbackPerTouch, .min = 0.0, .max = 1.0,
           .description = "probability that a coupon or a notification brings a churned consumer back, per touch, "
                          "whatever the coupon's value (default 1 - 0.7^(1/3) = 0.112: Griffin and Lowenstein's "
                          "30% per win-back campaign of three touches)"},
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
          {.name = "up_surprise", .type = ParamType::kNumber, .default_value = 0.05, .min = 0.0, .max = 1.0,
           .description = "with quality_learning: engagement gained per unit of pleasant quality surprise x - mu > 0"},
          {.name = "down_surprise", .type = ParamType::kNumber, .default_value = 0.1125, .min = 0.0, .max = 1.0,
           .description = "with quality_learning: engagement lost per unit of disappointment mu - x > 0 (default "
                          "2.25 x up_surprise: Tversky and Kahneman's 1992 loss aversion)"},
          {.name = "down_reference", .type = ParamType::kNumber, .default_value = 0.5, .min = 0.0, .max = 10.0,
           .description = "with reference_price: engagement lost per unit of ln(paid / reference price) > 0 "
                          "(replaces down_price; 0.5: paying 10% above reference costs 0.048)"},
          {.name = "down_irrelevant", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0, .max = 1.0,
           .description = "engagement lost per visit whose placed offers all have utility below the outside "
                          "option's (an irrelevant recommendation; 0 by default: at usual conversion rates most "
                          "visits qualify)"},
      },
      [](const Json& j, const BehaviourContext& ctx) {
        const EngagementParams p{j["initial"].get<double>(),      j["up_purchase"].get<double>(),
                                 j["down_stockout"].get<double>(), j["down_price"].get<double>(),
                                 j["decay"].get<double>(),
                                 j["churn_base"].get<double>(),   j["churn_slope"].get<double>(),
                                 j["churn_shape"].get<double>(),
                                 j["winback"].get<double>(),      j["intensity_min"].get<double>(),
                                 j["boost"].get<double>(),        j["boost_days"].get<double>(),
                                 j["fatigue_days"].get<double>(), j["tolerance"].get<double>(),
                                 j["down_optout"].get<double>(),  j["up_surprise"].get<double>(),
                                 j["down_surprise"].get<double>(), j["down_reference"].get<double>(),
                                 j["down_irrelevant"].get<double>()};
        if (p.intensity_min <= 0.0 && p.initial <= 0.0) {
          throw ParamError("intensity_min", "must be above 0 when initial is 0 (visit rates are relative to g(initial))");
        }
        return std::make_unique<Engagement>(ctx, p);
      },
      examples_from(R"([{"churn_base": 0.02, "winback": 0.3, "tolerance": 2, "requires": {"arm": {"promotions": [{"name": "notify", "day": 2, "every": 2, "to": "random", "share": 0.5}]}}}])"),
  });
}

}  // namespace marketsim
