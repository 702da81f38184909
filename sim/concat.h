#pragma once
// String concatenation by appending: cat("--", flag, " is required"). GCC 12's -Wrestrict misfires
// on chains of `literal + std::string`; appending in order avoids them and the temporaries.
#include <string>

namespace marketsim {

template <typename... T>
std::string cat(const T&... parts) {
  std::string s;
  (s += ... += parts);
  return s;
}

}  // namespace marketsim
