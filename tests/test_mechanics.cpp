// A promotion mechanic the engine never heard of, registered from this file: "test_cashback", a
// per-consumer cashback wallet. Each order with the promotion's seller first pays from the wallet
// (a tender, after points), then credits `rate` of what the consumer paid for the order to it.
// It runs in one arm with coupons (the "coupon" mechanic) and points (the "points" mechanic): all
// three take money off the same orders, the ledgers reconcile (the engine's end-of-run
// invariants), the mechanic's own books balance (its check()), and an independent replay of the
// orders gives every credit and payment to the cent. The same bytes on 1 and 2 threads. Also:
// the files the engine and the kernel are made of name no promotion mechanic.
#include <tbb/global_control.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/metric.h"
#include "engine/simulation.h"
#include "experiments/experiment.h"
#include "experiments/run_unit.h"
#include "fingerprint.h"
#include "mechanics/mechanic.h"
#include "scenarios/scenario.h"
#include "sim/error.h"
#include "strategies/arm.h"
#include "strategies/registry.h"

using namespace marketsim;
using marketsim::testing::fingerprint;

namespace {

// --- the capability a promotion implements, and the mechanic -----------------------------------

class PaysCashback {
 public:
  virtual double cashback_rate() const = 0;

 protected:
  ~PaysCashback() = default;
};

struct CashbackShard final : MechanicShard {
  std::map<ConsumerId, Money> balance;  // cents
};

class CashbackWallet final : public Mechanic {
 public:
  void attach(MechanicHost& host) override {
    Mechanic::attach(host);
    const std::span<SellerStrategies> sellers = host.sellers();
    payers_.resize(sellers.size());
    for (std::size_t s = 0; s < sellers.size(); ++s) {
      for (std::size_t p = 0; p < sellers[s].promotions.size(); ++p) {
        if (const auto* c = sellers[s].promotions[p]->capability<PaysCashback>()) payers_[s].emplace_back(p, c);
      }
    }
  }
  std::unique_ptr<MechanicShard> make_shard(ConsumerId, ConsumerId) override {
    auto shard = std::make_unique<CashbackShard>();
    shards_.push_back(shard.get());
    return shard;
  }
  std::vector<std::string> event_names() const override { return {"test_cashback.credited", "test_cashback.paid"}; }
  Use prepare(Time, Time) override {
    bool live = false;
    for (std::size_t s = 0; s < payers_.size(); ++s) {
      for (const auto& entry : payers_[s]) live = live || host().live(static_cast<SellerId>(s), entry.first);
    }
    return Use{.settle_all = live};
  }
  Stage stage() const override { return Stage::kTender; }
  void settle(MechanicShard& s, OrderSettlement& order) override {
    auto& shard = static_cast<CashbackShard&>(s);
    const SellerId seller = order.seller();
    const ConsumerId c = order.consumer();
    for (const auto& [p, payer] : payers_[seller]) {
      if (!host().live(seller, p) || host().held_out(seller, p, c)) continue;
      Money& balance = shard.balance[c];
      const Money pay = std::min(balance, order.remaining(order.lines()));
      if (pay > 0 && order.charge(p, pay)) {
        order.take(pay, order.lines());
        balance -= pay;
        paid_ += pay;
        host().books(seller).counters[paid_counter_] += pay;
        host().emit(1, order.time(), to_currency(pay), seller, c);
      }
      const auto credit =
          static_cast<Money>(std::floor(payer->cashback_rate() * static_cast<double>(order.remaining(order.lines()))));
      if (credit <= 0) continue;
      balance += credit;
      credited_ += credit;
      host().emit(0, order.time(), to_currency(credit), seller, c);
    }
  }
  void check() const override {
    Money held = 0;
    for (const CashbackShard* shard : shards_) {
      for (const auto& [c, b] : shard->balance) held += b;
    }
    if (credited_ != paid_ + held) throw InvariantViolation("cashback credited != paid + held");
  }

