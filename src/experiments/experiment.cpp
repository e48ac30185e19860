#include "nnlab/experiments/experiment.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "experiments/cnn_budget.h"
#include "experiments/model_run.h"
#include "experiments/registry.h"
#include "nnlab/backend.h"
#include "nnlab/error.h"
#include "nnlab/io/atomic_file.h"
#include "nnlab/io/dir_lock.h"
#include "nnlab/version.h"

namespace nnlab::experiments {

namespace fs = std::filesystem;

namespace {

struct Definition {
  ExperimentInfo info;
  nlohmann::json (*measure)(const ExperimentOptions&, ExperimentObserver&);
  void (*render)(const nlohmann::json&, report::Document&);
};

const std::vector<Definition>& definitions() {
  static const std::vector<Definition> all{
      {{"ce-vs-mse",
        "Logistic regression with cross-entropy vs squared error on the sigmoid: convergence, dL/dz, saturation",
        "fashion-mnist"},
       measure_ce_vs_mse,
       render_ce_vs_mse},
      {{"convexity",
        "Is the loss convex in the parameters? Hessian eigenvalues (Lanczos) and midpoint tests, linear to ReLU nets",
        "fashion-mnist"},
       measure_convexity,
       render_convexity},
      {{"mlp-cifar10",
        "MLP on CIFAR-10 (Fashion-MNIST when absent): grid, random and GP search; the best retrained and tested",
        "cifar10"},
       measure_mlp_cifar10,
       render_mlp_cifar10},
      {{"cnn-compare",
        "LeNet-5, AlexNet, VGG-11/16, ResNet-20/18 on SVHN (Fashion-MNIST when absent) under one budget",
        "svhn"},
       measure_cnn_compare,
       render_cnn_compare},
  };
  return all;
}

const Definition& definition(const std::string& name) {
  for (const Definition& d : definitions())
    if (d.info.name == name) return d;
  std::vector<std::string> names;
  for (const Definition& d : definitions()) names.push_back(d.info.name);
  throw ConfigError(fmt::format("unknown experiment '{}': the experiments are {}", name, fmt::join(names, ", ")));
}

void check_output_dir(const fs::path& dir) {
  if (dir.empty()) throw ConfigError("the experiment needs an output directory (`out` DIR)");
  std::error_code ec;
  if (!fs::exists(dir, ec)) return;
  if (!fs::is_directory(dir, ec))
    throw ConfigError(fmt::format("`out` {}: exists and is not a directory", dir.string()));
  // The lock file is the only thing run_experiment may have put there before this check.
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename() == io::DirectoryLock::kFileName) continue;
    throw ConfigError(
        fmt::format("`out` {}: the directory is not empty; choose a new directory (an experiment never "
                    "overwrites results)",
                    dir.string()));
  }
}

// How to run this again: the command and the options it ran with.
void render_reproduce(const nlohmann::json& results, report::Document& doc) {
  const nlohmann::json& o = results.at("options");
  std::string cmd = fmt::format("nnlab experiment {} --seed {}", results.at("experiment").get<std::string>(),
                                o.value("seed", uint64_t{0}));
  if (o.value("quick", false)) cmd += " --quick";
  if (!o.value("data_dir", std::string()).empty()) cmd += " --data-dir " + o.at("data_dir").get<std::string>();
  if (o.value("threads", 0) > 0) cmd += fmt::format(" --threads {}", o.at("threads").get<int>());
  if (!o.value("budget", std::string()).empty()) cmd += " --budget " + o.at("budget").get<std::string>();
  if (o.contains("models") && !o.at("models").empty())
    cmd += fmt::format(" --models {}", fmt::join(o.at("models").get<std::vector<std::string>>(), ","));
  if (o.value("train_subset", int64_t{0}) > 0) cmd += fmt::format(" --train-subset {}", o.at("train_subset").get<int64_t>());
  if (o.value("test_subset", int64_t{0}) > 0) cmd += fmt::format(" --test-subset {}", o.at("test_subset").get<int64_t>());
  if (!o.value("launcher", std::string()).empty()) {
    std::string quoted;  // for a POSIX shell: ' closes, \' is a quote, ' opens again
    for (char c : o.at("launcher").get<std::string>()) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    cmd += " --launcher '" + quoted + "'";
  }
  if (o.value("repeats", 0) > 0) cmd += fmt::format(" --repeats {}", o.at("repeats").get<int>());
  if (o.value("workers", 1) > 1) cmd += fmt::format(" --workers {}", o.at("workers").get<int>());
  cmd += " --out DIR";
  auto& md = doc.md();
  md.heading(2, "Reproduce");
  md.code(cmd, "sh");
  md.paragraph(
      fmt::format("nnlab {} on {}; the measurement took {:.1f} s. Every number above is rendered from "
                  "results.json, which holds all of the measurements; `nnlab experiment render DIR` "
                  "writes this report again from it.",
                  results.value("nnlab_version", std::string("?")), results.value("backend", std::string("?")),
                  results.value("seconds", 0.0)));
}

