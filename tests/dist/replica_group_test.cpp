// The replica group's collectives on real MPI ranks: this test binary runs itself under
// `mpirun -np 2`, where DistInsideMpirun.* (skipped elsewhere) check the bucketed gradient
// average, the sums and the broadcast against values computed from the rank numbers.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "dist/mpirun.h"
#include "nnlab/dist/replica_group.h"

using namespace nnlab;

namespace {

bool inside_mpirun() { return std::getenv("NNLAB_TEST_INSIDE_MPIRUN") != nullptr; }

// Gradient element j of parameter i on rank r.
float grad_value(size_t i, int64_t j, int r) { return static_cast<float>(i + 1) * 0.5f + static_cast<float>(j) + 8.0f * r; }

}  // namespace

TEST(DistInsideMpirun, BucketedAverageSumAndBroadcast) {
  if (!inside_mpirun()) GTEST_SKIP() << "runs only under mpirun (see DistReplicaGroup)";
  dist::ReplicaGroup& group = dist::ReplicaGroup::world();
  ASSERT_EQ(group.size(), 2);
  // 16-byte buckets: the 3-, 2- and 5-element gradients take 3 buckets (the 5 alone, larger
  // than a bucket), one without a gradient gets zeros.
  group.set_bucket_bytes(16);
  const std::vector<int64_t> sizes{3, 2, 5, 4};
  std::vector<Tensor> params;
  for (size_t i = 0; i < sizes.size(); ++i) {
    Tensor p = Tensor::zeros({sizes[i]});
    p.requires_grad_(true);
    if (i != 3) {
      Tensor g = Tensor::zeros({sizes[i]});
      for (int64_t j = 0; j < sizes[i]; ++j) g.data()[j] = grad_value(i, j, group.rank());
      p.set_grad(g);
    }
    params.push_back(p);
  }
  const float loss = group.average_gradients(params, 1.0f + static_cast<float>(group.rank()));
  EXPECT_FLOAT_EQ(loss, 1.5f);
  for (size_t i = 0; i < sizes.size(); ++i)
    for (int64_t j = 0; j < sizes[i]; ++j) {
      const float want = i == 3 ? 0.0f : (grad_value(i, j, 0) + grad_value(i, j, 1)) / 2;
      EXPECT_FLOAT_EQ(params[i].grad().data()[j], want) << "parameter " << i << " element " << j;
    }
  std::vector<double> sums{1.0, static_cast<double>(group.rank())};
  group.sum(sums);
  EXPECT_EQ(sums, (std::vector<double>{2.0, 1.0}));
  Tensor t = Tensor::zeros({2});
  t.data()[0] = static_cast<float>(10 + group.rank());
  group.broadcast({t});
  EXPECT_EQ(t.data()[0], 10.0f);
  group.check_identical(42, "a constant");  // agrees: no throw
  EXPECT_THROW(group.check_identical(static_cast<uint64_t>(group.rank()), "the rank"), Error);
}

TEST(DistReplicaGroup, CollectivesOnTwoRanks) {
#ifndef NNLAB_WITH_MPI
  GTEST_SKIP() << "built without MPI (libopenmpi-dev)";
#endif
  if (inside_mpirun()) GTEST_SKIP() << "this is the outer test";
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const auto r = nnlab::testing::run_shell("NNLAB_TEST_INSIDE_MPIRUN=1 timeout 120 " + nnlab::testing::mpirun_prefix(2) +
                                    " -x NNLAB_TEST_INSIDE_MPIRUN " + self +
                                    " --gtest_filter=DistInsideMpirun.* --gtest_brief=1 --gtest_color=no");
  EXPECT_EQ(r.code, 0) << r.out;
  size_t passed = 0;  // one line per rank
  for (size_t at = r.out.find("[  PASSED  ] 1 test."); at != std::string::npos;
       at = r.out.find("[  PASSED  ] 1 test.", at + 1))
    ++passed;
  EXPECT_EQ(passed, 2u) << r.out;
}
