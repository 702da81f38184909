// Promotion "notify": on each occasion, a notification to every targeted consumer (the rules of
// strategies/targeting.h), each costing `cost`, charged to the budget (a shared parameter:
// strategies/campaign.h; a message the budget cannot cover is not sent). What a notification does is the behaviour
// modules' business (the "engagement" module: a visit boost, fatigue, win-back).
#include "strategies/registry.h"
#include "strategies/targeting.h"

namespace marketsim {
namespace {

class NotifyPromotion final : public PromotionStrategy {
 public:
  NotifyPromotion(Targeting targeting, Money cost, std::int64_t campaign)
      : targeting_(std::move(targeting)), cost_(cost), campaign_(campaign) {}

  bool offers(const MarketContext&, std::span<const Money>, std::span<Money>) override { return false; }
  void observe(const WindowRecords& w) override { targeting_.observe(w); }

  /// Event "model_fitted": a learned targeting rule fitted its models (value: the day).
  std::vector<std::string> event_names() const override { return {"model_fitted"}; }

  void act(const MarketContext& ctx, CommandSink& commands) override {
    if (!targeting_.occasion(ctx)) return;
    const bool was_fitted = targeting_.fitted();
    targeting_.each(ctx.day, [&](ConsumerId consumer) { commands.notify(consumer, cost_, campaign_); });
    if (!was_fitted && targeting_.fitted()) events().emit(0, ctx.window_start, static_cast<double>(ctx.day));
  }

 private:
  Targeting targeting_;
  Money cost_;
  std::int64_t campaign_;
};

}  // namespace

void register_notify() {
  std::vector<ParamSpec> params = {
      {.name = "cost", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0, .max = 1e6,
       .description = "cost of one message, currency units"},
      {.name = "campaign", .type = ParamType::kInteger, .default_value = 0, .min = 0, .max = 1e9,
       .description = "campaign id carried by its notifications"},
  };
  for (ParamSpec& p : Targeting::params()) params.push_back(std::move(p));
  promotion_registry().add({
      "notify",
      "Notifications to all consumers, a random share or count, lapsed buyers, segments, K-means "
      "clusters or the highest predicted uplift after a randomised pilot, once or every N days, at a "
      "cost per message.",
      std::move(params),
      [](const Json& p, const BuildContext& ctx) {
        return std::make_unique<NotifyPromotion>(Targeting(p, ctx), to_cents(p["cost"].get<double>()),
                                                 p["campaign"].get<std::int64_t>());
      },
      examples_from(R"([{"to": "lapsed", "lapsed_days": 3, "day": 5, "every": 3, "cost": 0.01, "requires": {"behaviours": [{"name": "engagement", "churn_base": 0.02}]}}])"),
  });
}

}  // namespace marketsim
