// Hostile input: the front door for user JSON (scenarios/json_input), one-line errors
// (sim/text.h, sim/error.h), RFC 4180 output with hostile names (analysis/report.cpp) and a small
// deterministic mutation fuzz of the shipped scenarios. Every bad input must end as exit 2 (or a
// ScenarioError in-process) with ONE line of valid UTF-8 that starts with the file name and names
// the JSON pointer of the place: never a crash, an exit 1 or a message broken over lines.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "cli/cli.h"
#include "cli_harness.h"
#include "scenarios/json_input.h"
#include "scenarios/scenario.h"
#include "sim/error.h"
#include "sim/text.h"

using namespace marketsim;
using namespace marketsim::testing;
using namespace std::string_literals;
namespace fs = std::filesystem;

namespace {

const std::string kReference = MARKETSIM_SOURCE_DIR "/scenarios/reference-market.json";

/// A fresh scratch directory for one test case (ctest runs test cases in parallel processes, and
/// other build trees may run the same tests: the process id keeps them apart).
fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("marketsim-hostile-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

/// `n` nested lists: "[[...]]".
std::string nested_lists(std::size_t n) { return repeat("[", n) + repeat("]", n); }

/// `n` nested objects: {"a":{"a":...1...}}.
std::string nested_objects(std::size_t n) { return repeat("{\"a\":", n) + "1" + repeat("}", n); }

/// The pointer of the first container that breaks the limit of 64 when `filler` tokens (the
/// tokens of nested_lists "0" or nested_objects "a") follow `prefix`, the pointer of the first
/// nested container (`prefix_tokens` tokens): 64 tokens in all.
std::string rejected_pointer(const std::string& prefix, std::size_t prefix_tokens, const std::string& filler,
                             std::size_t max_depth = 64) {
  return prefix + repeat("/" + filler, max_depth - prefix_tokens);
}

/// Nesting of a parsed document (a scalar is 0, "[]" is 1).
std::size_t depth_of(const Json& j) {
  if (!j.is_structured()) return 0;
  std::size_t deepest = 0;
  for (const auto& child : j) deepest = std::max(deepest, depth_of(child));
  return deepest + 1;
}

const Json& reference_document() {
  static const Json doc = Json::parse(slurp(kReference), nullptr, true, true);
  return doc;
}

/// The reference scenario as text, with the value at `pointer` replaced by `raw` (inserted as is,
/// so that it may be any bytes at all).
std::string reference_with(const std::string& pointer, const std::string& raw) {
  Json doc = reference_document();
  doc[Json::json_pointer(pointer)] = "@@HOSTILE@@";
  std::string text = doc.dump(1);
  const std::string mark = "\"@@HOSTILE@@\"";
  text.replace(text.find(mark), mark.size(), raw);
  return text;
}

/// The reference scenario with `value` at `pointer` (strings escaped by the JSON writer).
std::string reference_with_value(const std::string& pointer, const Json& value) {
  Json doc = reference_document();
  doc[Json::json_pointer(pointer)] = value;
  return doc.dump(1);
}

/// What every error message must be: one line of valid UTF-8.
void check_one_line(const std::string& message) {
  INFO("message (escaped): " << one_line(message));
  CHECK(message.find('\n') == std::string::npos);
  CHECK(message.find('\r') == std::string::npos);
  CHECK(is_valid_utf8(message));
}

/// The start of a ScenarioError's message for `file` and `pointer`.
std::string error_head(const std::string& file, const std::string& pointer) {
  return one_line(file) + ": " + one_line(pointer.empty() ? "/" : pointer) + ": ";
}

struct Caught {
  bool thrown = false;
  std::string file;
  std::string pointer;
  std::string what;
};

/// Runs `action`, expecting a ScenarioError; any other exception fails the test with its message.
Caught scenario_error(const std::function<void()>& action) {
  Caught c;
  try {
    action();
  } catch (const ScenarioError& e) {
    c.thrown = true;
    c.file = e.file();
    c.pointer = e.pointer();
    c.what = e.what();
  } catch (const std::exception& e) {
    FAIL("not a ScenarioError: " << one_line(e.what()));
  }
  return c;
}

void check_error(const Caught& c, const std::string& file, const std::string& pointer,
                 std::initializer_list<std::string> needles) {
  INFO("pointer (escaped): " << one_line(pointer));
  REQUIRE(c.thrown);
  INFO("what: " << one_line(c.what));
  CHECK(c.file == file);
  CHECK(c.pointer == pointer);
  check_one_line(c.what);
  CHECK(c.what.rfind(error_head(file, pointer), 0) == 0);
  for (const auto& needle : needles) CHECK(c.what.find(needle) != std::string::npos);
}

/// A `marketsim` result that is bad input: exit 2, nothing on stdout, exactly one line on stderr
/// (ending in a single '\n') of valid UTF-8 that starts with the file and the pointer.
void check_cli_error(const Result& r, const std::string& file, const std::string& pointer,
                     std::initializer_list<std::string> needles) {
  INFO("pointer (escaped): " << one_line(pointer));
  INFO("stderr (escaped): " << one_line(r.err));
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK((!r.err.empty() && r.err.back() == '\n'));
  CHECK(r.err.find('\r') == std::string::npos);
  CHECK(is_valid_utf8(r.err));
  CHECK(r.err.rfind("error: " + error_head(file, pointer), 0) == 0);
  for (const auto& needle : needles) CHECK(r.err.find(needle) != std::string::npos);
}

/// `marketsim validate` on `text` written to `dir`/`name`, with extra arguments.
Result validate_text(const fs::path& dir, const std::string& name, const std::string& text,
                     const std::vector<std::string>& extra = {}) {
  const fs::path file = dir / name;
  spit(file, text);
  std::vector<std::string> args = {"validate", file.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return cli(args);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// 1. The front door.

TEST_CASE("hostile: 130,000 levels of nesting in a strategy object and under /market", "[hostile]") {
  const fs::path dir = scratch("deep");
  const std::size_t levels = 130000;
  {  // lists inside the pricing strategy: /arms/0/pricing/deep is the first nested container
    const std::string text = reference_with("/arms/0/pricing", "{\"name\": \"fixed\", \"deep\": " + nested_lists(levels) + "}");
    const std::string pointer = rejected_pointer("/arms/0/pricing/deep", 4, "0");
    check_error(scenario_error([&] { (void)check_scenario_text(text, "deep.json"); }), "deep.json", pointer,
                {"nesting deeper than 64"});
    const Result r = validate_text(dir, "deep-pricing.json", text);
    check_cli_error(r, (dir / "deep-pricing.json").string(), pointer, {"nesting deeper than 64"});
  }
  {  // objects under /market
    const std::string text = reference_with("/market/deep", nested_objects(levels));
    const std::string pointer = rejected_pointer("/market/deep", 2, "a");
    check_error(scenario_error([&] { (void)check_scenario_text(text, "deep.json"); }), "deep.json", pointer,
                {"nesting deeper than 64"});
    const Result r = validate_text(dir, "deep-market.json", text);
    check_cli_error(r, (dir / "deep-market.json").string(), pointer, {"nesting deeper than 64"});
  }
  {  // the same through --set: the value's limit is what is left below /market/deep
    const Result r = cli({"validate", kReference, "--set", "/market/deep=" + nested_lists(levels)});
    check_cli_error(r, kReference, rejected_pointer("/market/deep", 2, "0"), {"nesting deeper than"});
  }
  fs::remove_all(dir);
}

TEST_CASE("hostile: nesting at the limit (64 accepted, 65 rejected) in parse_json", "[hostile]") {
  const std::string file = "boundary.json";
  const Json lists = parse_json(nested_lists(64), file);
  CHECK(depth_of(lists) == 64);
  const Json objects = parse_json(nested_objects(64), file);
  CHECK(depth_of(objects) == 64);
  CHECK(depth_of(parse_json("[" + nested_lists(63) + ", 1, {\"k\": 2}]", file)) == 64);
  CHECK_NOTHROW(parse_json(repeat("[", 64) + "1" + repeat("]", 64), file));  // a scalar is no level

  check_error(scenario_error([&] { (void)parse_json(nested_lists(65), file); }), file, rejected_pointer("", 0, "0"),
              {"nesting deeper than 64 levels"});
  check_error(scenario_error([&] { (void)parse_json(nested_objects(65), file); }), file,
              rejected_pointer("", 0, "a"), {"nesting deeper than 64 levels"});
  // `at` prefixes the pointer.
  check_error(scenario_error([&] { (void)parse_json(nested_lists(65), file, {}, "/at"); }), file,
              "/at" + rejected_pointer("", 0, "0"), {"nesting deeper than 64"});

  // Pointers stay right after siblings and closed containers.
  const JsonLimits three{.max_depth = 3};
  CHECK_NOTHROW(parse_json("{\"a\":[[]],\"b\":{\"c\":[]}}", file, three));
  check_error(scenario_error([&] { (void)parse_json("{\"a\":[[]],\"b\":{\"c\":[[1]]}}", file, three); }), file,
              "/b/c/0", {"nesting deeper than 3"});
  const JsonLimits two{.max_depth = 2};
  check_error(scenario_error([&] { (void)parse_json("{\"a\":1,\"b\":[1,2,[3]]}", file, two); }), file, "/b/2",
              {"nesting deeper than 2"});
  check_error(scenario_error([&] { (void)parse_json("{\"x/y~z\":[[1]]}", file, two); }), file, "/x~1y~0z/0",
              {"nesting deeper than 2"});
  const JsonLimits zero{.max_depth = 0};
  CHECK(parse_json("7", file, zero) == 7);
  check_error(scenario_error([&] { (void)parse_json("[]", file, zero); }), file, "", {"nesting deeper than 0"});
}

TEST_CASE("hostile: numbers beyond a double in a file and in --set", "[hostile]") {
  const fs::path dir = scratch("numbers");
  const std::string digits400 = repeat("9", 400);
  const std::vector<std::string> huge = {"1e400", "-1e400", digits400, "-" + digits400, "1" + repeat("0", 399) + ".5"};
  for (const auto& number : huge) {
    INFO("number: " << number.substr(0, 20));
    // In a file: a scalar, inside a strategy object and as a list item.
    const std::vector<std::pair<std::string, std::string>> places = {
        {"/seed", number},
        {"/arms/0/pricing", "{\"name\": \"fixed\", \"price_factor\": " + number + "}"},
        {"/market/behaviours", "[{\"name\": \"quality_learning\"}, " + number + "]"}};
    const std::vector<std::string> pointers = {"/seed", "/arms/0/pricing/price_factor", "/market/behaviours/1"};
    for (std::size_t k = 0; k < places.size(); ++k) {
      const Result r = validate_text(dir, "number.json", reference_with(places[k].first, places[k].second));
      check_cli_error(r, (dir / "number.json").string(), pointers[k], {"out of range", "1.8e308"});
      CHECK(r.err.size() < 400);  // the number is echoed shortened
    }
    // In --set: the value itself, and inside a JSON value.
    check_cli_error(cli({"validate", kReference, "--set", "/seed=" + number}), kReference, "/seed",
                    {"--set: number", "out of range"});
    check_cli_error(cli({"validate", kReference, "--set", "/arms/0/pricing/price_factor=" + number}), kReference,
                    "/arms/0/pricing/price_factor", {"out of range"});
    check_cli_error(cli({"validate", kReference, "--set", "/market/x=[1, {\"y\": " + number + "}]"}), kReference,
                    "/market/x/1/y", {"out of range"});
    // --seed and --replications are --set in disguise.
    check_cli_error(cli({"run", kReference, "--quiet", "--seed=" + number}), kReference, "/seed", {"out of range"});
    check_cli_error(cli({"run", kReference, "--quiet", "--replications=" + number}), kReference, "/replications",
                    {"out of range"});
  }
  // Just inside a double: read, then rejected by the type and range of the key (still exit 2).
  for (const std::string number : {"1e308", "-1e308", "18446744073709551616", "-9223372036854775809"}) {
    check_cli_error(cli({"validate", kReference, "--set", "/seed=" + number}), kReference, "/seed",
                    {"expected integer in [0, 9e+15]"});
  }
  check_cli_error(cli({"validate", kReference, "--set", "/seed=18446744073709551615"}), kReference, "/seed",
                  {"out of range; allowed: integer in [0, 9e+15]"});
  check_cli_error(cli({"validate", kReference, "--set", "/arms/0/pricing/price_factor=1e308"}), kReference,
                  "/arms/0/pricing/price_factor", {"out of range"});
  // In-process: the pointer of a number after closed containers.
  check_error(scenario_error([] { (void)parse_json("{\"a\":{\"b\":[1]},\"c\":1e400}", "n.json"); }), "n.json", "/c",
              {"number 1e400 is out of range"});
  check_error(scenario_error([] { (void)parse_json("[1,[2],-1e400]", "n.json"); }), "n.json", "/2",
              {"out of range"});
  CHECK(parse_json("1e-400", "n.json") == 0.0);  // underflow is zero, not an error
  fs::remove_all(dir);
}

TEST_CASE("hostile: --set list indexes: huge, negative, leading zero, '-', one past the end", "[hostile]") {
  // In the middle of the pointer: the walk stops there.
  for (const std::string index : {"99999999999999999999", "18446744073709551616", "18446744073709551615", "-1", "00",
                                  "01", "-", "1", "+0", " 0", "0x0", "1e0", ""}) {
    const std::string pointer = "/arms/" + index + "/name";
    check_cli_error(cli({"validate", kReference, "--set", pointer + "=x"}), kReference, pointer,
                    {"--set: the scenario has no object or list at /arms/" + index});
  }
  // At the end.
  for (const std::string index : {"99999999999999999999", "18446744073709551616", "18446744073709551615", "1"}) {
    const std::string pointer = "/arms/" + index;
    check_cli_error(cli({"validate", kReference, "--set", pointer + "=x"}), kReference, pointer,
                    {"--set: index out of range; the list has 1 items"});
  }
  for (const std::string index : {"-1", "00", "01", "-", "+0", "0x0", ""}) {
    const std::string pointer = "/arms/" + index;
    check_cli_error(cli({"validate", kReference, "--set", pointer + "=x"}), kReference, pointer,
                    {"--set: a list index must be a plain number"});
  }
  // A deep walk through a scalar, a list index on an object and an index into a string.
  check_cli_error(cli({"validate", kReference, "--set", "/seed/0/x=1"}), kReference, "/seed/0/x",
                  {"no object or list at /seed/0"});
  check_cli_error(cli({"validate", kReference, "--set", "/seed/0=1"}), kReference, "/seed/0",
                  {"no object or list at /seed"});
  check_cli_error(cli({"validate", kReference, "--set", "/market/0/x=1"}), kReference, "/market/0/x",
                  {"no object or list at /market/0"});
  // Malformed pointers and assignments.
  check_cli_error(cli({"validate", kReference, "--set", "/a~2b=1"}), kReference, "/a~2b", {"~ must be followed by 0 or 1"});
  check_cli_error(cli({"validate", kReference, "--set", "/a~=1"}), kReference, "/a~", {"~ must be followed by 0 or 1"});
  check_cli_error(cli({"validate", kReference, "--set", "seed=1"}), kReference, "seed=1", {"--set expects"});
  check_cli_error(cli({"validate", kReference, "--set", "/seed"}), kReference, "/seed", {"--set expects"});
  check_cli_error(cli({"validate", kReference, "--set", "=1"}), kReference, "=1", {"--set expects"});
  // A pointer deeper than the limit.
  const std::string deep = repeat("/a", 64);
  check_cli_error(cli({"validate", kReference, "--set", deep + "=1"}), kReference, deep, {"deeper than 64"});
  // Good indexes still work.
  CHECK(cli({"validate", kReference, "--set", "/arms/0/name=renamed"}).code == 0);
  CHECK(cli({"validate", kReference, "--set", "/market/categories/0/products=500"}).code == 0);

  // pointer_tokens (RFC 6901) itself.
  CHECK(pointer_tokens("", "f").empty());
  CHECK(pointer_tokens("/a~1b/c~0d/", "f") == std::vector<std::string>{"a/b", "c~d", ""});
  CHECK(pointer_tokens("/~01", "f") == std::vector<std::string>{"~1"});
  check_error(scenario_error([] { (void)pointer_tokens("a/b", "f"); }), "f", "a/b", {"starts with /"});
  check_error(scenario_error([] { (void)pointer_tokens("/x~", "f"); }), "f", "/x~", {"~ must be followed"});
}

TEST_CASE("hostile: invalid UTF-8 in --set keys and values and in a file's strings", "[hostile]") {
  const fs::path dir = scratch("utf8");
  // --set: the key, the value (bare and inside JSON), overlong, surrogate, truncated.
  const std::vector<std::pair<std::string, std::string>> sets = {
      {"/na\xffme", "/na\xffme=x"},
      {"/name", "/name=caf\xc3"},
      {"/name", "/name=\"caf\xc3\xa9\xff\""},
      {"/name", "/name=\xc0\xaf"},
      {"/name", "/name=\xed\xa0\x80"},
      {"/name", "/name=\xf4\x90\x80\x80"},
      {"/market/x", "/market/x={\"k\xfe\": 1}"},
      {"/\xff", "/\xff"},  // no '=' and not UTF-8: the UTF-8 check comes first
  };
  for (const auto& [pointer, assignment] : sets) {
    check_cli_error(cli({"validate", kReference, "--set", assignment}), kReference, pointer,
                    {"--set: the assignment is not valid UTF-8"});
    const Result run = cli({"run", kReference, "--quiet", "--out", (dir / "never").string(), "--set", assignment});
    check_cli_error(run, kReference, pointer, {"not valid UTF-8"});
    CHECK(!fs::exists(dir / "never"));
  }
  // In a file: inside a string value, a key, raw control characters and a raw NUL.
  const std::vector<std::tuple<std::string, std::string, std::string>> files = {
      {"/name", "\"caf\xc3\xa9 \xff\"", "UTF-8"},
      {"/name", "\"\xed\xa0\x80\"", "UTF-8"},
      {"/name", "\"\xc0\xaf\"", "UTF-8"},
      {"/name", "\"trunc\xe2\x82\"", "UTF-8"},
      {"/arms/0/pricing", "{\"name\": \"fixed\", \"k\xff\": 1}", "UTF-8"},
      {"/name", "\"line\nbreak\"", "must be escaped"},
      {"/name", "\"esc\x1b[2J\"", "must be escaped"},
      {"/name", "\"nul"s + '\0' + "byte\"", "must be escaped"},
      {"/name", "\"x\" \xff", "invalid JSON"},
  };
  for (const auto& [where, raw, needle] : files) {
    const std::string text = reference_with(where, raw);
    const fs::path file = dir / "bytes.json";
    check_cli_error(validate_text(dir, "bytes.json", text), file.string(), "", {"invalid JSON", needle});
    const Result run = cli({"run", file.string(), "--quiet", "--out", (dir / "never").string()});
    check_cli_error(run, file.string(), "", {"invalid JSON"});
    CHECK(!fs::exists(dir / "never"));  // the run never started
    check_error(scenario_error([&] { (void)check_scenario_text(text, "bytes.json"); }), "bytes.json", "",
                {"invalid JSON", "line "});
  }
  fs::remove_all(dir);
}

TEST_CASE("hostile: duplicate keys at the top level, nested and in --set values", "[hostile]") {
  const fs::path dir = scratch("duplicates");
  std::string top = reference_document().dump(1);
  top.insert(1, "\"seed\": 7,");  // the shipped "seed" comes later: it is the duplicate
  const fs::path file = dir / "dup.json";
  check_cli_error(validate_text(dir, "dup.json", top), file.string(), "/seed",
                  {"duplicate key \"seed\"; a key may appear once in an object"});

  const std::vector<std::tuple<std::string, std::string, std::string, std::string>> nested = {
      {"/market/categories/0", "{\"name\": \"all\", \"products\": 1000, \"name\": \"again\"}",
       "/market/categories/0/name", "duplicate key \"name\""},
      {"/arms/0/pricing", "{\"name\": \"fixed\", \"price_factor\": 1, \"price_factor\": 2}",
       "/arms/0/pricing/price_factor", "duplicate key \"price_factor\""},
      {"/market/x", "{\"a\": {\"b\": [1]}, \"c\": 2, \"a\": 3}", "/market/x/a", "duplicate key \"a\""},
      {"/market/x", "{\"a\": 1, \"\\u0061\": 2}", "/market/x/a", "duplicate key \"a\""},  // the same key escaped
      {"/market/x", "{\"a/b~c\": 1, \"a/b~c\": 2}", "/market/x/a~1b~0c", "duplicate key \"a/b~c\""},
      {"/market/x", "{\"k\\n\\u001b\": 1, \"k\\n\\u001b\": 2}", "/market/x/k\n\x1b", "duplicate key \"k\\n\\u001b\""},
      {"/market/x", "[{}, {\"\": 1, \"\": 2}]", "/market/x/1/", "duplicate key \"\""},
  };
  for (const auto& [where, raw, pointer, needle] : nested) {
    check_cli_error(validate_text(dir, "dup.json", reference_with(where, raw)), file.string(), pointer, {needle});
    check_cli_error(cli({"validate", kReference, "--set", where + "=" + raw}), kReference, pointer, {needle});
  }
  fs::remove_all(dir);
}

TEST_CASE("hostile: files too large, directories and missing files", "[hostile]") {
  const fs::path dir = scratch("files");
  const std::string text = slurp(kReference);
  const fs::path file = dir / "scenario.json";
  spit(file, text);
  // The size limit (small in-process; the default is 256 MiB): the limit itself is allowed.
  CHECK_NOTHROW(read_json_file(file.string(), JsonLimits{.max_bytes = text.size()}));
  check_error(scenario_error([&] { (void)read_json_file(file.string(), JsonLimits{.max_bytes = text.size() - 1}); }),
              file.string(), "", {"the file is larger than"});
  // An endless file stops at the limit.
  if (fs::exists("/dev/zero")) {
    check_error(scenario_error([] { (void)read_json_file("/dev/zero", JsonLimits{.max_bytes = 1 << 20}); }),
                "/dev/zero", "", {"the file is larger than"});
  }
  // A directory and a missing file, also with hostile names.
  check_error(scenario_error([&] { (void)read_json_file(dir.string()); }), dir.string(), "", {"it is a directory"});
  check_cli_error(cli({"validate", dir.string()}), dir.string(), "", {"cannot open the scenario file (it is a directory)"});
  check_cli_error(cli({"run", dir.string(), "--quiet"}), dir.string(), "", {"it is a directory"});
  const std::string missing = (dir / "missing.json").string();
  check_cli_error(cli({"validate", missing}), missing, "", {"cannot open the scenario file"});
  const std::string odd = (dir / "mis\nsing\r\x1b\xff.json").string();
  check_cli_error(cli({"validate", odd}), odd, "", {"cannot open the scenario file", "mis\\nsing\\r\\u001b\\xff"});
  const fs::path odd_dir = dir / "sub\ndir\xfe";
  fs::create_directories(odd_dir);
  check_cli_error(cli({"validate", odd_dir.string()}), odd_dir.string(), "", {"it is a directory"});
  // An empty file and a file of whitespace are syntax errors.
  spit(dir / "empty.json", "");
  check_cli_error(cli({"validate", (dir / "empty.json").string()}), (dir / "empty.json").string(), "", {"invalid JSON"});
  spit(dir / "blank.json", " \n\t\r\n");
  check_cli_error(cli({"validate", (dir / "blank.json").string()}), (dir / "blank.json").string(), "", {"invalid JSON"});
  fs::remove_all(dir);
}

TEST_CASE("hostile: a --set value's depth shrinks with its pointer's depth", "[hostile]") {
  // /arms/0/promotions/0/products/x: 6 tokens, so the value may nest 64 - 6 = 58 levels.
  const std::string at = "/arms/0/promotions/0/products/x";
  {
    Json doc = reference_document();
    apply_override(doc, at + "=" + nested_lists(58), "f.json");
    CHECK(depth_of(doc) == 64);
    CHECK_NOTHROW(parse_json(doc.dump(), "f.json"));  // what --set makes, a file may hold
  }
  {
    Json doc = reference_document();
    check_error(scenario_error([&] { apply_override(doc, at + "=" + nested_lists(59), "f.json"); }), "f.json",
                rejected_pointer(at, 6, "0"), {"--set: nesting deeper than 58"});
  }
  // Through the command line: 58 levels get past the parser (the key is then unknown), 59 do not.
  check_cli_error(cli({"validate", kReference, "--set", at + "=" + nested_objects(58)}), kReference,
                  "/arms/0/promotions/0/products/x", {"unknown key"});
  check_cli_error(cli({"validate", kReference, "--set", at + "=" + nested_objects(59)}), kReference,
                  rejected_pointer(at, 6, "a"), {"nesting deeper than"});
  // At the deepest pointer: a document of 63 nested objects takes a 63-token pointer with a value
  // of one level; a 64-token pointer is rejected before the walk.
  Json deep = parse_json(nested_objects(63), "d.json");
  const std::string pointer63 = repeat("/a", 63);
  CHECK_NOTHROW(apply_override(deep, pointer63 + "={}", "d.json"));
  CHECK(depth_of(deep) == 64);
  check_error(scenario_error([&] { apply_override(deep, pointer63 + "=[[]]", "d.json"); }), "d.json",
              pointer63 + "/0", {"nesting deeper than 1"});
  check_error(scenario_error([&] { apply_override(deep, repeat("/a", 64) + "=1", "d.json"); }), "d.json",
              repeat("/a", 64), {"the pointer is deeper than 64 levels"});
  // A bare word is a string; a value with a limit failure is not silently read as a string.
  Json doc = reference_document();
  apply_override(doc, "/name=[unclosed", "f.json");
  CHECK(doc["name"] == "[unclosed");
}

// ---------------------------------------------------------------------------------------------
// 2. One-line errors whatever the names hold.

TEST_CASE("hostile: control characters in keys, names and values give one-line errors", "[hostile]") {
  const fs::path dir = scratch("lines");
  const fs::path file = dir / "lines.json";
  const std::string nasty = "a\nb\rc\x1b[2J\0d\x7f\xc2\x85"s;  // LF, CR, ESC, NUL, DEL, U+0085
  struct Case {
    std::string where;
    Json value;
    std::string pointer;
    std::string needle;
  };
  const std::vector<Case> cases = {
      {"/" + nasty, 1, "/" + nasty, "unknown key \"a\\nb\\rc\\u001b[2J\\u0000d\\u007f"},
      {"/arms/0/pricing", Json{{"name", nasty}}, "/arms/0/pricing/name", "unknown pricing strategy \"a\\nb"},
      {"/arms/0/pricing", Json{{"name", "fixed"}, {nasty, 1}}, "/arms/0/pricing/" + nasty, "unknown key"},
      {"/arms/0/promotions/0/name", nasty, "/arms/0/promotions/0/name", "unknown promotion"},
      {"/arms/0/recommendation/name", nasty, "/arms/0/recommendation/name", "\"a\\nb\\rc"},
      {"/arms/0/replenishment", Json{{"name", nasty}}, "/arms/0/replenishment/name", "\"a\\nb\\rc"},
      {"/arms/0", Json{{"name", "r"}, {"baseline", true}, {"sellers", Json::array({Json{{"name", nasty}}})}},
       "/arms/0/sellers/0/name", "unknown seller \"a\\nb"},
      {"/market_sampling", nasty, "/market_sampling", "value \"a\\nb\\rc"},
      {"/arms/0/promotions/0/products", Json{{"categories", Json::array({nasty})}},
       "/arms/0/promotions/0/products/categories/0", "unknown category \"a\\nb"},
      {"/arms/0/promotions/0/products", nasty, "/arms/0/promotions/0/products", "unknown product selector \"a\\nb"},
      {"/market/behaviours", Json::array({Json{{"name", nasty}}}), "/market/behaviours/0/name", "\"a\\nb\\rc"},
      {"/market/categories", Json::array({Json{{"name", nasty}, {"products", 10}}, Json{{"name", nasty}, {"products", 10}}}),
       "/market/categories/1/name", "duplicate category name \"a\\nb"},
      {"/market/segments/0/name", Json::array({nasty}), "/market/segments/0/name", "expected string"},
      {"/market/categories/0/" + nasty, Json::object({{nasty, nasty}}), "/market/categories/0/" + nasty, "unknown key"},
  };
  for (const auto& c : cases) {
    const std::string text = reference_with_value(c.where, c.value);
    check_cli_error(validate_text(dir, "lines.json", text), file.string(), c.pointer, {c.needle});
    check_error(scenario_error([&] { (void)check_scenario_text(text, "lines.json"); }), "lines.json", c.pointer,
                {c.needle});
  }
  // Sellers with hostile names are listed, escaped, among the valid values.
  {
    Json doc = reference_document();
    doc["market"]["sellers"] = Json::array({Json{{"name", nasty}}, Json{{"name", "two\r\n"}}});
    doc["arms"][0] = Json{{"name", "r"}, {"baseline", true},
                          {"sellers", Json::array({Json{{"name", "nobody\n"}}})}};
    const Result r = validate_text(dir, "lines.json", doc.dump());
    check_cli_error(r, file.string(), "/arms/0/sellers/0/name",
                    {"unknown seller \"nobody\\n\"", "Valid values are: \"a\\nb\\rc", "\"two\\r\\n\""});
  }
  // --set keys and values with control characters and invalid bytes.
  check_cli_error(cli({"validate", kReference, "--set", "/" + nasty + "=1"}), kReference, "/" + nasty, {"unknown key"});
  check_cli_error(cli({"validate", kReference, "--set", "/market_sampling=" + nasty}), kReference, "/market_sampling",
                  {"value \"a\\nb\\rc\\u001b[2J\\u0000d\\u007f"});
  check_cli_error(cli({"validate", kReference, "--set", "/x\n\xff=\r\xfe"}), kReference, "/x\n\xff",
                  {"not valid UTF-8", "/x\\n\\xff"});
  check_cli_error(cli({"validate", kReference, "--set", "/a\n~2=1"}), kReference, "/a\n~2", {"~ must be followed"});
  check_cli_error(cli({"validate", kReference, "--set", "no\npointer"}), kReference, "no\npointer", {"--set expects"});
  // A file whose name holds control characters and invalid bytes.
  const fs::path odd = dir / "bad\nname\r\x1b\xff.json";
  spit(odd, reference_with("/seed", "1e400"));
  check_cli_error(cli({"validate", odd.string()}), odd.string(), "/seed", {"bad\\nname\\r\\u001b\\xff.json: /seed:"});
  // Usage errors: an unknown option and an unknown command.
  for (const auto& args : std::vector<std::vector<std::string>>{{"validate", kReference, "--bo\ngus\xff"},
                                                                {"fr\nob\r\xff"},
                                                                {"validate", kReference, "--out", "x\ny"},
                                                                {"run", kReference, "--threads", "1\n2"}}) {
    const Result r = cli(args);
    INFO("stderr (escaped): " << one_line(r.err));
    CHECK(r.code == 2);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.back() == '\n');
    CHECK(r.err.find('\r') == std::string::npos);
    CHECK(is_valid_utf8(r.err));
    CHECK(r.err.rfind("error: ", 0) == 0);
  }
  // Success is one line too, whatever the file's, the scenario's and the arm's names are.
  {
    const fs::path good = dir / "good\nname\r\xff.json";
    spit(good, slurp(kReference));
    const Result r = cli({"validate", good.string(), "--set", "/seed=1", "--set", "/name=" + nasty, "--set",
                          "/arms/0/name=arm\r\n\xc3\xa9"});
    INFO("stdout (escaped): " << one_line(r.out) << " stderr: " << one_line(r.err));
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
    CHECK(r.out.back() == '\n');
    CHECK(r.out.find('\r') == std::string::npos);
    CHECK(is_valid_utf8(r.out));
    CHECK(r.out.find("valid — \"a\\nb\\rc\\u001b[2J\\u0000d\\u007f") != std::string::npos);
    CHECK(r.out.find("(baseline \"arm\\r\\n\xc3\xa9\")") != std::string::npos);
  }
  fs::remove_all(dir);
}

TEST_CASE("hostile: the marketsim binary writes one line to stderr for a hostile name", "[hostile]") {
  const fs::path dir = scratch("binary");
  const fs::path file = dir / "scenario.json";
  spit(file, reference_with_value("/arms/0/pricing", Json{{"name", "fi\nxed\r\x1b[31m"}}));
  const fs::path err = dir / "stderr.txt";
  const fs::path out = dir / "stdout.txt";
  const std::string command = std::string("'") + MARKETSIM_BINARY + "' validate '" + file.string() + "' >'" +
                              out.string() + "' 2>'" + err.string() + "'";
  const int status = std::system(command.c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 2);
  const std::string text = slurp(err);
  INFO("stderr (escaped): " << one_line(text));
  CHECK(slurp(out).empty());
  CHECK(std::count(text.begin(), text.end(), '\n') == 1);
  CHECK(text.back() == '\n');
  CHECK(text.find('\r') == std::string::npos);
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.rfind("error: " + file.string() + ": /arms/0/pricing/name: unknown pricing strategy \"fi\\nxed\\r\\u001b[31m\"", 0) == 0);
  fs::remove_all(dir);
}

TEST_CASE("hostile: one_line, json_quoted and is_valid_utf8 on boundary cases", "[hostile]") {
  // Control characters.
  CHECK(one_line("a\nb\rc\td") == "a\\nb\\rc\\td");
  CHECK(one_line("\x1b[31mred") == "\\u001b[31mred");
  CHECK(one_line("a\0b"s) == "a\\u0000b");
  CHECK(one_line("\x01\x1f\x7f") == "\\u0001\\u001f\\u007f");
  CHECK(one_line(" ~") == " ~");
  CHECK(one_line("back\\slash \"q\"") == "back\\slash \"q\"");  // one_line keeps them; json_quoted escapes
  // Well-formed UTF-8 is kept as is, up to U+10FFFF.
  for (const std::string ok : {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xf0\x9f\x8e\x89", "\xed\x9f\xbf",
                               "\xee\x80\x80", "\xf4\x8f\xbf\xbf", "\xef\xbf\xbf", "\xf0\x90\x80\x80",
                               "\xe0\xa0\x80"}) {
    INFO(one_line(ok));
    CHECK(is_valid_utf8(ok));
    CHECK(one_line(ok) == ok);
    CHECK(json_quoted(ok) == "\"" + ok + "\"");
  }
  // Not UTF-8: every byte shown as \xNN.
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"\xff", "\\xff"},
      {"\xfe", "\\xfe"},
      {"\x80", "\\x80"},                          // a lone continuation byte
      {"\xc0\xaf", "\\xc0\\xaf"},                 // overlong '/'
      {"\xc1\xbf", "\\xc1\\xbf"},                 // overlong
      {"\xe0\x80\xaf", "\\xe0\\x80\\xaf"},        // overlong, 3 bytes
      {"\xe0\x9f\xbf", "\\xe0\\x9f\\xbf"},        // overlong, 3 bytes (U+07FF)
      {"\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf"},  // overlong, 4 bytes
      {"\xf0\x8f\xbf\xbf", "\\xf0\\x8f\\xbf\\xbf"},  // overlong, 4 bytes (U+FFFF)
      {"\xed\xa0\x80", "\\xed\\xa0\\x80"},        // surrogate U+D800
      {"\xed\xbf\xbf", "\\xed\\xbf\\xbf"},        // surrogate U+DFFF
      {"\xed\xa0\xbd\xed\xb8\x80", "\\xed\\xa0\\xbd\\xed\\xb8\\x80"},  // CESU-8 pair
      {"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"},  // U+110000
      {"\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80"},
      {"\xf8\x88\x80\x80\x80", "\\xf8\\x88\\x80\\x80\\x80"},  // 5-byte form
      {"\xc3", "\\xc3"},                          // truncated at the end
      {"\xe2\x82", "\\xe2\\x82"},
      {"\xf0\x9f\x98", "\\xf0\\x9f\\x98"},
      {"\xe2\x82" "a", "\\xe2\\x82a"},            // truncated before ASCII
      {"\xf0\x9f\x98\n", "\\xf0\\x9f\\x98\\n"},
      {"a\xc3\xa9\xff\xf0\x9f\x98\x80", "a\xc3\xa9\\xff\xf0\x9f\x98\x80"},  // mixed: the good parts kept
      {"\xc3\xc3\xa9", "\\xc3\xc3\xa9"},
  };
  for (const auto& [input, expected] : bad) {
    INFO(expected);
    CHECK(!is_valid_utf8(input));
    CHECK(one_line(input) == expected);
    CHECK(json_quoted(input) == "\"" + expected + "\"");
    CHECK(is_valid_utf8(one_line(input)));
  }
  // json_quoted.
  CHECK(json_quoted("") == "\"\"");
  CHECK(json_quoted("a\"b\\c\n") == "\"a\\\"b\\\\c\\n\"");
  CHECK(json_quoted("\x1b\0"s) == "\"\\u001b\\u0000\"");
  // Every byte value, alone and after a lead byte: one line, valid UTF-8.
  for (int b = 0; b < 256; ++b) {
    for (const std::string prefix : {"", "\xc3", "\xe2\x82", "\xf0\x9f\x98"}) {
      const std::string s = prefix + std::string(1, static_cast<char>(b));
      const std::string l = one_line(s), q = json_quoted(s);
      if (l.find('\n') != std::string::npos || l.find('\r') != std::string::npos || !is_valid_utf8(l) ||
          !is_valid_utf8(q) || q.find('\n') != std::string::npos) {
        FAIL_CHECK("byte " << b << " after a prefix of " << prefix.size() << " bytes: " << l);
      }
    }
  }
  // Error and ScenarioError messages are one line.
  CHECK(std::string(Error("a\nb\xff").what()) == "a\\nb\\xff");
  const ScenarioError e("f\n.json", "/p\r", "what\x1b");
  CHECK(std::string(e.what()) == "f\\n.json: /p\\r: what\\u001b");
  CHECK(e.file() == "f\n.json");
  CHECK(e.pointer() == "/p\r");
  CHECK(std::string(ScenarioError("f", "", "w").what()) == "f: /: w");
}