ExperimentOutput render_into(const fs::path& dir, const nlohmann::json& results, const report::PlotOptions& plot) {
  const std::string name = results.value("experiment", std::string());
  const Definition& def = definition(name);
  report::Document doc(dir, plot);
  def.render(results, doc);
  render_reproduce(results, doc);
  ExperimentOutput out;
  out.dir = dir;
  out.results = dir / "results.json";
  out.report = doc.write("report.md");
  out.plots = doc.plots();
  return out;
}

}  // namespace

const std::vector<ExperimentInfo>& experiments() {
  static const std::vector<ExperimentInfo> infos = [] {
    std::vector<ExperimentInfo> v;
    for (const Definition& d : definitions()) v.push_back(d.info);
    return v;
  }();
  return infos;
}

const ExperimentInfo& experiment_info(const std::string& name) { return definition(name).info; }

bool ExperimentOutput::all_png() const {
  return std::all_of(plots.begin(), plots.end(), [](const report::PlotOutput& p) { return p.is_png; });
}

void validate_options(const std::string& name, const ExperimentOptions& o) {
  definition(name);
  const bool cnn = name == "cnn-compare", mlp = name == "mlp-cifar10";
  auto only = [&](bool given, const char* key, const char* experiment, bool applies) {
    if (given && !applies) throw ConfigError(fmt::format("`{}` is an option of {}, not of {}", key, experiment, name));
  };
  only(!o.budget.empty(), "budget", "cnn-compare", cnn);
  only(!o.models.empty(), "models", "cnn-compare", cnn);
  only(o.train_subset != 0, "train_subset", "cnn-compare", cnn);
  only(o.test_subset != 0, "test_subset", "cnn-compare", cnn);
  only(!o.launcher.empty(), "launcher", "cnn-compare", cnn);
  only(o.repeats != 0, "repeats", "mlp-cifar10", mlp);
  only(o.workers != 1, "workers", "mlp-cifar10", mlp);
  if (o.quick && (!o.budget.empty() || o.train_subset != 0 || o.test_subset != 0))
    throw ConfigError("`quick` is the fixed smoke run (64 images, one epoch of plain Adam per model): drop `quick` "
                      "to choose the budget or the subsets");
  if (!o.budget.empty()) parse_cnn_budget(o.budget);
  if (o.train_subset < 0 || o.test_subset < 0)
    throw ConfigError("`train_subset` and `test_subset` are numbers of images (0: the whole split)");
  for (const std::string& m : o.models) {
    static const std::vector<std::string> known{"lenet5", "alexnet", "vgg11", "vgg16", "resnet20", "resnet18"};
    if (std::find(known.begin(), known.end(), m) == known.end())
      throw ConfigError(fmt::format("`models`: '{}' is not one of cnn-compare's models ({})", m, fmt::join(known, ", ")));
  }
  if (!o.launcher.empty() && split_launcher(o.launcher).empty())
    throw ConfigError("`launcher` holds no words; leave it out to train without one");
  if (o.repeats < 0) throw ConfigError(fmt::format("`repeats` {}: give 1 or more", o.repeats));
  if (o.workers < 1 || o.workers > 64) throw ConfigError(fmt::format("`workers` {}: give 1 to 64", o.workers));
}

nlohmann::json ExperimentOptions::to_json() const {
  return {{"quick", quick},
          {"seed", seed},
          {"threads", threads},
          {"data_dir", data_dir.string()},
          {"budget", budget},
          {"models", models},
          {"train_subset", train_subset},
          {"test_subset", test_subset},
          {"launcher", launcher},
          {"repeats", repeats},
          {"workers", workers}};
}

