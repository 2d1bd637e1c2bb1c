// The warning feed on real ZeroMQ sockets with CURVE on 127.0.0.1: a service on a real journal,
// operators commanding it, gateways subscribing with the client library, and peers that misbehave.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <zmq.hpp>

#include "taifeng/base/error.h"
#include "published_mark.h"
#include "taifeng/warnings/feed_summary.h"
#include "fault_env.h"
#include "taifeng/base/utf8.h"
#include "taifeng/feed/client.h"
#include "taifeng/warnings/feed_service.h"
#include "taifeng/warnings/operations.h"
#include "test_util.h"

namespace taifeng::warnings {
namespace {

using namespace feed;

using nlohmann::json;
using std::chrono::milliseconds;

constexpr std::int64_t kT0 = 1536969600;  // 2018-09-15T00:00:00Z

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t n = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  ::close(fd);
  return ntohs(a.sin_port);
}

class FeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("taifeng_feed_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    server_ = GenerateCertificate("service");
    gateway_ = GenerateCertificate("display");
    operator_ = GenerateCertificate("duty");
    stranger_ = GenerateCertificate("stranger");
    for (std::size_t i = 0; i < test::DefaultRegions()->size(); ++i) codes_.push_back(test::DefaultRegions()->region(i).code);
    const int p = FreePort();
    settings_.publish_endpoint = "tcp://127.0.0.1:" + std::to_string(p);
    settings_.sync_endpoint = "tcp://127.0.0.1:" + std::to_string(FreePort());
    settings_.control_endpoint = "tcp://127.0.0.1:" + std::to_string(FreePort());
    settings_.server = server_;
    settings_.gateway_keys = {{gateway_.public_key, "display"}};
    settings_.operator_keys = {{operator_.public_key, "duty"}};
    settings_.heartbeat_ms = 200;
    settings_.poll_ms = 20;
  }
  void TearDown() override {
    StopService();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path JournalPath() const { return dir_ / "journal.sqlite"; }
  std::unique_ptr<Desk> OpenDesk() const {
    return std::make_unique<Desk>(Journal::Open(JournalPath()), test::DefaultRules(), test::DefaultRegions(), test::Schema());
  }

  void StartService() {
    service_ = FeedService::Start(settings_, OpenDesk(), [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(log_mutex_);
      log_.push_back(line);
    });
    thread_ = std::thread([this] { service_->Run(); });
  }
  void StopService() {
    if (!service_) return;
    service_->RequestStop();
    thread_.join();
    service_.reset();
  }
  std::string Log() {
    std::lock_guard<std::mutex> lock(log_mutex_);
    std::string all;
    for (const auto& l : log_) all += l + "\n";
    return all;
  }

  FeedClientOptions Options(const Certificate& who) const {
    FeedClientOptions o;
    o.publish_endpoint = settings_.publish_endpoint;
    o.sync_endpoint = settings_.sync_endpoint;
    o.server_key = server_.public_key;
    o.certificate = who;
    o.heartbeat_timeout_ms = 1000;
    o.request_timeout_ms = 2000;
    return o;
  }
  std::unique_ptr<ControlClient> Control(const Certificate& who, int timeout_ms = 10000) const {
    return ControlClient::Connect(settings_.control_endpoint, server_.public_key, who, timeout_ms);
  }

  // A hindcast proposal of typhoon blue for every region (No. 3 in Hong Kong and Macau), written to the journal as `warn propose` does.
  void ProposeBlueEverywhere() {
    core::Hazard h;
    for (const auto& c : codes_) h.regions.push_back(test::RegionWith(*test::DefaultRules(), c, {{"typhoon.blue", 0.9}, {"typhoon.3", 0.9}}));
    auto desk = OpenDesk();
    const auto plan = Plan(desk->rules(), Evaluate(desk->rules(), h), desk->StateAt(kT0), kT0);
    ProposalSource src{"CMA-2018-22", "Mangkhut", kT0, true, "test", "", ""};
    desk->RecordProposal(plan, src, "duty", kT0);
  }
  // COMMIT through the control endpoint; returns the messages' identifiers.
  std::vector<std::string> Command(ControlClient& c, OperatorCommand cmd) {
    const json reply = json::parse(c.Request("COMMIT", CommandToJson(cmd)));
    std::vector<std::string> ids;
    for (const auto& m : reply.at("messages")) ids.push_back(m.at("identifier"));
    return ids;
  }
  std::vector<std::string> IssueAll(ControlClient& c) {
    ProposeBlueEverywhere();
    OperatorCommand cmd;
    cmd.action = "issue";
    cmd.all = true;
    cmd.status = "Exercise";
    return Command(c, cmd);
  }
  // An extension of every region's warning at kT0 + k * 10 min: one message per region.
  OperatorCommand CancelAll() const {
    OperatorCommand cmd;
    cmd.action = "cancel";
    cmd.targets = codes_;
    cmd.at_utc = kT0 + 60;
    return cmd;
  }
  std::vector<std::string> ExtendAll(ControlClient& c, int k) {
    OperatorCommand cmd;
    cmd.action = "update";
    cmd.targets = codes_;
    cmd.kind = "typhoon";
    cmd.extend_h = 6 + k % 12;
    cmd.at_utc = kT0 + 600 * k;
    return Command(c, cmd);
  }

  // Events until `done` says so or the time runs out.
  static std::vector<FeedEvent> Collect(FeedSubscriber& s, const std::function<bool(const std::vector<FeedEvent>&)>& done,
                                        milliseconds limit = milliseconds(15000)) {
    std::vector<FeedEvent> out;
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done(out) && std::chrono::steady_clock::now() < end)
      if (auto e = s.Next(milliseconds(50))) out.push_back(std::move(*e));
    return out;
  }
  // Waits for a first heartbeat: the subscriptions, sent before it on the same connection, are
  // then active at the service (before that, a message could be missed and later repaired).
  static void WaitLive(FeedSubscriber& s) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (s.stats().heartbeats == 0 && std::chrono::steady_clock::now() < end) {
      auto e = s.Next(milliseconds(20));
      ASSERT_FALSE(e && e->type == FeedEvent::Type::kMessage) << "a message before the test sent one";
    }
  }
  // The message sequence numbers delivered (snapshot warnings included), in delivery order.
  static std::vector<std::int64_t> Seqs(const std::vector<FeedEvent>& events, bool with_snapshot = true) {
    std::vector<std::int64_t> s;
    for (const auto& e : events)
      if (e.type == FeedEvent::Type::kMessage || (with_snapshot && e.type == FeedEvent::Type::kSnapshot))
        for (const auto& w : e.warnings) s.push_back(w.seq);
    return s;
  }
  static bool HasSeq(const std::vector<FeedEvent>& events, std::int64_t seq) {
    for (const auto s : Seqs(events))
      if (s == seq) return true;
    return false;
  }

  std::filesystem::path dir_;
  Certificate server_, gateway_, operator_, stranger_;
  std::vector<std::string> codes_;
  FeedServiceSettings settings_;
  std::unique_ptr<FeedService> service_;
  std::thread thread_;
  std::mutex log_mutex_;
  std::vector<std::string> log_;
};

