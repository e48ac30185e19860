// A restricted unpickler for the pickles CIFAR's Python version is published in (Python 2
// cPickle, protocol 2) and the copies Python 3 re-pickles (protocols 2 to 5). It runs no
// code: it knows the opcodes those files use and builds plain values from them; the only
// callables it accepts are the few numpy and codec functions those files name, each
// checked for the exact arguments numpy writes and evaluated here, never looked up. Any
// other global, opcode or argument is refused with a DataError naming the file, the
// byte offset and the problem.
//
// Accepted globals (module name as written in the pickle):
//   numpy.core.multiarray._reconstruct + numpy.ndarray  the array, with BUILD state
//                                                       (1, shape, dtype, False, raw bytes)
//   numpy.core.numeric._frombuffer                      protocol 5's in-band array
//   numpy.dtype                                         'u1' and other plain ints, + BUILD
//   _codecs.encode, with 'latin1' only                  how protocol 2 spells bytes in Python 3
// and the same under numpy 2's module name numpy._core.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nnlab::data::detail {

struct PickleNode {
  enum class Kind : uint8_t {
    None, Bool, Int, Bytes, Str, List, Tuple, Dict, Array,
    Global, Dtype, ArrayStub,  // intermediate: a callable, a dtype, an array before its BUILD
  };
  Kind kind = Kind::None;
  int64_t value = 0;                // Bool, Int; Global: which one; Dtype/Array: item size
  bool is_signed = false;           // Dtype, Array
  int32_t depth = 0;                // nesting depth below this node (0 for scalars)
  std::string bytes;                // Bytes (raw), Str (UTF-8); Dtype: its byte order
  std::vector<uint32_t> items;      // List, Tuple; Dict as key, value, ...; Array: its data's Bytes node
  std::vector<int64_t> shape;       // Array
};

class Pickle {
 public:
  // Parses one pickle that must end exactly at the end of `bytes`; `file` names it in errors.
  static Pickle parse(std::span<const uint8_t> bytes, const std::string& file);

  const PickleNode& root() const { return nodes_[root_]; }
  const PickleNode& at(uint32_t index) const { return nodes_[index]; }
  // The value of `dict` under key `key`, given as bytes or as str; null when absent.
  const PickleNode* find(const PickleNode& dict, std::string_view key) const;
  // An Array's elements in C order (shape's product times the item size, checked on parsing).
  std::string_view array_data(const PickleNode& array) const { return nodes_[array.items.at(0)].bytes; }

 private:
  friend class Unpickler;
  std::vector<PickleNode> nodes_;
  uint32_t root_ = 0;
};

// "dict", "list", "numpy array" ...: what a node is, for messages.
const char* kind_name(PickleNode::Kind kind);

}  // namespace nnlab::data::detail
