#include "experiments/offline_eval.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "market/platform_log.h"
#include "sim/error.h"
#include "sim/rng.h"

namespace marketsim {
namespace {

double mean(const std::vector<double>& x) {
  if (x.empty()) return std::numeric_limits<double>::quiet_NaN();
  double s = 0;
  for (double v : x) s += v;
  return s / static_cast<double>(x.size());
}

/// Each consumer's distinct items before (<= until) and after (in (until, to]), the seller's only.
struct Split {
  std::vector<ConsumerId> consumers;                  // bought on both sides, ascending
  std::vector<std::vector<OfferId>> before, after;    // distinct, ascending
  std::vector<std::vector<std::pair<double, Day>>> before_units;  // per before item: units, last day
};

Split split(const OfflineSetup& s, std::span<const OfflinePurchase> purchases) {
  const OfferId first = s.offers.begin(s.seller), end = s.offers.end(s.seller);
  std::vector<OfflinePurchase> p;
  for (const OfflinePurchase& x : purchases) {
    if (x.offer >= first && x.offer < end && x.day <= s.to && x.units > 0) p.push_back(x);
  }
  std::sort(p.begin(), p.end(), [](const OfflinePurchase& a, const OfflinePurchase& b) {
    if (a.consumer != b.consumer) return a.consumer < b.consumer;
    if (a.offer != b.offer) return a.offer < b.offer;
    return a.day < b.day;
  });
  Split out;
  for (std::size_t i = 0; i < p.size();) {
    std::size_t j = i;
    std::vector<OfferId> before, after;
    std::vector<std::pair<double, Day>> units;
    while (j < p.size() && p[j].consumer == p[i].consumer) {
      const std::size_t k0 = j;
      double u = 0;
      Day last = -1;
      bool b = false, a = false;
      for (; j < p.size() && p[j].consumer == p[i].consumer && p[j].offer == p[k0].offer; ++j) {
        if (p[j].day <= s.until) {
          b = true;
          u += p[j].units;
          last = std::max(last, p[j].day);
        } else {
          a = true;
        }
      }
      if (b) {
        before.push_back(p[k0].offer);
        units.emplace_back(u, last);
      }
      if (a) after.push_back(p[k0].offer);
    }
    if (!before.empty() && !after.empty()) {
      out.consumers.push_back(p[i].consumer);
      out.before.push_back(std::move(before));
      out.after.push_back(std::move(after));
      out.before_units.push_back(std::move(units));
    }
    i = j;
  }
  return out;
}

OfflineScores empty_scores(const std::string& name, const std::vector<std::size_t>& ks) {
  OfflineScores s;
  s.recommender = name;
  s.ks = ks;
  s.precision.assign(ks.size(), {});
  s.recall.assign(ks.size(), {});
  s.ndcg.assign(ks.size(), {});
  return s;
}

/// Scores one list against the relevant items at every k.
void score_list(const std::vector<OfferId>& list, const std::vector<OfferId>& relevant, OfflineScores& s, std::size_t c) {
  std::vector<char> hit(list.size(), 0);
  for (std::size_t r = 0; r < list.size(); ++r) hit[r] = std::binary_search(relevant.begin(), relevant.end(), list[r]);
  for (std::size_t ki = 0; ki < s.ks.size(); ++ki) {
    const std::size_t k = s.ks[ki];
    double hits = 0, dcg = 0, ideal = 0;
    for (std::size_t r = 0; r < std::min(k, list.size()); ++r) {
      if (hit[r]) {
        hits += 1;
        dcg += 1.0 / std::log2(static_cast<double>(r) + 2.0);
      }
    }
    for (std::size_t r = 0; r < std::min(k, relevant.size()); ++r) ideal += 1.0 / std::log2(static_cast<double>(r) + 2.0);
    s.precision[ki][c] = hits / static_cast<double>(k);
    s.recall[ki][c] = hits / static_cast<double>(relevant.size());
    s.ndcg[ki][c] = ideal > 0 ? dcg / ideal : 0.0;
  }
}

void check(const OfflineSetup& s) {
  if (s.until < 0 || s.to <= s.until) {
    throw Error("offline evaluation: the last training day (" + std::to_string(s.until) +
                ") must be >= 0 and before the last scored day (" + std::to_string(s.to) + ")");
  }
  if (s.ks.empty()) throw Error("offline evaluation: no list length k");
}

}  // namespace

double OfflineScores::mean_precision(std::size_t k) const {
  const auto it = std::find(ks.begin(), ks.end(), k);
  return it == ks.end() ? std::numeric_limits<double>::quiet_NaN() : mean(precision[static_cast<std::size_t>(it - ks.begin())]);
}
double OfflineScores::mean_recall(std::size_t k) const {
  const auto it = std::find(ks.begin(), ks.end(), k);
  return it == ks.end() ? std::numeric_limits<double>::quiet_NaN() : mean(recall[static_cast<std::size_t>(it - ks.begin())]);
}
double OfflineScores::mean_ndcg(std::size_t k) const {
  const auto it = std::find(ks.begin(), ks.end(), k);
  return it == ks.end() ? std::numeric_limits<double>::quiet_NaN() : mean(ndcg[static_cast<std::size_t>(it - ks.begin())]);
}

OfflineScores evaluate_recommender(const StrategySpec& spec, const OfflineSetup& setup,
                                   std::span<const OfflinePurchase> purchases) {
  check(setup);
  const BuildContext build{setup.catalog, setup.offers, setup.seller, 0, 0.0, setup.consumers, setup.segments,
                           setup.seed, setup.replication};
  std::unique_ptr<Recommender> rec = make_strategy(recommender_registry(), spec, build);
  rec->set_name(spec.name);
  // The platform log of days 0 .. until, opened at day until + 1 (the day the lists serve).
  LogNeeds needs = rec->needs();
  needs.merge(LogNeeds{.lookback_days = setup.until + 1, .consumer_events = true});
  PlatformLog log(setup.offers.size(), needs);
  std::vector<OfflinePurchase> train;
  for (const OfflinePurchase& p : purchases) {
    if (p.day >= 0 && p.day <= setup.until && p.units > 0) train.push_back(p);
  }
  std::stable_sort(train.begin(), train.end(), [](const OfflinePurchase& a, const OfflinePurchase& b) { return a.day < b.day; });
  std::size_t next = 0;
  for (Day d = 0; d <= setup.until + 1; ++d) {
    log.begin_day(d);
    for (; next < train.size() && train[next].day == d; ++next) {
      const OfflinePurchase& p = train[next];
      log.add_sale(p.offer, p.units);
      log.add_event(ConsumerEvent{static_cast<Time>(d), p.consumer, EventKind::kPurchase, setup.offers.seller[p.offer], -1,
                                  p.offer, p.units, 0, 0});
    }
  }
  const Day day = setup.until + 1;
  rec->prepare(MarketContext{setup.catalog, setup.offers, log, setup.seller, day, static_cast<Time>(day),
                             static_cast<Time>(day + 1)});

  const Split sp = split(setup, purchases);
  OfflineScores s = empty_scores(spec.name, setup.ks);
  const std::size_t kmax = *std::max_element(setup.ks.begin(), setup.ks.end());
  {  // does it rank at all?
    std::vector<OfferId> probe;
    if (!rec->rank(sp.consumers.empty() ? 0 : sp.consumers[0], 1, {}, probe)) {
      s.ranked = false;
      return s;
    }
  }
  s.consumers = sp.consumers;
  for (std::size_t ki = 0; ki < s.ks.size(); ++ki) {
    s.precision[ki].assign(sp.consumers.size(), 0.0);
    s.recall[ki].assign(sp.consumers.size(), 0.0);
    s.ndcg[ki].assign(sp.consumers.size(), 0.0);
  }
  // Relevant: bought after, not before. Consumers with none are dropped after scoring.
  std::vector<std::vector<OfferId>> relevant(sp.consumers.size());
  for (std::size_t c = 0; c < sp.consumers.size(); ++c) {
    for (OfferId o : sp.after[c]) {
      if (!std::binary_search(sp.before[c].begin(), sp.before[c].end(), o)) relevant[c].push_back(o);
    }
  }
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, sp.consumers.size(), 16), [&](const tbb::blocked_range<std::size_t>& r) {
    std::vector<std::uint8_t> skip(setup.offers.size(), 0);
    std::vector<OfferId> list;
    for (std::size_t c = r.begin(); c < r.end(); ++c) {
      if (relevant[c].empty()) continue;
      for (OfferId o : sp.before[c]) skip[o] = 1;
      rec->rank(sp.consumers[c], kmax, skip, list);
      for (OfferId o : sp.before[c]) skip[o] = 0;
      score_list(list, relevant[c], s, c);
    }
  });
  // Keep the consumers with relevant items.
  std::size_t kept = 0;
  for (std::size_t c = 0; c < sp.consumers.size(); ++c) {
    if (relevant[c].empty()) continue;
    s.consumers[kept] = s.consumers[c];
    for (std::size_t ki = 0; ki < s.ks.size(); ++ki) {
      s.precision[ki][kept] = s.precision[ki][c];
      s.recall[ki][kept] = s.recall[ki][c];
      s.ndcg[ki][kept] = s.ndcg[ki][c];
    }
    ++kept;
  }
  s.consumers.resize(kept);
  for (std::size_t ki = 0; ki < s.ks.size(); ++ki) {
    s.precision[ki].resize(kept);
    s.recall[ki].resize(kept);
    s.ndcg[ki].resize(kept);
  }
  return s;
}

