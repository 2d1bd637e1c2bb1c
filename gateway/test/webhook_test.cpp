// The webhook channel against local receivers that misbehave: a raw TCP server that drops the
// connection, answers 500, answers too late, then 200 (a JSON webhook), and cpp-httplib servers
// that speak the WeChat robot's error codes.
#include "taifeng/gateway/webhook.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "taifeng/base/error.h"
#include "taifeng/base/utf8.h"
#include "taifeng/gateway/channel.h"

namespace taifeng::gateway {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

Bulletin Message(int i, const std::string& region = "810000", const std::string& status = "Exercise") {
  Bulletin b;
  b.seq = i;
  b.identifier = "TF-" + std::to_string(i);
  b.sender = "hk.taifeng.local";
  b.region = region;
  b.region_name = "香港";
  b.region_name_en = "Hong Kong";
  b.msg_type = "Alert";
  b.status = status;
  b.sent = "2018-09-16T09:40:00+08:00";
  b.headline_zh = "八號東北烈風或暴風信號現正生效";
  b.headline_en = "The No. 8 Northeast Gale or Storm Signal is in force";
  b.label_zh = "八號東北烈風或暴風信號";
  b.time_label_zh = "香港時間";
  b.storm_name = "MANGKHUT";
  b.storm_number = "1822";
  b.json = json{{"identifier", b.identifier}, {"region", region}, {"situation", {{"x", 1}}}}.dump();
  b.cap = "<alert>" + b.identifier + "</alert>";
  return b;
}

fs::path TempDir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("taifeng-webhook-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

fs::path PrivateFile(const fs::path& p, const std::string& text, mode_t mode = 0600) {
  std::ofstream(p) << text;
  ::chmod(p.c_str(), mode);
  return p;
}

TEST(WebhookTest, EndpointsFileIsPrivateAndCheckedLineByLine) {
  const fs::path d = TempDir("endpoints");
  const std::string good = "# robots\nduty wecom https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET 810000 440300\nbridge json http://127.0.0.1:9/x\n";
  const auto e = LoadWebhookEndpoints(PrivateFile(d / "ok.txt", good));
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].format, WebhookFormat::kWeCom);
  EXPECT_TRUE(e[0].Wants("810000"));
  EXPECT_FALSE(e[0].Wants("440100"));
  EXPECT_TRUE(e[1].Wants("440100"));
  try {
    LoadWebhookEndpoints(PrivateFile(d / "open.txt", good, 0644));
    FAIL();
  } catch (const Error& ex) {
    EXPECT_EQ(ex.code(), ErrorCode::kRefused);
  }
  try {
    LoadWebhookEndpoints(PrivateFile(d / "bad.txt", "a json http://x/\nb weibo http://y/\n"));
    FAIL();
  } catch (const ParseError& ex) {
    EXPECT_NE(std::string(ex.what()).find("bad.txt:2"), std::string::npos) << ex.what();
    EXPECT_NE(std::string(ex.what()).find("wecom or json"), std::string::npos) << ex.what();
  }
  EXPECT_THROW(LoadWebhookEndpoints(PrivateFile(d / "ftp.txt", "a json ftp://x/\n")), ParseError);
  EXPECT_THROW(LoadWebhookEndpoints(PrivateFile(d / "twice.txt", "a json http://x/\na json http://y/\n")), ParseError);
  EXPECT_THROW(LoadWebhookEndpoints(PrivateFile(d / "empty.txt", "# nothing\n")), ParseError);
  fs::remove_all(d);
}

TEST(WebhookTest, WeComMarkdownFitsTheRobotsLimitInLocalTime) {
  Bulletin b = Message(1);
  const std::string md = WeComMarkdown(b);
  EXPECT_NE(md.find("演习 EXERCISE"), std::string::npos);
  EXPECT_NE(md.find("2018-09-16 09:40 香港時間"), std::string::npos);
  EXPECT_NE(md.find("MANGKHUT (1822)"), std::string::npos);
  const json p = json::parse(WebhookPayload(b, WebhookFormat::kWeCom));
  EXPECT_EQ(p["msgtype"], "markdown");
  for (int k = 0; k < 500; ++k) b.headline_zh += "烈風";  // 3,000 bytes more
  b.headline_en = std::string(3000, 'x');
  const std::string cut = WeComMarkdown(b);
  EXPECT_LE(cut.size(), kWeComMaxBytes);
  EXPECT_TRUE(IsValidUtf8(cut));
  EXPECT_EQ(cut.substr(cut.size() - 3), "…");
  const json j = json::parse(WebhookPayload(Message(2), WebhookFormat::kJson));
  EXPECT_EQ(j["identifier"], "TF-2");
  EXPECT_EQ(j["cap"], "<alert>TF-2</alert>");
  EXPECT_FALSE(j.contains("situation"));
}

