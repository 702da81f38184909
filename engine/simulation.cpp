// The run's set-up and its window loop: market events, the sellers' strategies, and the order of
// the phases (visits.cpp, settlement.cpp, consumers.cpp).
#include "engine/simulation.h"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <boost/random/exponential_distribution.hpp>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "agents/click_model.h"
#include "engine/shard.h"
#include "sim/error.h"

namespace marketsim {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<Strategy*> strategies_of(const Arm& arm) {
  std::vector<Strategy*> out;
  for (const auto& seller : arm.sellers) {
    for (Strategy* s : seller.all()) out.push_back(s);
  }
  return out;
}

LogNeeds needs_of(const std::vector<Strategy*>& strategies) {
  LogNeeds needs;
  for (const Strategy* s : strategies) needs.merge(s->needs());
  return needs;
}

void declare_engine_columns(ColumnLayout& layout, Column<Time>& next_visit, Column<std::uint32_t>& visit_index,
                            Column<std::uint8_t>& flags) {
  next_visit = layout.add<Time>("engine", "next_visit", 1, 0.0);
  visit_index = layout.add<std::uint32_t>("engine", "visit_index", 1, 0u);
  flags = layout.add<std::uint8_t>("engine", "flags", 1, std::uint8_t{0});
}

}  // namespace

ColumnLayout Simulation::engine_columns() {
  ColumnLayout layout;
  Column<Time> next;
  Column<std::uint32_t> index;
  Column<std::uint8_t> flags;
  declare_engine_columns(layout, next, index, flags);
  return layout;
}

Time Simulation::first_time_of_part(std::size_t p) const {
  // The least t with t * parts_per_day_ >= p, i.e. floor(t * parts_per_day_) = p, the way part_of
  // and the modules (a calendar's hour slots) compute it: p / parts_per_day_ may round a hair
  // below or above it.
  const double per_day = static_cast<double>(parts_per_day_);
  const double target = static_cast<double>(p);
  double t = target / per_day;
  while (t * per_day < target) t = std::nextafter(t, std::numeric_limits<double>::infinity());
  while (t > 0.0 && std::nextafter(t, 0.0) * per_day >= target) t = std::nextafter(t, 0.0);
  return t;
}

void Simulation::compute_bounds() {
  // The intensity bound of each part of each window (the same in every arm: modules' bounds
  // depend only on their parameters and time) and its integral, the clock of candidate visits.
  // Without intensity modules every bound is 1 and candidate visits are visits. Windows are cut
  // into the parts the modules ask for (at most kMaxPartsPerDay a day and kMaxParts in all;
  // beyond that one part per window, which is valid, only looser).
  constexpr std::size_t kMaxPartsPerDay = 1440;
  constexpr std::size_t kMaxParts = std::size_t{1} << 26;  // guide_ holds part indices as u32
  for (const SellerStrategies& seller : arm_.sellers) {
    for (const auto& promotion : seller.promotions) {
      if (const VisitTraffic* t = promotion->capability<VisitTraffic>()) traffic_promotions_.push_back(t);
    }
  }
  if (intensity_modules_.empty() && traffic_promotions_.empty()) return;
  std::size_t per_day = plan_.windows_per_day;
  for (std::size_t m : intensity_modules_) {
    const std::size_t parts = behaviours_[m]->bound_parts_per_day();
    if (parts > 0 && parts <= kMaxPartsPerDay) per_day = std::lcm(per_day, parts);
  }
  parts_per_window_ = per_day / plan_.windows_per_day;
  if (per_day > kMaxPartsPerDay || windows_ > kMaxParts / parts_per_window_) parts_per_window_ = 1;
  parts_per_day_ = plan_.windows_per_day * parts_per_window_;
  const std::size_t parts = windows_ * parts_per_window_;
  part_bound_.assign(parts, 1.0);
  part_start_.resize(parts + 1);
  for (std::size_t p = 0; p <= parts; ++p) part_start_[p] = first_time_of_part(p);
  bound_integral_.assign(parts + 1, 0.0);
  for (std::size_t p = 0; p < parts; ++p) {
    const Time start = part_start(p);
    const Time end = part_start(p + 1);
    for (std::size_t m : intensity_modules_) {
      const double bound = behaviours_[m]->intensity_bound(start, end);
      if (!(bound >= 0.0) || !std::isfinite(bound)) {
        throw Error("a behaviour module declared an invalid intensity bound");
      }
      part_bound_[p] *= bound;
    }
    if (!traffic_promotions_.empty()) {  // promotions' traffic: its largest over the part's days
      double most = 0.0;
      for (Day d = day_of(start); static_cast<Time>(d) < end; ++d) most = std::max(most, traffic_at(static_cast<Time>(d)));
      part_bound_[p] *= most;
    }
    unit_bound_ = unit_bound_ && part_bound_[p] == 1.0;
    bound_integral_[p + 1] = bound_integral_[p] + part_bound_[p] * (end - start);
  }
  // Guide entries at equal steps of intensity time, each the part that holds its point: four per
  // part (one per part beyond 2^20 parts), so that the search from an entry rarely steps more
  // than once (with one per part, nights of low intensity put several parts in one step, and
  // the search's unpredictable steps cost a fifth of the candidate clock).
  const std::size_t entries = parts <= (std::size_t{1} << 20) ? 4 * parts : parts;
  guide_.assign(entries, 0);
  inverse_step_ = bound_integral_[parts] > 0.0 ? static_cast<double>(entries) / bound_integral_[parts] : 0.0;
  std::size_t v = 0;
  for (std::size_t g = 0; g < entries; ++g) {
    const double x = static_cast<double>(g) / inverse_step_;
    while (v + 1 < parts && bound_integral_[v + 1] <= x) ++v;
    guide_[g] = static_cast<std::uint32_t>(v);
  }
}

