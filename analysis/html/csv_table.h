#pragma once
// Reading back marketsim's own CSV outputs (RFC 4180: fields quoted when they hold a comma, a quote
// or a line break; quotes doubled) for the report, which is built from a run's or a sweep's files.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace marketsim {

class CsvTable {
 public:
  /// Parses `text` (a header line, then rows). `file` names it in errors.
  CsvTable(std::string_view text, const std::string& file);

  const std::vector<std::string>& header() const { return header_; }
  std::size_t rows() const { return rows_.size(); }
  /// The index of column `name`, or npos.
  std::size_t column(const std::string& name) const;
  bool has(const std::string& name) const { return column(name) != npos; }
  const std::string& text(std::size_t row, std::size_t column) const { return rows_[row][column]; }
  /// The field as a number: NaN when empty or not a number.
  double number(std::size_t row, std::size_t column) const;

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace marketsim
