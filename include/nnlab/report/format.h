// Numbers as reports print them. Every function prints a non-finite value as "n/a", so a
// measurement that could not be made shows as such instead of "nan".
#pragma once

#include <string>

namespace nnlab::report {

std::string fixed(double value, int decimals);           // fixed(3.14159, 2) = "3.14"
std::string significant(double value, int digits = 3);   // "0.000123", "1.23e+07"
std::string percent(double fraction, int decimals = 1);  // percent(0.9743) = "97.4 %"
// "12.4 ± 3.1"; a std that is not finite (one sample) prints the mean alone.
std::string mean_std(double mean, double std, int decimals);
std::string percent_mean_std(double mean, double std, int decimals = 1);  // "97.4 ± 0.3 %"
// SI prefixes for counts: 1234 → "1.23 k", 61706 → "61.7 k", 3.1e8 → "310 M".
std::string si(double value, int digits = 3);
std::string bytes(double value);    // binary units: "512 KiB", "1.25 GiB"
std::string seconds(double value);  // "0.84 s", "12.3 s", "4 min 05 s"
std::string ratio(double value);    // "3.2×", "12×", "0.45×"

}  // namespace nnlab::report
