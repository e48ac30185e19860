#include <fmt/format.h>

#include <chrono>
#include <map>

#include "nnlab/error.h"
#include "nnlab/tune/storage.h"
#include "tune/sqlite_db.h"
#include "tune/worker_identity.h"

namespace nnlab::tune {

namespace {

constexpr const char* kSchemaVersion = "1";

// One row per study, per trial, per parameter, per intermediate value; grid points a
// trial has taken are claims, unique per study, so two workers never run the same point.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS nnlab_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO nnlab_meta VALUES('schema_version', '1');
CREATE TABLE IF NOT EXISTS studies(
  study_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, direction TEXT NOT NULL,
  space TEXT NOT NULL, objective TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS trials(
  trial_id INTEGER PRIMARY KEY, study_id INTEGER NOT NULL, number INTEGER NOT NULL,
  state TEXT NOT NULL, counted INTEGER NOT NULL DEFAULT 1, value REAL,
  message TEXT NOT NULL DEFAULT '', metrics TEXT, retry_of INTEGER,
  attempt INTEGER NOT NULL DEFAULT 1, created_at REAL NOT NULL, started_at REAL,
  finished_at REAL, heartbeat_at REAL, owner_host TEXT, owner_pid INTEGER, owner_start INTEGER,
  UNIQUE(study_id, number));
CREATE INDEX IF NOT EXISTS trials_by_state ON trials(study_id, state);
CREATE TABLE IF NOT EXISTS trial_params(
  trial_id INTEGER NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(trial_id, name));
CREATE TABLE IF NOT EXISTS trial_values(
  trial_id INTEGER NOT NULL, step INTEGER NOT NULL, value REAL, PRIMARY KEY(trial_id, step));
CREATE TABLE IF NOT EXISTS claims(
  study_id INTEGER NOT NULL, key TEXT NOT NULL, trial_id INTEGER NOT NULL, PRIMARY KEY(study_id, key));
)sql";

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

nlohmann::json parse_stored_json(const std::string& text, const std::string& file, const char* what) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    throw IoError(fmt::format("study database {}: a stored {} is not valid JSON; the file is corrupt", file, what));
  }
}

std::string first_difference(const SearchSpace& a, const SearchSpace& b) {
  for (auto& p : a.params()) {
    const ParamSpec* q = b.find(p.name);
    if (!q) return fmt::format("parameter '{}' is not in the new space", p.name);
    if (p.to_json() != q->to_json())
      return fmt::format("parameter '{}' was {} and is now {}", p.name, p.to_json().dump(), q->to_json().dump());
  }
  for (auto& q : b.params())
    if (!a.find(q.name)) return fmt::format("parameter '{}' is new", q.name);
  return "the parameter order differs";
}

}  // namespace

std::filesystem::path sqlite_path_from_url(const std::string& url) {
  const std::string prefix = "sqlite:///";
  if (url.rfind(prefix, 0) != 0 || url.size() == prefix.size())
    throw ConfigError(fmt::format("--storage '{}' is not a storage URL nnlab reads: give sqlite:///PATH.db "
                                  "(a path relative to here, e.g. sqlite:///studies/mnist.db) or "
                                  "sqlite:////ABSOLUTE/PATH.db",
                                  url));
  std::string path = url.substr(prefix.size());
  if (path == ":memory:")
    throw ConfigError("--storage sqlite:///:memory: would lose the study when nnlab exits; give a file path");
  if (path.back() == '/') throw ConfigError(fmt::format("--storage '{}' names a directory; add a file name", url));
  return path;
}

struct SqliteStorage::Impl {
  explicit Impl(const std::filesystem::path& file) : db(file), me(current_worker()) {}
  sqlite::Database db;
  WorkerIdentity me;

  void init_schema();
  FrozenTrial load_trial(int64_t trial_id);
  StudyRecord study_from_row(sqlite::Statement& s);
  void interrupt_locked(int64_t trial_id, const std::string& reason, int max_attempts);
};

