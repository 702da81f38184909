#pragma once
// Standardisation of features (columns): z = (x - mean) / sd, fitted on one sample and applied to
// others, so that distances (K-means) and penalties (ridge) treat every feature alike. A column
// with no spread is centred only (its scale is 1).
#include <Eigen/Dense>

namespace marketsim {

struct Standardizer {
  Eigen::RowVectorXd mean;
  Eigen::RowVectorXd scale;  // the column's standard deviation, or 1 where it is 0

  /// Fits the column means and standard deviations of x (n x d, n >= 1).
  static Standardizer fit(const Eigen::MatrixXd& x) {
    Standardizer s;
    const auto n = static_cast<double>(x.rows());
    s.mean = x.colwise().sum() / n;
    s.scale.resize(x.cols());
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      const double sd = std::sqrt((x.col(j).array() - s.mean(j)).square().sum() / n);
      s.scale(j) = sd > 0.0 ? sd : 1.0;
    }
    return s;
  }
  /// x standardised with the fitted means and scales.
  Eigen::MatrixXd apply(const Eigen::MatrixXd& x) const {
    return (x.rowwise() - mean).array().rowwise() / scale.array();
  }
};

/// The columns of z, then the products of every pair of columns (squares included): a linear
/// model on these is a quadratic one on z, which lets a linear learner (ridge) fit responses that
/// rise and fall across the feature space (d columns become d + d (d + 1) / 2).
inline Eigen::MatrixXd quadratic_features(const Eigen::MatrixXd& z) {
  const Eigen::Index d = z.cols();
  Eigen::MatrixXd out(z.rows(), d + d * (d + 1) / 2);
  out.leftCols(d) = z;
  Eigen::Index k = d;
  for (Eigen::Index i = 0; i < d; ++i) {
    for (Eigen::Index j = i; j < d; ++j) out.col(k++) = z.col(i).cwiseProduct(z.col(j));
  }
  return out;
}

}  // namespace marketsim
