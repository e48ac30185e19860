#include "nnlab/version.h"

namespace nnlab {

const char* version() { return NNLAB_VERSION; }

}  // namespace nnlab
