#pragma once
// Declared parameters: every configurable object (a strategy, a market segment, the scenario
// itself) declares its keys with type, default, range and a one-line description next to the code
// that uses them. validate_object() checks a JSON object against such a declaration: unknown keys,
// missing required keys, wrong types and out-of-range values become one-line ScenarioErrors naming
// the file, the JSON pointer and what is allowed.
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace marketsim {

using Json = nlohmann::json;

enum class ParamType {
  kInteger,
  kNumber,
  kBoolean,
  kString,
  kIntegerList,
  kNumberList,       // list of numbers, each in [min, max]
  kStringList,
  kObject,           // nested object; the owner validates its contents
  kObjectList,       // array of nested objects; the owner validates each
  kObjectOrList,     // one nested object or an array of them; the owner validates them
  kProductSelector,  // "all", {"ids": [...]}, {"categories": [...]}, {"every": k, "offset": r}
};

/// One declared key of a configurable object.
struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kNumber;
  /// Default value; null means the key is required.
  Json default_value = nullptr;
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  std::string description;
  /// For kString: the allowed values (empty = any string).
  std::vector<std::string> choices = {};
  /// Lower bound is exclusive (e.g. a rate that must be > 0).
  bool min_exclusive = false;
  /// With a null default: the key may be left out (and then stays absent) instead of required.
  bool optional = false;
};

using ParamSchema = std::vector<ParamSpec>;

/// A registered component chosen in a scenario (a strategy, a behaviour module): its registered
/// name and its validated parameters, defaults filled in.
struct ComponentSpec {
  std::string name;
  Json params;
};

/// What the validator knows about the market, for product selectors.
struct SelectorContext {
  std::size_t products = 0;
  std::vector<std::string> categories;
};

/// Validates `object` at `pointer` of `file` against `schema` and returns it with defaults filled
/// in. Throws ScenarioError on the first problem.
Json validate_object(const ParamSchema& schema, const Json& object, const std::string& file,
                     const std::string& pointer, const SelectorContext* selectors = nullptr);

/// Human-readable name of a type, e.g. "integer", "list of strings".
std::string type_name(ParamType type);

/// "integer in [1, 64]", "number > 0", "one of \"a\", \"b\"": what a spec allows.
std::string allowed_text(const ParamSpec& spec);

/// Escapes a key for use as a JSON pointer token (RFC 6901).
std::string pointer_token(const std::string& key);

}  // namespace marketsim
