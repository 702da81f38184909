#include "strategies/shared.h"

#include "sim/error.h"

namespace marketsim {

ParamSchema with_window(ParamSchema params, std::string start_description, std::string end_description) {
  params.push_back({.name = "start", .type = ParamType::kNumber, .default_value = 0.0, .min = 0.0,
                    .description = std::move(start_description)});
  params.push_back({.name = "end", .type = ParamType::kNumber, .default_value = 1.0e9, .min = 0.0,
                    .description = std::move(end_description)});
  return params;
}

PromotionWindow parse_window(const Json& p) {
  const PromotionWindow w{p["start"].get<double>(), p["end"].get<double>()};
  if (!(w.end > w.start)) throw ParamError("end", "must be greater than start");
  return w;
}

}  // namespace marketsim
