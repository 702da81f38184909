// Behaviour "lifecycle" (MODEL.md "Consumers", "Calibration"): when a consumer becomes a customer
// of the shop and when it stops being one, as the BG/NBD model of Fader, Hardie and Lee (2005,
// "Counting Your Customers the Easy Way", Marketing Science 24(2)) describes a customer base, so
// that a market calibrated from a transaction log keeps acquiring and losing customers as the
// shop did. Per segment (consumers of segments not listed are present from day 0 and never drop
// out):
//
//   joining   the first `present` consumers of the segment are there from day 0; each of the
//             others joins at a time J drawn independently from the segment's join-rate profile:
//             `joins` is a list of phases {"from": day, "per_day": rate} (each lasting until the
//             next phase's `from`, the last one for ever), Lambda(t) the expected joins by time t,
//             and J = Lambda^-1(u * (n - present)) with u uniform from the consumer's stream
//             (counter 0). So the joiners of a period are binomial (about Poisson) around the
//             profile, and the last one joins when the profile has brought n - present of them
//             (a segment needs room for the joiners of its horizon: later ones never join).
//             Before J the consumer does not visit: it leaves the visit calendar at the end of
//             day 0 (before that its candidate visits are thinned to nothing) and re-enters at J.
//   welcome   BG/NBD starts a customer's clock at its first purchase. With `welcome` W > 0 a
//             joiner's first candidate visit after J comes at W times its own rate (within about
//             1 / (W lambda_i) days of joining) and is a visit (its multiplier W meets its bound
//             W), so that joining is a first visit, which orders as often as any visit does; after
//             it, its own rate. (The welcome ends at that visit, not at the first order: a
//             window's orders settle at its end, after all its visits.) 0: joiners shop at their
//             own rate from J, so the first order lags J by about 1 / (lambda_i conversion),
//             long for rare shoppers.
//   dropout   after each of its orders but the first (a visit with at least one unit sold), the
//             consumer becomes inactive for good with probability p_i: it leaves the visit
//             calendar at the end of the window of that order (another order of the same window
//             still happens; another module may bring it back: engagement's win-back). p_i ~
//             Beta(dropout_a, dropout_b) across consumers, drawn once per consumer from its
//             stream (counter 2^32: two gamma variates); the k-th order's draw is the uniform of
//             counter k. dropout_a = 0: no dropout.
//
// With the segment's visit rates lognormal around visit_rate (market/market_spec.h), an order's
// probability per visit (the conversion the choice model gives) and these, the repeat-purchase
// process of a joined consumer is BG/NBD's: Poisson purchases while active, a geometric number of
// them before it drops out; calibrate (cli/commands/calibrate.cpp) fits both.
//
// Arms: the join times and p_i depend only on the consumer, so every arm has the same joiners; the
// dropout draws are per order, so arms share them while the consumers' orders coincide.
// Gauges: dropped (consumers dropped out so far), joined (consumers present or joined by the day's
// end). Cost: a daily pass over the shard's consumers for the gauges (a column compare), one
// uniform a consumer's order in settled, and a few operations per candidate visit.
#include <algorithm>
#include <boost/random/gamma_distribution.hpp>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agents/behaviour.h"
#include "sim/error.h"

namespace marketsim {
namespace {

struct Phase {
  double from = 0.0;     // day
  double per_day = 0.0;  // expected joins per day
};

struct SegmentLifecycle {
  std::uint32_t begin = 0, end = 0;  // the segment's consumers
  std::uint32_t present = 0;         // consumers [begin, begin + present) are there from day 0
  std::vector<Phase> joins;          // sorted by from
  double dropout_a = 0.0, dropout_b = 0.0;
};

constexpr std::uint8_t kDropped = 1;
constexpr std::uint64_t kDropoutDraw = std::uint64_t{1} << 32;
constexpr float kUndrawn = -1.0f;

class Lifecycle final : public Behaviour {
 public:
  Lifecycle(std::vector<SegmentLifecycle> segments, double welcome) : segments_(std::move(segments)), welcome_(welcome) {}

  unsigned stages() const override { return kStageIntensity | kStageSettled | kStageDaily; }

