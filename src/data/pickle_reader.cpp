#include "data/pickle_reader.h"

#include <fmt/core.h>

#include <algorithm>
#include <bit>
#include <unordered_map>

#include "nnlab/error.h"
#include "nnlab/memory_budget.h"

namespace nnlab::data::detail {
namespace {

static_assert(std::endian::native == std::endian::little, "array data is taken as little-endian");

using Kind = PickleNode::Kind;

// CIFAR's pickles nest four levels (dict, list or array state, tuple, dtype state) and
// CIFAR-100's train, the largest, makes about 200,000 objects: these bounds leave room
// for any copy of them and stop a hostile file long before it costs memory or stack.
constexpr int32_t kMaxDepth = 64;
constexpr size_t kMaxObjects = size_t{1} << 21;
constexpr size_t kMaxGlobalName = 128;

enum Callable : int64_t { kReconstruct, kNdarray, kDtype, kFrombuffer, kEncode };

struct Allowed {
  const char* module;
  const char* name;
  Callable id;
};
constexpr Allowed kAllowed[] = {
    {"numpy.core.multiarray", "_reconstruct", kReconstruct},
    {"numpy._core.multiarray", "_reconstruct", kReconstruct},
    {"numpy", "ndarray", kNdarray},
    {"numpy", "dtype", kDtype},
    {"numpy.core.numeric", "_frombuffer", kFrombuffer},
    {"numpy._core.numeric", "_frombuffer", kFrombuffer},
    {"_codecs", "encode", kEncode},
};

// Text from the file, made safe to print on one line.
std::string printable(std::string_view s, size_t max = 48) {
  std::string out;
  for (char c : s.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > max) out += "...";
  return out;
}

// Decodes UTF-8 (surrogates allowed: Python pickles str with "surrogatepass"); false when
// malformed. Each code point goes to `emit`.
template <class Emit>
bool decode_utf8(std::string_view s, Emit&& emit) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<uint8_t>(s[i]);
    const int n = b < 0x80 ? 0 : (b & 0xe0) == 0xc0 ? 1 : (b & 0xf0) == 0xe0 ? 2 : (b & 0xf8) == 0xf0 ? 3 : -1;
    if (n < 0 || static_cast<size_t>(n) >= s.size() - i) return false;  // a bad lead byte, or cut short
    uint32_t cp = n == 0 ? b : n == 1 ? (b & 0x1f) : n == 2 ? (b & 0x0f) : (b & 0x07);
    for (int k = 1; k <= n; ++k) {
      const auto c = static_cast<uint8_t>(s[i + k]);
      if ((c & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff) return false;
    emit(cp);
    i += n + 1;
  }
  return true;
}

}  // namespace

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::None: return "None";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Bytes: return "byte string";
    case Kind::Str: return "str";
    case Kind::List: return "list";
    case Kind::Tuple: return "tuple";
    case Kind::Dict: return "dict";
    case Kind::Array: return "numpy array";
    case Kind::Global: return "function";
    case Kind::Dtype: return "numpy dtype";
    case Kind::ArrayStub: return "unbuilt numpy array";
  }
  return "value";
}

class Unpickler {
 public:
  Unpickler(std::span<const uint8_t> in, const std::string& file) : in_(in), file_(file) {}

  Pickle run() {
    while (true) {
      if (pos_ >= in_.size()) fail("the pickle ends without its STOP opcode: the file is truncated");
      op_ = pos_;
      if (step(in_[pos_++])) return std::move(p_);
    }
  }

 private:
  std::span<const uint8_t> in_;
  const std::string& file_;
  size_t pos_ = 0, op_ = 0;
  Pickle p_;
  std::vector<uint32_t> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint32_t, uint32_t> memo_;
  size_t objects_ = 0;

  [[noreturn]] void fail(std::string_view problem) const {
    throw DataError(fmt::format("{}: {} (at byte {}); it is not a CIFAR Python-version batch as published: "
                                "download the dataset again",
                                file_, problem, op_));
  }

