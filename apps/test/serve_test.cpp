// taifeng serve as a real process on 127.0.0.1: operators issuing through it with their keys, a
// Python gateway written from docs/feed-protocol.md, a C++ gateway through kill -9 and restart of
// the service, a clean SIGTERM stop, and a gateway key that tries to command.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "cli_fixture.h"
#include "process.h"
#include <zmq.hpp>

#include "taifeng/warnings/journal.h"
#include "taifeng/warnings/signing.h"
#include "taifeng/feed/client.h"
#include "taifeng/warnings/feed_service.h"

namespace {

using namespace taifeng_cli_test;
using std::chrono::milliseconds;
namespace w = taifeng::warnings;
namespace f = taifeng::feed;


class ServeTest : public CliTest {
 protected:
  void SetUp() override {
    root_ = *dir_ / ("serve-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(root_);
    keys_ = (root_ / "keys").string();
    journal_ = (root_ / "journal").string();
    for (const char* k : {"service", "duty --role operator", "web --role gateway", "display --role gateway", "stranger"})
      ASSERT_EQ(Shell(Cli() + " keys generate " + std::string(k) + " --dir " + keys_).status, 0);
    ports_ = {FreePort(), FreePort(), FreePort()};
    env_ = "TAIFENG_KEYS=" + keys_ + " TAIFENG_JOURNAL=" + journal_ + " ";
  }
  void TearDown() override { fs::remove_all(root_); }

  Child Serve() {
    const std::string cmd = Cli() + " serve --journal " + journal_ + " --keys " + keys_ + " --heartbeat-ms 200" +
                            " --publish tcp://127.0.0.1:" + std::to_string(ports_[0]) + " --sync tcp://127.0.0.1:" +
                            std::to_string(ports_[1]) + " --control tcp://127.0.0.1:" + std::to_string(ports_[2]);
    Child c = Child::Start(cmd, root_ / ("serve-" + std::to_string(serves_++) + ".log"));
    for (int i = 0; i < 200 && !f::RunningService(journal_); ++i) std::this_thread::sleep_for(milliseconds(25));
    return c;
  }
  f::FeedClientOptions Gateway(const std::string& name) const {
    const auto svc = f::RunningService(journal_);
    f::FeedClientOptions o;
    o.publish_endpoint = svc->publish;
    o.sync_endpoint = svc->sync;
    o.server_key = svc->public_key;
    o.certificate = f::ReadCertificate(fs::path(keys_) / (name + ".key_secret"));
    o.heartbeat_timeout_ms = 1000;
    return o;
  }
  CommandResult Propose() {
    return Shell(env_ + Cli() + " warn propose --archive " + *archive_ + " --track " + Samples() +
                 "/atcf/bwp262018.dat --agency CMA --at 2018-09-15T12:00Z --operator duty --json", false);
  }
  // Every warning in force extended by 12 h at `at`, through whatever runs.
  CommandResult ExtendAll(const std::string& regions, const std::string& at, const std::string& extra = "") {
    return Shell(env_ + Cli() + " warn update " + regions + " --kind typhoon --extend 12 --at " + at + " --yes --operator duty" + extra);
  }

  fs::path root_;
  std::string keys_, journal_, env_;
  std::vector<int> ports_;
  int serves_ = 0;
};

// A COMMIT whose answer never comes (a stand-in service answers PREVIEW, then stays silent): the
// CLI says the outcome is unknown (exit 75) and prints the request id that makes a retry safe; the
// id it printed is the one the COMMIT carried. (The retry itself: FeedTest.ACommitRetried….)
TEST_F(ServeTest, ALostCommitAnswerIsReportedAsUnknownWithItsRequestId) {
  // Real messages for the stand-in's preview: proposed and issued in a scratch journal.
  const std::string scratch = (root_ / "scratch").string();
  ASSERT_EQ(Shell("TAIFENG_JOURNAL=" + scratch + " " + Cli() + " warn propose --archive " + *archive_ + " --track " + Samples() +
                  "/atcf/bwp262018.dat --agency CMA --at 2018-09-15T12:00Z --operator duty --json", false).status, 0);
  const CommandResult issued = Shell("TAIFENG_JOURNAL=" + scratch + " " + Cli() + " warn issue --all --exercise --yes --operator duty --json", false);
  ASSERT_EQ(issued.status, 0) << issued.out;
  const json preview = {{"messages", json::parse(issued.out)["issued"]}, {"journal", "stand-in"}, {"seq", 0}};
  // The stand-in: CURVE with the service's key (no ZAP handler: any client key is let in).
  const f::Certificate server = f::ReadCertificate(fs::path(keys_) / "service.key_secret");
  zmq::context_t ctx;
  zmq::socket_t router(ctx, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.set(zmq::sockopt::curve_server, 1);
  router.set(zmq::sockopt::curve_secretkey, server.secret_key);
  router.bind("tcp://127.0.0.1:*");
  const std::string endpoint = router.get(zmq::sockopt::last_endpoint);
  std::string commit_body;
  std::thread stand_in([&] {
    router.set(zmq::sockopt::rcvtimeo, 20000);
    for (int n = 0; n < 2; ++n) {
      std::vector<std::string> frames;
      zmq::message_t m;
      do {
        if (!router.recv(m)) return;
        frames.push_back(m.to_string());
      } while (m.more());
      if (frames.size() < 4) return;
      if (frames[1] == "COMMIT") {
        commit_body = frames[3];
        return;  // never answered
      }
      const std::string body = preview.dump();
      for (const std::string& part : {frames[0], std::string("OK"), frames[2], body})
        router.send(zmq::buffer(part), part == body ? zmq::send_flags::none : zmq::send_flags::sndmore);
    }
  });
  fs::create_directories(journal_);
  const std::string fake = (root_ / "taifeng-serve").string();  // a process named like the service
  const CommandResult started = Shell("cp /bin/sleep " + fake + " && { " + fake + " 60 >/dev/null 2>&1 & echo $!; }");
  const long pid = std::stol(started.out);
  std::ofstream(fs::path(journal_) / "service.json")
      << json{{"pid", pid}, {"publish", endpoint}, {"sync", endpoint}, {"control", endpoint}, {"public_key", server.public_key}}.dump();
  const CommandResult r = Shell(env_ + Cli() + " warn issue --all --exercise --yes --operator duty --timeout 1");
  stand_in.join();
  ::kill(static_cast<pid_t>(pid), SIGKILL);
  EXPECT_EQ(r.status, 75) << r.out;
  EXPECT_NE(r.out.find("OUTCOME UNKNOWN"), std::string::npos) << r.out;
  ASSERT_FALSE(commit_body.empty()) << "the COMMIT reached the stand-in";
  const std::string id = json::parse(commit_body).at("request_id");
  EXPECT_EQ(id.size(), 32u);
  EXPECT_NE(r.out.find("--request-id " + id), std::string::npos) << r.out;
}

TEST_F(ServeTest, OperatorsIssueThroughTheServiceAndAPythonGatewayReceivesEverything) {
  Child service = Serve();
  ASSERT_TRUE(f::RunningService(journal_)) << service.Output();
  ASSERT_EQ(Propose().status, 0);
  const std::string python = TAIFENG_PYTHON;
  const fs::path sub_log = root_ / "python.log";
  // The Python gateway subscribes first (json format, typhoon warnings only) and waits.
  Child py = Child::Start(python + " " + TAIFENG_SOURCE_DIR + "/docs/examples/feed_subscriber.py --service " + journal_ +
                              "/service.json --key " + keys_ + "/web.key_secret --format json --prefix typhoon --seconds 20 --count 1000",
                          sub_log);
  std::this_thread::sleep_for(milliseconds(1500));
  CommandResult issue = Shell(env_ + Cli() + " warn issue --all --exercise --yes --operator duty --json", false);
  ASSERT_EQ(issue.status, 0) << issue.out;
  const json issued = json::parse(issue.out);
  std::set<std::string> typhoon_regions, typhoon_ids;
  for (const auto& m : issued["issued"]) {
    EXPECT_EQ(m["operator"], "duty");  // the key's name
    if (m["kind"] == "typhoon") typhoon_regions.insert(m["region_code"].get<std::string>()), typhoon_ids.insert(m["identifier"]);
  }
  ASSERT_GE(typhoon_regions.size(), 10u);
  std::string regions;
  for (const auto& r : typhoon_regions) regions += r + " ";
  const CommandResult update = ExtendAll(regions, "2018-09-15T13:00Z");
  ASSERT_EQ(update.status, 0) << update.out;
  EXPECT_NE(update.out.find("Through the Taifeng service"), std::string::npos) << update.out;
  const std::size_t expected = 2 * typhoon_regions.size();
  // Wait for the Python gateway to have them all, then stop it.
  for (int i = 0; i < 100; ++i) {
    std::ifstream in(sub_log);
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) n += line.find("\"source\": \"live\"") != std::string::npos;
    if (n >= expected) break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  py.Signal(SIGTERM);
  py.Wait();
  std::ifstream in(sub_log);
  std::string line;
  std::vector<json> got;
  while (std::getline(in, line))
    if (line.find("\"seq\"") != std::string::npos) got.push_back(json::parse(line));
  ASSERT_EQ(got.size(), expected) << py.Output();
  std::set<std::int64_t> seqs;
  std::set<std::string> alerts;
  for (const auto& g : got) {
    EXPECT_EQ(g["status"], "Exercise");
    EXPECT_EQ(g["source"], "live");
    EXPECT_EQ(g["stream"].get<std::string>().substr(0, 8), "typhoon.");
    seqs.insert(g["seq"].get<std::int64_t>());
    if (typhoon_ids.count(g["identifier"])) alerts.insert(g["identifier"]);
  }
  EXPECT_EQ(seqs.size(), got.size());  // none twice
  EXPECT_EQ(alerts, typhoon_ids);       // every typhoon alert, by identifier
  service.Signal(SIGTERM);
  EXPECT_EQ(service.Wait(), 0);
  // Every record is signed by a trusted key: the proposal by duty (the CLI wrote it), the
  // commands and messages by the service.
  const CommandResult audit = Shell(env_ + Cli() + " warn audit --json", false);
  ASSERT_EQ(audit.status, 0) << audit.out;
  const json a = json::parse(audit.out);
  EXPECT_TRUE(a["signatures_trusted"].get<bool>());
  EXPECT_EQ(a["signed_records"], a["records"]);
  const std::string service_key = taifeng::warnings::SigningKey::Read(fs::path(keys_) / "service.sign_secret").public_hex();
  const std::string duty_key = taifeng::warnings::SigningKey::Read(fs::path(keys_) / "duty.sign_secret").public_hex();
  for (const auto& rec : taifeng::warnings::Journal::Open(fs::path(journal_) / "journal.sqlite", false)->Read())
    EXPECT_EQ(rec.signer, rec.type == "propose" ? duty_key : service_key) << rec.seq << " " << rec.type;
  // Without its signing key the service does not start.
  fs::rename(fs::path(keys_) / "service.sign_secret", root_ / "moved.sign_secret");
  Child unsigned_service = Serve();
  EXPECT_EQ(unsigned_service.Wait(), 66) << unsigned_service.Output();
  EXPECT_NE(unsigned_service.Output().find("no signing key"), std::string::npos) << unsigned_service.Output();
}

TEST_F(ServeTest, Kill9AndRestartLosesNothingAndRenumbersNothing) {
  Child service = Serve();
  ASSERT_EQ(Propose().status, 0);
  ASSERT_EQ(Shell(env_ + Cli() + " warn issue --all --exercise --yes --operator duty").status, 0);
  auto gw = f::FeedSubscriber::Connect(Gateway("display"));
  std::vector<f::FeedEvent> events;
  auto pump = [&](const std::function<bool()>& done, int ms) {
    const auto end = std::chrono::steady_clock::now() + milliseconds(ms);
    while (!done() && std::chrono::steady_clock::now() < end)
      if (auto e = gw->Next(milliseconds(50))) events.push_back(std::move(*e));
  };
  pump([&] { return !events.empty(); }, 10000);
  ASSERT_FALSE(events.empty());
  ASSERT_EQ(events[0].type, f::FeedEvent::Type::kSnapshot);
  const std::int64_t s0 = events[0].seq;
  ASSERT_GT(s0, 10);
  std::string regions;
  for (const auto& x : events[0].warnings)
    if (x.stream.rfind("typhoon.", 0) == 0) regions += x.stream.substr(8) + " ";

  service.Signal(SIGKILL);
  service.Wait();
  ASSERT_TRUE(fs::exists(fs::path(journal_) / "service.json"));  // left behind, but stale
  EXPECT_FALSE(f::RunningService(journal_));
  // With no service, the CLI writes the journal itself.
  CommandResult direct = ExtendAll(regions, "2018-09-15T13:00Z");
  ASSERT_EQ(direct.status, 0) << direct.out;
  EXPECT_EQ(direct.out.find("Through the Taifeng service"), std::string::npos);
  pump([&] { return gw->state() == f::FeedSubscriber::State::kLost; }, 5000);
  EXPECT_EQ(gw->state(), f::FeedSubscriber::State::kLost);

  service = Serve();
  ASSERT_TRUE(f::RunningService(journal_)) << service.Output();
  CommandResult via = ExtendAll(regions, "2018-09-15T14:00Z");
  ASSERT_EQ(via.status, 0) << via.out;
  EXPECT_NE(via.out.find("Through the Taifeng service"), std::string::npos);
  const std::size_t n = static_cast<std::size_t>(std::count(regions.begin(), regions.end(), ' '));
  const std::int64_t last = s0 + 2 * static_cast<std::int64_t>(n);
  pump([&] { return !events.empty() && events.back().type == f::FeedEvent::Type::kMessage && events.back().seq >= last; }, 15000);
  // The gateway saw the loss, the restoration, and every message after the snapshot exactly once,
  // numbered on from where the first service stopped.
  std::vector<std::int64_t> seqs;
  bool lost = false, restored = false;
  for (const auto& e : events) {
    lost |= e.type == f::FeedEvent::Type::kFeedLost;
    restored |= e.type == f::FeedEvent::Type::kFeedRestored;
    if (e.type == f::FeedEvent::Type::kMessage) seqs.push_back(e.seq);
  }
  EXPECT_TRUE(lost);
  EXPECT_TRUE(restored);
  ASSERT_EQ(seqs.size(), 2 * n);
  for (std::size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], s0 + 1 + static_cast<std::int64_t>(i));
  // The journal agrees: one number per message.
  CommandResult list = Shell(env_ + Cli() + " warn list --json", false);
  EXPECT_EQ(json::parse(list.out)["messages"].size(), static_cast<std::size_t>(last));

  // A gateway key cannot command.
  CommandResult refused = Shell(env_ + Cli() + " warn cancel " + regions + " --yes --key " + keys_ + "/web.key_secret");
  EXPECT_EQ(refused.status, 69) << refused.out;
  EXPECT_NE(refused.out.find("only operator keys"), std::string::npos) << refused.out;
  // SIGTERM: a clean stop, the service file removed, and a restart publishes nothing again.
  service.Signal(SIGTERM);
  EXPECT_EQ(service.Wait(), 0) << service.Output();
  EXPECT_FALSE(fs::exists(fs::path(journal_) / "service.json"));
  EXPECT_NE(service.Output().find("stopped at feed seq " + std::to_string(last)), std::string::npos) << service.Output();
  service = Serve();
  ASSERT_TRUE(f::RunningService(journal_));
  service.Signal(SIGINT);
  EXPECT_EQ(service.Wait(), 0);
  EXPECT_EQ(service.Output().find("journalled before this start"), std::string::npos) << service.Output();
}

TEST_F(CliTest, KeysGenerateWritesACertificatePairPyzmqReads) {
  const std::string dir = (*dir_ / "keys").string();
  CommandResult r = Shell(Cli() + " keys generate gw-web --dir " + dir + " --json", false);
  ASSERT_EQ(r.status, 0) << r.out;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["public_key"].get<std::string>().size(), 40u);
  EXPECT_EQ(Shell(Cli() + " keys generate gw-web --dir " + dir).status, 69);  // never overwritten
  EXPECT_EQ(Shell(Cli() + " keys generate 'bad name' --dir " + dir).status, 64);
  if (fs::exists(TAIFENG_PYTHON)) {
    const CommandResult py = Shell(std::string(TAIFENG_PYTHON) + " -c \"import zmq.auth; p, s = zmq.auth.load_certificate('" + dir +
                                   "/gw-web.key_secret'); print(p.decode(), len(s))\"");
    if (py.out.find("No module named") == std::string::npos) {
      EXPECT_EQ(py.out, j["public_key"].get<std::string>() + " 40\n");
    }
  }
}

}  // namespace
