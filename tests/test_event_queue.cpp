#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "sim/event_queue.h"

using marketsim::EventPriority;
using marketsim::EventQueue;

TEST_CASE("events run in time order", "[kernel]") {
  EventQueue<int> q;
  q.schedule(3.0, EventPriority::kDefault, 3);
  q.schedule(1.0, EventPriority::kDefault, 1);
  q.schedule(2.5, EventPriority::kDefault, 2);
  std::vector<int> order;
  while (!q.empty()) order.push_back(q.pop().payload);
  CHECK(order == std::vector<int>{1, 2, 3});
}

TEST_CASE("events at the same time run by priority, then in scheduling order", "[kernel]") {
  EventQueue<std::string> q;
  q.schedule(5.0, EventPriority::kDefault, "default-a");
  q.schedule(5.0, EventPriority::kDayStart, "day-start");
  q.schedule(5.0, EventPriority::kDefault, "default-b");
  q.schedule(5.0, EventPriority::kDelivery, "delivery");
  q.schedule(5.0, EventPriority::kDefault, "default-c");
  q.schedule(4.0, EventPriority::kDefault, "earlier");
  std::vector<std::string> order;
  while (!q.empty()) order.push_back(q.pop().payload);
  CHECK(order == std::vector<std::string>{"earlier", "delivery", "day-start", "default-a",
                                          "default-b", "default-c"});
}

TEST_CASE("sequence numbers increase and ties replay identically", "[kernel]") {
  const auto replay = [] {
    EventQueue<int> q;
    for (int i = 0; i < 1000; ++i) q.schedule(static_cast<double>(i % 7), i % 3, i);
    std::vector<int> order;
    while (!q.empty()) order.push_back(q.pop().payload);
    return order;
  };
  const auto a = replay();
  CHECK(a == replay());
  // Within one (time, priority) class the payloads (scheduled in increasing order) stay sorted.
  EventQueue<int> q;
  CHECK(q.schedule(1.0, 0, 0) == 0);
  CHECK(q.schedule(1.0, 0, 1) == 1);
  CHECK(q.size() == 2);
  CHECK(q.top().sequence == 0);
}