TEST_F(FeedTest, SnapshotThenUpdatesInJournalOrderWithCapAndSummary) {
  StartService();
  auto control = Control(operator_);
  EXPECT_EQ(json::parse(control->Request("PING", "{}")).at("operator"), "duty");
  const auto issued = IssueAll(*control);
  ASSERT_EQ(issued.size(), codes_.size());
  auto sub = FeedSubscriber::Connect(Options(gateway_));
  auto events = Collect(*sub, [](const auto& ev) { return !ev.empty(); });
  ASSERT_EQ(events.size(), 1u);
  ASSERT_EQ(events[0].type, FeedEvent::Type::kSnapshot);
  EXPECT_EQ(events[0].seq, 23);
  EXPECT_EQ(events[0].warnings.size(), 23u);
  EXPECT_EQ(sub->state(), FeedSubscriber::State::kLive);
  WaitLive(*sub);

  const auto extended = ExtendAll(*control, 1);
  events = Collect(*sub, [](const auto& ev) { return ev.size() >= 23; });
  ASSERT_EQ(events.size(), 23u);
  auto desk = OpenDesk();
  const auto messages = desk->FullMessages();
  ASSERT_EQ(messages.size(), 46u);
  for (std::size_t i = 0; i < events.size(); ++i) {
    const FeedWarning& w = events[i].warnings.at(0);
    const Message& m = messages[23 + i];
    EXPECT_EQ(w.seq, static_cast<std::int64_t>(24 + i));
    EXPECT_FALSE(events[i].replayed);
    EXPECT_EQ(w.stream, "typhoon." + m.region_code);
    EXPECT_EQ(w.topic, "full.typhoon." + m.region_code);
    EXPECT_EQ(w.cap, m.cap_xml);  // the CAP as journalled, byte for byte
    const json j = json::parse(w.json);
    EXPECT_EQ(j.at("seq"), w.seq);
    EXPECT_EQ(j.at("prev"), w.prev);
    EXPECT_EQ(j.at("identifier"), m.identifier);
    EXPECT_EQ(j.at("identifier"), extended[i]);
    EXPECT_EQ(j.at("msg_type"), "Update");
    EXPECT_EQ(j.at("status"), "Exercise");
    EXPECT_EQ(j.at("signal"), m.region_code[0] == '8' ? "3" : "blue");  // each jurisdiction's own system
    EXPECT_EQ(j.at("references").size(), 1u);
    EXPECT_EQ(m.operator_name, "duty");  // the journal names the operator by the key's name
    // The previous message of the stream is the region's Alert.
    EXPECT_EQ(messages[w.prev - 1].region_code, m.region_code);
  }
  EXPECT_EQ(sub->stats().gaps, 0);
  EXPECT_EQ(service_->stats().latest_seq, 46);
}

