// Per-consumer columns: the layout's accounting, initial values, and the store's per-shard blocks
// (alignment, indexing, isolation between shards).
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "sim/columns.h"

using namespace marketsim;

namespace {

/// A struct-typed column value (12 bytes: two floats and a counter, with padding).
struct Belief {
  float mean;
  float sd;
  std::uint16_t n;
};

using Shards = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

/// Shards [b0, b1), [b1, b2), ... from the boundaries.
Shards shards_from(const std::vector<std::uint32_t>& bounds) {
  Shards s;
  for (std::size_t i = 0; i + 1 < bounds.size(); ++i) s.emplace_back(bounds[i], bounds[i + 1]);
  return s;
}

std::uintptr_t address(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

/// The value the tests write for element k of consumer c of a column.
double mark(std::uint32_t c, std::uint32_t k) { return 1000.0 * c + k + 0.25; }

}  // namespace

TEST_CASE("a layout's bytes per consumer sums width times element size over its columns",
          "[columns]") {
  ColumnLayout layout;
  CHECK(layout.bytes_per_consumer() == 0);
  const auto clock = layout.add<double>("engine", "next_visit", 1);
  const auto seen = layout.add<std::uint8_t>("module", "seen", 3, std::uint8_t{1});
  const auto beliefs = layout.add<Belief>("learning", "beliefs", 2, Belief{0.5f, 1.0f, 0});
  const auto none = layout.add<std::uint32_t>("module", "unused", 0);
  // 1 x 8 + 3 x 1 + 2 x sizeof(Belief) + 0 x 4.
  CHECK(sizeof(Belief) == 12);
  CHECK(layout.bytes_per_consumer() == 8 + 3 + 2 * 12);

  // Handles number the columns in declaration order and carry their width.
  CHECK(clock.index == 0);
  CHECK(seen.index == 1);
  CHECK(beliefs.index == 2);
  CHECK(none.index == 3);
  CHECK(clock.width == 1);
  CHECK(seen.width == 3);
  CHECK(beliefs.width == 2);
  CHECK(none.width == 0);
  CHECK(clock.valid());
  CHECK_FALSE(Column<double>{}.valid());

  const auto& specs = layout.specs();
  REQUIRE(specs.size() == 4);
  CHECK(specs[2].owner == "learning");
  CHECK(specs[2].name == "beliefs");
  CHECK(specs[2].element_bytes == sizeof(Belief));
  CHECK(specs[2].bytes_per_consumer() == 24);
  CHECK(specs[1].initial == std::vector<std::byte>{std::byte{1}});
  CHECK(specs[3].bytes_per_consumer() == 0);
}

TEST_CASE("every element of every shard starts at its column's declared initial value",
          "[columns]") {
  ColumnLayout layout;
  const auto zeros = layout.add<double>("engine", "zeros", 2);
  const auto counts = layout.add<std::int32_t>("engine", "counts", 4, -7);
  const auto bytes = layout.add<std::uint8_t>("module", "bytes", 5, std::uint8_t{0xAB});
  const auto beliefs = layout.add<Belief>("learning", "beliefs", 3, Belief{0.5f, 2.0f, 3});
  const auto zero_beliefs = layout.add<Belief>("learning", "zero", 1, Belief{0.0f, 0.0f, 0});
  const auto rate = layout.add<float>("module", "rate", 1, 0.125f);
  // Shards of uneven sizes, one empty, not starting at consumer 0.
  const Shards shards = shards_from({5, 15, 32, 33, 33, 100});
  const ColumnStore store(layout, shards);
  REQUIRE(store.shards() == shards.size());
  REQUIRE(store.specs().size() == layout.specs().size());

  for (std::size_t s = 0; s < shards.size(); ++s) {
    INFO("shard " << s);
    const std::size_t n = shards[s].second - shards[s].first;
    const double* z = store.data(s, zeros);
    const std::int32_t* c = store.data(s, counts);
    const std::uint8_t* b = store.data(s, bytes);
    const Belief* be = store.data(s, beliefs);
    const Belief* zb = store.data(s, zero_beliefs);
    const float* r = store.data(s, rate);
    for (std::size_t e = 0; e < 2 * n; ++e) REQUIRE(z[e] == 0.0);
    for (std::size_t e = 0; e < 4 * n; ++e) REQUIRE(c[e] == -7);
    for (std::size_t e = 0; e < 5 * n; ++e) REQUIRE(b[e] == 0xAB);
    for (std::size_t e = 0; e < 3 * n; ++e) {
      REQUIRE(be[e].mean == 0.5f);
      REQUIRE(be[e].sd == 2.0f);
      REQUIRE(be[e].n == 3);
    }
    for (std::size_t e = 0; e < n; ++e) {
      REQUIRE(zb[e].mean == 0.0f);
      REQUIRE(zb[e].sd == 0.0f);
      REQUIRE(zb[e].n == 0);
      REQUIRE(r[e] == 0.125f);
    }
  }
}

TEST_CASE("a shard's column is a 64-byte-aligned block of its own, indexed by consumer - begin",
          "[columns]") {
  ColumnLayout layout;
  const auto wide = layout.add<double>("engine", "wide", 3, -1.0);
  const auto narrow = layout.add<std::uint8_t>("engine", "narrow", 1, std::uint8_t{9});
  const auto odd = layout.add<std::uint16_t>("engine", "odd", 5);
  const Shards shards = shards_from({0, 13, 14, 40, 41, 77});
  const ColumnStore store(layout, shards);

  // Every (shard, column) block starts on a 64-byte boundary and no two blocks overlap.
  std::vector<std::pair<std::uintptr_t, std::uintptr_t>> ranges;
  for (std::size_t s = 0; s < shards.size(); ++s) {
    const std::size_t n = shards[s].second - shards[s].first;
    const std::uintptr_t w = address(store.data(s, wide));
    const std::uintptr_t a = address(store.data(s, narrow));
    const std::uintptr_t o = address(store.data(s, odd));
    CHECK(w % ColumnStore::kAlign == 0);
    CHECK(a % ColumnStore::kAlign == 0);
    CHECK(o % ColumnStore::kAlign == 0);
    ranges.emplace_back(w, w + n * 3 * sizeof(double));
    ranges.emplace_back(a, a + n * 1 * sizeof(std::uint8_t));
    ranges.emplace_back(o, o + n * 5 * sizeof(std::uint16_t));
  }
  std::sort(ranges.begin(), ranges.end());
  for (std::size_t i = 0; i + 1 < ranges.size(); ++i) {
    CHECK(ranges[i].second <= ranges[i + 1].first);
  }

  // Write every element through its (consumer - begin) * width + k index, then read all back:
  // each element holds what was written to it (no two indices alias).
  for (std::size_t s = 0; s < shards.size(); ++s) {
    double* w = store.data(s, wide);
    std::uint8_t* a = store.data(s, narrow);
    std::uint16_t* o = store.data(s, odd);
    for (std::uint32_t c = shards[s].first; c < shards[s].second; ++c) {
      const std::size_t i = c - shards[s].first;
      for (std::uint32_t k = 0; k < 3; ++k) w[i * 3 + k] = mark(c, k);
      a[i] = static_cast<std::uint8_t>(c);
      for (std::uint32_t k = 0; k < 5; ++k) o[i * 5 + k] = static_cast<std::uint16_t>(c * 5 + k);
    }
  }
  for (std::size_t s = 0; s < shards.size(); ++s) {
    const double* w = store.data(s, wide);
    const std::uint8_t* a = store.data(s, narrow);
    const std::uint16_t* o = store.data(s, odd);
    for (std::uint32_t c = shards[s].first; c < shards[s].second; ++c) {
      INFO("consumer " << c);
      const std::size_t i = c - shards[s].first;
      for (std::uint32_t k = 0; k < 3; ++k) REQUIRE(w[i * 3 + k] == mark(c, k));
      REQUIRE(a[i] == static_cast<std::uint8_t>(c));
      for (std::uint32_t k = 0; k < 5; ++k) REQUIRE(o[i * 5 + k] == c * 5 + k);
    }
  }
}

TEST_CASE("writes to one shard's block do not show in another shard's", "[columns]") {
  ColumnLayout layout;
  const auto values = layout.add<std::int64_t>("engine", "values", 2, std::int64_t{42});
  const auto flags = layout.add<std::uint8_t>("engine", "flags", 1);
  const Shards shards = shards_from({0, 8, 16, 24});
  const ColumnStore store(layout, shards);
  // Overwrite all of shard 1, including the last element of each column.
  std::int64_t* v = store.data(1, values);
  std::uint8_t* f = store.data(1, flags);
  for (std::size_t e = 0; e < 16; ++e) v[e] = -1;
  for (std::size_t e = 0; e < 8; ++e) f[e] = 0xFF;
  for (std::size_t s : {std::size_t{0}, std::size_t{2}}) {
    INFO("shard " << s);
    const std::int64_t* vs = store.data(s, values);
    const std::uint8_t* fs = store.data(s, flags);
    for (std::size_t e = 0; e < 16; ++e) CHECK(vs[e] == 42);
    for (std::size_t e = 0; e < 8; ++e) CHECK(fs[e] == 0);
  }
  // And within shard 1, the flags column was not touched by writes to the values column.
  for (std::size_t e = 0; e < 16; ++e) CHECK(v[e] == -1);
}

TEST_CASE("a thousand shards and a last short one hold their own initialised blocks",
          "[columns]") {
  ColumnLayout layout;
  const auto pairs = layout.add<std::uint16_t>("engine", "pairs", 2, std::uint16_t{7});
  const auto level = layout.add<double>("engine", "level", 1, 1.5);
  std::vector<std::uint32_t> bounds;
  for (std::uint32_t b = 0; b <= 7000; b += 7) bounds.push_back(b);
  bounds.push_back(7003);  // the last shard has 3 consumers
  const Shards shards = shards_from(bounds);
  REQUIRE(shards.size() == 1001);
  const ColumnStore store(layout, shards);
  REQUIRE(store.shards() == 1001);
  // Each shard: pairs 7 x 2 x 2 = 28 bytes and level 7 x 8 = 56 bytes, each padded to 64 (the
  // short shard's 12 and 24 bytes too).
  CHECK(store.bytes() == 1001 * 128);

  for (std::size_t s = 0; s < shards.size(); ++s) {
    std::uint16_t* p = store.data(s, pairs);
    double* l = store.data(s, level);
    for (std::uint32_t c = shards[s].first; c < shards[s].second; ++c) {
      const std::size_t i = c - shards[s].first;
      REQUIRE(p[2 * i] == 7);
      REQUIRE(p[2 * i + 1] == 7);
      REQUIRE(l[i] == 1.5);
      p[2 * i] = static_cast<std::uint16_t>(c);
      l[i] = static_cast<double>(c);
    }
  }
  // Every consumer's elements, written through its own shard, read back unchanged.
  for (std::size_t s = 0; s < shards.size(); ++s) {
    const std::uint16_t* p = store.data(s, pairs);
    const double* l = store.data(s, level);
    for (std::uint32_t c = shards[s].first; c < shards[s].second; ++c) {
      const std::size_t i = c - shards[s].first;
      REQUIRE(p[2 * i] == c);
      REQUIRE(p[2 * i + 1] == 7);
      REQUIRE(l[i] == static_cast<double>(c));
    }
  }
}

TEST_CASE("a layout with no columns gives a store of empty blocks", "[columns]") {
  const ColumnLayout layout;
  CHECK(layout.bytes_per_consumer() == 0);
  CHECK(layout.specs().empty());
  const ColumnStore store(layout, shards_from({0, 100, 200, 250}));
  CHECK(store.shards() == 3);
  CHECK(store.bytes() == 0);
  CHECK(store.specs().empty());
  const ColumnStore none(layout, Shards{});
  CHECK(none.shards() == 0);
  CHECK(none.bytes() == 0);
}

TEST_CASE("a block of 4 MiB or more (on 2 MiB pages where the kernel allows) starts 2 MiB-aligned "
          "and holds its initial values",
          "[columns]") {
  // 300,000 consumers x 17 bytes: a 5 MB block, which the store aligns to 2 MiB and advises onto
  // huge pages; a small shard after it keeps the 64-byte alignment. Every element starts at its
  // value and writes stay in their rows.
  ColumnLayout layout;
  const Column<double> x = layout.add<double>("m", "x", 1, 2.5);
  const Column<float> f = layout.add<float>("m", "f", 2, -1.0f);
  const Column<std::uint8_t> flag = layout.add<std::uint8_t>("m", "flag", 1, std::uint8_t{0});
  const ColumnStore store(layout, shards_from({0, 300000, 300100}));
  CHECK(address(store.data(0, x)) % (std::size_t{2} << 20) == 0);
  CHECK(address(store.data(1, x)) % ColumnStore::kAlign == 0);
  CHECK(store.bytes() >= 300100u * 17u);
  for (std::size_t s = 0; s < 2; ++s) {
    const std::uint32_t n = s == 0 ? 300000 : 100;
    const double* xs = store.data(s, x);
    const float* fs = store.data(s, f);
    const std::uint8_t* flags = store.data(s, flag);
    REQUIRE(std::all_of(xs, xs + n, [](double v) { return v == 2.5; }));
    REQUIRE(std::all_of(fs, fs + 2 * n, [](float v) { return v == -1.0f; }));
    REQUIRE(std::all_of(flags, flags + n, [](std::uint8_t v) { return v == 0; }));
  }
  store.data(0, f)[2 * 299999 + 1] = 7.0f;
  CHECK(store.data(0, f)[2 * 299999] == -1.0f);
  CHECK(store.data(1, f)[0] == -1.0f);
}

TEST_CASE("column_sum adds a column in a fixed order: exact for whole numbers and for any length",
          "[columns]") {
  // Whole numbers (exact in any order) and lengths 0 to 40, which leave every remainder after the
  // eight lanes; then 100,003 floats in [1/977, 1], whose sum a double holds exactly (2^43 of the
  // smallest ulp), so the lanes must agree with the plain loop (checked to 1e-12) and give the
  // same result on every call.
  for (std::size_t n = 0; n <= 40; ++n) {
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>(i % 7) + 1.0f;
    double plain = 0.0;
    for (const float x : v) plain += x;
    INFO("n = " << n);
    CHECK(column_sum(v.data(), n) == plain);
  }
  std::vector<float> mixed(100003);
  for (std::size_t i = 0; i < mixed.size(); ++i) mixed[i] = static_cast<float>(1.0 / static_cast<double>(1 + i % 977));
  double plain = 0.0;
  for (const float x : mixed) plain += x;
  const double lanes = column_sum(mixed.data(), mixed.size());
  CHECK(std::abs(lanes - plain) <= 1e-12 * plain);
  CHECK(column_sum(mixed.data(), mixed.size()) == lanes);
}
