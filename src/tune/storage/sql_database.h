// The little the study storage needs of an SQL database, so that one implementation of the
// storage (sql_storage.cpp) runs on SQLite and on PostgreSQL: parameterised queries with
// materialised rows, a per-study lock, and transactions that are run again whole after a
// transient failure (a lock held elsewhere, a deadlock, a lost connection).
//
// SQL is written once in the dialect both accept: $1, $2 ... parameters, ON CONFLICT,
// RETURNING, COUNT(*) FILTER (WHERE ...), and nnlab_now() (Unix seconds on the database's
// own clock, so that workers on machines with skewed clocks agree on heartbeat ages).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace nnlab::tune::sql {

using Value = std::variant<std::nullptr_t, int64_t, double, std::string>;

// A query's result: SQLite's typed values, or PostgreSQL's text, converted on reading.
class Rows {
 public:
  std::vector<std::vector<Value>> rows;

  size_t size() const { return rows.size(); }
  bool empty() const { return rows.empty(); }
  bool is_null(size_t row, size_t column) const;
  int64_t integer(size_t row, size_t column) const;
  double real(size_t row, size_t column) const;
  std::string text(size_t row, size_t column) const;
};

// Exponential backoff with jitter, so that waiting workers spread out, for a bounded time.
class Backoff {
 public:
  Backoff(double patience_s, double cap_s, uint64_t seed) : patience_s_(patience_s), cap_s_(cap_s), seed_(seed) {}
  // Sleeps before retry number `attempt` (0: the first since the failure began); false,
  // without sleeping, once patience_s have passed since then.
  bool wait(int attempt);
  double patience_s() const { return patience_s_; }

 private:
  double patience_s_, cap_s_;
  uint64_t seed_;
  double since_ = 0;
};

// Transient: roll back and run the transaction again.
struct Retry : std::runtime_error {
  Retry(const std::string& what, bool connection_lost) : std::runtime_error(what), connection_lost(connection_lost) {}
  bool connection_lost;
};

class Database {
 public:
  virtual ~Database() = default;

  // The file or the URL (without a password): how messages name the database.
  virtual const std::string& where() const = 0;
  // Throws Retry (inside a transaction) or IoError naming where().
  virtual Rows query(const std::string& sql, const std::vector<Value>& params = {}) = 0;
  // Serialises the transactions that add trials or claims to one study; the rest of the
  // transaction sees what the previous holder committed.
  virtual void lock_study(int64_t study_id) = 0;

  // True while a transaction runs again after the connection was lost: its first run may
  // have committed without this process hearing so.
  bool resumed() const { return resumed_; }

  template <class F>
  auto write(F&& f) { return transact(true, f); }
  template <class F>
  auto read(F&& f) { return transact(false, f); }

 protected:
  virtual void begin(bool write) = 0;
  virtual void commit() = 0;
  virtual void rollback_quietly() = 0;
  // Waits (and reconnects) before the next run; throws IoError once its patience is spent.
  virtual void wait_before_retry(int attempt, const Retry& why) = 0;

 private:
  template <class F>
  auto transact(bool write, F& f) -> decltype(f()) {
    resumed_ = false;
    for (int attempt = 0;; ++attempt) {
      try {
        begin(write);
        if constexpr (std::is_void_v<decltype(f())>) {
          f();
          commit();
          resumed_ = false;
          return;
        } else {
          auto result = f();
          commit();
          resumed_ = false;
          return result;
        }
      } catch (const Retry& e) {
        rollback_quietly();
        wait_before_retry(attempt, e);
        resumed_ = resumed_ || e.connection_lost;
      } catch (...) {
        rollback_quietly();
        resumed_ = false;
        throw;
      }
    }
  }
  bool resumed_ = false;
};

}  // namespace nnlab::tune::sql