TEST_F(FeedTest, PrefixSubscriptionsAndFormats) {
  StartService();
  auto control = Control(operator_);
  IssueAll(*control);
  FeedClientOptions o = Options(gateway_);
  o.prefixes = {"typhoon.4401"};  // Guangzhou (and its districts, were they configured)
  o.format = FeedFormat::kJson;
  auto guangzhou = FeedSubscriber::Connect(o);
  o.prefixes = {"flood"};
  o.format = FeedFormat::kCap;
  auto flood = FeedSubscriber::Connect(o);
  o.prefixes = {"typhoon.81", "typhoon.82"};  // Hong Kong and Macau
  auto sars = FeedSubscriber::Connect(o);
  auto g = Collect(*guangzhou, [](const auto& ev) { return !ev.empty(); });
  auto f = Collect(*flood, [](const auto& ev) { return !ev.empty(); });
  auto hm = Collect(*sars, [](const auto& ev) { return !ev.empty(); });
  ASSERT_EQ(g.size(), 1u);
  ASSERT_EQ(g[0].warnings.size(), 1u);
  EXPECT_EQ(g[0].warnings[0].stream, "typhoon.440100");
  EXPECT_EQ(g[0].warnings[0].topic, "json.typhoon.440100");
  EXPECT_TRUE(g[0].warnings[0].cap.empty());
  EXPECT_EQ(json::parse(g[0].warnings[0].json).at("region"), "440100");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_TRUE(f[0].warnings.empty());
  ASSERT_EQ(hm.size(), 1u);
  ASSERT_EQ(hm[0].warnings.size(), 2u);
  EXPECT_EQ(hm[0].warnings[0].topic.substr(0, 4), "cap.");
  EXPECT_NE(hm[0].warnings[0].cap.find("<alert"), std::string::npos);
  WaitLive(*guangzhou);
  WaitLive(*sars);

  ExtendAll(*control, 1);
  ExtendAll(*control, 2);
  g = Collect(*guangzhou, [](const auto& ev) { return ev.size() >= 2; });
  hm = Collect(*sars, [](const auto& ev) { return ev.size() >= 4; });
  ASSERT_EQ(g.size(), 2u);
  for (const auto& e : g) EXPECT_EQ(e.warnings.at(0).stream, "typhoon.440100");
  EXPECT_EQ(g[1].warnings[0].prev, g[0].warnings[0].seq);
  ASSERT_EQ(hm.size(), 4u);
  // A filtered subscriber sees gaps in the global numbering but none in its streams: no repair.
  EXPECT_EQ(guangzhou->stats().gaps, 0);
  EXPECT_EQ(sars->stats().gaps, 0);
  EXPECT_TRUE(Collect(*flood, [](const auto&) { return false; }, milliseconds(600)).empty());
}

TEST_F(FeedTest, StrangersReceiveNothingAndGatewaysCannotCommand) {
  StartService();
  auto control = Control(operator_);
  IssueAll(*control);
  // A gateway key is admitted to the feed but its commands are refused, and logged.
  try {
    Command(*Control(gateway_), CancelAll());
    FAIL() << "a gateway key commanded the service";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kRefused);
    EXPECT_NE(std::string(e.what()).find("gateway:display"), std::string::npos);
  }
  EXPECT_NE(Log().find("refused COMMIT from gateway:display"), std::string::npos);
  // An unknown key gets no answer on the control endpoint…
  EXPECT_THROW(Command(*Control(stranger_, 1500), CancelAll()), Error);
  // …and nothing on the feed: no snapshot, no heartbeat, only "feed lost".
  auto stranger = FeedSubscriber::Connect(Options(stranger_));
  const auto seen = Collect(*stranger, [](const auto& ev) { return !ev.empty(); }, milliseconds(2500));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].type, FeedEvent::Type::kFeedLost);
  EXPECT_EQ(stranger->stats().heartbeats, 0);
  EXPECT_EQ(stranger->stats().messages + stranger->stats().snapshots, 0);
  EXPECT_NE(Log().find("unknown key " + stranger_.public_key), std::string::npos);
  // A keyless (plain) subscriber gets nothing either.
  zmq::context_t ctx;
  zmq::socket_t plain(ctx, zmq::socket_type::sub);
  plain.set(zmq::sockopt::linger, 0);
  plain.set(zmq::sockopt::subscribe, "");
  plain.connect(settings_.publish_endpoint);
  zmq::message_t msg;
  plain.set(zmq::sockopt::rcvtimeo, 700);
  EXPECT_FALSE(plain.recv(msg));
  // Nothing was cancelled.
  EXPECT_EQ(OpenDesk()->Messages().size(), codes_.size());
}

TEST_F(FeedTest, RestartedGatewayGetsEveryMissedMessageOnceInOrder) {
  StartService();
  auto control = Control(operator_);
  IssueAll(*control);
  std::vector<std::int64_t> handled;  // what the gateway handled (it would persist this)
  {
    FeedClientOptions o = Options(gateway_);
    o.resume_after = 0;  // a new gateway that wants every message
    auto sub = FeedSubscriber::Connect(o);
    std::thread producer([&] {
      for (int k = 1; k <= 4; ++k) ExtendAll(*control, k);
    });
    // "Killed" mid-stream: it stops after 40 messages while the operator goes on issuing.
    const auto ev = Collect(*sub, [](const auto& e) { return Seqs(e).size() >= 40; });
    for (const auto s : Seqs(ev)) handled.push_back(s);
    producer.join();
  }
  ASSERT_GE(handled.size(), 40u);
  ExtendAll(*control, 5);  // while it is down
  FeedClientOptions o = Options(gateway_);
  o.resume_after = handled.back();
  auto sub = FeedSubscriber::Connect(o);
  const auto ev = Collect(*sub, [](const auto& e) { return !Seqs(e).empty() && Seqs(e).back() >= 138; });
  for (const auto s : Seqs(ev)) handled.push_back(s);
  ExtendAll(*control, 6);  // live again
  const auto live = Collect(*sub, [](const auto& e) { return !e.empty() && Seqs(e).back() >= 161; });
  for (const auto& e : live) {
    EXPECT_FALSE(e.replayed);
    handled.push_back(e.warnings.at(0).seq);
  }
  // 23 alerts + 6 × 23 extensions: every one exactly once, in order.
  ASSERT_EQ(handled.size(), 161u);
  for (std::size_t i = 0; i < handled.size(); ++i) ASSERT_EQ(handled[i], static_cast<std::int64_t>(i + 1)) << "at " << i;
  EXPECT_TRUE(ev.front().replayed);
}