TEST_CASE("hostile: C1 control characters are escaped by one_line", "[hostile]") {
  // U+0080..U+009F are control characters (Unicode category Cc): some terminals and log readers
  // treat U+0085 as a line break and U+009B as the start of an escape sequence.
  CHECK(one_line("\xc2\x85") == "\\u0085");
  CHECK(one_line("\xc2\x9b" "31m") == "\\u009b31m");
  CHECK(one_line("\xc2\x80") == "\\u0080");
}

TEST_CASE("hostile: csv_field quotes what RFC 4180 needs", "[hostile]") {
  CHECK(csv_field("plain") == "plain");
  CHECK(csv_field("") == "");
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("a\"b") == "\"a\"\"b\"");
  CHECK(csv_field("\"") == "\"\"\"\"");
  CHECK(csv_field("a\rb") == "\"a\rb\"");
  CHECK(csv_field("a\nb") == "\"a\nb\"");
  CHECK(csv_field("a\r\nb") == "\"a\r\nb\"");
  CHECK(csv_field(" lead") == "\" lead\"");
  CHECK(csv_field("trail ") == "\"trail \"");
  CHECK(csv_field("in side") == "in side");
  CHECK(csv_field("\xc3\xa9t\xc3\xa9") == "\xc3\xa9t\xc3\xa9");
}

