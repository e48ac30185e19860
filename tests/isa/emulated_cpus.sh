#!/usr/bin/env bash
# Runs nnlab on emulated CPUs without AVX-512 (qemu-user's Haswell: AVX2; Nehalem: the
# x86-64-v2 baseline): the program must start, pick the level that CPU has, and its own
# kernels and the zoo golden tests must pass there. A build with -march=native on an
# AVX-512 machine dies here with SIGILL. Only tests that avoid oneDNN's eltwise JIT run:
# QEMU 7.2 computes oneDNN's AVX2 tanh wrongly (the same test passes on real AVX2
# hardware and with ONEDNN_MAX_CPU_ISA=AVX2).
#   tests/isa/emulated_cpus.sh NNLAB NNLAB_TESTS       exit 77 (skipped) without qemu-x86_64
set -euo pipefail
nnlab=$1 tests=$2
command -v qemu-x86_64 >/dev/null || { echo "emulated_cpus: qemu-x86_64 is not installed (scripts/setup --tests installs qemu-user)"; exit 77; }
# GOMP_SPINCOUNT set: nnlab then does not re-execute itself (which would leave the emulator).
export GOMP_SPINCOUNT=300
# The emulated CPU sets the level here, not a cap (scripts/test runs this with caps set).
unset NNLAB_MAX_ISA ONEDNN_MAX_CPU_ISA
filter='IsaKernels.*:OneChannelConv.*:Zoo/ZooGolden.*lenet5*:Zoo/ZooGolden.*vgg11_c1*:ChannelsLast.*'
filter+=':Ops/OpHarness.*conv2d*:Ops/OpHarness.*pool*:Ops/OpHarness.*batch_norm*:OptimGolden.*'
for pair in Haswell:avx2 Nehalem:baseline; do
  cpu=${pair%%:*} level=${pair##*:}
  info=$(qemu-x86_64 -cpu "$cpu" "$nnlab" info 2>&1) || { echo "emulated_cpus: nnlab info failed on $cpu: $info"; exit 1; }
  echo "$info"
  grep -q "nnlab kernels: $level (this CPU: $level)" <<<"$info" ||
    { echo "emulated_cpus: on $cpu nnlab should pick $level"; exit 1; }
  echo "emulated_cpus: $tests on $cpu"
  qemu-x86_64 -cpu "$cpu" "$tests" --gtest_filter="$filter" --gtest_brief=1 2>&1 | grep -v "TCG doesn't support" ||
    { echo "emulated_cpus: the kernel tests failed on $cpu"; exit 1; }
done
