// The market fit behind `marketsim calibrate` (calibration/fit.h states the method).
#include "calibration/fit.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <tuple>
#include <unordered_map>

#include "calibration/bgnbd.h"
#include "calibration/validation.h"
#include "sim/dates.h"
#include "sim/concat.h"
#include "sim/error.h"
#include "sim/rng.h"
#include "strategies/learning/als.h"
#include "strategies/learning/kmeans.h"

namespace marketsim {
namespace {

/// A number rounded to `digits` significant digits (what the JSON documents hold: a fit is not
/// exact to 17 digits, and short numbers keep the files readable).
double rounded(double v, int digits = 6) {
  if (!std::isfinite(v) || v == 0.0) return v;
  char b[64];
  std::snprintf(b, sizeof b, "%.*g", digits, v);
  return std::strtod(b, nullptr);
}

std::string csv_number(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

struct Order {
  std::uint32_t customer = 0;
  std::int32_t day = 0;
  double value = 0.0;  // currency
  std::uint32_t lines = 0;
};

struct CustomerStats {
  std::int32_t first = std::numeric_limits<std::int32_t>::max(), last = -1;
  std::uint32_t orders = 0;
  double value = 0.0;
  bool seen = false;
};

/// Two-way fixed-effects Poisson regression of counts y_jw on a price p_jw (item effects, week
/// effects, one slope b = -beta). Cells: every (item, week) with an observed price. Returns
/// {beta, se, cells, dispersion}; se = NaN when the price has no variation within items.
struct PriceFit {
  double beta = std::numeric_limits<double>::quiet_NaN();
  double se = std::numeric_limits<double>::quiet_NaN();
  std::size_t cells = 0, items = 0;
  double dispersion = std::numeric_limits<double>::quiet_NaN();
};

struct Cell {
  std::uint32_t item, week;
  double price, y;
};

PriceFit fit_price(std::vector<Cell> cells, std::size_t items, std::size_t weeks) {
  PriceFit out;
  // Drop the items and weeks without any count (their effect is -infinity; they carry nothing).
  std::vector<double> item_y(items, 0.0), week_y(weeks, 0.0);
  for (const Cell& c : cells) {
    item_y[c.item] += c.y;
    week_y[c.week] += c.y;
  }
  std::erase_if(cells, [&](const Cell& c) { return item_y[c.item] <= 0.0 || week_y[c.week] <= 0.0; });
  if (cells.size() < 10) return out;
  std::vector<double> alpha(items, 0.0), tau(weeks, 0.0), mu(cells.size());
  double b = 0.0;
  const auto update_effects = [&] {
    for (int sweep = 0; sweep < 20; ++sweep) {
      std::vector<double> den(items, 0.0);
      for (const Cell& c : cells) den[c.item] += std::exp(tau[c.week] + b * c.price);
      for (std::size_t j = 0; j < items; ++j) {
        if (den[j] > 0.0) alpha[j] = std::log(item_y[j]) - std::log(den[j]);
      }
      std::vector<double> wden(weeks, 0.0);
      for (const Cell& c : cells) wden[c.week] += std::exp(alpha[c.item] + b * c.price);
      for (std::size_t w = 0; w < weeks; ++w) {
        if (wden[w] > 0.0) tau[w] = std::log(week_y[w]) - std::log(wden[w]);
      }
    }
    for (std::size_t k = 0; k < cells.size(); ++k) {
      mu[k] = std::exp(alpha[cells[k].item] + tau[cells[k].week] + b * cells[k].price);
    }
  };
  double info = 0.0;
  for (int it = 0; it < 50; ++it) {
    update_effects();
    // The price net of the effects, weighted by mu (alternating projections).
    std::vector<double> a(items, 0.0), w(weeks, 0.0);
    for (int sweep = 0; sweep < 30; ++sweep) {
      std::vector<double> num(items, 0.0), den(items, 0.0);
      for (std::size_t k = 0; k < cells.size(); ++k) {
        num[cells[k].item] += mu[k] * (cells[k].price - w[cells[k].week]);
        den[cells[k].item] += mu[k];
      }
      for (std::size_t j = 0; j < items; ++j) a[j] = den[j] > 0.0 ? num[j] / den[j] : 0.0;
      std::vector<double> wn(weeks, 0.0), wd(weeks, 0.0);
      for (std::size_t k = 0; k < cells.size(); ++k) {
        wn[cells[k].week] += mu[k] * (cells[k].price - a[cells[k].item]);
        wd[cells[k].week] += mu[k];
      }
      for (std::size_t v = 0; v < weeks; ++v) w[v] = wd[v] > 0.0 ? wn[v] / wd[v] : 0.0;
    }
    double score = 0.0;
    info = 0.0;
    for (std::size_t k = 0; k < cells.size(); ++k) {
      const double resid = cells[k].price - a[cells[k].item] - w[cells[k].week];
      score += (cells[k].y - mu[k]) * cells[k].price;
      info += mu[k] * resid * resid;
    }
    if (!(info > 1e-12)) return out;
    const double step = std::clamp(score / info, -5.0, 5.0);
    b += step;
    if (std::abs(step) < 1e-9 * (1.0 + std::abs(b))) break;
  }
  update_effects();
  double pearson = 0.0;
  std::vector<bool> item_used(items, false), week_used(weeks, false);
  for (std::size_t k = 0; k < cells.size(); ++k) {
    pearson += (cells[k].y - mu[k]) * (cells[k].y - mu[k]) / mu[k];
    item_used[cells[k].item] = true;
    week_used[cells[k].week] = true;
  }
  const auto used_items = static_cast<double>(std::count(item_used.begin(), item_used.end(), true));
  const auto used_weeks = static_cast<double>(std::count(week_used.begin(), week_used.end(), true));
  const double dof = static_cast<double>(cells.size()) - used_items - used_weeks;
  out.dispersion = dof > 0.0 ? pearson / dof : std::numeric_limits<double>::quiet_NaN();
  out.beta = -b;
  out.se = std::sqrt(std::max(1.0, out.dispersion) / info);
  out.cells = cells.size();
  out.items = static_cast<std::size_t>(used_items);
  return out;
}

Json with_se(double value, double se) { return Json{{"value", rounded(value)}, {"se", rounded(se)}}; }

/// A $dist for a positive value with a standard error: lognormal with the same mean and sd
/// (truncated to [value / 10, value * 10] and the declared range).
Json positive_dist(const std::string& name, double value, double se, double lo, double hi) {
  if (!(se > 0.0) || !(value > 0.0)) return rounded(value);
  const double s2 = std::log(1.0 + (se / value) * (se / value));
  return Json{{"$dist", "lognormal"},
              {"mu", rounded(std::log(value) - s2 / 2.0, 8)},
              {"sigma", rounded(std::sqrt(s2), 6)},
              {"min", rounded(std::max(lo, value / 10.0))},
              {"max", rounded(std::min(hi, value * 10.0))},
              {"name", name}};
}

}  // namespace

bool kept_line(const Transaction& t, std::uint32_t max_units) { return t.quantity <= max_units; }

std::uint64_t order_key(const Transaction& t) {
  return (static_cast<std::uint64_t>(t.customer) << 32) | static_cast<std::uint32_t>(t.day);
}

Calibration calibrate_market(const TransactionLog& log, const CalibrationOptions& o) {
  const std::string file = o.log_file;
  const std::int32_t until = o.until;
  Json assumed = Json::array();
  const auto assume = [&](const std::string& what, Json value, const std::string& why) {
    assumed.push_back(Json{{"parameter", what}, {"value", std::move(value)}, {"why", why}});
  };

  // ---- Cleaning beyond the reader: outliers; the training span.
  std::uint64_t outliers = 0, training_lines = 0, holdout_lines = 0;
  std::int64_t outlier_cents = 0;
  std::int32_t last_day = 0;
  std::vector<std::uint32_t> train;  // indices into log.lines
  for (std::uint32_t k = 0; k < log.lines.size(); ++k) {
    const Transaction& t = log.lines[k];
    last_day = std::max(last_day, t.day);
    if (!kept_line(t, o.max_units)) {
      ++outliers;
      outlier_cents += static_cast<std::int64_t>(t.quantity) * t.price_cents;
      continue;
    }
    if (t.day <= until) {
      train.push_back(k);
      ++training_lines;
    } else {
      ++holdout_lines;
    }
  }
  if (train.empty()) throw ScenarioError(file, "", "no purchase line on or before --until: nothing to fit");

  // ---- Orders (a customer's lines of one day: calibration/fit.h) and customers.
  std::vector<Order> orders;
  std::unordered_map<std::uint64_t, std::uint32_t> order_index;  // order_key -> index into orders
  std::vector<CustomerStats> customers(log.customers.size());
  for (std::uint32_t k : train) {
    const Transaction& t = log.lines[k];
    const auto [it, inserted] = order_index.try_emplace(order_key(t), static_cast<std::uint32_t>(orders.size()));
    if (inserted) {
      orders.push_back(Order{t.customer, t.day, 0.0, 0});
      CustomerStats& c = customers[t.customer];
      c.seen = true;
      ++c.orders;
      c.first = std::min(c.first, t.day);
      c.last = std::max(c.last, t.day);
    }
    Order& ord = orders[it->second];
    const double v = static_cast<double>(t.quantity) * static_cast<double>(t.price_cents) / 100.0;
    ord.value += v;
    ++ord.lines;
    customers[t.customer].value += v;
  }
  std::vector<std::uint32_t> buyers;  // customers with an order in training
  for (std::uint32_t c = 0; c < customers.size(); ++c) {
    if (customers[c].seen) buyers.push_back(c);
  }
  if (buyers.size() < o.segments * 10) {
    throw ScenarioError(file, "", cat("only ", std::to_string(buyers.size()), " customers ordered on or before --until; ",
                                      "fitting ", std::to_string(o.segments), " segments needs at least ",
                                      std::to_string(o.segments * 10)));
  }
  std::size_t n_orders = 0;
  double order_lines_sum = 0.0;
  std::vector<double> order_values;
  for (const Order& ord : orders) {
    ++n_orders;
    order_lines_sum += ord.lines;
    order_values.push_back(ord.value);
  }
  const double mean_lines = order_lines_sum / static_cast<double>(n_orders);

  // ---- Segments: K-means on standardised RFM.
  const std::size_t n = buyers.size();
  Eigen::MatrixXd rfm(n, 3);
  for (std::size_t i = 0; i < n; ++i) {
    const CustomerStats& c = customers[buyers[i]];
    rfm(static_cast<Eigen::Index>(i), 0) = static_cast<double>(until - c.last);
    rfm(static_cast<Eigen::Index>(i), 1) = std::log(static_cast<double>(c.orders));
    rfm(static_cast<Eigen::Index>(i), 2) = std::log(std::max(0.01, c.value / c.orders));
  }
  Eigen::RowVector3d mean = rfm.colwise().mean();
  Eigen::RowVector3d sd = ((rfm.rowwise() - mean).array().square().colwise().sum() / static_cast<double>(n)).sqrt();
  for (int j = 0; j < 3; ++j) {
    if (!(sd(j) > 0.0)) sd(j) = 1.0;
  }
  const Eigen::MatrixXd z = (rfm.rowwise() - mean).array().rowwise() / sd.array();
  const StreamFamily streams(o.seed, 0, Purpose::kStrategy, name_hash("calibrate"));
  CounterRng kmeans_rng(streams.key(1));
  const KMeansResult km = kmeans(z, o.segments, kmeans_rng);
  // Number clusters by mean orders, most first.
  std::vector<double> cluster_orders(o.segments, 0.0);
  for (std::size_t i = 0; i < n; ++i) cluster_orders[km.labels[i]] += customers[buyers[i]].orders;
  std::vector<std::size_t> rank(o.segments);
  std::iota(rank.begin(), rank.end(), 0);
  std::stable_sort(rank.begin(), rank.end(), [&](std::size_t a, std::size_t b) {
    return cluster_orders[a] / std::max<double>(1.0, static_cast<double>(km.sizes[a])) >
           cluster_orders[b] / std::max<double>(1.0, static_cast<double>(km.sizes[b]));
  });
  std::vector<std::size_t> segment_of_cluster(o.segments);
  for (std::size_t s = 0; s < o.segments; ++s) segment_of_cluster[rank[s]] = s;
  std::vector<std::uint32_t> segment(customers.size(), 0);
  for (std::size_t i = 0; i < n; ++i) segment[buyers[i]] = static_cast<std::uint32_t>(segment_of_cluster[km.labels[i]]);
  const std::size_t K = o.segments;
  std::vector<std::string> names(K);  // then "new"
  for (std::size_t s = 0; s < K; ++s) names[s] = cat("rfm", std::to_string(s + 1));
  names.push_back("new");  // segment K: the customers who join after training

  // ---- Calendar: weekday profile, closed days.
  const std::int64_t first_day_number = *parse_iso_date(log.first_date);
  std::vector<double> day_orders(static_cast<std::size_t>(until) + 1, 0.0);
  for (const Order& ord : orders) day_orders[static_cast<std::size_t>(ord.day)] += 1.0;
  std::array<double, 7> weekday_orders{}, weekday_open_days{};
  std::array<bool, 7> weekday_trades{};
  for (std::size_t d = 0; d < day_orders.size(); ++d) {
    const int wd = weekday(first_day_number + static_cast<std::int64_t>(d));
    if (day_orders[d] > 0.0) weekday_trades[static_cast<std::size_t>(wd)] = true;
  }
  Json closed = Json::array();
  for (std::size_t d = 0; d < day_orders.size(); ++d) {
    const auto wd = static_cast<std::size_t>(weekday(first_day_number + static_cast<std::int64_t>(d)));
    if (!weekday_trades[wd]) continue;
    if (day_orders[d] == 0.0) {
      if (!closed.empty() && closed.back()["day"].get<std::size_t>() + closed.back()["days"].get<std::size_t>() == d) {
        closed.back()["days"] = closed.back()["days"].get<std::size_t>() + 1;
      } else {
        closed.push_back(Json{{"day", d}, {"days", 1}, {"factor", 0}});
      }
      continue;
    }
    weekday_orders[wd] += day_orders[d];
    weekday_open_days[wd] += 1.0;
  }
  std::vector<double> week_profile(7, 0.0);  // Monday first
  for (std::size_t w = 0; w < 7; ++w) week_profile[w] = weekday_open_days[w] > 0.0 ? weekday_orders[w] / weekday_open_days[w] : 0.0;
  double profile_sum = std::accumulate(week_profile.begin(), week_profile.end(), 0.0);
  for (double& v : week_profile) v = rounded(v * 7.0 / profile_sum, 4);
  // The share of calendar days the shop trades: BG/NBD rates are per calendar day, visits happen
  // only on open days (the calendar's profile has mean 1 over a week, closed weekdays included;
  // dated closures remove their visits).
  // Demand shocks: the week-to-week variation of the orders beyond Poisson, by moments. Full
  // Monday-Sunday weeks after the opening period without a closed day; each week's expectation is
  // the centred 5-week moving average (a smooth trend); sigma^2 = mean of ((O - m)^2 / 0.8 - m) / m^2:
  // a week's variance is m + sigma^2 m^2 (Poisson and shock), and subtracting an average of five
  // independent weeks that includes it leaves 0.8 of it (1 - 2/5 + 5/25).
  std::vector<bool> closed_day(day_orders.size(), false);
  for (const Json& c : closed) {
    for (std::size_t d = c["day"].get<std::size_t>(); d < c["day"].get<std::size_t>() + c["days"].get<std::size_t>(); ++d) closed_day[d] = true;
  }
  double noise_sd = 0.0;
  std::size_t noise_weeks = 0;
  {
    std::vector<double> weekly;
    std::size_t monday = static_cast<std::size_t>(o.opening_days);
    while (weekday(first_day_number + static_cast<std::int64_t>(monday)) != 0) ++monday;
    for (std::size_t w = monday; w + 7 <= day_orders.size(); w += 7) {
      bool clean = true;
      double sum = 0.0;
      for (std::size_t d = w; d < w + 7; ++d) {
        clean = clean && !closed_day[d];
        sum += day_orders[d];
      }
      weekly.push_back(clean ? sum : std::numeric_limits<double>::quiet_NaN());
    }
    double acc = 0.0;
    for (std::size_t w = 2; w + 2 < weekly.size(); ++w) {
      double m = 0.0;
      bool ok = true;
      for (std::size_t k = w - 2; k <= w + 2; ++k) {
        ok = ok && !std::isnan(weekly[k]);
        m += weekly[k] / 5.0;
      }
      if (!ok || !(m > 0.0)) continue;
      acc += ((weekly[w] - m) * (weekly[w] - m) / 0.8 - m) / (m * m);
      ++noise_weeks;
    }
    if (noise_weeks > 0) noise_sd = std::sqrt(std::max(0.0, acc / static_cast<double>(noise_weeks)));
  }
  const double closed_days = [&] {
    double c = 0.0;
    for (const Json& s : closed) c += s["days"].get<double>();
    return c;
  }();

  // ---- Repeat purchases: BG/NBD over every customer, then each segment's customers' posteriors.
  const double T_end = static_cast<double>(until) + 1.0;
  std::vector<CustomerHistory> histories;
  for (std::uint32_t c : buyers) {
    const CustomerStats& s = customers[c];
    histories.push_back(CustomerHistory{static_cast<double>(s.orders - 1), s.orders > 1 ? static_cast<double>(s.last - s.first) : 0.0,
                                        T_end - static_cast<double>(s.first)});
  }
  // Conversion of a visit (see fit.h "baskets"): the log has no visits without an order.
  const double conversion = std::max(0.05, 1.0 - 1.0 / std::max(1.0, mean_lines));  // a first guess: simulated_moments measures it
  assume("conversion", rounded(conversion, 4),
         "the log has no visits without an order: a visit ends at once with the outside option with the probability "
         "that ends a basket (1 / mean lines per order), so the other visits order");
  BgNbdFit repeat;
  try {
    repeat = fit_bgnbd(histories);
  } catch (const std::exception& e) {
    throw ScenarioError(file, "", cat("the BG/NBD fit failed: ", e.what()));
  }
  // No dropout in the log (a -> 0: the maximum lies on the boundary, the fit does not converge and
  // has no covariance): the purchase rates are still identified; their standard errors come from
  // the information of (r, alpha) with a and b held where the fit left them (the NBD part).
  const bool dropout_identified = repeat.converged && std::isfinite(repeat.standard_error[2]);
  if (!dropout_identified) {
    const auto gradient = [&](double r, double alpha) {
      BgNbdParams p = repeat.params;
      p.r = r;
      p.alpha = alpha;
      const std::array<double, 4> g = bgnbd_log_likelihood_gradient(p, histories);
      return Eigen::Vector2d(g[0], g[1]);
    };
    const double r = repeat.params.r, alpha = repeat.params.alpha;
    Eigen::Matrix2d h;
    const double hr = 1e-5 * r, ha = 1e-5 * alpha;
    h.col(0) = (gradient(r + hr, alpha) - gradient(r - hr, alpha)) / (2.0 * hr);
    h.col(1) = (gradient(r, alpha + ha) - gradient(r, alpha - ha)) / (2.0 * ha);
    const Eigen::Matrix2d info = -(h + h.transpose()) / 2.0;
    const Eigen::Matrix2d cov = info.inverse();
    repeat.covariance = Eigen::Matrix4d::Zero();
    repeat.covariance.topLeftCorner<2, 2>() = cov;
    repeat.standard_error = {std::sqrt(cov(0, 0)), std::sqrt(cov(1, 1)), std::numeric_limits<double>::quiet_NaN(),
                             std::numeric_limits<double>::quiet_NaN()};
    assume("dropout", Json{{"a", rounded(repeat.params.a)}, {"b", rounded(repeat.params.b)}},
           "the log shows no dropout within its span: the BG/NBD likelihood is largest with the dropout probability at 0 "
           "(a -> 0), so customers are taken to stay; a longer log may show dropout that this one cannot");
  }
  const BgNbdParams& prior = repeat.params;
  // Per segment (K: the customers who join after training, with the prior), the mean and variance
  // of lambda and of p over its customers' posteriors (a mixture of "still active" and "dropped
  // out after the last order", weighted by P(active)).
  struct Moments {
    double lambda = 0.0, lambda2 = 0.0, p = 0.0, p2 = 0.0, n = 0.0, lambda_mean_sq = 0.0;
  };
  std::vector<Moments> moments(K + 1);
  for (std::size_t i = 0; i < n; ++i) {
    const CustomerHistory& h = histories[i];
    double alive = bgnbd_p_alive(prior, h);
    if (!std::isfinite(alive)) alive = 1.0;
    const double shape = prior.r + h.x;
    const double rate_alive = prior.alpha + h.T, rate_dropped = prior.alpha + h.t_x;
    double el = alive * shape / rate_alive + (1.0 - alive) * shape / rate_dropped;
    double el2 = alive * shape * (shape + 1.0) / (rate_alive * rate_alive) +
                 (1.0 - alive) * shape * (shape + 1.0) / (rate_dropped * rate_dropped);
    if (!std::isfinite(el) || !std::isfinite(el2)) {  // a degenerate fit (no heterogeneity to speak of): the customer's own rate
      el = (h.x + 1.0) / (h.T + 1.0);
      el2 = el * el;
    }
    // p | active: Beta(a, b + x); p | dropped after the x-th repeat order: Beta(a + 1, b + x - 1).
    const auto beta_moments = [](double a, double b) {
      const double m = a / (a + b);
      return std::pair<double, double>{m, m * (a + 1.0) / (a + b + 1.0)};
    };
    const auto [pa, pa2] = beta_moments(prior.a, prior.b + h.x);
    const auto [pd, pd2] = h.x > 0 ? beta_moments(prior.a + 1.0, prior.b + h.x - 1.0) : std::pair<double, double>{pa, pa2};
    Moments& m = moments[segment[buyers[i]]];
    m.lambda += el;
    m.lambda2 += el2;
    m.lambda_mean_sq += el * el;
    m.p += alive * pa + (1.0 - alive) * pd;
    m.p2 += alive * pa2 + (1.0 - alive) * pd2;
    m.n += 1.0;
  }
  {
    Moments& m = moments[K];  // joiners after training: the prior
    m.n = 1.0;
    m.lambda = prior.r / prior.alpha;
    m.lambda2 = prior.r * (prior.r + 1.0) / (prior.alpha * prior.alpha);
    m.lambda_mean_sq = m.lambda * m.lambda;
    m.p = prior.a / (prior.a + prior.b);
    m.p2 = m.p * (prior.a + 1.0) / (prior.a + prior.b + 1.0);
  }

  // ---- Joining.
  std::vector<double> present(K, 0.0), joined(K, 0.0);
  double recent_total = 0.0;
  for (std::uint32_t c : buyers) {
    const CustomerStats& s = customers[c];
    if (s.first < o.opening_days) {
      present[segment[c]] += 1.0;
    } else {
      joined[segment[c]] += 1.0;
    }
    if (s.first > until - o.recent_days) recent_total += 1.0;
  }
  const double join_span = std::max(1.0, T_end - static_cast<double>(o.opening_days));
  const double recent_rate = recent_total / static_cast<double>(o.recent_days);
  // New customers after training: the trend of the weekly first orders over the training span
  // after the opening days (a Poisson regression of the week's count on its midpoint, log link,
  // by Newton), extrapolated; the joins per day at time t are exp(c0 + c1 t). A week's exposure is
  // its share of a full week's trading (the weekday profile's weights of its open days, over 7):
  // first orders cannot happen on a closed day, so a week with Christmas or a bank holiday in it
  // says little about the trend, and weighing it as a full week would flatten the slope (weeks
  // trading less than a day are left out).
  std::vector<double> first_orders(static_cast<std::size_t>(until) + 1, 0.0);
  for (std::uint32_t c : buyers) first_orders[static_cast<std::size_t>(customers[c].first)] += 1.0;
  struct AcquisitionWeek {
    double midpoint, first_orders, exposure;
  };
  std::vector<AcquisitionWeek> acquisition;
  for (std::int32_t d = o.opening_days; d + 7 <= until + 1; d += 7) {
    double sum = 0.0, exposure = 0.0;
    for (std::int32_t k = d; k < d + 7; ++k) {
      const auto day = static_cast<std::size_t>(k);
      sum += first_orders[day];
      if (!closed_day[day]) exposure += week_profile[static_cast<std::size_t>(weekday(first_day_number + k))] / 7.0;
    }
    if (exposure >= 1.0 / 7.0) acquisition.push_back(AcquisitionWeek{static_cast<double>(d) + 3.5, sum, exposure});
  }
  Eigen::Vector2d trend(std::log(std::max(1e-3, recent_rate * 7.0)), 0.0);  // per week at t = 0, per day slope
  Eigen::Matrix2d trend_info = Eigen::Matrix2d::Identity();
  for (int it = 0; it < 50 && acquisition.size() >= 3; ++it) {
    Eigen::Vector2d score = Eigen::Vector2d::Zero();
    Eigen::Matrix2d info = Eigen::Matrix2d::Zero();
    for (const AcquisitionWeek& w : acquisition) {
      const double t = w.midpoint, y = w.first_orders;
      const double mu = w.exposure * std::exp(trend(0) + trend(1) * t);
      const Eigen::Vector2d x(1.0, t);
      score += (y - mu) * x;
      info += mu * x * x.transpose();
    }
    const Eigen::Vector2d step = info.ldlt().solve(score);
    trend += step;
    trend_info = info;
    if (step.norm() < 1e-10) break;
  }
  const auto joins_at = [&](double t) { return std::exp(trend(0) + trend(1) * t) / 7.0; };
  const Eigen::Matrix2d trend_cov = trend_info.inverse();
  const double at_end = static_cast<double>(until) + 1.0;
  const double joins_at_end_se =
      joins_at(at_end) * std::sqrt(std::max(0.0, trend_cov(0, 0) + 2.0 * at_end * trend_cov(0, 1) + at_end * at_end * trend_cov(1, 1)));

  // ---- Products: prices, ALS tastes, product effects.
  std::vector<std::uint32_t> product_of_item(log.items.size(), std::numeric_limits<std::uint32_t>::max());
  std::vector<std::uint32_t> item_of_product;
  std::vector<double> item_units, item_revenue, item_lines;
  for (std::uint32_t k : train) {
    const Transaction& t = log.lines[k];
    if (product_of_item[t.item] == std::numeric_limits<std::uint32_t>::max()) {
      product_of_item[t.item] = static_cast<std::uint32_t>(item_of_product.size());
      item_of_product.push_back(t.item);
      item_units.push_back(0.0);
      item_revenue.push_back(0.0);
      item_lines.push_back(0.0);
    }
    const std::uint32_t j = product_of_item[t.item];
    item_units[j] += t.quantity;
    item_revenue[j] += static_cast<double>(t.quantity) * static_cast<double>(t.price_cents) / 100.0;
    item_lines[j] += 1.0;
  }
  const std::size_t J = item_of_product.size();
  std::vector<double> price(J);
  for (std::size_t j = 0; j < J; ++j) price[j] = std::max(0.01, std::round(item_revenue[j] / item_units[j] * 100.0) / 100.0);

  std::vector<std::uint32_t> buyer_index(customers.size(), 0);
  for (std::uint32_t i = 0; i < n; ++i) buyer_index[buyers[i]] = i;
  std::vector<std::tuple<std::uint32_t, std::uint32_t, float>> triplets;
  for (std::uint32_t k : train) {
    const Transaction& t = log.lines[k];
    triplets.emplace_back(buyer_index[t.customer], product_of_item[t.item], 1.0f);
  }
  const ImplicitMatrix matrix = ImplicitMatrix::from_triplets(n, J, std::move(triplets));
  AlsParams als;
  als.factors = o.factors;
  als.regularization = 0.1;
  als.alpha = 1.0;
  als.log_scaling = true;
  als.iterations = 10;
  CounterRng als_rng(streams.key(2));
  const AlsModel model = fit_als(matrix, als, als_rng);
  // Scale: the taste term theta . phi has sd 1 over (customer, product) pairs (assumed).
  const auto F = static_cast<Eigen::Index>(o.factors);
  double score_sum = 0.0, score_sq = 0.0, pairs = 0.0;
  for (std::size_t i = 0; i < n; i += std::max<std::size_t>(1, n / 500)) {
    for (std::size_t j = 0; j < J; j += std::max<std::size_t>(1, J / 500)) {
      const double s = model.user_factors.row(static_cast<Eigen::Index>(i)).cast<double>().dot(
          model.item_factors.row(static_cast<Eigen::Index>(j)).cast<double>());
      score_sum += s;
      score_sq += s * s;
      pairs += 1.0;
    }
  }
  const double score_sd = std::sqrt(std::max(1e-12, score_sq / pairs - (score_sum / pairs) * (score_sum / pairs)));
  const double scale = std::sqrt(1.0 / score_sd);  // split evenly between tastes and attributes
  assume("taste_scale", rounded(1.0 / score_sd, 4),
         "implicit-feedback ALS scores are preferences, not utilities: the taste term theta . phi is scaled to sd 1 "
         "utility over customer-product pairs");
  Eigen::MatrixXd theta = model.user_factors.cast<double>() * scale;  // n x F
  Eigen::MatrixXd phi = model.item_factors.cast<double>() * scale;    // J x F
  std::vector<Eigen::VectorXd> taste_mean(K, Eigen::VectorXd::Zero(F));
  std::vector<double> seg_n(K, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    taste_mean[segment[buyers[i]]] += theta.row(static_cast<Eigen::Index>(i)).transpose();
    seg_n[segment[buyers[i]]] += 1.0;
  }
  for (std::size_t s = 0; s < K; ++s) taste_mean[s] /= std::max(1.0, seg_n[s]);
  double within = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    within += (theta.row(static_cast<Eigen::Index>(i)).transpose() - taste_mean[segment[buyers[i]]]).squaredNorm();
  }
  const double taste_sd = std::sqrt(within / (static_cast<double>(n) * static_cast<double>(F)));
  Eigen::VectorXd population_taste = Eigen::VectorXd::Zero(F);
  for (std::size_t s = 0; s < K; ++s) population_taste += taste_mean[s] * seg_n[s] / static_cast<double>(n);
  taste_mean.push_back(population_taste);  // "new"
  seg_n.push_back(0.0);

