// The keys of zoo::ModelOptions (see nnlab/option_table.h).
#include "nnlab/zoo/zoo.h"

namespace nnlab::zoo {

const OptionTable<ModelOptions>& ModelOptions::table() {
  using M = ModelOptions;
  static const OptionTable<M> t =
      OptionTable<M>()
          .add("model", &M::name, "Zoo model: logreg, mlp, lenet5, alexnet, vgg11, vgg16, resnet20, resnet18")
          .add("hidden", &M::hidden, "mlp: hidden widths, e.g. 512,256", at_least(1))
          .add("activation", &M::activations,
               "mlp: one activation for all layers or one per layer (relu, leaky_relu, sigmoid, tanh, gelu, identity)",
               one_of({"relu", "leaky_relu", "sigmoid", "tanh", "gelu", "identity"}))
          .add("dropout", &M::dropout, "mlp: dropout probability after each hidden layer", in_half_open(0, 1))
          .add("bn", &M::batch_norm, "mlp: batch norm after each hidden activation")
          .add("binary", &M::binary, "logreg on two classes: one logit with sigmoid and binary cross-entropy");
  return t;
}

}  // namespace nnlab::zoo
