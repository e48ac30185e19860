// Objectives that run a program per trial: a command template (through /bin/sh -c) and nnlab
// training runs (the trainer executed directly, its command line by train_adapter.h). The program's stdout is read as it comes:
// "nnlab:report STEP VALUE" lines are intermediate values, handed to the pruner at once; the
// objective is the last number printed, or a key of the JSON object printed last.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <regex>

#include "nnlab/tune/command_template.h"
#include "nnlab/tune/objective.h"
#include "nnlab/tune/train_adapter.h"
#include "tune/subprocess.h"

namespace nnlab::tune {

namespace {

using Clock = std::chrono::steady_clock;

// A decimal number, possibly signed, with fraction and exponent; or nan/inf.
const std::regex& number_pattern() {
  static const std::regex re(R"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf)\b)", std::regex::icase);
  return re;
}

std::optional<double> last_number_in(const std::string& line) {
  std::optional<double> last;
  for (std::sregex_iterator it(line.begin(), line.end(), number_pattern()), end; it != end; ++it)
    last = std::strtod(it->str().c_str(), nullptr);
  return last;
}

// The message, the last line of stderr (usually the error) on the same line, then the tail.
std::string with_stderr(std::string message, const std::string& tail) {
  size_t end = tail.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return message;
  size_t start = tail.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  return message + ": " + tail.substr(start, end - start + 1) + "\n--- the end of its stderr ---\n" + tail;
}

class ProcessObjective : public Objective {
 public:
  using Builder = std::function<std::vector<std::string>(const Params&)>;
  ProcessObjective(nlohmann::json description, Builder build, ProcessObjectiveOptions options)
      : description_(std::move(description)), build_(std::move(build)), options_(std::move(options)) {}

  nlohmann::json describe() const override { return description_; }

  ObjectiveResult evaluate(const Params& params, TrialContext& ctx) override {
    SubprocessOptions spawn;
    spawn.argv = build_(params);
    spawn.env = options_.env;
    spawn.env.emplace_back("NNLAB_TRIAL_NUMBER", std::to_string(ctx.trial_number()));
    Subprocess child(spawn);

    std::optional<double> last_number;
    std::string last_line, bad_report;
    std::optional<std::pair<int64_t, double>> pruned_at;
    auto on_line = [&](const std::string& line) {
      if (pruned_at || !bad_report.empty()) return;
      if (line.rfind(kReportPrefix, 0) == 0) {
        auto report = parse_report(line);
        if (!report) {
          bad_report = line;
          return;
        }
        if (ctx.report(report->first, report->second)) pruned_at = report;
        return;
      }
      if (line.find_first_not_of(" \t\r") == std::string::npos) return;
      last_line = line;
      if (auto n = last_number_in(line)) last_number = n;
    };
    const auto grace = std::chrono::milliseconds(static_cast<int64_t>(options_.kill_grace_s * 1000));
    while (!child.pump(std::chrono::milliseconds(200), on_line)) {
      ctx.heartbeat();
      if (pruned_at || !bad_report.empty() || ctx.stop_requested()) {
        child.terminate(grace);
        break;
      }
    }
    if (pruned_at)
      return {Outcome::Pruned, NAN, fmt::format("pruned at step {} (value {})", pruned_at->first, pruned_at->second),
              nullptr};
    if (!bad_report.empty())
      return {Outcome::Failed, NAN,
              fmt::format("malformed line '{}' on stdout: expected 'nnlab:report STEP VALUE' (an integer step and a "
                          "number)",
                          bad_report),
              nullptr};
    if (ctx.stop_requested()) return {Outcome::Interrupted, NAN, "interrupted: the tuner was asked to stop", nullptr};
    const ExitStatus& status = *child.status();
    if (!status.success())
      return {Outcome::Failed, NAN, with_stderr(fmt::format("the program {}", status.describe()), child.stderr_tail()),
              nullptr};
    return final_value(last_line, last_number, child.stderr_tail());
  }

 private:
  ObjectiveResult final_value(const std::string& last_line, std::optional<double> last_number,
                              const std::string& tail) const {
    ObjectiveResult r;
    r.outcome = Outcome::Failed;
    if (!options_.metric.empty()) {
      nlohmann::json obj = nlohmann::json::parse(last_line, nullptr, false);
      if (!obj.is_object() || !obj.contains(options_.metric) || !obj[options_.metric].is_number()) {
        r.message = with_stderr(fmt::format("the last line on stdout should be a JSON object with a number \"{}\"; "
                                            "it was: {}",
                                            options_.metric, last_line.empty() ? "(nothing)" : last_line.substr(0, 300)),
                                tail);
        return r;
      }
      r.metrics = obj;
      r.value = obj[options_.metric].get<double>();
    } else {
      if (!last_number) {
        r.message = with_stderr("the program printed no number on stdout (the objective is the last one it prints)",
                                tail);
        return r;
      }
      r.value = *last_number;
    }
    if (!std::isfinite(r.value)) {
      r.message = fmt::format("the objective value is {}", r.value);
      return r;
    }
    r.outcome = Outcome::Complete;
    return r;
  }

  nlohmann::json description_;
  Builder build_;
  ProcessObjectiveOptions options_;
};

}  // namespace

std::unique_ptr<Objective> make_command_objective(const std::string& command_template, const SearchSpace& space,
                                                  ProcessObjectiveOptions options) {
  auto tmpl = std::make_shared<CommandTemplate>(command_template, space);
  nlohmann::json description{{"kind", "command"}, {"command", command_template}};
  if (!options.metric.empty()) description["metric"] = options.metric;
  return std::make_unique<ProcessObjective>(
      description,
      [tmpl](const Params& params) { return std::vector<std::string>{"/bin/sh", "-c", tmpl->render(params)}; },
      std::move(options));
}

std::unique_ptr<Objective> make_train_objective(const std::string& trainer, const std::vector<std::string>& train_flags,
                                                const SearchSpace& space, ProcessObjectiveOptions options) {
  check_train_flags(space, train_flags);
  if (options.metric.empty()) options.metric = "val_accuracy";
  nlohmann::json description{{"kind", "train"}, {"train_flags", train_flags}, {"metric", options.metric}};
  std::string metric = options.metric;
  return std::make_unique<ProcessObjective>(
      description,
      [trainer, train_flags, space, metric](const Params& params) {
        return train_command(trainer, train_flags, space, params, metric);
      },
      std::move(options));
}

}  // namespace nnlab::tune
