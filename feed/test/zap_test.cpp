// CURVE keys and the ZAP handler on real ZeroMQ sockets on 127.0.0.1: a listed key gets the feed and
// is named; an unknown key or no key gets nothing, and the refusal is logged with the key.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

#include "taifeng/base/error.h"
#include "taifeng/feed/keys.h"
#include "taifeng/feed/zap.h"

namespace taifeng::feed {
namespace {

class KeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("taifeng_keys_" + std::to_string(::getpid()) + "_" +
                                                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(KeysTest, GenerateWriteReadAndDirectories) {
  const Certificate c = GenerateCertificate("gw-display");
  EXPECT_EQ(c.public_key.size(), 40u);
  EXPECT_EQ(c.secret_key.size(), 40u);
  WriteCertificate(dir_, c);
  struct stat st{};
  ASSERT_EQ(::stat((dir_ / "gw-display.key_secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const Certificate pub = ReadCertificate(dir_ / "gw-display.key");
  EXPECT_EQ(pub.name, "gw-display");
  EXPECT_EQ(pub.public_key, c.public_key);
  EXPECT_TRUE(pub.secret_key.empty());
  EXPECT_EQ(ReadCertificate(dir_ / "gw-display.key_secret").secret_key, c.secret_key);
  try {
    WriteCertificate(dir_, GenerateCertificate("gw-display"));
    FAIL() << "overwrote a key";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kRefused);
  }
  WriteCertificate(dir_, GenerateCertificate("gw-sms"));
  const auto keys = ReadKeyDirectory(dir_);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys.at(c.public_key), "gw-display");
  EXPECT_THROW(GenerateCertificate("bad name"), Error);
  std::ofstream(dir_ / "broken.key") << "curve\n    public-key = \"short\"\n";
  try {
    ReadKeyDirectory(dir_);
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.field(), "public-key");
  }
}

// Under umask 000 the key directory is 0700 and no secret-key file (nor its temporary file) is
// readable by others at any moment: a watcher stats every entry while 40 certificates are
// written. A symlink planted at the old fixed temporary name is not followed.
TEST_F(KeysTest, SecretKeysAreNeverReadableByOthers) {
  const mode_t old = ::umask(0);
  std::filesystem::create_directories(dir_.parent_path());
  std::atomic<bool> done{false};
  std::atomic<int> seen_secret{0}, exposed{0};
  std::thread watcher([&] {
    while (!done.load()) {
      std::error_code ec;
      for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
        if (e.path().filename().string().find("key_secret") == std::string::npos) continue;
        struct stat st{};
        if (::lstat(e.path().c_str(), &st) != 0 || S_ISLNK(st.st_mode)) continue;
        ++seen_secret;
        if (st.st_mode & 0077) ++exposed;
      }
    }
  });
  std::filesystem::create_directories(dir_.parent_path());
  WriteCertificate(dir_, GenerateCertificate("first"));
  const std::filesystem::path victim = dir_.parent_path() / ("taifeng_keys_victim_" + std::to_string(::getpid()));
  std::ofstream(victim) << "keep";
  std::filesystem::create_symlink(victim, dir_ / "planted.key_secret.tmp");
  for (int i = 0; i < 40; ++i) WriteCertificate(dir_, GenerateCertificate("k" + std::to_string(i)));
  WriteCertificate(dir_, GenerateCertificate("planted"));
  done = true;
  watcher.join();
  ::umask(old);
  struct stat st{};
  ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((dir_ / "k7.key_secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_GT(seen_secret.load(), 0);
  EXPECT_EQ(exposed.load(), 0);
  std::ifstream in(victim);
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "keep");
  std::filesystem::remove(victim);
}

// A PUB with CURVE on 127.0.0.1 and the ZAP handler; subscribers with a listed key, an unknown key
// and no key; a ROUTER that reads the User-Id the handler set.
TEST(ZapTest, OnlyListedKeysReceiveAndAreNamed) {
  zmq::context_t ctx;
  const Certificate server = GenerateCertificate("server"), gateway = GenerateCertificate("gw"),
                    stranger = GenerateCertificate("stranger"), op = GenerateCertificate("duty");
  std::mutex log_mutex;
  std::vector<std::string> log;
  ZapHandler zap(ctx, {{gateway.public_key, {"gw", "gateway"}}, {op.public_key, {"duty", "operator"}}}, [&](const std::string& s) {
    std::lock_guard<std::mutex> lock(log_mutex);
    log.push_back(s);
  });
  auto server_socket = [&](zmq::socket_type type) {
    zmq::socket_t s(ctx, type);
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::curve_server, 1);
    s.set(zmq::sockopt::curve_secretkey, server.secret_key);
    s.bind("tcp://127.0.0.1:*");
    return s;
  };
  zmq::socket_t pub = server_socket(zmq::socket_type::pub);
  const std::string endpoint = pub.get(zmq::sockopt::last_endpoint);
  auto subscriber = [&](const Certificate* c) {
    zmq::socket_t s(ctx, zmq::socket_type::sub);
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::rcvtimeo, 100);
    if (c) {
      s.set(zmq::sockopt::curve_serverkey, server.public_key);
      s.set(zmq::sockopt::curve_publickey, c->public_key);
      s.set(zmq::sockopt::curve_secretkey, c->secret_key);
    }
    s.set(zmq::sockopt::subscribe, "");
    s.connect(endpoint);
    return s;
  };
  zmq::socket_t good = subscriber(&gateway), bad = subscriber(&stranger), plain = subscriber(nullptr);
  int got_good = 0, got_bad = 0, got_plain = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < until && got_good < 5) {
    pub.send(zmq::str_buffer("typhoon.440400"), zmq::send_flags::none);
    zmq::message_t m;
    if (good.recv(m)) ++got_good;
    if (bad.recv(m, zmq::recv_flags::dontwait)) ++got_bad;
    if (plain.recv(m, zmq::recv_flags::dontwait)) ++got_plain;
  }
  EXPECT_GE(got_good, 5);
  EXPECT_EQ(got_bad, 0);
  EXPECT_EQ(got_plain, 0);
  EXPECT_GE(zap.refused(), 1u);
  {
    std::lock_guard<std::mutex> lock(log_mutex);
    const bool named = std::any_of(log.begin(), log.end(), [&](const std::string& s) { return s.find(stranger.public_key) != std::string::npos; });
    EXPECT_TRUE(named) << (log.empty() ? "no log" : log.front());
  }
  // The User-Id names the peer and its role.
  zmq::socket_t router = server_socket(zmq::socket_type::router);
  zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.set(zmq::sockopt::curve_serverkey, server.public_key);
  dealer.set(zmq::sockopt::curve_publickey, op.public_key);
  dealer.set(zmq::sockopt::curve_secretkey, op.secret_key);
  dealer.connect(router.get(zmq::sockopt::last_endpoint));
  dealer.send(zmq::str_buffer("hello"), zmq::send_flags::none);
  router.set(zmq::sockopt::rcvtimeo, 3000);
  zmq::message_t id, body;
  ASSERT_TRUE(router.recv(id));
  ASSERT_TRUE(router.recv(body));
  EXPECT_EQ(body.to_string(), "hello");
  EXPECT_EQ(std::string(body.gets("User-Id")), "operator:duty");
}

}  // namespace
}  // namespace taifeng::feed

