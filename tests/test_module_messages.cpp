// Messages from one behaviour module to another, addressed by name (agents/behaviour.h:
// Behaviour::connect, ModuleDirectory, ShardContext::send_to): two test modules, a teller that
// sends a kMessageHeardQuality message to the next consumer after each sold line, and a listener
// that counts what it receives.
#include <tbb/global_control.h>

#include <catch2/catch.hpp>
#include <mutex>
#include <optional>

#include "agents/behaviour.h"
#include "engine/run_observer.h"
#include "engine/simulation.h"
#include "experiments/run_unit.h"
#include "scenarios/scenario.h"
#include "strategies/registry.h"

using namespace marketsim;

namespace {

class Teller final : public Behaviour {
 public:
  explicit Teller(std::int64_t consumers) : consumers_(static_cast<ConsumerId>(consumers)) {}
  unsigned stages() const override { return kStageSettled | kStageMessages; }
  void connect(const ModuleDirectory& modules) override { listener_ = modules.find("test_listener"); }
  void declare(ColumnLayout& layout) override {
    sent_ = layout.add<std::uint32_t>("test_teller", "sent", 1, 0u);
    own_ = layout.add<std::uint32_t>("test_teller", "own", 1, 0u);
  }
  void settled(const SettledBatch& b) const override {
    if (!listener_) return;  // nobody to tell
    for (const LineRecord& l : b.lines) {
      if (l.quantity == 0) continue;
      b.shard.send_to(*listener_, l.time, l.consumer, (l.consumer + 1) % consumers_, kMessageHeardQuality,
                      static_cast<float>(l.product), l.product);
      ++*b.shard.row(sent_, l.consumer);
    }
  }
  void messages(const MessageBatch& b) const override {  // none are for the teller
    for (const Message& m : b.messages) ++*b.shard.row(own_, m.recipient);
  }
  std::vector<std::string> gauges() const override { return {"sent", "own"}; }
  void gauge(const DayBatch& b, std::span<double> sums) const override {
    for (ConsumerId c = b.shard.begin(); c < b.shard.end(); ++c) {
      sums[0] += *b.shard.row(sent_, c);
      sums[1] += *b.shard.row(own_, c);
    }
  }

 private:
  ConsumerId consumers_;
  std::optional<std::uint16_t> listener_;
  Column<std::uint32_t> sent_;
  Column<std::uint32_t> own_;
};

class Listener final : public Behaviour {
 public:
  unsigned stages() const override { return kStageMessages; }
  void declare(ColumnLayout& layout) override {
    heard_ = layout.add<std::uint32_t>("test_listener", "heard", 1, 0u);
    wrong_ = layout.add<std::uint32_t>("test_listener", "wrong", 1, 0u);
  }
  void messages(const MessageBatch& b) const override {
    for (const Message& m : b.messages) {
      ++*b.shard.row(heard_, m.recipient);
      const bool right = m.kind == kMessageHeardQuality && m.value == static_cast<float>(m.data) &&
                         b.shard.owns(m.recipient);
      if (!right) ++*b.shard.row(wrong_, m.recipient);
    }
  }
  std::vector<std::string> gauges() const override { return {"heard", "wrong"}; }
  void gauge(const DayBatch& b, std::span<double> sums) const override {
    for (ConsumerId c = b.shard.begin(); c < b.shard.end(); ++c) {
      sums[0] += *b.shard.row(heard_, c);
      sums[1] += *b.shard.row(wrong_, c);
    }
  }

 private:
  Column<std::uint32_t> heard_;
  Column<std::uint32_t> wrong_;
};

void register_messengers() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_builtin_behaviours();
    behaviour_registry().add({"test_teller", "Test-only: tells test_listener about each sold line.", {},
                              [](const Json&, const BehaviourContext& ctx) {
                                return std::make_unique<Teller>(ctx.spec.consumers());
                              }});
    behaviour_registry().add({"test_listener", "Test-only: counts the messages it hears.", {},
                              [](const Json&, const BehaviourContext&) { return std::make_unique<Listener>(); }});
  });
}

struct Gauges : RunObserver {
  std::vector<std::string> names;
  std::vector<std::vector<double>> days;
  void on_day_end(const DayRecord& d) override {
    names.assign(d.gauge_names.begin(), d.gauge_names.end());
    days.emplace_back(d.gauges.begin(), d.gauges.end());
  }
  std::vector<double> series(const std::string& name) const {
    std::vector<double> out;
    for (const auto& day : days) {
      double v = std::nan("");
      for (std::size_t g = 0; g < names.size(); ++g) {
        if (names[g] == name) v = day[g];
      }
      out.push_back(v);
    }
    return out;
  }
};

/// Runs the reference market (3000 consumers, 12 days, shards of 700) with the given modules.
Gauges run_with(const std::string& modules) {
  register_messengers();
  const Scenario sc = load_scenario(MARKETSIM_SOURCE_DIR "/scenarios/reference-market.json",
                                    {"/market/segments/0/consumers=3000", "/market/categories/0/products=50",
                                     "/horizon_days=12", "/engine/shard_size=700",
                                     "/market/behaviours=" + modules});
  ArmRun run(sc);
  Gauges rec;
  run.subscribe(rec);
  run.run();
  return rec;
}

}  // namespace

TEST_CASE("a module's message to another module, found by name, reaches that module's messages hook",
          "[extension][messages]") {
  // Messages sent during a day are delivered at the window's end, after the day's gauges: what
  // the listener has heard by the end of day d is what the teller sent by the end of day d - 1,
  // whichever module comes first in the scenario and whatever the thread count.
  std::vector<std::vector<double>> heard_by_order;
  for (const char* modules : {R"([{"name": "test_teller"}, {"name": "test_listener"}])",
                              R"([{"name": "test_listener"}, {"name": "test_teller"}])"}) {
    for (int threads : {1, 2}) {
      INFO(modules << ", " << threads << " threads");
      tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
      const Gauges g = run_with(modules);
      const auto sent = g.series("test_teller.sent");
      const auto heard = g.series("test_listener.heard");
      REQUIRE(sent.size() == 12);
      CHECK(heard[0] == 0);
      for (std::size_t d = 1; d < sent.size(); ++d) CHECK(heard[d] == sent[d - 1]);
      CHECK(sent.back() > 100);
      for (double w : g.series("test_listener.wrong")) CHECK(w == 0);  // kind, value, data, shard
      for (double o : g.series("test_teller.own")) CHECK(o == 0);      // none went to the sender
      heard_by_order.push_back(heard);
    }
  }
  for (const auto& h : heard_by_order) CHECK(h == heard_by_order[0]);
  // Without the listener the teller finds no index and sends nothing; the run goes on.
  const Gauges alone = run_with(R"([{"name": "test_teller"}])");
  for (double s : alone.series("test_teller.sent")) CHECK(s == 0);
}
