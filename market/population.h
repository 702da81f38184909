#pragma once
// The consumers of a market: immutable traits drawn once from the seed, stored as a structure of
// arrays indexed by consumer id (no object and no virtual call per consumer). What changes during
// a run lives in the Simulation, not here, so every run of an experiment shares one Population.
#include <cstdint>
#include <string>
#include <vector>

namespace marketsim {

using ConsumerId = std::uint32_t;

struct Population {
  std::size_t dimensions = 0;
  std::vector<std::string> segment_names;
  std::vector<std::uint16_t> segment;       // per consumer
  std::vector<float> taste;                 // per consumer, `dimensions` floats (theta_i)
  std::vector<float> price_sensitivity;     // beta_i, utility per currency unit
  std::vector<float> deal_proneness;        // gamma_i
  std::vector<float> visit_rate;            // lambda_i, visits per day

  std::size_t size() const { return price_sensitivity.size(); }
  /// Bytes of traits per consumer with `dimensions` latent dimensions: taste, price sensitivity,
  /// deal proneness, visit rate and segment.
  static constexpr std::size_t bytes_per_consumer(std::size_t dimensions) {
    return dimensions * sizeof(float) + 3 * sizeof(float) + sizeof(std::uint16_t);
  }
  const float* taste_of(ConsumerId i) const { return taste.data() + i * dimensions; }
};

}  // namespace marketsim
