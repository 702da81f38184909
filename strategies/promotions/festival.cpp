// Promotion "festival": a shopping festival in dated phases, each with its own tools (MODEL.md
// "Strategies": pre-heat with notifications and deposits, peak with deep discounts, tail).
//   phases     {"pre_heat" | "peak" | "tail": {"start": d0, "end": d1, "tools": [promotion, ...]}},
//              spans [start, end) in days, in that order and not overlapping; a phase may be left
//              out (peak is required). A tool is any other registered promotion with its own
//              parameters ({"name": "threshold", ...}); it acts only inside its phase. The
//              festival's campaign terms (budget, daily_cap, pacing, holdout, monitor) govern all
//              of its tools: one budget, one ledger; tools take no campaign terms of their own.
//   surge      traffic multiplier on the peak's days (>= 1): every consumer's visit intensity
//              (PromotionStrategy::traffic), e.g. 3 for a Double 11 day.
//   deposit    {"amount": D, "worth": W, "share": s}: at the pre-heat's start a randomised share s
//              of consumers (a hash of the consumer in the festival's stream) pay a deposit of D
//              that is worth W (> D) against an order of at least W during the peak. It is
//              modelled as a coupon of W - D off an order of at least W, valid from the peak's
//              start to its end, issued at no cost: the deposit itself is part of the order's
//              payment, so only the extra W - D is a discount (charged to the festival's budget
//              when redeemed); a deposit not used in the peak is refunded (no money moves).
// How the tools combine: per-item discounts, the deepest per offer (its tool's cap and featured
// slots follow that tool); order rules of the tools in the active phase add up (the engine caps
// them at what is left of the order); a threshold's spend tiers are those of the active phase's
// first tool that has them; gift costs add up. "scale_depth" scales every tool.
//   defer_weight  w in [0, 1]: from the pre-heat's start until the peak, shoppers who know the
//              peak's per-item discounts hold back: an offer whose product the peak's tools plan
//              to discount by a share d (their planned_depth, the deepest) loses beta * w * d *
//              price of its utility (AnticipatedDiscount), the pre-promotion dip (van Heerde,
//              Leeflang and Wittink 2000). w is the share of the saving a shopper counts now:
//              the chance its purchase can wait for the peak (0.5 by default, illustrative).
//              Order-level rules (thresholds) and deposits are not per-item depths: no deferral.
//   wish_list  {"probability": p, "slots": k}: during the pre-heat each visit wish-lists, with
//              probability p, the shown product the shopper liked best (highest utility); on the
//              peak every visit also shows up to k of the shopper's wish-listed products, the latest
//              first (WishListing: the mechanic "wish_list", mechanics/wish_lists.cpp).
#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <string>

#include "strategies/promotions/coupons.h"
#include "strategies/promotions/wish_listing.h"
#include "strategies/registry.h"