  // ---- Price response per segment.
  const std::size_t weeks = static_cast<std::size_t>(until) / 7 + 1;
  // Median price of each (product, week) over all training lines.
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<double>> cell_prices;
  for (std::uint32_t k : train) {
    const Transaction& t = log.lines[k];
    cell_prices[{product_of_item[t.item], static_cast<std::uint32_t>(t.day / 7)}].push_back(static_cast<double>(t.price_cents) / 100.0);
  }
  // Segment K ("new"): every customer's lines (the population's beta).
  std::vector<std::map<std::pair<std::uint32_t, std::uint32_t>, double>> seg_counts(K + 1);
  for (std::uint32_t k : train) {
    const Transaction& t = log.lines[k];
    const std::pair<std::uint32_t, std::uint32_t> cell{product_of_item[t.item], static_cast<std::uint32_t>(t.day / 7)};
    seg_counts[segment[t.customer]][cell] += 1.0;
    seg_counts[K][cell] += 1.0;
  }
  std::vector<PriceFit> price_fit(K + 1);
  for (std::size_t s = 0; s <= K; ++s) {
    std::vector<Cell> cells;
    for (const auto& [key, prices] : cell_prices) {
      const auto it = seg_counts[s].find(key);
      cells.push_back(Cell{key.first, key.second, sample_quantile(prices, 0.5), it == seg_counts[s].end() ? 0.0 : it->second});
    }
    price_fit[s] = fit_price(std::move(cells), J, weeks);
  }
  constexpr double kPriorBeta = 0.3;  // utility per currency unit when the log cannot say
  // The regression gives the effect of price on lines, beta (1 - P) with P the chance that a shown
  // product is bought; its mean is the mean lines per order over the products a visit shows.
  const double pick_share = std::min(0.9, mean_lines / static_cast<double>(std::max<std::int64_t>(1, std::min<std::int64_t>(o.browse_slots, static_cast<std::int64_t>(J)))));
  for (PriceFit& pf : price_fit) {
    pf.beta /= 1.0 - pick_share;
    pf.se /= 1.0 - pick_share;
  }
  std::vector<double> beta(K + 1), beta_se(K + 1);
  std::vector<bool> identified(K + 1);
  for (std::size_t s = 0; s <= K; ++s) {
    const PriceFit& pf = price_fit[s];
    identified[s] = std::isfinite(pf.beta) && std::isfinite(pf.se) && pf.beta > 0.0 && pf.beta > 2.0 * pf.se;
    beta[s] = identified[s] ? pf.beta : kPriorBeta;
    beta_se[s] = identified[s] ? pf.se : std::numeric_limits<double>::quiet_NaN();
  }
  if (std::find(identified.begin(), identified.end(), false) != identified.end()) {
    assume("price_sensitivity_median (segments without an identified beta)", kPriorBeta,
           "the log's within-item price variation does not identify beta for these segments (wrong sign or |beta| < 2 SE); "
           "0.3 utility per currency unit is a prior, not a fit: treat price what-ifs in these segments as illustrative");
  }
  const double mean_beta = [&] {
    double b = 0.0;
    for (std::size_t s = 0; s < K; ++s) b += beta[s] * seg_n[s] / static_cast<double>(n);
    return b;
  }();

