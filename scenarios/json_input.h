#pragma once
// The one front door for JSON that comes from a user: scenario files and --set values. Whatever
// the bytes, the result is a document within the limits below or a one-line ScenarioError (exit
// 2): never a crash, a deep recursion, a silently dropped duplicate or an internal error.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sim/params.h"

namespace marketsim {

struct JsonLimits {
  /// Nesting of objects and lists. A scenario needs about 8; every later step (validation,
  /// copies, output) recurses over the document, so the bound keeps them far from the stack's end.
  std::size_t max_depth = 64;
  /// Bytes of a scenario file (large enough for a list of every product id of the largest
  /// catalogue).
  std::size_t max_bytes = std::size_t{256} << 20;
};

/// Parses `text` (comments allowed) as read from `file`. Rejects, with the JSON pointer of the
/// place: syntax errors (with line and column), nesting deeper than limits.max_depth, numbers
/// beyond the range of a double, strings that are not UTF-8, and a key repeated in one object.
/// `at` prefixes the pointers in messages (the --set pointer a value is for).
Json parse_json(std::string_view text, const std::string& file, const JsonLimits& limits = {},
                const std::string& at = "");

/// A JSON pointer (RFC 6901) split into its unescaped tokens; throws ScenarioError for a
/// malformed one ("~" not followed by 0 or 1, not starting with "/").
std::vector<std::string> pointer_tokens(std::string_view pointer, const std::string& file);

/// Applies one "--set /json/pointer=value" assignment to `document`. The value is parsed through
/// parse_json (and read as a plain string when it is not JSON at all); the pointer's parent must
/// exist, a list index must be a canonical number below the list's size, and the value may not
/// nest deeper than the limit allows at that depth.
void apply_override(Json& document, std::string_view assignment, const std::string& file,
                    const JsonLimits& limits = {});

/// Reads a scenario file: bounded by limits.max_bytes, through parse_json.
Json read_json_file(const std::string& path, const JsonLimits& limits = {});

}  // namespace marketsim
