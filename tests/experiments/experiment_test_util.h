// Helpers for the experiments' end-to-end tests: a scratch directory, a quick run of one
// experiment through the nnlab program, and reading what it wrote.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support/cli.h"

namespace nnlab::experiments::testing {

struct ScratchDir {
  std::filesystem::path path;
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "nnlab-exp-XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline nlohmann::json load_json(const std::filesystem::path& p) { return nlohmann::json::parse(slurp(p)); }

// `nnlab experiment NAME --quick --threads 2 --seed S --out DIR`; fails the test unless it succeeds.
inline nnlab::testing::CliResult run_quick(const std::string& name, const std::filesystem::path& out, uint64_t seed = 0,
                                           const std::string& env = "") {
  auto r = nnlab::testing::run_cli(
      "experiment " + name + " --quick --threads 2 --seed " + std::to_string(seed) + " --out " + out.string(), env);
  EXPECT_EQ(r.code, 0) << r.err;
  return r;
}

inline bool has_gnuplot() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

// Every plot the report embeds or links exists: PNGs with gnuplot, CSVs without.
inline void expect_plots(const std::filesystem::path& dir, size_t count) {
  size_t png = 0, csv = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    png += e.path().extension() == ".png";
    csv += e.path().extension() == ".csv";
  }
  if (has_gnuplot()) {
    EXPECT_EQ(png, count);
    EXPECT_EQ(csv, 0u);
  } else {
    EXPECT_EQ(csv, count);
  }
  const std::string report = slurp(dir / "report.md");
  EXPECT_EQ(report.find("Plots as CSV") == std::string::npos, has_gnuplot());
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace nnlab::experiments::testing
