// The engine's side of promotion mechanics (mechanics/mechanic.h): building the ones a run's
// promotions name, in registry order, the host each of them sees, and what each does in a window.
// The engine stores a mechanic's per-shard state and a flag bit per consumer without knowing what
// they mean.
#include <algorithm>
#include <string>

#include "engine/shard.h"
#include "sim/error.h"

namespace marketsim {

class Simulation::MechanicPort final : public MechanicHost {
 public:
  MechanicPort(Simulation& sim, std::size_t m) : sim_(sim), m_(m) {}
  const Catalog& catalog() const override { return sim_.market_.catalog; }
  const Offers& offers() const override { return sim_.market_.offers; }
  std::span<SellerStrategies> sellers() override { return sim_.arm_.sellers; }
  std::size_t modules() const override { return sim_.behaviours_.size(); }
  Behaviour& module(std::size_t k) override { return *sim_.behaviours_[k]; }
  ShardContext module_context(std::size_t shard, std::size_t k) override {
    return sim_.context(*sim_.shards_[shard], k);
  }
  std::size_t shard_of(ConsumerId c) const override { return c / sim_.plan_.shard_size; }
  bool held_out(SellerId s, std::size_t p, ConsumerId c) const override {
    return sim_.holdouts_ && sim_.held_out(s, p, c);
  }
  bool live(SellerId s, std::size_t p) const override { return sim_.campaigns_[s][p].live; }
  BudgetLedger& ledger(SellerId s) override { return sim_.ledgers_[s]; }
  SellerBooks& books(SellerId s) override { return sim_.books_today_[s]; }
  std::span<const Money> prices() const override { return sim_.price_; }
  std::span<const Money> discounts() const override { return sim_.discount_; }
  void log(const ConsumerEvent& e) override { sim_.log_.add_event(e); }
  void emit(std::size_t k, Time t, double value, SellerId s, ConsumerId c) override {
    sim_.event_board_.emit(sim_.mechanic_events_[m_][k], t, value, s, c);
  }
  void hold(ConsumerId c, bool holds) override {
    const std::size_t k = c / sim_.plan_.shard_size;
    std::uint8_t& flags = sim_.columns_->data(k, sim_.flags_)[c - sim_.shards_[k]->begin];
    const std::uint8_t bit = sim_.hold_bit_[m_];
    if (holds && !(flags & bit)) {
      flags |= bit;
      ++sim_.holders_;
    } else if (!holds && (flags & bit) && !sim_.sticky_bit_[m_]) {
      flags &= static_cast<std::uint8_t>(~bit);
      --sim_.holders_;
    }
  }

 private:
  Simulation& sim_;
  std::size_t m_;
};

void Simulation::open_mechanics() {
  // The mechanics the strategies name, built once each, in registry order.
  std::vector<std::string> wanted;
  for (const Strategy* s : strategies_) {
    for (const std::string& name : s->mechanics()) {
      if (find_mechanic(name) == nullptr) {
        std::string known;
        for (const MechanicInfo& m : mechanic_registry())
          known += (known.empty() ? "" : ", ") + m.name;
        throw Error("strategy \"" + s->name() + "\" needs the promotion mechanic \"" + name +
                    "\", which is not registered (registered: " + known + ")");
      }
      if (std::find(wanted.begin(), wanted.end(), name) == wanted.end()) wanted.push_back(name);
    }
  }
  constexpr std::uint8_t kBits[] = {4, 16, 32, 64, 128};
  command_mechanic_.assign(kCommandKinds, -1);
  for (const MechanicInfo& info : mechanic_registry()) {
    if (std::find(wanted.begin(), wanted.end(), info.name) == wanted.end()) continue;
    const std::size_t m = mechanics_.size();
    mechanics_.push_back(info.make());
    mechanics_.back()->set_name(info.name);
    mechanic_ports_.push_back(std::make_unique<MechanicPort>(*this, m));
  }
  // Five flag bits: one each while they last, then the last one shared (and never cleared).
  const bool share = mechanics_.size() > std::size(kBits);
  for (std::size_t m = 0; m < mechanics_.size(); ++m) {
    Mechanic& mechanic = *mechanics_[m];
    hold_bit_.push_back(kBits[std::min(m, std::size(kBits) - 1)]);
    sticky_bit_.push_back(share && m + 1 >= std::size(kBits));
    mechanic.attach(*mechanic_ports_[m]);
    for (const CommandKind k : mechanic.commands_handled())
      command_mechanic_[k] = static_cast<std::int32_t>(m);
  }
  use_.assign(mechanics_.size(), {});
  item_taker_.resize(sellers_);
  for (std::size_t s = 0; s < sellers_; ++s) {
    for (std::size_t p = 0; p < arm_.sellers[s].promotions.size(); ++p) {
      std::int32_t taker = -1;
      for (std::size_t m = 0; m < mechanics_.size() && taker < 0; ++m) {
        if (mechanics_[m]->claims(static_cast<SellerId>(s), p, *arm_.sellers[s].promotions[p]))
          taker = static_cast<std::int32_t>(m);
      }
      item_taker_[s].push_back(taker);
    }
  }
}

void Simulation::prepare_mechanics(Time start, Time end) {
  any_use_ = {};
  for (std::size_t m = 0; m < mechanics_.size(); ++m) any_use_ |= use_[m] = mechanics_[m]->prepare(start, end);
}

void Simulation::unhandled(const Command& cmd) {
  if (unowned_ & command_bit(cmd.kind)) return;
  const std::string kind = command_name(cmd.kind);
  for (const MechanicInfo& info : mechanic_registry()) {
    if (std::find(info.commands.begin(), info.commands.end(), kind) == info.commands.end())
      continue;
    throw Error("seller \"" + market_.offers.seller_names[cmd.seller] + "\" promotion " +
                std::to_string(cmd.promotion) + " issued " + kind +
                ", which the promotion mechanic \"" + info.name +
                "\" keeps, but no strategy of the run names that mechanic (Strategy::mechanics())");
  }
  unowned_ |= command_bit(cmd.kind);  // nobody keeps it: charged, and otherwise without effect
}

MechanicShard& Simulation::mechanic_state(Shard& shard, std::size_t m) {
  static MechanicShard none;  // mechanics keeping no state never look at it
  return shard.mechanics[m] ? *shard.mechanics[m] : none;
}

}  // namespace marketsim