  // Product effects: delta_j = ln(lines_j) + beta p_j - population taste . phi_j, centred.
  std::vector<double> delta(J);
  for (std::size_t j = 0; j < J; ++j) {
    delta[j] = std::log(item_lines[j]) + mean_beta * price[j] -
               population_taste.dot(phi.row(static_cast<Eigen::Index>(j)).transpose());
  }
  const double delta_mean = std::accumulate(delta.begin(), delta.end(), 0.0) / static_cast<double>(J);
  for (double& d : delta) d -= delta_mean;
  constexpr double kEffectScale = 10.0;  // phi_{D} = delta / 10, taste_mean_{D} = 10: little taste noise on it
  // A price-level attribute phi = p / 100 with a segment's taste (beta_s - mean beta) x 100: it
  // cancels the segment's beta on price levels, so every segment's mix of products is the
  // population's (its ALS tastes aside) and beta_s acts on price changes only (the product
  // effects absorb levels).
  constexpr double kPriceScale = 100.0;

  // Intercept: the weight of one visit's shown products sums to mean lines - 1.
  // (theta ~ Normal(mean, taste_sd^2 I): E exp(theta . phi) = exp(mean . phi + taste_sd^2 |phi|^2 / 2).)
  double weight_mean = 0.0;
  for (std::size_t j = 0; j < J; ++j) {
    const double spread = phi.row(static_cast<Eigen::Index>(j)).squaredNorm() +
                          (delta[j] / kEffectScale) * (delta[j] / kEffectScale);
    weight_mean += std::exp(delta[j] - mean_beta * price[j] +
                            population_taste.dot(phi.row(static_cast<Eigen::Index>(j)).transpose()) +
                            taste_sd * taste_sd * spread / 2.0);
  }
  weight_mean /= static_cast<double>(J);
  const auto shown = static_cast<double>(std::min<std::int64_t>(o.browse_slots, static_cast<std::int64_t>(J)));
  const double intercept = std::log(std::max(1e-6, mean_lines - 1.0) / (shown * weight_mean));

