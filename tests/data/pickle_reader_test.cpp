// The restricted unpickler against hostile and malformed pickles: other globals (real
// __reduce__ payloads as Python writes them, and hand-written ones), code-calling opcodes,
// truncation at every byte, deep nesting, huge lengths and arrays that do not add up. Each
// is refused with one line naming the file; nothing runs, nothing crashes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "data/cifar_python_reader.h"
#include "data/cifar_python_test_util.h"
#include "data/fixtures.h"
#include "data/pickle_reader.h"

using namespace nnlab;
using namespace nnlab::data;
using namespace nnlab::data::detail;
using namespace nnlab::testing;
namespace fs = std::filesystem;
using namespace std::string_literals;

namespace {

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

std::string refusal(const std::vector<uint8_t>& bytes, const std::string& file = "evil.pkl") {
  std::string msg = data_error([&] { Pickle::parse(bytes, file); });
  EXPECT_EQ(msg.rfind(file + ": ", 0), 0u) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  return msg;
}

void expect_refused(const std::string& pickle, const std::string& needle, const std::string& what) {
  const std::string msg = refusal(bytes_of(pickle));
  EXPECT_NE(msg.find(needle), std::string::npos) << what << ": " << msg;
}

std::string le32(uint32_t v) {
  std::string s(4, '\0');
  for (int k = 0; k < 4; ++k) s[k] = static_cast<char>(v >> (8 * k));
  return s;
}

std::string le64(uint64_t v) {
  std::string s(8, '\0');
  for (int k = 0; k < 8; ++k) s[k] = static_cast<char>(v >> (8 * k));
  return s;
}

// A CIFAR-style batch {'data': array, 'labels': [0]*n} in Python 2's spelling, with the
// dtype, shape and data given.
std::string py2_batch(const std::string& dtype, const std::vector<uint32_t>& shape, const std::string& data, int n) {
  std::string p = "\x80\x02}(U\x04" "data" "cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85U\x01" "b\x87R(K\x01("s;
  for (uint32_t d : shape) p += "J" + le32(d);
  p += "tcnumpy\ndtype\nU" + std::string(1, static_cast<char>(dtype.size())) + dtype +
       "K\x00K\x01\x87R(K\x03U\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89T"s + le32(data.size()) + data +
       "tbU\x06labels](";
  for (int i = 0; i < n; ++i) p += std::string("K\x00", 2);
  return p + "eu.";
}

}  // namespace

TEST(PickleReader, ReadsAHandWrittenBatchAndItsArray) {
  const std::string pickle = py2_batch("u1", {2, 3072}, std::string(2 * 3072, '\x07'), 2);
  Pickle p = Pickle::parse(bytes_of(pickle), "ok.pkl");
  const PickleNode* data = p.find(p.root(), "data");
  ASSERT_TRUE(data);
  ASSERT_EQ(data->kind, PickleNode::Kind::Array);
  EXPECT_EQ(data->shape, (std::vector<int64_t>{2, 3072}));
  EXPECT_EQ(p.array_data(*data), std::string(2 * 3072, '\x07'));
  Dataset d;
  append_cifar_python_batch(bytes_of(pickle), "ok.pkl", false, false, d);
  EXPECT_EQ(d.labels, (std::vector<int32_t>{0, 0}));
}

// What Python itself writes for os.system and eval payloads (protocols 2, 4 and 5), and a
// payload inside a CIFAR dict: refused at the global, before anything could be called.
TEST(PickleReader, RefusesReducePayloadsAsPythonWritesThem) {
  TempDir dir;
  const std::string cmd = "/usr/bin/python3 " + cifar_python_script() + " hostile '" + dir.path().string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const std::pair<const char*, const char*> cases[] = {
      {"reduce_system_p2", "refusing global posix.system"},
      {"reduce_system_p4", "refusing global posix.system"},
      {"reduce_eval_p5", "refusing global builtins.eval"},
      {"global_os_system", "refusing global os.system"},
      {"dict_with_payload", "refusing global posix.system"},
  };
  for (const auto& [name, needle] : cases) {
    const fs::path file = dir / name;
    const std::string msg = refusal(read_bytes(file), file.string());
    EXPECT_NE(msg.find(needle), std::string::npos) << name << ": " << msg;
    Dataset d;
    const std::string via_reader =
        data_error([&] { append_cifar_python_batch(read_bytes(file), file.string(), false, false, d); });
    EXPECT_NE(via_reader.find(needle), std::string::npos) << via_reader;
  }
  EXPECT_FALSE(fs::exists(dir / "PWNED"));
}