Simulation::Simulation(const Market& market, Arm& arm, std::vector<std::unique_ptr<Behaviour>> behaviours,
                       const RunPlan& plan)
    : market_(market),
      arm_(arm),
      strategies_(strategies_of(arm)),
      behaviours_(std::move(behaviours)),
      plan_(plan),
      windows_(static_cast<std::size_t>(plan.horizon_days) * plan.windows_per_day),
      offers_(market.offers.size()),
      sellers_(market.offers.sellers()),
      single_shop_(market.offers.sellers() == 1 && market.offers.size() == market.catalog.size()),
      visit_keys_(plan.seed, plan.replication, Purpose::kVisit),
      inventory_(market.offers.size()),
      log_(market.offers.size(), needs_of(strategies_)) {
  if (arm_.sellers.size() != sellers_) {
    throw Error("the arm has strategies for " + std::to_string(arm_.sellers.size()) +
                " sellers, the market has " + std::to_string(sellers_));
  }
  const std::size_t n = market.population.size();

  // Modules find each other by name (messages from one to another), then declare their columns
  // after the engine's own, in scenario order.
  std::vector<std::string> module_names;
  for (const auto& b : behaviours_) module_names.push_back(b->name());
  const ModuleDirectory directory(std::move(module_names));
  for (const auto& b : behaviours_) b->connect(directory);
  declare_engine_columns(layout_, next_visit_, visit_index_, flags_);
  for (std::size_t m = 0; m < behaviours_.size(); ++m) {
    Behaviour& b = *behaviours_[m];
    b.declare(layout_);
    const unsigned stages = b.stages();
    if (stages & kStageIntensity) {
      intensity_modules_.push_back(m);
      if (b.has_consumer_bound()) consumer_bound_modules_.push_back(m);
    }
    if (stages & kStageUtility) utility_modules_.push_back(m);
    if (b.capability<ClickModel>() != nullptr) click_model_ = true;
    if (stages & kStageBasket) basket_modules_.push_back(m);
    if (stages & kStageSettled) settled_modules_.push_back(m);
    if (stages & kStageDaily) daily_modules_.push_back(m);
    if (stages & kStageMessages) message_modules_.push_back(m);
    if (stages & kStageCommands) {
      command_modules_.push_back(m);
      commands_handled_ |= b.commands_handled();
    }
    module_streams_.push_back(StreamFamily(plan.seed, plan.replication, Purpose::kBehaviour, name_hash(b.name())));
    const std::vector<std::string> gauges = b.gauges();
    if (!gauges.empty()) {
      gauge_modules_.emplace_back(m, gauge_names_.size());
      for (const std::string& g : gauges) gauge_names_.push_back(b.name() + "." + g);
    }
  }

  module_gauges_ = gauge_names_.size();
  open_mechanics();
  declare_signals();

  if (!consumer_bound_modules_.empty()) bound_factor_ = layout_.add<float>("engine", "bound_factor", 1, 1.0f);
  prefetch_columns_ = !intensity_modules_.empty() || !utility_modules_.empty() || !basket_modules_.empty();
  // Strategies' per-consumer state, after everything else (a run whose strategies declare none
  // lays its columns out as before).
  for (Strategy* s : strategies_) s->declare(layout_);

  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;
  for (std::size_t b = 0; b < n; b += plan.shard_size) {
    ranges.emplace_back(static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(std::min(n, b + plan.shard_size)));
  }
  columns_ = std::make_unique<ColumnStore>(layout_, ranges);
  for (Strategy* s : strategies_) s->attach_rows(ConsumerRows(columns_.get(), plan.shard_size));
  for (std::size_t s = 0; s < ranges.size(); ++s) {
    shards_.push_back(std::make_unique<Shard>(*this, s, ranges[s].first, ranges[s].second,
                                              plan.windows_per_day, windows_));
    for (const auto& m : mechanics_) shards_.back()->mechanics.push_back(m->make_shard(ranges[s].first, ranges[s].second));
    if (log_.needs().exposures) {
      shards_.back()->exposures.assign(offers_, 0);
      shards_.back()->considered.assign(offers_, 0);
    }
  }
  track_recommendations(log_.needs().recommendations);

  compute_bounds();

  // Each consumer's first candidate visit: the gap stream of its visit 0 gives the gap from
  // time 0 (in intensity time).
  tbb::parallel_for(std::size_t{0}, shards_.size(), [&](std::size_t s) {
    Shard& shard = *shards_[s];
    Time* next = columns_->data(s, next_visit_);
    std::uint32_t* index = columns_->data(s, visit_index_);
    std::uint8_t* flags = columns_->data(s, flags_);
    for (ConsumerId c = shard.begin; c < shard.end; ++c) {
      const std::size_t local = c - shard.begin;
      CounterRng rng = visit_stream(visit_keys_.key(c), 0, VisitStage::kGap);
      double rate = market_.population.visit_rate[c];
      if (!consumer_bound_modules_.empty()) {
        const float f = float_at_least(consumer_factor(shard, c, 0.0));
        columns_->data(s, bound_factor_)[local] = f;
        rate *= static_cast<double>(f);
      }
      next[local] = next_candidate(0.0, boost::random::exponential_distribution<double>(1.0)(rng) / rate);
      index[local] = 1;
      if (shard.calendar.schedule(static_cast<std::uint32_t>(local), next[local])) flags[local] |= kFiled;
    }
  });

  // Sellers: stock, budget ledgers, inventory costs.
  ledgers_.resize(sellers_);
  books_today_.assign(sellers_, SellerBooks{});
  recorded_discounts_.assign(sellers_, 0);
  recorded_costs_.assign(sellers_, 0);
  for (std::size_t s = 0; s < sellers_; ++s) {
    const SellerStrategies& strategies = arm_.sellers[s];
    Money list_total = 0;  // the price index's denominator per window (list prices never change)
    for (OfferId o = market.offers.begin(static_cast<SellerId>(s)); o < market.offers.end(static_cast<SellerId>(s)); ++o) {
      add_checked(list_total, market.catalog.list_price[market.offers.product[o]]);
    }
    list_total_.push_back(list_total);
    for (const auto& promotion : strategies.promotions) {
      order_rules_ = order_rules_ || promotion->capability<OrderRule>() != nullptr;
    }
    holding_cost_.push_back(to_cents(market.spec.sellers[s].holding_cost));
    order_cost_.push_back(to_cents(market.spec.sellers[s].order_cost));
  }
  set_up_supply();  // warehouses, planners and initial stock
  open_campaigns();

  price_.resize(offers_);
  posted_price_.assign(offers_, -1);
  discount_.resize(offers_);
  scratch_.resize(offers_);
  promotion_.resize(offers_);
  paid_.resize(offers_);
  deal_.resize(offers_);
  waiting_.assign(offers_, 0.0f);

  for (Day d = 0; d < plan.horizon_days; ++d) {
    events_.schedule(static_cast<Time>(d), EventPriority::kDayStart,
                     MarketEvent{MarketEvent::Kind::kDayStart, 0, 0});
  }
}