  // ---- Quantities per segment and price band.
  std::vector<double> line_prices;
  line_prices.reserve(train.size());
  for (std::uint32_t k : train) line_prices.push_back(static_cast<double>(log.lines[k].price_cents) / 100.0);
  std::vector<double> bands = {0.0};
  for (double q : {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99}) {
    const double b = std::round(sample_quantile(line_prices, q) * 100.0) / 100.0;
    if (b > bands.back()) bands.push_back(b);
  }
  const auto band_of = [&](double p) {
    std::size_t b = 0;
    while (b + 1 < bands.size() && p >= bands[b + 1]) ++b;
    return b;
  };
  // Order sizes (lines): 1, 2-5, 6-20, 21-40, 41+.
  const std::vector<std::uint32_t> sizes = {1, 2, 6, 21, 41};
  const auto size_of = [&](double lines) {
    std::size_t group = 0;
    while (group + 1 < sizes.size() && lines >= sizes[group + 1]) ++group;
    return group;
  };
  std::vector<std::vector<std::map<std::uint32_t, double>>> units(
      K + 1, std::vector<std::map<std::uint32_t, double>>(bands.size() * sizes.size()));
  for (std::uint32_t k : train) {
    const Transaction& t = log.lines[k];
    const std::size_t b = band_of(static_cast<double>(t.price_cents) / 100.0) +
                          bands.size() * size_of(orders[order_index.at(order_key(t))].lines);
    units[segment[t.customer]][b][t.quantity] += 1.0;
    units[K][b][t.quantity] += 1.0;
  }
  Json tables = Json::array();
  for (std::size_t s = 0; s <= K; ++s) {
    for (std::size_t b = 0; b < bands.size() * sizes.size(); ++b) {
      double lines = 0.0;
      for (const auto& [u, w] : units[s][b]) lines += w;
      const auto& source = lines >= 100.0 || s == K ? units[s][b] : units[K][b];
      Json u = Json::array(), w = Json::array();
      for (const auto& [value, weight] : source) {
        u.push_back(value);
        w.push_back(weight);
      }
      if (u.empty()) {
        u.push_back(1);
        w.push_back(1);
      }
      tables.push_back(Json{{"segment", s == K ? std::string("*") : names[s]},
                            {"lines_from", sizes[b / bands.size()]},
                            {"price_from", bands[b % bands.size()]},
                            {"units", u},
                            {"weights", w}});
    }
  }

