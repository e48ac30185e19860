#include "experiments/model_run.h"

#include <fmt/format.h>

#include <fstream>

#include "experiments/child_run.h"
#include "nnlab/error.h"
#include "nnlab/io/atomic_file.h"

namespace nnlab::experiments {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<std::string> split_launcher(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (ch == ' ' || ch == '\t' || ch == '\n') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (ch == '\\') {
      if (++i == text.size()) throw ConfigError(fmt::format("`launcher` '{}': ends with a lone backslash", text));
      word += text[i];
    } else if (ch == '\'' || ch == '"') {
      size_t k = i + 1;
      for (; k < text.size() && text[k] != ch; ++k) {
        // Inside double quotes a backslash escapes only what a shell lets it escape.
        if (ch == '"' && text[k] == '\\' && k + 1 < text.size() &&
            std::string_view("\"\\$`").find(text[k + 1]) != std::string_view::npos)
          ++k;
        word += text[k];
      }
      if (k == text.size())
        throw ConfigError(fmt::format("`launcher` '{}': the quote {} at character {} is never closed", text, ch, i + 1));
      i = k;
    } else {
      word += ch;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

std::vector<json> read_history(const fs::path& run_dir) {
  std::vector<json> rows;
  std::ifstream in(run_dir / "metrics.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json row = json::parse(line, nullptr, false);
    if (!row.is_discarded() && row.is_object()) rows.push_back(std::move(row));
  }
  return rows;
}

std::optional<ModelRunOutcome> finished_run(const fs::path& run_dir, int64_t epochs) {
  const fs::path summary = run_dir / "summary.json";
  std::error_code ec;
  if (!fs::exists(summary, ec)) return std::nullopt;
  ModelRunOutcome out;
  out.history = read_history(run_dir);
  if (static_cast<int64_t>(out.history.size()) != epochs) return std::nullopt;
  out.summary = json::parse(io::read_file(summary, io::kConfigFileLimit, "a run's summary.json"), nullptr, false);
  if (out.summary.is_discarded() || !out.summary.is_object()) return std::nullopt;
  out.ok = true;
  out.peak_rss_bytes = -1;
  out.wall_seconds = -1;
  return out;
}

namespace {

// The child's last line on stderr; for nnlab's own usage errors, the error line before the
// "Run with --help" hint that follows it.
std::string last_line(const fs::path& file) {
  std::ifstream in(file);
  std::string line, last;
  while (std::getline(in, line))
    if (line.find_first_not_of(" \t\r") != std::string::npos && line.rfind("Run with --help", 0) != 0) last = line;
  return last.empty() ? "(nothing on its stderr)" : last;
}

}  // namespace

ModelRunOutcome run_model(const ModelRunRequest& q, ExperimentObserver& observer) {
  fs::create_directories(q.logs_dir);
  ChildOptions co;
  co.argv = q.launcher;
  if (q.resume) {
    co.argv.insert(co.argv.end(), {q.trainer, "train", "--resume", q.run_dir.string()});
  } else {
    train::TrainConfig c = q.config;
    c.out.clear();  // the run directory is given as --out, so one configuration serves any directory
    const fs::path config_file = q.logs_dir / (q.label + ".config.json");
    io::write_file_atomic(config_file, c.to_json().dump(2) + "\n");
    co.argv.insert(co.argv.end(), {q.trainer, "train", "--config", config_file.string(), "--out", q.run_dir.string()});
  }
  co.stdout_file = q.logs_dir / (q.label + ".out");
  co.stderr_file = q.logs_dir / (q.label + ".log");
  size_t seen = read_history(q.run_dir).size();  // a resumed run's earlier epochs are not news
  co.on_poll = [&] {
    std::vector<json> rows = read_history(q.run_dir);
    for (; seen < rows.size(); ++seen) observer.on_epoch(train::EpochRecord::from_json(rows[seen]));
  };
  observer.on_message(fmt::format("{} {} (`{}`)", q.resume ? "resuming" : "training", q.label, fmt::join(co.argv, " ")));
  const ChildResult r = run_child(co);
  ModelRunOutcome out;
  out.argv = co.argv;
  out.wall_seconds = r.wall_seconds;
  out.peak_rss_bytes = r.peak_rss_bytes;
  out.history = read_history(q.run_dir);
  if (!r.success()) {
    out.failure = fmt::format("`{}` {}: {}", fmt::join(co.argv, " "), r.describe(), last_line(co.stderr_file));
    return out;
  }
  const fs::path summary = q.run_dir / "summary.json";
  if (!fs::exists(summary)) {
    out.failure = fmt::format("`{}` exited with status 0 but left no {}", fmt::join(co.argv, " "), summary.string());
    return out;
  }
  out.summary = json::parse(io::read_file(summary, io::kConfigFileLimit, "a run's summary.json"), nullptr, false);
  if (out.summary.is_discarded() || !out.summary.is_object()) {
    out.failure = fmt::format("{}: not valid JSON", summary.string());
    out.summary = nullptr;
    return out;
  }
  out.ok = true;
  return out;
}

}  // namespace nnlab::experiments
