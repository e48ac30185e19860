// open_storage: the backend a URL names, opened.
#include <fmt/format.h>

#include "nnlab/error.h"
#include "nnlab/tune/storage.h"
#include "tune/storage/postgres_db.h"
#include "tune/storage/sql_storage.h"
#include "tune/storage/sqlite_db.h"
#include "tune/storage/storage_url.h"

namespace nnlab::tune {

std::unique_ptr<Storage> open_storage(const std::string& url, StorageAccess access, double patience_s) {
  check_storage_url(url);
  if (url == "memory:")
    return make_sql_storage(std::make_unique<sql::SqliteDatabase>(":memory:", patience_s), SqlDialect::Sqlite, url);
  if (is_postgres_url(url)) {
    return make_sql_storage(std::make_unique<sql::PostgresDatabase>(url, patience_s), SqlDialect::Postgres,
                            redact_storage_url(url), access == StorageAccess::Create);  // reads are READ ONLY
  }
  std::filesystem::path path = sqlite_path_from_url(url);
  // Reading must not create an empty database where the user mistyped the path.
  if (access != StorageAccess::Create && !std::filesystem::exists(path))
    throw IoError(fmt::format("no study database at {} (from {}); check the path", path.string(), url));
  const bool read_only = access == StorageAccess::ReadOnly;
  return make_sql_storage(std::make_unique<sql::SqliteDatabase>(path, patience_s, read_only), SqlDialect::Sqlite, url,
                          access == StorageAccess::Create);
}

}  // namespace nnlab::tune
