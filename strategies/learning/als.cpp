#include "strategies/learning/als.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <boost/random/normal_distribution.hpp>
#include <cmath>
#include <stdexcept>
#include <string>

namespace marketsim {

namespace {

/// Rows of the fixed side per block of the Gram matrix: fixed, so the sum's rounding does not depend
/// on the thread count (a block of f = 32 doubles is 256 KiB, within a core's L2).
constexpr Eigen::Index kGramBlock = 1024;
/// Entries gathered per rank-k update of a row's system (64 x f doubles: 16 KiB for f = 32, in L1).
constexpr Eigen::Index kGather = 64;

void check_params(const AlsParams& p) {
  if (p.factors < 1) throw std::invalid_argument("ALS: factors = " + std::to_string(p.factors) + ", must be >= 1");
  if (!(p.regularization > 0.0) || !std::isfinite(p.regularization)) {
    throw std::invalid_argument("ALS: regularization = " + std::to_string(p.regularization) + ", must be > 0");
  }
  if (!(p.alpha >= 0.0) || !std::isfinite(p.alpha)) {
    throw std::invalid_argument("ALS: alpha = " + std::to_string(p.alpha) + ", must be >= 0");
  }
  if (!(p.epsilon > 0.0) || !std::isfinite(p.epsilon)) {
    throw std::invalid_argument("ALS: epsilon = " + std::to_string(p.epsilon) + ", must be > 0");
  }
  if (p.iterations < 0) {
    throw std::invalid_argument("ALS: iterations = " + std::to_string(p.iterations) + ", must be >= 0");
  }
}

// The kernels of the Gram matrix and of a row's solve, on column-major f x f double matrices of
// which only the lower triangle is read or written. Plain loops over contiguous columns (the
// compiler vectorises them), not Eigen's products: no reduction is vectorised (-ffp-contract=off,
// no -ffast-math), so the order of every sum is the order written here, on any thread count and
// any machine (Eigen's matrix products block their sums by the cache sizes it detects, and use
// fused multiply-adds where the target has them).

/// a += sum_e w_e y_e y_e^T over the n columns y_e of y (f x n), lower triangle, four entries at a
/// time: f (f + 1) / 2 multiply-adds per entry, and f multiplies (w_e y_e) when kWeighted (else
/// w_e = 1 and w is not read).
template <bool kWeighted>
void rank_update(double* a, Eigen::Index f, const double* y, const double* w, Eigen::Index n) {
  const auto weight = [&](Eigen::Index e, double v) { return kWeighted ? w[e] * v : v; };
  Eigen::Index e = 0;
  for (; e + 4 <= n; e += 4) {
    const double* y0 = y + e * f;
    const double* y1 = y0 + f;
    const double* y2 = y1 + f;
    const double* y3 = y2 + f;
    for (Eigen::Index j = 0; j < f; ++j) {
      double* cj = a + j * f;
      const double v0 = weight(e, y0[j]), v1 = weight(e + 1, y1[j]), v2 = weight(e + 2, y2[j]),
                   v3 = weight(e + 3, y3[j]);
      for (Eigen::Index i = j; i < f; ++i) cj[i] += (y0[i] * v0 + y1[i] * v1) + (y2[i] * v2 + y3[i] * v3);
    }
  }
  for (; e < n; ++e) {
    const double* y0 = y + e * f;
    for (Eigen::Index j = 0; j < f; ++j) {
      double* cj = a + j * f;
      const double v0 = weight(e, y0[j]);
      for (Eigen::Index i = j; i < f; ++i) cj[i] += y0[i] * v0;
    }
  }
}

/// In place, a = L L^T: the lower triangle of a becomes L (left-looking Cholesky, four columns
/// at a time; f^3/3 + f^2/2 + f/6 flops). False unless a is positive definite.
bool cholesky_lower(double* a, Eigen::Index f) {
  for (Eigen::Index j = 0; j < f; ++j) {
    double* cj = a + j * f;
    Eigen::Index k = 0;
    for (; k + 4 <= j; k += 4) {
      const double* c0 = a + k * f;
      const double* c1 = c0 + f;
      const double* c2 = c1 + f;
      const double* c3 = c2 + f;
      const double l0 = c0[j], l1 = c1[j], l2 = c2[j], l3 = c3[j];
      for (Eigen::Index i = j; i < f; ++i) cj[i] -= (c0[i] * l0 + c1[i] * l1) + (c2[i] * l2 + c3[i] * l3);
    }
    for (; k < j; ++k) {
      const double* c0 = a + k * f;
      const double l0 = c0[j];
      for (Eigen::Index i = j; i < f; ++i) cj[i] -= c0[i] * l0;
    }
    const double d = cj[j];
    if (!(d > 0.0)) return false;
    const double s = std::sqrt(d);
    cj[j] = s;
    for (Eigen::Index i = j + 1; i < f; ++i) cj[i] /= s;
  }
  return true;
}

/// b := (L L^T)^-1 b for L from cholesky_lower: L z = b by columns, then L^T x = z by dot
/// products (2 f^2 flops).
void cholesky_solve(const double* l, Eigen::Index f, double* b) {
  for (Eigen::Index j = 0; j < f; ++j) {
    const double* cj = l + j * f;
    const double z = b[j] / cj[j];
    b[j] = z;
    for (Eigen::Index i = j + 1; i < f; ++i) b[i] -= cj[i] * z;
  }
  for (Eigen::Index j = f; j-- > 0;) {
    const double* cj = l + j * f;
    double s = b[j];
    for (Eigen::Index i = j + 1; i < f; ++i) s -= cj[i] * b[i];
    b[j] = s / cj[j];
  }
}

/// a^T: a column per row of a (each row's factors contiguous), copied in parallel (copies only).
Eigen::MatrixXf transposed(const Eigen::MatrixXf& a) {
  Eigen::MatrixXf t(a.cols(), a.rows());
  tbb::parallel_for(tbb::blocked_range<Eigen::Index>(0, a.rows(), 4096), [&](const tbb::blocked_range<Eigen::Index>& b) {
    t.middleCols(b.begin(), b.size()) = a.middleRows(b.begin(), b.size()).transpose();
  });
  return t;
}

/// The lower triangle of ft ft^T (ft: f x m, a column per fixed row; the upper triangle is left 0),
/// in double: blocks of kGramBlock columns, each block's product in parallel, the blocks' sums added
/// in block order.
Eigen::MatrixXd gram_lower(const Eigen::MatrixXf& ft) {
  const Eigen::Index f = ft.rows();
  const Eigen::Index m = ft.cols();
  const Eigen::Index blocks = (m + kGramBlock - 1) / kGramBlock;
  std::vector<Eigen::MatrixXd> partial(static_cast<std::size_t>(blocks));
  tbb::parallel_for(tbb::blocked_range<Eigen::Index>(0, blocks, 1), [&](const tbb::blocked_range<Eigen::Index>& range) {
    Eigen::MatrixXd d(f, kGramBlock);
    for (Eigen::Index b = range.begin(); b != range.end(); ++b) {
      const Eigen::Index begin = b * kGramBlock;
      const Eigen::Index len = std::min(kGramBlock, m - begin);
      d.leftCols(len) = ft.middleCols(begin, len).cast<double>();
      Eigen::MatrixXd& g = partial[static_cast<std::size_t>(b)];
      g.setZero(f, f);
      rank_update<false>(g.data(), f, d.data(), nullptr, len);
    }
  });
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(f, f);
  for (const Eigen::MatrixXd& part : partial) g += part;
  return g;
}

/// The full symmetric a^T a of a (n x f), in double.
Eigen::MatrixXd gram_full(const Eigen::MatrixXf& a) {
  Eigen::MatrixXd g = gram_lower(transposed(a));
  for (Eigen::Index j = 1; j < g.cols(); ++j) {
    for (Eigen::Index i = 0; i < j; ++i) g(i, j) = g(j, i);
  }
  return g;
}

std::vector<std::size_t> rows_with_entries(const ImplicitMatrix& r) {
  std::vector<std::size_t> count(2, 0);  // users, items with at least one entry
  std::vector<bool> item_seen(r.items, false);
  for (std::size_t u = 0; u < r.users; ++u) {
    if (r.row_start[u + 1] > r.row_start[u]) ++count[0];
  }
  for (const std::uint32_t i : r.item) {
    if (!item_seen[i]) {
      item_seen[i] = true;
      ++count[1];
    }
  }
  return count;
}

}  // namespace

void ImplicitMatrix::validate() const {
  if (row_start.size() != users + 1 || row_start.front() != 0 || row_start.back() != item.size() ||
      value.size() != item.size()) {
    throw std::invalid_argument("ImplicitMatrix: row_start needs users + 1 = " + std::to_string(users + 1) +
                                " offsets from 0 to the " + std::to_string(item.size()) +
                                " entries, and a value per entry");
  }
  for (std::size_t u = 0; u < users; ++u) {
    if (row_start[u + 1] < row_start[u]) {
      throw std::invalid_argument("ImplicitMatrix: row_start decreases at row " + std::to_string(u));
    }
    for (std::size_t e = row_start[u]; e < row_start[u + 1]; ++e) {
      if (item[e] >= items || (e > row_start[u] && item[e] <= item[e - 1])) {
        throw std::invalid_argument("ImplicitMatrix: row " + std::to_string(u) + " has item " + std::to_string(item[e]) +
                                    " out of range or out of order (" + std::to_string(items) + " items)");
      }
      if (!(value[e] > 0.0f) || !std::isfinite(value[e])) {
        throw std::invalid_argument("ImplicitMatrix: row " + std::to_string(u) + ", item " + std::to_string(item[e]) +
                                    " has value " + std::to_string(value[e]) + ", must be finite and > 0");
      }
    }
  }
}

ImplicitMatrix ImplicitMatrix::from_triplets(std::size_t users, std::size_t items,
                                             std::vector<std::tuple<std::uint32_t, std::uint32_t, float>> t) {
  for (const auto& [u, i, v] : t) {
    if (u >= users || i >= items) {
      throw std::invalid_argument("ImplicitMatrix: triplet (" + std::to_string(u) + ", " + std::to_string(i) +
                                  ") out of range for " + std::to_string(users) + " x " + std::to_string(items));
    }
    if (!(v > 0.0f) || !std::isfinite(v)) {
      throw std::invalid_argument("ImplicitMatrix: triplet (" + std::to_string(u) + ", " + std::to_string(i) +
                                  ") has value " + std::to_string(v) + ", must be finite and > 0");
    }
  }
  std::sort(t.begin(), t.end());  // by user, item, then value: repeats summed in ascending order
  ImplicitMatrix m;
  m.users = users;
  m.items = items;
  m.row_start.assign(users + 1, 0);
  for (std::size_t k = 0; k < t.size();) {
    const auto [u, i, v] = t[k];
    double sum = 0.0;
    for (; k < t.size() && std::get<0>(t[k]) == u && std::get<1>(t[k]) == i; ++k) sum += std::get<2>(t[k]);
    m.item.push_back(i);
    m.value.push_back(static_cast<float>(sum));
    ++m.row_start[u + 1];
  }
  for (std::size_t u = 0; u < users; ++u) m.row_start[u + 1] += m.row_start[u];
  return m;
}

ImplicitMatrix ImplicitMatrix::transpose() const {
  ImplicitMatrix t;
  t.users = items;
  t.items = users;
  t.row_start.assign(items + 1, 0);
  for (const std::uint32_t i : item) ++t.row_start[i + 1];
  for (std::size_t i = 0; i < items; ++i) t.row_start[i + 1] += t.row_start[i];
  t.item.resize(item.size());
  t.value.resize(value.size());
  std::vector<std::size_t> next(t.row_start.begin(), t.row_start.end() - 1);
  for (std::size_t u = 0; u < users; ++u) {  // users ascending, so each item's row comes out sorted
    for (std::size_t e = row_start[u]; e < row_start[u + 1]; ++e) {
      const std::size_t k = next[item[e]]++;
      t.item[k] = static_cast<std::uint32_t>(u);
      t.value[k] = value[e];
    }
  }
  return t;
}

double als_confidence(const AlsParams& p, double r) {
  return p.log_scaling ? 1.0 + p.alpha * std::log1p(r / p.epsilon) : 1.0 + p.alpha * r;
}

void als_half_step(const ImplicitMatrix& r, const AlsParams& p, const Eigen::MatrixXf& fixed, Eigen::MatrixXf& solve) {
  check_params(p);
  r.validate();
  const Eigen::Index f = p.factors;
  if (fixed.rows() != static_cast<Eigen::Index>(r.items) || fixed.cols() != f) {
    throw std::invalid_argument("ALS: fixed factors are " + std::to_string(fixed.rows()) + " x " +
                                std::to_string(fixed.cols()) + ", need " + std::to_string(r.items) + " x " +
                                std::to_string(f));
  }
  const Eigen::MatrixXf ft = transposed(fixed);  // each fixed row's factors contiguous
  const Eigen::MatrixXd g = gram_lower(ft);
  solve.resize(static_cast<Eigen::Index>(r.users), f);
  // Every row's system is built and solved serially, from g and its own entries in their order,
  // and written to its own row: the bits do not depend on how the rows are shared out. Grain 1:
  // a row costs at least f^3 / 3 flops, and the rows of the item side are very unequal.
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, r.users, 1), [&](const tbb::blocked_range<std::size_t>& rows) {
    Eigen::MatrixXd a(f, f);
    Eigen::VectorXd b(f);
    Eigen::MatrixXd y(f, kGather);  // gathered fixed factors
    Eigen::VectorXd w(kGather);     // their c - 1
    Eigen::MatrixXf out(f, static_cast<Eigen::Index>(rows.size()));
    for (std::size_t u = rows.begin(); u != rows.end(); ++u) {
      const auto col = static_cast<Eigen::Index>(u - rows.begin());
      const std::size_t begin = r.row_start[u];
      const std::size_t end = r.row_start[u + 1];
      if (begin == end) {
        out.col(col).setZero();  // b = 0
        continue;
      }
      // A = Y^T Y + Y_u^T (C_u - I) Y_u + lambda I (lower triangle), b = Y_u^T C_u p_u.
      a = g;
      b.setZero();
      for (std::size_t e0 = begin; e0 < end; e0 += kGather) {
        const auto len = static_cast<Eigen::Index>(std::min<std::size_t>(kGather, end - e0));
        for (Eigen::Index j = 0; j < len; ++j) {
          const std::size_t e = e0 + static_cast<std::size_t>(j);
          const double c = als_confidence(p, r.value[e]);
          y.col(j) = ft.col(r.item[e]).cast<double>();
          w(j) = c - 1.0;
          b += c * y.col(j);
        }
        rank_update<true>(a.data(), f, y.data(), w.data(), len);
      }
      a.diagonal().array() += p.regularization;
      if (!cholesky_lower(a.data(), f)) {
        throw std::runtime_error("ALS: the system of row " + std::to_string(u) + " is not positive definite");
      }
      cholesky_solve(a.data(), f, b.data());
      out.col(col) = b.cast<float>();
    }
    solve.middleRows(static_cast<Eigen::Index>(rows.begin()), out.cols()) = out.transpose();
  });
}

