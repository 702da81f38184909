#pragma once
// The platform log: what the marketplace records and its strategies may read. Per offer and day:
// units sold, sales lost to stock-outs, offers chosen (a shopper picked it, in stock or not), the
// displayed price, and (when a strategy asks) exposures and considered exposures. Per consumer,
// when a strategy asks: events (purchases, exposures, clicks, coupons issued, redeemed and
// expired, notifications). Never a consumer's traits, beliefs or utilities.
//
// "Click" means one thing: an exposure the `clicks` behaviour module (agents/click_model.h) marks
// clicked, logged per consumer as EventKind::kClick when a strategy declares consumer_clicks. An
// offer a shopper chose is `chosen` (whether or not it was in stock); an exposure left in the
// choice (not hidden by a module; every exposure without the `clicks` module) is `considered`.
//
// Memory is bounded: the log keeps the last `lookback_days` complete days plus the current one
// (a ring), where lookback_days is the longest lookback any strategy of the run declares.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "market/offers.h"
#include "market/population.h"
#include "sim/money.h"
#include "sim/time.h"

namespace marketsim {

/// What a strategy reads from the log; the run keeps the union of its strategies' needs.
struct LogNeeds {
  Day lookback_days = 0;          // complete days before the current one it reads
  bool exposures = false;         // per-offer daily exposure (impression) and considered counts
  bool consumer_events = false;   // per-consumer purchases, coupons, notifications
  bool consumer_exposures = false;  // per-consumer exposure events (large: one per shown slot)
  bool consumer_clicks = false;     // per-consumer click events (exposures the clicks module marks clicked)
  /// Per offer, the day's exposures in recommendation slots, and the day's recommendation lists'
  /// pairs of offers and pairs in different categories (DayRecord::recommended, list_pairs,
  /// diverse_pairs): what the long-run recommendation metrics read.
  bool recommendations = false;

  void merge(const LogNeeds& o) {
    lookback_days = std::max(lookback_days, o.lookback_days);
    exposures = exposures || o.exposures;
    consumer_events = consumer_events || o.consumer_events || consumer_exposures || o.consumer_exposures ||
                      consumer_clicks || o.consumer_clicks;
    consumer_exposures = consumer_exposures || o.consumer_exposures;
    consumer_clicks = consumer_clicks || o.consumer_clicks;
    recommendations = recommendations || o.recommendations;
  }
  bool operator==(const LogNeeds& o) const {
    return lookback_days == o.lookback_days && exposures == o.exposures && consumer_events == o.consumer_events &&
           consumer_exposures == o.consumer_exposures && consumer_clicks == o.consumer_clicks &&
           recommendations == o.recommendations;
  }
};

enum class EventKind : std::uint8_t {
  kPurchase,        // offer, quantity, amount = paid, discount
  kStockout,        // a chosen offer that could not be sold (out of stock, or a capped promotion's
                    // allocation used up); quantity = units asked for. Sold ones are purchases
  kExposure,        // offer shown in slot `quantity` of a visit
  kClick,           // offer shown in slot `quantity` of a visit, clicked (the clicks module)
  kCouponIssued,    // seller, promotion, amount = coupon's amount off (cents) or 0
  kCouponRedeemed,  // seller, promotion, discount = value redeemed
  kCouponExpired,   // seller, promotion
  kNotified,        // seller, promotion, amount = cost
  kNone,            // (not an event: a command the log does not record)
};

/// One per-consumer event of the log.
struct ConsumerEvent {
  Time time;
  ConsumerId consumer;
  EventKind kind;
  SellerId seller;
  std::int32_t promotion;
  OfferId offer;
  std::uint32_t quantity;
  Money amount;
  Money discount;
};

class PlatformLog {
 public:
  PlatformLog(std::size_t offers, const LogNeeds& needs)
      : offers_(offers),
        needs_(needs),
        capacity_(static_cast<std::size_t>(needs.lookback_days) + 1),
        units_(capacity_ * offers, 0),
        lost_(capacity_ * offers, 0),
        backordered_(capacity_ * offers, 0),
        chosen_(capacity_ * offers, 0),
        price_(capacity_ * offers, 0),
        exposures_(needs.exposures ? capacity_ * offers : 0, 0),
        considered_(needs.exposures ? capacity_ * offers : 0, 0) {}

  const LogNeeds& needs() const { return needs_; }
  std::size_t offers() const { return offers_; }