  // ---- input ----
  void need(uint64_t n) const {
    if (n > in_.size() - pos_)
      fail(fmt::format("an opcode needs {} more bytes but the file has {} left: it is truncated or a length is "
                       "corrupt",
                       n, in_.size() - pos_));
  }
  uint64_t uint_le(int n) {
    need(n);
    uint64_t v = 0;
    for (int k = 0; k < n; ++k) v |= uint64_t{in_[pos_ + k]} << (8 * k);
    pos_ += n;
    return v;
  }
  std::string take(uint64_t n) {
    need(n);
    if (n > (uint64_t{64} << 20)) require_memory(n, "reading " + file_, "is it the right file?");
    std::string s(reinterpret_cast<const char*>(in_.data() + pos_), static_cast<size_t>(n));
    pos_ += n;
    return s;
  }
  std::string line() {
    std::string s;
    while (true) {
      need(1);
      const char c = static_cast<char>(in_[pos_++]);
      if (c == '\n') return s;
      if (s.size() >= kMaxGlobalName) fail("a GLOBAL name longer than 128 bytes");
      s += c;
    }
  }

  // ---- nodes and the stack ----
  PickleNode& node(uint32_t i) { return p_.nodes_[i]; }
  uint32_t make(Kind kind) {
    count();
    p_.nodes_.push_back({});
    p_.nodes_.back().kind = kind;
    return static_cast<uint32_t>(p_.nodes_.size() - 1);
  }
  void count() {
    if (++objects_ > kMaxObjects)
      fail(fmt::format("more than {} objects, far more than any CIFAR file holds", kMaxObjects));
  }
  void push(uint32_t i) {
    count();
    stack_.push_back(i);
  }
  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  uint32_t pop() {
    if (stack_.size() <= floor()) fail("an opcode takes a value from an empty stack");
    const uint32_t i = stack_.back();
    stack_.pop_back();
    return i;
  }
  uint32_t top() {
    if (stack_.size() <= floor()) fail("an opcode takes a value from an empty stack");
    return stack_.back();
  }
  std::vector<uint32_t> pop_mark() {
    if (marks_.empty()) fail("an opcode needs a MARK but there is none");
    std::vector<uint32_t> items(stack_.begin() + static_cast<ptrdiff_t>(marks_.back()), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }
  void add(uint32_t parent, uint32_t child) {
    const int32_t depth = node(child).depth + 1;
    if (depth > kMaxDepth) fail(fmt::format("values nested more than {} levels deep", kMaxDepth));
    node(parent).items.push_back(child);
    node(parent).depth = std::max(node(parent).depth, depth);
  }
  uint32_t container(Kind kind, const char* opcode) {
    const uint32_t i = top();
    if (node(i).kind != kind)
      fail(fmt::format("{} on a {}, not a {}", opcode, kind_name(node(i).kind), kind_name(kind)));
    return i;
  }
  uint32_t tuple(const std::vector<uint32_t>& items) {
    const uint32_t t = make(Kind::Tuple);
    for (uint32_t i : items) add(t, i);
    return t;
  }
  void scalar(Kind kind, int64_t value) {
    const uint32_t i = make(kind);
    node(i).value = value;
    push(i);
  }
  void text(Kind kind, uint64_t n) {
    std::string s = take(n);
    if (kind == Kind::Str && !decode_utf8(s, [](uint32_t) {})) fail("a str that is not valid UTF-8");
    const uint32_t i = make(kind);
    node(i).bytes = std::move(s);
    push(i);
  }
  void memo_put(uint64_t key) {
    count();
    memo_[static_cast<uint32_t>(key)] = top();
  }
  void memo_get(uint64_t key) {
    auto it = memo_.find(static_cast<uint32_t>(key));
    if (it == memo_.end()) fail(fmt::format("a memo lookup of entry {}, which was never stored", key));
    push(it->second);
  }

  // ---- the few callables ----
  void global(const std::string module, const std::string name) {  // copies, as in dtype()
    for (const Allowed& a : kAllowed) {
      if (module != a.module || name != a.name) continue;
      const uint32_t i = make(Kind::Global);
      node(i).value = a.id;
      push(i);
      return;
    }
    fail(fmt::format("refusing global {}.{}: CIFAR's pickles name only numpy's array and dtype reconstructors and "
                     "_codecs.encode, and a pickle may run whatever function it names",
                     printable(module), printable(name)));
  }
  bool is_text(uint32_t i, std::string_view want) { return is_text(i) && node(i).bytes == want; }
  bool is_text(uint32_t i) { return node(i).kind == Kind::Bytes || node(i).kind == Kind::Str; }
  bool is_flag(uint32_t i) {
    return (node(i).kind == Kind::Bool || node(i).kind == Kind::Int) && (node(i).value == 0 || node(i).value == 1);
  }
  const std::vector<uint32_t>& args_of(uint32_t tuple_index, size_t n, const char* what) {
    const PickleNode& t = node(tuple_index);
    if (t.kind != Kind::Tuple || t.items.size() != n)
      fail(fmt::format("{} called with other arguments than numpy writes", what));
    return t.items;
  }

  uint32_t reduce(uint32_t callable, uint32_t args) {
    if (node(callable).kind != Kind::Global)
      fail(fmt::format("REDUCE calls a {}, which CIFAR's pickles never do", kind_name(node(callable).kind)));
    switch (static_cast<Callable>(node(callable).value)) {
      case kEncode: {
        // Python 3 pickles bytes in protocol 2 as _codecs.encode(the bytes as latin-1 text, 'latin1').
        const auto a = args_of(args, 2, "_codecs.encode");
        if (node(a[0]).kind != Kind::Str || !(is_text(a[1], "latin1") || is_text(a[1], "latin-1")))
          fail("_codecs.encode is accepted only as encode(str, 'latin1')");
        std::string out;
        bool ok = true;
        decode_utf8(node(a[0]).bytes, [&](uint32_t cp) {
          ok = ok && cp < 256;
          out += static_cast<char>(cp);
        });
        if (!ok) fail("_codecs.encode of text outside latin-1");
        const uint32_t i = make(Kind::Bytes);
        node(i).bytes = std::move(out);
        return i;
      }
      case kReconstruct: {
        const auto a = args_of(args, 3, "numpy's _reconstruct");
        const PickleNode& shape = node(a[1]);
        if (node(a[0]).kind != Kind::Global || node(a[0]).value != kNdarray || shape.kind != Kind::Tuple ||
            shape.items.size() != 1 || node(shape.items[0]).kind != Kind::Int || node(shape.items[0]).value != 0 ||
            !is_text(a[2], "b"))
          fail("numpy's _reconstruct called with other arguments than numpy writes (ndarray, (0,), b'b')");
        return make(Kind::ArrayStub);
      }
      case kDtype: {
        const auto a = args_of(args, 3, "numpy.dtype");
        if (!is_text(a[0]) || !is_flag(a[1]) || !is_flag(a[2])) fail("numpy.dtype called with other arguments than numpy writes");
        return dtype(node(a[0]).bytes);
      }
      case kFrombuffer: {
        // Protocol 5 in band: _frombuffer(bytearray(data), dtype, shape, 'C').
        const auto a = args_of(args, 4, "numpy's _frombuffer");
        if (node(a[0]).kind != Kind::Bytes || node(a[1]).kind != Kind::Dtype || node(a[2]).kind != Kind::Tuple ||
            !is_text(a[3]))
          fail("numpy's _frombuffer called with other arguments than numpy writes");
        if (!is_text(a[3], "C")) fail("a Fortran-ordered numpy array; CIFAR's are in C order");
        const uint32_t i = make(Kind::ArrayStub);
        finish_array(i, a[2], a[1], a[0]);
        return i;
      }
      case kNdarray: break;
    }
    fail("numpy.ndarray called directly, which numpy's pickles never do");
  }

  uint32_t dtype(const std::string descr) {  // a copy: make() may move the node holding it
    // The plain integer dtypes: optional byte order, 'u' or 'i', size 1, 2, 4 or 8 ('u1' for CIFAR's images).
    std::string_view d = descr;
    char order = '|';
    if (!d.empty() && (d[0] == '<' || d[0] == '|' || d[0] == '=' || d[0] == '>')) order = d[0], d.remove_prefix(1);
    if (d.size() != 2 || (d[0] != 'u' && d[0] != 'i') || (d[1] != '1' && d[1] != '2' && d[1] != '4' && d[1] != '8'))
      fail(fmt::format("a numpy array of dtype '{}'; CIFAR's images are uint8 ('u1') and its labels integers",
                       printable(descr)));
    const uint32_t i = make(Kind::Dtype);
    node(i).value = d[1] - '0';
    node(i).is_signed = d[0] == 'i';
    node(i).bytes = std::string(1, order);
    return i;
  }

  void build(uint32_t target, uint32_t state) {
    PickleNode& t = node(target);
    const PickleNode& s = node(state);
    if (t.kind == Kind::Dtype) {
      // numpy's dtype state: (version 3 or 4, byte order, subarray, names, fields, ...).
      if (s.kind != Kind::Tuple || s.items.size() < 5 || node(s.items[0]).kind != Kind::Int ||
          !is_text(s.items[1]) || node(s.items[1]).bytes.size() != 1)
        fail("a numpy dtype state other than numpy writes");
      for (int k = 2; k < 5; ++k)
        if (node(s.items[k]).kind != Kind::None) fail("a structured or sub-array numpy dtype; CIFAR's are plain integers");
      const char order = node(s.items[1]).bytes[0];
      if (order == '>' && node(target).value > 1) fail("a big-endian numpy array; CIFAR's are little-endian");
      if (order != '<' && order != '|' && order != '=' && order != '>') fail("a numpy dtype with an unknown byte order");
      node(target).bytes = std::string(1, order);
      return;
    }
    if (t.kind != Kind::ArrayStub)
      fail(fmt::format("BUILD on a {}: CIFAR's pickles build only numpy arrays and dtypes", kind_name(t.kind)));
    // numpy's array state: (1, shape, dtype, is_fortran, raw data).
    if (s.kind != Kind::Tuple || s.items.size() != 5 || node(s.items[0]).kind != Kind::Int ||
        node(s.items[0]).value != 1 || node(s.items[1]).kind != Kind::Tuple || node(s.items[2]).kind != Kind::Dtype ||
        !is_flag(s.items[3]))
      fail("a numpy array state other than numpy writes (1, shape, dtype, is_fortran, data)");
    if (node(s.items[3]).value != 0) fail("a Fortran-ordered numpy array; CIFAR's are in C order");
    if (node(s.items[4]).kind != Kind::Bytes)
      fail(fmt::format("a numpy array whose data is a {}, not raw bytes (an object array?)",
                       kind_name(node(s.items[4]).kind)));
    const std::vector<uint32_t> items = s.items;
    finish_array(target, items[1], items[2], items[4]);
  }

  void finish_array(uint32_t target, uint32_t shape, uint32_t dtype_index, uint32_t data) {
    if (node(dtype_index).bytes == ">" && node(dtype_index).value > 1)
      fail("a big-endian numpy array; CIFAR's are little-endian");
    std::vector<int64_t> dims;
    uint64_t count = 1;
    for (uint32_t d : node(shape).items) {
      if (node(d).kind != Kind::Int || node(d).value < 0) fail("a numpy array shape that is not a tuple of sizes");
      if (__builtin_mul_overflow(count, static_cast<uint64_t>(node(d).value), &count))
        fail("a numpy array shape whose size overflows 64 bits");
      dims.push_back(node(d).value);
    }
    if (dims.size() > 8) fail("a numpy array of more than 8 dimensions");
    const uint64_t itemsize = static_cast<uint64_t>(node(dtype_index).value);
    uint64_t want = 0;
    if (__builtin_mul_overflow(count, itemsize, &want) || want != node(data).bytes.size()) {
      std::string shape_text;
      for (int64_t d : dims) shape_text += (shape_text.empty() ? "" : ", ") + std::to_string(d);
      fail(fmt::format("a numpy array of shape ({}) and {}-byte items holds {} bytes of data, not the {} its shape "
                       "needs",
                       shape_text, itemsize, node(data).bytes.size(), count * itemsize));
    }
    PickleNode& a = node(target);
    a.kind = Kind::Array;
    a.shape = std::move(dims);
    a.value = static_cast<int64_t>(itemsize);
    a.is_signed = node(dtype_index).is_signed;
    a.items = {data};
    a.depth = 1;
  }

  // One opcode; true at STOP.
  bool step(uint8_t op) {
    switch (op) {
      case 0x80: {  // PROTO
        const uint64_t v = uint_le(1);
        if (v < 2 || v > 5) fail(fmt::format("pickle protocol {}; CIFAR's files are protocol 2 (copies 2 to 5)", v));
        return false;
      }
      case 0x95: need(uint_le(8)); return false;  // FRAME: a hint for buffered readers only
      case '.': {                                  // STOP
        if (!marks_.empty() || stack_.size() != 1)
          fail(fmt::format("STOP with {} values and {} MARKs left on the stack", stack_.size(), marks_.size()));
        if (pos_ != in_.size()) fail(fmt::format("{} bytes follow the pickle's STOP", in_.size() - pos_));
        p_.root_ = stack_.back();
        return true;
      }
      case '(':
        if (marks_.size() >= static_cast<size_t>(kMaxDepth)) fail(fmt::format("MARKs nested more than {} deep", kMaxDepth));
        marks_.push_back(stack_.size());
        return false;
      case '}': push(make(Kind::Dict)); return false;
      case ']': push(make(Kind::List)); return false;
      case ')': push(make(Kind::Tuple)); return false;
      case 't': push(tuple(pop_mark())); return false;
      case 0x85: case 0x86: case 0x87: {  // TUPLE1..3
        std::vector<uint32_t> items(op - 0x84);
        for (size_t k = items.size(); k-- > 0;) items[k] = pop();
        push(tuple(items));
        return false;
      }
      case 'a': {  // APPEND
        const uint32_t v = pop();
        add(container(Kind::List, "APPEND"), v);
        return false;
      }
      case 'e': {  // APPENDS
        const std::vector<uint32_t> items = pop_mark();
        const uint32_t list = container(Kind::List, "APPENDS");
        for (uint32_t i : items) add(list, i);
        return false;
      }
      case 's': {  // SETITEM
        const uint32_t v = pop(), k = pop();
        const uint32_t dict = container(Kind::Dict, "SETITEM");
        add(dict, k);
        add(dict, v);
        return false;
      }
      case 'u': {  // SETITEMS
        const std::vector<uint32_t> items = pop_mark();
        if (items.size() % 2) fail("SETITEMS with a key but no value");
        const uint32_t dict = container(Kind::Dict, "SETITEMS");
        for (uint32_t i : items) add(dict, i);
        return false;
      }
      case 'N': scalar(Kind::None, 0); return false;
      case 0x88: scalar(Kind::Bool, 1); return false;
      case 0x89: scalar(Kind::Bool, 0); return false;
      case 'J': scalar(Kind::Int, static_cast<int32_t>(uint_le(4))); return false;
      case 'K': scalar(Kind::Int, static_cast<int64_t>(uint_le(1))); return false;
      case 'M': scalar(Kind::Int, static_cast<int64_t>(uint_le(2))); return false;
      case 0x8a: {  // LONG1: a little-endian two's-complement integer of n bytes
        const uint64_t n = uint_le(1);
        if (n > 8) fail(fmt::format("an integer of {} bytes, beyond 64 bits", n));
        uint64_t v = n ? uint_le(static_cast<int>(n)) : 0;
        if (n && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~uint64_t{0} << (8 * n);
        scalar(Kind::Int, static_cast<int64_t>(v));
        return false;
      }
      case 'U': text(Kind::Bytes, uint_le(1)); return false;  // SHORT_BINSTRING (Python 2 str)
      case 'T': {                                            // BINSTRING
        const auto n = static_cast<int32_t>(uint_le(4));
        if (n < 0) fail("a BINSTRING of negative length");
        text(Kind::Bytes, static_cast<uint64_t>(n));
        return false;
      }
      case 'C': text(Kind::Bytes, uint_le(1)); return false;   // SHORT_BINBYTES
      case 'B': text(Kind::Bytes, uint_le(4)); return false;   // BINBYTES
      case 0x8e: text(Kind::Bytes, uint_le(8)); return false;  // BINBYTES8
      case 0x96: text(Kind::Bytes, uint_le(8)); return false;  // BYTEARRAY8, read as bytes
      case 'X': text(Kind::Str, uint_le(4)); return false;     // BINUNICODE
      case 0x8c: text(Kind::Str, uint_le(1)); return false;    // SHORT_BINUNICODE
      case 0x8d: text(Kind::Str, uint_le(8)); return false;    // BINUNICODE8
      case 'c': {                                              // GLOBAL module\nname\n
        const std::string module = line();
        global(module, line());
        return false;
      }
      case 0x93: {  // STACK_GLOBAL
        const uint32_t name = pop(), module = pop();
        if (node(name).kind != Kind::Str || node(module).kind != Kind::Str) fail("STACK_GLOBAL of names that are not str");
        global(node(module).bytes, node(name).bytes);
        return false;
      }
      case 'R': {
        const uint32_t args = pop(), callable = pop();
        push(reduce(callable, args));
        return false;
      }
      case 'b': {
        const uint32_t state = pop();
        build(top(), state);
        return false;
      }
      case 'q': memo_put(uint_le(1)); return false;                // BINPUT
      case 'r': memo_put(uint_le(4)); return false;                // LONG_BINPUT
      case 0x94: memo_put(memo_.size()); return false;             // MEMOIZE
      case 'h': memo_get(uint_le(1)); return false;                // BINGET
      case 'j': memo_get(uint_le(4)); return false;                // LONG_BINGET
      case 0x97: case 0x98:
        fail("an out-of-band buffer (protocol 5's NEXT_BUFFER), whose data is not in the file");
      case 'i': case 'o': case 0x81: case 0x92: case 0x82: case 0x83: case 0x84: case 'P': case 'Q':
        fail(fmt::format("refusing opcode 0x{:02x}, which builds an object by calling code", op));
      default:
        fail(fmt::format("opcode 0x{:02x}, which CIFAR's pickles do not use", op));
    }
  }
};

Pickle Pickle::parse(std::span<const uint8_t> bytes, const std::string& file) {
  if (bytes.size() < 2 || bytes[0] != 0x80)
    throw DataError(fmt::format("{}: not a binary pickle (protocol 2 or later, which starts with byte 0x80): it "
                                "is not a CIFAR Python-version batch as published: download the dataset again",
                                file));
  return Unpickler(bytes, file).run();
}

const PickleNode* Pickle::find(const PickleNode& dict, std::string_view key) const {
  if (dict.kind != PickleNode::Kind::Dict) return nullptr;
  for (size_t k = 0; k + 1 < dict.items.size(); k += 2) {
    const PickleNode& n = nodes_[dict.items[k]];
    if ((n.kind == PickleNode::Kind::Bytes || n.kind == PickleNode::Kind::Str) && n.bytes == key)
      return &nodes_[dict.items[k + 1]];
  }
  return nullptr;
}

}  // namespace nnlab::data::detail
