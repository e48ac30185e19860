// The download layer against a real HTTP server on 127.0.0.1 (tests/download/serve.py)
// serving format-exact MNIST files: a good download, a corrupt file, a connection cut
// mid-file (resumed within a call, and by the next call), a 404, no server; MD5 values
// against published test vectors and coreutils' md5sum.
#include <gtest/gtest.h>

#include "data/fixtures.h"
#include "download/local_server.h"
#include "nnlab/data/datasets.h"
#include "nnlab/download/datasets.h"
#include "nnlab/download/file_set.h"
#include "nnlab/download/md5.h"
#include "nnlab/error.h"
#include "nnlab/io/dir_lock.h"

using namespace nnlab;
using namespace nnlab::testing;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kMnistFiles = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                              "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};

struct Recorder : download::DownloadObserver {
  int done = 0, reused = 0;
  std::vector<std::string> messages;
  void on_file_done(const std::string&, int64_t, bool r) override { r ? ++reused : ++done; }
  void on_message(const std::string& text) override { messages.push_back(text); }
};

// Served MNIST files (300 train, 100 test images: each image file is well over 1000 bytes
// gzipped, the labels files are not), their sums, and where a download goes.
struct Mnist {
  TempDir tmp;
  fs::path served = tmp / "served", work = tmp / "work", target = tmp / "cache" / "mnist";
  std::vector<download::RemoteFile> files;
  Mnist() {
    write_mnist_dir(served, 300, 100, true);
    fs::create_directories(work);
    for (const auto& name : kMnistFiles) files.push_back({name, md5sum_of(served / name)});
  }
  std::vector<nlohmann::json> requests_for(const LocalServer& s, const std::string& name) const {
    std::vector<nlohmann::json> out;
    for (const auto& r : s.requests())
      if (r["path"] == "/" + name) out.push_back(r);
    return out;
  }
  void expect_same_files() const {
    for (const auto& name : kMnistFiles) EXPECT_EQ(read_bytes(target / name), read_bytes(served / name)) << name;
  }
};

template <class Fn>
std::string io_error(Fn&& fn) {
  try {
    fn();
  } catch (const IoError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no IoError thrown";
  return "";
}

}  // namespace

