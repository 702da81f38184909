#pragma once
// Declared per-consumer columns.
//
// Whatever changes about a consumer during a run (the engine's visit clock, a behaviour module's
// beliefs, reference prices, engagement, ...) is a *column*: a typed array with `width` elements
// per consumer, declared by its owner before the run with a name and an initial value. The store
// holds the columns partitioned by shard: each shard owns one block with every column laid out
// as a structure of arrays (column after column, each 64-byte aligned), allocated and first
// written by the thread that will use it (parallel first touch). There is no per-consumer
// object and no virtual call per consumer: a hook asks for the base pointer of its column in
// the shard once and indexes it by (consumer - shard begin) * width.
#include <tbb/parallel_for.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <string_view>
#include <vector>

namespace marketsim {

/// Keeps a value (e.g. a combination of loaded column elements) from being optimised away, at no
/// cost: a hook may first load the rows a batch will read, in a loop whose loads overlap, so that
/// its main loop finds them in the cache instead of waiting at each row in turn.
inline void keep_loaded(std::uint32_t value) { asm volatile("" : : "r"(value)); }

/// x[0] + x[1] + ... + x[n - 1] as doubles, in eight lanes (element i into lane i % 8, the lanes
/// then added pairwise): a fixed order, so the same result on any thread count, without a plain
/// loop's chain of additions each waiting on the one before (daily gauges sum a column of every
/// consumer). A double holds 29 more bits than a float, so the sum is exact, and equal to any
/// other order's, whenever the column's largest sum stays within 2^29 of its elements' smallest
/// ulp: e.g. values in [2^-10, 1] over up to 2^20 consumers, or whole numbers.
inline double column_sum(const float* x, std::size_t n) {
  double lane[8] = {};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (std::size_t k = 0; k < 8; ++k) lane[k] += static_cast<double>(x[i + k]);
  }
  for (std::size_t k = 0; i < n; ++i, ++k) lane[k] += static_cast<double>(x[i]);
  return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
}

/// A typed handle to a declared column: `width` elements of T per consumer.
template <typename T>
struct Column {
  std::uint32_t index = UINT32_MAX;
  std::uint32_t width = 0;
  bool valid() const { return index != UINT32_MAX; }
};

/// What a column is: declared by its owner, laid out by the store.
struct ColumnSpec {
  std::string owner;  // the module or engine part that declared it
  std::string name;
  std::size_t element_bytes = 0;
  std::size_t width = 0;
  std::vector<std::byte> initial;  // one element's bytes, copied into every element
  std::size_t bytes_per_consumer() const { return element_bytes * width; }
};

/// The columns of a run, in declaration order.
class ColumnLayout {
 public:
  /// Declares a column of `width` elements of T per consumer, each starting at `initial`.
  template <typename T>
  Column<T> add(std::string owner, std::string name, std::size_t width, T initial = T{}) {
    static_assert(std::is_trivially_copyable_v<T>, "columns hold trivially copyable values");
    static_assert(alignof(T) <= 64, "a column's blocks are 64-byte aligned");
    ColumnSpec spec{std::move(owner), std::move(name), sizeof(T), width, {}};
    spec.initial.resize(sizeof(T));
    std::memcpy(spec.initial.data(), &initial, sizeof(T));
    specs_.push_back(std::move(spec));
    return Column<T>{static_cast<std::uint32_t>(specs_.size() - 1), static_cast<std::uint32_t>(width)};
  }
  const std::vector<ColumnSpec>& specs() const { return specs_; }
  /// Bytes every consumer costs across all columns (padding excluded).
  std::size_t bytes_per_consumer() const {
    std::size_t b = 0;
    for (const auto& s : specs_) b += s.bytes_per_consumer();
    return b;
  }

 private:
  std::vector<ColumnSpec> specs_;
};

/// Frees what `::operator new(bytes, std::align_val_t(align))` allocated.
struct AlignedDelete {
  std::size_t align = 64;
  void operator()(std::byte* p) const { ::operator delete(p, std::align_val_t(align)); }
};

/// The columns of every shard of a run.
class ColumnStore {
 public:
  static constexpr std::size_t kAlign = 64;

  /// Whether blocks get the transparent-huge-page advice: unless the environment sets
  /// MARKETSIM_HUGE_PAGES=0 (read once).
  static bool huge_pages_wanted() {
    static const bool wanted = [] {
      const char* v = std::getenv("MARKETSIM_HUGE_PAGES");
      return v == nullptr || std::string_view(v) != "0";
    }();
    return wanted;
  }

