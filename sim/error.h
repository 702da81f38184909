#pragma once
// The one exception hierarchy of marketsim. The command line maps ScenarioError and UsageError to
// exit code 2 (bad input) and everything else to exit code 1 (internal error).
#include <stdexcept>
#include <string>
#include <utility>

#include "sim/text.h"

namespace marketsim {

/// Root of every error marketsim throws on purpose. Its message is always one line: whatever
/// bytes the input put into it are escaped (sim/text.h one_line()).
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(one_line(what)) {}
};

/// Bad input in a scenario file or a --set override: names the file, the JSON pointer and what is
/// allowed, on one line.
class ScenarioError : public Error {
 public:
  ScenarioError(std::string file, std::string pointer, const std::string& what)
      : Error(file + ": " + (pointer.empty() ? std::string("/") : pointer) + ": " + what),
        file_(std::move(file)),
        pointer_(std::move(pointer)),
        detail_(one_line(what)) {}
  const std::string& file() const { return file_; }
  const std::string& pointer() const { return pointer_; }
  /// What is wrong, without the file and pointer.
  const std::string& detail() const { return detail_; }

 private:
  std::string file_;
  std::string pointer_;
  std::string detail_;
};

/// A strategy name no registry knows; the message lists the valid names.
class UnknownStrategy : public ScenarioError {
 public:
  using ScenarioError::ScenarioError;
};

/// Thrown by a factory (strategy, behaviour) for a problem its declared ranges cannot express
/// (e.g. S <= s); the scenario loader turns it into a ScenarioError at the pointer of `key`. A key
/// that starts with '/' is a JSON pointer relative to the component's object, its tokens already
/// escaped (for keys inside nested objects: "/monitor/0/factor").
class ParamError : public Error {
 public:
  ParamError(std::string key, const std::string& what) : Error(what), key_(std::move(key)) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

/// Bad command-line use (unknown flag, malformed value).
class UsageError : public Error {
 public:
  using Error::Error;
};

/// A quantity of a run left the range its arithmetic can hold (a money total beyond 64-bit cents,
/// a stock total beyond 64-bit units): the scenario's magnitudes are too large. Bad input (exit 2),
/// found during the run.
class RangeError : public Error {
 public:
  using Error::Error;
};

/// A run broke one of its own invariants (units conserved, ledger reconciles): a bug, not input.
class InvariantViolation : public Error {
 public:
  using Error::Error;
};

}  // namespace marketsim
