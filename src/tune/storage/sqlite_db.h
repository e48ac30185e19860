// A thin RAII layer over the SQLite C API for the study storage: a connection, prepared
// statements, and transactions that are retried whole when another process holds the lock.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace nnlab::tune::sqlite {

// SQLITE_BUSY or SQLITE_LOCKED: another connection holds the lock; retry the transaction.
struct Busy : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Statement {
 public:
  Statement(sqlite3* db, const char* sql, const std::string& file);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, double value);
  Statement& bind(int index, const std::string& value);
  Statement& bind(int index, std::optional<double> value);
  Statement& bind_null(int index);

  bool step();  // true while a row is ready; throws Busy, or IoError naming the file
  void run() { while (step()) {} }

  bool is_null(int column) const;
  int64_t integer(int column) const;
  double real(int column) const;
  std::string text(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  const std::string& file_;
};

class Database {
 public:
  explicit Database(const std::filesystem::path& file);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::filesystem::path& path() const { return path_; }
  Statement prepare(const char* sql) { return Statement(db_, sql, file_); }
  void exec(const char* sql);
  int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }

  // Runs f in a transaction (write: BEGIN IMMEDIATE, taking the write lock up front) and
  // commits; when the database is busy, rolls back, waits and runs f again, for up to
  // kLockPatience seconds before throwing IoError. f must only touch the database.
  template <class F>
  auto write(F&& f) { return transact("BEGIN IMMEDIATE", f); }
  template <class F>
  auto read(F&& f) { return transact("BEGIN", f); }

  static constexpr double kLockPatience = 300;

 private:
  template <class F>
  auto transact(const char* begin, F& f) -> decltype(f()) {
    for (int attempt = 0;; ++attempt) {
      try {
        exec(begin);
        if constexpr (std::is_void_v<decltype(f())>) {
          f();
          exec("COMMIT");
          return;
        } else {
          auto result = f();
          exec("COMMIT");
          return result;
        }
      } catch (const Busy&) {
        rollback_quietly();
        backoff(attempt);
      } catch (...) {
        rollback_quietly();
        throw;
      }
    }
  }
  void rollback_quietly();
  void backoff(int attempt);  // sleeps, or throws IoError once kLockPatience is spent

  std::filesystem::path path_;
  std::string file_;
  sqlite3* db_ = nullptr;
  double busy_since_ = -1;
  uint64_t jitter_state_;
};

}  // namespace nnlab::tune::sqlite
