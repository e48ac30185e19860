#include "tune/storage/postgres_db.h"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <unistd.h>

#include "nnlab/error.h"
#include "nnlab/tune/storage.h"

namespace nnlab::tune::sql {

namespace {

constexpr Oid kInt8 = 20, kFloat8 = 701, kText = 25;

std::string first_line(const char* text) {
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

void ignore_notice(void*, const char*) {}  // "relation already exists, skipping" and the like: the library never prints

// Classes 08 (connection exception) and 57P (the server shutting down or starting up) are
// a lost connection; 40001 (serialization), 40P01 (deadlock) and 55P03 (lock not
// available) a transaction to run again.
bool connection_state(const std::string& code) { return code.rfind("08", 0) == 0 || code.rfind("57P", 0) == 0; }
bool transient_state(const std::string& code) { return code == "40001" || code == "40P01" || code == "55P03"; }

// What to do about a failed first connection, from libpq's message.
std::string connect_advice(const std::string& why) {
  if (why.find("password") != std::string::npos || why.find("authentication") != std::string::npos)
    return "check the user and password in the URL";
  if (why.find("does not exist") != std::string::npos && why.find("database") != std::string::npos)
    return "create the database first (createdb NAME) or name an existing one";
  if (why.find("role") != std::string::npos) return "check the user name in the URL";
  if (why.find("translate host name") != std::string::npos) return "check the host name in the URL";
  if (why.find("Connection refused") != std::string::npos || why.find("No such file") != std::string::npos ||
      why.find("timeout") != std::string::npos)
    return "is a PostgreSQL server running there? check the host and port (or ?host= socket directory)";
  return "is that a PostgreSQL server? check the URL";
}

PGconn* connect(const std::string& url) {
  // Later entries override earlier ones, so the URL's own settings win over these defaults.
  // Keepalives and the user timeout notice a dropped network in seconds, not hours.
  const char* keys[] = {"connect_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count",
                        "tcp_user_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"10", "10", "3", "3", "20000", "nnlab", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  if (conn) PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  return conn;
}

}  // namespace

PostgresDatabase::PostgresDatabase(const std::string& url, double patience_s)
    : url_(url), shown_url_(redact_storage_url(url)), backoff_(patience_s, 2.0, static_cast<uint64_t>(getpid()) * 104729u) {
  conn_ = connect(url_);
  if (!conn_) throw IoError(fmt::format("cannot connect to {}: out of memory", shown_url_));
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string why = first_line(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    throw IoError(fmt::format("cannot connect to {}: {}; {}", shown_url_, why, connect_advice(why)));
  }
  if (PQserverVersion(conn_) < 90500) {
    int v = PQserverVersion(conn_);
    PQfinish(conn_);
    conn_ = nullptr;
    throw IoError(fmt::format("{} is PostgreSQL {}.{}; nnlab needs 9.5 or later (SKIP LOCKED, ON CONFLICT)",
                              shown_url_, v / 10000, v / 100 % 100));
  }
}

PostgresDatabase::~PostgresDatabase() {
  if (conn_) PQfinish(conn_);
}

Rows PostgresDatabase::query(const std::string& sql, const std::vector<Value>& params) {
  std::vector<std::string> text(params.size());
  std::vector<const char*> values(params.size());
  std::vector<Oid> types(params.size(), 0);
  for (size_t i = 0; i < params.size(); ++i) {
    const Value& v = params[i];
    if (auto* n = std::get_if<int64_t>(&v)) text[i] = std::to_string(*n), types[i] = kInt8;
    else if (auto* d = std::get_if<double>(&v)) text[i] = fmt::format("{}", *d), types[i] = kFloat8;  // shortest exact
    else if (auto* s = std::get_if<std::string>(&v)) text[i] = *s, types[i] = kText;
    values[i] = std::holds_alternative<std::nullptr_t>(v) ? nullptr : text[i].c_str();
  }
  PGresult* res = PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), types.data(), values.data(),
                               nullptr, nullptr, 0);
  ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    const char* code_p = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    std::string code = code_p ? code_p : "";
    std::string why = first_line(res ? PQresultErrorMessage(res) : PQerrorMessage(conn_));
    if (why.empty()) why = first_line(PQerrorMessage(conn_));
    PQclear(res);
    if (PQstatus(conn_) != CONNECTION_OK || connection_state(code)) throw Retry(why, true);
    if (transient_state(code)) throw Retry(why, false);
    throw IoError(fmt::format("study database {}: a query failed: {}", shown_url_, why));
  }
  Rows out;
  for (int r = 0, nr = PQntuples(res); r < nr; ++r) {
    auto& row = out.rows.emplace_back();
    for (int c = 0, nc = PQnfields(res); c < nc; ++c)
      if (PQgetisnull(res, r, c)) row.emplace_back(nullptr);
      else row.emplace_back(std::string(PQgetvalue(res, r, c), static_cast<size_t>(PQgetlength(res, r, c))));
  }
  PQclear(res);
  return out;
}

void PostgresDatabase::lock_study(int64_t study_id) {
  query("SELECT 1 FROM studies WHERE study_id=$1 FOR UPDATE", {study_id});
}

void PostgresDatabase::rollback_quietly() {
  if (PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) != PQTRANS_IDLE) {
    PGresult* r = PQexec(conn_, "ROLLBACK");
    PQclear(r);
  }
}

void PostgresDatabase::wait_before_retry(int attempt, const Retry& why) {
  if (!backoff_.wait(attempt))
    throw IoError(fmt::format("study database {}: {} for {:.0f} s ({}); nothing completed is lost: run the same "
                              "command again once the server is reachable",
                              shown_url_, why.connection_lost ? "could not reach the server" : "kept conflicting",
                              backoff_.patience_s(), why.what()));
  if (!why.connection_lost) return;
  PQreset(conn_);  // may fail while the server is still down: the next query says so and we wait again
  if (PQstatus(conn_) == CONNECTION_OK) PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
}

}  // namespace nnlab::tune::sql
