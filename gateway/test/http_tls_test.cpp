// The web server's TLS (HttpLoop::UseTls) on a self-signed certificate made here with the openssl
// command (Debian's openssl): pages and event streams over HTTPS with the certificate verified,
// a client that does not trust it and a plain-HTTP client refused, and bad key files refused by name.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "http_loop.h"
#include "taifeng/base/error.h"

namespace taifeng::gateway::web {
namespace {

namespace fs = std::filesystem;

class HttpTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("taifeng-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    ::umask(077);
    for (const char* name : {"a", "b"}) {  // two certificates: "b"'s key is not "a"'s
      const std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 "
                              "-addext subjectAltName=IP:127.0.0.1 -keyout " + (dir_ / (std::string(name) + ".key")).string() + " -out " +
                              (dir_ / (std::string(name) + ".crt")).string() + " 2>/dev/null";
      ASSERT_EQ(std::system(cmd.c_str()), 0) << "the openssl command (scripts/setup.sh installs it)";
    }
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string File(const char* name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(HttpTlsTest, PagesAndEventStreamsOverHttpsWithTheCertificateVerified) {
  HttpLoop loop;
  loop.Route("/hello", [](const HttpRequest&) {
    HttpResponse r;
    r.body = std::string(100000, 'x') + "end";  // larger than one TLS record
    return r;
  });
  loop.Stream("/events", [] { return std::string("event: update\ndata: first\n\n"); });
  loop.UseTls(File("a.crt"), File("a.key"));
  const int port = loop.Listen("127.0.0.1", 0);
  loop.Start();

  httplib::SSLClient https("127.0.0.1", port);
  https.set_ca_cert_path(File("a.crt"));
  https.enable_server_certificate_verification(true);
  const auto page = https.Get("/hello");
  ASSERT_TRUE(page) << httplib::to_string(page.error());
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->body.size(), 100003u);
  EXPECT_EQ(page->body.substr(100000), "end");
  EXPECT_EQ(https.Get("/hello")->status, 200) << "kept alive";

  // An event stream over TLS: the first event, then a broadcast.
  std::atomic<bool> got_broadcast{false};
  std::string seen;
  std::thread page_thread([&] {
    httplib::SSLClient sse("127.0.0.1", port);
    sse.set_ca_cert_path(File("a.crt"));
    sse.enable_server_certificate_verification(true);
    sse.set_read_timeout(10, 0);
    sse.Get("/events", [&](const char* data, std::size_t n) {
      seen.append(data, n);
      if (seen.find("data: second") != std::string::npos) got_broadcast = true;
      return !got_broadcast.load();
    });
  });
  for (int i = 0; i < 200 && loop.stats().streams == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  loop.Broadcast("event: update\ndata: second\n\n");
  page_thread.join();
  EXPECT_TRUE(got_broadcast.load()) << seen;
  EXPECT_NE(seen.find("data: first"), std::string::npos);

  // A client that does not trust the certificate, and one that speaks plain HTTP, get nothing.
  httplib::SSLClient untrusting("127.0.0.1", port);
  untrusting.set_ca_cert_path(File("b.crt"));
  untrusting.enable_server_certificate_verification(true);
  EXPECT_FALSE(untrusting.Get("/hello"));
  httplib::Client plain("127.0.0.1", port);
  plain.set_read_timeout(3, 0);
  const auto refused = plain.Get("/hello");
  EXPECT_TRUE(!refused || refused->status != 200);
  EXPECT_EQ(https.Get("/hello")->status, 200) << "still serving";
  loop.Stop();
}

TEST_F(HttpTlsTest, BadKeyFilesAreRefusedByName) {
  HttpLoop loop;
  ::chmod(File("a.key").c_str(), 0644);
  try {
    loop.UseTls(File("a.crt"), File("a.key"));
    ADD_FAILURE() << "a key others can read was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("readable by group or others"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(File("a.key")), std::string::npos);
  }
  ::chmod(File("a.key").c_str(), 0600);
  try {
    loop.UseTls(File("a.crt"), File("b.key"));
    ADD_FAILURE() << "another certificate's key was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is not the key of"), std::string::npos) << e.what();
  }
  EXPECT_THROW(loop.UseTls(File("missing.crt"), File("a.key")), Error);
  EXPECT_THROW(loop.UseTls(File("a.crt"), File("missing.key")), Error);
  EXPECT_NO_THROW(loop.UseTls(File("a.crt"), File("a.key")));
}

}  // namespace
}  // namespace taifeng::gateway::web
