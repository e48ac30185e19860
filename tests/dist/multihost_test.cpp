// `mpirun` across two hosts made of network namespaces (netns_hosts.h): the ranks talk MPI
// over TCP through a real network stack and veth link, mpirun reaches the second host
// through a plm_rsh_agent as it would through ssh, and each rank sees its own host name.
// Needs root (ip netns add); skipped elsewhere.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "dist/mpirun.h"
#include "dist/netns_hosts.h"
#include "support/cli.h"
#include "support/run_files.h"

namespace fs = std::filesystem;
using nnlab::testing::NetnsHosts;

using nnlab::testing::metrics;

namespace {

fs::path fresh_dir(const std::string& name) { return nnlab::testing::fresh_dir("nnlab_multihost_", name); }

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class DistMultiHost : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef NNLAB_WITH_MPI
    GTEST_SKIP() << "built without MPI (libopenmpi-dev)";
#endif
    if (const std::string why = NetnsHosts::unavailable(); !why.empty()) GTEST_SKIP() << why;
    hosts_.emplace();
    ASSERT_TRUE(hosts_->ok()) << "could not make the namespaces: " << hosts_->error();
  }
  void TearDown() override { hosts_.reset(); }
  std::optional<NetnsHosts> hosts_;
};

// One rank on each host gives the numbers of 2 ranks on this machine, to the bit: the
// transport differs (TCP between namespaces, shared memory here) but the sum of two floats
// does not depend on its order.
TEST_F(DistMultiHost, OneRankPerHostTrainsLikeTwoLocalRanks) {
  const std::string flags =
      "train --model lenet5 --train-subset 2000 --test-subset 1000 --epochs 2 --threads 1 --workers 0 --batch-size 64 "
      "--out ";
  const fs::path across = fresh_dir("across"), local = fresh_dir("local"), log = fresh_dir("across_log");
  const pid_t mpirun = nnlab::testing::spawn_logged(hosts_->mpirun_words(flags + across.string()), log.string());
  ASSERT_GT(mpirun, 0);
  const auto code = nnlab::testing::wait_bounded(mpirun, std::chrono::seconds(180));
  ASSERT_TRUE(code.has_value()) << "the 2-host run did not end within 180 s: " << read_text(log);
  ASSERT_EQ(*code, 0) << read_text(log);
  EXPECT_EQ(hosts_->agent_log(), hosts_->host(1) + "\n") << "mpirun did not start the second host through the agent";
  // Two epochs of lenet5's 62 K gradients (29 steps each) crossed the link: over 10 MB.
  EXPECT_GT(hosts_->bytes_sent(1), 10'000'000);

  auto r = nnlab::testing::run_cli(flags + local.string(), "timeout 120 " + nnlab::testing::mpirun_prefix(2));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto a = metrics(across), b = metrics(local);
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  for (size_t e = 0; e < 2; ++e) {
    EXPECT_EQ(a[e]["ranks"], 2);
    for (const char* key : {"lr", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "test_loss",
                            "test_accuracy", "test_top5"})
      EXPECT_EQ(a[e][key].get<double>(), b[e][key].get<double>()) << key << " of epoch " << e + 1;
  }
  fs::remove_all(across);
  fs::remove_all(local);
  fs::remove(log);
}

// The second host's link goes down mid-training: rank 0 names rank 1 and its host once
// --dist-timeout has passed, and the job ends non-zero instead of hanging.
TEST_F(DistMultiHost, HostCutOffEndsTheJobNamingRankAndHost) {
  const fs::path dir = fresh_dir("cut"), log = fresh_dir("cut_log");
  const pid_t mpirun = nnlab::testing::spawn_logged(
      hosts_->mpirun_words("train --model lenet5 --train-subset 20000 --test-subset 500 --epochs 3 --threads 1 "
                           "--workers 0 --dist-timeout 5 --out " +
                           dir.string()),
      log.string());
  ASSERT_GT(mpirun, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (metrics(dir).empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_FALSE(metrics(dir).empty()) << "no epoch finished: " << read_text(log);
  ASSERT_TRUE(hosts_->set_link(1, false));
  const auto cut_at = std::chrono::steady_clock::now();
  // The bound: 5 s, then mpirun's few seconds to give up on the cut-off host's daemon.
  const auto code = nnlab::testing::wait_bounded(mpirun, std::chrono::seconds(40));
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - cut_at).count();
  const std::string text = read_text(log);
  ASSERT_TRUE(code.has_value()) << "the job did not end within 40 s of the cut: " << text;
  EXPECT_NE(*code, 0);
  ASSERT_LT(metrics(dir).size(), 3u) << "the run finished before the cut";
  const size_t at = text.find("nnlab: rank 1 on " + hosts_->host(1) + " has not answered for ");
  EXPECT_NE(at, std::string::npos) << text;
  if (at != std::string::npos)
    std::printf("[          ] %.1f s after the cut (--dist-timeout 5): %s\n", took,
                text.substr(at, text.find('\n', at) - at).c_str());
  fs::remove_all(dir);
  fs::remove(log);
}

}  // namespace
