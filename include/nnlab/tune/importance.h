// Which parameters matter: for each parameter, the share of the variance of the objective
// explained by that parameter alone, a first-order (main-effect) variance decomposition in
// the spirit of fANOVA (Hutter, Hoos and Leyton-Brown, ICML 2014) without its random forest.
//
// Per parameter, over the complete trials where it exists: the trials are grouped by its
// value (each choice; each value when it takes ≤ 6; else 5 equal-count bins of increasing
// value), and ω² of a one-way ANOVA of the objective's ranks on those groups is its effect
// size (Hays 1963): (SS_between − (k−1) MS_within) / (SS_total + MS_within), clipped at 0,
// which corrects the optimism of SS_between/SS_total for few trials per group. Ranks rather
// than values, so that a few diverged runs do not decide. The ω² are then scaled to sum to 1.
#pragma once

#include <string>
#include <vector>

#include "nnlab/tune/search_space.h"
#include "nnlab/tune/trial.h"

namespace nnlab::tune {

struct ParamImportance {
  std::string name;
  double importance = 0;  // share in [0, 1]; the shares sum to 1 unless all are 0
  int trials = 0;         // complete trials where the parameter exists
};

// Most important first. A parameter with fewer than 4 complete trials gets 0.
std::vector<ParamImportance> parameter_importance(const SearchSpace& space, const std::vector<FrozenTrial>& trials);

}  // namespace nnlab::tune
