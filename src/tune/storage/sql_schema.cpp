#include "tune/storage/sql_schema.h"

#include <fmt/format.h>

namespace nnlab::tune {

std::vector<std::string> schema_statements(SqlDialect d) {
  const bool pg = d == SqlDialect::Postgres;
  // SQLite's INTEGER PRIMARY KEY is the row id; PostgreSQL counts with a sequence.
  const char* key = pg ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY";
  const char* integer = pg ? "BIGINT" : "INTEGER";
  const char* real = pg ? "DOUBLE PRECISION" : "REAL";
  std::vector<std::string> s{
      "CREATE TABLE IF NOT EXISTS nnlab_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
      fmt::format("INSERT INTO nnlab_meta VALUES('schema_version', '{}') ON CONFLICT DO NOTHING", kSchemaVersion),
      fmt::format("CREATE TABLE IF NOT EXISTS studies(study_id {0}, name TEXT NOT NULL UNIQUE, direction TEXT NOT NULL, "
                  "space TEXT NOT NULL, objective TEXT NOT NULL, created_at {1} NOT NULL)",
                  key, real),
      fmt::format("CREATE TABLE IF NOT EXISTS trials(trial_id {0}, study_id {1} NOT NULL, number {1} NOT NULL, "
                  "state TEXT NOT NULL, counted {1} NOT NULL DEFAULT 1, value {2}, message TEXT NOT NULL DEFAULT '', "
                  "metrics TEXT, retry_of {1}, attempt {1} NOT NULL DEFAULT 1, created_at {2} NOT NULL, "
                  "started_at {2}, finished_at {2}, heartbeat_at {2}, owner_host TEXT, owner_pid {1}, "
                  "owner_start {1}, UNIQUE(study_id, number))",
                  key, integer, real),
      "CREATE INDEX IF NOT EXISTS trials_by_state ON trials(study_id, state)",
      fmt::format("CREATE TABLE IF NOT EXISTS trial_params(trial_id {} NOT NULL, name TEXT NOT NULL, "
                  "value TEXT NOT NULL, PRIMARY KEY(trial_id, name))",
                  integer),
      fmt::format("CREATE TABLE IF NOT EXISTS trial_values(trial_id {0} NOT NULL, step {0} NOT NULL, value {1}, "
                  "PRIMARY KEY(trial_id, step))",
                  integer, real),
      fmt::format("CREATE TABLE IF NOT EXISTS claims(study_id {0} NOT NULL, key TEXT NOT NULL, trial_id {0} NOT NULL, "
                  "PRIMARY KEY(study_id, key))",
                  integer),
  };
  // SQLite's connection defines nnlab_now() itself (sqlite_db.cpp).
  if (pg)
    s.push_back(
        "CREATE OR REPLACE FUNCTION nnlab_now() RETURNS DOUBLE PRECISION LANGUAGE sql VOLATILE AS "
        "'SELECT extract(epoch FROM clock_timestamp())::float8'");
  return s;
}

const char* table_census_sql(SqlDialect d) {
  if (d == SqlDialect::Postgres)
    return "SELECT count(*), count(*) FILTER (WHERE table_name='nnlab_meta') FROM information_schema.tables "
           "WHERE table_schema=current_schema()";
  return "SELECT count(*), count(*) FILTER (WHERE name='nnlab_meta') FROM sqlite_master WHERE type='table'";
}

const char* schema_lock_sql(SqlDialect d) {
  return d == SqlDialect::Postgres ? "SELECT pg_advisory_xact_lock(7244010)" : "";
}

}  // namespace nnlab::tune