TEST_F(FeedTest, SlowSubscriberDoesNotDelayOthersAndRecovers) {
  settings_.publish_hwm = 100;  // a commit's burst (23) fits; a subscriber that stops reading overflows
  settings_.send_buffer_bytes = 16384;
  StartService();
  auto control = Control(operator_);
  IssueAll(*control);
  FeedClientOptions o = Options(gateway_);
  o.heartbeat_timeout_ms = 30000;
  auto fast = FeedSubscriber::Connect(o);
  o.receive_hwm = 5;
  o.receive_buffer_bytes = 16384;
  auto slow = FeedSubscriber::Connect(o);
  ASSERT_EQ(Collect(*fast, [](const auto& e) { return !e.empty(); }).at(0).type, FeedEvent::Type::kSnapshot);
  ASSERT_EQ(Collect(*slow, [](const auto& e) { return !e.empty(); }).at(0).type, FeedEvent::Type::kSnapshot);
  WaitLive(*fast);
  WaitLive(*slow);
  // The slow subscriber stops reading; the operator issues 40 × 23 messages.
  std::thread producer([&] {
    for (int k = 1; k <= 40; ++k) ExtendAll(*control, k);
  });
  const std::int64_t last = 23 + 40 * 23;
  const auto f = Collect(*fast, [&](const auto& e) { return !e.empty() && Seqs(e).back() >= last; }, milliseconds(60000));
  producer.join();
  // The fast one got everything, in order, while the slow one read nothing.
  const auto fs = Seqs(f);
  ASSERT_EQ(fs.size(), static_cast<std::size_t>(last - 23));
  for (std::size_t i = 0; i < fs.size(); ++i) ASSERT_EQ(fs[i], static_cast<std::int64_t>(24 + i));
  EXPECT_EQ(fast->stats().gaps, 0);
  // Now it reads: it finds its gap (the service dropped what its queue could not hold) and replays.
  const auto s = Collect(*slow, [&](const auto& e) { return !e.empty() && Seqs(e).back() >= last; }, milliseconds(60000));
  const auto ss = Seqs(s);
  ASSERT_EQ(ss.size(), static_cast<std::size_t>(last - 23));
  for (std::size_t i = 0; i < ss.size(); ++i) ASSERT_EQ(ss[i], static_cast<std::int64_t>(24 + i));
  EXPECT_GT(slow->stats().gaps, 0);
  EXPECT_GT(slow->stats().replays, 0);
  bool any_replayed = false;
  for (const auto& e : s) any_replayed |= e.replayed;
  EXPECT_TRUE(any_replayed);
}

TEST_F(FeedTest, HundredSubscribersReceiveEverything) {
  StartService();
  auto control = Control(operator_);
  IssueAll(*control);
  FeedClientOptions o = Options(gateway_);
  o.format = FeedFormat::kJson;
  o.heartbeat_timeout_ms = 30000;
  std::vector<std::unique_ptr<FeedSubscriber>> subs;
  for (int i = 0; i < 100; ++i) subs.push_back(FeedSubscriber::Connect(o));
  std::vector<std::vector<std::int64_t>> got(subs.size());
  auto pump = [&](std::int64_t until) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    bool all = false;
    while (!all && std::chrono::steady_clock::now() < end) {
      all = true;
      for (std::size_t i = 0; i < subs.size(); ++i) {
        while (auto e = subs[i]->Next(milliseconds(0)))
          for (const auto& w : e->warnings) got[i].push_back(w.seq);
        all &= !got[i].empty() && got[i].back() >= until;
      }
      if (!all) std::this_thread::sleep_for(milliseconds(5));
    }
  };
  pump(23);
  for (int k = 1; k <= 3; ++k) ExtendAll(*control, k);
  pump(23 * 4);
  for (std::size_t i = 0; i < subs.size(); ++i) {
    ASSERT_EQ(got[i].size(), 23u * 4) << "subscriber " << i;
    const std::set<std::int64_t> unique(got[i].begin(), got[i].end());
    EXPECT_EQ(unique.size(), got[i].size());
    EXPECT_EQ(*unique.rbegin(), 92);
  }
}

