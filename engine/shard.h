#pragma once
// A shard of a run (engine-internal): a fixed range of consumers with its own visit calendar,
// batch scratch, chosen lines, outbox, command inbox and its part of each mechanic's state. Shards advance in parallel;
// nothing in a shard is touched by another shard's thread.
#include <array>
#include <vector>

#include "engine/simulation.h"
#include "market/shown_set.h"
#include "market/commands.h"
#include "sim/visit_calendar.h"

namespace marketsim {


/// The batch arrays of the visit pipeline: one chunk of consumers' visits at a time.
struct VisitScratch {
  // Visits (candidates until thinned): the first `visits` entries of each array.
  std::size_t visits = 0;
  std::vector<ConsumerId> consumer;
  std::vector<Time> time;
  std::vector<std::uint32_t> visit;
  std::vector<std::uint64_t> key;  // the consumer's visit-stream key (its stages' streams)
  std::vector<double> multiplier;  // intensity stage
  std::vector<double> bound;       // the consumer's bound factor the candidate was drawn with
  // Shown offers, flat: visit v's slots are [first_slot[v], first_slot[v + 1]).
  std::vector<std::uint32_t> first_slot;
  std::vector<OfferId> offer;
  std::vector<float> price;
  std::vector<Money> unit;         // personal_prices: a visit's unit prices before personal offers
  std::vector<float> utility;      // utilities, then their exponentials (room for whole blocks)
  std::vector<std::uint8_t> max_lines;
  std::vector<std::uint8_t> placed;  // per visit, its placed offers (the slots before browsing)
  // Chosen lines of the batch.
  std::vector<ConsumerId> line_consumer;
  std::vector<Time> line_time;
  std::vector<std::uint32_t> line_visit;
  std::vector<std::uint8_t> line_no;
  std::vector<std::uint8_t> line_slot;
  std::vector<OfferId> line_offer;
  std::vector<float> line_price;
  std::vector<std::uint16_t> line_quantity;
  // A basket's spend unlocks (Simulation::SpendUnlock): the rules that apply to the visit, the
  // spend each has counted so far (cents), and the slots' weights before the unlock.
  std::vector<std::uint32_t> unlock_rule;
  std::vector<Money> unlock_spend;
  std::vector<float> unlock_base;
  ShownSet shown;

  void clear_visits() { visits = 0; }
  /// Adds a candidate; `bound` is set only by callers with per-consumer bounds (see thin()).
  void add_visit(ConsumerId c, Time t, std::uint32_t k, std::uint64_t stream_key) {
    if (visits == consumer.size()) {
      const std::size_t grown = visits == 0 ? 256 : 2 * visits;
      consumer.resize(grown);
      time.resize(grown);
      visit.resize(grown);
      key.resize(grown);
      bound.resize(grown);
    }
    consumer[visits] = c;
    time[visits] = t;
    visit[visits] = k;
    key[visits] = stream_key;
    ++visits;
  }
  void clear_lines() {
    line_consumer.clear();
    line_time.clear();
    line_visit.clear();
    line_no.clear();
    line_slot.clear();
    line_offer.clear();
    line_price.clear();
    line_quantity.clear();
  }
};

struct Simulation::Shard final : CalendarControl {
  Shard(Simulation& s, std::size_t i, ConsumerId b, ConsumerId e, std::size_t windows_per_day,
        std::size_t windows)
      : sim(s), index(i), begin(b), end(e), calendar(windows_per_day, windows), bitmap((e - b + 63) / 64, 0) {}

  void leave(ConsumerId c) override;
  void enter(ConsumerId c, Time t) override;
  void redraw(ConsumerId c, Time t) override;
  bool active(ConsumerId c) const override;
  void prefetch(ConsumerId c) const override;

  Simulation& sim;
  std::size_t index;
  ConsumerId begin;
  ConsumerId end;
  VisitCalendar calendar;
  std::vector<OrderLine> lines;      // the window's chosen lines
  std::uint64_t visits = 0;          // visits since the last commit
  std::uint64_t candidates = 0;      // candidate visits (before thinning) since the last commit
  std::vector<std::uint64_t> bitmap;  // one bit per consumer of the shard (scratch)
  std::vector<std::uint32_t> order;   // the window's consumers in id order (scratch)
  VisitScratch scratch;
  std::vector<Message> outbox;       // messages its consumers sent in the window
  std::vector<Message> inbox;        // messages for its consumers, in delivery order
  std::vector<EventRecord> events;   // named events its modules' hooks emitted in the window
  std::vector<std::uint32_t> command_index;  // the window's commands for its consumers (into commands_)
  std::vector<std::unique_ptr<MechanicShard>> mechanics;  // per mechanic (null: it keeps none)
  std::vector<std::uint32_t> exposures;          // per offer, when the log counts them
  std::vector<std::uint32_t> considered;         // per offer: exposures left in the choice
  std::vector<ConsumerEvent> exposure_events;    // when the log records them per consumer
  // Since the last commit: visits by their number of placed offers, impressions by browsing, and
  // (with a click model) clicks by slot (DayRecord::slot_impressions and slot_clicks).
  std::array<std::uint64_t, kSlotPositions> placed_visits{};
  std::vector<std::uint64_t> segment_visits;  // since the last commit, by the consumer's segment
  std::uint64_t browsed_impressions = 0;
  // Recommendation exposures per offer and the lists' pairs (LogNeeds::recommendations).
  std::vector<std::uint32_t> recommended;
  std::uint64_t list_pairs = 0, diverse_pairs = 0;
  std::vector<std::uint16_t> category_count;  // scratch of one list: offers per category (all 0 between lists)
  std::array<std::uint64_t, kSlotPositions> slot_clicks{};
  Time earliest_entry = 0.0;         // enter() files no candidate visit before this time
};

}  // namespace marketsim
