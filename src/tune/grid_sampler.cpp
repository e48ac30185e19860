#include <fmt/format.h>

#include "nnlab/error.h"
#include "nnlab/tune/sampler.h"

namespace nnlab::tune {

namespace {

// A grid beyond this many points would not finish; the message asks for fewer values.
constexpr size_t kMaxGridPoints = 1'000'000;

// Depth-first over the parameters in order: an inactive parameter adds no branch, so a
// conditional width varies only within the depths where it exists.
void expand(const SearchSpace& space, size_t index, Params& point, std::vector<Params>& out) {
  if (index == space.params().size()) {
    if (out.size() >= kMaxGridPoints)
      throw ConfigError(fmt::format("the grid has over {} points; give fewer \"grid\" values", kMaxGridPoints));
    out.push_back(point);
    return;
  }
  const ParamSpec& spec = space.params()[index];
  if (!space.is_active(spec, point)) {
    expand(space, index + 1, point, out);
    return;
  }
  for (auto& value : spec.grid) {
    point[spec.name] = value;
    expand(space, index + 1, point, out);
  }
  point.erase(spec.name);
}

}  // namespace

std::vector<Params> GridSampler::enumerate(const SearchSpace& space) {
  for (auto& spec : space.params())
    if (spec.grid.empty())
      throw ConfigError(fmt::format("the grid sampler needs values for '{}', a continuous parameter: give it "
                                    "\"grid\": [v1, v2, ...] or \"grid_points\": N in the search space",
                                    spec.name));
  std::vector<Params> out;
  Params point;
  expand(space, 0, point, out);
  return out;
}

std::string GridSampler::claim_key(const Params& point) { return "grid:" + nlohmann::json(point).dump(); }

std::optional<Proposal> GridSampler::propose(const SamplingContext& ctx) {
  if (!enumerated_) {
    points_ = enumerate(ctx.space);
    enumerated_ = true;
  }
  // A random free point rather than the first: concurrent workers then rarely race for
  // the same claim (a lost race just proposes again).
  std::vector<size_t> free;
  for (size_t i = 0; i < points_.size(); ++i)
    if (!ctx.claims.count(claim_key(points_[i]))) free.push_back(i);
  if (free.empty()) return std::nullopt;
  const Params& point = points_[free[ctx.rng.below(free.size())]];
  return Proposal{point, claim_key(point)};
}

}  // namespace nnlab::tune