TEST_F(FeedTest, GarbageOnEveryEndpointIsRefusedAndTheServiceGoesOn) {
  settings_.max_request_bytes = 4096;
  StartService();
  auto control = Control(operator_);
  IssueAll(*control);
  zmq::context_t ctx;
  auto dealer = [&](const std::string& endpoint, const Certificate& who) {
    zmq::socket_t d(ctx, zmq::socket_type::dealer);
    d.set(zmq::sockopt::linger, 0);
    d.set(zmq::sockopt::rcvtimeo, 2000);
    d.set(zmq::sockopt::curve_serverkey, server_.public_key);
    d.set(zmq::sockopt::curve_publickey, who.public_key);
    d.set(zmq::sockopt::curve_secretkey, who.secret_key);
    d.connect(endpoint);
    return d;
  };
  auto ask = [](zmq::socket_t& d, const std::vector<std::string>& frames) {
    for (std::size_t i = 0; i < frames.size(); ++i)
      d.send(zmq::buffer(frames[i]), i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    std::vector<std::string> reply;
    zmq::message_t m;
    do {
      if (!d.recv(m)) return reply;
      reply.push_back(m.to_string());
    } while (m.more());
    return reply;
  };
  for (const std::string& endpoint : {settings_.sync_endpoint, settings_.control_endpoint}) {
    const bool is_control = endpoint == settings_.control_endpoint;
    auto d = dealer(endpoint, is_control ? operator_ : gateway_);
    const std::vector<std::vector<std::string>> bad = {
        {"x"},
        {is_control ? "COMMIT" : "SNAPSHOT", "1", "not json"},
        {is_control ? "COMMIT" : "REPLAY", "2", R"({"from": "a", "action": 7})"},
        {"BOGUS", "3", "{}"},
        {is_control ? "PREVIEW" : "SNAPSHOT", "4", R"({"prefixes": ["TYPHOON!"], "action": "issue", "all": "yes"})"},
        std::vector<std::string>(20, "frame"),
        // Names, ids and bodies that once ended the service or forged log lines:
        {"\xff\xfe", "6", "{}"},
        {is_control ? "PING\nforged line" : "HEADS\nforged line", "7", "{}"},
        {is_control ? "PING" : "HEADS", "\xff\x1b[31m", "{}"},
        {is_control ? "PREVIEW" : "SNAPSHOT", "8", "{\"prefixes\": [\"\xff\"], \"action\": \"\xc3\"}"},
        {is_control ? "PREVIEW" : "SNAPSHOT", "9", R"({"prefixes": ["TYPHOON\u001b[2J"], "action": "issue\u0000", "all": true})"},
    };
    for (const auto& frames : bad) {
      const auto reply = ask(d, frames);
      ASSERT_GE(reply.size(), 3u) << endpoint << " " << frames[0];
      EXPECT_EQ(reply[0], "ERR") << frames[0];
      const json err = json::parse(reply[2]);
      EXPECT_FALSE(err.at("message").get<std::string>().empty());
    }
    // Still answering on this endpoint after all of them.
    const auto alive = ask(d, {is_control ? "PING" : "HEADS", "10", "{}"});
    ASSERT_GE(alive.size(), 3u) << endpoint;
    EXPECT_EQ(alive[0], is_control ? "OK" : "END");
    // Oversized: the connection is dropped (no answer), the service stays up.
    auto big = dealer(endpoint, is_control ? operator_ : gateway_);
    EXPECT_TRUE(ask(big, {"SNAPSHOT", "5", std::string(100000, '{')}).empty());
  }
  // Raw bytes on every TCP port: the ZeroMQ handshake fails and the peer is dropped.
  for (const std::string& endpoint : {settings_.publish_endpoint, settings_.sync_endpoint, settings_.control_endpoint}) {
    const int port = std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    std::string junk(5000, '\xff');
    for (std::size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>(i * 7919 % 251);
    (void)!::write(fd, junk.data(), junk.size());
    ::close(fd);
  }
  // Still serving: a snapshot, and a command that goes out on the feed.
  auto sub = FeedSubscriber::Connect(Options(gateway_));
  auto ev = Collect(*sub, [](const auto& e) { return !e.empty(); });
  ASSERT_EQ(ev.at(0).type, FeedEvent::Type::kSnapshot);
  EXPECT_EQ(ev[0].warnings.size(), 23u);
  ExtendAll(*control, 1);
  ev = Collect(*sub, [](const auto& e) { return e.size() >= 23; });
  EXPECT_EQ(ev.size(), 23u);
  EXPECT_GE(service_->stats().refused_requests, 11);
  EXPECT_GE(service_->stats().refused_commands, 11);
  // What the peers sent is quoted printably in the log: no forged line, no raw escape or bad byte.
  const std::string log = Log();
  EXPECT_EQ(log.find("\nforged line"), std::string::npos) << log;
  EXPECT_EQ(log.find('\x1b'), std::string::npos);
  EXPECT_TRUE(taifeng::IsValidUtf8(log));
}

TEST_F(FeedTest, RestartContinuesTheSequenceAndSubscribersResynchronise) {
  StartService();
  auto control = Control(operator_);
  IssueAll(*control);
  auto sub = FeedSubscriber::Connect(Options(gateway_));
  ASSERT_EQ(Collect(*sub, [](const auto& e) { return !e.empty(); }).at(0).type, FeedEvent::Type::kSnapshot);
  const std::string feed = service_->feed_id();
  StopService();
  // While it is down, the desk writes the journal directly (as the CLI does when no service runs).
  {
    auto desk = OpenDesk();
    ActionContext ctx{kT0 + 600, "duty", "Exercise", ""};
    desk->Commit("update", "{}", desk->UpdateRequests(codes_, Kind::kTyphoon, "", 8, ctx.now_utc), ctx);
  }
  auto lost = Collect(*sub, [](const auto& e) { return !e.empty(); }, milliseconds(3000));
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].type, FeedEvent::Type::kFeedLost);
  EXPECT_EQ(sub->state(), FeedSubscriber::State::kLost);
  StartService();
  EXPECT_EQ(service_->feed_id(), feed);
  EXPECT_EQ(service_->stats().latest_seq, 46);
  ExtendAll(*Control(operator_), 2);
  const auto ev = Collect(*sub, [](const auto& e) { return !Seqs(e).empty() && Seqs(e).back() >= 69; });
  ASSERT_EQ(ev.at(0).type, FeedEvent::Type::kFeedRestored);
  const auto seqs = Seqs(ev);
  ASSERT_EQ(seqs.size(), 46u);
  for (std::size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], static_cast<std::int64_t>(24 + i));
  EXPECT_EQ(sub->state(), FeedSubscriber::State::kLive);
}

