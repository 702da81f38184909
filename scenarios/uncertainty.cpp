#include "scenarios/uncertainty.h"

#include <algorithm>
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/lognormal.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <set>
#include <stdexcept>

#include "sim/error.h"
#include "sim/rng.h"

namespace marketsim {
namespace {

[[noreturn]] void bad(const std::string& file, const std::string& pointer, const std::string& what) {
  throw ScenarioError(file, pointer, what);
}

/// P(X <= x) of the untruncated distribution (uniform: unused).
double cdf(const UncertainValue& v, double x) {
  switch (v.kind) {
    case UncertainValue::Kind::kNormal:
      return boost::math::cdf(boost::math::normal(v.p1, v.p2), x);
    case UncertainValue::Kind::kLognormal:
      return x <= 0.0 ? 0.0 : boost::math::cdf(boost::math::lognormal(v.p1, v.p2), x);
    default:
      return 0.0;
  }
}

double untruncated_quantile(const UncertainValue& v, double p) {
  if (v.kind == UncertainValue::Kind::kNormal) return boost::math::quantile(boost::math::normal(v.p1, v.p2), p);
  return boost::math::quantile(boost::math::lognormal(v.p1, v.p2), p);
}

void collect(const Json& node, const std::string& at, const std::string& file, std::vector<std::string>& out) {
  if (node.is_object()) {
    if (node.contains("$dist")) {
      out.push_back(at);
      return;
    }
    for (const auto& [key, value] : node.items()) {
      if (at.empty() && key == "uncertainty") continue;
      collect(value, at + "/" + pointer_token(key), file, out);
    }
  } else if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i) collect(node[i], at + "/" + std::to_string(i), file, out);
  }
}

double number(const Json& d, const char* key, const std::string& file, const std::string& at) {
  if (!d.contains(key) || !d[key].is_number()) bad(file, at + "/" + key, "required: a number");
  return d[key].get<double>();
}

UncertainValue read_value(const Json& d, const std::string& at, const std::string& file) {
  UncertainValue v;
  v.pointer = at;
  v.name = at;
  const std::string kind = d["$dist"].is_string() ? d["$dist"].get<std::string>() : std::string();
  std::set<std::string> keys = {"$dist", "min", "max", "name", "integer"};
  const char* first = nullptr;
  const char* second = nullptr;
  if (kind == "uniform") {
    v.kind = UncertainValue::Kind::kUniform;
  } else if (kind == "normal") {
    v.kind = UncertainValue::Kind::kNormal;
    first = "mean", second = "sd";
  } else if (kind == "lognormal") {
    v.kind = UncertainValue::Kind::kLognormal;
    first = "mu", second = "sigma";
  } else if (kind == "beta") {
    v.kind = UncertainValue::Kind::kBeta;
    first = "alpha", second = "beta";
  } else {
    bad(file, at + "/$dist", "must be one of \"uniform\", \"normal\", \"lognormal\", \"beta\"");
  }
  if (first != nullptr) keys.insert({first, second});
  for (const auto& [key, value] : d.items()) {
    if (!keys.contains(key)) {
      std::string allowed;
      for (const std::string& k : keys) allowed += (allowed.empty() ? "" : ", ") + k;
      bad(file, at + "/" + pointer_token(key), "unknown key for a " + kind + " distribution (allowed: " + allowed + ")");
    }
  }
  v.min = number(d, "min", file, at);
  v.max = number(d, "max", file, at);
  if (!(v.min < v.max)) bad(file, at + "/max", "must be greater than min");
  if (d.contains("name")) {
    if (!d["name"].is_string() || d["name"].get<std::string>().empty()) bad(file, at + "/name", "must be a non-empty string");
    v.name = d["name"].get<std::string>();
  }
  if (d.contains("integer")) {
    if (!d["integer"].is_boolean()) bad(file, at + "/integer", "must be true or false");
    v.integer = d["integer"].get<bool>();
  }
  if (v.integer && std::ceil(v.min) > std::floor(v.max)) bad(file, at + "/max", "[min, max] holds no integer");
  Json spec = {{"$dist", kind}, {"min", v.min}, {"max", v.max}, {"name", v.name}, {"integer", v.integer}};
  if (first != nullptr) {
    v.p1 = number(d, first, file, at);
    v.p2 = number(d, second, file, at);
    const bool scale_only = v.kind != UncertainValue::Kind::kBeta;
    if (!(v.p2 > 0.0)) bad(file, at + "/" + second, "must be > 0");
    if (!scale_only && !(v.p1 > 0.0)) bad(file, at + "/" + first, "must be > 0");
    if (v.kind == UncertainValue::Kind::kBeta && (v.p1 > 1e6 || v.p2 > 1e6)) bad(file, at, "alpha and beta must be at most 1e6");
    spec[first] = v.p1;
    spec[second] = v.p2;
  }
  if (v.kind == UncertainValue::Kind::kNormal || v.kind == UncertainValue::Kind::kLognormal) {
    if (v.kind == UncertainValue::Kind::kLognormal && !(v.max > 0.0)) bad(file, at + "/max", "a lognormal value is positive: max must be > 0");
    const double mass = cdf(v, v.max) - cdf(v, v.min);
    if (!(mass > 1e-9)) bad(file, at, "the distribution puts (almost) none of its mass in [min, max]");
  }
  v.spec = std::move(spec);
  try {  // parameters Boost.Math cannot evaluate (extreme shapes) are bad input, not a crash later
    for (const double u : {0.0, 0.25, 0.5, 0.75, 1.0}) {
      if (!std::isfinite(v.quantile(u))) throw std::domain_error("not finite");
    }
  } catch (const std::exception&) {
    bad(file, at, "the distribution's quantiles cannot be computed for these parameters");
  }
  return v;
}

}  // namespace

