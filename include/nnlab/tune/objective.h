// Objectives: what a trial evaluates. A built-in test function, any program run with the
// trial's parameters (--command), or an nnlab training run (nnlab tune ... -- <train flags>).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "nnlab/tune/search_space.h"

namespace nnlab::tune {

// What a running trial can tell the study, and ask of it.
class TrialContext {
 public:
  virtual ~TrialContext() = default;
  virtual int trial_number() const = 0;
  // Records an intermediate value; true when the pruner says the trial should stop.
  virtual bool report(int64_t step, double value) = 0;
  // Tells the storage the worker is alive; cheap to call often (it is rate-limited).
  virtual void heartbeat() = 0;
  // The tuner was asked to stop (SIGINT/SIGTERM): end the trial now.
  virtual bool stop_requested() const = 0;
};

enum class Outcome { Complete, Pruned, Failed, Interrupted };

struct ObjectiveResult {
  Outcome outcome = Outcome::Failed;
  double value = std::numeric_limits<double>::quiet_NaN();
  std::string message;      // why it failed or was pruned
  nlohmann::json metrics;   // final metrics of a training run, else null
};

class Objective {
 public:
  virtual ~Objective() = default;
  virtual nlohmann::json describe() const = 0;  // stored with the study
  virtual ObjectiveResult evaluate(const Params& params, TrialContext& context) = 0;
};

// The built-in test functions (test_functions.h): branin, hartmann6, rosenbrock, levy,
// ackley, rastrigin.
std::vector<std::string> builtin_objective_names();
// --objective NAME over the space's numeric parameters in order (branin: 2, hartmann6: 6,
// the others 2 or more). Throws ConfigError otherwise.
std::unique_ptr<Objective> make_builtin_objective(std::string_view name, const SearchSpace& space);
// The function's usual domain: x1..xd with the bounds of its literature definition (two
// inputs for the functions of any dimension; a --space file gives more).
SearchSpace builtin_space(std::string_view name);

struct ProcessObjectiveOptions {
  double kill_grace_s = 5;   // after SIGTERM to a pruned or interrupted run, SIGKILL
  double heartbeat_s = 5;
  // Empty: the objective is the last number the program prints. Else the last stdout line
  // must be a JSON object and the objective is this key of it (training runs).
  std::string metric;
  std::vector<std::pair<std::string, std::string>> env;  // added to the program's environment
};

// --command: the template rendered with the trial's parameters (command_template.h), run
// with /bin/sh -c. Lines "nnlab:report STEP VALUE" on its stdout are intermediate values.
std::unique_ptr<Objective> make_command_objective(const std::string& command_template, const SearchSpace& space,
                                                  ProcessObjectiveOptions options);

// nnlab tune ... -- <train flags>: runs
//   <trainer> train <train flags> <one flag per parameter (train_adapter.h)> --json --report-metric <metric>
// and takes `metric` from the JSON object the trainer prints last.
std::unique_ptr<Objective> make_train_objective(const std::string& trainer, const std::vector<std::string>& train_flags,
                                                const SearchSpace& space, ProcessObjectiveOptions options);

}  // namespace nnlab::tune
