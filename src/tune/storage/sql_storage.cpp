#include "tune/storage/sql_storage.h"

#include <fmt/format.h>

#include <limits>
#include <map>

#include "nnlab/error.h"
#include "tune/storage/sql_schema.h"
#include "tune/worker_identity.h"

namespace nnlab::tune {

namespace {

using sql::Rows;
using sql::Value;

constexpr const char* kStudyColumns = "study_id, name, direction, space, objective, created_at";
constexpr const char* kTrialColumns =
    "trial_id, number, state, value, message, metrics, retry_of, attempt, counted, started_at, finished_at";

Value opt(const std::optional<double>& v) { return v ? Value(*v) : Value(nullptr); }
Value opt_int(const std::optional<int>& v) { return v ? Value(int64_t{*v}) : Value(nullptr); }
Value json_or_null(const nlohmann::json& j) { return j.is_null() ? Value(nullptr) : Value(j.dump()); }
Value time_or_null(double t) { return t > 0 ? Value(t) : Value(nullptr); }

class SqlStorage : public Storage {
 public:
  SqlStorage(std::unique_ptr<sql::Database> db, SqlDialect dialect, std::string url, bool create)
      : db_(std::move(db)), dialect_(dialect), url_(std::move(url)), me_(current_worker()) {
    init_schema(create);
  }

  const std::string& url() const override { return url_; }

  std::optional<StudyRecord> find_study(const std::string& name) override {
    return db_->read([&]() -> std::optional<StudyRecord> {
      Rows r = db_->query(fmt::format("SELECT {} FROM studies WHERE name=$1", kStudyColumns), {name});
      if (r.empty()) return std::nullopt;
      return study_from_row(r, 0);
    });
  }

  std::vector<StudyRecord> list_studies() override {
    return db_->read([&] {
      Rows r = db_->query(fmt::format("SELECT {} FROM studies ORDER BY study_id", kStudyColumns));
      std::vector<StudyRecord> out;
      for (size_t i = 0; i < r.size(); ++i) out.push_back(study_from_row(r, i));
      return out;
    });
  }

  std::optional<FrozenTrial> start_trial(int64_t study_id, int max_trials) override {
    return db_->write([&]() -> std::optional<FrozenTrial> {
      db_->lock_study(study_id);
      if (db_->resumed()) {
        // The first run may have committed unheard: a trial of ours left running is that one
        // (a worker runs one trial at a time), so take it rather than start another.
        Rows mine = db_->query(
            "SELECT trial_id FROM trials WHERE study_id=$1 AND state='running' AND owner_host=$2 AND owner_pid=$3 "
            "AND owner_start=$4 ORDER BY number DESC LIMIT 1",
            {study_id, me_.host, me_.pid, me_.start_ticks});
        if (!mine.empty()) return load_trial(mine.integer(0, 0));
      }
      const std::string claim =
          "state='running', started_at=nnlab_now(), heartbeat_at=nnlab_now(), owner_host=$2, owner_pid=$3, "
          "owner_start=$4";
      // A queued retry first: it already counts toward the target.
      Rows retry = db_->query(fmt::format("UPDATE trials SET {} WHERE trial_id=(SELECT trial_id FROM trials WHERE "
                                          "study_id=$1 AND state='waiting' ORDER BY number LIMIT 1) "
                                          "AND state='waiting' RETURNING trial_id",
                                          claim),
                              {study_id, me_.host, me_.pid, me_.start_ticks});
      if (!retry.empty()) return load_trial(retry.integer(0, 0));
      if (max_trials > 0 &&
          db_->query("SELECT count(*) FROM trials WHERE study_id=$1 AND counted=1", {study_id}).integer(0, 0) >=
              max_trials)
        return std::nullopt;
      Rows made = db_->query(
          fmt::format("INSERT INTO trials(study_id, number, state, created_at, started_at, heartbeat_at, owner_host, "
                      "owner_pid, owner_start) SELECT $1, COALESCE(MAX(number), -1) + 1, 'running', nnlab_now(), "
                      "nnlab_now(), nnlab_now(), $2, $3, $4 FROM trials WHERE study_id=$1 RETURNING trial_id"),
          {study_id, me_.host, me_.pid, me_.start_ticks});
      return load_trial(made.integer(0, 0));
    });
  }

  bool set_params(int64_t trial_id, const Params& params, const std::string& claim) override {
    return db_->write([&] {
      if (!claim.empty()) {
        db_->query("INSERT INTO claims(study_id, key, trial_id) SELECT study_id, $1, $2 FROM trials WHERE trial_id=$2 "
                   "ON CONFLICT DO NOTHING",
                   {claim, trial_id});
        // Held by this trial (also when an earlier run of this transaction committed unheard)?
        Rows holder = db_->query(
            "SELECT trial_id FROM claims WHERE key=$1 AND study_id=(SELECT study_id FROM trials WHERE trial_id=$2)",
            {claim, trial_id});
        if (holder.empty() || holder.integer(0, 0) != trial_id) return false;
      }
      for (auto& [name, value] : params)
        db_->query("INSERT INTO trial_params(trial_id, name, value) VALUES($1, $2, $3) "
                   "ON CONFLICT(trial_id, name) DO UPDATE SET value=excluded.value",
                   {trial_id, name, value.dump()});
      return true;
    });
  }