  bool has_consumer_bound() const override { return welcome_ > 0.0; }
  /// W for a joiner before its welcome visit (from t on, until that visit: it only falls then),
  /// 1 for everyone else.
  double consumer_bound(const ShardContext& s, ConsumerId c, Time t) const override {
    (void)t;
    return welcome_pending(s, c) ? welcome_ : 1.0;
  }

  void declare(ColumnLayout& layout) override {
    join_ = layout.add<float>("lifecycle", "join_day", 1, 0.0f);
    dropout_ = layout.add<float>("lifecycle", "dropout_probability", 1, kUndrawn);
    orders_ = layout.add<std::uint32_t>("lifecycle", "orders", 1, 0u);
    last_visit_ = layout.add<std::uint32_t>("lifecycle", "last_order_visit", 1, std::numeric_limits<std::uint32_t>::max());
    state_ = layout.add<std::uint8_t>("lifecycle", "state", 1, std::uint8_t{0});
  }

  std::vector<std::string> gauges() const override { return {"dropped", "joined"}; }

  void gauge(const DayBatch& b, std::span<double> sums) const override {
    const ShardContext& s = b.shard;
    ensure_joins(s);
    const float* join = s.column(join_);
    const std::uint8_t* state = s.column(state_);
    const auto until = static_cast<float>(b.day + 1);
    double dropped = 0.0, joined = 0.0;
    for (std::size_t k = 0; k < s.end() - s.begin(); ++k) {
      dropped += (state[k] & kDropped) != 0;
      joined += join[k] < until;
    }
    sums[0] += dropped;
    sums[1] += joined;
  }

  void intensity(IntensityBatch& b) const override {
    ensure_joins(b.shard);
    const float* join = b.shard.column(join_);
    for (std::size_t i = 0; i < b.consumer.size(); ++i) {
      if (b.time[i] < static_cast<double>(join[b.consumer[i] - b.shard.begin()])) {
        b.multiplier[i] = 0.0;
      } else if (welcome_ > 0.0 && welcome_pending(b.shard, b.consumer[i])) {
        b.multiplier[i] *= welcome_;
        *b.shard.row(state_, b.consumer[i]) |= kWelcomed;
      }
    }
  }

  void settled(const SettledBatch& b) const override {
    const ShardContext& s = b.shard;
    std::uint32_t* orders = s.column(orders_);
    std::uint32_t* last = s.column(last_visit_);
    std::uint8_t* state = s.column(state_);
    float* dropout = s.column(dropout_);
    for (const LineRecord& l : b.lines) {
      if (l.quantity == 0) continue;
      const std::size_t k = l.consumer - s.begin();
      if (last[k] == l.visit && orders[k] > 0) continue;  // another line of the same order
      last[k] = l.visit;
      const std::uint32_t order = ++orders[k];
      if (order < 2 || (state[k] & kDropped)) continue;
      const SegmentLifecycle* seg = segment_of(l.consumer);
      if (seg == nullptr || seg->dropout_a <= 0.0) continue;
      if (dropout[k] == kUndrawn) dropout[k] = static_cast<float>(draw_dropout(s, l.consumer, *seg));
      if (s.stream(l.consumer, order).uniform() < static_cast<double>(dropout[k])) {
        state[k] |= kDropped;
        s.calendar().leave(l.consumer);
      }
    }
  }

  /// Parks the consumers not joined by the day's end (once, at the end of day 0) and lets back in
  /// those joining the next day, at their join time.
  void daily(const DayBatch& b) const override {
    const ShardContext& s = b.shard;
    ensure_joins(s);
    const float* join = s.column(join_);
    std::uint8_t* state = s.column(state_);
    const auto end = static_cast<double>(b.day + 1);
    for (std::size_t k = 0; k < s.end() - s.begin(); ++k) {
      const auto c = s.begin() + static_cast<ConsumerId>(k);
      const auto at = static_cast<double>(join[k]);
      if (b.day == 0 && at >= end && !(state[k] & kParked)) {
        state[k] |= kParked;
        s.calendar().leave(c);
      }
      if ((state[k] & kParked) && at < end + 1.0) {
        state[k] &= static_cast<std::uint8_t>(~kParked);
        s.calendar().enter(c, at);
      }
    }
  }

