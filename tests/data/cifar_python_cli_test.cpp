// End-to-end: the nnlab program on CIFAR-10's Python version: `data list` says which folder
// or file it uses (a --data-dir, Keras's ~/.keras/datasets, torchvision's ./data), `data
// inspect` and `train` read it, and a hostile batch is refused in one line.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "data/cifar_python_test_util.h"
#include "data/fixtures.h"
#include "support/cli.h"

using namespace nnlab::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

json entry(const std::string& list_json, const std::string& name) {
  for (const auto& d : json::parse(list_json))
    if (d["name"] == name) return d;
  return {};
}

// The environment for a run that sees only the temp HOME and working directory given.
std::string env_of(const fs::path& home, const fs::path& cwd) {
  return "cd '" + cwd.string() + "' && env -u NNLAB_DATA -u KERAS_HOME HOME='" + home.string() + "'";
}

}  // namespace

TEST(CifarPythonCli, ListInspectAndTrainOnTheFolder) {
  TempDir dir;
  write_cifar_python(dir.path(), "cifar10", 8, "py2", true);
  CliResult r = run_cli("data list --json --data-dir '" + dir.path().string() + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  json d = entry(r.out, "cifar10");
  EXPECT_EQ(d["found"], true);
  EXPECT_EQ(d["path"], (dir / "cifar-10-batches-py").string());
  EXPECT_EQ(d["form"], "python");
  r = run_cli("data list --data-dir '" + dir.path().string() + "'");
  EXPECT_NE(r.out.find("cifar10        " + (dir / "cifar-10-batches-py").string() + " (python)"), std::string::npos)
      << r.out;

  r = run_cli("data inspect --dataset cifar10 --json --data-dir '" + dir.path().string() + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["source"], (dir / "cifar-10-batches-py").string());
  EXPECT_EQ(j["train"]["count"], 40);
  EXPECT_EQ(j["test"]["count"], 8);
  EXPECT_EQ(j["train"]["shape"], json({3, 32, 32}));
  EXPECT_EQ(j["class_names"][9], "truck");

  r = run_cli("train --dataset cifar10 --data-dir '" + dir.path().string() +
              "' --epochs 1 --model logreg --threads 1 --workers 0 --out '" + (dir / "run").string() + "'");
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_TRUE(fs::exists(dir / "run" / "checkpoint.safetensors")) << r.out << r.err;

  // The tarball alone: `data list` names it.
  fs::remove_all(dir / "cifar-10-batches-py");
  r = run_cli("data list --json --data-dir '" + dir.path().string() + "'");
  d = entry(r.out, "cifar10");
  EXPECT_EQ(d["path"], dir.path().string());
  EXPECT_EQ(d["form"], "cifar-10-python.tar.gz");
}

TEST(CifarPythonCli, FoundInKerasHomeAndTorchvisionDataDir) {
  TempDir dir;
  fs::create_directories(dir / "home");
  fs::create_directories(dir / "work");
  write_cifar_python(dir / "work" / "data", "cifar10", 1, "p5", false);
  CliResult r = run_cli("data list --json", env_of(dir / "home", dir / "work"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(entry(r.out, "cifar10")["path"], (dir / "work" / "data" / "cifar-10-batches-py").string());

  write_cifar_python(dir / "home" / ".keras" / "datasets", "cifar100", 1, "py2", true);
  fs::remove_all(dir / "home" / ".keras" / "datasets" / "cifar-100-python");
  r = run_cli("data list --json", env_of(dir / "home", dir / "work"));
  json d = entry(r.out, "cifar100");
  EXPECT_EQ(d["path"], (dir / "home" / ".keras" / "datasets").string());
  EXPECT_EQ(d["form"], "cifar-100-python.tar.gz");
  r = run_cli("data inspect --dataset cifar100 --coarse --json", env_of(dir / "home", dir / "work"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["num_classes"], 20);
  // A --data-dir is then the only place looked.
  r = run_cli("data list --json --data-dir '" + (dir / "none").string() + "'", env_of(dir / "home", dir / "work"));
  EXPECT_EQ(entry(r.out, "cifar10")["found"], false);
}

TEST(CifarPythonCli, HostileBatchIsRefusedInOneLine) {
  TempDir dir;
  write_cifar_python(dir.path(), "cifar10", 1, "py2", false);
  const std::string cmd = "/usr/bin/python3 " + cifar_python_script() + " hostile '" + (dir / "h").string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  fs::copy_file(dir / "h" / "reduce_system_p2", dir / "cifar-10-batches-py" / "data_batch_3",
                fs::copy_options::overwrite_existing);
  CliResult r = run_cli("data inspect --dataset cifar10 --data-dir '" + dir.path().string() + "'");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("error: " + (dir / "cifar-10-batches-py" / "data_batch_3").string() +
                            ": refusing global posix.system",
                        0),
            0u)
      << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  EXPECT_FALSE(fs::exists(dir / "h" / "PWNED"));
}
