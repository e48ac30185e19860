#include <pmmintrin.h>
#include <xmmintrin.h>

#include "nnlab/backend.h"

namespace nnlab {

void flush_denormals() {
  _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
  _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
}

}  // namespace nnlab
