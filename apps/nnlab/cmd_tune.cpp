// nnlab tune: a hyperparameter search in a resumable study (the library's tune::Study).
// With --workers K it runs itself K times as workers on the same storage and waits; each
// worker prints its trials on stderr, and the tuner prints the result (--json: one object).
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <memory>

#include "command.h"
#include "nnlab/error.h"
#include "nnlab/tune/command_template.h"
#include "nnlab/tune/study.h"
#include "nnlab/tune/study_summary.h"
#include "nnlab/tune/worker_pool.h"

namespace {

using namespace nnlab;
using namespace nnlab::tune;

std::atomic<bool> g_stop{false};  // set by SIGINT/SIGTERM: end the trial, keep the study resumable

extern "C" void request_stop(int) { g_stop.store(true); }

struct TuneFlags {
  std::string study, storage, space, sampler = "tpe", pruner = "none";
  std::string objective, command, metric, direction, trainer;
  int trials = 0, workers = 1, startup_trials = -1, worker_index = -1;
  double timeout = 0, kill_grace = 5;
  double heartbeat = 30, grace = -1, storage_timeout = 300;  // grace < 0: twice the heartbeat
  int retry_failed = 1;
  uint64_t seed = 0;
  bool json = false;
  int prune_startup = 5;
  int64_t prune_warmup = 0, asha_min_resource = 1;
  int asha_eta = 3;
  std::vector<std::string> train_flags;
};

std::string self_executable() {
  std::vector<char> buf(4096);
  ssize_t n = readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) throw IoError("cannot find this program's path in /proc/self/exe (needed to run trials and workers)");
  return std::string(buf.data(), static_cast<size_t>(n));
}

// This process's own arguments, to start the workers with: the same flags plus --worker-index.
std::vector<std::string> own_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> args;
  std::string arg;
  while (std::getline(in, arg, '\0')) args.push_back(arg);
  if (args.empty()) throw IoError("cannot read this process's arguments from /proc/self/cmdline");
  return args;
}

class ConsoleObserver : public StudyObserver {
 public:
  ConsoleObserver(std::string prefix, const SearchSpace& space) : prefix_(std::move(prefix)), space_(space) {}

  void trial_finished(const FrozenTrial& t, const FrozenTrial* best) override {
    std::string what;
    if (t.state == TrialState::Complete) what = fmt::format("complete, value {:.6g}", *t.value);
    else if (t.state == TrialState::Failed && !t.counted) what = "interrupted, will be retried";
    else what = fmt::format("{}: {}", to_string(t.state), first_lines(t.message, 4));
    std::string best_text = best ? fmt::format(" (best {:.6g} at trial {})", *best->value, best->number) : "";
    fmt::print(stderr, "{}trial {} {}{} | {}\n", prefix_, t.number, what, best_text, params_text(t.params));
  }

  void trials_recovered(int n) override {
    fmt::print(stderr, "{}marked {} interrupted trial{} failed; {} retried with the same parameters\n", prefix_, n,
               n == 1 ? "" : "s", n == 1 ? "it is" : "they are");
  }

  std::string params_text(const Params& params) const {
    std::string out;
    for (auto& spec : space_.params())
      if (params.count(spec.name)) out += fmt::format("{}{}={}", out.empty() ? "" : " ", spec.name, display_value(params.at(spec.name)));
    return out;
  }

 private:
  static std::string first_lines(const std::string& text, int n) {
    size_t pos = 0;
    for (int i = 0; i < n && pos != std::string::npos; ++i) pos = text.find('\n', pos + 1);
    return pos == std::string::npos ? text : text.substr(0, pos) + " ...";
  }
  std::string prefix_;
  const SearchSpace& space_;
};

Direction choose_direction(const TuneFlags& f, const std::string& metric) {
  if (!f.direction.empty()) {
    auto d = direction_from_string(f.direction);
    if (!d) cli::usage_error(fmt::format("--direction '{}': accepted are minimize and maximize", f.direction));
    return *d;
  }
  // Accuracies are maximised, everything else (losses, errors, test functions) minimised.
  return metric.find("acc") != std::string::npos ? Direction::Maximize : Direction::Minimize;
}