  void discard_trial(int64_t trial_id) override {
    db_->write([&] {
      for (const char* sql : {"DELETE FROM trial_params WHERE trial_id=$1", "DELETE FROM trial_values WHERE trial_id=$1",
                              "DELETE FROM claims WHERE trial_id=$1", "DELETE FROM trials WHERE trial_id=$1"})
        db_->query(sql, {trial_id});
    });
  }

  void report(int64_t trial_id, int64_t step, double value) override {
    db_->write([&] {
      db_->query("INSERT INTO trial_values(trial_id, step, value) VALUES($1, $2, $3) ON CONFLICT DO NOTHING",
                 {trial_id, step, value});
      db_->query("UPDATE trials SET heartbeat_at=nnlab_now() WHERE trial_id=$1 AND state='running'", {trial_id});
    });
  }

  void heartbeat(int64_t trial_id) override {
    db_->write([&] {
      db_->query("UPDATE trials SET heartbeat_at=nnlab_now() WHERE trial_id=$1 AND state='running'", {trial_id});
    });
  }

  void finish_trial(int64_t trial_id, TrialState state, std::optional<double> value, const std::string& message,
                    const nlohmann::json& metrics) override {
    db_->write([&] {
      db_->query("UPDATE trials SET state=$1, value=$2, message=$3, metrics=$4, finished_at=nnlab_now() "
                 "WHERE trial_id=$5 AND state='running'",
                 {std::string(to_string(state)), opt(value), message, json_or_null(metrics), trial_id});
    });
  }

  bool interrupt_trial(int64_t trial_id, const std::string& reason, int max_attempts, double silent_for_s) override {
    return db_->write([&] {
      Rows t = db_->query(
          "SELECT study_id, number, attempt, retry_of, CASE WHEN EXISTS(SELECT 1 FROM trial_params WHERE "
          "trial_id=$1) THEN 1 ELSE 0 END FROM trials WHERE trial_id=$1",
          {trial_id});
      if (t.empty()) return false;
      const int64_t study_id = t.integer(0, 0), number = t.integer(0, 1), attempt = t.integer(0, 2);
      const int64_t original = t.is_null(0, 3) ? number : t.integer(0, 3);
      const bool has_params = t.integer(0, 4) != 0;
      const bool retry = has_params && attempt < max_attempts;
      db_->lock_study(study_id);
      // A trial without parameters never started its objective: it is dropped from the
      // count and the next start_trial makes a fresh one in its place.
      std::string message = reason;
      if (has_params && !retry) message += fmt::format("; not retried: {} attempts were interrupted", attempt);
      // The state (and heartbeat) are checked by the UPDATE itself, which sees the row as the
      // last committed transaction left it: a trial finished meanwhile stays finished.
      Rows changed = db_->query(
          "UPDATE trials SET state='failed', counted=$1, message=$2, finished_at=nnlab_now() WHERE trial_id=$3 "
          "AND state='running' AND ($4 < 0 OR nnlab_now() - heartbeat_at >= $4) RETURNING trial_id",
          {int64_t{has_params && !retry}, message, trial_id, silent_for_s});
      if (changed.empty()) return false;
      if (!retry) return true;
      Rows made = db_->query(
          "INSERT INTO trials(study_id, number, state, retry_of, attempt, created_at) SELECT $1, MAX(number) + 1, "
          "'waiting', $2, $3, nnlab_now() FROM trials WHERE study_id=$1 RETURNING trial_id",
          {study_id, original, attempt + 1});
      const int64_t retry_id = made.integer(0, 0);
      db_->query("INSERT INTO trial_params(trial_id, name, value) SELECT $1, name, value FROM trial_params "
                 "WHERE trial_id=$2",
                 {retry_id, trial_id});
      db_->query("UPDATE claims SET trial_id=$1 WHERE trial_id=$2", {retry_id, trial_id});
      return true;
    });
  }

  std::vector<RunningTrial> running_trials(int64_t study_id) override {
    return db_->read([&] {
      Rows r = db_->query(
          "SELECT trial_id, number, owner_host, owner_pid, owner_start, nnlab_now() - heartbeat_at FROM trials "
          "WHERE study_id=$1 AND state='running'",
          {study_id});
      std::vector<RunningTrial> out;
      for (size_t i = 0; i < r.size(); ++i)
        out.push_back({r.integer(i, 0), static_cast<int>(r.integer(i, 1)),
                       {r.text(i, 2), r.integer(i, 3), r.integer(i, 4)}, r.real(i, 5)});
      return out;
    });
  }