// ---------------------------------------------------------------------------------------------
// 3. CSV and summary.json with hostile names.

namespace {

/// A strict RFC 4180 reader for our files: fields separated by ',', records by LF; a quoted field
/// may hold ',', '""', CR and LF; an unquoted field holds no '"', CR or LF; every record has the
/// header's number of fields; the file ends with a record terminator. Returns the records
/// (header first) or throws std::runtime_error naming the offset of the problem.
std::vector<std::vector<std::string>> read_csv_strict(const std::string& text) {
  const auto fail = [&](std::size_t at, const std::string& what) {
    throw std::runtime_error("CSV offset " + std::to_string(at) + ": " + what);
  };
  std::vector<std::vector<std::string>> records;
  std::size_t pos = 0;
  const std::size_t n = text.size();
  if (n == 0) fail(0, "empty file (no header)");
  while (pos < n) {
    std::vector<std::string> record;
    for (;;) {
      std::string field;
      if (text[pos] == '"') {
        ++pos;
        for (;;) {
          if (pos >= n) fail(pos, "unterminated quoted field");
          if (text[pos] == '"') {
            if (pos + 1 < n && text[pos + 1] == '"') {
              field += '"';
              pos += 2;
            } else {
              ++pos;
              break;
            }
          } else {
            field += text[pos++];
          }
        }
        if (pos < n && text[pos] != ',' && text[pos] != '\n') fail(pos, "text after a closing quote");
      } else {
        while (pos < n && text[pos] != ',' && text[pos] != '\n') {
          if (text[pos] == '"' || text[pos] == '\r') fail(pos, "quote or CR in an unquoted field");
          field += text[pos++];
        }
      }
      record.push_back(std::move(field));
      if (pos >= n) fail(pos, "the file does not end with a record terminator");
      if (text[pos] == ',') {
        ++pos;
        continue;
      }
      ++pos;  // '\n'
      break;
    }
    if (!records.empty() && record.size() != records.front().size()) {
      fail(pos, "record " + std::to_string(records.size()) + " has " + std::to_string(record.size()) +
                    " fields, the header " + std::to_string(records.front().size()));
    }
    records.push_back(std::move(record));
  }
  return records;
}

/// The index of `name` in a CSV header.
std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  const auto it = std::find(header.begin(), header.end(), name);
  REQUIRE(it != header.end());
  return static_cast<std::size_t>(it - header.begin());
}

}  // namespace

