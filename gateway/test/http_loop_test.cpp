// The web gateway's request reading and ranges (http_loop.h), and the fuzzer's kept inputs
// (tests/data/fuzz/http/, from scripts/fuzz.sh http) replayed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "http_loop.h"

namespace taifeng::gateway::web {
namespace {

int Status(const std::string& head) {
  const RequestHead h = ParseRequestHead(head, HttpLimits{});
  return h.refusal ? h.refusal->status : 200;
}

TEST(HttpLoopTest, RequestHeadsAreReadStrictlyAndBounded) {
  const RequestHead ok = ParseRequestHead("GET /alerts.atom?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nRange:  bytes=0-9 ", HttpLimits{});
  ASSERT_FALSE(ok.refusal);
  EXPECT_EQ(ok.request.path, "/alerts.atom");
  EXPECT_EQ(ok.request.query, "x=1");
  EXPECT_EQ(ok.request.Header("host"), "127.0.0.1:8080");
  EXPECT_EQ(ok.request.Header("range"), "bytes=0-9");
  EXPECT_TRUE(ok.keep_alive);
  EXPECT_FALSE(ParseRequestHead("GET / HTTP/1.0", HttpLimits{}).keep_alive);
  EXPECT_FALSE(ParseRequestHead("GET / HTTP/1.1\r\nConnection: close", HttpLimits{}).keep_alive);
  EXPECT_EQ(Status("POST /api/warnings HTTP/1.1\r\nContent-Length: 1"), 405);
  EXPECT_EQ(Status("GET / HTTP/1.1\r\nContent-Length: 5"), 413);
  EXPECT_EQ(Status("GET / HTTP/1.1\r\nTransfer-Encoding: chunked"), 501);
  EXPECT_EQ(Status("GET / HTTP/2.0"), 505);
  EXPECT_EQ(Status("GET http://elsewhere/ HTTP/1.1"), 400);
  EXPECT_EQ(Status("GET /a\x01 HTTP/1.1"), 400);
  EXPECT_EQ(Status("GET / HTTP/1.1\r\n folded: header"), 400);
  EXPECT_EQ(Status("GET / HTTP/1.1\r\nno colon"), 400);
  EXPECT_EQ(Status("GET"), 400);
  std::string many = "GET / HTTP/1.1";
  for (int i = 0; i < 65; ++i) many += "\r\nX-" + std::to_string(i) + ": y";
  EXPECT_EQ(Status(many), 431);
}

TEST(HttpLoopTest, OneRangeIsServedSeveralAreRefused) {
  const auto with = [](const std::string& range) {
    HttpRequest req;
    req.headers = {{"range", range}};
    HttpResponse r;
    r.body = "0123456789";
    ApplyRange(req, r);
    return r;
  };
  HttpResponse r = with("bytes=2-4");
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, "234");
  EXPECT_EQ(with("bytes=7-").body, "789");
  EXPECT_EQ(with("bytes=-2").body, "89");
  EXPECT_EQ(with("bytes=5-999").body, "56789");
  EXPECT_EQ(with("bytes=0-,0-,0-").status, 416);
  EXPECT_EQ(with("bytes=10-").status, 416);
  EXPECT_EQ(with("bytes=99999999999999999999-").status, 200);  // not understood: ignored, the whole
  EXPECT_EQ(with("lines=1-2").status, 200);
  EXPECT_EQ(with("bytes=4-2").status, 416);
}

TEST(HttpLoopTest, TheFuzzersKeptInputsAreReadWithoutCrashing) {
  const std::filesystem::path dir = std::filesystem::path(TAIFENG_SOURCE_DIR) / "tests/data/fuzz/http";
  int n = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::ifstream in(e.path(), std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const RequestHead h = ParseRequestHead(data.substr(0, data.find("\r\n\r\n")), HttpLimits{});
    if (!h.refusal) {
      HttpResponse r;
      r.body.assign(1000, 'x');
      ApplyRange(h.request, r);
      EXPECT_TRUE(r.status == 200 || r.status == 206 || r.status == 416) << e.path();
    }
    ++n;
  }
  EXPECT_GE(n, 8) << "scripts/fuzz.sh http keeps 8 inputs";
}

}  // namespace
}  // namespace taifeng::gateway::web
