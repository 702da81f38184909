#pragma once
// Two numbers of a fitted market that no closed form gives, set by simulating it (the method of
// simulated moments): the utility intercept, so that the simulated shop's mean lines per order
// is the log's, and the conversion of a visit (the share of visits that order), which turns the
// fitted order rates into visit rates. The basket is a repeated logit choice without replacement
// among a visit's shown products, whose weights are as unequal as the products' sales: how many
// lines it takes, and how often a visit takes none, depend on the whole catalogue.
//
// Each round runs the fitted market over the training span (one replication, the uncertain
// values at their central values) through the run unit and measures both; the intercept moves by
// about ln((L - 1) / (L_sim - 1)) (the summed weight of the shown products scales with e^a, and a
// basket ends with the outside option at about 1 / (1 + that weight); from the second round the
// secant's slope), the visit rates by
// conversion / conversion_sim. It stops when the mean lines are within 2% of the log's, or after
// `rounds` rounds; the rounds and the last figures go to fit.json's "simulated_moments".
#include <string>

#include "calibration/fit.h"

namespace marketsim {

/// Refines `fit` in place (its scenario's intercept and visit rates, fit.json's figures).
/// `work_dir`: a directory for the scenario's files while it runs (removed after).
void match_simulated_moments(Calibration& fit, const std::string& work_dir, int rounds = 12);

}  // namespace marketsim
