#include "nnlab/report/format.h"

#include <fmt/format.h>

#include <cmath>

namespace nnlab::report {

namespace {

const char* kNotAvailable = "n/a";

}  // namespace

std::string fixed(double value, int decimals) {
  if (!std::isfinite(value)) return kNotAvailable;
  std::string s = fmt::format("{:.{}f}", value, decimals);
  if (s.find_first_not_of("-0.") == std::string::npos && s[0] == '-') s.erase(0, 1);  // no "-0.00"
  return s;
}

std::string significant(double value, int digits) {
  if (!std::isfinite(value)) return kNotAvailable;
  return fmt::format("{:.{}g}", value, digits);
}

std::string percent(double fraction, int decimals) {
  if (!std::isfinite(fraction)) return kNotAvailable;
  return fixed(100.0 * fraction, decimals) + " %";
}

std::string mean_std(double mean, double std, int decimals) {
  if (!std::isfinite(mean)) return kNotAvailable;
  if (!std::isfinite(std)) return fixed(mean, decimals);
  return fixed(mean, decimals) + " ± " + fixed(std, decimals);
}

std::string percent_mean_std(double mean, double std, int decimals) {
  if (!std::isfinite(mean)) return kNotAvailable;
  return mean_std(100.0 * mean, 100.0 * std, decimals) + " %";
}

std::string si(double value, int digits) {
  if (!std::isfinite(value)) return kNotAvailable;
  static const char* prefixes[] = {"", " k", " M", " G", " T", " P"};
  int p = 0;
  double v = value;
  while (std::fabs(v) >= 1000 && p < 5) {
    v /= 1000;
    ++p;
  }
  if (p == 0) return fmt::format("{:.{}g}", v, std::max(digits, 4));
  // 3 significant digits without an exponent: 1.23, 12.3, 123.
  int decimals = std::max(0, digits - 1 - static_cast<int>(std::floor(std::log10(std::max(std::fabs(v), 1.0)))));
  return fmt::format("{:.{}f}{}", v, decimals, prefixes[p]);
}

std::string bytes(double value) {
  if (!std::isfinite(value)) return kNotAvailable;
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  double v = value;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  if (u == 0) return fmt::format("{:.0f} B", v);
  return fmt::format("{} {}", v >= 100 ? fixed(v, 0) : v >= 10 ? fixed(v, 1) : fixed(v, 2), units[u]);
}

std::string seconds(double value) {
  if (!std::isfinite(value)) return kNotAvailable;
  if (value < 10) return fixed(value, 2) + " s";
  if (value < 120) return fixed(value, 1) + " s";
  const long total = std::lround(value);
  if (total < 3600) return fmt::format("{} min {:02} s", total / 60, total % 60);
  return fmt::format("{} h {:02} min", total / 3600, (total % 3600) / 60);
}

std::string ratio(double value) {
  if (!std::isfinite(value)) return kNotAvailable;
  if (value >= 10) return fixed(value, 0) + "×";
  if (value >= 1) return fixed(value, 1) + "×";
  return fixed(value, 2) + "×";
}

}  // namespace nnlab::report