  // ---- The scenario.
  Json segments_json = Json::array(), lifecycle = Json::object(), fit_segments = Json::array();
  for (std::size_t s = 0; s <= K; ++s) {
    const Moments& m = moments[s];
    const double rate = m.lambda / m.n;  // mean purchases (orders) per day
    const double rate_var = std::max(1e-30, m.lambda2 / m.n - rate * rate);
    // The standard error of the segment's mean rate: the spread of its customers' posterior means
    // over their number (for "new", the delta method on the prior's r / alpha).
    const double rate_se = s < K ? std::sqrt(std::max(0.0, m.lambda_mean_sq / m.n - rate * rate) / m.n) : [&] {
      const double r = prior.r, alpha = prior.alpha;
      const Eigen::Matrix4d& cov = repeat.covariance;
      return std::sqrt(std::max(0.0, cov(0, 0) / (alpha * alpha) + cov(1, 1) * r * r / std::pow(alpha, 4) -
                                         2.0 * cov(0, 1) * r / std::pow(alpha, 3)));
    }();
    const double log_sd = std::min(5.0, std::sqrt(std::log(1.0 + rate_var / (rate * rate))));
    const double visit_mean = rate / conversion;
    const double visit_median = visit_mean / std::exp(log_sd * log_sd / 2.0);
    const double visit_median_se = rate_se / conversion / std::exp(log_sd * log_sd / 2.0);
    // Beta by moments for the dropout probability.
    const double p_mean = m.p / m.n, p_var = std::max(1e-12, m.p2 / m.n - p_mean * p_mean);
    const double common = std::clamp(p_mean * (1.0 - p_mean) / p_var - 1.0, 1e-3, 1e5);
    const double dropout_a = p_mean * common, dropout_b = (1.0 - p_mean) * common;
    const double joins_during = s < K ? joined[s] / join_span : 0.0;
    const double joins_after = s < K ? 0.0 : joins_at(at_end);
    double joins_room = 0.0;  // expected joins over extend_days after training
    for (std::int32_t d = 0; d < o.extend_days; d += 28) joins_room += joins_at(at_end + d + 14.0) * std::min(28, o.extend_days - d);
    const auto consumers = s < K ? static_cast<std::int64_t>(present[s] + joined[s])
                                 : static_cast<std::int64_t>(std::ceil(joins_room + 3.0 * std::sqrt(joins_room) + 1.0));
    Json taste = Json::array();
    for (Eigen::Index d = 0; d < F; ++d) taste.push_back(rounded(taste_mean[s](d), 5));
    taste.push_back(rounded((beta[s] - mean_beta) * kPriceScale, 6));
    taste.push_back(kEffectScale);
    segments_json.push_back(Json{
        {"name", names[s]},
        {"consumers", consumers},
        {"taste_sd", rounded(taste_sd, 4)},
        {"taste_mean", taste},
        {"price_sensitivity_median", identified[s] ? positive_dist(cat("beta_", names[s]), beta[s], beta_se[s], 1e-6, 100.0)
                                                   : Json(rounded(beta[s]))},
        {"price_sensitivity_log_sd", 0.0},
        {"visit_rate", positive_dist(cat("visit_rate_", names[s]), visit_median, visit_median_se, 1e-9, 1000.0)},
        {"visit_rate_log_sd", rounded(log_sd, 4)},
    });
    Json joins = Json::array();
    if (s < K) {
      // The customers first seen in the opening days join over them (their first order in the
      // log), the others over the rest of the training span.
      joins.push_back(Json{{"from", 0}, {"per_day", rounded(present[s] / static_cast<double>(o.opening_days))}});
      if (joined[s] > 0.0) joins.push_back(Json{{"from", o.opening_days}, {"per_day", rounded(joins_during)}});
    } else {
      // Four-week phases along the trend, the last one for ever.
      for (std::int32_t d = 0; d < o.extend_days; d += 28) {
        joins.push_back(Json{{"from", until + 1 + d}, {"per_day", rounded(std::max(joins_at(at_end + d + 14.0), 1e-6))}});
      }
    }
    lifecycle[names[s]] = Json{{"present", 0},
                               {"joins", joins},
                               {"dropout_a", rounded(dropout_a)},
                               {"dropout_b", rounded(dropout_b)}};
    const PriceFit& pf = price_fit[s];
    Json centroid = Json::object();
    {
      double rec = 0.0, freq = 0.0, mon = 0.0;
      for (std::size_t i = 0; i < n && s < K; ++i) {
        if (segment[buyers[i]] != s) continue;
        rec += rfm(static_cast<Eigen::Index>(i), 0);
        freq += customers[buyers[i]].orders;
        mon += customers[buyers[i]].value / customers[buyers[i]].orders;
      }
      if (s < K) {
        centroid = Json{{"recency_days", rounded(rec / seg_n[s], 4)},
                        {"orders", rounded(freq / seg_n[s], 4)},
                        {"order_value", rounded(mon / seg_n[s], 5)}};
      }
    }
    fit_segments.push_back(Json{
        {"name", names[s]},
        {"customers", static_cast<std::int64_t>(seg_n[s])},
        {"rfm_mean", s < K ? centroid : Json("the customers who join after training: the BG/NBD prior")},
        {"orders_per_day", with_se(rate, rate_se)},
        {"orders_per_day_sd", rounded(std::sqrt(rate_var))},
        {"dropout", Json{{"mean", rounded(p_mean)}, {"a", rounded(dropout_a)}, {"b", rounded(dropout_b)}}},
        {"visit_rate_median", with_se(visit_median, visit_median_se)},
        {"visit_rate_log_sd", rounded(log_sd, 4)},
        {"present_at_start", s < K ? static_cast<std::int64_t>(present[s]) : 0},
        {"joined_in_training", s < K ? static_cast<std::int64_t>(joined[s]) : 0},
        {"joins_per_day", s < K ? with_se(joins_during, std::sqrt(joined[s]) / join_span)
                                : with_se(joins_after, joins_at_end_se)},
        {"beta", identified[s] ? with_se(beta[s], beta_se[s]) : Json{{"value", kPriorBeta}, {"se", nullptr}}},
        {"beta_identified", static_cast<bool>(identified[s])},
        {"beta_statement",
         identified[s]
             ? cat("fitted from ", std::to_string(pf.cells), " item-weeks of ", std::to_string(pf.items),
                   " items (two-way fixed-effects Poisson, dispersion ", csv_number(pf.dispersion), "), divided by 1 - ",
                   csv_number(pick_share), " (the mean share of shown products bought)")
             : cat("not identified: the fit gave ", std::isfinite(pf.beta) ? csv_number(pf.beta) : std::string("nothing"),
                   std::isfinite(pf.se) ? cat(" (SE ", csv_number(pf.se), ")") : std::string(),
                   "; the log's prices vary too little within items, or with quantity tiers rather than over time, "
                   "to separate price response from demand; the prior 0.3 is used")},
    });
  }
  assume("margin", o.margin, "the log has no costs: cost = list price x (1 - margin)");
  assume("stock", "unlimited", "the log has no stock-outs: replenishment none with 10^12 units");
  assume("seasonality", "flat", "a log shorter than two years cannot separate a season from a trend: no monthly profile");
  assume("price_sensitivity_log_sd", 0.0, "the log identifies at most a segment's beta, not its spread within the segment");
  assume("browse_slots", o.browse_slots,
         "products one visit shows (all equally likely): the log has no impressions; product effects carry the shares");

