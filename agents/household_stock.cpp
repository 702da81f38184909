// Behaviour "household_stock" (MODEL.md "Choice": stockpiling): each consumer holds a stock h of
// every stocked (consumable) category, in units. It starts at a random few days of consumption,
// grows by the units bought and is used up at `consumption` units a day (h <- max(0, h - c) at
// each day's end). A full cupboard makes buying less attractive: every shown offer of the
// category loses psi * h / c from its utility (h / c: days of supply). A deep discount met with
// a low stock makes the consumer buy more than one unit:
//   q = 1 + round_u(max_extra * min(1, depth / full_depth) * max(0, 1 - h / capacity)),
//   depth = max(0, 1 - price / list price),
// non-decreasing in the depth and non-increasing in the stock; round_u(x) = floor(x + u), u
// uniform from the line's stream ((consumer, visit, line) keyed: the same in every arm), rounds
// x to a neighbouring whole number with mean x, so a shallow sale buys a fraction of an extra
// unit per line on average instead of none (issue 26 item 8). Units bought during a sale are
// consumed afterwards instead of bought then: the post-promotion dip (Hendel & Nevo 2006).
//
// Cost. The day's-end consumption is one vectorised pass over the stock column, then the daily
// hook sums the gauge (sim/columns.h column_sum, as a scan in gauge() would sum it);
// the initial stocks are drawn by a shard's first daily pass (or earlier, at first use). The
// lazy alternative, h - c * days applied when read, would round differently from the daily
// subtraction and still have to visit every consumer each day for the gauge. Utility takes each
// shown offer's category from a per-offer table, and with one category computes the stock term
// once a visit.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <vector>

#include "agents/behaviour.h"
#include "sim/error.h"

namespace marketsim {
namespace {

struct StockParams {
  std::vector<double> consumption;  // per category, units a day; NaN: not stocked
  double psi;
  double max_extra;
  double full_depth;
  double capacity;
  double initial_days;
};

/// A shard's state besides its columns (only the shard's own hooks touch it).
struct ShardStock {
  bool drawn = false;  // every consumer's initial stock is drawn
  Day sum_day = -1;    // the day whose daily pass summed `sum`
  double sum = 0.0;    // the stock gauge
};

class HouseholdStock final : public Behaviour {
 public:
  HouseholdStock(const BehaviourContext& ctx, StockParams p)
      : catalog_(ctx.catalog),
        offers_(ctx.offers),
        p_(std::move(p)),
        categories_(p_.consumption.size()),
        list_(ctx.catalog.size()),
        offer_category_(ctx.offers.size()) {
    for (ProductId j = 0; j < list_.size(); ++j) list_[j] = to_currency(ctx.catalog.list_price[j]);
    for (OfferId o = 0; o < offer_category_.size(); ++o) {
      offer_category_[o] = static_cast<std::uint32_t>(catalog_.category[offers_.product[o]]);
    }
    for (std::size_t k = 0; k < categories_; ++k) {
      if (stocked(k)) consumed_.push_back(k);
    }
  }

  unsigned stages() const override { return kStageUtility | kStageBasket | kStageSettled | kStageDaily; }

  void declare(ColumnLayout& layout) override {
    // -1: not drawn yet (the initial stock is drawn on first use from the consumer's stream).
    stock_ = layout.add<float>("household_stock", "stock", categories_, -1.0f);
  }

  void utility(VisitBatch& b) const override {
    if (p_.psi == 0.0 || consumed_.empty()) return;
    if (categories_ == 1) {  // every offer is of the one stocked category: one term a visit
      const double psi = p_.psi, consumption = p_.consumption[0];
      const std::uint32_t* first_slot = b.first_slot.data();
      float* utility = b.utility.data();
      for (std::size_t v = 0; v < b.consumer.size(); ++v) {
        const auto term = static_cast<float>(psi * stock(b.shard, b.consumer[v])[0] / consumption);
        for (std::uint32_t s = first_slot[v]; s < first_slot[v + 1]; ++s) utility[s] -= term;
      }
      return;
    }
    for (std::size_t v = 0; v < b.consumer.size(); ++v) {
      const float* h = stock(b.shard, b.consumer[v]);
      for (std::uint32_t s = b.first_slot[v]; s < b.first_slot[v + 1]; ++s) {
        const std::size_t k = offer_category_[b.offer[s]];
        if (!stocked(k)) continue;
        b.utility[s] -= static_cast<float>(p_.psi * h[k] / p_.consumption[k]);
      }
    }
  }

