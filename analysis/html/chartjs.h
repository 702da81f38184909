#pragma once
// Chart.js 3.9 (Debian's libjs-chart.js, /usr/share/javascript/chart.js/chart.min.js, MIT licence),
// embedded at build time (analysis/CMakeLists.txt) so a report needs nothing at run time.
#include <string_view>

namespace marketsim {

std::string_view chartjs_source();

}  // namespace marketsim
