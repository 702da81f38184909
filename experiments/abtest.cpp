#include "experiments/abtest.h"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <tuple>

#include "analysis/metric.h"
#include "analysis/outputs/csv.h"
#include "analysis/report.h"
#include "analysis/statistics.h"
#include "experiments/files.h"
#include "experiments/result_store.h"
#include "experiments/run_unit.h"
#include "experiments/sweep_store.h"
#include "scenarios/json_input.h"
#include "scenarios/scenario.h"
#include "scenarios/uncertainty.h"
#include "sim/error.h"
#include "sim/rng.h"
#include "sim/text.h"

namespace marketsim {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void bad(const std::string& file, const std::string& pointer, const std::string& what) {
  throw ScenarioError(file, pointer, what);
}

/// The strategy objects of an arm: its "sellers", or (one seller) the arm itself.
std::vector<Json*> seller_objects(Json& arm) {
  std::vector<Json*> out;
  if (arm.contains("sellers") && arm["sellers"].is_array()) {
    for (Json& s : arm["sellers"]) out.push_back(&s);
  } else {
    out.push_back(&arm);
  }
  return out;
}

/// An arm's strategies but its promotions (and its name, baseline and groups): what treatment and
/// control must share.
Json without_promotions(Json arm) {
  for (const char* key : {"name", "baseline", "groups"}) arm.erase(key);
  for (Json* s : seller_objects(arm)) s->erase("promotions");
  return arm;
}

bool has_budget(const Json& doc) {
  for (const Json& arm : doc["arms"]) {
    Json copy = arm;
    for (Json* s : seller_objects(copy)) {
      if (!s->contains("promotions")) continue;
      for (const Json& p : (*s)["promotions"]) {
        if (p.contains("budget") || p.contains("daily_cap")) return true;
      }
    }
  }
  return false;
}

bool has_word_of_mouth(const Json& doc) {
  if (!doc.contains("market") || !doc["market"].contains("behaviours")) return false;
  for (const Json& b : doc["market"]["behaviours"]) {
    if (b.value("name", std::string()) == "word_of_mouth") return true;
  }
  return false;
}

std::string share_label(double q) {
  std::ostringstream s;
  s << q;
  return s.str();
}

/// The settings a variant's tests run under: every channel on (""), then each present channel off.
std::vector<std::string> settings_of(const AbTestSpec& spec, const AbTestVariant& v) {
  const Json doc = abtest_document(spec, v, "");
  std::vector<std::string> out = {"", "stock"};
  if (has_budget(doc)) out.push_back("budget");
  if (has_word_of_mouth(doc)) out.push_back("word_of_mouth");
  return out;
}

/// One setting's numbers per simulated test: per share and duration the estimate and its Welch
/// interval, per duration the roll-out effect.
struct SettingResults {
  // [share][duration][test]
  std::vector<std::vector<std::vector<double>>> estimate, low, high;
  // [duration][test]
  std::vector<std::vector<double>> rollout;
};

}  // namespace