void SqliteStorage::Impl::init_schema() {
  const std::string file = db.path().string();
  auto inspect = [&] {
    auto s = db.prepare(
        "SELECT (SELECT count(*) FROM sqlite_master WHERE type='table'), "
        "(SELECT count(*) FROM sqlite_master WHERE type='table' AND name='nnlab_meta')");
    s.step();
    return std::pair<int64_t, int64_t>{s.integer(0), s.integer(1)};
  };
  auto [tables, ours] = db.read(inspect);
  if (tables > 0 && ours == 0)
    throw IoError(fmt::format("{} is an SQLite database but not an nnlab study database; give --storage another file",
                              file));
  if (ours == 0) db.write([&] { db.exec(kSchema); });
  std::string version = db.read([&] {
    auto s = db.prepare("SELECT value FROM nnlab_meta WHERE key='schema_version'");
    return s.step() ? s.text(0) : std::string();
  });
  if (version != kSchemaVersion)
    throw IoError(fmt::format("study database {} has schema version '{}'; this nnlab reads version {}", file, version,
                              kSchemaVersion));
}

SqliteStorage::SqliteStorage(const std::string& url) : impl_(std::make_unique<Impl>(sqlite_path_from_url(url))) {
  impl_->init_schema();
}

SqliteStorage::~SqliteStorage() = default;

const std::filesystem::path& SqliteStorage::path() const { return impl_->db.path(); }

StudyRecord SqliteStorage::Impl::study_from_row(sqlite::Statement& s) {
  const std::string file = db.path().string();
  StudyRecord r;
  r.id = s.integer(0);
  r.name = s.text(1);
  auto dir = direction_from_string(s.text(2));
  if (!dir) throw IoError(fmt::format("study database {}: study '{}' has an unknown direction", file, r.name));
  r.direction = *dir;
  r.space = SearchSpace::from_canonical(parse_stored_json(s.text(3), file, "search space"));
  r.objective = parse_stored_json(s.text(4), file, "objective");
  r.created_at = s.real(5);
  return r;
}

StudyRecord SqliteStorage::create_or_load_study(const std::string& name, Direction direction,
                                                const SearchSpace& space, const nlohmann::json& objective) {
  auto& db = impl_->db;
  std::optional<StudyRecord> existing = find_study(name);
  if (!existing) {
    db.write([&] {
      auto s = db.prepare(
          "INSERT OR IGNORE INTO studies(name, direction, space, objective, created_at) VALUES(?,?,?,?,?)");
      s.bind(1, name).bind(2, std::string(to_string(direction))).bind(3, space.to_json().dump());
      s.bind(4, objective.dump()).bind(5, now_seconds()).run();
    });
    existing = find_study(name);  // another process may have created it first: compare with theirs
  }
  const std::string file = db.path().string();
  if (existing->direction != direction)
    throw ConfigError(fmt::format("study '{}' in {} was created to {}; pass --direction {} or choose a new --study",
                                  name, file, to_string(existing->direction), to_string(existing->direction)));
  if (existing->space.to_json() != space.to_json())
    throw ConfigError(fmt::format("study '{}' in {} was created with another search space ({}); resume it with the "
                                  "same --space file or choose a new --study",
                                  name, file, first_difference(existing->space, space)));
  return *existing;
}

std::optional<StudyRecord> SqliteStorage::find_study(const std::string& name) {
  auto& db = impl_->db;
  return db.read([&]() -> std::optional<StudyRecord> {
    auto s = db.prepare("SELECT study_id, name, direction, space, objective, created_at FROM studies WHERE name=?");
    s.bind(1, name);
    if (!s.step()) return std::nullopt;
    return impl_->study_from_row(s);
  });
}

std::vector<StudyRecord> SqliteStorage::list_studies() {
  auto& db = impl_->db;
  return db.read([&] {
    std::vector<StudyRecord> out;
    auto s = db.prepare("SELECT study_id, name, direction, space, objective, created_at FROM studies ORDER BY study_id");
    while (s.step()) out.push_back(impl_->study_from_row(s));
    return out;
  });
}

