// Fuzzing nnlab train's configuration loader and flag parser with random JSON and random
// argument vectors (train --dry-run: everything up to training itself), under a memory
// ulimit: no crash, no "unexpected failure", no exit code outside {0, 1, 2}; and whatever
// is accepted is printed as a configuration that reads back to itself.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "data/fixtures.h"
#include "nnlab/option_table.h"
#include "support/cli.h"

namespace {

using nlohmann::json;
using nnlab::testing::CliResult;
using nnlab::testing::run_cli;
using nnlab::testing::TempDir;

const std::string kUlimit = "ulimit -v 4000000;";

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

class Fuzzer {
 public:
  explicit Fuzzer(uint64_t seed) : rng_(seed) {}

  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  json number() {
    static const std::vector<json> edge{0, 1, -1, 2.5, 3.0, 1e30, -1e30, 1e23, 1e-300, 4096, 100000, 2147483648,
                                        9223372036854775807LL, 18446744073709551615ULL, -9223372036854775807LL - 1,
                                        0.1, 0.999, 1.0, 64};
    if (chance(0.6)) return edge[pick(edge.size())];
    return std::uniform_real_distribution<double>(-1000, 1000)(rng_);
  }
  std::string word() {
    static const std::vector<std::string> words{"",      "adam", "sgd",  "cosine",   "lenet5", "mlp",   "resnet20",
                                                "relu",  "on",   "off",  "auto",     "none",   "train", "published",
                                                "iris",  "wine", "../x", "/dev/zero", "csv:/", "nosuch", "1,2",
                                                "-1",    "1e9",  "x,,y", "folder:/tmp", "\t", "fashion-mnist"};
    if (chance(0.05)) return std::string(20000, 'a');
    return words[pick(words.size())];
  }
  json value(int depth = 0) {
    switch (pick(depth > 2 ? 4 : 7)) {
      case 0: case 1: return number();
      case 2: return word();
      case 3: return chance(0.5) ? json(true) : json(nullptr);
      case 4: {
        json a = json::array();
        for (size_t i = pick(4); i > 0; --i) a.push_back(chance(0.7) ? number() : value(depth + 1));
        return a;
      }
      case 5: return json::object({{word(), value(depth + 1)}});
      default: return number();
    }
  }
  // `defaults`: the program's own configuration. A quarter of the configs take a few of its
  // keys and values and change one, so that accepted configurations are reached by design,
  // not by the luck of the draw (which new keys reshuffle).
  json config(const std::vector<std::string>& keys, const json& defaults) {
    if (chance(0.05)) return value();  // not an object at all
    json j = json::object();
    if (chance(0.25)) {
      for (size_t i = pick(3) + 1; i > 0; --i) {
        const std::string& k = keys[pick(keys.size())];
        j[k] = defaults[k];
      }
      if (chance(0.5)) j[keys[pick(keys.size())]] = value();
      return j;
    }
    for (size_t i = pick(6) + 1; i > 0; --i) j[chance(0.9) ? keys[pick(keys.size())] : word()] = value();
    return j;
  }
  std::string args(const std::vector<std::string>& keys) {
    std::string out;
    for (size_t i = pick(5) + 1; i > 0; --i) {
      static const std::vector<std::string> extra{"--augment", "--report-metric", "--resume", "--json", "--config"};
      const std::string flag = chance(0.85) ? nnlab::flag_for(keys[pick(keys.size())]) : extra[pick(extra.size())];
      out += " " + flag;
      if (chance(0.9)) out += " " + shell_quote(chance(0.5) ? number().dump() : word());
    }
    return out;
  }

 private:
  std::mt19937_64 rng_;
};

void expect_handled(const CliResult& r, const std::string& what) {
  EXPECT_TRUE(r.code == 0 || r.code == 1 || r.code == 2) << "exit " << r.code << " for " << what << "\n" << r.err;
  EXPECT_EQ(r.err.find("unexpected failure"), std::string::npos) << what << "\n" << r.err;
}

TEST(CliFuzz, RandomConfigsAndArgumentsAreHandledUnderAMemoryLimit) {
  TempDir tmp;
  // The keys, from the program itself.
  auto defaults = run_cli("train --dry-run", kUlimit);
  ASSERT_EQ(defaults.code, 0) << defaults.err;
  std::vector<std::string> keys;
  const json all = json::parse(defaults.out);
  for (auto& [k, v] : all.items()) keys.push_back(k);
  ASSERT_GT(keys.size(), 30u);

  Fuzzer fuzz(20261202);
  int accepted = 0;
  for (int i = 0; i < 120; ++i) {
    const std::string text = fuzz.chance(0.05) ? fuzz.config(keys, all).dump().substr(0, 7) : fuzz.config(keys, all).dump();
    nnlab::testing::write_text(tmp / "c.json", text);
    const std::string args = fuzz.chance(0.5) ? fuzz.args(keys) : "";
    const std::string what = "--config " + text.substr(0, 300) + args.substr(0, 300);
    auto r = run_cli("train --dry-run --config " + (tmp / "c.json").string() + args, kUlimit);
    expect_handled(r, what);
    if (r.code != 0) continue;
    ++accepted;
    // What is accepted reads back to the same configuration.
    nnlab::testing::write_text(tmp / "again.json", r.out);
    auto again = run_cli("train --dry-run --config " + (tmp / "again.json").string(), kUlimit);
    EXPECT_EQ(again.code, 0) << what << "\n" << again.err;
    EXPECT_EQ(json::parse(again.out), json::parse(r.out)) << what;
  }
  for (int i = 0; i < 120; ++i) {
    const std::string args = fuzz.args(keys);
    expect_handled(run_cli("train --dry-run" + args, kUlimit), args);
  }
  // Both kinds of outcome occurred: the fuzzer reaches the accepted configurations too.
  EXPECT_GE(accepted, 1);
}

}  // namespace