ExperimentOptions ExperimentOptions::from_json(const nlohmann::json& j) {
  ExperimentOptions o;
  o.quick = j.value("quick", false);
  o.seed = j.value("seed", uint64_t{0});
  o.threads = j.value("threads", 0);
  o.data_dir = j.value("data_dir", std::string());
  o.budget = j.value("budget", std::string());
  o.models = j.value("models", std::vector<std::string>());
  o.train_subset = j.value("train_subset", int64_t{0});
  o.test_subset = j.value("test_subset", int64_t{0});
  o.launcher = j.value("launcher", std::string());
  o.repeats = j.value("repeats", 0);
  o.workers = j.value("workers", 1);
  return o;
}

std::pair<std::string, ExperimentOptions> load_experiment_options(const fs::path& dir) {
  const fs::path file = dir / "experiment.json";
  std::error_code ec;
  if (!fs::exists(file, ec))
    throw IoError(fmt::format("{}: no such file: {} is not the directory of an experiment that can be resumed",
                              file.string(), dir.string()));
  try {
    const nlohmann::json j =
        nlohmann::json::parse(io::read_file(file, io::kConfigFileLimit, "an experiment's experiment.json"));
    return {j.at("experiment").get<std::string>(), ExperimentOptions::from_json(j.at("options"))};
  } catch (const nlohmann::json::exception& e) {
    throw IoError(fmt::format("{}: not the options of an nnlab experiment ({})", file.string(), e.what()));
  }
}

ExperimentOutput run_experiment(const std::string& name, const ExperimentOptions& options,
                                ExperimentObserver& observer) {
  const Definition& def = definition(name);
  if (options.resume && name != "cnn-compare")
    throw ConfigError(fmt::format("`resume`: only cnn-compare continues an interrupted run; run {} into a new "
                                  "directory",
                                  name));
  if (options.out.empty() || (fs::exists(options.out) && !fs::is_directory(options.out))) check_output_dir(options.out);
  io::DirectoryLock lock(options.out, "experiment folder");
  if (options.resume) {
    const std::string saved = load_experiment_options(options.out).first;
    if (saved != name)
      throw ConfigError(fmt::format("`resume` {}: the directory holds a {} experiment, not {}", options.out.string(),
                                    saved, name));
    if (fs::exists(options.out / "results.json"))
      throw ConfigError(fmt::format("`resume` {}: the experiment finished already (results.json); `nnlab experiment "
                                    "render {}` writes its report again",
                                    options.out.string(), options.out.string()));
  } else {
    check_output_dir(options.out);
    io::write_file_atomic(options.out / "experiment.json",
                          nlohmann::json{{"experiment", name}, {"options", options.to_json()}}.dump(1) + "\n");
  }
  set_num_threads(options.threads);
  observer.on_message(fmt::format("{}{} {} {}", name, options.quick ? " (quick)" : "",
                                  options.resume ? "continuing in" : "into", options.out.string()));
  const auto start = std::chrono::steady_clock::now();
  nlohmann::json results = def.measure(options, observer);
  results["experiment"] = name;
  results["nnlab_version"] = version();
  results["backend"] = backend_description();
  results["options"] = options.to_json();
  results["options"]["resumed"] = options.resume;
  results["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  io::write_file_atomic(options.out / "results.json", results.dump(1) + "\n");
  return render_into(options.out, results, options.plot);
}

ExperimentOutput render_experiment(const fs::path& dir, const report::PlotOptions& plot) {
  const fs::path file = dir / "results.json";
  nlohmann::json results;
  try {
    results = nlohmann::json::parse(io::read_file(file, io::kConfigFileLimit * 4, "an experiment's results.json"));
  } catch (const nlohmann::json::exception& e) {
    throw IoError(fmt::format("{}: not valid JSON ({})", file.string(), e.what()));
  }
  if (!results.is_object() || !results.contains("experiment") || !results.contains("options"))
    throw IoError(fmt::format("{}: not the results of an nnlab experiment", file.string()));
  io::DirectoryLock lock(dir, "experiment folder");
  try {
    return render_into(dir, results, plot);
  } catch (const nlohmann::json::exception& e) {
    throw IoError(fmt::format("{}: does not hold what the report needs ({})", file.string(), e.what()));
  }
}

}  // namespace nnlab::experiments