TEST(PickleReader, RefusesOtherGlobalsAndCodeCallingOpcodes) {
  expect_refused("\x80\x02" "cposix\nsystem\nU\x02idtR.", "refusing global posix.system", "posix");
  expect_refused("\x80\x02" "c__builtin__\neval\nU\x01" "1\x85R.", "refusing global __builtin__.eval", "py2 eval");
  expect_refused("\x80\x04\x8c\x08" "builtins\x8c\x04" "exec\x93.", "refusing global builtins.exec", "stack global");
  expect_refused("\x80\x02" "cnumpy\nload\n.", "refusing global numpy.load", "numpy but not allowed");
  expect_refused("\x80\x02" "cnumpy.core.multiarray\n_reconstruct\n" "cos\nsystem\n", "refusing global os.system", "mix");
  // Allowed functions are checked for exactly the arguments numpy writes.
  expect_refused("\x80\x02" "c_codecs\nencode\nX\x01\x00\x00\x00" "aX\x05\x00\x00\x00utf-8\x86R."s,
                 "encode(str, 'latin1')", "codec");
  expect_refused("\x80\x02" "cnumpy\nndarray\nK\x00\x85R."s, "numpy.ndarray called directly", "ndarray");
  expect_refused("\x80\x02" "cnumpy.core.multiarray\n_reconstruct\ncnumpy\ndtype\nK\x00\x85U\x01" "b\x87R."s,
                 "_reconstruct called with other arguments", "reconstruct args");
  expect_refused("\x80\x02" "K\x01K\x02R.", "REDUCE calls a int", "reduce of a value");
  expect_refused("\x80\x02" "}K\x01" "b.", "BUILD on a dict", "build");
  // The opcodes that construct objects by calling code, and out-of-band buffers.
  expect_refused("\x80\x02(ios\nsystem\n.", "refusing opcode 0x69", "INST");
  expect_refused("\x80\x02(o.", "refusing opcode 0x6f", "OBJ");
  expect_refused("\x80\x02)\x81.", "refusing opcode 0x81", "NEWOBJ");
  expect_refused("\x80\x04\x92.", "refusing opcode 0x92", "NEWOBJ_EX");
  expect_refused("\x80\x02\x82\x01.", "refusing opcode 0x82", "EXT1");
  expect_refused("\x80\x02U\x01xQ.", "refusing opcode 0x51", "BINPERSID");
  expect_refused("\x80\x05\x97.", "out-of-band buffer", "NEXT_BUFFER");
  expect_refused("\x80\x02I1\n.", "opcode 0x49, which CIFAR's pickles do not use", "text INT");
  expect_refused("(lp0\n.", "not a binary pickle", "protocol 0");
  expect_refused("\x80\x06N.", "pickle protocol 6", "future protocol");
}

// Every proper prefix of a real batch, in Python 2's and Python 3's spellings.
TEST(PickleReader, TruncatedAtEveryCut) {
  TempDir dir;
  for (const char* form : {"py2", "p5"}) {
    write_cifar_python(dir / form, "cifar10", 1, form, false);
    const std::vector<uint8_t> whole = read_bytes(dir / form / "cifar-10-batches-py" / "data_batch_1");
    ASSERT_NO_THROW(Pickle::parse(whole, "whole"));
    for (size_t cut = 0; cut < whole.size(); ++cut) {
      const std::vector<uint8_t> part(whole.begin(), whole.begin() + static_cast<ptrdiff_t>(cut));
      try {
        Pickle::parse(part, "cut");
        ADD_FAILURE() << form << " cut at " << cut << " was accepted";
      } catch (const DataError& e) {
        const std::string msg = e.what();
        if (msg.rfind("cut: ", 0) != 0 || msg.find('\n') != std::string::npos) ADD_FAILURE() << msg;
      }
    }
  }
  // Junk after STOP is refused too.
  expect_refused("\x80\x02N.N", "1 bytes follow the pickle's STOP", "trailing");
}

