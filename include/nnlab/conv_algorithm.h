// How 3x3 stride-1 convolutions are computed.
//
// Auto (the default) takes Winograd F(4x4, 3x3) (Lavin and Gray, 2016; oneDNN's jit_wino_4x3
// kernels, AVX-512 only) for float32 layers with 32 or more input and output channels, both
// multiples of 16, an output of at least 4x4, and at least 64 output tiles of 4x4 per call
// (the weights are transformed on every call: a single 8x8 image ran 2-3x slower than
// direct). It does 2.25-4x fewer multiplications; on 2 cores of an AVX-512 EPYC, batch 64,
// forward + backward-data + backward-weights of one layer ran 1.42x faster (64 channels over
// 32x32), 1.92x (128 over 16x16), 2.00x (256 over 8x8), 1.67x (512 over 4x4) and 1.31x (32
// over 16x16). Elsewhere it measured slower and the direct algorithm stays: 0.55x at 16
// channels, 0.63x for a 2x2 output.
//
// It costs memory: its kernels read channel-blocked copies of the activations, and transform
// the weights into 6x6 tiles (4x their size) in scratch memory (131 MB for backward-weights
// of a 512-channel 4x4 layer at batch 64). A pass that would need more than 64 MB for both
// runs direct, and Winograd layers run on the whole batch with oneDNN's threads (one
// transform, not one per thread). Measured peaks at batch 64 / 128, direct -> Auto: vgg16
// 610 -> 661 / 823 -> 961 MB, alexnet 538 -> 575 / 585 -> 619 MB.
//
// It rounds differently: 1.5e-6 of the largest value from the direct result in every pass
// (tests/backend/winograd_test.cpp). Direct computes every convolution directly, bit for bit
// as before Winograd and with the smaller peak.
//
// Without AVX-512 (or under ONEDNN_MAX_CPU_ISA / NNLAB_MAX_ISA caps below it) oneDNN has no
// Winograd kernel and Auto is Direct. NNLAB_CONV_ALGORITHM=direct in the environment makes
// Direct the starting choice.
#pragma once

#include "nnlab/scoped_setting.h"

namespace nnlab {

enum class ConvAlgorithm { Auto, Direct };

void set_conv_algorithm(ConvAlgorithm a);
ConvAlgorithm conv_algorithm();

// Sets the algorithm for its scope.
using ConvAlgorithmGuard = ScopedSetting<ConvAlgorithm, conv_algorithm, set_conv_algorithm>;

}  // namespace nnlab
