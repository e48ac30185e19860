// Bad input as a hostile user gives it: every wrong value is refused with one line naming
// the flag or key (exit 2 for usage), sizes beyond the machine are refused with their
// estimate before anything grows, and nothing is silently ignored or silently lost. Runs
// that could allocate without bound run under a memory ulimit.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "data/fixtures.h"
#include "nnlab/io/atomic_file.h"
#include "nnlab/io/safetensors.h"
#include "support/cli.h"

namespace {

namespace fs = std::filesystem;
using nnlab::testing::CliResult;
using nnlab::testing::run_cli;
using nnlab::testing::TempDir;

const std::string kData = " --train-subset 300 --test-subset 100 --threads 1 --workers 0 --epochs 1 ";
const std::string kQuick = kData + "--model logreg ";
// 4 GB of address space: what nnlab needs to start and refuse, far below what the sizes
// given would take.
const std::string kUlimit = "ulimit -v 4000000;";

void expect_refused(const CliResult& r, int code, const std::string& needle, const std::string& what) {
  EXPECT_EQ(r.code, code) << what << ": " << r.err;
  // One line says it all (a usage error may add the hint to --help below it).
  const std::string first = r.err.substr(0, r.err.find('\n'));
  EXPECT_EQ(first.rfind("error: ", 0), 0u) << what << ": " << r.err;
  EXPECT_NE(first.find(needle), std::string::npos) << what << ": " << r.err;
  EXPECT_EQ(r.err.find("unexpected failure"), std::string::npos) << what << ": " << r.err;
}

CliResult with_config(const TempDir& tmp, const std::string& json, const std::string& args = "--dry-run") {
  nnlab::testing::write_text(tmp / "c.json", json);
  return run_cli("train --config " + (tmp / "c.json").string() + " " + args);
}

TEST(CliBadInput, EvalTakesItsTestSubset) {
  TempDir tmp;
  ASSERT_EQ(run_cli("train" + kQuick + "--out " + (tmp / "run").string()).code, 0);
  auto r = run_cli("eval --weights " + (tmp / "run").string() + " --test-subset 500 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  int64_t total = 0;
  for (const auto& row : j.at("confusion"))
    for (const auto& v : row) total += v.get<int64_t>();
  EXPECT_EQ(total, 500);
  EXPECT_EQ(j.at("count"), 500);
  r = run_cli("eval --weights " + (tmp / "run").string() + " --json");  // not the run's own test subset
  ASSERT_EQ(r.code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  total = 0;
  for (const auto& row : j.at("confusion"))
    for (const auto& v : row) total += v.get<int64_t>();
  EXPECT_EQ(total, 10000);
}

TEST(CliBadInput, SizesBeyondTheMachineAreRefusedWithTheirEstimate) {
  TempDir tmp;
  expect_refused(run_cli("train --image-size 100000 --dry-run", kUlimit), 2, "--image-size 100000 must be in [0, 4096]",
                 "image size");
  expect_refused(run_cli("train" + kData + "--model mlp --hidden 100000000 --out " + (tmp / "h").string(), kUlimit),
                 1, "GB, more than the", "hidden");
  EXPECT_FALSE(fs::exists(tmp / "h"));
  expect_refused(run_cli("models --input 3x100000x100000", kUlimit), 2, "more than 268435456 values", "models input");
  expect_refused(run_cli("bench --models logreg --batch 100000000 --seconds 0.05", kUlimit), 1,
                 "--batch 100000000 of 3x32x32 images needs", "bench batch");
  fs::create_directories(tmp / "csvdir");
  expect_refused(run_cli("train" + kQuick + "--dataset csv:" + (tmp / "csvdir").string(), kUlimit), 1,
                 "is a directory, not a data file", "csv directory");
  expect_refused(run_cli("train --config /dev/zero --dry-run", kUlimit), 1, "holds more than 16 MiB", "config");

  ASSERT_EQ(run_cli("train" + kQuick + "--out " + (tmp / "run").string()).code, 0);
  nnlab::testing::write_png(tmp / "img.png", 0, 1, 28, 28);
  expect_refused(run_cli("predict --weights " + (tmp / "run").string() + " --classes 100000000 " +
                             (tmp / "img.png").string(),
                         kUlimit),
                 1, "GB, more than the", "predict classes");
}

TEST(CliBadInput, WrongValuesAreRefusedNotRoundedWrappedOrIgnored) {
  TempDir tmp;
  expect_refused(with_config(tmp, R"({"seed": 1e30})"), 2, "'seed': 1e+30 is not an integer", "seed 1e30");
  auto r = run_cli("train --seed -1 --dry-run");  // CLI11's own message
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--seed"), std::string::npos) << r.err;
  expect_refused(with_config(tmp, R"({"epochs": 2.5})"), 2, "'epochs': 2.5 is not an integer", "epochs 2.5");
  expect_refused(with_config(tmp, R"({"epochs": 1e23})"), 2, "'epochs': 1e+23 is not an integer", "epochs 1e23");
  EXPECT_EQ(with_config(tmp, R"({"epochs": 3.0})").code, 0);  // JSON's 3.0 is 3
  EXPECT_EQ(run_cli("train --model mlp --hidden 1,,2 --dry-run").code, 2);
  expect_refused(run_cli("train --schedule cosine --lr 0.01 --min-lr 0.1 --dry-run"), 2,
                 "--min-lr 0.1 must be below the learning rate --lr 0.01", "min-lr");
  expect_refused(run_cli("train --optimizer sgd --lr 0.1 --momentum 5 --dry-run"), 2, "--momentum 5 must be in [0, 1)",
                 "momentum");
  expect_refused(run_cli("train --schedule step --step-size -1 --dry-run"), 2, "--step-size -1 must be non-negative",
                 "step size");
  EXPECT_EQ(run_cli("train --dry-run").code, 0);

  ASSERT_EQ(run_cli("train" + kQuick + "--out " + (tmp / "run").string()).code, 0);
  nnlab::testing::write_png(tmp / "img.png", 0, 1, 28, 28);
  const std::string predict = "predict --weights " + (tmp / "run").string() + " " + (tmp / "img.png").string();
  expect_refused(run_cli(predict + " --top 0"), 2, "--top 0", "top 0");
  expect_refused(run_cli(predict + " --dataset nosuch"), 2, "--dataset 'nosuch': no published normalisation",
                 "predict dataset");

  // NaN weights are refused, not evaluated to chance with exit 0.
  auto file = nnlab::io::load_safetensors(tmp / "run" / "best.safetensors");
  file.tensors.at(0).tensor.data()[3] = std::nanf("");
  nnlab::io::save_safetensors(tmp / "nan.safetensors", file.tensors, file.metadata);
  expect_refused(run_cli("eval --weights " + (tmp / "nan.safetensors").string()), 1, "holds nan at index 3",
                 "nan weights");

  // A one-class dataset, a CSV whose header is data, a --data-dir without the files.
  nnlab::testing::write_text(tmp / "one.csv", "a,b,label\n1,2,x\n3,4,x\n5,6,x\n7,8,x\n9,0,x\n1,1,x\n2,2,x\n");
  expect_refused(run_cli("train" + kQuick + "--dataset csv:" + (tmp / "one.csv").string()), 1,
                 "a classifier needs at least two", "one class");
  nnlab::testing::write_text(tmp / "nohead.csv", "1,2,0\n3,4,1\n5,6,0\n7,8,1\n");
  expect_refused(run_cli("train" + kQuick + "--dataset csv:" + (tmp / "nohead.csv").string()), 1,
                 "line 1 (\"1,...\") is a row of numbers, not a header", "no header");
  fs::create_directories(tmp / "empty");
  r = run_cli("train" + kQuick + "--dataset fashion-mnist --data-dir " + (tmp / "empty").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("dataset fashion-mnist not found"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("/usr/share/datasets"), std::string::npos) << r.err;
}

TEST(CliBadInput, MessagesSayWhatIsWrongWhereAndHowToFixIt) {
  TempDir tmp;
  // A safetensors header above the format's 100 MB limit names the limit.
  std::string bytes(8, '\0');
  const uint64_t len = uint64_t{200} << 20;
  std::memcpy(bytes.data(), &len, 8);
  bytes += "{}";
  nnlab::io::write_file_atomic(tmp / "big.safetensors", bytes);
  expect_refused(run_cli("eval --weights " + (tmp / "big.safetensors").string()), 1,
                 "above the format's limit of 100 MB", "big header");
  // --out under a file system nnlab cannot write.
  expect_refused(run_cli("train" + kQuick + "--out /proc/nnlab-run"), 1, "cannot create the run directory /proc/nnlab-run",
                 "read-only out");
  CliResult r = run_cli("models --classes 0");  // CLI11's line, with nnlab's check: no 300-digit bound
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--classes: '0' must be more than zero"), std::string::npos) << r.err;
  expect_refused(run_cli("frobnicate"), 2, "'frobnicate' is not an nnlab verb; the verbs are", "unknown verb");
  expect_refused(run_cli("train --resume /nonexistent"), 1, "/nonexistent: no such directory", "resume nonexistent");
  expect_refused(run_cli("train --model nosuch --dry-run"), 2, "unknown model 'nosuch'", "unknown model");
  // A relative sqlite path that was meant to be absolute: the hint names the four slashes.
  const std::string abs = (tmp / "s.db").string();  // /tmp/...: its directory exists
  r = run_cli("tune --objective branin --trials 1 --study s --storage sqlite://" + abs,
              "cd " + tmp.path().string() + " &&");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("for the absolute path " + abs + " write sqlite:///" + abs), std::string::npos) << r.err;
}

TEST(CliBadInput, Bf16WithoutTheInstructionsFallsBackToFloat32) {
  TempDir tmp;
  // Capped below AVX-512, no CPU has AVX512-BF16: README promises float32 then.
  auto r = run_cli("train" + kData + "--model lenet5 --bf16 --json --out " + (tmp / "run").string(),
                   "ONEDNN_MAX_CPU_ISA=AVX2 NNLAB_MAX_ISA=avx2");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("this CPU has no AVX512-BF16; training in float32"), std::string::npos) << r.err;
}

}  // namespace
