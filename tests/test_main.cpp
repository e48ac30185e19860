// The test runner's main: GoogleTest, with the same OpenMP environment as the nnlab program.
#include <gtest/gtest.h>

#include "nnlab/backend.h"

int main(int argc, char** argv) {
  nnlab::ensure_thread_environment(argv);
  nnlab::flush_denormals();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
