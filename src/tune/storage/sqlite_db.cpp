#include "tune/storage/sqlite_db.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cctype>
#include <chrono>

#include "nnlab/error.h"

namespace nnlab::tune::sql {

namespace {

bool is_busy(int rc) {
  int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

[[noreturn]] void fail(sqlite3* db, int rc, const std::string& file, const char* doing) {
  if (is_busy(rc)) throw Retry(sqlite3_errmsg(db), false);
  if (rc == SQLITE_NOTADB)
    throw IoError(fmt::format("{} is not an SQLite database: give the storage a new file or an nnlab study database",
                              file));
  throw IoError(fmt::format("study database {}: {} failed: {}", file, doing, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

// SQLite numbers parameters ?1, ?2 ...: the shared SQL's $1, $2 ... become those.
std::string sqlite_dialect(const std::string& sql) {
  std::string out = sql;
  for (size_t i = 0; i + 1 < out.size(); ++i)
    if (out[i] == '$' && std::isdigit(static_cast<unsigned char>(out[i + 1]))) out[i] = '?';
  return out;
}

double unix_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void nnlab_now(sqlite3_context* ctx, int, sqlite3_value**) { sqlite3_result_double(ctx, unix_seconds()); }

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql, const std::string& file) : db_(db), file_(file) {
    int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt_, nullptr);
    if (rc != SQLITE_OK) fail(db_, rc, file_, "preparing a query");
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int index, const Value& v) {
    if (auto* i = std::get_if<int64_t>(&v)) sqlite3_bind_int64(stmt_, index, *i);
    else if (auto* d = std::get_if<double>(&v)) sqlite3_bind_double(stmt_, index, *d);
    else if (auto* s = std::get_if<std::string>(&v))
      sqlite3_bind_text(stmt_, index, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
    else sqlite3_bind_null(stmt_, index);
  }

  Rows run() {
    Rows out;
    for (;;) {
      int rc = sqlite3_step(stmt_);
      if (rc == SQLITE_DONE) return out;
      if (rc != SQLITE_ROW) fail(db_, rc, file_, "a query");
      auto& row = out.rows.emplace_back();
      for (int c = 0, n = sqlite3_column_count(stmt_); c < n; ++c) row.push_back(column(c));
    }
  }

 private:
  Value column(int c) const {
    switch (sqlite3_column_type(stmt_, c)) {
      case SQLITE_NULL: return nullptr;
      case SQLITE_INTEGER: return static_cast<int64_t>(sqlite3_column_int64(stmt_, c));
      case SQLITE_FLOAT: return sqlite3_column_double(stmt_, c);
      default: {
        auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, c));
        return std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, c)));
      }
    }
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  const std::string& file_;
};

// An SQLite URI for a path: the characters a URI gives meaning to, percent-encoded.
std::string immutable_uri(const std::string& path) {
  std::string uri = "file:";
  for (char c : path) {
    if (c == '%' || c == '?' || c == '#') uri += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    else uri += c;
  }
  return uri + "?immutable=1";
}

}  // namespace

SqliteDatabase::SqliteDatabase(const std::filesystem::path& file, double patience_s, bool read_only)
    : file_(file.string()), backoff_(patience_s, 0.25, static_cast<uint64_t>(getpid()) * 7919u) {
  const bool memory = file_ == ":memory:";
  std::filesystem::path dir = file.parent_path();
  if (!memory && !dir.empty() && !std::filesystem::is_directory(dir)) {
    // sqlite:///tmp/x.db is the relative path tmp/x.db; an absolute one takes four slashes.
    const bool absolute_meant = file.is_relative() && std::filesystem::is_directory("/" / dir);
    throw IoError(fmt::format("cannot create study database {}: directory {} does not exist (create it first){}",
                              file_, dir.string(),
                              absolute_meant ? fmt::format("; for the absolute path /{} write sqlite:////{}", file_,
                                                           file_)
                                             : ""));
  }
  // SQLite writes beside its file (-wal, -journal): only a regular file, or none, is a
  // database, never /dev/null or another device.
  std::error_code ec;
  if (!memory && std::filesystem::exists(file, ec) && !std::filesystem::is_regular_file(file, ec))
    throw IoError(fmt::format("study database {} is not a regular file: give the path of a .db file", file_));
  // Read-only: even SQLITE_OPEN_READONLY creates -wal and -shm files beside a WAL database
  // that no process has open, and leaves them there. Without a -wal file no writer has it
  // open, and a writer that opens it meanwhile writes to its -wal, not to this file (until a
  // checkpoint of 1000 pages), so reading it as immutable sees the last checkpoint, whole.
  int rc = SQLITE_OK;
  if (read_only && !memory && !std::filesystem::exists(file_ + "-wal", ec))
    rc = sqlite3_open_v2(immutable_uri(file_).c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
  else if (read_only && !memory)
    rc = sqlite3_open_v2(file_.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr);
  else
    rc = sqlite3_open_v2(file_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw IoError(fmt::format("cannot open study database {}: {}", file_, why));
  }
  sqlite3_create_function(db_, "nnlab_now", 0, SQLITE_UTF8, nullptr, nnlab_now, nullptr, nullptr);
  // Each statement waits up to 2 s for a lock; the transaction-level retry covers longer.
  sqlite3_busy_timeout(db_, read_only ? 250 : 2000);
  if (memory || read_only) return;
  for (int attempt = 0;; ++attempt) {
    try {
      // WAL: readers never block the writer, and a commit is one append to the log.
      Rows mode = query("PRAGMA journal_mode=WAL");
      if (!mode.empty() && mode.text(0, 0) != "wal")
        throw IoError(fmt::format("study database {}: the file system does not support SQLite's WAL mode "
                                  "(journal mode stays '{}'); put the database on a local disk",
                                  file_, mode.text(0, 0)));
      break;
    } catch (const Retry& e) {
      wait_before_retry(attempt, e);
    } catch (...) {
      sqlite3_close(db_);
      db_ = nullptr;
      throw;
    }
  }
  // FULL: a commit is on disk before the call returns, whatever happens to the process.
  exec("PRAGMA synchronous=FULL");
}

SqliteDatabase::~SqliteDatabase() { sqlite3_close(db_); }

Rows SqliteDatabase::query(const std::string& sql, const std::vector<Value>& params) {
  Statement s(db_, sqlite_dialect(sql), file_);
  for (size_t i = 0; i < params.size(); ++i) s.bind(static_cast<int>(i + 1), params[i]);
  return s.run();
}

void SqliteDatabase::exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (err) sqlite3_free(err);
  if (rc != SQLITE_OK) fail(db_, rc, file_, sql);
}

void SqliteDatabase::rollback_quietly() {
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void SqliteDatabase::wait_before_retry(int attempt, const Retry&) {
  if (!backoff_.wait(attempt))
    throw IoError(fmt::format("study database {} stayed locked by other processes for {:.0f} s; is a process "
                              "stuck holding it?",
                              file_, backoff_.patience_s()));
}

}  // namespace nnlab::tune::sql
