#pragma once
// A process-wide table of names with dense ids, for kinds that components add by naming them
// (command kinds, cost kinds, book counters): the first to name a kind registers it, everyone
// after gets the same id. Ids follow registration order, which may differ between programs, so
// they are only compared and used as indices, never written out (outputs use the names).
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "sim/error.h"

namespace marketsim {

class NameTable {
 public:
  /// `what` names the table in messages ("command kind"); at most `capacity` names.
  NameTable(std::string what, std::size_t capacity) : what_(std::move(what)), capacity_(capacity) {}

  /// The id of `name`, registering it on first use. Throws Error past the capacity.
  std::size_t id(std::string_view name) {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (std::size_t k = 0; k < names_.size(); ++k) {
      if (names_[k] == name) return k;
    }
    if (names_.size() >= capacity_) {
      throw Error("too many " + what_ + "s: \"" + std::string(name) + "\" would be number " +
                  std::to_string(capacity_ + 1) + ", at most " + std::to_string(capacity_) +
                  " are allowed");
    }
    names_.emplace_back(name);
    return names_.size() - 1;
  }
  /// The name of id k.
  std::string name(std::size_t k) const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return k < names_.size() ? names_[k] : std::string("?");
  }
  std::size_t capacity() const { return capacity_; }

 private:
  std::string what_;
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::vector<std::string> names_;
};

}  // namespace marketsim