// The control endpoint's answer to a COMMIT can be lost (the CLI timed out while the service
// committed): the CLI's retry carries the same request id and the service answers with the earlier
// messages, marked repeated; the feed carries them once.
TEST_F(FeedTest, ACommitRetriedWithItsRequestIdIsPublishedOnce) {
  StartService();
  auto control = Control(operator_);
  IssueAll(*control);
  auto sub = FeedSubscriber::Connect(Options(gateway_));
  auto ev = Collect(*sub, [](const auto& e) { return !e.empty(); });
  ASSERT_EQ(ev.at(0).type, FeedEvent::Type::kSnapshot);
  OperatorCommand c;
  c.action = "update";
  c.targets = {"440400"};
  c.kind = "typhoon";
  c.extend_h = 3;
  c.at_utc = kT0 + 600;
  c.request_id = "lost-answer-7";
  const json first = json::parse(control->Request("COMMIT", CommandToJson(c)));
  EXPECT_FALSE(first.at("repeated").get<bool>());
  ASSERT_EQ(first.at("messages").size(), 1u);
  const json again = json::parse(control->Request("COMMIT", CommandToJson(c)));
  EXPECT_TRUE(again.at("repeated").get<bool>());
  EXPECT_EQ(again.at("messages"), first.at("messages"));
  const json preview = json::parse(control->Request("PREVIEW", CommandToJson(c)));
  EXPECT_TRUE(preview.at("repeated").get<bool>());
  // Everything the subscriber gets for 1.5 s: the one extension.
  ev = Collect(*sub, [](const auto&) { return false; }, milliseconds(1500));
  std::size_t messages = 0;
  for (const auto& e : ev) messages += e.type == FeedEvent::Type::kMessage ? 1 : 0;
  EXPECT_EQ(messages, 1u);
  EXPECT_EQ(service_->stats().published, 24);  // 23 issued, 1 extension; the retry published nothing
}

