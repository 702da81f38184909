#include "strategies/targeting.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

namespace marketsim {
namespace {

const char* rule_name(Targeting::To to) {
  switch (to) {
    case Targeting::To::kAll: return "all";
    case Targeting::To::kRandom: return "random";
    case Targeting::To::kLapsed: return "lapsed";
    case Targeting::To::kSegment: return "segment";
    case Targeting::To::kKMeans: return "kmeans";
    case Targeting::To::kUplift: return "uplift";
  }
  return "?";
}

std::string with(const char* rules) { return std::string("applies only with \"to\": ") + rules; }

}  // namespace

std::vector<ParamSpec> Targeting::params() {
  return {
      {.name = "to", .type = ParamType::kString, .default_value = "all",
       .description = "whom: \"all\", \"random\" (a share or a count), \"lapsed\" (bought before, not for "
                      "lapsed_days), \"segment\" (named segments), \"kmeans\" (clusters ranked by cluster_rank) "
                      "or \"uplift\" (highest predicted uplift after a randomised pilot)",
       .choices = {"all", "random", "lapsed", "segment", "kmeans", "uplift"}},
      {.name = "share", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1.0,
       .description = "with \"random\": probability that each consumer is chosen at an occasion; with \"kmeans\" "
                      "or \"uplift\": the share of consumers addressed per occasion",
       .optional = true},
      {.name = "count", .type = ParamType::kInteger, .default_value = nullptr, .min = 1, .max = 4294967295.0,
       .description = "with \"random\", \"kmeans\" or \"uplift\": consumers addressed per occasion (exactly)",
       .optional = true},
      {.name = "lapsed_days", .type = ParamType::kInteger, .default_value = nullptr, .min = 1, .max = 100000,
       .description = "with \"to\": \"lapsed\": days without a purchase that make a buyer lapsed",
       .optional = true},
      {.name = "segments", .type = ParamType::kStringList, .default_value = nullptr,
       .description = "with \"to\": \"segment\": the names of the segments (/market/segments) addressed",
       .optional = true},
      {.name = "seed", .type = ParamType::kInteger, .default_value = 1, .min = 0, .max = 4294967295.0,
       .description = "seed of the \"random\" draws by share; salt of the other targeting draws"},
      {.name = "day", .type = ParamType::kInteger, .default_value = 0, .min = 0, .max = 1000000,
       .description = "the first day it acts"},
      {.name = "every", .type = ParamType::kInteger, .default_value = 0, .min = 0, .max = 1000000,
       .description = "days between occasions (0: only on `day`)"},
      {.name = "pilot_days", .type = ParamType::kInteger, .default_value = nullptr, .min = 1, .max = 1000000,
       .description = "with \"kmeans\" or \"uplift\": days from `day` whose occasions are a randomised pilot "
                      "(required with \"uplift\" and cluster_rank \"lift\")",
       .optional = true},
      {.name = "pilot_share", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1.0,
       .description = "with pilot_days: share of consumers addressed at random at each pilot occasion (default: "
                      "as many as after the pilot)",
       .min_exclusive = true, .optional = true},
      {.name = "response_days", .type = ParamType::kInteger, .default_value = nullptr, .min = 1, .max = 1000000,
       .description = "with pilot_days: days after a pilot occasion whose gross profit is its outcome (default and "
                      "most: every)",
       .optional = true},
      {.name = "clusters", .type = ParamType::kInteger, .default_value = nullptr, .min = 1, .max = 1000,
       .description = "with \"kmeans\": number of clusters (default 4)", .optional = true},
      {.name = "cluster_rank", .type = ParamType::kString, .default_value = nullptr,
       .description = "with \"kmeans\": \"lift\" (default: pilot recipients' gross profit minus non-recipients', "
                      "per consumer) or \"monetary\" (mean spend)",
       .choices = {"lift", "monetary"}, .optional = true},
      {.name = "ridge", .type = ParamType::kNumber, .default_value = nullptr, .min = 0.0, .max = 1e6,
       .description = "with \"uplift\": ridge penalty per observation on standardised features (default 0.01)",
       .min_exclusive = true, .optional = true},
  };
}

Targeting::Targeting(const Json& p, const BuildContext& ctx)
    : consumers_(static_cast<std::size_t>(ctx.consumers)),
      seller_(ctx.seller),
      seed_(p["seed"].get<std::uint64_t>()),
      day_(p["day"].get<Day>()),
      every_(p["every"].get<Day>()),
      streams_(ctx.seed, ctx.replication, Purpose::kStrategy, name_hash("targeting") ^ mix64(seed_)),
      entity_((static_cast<std::uint64_t>(ctx.seller) << 32) | static_cast<std::uint32_t>(ctx.promotion)) {
  const std::string to = p["to"].get<std::string>();
  for (To t : {To::kAll, To::kRandom, To::kLapsed, To::kSegment, To::kKMeans, To::kUplift}) {
    if (to == rule_name(t)) to_ = t;
  }
  const std::string n = std::to_string(consumers_);
  // share / count
  const bool counted = to_ == To::kRandom || learned();
  if (p.contains("count") && !counted) throw ParamError("count", with("\"random\", \"kmeans\" or \"uplift\""));
  if (p.contains("count") && p.contains("share")) throw ParamError("count", "give count or share, not both");
  if (to_ == To::kRandom) {
    if (p.contains("count")) {
      by_count_ = true;
      count_ = p["count"].get<std::size_t>();
    } else if (p.contains("share")) {
      share_ = p["share"].get<double>();
    } else {
      throw ParamError("share", "is required with \"to\": \"random\" (or give count)");
    }
  } else if (learned()) {
    if (p.contains("count")) {
      count_ = p["count"].get<std::size_t>();
    } else if (p.contains("share")) {
      count_ = static_cast<std::size_t>(std::llround(p["share"].get<double>() * static_cast<double>(consumers_)));
      if (count_ < 1) throw ParamError("share", "addresses no consumer of the market's " + n);
    } else {
      throw ParamError("count", std::string("is required with \"to\": \"") + rule_name(to_) + "\" (or give share)");
    }
  } else if (p.contains("share")) {
    throw ParamError("share", with("\"random\", \"kmeans\" or \"uplift\""));
  }
  if (count_ > consumers_) throw ParamError("count", "exceeds the market's " + n + " consumers");
  // lapsed
  if (to_ == To::kLapsed) {
    if (!p.contains("lapsed_days")) throw ParamError("lapsed_days", "is required with \"to\": \"lapsed\"");
    lapsed_days_ = p["lapsed_days"].get<Day>();
    last_purchase_.assign(consumers_, -1);
  } else if (p.contains("lapsed_days")) {
    throw ParamError("lapsed_days", "applies only with \"to\": \"lapsed\"");
  }
  // segment
  if (to_ == To::kSegment) {
    if (!p.contains("segments") || p["segments"].empty()) {
      throw ParamError("segments", "is required with \"to\": \"segment\" (a non-empty list of segment names)");
    }
    for (const Json& name : p["segments"]) {
      const std::string s = name.get<std::string>();
      const auto it = std::find_if(ctx.segments.begin(), ctx.segments.end(),
                                   [&](const SegmentRange& r) { return r.name == s; });
      if (it == ctx.segments.end()) {
        std::string valid;
        for (const SegmentRange& r : ctx.segments) valid += (valid.empty() ? "\"" : ", \"") + r.name + "\"";
        throw ParamError("segments", "\"" + s + "\" is not a segment of the market; Valid values are: " + valid);
      }
      if (std::none_of(segments_.begin(), segments_.end(), [&](const SegmentRange& r) { return r.name == s; })) {
        segments_.push_back(*it);
      }
    }
    std::sort(segments_.begin(), segments_.end(),
              [](const SegmentRange& a, const SegmentRange& b) { return a.begin < b.begin; });
  } else if (p.contains("segments")) {
    throw ParamError("segments", with("\"segment\""));
  }
  // learned rules
  for (const char* key : {"pilot_days", "pilot_share", "response_days"}) {
    if (p.contains(key) && !learned()) throw ParamError(key, with("\"kmeans\" or \"uplift\""));
  }
  if (p.contains("clusters") && to_ != To::kKMeans) throw ParamError("clusters", with("\"kmeans\""));
  if (p.contains("cluster_rank") && to_ != To::kKMeans) throw ParamError("cluster_rank", with("\"kmeans\""));
  if (p.contains("ridge") && to_ != To::kUplift) throw ParamError("ridge", with("\"uplift\""));
  if (!learned()) return;
  product_category_ = ctx.catalog.category;
  categories_ = ctx.catalog.category_names.size();
  orders_.assign(consumers_, 0.0);
  spend_.assign(consumers_, 0.0);
  spend_total_.assign(consumers_, 0.0);
  last_purchase_.assign(consumers_, -1);
  category_spend_.assign(consumers_ * categories_, 0.0f);
  if (p.contains("clusters")) clusters_ = p["clusters"].get<std::size_t>();
  if (clusters_ > consumers_) throw ParamError("clusters", "exceeds the market's " + n + " consumers");
  if (p.contains("cluster_rank") && p["cluster_rank"].get<std::string>() == "monetary") {
    cluster_rank_ = ClusterRank::kMonetary;
  }
  if (p.contains("ridge")) ridge_ = p["ridge"].get<double>();
  const bool needs_pilot = to_ == To::kUplift || cluster_rank_ == ClusterRank::kLift;
  if (p.contains("pilot_days")) pilot_days_ = p["pilot_days"].get<Day>();
  if (needs_pilot && pilot_days_ == 0) {
    throw ParamError("pilot_days", std::string("is required with \"to\": \"") + rule_name(to_) + "\"" +
                                       (to_ == To::kKMeans ? " and cluster_rank \"lift\"" : "") +
                                       " (the randomised pilot it learns from)");
  }
  if (pilot_days_ == 0) {
    for (const char* key : {"pilot_share", "response_days"}) {
      if (p.contains(key)) throw ParamError(key, "applies only with pilot_days");
    }
    return;
  }
  if (every_ == 0) throw ParamError("every", "must be at least 1 with pilot_days (the pilot and the targeted occasions)");
  if (pilot_days_ >= 1000000 - day_) throw ParamError("pilot_days", "ends after the last day an occasion may have");
  pilot_count_ = count_;
  if (p.contains("pilot_share")) {
    pilot_count_ = static_cast<std::size_t>(std::llround(p["pilot_share"].get<double>() * static_cast<double>(consumers_)));
    if (pilot_count_ < 1) throw ParamError("pilot_share", "addresses no consumer of the market's " + n);
  }
  if (pilot_count_ >= consumers_) {
    throw ParamError(p.contains("pilot_share") ? "pilot_share" : "count",
                     "leaves no consumer in the pilot's control group (the market has " + n + ")");
  }
  response_days_ = every_;
  if (p.contains("response_days")) {
    response_days_ = p["response_days"].get<Day>();
    if (response_days_ > every_) {
      throw ParamError("response_days", "must be at most every (" + std::to_string(every_) +
                                            "): a pilot occasion's response ends before the next occasion");
    }
  }
}

void Targeting::observe(const WindowRecords& w) {
  if (to_ == To::kLapsed) {
    for (const LineRecord& l : w.lines) {
      if (l.quantity > 0 && l.seller == seller_ && l.consumer < last_purchase_.size()) {
        last_purchase_[l.consumer] = static_cast<std::int32_t>(day_of(l.time));
      }
    }
    return;
  }
  if (!learned()) return;
  for (const OrderRecord& o : w.orders) {
    if (o.units == 0 || o.consumer >= consumers_) continue;
    bool counted = false;
    for (std::uint32_t k = o.first_line; k < o.first_line + o.lines; ++k) {
      const LineRecord& l = w.lines[k];
      if (l.quantity == 0 || l.seller != seller_) continue;
      const Day d = day_of(l.time);
      const ConsumerId c = l.consumer;
      if (!counted) {  // decay to today, then count the order
        const double decay = last_purchase_[c] < 0 ? 0.0 : std::exp(-static_cast<double>(d - last_purchase_[c]) / kMemoryDays);
        orders_[c] = orders_[c] * decay + 1.0;
        spend_[c] *= decay;
        last_purchase_[c] = static_cast<std::int32_t>(d);
        counted = true;
      }
      const double paid = to_currency(l.revenue());
      spend_[c] += paid;
      spend_total_[c] += paid;
      if (l.product < product_category_.size()) {
        category_spend_[l.consumer * categories_ + product_category_[l.product]] += static_cast<float>(paid);
      }
      for (PilotOccasion& po : pilot_) {
        if (d >= po.day && d < po.day + response_days_) po.outcome[l.consumer] += to_currency(l.revenue() - l.cogs());
      }
    }
  }
}

bool Targeting::occasion(const MarketContext& ctx) {
  if (ctx.day == acted_day_ || ctx.day < day_) return false;
  if (every_ == 0 ? ctx.day != day_ : (ctx.day - day_) % every_ != 0) return false;
  acted_day_ = ctx.day;
  return true;
}

std::vector<ConsumerId> Targeting::subset(Day day, std::span<const ConsumerId> consumers, std::size_t n,
                                          std::uint64_t purpose) const {
  // Selection sampling (Knuth's algorithm S): each consumer in turn is kept with probability
  // (still needed) / (still to see), which draws a uniform n-subset in one pass.
  if (n >= consumers.size()) return {consumers.begin(), consumers.end()};
  CounterRng rng(mix64(streams_.key(entity_) ^ mix64(purpose)), static_cast<std::uint64_t>(day) << 32);
  std::vector<ConsumerId> out;
  out.reserve(n);
  std::size_t needed = n;
  for (std::size_t i = 0; i < consumers.size() && needed > 0; ++i) {
    if (static_cast<double>(consumers.size() - i) * rng.uniform() < static_cast<double>(needed)) {
      out.push_back(consumers[i]);
      --needed;
    }
  }
  return out;
}

Eigen::MatrixXd Targeting::features(Day day) const {
  const auto columns = static_cast<Eigen::Index>(4 + categories_);
  Eigen::MatrixXd x = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(consumers_), columns);
  for (std::size_t c = 0; c < consumers_; ++c) {
    const auto r = static_cast<Eigen::Index>(c);
    if (last_purchase_[c] < 0) continue;  // never bought: every feature 0
    const auto age = static_cast<double>(day - last_purchase_[c]);
    const double decay = std::exp(-age / kMemoryDays);
    x(r, 0) = 1.0 / (1.0 + age);
    x(r, 1) = std::log1p(orders_[c] * decay);
    x(r, 2) = std::log1p(std::max(0.0, spend_[c] * decay));
    x(r, 3) = 1.0;
    if (spend_total_[c] > 0.0) {
      for (std::size_t k = 0; k < categories_; ++k) {
        x(r, static_cast<Eigen::Index>(4 + k)) = static_cast<double>(category_spend_[c * categories_ + k]) / spend_total_[c];
      }
    }
  }
  return x;
}

