#pragma once
// LinUCB with disjoint linear models (Li, Chu, Langford and Schapire 2010, "A contextual-bandit
// approach to personalized news article recommendation", Algorithm 1). Arm a keeps
// A_a = I + sum x x^T and b_a = sum r x over its observations (context x, reward r); its estimate
// is theta_a = A_a^-1 b_a and its index, for context x,
//   ucb_a(x) = theta_a . x + alpha sqrt(x^T A_a^-1 x),
// the estimate plus an exploration bonus that shrinks as the arm is observed in contexts like x.
// Observations may be added in batches (n observations of one context with summed reward s:
// A += n x x^T, b += s x), which is how a recommender feeds a day of exposures at once.
// Deterministic: plain serial linear algebra (Eigen LDLT).
#include <Eigen/Dense>
#include <cstddef>
#include <vector>

namespace marketsim {

class LinUcb {
 public:
  LinUcb(std::size_t arms, std::size_t dims, double alpha)
      : alpha_(alpha), a_(arms, Eigen::MatrixXd::Identity(static_cast<Eigen::Index>(dims), static_cast<Eigen::Index>(dims))),
        b_(arms, Eigen::VectorXd::Zero(static_cast<Eigen::Index>(dims))), inverse_(a_), theta_(b_), stale_(arms, 0) {}

  std::size_t arms() const { return a_.size(); }
  std::size_t dims() const { return static_cast<std::size_t>(b_.empty() ? 0 : b_[0].size()); }

  /// n observations of arm `arm` in context x with summed reward `reward`.
  void update(std::size_t arm, const Eigen::VectorXd& x, double n, double reward) {
    a_[arm].noalias() += n * x * x.transpose();
    b_[arm].noalias() += reward * x;
    stale_[arm] = 1;
  }
  /// Refreshes the inverses and estimates of the arms updated since the last call.
  void refresh() {
    for (std::size_t a = 0; a < a_.size(); ++a) {
      if (!stale_[a]) continue;
      inverse_[a] = a_[a].ldlt().solve(Eigen::MatrixXd::Identity(a_[a].rows(), a_[a].cols()));
      theta_[a] = inverse_[a] * b_[a];
      stale_[a] = 0;
    }
  }
  /// The arm's index in context x (after refresh()).
  double ucb(std::size_t arm, const Eigen::VectorXd& x) const {
    return theta_[arm].dot(x) + alpha_ * std::sqrt(std::max(0.0, x.dot(inverse_[arm] * x)));
  }
  /// The arm's estimated reward in context x (after refresh()).
  double estimate(std::size_t arm, const Eigen::VectorXd& x) const { return theta_[arm].dot(x); }

 private:
  double alpha_;
  std::vector<Eigen::MatrixXd> a_;
  std::vector<Eigen::VectorXd> b_;
  std::vector<Eigen::MatrixXd> inverse_;
  std::vector<Eigen::VectorXd> theta_;
  std::vector<char> stale_;
};

}  // namespace marketsim