namespace marketsim {
namespace {

struct Phase {
  std::string name;
  Time start = 0;
  Time end = 0;
  std::vector<std::unique_ptr<PromotionStrategy>> tools;
  bool holds(Time t) const { return t >= start && t < end; }
};

struct WishList {
  double probability = 0;
  std::size_t slots = 0;
};

struct Deposit {
  Money amount = 0;
  Money worth = 0;
  double share = 0;
};

class Festival final : public PromotionStrategy,
                       public OrderRule,
                       public QuantityLimit,
                       public FeaturedSlots,
                       public VisitTraffic,
                       public ScalableDepth,
                       public WishListing,
                       public AnticipatedDiscount {
 public:
  Festival(std::vector<Phase> phases, double surge, double defer_weight, std::optional<Deposit> deposit,
           std::optional<WishList> wishes, StreamFamily keys, std::int64_t consumers)
      : phases_(std::move(phases)),
        surge_(surge),
        defer_weight_(defer_weight),
        deposit_(deposit),
        wishes_(wishes),
        keys_(keys),
        consumers_(consumers) {
    for (const Phase& p : phases_) {
      for (const auto& t : p.tools) {
        const OrderRule* rule = t->capability<OrderRule>();
        order_rule_ = order_rule_ || rule != nullptr;
        capped_ = capped_ || t->capability<QuantityLimit>() != nullptr;
        if (const FeaturedSlots* f = t->capability<FeaturedSlots>()) featured_slots_ = std::max(featured_slots_, f->featured_slots());
        tiers_possible_ = tiers_possible_ || (rule != nullptr && rule->spend_tiers() != nullptr);
      }
    }
  }

  /// Its tools' mechanics, the coupon wallet for deposits and the wish list for wishes.
  std::vector<std::string> mechanics() const override {
    std::vector<std::string> out;
    const auto add = [&](const std::string& m) {
      if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
    };
    for (const Phase& p : phases_) {
      for (const auto& t : p.tools) {
        for (const std::string& m : t->mechanics()) add(m);
      }
    }
    if (deposit_) add(kCouponMechanic);
    if (wishes_) add(kWishListMechanic);
    return out;
  }

  LogNeeds needs() const override {
    LogNeeds n;
    for (const Phase& p : phases_) {
      for (const auto& t : p.tools) n.merge(t->needs());
    }
    return n;
  }
  void observe(const WindowRecords& w) override {
    for (Phase& p : phases_) {
      for (auto& t : p.tools) t->observe(w);
    }
  }
  void observe_day(const DayRecord& d) override {
    for (Phase& p : phases_) {
      for (auto& t : p.tools) t->observe_day(d);
    }
  }

  bool offers(const MarketContext& ctx, std::span<const Money> prices, std::span<Money> discounts) override {
    const Phase* phase = at(ctx.window_start);
    funder_.assign(prices.size(), nullptr);
    // The active phase's spend tiers (the basket unlock), empty outside it.
    tiers_ = SpendTiers{};
    if (phase == nullptr) return false;
    for (const auto& t : phase->tools) {
      const OrderRule* rule = t->capability<OrderRule>();
      if (const SpendTiers* s = rule ? rule->spend_tiers() : nullptr; s != nullptr && tiers_.spend.empty()) tiers_ = *s;
    }
    bool any = false;
    scratch_.resize(prices.size());
    std::fill(discounts.begin(), discounts.end(), 0);
    for (const auto& t : phase->tools) {
      if (!t->offers(ctx, prices, scratch_)) continue;
      any = true;
      for (std::size_t k = 0; k < prices.size(); ++k) {
        if (scratch_[k] > discounts[k]) {
          discounts[k] = scratch_[k];
          funder_[k] = t.get();
        }
      }
    }
    return any;
  }

  void act(const MarketContext& ctx, CommandSink& commands) override {
    const Phase* phase = at(ctx.window_start);
    if (deposit_ && !deposits_issued_ && !phases_.empty() && phases_.front().name == "pre_heat" &&
        ctx.window_start >= phases_.front().start) {
      deposits_issued_ = true;
      const Phase& peak = *find("peak");
      Coupon c;
      c.amount_off = deposit_->worth - deposit_->amount;
      c.min_spend = deposit_->worth;
      c.valid_from = peak.start;
      c.expires = peak.end;
      for (std::int64_t i = 0; i < consumers_; ++i) {
        const auto consumer = static_cast<ConsumerId>(i);
        if (CounterRng(keys_.key(consumer)).uniform() < deposit_->share) issue_coupon(commands, consumer, c, 0);
      }
    }
    if (phase == nullptr) return;
    for (const auto& t : phase->tools) t->act(ctx, commands);
  }

  std::optional<std::pair<Time, Time>> span() const override {
    return std::pair{phases_.front().start, phases_.back().end};
  }
  void scale(double factor) override {
    for (Phase& p : phases_) {
      for (auto& t : p.tools) {
        if (ScalableDepth* d = t->capability<ScalableDepth>()) d->scale(factor);
      }
    }
  }

  Money order_discount(const OrderView& order) override {
    const Phase* phase = at(order.time);
    if (phase == nullptr) return 0;
    Money total = 0;
    for (const auto& t : phase->tools) {
      if (OrderRule* rule = t->capability<OrderRule>()) total += rule->order_discount(order);
    }
    return total;
  }
  Money order_cost(const OrderView& order) override {
    const Phase* phase = at(order.time);
    if (phase == nullptr) return 0;
    Money total = 0;
    for (const auto& t : phase->tools) {
      if (OrderRule* rule = t->capability<OrderRule>()) total += rule->order_cost(order);
    }
    return total;
  }
  CostKind order_cost_kind() const override {
    static const CostKind gift = cost_kind("gift");
    return gift;
  }
  const SpendTiers* spend_tiers() const override { return tiers_possible_ ? &tiers_ : nullptr; }

  std::uint64_t cap_left(std::size_t k) const override {
    const QuantityLimit* limit = k < funder_.size() && funder_[k] != nullptr ? funder_[k]->capability<QuantityLimit>() : nullptr;
    return limit != nullptr ? limit->cap_left(k) : UINT64_MAX;
  }
  void sold_at_discount(std::size_t k, std::uint64_t units) override {
    QuantityLimit* limit = k < funder_.size() && funder_[k] != nullptr ? funder_[k]->capability<QuantityLimit>() : nullptr;
    if (limit != nullptr) limit->sold_at_discount(k, units);
  }
  std::size_t featured_slots() const override { return featured_slots_; }
  void featured(const MarketContext& ctx, std::vector<OfferId>& out) override {
    const Phase* phase = at(ctx.window_start);
    if (phase == nullptr) return;
    for (const auto& t : phase->tools) {
      FeaturedSlots* f = t->capability<FeaturedSlots>();
      if (f != nullptr && f->featured_slots() > 0) f->featured(ctx, out);
    }
  }

  double wish_probability(Time t) const override {
    const Phase* pre = find("pre_heat");
    return wishes_ && pre != nullptr && pre->holds(t) ? wishes_->probability : 0.0;
  }
  std::size_t wish_slots(Time t) const override { return wishes_ && find("peak")->holds(t) ? wishes_->slots : 0; }
  std::size_t wish_slots_bound() const override { return wishes_ ? wishes_->slots : 0; }

  /// From the pre-heat's start until the peak: defer_weight times the peak's planned depth.
  double waiting_share(ProductId product, Time t) const override {
    const Phase* pre = find("pre_heat");
    const Phase* peak = find("peak");
    if (pre == nullptr || t < pre->start || t >= peak->start) return 0.0;
    double depth = 0.0;
    for (const auto& tool : peak->tools) depth = std::max(depth, tool->planned_depth(product));
    return defer_weight_ * depth;
  }

  double traffic(Day day) const override {
    const Phase* peak = find("peak");
    return peak->holds(static_cast<Time>(day)) || (static_cast<Time>(day) < peak->end && static_cast<Time>(day + 1) > peak->start)
               ? surge_
               : 1.0;
  }

 private:
  /// What its tools use (and the deposits' coupons, the surge, the wish lists).
  bool uses(const std::type_info& t) const override {
    if (t == typeid(OrderRule)) return order_rule_ || deposit_.has_value();
    if (t == typeid(QuantityLimit)) return capped_;
    if (t == typeid(VisitTraffic)) return surge_ != 1.0;
    if (t == typeid(WishListing)) return wishes_.has_value();
    if (t == typeid(AnticipatedDiscount)) return defer_weight_ > 0.0 && find("pre_heat") != nullptr;
    return true;
  }
  const Phase* at(Time t) const {
    for (const Phase& p : phases_) {
      if (p.holds(t)) return &p;
    }
    return nullptr;
  }
  const Phase* find(const std::string& name) const {
    for (const Phase& p : phases_) {
      if (p.name == name) return &p;
    }
    return nullptr;
  }

  std::vector<Phase> phases_;
  double surge_;
  double defer_weight_;
  std::optional<Deposit> deposit_;
  std::optional<WishList> wishes_;
  StreamFamily keys_;
  std::int64_t consumers_;
  bool deposits_issued_ = false;
  bool order_rule_ = false;
  bool capped_ = false;
  bool tiers_possible_ = false;
  std::size_t featured_slots_ = 0;
  SpendTiers tiers_;                                 // the active phase's (see offers())
  std::vector<PromotionStrategy*> funder_;           // per local offer: the tool whose discount it shows
  std::vector<Money> scratch_;
};

const ParamSchema& phase_params() {
  static const ParamSchema s = {
      {.name = "start", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1e9,
       .description = "first day of the phase (inclusive)"},
      {.name = "end", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1e9,
       .description = "end of the phase (exclusive)"},
      {.name = "tools", .type = ParamType::kObjectList, .default_value = Json::array(),
       .description = "the promotions acting in the phase ({\"name\": ..., their parameters})"},
  };
  return s;
}

const ParamSchema& wish_params() {
  static const ParamSchema s = {
      {.name = "probability", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1.0,
       .description = "chance a pre-heat visit wish-lists its best-liked shown product", .min_exclusive = true},
      {.name = "slots", .type = ParamType::kInteger, .default_value = 2, .min = 1, .max = 16,
       .description = "wish-listed products shown per peak visit"},
  };
  return s;
}

const ParamSchema& deposit_params() {
  static const ParamSchema s = {
      {.name = "amount", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1e9,
       .description = "what a deposit costs the consumer (currency units)", .min_exclusive = true},
      {.name = "worth", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1e9,
       .description = "what it is worth against a peak order of at least this (currency units, > amount)",
       .min_exclusive = true},
      {.name = "share", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1.0,
       .description = "share of consumers who place a deposit", .min_exclusive = true},
  };
  return s;
}

/// Validates `object` against `schema` with errors at `pointer` (relative to the festival).
Json checked(const ParamSchema& schema, const Json& object, const std::string& pointer,
             const SelectorContext* selectors = nullptr) {
  try {
    return validate_object(schema, object, "", pointer, selectors);
  } catch (const ScenarioError& e) {
    throw ParamError(e.pointer(), e.detail());
  }
}

}  // namespace

void register_festival() {
  promotion_registry().add({
      "festival",
      "A shopping festival in dated phases (pre_heat, peak, tail), each with its own promotions as tools, "
      "a traffic surge on the peak and deposits paid ahead that are worth more on the peak.",
      {
          {.name = "phases", .type = ParamType::kObject, .default_value = nullptr,
           .description = "{\"pre_heat\"|\"peak\"|\"tail\": {\"start\", \"end\", \"tools\": [...]}}; peak required"},
          {.name = "surge", .type = ParamType::kNumber, .default_value = 1.0, .min = 1.0, .max = 100.0,
           .description = "visit intensity multiplier on the peak's days"},
          {.name = "defer_weight", .type = ParamType::kNumber, .default_value = 0.5, .min = 0.0, .max = 1.0,
           .description = "share of the peak's planned per-item saving a shopper counts from the pre-heat's start until "
                          "the peak (a utility penalty beta * w * depth * price on the products the peak will discount: "
                          "the pre-festival lull); 0: none"},
          {.name = "wish_list", .type = ParamType::kObject, .default_value = nullptr,
           .description = "{\"probability\", \"slots\"}: wish-listing in the pre-heat, shown on the peak",
           .optional = true},
          {.name = "deposit", .type = ParamType::kObject, .default_value = nullptr,
           .description = "{\"amount\", \"worth\", \"share\"}: deposits placed at the pre-heat's start",
           .optional = true},
      },
      [](const Json& p, const BuildContext& ctx) {
        const Json& phases = p["phases"];
        static const std::array<const char*, 3> kNames = {"pre_heat", "peak", "tail"};
        for (const auto& item : phases.items()) {
          const std::string phase_name = item.key();
          if (std::find_if(kNames.begin(), kNames.end(), [&](const char* n) { return phase_name == n; }) == kNames.end()) {
            throw ParamError("/phases/" + phase_name, "unknown phase; allowed: \"pre_heat\", \"peak\", \"tail\"");
          }
        }
        if (!phases.contains("peak")) throw ParamError("/phases", "must have a \"peak\" phase");
        const SelectorContext selectors{ctx.catalog.size(), ctx.catalog.category_names};
        std::vector<Phase> out;
        for (const char* name : kNames) {
          if (!phases.contains(name)) continue;
          const std::string at = std::string("/phases/") + name;
          const Json ph = checked(phase_params(), phases[name], at);
          Phase phase{name, ph["start"].get<double>(), ph["end"].get<double>(), {}};
          if (!(phase.end > phase.start)) throw ParamError(at + "/end", "must be greater than start");
          if (!out.empty() && phase.start < out.back().end) {
            throw ParamError(at + "/start", "must be at or after the end of the " + out.back().name + " phase");
          }
          const Json& tools = ph["tools"];
          for (std::size_t k = 0; k < tools.size(); ++k) {
            const std::string tool_at = at + "/tools/" + std::to_string(k);
            const Json& tool = tools[k];
            if (!tool.contains("name") || !tool["name"].is_string()) throw ParamError(tool_at + "/name", "must name a promotion");
            const std::string tool_name = tool["name"].get<std::string>();
            const auto* info = promotion_registry().find(tool_name);
            if (info == nullptr || tool_name == "festival") {
              throw ParamError(tool_at + "/name", "must be a registered promotion other than festival; Valid values are: " +
                                                      promotion_registry().names());
            }
            Json params = tool;
            params.erase("name");
            for (const auto& [key, value] : params.items()) {
              if (PromotionRegistry::shared_param(key)) {
                throw ParamError(tool_at + "/" + key, "campaign terms belong to the festival, not its tools");
              }
            }
            const Json resolved = checked(info->params, params, tool_at, &selectors);
            try {
              phase.tools.push_back(info->make(resolved, ctx));
            } catch (const ParamError& e) {
              const std::string& key = e.key();
              throw ParamError(tool_at + (key.starts_with('/') ? key : "/" + key), e.what());
            }
            // The tool acts in its phase only: its own window, if it has one, must fit it.
            if (const auto span = phase.tools.back()->span(); span && (span->second <= phase.start || span->first >= phase.end)) {
              throw ParamError(tool_at, "its own window [" + std::to_string(span->first) + ", " + std::to_string(span->second) +
                                            ") lies outside the phase");
            }
          }
          out.push_back(std::move(phase));
        }
        std::optional<Deposit> deposit;
        if (p.contains("deposit")) {
          const Json d = checked(deposit_params(), p["deposit"], "/deposit");
          deposit = Deposit{to_cents(d["amount"].get<double>()), to_cents(d["worth"].get<double>()), d["share"].get<double>()};
          if (deposit->worth <= deposit->amount) throw ParamError("/deposit/worth", "must be greater than amount");
          if (!phases.contains("pre_heat")) throw ParamError("/deposit", "needs a \"pre_heat\" phase (deposits are placed then)");
        }
        std::optional<WishList> wishes;
        if (p.contains("wish_list")) {
          const Json w = checked(wish_params(), p["wish_list"], "/wish_list");
          wishes = WishList{w["probability"].get<double>(), w["slots"].get<std::size_t>()};
          if (!phases.contains("pre_heat")) throw ParamError("/wish_list", "needs a \"pre_heat\" phase (wishes are made then)");
        }
        const StreamFamily keys(ctx.seed, ctx.replication, Purpose::kStrategy,
                                (static_cast<std::uint64_t>(ctx.seller) << 32) ^ static_cast<std::uint64_t>(ctx.promotion) ^
                                    name_hash("festival.deposit"));
        return std::make_unique<Festival>(std::move(out), p["surge"].get<double>(), p["defer_weight"].get<double>(), deposit,
                                          wishes, keys, ctx.consumers);
      },
      examples_from(R"([{"surge": 2, "budget": 3000, "phases": {"pre_heat": {"start": 3, "end": 6, "tools": [{"name": "notify", "day": 3}]}, "peak": {"start": 6, "end": 8, "tools": [{"name": "percent_off", "depth": 0.3}, {"name": "flash_sale", "products": {"every": 8}, "depth": 0.5, "start": 6, "duration": 1, "cap": 4, "featured": 2}, {"name": "threshold", "tiers": [{"spend": 40, "off": 5}]}]}, "tail": {"start": 8, "end": 10, "tools": [{"name": "percent_off", "depth": 0.1}]}}, "deposit": {"amount": 5, "worth": 12, "share": 0.2}, "wish_list": {"probability": 0.3, "slots": 2}, "requires": {"behaviours": [{"name": "basket", "max_items": 4}]}}])"),
  });
}

}  // namespace marketsim