  std::vector<FrozenTrial> load_trials(int64_t study_id) override {
    return db_->read([&] {
      Rows r = db_->query(fmt::format("SELECT {} FROM trials WHERE study_id=$1 ORDER BY number", kTrialColumns),
                          {study_id});
      std::vector<FrozenTrial> trials;
      std::map<int64_t, size_t> index;
      for (size_t i = 0; i < r.size(); ++i) {
        trials.push_back(trial_from_row(r, i));
        index[trials.back().id] = i;
      }
      Rows p = db_->query("SELECT p.trial_id, p.name, p.value FROM trial_params p JOIN trials t USING(trial_id) "
                          "WHERE t.study_id=$1",
                          {study_id});
      // One snapshot (a read transaction) holds no row of a trial it has not listed; skipping
      // one anyway keeps a database without that guarantee from failing here.
      auto trial_of = [&](int64_t id) { return index.count(id) ? &trials[index[id]] : nullptr; };
      for (size_t i = 0; i < p.size(); ++i)
        if (FrozenTrial* t = trial_of(p.integer(i, 0))) t->params[p.text(i, 1)] = parse_json(p.text(i, 2), "parameter");
      Rows v = db_->query("SELECT v.trial_id, v.step, v.value FROM trial_values v JOIN trials t USING(trial_id) "
                          "WHERE t.study_id=$1 ORDER BY v.trial_id, v.step",
                          {study_id});
      for (size_t i = 0; i < v.size(); ++i)
        if (FrozenTrial* t = trial_of(v.integer(i, 0)))
          t->intermediate.push_back(
              {v.integer(i, 1), v.is_null(i, 2) ? std::numeric_limits<double>::quiet_NaN() : v.real(i, 2)});
      return trials;
    });
  }

  std::map<std::string, int> claim_holders(int64_t study_id) override {
    return db_->read([&] {
      Rows r = db_->query("SELECT c.key, t.number FROM claims c JOIN trials t USING(trial_id) WHERE c.study_id=$1",
                          {study_id});
      std::map<std::string, int> out;
      for (size_t i = 0; i < r.size(); ++i) out[r.text(i, 0)] = static_cast<int>(r.integer(i, 1));
      return out;
    });
  }

  TrialCounts counts(int64_t study_id) override {
    return db_->read([&] {
      Rows r = db_->query("SELECT COALESCE(SUM(counted), 0), count(*) FILTER (WHERE state='running'), "
                          "count(*) FILTER (WHERE state='waiting') FROM trials WHERE study_id=$1",
                          {study_id});
      return TrialCounts{static_cast<int>(r.integer(0, 0)), static_cast<int>(r.integer(0, 1)),
                         static_cast<int>(r.integer(0, 2))};
    });
  }

  void import_study(const StudyRecord& study, const std::vector<FrozenTrial>& trials,
                    const std::map<std::string, int>& claim_holders) override {
    db_->write([&] {
      Rows made = db_->query("INSERT INTO studies(name, direction, space, objective, created_at) "
                             "VALUES($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING study_id",
                             {study.name, std::string(to_string(study.direction)), study.space.to_json().dump(),
                              study.objective.dump(), study.created_at});
      if (made.empty())
        throw ConfigError(fmt::format("{} already holds a study '{}'; copy it to another storage or delete it there",
                                      url_, study.name));
      const int64_t study_id = made.integer(0, 0);
      std::map<int, int64_t> ids;
      for (const FrozenTrial& t : trials) {
        Rows row = db_->query(
            "INSERT INTO trials(study_id, number, state, counted, value, message, metrics, retry_of, attempt, "
            "created_at, started_at, finished_at) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, COALESCE($10, nnlab_now()), $10, $11) "
            "RETURNING trial_id",
            {study_id, int64_t{t.number}, std::string(to_string(t.state)), int64_t{t.counted}, opt(t.value), t.message,
             json_or_null(t.metrics), opt_int(t.retry_of), int64_t{t.attempt}, time_or_null(t.started_at),
             time_or_null(t.finished_at)});
        const int64_t id = ids[t.number] = row.integer(0, 0);
        for (auto& [name, value] : t.params)
          db_->query("INSERT INTO trial_params(trial_id, name, value) VALUES($1, $2, $3)", {id, name, value.dump()});
        for (auto& iv : t.intermediate)
          db_->query("INSERT INTO trial_values(trial_id, step, value) VALUES($1, $2, $3)", {id, iv.step, iv.value});
      }
      for (auto& [key, number] : claim_holders)
        if (ids.count(number))
          db_->query("INSERT INTO claims(study_id, key, trial_id) VALUES($1, $2, $3)", {study_id, key, ids[number]});
    });
  }

