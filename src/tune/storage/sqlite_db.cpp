#include "tune/sqlite_db.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "nnlab/error.h"
#include "nnlab/generator.h"

namespace nnlab::tune::sqlite {

namespace {

bool is_busy(int rc) {
  int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

double monotonic_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

[[noreturn]] void fail(sqlite3* db, int rc, const std::string& file, const char* doing) {
  if (is_busy(rc)) throw Busy(sqlite3_errmsg(db));
  if (rc == SQLITE_NOTADB)
    throw IoError(fmt::format("{} is not an SQLite database: give --storage a new file or an nnlab study database",
                              file));
  throw IoError(fmt::format("study database {}: {} failed: {}", file, doing, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

}  // namespace

Statement::Statement(sqlite3* db, const char* sql, const std::string& file) : db_(db), file_(file) {
  int rc = sqlite3_prepare_v2(db_, sql, -1, &stmt_, nullptr);
  if (rc != SQLITE_OK) fail(db_, rc, file_, "preparing a query");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, const std::string& value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int index, std::optional<double> value) {
  return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, rc, file_, "a query");
}

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::real(int column) const { return sqlite3_column_double(stmt_, column); }
std::string Statement::text(int column) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
}

Database::Database(const std::filesystem::path& file)
    : path_(file), file_(file.string()), jitter_state_(static_cast<uint64_t>(getpid()) * 7919u) {
  std::filesystem::path dir = file.parent_path();
  if (!dir.empty() && !std::filesystem::is_directory(dir))
    throw IoError(fmt::format("cannot create study database {}: directory {} does not exist (create it first)",
                              file_, dir.string()));
  int rc = sqlite3_open_v2(file_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw IoError(fmt::format("cannot open study database {}: {}", file_, why));
  }
  // Each statement waits up to 2 s for a lock; the transaction-level retry covers longer.
  sqlite3_busy_timeout(db_, 2000);
  for (int attempt = 0;; ++attempt) {
    try {
      // WAL: readers never block the writer, and a commit is one append to the log.
      Statement mode(db_, "PRAGMA journal_mode=WAL", file_);
      if (mode.step() && mode.text(0) != "wal")
        throw IoError(fmt::format("study database {}: the file system does not support SQLite's WAL mode "
                                  "(journal mode stays '{}'); put the database on a local disk",
                                  file_, mode.text(0)));
      break;
    } catch (const Busy&) {
      backoff(attempt);
    } catch (...) {
      sqlite3_close(db_);
      db_ = nullptr;
      throw;
    }
  }
  // FULL: a commit is on disk before the call returns, whatever happens to the process.
  exec("PRAGMA synchronous=FULL");
}

Database::~Database() { sqlite3_close(db_); }

void Database::exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (err) sqlite3_free(err);
  if (rc != SQLITE_OK) fail(db_, rc, file_, sql);
}

void Database::rollback_quietly() {
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Database::backoff(int attempt) {
  double now = monotonic_seconds();
  if (attempt == 0) busy_since_ = now;
  if (now - busy_since_ > kLockPatience)
    throw IoError(fmt::format("study database {} stayed locked by other processes for {:.0f} s; is a process "
                              "stuck holding it?",
                              file_, kLockPatience));
  // Exponential backoff capped at 0.25 s, with jitter so that waiting workers spread out.
  double base = std::min(0.25, 0.002 * (1 << std::min(attempt, 7)));
  double jitter = 0.5 + static_cast<double>(Generator::mix(jitter_state_, static_cast<uint64_t>(attempt)) >> 11) *
                            0x1.0p-53;
  std::this_thread::sleep_for(std::chrono::duration<double>(base * jitter));
}

}  // namespace nnlab::tune::sqlite