void Simulation::declare_signals() {
  // The engine's events, then each mechanic's (full names), then each module's ("module.event"),
  // then each strategy's ("strategy.event", attached to the strategy); strategies' gauges
  // ("seller.strategy.gauge", a strategy named twice in a seller gets "#k" from its second on)
  // follow the modules'.
  engine_events_.price_changed = event_board_.declare("price.changed");
  engine_events_.budget_exhausted = event_board_.declare("budget.exhausted");
  engine_events_.command_cost = event_board_.declare("command.cost");
  for (const auto& m : mechanics_) {
    std::vector<std::uint32_t> indices;
    for (const std::string& e : m->event_names()) indices.push_back(event_board_.declare(e));
    mechanic_events_.push_back(std::move(indices));
  }
  for (const auto& b : behaviours_) {
    std::vector<std::uint32_t> indices;
    for (const std::string& e : b->event_names()) indices.push_back(event_board_.declare(b->name() + '.' + e));
    module_events_.push_back(std::move(indices));
  }
  for (std::size_t s = 0; s < arm_.sellers.size(); ++s) {
    std::vector<std::string> seen;
    for (Strategy* strategy : arm_.sellers[s].all()) {
      std::vector<std::uint32_t> indices;
      for (const std::string& e : strategy->event_names()) indices.push_back(event_board_.declare(strategy->name() + '.' + e));
      strategy->attach_events(EventPort(&event_board_, std::move(indices), static_cast<std::uint32_t>(s)));
      const std::vector<std::string> gauges = strategy->gauge_names();
      if (gauges.empty()) continue;
      const auto repeats = std::count(seen.begin(), seen.end(), strategy->name());
      seen.push_back(strategy->name());
      std::string prefix = market_.offers.seller_names[s];  // appended: GCC 12 -Wrestrict on a + b + ...
      prefix += '.';
      prefix += strategy->name();
      if (repeats > 0) prefix += '#' + std::to_string(repeats);
      prefix += '.';
      gauge_strategies_.emplace_back(strategy, gauge_names_.size());
      for (const std::string& g : gauges) gauge_names_.push_back(prefix + g);
    }
  }
}