  void quantities(LineBatch& b) const override {
    if (p_.max_extra == 0.0) return;
    constexpr std::uint64_t kTagRound = 1ull << 60;
    for (std::size_t l = 0; l < b.consumer.size(); ++l) {
      const ProductId j = offers_.product[b.offer[l]];
      const std::size_t k = offer_category_[b.offer[l]];
      if (!stocked(k) || list_[j] <= 0.0) continue;
      const double h = stock(b.shard, b.consumer[l])[k];
      const double depth = std::max(0.0, 1.0 - static_cast<double>(b.price[l]) / list_[j]);
      const double x = p_.max_extra * std::min(1.0, depth / p_.full_depth) * std::max(0.0, 1.0 - h / p_.capacity);
      if (!(x > 0.0)) continue;
      CounterRng rng = b.shard.stream(b.consumer[l], kTagRound | (static_cast<std::uint64_t>(b.visit[l]) << 8) | b.line[l]);
      const double extra = std::floor(x + rng.uniform());
      b.quantity[l] = static_cast<std::uint16_t>(b.quantity[l] + static_cast<std::uint16_t>(extra));
    }
  }

  void settled(const SettledBatch& b) const override {
    for (const LineRecord& line : b.lines) {
      if (line.quantity == 0) continue;
      const std::size_t k = catalog_.category[line.product];
      if (!stocked(k)) continue;
      stock(b.shard, line.consumer)[k] += static_cast<float>(line.quantity);
    }
  }

  void daily(const DayBatch& b) const override {
    const ShardContext& s = b.shard;
    ShardStock& state = shard_stock(s);
    if (!state.drawn) {
      for (ConsumerId c = s.begin(); c < s.end(); ++c) (void)stock(s, c);
      state.drawn = true;
    }
    float* h = s.column(stock_);
    const auto n = static_cast<std::size_t>(s.end() - s.begin());
    if (categories_ == 1) {
      if (!consumed_.empty()) {
        const double c = p_.consumption[0];
        for (std::size_t i = 0; i < n; ++i) h[i] = std::max(0.0f, static_cast<float>(h[i] - c));
      }
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        float* row = h + i * categories_;
        for (const std::size_t k : consumed_) {
          row[k] = std::max(0.0f, static_cast<float>(row[k] - p_.consumption[k]));
        }
      }
    }
    state.sum_day = b.day;
    state.sum = column_sum(h, n * categories_);
  }

  std::vector<std::string> gauges() const override { return {"stock"}; }
  void gauge(const DayBatch& b, std::span<double> sums) const override {
    // After the daily hook, which has drawn every consumer's initial stock and summed the gauge.
    const ShardStock& state = shard_stock(b.shard);
    const auto n = static_cast<std::size_t>(b.shard.end() - b.shard.begin()) * categories_;
    sums[0] += state.sum_day == b.day ? state.sum : column_sum(b.shard.column(stock_), n);
  }

 private:
  bool stocked(std::size_t k) const { return !std::isnan(p_.consumption[k]); }

  /// Consumer c's stock row, its initial stock drawn on first use: uniform on
  /// [0, 2 * initial_days] days of consumption, per category, from the consumer's stream.
  float* stock(const ShardContext& shard, ConsumerId c) const {
    float* h = shard.row(stock_, c);
    if (h[0] < 0.0f) [[unlikely]] {
      CounterRng rng = shard.stream(c, 0);
      for (std::size_t k = 0; k < categories_; ++k) {
        const double u = rng.uniform();
        h[k] = stocked(k) ? static_cast<float>(u * 2.0 * p_.initial_days * p_.consumption[k]) : 0.0f;
      }
    }
    return h;
  }

  /// The state of `shard` (created at first use; shards' hooks may ask at once).
  ShardStock& shard_stock(const ShardContext& shard) const {
    const std::lock_guard lock(shards_mutex_);
    if (shards_.size() <= shard.index()) shards_.resize(shard.index() + 1);
    std::unique_ptr<ShardStock>& state = shards_[shard.index()];
    if (!state) state = std::make_unique<ShardStock>();
    return *state;
  }