TEST_CASE("hostile: the strict CSV reader itself", "[hostile]") {
  CHECK(read_csv_strict("a,b\n1,\"x,\"\"y\"\"\r\nz\"\n") ==
        std::vector<std::vector<std::string>>{{"a", "b"}, {"1", "x,\"y\"\r\nz"}});
  CHECK(read_csv_strict("a\n\n") == std::vector<std::vector<std::string>>{{"a"}, {""}});
  CHECK_THROWS(read_csv_strict(""));
  CHECK_THROWS(read_csv_strict("a,b\n1,2"));         // no final terminator
  CHECK_THROWS(read_csv_strict("a,b\n1\n"));         // too few fields
  CHECK_THROWS(read_csv_strict("a,b\n1,2,3\n"));     // too many
  CHECK_THROWS(read_csv_strict("a,b\r\n1,2\r\n"));   // CRLF outside quotes
  CHECK_THROWS(read_csv_strict("a,b\nx\"y,2\n"));    // quote in an unquoted field
  CHECK_THROWS(read_csv_strict("a,b\n\"x\"y,2\n"));  // text after a closing quote
  CHECK_THROWS(read_csv_strict("a,b\n\"x,2\n"));     // unterminated quote
}

TEST_CASE("hostile: names with commas, quotes, CR, LF, spaces and non-ASCII round-trip through every output",
          "[hostile][csv]") {
  const std::string arm0 = "base, \"quoted\"\r\nline two";
  const std::string arm1 = "  sp\xc3\xa4t \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x8e\x89,\"x\"  ";
  const std::string seller0 = "shop,\none";
  const std::string seller1 = "\"Q\"\rR ";
  const std::string cat0 = " cat,\"1\" ";
  const std::string cat1 = "kat\r\n\xc3\xa9gorie";
  const std::string seg0 = "seg\r\n2,x";
  const std::string seg1 = "\ttab \xc3\xbc nul\0end"s;
  const std::string scenario_name = "csv\n\"round\", trip\r";
  // A monitoring rule that never fires, checked on days 2 to 8: rows in monitor.csv.
  const Json monitor = Json::array(
      {Json{{"after_day", 2}, {"if", "spend_to_date"}, {"above", 1e12}, {"action", "stop"}}});
  const Json doc = {
      {"name", scenario_name},
      {"seed", 7},
      {"replications", 2},
      {"horizon_days", 15},
      {"market",
       {{"latent_dimensions", 4},
        {"categories", Json::array({Json{{"name", cat0}, {"products", 20}}, Json{{"name", cat1}, {"products", 20}}})},
        {"segments", Json::array({Json{{"name", seg0}, {"consumers", 1000}, {"visit_rate", 0.5}},
                                  Json{{"name", seg1}, {"consumers", 1000}, {"visit_rate", 0.5}}})},
        {"sellers", Json::array({Json{{"name", seller0}},
                                 Json{{"name", seller1}, {"products", Json{{"categories", Json::array({cat1})}}}}})}}},
      {"arms",
       Json::array(
           {Json{{"name", arm0}, {"baseline", true},
                 {"sellers", Json::array({Json{{"name", seller0}}, Json{{"name", seller1}}})}},
            Json{{"name", arm1},
                 {"sellers", Json::array({Json{{"name", seller0},
                                               {"promotions", Json::array({Json{{"name", "percent_off"},
                                                                                {"depth", 0.2},
                                                                                {"start", 2},
                                                                                {"end", 9},
                                                                                {"monitor", monitor}}})}},
                                          Json{{"name", seller1}}})}}})},
  };
  const fs::path dir = scratch("csv");
  const fs::path file = dir / "names.json";
  spit(file, doc.dump(2));
  const fs::path out_dir = dir / "out";
  const Result r = cli({"run", file.string(), "--quiet", "--threads", "2", "--out", out_dir.string()});
  INFO("stderr (escaped): " << one_line(r.err));
  REQUIRE(r.code == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);

  const std::set<std::string> arms = {arm0, arm1}, sellers = {seller0, seller1}, categories = {cat0, cat1},
                              segments = {seg0, seg1};
  std::map<std::string, std::vector<std::vector<std::string>>> csv;
  for (const auto& entry : fs::directory_iterator(out_dir)) {
    if (entry.path().extension() != ".csv") continue;
    INFO(entry.path().filename());
    try {
      csv[entry.path().filename().string()] = read_csv_strict(slurp(entry.path()));
    } catch (const std::runtime_error& e) {
      FAIL_CHECK(e.what());
    }
  }
  REQUIRE(csv.size() == 15);  // every default output file but summary.json
  CHECK(csv["gauges.csv"].size() >= 1);  // its header (the market has no behaviour module)
  CHECK(csv["events.csv"].size() >= 1);  // its header at least
  {
    const auto& rows = csv["monitor.csv"];
    CHECK(rows.size() == 1 + 2 * 7);  // days 2 to 8 of arm1's two replications
    const std::size_t a = column(rows[0], "arm"), s = column(rows[0], "seller"), n = column(rows[0], "name"),
                      act = column(rows[0], "action");
    for (std::size_t i = 1; i < rows.size(); ++i) {
      CHECK(rows[i][a] == arm1);
      CHECK(rows[i][s] == seller0);
      CHECK(rows[i][n] == "percent_off");
      CHECK(rows[i][act] == "none");
    }
  }
  for (const char* name : {"runs.csv", "daily.csv", "cohorts.csv", "sellers.csv", "sellers_daily.csv", "breakdown.csv",
                           "orders.csv", "products.csv", "funnel.csv", "prices.csv"}) {
    INFO(name);
    REQUIRE(csv.count(name) == 1);
    const auto& records = csv[name];
    REQUIRE(records.size() > 1);
    const std::size_t a = column(records[0], "arm");
    std::set<std::string> seen;
    for (std::size_t i = 1; i < records.size(); ++i) seen.insert(records[i][a]);
    CHECK(seen == arms);  // every arm, read back exactly
  }
  {
    const auto& runs = csv["runs.csv"];
    CHECK(runs.size() == 1 + 2 * 2);
    const std::size_t a = column(runs[0], "arm");
    CHECK(runs[1][a] == arm0);
    CHECK(runs[3][a] == arm1);
  }
  {
    const auto& rows = csv["sellers.csv"];
    CHECK(rows.size() == 1 + 2 * 2 * 2);
    const std::size_t s = column(rows[0], "seller");
    std::set<std::string> seen;
    for (std::size_t i = 1; i < rows.size(); ++i) seen.insert(rows[i][s]);
    CHECK(seen == sellers);
  }
  {
    const auto& rows = csv["breakdown.csv"];
    const std::size_t a = column(rows[0], "arm"), s = column(rows[0], "seller"), c = column(rows[0], "category"),
                      g = column(rows[0], "segment");
    std::set<std::tuple<std::string, std::string, std::string, std::string>> seen;
    std::set<std::string> cats, segs;
    for (std::size_t i = 1; i < rows.size(); ++i) {
      if (rows[i][s] == "*" || rows[i][c] == "*" || rows[i][g] == "*") continue;  // rows spanning a dimension
      seen.emplace(rows[i][a], rows[i][s], rows[i][c], rows[i][g]);
      CHECK(arms.count(rows[i][a]) == 1);
      CHECK(sellers.count(rows[i][s]) == 1);
      cats.insert(rows[i][c]);
      segs.insert(rows[i][g]);
    }
    CHECK(cats == categories);
    CHECK(segs == segments);
    // Every arm x seller x category x segment, each once per replication.
    CHECK(seen.size() == 2 * 2 * 2 * 2);
    // Per run (2 arms x 2 replications), after its cells: 2 segment rows, 2 x 2 seller x category
    // rows, 2 seller rows and the total row.
    CHECK(rows.size() == 1 + 2 * seen.size() + 2 * 2 * (2 + 2 * 2 + 2 + 1));
  }
  // summary.json parses and holds the names.
  const Json summary = Json::parse(slurp(out_dir / "summary.json"));
  CHECK(summary["scenario_name"] == scenario_name);
  CHECK(summary["baseline"] == arm0);
  REQUIRE(summary["arms"].size() == 2);
  CHECK(summary["arms"][0]["name"] == arm0);
  CHECK(summary["arms"][1]["name"] == arm1);
  REQUIRE(summary["paired_differences"].size() == 1);
  CHECK(summary["paired_differences"][0]["arm"] == arm1);
  CHECK(summary["paired_differences"][0]["versus"] == arm0);
  const Json& market = summary["scenario"]["market"];
  CHECK(market["sellers"][0]["name"] == seller0);
  CHECK(market["sellers"][1]["name"] == seller1);
  CHECK(market["sellers"][1]["products"]["categories"][0] == cat1);
  CHECK(market["categories"][0]["name"] == cat0);
  CHECK(market["categories"][1]["name"] == cat1);
  CHECK(market["segments"][0]["name"] == seg0);
  CHECK(market["segments"][1]["name"] == seg1);
  CHECK(summary["scenario"]["arms"][0]["sellers"][1]["name"] == seller1);

  // The comparison table: one line per arm, names escaped.
  INFO("stdout (escaped): " << one_line(r.out));
  CHECK(r.out.find('\r') == std::string::npos);
  CHECK(is_valid_utf8(r.out));
  std::vector<std::string> lines;
  {
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  REQUIRE(!lines.empty());
  CHECK(lines[0].rfind("Scenario " + json_quoted(scenario_name) + ": 2 arms x 2 replications", 0) == 0);
  const auto header = std::find_if(lines.begin(), lines.end(), [](const std::string& l) {
    return l.rfind("arm", 0) == 0 && l.find("promotion spend") != std::string::npos;
  });
  REQUIRE(std::distance(header, lines.end()) >= 4);
  CHECK(header[1].rfind(one_line(arm0) + " *", 0) == 0);
  CHECK(header[2].rfind(one_line(arm1), 0) == 0);
  CHECK(header[3] == "(* baseline)");
  const auto paired = std::find_if(lines.begin(), lines.end(), [](const std::string& l) {
    return l.rfind("arm", 0) == 0 && l.find("contribution") != std::string::npos;
  });
  REQUIRE(std::distance(paired, lines.end()) >= 3);
  CHECK(paired[1].rfind(one_line(arm1), 0) == 0);
  CHECK(paired[2].empty());
  CHECK(std::count_if(lines.begin(), lines.end(),
                      [&](const std::string& l) { return l.rfind("  " + one_line(arm1) + " ", 0) == 0; }) == 1);
  fs::remove_all(dir);
}

TEST_CASE("hostile: run's closing line on stderr stays one line for a hostile --out directory",
          "[hostile]") {
  // "; wrote DIR/{...}" escapes the directory as error messages do.
  const fs::path dir = scratch("outdir");
  const fs::path out_dir = dir / "out\nput\r";
  const Result r = cli({"run", kReference, "--quiet", "--threads", "1", "--out", out_dir.string(), "--set",
                        "/market/segments/0/consumers=2000", "--set", "/horizon_days=2"});
  INFO("stderr (escaped): " << one_line(r.err));
  REQUIRE(r.code == 0);
  CHECK(fs::exists(out_dir / "runs.csv"));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.find('\r') == std::string::npos);
  fs::remove_all(dir);
}