Targeting::Selection Targeting::select(Day day) {
  Selection s;
  if (learned()) {
    std::vector<ConsumerId> all(consumers_);
    std::iota(all.begin(), all.end(), ConsumerId{0});
    if (in_pilot(day)) {
      s.consumers = subset(day, all, pilot_count_, kPick);
      PilotOccasion po{day, features(day), std::vector<bool>(consumers_, false), std::vector<double>(consumers_, 0.0)};
      pilot_.push_back(std::move(po));
      return s;
    }
    if (!fitted_) fit(day);
    return to_ == To::kKMeans ? select_kmeans(day) : select_uplift(day);
  }
  switch (to_) {
    case To::kAll:
      s.consumers.resize(consumers_);
      std::iota(s.consumers.begin(), s.consumers.end(), ConsumerId{0});
      break;
    case To::kRandom:
      if (by_count_) {
        std::vector<ConsumerId> all(consumers_);
        std::iota(all.begin(), all.end(), ConsumerId{0});
        s.consumers = subset(day, all, count_, kPick);
      } else {
        // From `seed` and the day only (as before keyed streams): the same in every replication.
        const std::uint64_t key = mix64(seed_ ^ mix64(static_cast<std::uint64_t>(day) + 0x5bd1e995ULL));
        for (std::size_t c = 0; c < consumers_; ++c) {
          CounterRng rng(key, 4 * c);
          if (rng.uniform() < share_) s.consumers.push_back(static_cast<ConsumerId>(c));
        }
      }
      break;
    case To::kLapsed:
      for (std::size_t c = 0; c < consumers_; ++c) {
        if (last_purchase_[c] >= 0 && last_purchase_[c] <= day - lapsed_days_) s.consumers.push_back(static_cast<ConsumerId>(c));
      }
      break;
    case To::kSegment:
      for (const SegmentRange& r : segments_) {
        for (ConsumerId c = r.begin; c < r.end && c < consumers_; ++c) s.consumers.push_back(c);
      }
      break;
    case To::kKMeans:
    case To::kUplift:
      break;
  }
  return s;
}

