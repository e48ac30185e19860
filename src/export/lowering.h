// Lowering: a module tree, applied to a named value, becomes ONNX nodes in a GraphBuilder.
// Every zoo layer has its rule (Conv2d → Conv, Linear → Gemm, BatchNorm → folded or
// BatchNormalization, activations, pooling, Flatten; Dropout vanishes as in eval mode);
// anything else is an Error naming the module.
#pragma once

#include <string>

#include "export/graph_builder.h"
#include "nnlab/nn/module.h"

namespace nnlab::onnx_export {

struct LoweringOptions {
  bool fold_batch_norm = true;
};

// The nodes computing module `m` (whose state-dict prefix is `scope`) on the value `x`;
// returns the name of the result.
std::string lower(const nn::Module& m, const std::string& scope, const std::string& x, GraphBuilder& g,
                  const LoweringOptions& options);

}  // namespace nnlab::onnx_export
