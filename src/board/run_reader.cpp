#include "board/run_reader.h"

#include <sys/stat.h>

#include <mutex>
#include <unordered_map>

#include <fmt/format.h>

#include "nnlab/error.h"
#include "nnlab/io/atomic_file.h"

namespace nnlab::board {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// What the board reads of one file: enough for years of epochs, bounded for a file that is
// not what its name says.
constexpr size_t kMetricsLimit = size_t{64} << 20;
constexpr size_t kJsonLimit = size_t{16} << 20;

bool is_run(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "config.json", ec) || fs::is_regular_file(dir / "metrics.jsonl", ec);
}

bool is_experiment(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "report.md", ec) && fs::is_regular_file(dir / "results.json", ec);
}

// A JSON file of the run, or null when absent; `error` says why one could not be used.
json read_json_file(const fs::path& file, std::string& error) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return nullptr;
  try {
    json j = json::parse(io::read_file(file, kJsonLimit, "a run's JSON file"), nullptr, false);
    if (!j.is_discarded()) return j;
    error = fmt::format("{} is not valid JSON (being written, or damaged)", file.filename().string());
  } catch (const Error& e) {
    error = e.what();
  }
  return nullptr;
}

double mtime_seconds(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return 0;
  return static_cast<double>(st.st_mtim.tv_sec) + static_cast<double>(st.st_mtim.tv_nsec) * 1e-9;
}

json number_or_null(const json& record, const char* key) {
  auto it = record.find(key);
  return it != record.end() && it->is_number() ? *it : json();
}

}  // namespace

std::vector<FoundDir> find_dirs(const std::vector<fs::path>& roots, size_t limit) {
  std::vector<FoundDir> out;
  for (size_t r = 0; r < roots.size(); ++r) {
    const fs::path& root = roots[r];
    if (is_experiment(root)) {
      out.push_back({DirKind::Experiment, static_cast<int>(r), ""});
      continue;
    }
    if (is_run(root)) {
      out.push_back({DirKind::Run, static_cast<int>(r), ""});
      continue;
    }
    std::error_code ec;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
    size_t visited = 0;
    for (; !ec && it != end && visited < limit; it.increment(ec)) {
      ++visited;
      const fs::directory_entry& e = *it;
      const std::string name = e.path().filename().string();
      std::error_code ec2;
      if (e.is_symlink(ec2) || !e.is_directory(ec2)) continue;  // a link may lead out of the root
      if (name.empty() || name[0] == '.') {
        it.disable_recursion_pending();
        continue;
      }
      const std::string rel = e.path().lexically_relative(root).generic_string();
      if (is_experiment(e.path())) {
        out.push_back({DirKind::Experiment, static_cast<int>(r), rel});
        it.disable_recursion_pending();
      } else if (is_run(e.path())) {
        out.push_back({DirKind::Run, static_cast<int>(r), rel});
        it.disable_recursion_pending();
      } else if (it.depth() >= 3) {
        it.disable_recursion_pending();
      }
    }
  }
  return out;
}

namespace {

MetricsRead parse_metrics(const fs::path& file) {
  MetricsRead m;
  std::error_code ec;
  if (!fs::exists(file, ec)) return m;
  std::string text;
  try {
    text = io::read_file(file, kMetricsLimit, "a metrics file");
  } catch (const Error& e) {
    m.error = e.what();
    return m;
  }
  size_t start = 0, line_number = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    const bool complete = end != std::string::npos;
    const std::string_view line(text.data() + start, (complete ? end : text.size()) - start);
    start = complete ? end + 1 : text.size();
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    json j = json::parse(line, nullptr, false);
    const bool good = !j.is_discarded() && j.is_object() && j.contains("epoch") && j["epoch"].is_number_integer();
    if (!good && !complete) {  // the writer's line, half there: the next read sees it whole
      m.partial_tail = true;
      break;
    }
    if (!good) {
      ++m.corrupt;
      if (m.corrupt_lines.size() < 20) m.corrupt_lines.push_back(line_number);
      continue;
    }
    ++m.count;
    m.records.push_back(std::move(j));
  }
  return m;
}