void Simulation::gather_events(std::size_t batch, Time end) {
  // Budgets that ran out in the window (at its end: the ledger does not say when), then the
  // serial phases' events, then each shard's in shard order; a stable sort by time keeps that
  // order among ties, so the sequence does not depend on threads.
  for (std::size_t s = 0; s < sellers_; ++s) {
    for (std::size_t p = 0; p < campaigns_[s].size(); ++p) {
      CampaignRun& run = campaigns_[s][p];
      if (run.exhausted || !ledgers_[s].exhausted(p)) continue;
      run.exhausted = true;
      event_board_.emit(engine_events_.budget_exhausted, end, to_currency(ledgers_[s].spent(p)), static_cast<std::uint32_t>(s));
    }
  }
  std::vector<EventRecord>& out = window_events_[batch];
  out.swap(event_board_.pending());
  event_board_.pending().clear();
  for (auto& shard : shards_) {
    out.insert(out.end(), shard->events.begin(), shard->events.end());
    shard->events.clear();
  }
  if (!day_events_.empty()) {
    for (const EventRecord& e : out) ++day_events_[e.event];
  }
  if (!std::is_sorted(out.begin(), out.end(), [](const EventRecord& a, const EventRecord& b) { return a.time < b.time; })) {
    std::stable_sort(out.begin(), out.end(), [](const EventRecord& a, const EventRecord& b) { return a.time < b.time; });
  }
}