  Json behaviours = Json::array();
  behaviours.push_back(Json{{"name", "calendar"},
                            {"day_of_week", week_profile},
                            {"first_weekday", weekday(first_day_number)},
                            {"surges", closed},
                            {"noise_sd", rounded(std::min(3.0, noise_sd), 4)},
                            {"noise_days", 7},
                            {"noise_offset", weekday(first_day_number)}});
  behaviours.push_back(Json{{"name", "basket"}, {"max_items", 255}});
  behaviours.push_back(Json{{"name", "quantity"}, {"tables", tables}});
  behaviours.push_back(Json{{"name", "lifecycle"}, {"segments", lifecycle}, {"welcome", 10000}});

  Json scenario = {
      {"name", "calibrated"},
      {"description", cat("Fitted by marketsim calibrate to ", file, " up to ", civil_date_text(first_day_number + until),
                          " (", std::to_string(n), " customers, ", std::to_string(J), " products, ", std::to_string(n_orders),
                          " orders); see fit.json")},
      {"seed", o.seed},
      {"start_date", log.first_date},
      {"horizon_days", until + 1},
      {"warmup_days", 0},
      {"market",
       {{"latent_dimensions", o.factors + 2},
        {"intercept", rounded(intercept, 8)},
        {"browse_slots", static_cast<std::int64_t>(shown)},
        {"lead_time_days", 1},
        {"catalog_file", "catalog.csv"},
        {"categories", Json::array({Json{{"name", "products"}}})},
        {"segments", segments_json},
        {"behaviours", behaviours}}},
      {"arms", Json::array({Json{{"name", "fitted"},
                                 {"baseline", true},
                                 {"pricing", {{"name", "fixed"}}},
                                 {"recommendation", {{"name", "random"}, {"slots", 0}}},
                                 {"replenishment", {{"name", "none"}, {"initial", 1000000000000LL}}}}})},
  };

