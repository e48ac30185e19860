#include "nnlab/tune/importance.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace nnlab::tune {

namespace {

constexpr size_t kMinTrials = 4;
constexpr size_t kMaxDistinct = 6;  // up to this many distinct values: one group each
constexpr size_t kBins = 5;

// Average ranks (ties share their mean rank), 1-based.
std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    for (size_t k = i; k <= j; ++k) r[order[k]] = 0.5 * static_cast<double>(i + j) + 1;
    i = j + 1;
  }
  return r;
}

double omega_squared(const std::vector<int>& group, const std::vector<double>& y) {
  std::map<int, std::pair<double, size_t>> sums;
  double mean = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    sums[group[i]].first += y[i];
    sums[group[i]].second += 1;
    mean += y[i];
  }
  const size_t n = y.size(), k = sums.size();
  if (k < 2 || n <= k) return 0;
  mean /= static_cast<double>(n);
  double ss_total = 0, ss_between = 0;
  for (double v : y) ss_total += (v - mean) * (v - mean);
  for (auto& [g, s] : sums) {
    double gm = s.first / static_cast<double>(s.second);
    ss_between += static_cast<double>(s.second) * (gm - mean) * (gm - mean);
  }
  if (ss_total <= 0) return 0;
  double ms_within = (ss_total - ss_between) / static_cast<double>(n - k);
  return std::max(0.0, (ss_between - static_cast<double>(k - 1) * ms_within) / (ss_total + ms_within));
}

}  // namespace

std::vector<ParamImportance> parameter_importance(const SearchSpace& space, const std::vector<FrozenTrial>& trials) {
  std::vector<ParamImportance> out;
  for (auto& spec : space.params()) {
    std::vector<double> x, y;
    for (auto& t : trials) {
      auto it = t.params.find(spec.name);
      if (t.state != TrialState::Complete || !t.value || !std::isfinite(*t.value) || it == t.params.end()) continue;
      x.push_back(spec.to_internal(it->second));
      y.push_back(*t.value);
    }
    ParamImportance p{spec.name, 0, static_cast<int>(x.size())};
    if (x.size() >= kMinTrials) {
      std::vector<double> distinct = x;
      std::sort(distinct.begin(), distinct.end());
      distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
      std::vector<int> group(x.size());
      if (distinct.size() <= kMaxDistinct) {
        for (size_t i = 0; i < x.size(); ++i)
          group[i] = static_cast<int>(std::lower_bound(distinct.begin(), distinct.end(), x[i]) - distinct.begin());
      } else {
        std::vector<double> rx = ranks(x);
        for (size_t i = 0; i < x.size(); ++i)
          group[i] = std::min<int>(static_cast<int>((rx[i] - 1) * kBins / static_cast<double>(x.size())), kBins - 1);
      }
      p.importance = omega_squared(group, ranks(y));
    }
    out.push_back(p);
  }
  double total = 0;
  for (auto& p : out) total += p.importance;
  if (total > 0)
    for (auto& p : out) p.importance /= total;
  std::stable_sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.importance > b.importance; });
  return out;
}

}  // namespace nnlab::tune
