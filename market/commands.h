#pragma once
// Commands: how a strategy acts on individual consumers. A strategy issues commands while it
// prepares a window (it has seen the platform log up to the end of the previous window); the
// engine applies them at the start of that window, before any visit, in the order issued
// (sellers in order, each seller's strategies in order). Applying a command charges its cost to
// the issuing promotion's budget (a command its budget cannot cover is dropped), then hands it to
// whoever handles its kind: the promotion mechanic that keeps the kind (mechanics/mechanic.h:
// storing what the command carries in the consumer's state) and every behaviour module that
// reacts to it (engagement, ...). Kinds are names; the engine knows none of them.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <vector>

#include "market/offers.h"
#include "market/platform_log.h"
#include "market/population.h"
#include "market/records.h"
#include "sim/money.h"
#include "sim/names.h"
#include "sim/time.h"

namespace marketsim {

/// A command kind, by name ("notify", or what a mechanic or module defines): at most 64 per
/// process (behaviour modules subscribe with a bit mask). A kind `owner`ed by a mechanic must find
/// that mechanic in the run (the promotion issuing it declares it: Strategy::mechanics()).
using CommandKind = std::uint8_t;
inline constexpr std::size_t kCommandKinds = 64;
inline NameTable& command_kind_table() {
  static NameTable table("command kind", kCommandKinds);
  return table;
}
inline CommandKind command_kind(std::string_view name) {
  return static_cast<CommandKind>(command_kind_table().id(name));
}
/// The bit of kind k in a module's commands_handled() mask.
inline std::uint64_t command_bit(CommandKind k) {
  return std::uint64_t{1} << k;
}
/// The name of a command kind, for messages.
inline std::string command_name(CommandKind k) {
  return command_kind_table().name(k);
}

/// A message to a consumer (no mechanic: behaviour modules react to it; the platform logs it).
inline CommandKind notify_kind() {
  static const CommandKind k = command_kind("notify");
  return k;
}

inline constexpr std::uint32_t kAllCategories = UINT32_MAX;

/// One command as issued. `seller` and `promotion` name the issuer (its budget pays `cost`);
/// `value` and `payload` mean what the kind's handlers say (a payload is a trivially copyable
/// value of at most kPayloadBytes, read back with payload_as<T>()).
struct Command {
  static constexpr std::size_t kPayloadBytes = 56;
  CommandKind kind;
  EventKind logged =
      EventKind::kNone;  // the platform log's record of it when applied (amount: cost)
  SellerId seller;
  std::int32_t promotion;  // index of the issuing promotion within the seller
  ConsumerId consumer;
  Money cost;  // charged to the issuer's budget when applied
  CostKind cost_kind;
  std::int64_t value;
  Time time;  // when it was applied (set by the engine)
  alignas(8) std::array<std::byte, kPayloadBytes> payload;

  template <typename T>
  T payload_as() const {
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= kPayloadBytes);
    T out;
    std::memcpy(&out, payload.data(), sizeof(T));
    return out;
  }
};

/// What a strategy uses to issue commands; the engine stamps the issuer.
class CommandSink {
 public:
  CommandSink(std::vector<Command>& queue, SellerId seller, std::int32_t promotion)
      : queue_(queue), seller_(seller), promotion_(promotion) {}

  /// A command of kind `kind` for `consumer` costing `cost` cents of kind `cost_kind`.
  template <typename T = std::int64_t>
  void issue(CommandKind kind, ConsumerId consumer, Money cost, CostKind cost_kind,
             std::int64_t value, const T& payload = T{}, EventKind logged = EventKind::kNone) {
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= Command::kPayloadBytes);
    Command& cmd = queue_.emplace_back();
    cmd.kind = kind;
    cmd.logged = logged;
    cmd.seller = seller_;
    cmd.promotion = promotion_;
    cmd.consumer = consumer;
    cmd.cost = cost;
    cmd.cost_kind = cost_kind;
    cmd.value = value;
    cmd.time = 0.0;
    cmd.payload = {};
    std::memcpy(cmd.payload.data(), &payload, sizeof(T));
  }
  /// A notification for `consumer` costing `cost` cents (kind "message"); `campaign` is free for
  /// the issuer.
  void notify(ConsumerId consumer, Money cost = 0, std::int64_t campaign = 0) {
    static const CostKind message = cost_kind("message");
    issue(notify_kind(), consumer, cost, message, campaign, std::int64_t{0}, EventKind::kNotified);
  }

 private:
  std::vector<Command>& queue_;
  SellerId seller_;
  std::int32_t promotion_;
};

}  // namespace marketsim