void check_flags(const TuneFlags& f) {
  if (f.study.empty()) cli::usage_error("--study NAME is required");
  if (f.storage.empty()) cli::usage_error("--storage URL is required, e.g. --storage sqlite:///studies/mnist.db");
  try {
    check_storage_url(f.storage);
  } catch (const ConfigError& e) {
    cli::usage_error(fmt::format("--storage: {}", e.what()));
  }
  if (f.storage == "memory:" && f.workers > 1)
    cli::usage_error("--storage memory: lives in one process; --workers needs sqlite:/// or postgresql://");
  for (auto& [name, value, accepted] :
       {std::tuple{"--sampler", f.sampler, std::vector<std::string>{"grid", "random", "tpe", "gp"}},
        std::tuple{"--pruner", f.pruner, std::vector<std::string>{"none", "median", "asha"}}}) {
    if (std::find(accepted.begin(), accepted.end(), value) == accepted.end())
      cli::usage_error(fmt::format("{} '{}': accepted are {}", name, value, fmt::join(accepted, ", ")));
  }
  const std::vector<std::string> functions = builtin_objective_names();
  if (!f.objective.empty() && std::find(functions.begin(), functions.end(), f.objective) == functions.end())
    cli::usage_error(fmt::format("--objective '{}': accepted are {}", f.objective, fmt::join(functions, ", ")));
  int objectives = !f.objective.empty() + !f.command.empty() + !f.train_flags.empty();
  if (objectives > 1)
    cli::usage_error("give one objective: --objective NAME, --command 'PROG {param}', or nnlab train flags after --");
  if (!f.objective.empty() && !f.metric.empty())
    cli::usage_error("--metric does not apply to --objective (the test function's value is the objective)");
  if (f.trials < 0) cli::usage_error("--trials must be ≥ 1");
  if (f.trials == 0 && f.timeout <= 0 && f.sampler != "grid")
    cli::usage_error("give --trials N (or --timeout S): the study needs a point to stop");
  if (f.workers < 1 || f.workers > 256) cli::usage_error(fmt::format("--workers {}: give 1 to 256", f.workers));
  if (f.timeout < 0) cli::usage_error("--timeout must be ≥ 0 seconds");
  if (f.kill_grace < 0) cli::usage_error("--kill-grace must be ≥ 0 seconds");
  if (f.heartbeat <= 0) cli::usage_error("--heartbeat must be > 0 seconds");
  if (f.grace >= 0 && f.grace <= f.heartbeat)
    cli::usage_error(fmt::format("--grace {} must exceed --heartbeat {}: a live worker would be taken for dead", f.grace,
                                 f.heartbeat));
  if (f.retry_failed < 0) cli::usage_error("--retry-failed must be ≥ 0");
  if (f.storage_timeout <= 0) cli::usage_error("--storage-timeout must be > 0 seconds");
}

void print_result(const StudyRecord& record, const std::vector<FrozenTrial>& trials, const TuneFlags& f,
                  const SearchSpace& space) {
  nlohmann::json summary = study_summary(record, trials);
  summary["storage"] = redact_storage_url(f.storage);
  if (f.json) {
    fmt::print("{}\n", summary.dump());
    return;
  }
  auto& s = summary["states"];
  int interrupted = s["interrupted"].get<int>();
  fmt::print("study '{}' in {}: {} trials ({} complete, {} pruned, {} failed){}\n", record.name,
             redact_storage_url(f.storage),
             summary["n_trials"].get<int>(), s["complete"].get<int>(), s["pruned"].get<int>(), s["failed"].get<int>(),
             interrupted ? fmt::format("; {} interrupted attempt{} retried", interrupted, interrupted == 1 ? "" : "s")
                         : "");
  if (const FrozenTrial* best = best_trial(trials, record.direction))
    fmt::print("best value {:.6g} at trial {}: {}\n", *best->value, best->number,
               ConsoleObserver("", space).params_text(best->params));
}

