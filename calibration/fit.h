#pragma once
// A market fitted to a transaction log: what `marketsim calibrate` writes (scenario.json,
// catalog.csv, cleaning.json, fit.json). Every fitted value comes with its uncertainty, and every
// value that the log cannot give is named in fit.json's "assumed" list with the value taken.
//
// The log is read and cleaned by calibration/transaction_log.h; calibration then drops outliers
// (lines of more than max_units units: bulk one-offs a retail model should not reproduce, and
// beyond the engine's 65,535 units a line) and keeps the lines up to `until` (the training span,
// day 0 = the log's first date). On those:
//   orders      a customer's lines of one day are one order (the log splits some orders over
//               several invoices, 10% more invoices than customer-days in the shared log; the
//               simulated shop takes one order a visit); a customer's orders, first and last days;
//   segments    K-means (strategies/learning/kmeans.h) on standardised RFM features per customer:
//               recency (days from the last order to the end of training), ln(orders),
//               ln(mean order value); clusters numbered by mean orders, most first;
//   repeat      the BG/NBD model (calibration/bgnbd.h; Fader, Hardie and Lee 2005) fitted by
//               maximum likelihood to every customer's (x = orders - 1, t_x = last - first order
//               day, T = end of training - first order day) in days: order rate lambda ~ Gamma(r,
//               alpha), dropout after a repeat order p ~ Beta(a, b). A segment's order rate and
//               dropout are the moments of its customers' posteriors (a mixture of "active" and
//               "dropped out after the last order", weighted by P(active)), as a lognormal
//               (ln sd^2 = ln(1 + var / mean^2)) and a Beta; the visit rate is the order rate /
//               conversion. A log without dropout (a -> 0) keeps r and alpha with their standard
//               errors from the information of (r, alpha) alone;
//   joining     a segment's customers first seen in the log's first `opening_days` (mostly the
//               shop's existing customers) join over those days, the others at the segment's
//               rate over the rest of the training span. After it, new customers (segment "new",
//               with the BG/NBD prior) join along the trend of the weekly first orders (a Poisson
//               regression on time, log link, each week exposed by the share of a full week's
//               trading its open days carry), in four-week phases over `extend_days`. A joiner's
//               first visit comes within hours of joining (the lifecycle module's welcome), as
//               BG/NBD's clock starts at the first purchase;
//   calendar    day-of-week profile from the orders by weekday; closed days: a day of the training
//               span without an order whose weekday trades (Christmas, bank holidays) becomes a
//               surge of factor 0; weekdays without any order are closed every week;
//   products    one per stock code sold in training: list price = revenue / units (the mean price
//               paid), cost = price x (1 - margin) (the log has no costs: assumed), attributes =
//               implicit-feedback ALS item factors (strategies/learning/als.h) scaled to taste units,
//               a price-level attribute p_j / 100 whose taste (beta_s - mean beta) x 100 cancels a
//               segment's beta on price levels (beta acts on price changes, the mix of products
//               is the population's), and a last attribute delta_j = ln(lines_j) + beta p_j -
//               mean taste . phi_j, so that
//               with every product equally exposed the choice shares are the log's (a fixed effect
//               per product, as in Berry 1994's inversion); segments' taste means are their
//               customers' mean ALS factors with a last coordinate 1;
//   price       beta per segment from a two-way fixed-effects Poisson regression of the segment's
//               weekly lines of each item on the item's median price that week (item and week
//               effects absorb levels and seasons): SE from the information, scaled by the
//               Pearson dispersion; not identified when the sign is wrong or |beta| < 2 SE (then a
//               stated prior is used). It estimates the effect of price on lines, which is beta
//               x (1 - P), P the chance that a shown product is bought (a logit's own-price
//               effect): calibrate divides by 1 - mean lines per order / browse_slots, the
//               mean of P;
//   quantity    per segment, order size (1, 2-5, 6-20, 21-40, 41+ lines) and price band (deciles
//               of line prices and their 95th and 99th percentiles), the empirical distribution
//               of units per line (the quantity module): few-line orders are of many units,
//               many-line orders of few, dear lines of few (quartiles were too coarse: a
//               quartile's units drawn apart from its prices overstate revenue by 5%, by 16% in
//               the top and bottom quartiles; deciles by -1%);
//   baskets     a first intercept makes the summed weight of the products one visit shows
//               (browse_slots) the mean lines per order - 1; calibration/simulated_moments.h then
//               sets it, and the conversion of a visit, by simulating the fitted market;
//   shocks      the calendar's weekly demand shocks: sigma from the training weeks' orders beyond
//               Poisson (moments around a centred 5-week moving average).
#include <cstdint>
#include <string>

#include "calibration/transaction_log.h"
#include "sim/params.h"

namespace marketsim {

struct CalibrationOptions {
  std::int32_t until = 0;              // last training day (days since the log's first date)
  std::size_t segments = 4;            // K of the RFM K-means
  int factors = 8;                     // ALS factors (taste dimensions besides the product effect)
  double margin = 0.4;                 // assumed gross margin: cost = price x (1 - margin)
  std::uint32_t max_units = 10000;     // lines with more units are outliers
  std::int32_t opening_days = 28;      // customers first seen this early are present from day 0
  std::int32_t recent_days = 84;       // fit.json also states the joins of this recent span
  std::int32_t extend_days = 365;      // room for joins after training
  std::int64_t browse_slots = 200;     // products one visit shows
  std::uint64_t seed = 1;              // K-means seeding, ALS start, the scenario's seed
  std::string log_file;                // for the scenario's description
  std::string map_file;                // "" when the default map
};

/// What calibrate writes, as documents.
struct Calibration {
  Json scenario;            // scenario.json (its catalog_file: "catalog.csv")
  std::string catalog_csv;  // catalog.csv
  Json cleaning;            // cleaning.json
  Json fit;                 // fit.json
};

/// Fits the market. Throws ScenarioError naming the log when the training span holds too little
/// to fit (no order, fewer customers than segments).
Calibration calibrate_market(const TransactionLog& log, const CalibrationOptions& options);

/// The lines calibration keeps (the reader's cleaning, then no more than max_units units a line),
/// as validate-fit compares them too.
bool kept_line(const Transaction& t, std::uint32_t max_units);

/// The order a line belongs to: its customer and day.
std::uint64_t order_key(const Transaction& t);

}  // namespace marketsim
