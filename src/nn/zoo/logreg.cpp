#include "nn/zoo/builders.h"
#include "nnlab/nn/activation.h"
#include "nnlab/nn/linear.h"

namespace nnlab::zoo {

// flatten, fc(K); with `binary`, one logit for a sigmoid (MODELS.md).
std::shared_ptr<ZooModel> build_logreg(const ModelOptions& o, Generator& gen) {
  auto m = std::make_shared<ZooModel>(o.name, o.input);
  m->push_back(std::make_shared<nn::Flatten>());
  m->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(shape_numel(o.input), o.binary ? 1 : o.classes), gen));
  return m;
}

}  // namespace nnlab::zoo
