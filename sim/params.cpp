#include "sim/params.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "sim/error.h"
#include "sim/text.h"

namespace marketsim {
namespace {

std::string format_number(double v) {
  std::ostringstream os;
  os << v;
  // Short (1e+09) where that is exact, else every digit (4294967295, not 4.29497e+09).
  if (std::strtod(os.str().c_str(), nullptr) == v) return os.str();
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : os.str();
}

/// An offending value exactly (1000000000001, not 1e+12 as format_number would round it).
std::string format_value(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e16) return std::to_string(static_cast<std::int64_t>(v));
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : format_number(v);
}

std::string json_type_of(const Json& v) {
  if (v.is_boolean()) return "a boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "a list";
  if (v.is_object()) return "an object";
  return "null";
}

bool is_integral(const Json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return true;
  if (v.is_number_float()) {
    const double d = v.get<double>();
    return std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15;
  }
  return false;
}

void check_range(const ParamSpec& spec, double value, const std::string& file,
                 const std::string& pointer) {
  const bool below = spec.min_exclusive ? !(value > spec.min) : !(value >= spec.min);
  if (below || !(value <= spec.max) || !std::isfinite(value)) {
    throw ScenarioError(file, pointer,
                        "value " + format_value(value) + " is out of range; allowed: " +
                            allowed_text(spec));
  }
}

void check_selector(const Json& v, const std::string& file, const std::string& pointer,
                    const SelectorContext* ctx) {
  const std::string allowed =
      "allowed: \"all\", {\"ids\": [product ids]}, {\"categories\": [names]} or "
      "{\"every\": k, \"offset\": r}";
  if (v.is_string()) {
    if (v.get<std::string>() != "all") {
      throw ScenarioError(file, pointer, "unknown product selector " + json_quoted(v.get<std::string>()) + "; " + allowed);
    }
    return;
  }
  if (!v.is_object() || v.empty()) {
    throw ScenarioError(file, pointer, "expected a product selector, got " + json_type_of(v) + "; " + allowed);
  }
  if (v.contains("ids")) {
    if (v.size() != 1) throw ScenarioError(file, pointer, "\"ids\" takes no other keys; " + allowed);
    const Json& ids = v["ids"];
    if (!ids.is_array() || ids.empty()) {
      throw ScenarioError(file, pointer + "/ids", "expected a non-empty list of product ids");
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const std::string p = pointer + "/ids/" + std::to_string(i);
      if (!is_integral(ids[i])) throw ScenarioError(file, p, "expected an integer product id, got " + json_type_of(ids[i]));
      const double id = ids[i].get<double>();
      if (id < 0 || (ctx && id >= static_cast<double>(ctx->products))) {
        throw ScenarioError(file, p, "product id " + format_value(id) + " does not exist; allowed: 0 to " +
                                         (ctx ? std::to_string(ctx->products - 1) : std::string("M-1")));
      }
    }
    return;
  }
  if (v.contains("categories")) {
    if (v.size() != 1) throw ScenarioError(file, pointer, "\"categories\" takes no other keys; " + allowed);
    const Json& cats = v["categories"];
    if (!cats.is_array() || cats.empty()) {
      throw ScenarioError(file, pointer + "/categories", "expected a non-empty list of category names");
    }
    for (std::size_t i = 0; i < cats.size(); ++i) {
      const std::string p = pointer + "/categories/" + std::to_string(i);
      if (!cats[i].is_string()) throw ScenarioError(file, p, "expected a category name, got " + json_type_of(cats[i]));
      if (ctx) {
        const bool found =
            std::find(ctx->categories.begin(), ctx->categories.end(), cats[i].get_ref<const std::string&>()) !=
            ctx->categories.end();
        if (!found) {
          std::string names;  // only when it is needed: the check itself is one scan
          for (const auto& c : ctx->categories) names += (names.empty() ? "" : ", ") + json_quoted(c);
          throw ScenarioError(file, p, "unknown category " + json_quoted(cats[i].get<std::string>()) + "; Valid values are: " + names);
        }
      }
    }
    return;
  }
  if (v.contains("every")) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (it.key() != "every" && it.key() != "offset") {
        throw ScenarioError(file, pointer + "/" + pointer_token(it.key()), "unknown key; " + allowed);
      }
    }
    if (!is_integral(v["every"]) || v["every"].get<double>() < 1) {
      throw ScenarioError(file, pointer + "/every", "expected an integer >= 1");
    }
    if (v.contains("offset")) {
      if (!is_integral(v["offset"]) || v["offset"].get<double>() < 0 ||
          v["offset"].get<double>() >= v["every"].get<double>()) {
        throw ScenarioError(file, pointer + "/offset", "expected an integer in [0, every - 1]");
      }
    }
    return;
  }
  throw ScenarioError(file, pointer + "/" + pointer_token(v.begin().key()), "unknown key; " + allowed);
}

}  // namespace

std::string pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string type_name(ParamType type) {
  switch (type) {
    case ParamType::kInteger: return "integer";
    case ParamType::kNumber: return "number";
    case ParamType::kBoolean: return "boolean";
    case ParamType::kString: return "string";
    case ParamType::kIntegerList: return "list of integers";
    case ParamType::kNumberList: return "list of numbers";
    case ParamType::kStringList: return "list of strings";
    case ParamType::kObject: return "object";
    case ParamType::kObjectList: return "list of objects";
    case ParamType::kObjectOrList: return "object or list of objects";
    case ParamType::kProductSelector: return "product selector";
  }
  return "value";
}

