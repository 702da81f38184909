#pragma once
// A registry of components of one family (pricing strategies, behaviour modules, ...): entries
// {name, description, declared parameters, factory}. Registries live behind function-local
// statics and are filled by explicit register_builtin_*() calls (not by static constructors the
// linker may drop); a test or a user's program may add its own entries the same way.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/params.h"

namespace marketsim {

/// One registered component: `make` builds it from validated parameters (defaults filled in)
/// and a context; it may throw ParamError for a problem its declared ranges cannot express.
template <typename Interface, typename Context>
struct ComponentInfo {
  std::string name;
  std::string description;
  ParamSchema params;
  std::function<std::unique_ptr<Interface>(const Json& params, const Context& ctx)> make;
  /// Example parameter objects (without "name"), at least one per entry: the conformance suite
  /// (tests/test_conformance.cpp) builds and runs each on a tiny market and violates each declared
  /// range next to it. {} is an example when the defaults make sense. An example may hold
  /// "requires", what else its scenario needs, stripped before validation:
  /// {"behaviours": [modules listed before this one], "arm": {arm keys; "promotions" are added}}.
  std::vector<Json> examples = {};
};

/// Adds `info` to a list of named entries, replacing an entry of the same name (every registry
/// of the tree: components, output files, commands).
template <typename Info>
void add_or_replace(std::vector<Info>& entries, Info info) {
  for (auto& e : entries) {
    if (e.name == info.name) {
      e = std::move(info);
      return;
    }
  }
  entries.push_back(std::move(info));
}

/// Examples written as one JSON array text, e.g. examples_from(R"([{"depth": 0.2}])").
inline std::vector<Json> examples_from(std::string_view json_array) {
  return Json::parse(json_array).get<std::vector<Json>>();
}

template <typename Interface, typename Context>
class Registry {
 public:
  using Info = ComponentInfo<Interface, Context>;

  /// `family` names the registry in messages ("pricing", "behaviour"); `kind` names what it
  /// holds ("strategy", "module").
  Registry(std::string family, std::string kind) : family_(std::move(family)), kind_(std::move(kind)) {}
  /// Adds an entry, replacing one of the same name.
  void add(Info info) { add_or_replace(entries_, std::move(info)); }
  /// Removes the entry `name` (a test's own entry); whether there was one.
  bool remove(const std::string& name) {
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->name == name) {
        entries_.erase(it);
        return true;
      }
    }
    return false;
  }
  const Info* find(const std::string& name) const {
    for (const auto& e : entries_) {
      if (e.name == name) return &e;
    }
    return nullptr;
  }
  /// "\"a\", \"b\"": the registered names, for error messages.
  std::string names() const {
    std::string out;
    for (const auto& e : entries_) out += (out.empty() ? "\"" : ", \"") + e.name + "\"";
    return out;
  }
  const std::vector<Info>& entries() const { return entries_; }
  const std::string& family() const { return family_; }
  const std::string& kind() const { return kind_; }

 private:
  std::string family_;
  std::string kind_;
  std::vector<Info> entries_;
};

}  // namespace marketsim
