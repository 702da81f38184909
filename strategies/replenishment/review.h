#pragma once
// The review parameters every replenishment policy shares ("review", "review_days",
// "review_offset"): periodic review at the start of days review_offset + k * review_days, or
// continuous review after each settled line that lowers an offer's position.
#include <vector>

#include "sim/params.h"
#include "strategies/replenishment.h"

namespace marketsim {

/// The policy's own parameters followed by the review parameters.
inline std::vector<ParamSpec> with_review(std::vector<ParamSpec> params, std::int64_t default_days = 1) {
  params.push_back({.name = "review", .type = ParamType::kString, .default_value = "periodic",
                    .description = "when the policy reviews an offer: \"periodic\" (at the start of days review_offset + "
                                   "k * review_days) or \"continuous\" (after each settled line that lowers the offer's "
                                   "position, at its time)",
                    .choices = {"periodic", "continuous"}});
  params.push_back({.name = "review_days", .type = ParamType::kInteger, .default_value = default_days, .min = 1,
                    .max = 365, .description = "periodic review: the review period R, days"});
  params.push_back({.name = "review_offset", .type = ParamType::kInteger, .default_value = 0, .min = 0, .max = 364,
                    .description = "periodic review: the first review day modulo review_days (day 0 never reviews)"});
  return params;
}

/// The Review of validated parameters made with with_review().
inline Review parse_review(const Json& p) {
  Review r;
  r.kind = p["review"].get<std::string>() == "continuous" ? Review::Kind::kContinuous : Review::Kind::kPeriodic;
  r.days = p["review_days"].get<std::int64_t>();
  r.offset = p["review_offset"].get<std::int64_t>() % r.days;
  return r;
}

}  // namespace marketsim