Json abtest_document(const AbTestSpec& spec, const AbTestVariant& variant, const std::string& switched_off) {
  Json doc = spec.base;
  for (const auto& [pointer, value] : variant.set) apply_override(doc, pointer + "=" + value.dump(), spec.base_file);
  if (switched_off == "stock") {  // stock without end, and no promotion's allocation of discounted units
    for (Json& arm : doc["arms"]) {
      for (Json* s : seller_objects(arm)) {
        (*s)["replenishment"] = Json{{"name", "none"}, {"initial", 1000000000}};
        if (!s->contains("promotions")) continue;
        for (Json& p : (*s)["promotions"]) p.erase("cap");
      }
    }
  } else if (switched_off == "budget") {
    for (Json& arm : doc["arms"]) {
      for (Json* s : seller_objects(arm)) {
        if (!s->contains("promotions")) continue;
        for (Json& p : (*s)["promotions"]) {
          for (const char* key : {"budget", "daily_cap", "pacing"}) p.erase(key);
        }
      }
    }
  } else if (switched_off == "word_of_mouth") {
    Json kept = Json::array();
    for (const Json& b : doc["market"]["behaviours"]) {
      if (b.value("name", std::string()) != "word_of_mouth") kept.push_back(b);
    }
    doc["market"]["behaviours"] = kept;
  }
  const Json control = doc["arms"][spec.control], treatment = doc["arms"][spec.treatment];
  Json arms = Json::array();
  Json c = control;
  c["name"] = "control";
  c["baseline"] = true;
  c.erase("groups");
  arms.push_back(c);
  Json t = treatment;
  t["name"] = "treatment";
  t["baseline"] = false;
  t.erase("groups");
  arms.push_back(t);
  for (const double q : spec.shares) {
    Json test = t;
    test["name"] = "test " + share_label(q);
    test["groups"] = Json::array({Json{{"name", "treatment"}, {"share", q}}, Json{{"name", "control"}, {"share", 1.0 - q}}});
    Json control_copy = control;
    const std::vector<Json*> tested = seller_objects(test), controls = seller_objects(control_copy);
    for (std::size_t k = 0; k < tested.size(); ++k) {
      Json promotions = Json::array();
      for (const auto& [from, group] : {std::pair{tested[k], "treatment"}, std::pair{controls[k], "control"}}) {
        if (!from->contains("promotions")) continue;
        for (Json p : (*from)["promotions"]) {
          p["group"] = group;
          promotions.push_back(p);
        }
      }
      (*tested[k])["promotions"] = promotions;
    }
    arms.push_back(test);
  }
  doc["arms"] = arms;
  doc["replications"] = spec.tests;
  return doc;
}

AbTestSpec load_abtest(const std::string& path) { return parse_abtest(read_work_file(path, "A/B test file"), path); }

