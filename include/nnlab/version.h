#pragma once

namespace nnlab {

const char* version();  // "0.1.0"

}  // namespace nnlab
