// The study tables, one row per study, per trial, per parameter, per intermediate value;
// the grid points trials hold are claims, unique per study, so two workers never run the
// same point. The same tables in SQLite's and PostgreSQL's column types.
#pragma once

#include <string>
#include <vector>

#include "tune/storage/sql_storage.h"

namespace nnlab::tune {

inline constexpr const char* kSchemaVersion = "1";

// The statements that create the tables (each IF NOT EXISTS).
std::vector<std::string> schema_statements(SqlDialect dialect);
// A query of one row: (tables in the database's schema, 1 if nnlab_meta is one of them).
const char* table_census_sql(SqlDialect dialect);
// Taken before the census so that two workers creating the tables at once do not collide
// (SQLite's BEGIN IMMEDIATE already excludes them).
const char* schema_lock_sql(SqlDialect dialect);

}  // namespace nnlab::tune