void Simulation::subscribe(RunObserver& observer) {
  observers_.push_back(&observer);
  LogNeeds needs = log_.needs();
  needs.merge(observer.needs());
  if (needs == log_.needs()) return;
  if (log_.days() > 0) throw Error("a subscriber asked for more logging after the run started");
  log_ = PlatformLog(offers_, needs);  // nothing logged yet: the wider log replaces it
  for (auto& shard : shards_) {
    if (needs.exposures && shard->exposures.empty()) {
      shard->exposures.assign(offers_, 0);
      shard->considered.assign(offers_, 0);
    }
  }
  track_recommendations(needs.recommendations);
}

void Simulation::track_recommendations(bool on) {
  if (!on || track_recommendations_) return;
  track_recommendations_ = true;
  recommended_today_.assign(offers_, 0);
  for (auto& shard : shards_) {
    shard->recommended.assign(offers_, 0);
    shard->category_count.assign(market_.catalog.category_names.size(), 0);
  }
}

Simulation::~Simulation() {
  // A run left by an exception may still have a signal task in flight: finish it first.
  try {
    observer_tasks_.wait();
  } catch (...) {  // the run's own exception is already on its way out
  }
}

std::size_t Simulation::shards() const { return shards_.size(); }

ShardContext Simulation::context(Shard& shard, std::size_t module) {
  ShardContext ctx(shard.index, shard.begin, shard.end, *columns_, shard.outbox, shard, module_streams_[module],
                   static_cast<std::uint16_t>(module));
  const std::vector<std::uint32_t>& events = module_events_[module];
  if (!events.empty()) ctx.attach_events(&shard.events, events.data(), events.size());
  return ctx;
}

void Simulation::run(const std::function<void(std::size_t)>& on_window) {
  const double per_day = static_cast<double>(plan_.windows_per_day);
  for (std::size_t w = 0; w < windows_; ++w) {
    const Time start = static_cast<double>(w) / per_day;
    const Time end = static_cast<double>(w + 1) / per_day;
    const Day day = static_cast<Day>(w / plan_.windows_per_day);
    const bool day_ends = (w + 1) % plan_.windows_per_day == 0;
    const auto t0 = Clock::now();
    const double training_before = phases_.training_seconds;
    // Deliveries due by the window's start arrive first; market events take effect at the start
    // of the window that contains them (the day's reviews may order with no lead time: those
    // arrive at once); later deliveries arrive between the window's lines at their times.
    receive_until(start);
    while (!events_.empty() && events_.top().time < end) handle(events_.pop());
    receive_until(start);
    if (w % plan_.windows_per_day == 0) begin_campaign_day(day);
    prepare_window(day, start, end);
    apply_commands(start);
    const auto t1 = Clock::now();
    tbb::parallel_for(std::size_t{0}, shards_.size(), [&](std::size_t s) { advance(*shards_[s], w); });
    const auto t2 = Clock::now();
    window_ = w;
    order_lines(start, end);
    settle();
    receive_until(end, true);
    const std::optional<DayRecord> day_end = end_window(w, day, start, end, day_ends);
    const auto t3 = Clock::now();
    phases_.market_seconds += std::chrono::duration<double>(t1 - t0).count() - (phases_.training_seconds - training_before);
    phases_.visit_seconds += std::chrono::duration<double>(t2 - t1).count();
    phases_.commit_seconds += std::chrono::duration<double>(t3 - t2).count();

    // Subscribers get the window's signals on a task of their own, overlapping the next window's
    // visits (collectors never feed back into the market). Tasks run one after another, so every
    // subscriber sees the same sequence of calls as if they were made here.
    observer_tasks_.wait();
    if (!observers_.empty()) {
      const WindowRecords records{day,           start,         end, orders_[w % 2], lines_[w % 2], window_events_[w % 2],
                                  event_board_.names()};
      observer_tasks_.run([this, records, day_end] {
        for (RunObserver* o : observers_) {
          o->on_window(records);
          if (day_end) o->on_day_end(*day_end);
        }
      });
    }
    if (on_window) on_window(w + 1);
  }
  observer_tasks_.wait();
  check_invariants();
}