AlsModel fit_als(const ImplicitMatrix& r, const AlsParams& p, CounterRng& rng, const AlsModel* warm) {
  check_params(p);
  r.validate();
  const Eigen::Index f = p.factors;
  const auto users = static_cast<Eigen::Index>(r.users);
  const auto items = static_cast<Eigen::Index>(r.items);
  Eigen::Index warm_users = 0;
  Eigen::Index warm_items = 0;
  if (warm != nullptr) {
    warm_users = warm->user_factors.rows();
    warm_items = warm->item_factors.rows();
    if (warm_users > users || warm_items > items || (warm_users > 0 && warm->user_factors.cols() != f) ||
        (warm_items > 0 && warm->item_factors.cols() != f)) {
      throw std::invalid_argument("ALS: warm start of " + std::to_string(warm_users) + " users x " +
                                  std::to_string(warm->user_factors.cols()) + " and " + std::to_string(warm_items) +
                                  " items x " + std::to_string(warm->item_factors.cols()) + " for " +
                                  std::to_string(users) + " users, " + std::to_string(items) + " items, " +
                                  std::to_string(f) + " factors");
    }
  }
  AlsModel m;
  m.user_factors.resize(users, f);
  m.item_factors.resize(items, f);
  if (warm_users > 0) m.user_factors.topRows(warm_users) = warm->user_factors;
  if (warm_items > 0) m.item_factors.topRows(warm_items) = warm->item_factors;
  boost::random::normal_distribution<double> start(0.0, 0.01);
  if (warm_items == items && p.iterations > 0) {
    // Every item has factors: the first half-step solves the users from the items alone, so the
    // users' starting values do not matter (zeros; no draws).
    m.user_factors.bottomRows(users - warm_users).setZero();
  } else {
    for (Eigen::Index u = warm_users; u < users; ++u) {
      for (Eigen::Index k = 0; k < f; ++k) m.user_factors(u, k) = static_cast<float>(start(rng));
    }
  }
  for (Eigen::Index i = warm_items; i < items; ++i) {
    for (Eigen::Index k = 0; k < f; ++k) m.item_factors(i, k) = static_cast<float>(start(rng));
  }
  if (p.iterations == 0) return m;
  const ImplicitMatrix rt = r.transpose();
  for (int it = 0; it < p.iterations; ++it) {
    als_half_step(r, p, m.item_factors, m.user_factors);
    als_half_step(rt, p, m.user_factors, m.item_factors);
  }
  return m;
}

