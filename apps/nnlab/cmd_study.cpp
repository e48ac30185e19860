// nnlab study list|show|plot: what a storage holds, one study's ranking and best
// parameters, and its plots (optimisation history, intermediate values, importance).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "command.h"
#include "nnlab/error.h"
#include "nnlab/tune/study.h"
#include "nnlab/tune/study_plots.h"
#include "nnlab/tune/study_summary.h"

namespace {

using namespace nnlab;
using namespace nnlab::tune;

struct StudyFlags {
  std::string storage, study, out;
  bool json = false;
  int top = 0;
};

// Rows of cells printed as aligned columns.
void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], row[i].size());
    }
  for (auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) line += i + 1 < row.size() ? fmt::format("{:<{}}  ", row[i], width[i]) : row[i];
    fmt::print("{}\n", line);
  }
}

std::string value_text(const std::optional<double>& v) { return v ? fmt::format("{:.6g}", *v) : "-"; }

SqliteStorage open_storage(const std::string& url) {
  if (url.empty()) cli::usage_error("--storage URL is required, e.g. --storage sqlite:///studies/mnist.db");
  std::filesystem::path path;
  try {
    path = sqlite_path_from_url(url);
  } catch (const ConfigError& e) {
    cli::usage_error(e.what());
  }
  // Reading must not create an empty database where the user mistyped the path.
  if (!std::filesystem::exists(path))
    throw IoError(fmt::format("no study database at {} (from --storage {}); check the path", path.string(), url));
  return SqliteStorage(url);
}

Study open_study(SqliteStorage& storage, const StudyFlags& f) {
  if (f.study.empty()) cli::usage_error("--study NAME is required");
  return Study::load(storage, f.study);
}

int run_list(const StudyFlags& f) {
  SqliteStorage storage = open_storage(f.storage);
  nlohmann::json all = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows{{"study", "direction", "trials", "complete", "pruned", "failed", "running",
                                              "best value"}};
  for (auto& record : storage.list_studies()) {
    nlohmann::json s = study_summary(record, storage.load_trials(record.id));
    auto& st = s["states"];
    rows.push_back({record.name, std::string(to_string(record.direction)), std::to_string(s["n_trials"].get<int>()),
                    st["complete"].dump(), st["pruned"].dump(), st["failed"].dump(), st["running"].dump(),
                    s["best_value"].is_null() ? "-" : fmt::format("{:.6g}", s["best_value"].get<double>())});
    all.push_back(std::move(s));
  }
  if (f.json) fmt::print("{}\n", all.dump());
  else if (all.empty()) fmt::print("no studies in {}\n", f.storage);
  else print_table(rows);
  return 0;
}

// Complete trials best first, then pruned, failed, running and waiting ones by number.
std::vector<FrozenTrial> ranked(std::vector<FrozenTrial> trials, Direction d) {
  auto rank = [](const FrozenTrial& t) {
    switch (t.state) {
      case TrialState::Complete: return 0;
      case TrialState::Pruned: return 1;
      case TrialState::Failed: return 2;
      case TrialState::Running: return 3;
      case TrialState::Waiting: return 4;
    }
    return 5;
  };
  std::stable_sort(trials.begin(), trials.end(), [&](auto& a, auto& b) {
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    if (rank(a) == 0) return better(d, *a.value, *b.value);
    return a.number < b.number;
  });
  return trials;
}