TEST(Download, Md5MatchesPublishedVectorsAndMd5sum) {
  // RFC 1321, appendix A.5.
  EXPECT_EQ(download::md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(download::md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(download::md5_hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
            "57edf4a22be3c955ac49da2e2107b67a");
  Mnist m;
  for (const auto& name : kMnistFiles) EXPECT_EQ(download::md5_file(m.served / name), md5sum_of(m.served / name));
  EXPECT_THROW(download::md5_file(m.tmp / "absent"), IoError);
}

TEST(Download, ReadsAnMd5sumListing) {
  TempDir tmp;
  write_text(tmp / "sums",
             "F68B3C2DCBEAAA9FBDD348BBDEB94873  dir/train-images-idx3-ubyte.gz\n"
             "d53e105ee54ea40749a09fcbcd1e9432 *train-labels-idx1-ubyte.gz\n");
  auto sums = download::read_md5sums(tmp / "sums");
  EXPECT_EQ(sums.size(), 2u);
  EXPECT_EQ(sums["train-images-idx3-ubyte.gz"], "f68b3c2dcbeaaa9fbdd348bbdeb94873");
  EXPECT_EQ(sums["train-labels-idx1-ubyte.gz"], "d53e105ee54ea40749a09fcbcd1e9432");
  write_text(tmp / "bad", "d53e105ee54ea40749a09fcbcd1e9432  ok.gz\nnot-a-sum  x.gz\n");
  try {
    download::read_md5sums(tmp / "bad");
    ADD_FAILURE() << "a malformed listing was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
}

TEST(Download, GoodDownloadMovesTheCheckedFilesIntoPlace) {
  Mnist m;
  LocalServer server(m.served, m.work);
  Recorder rec;
  download::FileSetResult r = download::download_file_set(server.url(), m.files, m.target, {}, rec);
  EXPECT_EQ(r.fetched, 4);
  EXPECT_EQ(r.reused, 0);
  EXPECT_EQ(rec.done, 4);
  m.expect_same_files();
  EXPECT_FALSE(fs::exists(download::staging_dir(m.target)));  // nothing left beside it
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(m.target)) entries += e.is_regular_file();
  EXPECT_EQ(entries, 4u);
  data::Splits s = data::load_dataset(load_options("mnist", m.target));
  EXPECT_EQ(s.train.size(), 300);
  EXPECT_EQ(s.test.size(), 100);
  ASSERT_EQ(server.requests().size(), 4u);
  for (const auto& q : server.requests()) {
    EXPECT_EQ(q["status"], 200);
    EXPECT_TRUE(q["range"].is_null());
  }
  // Again: every file is there with its MD5, so nothing is fetched.
  r = download::download_file_set(server.url(), m.files, m.target, {}, rec);
  EXPECT_EQ(r.fetched, 0);
  EXPECT_EQ(r.reused, 4);
  EXPECT_EQ(server.requests().size(), 4u);
}

TEST(Download, CorruptFileIsDeletedNamedWithBothSumsAndLeavesTheTargetUntouched) {
  Mnist m;
  const std::string bad = "t10k-images-idx3-ubyte.gz";
  const std::vector<uint8_t> good_bytes = read_bytes(m.served / bad);
  std::vector<uint8_t> corrupt = good_bytes;
  corrupt[corrupt.size() / 2] ^= 0x5a;
  write_bytes(m.served / bad, corrupt);
  LocalServer server(m.served, m.work);
  Recorder rec;
  const std::string msg = io_error([&] { download::download_file_set(server.url(), m.files, m.target, {}, rec); });
  EXPECT_NE(msg.find(bad), std::string::npos) << msg;
  EXPECT_NE(msg.find(server.url() + bad), std::string::npos) << msg;
  EXPECT_NE(msg.find(md5sum_of(m.served / bad)), std::string::npos) << msg;  // what came
  EXPECT_NE(msg.find(download::md5_hex(std::string(good_bytes.begin(), good_bytes.end()))), std::string::npos)
      << msg;  // what was expected
  EXPECT_FALSE(fs::exists(m.target));
  const fs::path stage = download::staging_dir(m.target);
  EXPECT_FALSE(fs::exists(stage / (bad + ".part")));                        // a corrupt file is not resumed
  EXPECT_TRUE(fs::exists(stage / "ready" / "train-images-idx3-ubyte.gz"));  // checked ones wait
  // The server is fixed: only the corrupt file and the one after it are fetched.
  write_bytes(m.served / bad, good_bytes);
  download::FileSetResult r = download::download_file_set(server.url(), m.files, m.target, {}, rec);
  EXPECT_EQ(r.fetched, 2);
  EXPECT_EQ(r.reused, 2);
  m.expect_same_files();
  EXPECT_EQ(m.requests_for(server, "train-images-idx3-ubyte.gz").size(), 1u);
  EXPECT_EQ(m.requests_for(server, bad).size(), 2u);
}

TEST(Download, ConnectionCutMidFileIsResumedByTheNextRun) {
  Mnist m;
  LocalServer server(m.served, m.work, 1000);
  Recorder rec;
  download::FetchOptions once;
  once.retries = 0;
  const std::string msg = io_error([&] { download::download_file_set(server.url(), m.files, m.target, once, rec); });
  EXPECT_NE(msg.find(server.url() + "train-images-idx3-ubyte.gz"), std::string::npos) << msg;
  EXPECT_NE(msg.find("resumes"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(m.target));
  const fs::path part = download::staging_dir(m.target) / "train-images-idx3-ubyte.gz.part";
  ASSERT_TRUE(fs::exists(part));
  EXPECT_EQ(fs::file_size(part), 1000u);

  // (t10k-images is cut too, its first time, and resumed within this call.)
  download::FileSetResult r = download::download_file_set(server.url(), m.files, m.target, {}, rec);
  EXPECT_EQ(r.fetched, 4);
  m.expect_same_files();
  const auto first = m.requests_for(server, "train-images-idx3-ubyte.gz");
  ASSERT_EQ(first.size(), 2u);
  EXPECT_TRUE(first[0]["range"].is_null());
  EXPECT_EQ(first[1]["range"], "bytes=1000-");
  EXPECT_EQ(first[1]["status"], 206);
  EXPECT_EQ(first[1]["bytes"].get<int64_t>(),
            static_cast<int64_t>(fs::file_size(m.served / "train-images-idx3-ubyte.gz")) - 1000);
}

TEST(Download, ConnectionCutMidFileIsResumedWithinOneRun) {
  Mnist m;
  LocalServer server(m.served, m.work, 1000);
  Recorder rec;
  download::FileSetResult r = download::download_file_set(server.url(), m.files, m.target, {}, rec);
  EXPECT_EQ(r.fetched, 4);
  m.expect_same_files();
  for (const auto& name : {"train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"}) {
    const auto q = m.requests_for(server, name);
    ASSERT_EQ(q.size(), 2u) << name;
    EXPECT_EQ(q[1]["range"], "bytes=1000-") << name;
  }
  EXPECT_EQ(m.requests_for(server, "t10k-labels-idx1-ubyte.gz").size(), 1u);  // under 1000 bytes: never cut
  EXPECT_EQ(rec.messages.size(), 2u);
}

// A server that ignores Range requests: the cut file is started over, not appended to.
TEST(Download, ServerIgnoringRangeHasTheCutFileStartedOver) {
  Mnist m;
  LocalServer server(m.served, m.work, 1000, true);
  Recorder rec;
  EXPECT_EQ(download::download_file_set(server.url(), m.files, m.target, {}, rec).fetched, 4);
  m.expect_same_files();
  const auto q = m.requests_for(server, "train-images-idx3-ubyte.gz");
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[1]["range"], "bytes=1000-");  // answered 200: refused by libcurl before any byte is written
  EXPECT_EQ(q[1]["status"], 200);
  EXPECT_TRUE(q[2]["range"].is_null());
}

// A partial file longer than the server's (416): started over. Redirects are followed.
TEST(Download, StalePartialFileIsStartedOverAndRedirectsAreFollowed) {
  Mnist m;
  LocalServer server(m.served, m.work);
  const fs::path stage = download::staging_dir(m.target);
  const std::string name = "train-labels-idx1-ubyte.gz";
  write_bytes(stage / (name + ".part"), std::vector<uint8_t>(fs::file_size(m.served / name) + 10, 7));
  Recorder rec;
  EXPECT_EQ(download::download_file_set(server.url() + "moved/", m.files, m.target, {}, rec).fetched, 4);
  m.expect_same_files();
  const auto q = m.requests_for(server, name);
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0]["status"], 416);
  EXPECT_EQ(q[1]["status"], 200);
  EXPECT_EQ(m.requests_for(server, "moved/" + name).size(), 2u);  // each answered 301
}