double als_loss(const ImplicitMatrix& r, const AlsParams& p, const AlsModel& m) {
  check_params(p);
  r.validate();
  const Eigen::Index f = p.factors;
  if (m.user_factors.rows() != static_cast<Eigen::Index>(r.users) || m.user_factors.cols() != f ||
      m.item_factors.rows() != static_cast<Eigen::Index>(r.items) || m.item_factors.cols() != f) {
    throw std::invalid_argument("ALS: the model's factors do not match the matrix and p.factors");
  }
  // sum over all pairs of (x_u . y_i)^2 = <X^T X, Y^T Y>.
  const Eigen::MatrixXd gx = gram_full(m.user_factors);
  const Eigen::MatrixXd gy = gram_full(m.item_factors);
  double loss = 0.0;
  for (Eigen::Index j = 0; j < f; ++j) {
    for (Eigen::Index k = 0; k < f; ++k) loss += gx(k, j) * gy(k, j);
  }
  // The observed pairs: c (1 - s)^2 in place of the s^2 counted above.
  const Eigen::MatrixXf xt = transposed(m.user_factors);
  const Eigen::MatrixXf yt = transposed(m.item_factors);
  for (std::size_t u = 0; u < r.users; ++u) {
    for (std::size_t e = r.row_start[u]; e < r.row_start[u + 1]; ++e) {
      double s = 0.0;
      for (Eigen::Index k = 0; k < f; ++k) {
        s += static_cast<double>(xt(k, static_cast<Eigen::Index>(u))) * static_cast<double>(yt(k, r.item[e]));
      }
      const double c = als_confidence(p, r.value[e]);
      loss += c * (1.0 - s) * (1.0 - s) - s * s;
    }
  }
  double squares = 0.0;  // |X|^2 + |Y|^2
  for (Eigen::Index k = 0; k < f; ++k) squares += gx(k, k) + gy(k, k);
  return loss + p.regularization * squares;
}

