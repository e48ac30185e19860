// What the ONNX export tests share: raw float32 files, and the two checkers nobody here
// wrote: ONNX Runtime (onnxruntime-node, through tests/node/ort_run.js) and the ONNX
// project's Python checker (tests/export/onnx_check.py, Debian's python3-onnx).
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "nnlab/tensor.h"

namespace nnlab::testing {

inline void write_floats(const std::filesystem::path& file, const Tensor& t) {
  const std::vector<float> v = t.to_vector();
  std::ofstream out(file, std::ios::binary);
  out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
}

inline std::vector<float> read_floats(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  std::vector<float> v(static_cast<size_t>(in.tellg()) / sizeof(float));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
  return v;
}

// Runs `command` (stderr into stdout); returns its exit status and output.
inline std::pair<int, std::string> run_command(const std::string& command) {
  std::string out;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return {-1, "popen failed"};
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), out};
}

// Empty when onnxruntime-node is installed where the build expects it, else how to fix.
inline std::string ort_missing() {
  if (!std::filesystem::exists(std::filesystem::path(NNLAB_NODE_MODULES) / "onnxruntime-node" / "package.json"))
    return std::string("onnxruntime-node is not installed in ") + NNLAB_NODE_MODULES +
           " (scripts/setup --tests installs tests/node/package.json's packages there)";
  return "";
}

inline std::string node_script() { return std::string(NNLAB_SOURCE_DIR) + "/tests/node/ort_run.js"; }
inline std::string python_checker() { return std::string(NNLAB_SOURCE_DIR) + "/tests/export/onnx_check.py"; }

}  // namespace nnlab::testing