  // ---- catalog.csv.
  std::string catalog = "id,category,list_price,cost,quality";
  for (Eigen::Index d = 0; d <= F + 1; ++d) catalog += cat(",phi_", std::to_string(d + 1));
  catalog += "\n";
  for (std::size_t j = 0; j < J; ++j) {
    catalog += cat(std::to_string(j), ",products,", csv_number(price[j]), ",", csv_number(std::round(price[j] * (1.0 - o.margin) * 100.0) / 100.0), ",0");
    for (Eigen::Index d = 0; d < F; ++d) catalog += cat(",", csv_number(phi(static_cast<Eigen::Index>(j), d)));
    catalog += cat(",", csv_number(price[j] / kPriceScale), ",", csv_number(delta[j] / kEffectScale), "\n");
  }

  // ---- cleaning.json.
  const CleaningReport& rep = log.report;
  const auto money = [](std::int64_t cents) { return static_cast<double>(cents) / 100.0; };
  Json cleaning = {
      {"log", file},
      {"rows", rep.rows},
      {"sales_revenue", money(rep.sales_cents)},
      {"rules",
       Json::array({
           Json{{"rule", "guest rows (no customer id)"}, {"rows", rep.guest}, {"revenue", money(rep.guest_cents)}},
           Json{{"rule", "non-product codes (postage, fees, manual adjustments, vouchers)"}, {"rows", rep.non_product}, {"revenue", money(rep.non_product_cents)}},
           Json{{"rule", "zero or negative prices"}, {"rows", rep.zero_price}, {"revenue", 0.0}},
           Json{{"rule", "cancellations netted against the customer's earlier lines of the item"},
                {"rows", rep.cancellations},
                {"lines_reduced", rep.cancelled_lines},
                {"unmatched", rep.unmatched_cancellations},
                {"revenue", money(rep.cancelled_cents)}},
           Json{{"rule", "other non-positive quantities (stock adjustments)"}, {"rows", rep.adjustments}, {"revenue", money(rep.adjustments_cents)}},
           Json{{"rule", cat("outliers (lines of more than ", std::to_string(o.max_units), " units)")},
                {"rows", outliers},
                {"revenue", money(outlier_cents)}},
       })},
      {"kept", {{"rows", rep.kept}, {"lines", log.lines.size() - outliers}, {"revenue", money(rep.kept_cents - outlier_cents)}}},
      {"unpriced_rows", rep.unpriced_rows},
      {"training", {{"until", civil_date_text(first_day_number + until)}, {"lines", training_lines}, {"orders", n_orders}, {"customers", n}}},
      {"after_training", {{"lines", holdout_lines}, {"last_date", civil_date_text(first_day_number + last_day)}}},
  };

