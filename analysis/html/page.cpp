#include "analysis/html/page.h"

#include <cstdio>
#include <cstdlib>

#include "analysis/html/chartjs.h"

namespace marketsim {
namespace {

bool numeric(const std::string& s) {
  if (s.empty()) return false;
  const char c = s[0];
  return (c >= '0' && c <= '9') || ((c == '-' || c == '+' || c == '.') && s.size() > 1) || s == "n/a";
}

std::string table_html(const std::vector<std::string>& header, const TableRows& rows) {
  std::string out = "<table><thead><tr>";
  for (const std::string& h : header) out += "<th>" + html_escape(h) + "</th>";
  out += "</tr></thead><tbody>";
  for (const auto& row : rows) {
    out += "<tr>";
    for (const std::string& cell : row) {
      out += numeric(cell) ? "<td class=\"n\">" : "<td>";
      out += html_escape(cell);
      out += "</td>";
    }
    out += "</tr>";
  }
  out += "</tbody></table>";
  return out;
}

/// JSON for a <script type="application/json"> block: "</" cannot end the block.
std::string script_json(const Json& j) {
  std::string text = j.dump();
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<') {
      out += "\\u003c";
    } else {
      out += text[i];
    }
  }
  return out;
}

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0 auto;max-width:1100px;padding:0 1.5em 3em;color:#1d2530;line-height:1.45}
h1{margin:1.2em 0 .1em}h2{margin-top:2em;border-bottom:1px solid #d6dbe1;padding-bottom:.2em}
.sub{color:#5b6675;margin:0 0 1em}nav a{margin-right:1em}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}th,td{padding:.25em .6em;border-bottom:1px solid #e3e7ec;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f5f7}
figure{margin:1em 0 1.6em}.box{position:relative;height:320px}figcaption{color:#3c4756;margin:.3em 0}
details summary{cursor:pointer;color:#2b5c99}.verdict li{margin:.3em 0}
)";

constexpr const char* kDraw = R"(
(function(){
  var canvases = document.querySelectorAll('canvas[data-config]');
  for (var k = 0; k < canvases.length; ++k) {
    var c = canvases[k];
    var config = JSON.parse(document.getElementById(c.getAttribute('data-config')).textContent);
    config.options = config.options || {};
    config.options.animation = false;
    config.options.responsive = true;
    config.options.maintainAspectRatio = false;
    // A band's lower edge is drawn, not listed: its upper edge stands for it in the legend.
    config.options.plugins = config.options.plugins || {};
    config.options.plugins.legend = config.options.plugins.legend || {};
    config.options.plugins.legend.labels = config.options.plugins.legend.labels || {};
    config.options.plugins.legend.labels.filter = function(item) { return !/ \(low\)$/.test(item.text); };
    var chart = new Chart(c, config);
    var points = 0;
    for (var i = 0; i < chart.data.datasets.length; ++i) points += chart.getDatasetMeta(i).data.length;
    c.setAttribute('data-points', String(points));
  }
})();
)";

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string series_colour(std::size_t k, double alpha) {
  static const int rgb[][3] = {{54, 104, 173}, {214, 96, 42}, {46, 150, 88}, {160, 70, 160},
                               {196, 160, 30}, {40, 160, 170}, {200, 60, 90},  {110, 110, 110}};
  const int* c = rgb[k % (sizeof rgb / sizeof rgb[0])];
  char buf[48];
  std::snprintf(buf, sizeof buf, "rgba(%d,%d,%d,%.2f)", c[0], c[1], c[2], alpha);
  return buf;
}

HtmlPage::HtmlPage(std::string title, std::string subtitle) : title_(std::move(title)), subtitle_(std::move(subtitle)) {}

void HtmlPage::section(const std::string& id, const std::string& title) {
  contents_.emplace_back(id, title);
  body_ += "<h2 id=\"" + html_escape(id) + "\">" + html_escape(title) + "</h2>\n";
}

void HtmlPage::paragraph(const std::string& text) { body_ += "<p>" + html_escape(text) + "</p>\n"; }

void HtmlPage::table(const std::vector<std::string>& header, const TableRows& rows, const std::string& caption) {
  if (!caption.empty()) body_ += "<p>" + html_escape(caption) + "</p>";
  body_ += table_html(header, rows) + "\n";
}

void HtmlPage::chart(Json config, const std::string& caption, const std::vector<std::string>& header,
                     const TableRows& rows) {
  std::size_t expected = 0;
  for (const Json& d : config["data"]["datasets"]) expected += d["data"].size();
  const std::string id = "chart" + std::to_string(++charts_);
  body_ += "<figure><div class=\"box\"><canvas id=\"" + id + "\" data-config=\"" + id + "-config\" data-expected=\"" +
           std::to_string(expected) + "\" role=\"img\" aria-label=\"" + html_escape(caption) + "\"></canvas></div>";
  body_ += "<script type=\"application/json\" id=\"" + id + "-config\">" + script_json(config) + "</script>";
  body_ += "<figcaption>" + html_escape(caption) + "</figcaption>";
  body_ += "<details><summary>The numbers</summary>" + table_html(header, rows) + "</details></figure>\n";
}

std::string HtmlPage::str() const {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; "
         "style-src 'unsafe-inline'; img-src data:\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + html_escape(title_) + "</title><style>" + kStyle + "</style></head><body>\n";
  out += "<h1>" + html_escape(title_) + "</h1><p class=\"sub\">" + html_escape(subtitle_) + "</p>\n<nav>";
  for (const auto& [id, title] : contents_) out += "<a href=\"#" + html_escape(id) + "\">" + html_escape(title) + "</a>";
  out += "</nav>\n" + body_;
  if (charts_ > 0) {
    out += "<script>";
    out += chartjs_source();
    out += "</script>\n<script>";
    out += kDraw;
    out += "</script>\n";
  }
  out += "</body></html>\n";
  return out;
}

}  // namespace marketsim