 private:
  std::vector<std::vector<std::pair<std::size_t, const PaysCashback*>>> payers_;
  std::vector<CashbackShard*> shards_;
  Money credited_ = 0, paid_ = 0;
  const std::size_t paid_counter_ = book_counter("test_cashback_paid");
};

class Cashback final : public PromotionStrategy, public PaysCashback {
 public:
  explicit Cashback(double rate) : rate_(rate) {}
  bool offers(const MarketContext&, std::span<const Money>, std::span<Money>) override { return false; }
  std::vector<std::string> mechanics() const override { return {"test_cashback"}; }
  double cashback_rate() const override { return rate_; }

 private:
  double rate_;
};

void register_cashback() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_builtin_strategies();
    register_mechanic({"test_cashback", "test-only: a cashback wallet per consumer",
                       [] { return std::make_unique<CashbackWallet>(); }});
    promotion_registry().add({
        "test_cashback",
        "Test-only: credits `rate` of every order to the consumer's cashback wallet, paid out on later orders.",
        {{.name = "rate", .type = ParamType::kNumber, .default_value = 0.05, .min = 0, .max = 1,
          .description = "share of what the consumer paid credited to its wallet"}},
        [](const Json& p, const BuildContext&) { return std::make_unique<Cashback>(p["rate"].get<double>()); },
    });
  });
}

const std::string kScenario = MARKETSIM_SOURCE_DIR "/scenarios/loyalty-tiers.json";
const std::string kPromotions =
    "[{\"name\": \"coupon\", \"value\": 1, \"min_spend\": 2, \"expiry_days\": 3, \"day\": 1, \"every\": 4},"
    " {\"name\": \"points\", \"min_points\": 200, \"step\": 100, \"max_share\": 0.5},"
    " {\"name\": \"test_cashback\", \"rate\": 0.05}]";

Scenario scenario() {
  register_cashback();
  return load_scenario(kScenario, {"/market/segments/0/consumers=3000", "/replications=1", "/horizon_days=40",
                                   "/market/behaviours/0={\"name\": \"membership\", \"thresholds\": [100], "
                                   "\"rates\": [4, 4], \"point_value\": 0.01}",
                                   "/arms/1/promotions=" + kPromotions});
}

struct Recorder : RunObserver {
  std::vector<std::vector<LineRecord>> windows;
  std::vector<std::vector<EventRecord>> events;
  std::vector<std::string> names;
  std::map<std::string, double> totals;  // per book counter and cost
  void on_window(const WindowRecords& w) override {
    windows.emplace_back(w.lines.begin(), w.lines.end());
    events.emplace_back(w.events.begin(), w.events.end());
    names.assign(w.event_names.begin(), w.event_names.end());
  }
  void on_day_end(const DayRecord& d) override {
    for (const char* name : {"coupons_redeemed", "points_redeemed", "test_cashback_paid"}) {
      totals[name] += static_cast<double>(d.market.counter(name));
    }
  }
};

}  // namespace

TEST_CASE("a mechanic registered from a test file runs with coupons and points in one arm", "[mechanics]") {
  const Scenario sc = scenario();
  ArmRun run(sc, 1);
  Recorder rec;
  run.subscribe(rec);
  REQUIRE_NOTHROW(run.run());  // ledgers reconcile with the records; the wallet's books balance
  // All three took money off orders.
  CHECK(rec.totals["coupons_redeemed"] > 100);
  CHECK(rec.totals["points_redeemed"] > 100);
  CHECK(rec.totals["test_cashback_paid"] > 100);
  // The cashback account's discounts in the ledger are what the wallet paid out.
  CHECK(run.simulation().ledger(0).total_discounts() > static_cast<Money>(rec.totals["test_cashback_paid"]));

  // Replay: per order (commit order), the wallet pays min(balance, what is left) and credits 5% of
  // what the consumer finally paid; when something is left to pay, the whole balance was used.
  const auto index = [&](const std::string& name) {
    return static_cast<std::uint32_t>(std::find(rec.names.begin(), rec.names.end(), name) - rec.names.begin());
  };
  const std::uint32_t credited = index("test_cashback.credited"), paid = index("test_cashback.paid");
  REQUIRE(credited < rec.names.size());
  std::map<ConsumerId, Money> balance;
  Money total_paid = 0;
  std::size_t orders = 0;
  for (std::size_t w = 0; w < rec.windows.size(); ++w) {
    std::vector<std::pair<ConsumerId, Time>> order;
    std::map<std::pair<ConsumerId, Time>, Money> revenue;
    for (const LineRecord& l : rec.windows[w]) {
      if (l.quantity == 0) continue;
      const auto key = std::pair{l.consumer, l.time};
      if (!revenue.count(key)) order.push_back(key);
      revenue[key] += l.revenue();
    }
    std::map<std::pair<ConsumerId, Time>, std::pair<Money, Money>> seen;  // (paid, credited), cents
    for (const EventRecord& e : rec.events[w]) {
      if (e.event == paid) seen[{e.consumer, e.time}].first += std::llround(e.value * 100.0);
      if (e.event == credited) seen[{e.consumer, e.time}].second += std::llround(e.value * 100.0);
    }
    for (const auto& key : order) {
      const Money r = revenue[key];
      const auto [out, in] = seen[key];
      Money& b = balance[key.first];
      INFO("consumer " << key.first << " at " << key.second << ": balance " << b << ", paid " << r);
      CHECK(out <= b);
      if (r > 0) CHECK(out == b);
      CHECK(in == static_cast<Money>(std::floor(0.05 * static_cast<double>(r))));
      b += in - out;
      total_paid += out;
      ++orders;
    }
  }
  CHECK(orders > 1000);
  CHECK(total_paid == static_cast<Money>(rec.totals["test_cashback_paid"]));
}