FrozenTrial SqliteStorage::Impl::load_trial(int64_t trial_id) {
  auto s = db.prepare("SELECT number, state, attempt, retry_of, started_at FROM trials WHERE trial_id=?");
  s.bind(1, trial_id);
  if (!s.step()) throw IoError(fmt::format("study database {}: trial {} vanished", db.path().string(), trial_id));
  FrozenTrial t;
  t.id = trial_id;
  t.number = static_cast<int>(s.integer(0));
  t.state = trial_state_from_string(s.text(1));
  t.attempt = static_cast<int>(s.integer(2));
  if (!s.is_null(3)) t.retry_of = static_cast<int>(s.integer(3));
  t.started_at = s.real(4);
  auto p = db.prepare("SELECT name, value FROM trial_params WHERE trial_id=?");
  p.bind(1, trial_id);
  while (p.step()) t.params[p.text(0)] = parse_stored_json(p.text(1), db.path().string(), "parameter");
  return t;
}

std::optional<FrozenTrial> SqliteStorage::start_trial(int64_t study_id, int max_trials) {
  auto& db = impl_->db;
  const auto& me = impl_->me;
  return db.write([&]() -> std::optional<FrozenTrial> {
    double now = now_seconds();
    auto claim_owner = [&](int64_t trial_id) {
      auto u = db.prepare(
          "UPDATE trials SET state='running', started_at=?, heartbeat_at=?, owner_host=?, owner_pid=?, "
          "owner_start=? WHERE trial_id=?");
      u.bind(1, now).bind(2, now).bind(3, me.host).bind(4, me.pid).bind(5, me.start_ticks).bind(6, trial_id).run();
    };
    // A queued retry first: it already counts toward the target.
    auto w = db.prepare("SELECT trial_id FROM trials WHERE study_id=? AND state='waiting' ORDER BY number LIMIT 1");
    w.bind(1, study_id);
    if (w.step()) {
      int64_t id = w.integer(0);
      claim_owner(id);
      return impl_->load_trial(id);
    }
    if (max_trials > 0) {
      auto c = db.prepare("SELECT count(*) FROM trials WHERE study_id=? AND counted=1");
      c.bind(1, study_id);
      c.step();
      if (c.integer(0) >= max_trials) return std::nullopt;
    }
    auto n = db.prepare("SELECT COALESCE(MAX(number), -1) + 1 FROM trials WHERE study_id=?");
    n.bind(1, study_id);
    n.step();
    auto ins = db.prepare("INSERT INTO trials(study_id, number, state, created_at) VALUES(?,?,'waiting',?)");
    ins.bind(1, study_id).bind(2, n.integer(0)).bind(3, now).run();
    int64_t id = db.last_insert_id();
    claim_owner(id);
    return impl_->load_trial(id);
  });
}

bool SqliteStorage::set_params(int64_t trial_id, const Params& params, const std::string& claim) {
  auto& db = impl_->db;
  return db.write([&] {
    if (!claim.empty()) {
      auto c = db.prepare("INSERT OR IGNORE INTO claims(study_id, key, trial_id) SELECT study_id, ?, ? FROM trials "
                          "WHERE trial_id=?");
      c.bind(1, claim).bind(2, trial_id).bind(3, trial_id).run();
      if (db.changes() == 0) return false;
    }
    for (auto& [name, value] : params) {
      auto s = db.prepare("INSERT OR REPLACE INTO trial_params(trial_id, name, value) VALUES(?,?,?)");
      s.bind(1, trial_id).bind(2, name).bind(3, value.dump()).run();
    }
    return true;
  });
}

void SqliteStorage::discard_trial(int64_t trial_id) {
  auto& db = impl_->db;
  db.write([&] {
    for (const char* sql : {"DELETE FROM trial_params WHERE trial_id=?", "DELETE FROM trial_values WHERE trial_id=?",
                            "DELETE FROM claims WHERE trial_id=?", "DELETE FROM trials WHERE trial_id=?"}) {
      auto s = db.prepare(sql);
      s.bind(1, trial_id).run();
    }
  });
}