int run_show(const StudyFlags& f) {
  SqliteStorage storage = open_storage(f.storage);
  Study study = open_study(storage, f);
  std::vector<FrozenTrial> trials = ranked(study.trials(), study.direction());
  if (f.top > 0 && trials.size() > static_cast<size_t>(f.top)) trials.resize(static_cast<size_t>(f.top));
  nlohmann::json summary = study_summary(study.record(), study.trials());
  if (f.json) {
    summary["storage"] = f.storage;
    summary["trials"] = nlohmann::json::array();
    for (auto& t : trials) summary["trials"].push_back(trial_to_json(t));
    fmt::print("{}\n", summary.dump());
    return 0;
  }
  auto& st = summary["states"];
  fmt::print("study '{}' ({}), {} trials: {} complete, {} pruned, {} failed, {} running, {} interrupted and retried\n",
             study.name(), to_string(study.direction()), summary["n_trials"].get<int>(), st["complete"].get<int>(),
             st["pruned"].get<int>(), st["failed"].get<int>(), st["running"].get<int>(), st["interrupted"].get<int>());
  fmt::print("objective: {}\n\n", study.record().objective.dump());
  std::vector<std::string> header{"rank", "trial", "state", "value"};
  for (auto& p : study.space().params()) header.push_back(p.name);
  header.push_back("note");
  std::vector<std::vector<std::string>> rows{header};
  int rank = 0;
  for (auto& t : trials) {
    std::vector<std::string> row{t.state == TrialState::Complete ? std::to_string(++rank) : "-", std::to_string(t.number),
                                 std::string(to_string(t.state)), value_text(t.value)};
    for (auto& p : study.space().params()) row.push_back(t.params.count(p.name) ? display_value(t.params.at(p.name)) : "");
    std::string note = t.message.substr(0, t.message.find('\n'));
    row.push_back(note.size() > 70 ? note.substr(0, 67) + "..." : note);
    rows.push_back(std::move(row));
  }
  print_table(rows);
  if (!summary["best_params"].is_null()) {
    std::string params;
    for (auto& p : study.space().params())
      if (summary["best_params"].contains(p.name))
        params += fmt::format("{}{}={}", params.empty() ? "" : " ", p.name, display_value(summary["best_params"][p.name]));
    fmt::print("\nbest value {:.6g} at trial {}: {}\n", summary["best_value"].get<double>(),
               summary["best_trial"].get<int>(), params);
  }
  return 0;
}

int run_plot(const StudyFlags& f) {
  SqliteStorage storage = open_storage(f.storage);
  Study study = open_study(storage, f);
  std::filesystem::path dir = f.out.empty() ? storage.path().parent_path() / (study.name() + "-plots")
                                            : std::filesystem::path(f.out);
  auto outputs = plot_study(study.record(), study.trials(), dir);
  nlohmann::json files = nlohmann::json::array();
  for (auto& o : outputs) {
    files.push_back({{"path", o.path.string()}, {"png", o.is_png}, {"note", o.note}});
    if (!f.json) fmt::print("{}{}\n", o.path.string(), o.is_png ? "" : " (" + o.note + ")");
  }
  if (f.json) fmt::print("{}\n", nlohmann::json{{"plots", files}}.dump());
  return 0;
}

cli::Runner setup_study(CLI::App& verb) {
  verb.require_subcommand(1);
  auto f = std::make_shared<StudyFlags>();
  auto common = [&](CLI::App* sub, bool needs_study) {
    sub->add_option("--storage", f->storage, "sqlite:///PATH.db (relative) or sqlite:////ABS/PATH.db");
    if (needs_study) sub->add_option("--study", f->study, "Study name");
    sub->add_flag("--json", f->json, "Print one JSON object");
  };
  CLI::App* list = verb.add_subcommand("list", "The studies in a storage, with trial counts and best values");
  common(list, false);
  CLI::App* show = verb.add_subcommand("show", "A study's trials ranked best first, and its best parameters");
  common(show, true);
  show->add_option("--top", f->top, "Show only the best N trials");
  CLI::App* plot = verb.add_subcommand("plot", "PNG plots: history, intermediate values, parameter importance");
  common(plot, true);
  plot->add_option("--out", f->out, "Directory for the plots (default: <database dir>/<study>-plots)");
  return [f, list, show] {
    if (list->parsed()) return run_list(*f);
    if (show->parsed()) return run_show(*f);
    return run_plot(*f);
  };
}

NNLAB_COMMAND("study", "List tuning studies, show one's ranking and best parameters, plot it", setup_study);

}  // namespace
