#include "nnlab/tune/study_plots.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "nnlab/fingerprint.h"
#include "nnlab/io/dir_lock.h"
#include "nnlab/tune/importance.h"

namespace nnlab::tune {

namespace {

// Matplotlib's default colours, which readers of Optuna's plots know.
constexpr const char* kBlue = "#1f77b4";
constexpr const char* kOrange = "#ff7f0e";
constexpr const char* kRed = "#d62728";
constexpr const char* kGray = "#7f7f7f";
constexpr const char* kGreen = "#2ca02c";

// A log y axis when the values are positive and span over two decades (branin, losses).
bool wants_log(const std::vector<double>& v) {
  if (v.empty()) return false;
  auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return *lo > 0 && *hi / *lo > 100;
}

std::string value_label(const StudyRecord& study) {
  std::string metric = study.objective.value("metric", "");
  return fmt::format("{} ({})", metric.empty() ? "objective value" : metric, to_string(study.direction));
}

}  // namespace

report::Figure history_figure(const StudyRecord& study, const std::vector<FrozenTrial>& trials) {
  report::Figure f;
  f.title = fmt::format("Optimisation history of study '{}'", study.name);
  f.x.label = "trial";
  f.y.label = value_label(study);
  report::Series values{"value of each complete trial", {}, {}, report::SeriesStyle::Points, kBlue};
  report::Series best{"best so far", {}, {}, report::SeriesStyle::Steps, kRed};
  std::optional<double> running;
  for (auto& t : trials) {
    if (t.state != TrialState::Complete || !t.value) continue;
    values.x.push_back(t.number);
    values.y.push_back(*t.value);
    if (!running || better(study.direction, *t.value, *running)) running = *t.value;
    best.x.push_back(t.number);
    best.y.push_back(*running);
  }
  f.y.log = wants_log(values.y);
  f.series = {best, values};  // the points drawn over the line
  return f;
}

report::Figure intermediate_figure(const StudyRecord& study, const std::vector<FrozenTrial>& trials) {
  report::Figure f;
  f.title = fmt::format("Intermediate values of study '{}'", study.name);
  f.x.label = "step";
  std::string metric = study.objective.value("metric", "");
  f.y.label = metric.empty() ? "reported value" : metric;
  std::vector<double> all;
  bool labelled[3] = {false, false, false};
  for (auto& t : trials) {
    if (t.intermediate.empty()) continue;
    int kind = t.state == TrialState::Complete ? 0 : t.state == TrialState::Pruned ? 1 : 2;
    static constexpr const char* names[3] = {"complete trials", "pruned trials", "failed or running trials"};
    static constexpr const char* colors[3] = {kGreen, kOrange, kGray};
    report::Series s{labelled[kind] ? "" : names[kind], {}, {}, report::SeriesStyle::LinesPoints, colors[kind]};
    labelled[kind] = true;
    for (auto& iv : t.intermediate) {
      s.x.push_back(static_cast<double>(iv.step));
      s.y.push_back(iv.value);
      all.push_back(iv.value);
    }
    f.series.push_back(std::move(s));
  }
  f.y.log = wants_log(all);
  return f;
}

report::Figure importance_figure(const StudyRecord& study, const std::vector<FrozenTrial>& trials) {
  report::Figure f;
  f.title = fmt::format("Parameter importance in study '{}' (share of explained variance, ω²)", study.name);
  f.x.label = "parameter";
  f.y.label = "importance";
  f.y.min = 0;
  f.legend = "off";
  report::Series bars{"", {}, {}, report::SeriesStyle::Bars, kBlue};
  auto importance = parameter_importance(study.space, trials);
  for (size_t i = 0; i < importance.size(); ++i) {
    bars.x.push_back(static_cast<double>(i));
    bars.y.push_back(importance[i].importance);
    f.x.ticks.emplace_back(static_cast<double>(i), importance[i].name);
  }
  f.x.min = -0.5;
  f.x.max = static_cast<double>(importance.size()) - 0.5;
  f.series = {bars};
  return f;
}

std::string plots_folder_name(const std::string& study_name) {
  std::string safe;
  for (char c : study_name.substr(0, 80))
    safe += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') ? c : '_';
  if (safe.empty() || safe[0] == '.') safe = "_" + safe;
  if (safe != study_name) {
    const uint64_t h = fingerprint(study_name);  // stable across runs and machines
    safe += fmt::format("-{:08x}", static_cast<uint32_t>(h ^ (h >> 32)));
  }
  return safe + "-plots";
}

std::vector<report::PlotOutput> plot_study(const StudyRecord& study, const std::vector<FrozenTrial>& trials,
                                           const std::filesystem::path& dir, const report::PlotOptions& options) {
  io::DirectoryLock lock(dir, "plot folder");
  return {report::save_plot(history_figure(study, trials), dir / "history.png", options),
          report::save_plot(intermediate_figure(study, trials), dir / "intermediate.png", options),
          report::save_plot(importance_figure(study, trials), dir / "importance.png", options)};
}

}  // namespace nnlab::tune
