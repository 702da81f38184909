// Output "transactions.csv" (opt-in: `--outputs ...,transactions.csv`): every order line of every
// run, warm-up included, as a retail transaction log in the columns of the shared Online Retail
// log, so that calibration/transaction_log.h (and `marketsim recommend-eval`) read a simulated log
// as they read a real one:
//   arm, replication  the run (a reader ignores columns it is not mapped to);
//   InvoiceNo         the order's number in its run, from 1 in settlement order (an order with
//                     several sellers' lines is one invoice);
//   StockCode         the product: 10000 + id for ids below 90,000 (a 5-digit code, as the log's
//                     products), then letters for each further 90,000 ("10000A" is 90,000);
//   Description       its category and id ("outdoor 17");
//   Quantity          units sold (lines that sold nothing, stock-outs, are not written);
//   InvoiceDate       "YYYY-MM-DD HH:MM:SS": the scenario's start_date plus the order's time;
//   UnitPrice         the price paid per unit after per-item promotions, currency with 2 decimals;
//   CustomerID        the consumer's id;
//   Country           the consumer's segment (/market/segments[].name).
// An order with order-level discounts (threshold rules, coupons, points, ...) has one more line,
// as the real log writes them: InvoiceNo "C" + its number, StockCode "D", Description
// "Discount", Quantity -1, UnitPrice the discount; the reader drops it as a non-product code.
// Revenue reconciles: the sum of Quantity x UnitPrice less the discounts over a run's measured
// days is its `revenue` in runs.csv.
#include <sstream>

#include "analysis/output_registry.h"
#include "sim/dates.h"
#include "sim/text.h"

namespace marketsim {
namespace {

std::string stock_code(std::uint32_t product) {
  std::string code = std::to_string(10000 + product % 90000);
  for (std::uint32_t k = product / 90000; k > 0; k = (k - 1) / 26) code += static_cast<char>('A' + (k - 1) % 26);
  return code;
}

std::string money(std::int64_t cents) {
  std::string s = cents < 0 ? "-" : "";
  const std::int64_t a = cents < 0 ? -cents : cents;
  s += std::to_string(a / 100);
  s += '.';
  s += static_cast<char>('0' + a % 100 / 10);
  s += static_cast<char>('0' + a % 10);
  return s;
}

/// "YYYY-MM-DD HH:MM:SS" of a simulated time (days since day 0, which is `start_day`).
std::string timestamp(std::int64_t start_day, double time) {
  const auto day = static_cast<std::int64_t>(time);
  auto second = static_cast<std::int64_t>((time - static_cast<double>(day)) * 86400.0);
  if (second > 86399) second = 86399;
  std::string s = civil_date_text(start_day + day);
  char clock[16];
  std::snprintf(clock, sizeof clock, " %02d:%02d:%02d", static_cast<int>(second / 3600), static_cast<int>(second / 60 % 60),
                static_cast<int>(second % 60));
  s += clock;
  return s;
}

}  // namespace

void register_transactions_output() {
  OutputInfo info{
      "transactions.csv",
      "opt-in: every order line of every run as a retail transaction log (the shared Online Retail log's columns: "
      "InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country = segment), "
      "after arm and replication; order-level discounts as \"D\" lines",
      [](const OutputContext& o) {
        const MarketSpec& ms = o.scenario.market;
        // Products and consumers are laid out by category and by segment, in the scenario's order.
        std::vector<std::int64_t> category_end, segment_end;
        std::vector<std::string> segment_of;
        std::int64_t end = 0;
        for (const CategorySpec& c : ms.categories) category_end.push_back(end += c.products);
        end = 0;
        for (const SegmentSpec& s : ms.segments) {
          segment_end.push_back(end += s.consumers);
          segment_of.push_back(csv_field(s.name));
        }
        // The range (category or segment) that id falls in: ranges are few, scanned in order.
        const auto range_of = [](const std::vector<std::int64_t>& ends, std::uint32_t id) {
          std::size_t k = 0;
          while (k + 1 < ends.size() && static_cast<std::int64_t>(id) >= ends[k]) ++k;
          return k;
        };
        std::ostringstream out;
        out << "arm,replication,InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";
        for (const RunResult& r : o.result.runs) {
          const std::string arm = csv_field(o.scenario.arms[r.arm].name);
          std::uint64_t invoice = 0;
          std::int64_t discount = 0;
          std::size_t first = 0;  // the current order's first line
          const auto segment = [&](std::uint32_t c) -> const std::string& { return segment_of[range_of(segment_end, c)]; };
          const auto close_order = [&] {
            if (discount <= 0) return;
            const TransactionLine& t = r.transactions[first];
            out << arm << ',' << r.replication << ",C" << invoice << ",D,Discount,-1," << timestamp(o.scenario.start_day, t.time)
                << ',' << money(discount) << ',' << t.consumer << ',' << segment(t.consumer) << '\n';
          };
          for (std::size_t k = 0; k < r.transactions.size(); ++k) {
            const TransactionLine& t = r.transactions[k];
            if (k == 0 || t.time != r.transactions[first].time || t.consumer != r.transactions[first].consumer) {
              if (k > 0) close_order();
              ++invoice;
              discount = 0;
              first = k;
            }
            discount += t.order_discount;
            std::string description = ms.categories[range_of(category_end, t.product)].name;
            description += ' ';
            description += std::to_string(t.product);
            out << arm << ',' << r.replication << ',' << invoice << ',' << stock_code(t.product) << ',' << csv_field(description)
                << ',' << t.quantity << ',' << timestamp(o.scenario.start_day, t.time) << ','
                << money(t.unit_paid) << ',' << t.consumer << ',' << segment(t.consumer) << '\n';
          }
          if (!r.transactions.empty()) close_order();
        }
        return out.str();
      },
      Json::object()};
  info.by_default = false;
  info.needs_transactions = true;
  add_output(std::move(info));
}

}  // namespace marketsim