void Simulation::handle(const EventQueue<MarketEvent>::Event& event) {
  const MarketEvent& e = event.payload;
  switch (e.kind) {
    case MarketEvent::Kind::kDayStart: {
      const Day d = day_of(event.time);
      log_.begin_day(d);
      for (Depot& depot : depots_) {
        if (depot.log) depot.log->begin_day(d);
      }
      // Deliveries arriving by the day's start were received before this event (Simulation::run);
      // transfers between warehouses go before the reviews, which see them on order.
      if (routed_) transfer_day(d);
      if (d >= 1) review_day(d);
      break;
    }
  }
}

void Simulation::prepare_window(Day day, Time start, Time end) {
  for (const auto& m : mechanics_) m->open_window(start, end);
  const std::span<const Units> stock = offer_stock();
  for (std::size_t s = 0; s < sellers_; ++s) {
    const auto seller = static_cast<SellerId>(s);
    SellerStrategies& strategies = arm_.sellers[s];
    const MarketContext ctx{market_.catalog, market_.offers, log_, seller, day, start, end, stock};
    const OfferId first = market_.offers.begin(seller);
    const std::size_t count = market_.offers.count(seller);
    const std::span<Money> price(price_.data() + first, count);
    const std::span<Money> discount(discount_.data() + first, count);
    const std::span<Money> scratch(scratch_.data() + first, count);
    strategies.pricing->set_prices(ctx, price);
    for (const Money p : price) add_checked(books_today_[s].shelf_value, p);
    for (std::size_t k = 0; k < count; ++k) {  // a posted price that moved (not in the first window)
      Money& before = posted_price_[first + k];
      if (before >= 0 && before != price[k]) {
        event_board_.emit(engine_events_.price_changed, start, to_currency(price[k]), static_cast<std::uint32_t>(s));
      }
      before = price[k];
    }
    add_checked(books_today_[s].list_value, list_total_[s]);
    std::fill(discount.begin(), discount.end(), 0);
    std::fill_n(promotion_.begin() + first, count, -1);
    const std::size_t promotions = strategies.promotions.size();
    const bool sum = strategies.stacking.item == Stacking::Item::kSum;
    if (sum) item_parts_[s].assign(count * promotions, 0);
    for (std::size_t p = 0; p < promotions; ++p) {
      // A promotion whose budget is spent stops; one paused for the day or halted by a monitoring
      // rule offers nothing either, nor does one outside its campaign's span.
      CampaignRun& run = campaigns_[s][p];
      run.live = !ledgers_[s].stopped(p) && strategies.promotions[p]->campaign().active_at(start);
      if (!run.live) continue;
      if (!strategies.promotions[p]->offers(ctx, price, scratch)) continue;
      if (const std::int32_t m = item_taker_[s][p]; m >= 0) {  // a mechanic's to give
        mechanics_[static_cast<std::size_t>(m)]->take_item_discounts(seller, p, first, price, scratch);
        continue;
      }
      if (sum) {  // every promotion's part, combined below
        for (std::size_t k = 0; k < count; ++k) {
          if (scratch[k] > 0) item_parts_[s][k * promotions + p] = std::min(scratch[k], price[k]);
        }
        continue;
      }
      for (std::size_t k = 0; k < count; ++k) {
        if (scratch[k] > discount[k]) {  // overlapping promotions: the deepest discount applies
          discount[k] = std::min(scratch[k], price[k]);
          promotion_[first + k] = static_cast<std::int32_t>(p);
        }
      }
    }
    if (sum) sum_item_parts(s, price, discount);
    if (s == 0) live_unlocks_.clear();
    for (std::size_t u = 0; u < unlocks_.size(); ++u) {
      if (unlocks_[u].seller == seller && campaigns_[s][unlocks_[u].promotion].live) {
        live_unlocks_.push_back(static_cast<std::uint32_t>(u));
      }
    }
    for (OfferId o = first; o < first + count; ++o) {
      paid_[o] = static_cast<float>(to_currency(price_[o] - discount_[o]));
      deal_[o] = discount_[o] > 0 ? 1.0f : 0.0f;
      log_.set_price(o, price_[o] - discount_[o]);
    }
    // Announced discounts: what waiting for them is worth now, the largest of the live promotions'.
    if (s == 0) any_waiting_ = false;
    std::fill_n(waiting_.begin() + first, count, 0.0f);
    for (std::size_t p = 0; p < promotions; ++p) {
      const AnticipatedDiscount* later = strategies.promotions[p]->capability<AnticipatedDiscount>();
      if (!campaigns_[s][p].live || later == nullptr) continue;
      for (std::size_t k = 0; k < count; ++k) {
        const double share = later->waiting_share(market_.offers.product[first + k], start);
        if (!(share > 0.0)) continue;
        const auto value = static_cast<float>(share * to_currency(price[k]));
        waiting_[first + k] = std::max(waiting_[first + k], value);
        any_waiting_ = true;
      }
    }
    featured_[s].clear();
    featured_slots_[s] = 0;
    for (std::size_t p = 0; p < promotions; ++p) {
      FeaturedSlots* featured = strategies.promotions[p]->capability<FeaturedSlots>();
      if (!campaigns_[s][p].live || featured == nullptr || featured->featured_slots() == 0) continue;
      const std::size_t before = featured_[s].size();
      featured->featured(ctx, featured_[s]);
      if (featured_[s].size() > before) featured_slots_[s] += featured->featured_slots();
    }
    if (s == 0) any_featured_ = false;
    any_featured_ = any_featured_ || featured_slots_[s] > 0;
    for (std::size_t p = 0; p < strategies.promotions.size(); ++p) {
      if (!campaigns_[s][p].live) continue;
      CommandSink sink(commands_, seller, static_cast<std::int32_t>(p));
      strategies.promotions[p]->act(ctx, sink);
    }
  }
  prepare_mechanics(start, end);
  // Recommenders last, once every seller's prices and discounts of the window are posted: they
  // see them (margin- and promotion-aware ranking). Nothing above reads what they prepare. Timed
  // as the training phase, apart from the rest of the market's serial work.
  const auto t0 = Clock::now();
  for (std::size_t s = 0; s < sellers_; ++s) {
    const MarketContext ctx{market_.catalog, market_.offers, log_,   static_cast<SellerId>(s), day, start,
                            end,             stock,              price_, discount_};
    arm_.sellers[s].recommender->prepare(ctx);
  }
  phases_.training_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
}

