// What the PyTorch round-trip tests need: Debian's python3-torch and the reference models
// (shared/reference/torch_models.py, found through $NNLAB_REFERENCE or beside the
// repository). Without either, those tests skip and say why.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace nnlab::testing {

inline std::string reference_dir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("NNLAB_REFERENCE"); env && fs::exists(fs::path(env) / "torch_models.py"))
    return env;
  fs::path beside = fs::path(NNLAB_SOURCE_DIR) / ".." / "shared" / "reference";
  if (fs::exists(beside / "torch_models.py")) return fs::canonical(beside).string();
  return "";
}

// Empty when the PyTorch tests can run, else why not.
inline std::string torch_skip_reason() {
  if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0)
    return "python3-torch is not installed (scripts/setup --tests installs it)";
  if (reference_dir().empty())
    return "the PyTorch reference models (shared/reference/torch_models.py) are not beside the repository; set "
           "NNLAB_REFERENCE to their directory";
  return "";
}

// Runs scripts/golden/<script> with Debian's Python and the reference directory; returns stdout.
inline std::string run_reference_script(const std::string& script, const std::string& args) {
  std::string cmd = "/usr/bin/python3 " + std::string(NNLAB_SOURCE_DIR) + "/scripts/golden/" + script +
                    " --reference " + reference_dir() + " " + args;
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run " + cmd);
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  if (pclose(p) != 0) throw std::runtime_error("command failed: " + cmd + "\n" + out);
  return out;
}

}  // namespace nnlab::testing