OfflineScores evaluate_repurchase(const OfflineSetup& setup, std::span<const OfflinePurchase> purchases) {
  check(setup);
  const Split sp = split(setup, purchases);
  OfflineScores s = empty_scores("repurchase", setup.ks);
  s.consumers = sp.consumers;
  for (std::size_t ki = 0; ki < s.ks.size(); ++ki) {
    s.precision[ki].assign(sp.consumers.size(), 0.0);
    s.recall[ki].assign(sp.consumers.size(), 0.0);
    s.ndcg[ki].assign(sp.consumers.size(), 0.0);
  }
  const std::size_t kmax = *std::max_element(setup.ks.begin(), setup.ks.end());
  for (std::size_t c = 0; c < sp.consumers.size(); ++c) {
    std::vector<std::size_t> order(sp.before[c].size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    const auto& u = sp.before_units[c];
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      if (u[a].first != u[b].first) return u[a].first > u[b].first;
      return u[a].second > u[b].second;  // then the later purchase; ties keep the lower id
    });
    std::vector<OfferId> list;
    for (std::size_t k = 0; k < std::min(kmax, order.size()); ++k) list.push_back(sp.before[c][order[k]]);
    score_list(list, sp.after[c], s, c);
  }
  return s;
}

PairedInterval paired_bootstrap(std::span<const double> a, std::span<const double> b, std::uint64_t seed,
                                std::size_t resamples) {
  PairedInterval out;
  const std::size_t n = std::min(a.size(), b.size());
  if (n == 0) {
    out.difference = out.low = out.high = std::numeric_limits<double>::quiet_NaN();
    return out;
  }
  std::vector<double> d(n);
  for (std::size_t i = 0; i < n; ++i) d[i] = b[i] - a[i];
  out.difference = std::accumulate(d.begin(), d.end(), 0.0) / static_cast<double>(n);
  std::vector<double> means(resamples);
  const StreamFamily streams(seed, 0, Purpose::kBootstrap);
  tbb::parallel_for(std::size_t{0}, resamples, [&](std::size_t r) {
    CounterRng rng(streams.key(r));
    double s = 0;
    for (std::size_t i = 0; i < n; ++i) s += d[rng.below(n)];
    means[r] = s / static_cast<double>(n);
  });
  std::sort(means.begin(), means.end());
  const auto quantile = [&](double q) {
    const double pos = q * static_cast<double>(resamples - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, resamples - 1);
    return means[lo] + (pos - static_cast<double>(lo)) * (means[hi] - means[lo]);
  };
  out.low = quantile(0.025);
  out.high = quantile(0.975);
  return out;
}

}  // namespace marketsim
