#include "strategies/recommenders/learned.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "sim/error.h"

namespace marketsim {

ParamSchema LearnedRecommender::params(ParamSchema own, const Schedule& defaults) {
  ParamSchema p = {
      {.name = "slots", .type = ParamType::kInteger, .default_value = defaults.slots, .min = 1, .max = 32,
       .description = "products recommended per visit (the list's length)"},
      {.name = "history_days", .type = ParamType::kInteger, .default_value = defaults.history_days, .min = 1, .max = 365,
       .description = "days of the platform log's purchases it trains on"},
      {.name = "retrain_days", .type = ParamType::kInteger, .default_value = defaults.retrain_days, .min = 1, .max = 365,
       .description = "days between trainings (1: daily, 7: weekly); the first is on day 0"},
      {.name = "popular_days", .type = ParamType::kInteger, .default_value = defaults.popular_days, .min = 1, .max = 365,
       .description = "days of the history whose distinct buyers rank the cold-start (popular) list"},
      {.name = "exclude_bought", .type = ParamType::kBoolean, .default_value = defaults.exclude_bought,
       .description = "leave out of a consumer's list the offers it bought in the history"},
  };
  p.insert(p.end(), own.begin(), own.end());
  return p;
}

LearnedRecommender::Schedule LearnedRecommender::schedule(const Json& p, const BuildContext& ctx) {
  Schedule s;
  s.slots = p["slots"].get<std::size_t>();
  s.history_days = p["history_days"].get<Day>();
  s.retrain_days = p["retrain_days"].get<Day>();
  s.popular_days = p["popular_days"].get<Day>();
  s.exclude_bought = p["exclude_bought"].get<bool>();
  if (s.slots > ctx.offer_count()) throw ParamError("slots", "exceeds the number of products the seller offers");
  return s;
}

LearnedRecommender::LearnedRecommender(const Schedule& s, const BuildContext& ctx)
    : schedule_(s), list_length_(s.slots), consumers_(static_cast<std::size_t>(ctx.consumers)),
      first_(ctx.offers.begin(ctx.seller)), count_(ctx.offer_count()) {}

LogNeeds LearnedRecommender::needs() const {
  return LogNeeds{.lookback_days = schedule_.history_days, .consumer_events = true};
}

void LearnedRecommender::declare(ColumnLayout& layout) {
  lists_ = layout.add<std::uint32_t>(name(), "list", list_length_, 0u);
}

void LearnedRecommender::prepare(const MarketContext& ctx) {
  first_ = ctx.first_offer();
  count_ = ctx.offer_count();
  if (first_day_ < 0) first_day_ = ctx.day;
  if (ctx.day == trained_day_ || (ctx.day - first_day_) % schedule_.retrain_days != 0) return;
  trained_day_ = ctx.day;
  history_ = PurchaseHistory::from_log(ctx.log, first_, count_, ctx.day - schedule_.history_days, ctx.day);
  const std::vector<std::uint32_t> buyers = history_.distinct_buyers(ctx.day - schedule_.popular_days);
  popular_.clear();
  for (std::uint32_t i = 0; i < count_; ++i) {
    if (buyers[i] > 0) popular_.push_back(i);
  }
  std::stable_sort(popular_.begin(), popular_.end(), [&](std::uint32_t a, std::uint32_t b) { return buyers[a] > buyers[b]; });
  train(history_, ctx);
  if (rows()) compute_lists();
  events().emit(0, ctx.window_start, static_cast<double>(history_.rows()));
}

void LearnedRecommender::fill_popular(std::size_t k, std::span<const std::uint8_t> skip,
                                      std::vector<std::uint32_t>& list) const {
  for (std::uint32_t i : popular_) {
    if (list.size() >= k) break;
    if (!skip.empty() && skip[first_ + i]) continue;
    if (std::find(list.begin(), list.end(), i) == list.end()) list.push_back(i);
  }
}

void LearnedRecommender::compute_lists() {
  for (ConsumerId c : listed_) std::fill_n(rows().row(lists_, c), list_length_, 0u);
  listed_ = history_.consumers;
  const std::size_t length = list_length_;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, history_.rows(), 64), [&](const tbb::blocked_range<std::size_t>& range) {
    std::vector<double> scores(count_);
    std::vector<std::uint32_t> top;
    for (std::size_t r = range.begin(); r < range.end(); ++r) {
      const ConsumerId c = history_.consumers[r];
      std::fill(scores.begin(), scores.end(), -std::numeric_limits<double>::infinity());
      top.clear();
      if (score(r, c, scores)) {
        if (schedule_.exclude_bought) {
          for (std::uint32_t i : history_.items_of(r)) scores[i] = -std::numeric_limits<double>::infinity();
        }
        top_k_items(scores, length, {}, top);
      }
      if (schedule_.exclude_bought) {  // the popular tail, without what it bought
        for (std::uint32_t i : popular_) {
          if (top.size() >= length) break;
          if (!history_.bought(r, i) && std::find(top.begin(), top.end(), i) == top.end()) top.push_back(i);
        }
      } else {
        fill_popular(length, {}, top);
      }
      std::uint32_t* row = rows().row(lists_, c);
      for (std::size_t j = 0; j < length; ++j) row[j] = j < top.size() ? static_cast<std::uint32_t>(first_ + top[j] + 1) : 0u;
    }
  });
}

