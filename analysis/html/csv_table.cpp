#include "analysis/html/csv_table.h"

#include <cstdlib>
#include <limits>

#include "sim/error.h"

namespace marketsim {

CsvTable::CsvTable(std::string_view text, const std::string& file) {
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  const auto end_row = [&] {
    row.push_back(std::move(field));
    field.clear();
    if (header_.empty()) {
      header_ = std::move(row);
    } else {
      if (row.size() != header_.size()) {
        throw Error(file + ": row " + std::to_string(rows_.size() + 2) + " has " + std::to_string(row.size()) +
                    " fields, the header " + std::to_string(header_.size()));
      }
      rows_.push_back(std::move(row));
    }
    row.clear();
    any = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    any = true;
    if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      end_row();
    } else if (c != '\r') {
      field += c;
    }
  }
  if (any || !field.empty() || !row.empty()) end_row();
  if (header_.empty()) throw Error(file + ": empty, expected a header line");
}

std::size_t CsvTable::column(const std::string& name) const {
  for (std::size_t k = 0; k < header_.size(); ++k) {
    if (header_[k] == name) return k;
  }
  return npos;
}

double CsvTable::number(std::size_t row, std::size_t col) const {
  const std::string& s = rows_[row][col];
  if (s.empty()) return std::numeric_limits<double>::quiet_NaN();
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() ? v : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace marketsim
