#include "strategies/recommenders/purchase_history.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace marketsim {

PurchaseHistory PurchaseHistory::from_log(const PlatformLog& log, OfferId first, std::size_t count, Day from, Day to) {
  std::vector<Purchase> purchases;
  const Day lo = std::max(from, log.first_day());
  for (const ConsumerEvent& e : log.events()) {
    if (e.kind != EventKind::kPurchase || e.offer < first || e.offer >= first + count) continue;
    const Day d = day_of(e.time);
    if (d < lo || d >= to) continue;
    purchases.push_back(Purchase{e.consumer, static_cast<std::uint32_t>(e.offer - first), d, static_cast<float>(e.quantity)});
  }
  return from_purchases(count, std::max(from, Day{0}), to, std::move(purchases));
}

PurchaseHistory PurchaseHistory::from_purchases(std::size_t items, Day from, Day to, std::vector<Purchase> purchases) {
  PurchaseHistory h;
  h.items = items;
  h.from = from;
  h.to = to;
  std::sort(purchases.begin(), purchases.end(), [](const Purchase& a, const Purchase& b) {
    if (a.consumer != b.consumer) return a.consumer < b.consumer;
    if (a.item != b.item) return a.item < b.item;
    return a.day < b.day;
  });
  h.row_start.push_back(0);
  for (std::size_t i = 0; i < purchases.size();) {
    const Purchase& p = purchases[i];
    if (h.consumers.empty() || h.consumers.back() != p.consumer) {
      if (!h.consumers.empty()) h.row_start.push_back(h.item.size());
      h.consumers.push_back(p.consumer);
    }
    float units = 0;
    Day last = p.day;
    std::size_t j = i;
    for (; j < purchases.size() && purchases[j].consumer == p.consumer && purchases[j].item == p.item; ++j) {
      units += purchases[j].units;
      last = std::max(last, purchases[j].day);
    }
    h.item.push_back(p.item);
    h.units.push_back(units);
    h.last_day.push_back(last);
    i = j;
  }
  if (!h.consumers.empty()) h.row_start.push_back(h.item.size());
  // The inverted index: a counting sort of the entries by item, rows ascending within an item.
  h.item_start.assign(items + 1, 0);
  for (std::uint32_t i : h.item) ++h.item_start[i + 1];
  std::partial_sum(h.item_start.begin(), h.item_start.end(), h.item_start.begin());
  h.buyer.resize(h.item.size());
  std::vector<std::size_t> next(h.item_start.begin(), h.item_start.end() - 1);
  for (std::size_t r = 0; r < h.rows(); ++r) {
    for (std::uint32_t i : h.items_of(r)) h.buyer[next[i]++] = static_cast<std::uint32_t>(r);
  }
  return h;
}

std::size_t PurchaseHistory::row_of(ConsumerId c) const {
  const auto it = std::lower_bound(consumers.begin(), consumers.end(), c);
  return it != consumers.end() && *it == c ? static_cast<std::size_t>(it - consumers.begin()) : kNone;
}

bool PurchaseHistory::bought(std::size_t row, std::uint32_t i) const {
  const auto items_row = items_of(row);
  return std::binary_search(items_row.begin(), items_row.end(), i);
}

std::vector<std::uint32_t> PurchaseHistory::distinct_buyers(Day since) const {
  std::vector<std::uint32_t> n(items, 0);
  for (std::size_t e = 0; e < item.size(); ++e) n[item[e]] += last_day[e] >= since;
  return n;
}

void top_k_items(std::span<const double> score, std::size_t k, std::span<const std::uint8_t> skip,
                 std::vector<std::uint32_t>& out) {
  out.clear();
  if (k == 0) return;
  // A bounded selection: the candidates kept sorted best first (k is small: a list's length).
  // Offers come in ascending id, so one that ties the k-th best score loses the tie: once the
  // list is full, only a score strictly above the k-th's enters (the common case is one compare).
  const auto better = [&](std::uint32_t a, std::uint32_t b) { return score[a] != score[b] ? score[a] > score[b] : a < b; };
  double worst = -std::numeric_limits<double>::infinity();
  for (std::uint32_t i = 0; i < score.size(); ++i) {
    const double v = score[i];
    if (out.size() == k && !(v > worst)) continue;
    if (!std::isfinite(v) || (!skip.empty() && skip[i])) continue;
    if (out.size() == k) out.pop_back();
    out.insert(std::upper_bound(out.begin(), out.end(), i, better), i);
    if (out.size() == k) worst = score[out.back()];
  }
}

}  // namespace marketsim