AbTestSpec parse_abtest(std::string_view text, const std::string& file) {
  AbTestSpec spec;
  spec.file = file;
  spec.text = std::string(text);
  const Json doc = parse_json(text, file);
  if (!doc.is_object()) bad(file, "", "expected an A/B test object {\"base\", \"shares\", \"days\", \"metric\", \"mde\", ...}");
  static const std::set<std::string> known = {"name", "description", "base", "control", "treatment", "shares", "days",
                                              "metric", "mde", "power", "tests", "variants"};
  for (const auto& [key, value] : doc.items()) {
    if (!known.contains(key)) {
      bad(file, "/" + pointer_token(key),
          "unknown key (allowed: name, description, base, control, treatment, shares, days, metric, mde, power, tests, variants)");
    }
  }
  if (!doc.contains("base")) bad(file, "/base", "required: a scenario file's path or an inline scenario object");
  std::tie(spec.base, spec.base_file) = read_base_scenario(doc["base"], file, "/base");
  if (uses_uncertainty(spec.base)) bad(file, "/base", "a base scenario with \"uncertainty\" cannot be A/B tested (its replications are draws)");
  const Scenario base = parse_scenario(spec.base, spec.base_file);
  if (base.arms.size() < 2) bad(file, "/base", "needs a control arm and a treatment arm");
  const auto arm_named = [&](const char* key, std::size_t fallback) {
    if (!doc.contains(key)) return fallback;
    if (!doc[key].is_string()) bad(file, std::string("/") + key, "must be an arm's name");
    for (std::size_t a = 0; a < base.arms.size(); ++a) {
      if (base.arms[a].name == doc[key].get<std::string>()) return a;
    }
    bad(file, std::string("/") + key, "no arm of the base scenario is called " + json_quoted(doc[key].get<std::string>()));
  };
  spec.control = arm_named("control", base.baseline);
  spec.treatment = arm_named("treatment", spec.control == 0 ? 1 : 0);
  if (spec.control == spec.treatment) bad(file, "/treatment", "must be another arm than the control");
  if (without_promotions(spec.base["arms"][spec.control]) != without_promotions(spec.base["arms"][spec.treatment])) {
    bad(file, "/treatment", "the treatment and control arms may differ only in their promotions (a test splits consumers, "
                            "not sellers' prices, recommendations or stock)");
  }
  for (const std::size_t a : {spec.control, spec.treatment}) {
    Json arm = spec.base["arms"][a];
    for (Json* s : seller_objects(arm)) {
      if (!s->contains("promotions")) continue;
      for (const Json& p : (*s)["promotions"]) {
        if (p.contains("group")) bad(file, "/base", "the test scopes the arms' promotions to its groups: leave \"group\" out");
      }
    }
  }
  // Shares and durations.
  if (!doc.contains("shares") || !doc["shares"].is_array() || doc["shares"].empty()) bad(file, "/shares", "required: a list of treated shares in (0, 1)");
  for (std::size_t k = 0; k < doc["shares"].size(); ++k) {
    const Json& q = doc["shares"][k];
    if (!q.is_number() || !(q.get<double>() > 0.0) || !(q.get<double>() < 1.0)) bad(file, "/shares/" + std::to_string(k), "must be a number in (0, 1)");
    spec.shares.push_back(q.get<double>());
  }
  const Day measured = base.horizon_days - base.warmup_days;
  if (!doc.contains("days") || !doc["days"].is_array() || doc["days"].empty()) bad(file, "/days", "required: a list of test durations in days");
  for (std::size_t k = 0; k < doc["days"].size(); ++k) {
    const Json& d = doc["days"][k];
    if (!d.is_number_integer() || d.get<std::int64_t>() < 1 || d.get<std::int64_t>() > measured) {
      bad(file, "/days/" + std::to_string(k), "must be an integer in [1, " + std::to_string(measured) + "] (the days after warm-up)");
    }
    spec.days.push_back(d.get<Day>());
  }
  std::sort(spec.days.begin(), spec.days.end());
  spec.days.erase(std::unique(spec.days.begin(), spec.days.end()), spec.days.end());
  // The metric and the test's targets.
  static const std::vector<std::string> metrics = {"units", "revenue", "gross_profit", "revenue_per_unit", "gross_profit_per_unit"};
  spec.metric = doc.value("metric", Json("gross_profit")).is_string() ? doc.value("metric", std::string("gross_profit")) : "";
  const auto m = std::find(metrics.begin(), metrics.end(), spec.metric);
  if (m == metrics.end()) {
    bad(file, "/metric", "must be \"units\", \"revenue\", \"gross_profit\" (per consumer, from order lines), "
                         "\"revenue_per_unit\" or \"gross_profit_per_unit\" (ratios of group totals)");
  }
  spec.metric_slot = static_cast<std::size_t>(m - metrics.begin());
  spec.ratio = spec.metric_slot >= 3;
  if (spec.ratio) spec.metric_slot -= 2;  // the numerator: revenue (1) or gross profit (2); units the denominator
  if (!doc.contains("mde") || !doc["mde"].is_number() || !(doc["mde"].get<double>() > 0.0)) {
    bad(file, "/mde", "required: the minimum detectable effect per consumer and day of the test, a number > 0");
  }
  spec.mde = doc["mde"].get<double>();
  if (doc.contains("power")) {
    if (!doc["power"].is_number() || !(doc["power"].get<double>() > 0.0) || !(doc["power"].get<double>() < 1.0)) bad(file, "/power", "must be a number in (0, 1)");
    spec.power = doc["power"].get<double>();
  }
  if (doc.contains("tests")) {
    if (!doc["tests"].is_number_integer() || doc["tests"].get<std::int64_t>() < 2 || doc["tests"].get<std::int64_t>() > 100000) {
      bad(file, "/tests", "must be an integer in [2, 100000]");
    }
    spec.tests = doc["tests"].get<std::uint64_t>();
  }
  // Variants.
  if (doc.contains("variants")) {
    if (!doc["variants"].is_array() || doc["variants"].empty()) bad(file, "/variants", "must be a non-empty list of {\"name\", \"set\"}");
    std::set<std::string> names;
    for (std::size_t k = 0; k < doc["variants"].size(); ++k) {
      const std::string at = "/variants/" + std::to_string(k);
      const Json& v = doc["variants"][k];
      if (!v.is_object() || !v.contains("name") || !v["name"].is_string() || v["name"].get<std::string>().empty()) {
        bad(file, at + "/name", "required: a non-empty name");
      }
      for (const auto& [key, value] : v.items()) {
        if (key != "name" && key != "set") bad(file, at + "/" + pointer_token(key), "unknown key (allowed: name, set)");
      }
      AbTestVariant variant{v["name"].get<std::string>(), {}};
      if (!names.insert(variant.name).second) bad(file, at + "/name", "repeats another variant's name");
      if (v.contains("set")) {
        if (!v["set"].is_object()) bad(file, at + "/set", "must be an object {\"/json/pointer\": value, ...}");
        for (const auto& [pointer, value] : v["set"].items()) variant.set.emplace_back(pointer, value);
      }
      spec.variants.push_back(std::move(variant));
    }
  } else {
    spec.variants.push_back(AbTestVariant{"base", {}});
  }
  // Every variant's design makes a valid scenario.
  for (std::size_t k = 0; k < spec.variants.size(); ++k) {
    try {
      parse_scenario(abtest_document(spec, spec.variants[k], ""), spec.base_file);
    } catch (const ScenarioError& e) {
      bad(file, doc.contains("variants") ? "/variants/" + std::to_string(k) + "/set" : "/base", "makes an invalid test: " + one_line(e.what()));
    }
  }
  return spec;
}

