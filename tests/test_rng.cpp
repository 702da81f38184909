#include <boost/math/distributions/chi_squared.hpp>
#include <boost/random/normal_distribution.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <set>
#include <vector>

#include "sim/rng.h"

using namespace marketsim;

namespace {
// Upper 99.9% point of chi-square with `dof` degrees of freedom: a test fails by chance with
// probability 0.001.
double chi2_bound(double dof) {
  return boost::math::quantile(boost::math::complement(boost::math::chi_squared(dof), 0.001));
}
}  // namespace

TEST_CASE("a stream is reproducible from its (seed, replication, entity, purpose)", "[rng]") {
  CounterRng a(stream_key(42, 3, 17, Purpose::kVisit));
  CounterRng b(stream_key(42, 3, 17, Purpose::kVisit));
  for (int i = 0; i < 100; ++i) CHECK(a() == b());
  CHECK(stream_key(42, 3, 17, Purpose::kVisit) == StreamFamily(42, 3, Purpose::kVisit).key(17));
}

TEST_CASE("streams differ in every coordinate of their key", "[rng]") {
  const std::uint64_t base = stream_key(42, 3, 17, Purpose::kVisit);
  CHECK(stream_key(43, 3, 17, Purpose::kVisit) != base);
  CHECK(stream_key(42, 4, 17, Purpose::kVisit) != base);
  CHECK(stream_key(42, 3, 18, Purpose::kVisit) != base);
  CHECK(stream_key(42, 3, 17, Purpose::kConsumption) != base);
}

TEST_CASE("uniform draws are uniform (chi-square, 99.9% bound)", "[rng][statistical]") {
  constexpr int kBins = 100;
  constexpr int kDraws = 200000;
  std::vector<int> counts(kBins, 0);
  CounterRng rng(stream_key(7, 0, 0, Purpose::kTest));
  for (int i = 0; i < kDraws; ++i) ++counts[static_cast<std::size_t>(rng.uniform() * kBins)];
  double chi2 = 0.0;
  const double expected = static_cast<double>(kDraws) / kBins;
  for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  CHECK(chi2 < chi2_bound(kBins - 1));
}

TEST_CASE("neighbouring entities' streams are uncorrelated", "[rng][statistical]") {
  // Pearson correlation of paired draws from streams of consecutive entities: under independence
  // sqrt(n) * r is approximately standard normal; |z| < 3.29 is its 99.9% bound.
  constexpr int kPairs = 100000;
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (int i = 0; i < kPairs; ++i) {
    CounterRng a(stream_key(1, 0, static_cast<std::uint64_t>(i), Purpose::kTest));
    CounterRng b(stream_key(1, 0, static_cast<std::uint64_t>(i) + 1, Purpose::kTest));
    const double x = a.uniform(), y = b.uniform();
    sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
  }
  const double n = kPairs;
  const double r = (sxy - sx * sy / n) / std::sqrt((sxx - sx * sx / n) * (syy - sy * sy / n));
  CHECK(std::fabs(r * std::sqrt(n)) < 3.29);
}

TEST_CASE("visits of one consumer, and the stages of a visit, have disjoint streams", "[rng]") {
  const std::uint64_t key = stream_key(9, 0, 5, Purpose::kVisit);
  const std::vector<CounterRng> streams = {
      visit_stream(key, 0, VisitStage::kGap),     visit_stream(key, 0, VisitStage::kChoice),
      visit_stream(key, 0, VisitStage::kBrowse),  visit_stream(key, 0, VisitStage::kRecommend),
      visit_stream(key, 0, VisitStage::kRecommend, 1), visit_stream(key, 1, VisitStage::kGap),
      visit_stream(key, 1, VisitStage::kChoice)};
  std::set<std::uint64_t> seen;
  for (CounterRng s : streams) {
    for (int i = 0; i < 1000; ++i) CHECK(seen.insert(s()).second);
  }
  // A stage's first draws do not depend on how many draws another stage took.
  CounterRng choice = visit_stream(key, 3, VisitStage::kChoice);
  CounterRng recommend = visit_stream(key, 3, VisitStage::kRecommend);
  for (int i = 0; i < 37; ++i) (void)recommend();
  CHECK(choice() == visit_stream(key, 3, VisitStage::kChoice)());
  // Module streams are keyed by the module's name.
  CHECK(StreamFamily(1, 0, Purpose::kBehaviour, name_hash("a")).key(7) !=
        StreamFamily(1, 0, Purpose::kBehaviour, name_hash("b")).key(7));
  // Boost.Random distributions run on the engine, reproducibly.
  CounterRng a(key), b(key);
  boost::random::normal_distribution<double> n1(0.0, 1.0), n2(0.0, 1.0);
  for (int i = 0; i < 10; ++i) CHECK(n1(a) == n2(b));
}
