// The mechanic registry. A new mechanic is a file defining its MechanicInfo and one line here;
// the order of the lines is the order in which a run calls the mechanics' hooks (a member price
// is set before a coupon is weighed against the price the consumer sees).
#include "sim/registry.h"

#include "mechanics/mechanic.h"

namespace marketsim {

MechanicInfo member_prices_mechanic();
MechanicInfo coupon_wallet_mechanic();
MechanicInfo points_at_checkout_mechanic();
MechanicInfo wish_list_mechanic();

std::vector<MechanicInfo>& mechanic_registry() {
  static std::vector<MechanicInfo> entries{
      member_prices_mechanic(),
      coupon_wallet_mechanic(),
      points_at_checkout_mechanic(),
      wish_list_mechanic(),
  };
  return entries;
}

void register_mechanic(MechanicInfo info) {
  add_or_replace(mechanic_registry(), std::move(info));
}

const MechanicInfo* find_mechanic(const std::string& name) {
  for (const MechanicInfo& m : mechanic_registry()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

}  // namespace marketsim
