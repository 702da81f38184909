// What acts on consumers between their visits: strategies' commands (applied at a window's
// start), modules' hooks after settlement and at a day's end, and
// consumer-to-consumer messages (delivered at a window's end). Everything here is either serial
// in a fixed order or parallel over shards touching only the shard's own consumers.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <string>

#include "engine/shard.h"
#include "sim/error.h"

namespace marketsim {

void Simulation::apply_commands(Time start) {
  for (auto& shard : shards_) shard->earliest_entry = start;
  if (commands_.empty()) return;
  const std::size_t consumers = market_.population.size();
  bool any_for_modules = false;
  for (std::size_t i = 0; i < commands_.size(); ++i) {
    Command& cmd = commands_[i];
    if (cmd.consumer >= consumers) {
      throw Error("seller \"" + market_.offers.seller_names[cmd.seller] + "\" promotion " +
                  std::to_string(cmd.promotion) + " issued " + command_name(cmd.kind) + " for consumer " +
                  std::to_string(cmd.consumer) + ", which does not exist");
    }
    BudgetLedger& ledger = ledgers_[cmd.seller];
    const auto account = static_cast<std::size_t>(cmd.promotion);
    // A consumer in the promotion's holdout never hears from it (nothing charged); a command the
    // budget or the day's allowance cannot pay is dropped, and the promotion stops or pauses.
    if (holdouts_ && held_out(cmd.seller, account, cmd.consumer)) {
      ++commands_held_out_;
      continue;
    }
    if (cmd.cost > 0 && (ledger.stopped(account) || !ledger.charge_cost(account, cmd.cost, cmd.cost_kind))) continue;
    cmd.time = start;
    add_checked(books_today_[cmd.seller].costs[static_cast<std::size_t>(cmd.cost_kind)], cmd.cost);
    add_checked(recorded_costs_[cmd.seller], cmd.cost);
    // What the command cost, addressed to its consumer (customer value nets it out).
    if (cmd.cost > 0) event_board_.emit(engine_events_.command_cost, start, to_currency(cmd.cost), cmd.seller, cmd.consumer);
    Shard& shard = *shards_[cmd.consumer / plan_.shard_size];
    if (cmd.logged != EventKind::kNone) {
      log_.add_event(ConsumerEvent{start, cmd.consumer, cmd.logged, cmd.seller, cmd.promotion, 0, 0, cmd.cost, 0});
    }
    if (const std::int32_t m = command_mechanic_[cmd.kind]; m >= 0) {
      mechanics_[static_cast<std::size_t>(m)]->command(mechanic_state(shard, static_cast<std::size_t>(m)), cmd);
    } else if (!(commands_handled_ & command_bit(cmd.kind))) {
      unhandled(cmd);
    }
    if (commands_handled_ & command_bit(cmd.kind)) {
      shard.command_index.push_back(static_cast<std::uint32_t>(i));
      any_for_modules = true;
    }
  }
  for (const auto& m : mechanics_) m->commands_done();
  if (any_for_modules) {
    // Each shard's commands are indices into commands_ (4 bytes each, not a copy); a module's
    // batch is copied one shard at a time and released, so a campaign day's commands are held
    // about once, not once per shard and module.
    tbb::parallel_for(std::size_t{0}, shards_.size(), [&](std::size_t s) {
      Shard& shard = *shards_[s];
      if (shard.command_index.empty()) return;
      std::vector<Command> batch;
      for (std::size_t m : command_modules_) {
        const std::uint64_t kinds = behaviours_[m]->commands_handled();
        batch.clear();
        for (const std::uint32_t i : shard.command_index) {
          if (kinds & command_bit(commands_[i].kind)) batch.push_back(commands_[i]);
        }
        if (batch.empty()) continue;
        const ShardContext ctx = context(shard, m);
        behaviours_[m]->commands(CommandBatch{ctx, batch});
      }
      std::vector<std::uint32_t>().swap(shard.command_index);
    });
  }
  // The queue keeps its capacity (its largest occasion's commands) for the next occasion: no
  // regrowth and no fresh pages each campaign day.
  commands_.clear();
}

void Simulation::run_settled_hooks() {
  // The window's lines grouped by shard (a counting pass that keeps commit order within a shard),
  // then each shard's modules in parallel: a consumer's state belongs to one shard and every draw
  // comes from a (consumer, visit) stream, so the result is the same as in sequence.
  const std::vector<LineRecord>& lines = lines_[window_ % 2];
  if (lines.empty()) return;
  group_offsets_.assign(shards_.size() + 1, 0);
  for (const LineRecord& l : lines) ++group_offsets_[l.consumer / plan_.shard_size + 1];
  for (std::size_t s = 0; s < shards_.size(); ++s) group_offsets_[s + 1] += group_offsets_[s];
  grouped_lines_.resize(lines.size());
  std::vector<std::size_t> next(group_offsets_.begin(), group_offsets_.end() - 1);
  for (const LineRecord& l : lines) grouped_lines_[next[l.consumer / plan_.shard_size]++] = l;
  tbb::parallel_for(std::size_t{0}, shards_.size(), [&](std::size_t s) {
    if (group_offsets_[s] == group_offsets_[s + 1]) return;
    const std::span<const LineRecord> mine(grouped_lines_.data() + group_offsets_[s],
                                           group_offsets_[s + 1] - group_offsets_[s]);
    for (std::size_t m : settled_modules_) {
      const ShardContext ctx = context(*shards_[s], m);
      behaviours_[m]->settled(SettledBatch{ctx, mine});
    }
  });
}

void Simulation::run_daily_hooks(Day day) {
  tbb::parallel_for(std::size_t{0}, shards_.size(), [&](std::size_t s) {
    for (std::size_t m : daily_modules_) {
      const ShardContext ctx = context(*shards_[s], m);
      behaviours_[m]->daily(DayBatch{ctx, day});
    }
  });
}

void Simulation::read_gauges(Day day, std::size_t batch) {
  shard_gauges_.resize(shards_.size());
  tbb::parallel_for(std::size_t{0}, shards_.size(), [&](std::size_t s) {
    std::vector<double>& parts = shard_gauges_[s];
    parts.assign(module_gauges_, 0.0);
    for (std::size_t k = 0; k < gauge_modules_.size(); ++k) {
      const auto [m, first] = gauge_modules_[k];
      const std::size_t end = k + 1 < gauge_modules_.size() ? gauge_modules_[k + 1].second : module_gauges_;
      const ShardContext ctx = context(*shards_[s], m);
      behaviours_[m]->gauge(DayBatch{ctx, day}, std::span<double>(parts).subspan(first, end - first));
    }
  });
  std::vector<double>& values = gauge_values_[batch];
  values.assign(gauge_names_.size(), 0.0);
  for (const auto& parts : shard_gauges_) {  // shards in order: the same sums on any thread count
    for (std::size_t g = 0; g < parts.size(); ++g) values[g] += parts[g];
  }
  for (std::size_t k = 0; k < gauge_strategies_.size(); ++k) {  // then the strategies', serially
    const auto [strategy, first] = gauge_strategies_[k];
    const std::size_t end = k + 1 < gauge_strategies_.size() ? gauge_strategies_[k + 1].second : gauge_names_.size();
    strategy->gauge(day, std::span<double>(values).subspan(first, end - first));
  }
}

void Simulation::Shard::prefetch(ConsumerId c) const {
  const std::size_t local = c - begin;
  __builtin_prefetch(sim.columns_->data(index, sim.flags_) + local);
  __builtin_prefetch(sim.columns_->data(index, sim.next_visit_) + local);
  __builtin_prefetch(sim.columns_->data(index, sim.visit_index_) + local);
  if (!sim.consumer_bound_modules_.empty()) __builtin_prefetch(sim.columns_->data(index, sim.bound_factor_) + local);
  __builtin_prefetch(sim.market_.population.visit_rate.data() + c);
}

void Simulation::deliver_messages() {
  // All shards' outboxes in (time, sender, sequence) order: a total order that does not depend
  // on the threads, then to the recipients' shards, each delivering in parallel.
  messages_.clear();
  for (auto& shard : shards_) {
    messages_.insert(messages_.end(), shard->outbox.begin(), shard->outbox.end());
    shard->outbox.clear();
  }
  if (messages_.empty()) return;
  const auto delivery_order = [](const Message& a, const Message& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.sender != b.sender) return a.sender < b.sender;
    return a.sequence < b.sequence;
  };
  // Messages sent by daily hooks (one time, senders in id order, shards in order) arrive sorted.
  if (!std::is_sorted(messages_.begin(), messages_.end(), delivery_order)) {
    std::sort(messages_.begin(), messages_.end(), delivery_order);
  }
  const std::size_t consumers = market_.population.size();
  for (const Message& m : messages_) {
    if (m.recipient >= consumers) {
      throw InvariantViolation("a message was sent to consumer " + std::to_string(m.recipient) +
                               ", which does not exist");
    }
    if (m.module >= behaviours_.size()) {
      throw InvariantViolation("a message was sent to module " + std::to_string(m.module) + ", which does not exist");
    }
    shards_[m.recipient / plan_.shard_size]->inbox.push_back(m);
  }
  tbb::parallel_for(std::size_t{0}, shards_.size(), [&](std::size_t s) {
    Shard& shard = *shards_[s];
    if (shard.inbox.empty()) return;
    // Each module receives its own messages, in delivery order.
    std::stable_sort(shard.inbox.begin(), shard.inbox.end(),
                     [](const Message& a, const Message& b) { return a.module < b.module; });
    std::size_t i = 0;
    while (i < shard.inbox.size()) {
      std::size_t j = i;
      while (j < shard.inbox.size() && shard.inbox[j].module == shard.inbox[i].module) ++j;
      const std::size_t m = shard.inbox[i].module;
      if (behaviours_[m]->stages() & kStageMessages) {
        const ShardContext ctx = context(shard, m);
        behaviours_[m]->messages(MessageBatch{ctx, std::span<const Message>(shard.inbox.data() + i, j - i)});
      }
      i = j;
    }
    shard.inbox.clear();
  });
}

}  // namespace marketsim
