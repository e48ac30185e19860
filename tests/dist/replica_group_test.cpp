// The replica group's collectives on real MPI ranks: this test binary runs itself under
// `mpirun -np 2`, where DistInsideMpirun.* (skipped elsewhere) check the bucketed gradient
// average, the sums and the broadcast against values computed from the rank numbers.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "dist/mpirun.h"
#include "nnlab/dist/gradient_reducer.h"
#include "nnlab/dist/replica_group.h"
#include "nnlab/ops/elementwise.h"

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
  // 16-byte buckets, filled from the last parameter: the 5-, 2-, 3- and 4-element ones take
  // 4 buckets (the 5 alone, larger than a bucket). Parameter 0 is outside the graph.
  group.set_bucket_bytes(16);
  const std::vector<int64_t> sizes{4, 3, 2, 5};
  std::vector<Tensor> params;
  for (int64_t n : sizes) {
    Tensor p = Tensor::zeros({n});
    p.requires_grad_(true);
    params.push_back(p);
  }
  dist::GradientReducer reducer(group, params);
  EXPECT_EQ(reducer.buckets(), 4);
  for (int round = 0; round < 2; ++round) {  // a second step reuses the buckets
    // loss = sum_i <p_i, c_i>: backward gives every p_i the gradient c_i, through the hooks.
    Tensor loss;
    for (size_t i = 1; i < 4; ++i) {
      Tensor c = Tensor::zeros({sizes[i]});
      for (int64_t j = 0; j < sizes[i]; ++j) c.data()[j] = grad_value(i, j, group.rank()) + static_cast<float>(round);
      Tensor term = sum(params[i] * c);
      loss = loss.defined() ? loss + term : term;
      params[i].zero_grad();
    }
    reducer.begin(1.0f + static_cast<float>(group.rank()));
    loss.backward();
    // The three buckets backward filled were sent during it; the last waits for finish().
    EXPECT_EQ(reducer.buckets_started(), 3);
    EXPECT_FLOAT_EQ(reducer.finish(), 1.5f);
    for (size_t i = 0; i < sizes.size(); ++i)
      for (int64_t j = 0; j < sizes[i]; ++j) {
        const float want =
            i == 0 ? 0.0f : (grad_value(i, j, 0) + grad_value(i, j, 1)) / 2 + static_cast<float>(round);
        EXPECT_FLOAT_EQ(params[i].grad().data()[j], want) << "parameter " << i << " element " << j;
      }
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