 protected:
  void add_study_if_absent(const std::string& name, Direction direction, const SearchSpace& space,
                           const nlohmann::json& objective) override {
    db_->write([&] {
      db_->query("INSERT INTO studies(name, direction, space, objective, created_at) "
                 "VALUES($1, $2, $3, $4, nnlab_now()) ON CONFLICT DO NOTHING",
                 {name, std::string(to_string(direction)), space.to_json().dump(), objective.dump()});
    });
  }

 private:
  void init_schema(bool create) {
    const std::string& where = db_->where();
    // Only creating the tables needs a writer's lock; a check alone is a read (a viewer's
    // storage is opened read-only, and SQLite would refuse BEGIN IMMEDIATE there).
    auto check = [&] {
      if (create && *schema_lock_sql(dialect_)) db_->query(schema_lock_sql(dialect_));
      Rows census = db_->query(table_census_sql(dialect_));
      const int64_t tables = census.integer(0, 0), ours = census.integer(0, 1);
      if (tables > 0 && ours == 0)
        throw IoError(fmt::format("{} holds tables that are not nnlab's; give the storage a database (or file) of "
                                  "its own",
                                  where));
      if (ours == 0 && !create)
        throw IoError(fmt::format("{} holds no nnlab studies; check the URL", where));
      if (ours == 0)
        for (const std::string& statement : schema_statements(dialect_)) db_->query(statement);
    };
    if (create) db_->write(check);
    else db_->read(check);
    std::string version = db_->read([&] {
      Rows r = db_->query("SELECT value FROM nnlab_meta WHERE key='schema_version'");
      return r.empty() ? std::string() : r.text(0, 0);
    });
    if (version != kSchemaVersion)
      throw IoError(fmt::format("study database {} has schema version '{}'; this nnlab reads version {}", where,
                                version, kSchemaVersion));
  }

  nlohmann::json parse_json(const std::string& text, const char* what) const {
    try {
      return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
      throw IoError(fmt::format("study database {}: a stored {} is not valid JSON; the database is corrupt",
                                db_->where(), what));
    }
  }

  StudyRecord study_from_row(const Rows& r, size_t i) const {
    StudyRecord s;
    s.id = r.integer(i, 0);
    s.name = r.text(i, 1);
    auto dir = direction_from_string(r.text(i, 2));
    if (!dir) throw IoError(fmt::format("study database {}: study '{}' has an unknown direction", db_->where(), s.name));
    s.direction = *dir;
    s.space = SearchSpace::from_canonical(parse_json(r.text(i, 3), "search space"));
    s.objective = parse_json(r.text(i, 4), "objective");
    s.created_at = r.real(i, 5);
    return s;
  }

  // A row of kTrialColumns.
  FrozenTrial trial_from_row(const Rows& r, size_t i) const {
    FrozenTrial t;
    t.id = r.integer(i, 0);
    t.number = static_cast<int>(r.integer(i, 1));
    t.state = trial_state_from_string(r.text(i, 2));
    if (!r.is_null(i, 3)) t.value = r.real(i, 3);
    t.message = r.text(i, 4);
    if (!r.is_null(i, 5)) t.metrics = parse_json(r.text(i, 5), "metrics object");
    if (!r.is_null(i, 6)) t.retry_of = static_cast<int>(r.integer(i, 6));
    t.attempt = static_cast<int>(r.integer(i, 7));
    t.counted = r.integer(i, 8) != 0;
    t.started_at = r.is_null(i, 9) ? 0 : r.real(i, 9);
    t.finished_at = r.is_null(i, 10) ? 0 : r.real(i, 10);
    return t;
  }

  FrozenTrial load_trial(int64_t trial_id) {
    Rows r = db_->query(fmt::format("SELECT {} FROM trials WHERE trial_id=$1", kTrialColumns), {trial_id});
    if (r.empty()) throw IoError(fmt::format("study database {}: trial {} vanished", db_->where(), trial_id));
    FrozenTrial t = trial_from_row(r, 0);
    Rows p = db_->query("SELECT name, value FROM trial_params WHERE trial_id=$1", {trial_id});
    for (size_t i = 0; i < p.size(); ++i) t.params[p.text(i, 0)] = parse_json(p.text(i, 1), "parameter");
    return t;
  }

  std::unique_ptr<sql::Database> db_;
  SqlDialect dialect_;
  std::string url_;
  WorkerIdentity me_;
};

}  // namespace

std::unique_ptr<Storage> make_sql_storage(std::unique_ptr<sql::Database> db, SqlDialect dialect, std::string url,
                                          bool create) {
  return std::make_unique<SqlStorage>(std::move(db), dialect, std::move(url), create);
}

}  // namespace nnlab::tune