// Twenty connections ask to REPLAY 10,000 messages each and never read: replays are served in
// turns, so an operator's PING still answers at once (twenty replays answered whole once held the
// loop for seconds), and a reader's replay still gets every message and its END.
TEST_F(FeedTest, AReplayFloodDoesNotStarveOperators) {
  settings_.max_replays_per_key = 16;  // of the 20 connections of one key, 4 are told "busy"
  StartService();
  auto control = Control(operator_);
  IssueAll(*control);
  {  // 20,000 more messages, as copies of the real ones
    auto desk = OpenDesk();
    const std::vector<Message> real = desk->FullMessages();
    desk->journal().Append([&](Journal::Writer& w) {
      for (int i = 0; i < 20000; ++i) {
        Message m = real[static_cast<std::size_t>(i) % real.size()];
        m.identifier += "-copy" + std::to_string(i);
        m.seq = w.next_seq();
        w.Add(kT0, "test", "message", MessageToJson(m));
        const auto [feed_seq, prev] = w.NextFeedPosition(StreamOf(m));
        w.AddFeedRow(ProjectMessage(m, feed_seq, prev));
      }
    });
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (service_->stats().latest_seq < 20023 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(milliseconds(50));
  ASSERT_EQ(service_->stats().latest_seq, 20023);
  zmq::context_t ctx;
  std::vector<zmq::socket_t> flood;
  for (int i = 0; i < 20; ++i) {
    zmq::socket_t d(ctx, zmq::socket_type::dealer);
    d.set(zmq::sockopt::linger, 0);
    d.set(zmq::sockopt::rcvhwm, 10);  // and never reads
    d.set(zmq::sockopt::curve_serverkey, server_.public_key);
    d.set(zmq::sockopt::curve_publickey, gateway_.public_key);
    d.set(zmq::sockopt::curve_secretkey, gateway_.secret_key);
    d.connect(settings_.sync_endpoint);
    for (const std::string& part : {std::string("REPLAY"), std::to_string(i), std::string(R"({"from": 1, "format": "full"})")})
      d.send(zmq::buffer(part), part[0] == '{' ? zmq::send_flags::none : zmq::send_flags::sndmore);
    flood.push_back(std::move(d));
  }
  std::this_thread::sleep_for(milliseconds(200));
  double worst_ms = 0;
  for (int i = 0; i < 20; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    control->Request("PING", "{}");
    worst_ms = std::max(worst_ms, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  EXPECT_LT(worst_ms, 250.0) << "an operator waited behind the replays";
  // The per-key quota: whatever its number of connections, one key has at most 16 replays served.
  int busy = 0, served = 0;
  for (auto& d : flood) {
    d.set(zmq::sockopt::rcvtimeo, 2000);
    zmq::message_t first;
    if (!d.recv(first)) continue;
    if (first.to_string() == "W") ++served;
    if (first.to_string() == "ERR") {
      zmq::message_t rid, body;
      (void)d.recv(rid), (void)d.recv(body);
      busy += body.to_string().find("busy:") != std::string::npos ? 1 : 0;
    }
  }
  EXPECT_EQ(busy, 4);
  EXPECT_EQ(served, 16);
  // A gateway that reads gets its whole replay (the client asks again while "more").
  auto sub = FeedSubscriber::Connect([&] {
    auto o = Options(gateway_);
    o.resume_after = 19000;
    return o;
  }());
  auto ev = Collect(*sub, [](const auto& e) { return e.size() >= 1023; }, milliseconds(30000));
  std::size_t messages = 0;
  for (const auto& e : ev) messages += e.type == FeedEvent::Type::kMessage ? 1 : 0;
  EXPECT_EQ(messages, 1023u);
}

// A gateway busy for several heartbeat intervals (a long SMS spool) does not report the feed lost
// when the heartbeats were there all along, queued (it once showed "feed lost" after 14 s).
TEST_F(FeedTest, ABusyGatewayDoesNotCallTheFeedLost) {
  StartService();
  IssueAll(*Control(operator_));
  auto o = Options(gateway_);
  o.heartbeat_timeout_ms = 600;  // the service beats every 200 ms
  auto sub = FeedSubscriber::Connect(o);
  auto ev = Collect(*sub, [](const auto& e) { return !e.empty(); });
  ASSERT_EQ(ev.at(0).type, FeedEvent::Type::kSnapshot);
  std::this_thread::sleep_for(milliseconds(2500));  // busy: Next is not called
  ev = Collect(*sub, [](const auto&) { return false; }, milliseconds(800));
  for (const auto& e : ev) EXPECT_NE(e.type, FeedEvent::Type::kFeedLost) << e.detail;
  EXPECT_EQ(sub->stats().lost, 0);
  // A service really gone is still noticed.
  StopService();
  ev = Collect(*sub, [](const auto& e) { return !e.empty() && e.back().type == FeedEvent::Type::kFeedLost; }, milliseconds(3000));
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev.back().type, FeedEvent::Type::kFeedLost);
}

// A record altered under a running service (it once went unnoticed until a restart, and list and
// show printed the forgery): the service's rolling audit notices it, says so loudly, and refuses
// every command from then on.
TEST_F(FeedTest, TamperingWhileServingIsNoticedAndCommandsRefused) {
  StartService();
  auto control = Control(operator_);
  IssueAll(*control);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(JournalPath().c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE record SET operator = 'mallory' WHERE seq = 3", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (Log().find("FAILS ITS AUDIT") == std::string::npos && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(milliseconds(50));
  EXPECT_NE(Log().find("record 3"), std::string::npos) << Log();
  try {
    control->Request("COMMIT", CommandToJson(CancelAll()));
    ADD_FAILURE() << "a command was taken on a tampered journal";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kJournalBroken) << e.what();
  }
}

TEST_F(FeedTest, ATruncatedJournalIsRefusedAtStart) {
  StartService();
  IssueAll(*Control(operator_));
  StopService();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(JournalPath().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DELETE FROM record WHERE seq = (SELECT max(seq) FROM record)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_TRUE(OpenDesk()->journal().Audit().ok());  // the shorter chain is valid in itself…
  try {
    StartService();
    FAIL() << "started on a truncated journal";
  } catch (const Error& e) {  // …but the feed published more than it holds
    EXPECT_EQ(e.code(), ErrorCode::kJournalBroken);
    EXPECT_NE(std::string(e.what()).find("published message 23"), std::string::npos) << e.what();
  }
}

// A journal that lost its last transactions, its own published mark included (a damaged WAL after
// kill -9 once dropped 8 published messages, and the service went on from seq 46 after publishing
// up to 54): the mark kept outside the journal makes the service refuse to start rather than reuse
// sequence numbers gateways already hold; --new-epoch starts a new feed id instead.
TEST_F(FeedTest, AJournalThatLostPublishedMessagesAndItsMarkIsRefused) {
  StartService();
  IssueAll(*Control(operator_));
  const std::string first_feed = service_->feed_id();
  StopService();
  ASSERT_TRUE(std::filesystem::exists(JournalPath().string() + ".published"));
  struct stat st {};
  ASSERT_EQ(::stat((JournalPath().string() + ".published").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(JournalPath().c_str(), &db), SQLITE_OK);
  // What a lost tail looks like: the last 3 messages, their feed rows and the mark that named them
  // are gone, and the mark that remains names what the shorter journal holds.
  const char* lose =
      "DELETE FROM feed WHERE feed_seq > (SELECT max(feed_seq) - 3 FROM feed);"
      "DELETE FROM record WHERE seq > (SELECT max(journal_seq) FROM feed);"
      "UPDATE meta SET value = (SELECT json_object('seq', f.feed_seq, 'journal_seq', f.journal_seq, 'hash', r.hash)"
      " FROM feed f JOIN record r ON r.seq = f.journal_seq ORDER BY f.feed_seq DESC LIMIT 1) WHERE key = 'mark.feed.published';";
  ASSERT_EQ(sqlite3_exec(db, lose, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
  EXPECT_TRUE(OpenDesk()->journal().Audit().ok());  // the shorter chain and its mark agree…
  try {
    StartService();
    FAIL() << "started behind what the feed published";
  } catch (const Error& e) {  // …but the mark outside the journal knows better
    EXPECT_EQ(e.code(), ErrorCode::kJournalBroken);
    EXPECT_NE(std::string(e.what()).find("published message 23"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--new-epoch"), std::string::npos) << e.what();
  }
  settings_.new_epoch = true;
  StartService();
  EXPECT_NE(service_->feed_id(), first_feed) << "a new epoch: gateways see a new feed id and resynchronise";
  auto sub = FeedSubscriber::Connect(Options(gateway_));
  auto ev = Collect(*sub, [](const auto& e) { return !e.empty(); });
  ASSERT_EQ(ev.at(0).type, FeedEvent::Type::kSnapshot);
  EXPECT_EQ(sub->feed_id(), service_->feed_id());
}

}  // namespace
}  // namespace taifeng::warnings

namespace taifeng::warnings {
namespace {

using namespace feed;

TEST(ServiceConfigTest, ReadsEveryKeyRelativeToTheFileAndRefusesUnknownOnes) {
  const auto dir = std::filesystem::temp_directory_path() / ("taifeng_service_config_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream f(dir / "taifeng.toml");
    f << "[service]\njournal = \"state\"\nkeys = \"/etc/taifeng/keys\"\npublish = \"tcp://0.0.0.0:7410\"\nheartbeat_ms = 500\n"
         "publish_hwm = 2000\n[warnings]\nrules = \"rules.toml\"\n";
  }
  const ServiceConfig c = LoadServiceConfig(dir / "taifeng.toml");
  EXPECT_EQ(c.journal_dir, dir / "state");
  EXPECT_EQ(c.keys_dir, "/etc/taifeng/keys");
  EXPECT_EQ(c.publish.value_or(""), "tcp://0.0.0.0:7410");
  EXPECT_FALSE(c.sync);
  EXPECT_EQ(c.heartbeat_ms.value_or(0), 500);
  EXPECT_EQ(c.publish_hwm.value_or(0), 2000);
  EXPECT_EQ(c.rules, dir / "rules.toml");
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"[service]\npublsh = \"tcp://x:1\"\n", "service.publsh"},
      {"[service]\nheartbeat_ms = 5\n", "service.heartbeat_ms"},
      {"[service]\nsync = \"http://x\"\n", "service.sync"},
      {"[servce]\n", "servce"}};
  for (const auto& [text, field] : bad) {
    std::ofstream(dir / "bad.toml") << text;
    try {
      LoadServiceConfig(dir / "bad.toml");
      ADD_FAILURE() << text;
    } catch (const ParseError& e) {
      EXPECT_EQ(e.field(), field);
      EXPECT_GE(e.line(), 1);
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace taifeng::warnings

namespace taifeng::warnings {
namespace {

// The mark outside the journal: two slots written alternately; a torn or damaged slot leaves the
// previous mark; a failed write (EIO, ENOSPC) is an error naming the file; the file is 0600 under
// any umask.
TEST(PublishedMarkTest, SlotsSurviveATornWriteAndFailuresAreNamed) {
  const auto dir = std::filesystem::temp_directory_path() / ("taifeng_mark_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto path = dir / "journal.sqlite.published";
  const std::string hash(64, 'a');
  const mode_t old_umask = ::umask(0);
  {
    PublishedMarkFile f(path);
    EXPECT_FALSE(f.Read());
    f.Write({"feedA", 10, 40, hash});
    f.Write({"feedA", 12, 44, std::string(64, 'b')});
    EXPECT_EQ(f.Read()->seq, 12);
  }
  ::umask(old_umask);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 512);
  {  // a crash tore the slot of seq 12 (the second): seq 10 is still known
    std::fstream io(path, std::ios::in | std::ios::out | std::ios::binary);
    io.seekp(256 + 10);
    io.write("####", 4);  // a torn slot: bytes that are not the mark
  }
  {
    PublishedMarkFile f(path);
    const auto m = f.Read();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->seq, 10);
    EXPECT_EQ(m->journal_seq, 40);
    EXPECT_EQ(m->hash, hash);
    f.Write({"feedA", 13, 45, hash});  // into the damaged slot, not over seq 10
    EXPECT_EQ(f.Read()->seq, 13);
  }
  for (const int err : {EIO, ENOSPC}) {
    taifeng::testing::FaultEnv env;
    PublishedMarkFile f(path, env);
    env.Fail(err == EIO ? taifeng::testing::FaultOp::kSync : taifeng::testing::FaultOp::kWrite, "published", err, 0, 1);
    try {
      f.Write({"feedA", 14, 46, hash});
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kIo);
      EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace taifeng::warnings

namespace taifeng::warnings {
namespace {

// The feed fuzzer's kept inputs (tests/data/fuzz/feed/, from scripts/fuzz.sh), replayed: each is
// refused with a taifeng::Error or accepted, never anything else; and the frames that once ended
// the service are among the checks.
TEST(CheckRequestTest, FuzzInputsAndHostileFramesOnlyGetErrors) {
  std::vector<std::pair<std::vector<std::string>, bool>> cases = {
      {{"\xff\xfe", "1", "{}"}, true},
      {{"PING\nforged", "1", "{}"}, true},
      {{"HEADS", "\x1b[2J", "{}"}, false},
      {{"SNAPSHOT", "1", "{\"prefixes\": [\"\xff\"]}"}, false},
      {{"COMMIT", "1", R"({"action": "issue\u0000", "all": true})"}, true},
      {{"COMMIT", "1", R"({"action": "update", "targets": ["440400"], "extend_h": 6})"}, true},
  };
  const auto dir = std::filesystem::path(TAIFENG_TESTDATA_DIR) / "fuzz" / "feed";
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::ifstream in(e.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.empty()) continue;
    std::vector<std::string> frames(1);
    for (std::size_t i = 1; i < bytes.size(); ++i) {
      if (bytes[i] == 0 && frames.size() < 8) frames.emplace_back();
      else frames.back() += bytes[i];
    }
    cases.emplace_back(frames, (bytes[0] & 1) != 0);
  }
  int refused = 0, accepted = 0;
  for (const auto& [frames, control] : cases) {
    try {
      CheckRequest(frames, control);
      ++accepted;
    } catch (const Error&) {
      ++refused;
    }
  }
  EXPECT_EQ(accepted + refused, static_cast<int>(cases.size()));
  EXPECT_GE(refused, 5);
  EXPECT_GE(accepted, 1);  // the valid update
}

}  // namespace
}  // namespace taifeng::warnings
