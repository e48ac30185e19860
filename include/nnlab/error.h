// The one error family of nnlab. The library never prints and never exits: it throws one of
// these, and the CLI turns it into "error: <what>" and a non-zero exit code.
#pragma once

#include <stdexcept>
#include <string>

namespace nnlab {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A tensor shape that does not fit an op or a model (names the shapes).
class ShapeError : public Error {
 public:
  using Error::Error;
};

// A dataset file that is missing, truncated or malformed (names the file and the fault).
class DataError : public Error {
 public:
  using Error::Error;
};

// A configuration value, flag or key that is not accepted (names it and what is accepted).
class ConfigError : public Error {
 public:
  using Error::Error;
};

// A file that cannot be read or written, or whose contents are corrupt (names the file).
class IoError : public Error {
 public:
  using Error::Error;
};

// A model, batch, image or file that needs more memory than the machine has available
// (names the estimate, what is available and the option to lower).
class MemoryError : public Error {
 public:
  using Error::Error;
};

}  // namespace nnlab