  // ---- fit.json.
  Json fit = {
      {"log", file},
      {"map", o.map_file.empty() ? Json(nullptr) : Json(o.map_file)},
      {"first_date", log.first_date},
      {"until", civil_date_text(first_day_number + until)},
      {"max_units", o.max_units},
      {"customers", n},
      {"products", J},
      {"orders", n_orders},
      {"mean_lines_per_order", rounded(mean_lines, 6)},
      {"order_value", {{"mean", rounded(std::accumulate(order_values.begin(), order_values.end(), 0.0) / static_cast<double>(n_orders))},
                       {"median", rounded(sample_quantile(order_values, 0.5))}}},
      {"bgnbd", Json{{"method", "Fader, Hardie and Lee (2005) BG/NBD, maximum likelihood over every customer; (x, t_x, T) in days, "
                               "x = orders - 1 (an order: a customer's lines of one day)"},
                     {"r", with_se(prior.r, repeat.standard_error[0])},
                     {"alpha", with_se(prior.alpha, repeat.standard_error[1])},
                     {"a", with_se(prior.a, repeat.standard_error[2])},
                     {"b", with_se(prior.b, repeat.standard_error[3])},
                     {"orders_per_day", rounded(prior.r / prior.alpha)},
                     {"log_likelihood", rounded(repeat.log_likelihood, 10)},
                     {"converged", repeat.converged},
                     {"dropout_identified", dropout_identified}}},
      {"segments", fit_segments},
      {"calendar", {{"day_of_week_monday_first", week_profile},
                    {"closed_days", closed_days},
                    {"closed", closed},
                    {"weekly_noise_sd", rounded(noise_sd, 4)},
                    {"weekly_noise_method", cat("extra-Poisson variance of ", std::to_string(noise_weeks),
                                                " training weeks' orders around a centred 5-week moving average (moments)")}}},
      {"tastes", {{"method", "implicit-feedback ALS (Hu, Koren and Volinsky 2008), log confidence, alpha 1, lambda 0.1, 10 iterations"},
                  {"factors", o.factors},
                  {"taste_sd", rounded(taste_sd, 5)}}},
      {"choice", {{"intercept", rounded(intercept, 8)}, {"browse_slots", static_cast<std::int64_t>(shown)}, {"conversion", rounded(conversion, 5)}}},
      {"quantity", {{"price_bands_from", bands}, {"order_lines_from", sizes}}},
      {"acquisition", {{"opening_days", o.opening_days},
                       {"method", "Poisson regression (log link) of the weekly first orders after the opening days on time, each week exposed by its share of a full week's trading (closed days and the weekday profile)"},
                       {"weeks", acquisition.size()},
                       {"joins_per_day_at_end_of_training", with_se(joins_at(at_end), joins_at_end_se)},
                       {"trend_per_day", with_se(trend(1), std::sqrt(std::max(0.0, trend_cov(1, 1))))},
                       {"recent_joins_per_day", with_se(recent_rate, std::sqrt(recent_total) / o.recent_days)}}},
      {"assumed", assumed},
      {"uncertain", "visit rates (and identified betas) are written as $dist lognormals with their standard errors; "
                    "scenario.json's uncertainty block draws them per replication"},
  };
  scenario["uncertainty"] = Json{{"draws", 2}, {"replications_per_draw", 2}};
  return Calibration{std::move(scenario), std::move(catalog), std::move(cleaning), std::move(fit)};
}

}  // namespace marketsim