int run_tune(const TuneFlags& f) {
  check_flags(f);
  const bool builtin = !f.objective.empty(), by_command = !f.command.empty();
  if (f.space.empty() && !builtin) cli::usage_error("--space FILE is required: the search space as JSON");
  SearchSpace space = f.space.empty() ? builtin_space(f.objective) : SearchSpace::load(f.space);
  const std::string metric = builtin ? "" : by_command ? f.metric : (f.metric.empty() ? "val_accuracy" : f.metric);
  const Direction direction = choose_direction(f, metric);

  ProcessObjectiveOptions popt;
  popt.kill_grace_s = f.kill_grace;
  popt.metric = metric;
  popt.env = {{"NNLAB_STUDY", f.study}};
  std::unique_ptr<Objective> objective =
      builtin     ? make_builtin_objective(f.objective, space)
      : by_command ? make_command_objective(f.command, space, popt)
                   : make_train_objective(f.trainer.empty() ? self_executable() : f.trainer, f.train_flags, space, popt);
  auto sampler = make_sampler(f.sampler, SamplerOptions{f.startup_trials});
  PrunerOptions prune_opt;
  prune_opt.median.startup_trials = f.prune_startup;
  prune_opt.median.warmup_steps = f.prune_warmup;
  prune_opt.asha.min_resource = f.asha_min_resource;
  prune_opt.asha.reduction_factor = f.asha_eta;
  auto pruner = make_pruner(f.pruner, prune_opt);
  if (f.sampler == "grid") GridSampler::enumerate(space);  // a space without grid values fails here, not in a worker

  const bool is_worker = f.worker_index >= 0;
  if (by_command && !is_worker) {
    std::string unused;
    for (auto& p : space.params())
      if (!CommandTemplate(f.command, space).referenced().count(p.name)) unused += (unused.empty() ? "" : ", ") + p.name;
    if (!unused.empty()) fmt::print(stderr, "warning: --command does not use {{{}}}; their values change nothing\n", unused);
  }

  std::unique_ptr<Storage> storage = open_storage(f.storage, StorageAccess::Create, f.storage_timeout);
  Study study = Study::create_or_load(*storage, f.study, direction, space, objective->describe());
  signal(SIGINT, request_stop);
  signal(SIGTERM, request_stop);

  if (f.workers > 1 && !is_worker) {
    std::vector<std::string> args = own_arguments();
    auto verb = std::find(args.begin() + 1, args.end(), "tune");
    std::vector<std::vector<std::string>> argvs;
    for (int i = 0; i < f.workers; ++i) {
      std::vector<std::string> argv{self_executable()};
      argv.insert(argv.end(), args.begin() + 1, verb + 1);
      argv.insert(argv.end(), {"--worker-index", std::to_string(i)});
      argv.insert(argv.end(), verb + 1, args.end());
      argvs.push_back(std::move(argv));
    }
    std::string failed;
    for (auto& w : run_worker_processes(argvs, &g_stop))
      if (!w.ok) failed += fmt::format("{}worker {} {}", failed.empty() ? "" : "; ", w.index, w.description);
    print_result(study.record(), study.trials(), f, space);
    if (g_stop) return 130;
    if (!failed.empty()) throw Error(fmt::format("{}; run the same command again to resume the study", failed));
  } else {
    OptimizeOptions opt;
    opt.n_trials = f.trials;
    opt.timeout_s = f.timeout;
    opt.seed = f.seed;
    opt.stop = &g_stop;
    opt.heartbeat_s = f.heartbeat;
    opt.grace_s = f.grace >= 0 ? f.grace : 2 * f.heartbeat;
    opt.retry_failed = f.retry_failed;
    ConsoleObserver observer(is_worker ? fmt::format("[worker {}] ", f.worker_index) : "", space);
    study.optimize(*sampler, pruner.get(), *objective, opt, &observer);
    if (is_worker) return g_stop ? 130 : 0;
    print_result(study.record(), study.trials(), f, space);
    if (g_stop) {
      fmt::print(stderr, "stopped; run the same command again to resume the study\n");
      return 130;
    }
  }
  std::vector<FrozenTrial> trials = study.trials();
  if (!best_trial(trials, direction)) {
    std::string last;
    for (auto& t : trials)
      if (t.state == TrialState::Failed) last = t.message;
    throw Error(fmt::format("no trial of study '{}' completed{}", f.study, last.empty() ? "" : "; the last failure: " + last));
  }
  return 0;
}

