// End-to-end: `nnlab data get` and --download against a real HTTP server on 127.0.0.1
// (tests/download/serve.py) acting as the mirror, with HOME in a fresh folder so that
// ~/.cache/nnlab is the test's own.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "data/fixtures.h"
#include "download/local_server.h"
#include "support/cli.h"

using namespace nnlab::testing;
namespace fs = std::filesystem;

namespace {

const char* kDebianFashion = "/usr/share/datasets/fashion-mnist";

std::string env_for(const fs::path& home, const std::string& more = "") {
  return "env -u NNLAB_DATA -u NNLAB_MIRROR -u NNLAB_MD5SUMS HOME=" + home.string() + " " + more;
}

int error_lines(const std::string& err) {
  int n = 0;
  for (size_t at = 0; (at = err.find("error:", at)) != std::string::npos; ++at) ++n;
  return n;
}

// What `md5sum DIR/*` prints.
void write_listing(const fs::path& dir, const fs::path& listing) {
  std::string text;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) text += md5sum_of(e.path()) + "  " + e.path().filename().string() + "\n";
  write_text(listing, text);
}

}  // namespace

// Debian's dataset-fashion-mnist holds the published files recompressed without their gzip
// file names, so they fail the published MD5s: exactly the corrupt-file error. With a
// listing of their own sums they download, and train and eval read them from the cache.
TEST(CliDownload, DataGetFashionMnistFromAMirrorThenTrainAndEvalReadTheCache) {
  if (!fs::exists(kDebianFashion)) GTEST_SKIP() << "needs Debian's dataset-fashion-mnist";
  TempDir tmp;
  const fs::path home = tmp / "home", cache = home / ".cache" / "nnlab" / "fashion-mnist";
  fs::create_directories(home);
  fs::create_directories(tmp / "work");
  LocalServer server(kDebianFashion, tmp / "work");

  CliResult r = run_cli("data get fashion-mnist --mirror " + server.url(), env_for(home));
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(error_lines(r.err), 1) << r.err;
  const std::string file = "train-images-idx3-ubyte.gz";
  EXPECT_NE(r.err.find("error: " + file + " from " + server.url() + file), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("8d4fb7e6c68d591d4c3dfef9ec88bf0d"), std::string::npos) << r.err;  // the published sum
  EXPECT_NE(r.err.find(md5sum_of(fs::path(kDebianFashion) / file)), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(cache));

  write_listing(kDebianFashion, tmp / "debian.md5");
  r = run_cli("data get fashion-mnist --mirror " + server.url() + " --md5sums " + (tmp / "debian.md5").string(),
              env_for(home));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("fashion-mnist is in " + cache.string() + " (4 files downloaded"), std::string::npos) << r.out;
  for (const auto& e : fs::directory_iterator(kDebianFashion))
    EXPECT_EQ(md5sum_of(cache / e.path().filename()), md5sum_of(e.path())) << e.path();
  EXPECT_FALSE(fs::exists(cache.parent_path() / ".fashion-mnist.download"));

  r = run_cli("data list --json", env_for(home));
  ASSERT_EQ(r.code, 0) << r.err;
  for (const auto& d : nlohmann::json::parse(r.out)) {
    if (d["name"] != "fashion-mnist") continue;
    EXPECT_EQ(d["path"], cache.string());  // the cache comes before /usr/share
  }

  const fs::path run = tmp / "run";
  r = run_cli(
      "train --dataset fashion-mnist --model logreg --epochs 1 --train-subset 600 --test-subset 300 "
      "--threads 1 --out " +
          run.string(),
      env_for(home));
  ASSERT_EQ(r.code, 0) << r.err;
  r = run_cli("eval --weights " + run.string() + " --test-subset 300 --threads 1 --json", env_for(home));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["dataset"], "fashion-mnist");

  // Present and matching: data get checks and fetches nothing.
  const size_t served = server.requests().size();
  r = run_cli("data get fashion-mnist --mirror " + server.url() + " --md5sums " + (tmp / "debian.md5").string(),
              env_for(home));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("nothing downloaded"), std::string::npos) << r.out;
  EXPECT_EQ(server.requests().size(), served);
}

