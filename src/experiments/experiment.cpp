#include "nnlab/experiments/experiment.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

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

ExperimentOutput run_experiment(const std::string& name, const ExperimentOptions& options,
                                ExperimentObserver& observer) {
  const Definition& def = definition(name);
  if (options.out.empty() || (fs::exists(options.out) && !fs::is_directory(options.out))) check_output_dir(options.out);
  io::DirectoryLock lock(options.out, "experiment folder");
  check_output_dir(options.out);
  set_num_threads(options.threads);
  observer.on_message(fmt::format("{}{} into {}", name, options.quick ? " (quick)" : "", options.out.string()));
  const auto start = std::chrono::steady_clock::now();
  nlohmann::json results = def.measure(options, observer);
  results["experiment"] = name;
  results["nnlab_version"] = version();
  results["backend"] = backend_description();
  results["options"] = {{"quick", options.quick},
                        {"seed", options.seed},
                        {"threads", options.threads},
                        {"data_dir", options.data_dir.string()}};
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
