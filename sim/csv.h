#pragma once
// Reading text files: a whole file at once, and RFC 4180 CSV records out of it (the transaction-log
// reader's and the scenario's catalog file's). Errors are ScenarioError (sim/error.h): one line
// naming the file and "line N".
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace marketsim {

/// The whole file; throws ScenarioError "cannot open the WHAT" (or read, or a directory).
std::string read_whole_file(const std::string& file, const std::string& what);

/// Splits RFC 4180 records out of a text it owns: fields separated by commas, records by LF, CRLF
/// or CR; a quoted field ("...", "" for a quote) may hold commas and line breaks; a UTF-8 byte
/// order mark and empty lines are skipped. A quoted field is unescaped in place (it only gets
/// shorter), so every field is a view into the text, valid until the reader goes.
class CsvReader {
 public:
  CsvReader(std::string text, std::string file);
  /// The next non-empty record's fields; false at the end. line() is where it starts.
  bool next(std::vector<std::string_view>& fields);
  std::size_t line() const { return line_; }
  /// Throws ScenarioError(file, "line N", what).
  [[noreturn]] void fail(std::size_t line, const std::string& what) const;

 private:
  std::string text_;
  std::string file_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;       // where the current record starts
  std::size_t next_line_ = 1;  // the line at pos_
};

}  // namespace marketsim
