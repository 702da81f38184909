#include "market/market.h"

#include <tbb/parallel_for.h>

#include <algorithm>

#include <boost/random/lognormal_distribution.hpp>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>
#include <cmath>

#include "market/product_selector.h"
#include "sim/money.h"
#include "sim/rng.h"

namespace marketsim {

Market build_market(const MarketSpec& spec, std::uint64_t seed, std::uint64_t replication) {
  Market m{spec, build_catalog(spec, seed, replication), build_population(spec, seed, replication), {}};
  m.offers = build_offers(spec, m.catalog);
  return m;
}

Offers build_offers(const MarketSpec& spec, const Catalog& catalog) {
  Offers offers;
  for (std::size_t s = 0; s < spec.sellers.size(); ++s) {
    offers.seller_names.push_back(spec.sellers[s].name);
    offers.seller_begin.push_back(static_cast<OfferId>(offers.product.size()));
    const std::vector<char> chosen = select_products(spec.sellers[s].products, catalog);
    for (ProductId j = 0; j < catalog.size(); ++j) {
      if (!chosen[j]) continue;
      offers.product.push_back(j);
      offers.seller.push_back(static_cast<SellerId>(s));
    }
  }
  offers.seller_begin.push_back(static_cast<OfferId>(offers.product.size()));
  return offers;
}

Catalog outline_catalog(const MarketSpec& spec) {
  Catalog cat;
  const auto products = static_cast<std::size_t>(spec.products());
  cat.dimensions = static_cast<std::size_t>(spec.latent_dimensions);
  cat.category.resize(products);
  cat.list_price.resize(products);
  cat.unit_cost.resize(products);
  cat.quality.resize(products);
  std::size_t first = 0;
  for (std::size_t c = 0; c < spec.categories.size(); ++c) {
    const CategorySpec& cs = spec.categories[c];
    cat.category_names.push_back(cs.name);
    cat.category_quality_mean.push_back(cs.quality_mean);
    const auto end = first + static_cast<std::size_t>(cs.products);
    std::fill(cat.category.begin() + static_cast<std::ptrdiff_t>(first), cat.category.begin() + static_cast<std::ptrdiff_t>(end),
              static_cast<std::uint16_t>(c));
    std::fill(cat.list_price.begin() + static_cast<std::ptrdiff_t>(first),
              cat.list_price.begin() + static_cast<std::ptrdiff_t>(end), to_cents(cs.price_min));
    std::fill(cat.unit_cost.begin() + static_cast<std::ptrdiff_t>(first),
              cat.unit_cost.begin() + static_cast<std::ptrdiff_t>(end), to_cents(cs.cost_ratio * cs.price_min));
    std::fill(cat.quality.begin() + static_cast<std::ptrdiff_t>(first), cat.quality.begin() + static_cast<std::ptrdiff_t>(end),
              cs.quality_mean);
    first = end;
  }
  if (const ProductTable* t = spec.product_table.get()) {  // given, not drawn: the outline is the catalog
    for (std::size_t j = 0; j < products; ++j) {
      cat.list_price[j] = to_cents(t->list_price[j]);
      cat.unit_cost[j] = to_cents(t->cost[j]);
      cat.quality[j] = t->quality[j];
    }
  }
  return cat;
}

Catalog build_catalog(const MarketSpec& spec, std::uint64_t seed, std::uint64_t replication) {
  // The outline gives the shape (categories, per-product arrays); the draws fill in each product.
  Catalog cat = outline_catalog(spec);
  const std::size_t dims = cat.dimensions;
  if (spec.product_table) {
    cat.attributes = spec.product_table->attributes;
    return cat;
  }
  cat.attributes.resize(cat.size() * dims);
  std::size_t first = 0;
  for (const CategorySpec& cs : spec.categories) {
    for (std::size_t j = first; j < first + static_cast<std::size_t>(cs.products); ++j) {
      CounterRng rng(stream_key(seed, replication, j, Purpose::kProductAttributes));
      boost::random::uniform_real_distribution<double> price(cs.price_min, cs.price_max);
      boost::random::normal_distribution<double> normal(0.0, 1.0);
      // (Boost's uniform_real_distribution never returns its upper bound, so an empty range loops.)
      cat.list_price[j] = to_cents(cs.price_max > cs.price_min ? price(rng) : cs.price_min);
      cat.unit_cost[j] = to_cents(cs.cost_ratio * to_currency(cat.list_price[j]));
      for (std::size_t k = 0; k < dims; ++k) {
        cat.attributes[j * dims + k] = static_cast<float>(cs.attribute_sd * normal(rng));
      }
      cat.quality[j] = cs.quality_mean + cs.quality_sd * normal(rng);
    }
    first += static_cast<std::size_t>(cs.products);
  }
  return cat;
}

Population build_population(const MarketSpec& spec, std::uint64_t seed, std::uint64_t replication) {
  const auto dims = static_cast<std::size_t>(spec.latent_dimensions);
  Population pop;
  const auto consumers = static_cast<std::size_t>(spec.consumers());
  pop.dimensions = dims;
  pop.segment.resize(consumers);
  pop.taste.resize(consumers * dims);
  pop.price_sensitivity.resize(consumers);
  pop.deal_proneness.resize(consumers);
  pop.visit_rate.resize(consumers);
  std::size_t offset = 0;
  for (std::size_t s = 0; s < spec.segments.size(); ++s) {
    const SegmentSpec& ss = spec.segments[s];
    pop.segment_names.push_back(ss.name);
    const std::size_t begin = offset;
    const std::size_t end = offset + static_cast<std::size_t>(ss.consumers);
    // Each consumer draws from its own stream, so the split into blocks cannot change the result.
    tbb::parallel_for(tbb::blocked_range<std::size_t>(begin, end, 4096),
                      [&](const tbb::blocked_range<std::size_t>& r) {
      for (std::size_t i = r.begin(); i != r.end(); ++i) {
        CounterRng rng(stream_key(seed, replication, i, Purpose::kConsumerTraits));
        boost::random::normal_distribution<double> normal(0.0, ss.taste_sd);
        boost::random::normal_distribution<double> normal01(0.0, 1.0);
        boost::random::lognormal_distribution<double> beta(std::log(ss.price_sensitivity_median),
                                                           ss.price_sensitivity_log_sd);
        pop.segment[i] = static_cast<std::uint16_t>(s);
        for (std::size_t k = 0; k < dims; ++k) {
          const double mean = ss.taste_mean.empty() ? 0.0 : ss.taste_mean[k];
          pop.taste[i * dims + k] = static_cast<float>(mean + normal(rng));
        }
        pop.price_sensitivity[i] = static_cast<float>(beta(rng));
        pop.deal_proneness[i] = static_cast<float>(ss.deal_proneness);
        double rate = ss.visit_rate;  // drawn last, so a spread of 0 leaves the other traits as they were
        if (ss.visit_rate_log_sd > 0.0) rate *= std::exp(ss.visit_rate_log_sd * normal01(rng));
        pop.visit_rate[i] = static_cast<float>(rate);
      }
    });
    offset = end;
  }
  return pop;
}

}  // namespace marketsim
