#pragma once
// The coupon mechanic's wallets (mechanics/coupon_wallet.cpp). The coupons a shard's consumers
// hold: one flat array of (consumer, coupon) entries sorted by consumer (a consumer's coupons in
// the order they were issued), instead of a map of vectors (about 130 bytes per holder in nodes and
// small allocations; here 64 bytes per coupon).
//
//   add()      during a window's commands: coupons wait in a pending list, merged in by commit()
//              (a stable sort by consumer, then a merge: earlier coupons stay first);
//   find()     a consumer's entries (binary search); redeemed entries are marked dead in place
//              (kill()) and skipped by everyone, since moving the array on each redemption would
//              cost O(holders);
//   expire()   at a window's end: drops expired and dead entries in one pass, in consumer order;
//              no pass before the earliest expiry of a coupon held (dead entries, skipped by
//              everyone, wait for the next pass).
#include <algorithm>
#include <limits>
#include <span>
#include <vector>

#include "sim/time.h"
#include "strategies/promotions/coupons.h"

namespace marketsim {

struct HeldCoupon {
  Coupon coupon;
  SellerId seller;
  std::int32_t promotion;
  /// Whether an order of seller `s` at time `t` may use it (never, once redeemed).
  bool usable(SellerId s, Time t) const {
    return seller == s && t < coupon.expires && t >= coupon.valid_from && promotion >= 0;
  }
  bool dead() const { return promotion < 0; }
};

class Wallets {
 public:
  struct Entry {
    ConsumerId consumer;
    HeldCoupon held;
  };

  /// Queues a coupon for consumer c (visible to find() after commit()).
  void add(ConsumerId c, const HeldCoupon& h) { pending_.push_back(Entry{c, h}); }

  /// Merges the queued coupons in.
  void commit() {
    if (pending_.empty()) return;
    const auto by_consumer = [](const Entry& a, const Entry& b) { return a.consumer < b.consumer; };
    // Campaigns address consumers in id order: then the pending list is sorted already, and
    // coupons for consumers after every holder need no merge.
    if (!std::is_sorted(pending_.begin(), pending_.end(), by_consumer)) {
      std::stable_sort(pending_.begin(), pending_.end(), by_consumer);
    }
    for (const Entry& e : pending_)
      earliest_expiry_ = std::min(earliest_expiry_, e.held.coupon.expires);
    const auto middle = static_cast<std::ptrdiff_t>(entries_.size());
    const bool after = entries_.empty() || entries_.back().consumer <= pending_.front().consumer;
    entries_.insert(entries_.end(), pending_.begin(), pending_.end());
    if (!after)
      std::inplace_merge(entries_.begin(), entries_.begin() + middle, entries_.end(), by_consumer);
    pending_.clear();
    pending_.shrink_to_fit();
  }

  /// Consumer c's entries, dead ones included (check HeldCoupon::usable or dead()).
  std::span<Entry> find(ConsumerId c) {
    const auto [lo, hi] =
        std::equal_range(entries_.begin(), entries_.end(), Entry{c, {}},
                         [](const Entry& a, const Entry& b) { return a.consumer < b.consumer; });
    return {lo, hi};
  }

  /// The same, for callers that ask for consumers in increasing order (a window's visits):
  /// `cursor` (start it at 0) is where the previous answer ended. The search gallops forward from
  /// it when every entry before it is of an earlier consumer (else it searches the whole array),
  /// so a pass over sorted consumers reads the array once, in order, instead of a binary search
  /// of cache misses each. The answer is find(c)'s, whatever the cursor.
  std::span<Entry> find_from(ConsumerId c, std::size_t& cursor) {
    const std::size_t n = entries_.size();
    std::size_t lo = 0, hi = n;  // the first entry of c or later lies in [lo, hi]
    if (cursor <= n && (cursor == 0 || entries_[cursor - 1].consumer < c)) {
      lo = cursor;
      std::size_t step = 1;
      while (lo + step <= n && entries_[lo + step - 1].consumer < c) {
        lo += step;
        step *= 2;
      }
      hi = std::min(n, lo + step - 1);
    }
    const auto first =
        std::lower_bound(entries_.begin() + static_cast<std::ptrdiff_t>(lo),
                         entries_.begin() + static_cast<std::ptrdiff_t>(hi), c,
                         [](const Entry& a, ConsumerId x) { return a.consumer < x; });
    auto last = first;
    while (last != entries_.end() && last->consumer == c) ++last;
    cursor = static_cast<std::size_t>(last - entries_.begin());
    return {first, last};
  }

  /// Marks an entry redeemed; returns whether the consumer still holds a live coupon.
  static bool kill(std::span<Entry> wallet, std::size_t k) {
    wallet[k].held.promotion = -1;
    return std::any_of(wallet.begin(), wallet.end(), [](const Entry& e) { return !e.held.dead(); });
  }

  /// Drops the coupons usable only before `now` (calling on_expired(consumer, held) for each, in
  /// consumer order) and the dead ones; calls on_emptied(consumer) for each consumer left with
  /// no coupon that had a live one before.
  template <typename Expired, typename Emptied>
  void expire(Time now, Expired on_expired, Emptied on_emptied) {
    if (now < earliest_expiry_) return;  // nothing expires yet
    earliest_expiry_ = kNoExpiry;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < entries_.size();) {
      const ConsumerId c = entries_[i].consumer;
      bool had_live = false;
      const std::size_t first_kept = kept;
      for (; i < entries_.size() && entries_[i].consumer == c; ++i) {
        const Entry& e = entries_[i];
        if (e.held.dead()) continue;
        had_live = true;
        if (e.held.coupon.expires <= now) {
          on_expired(c, e.held);
          continue;
        }
        earliest_expiry_ = std::min(earliest_expiry_, e.held.coupon.expires);
        entries_[kept++] = e;
      }
      if (had_live && kept == first_kept) on_emptied(c);
    }
    entries_.resize(kept);
  }

  /// Calls f(consumer, held) for every coupon held and not redeemed, in consumer order.
  template <typename F>
  void for_each_live(F f) const {
    for (const Entry& e : entries_) {
      if (!e.held.dead()) f(e.consumer, e.held);
    }
  }

  std::size_t size() const { return entries_.size(); }

 private:
  static constexpr Time kNoExpiry = std::numeric_limits<Time>::infinity();
  std::vector<Entry> entries_;        // sorted by consumer
  Time earliest_expiry_ = kNoExpiry;  // of the entries, at most (none expires before it)
  std::vector<Entry> pending_;
};

}  // namespace marketsim