 private:
  /// A joiner (not present from day 0) before its welcome visit.
  bool welcome_pending(const ShardContext& s, ConsumerId c) const {
    if (*s.row(state_, c) & kWelcomed) return false;
    const SegmentLifecycle* seg = segment_of(c);
    return seg != nullptr && c >= seg->begin + seg->present;
  }

  const SegmentLifecycle* segment_of(ConsumerId c) const {
    for (const SegmentLifecycle& s : segments_) {
      if (c >= s.begin && c < s.end) return &s;
    }
    return nullptr;
  }

  /// p_i ~ Beta(a, b) as X / (X + Y), X ~ Gamma(a), Y ~ Gamma(b).
  static double draw_dropout(const ShardContext& s, ConsumerId c, const SegmentLifecycle& seg) {
    CounterRng rng = s.stream(c, kDropoutDraw);
    const double x = boost::random::gamma_distribution<double>(seg.dropout_a)(rng);
    const double y = boost::random::gamma_distribution<double>(seg.dropout_b)(rng);
    return x + y > 0.0 ? x / (x + y) : 0.0;
  }

  /// The join day of consumer c (0 when present from the start).
  double join_day(const ShardContext& s, ConsumerId c) const {
    const SegmentLifecycle* seg = segment_of(c);
    if (seg == nullptr || c < seg->begin + seg->present) return 0.0;
    const double target = s.stream(c, 0).uniform() * static_cast<double>(seg->end - seg->begin - seg->present);
    // Lambda^-1(target) over the phases.
    double done = 0.0;
    for (std::size_t p = 0; p < seg->joins.size(); ++p) {
      const Phase& ph = seg->joins[p];
      const double end = p + 1 < seg->joins.size() ? seg->joins[p + 1].from : std::numeric_limits<double>::infinity();
      const double here = ph.per_day * (end - ph.from);
      if (ph.per_day > 0.0 && done + here >= target) return ph.from + (target - done) / ph.per_day;
      done += here;
    }
    return std::numeric_limits<double>::infinity();  // unreachable: the last phase's rate is > 0 (validated)
  }

  /// Fills the shard's join days once (the first hook to see the shard; a shard's hooks run on one
  /// thread at a time).
  void ensure_joins(const ShardContext& s) const {
    float* join = s.column(join_);
    std::uint8_t* state = s.column(state_);
    const std::size_t n = s.end() - s.begin();
    if (n == 0 || (state[0] & kJoinsSet)) return;
    for (std::size_t k = 0; k < n; ++k) {
      const double day = join_day(s, s.begin() + static_cast<ConsumerId>(k));
      join[k] = std::isinf(day) ? std::numeric_limits<float>::infinity() : static_cast<float>(day);
    }
    state[0] |= kJoinsSet;
  }

  static constexpr std::uint8_t kJoinsSet = 2;  // on the shard's first consumer: join days filled
  static constexpr std::uint8_t kParked = 4;    // out of the visit calendar until it joins
  static constexpr std::uint8_t kWelcomed = 8;  // a joiner's welcome visit is behind it