cli::Runner setup_tune(CLI::App& verb) {
  auto f = std::make_shared<TuneFlags>();
  verb.footer(
      "Objective: --objective branin|hartmann6|rosenbrock|levy|ackley|rastrigin, --command 'PROG --lr {lr}' (the objective is the last "
      "number it prints; lines 'nnlab:report STEP VALUE' are intermediate values), or nnlab train flags after -- "
      "(each parameter becomes a train flag).\n"
      "Search space (JSON): {\"lr\": {\"type\": \"float\", \"low\": 1e-4, \"high\": 0.1, \"log\": true}, "
      "\"depth\": {\"type\": \"int\", \"low\": 1, \"high\": 3}, \"width\": {\"type\": \"int\", \"low\": 16, "
      "\"high\": 512, \"log\": true, \"repeat_for\": \"depth\"}, \"bn\": {\"type\": \"categorical\", "
      "\"choices\": [true, false]}}; also \"step\", \"condition\": {\"param\": P, \"equals\"|\"in\"|"
      "\"greater_than\"|\"less_than\": V}, \"grid\"/\"grid_points\" for the grid sampler. Train flags: lr -> --lr, "
      "weight_decay -> --weight-decay, bn=true -> --bn, width_0..width_{depth-1} -> --hidden w0,w1,...; a parameter's "
      "\"flag\" overrides (null: none). Details: include/nnlab/tune/search_space.h and train_adapter.h.\n"
      "Example: nnlab tune --study mlp --storage sqlite:///studies/mlp.db --space space.json --sampler gp "
      "--trials 20 -- --model mlp --dataset fashion-mnist --epochs 5");
  verb.add_option("--study", f->study, "Study name (created, or resumed when it exists)");
  verb.add_option("--storage", f->storage,
                  "sqlite:///PATH.db (relative), sqlite:////ABS/PATH.db, postgresql://USER[:PASS]@HOST[:PORT]/DB "
                  "(?host=/socket/dir) or memory:");
  verb.add_option("--space", f->space, "Search space JSON file (optional with --objective)");
  verb.add_option("--sampler", f->sampler, "grid, random, tpe or gp (default tpe)");
  verb.add_option("--trials", f->trials, "Trials the study should have; a rerun continues up to it");
  verb.add_option("--pruner", f->pruner, "none, median or asha (default none)");
  verb.add_option("--workers", f->workers, "Worker processes sharing the study (default 1)");
  verb.add_option("--timeout", f->timeout, "Start no trial after this many seconds");
  verb.add_option("--seed", f->seed, "Seed of the samplers (default 0)");
  verb.add_flag("--json", f->json, "Print the result as one JSON object");
  verb.add_option("--metric", f->metric, "Objective key of the trainer's final JSON (default val_accuracy)");
  verb.add_option("--direction", f->direction, "minimize or maximize (default: maximize for accuracies)");
  verb.add_option("--objective", f->objective, "A built-in test function: branin, hartmann6, rosenbrock, levy, ackley, rastrigin");
  verb.add_option("--command", f->command, "Shell command per trial, with {param} placeholders");
  verb.add_option("--trainer", f->trainer, "Program run as 'PROG train ...' for training trials (default: this nnlab)");
  verb.add_option("--startup-trials", f->startup_trials, "Random trials before TPE/GP model the history (default 10)");
  verb.add_option("--heartbeat", f->heartbeat, "Seconds between a running trial's heartbeats (default 30)");
  verb.add_option("--grace", f->grace, "A trial without a heartbeat this long is failed and retried (default 2x heartbeat)");
  verb.add_option("--retry-failed", f->retry_failed, "Retries of a trial whose worker vanished (default 1)");
  verb.add_option("--storage-timeout", f->storage_timeout,
                  "Seconds to keep retrying a locked or unreachable storage before stopping (default 300)");
  verb.add_option("--kill-grace", f->kill_grace, "Seconds between SIGTERM and SIGKILL for a pruned run (default 5)");
  verb.add_option("--prune-startup", f->prune_startup, "Median pruner: complete trials before pruning (default 5)");
  verb.add_option("--prune-warmup", f->prune_warmup, "Median pruner: steps never pruned (default 0)");
  verb.add_option("--asha-min-resource", f->asha_min_resource, "ASHA: step of the first rung (default 1)");
  verb.add_option("--asha-eta", f->asha_eta, "ASHA: reduction factor η (default 3)");
  verb.add_option("--worker-index", f->worker_index)->group("");  // set by the tuner for its workers
  verb.add_option("train_flags", f->train_flags, "nnlab train flags, after --");
  return [f] { return run_tune(*f); };
}

NNLAB_COMMAND("tune", "Search hyperparameters (grid, random, TPE, GP) in a resumable study", setup_tune);

}  // namespace
