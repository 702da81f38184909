#pragma once
// Alternating least squares for implicit feedback (Hu, Koren and Volinsky 2008, "Collaborative
// Filtering for Implicit Feedback Datasets"). Every user-item pair counts: p_ui = 1 where r_ui > 0
// (the user bought the item) and 0 elsewhere, weighted by a confidence c_ui = 1 + alpha r_ui (or
// 1 + alpha log(1 + r_ui / epsilon)), c_ui = 1 where nothing was observed. The loss is
//   L(X, Y) = sum_{u,i} c_ui (p_ui - x_u . y_i)^2 + lambda (sum_u |x_u|^2 + sum_i |y_i|^2).
// With Y fixed, each x_u is the exact minimiser
//   x_u = (Y^T C_u Y + lambda I)^-1 Y^T C_u p_u,
// and the trick that makes it cheap: Y^T C_u Y = Y^T Y + Y_u^T (C_u - I) Y_u, where Y^T Y (f x f)
// is shared by every user and Y_u holds only the n_u items the user bought, so a user costs
// n_u f^2 + f^3 / 3 instead of items x f^2. Items given users are the same with the roles swapped
// (the transposed matrix). Each half-step minimises L over one side exactly, so L never increases
// from one half-step to the next (up to the rounding of the factors to float).
//
// Precision: the factors are stored as float; the Gram matrix, each row's system (A, b), its
// Cholesky factorisation and triangular solves, and the loss are in double.
//
// Determinism: bit-identical on any thread count. Rows are solved in parallel (oneTBB), but each
// row's system is accumulated and solved serially in a fixed order and writes only its own output,
// so scheduling cannot change a bit; the Gram matrix is summed over fixed blocks of 1,024 rows
// (each block's product in parallel, the blocks' sums added in block order on one thread). The
// random start draws from the caller's stream in a fixed order (sim/rng.h). Built with
// -ffp-contract=off, as everything in marketsim, so the bits do not depend on FMA either.
#include <Eigen/Dense>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <tuple>
#include <vector>

#include "sim/rng.h"

namespace marketsim {

/// Implicit feedback in compressed sparse rows: users x items, r_ui > 0 (e.g. units bought).
struct ImplicitMatrix {
  std::size_t users = 0, items = 0;
  std::vector<std::size_t> row_start;  // users + 1
  std::vector<std::uint32_t> item;     // per entry, sorted within a row, no repeats
  std::vector<float> value;            // per entry, r_ui > 0

  std::size_t entries() const { return item.size(); }

  /// From (user, item, r) triplets in any order; repeats of a pair are summed (in double, in
  /// ascending order of their values, so the sum does not depend on the triplets' order). Throws
  /// std::invalid_argument for an index out of range or a value that is not finite and > 0.
  static ImplicitMatrix from_triplets(std::size_t users, std::size_t items,
                                      std::vector<std::tuple<std::uint32_t, std::uint32_t, float>> t);
  /// items x users, each row's users ascending.
  ImplicitMatrix transpose() const;
  /// Throws std::invalid_argument unless the rows are well formed (row_start of users + 1
  /// non-decreasing offsets from 0 to the entries, items < `items` and strictly increasing within a
  /// row, values finite and > 0).
  void validate() const;
};

struct AlsParams {
  int factors = 32;             // f >= 1
  double regularization = 0.1;  // lambda > 0
  double alpha = 10.0;          // >= 0
  // Confidence c = 1 + alpha * log(1 + r / epsilon) when log_scaling, else 1 + alpha * r.
  bool log_scaling = false;
  double epsilon = 1.0;  // > 0
  int iterations = 10;   // >= 0
};

struct AlsModel {
  Eigen::MatrixXf user_factors;  // users x f
  Eigen::MatrixXf item_factors;  // items x f
};

/// The confidence c_ui of an observed r_ui under p.
double als_confidence(const AlsParams& p, double r);

/// Fits, alternating exact least-squares solves (users given items, then items given users),
/// `iterations` times. `warm`: previous factors to start from (with p.factors columns and at most
/// as many rows as r has users and items); rows beyond the previous size, and all rows when null,
/// start at N(0, sd 0.01) values drawn from `rng` in a fixed order: user rows, then item rows, each
/// row's factors in order. (The first half-step solves the users afresh, so what matters of a
/// start is its item factors: when `warm` covers every item, user rows beyond it start at zero,
/// drawing nothing.) Parallel over rows with oneTBB; bit-identical on any thread count.
/// Fitting k iterations and then m more from the result (warm) gives the bits of k + m at once.
AlsModel fit_als(const ImplicitMatrix& r, const AlsParams& p, CounterRng& rng, const AlsModel* warm = nullptr);

/// One half-step, exposed for the benchmark: solves every row of `solve` given `fixed` and the
/// matrix (rows of `solve` x rows of `fixed`): `fixed` is r.items x p.factors, `solve` is resized
/// to r.users x p.factors and overwritten (its old values play no part). A row with no entries
/// gets x = 0, its exact minimiser.
void als_half_step(const ImplicitMatrix& r, const AlsParams& p, const Eigen::MatrixXf& fixed, Eigen::MatrixXf& solve);

/// The HKV loss L(X, Y) above, in double, computed without visiting the unobserved pairs:
///   sum_{u,i} (x_u . y_i)^2 = <X^T X, Y^T Y> (Frobenius), plus for each observed pair
///   c (1 - s)^2 - s^2 with s = x_u . y_i, plus the penalty.
double als_loss(const ImplicitMatrix& r, const AlsParams& p, const AlsModel& m);

/// Floating-point operations (a multiply or an add each) of one full iteration of fit_als, as
/// implemented. For one half-step solving n rows (n' of them with entries) given m fixed rows, over
/// nnz entries and f factors:
///   Gram matrix, lower triangle:      m f (f + 1)           (f (f + 1) / 2 multiply-adds per row)
///   per entry: (c - 1) y: f; b += c y: 2 f; A += (c - 1) y y^T, lower triangle: f (f + 1)
///                                     nnz (f^2 + 4 f)
///   per row with entries: + lambda I: f; Cholesky: f^3/3 + f^2/2 + f/6; two triangular solves:
///   2 f^2                             n' (f^3/3 + 5 f^2/2 + 7 f/6)
/// and an iteration is the two half-steps:
///   (users + items) f (f + 1) + 2 nnz (f^2 + 4 f) + (users' + items') (f^3/3 + 5 f^2/2 + 7 f/6).
/// Not counted: conversions and copies, computing c from r, adding the blocks' Gram sums
/// ((m / 1024) f (f + 1) / 2 adds, under 0.1%).
double als_flops_per_iteration(const ImplicitMatrix& r, int factors);

/// The top-k items by score x_u . y_i (in double) for user u, best first, ties to the lower item
/// id, skipping items where `skip(item)` is true (an empty `skip` skips nothing). `out` is
/// replaced; it has min(k, items not skipped) entries.
void top_k(const AlsModel& m, std::size_t u, std::size_t k, const std::function<bool(std::uint32_t)>& skip,
           std::vector<std::uint32_t>& out);

}  // namespace marketsim
