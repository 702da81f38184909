#pragma once
// Ridge regression in closed form and the two-model uplift estimator built on it. Deterministic:
// the normal equations are formed in a fixed order and solved by Eigen's LDLT on one thread.
#include <Eigen/Dense>
#include <vector>

namespace marketsim {

/// y ~ intercept + x * slopes.
struct RidgeModel {
  double intercept = 0.0;
  Eigen::VectorXd slopes;

  Eigen::VectorXd predict(const Eigen::MatrixXd& x) const {
    return (x * slopes).array() + intercept;
  }
};

/// Fits y on the rows of x (n x d, n >= 1) minimising
///   (1/n) sum_i (y_i - intercept - x_i . slopes)^2 + lambda |slopes|^2,
/// the intercept unpenalised: with centred x and y, (X'X / n + lambda I) slopes = X'y / n. lambda is
/// per observation, so its effect does not grow or shrink with n; on standardised features
/// (strategies/learning/standardize.h) it is comparable to a feature's variance of 1. lambda > 0
/// keeps the system positive definite even when features are collinear (category shares that sum
/// to one).
RidgeModel fit_ridge(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, double lambda);

/// The two-model ("T-learner") uplift estimator: one ridge regression of the outcome on the
/// features among the treated rows, one among the controls; the predicted uplift of a row is the
/// difference of their predictions, E[y | x, treated] - E[y | x, control].
struct TwoModelUplift {
  RidgeModel treated;
  RidgeModel control;

  Eigen::VectorXd predict(const Eigen::MatrixXd& x) const { return treated.predict(x) - control.predict(x); }
};

/// Fits both models; `treated[i]` says which group row i belongs to. Each group needs a row.
TwoModelUplift fit_two_model_uplift(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                                    const std::vector<bool>& treated, double lambda);

}  // namespace marketsim
