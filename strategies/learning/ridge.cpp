#include "strategies/learning/ridge.h"

#include <stdexcept>

namespace marketsim {

RidgeModel fit_ridge(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, double lambda) {
  if (x.rows() < 1 || x.rows() != y.size()) throw std::invalid_argument("fit_ridge: no rows, or x and y differ in rows");
  const auto n = static_cast<double>(x.rows());
  const Eigen::RowVectorXd x_mean = x.colwise().sum() / n;
  const double y_mean = y.sum() / n;
  const Eigen::MatrixXd xc = x.rowwise() - x_mean;
  const Eigen::VectorXd yc = y.array() - y_mean;
  Eigen::MatrixXd a = (xc.transpose() * xc) / n;
  a.diagonal().array() += lambda;
  const Eigen::VectorXd b = (xc.transpose() * yc) / n;
  RidgeModel m;
  m.slopes = a.ldlt().solve(b);
  m.intercept = y_mean - x_mean.dot(m.slopes);
  return m;
}

TwoModelUplift fit_two_model_uplift(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                                    const std::vector<bool>& treated, double lambda) {
  if (static_cast<std::size_t>(x.rows()) != treated.size()) throw std::invalid_argument("fit_two_model_uplift: rows");
  std::vector<Eigen::Index> rows[2];
  for (std::size_t i = 0; i < treated.size(); ++i) rows[treated[i] ? 1 : 0].push_back(static_cast<Eigen::Index>(i));
  if (rows[0].empty() || rows[1].empty()) {
    throw std::invalid_argument("fit_two_model_uplift: needs treated and control rows");
  }
  TwoModelUplift u;
  for (int g = 0; g < 2; ++g) {
    const Eigen::MatrixXd xg = x(rows[g], Eigen::all);
    const Eigen::VectorXd yg = y(rows[g]);
    (g == 1 ? u.treated : u.control) = fit_ridge(xg, yg, lambda);
  }
  return u;
}

}  // namespace marketsim
