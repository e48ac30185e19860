#include "tune/storage/sql_database.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <thread>

#include "nnlab/error.h"
#include "nnlab/generator.h"

namespace nnlab::tune::sql {

namespace {

double monotonic_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

bool Rows::is_null(size_t row, size_t column) const {
  return std::holds_alternative<std::nullptr_t>(rows.at(row).at(column));
}

int64_t Rows::integer(size_t row, size_t column) const {
  const Value& v = rows.at(row).at(column);
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  if (auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  if (auto* s = std::get_if<std::string>(&v)) {
    if (*s == "t" || *s == "f") return *s == "t";  // PostgreSQL's booleans
    return std::strtoll(s->c_str(), nullptr, 10);
  }
  return 0;
}

double Rows::real(size_t row, size_t column) const {
  const Value& v = rows.at(row).at(column);
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  if (auto* s = std::get_if<std::string>(&v)) return std::strtod(s->c_str(), nullptr);  // also NaN, Infinity
  return 0;
}

std::string Rows::text(size_t row, size_t column) const {
  const Value& v = rows.at(row).at(column);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v)) return fmt::format("{}", *d);
  return "";
}

bool Backoff::wait(int attempt) {
  double now = monotonic_seconds();
  if (attempt == 0) since_ = now;
  if (now - since_ > patience_s_) return false;
  double base = std::min(cap_s_, 0.002 * std::pow(2.0, std::min(attempt, 20)));
  double jitter = 0.5 + static_cast<double>(Generator::mix(seed_, static_cast<uint64_t>(attempt)) >> 11) * 0x1.0p-53;
  std::this_thread::sleep_for(std::chrono::duration<double>(base * jitter));
  return true;
}

}  // namespace nnlab::tune::sql
