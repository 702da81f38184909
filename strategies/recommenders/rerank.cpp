// Recommendation "rerank": wraps a learned recommender (`of`: item_cf, user_cf, als,
// segment_popular, popular or linucb, with its own parameters) and re-orders its top
// `candidates` offers for each visit by a blend of relevance and the seller's interest:
//   score = (1 - weight) * relevance + weight * interest,
// relevance = 1 - rank / candidates (the wrapped list's order: 1 for its first offer), interest:
//   "margin":    the offer's unit margin at the window's price, (price - discount - cost) / price,
//                clamped to [0, 1] (the window's posted prices and per-item discounts,
//                MarketContext::prices and discounts, and the catalog's unit costs);
//   "promotion": 1 when a promotion discounts the offer in the window, else 0.
// weight 0 keeps the wrapped order; weight 1 ranks by interest alone (ties keep relevance's
// order). The `slots` best are shown. The wrapped recommender keeps `candidates` offers per
// consumer (its per-consumer lists grow to that length), so a visit still costs O(candidates).
// Cold start is the wrapped recommender's. Acts online only (rank() returns false): its interest
// is the window's prices, which an offline split does not have.
#include <algorithm>
#include <cmath>

#include "strategies/recommenders/learned.h"
#include "strategies/registry.h"

namespace marketsim {
namespace {

class Rerank final : public Recommender {
 public:
  Rerank(std::unique_ptr<LearnedRecommender> inner, std::size_t slots, std::size_t candidates, bool margin, double weight,
         const BuildContext& ctx)
      : inner_(std::move(inner)), slots_(slots), candidates_(candidates), margin_(margin), weight_(weight),
        interest_(ctx.offers.size(), 0.0f) {
    inner_->set_list_length(candidates_);
  }

  std::size_t slots() const override { return slots_; }
  LogNeeds needs() const override { return inner_->needs(); }
  void declare(ColumnLayout& layout) override {
    inner_->set_name(name() + "." + inner_->name());
    inner_->declare(layout);
  }
  std::vector<std::string> event_names() const override { return inner_->event_names(); }
  void observe(const WindowRecords& r) override { inner_->observe(r); }
  void observe_day(const DayRecord& d) override { inner_->observe_day(d); }
  std::vector<std::string> gauge_names() const override { return inner_->gauge_names(); }
  void gauge(Day day, std::span<double> values) const override { inner_->gauge(day, values); }

  void prepare(const MarketContext& ctx) override {
    inner_->attach_rows(rows());
    inner_->attach_events(events());
    inner_->prepare(ctx);
    first_ = ctx.first_offer();
    count_ = ctx.offer_count();
    for (OfferId o = first_; o < first_ + count_; ++o) {
      const Money price = ctx.prices.empty() ? 0 : ctx.prices[o];
      const Money discount = ctx.discounts.empty() ? 0 : ctx.discounts[o];
      if (margin_) {
        const Money cost = ctx.catalog.unit_cost[ctx.offers.product[o]];
        const double m = price > 0 ? static_cast<double>(price - discount - cost) / static_cast<double>(price) : 0.0;
        interest_[o] = static_cast<float>(std::clamp(m, 0.0, 1.0));
      } else {
        interest_[o] = discount > 0 ? 1.0f : 0.0f;
      }
    }
  }

  void recommend(ConsumerId consumer, CounterRng& rng, ShownSet& shown) const override {
    std::array<OfferId, 64> list{};
    std::array<float, 64> score{};
    const std::size_t n = inner_->list(consumer, std::span<OfferId>(list.data(), candidates_));
    for (std::size_t r = 0; r < n; ++r) {
      const double relevance = 1.0 - static_cast<double>(r) / static_cast<double>(candidates_);
      score[r] = static_cast<float>((1.0 - weight_) * relevance + weight_ * interest_[list[r]]);
    }
    std::array<std::uint8_t, 64> order{};
    for (std::size_t r = 0; r < n; ++r) order[r] = static_cast<std::uint8_t>(r);
    const std::size_t take = std::min(slots_, n);
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(take), order.begin() + static_cast<std::ptrdiff_t>(n),
                      [&](std::uint8_t a, std::uint8_t b) { return score[a] != score[b] ? score[a] > score[b] : a < b; });
    for (std::size_t k = 0; k < take; ++k) shown.push(list[order[k]]);
    if (take < slots_) shown.add_uniform(slots_ - take, first_, count_, rng);
  }

