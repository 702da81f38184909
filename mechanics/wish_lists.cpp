// Mechanic "wish_list": wish lists for promotions implementing WishListing
// (strategies/promotions/wish_listing.h; a festival's pre-heat). While a live one's
// wish_probability is positive, each visit wish-lists, with that probability (the largest of the
// live promotions'; a draw from this mechanic's own stream of the visit), its shown offer of
// highest utility; while wish_slots is positive, every visit also shows up to that many of the
// consumer's wish-listed offers, its latest first and without repeats, after the featured slots.
// The lists are a shard's (consumer, offer) pairs in the order they were added.
#include <algorithm>

#include "mechanics/mechanic.h"
#include "strategies/arm.h"
#include "strategies/promotions/wish_listing.h"

namespace marketsim {
namespace {

struct WishShard final : MechanicShard {
  std::vector<std::pair<ConsumerId, OfferId>> wishes;
  bool ready = false;  // sorted by consumer (latest first), cut to the window's slots
};

class WishLists final : public Mechanic {
 public:
  std::unique_ptr<MechanicShard> make_shard(ConsumerId, ConsumerId) override {
    return std::make_unique<WishShard>();
  }

  Use prepare(Time start, Time) override {
    probability_ = 0.0;
    slots_ = 0;
    const std::span<SellerStrategies> sellers = host().sellers();
    for (std::size_t s = 0; s < sellers.size(); ++s) {
      for (std::size_t p = 0; p < sellers[s].promotions.size(); ++p) {
        const auto* w = sellers[s].promotions[p]->capability<WishListing>();
        if (w == nullptr || !host().live(static_cast<SellerId>(s), p)) continue;
        probability_ = std::max(probability_, w->wish_probability(start));
        slots_ = std::max(slots_, w->wish_slots(start));
      }
    }
    return Use{.show = slots_ > 0, .observe = probability_ > 0.0};
  }

  void show(MechanicShard& s, ConsumerId c, Time, ShownSet& shown) override {
    auto& shard = static_cast<WishShard&>(s);
    if (!shard.ready) ready(shard);
    const auto lo = std::lower_bound(
        shard.wishes.begin(), shard.wishes.end(), std::pair<ConsumerId, OfferId>{c, 0},
        [](const auto& a, const auto& x) { return a.first < x.first; });
    for (auto it = lo; it != shard.wishes.end() && it->first == c; ++it) {
      if (!shown.contains(it->second) && !shown.full()) shown.push(it->second);
    }
  }

  void observe(MechanicShard& s, const VisitsView& b) override {
    auto& shard = static_cast<WishShard&>(s);
    for (std::size_t v = 0; v < b.visits; ++v) {
      const std::uint32_t first = b.first_slot[v], end = b.first_slot[v + 1];
      if (end == first || visit_stream(b.key[v], b.visit[v]).uniform() >= probability_) continue;
      std::uint32_t best = first;
      for (std::uint32_t k = first + 1; k < end; ++k) {
        if (b.utility[k] > b.utility[best]) best = k;
      }
      shard.wishes.emplace_back(b.consumer[v], b.offer[best]);
      shard.ready = false;
    }
  }

 private:
  void ready(WishShard& shard) const {
    // Latest first within a consumer: wishes were appended in time order, so a stable sort by
    // consumer of the reversed list keeps the latest first; then repeats go and each keeps slots_.
    std::vector<std::pair<ConsumerId, OfferId>>& w = shard.wishes;
    std::reverse(w.begin(), w.end());
    std::stable_sort(w.begin(), w.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::size_t out = 0;
    for (std::size_t i = 0; i < w.size(); ++i) {
      std::size_t kept = 0;  // this consumer's wishes kept so far
      bool repeat = false;
      for (std::size_t j = out; j-- > 0 && w[j].first == w[i].first;) {
        ++kept;
        repeat = repeat || w[j].second == w[i].second;
      }
      if (repeat || kept >= slots_) continue;
      w[out++] = w[i];
    }
    w.resize(out);
    shard.ready = true;
  }

  double probability_ = 0.0;
  std::size_t slots_ = 0;
};

}  // namespace

MechanicInfo wish_list_mechanic() {
  return {kWishListMechanic,
          "wish lists: visits wish-list the offer liked best, later visits show the list",
          [] { return std::make_unique<WishLists>(); }};
}

}  // namespace marketsim