// The last read of each metrics file, by path, kept while the file's inode, size and
// modification time stay the same: the page polls every run every 2 s, and a finished run's
// file never changes again. Bounded, for a board left open on a root of many runs.
struct CachedMetrics {
  ino_t inode = 0;
  off_t size = 0;
  int64_t mtime_ns = 0;
  MetricsRead read;
};
std::mutex cache_mutex;
std::unordered_map<std::string, CachedMetrics> metrics_cache;
constexpr size_t kCachedFiles = 4096;

}  // namespace

MetricsRead read_metrics(const fs::path& file, size_t from) {
  struct stat st {};
  MetricsRead all;
  if (::stat(file.c_str(), &st) != 0) return all;
  bool hit = false;
  const int64_t mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  {
    const std::lock_guard lock(cache_mutex);
    auto it = metrics_cache.find(file.string());
    if (it != metrics_cache.end() && it->second.inode == st.st_ino && it->second.size == st.st_size &&
        it->second.mtime_ns == mtime_ns) {
      all = it->second.read;
      hit = true;
    }
  }
  if (!hit) {
    all = parse_metrics(file);
    const std::lock_guard lock(cache_mutex);
    if (metrics_cache.size() >= kCachedFiles) metrics_cache.clear();
    metrics_cache[file.string()] = {st.st_ino, st.st_size, mtime_ns, all};
  }
  if (from == 0) return all;
  MetricsRead m = all;
  m.records = nlohmann::json::array();
  for (size_t i = from; i < all.records.size(); ++i) m.records.push_back(all.records[i]);
  return m;
}

json run_row(const FoundDir& found, const fs::path& dir) {
  std::string error;
  const json config = read_json_file(dir / "config.json", error);
  const MetricsRead m = read_metrics(dir / "metrics.jsonl", 0);
  if (!m.error.empty()) error = m.error;
  json row{{"id", found.id()},
           {"root", found.root},
           {"name", found.rel.empty() ? dir.filename().string() : found.rel},
           {"status", run_status(dir)},
           {"epochs_done", m.count},
           {"corrupt_lines", m.corrupt},
           {"updated", std::max(mtime_seconds(dir / "metrics.jsonl"), mtime_seconds(dir / "config.json"))}};
  const json c = config.is_object() ? config : json::object();
  for (const char* key : {"model", "dataset", "optimizer", "lr", "batch_size", "epochs"})
    row[key] = c.contains(key) ? c[key] : json();
  json best, best_val;
  for (const json& r : m.records) {
    const json t = number_or_null(r, "test_accuracy"), v = number_or_null(r, "val_accuracy");
    if (t.is_number() && (best.is_null() || t.get<double>() > best.get<double>())) best = t;
    if (v.is_number() && (best_val.is_null() || v.get<double>() > best_val.get<double>())) best_val = v;
  }
  row["best_test_accuracy"] = best;
  row["best_val_accuracy"] = best_val;
  const json last = m.records.empty() ? json::object() : m.records.back();
  row["final_test_accuracy"] = number_or_null(last, "test_accuracy");
  row["time_s"] = number_or_null(last, "elapsed_seconds");
  row["images_per_second"] = number_or_null(last, "images_per_second");
  row["error"] = error.empty() ? json() : json(error);
  return row;
}

json run_detail(const FoundDir& found, const fs::path& dir, size_t from) {
  json out = run_row(found, dir);
  std::string config_error, summary_error;
  out["config"] = read_json_file(dir / "config.json", config_error);
  out["summary"] = read_json_file(dir / "summary.json", summary_error);
  if (!summary_error.empty()) out["summary_error"] = summary_error;
  MetricsRead m = read_metrics(dir / "metrics.jsonl", from);
  out["from"] = from;
  out["records"] = std::move(m.records);
  out["corrupt_at"] = m.corrupt_lines;
  out["partial_tail"] = m.partial_tail;
  return out;
}

}  // namespace nnlab::board