void SqliteStorage::report(int64_t trial_id, int64_t step, double value) {
  auto& db = impl_->db;
  db.write([&] {
    auto s = db.prepare("INSERT OR IGNORE INTO trial_values(trial_id, step, value) VALUES(?,?,?)");
    s.bind(1, trial_id).bind(2, step).bind(3, value).run();
    auto h = db.prepare("UPDATE trials SET heartbeat_at=? WHERE trial_id=?");
    h.bind(1, now_seconds()).bind(2, trial_id).run();
  });
}

void SqliteStorage::heartbeat(int64_t trial_id) {
  auto& db = impl_->db;
  db.write([&] {
    auto h = db.prepare("UPDATE trials SET heartbeat_at=? WHERE trial_id=? AND state='running'");
    h.bind(1, now_seconds()).bind(2, trial_id).run();
  });
}

void SqliteStorage::finish_trial(int64_t trial_id, TrialState state, std::optional<double> value,
                                 const std::string& message, const nlohmann::json& metrics) {
  auto& db = impl_->db;
  db.write([&] {
    auto s = db.prepare("UPDATE trials SET state=?, value=?, message=?, metrics=?, finished_at=? "
                        "WHERE trial_id=? AND state='running'");
    s.bind(1, std::string(to_string(state))).bind(2, value).bind(3, message);
    if (metrics.is_null()) s.bind_null(4);
    else s.bind(4, metrics.dump());
    s.bind(5, now_seconds()).bind(6, trial_id).run();
  });
}

void SqliteStorage::Impl::interrupt_locked(int64_t trial_id, const std::string& reason, int max_attempts) {
  auto s = db.prepare(
      "SELECT study_id, number, attempt, state, EXISTS(SELECT 1 FROM trial_params WHERE trial_id=?1) "
      "FROM trials WHERE trial_id=?1");
  s.bind(1, trial_id);
  if (!s.step() || s.text(3) != "running") return;  // finished or recovered meanwhile
  int64_t study_id = s.integer(0), number = s.integer(1), attempt = s.integer(2);
  bool has_params = s.integer(4) != 0;
  bool retry = has_params && attempt < max_attempts;
  // A trial without parameters never started its objective: it is dropped from the count
  // and the next start_trial makes a fresh one in its place.
  std::string message = reason;
  if (has_params && !retry) message += fmt::format("; not retried: {} attempts were interrupted", attempt);
  auto u = db.prepare("UPDATE trials SET state='failed', counted=?, message=?, finished_at=? WHERE trial_id=?");
  u.bind(1, int64_t{has_params && !retry}).bind(2, message).bind(3, now_seconds()).bind(4, trial_id).run();
  if (!retry) return;
  auto n = db.prepare("SELECT MAX(number) + 1 FROM trials WHERE study_id=?");
  n.bind(1, study_id);
  n.step();
  auto ins = db.prepare(
      "INSERT INTO trials(study_id, number, state, retry_of, attempt, created_at) VALUES(?,?,'waiting',?,?,?)");
  ins.bind(1, study_id).bind(2, n.integer(0)).bind(3, number).bind(4, attempt + 1).bind(5, now_seconds()).run();
  int64_t retry_id = db.last_insert_id();
  auto p = db.prepare("INSERT INTO trial_params(trial_id, name, value) SELECT ?, name, value FROM trial_params "
                      "WHERE trial_id=?");
  p.bind(1, retry_id).bind(2, trial_id).run();
  auto c = db.prepare("UPDATE claims SET trial_id=? WHERE trial_id=?");
  c.bind(1, retry_id).bind(2, trial_id).run();
}

void SqliteStorage::interrupt_trial(int64_t trial_id, const std::string& reason, int max_attempts) {
  impl_->db.write([&] { impl_->interrupt_locked(trial_id, reason, max_attempts); });
}