TEST(WebhookTest, AnswersAreReadAsThePlatformsDocumentThem) {
  using O = WebhookOutcome;
  auto judge = [](WebhookFormat f, int status, const std::string& body = "", std::int64_t after = -1) {
    WebhookResponse r;
    r.status = status, r.body = body, r.retry_after_s = after;
    if (status == 0) r.error = "Connection";
    return JudgeWebhook(f, r);
  };
  const auto wc = WebhookFormat::kWeCom, js = WebhookFormat::kJson;
  EXPECT_EQ(judge(wc, 200, R"({"errcode":0,"errmsg":"ok"})").outcome, O::kDelivered);
  const auto freq = judge(wc, 200, R"({"errcode":45009,"errmsg":"api freq out of limit"})");
  EXPECT_EQ(freq.outcome, O::kRetry);
  EXPECT_GE(freq.wait_ms, 60000);
  EXPECT_EQ(judge(wc, 200, R"({"errcode":93000,"errmsg":"invalid webhook url"})").outcome, O::kFailed);
  EXPECT_EQ(judge(wc, 200, R"({"errcode":-1,"errmsg":"system busy"})").outcome, O::kRetry);
  EXPECT_EQ(judge(wc, 200, "<html>").outcome, O::kRetry);
  EXPECT_EQ(judge(wc, 502).outcome, O::kRetry);
  EXPECT_EQ(judge(wc, 404).outcome, O::kFailed);
  EXPECT_EQ(judge(js, 0).outcome, O::kRetry);
  EXPECT_EQ(judge(js, 204).outcome, O::kDelivered);
  EXPECT_EQ(judge(js, 409).outcome, O::kDelivered);
  EXPECT_EQ(judge(js, 429, "", 120).wait_ms, 120000);
  EXPECT_EQ(judge(js, 400).outcome, O::kFailed);
}

// A raw HTTP/1.1 receiver that, for each Idempotency-Key, in turn: drops the connection unanswered,
// answers 500, answers 200 after `late_ms` (after the client's timeout), then answers 200 at once.
// It records each request's Idempotency-Key.
class MisbehavingReceiver {
 public:
  explicit MisbehavingReceiver(int late_ms) : late_ms_(late_ms) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 16);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~MisbehavingReceiver() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  std::vector<std::string> keys() {
    std::lock_guard<std::mutex> lock(mutex_);
    return keys_;
  }

 private:
  void Run() {
    while (!stop_) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      for (;;) {  // headers, then Content-Length bytes of body
        const auto h = req.find("\r\n\r\n");
        if (h != std::string::npos) {
          const auto cl = req.find("Content-Length: ");
          const std::size_t len = cl == std::string::npos ? 0 : std::stoul(req.substr(cl + 16));
          if (req.size() >= h + 4 + len) break;
        }
        const ssize_t got = ::recv(c, buf, sizeof buf, 0);
        if (got <= 0) break;
        req.append(buf, static_cast<std::size_t>(got));
      }
      int step = 0;
      {
        const auto k = req.find("Idempotency-Key: ");
        std::lock_guard<std::mutex> lock(mutex_);
        keys_.push_back(k == std::string::npos ? "" : req.substr(k + 17, req.find("\r\n", k) - k - 17));
        step = std::min(3, seen_[keys_.back()]++);
      }
      if (step == 2) std::this_thread::sleep_for(std::chrono::milliseconds(late_ms_));
      const std::string reply = step == 1 ? "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                          : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
      if (step != 0) (void)::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }
  int late_ms_, fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<std::string> keys_;
  std::map<std::string, int> seen_;
  std::thread thread_;
};