std::size_t LearnedRecommender::list(ConsumerId c, std::span<OfferId> out) const {
  std::size_t n = 0;
  if (rows()) {  // (outside a run no rows are attached: every consumer is cold)
    const std::uint32_t* row = rows().row(lists_, c);
    for (std::size_t j = 0; j < list_length_ && n < out.size() && row[j] != 0; ++j) out[n++] = row[j] - 1;
  }
  if (n > 0) return n;
  for (std::uint32_t i : cold_list(c)) {
    if (n >= out.size()) break;
    out[n++] = static_cast<OfferId>(first_ + i);
  }
  return n;
}

void LearnedRecommender::recommend(ConsumerId consumer, CounterRng& rng, ShownSet& shown) const {
  const std::size_t slots = schedule_.slots;
  std::size_t placed = 0;
  if (rows()) {  // (outside a run no rows are attached: every consumer is cold)
    const std::uint32_t* row = rows().row(lists_, consumer);
    for (std::size_t j = 0; j < slots && row[j] != 0; ++j) {
      shown.push(row[j] - 1);
      ++placed;
    }
  }
  const std::size_t own = shown.size() - placed;  // where this seller's slots start
  const std::span<const std::uint32_t> fill = cold_list(consumer);
  for (std::size_t k = 0; k < fill.size() && placed < slots; ++k) {
    const auto o = static_cast<OfferId>(first_ + fill[k]);
    bool listed = false;
    for (std::size_t j = own; j < shown.size(); ++j) listed = listed || shown[j] == o;
    if (!listed) {
      shown.push(o);
      ++placed;
    }
  }
  if (placed < slots) shown.add_uniform(slots - placed, first_, count_, rng);
}

bool LearnedRecommender::rank(ConsumerId consumer, std::size_t k, std::span<const std::uint8_t> skip,
                              std::vector<OfferId>& out) const {
  out.clear();
  std::vector<std::uint32_t> top;
  std::vector<double> scores(count_, -std::numeric_limits<double>::infinity());
  if (score(history_.row_of(consumer), consumer, scores)) {
    if (!skip.empty()) {
      for (std::size_t i = 0; i < count_; ++i) {
        if (skip[first_ + i]) scores[i] = -std::numeric_limits<double>::infinity();
      }
    }
    top_k_items(scores, k, {}, top);
  }
  fill_popular(k, skip, top);
  for (std::uint32_t i : top) out.push_back(static_cast<OfferId>(first_ + i));
  return true;
}

void LearnedRecommender::gauge(Day, std::span<double> values) const { values[0] = static_cast<double>(listed_.size()); }

}  // namespace marketsim