int SqliteStorage::recover_stale_trials(int64_t study_id, double stale_after_s, int max_attempts) {
  auto& db = impl_->db;
  struct Running {
    int64_t id;
    WorkerIdentity owner;
    double heartbeat;
  };
  auto running = db.read([&] {
    std::vector<Running> out;
    auto s = db.prepare("SELECT trial_id, owner_host, owner_pid, owner_start, heartbeat_at FROM trials "
                        "WHERE study_id=? AND state='running'");
    s.bind(1, study_id);
    while (s.step()) out.push_back({s.integer(0), {s.text(1), s.integer(2), s.integer(3)}, s.real(4)});
    return out;
  });
  int recovered = 0;
  for (auto& r : running) {
    std::optional<bool> alive = process_alive(r.owner);
    double silent = now_seconds() - r.heartbeat;
    std::string reason;
    if (alive == false)
      reason = fmt::format("interrupted: its worker (pid {} on this machine) stopped while it ran", r.owner.pid);
    else if (!alive && silent > stale_after_s)
      reason = fmt::format("interrupted: no heartbeat from its worker (pid {} on {}) for {:.0f} s", r.owner.pid,
                           r.owner.host, silent);
    else
      continue;
    interrupt_trial(r.id, reason, max_attempts);
    ++recovered;
  }
  return recovered;
}

std::vector<FrozenTrial> SqliteStorage::load_trials(int64_t study_id) {
  auto& db = impl_->db;
  const std::string file = db.path().string();
  return db.read([&] {
    std::vector<FrozenTrial> trials;
    std::map<int64_t, size_t> index;
    auto s = db.prepare(
        "SELECT trial_id, number, state, value, message, metrics, retry_of, attempt, counted, started_at, finished_at "
        "FROM trials WHERE study_id=? ORDER BY number");
    s.bind(1, study_id);
    while (s.step()) {
      FrozenTrial t;
      t.id = s.integer(0);
      t.number = static_cast<int>(s.integer(1));
      t.state = trial_state_from_string(s.text(2));
      if (!s.is_null(3)) t.value = s.real(3);
      t.message = s.text(4);
      if (!s.is_null(5)) t.metrics = parse_stored_json(s.text(5), file, "metrics object");
      if (!s.is_null(6)) t.retry_of = static_cast<int>(s.integer(6));
      t.attempt = static_cast<int>(s.integer(7));
      t.counted = s.integer(8) != 0;
      t.started_at = s.real(9);
      t.finished_at = s.real(10);
      index[t.id] = trials.size();
      trials.push_back(std::move(t));
    }
    auto p = db.prepare("SELECT p.trial_id, p.name, p.value FROM trial_params p JOIN trials t USING(trial_id) "
                        "WHERE t.study_id=?");
    p.bind(1, study_id);
    while (p.step()) trials[index.at(p.integer(0))].params[p.text(1)] = parse_stored_json(p.text(2), file, "parameter");
    auto v = db.prepare("SELECT v.trial_id, v.step, v.value FROM trial_values v JOIN trials t USING(trial_id) "
                        "WHERE t.study_id=? ORDER BY v.trial_id, v.step");
    v.bind(1, study_id);
    while (v.step())
      trials[index.at(v.integer(0))].intermediate.push_back(
          {v.integer(1), v.is_null(2) ? std::numeric_limits<double>::quiet_NaN() : v.real(2)});
    return trials;
  });
}

std::set<std::string> SqliteStorage::claims(int64_t study_id) {
  auto& db = impl_->db;
  return db.read([&] {
    std::set<std::string> out;
    auto s = db.prepare("SELECT key FROM claims WHERE study_id=?");
    s.bind(1, study_id);
    while (s.step()) out.insert(s.text(0));
    return out;
  });
}

TrialCounts SqliteStorage::counts(int64_t study_id) {
  auto& db = impl_->db;
  return db.read([&] {
    auto s = db.prepare("SELECT COALESCE(SUM(counted), 0), COALESCE(SUM(state='running'), 0), "
                        "COALESCE(SUM(state='waiting'), 0) FROM trials WHERE study_id=?");
    s.bind(1, study_id);
    s.step();
    return TrialCounts{static_cast<int>(s.integer(0)), static_cast<int>(s.integer(1)), static_cast<int>(s.integer(2))};
  });
}

}  // namespace nnlab::tune