  /// Allocates each shard's block ([begin, end) consumers, given in shard order) and writes every
  /// column's initial value into it, shards in parallel.
  ColumnStore(const ColumnLayout& layout, const std::vector<std::pair<std::uint32_t, std::uint32_t>>& shards)
      : specs_(layout.specs()), shards_(shards.size()) {
    for (const ColumnSpec& spec : specs_) row_bytes_.push_back(spec.bytes_per_consumer());
    tbb::parallel_for(std::size_t{0}, shards.size(), [&](std::size_t s) {
      Block& block = shards_[s];
      block.begin = shards[s].first;
      const std::size_t n = shards[s].second - shards[s].first;
      std::size_t bytes = 0;
      block.offsets.resize(specs_.size());
      for (std::size_t c = 0; c < specs_.size(); ++c) {
        block.offsets[c] = bytes;
        bytes += (n * specs_[c].bytes_per_consumer() + kAlign - 1) / kAlign * kAlign;
      }
      block.bytes = bytes;
      const std::size_t align = bytes >= kHugeFrom ? kHugePage : kAlign;
      block.data = std::unique_ptr<std::byte[], AlignedDelete>(
          static_cast<std::byte*>(::operator new(bytes == 0 ? kAlign : bytes, std::align_val_t(align))),
          AlignedDelete{align});
#if defined(MADV_HUGEPAGE)
      // Hooks read rows at random consumers: with 2 MiB pages a block's rows cost a few TLB
      // entries instead of one per 4 KiB. Advice only: where transparent huge pages are off the
      // block simply stays on small pages.
      // MARKETSIM_HUGE_PAGES=0 skips the advice (to measure what huge pages are worth).
      if (align == kHugePage && huge_pages_wanted()) ::madvise(block.data.get(), bytes / kHugePage * kHugePage, MADV_HUGEPAGE);
#endif
      for (std::size_t c = 0; c < specs_.size(); ++c) {
        const ColumnSpec& spec = specs_[c];
        std::byte* base = block.data.get() + block.offsets[c];
        const std::size_t elements = n * spec.width;
        if (is_zero(spec.initial)) {
          std::memset(base, 0, elements * spec.element_bytes);
        } else {
          for (std::size_t e = 0; e < elements; ++e) {
            std::memcpy(base + e * spec.element_bytes, spec.initial.data(), spec.element_bytes);
          }
        }
      }
    });
  }

  /// The base of column `column` in shard `shard`: element k of consumer c is at
  /// [(c - shard begin) * width + k].
  template <typename T>
  T* data(std::size_t shard, Column<T> column) const {
    const Block& b = shards_[shard];
    return std::launder(reinterpret_cast<T*>(b.data.get() + b.offsets[column.index]));
  }
  /// Asks the cache for every column's row of the consumer at `local` in shard `shard` (the
  /// lines holding its first and last byte), ahead of the hooks that read them.
  void prefetch(std::size_t shard, std::size_t local) const {
    const Block& b = shards_[shard];
    const std::byte* base = b.data.get();
    for (std::size_t c = 0; c < row_bytes_.size(); ++c) {
      if (row_bytes_[c] == 0) continue;
      const std::byte* row = base + b.offsets[c] + local * row_bytes_[c];
      __builtin_prefetch(row);
      __builtin_prefetch(row + row_bytes_[c] - 1);
    }
  }
  std::size_t shards() const { return shards_.size(); }
  /// Bytes held for all shards (including alignment padding).
  std::size_t bytes() const {
    std::size_t t = 0;
    for (const auto& b : shards_) t += b.bytes;
    return t;
  }
  const std::vector<ColumnSpec>& specs() const { return specs_; }

 private:
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;
  static constexpr std::size_t kHugeFrom = 2 * kHugePage;  // blocks this large get 2 MiB pages

  struct Block {
    std::uint32_t begin = 0;
    std::size_t bytes = 0;
    std::vector<std::size_t> offsets;
    std::unique_ptr<std::byte[], AlignedDelete> data;
  };
  static bool is_zero(const std::vector<std::byte>& bytes) {
    for (std::byte b : bytes) {
      if (b != std::byte{0}) return false;
    }
    return true;
  }

  std::vector<ColumnSpec> specs_;
  std::vector<std::size_t> row_bytes_;  // per column: bytes per consumer (for prefetch)
  std::vector<Block> shards_;
};

/// A view of a run's columns by consumer id, whatever shard holds it: for the run's serial parts
/// (strategies) that read and write the rows of any consumer. Shards are fixed ranges of
/// `shard_size` consumers.
class ConsumerRows {
 public:
  ConsumerRows() = default;
  ConsumerRows(const ColumnStore* store, std::size_t shard_size) : store_(store), shard_size_(shard_size) {}
  explicit operator bool() const { return store_ != nullptr; }
  /// Consumer c's elements of a column.
  template <typename T>
  T* row(Column<T> column, std::uint32_t c) const {
    return store_->data(c / shard_size_, column) + static_cast<std::size_t>(c % shard_size_) * column.width;
  }

 private:
  const ColumnStore* store_ = nullptr;
  std::size_t shard_size_ = 1;
};

}  // namespace marketsim