void Targeting::addressed(Day day, std::span<const ConsumerId> consumers) {
  if (pilot_.empty() || pilot_.back().day != day || !in_pilot(day)) return;
  for (ConsumerId c : consumers) {
    if (c < consumers_) pilot_.back().treated[c] = true;
  }
}

void Targeting::fit(Day day) {
  fitted_ = true;
  const Eigen::MatrixXd now = features(day);
  // Pilot rows (every consumer at every pilot occasion), with columns as wide as today's (a
  // category first bought after an occasion has a share of 0 there).
  Eigen::Index rows = 0;
  for (const PilotOccasion& po : pilot_) rows += po.features.rows();
  Eigen::MatrixXd x = Eigen::MatrixXd::Zero(rows, now.cols());
  Eigen::VectorXd y(rows);
  std::vector<bool> treated;
  treated.reserve(static_cast<std::size_t>(rows));
  Eigen::Index r = 0;
  for (const PilotOccasion& po : pilot_) {
    x.block(r, 0, po.features.rows(), po.features.cols()) = po.features;
    for (std::size_t c = 0; c < po.outcome.size(); ++c) y(r + static_cast<Eigen::Index>(c)) = po.outcome[c];
    treated.insert(treated.end(), po.treated.begin(), po.treated.end());
    r += po.features.rows();
  }
  if (to_ == To::kUplift) {
    scaler_ = Standardizer::fit(x);
    uplift_ = fit_two_model_uplift(quadratic_features(scaler_.apply(x)), y, treated, ridge_);
    return;
  }
  // K-means on today's features of every consumer.
  scaler_ = Standardizer::fit(now);
  CounterRng rng(mix64(streams_.key(entity_) ^ mix64(name_hash("kmeans"))), static_cast<std::uint64_t>(day) << 32);
  kmeans_ = kmeans(scaler_.apply(now), clusters_, rng);
  std::vector<double> score(clusters_, -std::numeric_limits<double>::infinity());
  if (cluster_rank_ == ClusterRank::kMonetary) {
    std::vector<double> spend(clusters_, 0.0);
    for (std::size_t c = 0; c < consumers_; ++c) {
      if (last_purchase_[c] >= 0) spend[kmeans_.labels[c]] += spend_[c] * std::exp(-static_cast<double>(day - last_purchase_[c]) / kMemoryDays);
    }
    for (std::size_t k = 0; k < clusters_; ++k) {
      if (kmeans_.sizes[k] > 0) score[k] = spend[k] / static_cast<double>(kmeans_.sizes[k]);
    }
  } else {
    // Per cluster, the pilot's mean outcome of recipients minus non-recipients (pilot rows placed
    // in the cluster of their features at the occasion).
    const Eigen::MatrixXd z = scaler_.apply(x);
    std::vector<double> sum[2] = {std::vector<double>(clusters_, 0.0), std::vector<double>(clusters_, 0.0)};
    std::vector<double> count[2] = {std::vector<double>(clusters_, 0.0), std::vector<double>(clusters_, 0.0)};
    for (Eigen::Index i = 0; i < rows; ++i) {
      const std::uint32_t k = nearest_centroid(kmeans_.centroids, z.row(i));
      const int g = treated[static_cast<std::size_t>(i)] ? 1 : 0;
      sum[g][k] += y(i);
      count[g][k] += 1.0;
    }
    for (std::size_t k = 0; k < clusters_; ++k) {
      if (count[0][k] > 0 && count[1][k] > 0) score[k] = sum[1][k] / count[1][k] - sum[0][k] / count[0][k];
    }
  }
  cluster_order_.resize(clusters_);
  std::iota(cluster_order_.begin(), cluster_order_.end(), 0u);
  std::stable_sort(cluster_order_.begin(), cluster_order_.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return score[a] > score[b]; });
}