TEST(Download, NotFoundNamesTheUrl) {
  Mnist m;
  fs::remove(m.served / "t10k-labels-idx1-ubyte.gz");
  LocalServer server(m.served, m.work);
  Recorder rec;
  const std::string msg = io_error([&] { download::download_file_set(server.url(), m.files, m.target, {}, rec); });
  EXPECT_NE(msg.find("HTTP 404"), std::string::npos) << msg;
  EXPECT_NE(msg.find(server.url() + "t10k-labels-idx1-ubyte.gz"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(m.target));
  EXPECT_FALSE(fs::exists(download::staging_dir(m.target) / "t10k-labels-idx1-ubyte.gz.part"));
}

TEST(Download, NoServerIsAClearError) {
  Mnist m;
  Recorder rec;
  const std::string url = "http://127.0.0.1:" + std::to_string(unused_port()) + "/";
  const std::string msg = io_error([&] { download::download_file_set(url, m.files, m.target, {}, rec); });
  EXPECT_NE(msg.find("cannot connect"), std::string::npos) << msg;
  EXPECT_NE(msg.find(url + "train-images-idx3-ubyte.gz"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(m.target));
  EXPECT_FALSE(fs::exists(download::staging_dir(m.target)));  // nothing to resume: no staging folder left
}

// Two downloads of one dataset at once: the second is refused while the first holds the
// staging folder's lock, and nothing is fetched for it.
TEST(Download, ASecondDownloadOfTheSameSetIsRefusedWhileTheFirstRuns) {
  Mnist m;
  LocalServer server(m.served, m.work);
  Recorder rec;
  {
    io::DirectoryLock first(download::staging_dir(m.target), "download folder");
    const std::string msg = io_error([&] { download::download_file_set(server.url(), m.files, m.target, {}, rec); });
    EXPECT_NE(msg.find("is being written by another nnlab (pid " + std::to_string(::getpid())), std::string::npos)
        << msg;
    EXPECT_TRUE(server.requests().empty());
  }
  EXPECT_EQ(download::download_file_set(server.url(), m.files, m.target, {}, rec).fetched, 4);
}

TEST(Download, DatasetTableNamesTheFilesTheReadersLookFor) {
  for (const auto& info : data::known_datasets()) {
    const download::DatasetSource* s = download::find_source(info.name);
    if (info.published.find("scikit-learn") != std::string::npos) {
      EXPECT_EQ(s, nullptr) << info.name;
      continue;
    }
    ASSERT_NE(s, nullptr) << info.name;
    EXPECT_TRUE(s->base_url.starts_with("http") && s->base_url.ends_with("/")) << s->base_url;
    TempDir dir;
    for (const auto& f : s->files) {
      EXPECT_EQ(f.md5.size(), 32u) << f.name;
      write_text(dir / f.name, "");
    }
    EXPECT_TRUE(data::locate_dataset(info.name, dir.path()).dir.has_value()) << info.name;
  }
}

TEST(Download, DatasetDownloadUsesTheMirrorAndChecksItsInput) {
  Mnist m;
  LocalServer server(m.served, m.work);
  Recorder rec;
  download::DatasetDownload d;
  d.name = "mnist";
  d.mirror = server.url().substr(0, server.url().size() - 1);  // without the final '/'
  d.data_dir = m.tmp / "data";
  for (const auto& f : m.files) d.md5_overrides[f.name] = f.md5;
  EXPECT_EQ(download::download_dataset(d, rec).fetched, 4);
  EXPECT_EQ(data::load_dataset(load_options("mnist", m.tmp / "data")).train.size(), 300);

  d.md5_overrides.erase("t10k-labels-idx1-ubyte.gz");
  EXPECT_THROW(download::download_dataset(d, rec), ConfigError);
  d.mirror = "ftp://example.org/mnist/";
  EXPECT_THROW(download::download_dataset(d, rec), ConfigError);
  for (const char* bad : {"http://", "example.org/mnist", "https:///x", "http://a b/"})
    EXPECT_THROW(download::check_mirror(bad, "`mirror`"), ConfigError) << bad;
  EXPECT_NO_THROW(download::check_mirror("HTTPS://mirror.example.org/data", "`mirror`"));
  d.mirror.clear();
  d.name = "iris";
  EXPECT_THROW(download::download_dataset(d, rec), ConfigError);
  d.name = "no-such-set";
  EXPECT_THROW(download::download_dataset(d, rec), ConfigError);
}