// A WeChat robot: "busy" (errcode -1) on the first request, then ok; a second robot whose key is
// invalid (93000) on every request.
class FakeRobots {
 public:
  FakeRobots() {
    server_.Post("/cgi-bin/webhook/send", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mutex_);
      const std::string key = req.get_param_value("key");
      const int n = ++requests_[key];
      const json body = json::parse(req.body);
      if (body["msgtype"] != "markdown") res.set_content(R"({"errcode":40008,"errmsg":"invalid message type"})", "application/json");
      else if (key == "BAD") res.set_content(R"({"errcode":93000,"errmsg":"invalid webhook url"})", "application/json");
      else if (n == 1) res.set_content(R"({"errcode":-1,"errmsg":"system busy"})", "application/json");
      else res.set_content(R"({"errcode":0,"errmsg":"ok"})", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~FakeRobots() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  int requests(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_[key];
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::mutex mutex_;
  std::map<std::string, int> requests_;
  std::thread thread_;
};

std::unique_ptr<Channel> MakeChannel(const std::vector<std::string>& args) {
  for (const ChannelEntry& e : ChannelRegistry()) {
    if (e.name != "webhook") continue;
    auto spec = e.make_spec();
    CLI::App app;
    spec->AddOptions(*app.add_option_group("webhook"));
    std::vector<std::string> argv(args.rbegin(), args.rend());
    app.parse(argv);
    spec->Check();
    return spec->Make(ChannelContext{});
  }
  return nullptr;
}

bool WaitFor(const std::function<bool()>& done, int ms) {
  for (int t = 0; t < ms; t += 50) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

TEST(WebhookTest, ExactlyOncePerEndpointThroughFailuresDelaysDropsAndARestart) {
  const fs::path d = TempDir("deliver");
  MisbehavingReceiver bridge(1500);
  FakeRobots robots;
  const std::string robot = "http://127.0.0.1:" + std::to_string(robots.port()) + "/cgi-bin/webhook/send?key=";
  PrivateFile(d / "endpoints.txt", "duty wecom " + robot + "GOOD 810000\nbroken wecom " + robot + "BAD\nbridge json http://127.0.0.1:" +
                                       std::to_string(bridge.port()) + "/alerts\n");
  const std::vector<std::string> args = {"--endpoints", (d / "endpoints.txt").string(), "--webhook-timeout", "1",
                                         "--webhook-backoff-ms", "100", "--webhook-outbox", (d / "outbox.sqlite").string()};
  Board board;
  feed::FeedEvent ev;
  ev.type = feed::FeedEvent::Type::kMessage;
  {
    auto channel = MakeChannel(args);
    ASSERT_NE(channel, nullptr);
    channel->OnUpdate(board, ev, {Message(1), Message(2, "440300")}, FeedStatus{});
    channel->OnUpdate(board, ev, {Message(1)}, FeedStatus{});  // the same message again (a replay): no new delivery
    // duty: TF-1 (its region) after one "busy"; broken: TF-1 and TF-2 fail once each, never retried;
    // bridge: TF-1 and TF-2 through a drop, a 500, a late answer, and an answer.
    ASSERT_TRUE(WaitFor([&] { return robots.requests("GOOD") == 2 && bridge.keys().size() >= 8; }, 20000))
        << robots.requests("GOOD") << " " << bridge.keys().size();
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // let the late answer and any retry finish
    channel->Stop();
  }
  EXPECT_EQ(robots.requests("GOOD"), 2);  // "busy", then ok: once delivered, never again
  EXPECT_EQ(robots.requests("BAD"), 2);   // invalid key: one attempt per message, no retry
  const auto keys = bridge.keys();
  std::map<std::string, int> per_key;
  for (const auto& k : keys) ++per_key[k];
  // Only TF-1 and TF-2, each with its own Idempotency-Key on every attempt: dropped, 500, too late
  // (the receiver got it: the repeat it sees next is the one the key lets it drop), then answered.
  EXPECT_EQ(per_key, (std::map<std::string, int>{{"TF-1", 4}, {"TF-2", 4}}));
  auto outbox = WebhookOutbox::Open(d / "outbox.sqlite");
  EXPECT_EQ(outbox->Count("delivered"), 3);  // duty TF-1, bridge TF-1, bridge TF-2
  EXPECT_EQ(outbox->Count("failed"), 2);     // broken TF-1, TF-2
  EXPECT_EQ(outbox->Count("pending"), 0);
  EXPECT_EQ(outbox->last_seq(), 2);
  outbox.reset();
  // A restart that gets the same messages again (a resumed feed) sends nothing more.
  const std::size_t before = keys.size();
  {
    auto channel = MakeChannel(args);
    channel->OnUpdate(board, ev, {Message(1), Message(2, "440300")}, FeedStatus{});
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    channel->Stop();
  }
  EXPECT_EQ(bridge.keys().size(), before);
  EXPECT_EQ(robots.requests("GOOD"), 2);
  fs::remove_all(d);
}

}  // namespace
}  // namespace taifeng::gateway