// ---------------------------------------------------------------------------------------------
// 4. Mutation fuzz: 1200 deterministic mutants (fixed seed) of the shipped scenarios.

namespace {

/// A deterministic generator (std::mt19937_64's output is fixed by the standard; the
/// distributions are not, so draws are taken by modulo).
class Draw {
 public:
  explicit Draw(std::uint64_t seed) : rng_(seed) {}
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng_() % n); }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }

 private:
  std::mt19937_64 rng_;
};

/// Every value's pointer in `j` (not the root), in document order.
void collect_pointers(const Json& j, const std::string& at, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string p = at + "/" + pointer_token(it.key());
      out.push_back(p);
      collect_pointers(it.value(), p, out);
    }
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) {
      const std::string p = at + "/" + std::to_string(i);
      out.push_back(p);
      collect_pointers(j[i], p, out);
    }
  }
}

struct Mutant {
  std::string text;
  std::vector<std::string> overrides;
  std::string description;
};

const std::vector<std::string>& huge_numbers() {
  static const std::vector<std::string> v = {"1e400", "-1e400", "1e308", "-1e308", "1e-400", repeat("9", 400),
                                             "-" + repeat("9", 400), "18446744073709551616", "18446744073709551615",
                                             "-9223372036854775809", "9007199254740993", "4294967296",
                                             "4294967295", "10000001", "-0", "1.5", "-1", "0", "1e15"};
  return v;
}