std::optional<DayRecord> Simulation::end_window(std::size_t w, Day day, Time start, Time end, bool day_ends) {
  // Consumers learn from what they bought; at a day's end, modules' daily hooks; then the
  // window's messages; then the strategies observe. Consumers re-entering the calendar from
  // these hooks can visit from the next window on.
  for (auto& shard : shards_) shard->earliest_entry = end;
  if (!settled_modules_.empty()) run_settled_hooks();
  const std::size_t batch = w % 2;
  if (campaign_tracking_) track_campaigns(batch, day);
  std::optional<DayRecord> day_record;
  if (day_ends) {
    if (!daily_modules_.empty()) run_daily_hooks(day);
    for (const auto& m : mechanics_) m->end_day(end);
    std::vector<SellerBooks>& books = day_books_[batch];
    books = books_today_;
    close_stock_day(day, batch, books);
    SellerBooks market_books;
    for (std::size_t s = 0; s < sellers_; ++s) books[s].stock_on_hand = 0;
    for (std::size_t slot = 0; slot < slots_; ++slot) {
      add_checked(books[depots_[slot_depot_[slot]].seller].stock_on_hand, inventory_.on_hand[slot], "stock");
    }
    for (std::size_t s = 0; s < sellers_; ++s) {
      books[s].holding_cost = mul_checked(books[s].stock_on_hand, holding_cost_[s]);
      market_books.add(books[s]);
    }
    books_today_.assign(sellers_, SellerBooks{});
    for (std::size_t s = 0; s < sellers_; ++s) {
      Money spend = books[s].discounts();
      add_checked(spend, books[s].promotion_costs());
      recorded_day_spend_[s].push_back(spend);
    }
    if (!gauge_names_.empty()) read_gauges(day, batch);
    day_record = DayRecord{day,         visits_today_, conversions_today_,    books,
                           market_books, gauge_names_,  gauge_values_[batch], monitor_records_[batch]};
    // Copied: the next window changes stock while subscribers read.
    const std::span<const Units> stock = offer_stock();
    day_stock_[batch].assign(stock.begin(), stock.end());
    day_record->stock = day_stock_[batch];
    day_record->short_units = day_short_[batch];
    day_record->lost_units = day_lost_[batch];
    day_record->backordered_units = day_backordered_[batch];
    day_record->waiting_units = day_waiting_[batch];
    day_record->safety_stock = day_safety_[batch];
    day_record->slot_stock = day_slot_stock_[batch];
    if (routed_) {
      day_record->slot_offer = slot_offer_;
      day_record->slot_warehouse = slot_warehouse_;
    }
    day_price_[batch].assign(price_.begin(), price_.end());
    day_discount_[batch].resize(offers_);
    for (OfferId o = 0; o < offers_; ++o) day_discount_[batch][o] = promotion_[o] >= 0 ? discount_[o] : 0;
    day_record->price = day_price_[batch];
    day_record->discount = day_discount_[batch];
    day_slot_impressions_[batch] = slot_impressions_today_;
    day_record->slot_impressions = day_slot_impressions_[batch];
    slot_impressions_today_.fill(0);
    if (click_model_) {
      day_slot_clicks_[batch] = slot_clicks_today_;
      day_record->slot_clicks = day_slot_clicks_[batch];
      slot_clicks_today_.fill(0);
    }
    if (track_recommendations_) {
      day_recommended_[batch].swap(recommended_today_);
      recommended_today_.assign(offers_, 0);
      day_record->recommended = day_recommended_[batch];
      day_record->list_pairs = list_pairs_today_;
      day_record->diverse_pairs = diverse_pairs_today_;
      list_pairs_today_ = diverse_pairs_today_ = 0;
    }
    if (log_.needs().exposures) {  // copied: the log's ring slot is reused while subscribers read
      day_exposures_[batch].assign(log_.exposures_on(day).begin(), log_.exposures_on(day).end());
      day_considered_[batch].assign(log_.considered_on(day).begin(), log_.considered_on(day).end());
      day_record->exposures = day_exposures_[batch];
      day_record->considered = day_considered_[batch];
    }
    visits_today_ = 0;
    conversions_today_ = 0;
    segment_visits_today_.resize(market_.population.segment_names.size(), 0);
    segment_conversions_today_.resize(market_.population.segment_names.size(), 0);
    if (segment_conversions_today_.size() == 1) segment_conversions_today_[0] = day_record->conversions;
    day_segment_visits_[batch].swap(segment_visits_today_);
    day_segment_conversions_[batch].swap(segment_conversions_today_);
    segment_visits_today_.assign(day_segment_visits_[batch].size(), 0);
    segment_conversions_today_.assign(day_segment_conversions_[batch].size(), 0);
    day_record->segment_visits = day_segment_visits_[batch];
    day_record->segment_conversions = day_segment_conversions_[batch];
  }
  deliver_messages();
  gather_events(batch, end);
  if (day_record) {  // monitoring rules, once the day's gauges and events are in
    monitor_campaigns(day, day_record->sellers, batch);
    day_record->monitor = monitor_records_[batch];
    std::fill(day_events_.begin(), day_events_.end(), 0);
  }
  const WindowRecords records{day, start, end, orders_[batch], lines_[batch], window_events_[batch], event_board_.names()};
  for (Strategy* s : strategies_) {
    s->observe(records);
    if (day_record) s->observe_day(*day_record);
  }
  return day_record;
}

}  // namespace marketsim
