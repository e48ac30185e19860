// Writes CIFAR's Python version for the tests with tests/data/make_cifar_python.py (the
// published layout, Python 2 cPickle's opcodes or Python 3's re-pickled copies).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "data/catalog.h"
#include "data/fixtures.h"

namespace nnlab::testing {

inline std::string cifar_python_script() { return std::string(NNLAB_SOURCE_DIR) + "/tests/data/make_cifar_python.py"; }

// Runs the script: "cifar10"/"cifar100" into `out` with `per_batch` images per training
// batch (CIFAR-100: 5 × per_batch in train) and per_batch in test, FORM py2, p2, p4 or p5.
inline void write_cifar_python(const std::filesystem::path& out, const std::string& which, int per_batch,
                               const std::string& form, bool tar) {
  std::filesystem::create_directories(out);
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
    return s;
  };
  const std::filesystem::path names = out / ".names";
  write_text(names, which == "cifar100"
                        ? join(data::detail::cifar100_fine_names()) + "\n" + join(data::detail::cifar100_coarse_names()) + "\n"
                        : join(data::detail::cifar10_names()) + "\n");
  const std::string cmd = "/usr/bin/python3 " + cifar_python_script() + " " + which + " '" + out.string() + "' " +
                          std::to_string(per_batch) + " " + form + " '" + names.string() + "'" + (tar ? " --tar" : "");
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::filesystem::remove(names);
}

}  // namespace nnlab::testing
