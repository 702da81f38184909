#include "scenarios/json_input.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "sim/error.h"
#include "sim/text.h"

namespace marketsim {
namespace {

/// At most this much of an offending token or parser message is echoed in an error.
constexpr std::size_t kEchoBytes = 80;

std::string shortened(std::string_view s) {
  return s.size() <= kEchoBytes ? std::string(s) : std::string(s.substr(0, kEchoBytes)) + "...";
}

/// Builds the document from nlohmann's SAX events (its parser is iterative, so no input can
/// exhaust the stack there) and stops at the first event that breaks a limit. The containers
/// being filled are kept as a stack of pointers into the document: a container only grows while
/// it is the top, so the pointers to its ancestors stay valid.
class BoundedBuilder {
 public:
  enum class Failure { kNone, kSyntax, kLimit };

  BoundedBuilder(Json& root, std::size_t max_depth) : root_(root), max_depth_(max_depth) {}

  bool null() { return put(nullptr); }
  bool boolean(bool v) { return put(v); }
  bool number_integer(Json::number_integer_t v) { return put(v); }
  bool number_unsigned(Json::number_unsigned_t v) { return put(v); }
  bool number_float(Json::number_float_t v, const Json::string_t& text) {
    if (!std::isfinite(v)) return out_of_range(text);
    return put(v);
  }
  bool string(Json::string_t& v) { return put(std::move(v)); }
  bool binary(Json::binary_t&) { return limit(here(), "binary values are not JSON"); }
  bool start_object(std::size_t) { return open(Json::object()); }
  bool start_array(std::size_t) { return open(Json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(Json::string_t& k) {
    if (stack_.back()->contains(k)) {
      return limit(path() + "/" + pointer_token(k),
                   "duplicate key " + json_quoted(shortened(k)) + "; a key may appear once in an object");
    }
    key_ = std::move(k);
    return true;
  }
  bool parse_error(std::size_t, const std::string& last_token, const nlohmann::detail::exception& ex) {
    if (ex.id == 406) return out_of_range(last_token);  // number overflow
    std::string what = ex.what();
    const auto bracket = what.find("] ");
    if (what.starts_with("[json.exception.") && bracket != std::string::npos) what.erase(0, bracket + 2);
    if (what.size() > 4 * kEchoBytes) what = what.substr(0, 4 * kEchoBytes) + "...";
    failure_ = Failure::kSyntax;
    pointer_.clear();
    message_ = "invalid JSON: " + what;
    return false;
  }

  Failure failure() const { return failure_; }
  const std::string& pointer() const { return pointer_; }
  const std::string& message() const { return message_; }

 private:
  /// The pointer of the value about to be added.
  std::string here() const {
    if (stack_.empty()) return "";
    const Json& top = *stack_.back();
    return path() + "/" + (top.is_object() ? pointer_token(key_) : std::to_string(top.size()));
  }
  /// The pointer of the container being filled.
  std::string path() const {
    std::string p;
    for (const auto& t : tokens_) p += "/" + t;
    return p;
  }
  Json* insert(Json&& v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    Json& top = *stack_.back();
    if (top.is_object()) return &(top[key_] = std::move(v));
    top.push_back(std::move(v));
    return &top.back();
  }
  bool put(Json v) { return insert(std::move(v)) != nullptr; }
  bool open(Json&& container) {
    if (stack_.size() >= max_depth_) {
      return limit(here(), "nesting deeper than " + std::to_string(max_depth_) + " levels of objects and lists");
    }
    std::string token;
    if (!stack_.empty()) {
      const Json& top = *stack_.back();
      token = top.is_object() ? pointer_token(key_) : std::to_string(top.size());
    }
    stack_.push_back(insert(std::move(container)));
    if (stack_.size() > 1) tokens_.push_back(std::move(token));
    return true;
  }
  bool close() {
    stack_.pop_back();
    if (!tokens_.empty() && tokens_.size() == stack_.size()) tokens_.pop_back();
    return true;
  }
  bool out_of_range(const std::string& text) {
    return limit(here(), "number " + shortened(text) +
                             " is out of range; allowed: numbers a double can hold (magnitude below 1.8e308)");
  }
  bool limit(std::string pointer, std::string message) {
    failure_ = Failure::kLimit;
    pointer_ = std::move(pointer);
    message_ = std::move(message);
    return false;
  }

  Json& root_;
  std::size_t max_depth_;
  std::vector<Json*> stack_;
  std::vector<std::string> tokens_;  // the pointer tokens of stack_[1..]
  std::string key_;
  Failure failure_ = Failure::kNone;
  std::string pointer_;
  std::string message_;
};

/// Runs the builder over `text`; the failure (if any) stays in `builder`.
Json build(std::string_view text, std::size_t max_depth, BoundedBuilder::Failure& failure, std::string& pointer,
           std::string& message) {
  Json root;
  BoundedBuilder builder(root, max_depth);
  const bool ok = Json::sax_parse(text.begin(), text.end(), &builder, nlohmann::detail::input_format_t::json,
                                  /*strict=*/true, /*ignore_comments=*/true);
  failure = ok ? BoundedBuilder::Failure::kNone : builder.failure();
  if (!ok && failure == BoundedBuilder::Failure::kNone) failure = BoundedBuilder::Failure::kSyntax;
  pointer = builder.pointer();
  message = builder.message().empty() ? "invalid JSON" : builder.message();
  return root;
}

/// Parses a canonical list index ("0", "17"; no sign, no leading zero) below `size`.
bool list_index(const std::string& token, std::size_t size, std::size_t& index) {
  if (token.empty() || (token.size() > 1 && token[0] == '0')) return false;
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
  return ec == std::errc() && end == token.data() + token.size() && index < size;
}

bool canonical_number(const std::string& token) {
  return !token.empty() && token.find_first_not_of("0123456789") == std::string::npos &&
         !(token.size() > 1 && token[0] == '0');
}

}  // namespace

namespace {

void check_size(std::size_t bytes, const std::string& file, const JsonLimits& limits) {
  if (bytes > limits.max_bytes) {
    throw ScenarioError(file, "", "the file is larger than the limit; allowed: scenario files up to " +
                                      std::to_string(limits.max_bytes) + " bytes");
  }
}

}  // namespace

Json parse_json(std::string_view text, const std::string& file, const JsonLimits& limits, const std::string& at) {
  check_size(text.size(), file, limits);
  BoundedBuilder::Failure failure{};
  std::string pointer, message;
  Json root = build(text, limits.max_depth, failure, pointer, message);
  if (failure != BoundedBuilder::Failure::kNone) throw ScenarioError(file, at + pointer, message);
  return root;
}

std::vector<std::string> pointer_tokens(std::string_view pointer, const std::string& file) {
  if (pointer.empty()) return {};
  if (pointer[0] != '/') throw ScenarioError(file, std::string(pointer), "--set: not a valid JSON pointer (it starts with /)");
  std::vector<std::string> tokens(1);
  for (std::size_t i = 1; i < pointer.size(); ++i) {
    const char c = pointer[i];
    if (c == '/') {
      tokens.emplace_back();
    } else if (c == '~') {
      const char next = i + 1 < pointer.size() ? pointer[i + 1] : '\0';
      if (next != '0' && next != '1') {
        throw ScenarioError(file, std::string(pointer), "--set: not a valid JSON pointer (~ must be followed by 0 or 1)");
      }
      tokens.back() += next == '0' ? '~' : '/';
      ++i;
    } else {
      tokens.back() += c;
    }
  }
  return tokens;
}

void apply_override(Json& document, std::string_view assignment, const std::string& file,
                    const JsonLimits& limits) {
  const auto eq = assignment.find('=');
  const std::string pointer(assignment.substr(0, eq));
  if (!is_valid_utf8(assignment)) {
    throw ScenarioError(file, pointer, "--set: the assignment is not valid UTF-8");
  }
  if (assignment.empty() || assignment[0] != '/' || eq == std::string_view::npos) {
    throw ScenarioError(file, std::string(assignment), "--set expects /json/pointer=value (e.g. --set /replications=20)");
  }
  const std::vector<std::string> tokens = pointer_tokens(pointer, file);
  if (tokens.size() >= limits.max_depth) {
    throw ScenarioError(file, pointer, "--set: the pointer is deeper than " + std::to_string(limits.max_depth) + " levels");
  }
  // The parent: every token but the last must name an existing member or list item.
  Json* parent = &document;
  std::string walked;
  for (std::size_t k = 0; k + 1 < tokens.size(); ++k) {
    std::size_t index = 0;
    if (parent->is_object() && parent->contains(tokens[k])) {
      parent = &(*parent)[tokens[k]];
    } else if (parent->is_array() && list_index(tokens[k], parent->size(), index)) {
      parent = &(*parent)[index];
    } else {
      walked += '/';
      walked += pointer_token(tokens[k]);
      throw ScenarioError(file, pointer, "--set: the scenario has no object or list at " + walked);
    }
    walked += '/';
    walked += pointer_token(tokens[k]);
  }
  if (!parent->is_object() && !parent->is_array()) {
    throw ScenarioError(file, pointer, "--set: the scenario has no object or list at " + (walked.empty() ? "/" : walked));
  }
  // The value: JSON within the depth left at this place, or else a plain string.
  const std::string_view text = assignment.substr(eq + 1);
  BoundedBuilder::Failure failure{};
  std::string at, message;
  Json value = build(text, limits.max_depth - tokens.size(), failure, at, message);
  if (failure == BoundedBuilder::Failure::kLimit) throw ScenarioError(file, pointer + at, "--set: " + message);
  if (failure == BoundedBuilder::Failure::kSyntax) value = std::string(text);  // a bare word is a string
  const std::string& last = tokens.back();
  if (parent->is_object()) {
    (*parent)[last] = std::move(value);
    return;
  }
  if (!canonical_number(last)) throw ScenarioError(file, pointer, "--set: a list index must be a plain number");
  std::size_t index = 0;
  if (!list_index(last, parent->size(), index)) {
    throw ScenarioError(file, pointer, "--set: index out of range; the list has " + std::to_string(parent->size()) + " items");
  }
  (*parent)[index] = std::move(value);
}

Json read_json_file(const std::string& path, const JsonLimits& limits) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw ScenarioError(path, "", "cannot open the scenario file (it is a directory)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError(path, "", "cannot open the scenario file");
  std::string text;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    check_size(text.size(), path, limits);  // stop reading an endless file early
  }
  if (in.bad()) throw ScenarioError(path, "", "cannot read the scenario file");
  return parse_json(text, path, limits);
}

}  // namespace marketsim