Targeting::Selection Targeting::select_kmeans(Day day) const {
  const Eigen::MatrixXd z = scaler_.apply(features(day));
  std::vector<std::vector<ConsumerId>> members(clusters_);
  for (std::size_t c = 0; c < consumers_; ++c) {
    members[nearest_centroid(kmeans_.centroids, z.row(static_cast<Eigen::Index>(c)))].push_back(static_cast<ConsumerId>(c));
  }
  Selection s{{}, true};
  s.consumers.reserve(count_);
  for (std::uint32_t k : cluster_order_) {
    const std::size_t needed = count_ - s.consumers.size();
    if (needed == 0) break;
    const std::vector<ConsumerId> taken =
        members[k].size() <= needed ? members[k] : subset(day, members[k], needed, kFill);
    s.consumers.insert(s.consumers.end(), taken.begin(), taken.end());
  }
  return s;
}

Targeting::Selection Targeting::select_uplift(Day day) const {
  const Eigen::VectorXd u = uplift_.predict(quadratic_features(scaler_.apply(features(day))));
  std::vector<ConsumerId> order(consumers_);
  std::iota(order.begin(), order.end(), ConsumerId{0});
  std::stable_sort(order.begin(), order.end(), [&](ConsumerId a, ConsumerId b) { return u(a) > u(b); });
  order.resize(count_);
  return Selection{std::move(order), true};
}

double Targeting::occasion_share_bound() const {
  if (consumers_ == 0) return 0.0;
  const double n = static_cast<double>(consumers_);
  switch (to_) {
    case To::kRandom:
      return by_count_ ? std::min(1.0, static_cast<double>(count_) / n) : share_;
    case To::kKMeans:
    case To::kUplift:
      return std::min(1.0, static_cast<double>(std::max(count_, pilot_count_)) / n);
    case To::kSegment: {
      double chosen = 0.0;
      for (const SegmentRange& r : segments_) chosen += static_cast<double>(r.end - r.begin);
      return std::min(1.0, chosen / n);
    }
    case To::kAll:
    case To::kLapsed:
      break;
  }
  return 1.0;
}

}  // namespace marketsim