  std::vector<SegmentLifecycle> segments_;
  double welcome_;
  Column<float> join_;
  Column<float> dropout_;
  Column<std::uint32_t> orders_;
  Column<std::uint32_t> last_visit_;
  Column<std::uint8_t> state_;
};

double number_in(const Json& object, const std::string& key, double fallback, double lo, double hi,
                 const std::string& where) {
  if (!object.contains(key)) return fallback;
  const Json& v = object[key];
  if (!v.is_number() || !(v.get<double>() >= lo) || !(v.get<double>() <= hi)) {
    char range[96];
    std::snprintf(range, sizeof range, "[%g, %g]", lo, hi);
    throw ParamError("segments", where + "/" + key + " must be a number in " + range);
  }
  return v.get<double>();
}

std::unique_ptr<Behaviour> make_lifecycle(const Json& p, const BehaviourContext& ctx) {
  std::vector<SegmentLifecycle> out;
  const std::vector<SegmentRange> ranges = ctx.spec.segment_ranges();
  for (const auto& item : p["segments"].items()) {
    const std::string name = item.key();  // (a named copy: lambdas cannot capture structured bindings in clang 14)
    const Json& value = item.value();
    const auto range = std::find_if(ranges.begin(), ranges.end(), [&](const SegmentRange& r) { return r.name == name; });
    std::string where = name;
    if (range == ranges.end()) {
      std::string known;
      for (const SegmentRange& r : ranges) known += (known.empty() ? "" : ", ") + r.name;
      throw ParamError("segments", "\"" + name + "\" is not a segment of the market; allowed: " + known);
    }
    if (!value.is_object()) throw ParamError("segments", where + " must be an object");
    for (const auto& [key, unused] : value.items()) {
      (void)unused;
      if (key != "present" && key != "joins" && key != "dropout_a" && key != "dropout_b") {
        throw ParamError("segments", where + "/" + key + " is not a key; allowed: present, joins, dropout_a, dropout_b");
      }
    }
    SegmentLifecycle seg;
    seg.begin = range->begin;
    seg.end = range->end;
    const double size = static_cast<double>(range->end - range->begin);
    const double present = number_in(value, "present", size, 0.0, size, where);
    if (present != std::floor(present)) throw ParamError("segments", where + "/present must be a whole number of consumers");
    seg.present = static_cast<std::uint32_t>(present);
    seg.dropout_a = number_in(value, "dropout_a", 0.0, 0.0, 1.0e6, where);
    seg.dropout_b = number_in(value, "dropout_b", 1.0, 0.0, 1.0e6, where);
    if (seg.dropout_a > 0.0 && !(seg.dropout_b > 0.0)) throw ParamError("segments", where + "/dropout_b must be > 0 when dropout_a > 0");
    if (value.contains("joins")) {
      const Json& joins = value["joins"];
      if (!joins.is_array()) throw ParamError("segments", where + "/joins must be a list of {\"from\": day, \"per_day\": rate}");
      for (std::size_t i = 0; i < joins.size(); ++i) {
        const std::string at = where + "/joins/" + std::to_string(i);
        if (!joins[i].is_object()) throw ParamError("segments", at + " must be an object {\"from\": day, \"per_day\": rate}");
        for (const auto& [key, unused] : joins[i].items()) {
          (void)unused;
          if (key != "from" && key != "per_day") throw ParamError("segments", at + "/" + key + " is not a key; allowed: from, per_day");
        }
        Phase ph{number_in(joins[i], "from", 0.0, 0.0, 3650.0, at), number_in(joins[i], "per_day", 0.0, 0.0, 1.0e9, at)};
        if (!seg.joins.empty() && !(ph.from > seg.joins.back().from)) {
          throw ParamError("segments", at + "/from must be after the previous phase's from");
        }
        seg.joins.push_back(ph);
      }
    }
    if (seg.present < range->end - range->begin && (seg.joins.empty() || !(seg.joins.back().per_day > 0.0))) {
      throw ParamError("segments", where + ": consumers beyond `present` join only at a positive rate; the last "
                                           "phase of joins must have per_day > 0 (or present = the segment's size)");
    }
    out.push_back(std::move(seg));
  }
  return std::make_unique<Lifecycle>(std::move(out), p["welcome"].get<double>());
}

}  // namespace

void register_lifecycle() {
  behaviour_registry().add({
      "lifecycle",
      "Customer lifecycle as in BG/NBD: consumers join the shop over time (a join-rate profile per "
      "segment) and, after each repeat order, drop out for good with a probability that varies "
      "across consumers (Beta).",
      {
          {.name = "segments", .type = ParamType::kObject, .default_value = Json::object(),
           .description = "per segment name: {\"present\": consumers there from day 0 (default: all), "
                          "\"joins\": [{\"from\": day, \"per_day\": expected joins a day}, ...], \"dropout_a\", "
                          "\"dropout_b\": Beta parameters of the dropout probability after each repeat order "
                          "(dropout_a 0: none)}"},
          {.name = "welcome", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0, .max = 1.0e6,
           .description = "W: a joiner's visit intensity is W x its own from joining until its first order, so that "
                          "joining is the first order (0: its own rate from joining)"},
      },
      make_lifecycle,
      examples_from(R"([{"segments": {"regulars": {"present": 500, "joins": [{"from": 0, "per_day": 20}, {"from": 7, "per_day": 40}], "dropout_a": 0.8, "dropout_b": 2.5}, "bargain": {"dropout_a": 1, "dropout_b": 4}}, "welcome": 100}])"),
  });
}

}  // namespace marketsim
