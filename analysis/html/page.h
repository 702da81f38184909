#pragma once
// One self-contained HTML page: sections of prose, tables and charts drawn by Chart.js 3.9
// (Debian's libjs-chart.js, inlined: analysis/html/chartjs.h). Nothing is loaded from the network:
// the page carries a Content-Security-Policy of default-src 'none' with inline scripts and styles
// and data: images allowed. Every chart is a <canvas> with data-expected="N" (the points its
// datasets hold, after any down-sampling), a one-sentence caption, and its numbers in a table one
// click away; after drawing, the page's script sets data-points from Chart.js's own metadata (what
// a browser test compares).
#include <string>
#include <string_view>
#include <vector>

#include "sim/params.h"

namespace marketsim {

/// Text with &, <, >, " and ' escaped for HTML.
std::string html_escape(std::string_view text);

using TableRows = std::vector<std::vector<std::string>>;

class HtmlPage {
 public:
  HtmlPage(std::string title, std::string subtitle);

  /// Starts a section (an <h2> with an anchor in the page's contents).
  void section(const std::string& id, const std::string& title);
  /// A paragraph of text (escaped).
  void paragraph(const std::string& text);
  /// HTML as given (the caller escapes what it holds).
  void raw(const std::string& html) { body_ += html; }
  /// A table of text cells (escaped); cells that read as numbers are right-aligned.
  void table(const std::vector<std::string>& header, const TableRows& rows, const std::string& caption = "");
  /// A chart: a Chart.js configuration {"type", "data": {"labels", "datasets"}, "options"}, its
  /// caption, and its numbers (shown in a collapsed table under it).
  void chart(Json config, const std::string& caption, const std::vector<std::string>& header, const TableRows& rows);

  std::size_t charts() const { return charts_; }
  /// The whole page.
  std::string str() const;

 private:
  std::string title_, subtitle_;
  std::vector<std::pair<std::string, std::string>> contents_;  // (id, title)
  std::string body_;
  std::size_t charts_ = 0;
};

/// Colours for series (arms), as CSS rgba() with the given opacity.
std::string series_colour(std::size_t k, double alpha = 1.0);

}  // namespace marketsim
