// The study storage over an SQL database: one implementation of the Storage interface for
// every SQL backend (memory:, sqlite:///, postgresql://); what differs between them is the
// database connection (sqlite_db, postgres_db) and the schema's column types.
#pragma once

#include <memory>
#include <string>

#include "nnlab/tune/storage.h"
#include "tune/storage/sql_database.h"

namespace nnlab::tune {

enum class SqlDialect { Sqlite, Postgres };

// Checks that the database holds nnlab's tables of the schema version this nnlab reads,
// creating them in an empty database when `create`; IoError otherwise. `url` is the
// redacted URL.
std::unique_ptr<Storage> make_sql_storage(std::unique_ptr<sql::Database> db, SqlDialect dialect, std::string url,
                                          bool create = true);

}  // namespace nnlab::tune
