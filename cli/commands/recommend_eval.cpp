// Command "recommend-eval": offline evaluation of the registered recommenders on a real
// transaction log (calibration/transaction_log.h reads and cleans it). The log becomes a one-seller
// market (one offer per stock code, one consumer per customer id, day 0 the log's first date)
// and a platform log of its purchases; each recommender's own training and ranking code runs on
// it (experiments/offline_eval.h: the protocol). Writes DIR/offline.csv (recommender, k, users,
// precision, recall, ndcg) and DIR/offline_vs_popular.csv (each recommender's paired difference
// from `popular`, with a paired bootstrap's 95% interval over the scored customers).
#include <tbb/global_control.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <numeric>
#include <sstream>

#include "analysis/output_dir.h"
#include "calibration/transaction_log.h"
#include "cli/command.h"
#include "cli/run_args.h"
#include "experiments/offline_eval.h"
#include "sim/concat.h"
#include "sim/error.h"
#include "sim/text.h"
#include "strategies/registry.h"

namespace marketsim {
namespace {

namespace po = boost::program_options;

/// The recommenders scored, in row order, and their parameters for a log (history: the whole
/// training span; segment_popular by K-means, since a log has no segments).
const std::vector<std::string>& evaluated() {
  static const std::vector<std::string> names = {"popular", "item_cf", "user_cf", "als", "segment_popular"};
  return names;
}

Json default_params(const std::string& name, Day until, std::size_t items) {
  Json p{{"history_days", std::min<Day>(365, until + 1)}, {"popular_days", 30}, {"slots", std::min<std::size_t>(10, items)}};
  if (name == "segment_popular") p["by"] = "kmeans";
  return p;
}

std::string number(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.6f", v);
  return b;
}

int command_recommend_eval(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description opts("recommend-eval options");
  opts.add_options()("map", po::value<std::string>(), "JSON file naming the log's columns (default: the shared log's)")(
      "until", po::value<std::string>(), "the last training day, YYYY-MM-DD (inclusive)")(
      "to", po::value<std::string>(), "the last scored day, YYYY-MM-DD (inclusive)")(
      "out", po::value<std::string>(), "the output directory")(
      "params", po::value<std::string>(), "JSON file of parameters by recommender, e.g. {\"als\": {\"alpha\": 20}}")(
      "seed", po::value<long>()->default_value(1), "seed of the learners' and the bootstrap's random streams")(
      "threads", po::value<long>(), "worker threads (default: all cores); results do not depend on it")(
      "quiet,q", "no progress lines");
  const po::variables_map vm = parse_options(args, opts, "recommend-eval");
  const std::vector<std::string> positional =
      vm.count("recommend-eval") ? vm["recommend-eval"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (positional.size() != 1) throw UsageError("expected exactly one LOG.csv (a transaction log)");
  for (const char* flag : {"until", "to", "out"}) {
    if (!vm.count(flag)) throw UsageError(cat("--", flag, " is required"));
  }
  if (vm["seed"].as<long>() < 0) throw UsageError("--seed: expected an integer >= 0");
  const auto seed = static_cast<std::uint64_t>(vm["seed"].as<long>());
  const std::size_t threads = threads_option(vm);
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  const bool quiet = vm.count("quiet") > 0;
  const std::string file = positional[0];
  const ColumnMap map = vm.count("map") ? read_column_map(vm["map"].as<std::string>()) : ColumnMap{};
  Json overrides = Json::object();
  std::string params_file;
  if (vm.count("params")) {
    params_file = vm["params"].as<std::string>();
    std::ifstream in(params_file);
    if (!in) throw UsageError(cat("--params ", params_file, ": cannot be read"));
    try {
      overrides = Json::parse(in);
    } catch (const Json::exception& e) {
      throw ScenarioError(params_file, "", cat("not JSON: ", e.what()));
    }
    if (!overrides.is_object()) throw ScenarioError(params_file, "", "expected an object of parameters by recommender");
    for (const auto& [name, value] : overrides.items()) {
      if (std::find(evaluated().begin(), evaluated().end(), name) == evaluated().end()) {
        throw ScenarioError(params_file, cat("/", pointer_token(name)),
                            "unknown recommender; allowed: popular, item_cf, user_cf, als, segment_popular");
      }
      if (!value.is_object()) throw ScenarioError(params_file, cat("/", pointer_token(name)), "expected an object of parameters");
    }
  }

  const TransactionLog log = read_transaction_log(file, map);
  const auto day = [&](const char* flag) {
    const std::string text = vm[flag].as<std::string>();
    try {
      return static_cast<Day>(log.day_of(text));
    } catch (const std::exception&) {
      throw UsageError(cat("--", flag, " ", one_line(text), ": expected a date YYYY-MM-DD"));
    }
  };
  const Day until = day("until"), to = day("to");
  if (log.lines.empty()) throw ScenarioError(file, "", "no purchase left after cleaning");
  Day last = 0;
  for (const Transaction& t : log.lines) last = std::max<Day>(last, t.day);
  if (until < 0 || until >= last) {
    throw UsageError(cat("--until: must fall within the log (", log.first_date, " and ", std::to_string(last),
                         " days after, exclusive of the last)"));
  }
  if (to <= until) throw UsageError("--to: must be after --until");

  // The log as a one-seller market: one offer per item, its first kept price as list price.
  const std::size_t items = log.items.size();
  Catalog catalog;
  catalog.category_names = {"all"};
  catalog.category_quality_mean = {0.0};
  catalog.category.assign(items, 0);
  catalog.list_price.assign(items, 0);
  catalog.unit_cost.assign(items, 0);
  catalog.quality.assign(items, 0.0);
  for (const Transaction& t : log.lines) {
    if (catalog.list_price[t.item] == 0) catalog.list_price[t.item] = t.price_cents;
  }
  Offers offers;
  offers.seller_names = {"shop"};
  offers.seller_begin = {0, static_cast<OfferId>(items)};
  offers.product.resize(items);
  std::iota(offers.product.begin(), offers.product.end(), ProductId{0});
  offers.seller.assign(items, 0);
  std::vector<OfflinePurchase> purchases;
  purchases.reserve(log.lines.size());
  for (const Transaction& t : log.lines) purchases.push_back(OfflinePurchase{t.customer, t.item, t.day, t.quantity});
  const OfflineSetup setup{catalog, offers, 0, static_cast<std::int64_t>(log.customers.size()), {}, seed, 0, until, to, {5, 10, 20}};

  register_builtin_strategies();
  std::vector<OfflineScores> scores;
  for (const std::string& name : evaluated()) {
    Json params = default_params(name, until, items);
    if (overrides.contains(name)) params.update(overrides[name]);
    const auto* info = recommender_registry().find(name);
    StrategySpec spec{name, validate_object(info->params, params, params_file.empty() ? "<defaults>" : params_file,
                                            cat("/", pointer_token(name)))};
    if (!quiet) err << "recommend-eval: " << name << "...\n";
    scores.push_back(evaluate_recommender(spec, setup, purchases));
  }
  scores.push_back(evaluate_repurchase(setup, purchases));

  std::string table = "recommender,k,users,precision,recall,ndcg\n";
  for (const OfflineScores& s : scores) {
    for (std::size_t k : s.ks) {
      table += cat(s.recommender, ",", std::to_string(k), ",", std::to_string(s.consumers.size()), ",",
                   number(s.mean_precision(k)), ",", number(s.mean_recall(k)), ",", number(s.mean_ndcg(k)), "\n");
    }
  }
  std::string paired = "recommender,k,measure,difference,ci_low,ci_high\n";
  const OfflineScores& popular = scores[0];
  for (std::size_t r = 1; r + 1 < scores.size(); ++r) {
    const OfflineScores& s = scores[r];
    if (s.consumers != popular.consumers) throw Error("recommend-eval: recommenders scored different customers");
    for (std::size_t ki = 0; ki < s.ks.size(); ++ki) {
      const std::pair<const char*, const std::vector<std::vector<double>> OfflineScores::*> measures[] = {
          {"precision", &OfflineScores::precision}, {"recall", &OfflineScores::recall}, {"ndcg", &OfflineScores::ndcg}};
      for (const auto& [measure, member] : measures) {
        const PairedInterval d = paired_bootstrap((popular.*member)[ki], (s.*member)[ki], seed);
        paired += cat(s.recommender, ",", std::to_string(s.ks[ki]), ",", measure, ",", number(d.difference), ",",
                      number(d.low), ",", number(d.high), "\n");
      }
    }
  }
  OutputDirectory dir({"offline.csv", "offline_vs_popular.csv"});
  dir.open(vm["out"].as<std::string>());
  dir.write("offline.csv", table);
  dir.write("offline_vs_popular.csv", paired);
  dir.commit();

  out << one_line(file) << ": " << log.lines.size() << " purchase lines of " << log.customers.size() << " customers and "
      << items << " items (" << log.report.guest << " guest rows, " << log.report.non_product << " non-product rows, "
      << log.report.zero_price << " free rows dropped; " << log.report.cancellations << " cancellations netted); trained to "
      << vm["until"].as<std::string>() << ", scored to " << vm["to"].as<std::string>() << ", " << popular.consumers.size()
      << " customers scored\n";
  out << "recommender       ndcg@10  precision@10  recall@10\n";
  for (const OfflineScores& s : scores) {
    char line[160];
    std::snprintf(line, sizeof line, "%-16s %8.4f %13.4f %10.4f\n", s.recommender.c_str(), s.mean_ndcg(10), s.mean_precision(10),
                  s.mean_recall(10));
    out << line;
  }
  out << "wrote " << one_line(dir.path()) << "/{offline.csv,offline_vs_popular.csv}\n";
  return kExitOk;
}

}  // namespace

void register_recommend_eval_command() {
  add_command({"recommend-eval",
               "recommend-eval LOG.csv --until DATE --to DATE --out DIR [--map MAP.json] [--params PARAMS.json]\n"
               "               [--seed N] [--threads N] [--quiet]",
               "score the registered recommenders offline on a real transaction log (precision, recall, NDCG at 5, 10, "
               "20; paired bootstrap against popular)",
               command_recommend_eval,
               {{"{log}", "--until", "2011-01-20", "--to", "2011-02-10", "--quiet", "--out", "{dir}"}}});
}

}  // namespace marketsim