double als_flops_per_iteration(const ImplicitMatrix& r, int factors) {
  const auto f = static_cast<double>(factors);
  const std::vector<std::size_t> nonempty = rows_with_entries(r);
  const double rows = static_cast<double>(r.users) + static_cast<double>(r.items);
  const double solved = static_cast<double>(nonempty[0]) + static_cast<double>(nonempty[1]);
  const double gram = rows * f * (f + 1.0);
  const double entries = 2.0 * static_cast<double>(r.entries()) * (f * f + 4.0 * f);
  const double solves = solved * (f * f * f / 3.0 + 2.5 * f * f + 7.0 * f / 6.0);
  return gram + entries + solves;
}

void top_k(const AlsModel& m, std::size_t u, std::size_t k, const std::function<bool(std::uint32_t)>& skip,
           std::vector<std::uint32_t>& out) {
  if (u >= static_cast<std::size_t>(m.user_factors.rows()) || m.user_factors.cols() != m.item_factors.cols()) {
    throw std::invalid_argument("ALS top_k: user " + std::to_string(u) + " of " +
                                std::to_string(m.user_factors.rows()) + ", or factors that do not match");
  }
  const Eigen::Index items = m.item_factors.rows();
  Eigen::VectorXd score = Eigen::VectorXd::Zero(items);
  for (Eigen::Index j = 0; j < m.item_factors.cols(); ++j) {
    score += static_cast<double>(m.user_factors(static_cast<Eigen::Index>(u), j)) *
             m.item_factors.col(j).cast<double>();
  }
  out.clear();
  for (Eigen::Index i = 0; i < items; ++i) {
    const auto id = static_cast<std::uint32_t>(i);
    if (!skip || !skip(id)) out.push_back(id);
  }
  const std::size_t n = std::min(k, out.size());
  std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), out.end(),
                    [&](std::uint32_t a, std::uint32_t b) { return score(a) > score(b) || (score(a) == score(b) && a < b); });
  out.resize(n);
}

}  // namespace marketsim
