#include <fmt/format.h>

#include "nn/zoo/builders.h"
#include "nnlab/error.h"
#include "nnlab/nn/activation.h"
#include "nnlab/nn/batchnorm.h"
#include "nnlab/nn/dropout.h"
#include "nnlab/nn/linear.h"

namespace nnlab::zoo {

// flatten, then per hidden width: fc(h), activation, optional bn1d, optional dropout; fc(K).
std::shared_ptr<ZooModel> build_mlp(const ModelOptions& o, Generator& gen) {
  if (o.activations.size() != 1 && o.activations.size() != o.hidden.size())
    throw ConfigError(fmt::format("mlp: {} activations given for {} hidden layers; give one for all layers or one "
                                  "per layer (e.g. `activation` relu,tanh for `hidden` 512,256)",
                                  o.activations.size(), o.hidden.size()));
  for (int64_t h : o.hidden)
    if (h <= 0) throw ConfigError(fmt::format("mlp: hidden width {} must be positive", h));
  auto m = std::make_shared<ZooModel>(o.name, o.input);
  m->push_back(std::make_shared<nn::Flatten>());
  int64_t d = shape_numel(o.input);
  for (size_t i = 0; i < o.hidden.size(); ++i) {
    m->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(d, o.hidden[i]), gen));
    m->push_back(std::make_shared<nn::Activation>(o.activations.size() == 1 ? o.activations[0] : o.activations[i]));
    if (o.batch_norm) m->push_back(std::make_shared<nn::BatchNorm1d>(nn::BatchNormOptions(o.hidden[i])));
    if (o.dropout > 0) m->push_back(std::make_shared<nn::Dropout>(o.dropout, gen.next_u64()));
    d = o.hidden[i];
  }
  m->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(d, o.classes), gen));
  return m;
}

}  // namespace nnlab::zoo