double UncertainValue::quantile(double u) const {
  u = std::clamp(u, 0.0, 1.0);
  double x = min;
  switch (kind) {
    case Kind::kUniform:
      x = min + u * (max - min);
      break;
    case Kind::kBeta:
      x = min + (max - min) * boost::math::quantile(boost::math::beta_distribution<>(p1, p2), u);
      break;
    case Kind::kNormal:
    case Kind::kLognormal: {
      const double lo = cdf(*this, min), hi = cdf(*this, max);
      const double p = lo + u * (hi - lo);
      x = p <= 0.0 ? min : p >= 1.0 ? max : untruncated_quantile(*this, p);
      break;
    }
  }
  x = std::clamp(x, min, max);
  return integer ? std::clamp(std::round(x), std::ceil(min), std::floor(max)) : x;
}

std::vector<double> Uncertainty::values_of_draw(std::uint64_t seed, std::uint64_t draw) const {
  const StreamFamily family(seed, draw, Purpose::kUncertainty);
  std::vector<double> out;
  out.reserve(values.size());
  for (const UncertainValue& v : values) {
    CounterRng rng(family.key(name_hash(v.pointer)));
    out.push_back(v.quantile(rng.uniform()));
  }
  return out;
}

Json Uncertainty::document_with(const std::vector<double>& drawn) const {
  Json doc = document;
  for (std::size_t k = 0; k < values.size(); ++k) {
    Json& slot = doc[Json::json_pointer(values[k].pointer)];
    if (values[k].integer) {
      slot = static_cast<std::int64_t>(drawn[k]);
    } else {
      slot = drawn[k];
    }
  }
  return doc;
}

Json Uncertainty::resolved_block() const {
  return Json{{"draws", draws}, {"replications_per_draw", replications_per_draw}};
}

bool uses_uncertainty(const Json& document) {
  if (!document.is_object()) return false;
  if (document.contains("uncertainty")) return true;
  std::vector<std::string> found;
  collect(document, "", "", found);
  return !found.empty();
}

Uncertainty read_uncertainty(const Json& document, const std::string& file) {
  Uncertainty u;
  std::vector<std::string> pointers;
  collect(document, "", file, pointers);
  if (!document.contains("uncertainty")) {
    bad(file, "/uncertainty", "required when a value is a distribution (" + pointers.front() +
                                  "): {\"draws\": D, \"replications_per_draw\": R}");
  }
  const Json& block = document["uncertainty"];
  if (!block.is_object()) bad(file, "/uncertainty", "must be an object {\"draws\": D, \"replications_per_draw\": R}");
  for (const auto& [key, value] : block.items()) {
    if (key != "draws" && key != "replications_per_draw") {
      bad(file, "/uncertainty/" + pointer_token(key), "unknown key (allowed: draws, replications_per_draw)");
    }
  }
  for (const char* key : {"draws", "replications_per_draw"}) {
    if (!block.contains(key) || !block[key].is_number_integer() || block[key].get<std::int64_t>() < 2 ||
        block[key].get<std::int64_t>() > 100000) {
      bad(file, std::string("/uncertainty/") + key,
          "required: an integer in [2, 100000] (between- and within-draw variance need two of each)");
    }
  }
  u.draws = block["draws"].get<std::uint64_t>();
  u.replications_per_draw = block["replications_per_draw"].get<std::uint64_t>();
  if (u.draws * u.replications_per_draw > 100000) bad(file, "/uncertainty", "draws x replications_per_draw must be at most 100000");
  if (pointers.empty()) bad(file, "/uncertainty", "no value of the scenario is a distribution {\"$dist\": ...}");
  if (document.contains("replications")) {
    bad(file, "/replications", "with \"uncertainty\" the replications are draws x replications_per_draw (" +
                                   std::to_string(u.draws * u.replications_per_draw) + "): leave it out, or set /uncertainty/draws");
  }
  std::set<std::string> names;
  for (const std::string& p : pointers) {
    UncertainValue v = read_value(document.at(Json::json_pointer(p)), p, file);
    if (!names.insert(v.name).second) bad(file, p + "/name", "repeats the name of another distribution");
    u.values.push_back(std::move(v));
  }
  u.document = document;
  u.document.erase("uncertainty");
  return u;
}

}  // namespace marketsim