const std::vector<std::string>& control_strings() {
  static const std::vector<std::string> v = {"\n", "\r", "\r\n", "\x1b[2J", "\0"s, "\x7f", "\t", "\xc2\x85",
                                             "\xe2\x80\xa8", "\"", "\\", "/", "~"};
  return v;
}

const std::vector<std::string>& raw_bytes() {
  static const std::vector<std::string> v = {"\n", "\r", "\x1b", "\0"s, "\x7f", "\xff", "\xc0\xaf", "\xed\xa0\x80",
                                             "\xf4\x90\x80\x80", "\xe2\x82", "\"", "\\", "{", "]", ",", "\xef\xbb\xbf"};
  return v;
}

/// Replaces the value at `pointer` in `doc` by `raw` JSON text (any bytes) and returns the text.
std::string with_raw(Json doc, const std::string& pointer, const std::string& raw) {
  doc[Json::json_pointer(pointer)] = "@@MUTANT@@";
  std::string text = doc.dump();
  const std::string mark = "\"@@MUTANT@@\"";
  text.replace(text.find(mark), mark.size(), raw);
  return text;
}

Mutant mutate(const std::string& seed_text, const Json& seed, Draw& draw) {
  std::vector<std::string> pointers;
  collect_pointers(seed, "", pointers);
  const std::string& target = draw.pick(pointers);
  Mutant m;
  Json doc = seed;
  switch (draw.below(11)) {
    case 0: {  // delete a key or list item
      const Json::json_pointer p(target);
      Json& parent = doc[p.parent_pointer()];
      if (parent.is_object()) parent.erase(p.back());
      else parent.erase(static_cast<std::size_t>(std::stoul(p.back())));
      m.text = doc.dump(1);
      m.description = "delete " + target;
      break;
    }
    case 1: {  // change a type
      static const std::vector<Json> values = {nullptr, true, false, "str", "", 0, -1, 0.5, 12345.0, Json::array(),
                                               Json::object(), Json::array({1, "a"}), Json{{"name", "fixed"}},
                                               Json{{"every", 0}}, "all"};
      const Json& v = draw.pick(values);
      doc[Json::json_pointer(target)] = v;
      m.text = doc.dump(1);
      m.description = "set " + target + " to " + v.dump();
      break;
    }
    case 2: {  // a huge (or edge) number, as text
      const std::string& number = draw.pick(huge_numbers());
      m.text = with_raw(doc, target, number);
      m.description = "number " + number.substr(0, 24) + " at " + target;
      break;
    }
    case 3: {  // a control character (escaped by the writer) in a string or a key
      const std::string& c = draw.pick(control_strings());
      Json& v = doc[Json::json_pointer(target)];
      const Json::json_pointer p(target);
      Json& parent = doc[p.parent_pointer()];
      if (v.is_string()) {
        std::string s = v.get<std::string>();
        s.insert(draw.below(s.size() + 1), c);
        v = s;
        m.description = "control character in the string at " + target;
      } else if (parent.is_object()) {
        std::string key = p.back();
        Json moved = std::move(v);
        parent.erase(p.back());
        key.insert(draw.below(key.size() + 1), c);
        parent[key] = std::move(moved);
        m.description = "control character in the key of " + target;
      } else {
        v = c;
        m.description = "control string at " + target;
      }
      m.text = doc.dump(1);
      break;
    }
    case 4: {  // raw bytes into the text, preferably just inside a string
      m.text = seed_text;
      std::size_t pos = draw.below(m.text.size() + 1);
      if (draw.below(2) == 0) {
        const auto quote = m.text.find('"', pos);
        if (quote != std::string::npos) pos = quote + 1;
      }
      m.text.insert(pos, draw.pick(raw_bytes()));
      m.description = "raw bytes at offset " + std::to_string(pos);
      break;
    }
    case 5: {  // truncate
      const std::size_t at = draw.below(seed_text.size());
      m.text = seed_text.substr(0, at);
      m.description = "truncate at " + std::to_string(at);
      break;
    }
    case 6: {  // flip a bit
      m.text = seed_text;
      const std::size_t at = draw.below(m.text.size());
      m.text[at] = static_cast<char>(m.text[at] ^ static_cast<char>(1 << draw.below(8)));
      m.description = "flip a bit at offset " + std::to_string(at);
      break;
    }
    case 7: {  // nest deeply
      static const std::vector<std::size_t> depths = {8, 55, 60, 61, 62, 63, 64, 65, 200, 20000};
      const std::size_t d = draw.pick(depths);
      m.text = with_raw(doc, target, draw.below(2) == 0 ? nested_lists(d) : nested_objects(d));
      m.description = "nest " + std::to_string(d) + " levels at " + target;
      break;
    }
    case 8: {  // duplicate a key of an object
      std::string object = target;
      while (!object.empty() && !doc[Json::json_pointer(object)].is_object()) {
        object = Json::json_pointer(object).parent_pointer().to_string();
      }
      const Json& o = doc[Json::json_pointer(object)];
      if (o.empty()) {
        m.text = seed_text;
        m.description = "no duplicate (empty object)";
        break;
      }
      std::string raw = o.dump();
      const auto first = o.begin();
      raw.insert(1, Json(first.key()).dump() + ":" + Json(first.value()).dump() + ",");
      m.text = object.empty() ? raw : with_raw(doc, object, raw);
      m.description = "duplicate key " + first.key() + " in " + (object.empty() ? "/" : object);
      break;
    }
    case 9: {  // --set overrides, hostile pointers and values
      static const std::vector<std::string> values = {
          "1e400", "[[[[]]]]", "{\"a\":1,\"a\":2}", "x\ny", "\xff", "", "null", "{}", "[]", "-1", "1e15",
          "\"\\u0000\"", nested_lists(70), "{\"name\":\"fixed\"}", "3", "0.25", "true", repeat("9", 400)};
      static const std::vector<std::string> tails = {"", "", "", "/99999999999999999999", "/-", "/00", "/-1",
                                                     "/new", "/0/x", "/~2"};
      const std::string pointer = target + draw.pick(tails);
      m.text = seed_text;
      m.overrides.push_back(pointer + "=" + draw.pick(values));
      if (draw.below(3) == 0) m.overrides.push_back(draw.pick(pointers) + "=" + draw.pick(values));
      m.description = "--set " + m.overrides[0].substr(0, 60);
      break;
    }
    default: {  // several small changes at once: a deletion, a type change and a bit flip
      const Json::json_pointer p(target);
      Json& parent = doc[p.parent_pointer()];
      if (parent.is_object()) parent.erase(p.back());
      m.text = doc.dump();
      const std::size_t at = draw.below(m.text.size());
      m.text[at] = static_cast<char>(m.text[at] ^ '\x20');
      m.description = "delete " + target + " and flip offset " + std::to_string(at);
      break;
    }
  }
  return m;
}

}  // namespace