TEST_CASE("a run with a test-registered mechanic gives the same bytes on 1 and 2 threads", "[mechanics]") {
  const Scenario sc = scenario();
  const auto run_with = [&](int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    return fingerprint(run_experiment(sc));
  };
  CHECK(run_with(1) == run_with(2));
}

TEST_CASE("a promotion naming a mechanic nobody registered is a one-line error", "[mechanics]") {
  register_cashback();
  const std::string name = "test_cashback_unregistered";
  promotion_registry().add({name, "Test-only: names a mechanic that does not exist.", {},
                            [](const Json&, const BuildContext&) {
                              struct Orphan final : PromotionStrategy {
                                bool offers(const MarketContext&, std::span<const Money>, std::span<Money>) override {
                                  return false;
                                }
                                std::vector<std::string> mechanics() const override { return {"no_such_mechanic"}; }
                              };
                              return std::make_unique<Orphan>();
                            }});
  const Scenario sc = load_scenario(kScenario, {"/market/segments/0/consumers=500", "/replications=1",
                                                "/arms/1/promotions=[{\"name\": \"" + name + "\"}]"});
  try {
    ArmRun run(sc, 1);
    FAIL("no error");
  } catch (const Error& e) {
    const std::string what = e.what();
    CHECK(what.find("no_such_mechanic") != std::string::npos);
    CHECK(what.find("not registered") != std::string::npos);
    CHECK(what.find('\n') == std::string::npos);
  }
  promotion_registry().remove(name);
}

TEST_CASE("the engine, the kernel, commands, records, behaviours and budgets name no promotion mechanic",
          "[mechanics]") {
  // What a promotion mechanic is called lives in mechanics/ and strategies/; these files speak only
  // of offers, prices, orders, kinds and names.
  const std::vector<std::string> words = {"coupon", "wallet", "points", "loyalty", "member", "wish",
                                          "deposit", "gift",   "flash",  "surge"};
  std::vector<std::string> files = {"market/commands.h", "market/records.h", "agents/behaviour.h", "agents/budget.h"};
  for (const char* f : {"campaigns.cpp", "consumers.cpp", "invariants.cpp", "mechanics.cpp", "run_observer.h",
                        "settlement.cpp", "shard.h", "simulation.cpp", "simulation.h", "visits.cpp"}) {
    files.push_back(std::string("engine/") + f);
  }
  for (const char* f : {"columns.h", "error.h", "event_queue.h", "money.h", "names.h", "params.h", "registry.h",
                        "rng.h", "text.h", "time.h", "uninitialized.h", "visit_calendar.h"}) {
    files.push_back(std::string("sim/") + f);
  }
  for (const std::string& f : files) {
    std::ifstream in(std::string(MARKETSIM_SOURCE_DIR) + "/" + f);
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    std::string lower = text.str();
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (const std::string& w : words) {
      INFO(f << " names \"" << w << "\"");
      CHECK(lower.find(w) == std::string::npos);
    }
  }
}
