// libFuzzer target for the scenario loader's validation path, check_scenario_text().
//
// Input: the bytes are a scenario file's text. If they contain the separator line
// "\n//--set\n", the text before it is the scenario and the text after it is split on '\n' into
// --set override strings ("/json/pointer=value"), applied in order; an empty last line is dropped.
// (A scenario may contain "//" comments, so the separator is a valid comment line too.)
//
// Oracle: on bad input the loader throws marketsim::ScenarioError, a one-line message that starts
// with the file name. Only that exception is caught, and its message is checked (no '\n' or '\r',
// valid UTF-8, starts with "<file>: "); a violation aborts. Any other exception escapes and
// libFuzzer reports it as a crash (uncaught exception -> std::terminate -> abort), as do ASan and
// UBSan errors, timeouts and running out of memory.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <tbb/global_control.h>

#include "agents/behaviour.h"
#include "scenarios/scenario.h"
#include "sim/error.h"
#include "strategies/registry.h"

namespace {

constexpr std::string_view kSeparator = "\n//--set\n";
const std::string kFile = "fuzz.json";

/// True when `s` is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0u) != 0x80u) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return false;
    }
    i += len;
  }
  return true;
}

/// Reports a bad message (bytes outside printable ASCII as \xNN, so that the report is one
/// readable line) and aborts, which libFuzzer reports as a crash.
[[noreturn]] void fail(const char* why, const std::string& what) {
  std::string shown;
  for (const char ch : what) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      shown += ch;
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned>(c));
      shown += hex;
    }
  }
  std::fprintf(stderr, "fuzz_scenario: ScenarioError message %s: %s\n", why, shown.c_str());
  std::abort();
}

void check_message(const marketsim::ScenarioError& e) {
  const std::string what = e.what();
  if (what.find_first_of("\r\n") != std::string::npos) fail("is not one line", what);
  if (!valid_utf8(what)) fail("is not valid UTF-8", what);
  if (what.rfind(kFile + ": ", 0) != 0) fail("does not start with the file name", what);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  marketsim::register_builtin_strategies();
  marketsim::register_builtin_behaviours();
  // One thread: the loader's catalogue uses tbb::parallel_for; workers would make coverage and
  // timing noisy and are not what is being fuzzed. Lives for the whole process.
  static const auto limit =
      std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view text = input;
  std::vector<std::string> overrides;
  if (const auto at = input.find(kSeparator); at != std::string_view::npos) {
    text = input.substr(0, at);
    std::string_view rest = input.substr(at + kSeparator.size());
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      overrides.emplace_back(rest.substr(0, nl));
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
  }
  try {
    (void)marketsim::check_scenario_text(text, kFile, overrides);
  } catch (const marketsim::ScenarioError& e) {
    check_message(e);
  }
  return 0;
}
