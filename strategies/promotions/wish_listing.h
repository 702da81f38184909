#pragma once
// Wish lists, as a promotion runs them (a festival's pre-heat): while wish_probability(t) > 0,
// each visit wish-lists, with that probability, the shown offer of highest utility; while
// wish_slots(t) > 0, every visit of a consumer also shows up to that many of its wish-listed
// offers (its latest first), after the featured slots. wish_slots_bound() bounds wish_slots over
// the run (the loader's 64-offer check). Asked per window, only while the promotion is live. The
// mechanic "wish_list" (mechanics/wish_lists.cpp) keeps the lists; a promotion implementing this
// names it.
#include <cstddef>

#include "sim/time.h"

namespace marketsim {

inline constexpr const char* kWishListMechanic = "wish_list";

class WishListing {
 public:
  virtual double wish_probability(Time t) const = 0;
  virtual std::size_t wish_slots(Time t) const = 0;
  virtual std::size_t wish_slots_bound() const = 0;

 protected:
  ~WishListing() = default;
};

}  // namespace marketsim