// --download on train: the missing dataset is fetched from $NNLAB_MIRROR (a cut connection
// resumed with a Range request), then training goes on; eval --download finds it there.
TEST(CliDownload, TrainDownloadFetchesAMissingDatasetResumingACutConnection) {
  TempDir tmp;
  const fs::path home = tmp / "home", served = tmp / "served", cache = home / ".cache" / "nnlab" / "mnist";
  fs::create_directories(home);
  fs::create_directories(tmp / "work");
  write_mnist_dir(served, 300, 100, true);
  write_listing(served, tmp / "fixtures.md5");
  LocalServer server(served, tmp / "work", 1000);
  const std::string env =
      env_for(home, "NNLAB_MIRROR=" + server.url() + " NNLAB_MD5SUMS=" + (tmp / "fixtures.md5").string());
  const fs::path run = tmp / "run";
  CliResult r =
      run_cli("train --download --dataset mnist --model logreg --epochs 1 --threads 1 --out " + run.string(), env);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("mnist: downloaded into " + cache.string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the connection was cut after 1000 bytes; resuming"), std::string::npos) << r.err;
  for (const auto& e : fs::directory_iterator(served))
    EXPECT_EQ(read_bytes(cache / e.path().filename()), read_bytes(e.path())) << e.path();
  int resumed = 0;
  for (const auto& q : server.requests()) resumed += q["range"] == "bytes=1000-" && q["status"] == 206;
  EXPECT_EQ(resumed, 2);  // both image files were cut once

  const size_t count = server.requests().size();
  r = run_cli("eval --download --weights " + run.string() + " --threads 1 --json", env);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["count"], 100) << r.out;
  EXPECT_EQ(server.requests().size(), count);  // found in the cache: nothing fetched
}

// Without --download, a missing dataset's message says how to fetch it.
TEST(CliDownload, MissingDatasetMessageSaysHowToDownloadIt) {
  if (fs::exists("/usr/share/datasets/svhn")) GTEST_SKIP() << "SVHN is installed";
  TempDir tmp;
  CliResult r = run_cli("data inspect --dataset svhn", env_for(tmp.path()));
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("\nOr download them: nnlab data get svhn (or --download on train, eval and experiment)."),
            std::string::npos)
      << r.err;
  r = run_cli("train --dataset svhn --data-dir " + tmp.path().string(), env_for(tmp.path()));
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("nnlab data get svhn --data-dir " + tmp.path().string()), std::string::npos) << r.err;
}

TEST(CliDownload, BadInputAndFailedDownloadsAreOneLineErrors) {
  TempDir tmp;
  const fs::path home = tmp / "home", cache = home / ".cache" / "nnlab" / "mnist";
  fs::create_directories(home);
  fs::create_directories(tmp / "empty");
  fs::create_directories(tmp / "work");
  LocalServer server(tmp / "empty", tmp / "work");
  const std::string no_server = "http://127.0.0.1:" + std::to_string(unused_port()) + "/";
  struct Case {
    std::string args, env, expected;
    int code;
  };
  const std::vector<Case> cases = {
      {"data get no-such-set", "", "error: unknown dataset 'no-such-set': nnlab downloads mnist, fashion-mnist", 2},
      {"data get iris", "", "error: iris has nothing to download: it is scikit-learn's bundled data", 2},
      {"data get mnist --mirror ftp://example.org/mnist/", "",
       "error: the mirror (--mirror) 'ftp://example.org/mnist/' "
       "is not an http:// or https:// URL",
       2},
      {"data get mnist", "NNLAB_MIRROR=example.org", "error: $NNLAB_MIRROR 'example.org' is not an http://", 2},
      {"data get mnist --mirror " + server.url(), "",
       "error: download of " + server.url() + "train-images-idx3-ubyte.gz failed: the server answered HTTP 404", 1},
      {"data get mnist --mirror " + no_server, "",
       "error: download of " + no_server + "train-images-idx3-ubyte.gz failed: cannot connect", 1},
  };
  std::vector<Case> all = cases;
  if (!fs::exists("/usr/share/datasets/svhn"))  // the experiment's dataset, fetched before it starts
    all.push_back({"experiment cnn-compare --quick --download --out " + (tmp / "exp").string(),
                   "NNLAB_MIRROR=" + no_server,
                   "error: download of " + no_server + "train_32x32.mat failed: cannot connect", 1});
  for (const Case& c : all) {
    CliResult r = run_cli(c.args, env_for(home, c.env));
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.err;
    EXPECT_EQ(error_lines(r.err), 1) << c.args << "\n" << r.err;
    EXPECT_EQ(r.err.rfind(c.expected, 0), 0u) << c.args << "\n" << r.err;
    EXPECT_FALSE(fs::exists(cache)) << c.args;
    EXPECT_FALSE(fs::exists(cache.parent_path() / ".mnist.download")) << c.args;  // nothing received, nothing kept
  }
}