AbTestReport run_abtest(const AbTestSpec& spec, const std::string& out_dir, const AbTestOptions& options) {
  const std::string started = utc_now();
  const auto t0 = std::chrono::steady_clock::now();
  fs::create_directories(out_dir);
  SweepStore store((fs::path(out_dir) / "store.sqlite").string(), work_fingerprint(spec.text, spec.base), options.fresh);
  store.set_meta("abtest_text", spec.text);
  store.set_meta("abtest_file", spec.file);
  // Every (variant, setting) is a point of the store; each replication one simulated test.
  struct Point {
    std::size_t variant;
    std::string setting;
    std::uint64_t key;
    std::unique_ptr<Scenario> scenario;
    std::unique_ptr<MarketCache> cache;
  };
  std::vector<Point> points;
  for (std::size_t v = 0; v < spec.variants.size(); ++v) {
    for (const std::string& setting : settings_of(spec, spec.variants[v])) {
      Point p{v, setting, name_hash(spec.variants[v].name + "\x1f" + setting) & 0x7fffffffffffffffULL,
              std::make_unique<Scenario>(parse_scenario(abtest_document(spec, spec.variants[v], setting), spec.base_file)),
              std::make_unique<MarketCache>()};
      points.push_back(std::move(p));
    }
  }
  const std::set<std::pair<std::uint64_t, std::uint64_t>> done = store.units();
  std::vector<std::pair<std::size_t, std::uint64_t>> pending;
  for (std::size_t p = 0; p < points.size(); ++p) {
    for (std::uint64_t r = 0; r < spec.tests; ++r) {
      if (!done.contains({points[p].key, r})) pending.emplace_back(p, r);
    }
  }
  AbTestReport report;
  report.units = points.size() * spec.tests;
  const char* kill_env = std::getenv("MARKETSIM_ABTEST_KILL_AFTER");
  const long kill_after = kill_env != nullptr ? std::atol(kill_env) : -1;
  std::atomic<std::uint64_t> finished{report.units - pending.size()}, run{0};
  if (options.progress) options.progress(finished, report.units);
  tbb::parallel_for(std::size_t{0}, pending.size(), std::size_t{1}, [&](std::size_t i) {
    const auto [p, r] = pending[i];
    const UnitResult u = run_unit(*points[p].scenario, RunUnit{r, {}}, points[p].cache.get());
    store.put_unit(points[p].key, r, encode_unit_result(u));
    const std::uint64_t n = ++run;
    if (kill_after >= 0 && n >= static_cast<std::uint64_t>(kill_after)) std::raise(SIGKILL);
    ++finished;
    if (options.progress) options.progress(finished, report.units);
  });
  report.units_run = run;

  // Each setting's numbers per simulated test.
  const std::size_t shares = spec.shares.size(), durations = spec.days.size();
  std::vector<SettingResults> results(points.size());
  // The roll-out's figures come from the arms' daily totals: the metric, or a ratio's numerator
  // over units.
  const std::size_t metric = metric_index(spec.ratio ? (spec.metric_slot == 1 ? "revenue" : "gross_profit") : spec.metric);
  const std::size_t units_metric = metric_index("units");
  for (std::size_t p = 0; p < points.size(); ++p) {
    SettingResults& res = results[p];
    const std::vector<double> none(spec.tests, 0.0);
    res.estimate.assign(shares, std::vector<std::vector<double>>(durations, none));
    res.low = res.high = res.estimate;
    res.rollout.assign(durations, none);
    const Scenario& sc = *points[p].scenario;
    const double consumers = static_cast<double>(sc.market.consumers());
    tbb::parallel_for(std::uint64_t{0}, spec.tests, std::uint64_t{1}, [&](std::uint64_t r) {
      const UnitResult u = decode_unit_result(store.unit(points[p].key, r));
      for (std::size_t d = 0; d < durations; ++d) {
        const Day last = sc.warmup_days + spec.days[d] - 1;
        double treated = 0.0, control = 0.0, treated_units = 0.0, control_units = 0.0;
        for (Day day = sc.warmup_days; day <= last; ++day) {
          control += u.runs[0].daily[static_cast<std::size_t>(day)].values[metric];
          treated += u.runs[1].daily[static_cast<std::size_t>(day)].values[metric];
          control_units += u.runs[0].daily[static_cast<std::size_t>(day)].values[units_metric];
          treated_units += u.runs[1].daily[static_cast<std::size_t>(day)].values[units_metric];
        }
        res.rollout[d][r] = spec.ratio ? treated / treated_units - control / control_units : (treated - control) / consumers;
        for (std::size_t k = 0; k < shares; ++k) {
          const RunResult& test = u.runs[2 + k];
          const std::size_t groups = test.group_names.size();
          const GroupDayRow& t = test.group_days[static_cast<std::size_t>(last - sc.warmup_days) * groups + 0];
          const GroupDayRow& c = test.group_days[static_cast<std::size_t>(last - sc.warmup_days) * groups + 1];
          const auto moments = [&](const GroupDayRow& g) {
            const double n = static_cast<double>(g.consumers), mean = g.sum[spec.metric_slot] / n;
            return std::pair{mean, std::max(0.0, (g.sum_squares[spec.metric_slot] - n * mean * mean) / (n - 1.0))};
          };
          // A ratio of group totals (Y / X, X the units): the delta method's variance of the ratio,
          // (var Y - 2 R cov XY + R^2 var X) / (n mean(X)^2), and a normal interval.
          const auto ratio = [&](const GroupDayRow& g) {
            const double n = static_cast<double>(g.consumers), mx = g.sum[0] / n, my = g.sum[spec.metric_slot] / n;
            const double vx = (g.sum_squares[0] - n * mx * mx) / (n - 1.0), vy = (g.sum_squares[spec.metric_slot] - n * my * my) / (n - 1.0);
            const double cxy = (g.sum_products[spec.metric_slot - 1] - n * mx * my) / (n - 1.0);
            const double rr = my / mx;
            return std::pair{rr, std::max(0.0, vy - 2.0 * rr * cxy + rr * rr * vx) / (n * mx * mx)};
          };
          Interval w;
          if (spec.ratio) {
            const auto [rt, vt] = ratio(t);
            const auto [rc, vc] = ratio(c);
            const double half = 1.959963984540054 * std::sqrt(vt + vc);
            w = Interval{rt - rc, rt - rc - half, rt - rc + half, t.consumers + c.consumers};
          } else {
            const auto [mt, vt] = moments(t);
            const auto [mc, vc] = moments(c);
            w = welch_interval(mt, vt, t.consumers, mc, vc, c.consumers);
          }
          res.estimate[k][d][r] = w.mean;
          res.low[k][d][r] = w.low;
          res.high[k][d][r] = w.high;
        }
      }
    });
  }

  // The rows: per variant, share and duration; the bias attributed by the settings with a channel off.
  const double z = 1.959963984540054;
  const auto mean_of = [](const std::vector<double>& v) {
    double s = 0.0;
    for (const double x : v) s += x;
    return v.empty() ? 0.0 : s / static_cast<double>(v.size());
  };
  for (std::size_t v = 0; v < spec.variants.size(); ++v) {
    std::map<std::string, std::size_t> setting_point;
    for (std::size_t p = 0; p < points.size(); ++p) {
      if (points[p].variant == v) setting_point[points[p].setting] = p;
    }
    const SettingResults& all = results[setting_point.at("")];
    const auto bias_of = [&](const SettingResults& s, std::size_t k, std::size_t d) {
      return mean_of(s.estimate[k][d]) - mean_of(s.rollout[d]);
    };
    for (std::size_t k = 0; k < shares; ++k) {
      for (std::size_t d = 0; d < durations; ++d) {
        AbTestRow row;
        row.variant = spec.variants[v].name;
        row.share = spec.shares[k];
        row.days = spec.days[d];
        row.tests = spec.tests;
        row.estimate = mean_of(all.estimate[k][d]);
        row.ci_low = mean_of(all.low[k][d]);
        row.ci_high = mean_of(all.high[k][d]);
        double ss = 0.0;
        for (const double e : all.estimate[k][d]) ss += (e - row.estimate) * (e - row.estimate);
        const double se = std::sqrt(ss / static_cast<double>(spec.tests - 1));
        row.estimate_sd = se;
        // The effect to detect over the test (a ratio's is the difference of the ratio itself).
        const double mde = spec.ratio ? spec.mde : spec.mde * static_cast<double>(row.days);
        row.power = se > 0 ? 0.5 * std::erfc(-(mde / se - z) / std::sqrt(2.0)) : 1.0;
        row.rollout_effect = mean_of(all.rollout[d]);
        row.bias = row.estimate - row.rollout_effect;
        const auto channel = [&](const char* name) {
          const auto it = setting_point.find(name);
          return it == setting_point.end() ? 0.0 : row.bias - bias_of(results[it->second], k, d);
        };
        row.bias_stock = channel("stock");
        row.bias_budget = channel("budget");
        row.bias_word_of_mouth = channel("word_of_mouth");
        std::uint64_t covered = 0;
        for (std::uint64_t r = 0; r < spec.tests; ++r) {
          covered += all.low[k][d][r] <= all.rollout[d][r] && all.rollout[d][r] <= all.high[k][d][r];
        }
        row.coverage = static_cast<double>(covered) / static_cast<double>(spec.tests);
        report.rows.push_back(row);
      }
    }
    // The recommendation: the shortest duration at which a share reaches the power, the least biased share there.
    AbTestRecommendation rec{spec.variants[v].name, false, 0.0, 0};
    double least_bias = 0.0;
    for (std::size_t d = 0; d < durations && !rec.found; ++d) {
      for (const AbTestRow& row : report.rows) {
        if (row.variant != rec.variant || row.days != spec.days[d] || row.power < spec.power) continue;
        if (rec.found && !(std::abs(row.bias) < least_bias)) continue;
        rec.found = true;
        rec.share = row.share;
        rec.days = row.days;
        least_bias = std::abs(row.bias);
      }
    }
    report.recommendations.push_back(rec);
  }

  // Outputs.
  std::string csv = "variant,share,days,estimate,ci_low,ci_high,power,rollout_effect,bias,bias_stock,bias_budget,"
                    "bias_word_of_mouth,coverage,estimate_sd,tests\n";
  for (const AbTestRow& r : report.rows) {
    std::string line = csv_field(r.variant);
    for (const double x : {r.share, static_cast<double>(r.days), r.estimate, r.ci_low, r.ci_high, r.power, r.rollout_effect, r.bias,
                           r.bias_stock, r.bias_budget, r.bias_word_of_mouth, r.coverage, r.estimate_sd}) {
      line += ',';
      line += csv::number(x);
    }
    line += ',';
    line += std::to_string(r.tests);
    line += '\n';
    csv += line;
  }
  write_file_replacing(fs::path(out_dir) / "abtest.csv", csv);
  Json recs = Json::array();
  for (const AbTestRecommendation& r : report.recommendations) {
    recs.push_back(r.found ? Json{{"variant", r.variant}, {"share", r.share}, {"days", r.days}}
                           : Json{{"variant", r.variant}, {"share", nullptr}, {"days", nullptr}});
  }
  Json meta = run_metadata(options.threads, options.command_line, started);
  meta.update(Json{{"abtest_file", spec.file},
               {"abtest", parse_json(spec.text, spec.file)},
               {"base_scenario", spec.base_file},
               {"fingerprint", work_fingerprint(spec.text, spec.base)},
               {"metric", spec.metric},
               {"mde", spec.mde},
               {"power", spec.power},
               {"tests", spec.tests},
               {"recommendations", recs},
               {"units", report.units},
               {"units_run", report.units_run},
               {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()}});
  store.set_meta("last_run", meta.dump());
  write_file_replacing(fs::path(out_dir) / "abtest.json", meta.dump(2) + "\n");
  return report;
}

}  // namespace marketsim