  /// Opens day d (days are opened in order, from 0): its counts start at zero and the oldest day
  /// leaves the ring.
  void begin_day(Day d) {
    days_ = d + 1;
    const std::size_t base = slot(d);
    today_ = base;
    std::fill_n(units_.begin() + static_cast<std::ptrdiff_t>(base), offers_, 0u);
    std::fill_n(lost_.begin() + static_cast<std::ptrdiff_t>(base), offers_, 0u);
    std::fill_n(backordered_.begin() + static_cast<std::ptrdiff_t>(base), offers_, 0u);
    std::fill_n(chosen_.begin() + static_cast<std::ptrdiff_t>(base), offers_, 0u);
    std::fill_n(price_.begin() + static_cast<std::ptrdiff_t>(base), offers_, Money{0});
    if (needs_.exposures) {
      std::fill_n(exposures_.begin() + static_cast<std::ptrdiff_t>(base), offers_, 0u);
      std::fill_n(considered_.begin() + static_cast<std::ptrdiff_t>(base), offers_, 0u);
    }
    const Time oldest = static_cast<Time>(first_day());
    while (!events_.empty() && events_.front().time < oldest) events_.pop_front();
  }

  /// Days opened so far (the current day is days() - 1).
  Day days() const { return days_; }
  /// The oldest day the log still holds.
  Day first_day() const { return std::max<Day>(0, days_ - static_cast<Day>(capacity_)); }

  std::uint32_t units(Day d, OfferId o) const { return units_[at(d) + o]; }
  std::uint32_t lost(Day d, OfferId o) const { return lost_[at(d) + o]; }
  /// Units consumers ordered that waited for stock (back-orders), when ordered.
  std::uint32_t backordered(Day d, OfferId o) const { return backordered_[at(d) + o]; }
  /// Demand as ordered = units sold at once + sales lost to stock-outs + units back-ordered.
  std::uint32_t demand(Day d, OfferId o) const { return units(d, o) + lost(d, o) + backordered(d, o); }
  /// Times a shopper chose the offer (sold, or lost to a stock-out).
  std::uint32_t chosen(Day d, OfferId o) const { return chosen_[at(d) + o]; }
  std::uint32_t exposures(Day d, OfferId o) const {
    if (!needs_.exposures) throw std::logic_error("exposures were not declared in LogNeeds");
    return exposures_[at(d) + o];
  }
  /// Exposures left in the shopper's choice: every exposure unless a behaviour module (clicks)
  /// hides offers from it (then: the clicked ones). Declared with `exposures`.
  std::uint32_t considered(Day d, OfferId o) const {
    if (!needs_.exposures) throw std::logic_error("exposures were not declared in LogNeeds");
    return considered_[at(d) + o];
  }
  /// The displayed price (seller's price after per-item promotions) in the day's last window.
  Money price(Day d, OfferId o) const { return price_[at(d) + o]; }
  std::span<const std::uint32_t> units_on(Day d) const { return {units_.data() + at(d), offers_}; }
  /// Day d's exposures and considered exposures of every offer (declared with `exposures`).
  std::span<const std::uint32_t> exposures_on(Day d) const {
    if (!needs_.exposures) throw std::logic_error("exposures were not declared in LogNeeds");
    return {exposures_.data() + at(d), offers_};
  }
  std::span<const std::uint32_t> considered_on(Day d) const {
    if (!needs_.exposures) throw std::logic_error("exposures were not declared in LogNeeds");
    return {considered_.data() + at(d), offers_};
  }

  /// Per-consumer events from first_day() on, in time order (empty unless declared).
  const std::deque<ConsumerEvent>& events() const { return events_; }

  // Written by the engine only, always for the current day.
  void add_sale(OfferId o, std::uint32_t units) { units_[today_ + o] += units; }
  void add_lost(OfferId o, std::uint32_t units) { lost_[today_ + o] += units; }
  void add_backordered(OfferId o, std::uint32_t units) { backordered_[today_ + o] += units; }
  void add_chosen(OfferId o) { ++chosen_[today_ + o]; }
  void add_exposures(OfferId o, std::uint32_t n) {
    if (needs_.exposures) exposures_[today_ + o] += n;  // (not counted unless declared)
  }
  void add_considered(OfferId o, std::uint32_t n) {
    if (needs_.exposures) considered_[today_ + o] += n;
  }
  void set_price(OfferId o, Money p) { price_[today_ + o] = p; }
  void add_event(const ConsumerEvent& e) {
    if (needs_.consumer_events) events_.push_back(e);
  }

 private:
  std::size_t slot(Day d) const { return static_cast<std::size_t>(d) % capacity_ * offers_; }
  std::size_t at(Day d) const {
    if (d < first_day() || d >= days_) {
      throw std::out_of_range("platform log: day " + std::to_string(d) + " is outside the " +
                              std::to_string(capacity_ - 1) + "-day lookback the run's strategies declared");
    }
    return slot(d);
  }

  std::size_t offers_;
  LogNeeds needs_;
  std::size_t capacity_;
  Day days_ = 0;
  std::size_t today_ = 0;  // slot(days_ - 1): where the current day's counts are
  std::vector<std::uint32_t> units_, lost_, backordered_, chosen_;
  std::vector<Money> price_;
  std::vector<std::uint32_t> exposures_;
  std::vector<std::uint32_t> considered_;
  std::deque<ConsumerEvent> events_;
};

}  // namespace marketsim