namespace taifeng::feed {
namespace {

// A flood of handshakes from unknown keys is refused one by one but logged in a bounded number of
// lines (it once wrote one line per handshake: 2,000 lines in 10 s).
TEST(ZapTest, AFloodOfRefusedHandshakesWritesABoundedLog) {
  zmq::context_t ctx;
  const Certificate server = GenerateCertificate("server");
  std::mutex log_mutex;
  std::vector<std::string> log;
  {
    ZapHandler zap(ctx, {}, [&](const std::string& s) {
      std::lock_guard<std::mutex> lock(log_mutex);
      log.push_back(s);
    });
    zmq::socket_t router(ctx, zmq::socket_type::router);
    router.set(zmq::sockopt::linger, 0);
    router.set(zmq::sockopt::curve_server, 1);
    router.set(zmq::sockopt::curve_secretkey, server.secret_key);
    router.bind("tcp://127.0.0.1:*");
    const std::string endpoint = router.get(zmq::sockopt::last_endpoint);
    constexpr std::size_t kFlood = 200;
    std::vector<zmq::socket_t> clients;
    for (std::size_t i = 0; i < kFlood; ++i) {
      const Certificate c = GenerateCertificate("x");
      zmq::socket_t d(ctx, zmq::socket_type::dealer);
      d.set(zmq::sockopt::linger, 0);
      d.set(zmq::sockopt::reconnect_ivl, -1);  // one handshake each
      d.set(zmq::sockopt::curve_serverkey, server.public_key);
      d.set(zmq::sockopt::curve_publickey, c.public_key);
      d.set(zmq::sockopt::curve_secretkey, c.secret_key);
      d.connect(endpoint);
      clients.push_back(std::move(d));
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (zap.refused() < kFlood && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(zap.refused(), kFlood);
    clients.clear();
    router.close();
  }
  std::lock_guard<std::mutex> lock(log_mutex);
  EXPECT_LE(log.size(), static_cast<std::size_t>(ZapHandler::kLogBurst) + 1);
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log.back().find(std::to_string(200 - ZapHandler::kLogBurst) + " more refused clients"), std::string::npos) << log.back();
}

}  // namespace
}  // namespace taifeng::feed
