// nnlab study list|show|plot|copy: what a storage holds, one study's ranking and best
// parameters (with its failed and retried trials), its plots (optimisation history,
// intermediate values, importance), and copies of studies between storages.
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
  std::string storage, study, out, from, to;
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

std::unique_ptr<Storage> open_url(const std::string& url, const char* flag, StorageAccess access) {
  if (url.empty())
    cli::usage_error(fmt::format("{} URL is required, e.g. {} sqlite:///studies/mnist.db", flag, flag));
  try {
    check_storage_url(url);
  } catch (const ConfigError& e) {
    cli::usage_error(fmt::format("{}: {}", flag, e.what()));
  }
  return open_storage(url, access);
}

std::unique_ptr<Storage> open_existing(const StudyFlags& f) { return open_url(f.storage, "--storage", StorageAccess::Existing); }

Study open_study(Storage& storage, const StudyFlags& f) {
  if (f.study.empty()) cli::usage_error("--study NAME is required");
  return Study::load(storage, f.study);
}

int run_list(const StudyFlags& f) {
  std::unique_ptr<Storage> opened = open_existing(f);
  Storage& storage = *opened;
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
  else if (all.empty()) fmt::print("no studies in {}\n", storage.url());
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
  std::unique_ptr<Storage> storage = open_existing(f);
  Study study = open_study(*storage, f);
  std::vector<FrozenTrial> trials = ranked(study.trials(), study.direction());
  if (f.top > 0 && trials.size() > static_cast<size_t>(f.top)) trials.resize(static_cast<size_t>(f.top));
  nlohmann::json summary = study_summary(study.record(), study.trials());
  if (f.json) {
    summary["storage"] = storage->url();
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
    if (note.size() > 70) note = note.substr(0, 67) + "...";
    if (t.state == TrialState::Failed && !t.counted) note = "retried; " + note;
    if (t.retry_of) note = fmt::format("retry of trial {} (attempt {}){}", *t.retry_of, t.attempt, note.empty() ? "" : "; " + note);
    row.push_back(note);
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
  std::unique_ptr<Storage> storage = open_existing(f);
  Study study = open_study(*storage, f);
  // Next to an SQLite file by default; here for a server's study.
  std::optional<std::filesystem::path> file = storage_file(f.storage);
  std::filesystem::path dir = !f.out.empty() ? std::filesystem::path(f.out)
                              : file         ? file->parent_path() / plots_folder_name(study.name())
                                             : std::filesystem::path(plots_folder_name(study.name()));
  auto outputs = plot_study(study.record(), study.trials(), dir);
  nlohmann::json files = nlohmann::json::array();
  for (auto& o : outputs) {
    files.push_back({{"path", o.path.string()}, {"png", o.is_png}, {"note", o.note}});
    if (!f.json) fmt::print("{}{}\n", o.path.string(), o.is_png ? "" : " (" + o.note + ")");
  }
  if (f.json) fmt::print("{}\n", nlohmann::json{{"plots", files}}.dump());
  return 0;
}

int run_copy(const StudyFlags& f) {
  std::unique_ptr<Storage> from = open_url(f.from, "--from", StorageAccess::Existing);
  std::unique_ptr<Storage> to = open_url(f.to, "--to", StorageAccess::Create);
  std::vector<std::string> copied = copy_studies(*from, *to, f.study);
  if (f.json) {
    fmt::print("{}\n", nlohmann::json{{"copied", copied}, {"from", from->url()}, {"to", to->url()}}.dump());
    return 0;
  }
  if (copied.empty()) fmt::print("no studies in {}: nothing copied\n", from->url());
  for (auto& name : copied) fmt::print("copied study '{}' from {} to {}\n", name, from->url(), to->url());
  return 0;
}

cli::Runner setup_study(CLI::App& verb) {
  verb.require_subcommand(1);
  auto f = std::make_shared<StudyFlags>();
  auto common = [&](CLI::App* sub, bool needs_study) {
    sub->add_option("--storage", f->storage,
                    "sqlite:///PATH.db (relative), sqlite:////ABS/PATH.db or postgresql://USER[:PASS]@HOST[:PORT]/DB");
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
  CLI::App* copy = verb.add_subcommand("copy", "Copy studies (every one, or --study NAME) to another storage");
  copy->add_option("--from", f->from, "The storage URL to copy from");
  copy->add_option("--to", f->to, "The storage URL to copy to (another backend too)");
  copy->add_option("--study", f->study, "Only this study (default: all)");
  copy->add_flag("--json", f->json, "Print one JSON object");
  return [f, list, show, copy] {
    if (list->parsed()) return run_list(*f);
    if (show->parsed()) return run_show(*f);
    if (copy->parsed()) return run_copy(*f);
    return run_plot(*f);
  };
}

NNLAB_COMMAND("study", "List tuning studies, show one's ranking and best parameters, plot it, copy it", setup_study);

}  // namespace
