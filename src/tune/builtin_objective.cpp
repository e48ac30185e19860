#include <fmt/format.h>

#include <array>

#include "nnlab/error.h"
#include "nnlab/tune/objective.h"
#include "nnlab/tune/test_functions.h"

namespace nnlab::tune {

namespace {

struct TestFunction {
  std::string_view name;
  size_t dims;       // 0: any d ≥ 2
  double low, high;  // the domain of every input (branin's are its own)
  double (*f)(std::span<const double>);
};

const std::array<TestFunction, 6> kFunctions{{
    {"branin", 2, 0, 0, [](std::span<const double> x) { return branin(x[0], x[1]); }},
    {"hartmann6", 6, 0, 1, [](std::span<const double> x) { return hartmann6(x.first<6>()); }},
    {"rosenbrock", 0, -5, 10, rosenbrock},
    {"levy", 0, -10, 10, levy},
    {"ackley", 0, -32.768, 32.768, ackley},
    {"rastrigin", 0, -5.12, 5.12, rastrigin},
}};

const TestFunction& find_function(std::string_view name) {
  for (auto& f : kFunctions)
    if (f.name == name) return f;
  throw ConfigError(fmt::format("unknown `objective` '{}' (accepted: {})", name, fmt::join(builtin_objective_names(), ", ")));
}

class BuiltinObjective : public Objective {
 public:
  BuiltinObjective(const TestFunction& function, std::vector<std::string> inputs)
      : function_(function), inputs_(std::move(inputs)) {}

  nlohmann::json describe() const override {
    return {{"kind", "builtin"}, {"function", std::string(function_.name)}, {"inputs", inputs_}};
  }

  ObjectiveResult evaluate(const Params& params, TrialContext&) override {
    std::vector<double> x;
    for (auto& n : inputs_) x.push_back(params.at(n).get<double>());
    return {Outcome::Complete, function_.f(x), "", nullptr};
  }

 private:
  const TestFunction& function_;
  std::vector<std::string> inputs_;
};

}  // namespace

std::vector<std::string> builtin_objective_names() {
  std::vector<std::string> names;
  for (auto& f : kFunctions) names.emplace_back(f.name);
  return names;
}

std::unique_ptr<Objective> make_builtin_objective(std::string_view name, const SearchSpace& space) {
  const TestFunction& function = find_function(name);
  std::vector<std::string> inputs;
  for (auto& p : space.params()) {
    if (p.type == ParamType::Categorical || p.condition)
      throw ConfigError(fmt::format("`objective` {} takes numeric parameters without conditions; '{}' is not one",
                                    name, p.name));
    inputs.push_back(p.name);
  }
  const size_t dims = function.dims;
  if ((dims && inputs.size() != dims) || (!dims && inputs.size() < 2))
    throw ConfigError(fmt::format("`objective` {} takes {} parameters; the search space has {}", name,
                                  dims ? std::to_string(dims) : "2 or more", inputs.size()));
  return std::make_unique<BuiltinObjective>(function, std::move(inputs));
}

SearchSpace builtin_space(std::string_view name) {
  const TestFunction& function = find_function(name);
  nlohmann::ordered_json spec;
  if (name == "branin") {
    spec["x1"] = {{"type", "float"}, {"low", -5.0}, {"high", 10.0}};
    spec["x2"] = {{"type", "float"}, {"low", 0.0}, {"high", 15.0}};
  } else {
    for (size_t i = 1; i <= (function.dims ? function.dims : 2); ++i)
      spec[fmt::format("x{}", i)] = {{"type", "float"}, {"low", function.low}, {"high", function.high}};
  }
  return SearchSpace::from_json(spec, fmt::format("the {} domain", name));
}

}  // namespace nnlab::tune