TEST(PickleReader, DeepNestingHugeLengthsAndTooManyObjects) {
  expect_refused("\x80\x02" + std::string(10000, ']') + std::string(9999, 'a') + ".", "nested more than 64 levels",
                 "lists");
  expect_refused("\x80\x02" + std::string(10000, '(') + ")" + ".", "MARKs nested more than 64 deep", "marks");
  expect_refused("\x80\x02)" + std::string(10000, '\x85') + ".", "nested more than 64 levels", "tuples");
  expect_refused("\x80\x02}q\x00"s + std::string(100, 'h') + ".", "entry 104, which was never stored", "get without key");
  // Lengths of 2^62 and 2^31-1 against a file of a few bytes: no allocation, a clear refusal.
  for (const char op : {'\x8e', '\x8d', '\x96'})
    expect_refused("\x80\x04" + std::string(1, op) + le64(uint64_t{1} << 62) + "xx.", "4611686018427387904 more bytes",
                   "8-byte length");
  expect_refused("\x80\x04\x95" + le64(uint64_t{1} << 62) + "N.", "4611686018427387904 more bytes", "frame");
  expect_refused("\x80\x02T" + le32(0x7fffffff) + "x.", "2147483647 more bytes", "BINSTRING");
  expect_refused("\x80\x02T" + le32(0x80000000u) + "x.", "negative length", "negative BINSTRING");
  expect_refused("\x80\x02\x8a\xff" + std::string(255, '\x01') + ".", "integer of 255 bytes", "LONG1");
  expect_refused("\x80\x02j" + le32(0xffffffffu) + ".", "entry 4294967295, which was never stored", "LONG_BINGET");
  expect_refused("\x80\x02" + std::string(3u << 20, 'N') + ".", "more than 2097152 objects", "object count");
  expect_refused("\x80\x02X\x02\x00\x00\x00\xc3(."s, "not valid UTF-8", "utf8");
  expect_refused("\x80\x02" "c" + std::string(200, 'a') + "\nb\n.", "GLOBAL name longer than 128", "long global");
}

// Arrays whose dtype, shape or data do not fit, as a hostile or damaged file has them.
TEST(PickleReader, WrongDtypeShapeAndDataLength) {
  auto batch_error = [](const std::string& pickle) {
    Dataset d;
    std::string msg = data_error([&] { append_cifar_python_batch(bytes_of(pickle), "b.pkl", false, false, d); });
    EXPECT_EQ(msg.rfind("b.pkl: ", 0), 0u) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    return msg;
  };
  const std::string img(3072, '\x01');
  EXPECT_NE(batch_error(py2_batch("<f4", {1, 768}, img, 1)).find("dtype '<f4'"), std::string::npos);
  EXPECT_NE(batch_error(py2_batch("O", {1}, "", 1)).find("dtype 'O'"), std::string::npos);
  EXPECT_NE(batch_error(py2_batch("u1", {1, 3071}, img.substr(1), 1)).find("not a uint8 array of shape (N, 3072)"),
            std::string::npos);
  EXPECT_NE(batch_error(py2_batch("u1", {3072}, img, 1)).find("shape (3072)"), std::string::npos);
  EXPECT_NE(batch_error(py2_batch("i2", {1, 3072}, img + img, 1)).find("signed 2-byte items"), std::string::npos);
  EXPECT_NE(batch_error(py2_batch("u1", {2, 3072}, img, 2)).find("holds 3072 bytes of data, not the 6144"),
            std::string::npos);
  EXPECT_NE(batch_error(py2_batch("u1", {0x7fffffffu, 0x7fffffffu, 0x7fffffffu}, img, 1)).find("overflows 64 bits"),
            std::string::npos);
  EXPECT_NE(batch_error(py2_batch("u1", {1, 3072}, img, 2)).find("1 images but 2 entries in 'labels'"),
            std::string::npos);
  std::string bad_label = py2_batch("u1", {1, 3072}, img, 1);
  bad_label.replace(bad_label.size() - 5, 2, "K\x0a");  // the one label becomes 10
  EXPECT_NE(batch_error(bad_label).find("label 10 at index 0, outside 0..9"), std::string::npos);
}