  const Catalog& catalog_;
  const Offers& offers_;
  StockParams p_;
  std::size_t categories_;
  std::vector<double> list_;                   // list price per product, currency units
  std::vector<std::uint32_t> offer_category_;  // category of each offer's product
  std::vector<std::size_t> consumed_;          // the stocked categories
  Column<float> stock_;
  mutable std::mutex shards_mutex_;
  mutable std::vector<std::unique_ptr<ShardStock>> shards_;
};

std::unique_ptr<Behaviour> make_household_stock(const Json& p, const BehaviourContext& ctx) {
  const std::vector<std::string>& names = ctx.catalog.category_names;
  const auto index_of = [&](const std::string& name, const char* key) {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) throw ParamError(key, "unknown category \"" + name + "\"");
    return static_cast<std::size_t>(it - names.begin());
  };
  StockParams s;
  const double all = p["consumption"].get<double>();
  const auto chosen = p["categories"].get<std::vector<std::string>>();
  s.consumption.assign(names.size(), chosen.empty() ? all : std::numeric_limits<double>::quiet_NaN());
  for (const std::string& name : chosen) s.consumption[index_of(name, "categories")] = all;
  for (const auto& [name, value] : p["category_consumption"].items()) {
    const std::size_t k = index_of(name, "category_consumption");
    if (!value.is_number() || !(value.get<double>() >= 0.0) || !(value.get<double>() <= 1000.0)) {
      throw ParamError("category_consumption", "the consumption of \"" + name +
                                                   "\" must be a number in [0, 1000] (units a day)");
    }
    if (std::isnan(s.consumption[k])) {
      throw ParamError("category_consumption", "\"" + name + "\" is not one of the stocked categories");
    }
    s.consumption[k] = value.get<double>();
  }
  s.psi = p["psi"].get<double>();
  s.max_extra = p["max_extra"].get<double>();
  s.full_depth = p["full_depth"].get<double>();
  s.capacity = p["capacity"].get<double>();
  s.initial_days = p["initial_days"].get<double>();
  if (s.psi > 0.0) {
    for (std::size_t k = 0; k < names.size(); ++k) {
      if (s.consumption[k] == 0.0) {
        throw ParamError("psi", "must be 0 when a stocked category is not consumed (consumption 0 in \"" +
                                    names[k] + "\"): the stock term is psi * stock / consumption");
      }
    }
  }
  return std::make_unique<HouseholdStock>(ctx, std::move(s));
}

}  // namespace

void register_household_stock() {
  behaviour_registry().add({
      "household_stock",
      "Household stock per consumable category: consumed daily, a full cupboard lowers utility, "
      "deep discounts with a low stock buy several units (stockpiling, post-promotion dip).",
      {
          {.name = "consumption", .type = ParamType::kNumber, .default_value = 0.1, .min = 0.0,
           .max = 1000.0, .description = "c, units of a stocked category used up per consumer per day"},
          {.name = "categories", .type = ParamType::kStringList, .default_value = Json::array(),
           .description = "the stocked (consumable) categories; empty: all"},
          {.name = "category_consumption", .type = ParamType::kObject, .default_value = Json::object(),
           .description = "per-category consumption overriding `consumption`, e.g. {\"laundry\": 0.05}"},
          {.name = "psi", .type = ParamType::kNumber, .default_value = 0.01, .min = 0.0, .max = 100.0,
           .description = "psi, utility lost per day of supply held (stock / consumption)"},
          {.name = "max_extra", .type = ParamType::kInteger, .default_value = 2, .min = 0, .max = 100,
           .description = "extra units of a line at full depth with an empty stock"},
          {.name = "full_depth", .type = ParamType::kNumber, .default_value = 0.5, .min = 0.0, .max = 1.0,
           .description = "discount (1 - price / list price) at which all max_extra units are bought",
           .min_exclusive = true},
          {.name = "capacity", .type = ParamType::kNumber, .default_value = 6.0, .min = 0.0,
           .max = 1.0e6, .description = "stock (units) at which no extra unit is bought",
           .min_exclusive = true},
          {.name = "initial_days", .type = ParamType::kNumber, .default_value = 7.0, .min = 0.0,
           .max = 3650.0,
           .description = "mean initial stock in days of consumption (uniform on [0, 2 x initial_days])"},
      },
      make_household_stock,
      examples_from(R"([{"consumption": 0.2, "categories": ["a"], "psi": 0.05, "max_extra": 2, "full_depth": 0.4, "capacity": 6, "initial_days": 5, "requires": {"arm": {"promotions": [{"name": "percent_off", "products": {"categories": ["a"]}, "depth": 0.3, "start": 4, "end": 8}]}}}])"),
  });
}

}  // namespace marketsim