std::string allowed_text(const ParamSpec& spec) {
  std::string out = type_name(spec.type);
  if (!spec.choices.empty()) {
    out = "one of ";
    for (std::size_t i = 0; i < spec.choices.size(); ++i) {
      out += (i ? ", " : "") + json_quoted(spec.choices[i]);
    }
    return out;
  }
  const bool has_min = std::isfinite(spec.min);
  const bool has_max = std::isfinite(spec.max);
  if (has_min && has_max) {
    out += std::string(" in ") + (spec.min_exclusive ? "(" : "[") + format_number(spec.min) + ", " +
           format_number(spec.max) + "]";
  } else if (has_min) {
    out += (spec.min_exclusive ? " > " : " >= ") + format_number(spec.min);
  } else if (has_max) {
    out += " <= " + format_number(spec.max);
  }
  return out;
}

Json validate_object(const ParamSchema& schema, const Json& object, const std::string& file,
                     const std::string& pointer, const SelectorContext* selectors) {
  if (!object.is_object()) {
    throw ScenarioError(file, pointer, "expected an object, got " + json_type_of(object));
  }
  for (auto it = object.begin(); it != object.end(); ++it) {
    bool known = false;
    for (const auto& spec : schema) known = known || spec.name == it.key();
    if (!known) {
      std::string names;
      for (const auto& spec : schema) names += (names.empty() ? "\"" : ", \"") + spec.name + "\"";
      throw ScenarioError(file, pointer + "/" + pointer_token(it.key()),
                          "unknown key " + json_quoted(it.key()) + "; allowed keys: " +
                              (names.empty() ? std::string("none") : names));
    }
  }
  Json out = Json::object();
  for (const auto& spec : schema) {
    const std::string p = pointer + "/" + pointer_token(spec.name);
    if (!object.contains(spec.name)) {
      if (spec.default_value.is_null()) {
        if (spec.optional) continue;
        throw ScenarioError(file, p, "required key is missing; allowed: " + allowed_text(spec));
      }
      out[spec.name] = spec.default_value;
      continue;
    }
    const Json& v = object[spec.name];
    const std::string wrong = "expected " + allowed_text(spec) + ", got " + json_type_of(v);
    switch (spec.type) {
      case ParamType::kInteger:
        if (!is_integral(v)) throw ScenarioError(file, p, wrong);
        check_range(spec, v.get<double>(), file, p);
        out[spec.name] = v.get<std::int64_t>();
        break;
      case ParamType::kNumber:
        if (!v.is_number()) throw ScenarioError(file, p, wrong);
        check_range(spec, v.get<double>(), file, p);
        out[spec.name] = v;
        break;
      case ParamType::kBoolean:
        if (!v.is_boolean()) throw ScenarioError(file, p, wrong);
        out[spec.name] = v;
        break;
      case ParamType::kString: {
        if (!v.is_string()) throw ScenarioError(file, p, wrong);
        if (!spec.choices.empty()) {
          bool ok = false;
          for (const auto& c : spec.choices) ok = ok || c == v.get<std::string>();
          if (!ok) {
            throw ScenarioError(file, p, "value " + json_quoted(v.get<std::string>()) + " is not allowed; allowed: " + allowed_text(spec));
          }
        }
        out[spec.name] = v;
        break;
      }
      case ParamType::kIntegerList:
        if (!v.is_array()) throw ScenarioError(file, p, wrong);
        for (std::size_t i = 0; i < v.size(); ++i) {
          const std::string pi = p + "/" + std::to_string(i);
          if (!is_integral(v[i])) {
            throw ScenarioError(file, pi, "expected an integer, got " + json_type_of(v[i]));
          }
          check_range(spec, v[i].get<double>(), file, pi);
        }
        out[spec.name] = v;
        break;
      case ParamType::kNumberList:
        if (!v.is_array()) throw ScenarioError(file, p, wrong);
        for (std::size_t i = 0; i < v.size(); ++i) {
          const std::string pi = p + "/" + std::to_string(i);
          if (!v[i].is_number()) throw ScenarioError(file, pi, "expected a number, got " + json_type_of(v[i]));
          check_range(spec, v[i].get<double>(), file, pi);
        }
        out[spec.name] = v;
        break;
      case ParamType::kStringList:
        if (!v.is_array()) throw ScenarioError(file, p, wrong);
        for (std::size_t i = 0; i < v.size(); ++i) {
          if (!v[i].is_string()) {
            throw ScenarioError(file, p + "/" + std::to_string(i),
                                "expected a string, got " + json_type_of(v[i]));
          }
        }
        out[spec.name] = v;
        break;
      case ParamType::kObject:
        if (!v.is_object()) throw ScenarioError(file, p, wrong);
        out[spec.name] = v;
        break;
      case ParamType::kObjectList:
        if (!v.is_array()) throw ScenarioError(file, p, wrong);
        for (std::size_t i = 0; i < v.size(); ++i) {
          if (!v[i].is_object()) {
            throw ScenarioError(file, p + "/" + std::to_string(i),
                                "expected an object, got " + json_type_of(v[i]));
          }
        }
        out[spec.name] = v;
        break;
      case ParamType::kObjectOrList:
        if (v.is_object()) {
          out[spec.name] = v;
          break;
        }
        if (!v.is_array()) throw ScenarioError(file, p, wrong);
        for (std::size_t i = 0; i < v.size(); ++i) {
          if (!v[i].is_object()) {
            throw ScenarioError(file, p + "/" + std::to_string(i), "expected an object, got " + json_type_of(v[i]));
          }
        }
        out[spec.name] = v;
        break;
      case ParamType::kProductSelector:
        check_selector(v, file, p, selectors);
        out[spec.name] = v;
        break;
    }
  }
  return out;
}

}  // namespace marketsim
