#include <fmt/format.h>

#include "nnlab/error.h"
#include "nnlab/tune/objective.h"
#include "nnlab/tune/test_functions.h"

namespace nnlab::tune {

namespace {

class BuiltinObjective : public Objective {
 public:
  BuiltinObjective(std::string name, std::vector<std::string> inputs) : name_(std::move(name)), inputs_(std::move(inputs)) {}

  nlohmann::json describe() const override { return {{"kind", "builtin"}, {"function", name_}, {"inputs", inputs_}}; }

  ObjectiveResult evaluate(const Params& params, TrialContext&) override {
    std::vector<double> x;
    for (auto& n : inputs_) x.push_back(params.at(n).get<double>());
    double v = name_ == "branin"      ? branin(x[0], x[1])
               : name_ == "hartmann6" ? hartmann6(std::span<const double, 6>(x.data(), 6))
                                      : rosenbrock(x);
    return {Outcome::Complete, v, "", nullptr};
  }

 private:
  std::string name_;
  std::vector<std::string> inputs_;
};

size_t dims_of(std::string_view name) {
  if (name == "branin") return 2;
  if (name == "hartmann6") return 6;
  if (name == "rosenbrock") return 0;  // any d ≥ 2
  throw ConfigError(fmt::format("unknown `objective` '{}' (accepted: branin, hartmann6, rosenbrock)", name));
}

}  // namespace

std::unique_ptr<Objective> make_builtin_objective(std::string_view name, const SearchSpace& space) {
  size_t dims = dims_of(name);
  std::vector<std::string> inputs;
  for (auto& p : space.params()) {
    if (p.type == ParamType::Categorical || p.condition)
      throw ConfigError(fmt::format("`objective` {} takes numeric parameters without conditions; '{}' is not one",
                                    name, p.name));
    inputs.push_back(p.name);
  }
  if ((dims && inputs.size() != dims) || (!dims && inputs.size() < 2))
    throw ConfigError(fmt::format("`objective` {} takes {} parameters; the search space has {}", name,
                                  dims ? std::to_string(dims) : "2 or more", inputs.size()));
  return std::make_unique<BuiltinObjective>(std::string(name), std::move(inputs));
}

SearchSpace builtin_space(std::string_view name) {
  size_t dims = dims_of(name);
  nlohmann::ordered_json spec;
  if (name == "branin") {
    spec["x1"] = {{"type", "float"}, {"low", -5.0}, {"high", 10.0}};
    spec["x2"] = {{"type", "float"}, {"low", 0.0}, {"high", 15.0}};
  } else {
    double low = name == "hartmann6" ? 0.0 : -5.0, high = name == "hartmann6" ? 1.0 : 10.0;
    for (size_t i = 1; i <= (dims ? dims : 2); ++i)
      spec[fmt::format("x{}", i)] = {{"type", "float"}, {"low", low}, {"high", high}};
  }
  return SearchSpace::from_json(spec, fmt::format("the {} domain", name));
}

}  // namespace nnlab::tune