TEST_CASE("hostile: 1200 mutants of the shipped scenarios end in success or a one-line ScenarioError",
          "[hostile][fuzz]") {
  std::vector<std::pair<std::string, std::string>> seeds;  // file name, text
  for (const auto& entry : fs::directory_iterator(MARKETSIM_SOURCE_DIR "/scenarios")) {
    if (entry.path().extension() == ".json" && testing::is_scenario_file(entry.path())) {
      seeds.emplace_back(entry.path().filename().string(), slurp(entry.path()));
    }
  }
  std::sort(seeds.begin(), seeds.end());
  REQUIRE(seeds.size() >= 2);
  std::vector<Json> documents;
  for (const auto& [name, text] : seeds) documents.push_back(Json::parse(text, nullptr, true, true));

  Draw draw(20260611);
  int valid = 0, rejected = 0, bad = 0;
  double slowest = 0.0;
  std::string slowest_description;
  for (int i = 0; i < 1200; ++i) {
    const std::size_t s = static_cast<std::size_t>(i) % seeds.size();
    const Mutant m = mutate(seeds[s].second, documents[s], draw);
    const std::string file = "mutant-" + std::to_string(i) + "-" + seeds[s].first;
    const auto start = std::chrono::steady_clock::now();
    std::string failure;
    try {
      (void)check_scenario_text(m.text, file, m.overrides);
      ++valid;
    } catch (const ScenarioError& e) {
      ++rejected;
      const std::string what = e.what();
      if (what.find('\n') != std::string::npos || what.find('\r') != std::string::npos) failure = "multi-line message";
      else if (!is_valid_utf8(what)) failure = "message is not UTF-8";
      else if (what.rfind(file + ": ", 0) != 0) failure = "message does not start with the file";
      else if (e.file() != file) failure = "file() is not the file";
      if (!failure.empty()) failure += ": " + one_line(what);
    } catch (const std::exception& e) {
      failure = std::string("not a ScenarioError: ") + one_line(e.what());
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (seconds > slowest) {
      slowest = seconds;
      slowest_description = file + ": " + one_line(m.description);
    }
    if (!failure.empty()) {
      ++bad;
      FAIL_CHECK(file << " (" << one_line(m.description) << "): " << failure);
    }
  }
  INFO("valid " << valid << ", rejected " << rejected << "; slowest " << slowest << " s: " << slowest_description);
  CHECK(bad == 0);
  CHECK(valid > 0);
  CHECK(rejected > 0);
  // Validation of a mutant stays fast (no mutant may make it build a huge market).
}

TEST_CASE("hostile: validating the largest allowed catalogue is fast and does not run out of memory",
          "[hostile]") {
  // Validation checks against the catalogue's outline (26 bytes per product), never the drawn
  // catalogue: with the allowed maxima (10,000,000 products, latent_dimensions 256) drawing it
  // took 63 s and 10 GB and could end in std::bad_alloc (exit 1). Now about 0.3 s and 0.3 GB; a
  // regression would show as a suite that runs for minutes or dies of memory.
  const Result r = cli({"validate", kReference, "--set", "/market/categories/0/products=10000000", "--set",
                        "/market/latent_dimensions=256"});
  INFO("stderr: " << one_line(r.err));
  CHECK(r.code == 0);
}

TEST_CASE("hostile: a product selector that repeats a category name validates in linear time",
          "[hostile]") {
  // select_products used to scan every product once per listed name: this 31 KB file (one
  // category of 1,000,000 products listed 5000 times) took about 6 s to validate.
  Json doc = reference_document();
  doc["market"]["categories"][0]["products"] = 1000000;
  doc["arms"][0]["promotions"][0]["products"] = Json{{"categories", Json::array()}};
  for (int i = 0; i < 5000; ++i) doc["arms"][0]["promotions"][0]["products"]["categories"].push_back("all");
  const std::string text = doc.dump();
  CHECK(text.size() < 40000);
  CHECK_NOTHROW(check_scenario_text(text, "repeat.json"));
}

TEST_CASE("hostile: a product selector listing many categories validates in linear time",
          "[hostile]") {
  // check_selector used to rebuild the list of every category name for each listed name
  // (quadratic): this 350 KB file of 8000 listed categories took about 4.5 s to validate.
  Json doc = reference_document();
  Json categories = Json::array(), names = Json::array();
  for (int i = 0; i < 8000; ++i) {
    std::string name = "c";
    name += std::to_string(i);
    categories.push_back(Json{{"name", name}, {"products", 1}});
    names.push_back(name);
  }
  doc["market"]["categories"] = categories;
  doc["arms"][0]["promotions"][0]["products"] = Json{{"categories", names}};
  CHECK_NOTHROW(check_scenario_text(doc.dump(), "categories.json"));
}