 private:
  std::unique_ptr<LearnedRecommender> inner_;
  std::size_t slots_, candidates_;
  bool margin_;
  double weight_;
  std::vector<float> interest_;  // per offer of the market: the window's interest
  OfferId first_ = 0;
  std::size_t count_ = 0;
};

}  // namespace

void register_rerank() {
  recommender_registry().add({
      "rerank",
      "Wraps a learned recommender and re-orders its top candidates by (1 - weight) relevance + weight x margin or "
      "promotion status at the window's prices.",
      {
          {.name = "of", .type = ParamType::kObject, .default_value = Json{{"name", "item_cf"}},
           .description = "the wrapped recommender: {\"name\": item_cf|user_cf|als|segment_popular|popular|linucb, its parameters}"},
          {.name = "slots", .type = ParamType::kInteger, .default_value = 10, .min = 1, .max = 32,
           .description = "products recommended per visit"},
          {.name = "candidates", .type = ParamType::kInteger, .default_value = 30, .min = 1, .max = 64,
           .description = "the wrapped recommender's top offers re-ordered (at least slots)"},
          {.name = "by", .type = ParamType::kString, .default_value = "margin",
           .description = "the seller's interest blended in", .choices = {"margin", "promotion"}},
          {.name = "weight", .type = ParamType::kNumber, .default_value = 0.3, .min = 0.0, .max = 1.0,
           .description = "the interest's weight (0: the wrapped order)"},
      },
      [](const Json& p, const BuildContext& ctx) {
        const auto slots = p["slots"].get<std::size_t>();
        const auto candidates = p["candidates"].get<std::size_t>();
        if (candidates < slots) throw ParamError("candidates", "must be at least slots");
        if (slots > ctx.offer_count()) throw ParamError("slots", "exceeds the number of products the seller offers");
        const Json& of = p["of"];
        if (!of.contains("name") || !of["name"].is_string()) throw ParamError("/of/name", "expected a recommender name (a string)");
        const std::string inner_name = of["name"].get<std::string>();
        const auto* info = recommender_registry().find(inner_name);
        if (info == nullptr || inner_name == "rerank" || inner_name == "random" || inner_name == "popular_plus_random") {
          throw ParamError("/of/name", "expected one of \"item_cf\", \"user_cf\", \"als\", \"segment_popular\", \"popular\", \"linucb\"");
        }
        Json inner_params = of;
        inner_params.erase("name");
        Json valid;
        try {
          valid = validate_object(info->params, inner_params, "", "/of");
        } catch (const ScenarioError& e) {
          throw ParamError(e.pointer(), e.detail());
        }
        std::unique_ptr<Recommender> made = info->make(valid, ctx);
        auto* learned = dynamic_cast<LearnedRecommender*>(made.get());
        if (learned == nullptr) throw ParamError("/of/name", "the wrapped recommender keeps no per-consumer lists");
        made.release();
        auto inner = std::unique_ptr<LearnedRecommender>(learned);
        inner->set_name(inner_name);
        return std::make_unique<Rerank>(std::move(inner), slots, candidates, p["by"] == "margin", p["weight"].get<double>(), ctx);
      },
      examples_from(R"([{"of": {"name": "popular", "retrain_days": 1}, "slots": 4, "candidates": 8}, {"of": {"name": "item_cf"}, "by": "promotion", "weight": 0.5, "slots": 3, "candidates": 6}])"),
  });
}

}  // namespace marketsim
