#include "sim/csv.h"

#include <filesystem>
#include <fstream>

#include "sim/error.h"

namespace marketsim {

std::string read_whole_file(const std::string& file, const std::string& what) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    throw ScenarioError(file, "", "cannot open the " + what + " (it is a directory)");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ScenarioError(file, "", "cannot open the " + what);
  std::string text;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size > 0) {
    text.resize(static_cast<std::size_t>(size));
    in.read(text.data(), size);
    text.resize(static_cast<std::size_t>(in.gcount()));
  }
  // A file whose size tellg cannot tell (a pipe): read on.
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw ScenarioError(file, "", "cannot read the " + what);
  return text;
}

CsvReader::CsvReader(std::string text, std::string file) : text_(std::move(text)), file_(std::move(file)) {
  if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
}

bool CsvReader::next(std::vector<std::string_view>& fields) {
  fields.clear();
  const std::size_t n = text_.size();
  // Empty lines.
  while (pos_ < n && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
    if (text_[pos_] == '\n' || pos_ + 1 == n || text_[pos_ + 1] != '\n') ++next_line_;
    ++pos_;
  }
  if (pos_ >= n) return false;
  line_ = next_line_;
  char* const data = text_.data();
  while (true) {
    if (data[pos_] == '"') {
      // Quoted: up to the closing quote; "" is a quote.
      const std::size_t start = ++pos_;
      std::size_t write = start;
      while (true) {
        if (pos_ >= n) fail(line_, "a quoted field is not closed (a \" is missing)");
        const char c = data[pos_++];
        if (c == '"') {
          if (pos_ < n && data[pos_] == '"') {
            data[write++] = '"';
            ++pos_;
            continue;
          }
          break;
        }
        if (c == '\n') ++next_line_;
        data[write++] = c;
      }
      fields.emplace_back(data + start, write - start);
      if (pos_ < n && data[pos_] != ',' && data[pos_] != '\n' && data[pos_] != '\r') {
        fail(line_, "field " + std::to_string(fields.size()) +
                        ": text after a quoted field's closing quote (a quote inside a "
                        "quoted field is written \"\")");
      }
    } else {
      const std::size_t start = pos_;
      while (pos_ < n && data[pos_] != ',' && data[pos_] != '\n' && data[pos_] != '\r') ++pos_;
      fields.emplace_back(data + start, pos_ - start);
    }
    if (pos_ >= n) return true;
    const char c = data[pos_++];
    if (c == ',') {
      if (pos_ == n) {  // a last empty field at the end of the text
        fields.emplace_back();
        return true;
      }
      continue;
    }
    // End of the record: LF, CRLF or a lone CR.
    if (c == '\r' && pos_ < n && data[pos_] == '\n') ++pos_;
    ++next_line_;
    return true;
  }
}

void CsvReader::fail(std::size_t line, const std::string& what) const {
  throw ScenarioError(file_, "line " + std::to_string(line), what);
}

}  // namespace marketsim
