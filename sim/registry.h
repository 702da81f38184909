#pragma once
// A registry of components of one family (pricing strategies, behaviour modules, ...): entries
// {name, description, declared parameters, factory}. Registries live behind function-local
// statics and are filled by explicit register_builtin_*() calls (not by static constructors the
// linker may drop); a test or a user's program may add its own entries the same way.
#include <functional>
#include <memory>
#include <string>
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
};

template <typename Interface, typename Context>
class Registry {
 public:
  using Info = ComponentInfo<Interface, Context>;

  /// `family` names the registry in messages ("pricing", "behaviour"); `kind` names what it
  /// holds ("strategy", "module").
  Registry(std::string family, std::string kind) : family_(std::move(family)), kind_(std::move(kind)) {}
  /// Adds an entry, replacing one of the same name.
  void add(Info info) {
    for (auto& e : entries_) {
      if (e.name == info.name) {
        e = std::move(info);
        return;
      }
    }
    entries_.push_back(std::move(info));
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
