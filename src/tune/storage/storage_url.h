// Storage URLs: which backend a URL names, its SQLite file, its PostgreSQL checks.
#pragma once

#include <filesystem>
#include <string>

namespace nnlab::tune {

// "sqlite:///studies/a.db" (relative path, as SQLAlchemy and Optuna read it) or
// "sqlite:////abs/a.db" (absolute). Throws ConfigError explaining the accepted form.
std::filesystem::path sqlite_path_from_url(const std::string& url);

bool is_postgres_url(const std::string& url);  // postgresql:// or postgres://

// postgresql:// or postgres://: throws ConfigError unless libpq reads it and it names a
// database (and any port is a number).
void check_postgres_url(const std::string& url);

}  // namespace nnlab::tune
