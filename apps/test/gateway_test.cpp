// taifeng-gateway against a real `taifeng serve` on 127.0.0.1: the display's frames (terminal and
// LED) and its "feed lost", SMS spool files exactly once across a kill -9 of the gateway, and the
// web gateway's endpoints and its page in headless Chromium, updated live without a reload.
#include <poll.h>
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include "cli_fixture.h"
#include "process.h"
#include "taifeng/gateway/display.h"
#include "taifeng/warnings/feed_service.h"
#include "taifeng/warnings/journal.h"
#include "taifeng/warnings/feed_summary.h"
#include "taifeng/warnings/warning.h"

namespace {

using namespace taifeng_cli_test;
using std::chrono::milliseconds;
namespace w = taifeng::warnings;
namespace f = taifeng::feed;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool WaitFor(const std::function<bool()>& done, int ms) {
  const auto end = std::chrono::steady_clock::now() + milliseconds(ms);
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return done();
}

class GatewayTest : public CliTest {
 protected:
  void SetUp() override {
    root_ = *dir_ / ("gateway-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(root_);
    keys_ = (root_ / "keys").string();
    journal_ = (root_ / "journal").string();
    for (const char* k : {"service", "duty --role operator", "web --role gateway", "display --role gateway", "sms --role gateway"})
      ASSERT_EQ(Shell(Cli() + " keys generate " + std::string(k) + " --dir " + keys_).status, 0);
    env_ = "TAIFENG_KEYS=" + keys_ + " TAIFENG_JOURNAL=" + journal_ + " ";
  }
  void TearDown() override {
    for (Child* c : {&gateway_, &service_}) c->Kill();
    fs::remove_all(root_);
  }

  void Serve() {
    const std::string cmd = Cli() + " serve --journal " + journal_ + " --keys " + keys_ + " --heartbeat-ms 200" +
                            " --publish tcp://127.0.0.1:" + std::to_string(FreePort()) + " --sync tcp://127.0.0.1:" +
                            std::to_string(FreePort()) + " --control tcp://127.0.0.1:" + std::to_string(FreePort());
    service_ = Child::Start(cmd, root_ / "serve.log");
    ASSERT_TRUE(WaitFor([&] { return f::RunningService(journal_).has_value(); }, 10000)) << service_.Output();
  }
  void StartGateway(const std::string& channel, const std::string& options, const std::string& log) {
    gateway_ = Child::Start("env " + env_ + std::string(TAIFENG_GATEWAY) + " --channel " + channel + " --heartbeat-timeout-ms 1000 " + options,
                            root_ / log);
  }
  // The forecast of Mangkhut at 2018-09-15 12 UTC, issued whole as an exercise, through the service.
  json IssueMangkhut() {
    const CommandResult p = Shell(env_ + Cli() + " warn propose --archive " + *archive_ + " --track " + Samples() +
                                      "/atcf/bwp262018.dat --agency CMA --at 2018-09-15T12:00Z --operator duty --json",
                                  false);
    EXPECT_EQ(p.status, 0) << p.out;
    const CommandResult i = Shell(env_ + Cli() + " warn issue --all --exercise --yes --operator duty");
    EXPECT_EQ(i.status, 0) << i.out;
    EXPECT_NE(i.out.find("Through the Taifeng service"), std::string::npos) << i.out;
    return Messages();
  }
  json Messages() const {
    const CommandResult l = Shell(env_ + Cli() + " warn list --json", false);
    EXPECT_EQ(l.status, 0) << l.out;
    return json::parse(l.out)["messages"];
  }

  fs::path root_;
  std::string keys_, journal_, env_;
  Child service_, gateway_;
};

TEST_F(GatewayTest, DisplayShowsTheWarningsAndFeedLost) {
  Serve();
  const fs::path led = root_ / "led.txt";
  StartGateway("display", "--led-file " + led.string() + " --led-width 32 --columns 100 --lines 30 --no-ansi", "display.log");
  const json messages = IssueMangkhut();
  std::map<std::string, std::string> typhoon;  // region -> signal
  for (const auto& m : messages)
    if (m["kind"] == "typhoon") typhoon[m["region_code"]] = m["signal"];
  ASSERT_TRUE(typhoon.count("440400"));
  const std::map<std::string, std::string> zh = {{"white", "白"}, {"blue", "蓝"}, {"yellow", "黄"}, {"orange", "橙"}, {"red", "红"}};
  const std::string zhuhai = "珠海 台风" + zh.at(typhoon["440400"]);
  std::size_t signalled = 0;
  for (const auto& [region, signal] : typhoon) signalled += signal.empty() ? 0 : 1;
  // The gateway redraws as each warning arrives: wait for the frame that holds them all (one line per
  // region with a signal, under the storm's line), then check it.
  std::vector<std::string> lines;
  const auto read_frame = [&] {
    lines.clear();
    const std::string text = ReadFile(led);
    std::stringstream frame(text);
    for (std::string l; std::getline(frame, l);) lines.push_back(l);
    return text.find(zhuhai) != std::string::npos && lines.size() == 1 + signalled;
  };
  EXPECT_TRUE(WaitFor(read_frame, 15000)) << "one line per region with a signal: " << lines.size() << " lines, "
                                           << signalled << " signalled\n" << ReadFile(led) << gateway_.Output();
  ASSERT_GE(lines.size(), 2u);
  for (const auto& l : lines) EXPECT_EQ(taifeng::DisplayWidth(l), 32) << "[" << l << "]";
  EXPECT_TRUE(std::regex_search(lines[0], std::regex("^MANGKHUT [0-9.]+N [0-9.]+E [0-9]+m/s"))) << lines[0];
  const auto row = std::find_if(lines.begin(), lines.end(), [&](const std::string& l) { return l.rfind(zhuhai, 0) == 0; });
  ASSERT_NE(row, lines.end());
  EXPECT_TRUE(std::regex_search(*row, std::regex(" [0-9]+km +$"))) << *row;
  // The terminal frame: the header with units, and Zhuhai's row with the storm.
  const std::string out = gateway_.Output();
  EXPECT_NE(out.find("Region            Typhoon Rain    Storm      Position      10-min m/s Dist km  Until UTC"), std::string::npos) << out;
  std::string upper = typhoon["440400"];
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(std::regex_search(out, std::regex("珠海市 Zhuhai +" + upper + " .*MANGKHUT +[0-9.]+N [0-9.]+E")))
      << out;
  EXPECT_NE(out.find("EXERCISE"), std::string::npos);

  service_.Kill();  // no heartbeats from now on
  ASSERT_TRUE(WaitFor([&] { return ReadFile(led).rfind("!! 信号中断 FEED LOST !!", 0) == 0; }, 5000)) << ReadFile(led);
  EXPECT_TRUE(WaitFor([&] { return gateway_.Output().find("!! FEED LOST since") != std::string::npos; }, 3000));
  gateway_.Signal(SIGTERM);
  EXPECT_EQ(gateway_.Wait(), 0);
}

// The service restarted on other ports (a new service.json): a gateway that found it through
// service.json follows it, instead of showing FEED LOST for ever.
TEST_F(GatewayTest, AGatewayFollowsTheServiceToItsNewPorts) {
  Serve();
  const fs::path led = root_ / "led.txt";
  StartGateway("display", "--led-file " + led.string() + " --led-width 32 --no-ansi", "display.log");
  IssueMangkhut();
  ASSERT_TRUE(WaitFor([&] { return ReadFile(led).find("珠海") != std::string::npos; }, 15000)) << gateway_.Output();
  service_.Kill();
  ASSERT_TRUE(WaitFor([&] { return ReadFile(led).rfind("!! 信号中断 FEED LOST !!", 0) == 0; }, 5000)) << ReadFile(led);
  Serve();  // new free ports, a new service.json
  EXPECT_TRUE(WaitFor([&] { return gateway_.Output().find("the service moved") != std::string::npos; }, 10000)) << gateway_.Output();
  EXPECT_TRUE(WaitFor([&] { const std::string t = ReadFile(led); return t.rfind("!!", 0) != 0 && t.find("珠海") != std::string::npos; }, 10000))
      << ReadFile(led) << gateway_.Output();
  gateway_.Signal(SIGTERM);
  EXPECT_EQ(gateway_.Wait(), 0);
}

// A history rewritten with its chain recomputed passes the chain audit (it once did, and serve
// published the forgery): the gateways' witness files, which keep every chain head the heartbeats
// announced, catch it.
TEST_F(GatewayTest, AWitnessCatchesAHistoryRewrittenWithItsChainRecomputed) {
  Serve();
  const fs::path led = root_ / "led.txt", witness = root_ / "witness-display.txt";
  StartGateway("display", "--led-file " + led.string() + " --led-width 32 --no-ansi --witness " + witness.string(), "display.log");
  const json messages = IssueMangkhut();
  std::int64_t last = 0;
  for (const auto& m : messages) last = std::max<std::int64_t>(last, m["seq"].get<std::int64_t>());
  ASSERT_TRUE(WaitFor([&] { return ReadFile(witness).find(" " + std::to_string(last) + " ") != std::string::npos; }, 10000))
      << ReadFile(witness) << gateway_.Output();
  gateway_.Signal(SIGTERM);
  gateway_.Wait();
  service_.Signal(SIGTERM);
  service_.Wait();
  const std::string audit = Cli() + " warn audit --journal " + journal_ + " --witness " + witness.string();
  CommandResult r = Shell(audit);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("witnessed heads match"), std::string::npos) << r.out;
  // The forger: Zhuhai's first message says red instead of what was issued, and every hash from
  // there on is recomputed, so the chain is valid again.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((fs::path(journal_) / "journal.sqlite").c_str(), &db), SQLITE_OK);
  std::vector<taifeng::warnings::JournalRecord> records;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT seq, time_utc, recorded_utc, operator, type, body, prev_hash, hash FROM record ORDER BY seq", -1, &st, nullptr);
  while (sqlite3_step(st) == SQLITE_ROW) {
    taifeng::warnings::JournalRecord rec;
    rec.seq = sqlite3_column_int64(st, 0), rec.time_utc = sqlite3_column_int64(st, 1);
    auto text = [&](int c) { return std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, c))); };
    rec.recorded_utc = text(2), rec.operator_name = text(3), rec.type = text(4), rec.body = text(5), rec.prev_hash = text(6), rec.hash = text(7);
    records.push_back(rec);
  }
  sqlite3_finalize(st);
  std::size_t forged = 0;
  while (forged < records.size() && !(records[forged].type == "message" && records[forged].body.find("\"region_code\":\"440400\"") != std::string::npos))
    ++forged;
  ASSERT_LT(forged, records.size());
  json body = json::parse(records[forged].body);
  body["signal"] = "red";
  records[forged].body = body.dump();
  for (std::size_t i = forged; i < records.size(); ++i) {
    if (i > 0) records[i].prev_hash = records[i - 1].hash;
    records[i].hash = taifeng::warnings::RecordHash(records[i]);
    sqlite3_stmt* up = nullptr;
    sqlite3_prepare_v2(db, "UPDATE record SET body = ?, prev_hash = ?, hash = ? WHERE seq = ?", -1, &up, nullptr);
    sqlite3_bind_text(up, 1, records[i].body.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(up, 2, records[i].prev_hash.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(up, 3, records[i].hash.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(up, 4, records[i].seq);
    ASSERT_EQ(sqlite3_step(up), SQLITE_DONE);
    sqlite3_finalize(up);
  }
  {  // … and its feed projection too, so that everything the audit can check agrees
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(db, "SELECT feed_seq, prev FROM feed WHERE journal_seq = ?", -1, &q, nullptr);
    sqlite3_bind_int64(q, 1, records[forged].seq);
    ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
    const auto row = taifeng::warnings::ProjectMessage(taifeng::warnings::MessageFromJson(records[forged].body, records[forged].seq),
                                                        sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1));
    sqlite3_finalize(q);
    sqlite3_stmt* up = nullptr;
    sqlite3_prepare_v2(db, "UPDATE feed SET summary = ?, cap = ? WHERE journal_seq = ?", -1, &up, nullptr);
    sqlite3_bind_text(up, 1, row.summary.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(up, 2, row.cap.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(up, 3, records[forged].seq);
    ASSERT_EQ(sqlite3_step(up), SQLITE_DONE);
    sqlite3_finalize(up);
  }
  // The service signed every record: the forger, without its secret key, is caught by the
  // signatures alone, and by list and show, which refuse the journal.
  const CommandResult signed_audit = Shell(Cli() + " warn audit --journal " + journal_);
  EXPECT_EQ(signed_audit.status, 65) << signed_audit.out;
  EXPECT_NE(signed_audit.out.find("signature does not match"), std::string::npos) << signed_audit.out;
  EXPECT_EQ(Shell(Cli() + " warn list --journal " + journal_).status, 65);
  // Signatures stripped: an auditor who trusts the service's key (KEYS/service.sign) still refuses.
  ASSERT_EQ(sqlite3_exec(db, "UPDATE record SET signer = '', signature = ''", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  r = Shell(env_ + Cli() + " warn audit --journal " + journal_);
  EXPECT_EQ(r.status, 65) << r.out;
  EXPECT_NE(r.out.find("not signed"), std::string::npos) << r.out;
  // An auditor without the keys sees a valid unsigned chain, and the gateways' witness catches it.
  const std::string keyless = "TAIFENG_KEYS=" + (root_ / "no-keys").string() + " ";
  const CommandResult chain_only = Shell(keyless + Cli() + " warn audit --journal " + journal_);
  EXPECT_EQ(chain_only.status, 0) << "the chain alone cannot tell: " << chain_only.out;
  EXPECT_NE(chain_only.out.find("NOT checked against trusted keys"), std::string::npos) << chain_only.out;
  r = Shell(keyless + audit);
  EXPECT_EQ(r.status, 65) << r.out;
  EXPECT_NE(r.out.find("it was rewritten"), std::string::npos) << r.out;
}

TEST_F(GatewayTest, SmsHandsOffExactlyOnceAcrossAGatewayKill) {
  Serve();
  const fs::path csv = root_ / "recipients.csv", outgoing = root_ / "spool" / "outgoing", sent = root_ / "spool" / "sent";
  fs::create_directories(sent);
  std::ofstream(csv) << "phone,regions,language\n+8613800138000,440400;440300,zh\n+85291234567,810000,en\n+8613900000001,440400,en\n"
                        "+86139000000xx,440400,zh\n";
  const std::string options = "--recipients " + csv.string() + " --outgoing " + outgoing.string() + " --status Exercise";
  StartGateway("sms", options, "sms-1.log");
  const json first = IssueMangkhut();
  std::map<std::string, int> per_region = {{"440400", 2}, {"440300", 1}, {"810000", 1}};
  auto expected = [&](const json& ms) {
    int n = 0;
    for (const auto& m : ms) n += per_region.count(m["region_code"]) ? per_region[m["region_code"]] : 0;
    return n;
  };
  auto files = [](const fs::path& d) {
    std::vector<fs::path> out;
    if (fs::exists(d))
      for (const auto& e : fs::directory_iterator(d)) out.push_back(e.path());
    return out;
  };
  const int n1 = expected(first);
  ASSERT_GT(n1, 4);
  ASSERT_TRUE(WaitFor([&] { return static_cast<int>(files(outgoing).size()) == n1; }, 15000)) << files(outgoing).size() << gateway_.Output();
  std::set<std::string> first_ids;
  for (const auto& m : first) first_ids.insert(m["identifier"]);
  for (const auto& f : files(outgoing)) {
    const std::string text = ReadFile(f);
    const std::string header = text.substr(0, text.find("\n\n"));
    EXPECT_TRUE(std::regex_search(header, std::regex("^To: (8613800138000|85291234567|8613900000001)\nAlphabet: (UCS2|ISO)$"))) << header;
    const bool zh = header.find("To: 8613800138000") != std::string::npos;
    EXPECT_EQ(header.find(zh ? "Alphabet: UCS2" : "Alphabet: ISO") != std::string::npos, true) << header;
    if (!zh) {
      EXPECT_EQ(text.substr(text.find("\n\n") + 2).rfind("EXERCISE: ", 0), 0u);
    }
    fs::rename(f, sent / f.filename());  // as smsd takes them
  }
  // The gateway dies without warning; warnings go on being issued meanwhile.
  gateway_.Kill();
  ASSERT_EQ(Shell(env_ + Cli() + " warn update 440400 810000 --kind typhoon --extend 12 --at 2018-09-15T13:00Z --yes --operator duty").status, 0);
  const json all = Messages();
  json fresh = json::array();
  for (const auto& m : all)
    if (!first_ids.count(m["identifier"])) fresh.push_back(m);
  ASSERT_EQ(fresh.size(), 2u);
  StartGateway("sms", options, "sms-2.log");
  const int n2 = expected(fresh);
  ASSERT_EQ(n2, 3);
  ASSERT_TRUE(WaitFor([&] { return static_cast<int>(files(outgoing).size()) == n2; }, 15000)) << gateway_.Output();
  std::this_thread::sleep_for(milliseconds(700));  // nothing more comes
  const auto again = files(outgoing);
  EXPECT_EQ(static_cast<int>(again.size()), n2);
  for (const auto& f : again) {
    bool is_fresh = false;
    for (const auto& m : fresh) is_fresh |= f.filename().string().find(m["identifier"].get<std::string>()) != std::string::npos;
    EXPECT_TRUE(is_fresh) << f << " was handed off before the kill";
  }
  EXPECT_NE(gateway_.Output().find("resuming after seq"), std::string::npos) << gateway_.Output();
  // Phone numbers never appear whole in the logs; the bad row is named with its line, masked.
  const std::string logs = ReadFile(root_ / "sms-1.log") + gateway_.Output();
  for (const char* phone : {"13800138000", "91234567", "13900000001"}) EXPECT_EQ(logs.find(phone), std::string::npos) << phone;
  EXPECT_NE(logs.find("recipients.csv:5: phone +86*******00xx"), std::string::npos) << logs;
}

int ConnectTo(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 ? fd : -1;
}

// What arrives on `fd` within `ms` (until EOF, or until `until` is in it).
std::string ReadFor(int fd, int ms, const std::string& until = "") {
  std::string got;
  const auto end = std::chrono::steady_clock::now() + milliseconds(ms);
  while (std::chrono::steady_clock::now() < end && (until.empty() || got.find(until) == std::string::npos)) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

long RssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// The web gateway serves its event streams from one event loop: 1,000 open pages (48 once filled
// its thread pool and every other request timed out) all get every update while the API answers;
// the 1,001st (over --max-streams) is told 503. Requests it cannot trust are cut short: too many
// or too large headers (1,000,000 headers once took +750 MB), slow senders (50 once blocked the
// page for 14 s), several ranges (they once made a 64 kB file a 165 MB answer).
TEST_F(GatewayTest, WebGatewayServesAThousandEventStreamsAndRefusesWhatItCannotTrust) {
  Serve();
  IssueMangkhut();
  const fs::path port_file = root_ / "web.port";
  StartGateway("web", "--port 0 --port-file " + port_file.string() + " --max-streams 1000", "web.log");
  ASSERT_TRUE(WaitFor([&] { return fs::exists(port_file); }, 10000)) << gateway_.Output();
  const int port = std::stoi(ReadFile(port_file));
  std::vector<int> streams;
  const std::string get_events = "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  for (int i = 0; i < 1000; ++i) {
    const int fd = ConnectTo(port);
    ASSERT_GE(fd, 0) << i;
    ASSERT_EQ(::write(fd, get_events.data(), get_events.size()), static_cast<ssize_t>(get_events.size()));
    streams.push_back(fd);
  }
  int served = 0;
  for (const int fd : streams) served += ReadFor(fd, 2000, "event: update").find("event: update") != std::string::npos ? 1 : 0;
  EXPECT_EQ(served, 1000);
  httplib::Client http("127.0.0.1", port);
  http.set_read_timeout(3, 0);
  for (int i = 0; i < 20; ++i) {
    const auto api = http.Get("/api/warnings");
    ASSERT_TRUE(api) << "no answer with 1,000 event streams open";
    EXPECT_EQ(api->status, 200);
  }
  const auto refused = http.Get("/events");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->get_header_value("Retry-After"), "30");
  // An update reaches every one of the 1,000 pages.
  ASSERT_EQ(Shell(env_ + Cli() + " warn update 440400 --kind typhoon --extend 12 --at 2018-09-15T13:00Z --yes --operator duty").status, 0);
  int updated = 0;
  for (const int fd : streams) updated += ReadFor(fd, 5000, "event: update").find("event: update") != std::string::npos ? 1 : 0;
  EXPECT_EQ(updated, 1000);
  for (const int fd : streams) ::close(fd);

  // Headers: too many lines, and a million of them, are refused after 8 kB; memory stays small.
  std::string many = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 200; ++i) many += "X-" + std::to_string(i) + ": y\r\n";
  int fd = ConnectTo(port);
  (void)!::write(fd, (many + "\r\n").data(), many.size() + 2);
  EXPECT_EQ(ReadFor(fd, 3000).substr(0, 12), "HTTP/1.1 431");
  ::close(fd);
  const long rss_before = RssKb(gateway_.pid);
  fd = ConnectTo(port);
  const std::string line = "X-Flood: 0123456789\r\n";
  std::string chunk;
  for (int i = 0; i < 10000; ++i) chunk += line;
  for (int i = 0; i < 100; ++i)  // 1,000,000 header lines, 21 MB, as far as the server reads them
    if (::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL) <= 0) break;
  EXPECT_NE(ReadFor(fd, 3000).find("431"), std::string::npos);
  ::close(fd);
  EXPECT_LT(RssKb(gateway_.pid) - rss_before, 20000) << "kB more after a million headers";

  // 50 slow senders: the page answers at once, and they are cut (408) after 5 s.
  std::vector<int> slow;
  for (int i = 0; i < 50; ++i) {
    slow.push_back(ConnectTo(port));
    (void)!::write(slow.back(), "GET / HTTP/1.1\r\nHost: x\r\n", 26);
  }
  const auto t0 = std::chrono::steady_clock::now();
  const auto page = http.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 2.0);
  int cut = 0;
  for (const int s : slow) {
    cut += ReadFor(s, 8000).find("408") != std::string::npos ? 1 : 0;
    ::close(s);
  }
  EXPECT_EQ(cut, 50);

  // Ranges: one is served (206), several are refused (416).
  const auto ranges = http.Get("/app.js", {{"Range", "bytes=0-,0-,0-,0-"}});
  ASSERT_TRUE(ranges);
  EXPECT_EQ(ranges->status, 416);
  EXPECT_LT(ranges->body.size(), 1000u);
  const auto one_range = http.Get("/app.js", {{"Range", "bytes=0-99"}});
  ASSERT_TRUE(one_range);
  EXPECT_EQ(one_range->status, 206);
  EXPECT_EQ(one_range->body.size(), 100u);
  EXPECT_EQ(http.Get("/app.js", {{"Range", "bytes=99999999-"}})->status, 416);
  gateway_.Signal(SIGTERM);
  EXPECT_EQ(gateway_.Wait(), 0);
}

// --tls-cert and --tls-key: the page, the feed and the events over HTTPS on a self-signed
// certificate (made here with the openssl command), the feed's links https; a key that others can
// read is refused before the gateway serves anything.
TEST_F(GatewayTest, WebGatewayServesHttpsOnItsCertificate) {
  Serve();
  const std::string cert = (root_ / "web.crt").string(), key = (root_ / "web.key").string();
  ASSERT_EQ(Shell("umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 "
                  "-addext subjectAltName=IP:127.0.0.1 -keyout " + key + " -out " + cert + " 2>&1").status, 0);
  const fs::path port_file = root_ / "web.port";
  ::chmod(key.c_str(), 0640);
  StartGateway("web", "--port 0 --port-file " + port_file.string() + " --tls-cert " + cert + " --tls-key " + key, "web-refused.log");
  EXPECT_NE(gateway_.Wait(), 0);
  EXPECT_NE(gateway_.Output().find("readable by group or others"), std::string::npos) << gateway_.Output();
  EXPECT_FALSE(fs::exists(port_file));
  ::chmod(key.c_str(), 0600);
  StartGateway("web", "--port 0 --port-file " + port_file.string() + " --tls-cert " + cert + " --tls-key " + key, "web.log");
  ASSERT_TRUE(WaitFor([&] { return fs::exists(port_file); }, 10000)) << gateway_.Output();
  const int port = std::stoi(ReadFile(port_file));
  httplib::SSLClient https("127.0.0.1", port);
  https.set_ca_cert_path(cert);
  https.enable_server_certificate_verification(true);
  const auto page = https.Get("/");
  ASSERT_TRUE(page) << httplib::to_string(page.error()) << gateway_.Output();
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("class=\"headline none\" data-jurisdiction=\"hong_kong\""), std::string::npos);
  EXPECT_EQ(page->get_header_value("Strict-Transport-Security"), "max-age=31536000");
  const auto atom = https.Get("/alerts.atom");
  ASSERT_TRUE(atom);
  EXPECT_NE(atom->body.find("href=\"https://127.0.0.1:" + std::to_string(port) + "/alerts.atom"), std::string::npos) << atom->body.substr(0, 600);
  httplib::Client plain("127.0.0.1", port);
  plain.set_read_timeout(3, 0);
  const auto refused = plain.Get("/");
  EXPECT_TRUE(!refused || refused->status != 200);
  gateway_.Signal(SIGTERM);
  EXPECT_EQ(gateway_.Wait(), 0);
}

TEST_F(GatewayTest, WebPageUpdatesLiveInChromium) {
  ASSERT_TRUE(fs::exists("/usr/bin/chromium") && fs::exists("/usr/bin/chromedriver"))
      << "headless Chromium and chromedriver (Debian chromium, chromium-driver) are needed: scripts/setup.sh installs them";
  Serve();
  const fs::path port_file = root_ / "web.port";
  StartGateway("web",
               "--port 0 --port-file " + port_file.string() + " --public-url https://warnings.example.org/ --feed-id tag:warnings.example.org,2026:taifeng --archive-dir " +
                   (root_ / "web-archive").string(),
               "web.log");
  ASSERT_TRUE(WaitFor([&] { return fs::exists(port_file); }, 10000)) << gateway_.Output();
  const int port = std::stoi(ReadFile(port_file));
  const json messages = IssueMangkhut();
  httplib::Client http("127.0.0.1", port);
  std::size_t in_force = 0;
  for (const auto& m : messages) in_force += m["msg_type"] != "Cancel";
  json api;
  ASSERT_TRUE(WaitFor(
      [&] {
        const auto r = http.Get("/api/warnings");
        if (!r || r->status != 200) return false;
        api = json::parse(r->body);
        return api["warnings"].size() == in_force;
      },
      15000))
      << api.dump().substr(0, 500);
  EXPECT_EQ(api["feed"], "live");
  EXPECT_EQ(api["situation"]["storm_name"], "MANGKHUT");
  EXPECT_GT(api["situation"]["forecast"].size(), 4u);
  // The cone as the service sends it: one closed ring, counterclockwise (RFC 7946), around the
  // storm's position now and its +24 h point.
  const json& cone = api["situation"]["cone"];
  ASSERT_GT(cone.size(), 10u);
  EXPECT_EQ(cone.front(), cone.back());
  double twice_area = 0;
  for (std::size_t k = 0; k + 1 < cone.size(); ++k)
    twice_area += cone[k][0].get<double>() * cone[k + 1][1].get<double>() - cone[k + 1][0].get<double>() * cone[k][1].get<double>();
  EXPECT_GT(twice_area, 0.0);
  const auto inside = [&](double lon, double lat) {  // even-odd rule
    bool in = false;
    for (std::size_t i = 0, j = cone.size() - 1; i < cone.size(); j = i++) {
      const double xi = cone[i][0], yi = cone[i][1], xj = cone[j][0], yj = cone[j][1];
      if ((yi > lat) != (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi) in = !in;
    }
    return in;
  };
  for (const auto& f : api["situation"]["forecast"]) {
    if (f["lead_h"] == 24) EXPECT_TRUE(inside(f["lon"].get<double>(), f["lat"].get<double>()));
  }
  EXPECT_FALSE(api["warnings"][0]["description_en"].get<std::string>().empty());

  // Atom: one entry per message received, Alerts, Updates and Cancels alike, newest first, each
  // linking its CAP, which is the journalled CAP byte for byte. Links from the configured public
  // address, never from the request's Host header.
  const auto atom = http.Get("/alerts.atom", {{"Host", "evil.example.com"}});
  ASSERT_TRUE(atom && atom->status == 200);
  EXPECT_EQ(atom->get_header_value("Content-Type"), "application/atom+xml; charset=utf-8");
  std::size_t entries = 0;
  for (std::size_t at = atom->body.find("<entry>"); at != std::string::npos; at = atom->body.find("<entry>", at + 1)) ++entries;
  EXPECT_EQ(entries, std::min<std::size_t>(messages.size(), 50));
  EXPECT_EQ(atom->body.find("evil.example.com"), std::string::npos);
  EXPECT_NE(atom->body.find("<id>tag:warnings.example.org,2026:taifeng</id>"), std::string::npos);
  EXPECT_NE(atom->body.find("href=\"https://warnings.example.org/alerts/"), std::string::npos);
  for (const auto& m : messages) {  // a Cancel's message too: CAP references resolve
    const auto r = http.Get("/alerts/" + m["identifier"].get<std::string>() + ".xml");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << m["identifier"] << " " << m["msg_type"];
  }
  const std::string id = api["warnings"][0]["identifier"];
  EXPECT_NE(atom->body.find("/alerts/" + id + ".xml\""), std::string::npos);
  const auto cap = http.Get("/alerts/" + id + ".xml");
  ASSERT_TRUE(cap && cap->status == 200);
  const CommandResult show = Shell(env_ + Cli() + " warn show " + id + " --cap", false);
  ASSERT_EQ(show.status, 0) << show.out;
  EXPECT_EQ(cap->body, show.out.substr(0, cap->body.size())) << "the CAP as journalled";
  EXPECT_LE(show.out.size() - cap->body.size(), 1u) << show.out.substr(cap->body.size());
  EXPECT_EQ(http.Get("/alerts/TF-nothing.xml")->status, 404);
  EXPECT_EQ(http.Get("/alerts/..%2F..%2Fetc%2Fpasswd.xml")->status, 404);
  EXPECT_EQ(http.Post("/api/warnings", "x", "text/plain")->status, 405);
  const auto page = http.Get("/");
  ASSERT_TRUE(page && page->status == 200);
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  EXPECT_EQ(page->body.find("http"), std::string::npos) << "nothing loaded from the internet";
  // The first render is the server's: the state in force is in the HTML (no script needed), one
  // headline per jurisdiction, every warning as a card, the storm with its number.
  EXPECT_EQ(page->body.find("connecting"), std::string::npos);
  for (const char* j : {"guangdong", "hong_kong", "macau"})
    EXPECT_NE(page->body.find(std::string("class=\"headline sig-") + j), std::string::npos) << j << " has a signal in force";
  std::size_t cards = 0;
  for (std::size_t at = page->body.find("<li class=\"card "); at != std::string::npos; at = page->body.find("<li class=\"card ", at + 1)) ++cards;
  EXPECT_EQ(cards, in_force);
  EXPECT_NE(page->body.find("MANGKHUT（1822）"), std::string::npos);
  EXPECT_NE(page->body.find("香港時間"), std::string::npos);
  EXPECT_NE(page->body.find("北京时间"), std::string::npos);
  EXPECT_NE(page->body.find("<details>"), std::string::npos) << "the evidence behind a details toggle";
  EXPECT_NE(page->body.find("<body class=\"lang-zh\">"), std::string::npos);
  EXPECT_NE(http.Get("/?lang=en")->body.find("<body class=\"lang-en\">"), std::string::npos);
  const auto css = http.Get("/signals.css");
  ASSERT_TRUE(css && css->status == 200);
  EXPECT_NE(css->body.find(".sig-hong_kong-typhoon-8.sw"), std::string::npos);
  EXPECT_NE(css->body.find(".sig-guangdong-typhoon-red.sw"), std::string::npos);
  // The land and the map library go gzipped to a client that accepts it (a phone's data).
  const auto land_plain = http.Get("/api/land");
  const auto land_gzip = http.Get("/api/land", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(land_plain && land_gzip);
  EXPECT_EQ(land_plain->get_header_value("Content-Encoding"), "");
  EXPECT_EQ(land_gzip->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(land_gzip->body, land_plain->body) << "the same GeoJSON once unzipped";
  EXPECT_LT(std::stoul(land_gzip->get_header_value("Content-Length")), land_plain->body.size() / 2);

  // The page in a real browser: loaded once, then a warning published on the feed appears without a reload.
  const fs::path ready = root_ / "browser-ready.json";
  const fs::path shot = fs::path(TAIFENG_ARTEFACT_DIR) / "web-gateway.png";
  fs::create_directories(shot.parent_path());
  Child browser = Child::Start(std::string(TAIFENG_PYTHON) + " " + TAIFENG_SOURCE_DIR + "/apps/test/web_browser.py http://127.0.0.1:" +
                                   std::to_string(port) + "/ " + ready.string() + " " + shot.string() + " --timeout 60",
                               root_ / "browser.out");
  ASSERT_TRUE(WaitFor([&] { return fs::exists(ready); }, 60000)) << browser.Output();
  const json first = json::parse(ReadFile(ready));
  EXPECT_EQ(first["warnings"].size(), in_force);
  EXPECT_EQ(first["regions"], 23);
  EXPECT_NE(first["storm"].get<std::string>().find("MANGKHUT"), std::string::npos);
  ASSERT_EQ(Shell(env_ + Cli() + " warn update 440400 --kind typhoon --extend 12 --at 2018-09-15T13:00Z --yes --operator duty").status, 0);
  ASSERT_EQ(browser.Wait(), 0) << browser.Output();
  const std::string out = browser.Output();
  const json result = json::parse(out.substr(out.find('{')));
  const json& last = result["last"];
  EXPECT_EQ(last["loaded_at"], first["loaded_at"]) << "no reload";
  EXPECT_GT(last["seq"].get<std::int64_t>(), first["seq"].get<std::int64_t>());
  std::string extended;
  for (const auto& m : Messages())
    if (m["region_code"] == "440400" && m["kind"] == "typhoon") extended = m["identifier"];
  const auto& ids = last["warnings"];
  EXPECT_NE(std::find(ids.begin(), ids.end(), extended), ids.end()) << "the extension " << extended << " is listed";
  const auto& before = first["warnings"];
  EXPECT_EQ(std::find(before.begin(), before.end(), extended), before.end());
  EXPECT_NE(std::find(last["painted"].begin(), last["painted"].end(), "440400"), last["painted"].end());
  const std::string png = ReadFile(shot);
  ASSERT_GT(png.size(), 20000u) << "the screenshot " << shot;
  EXPECT_EQ(png.substr(1, 3), "PNG");

  // The map followed the storm: its marker is inside the map's viewport after the first draw and
  // after the update, on the desktop and on a phone.
  EXPECT_TRUE(first["storm_in_view"].get<bool>());
  EXPECT_TRUE(last["storm_in_view"].get<bool>());
  // One headline per jurisdiction shown, each with its highest signal in force, and the key of
  // every signal of every jurisdiction (Guangdong typhoon, rainstorm, flood; Hong Kong's and
  // Macao's tropical cyclone and rainstorm signals), each in a colour.
  std::map<std::string, std::string> top;  // jurisdiction -> the highest typhoon signal in force
  std::map<std::string, int> top_rank;
  for (const auto& w : api["warnings"]) {
    const std::string j = w["presentation"]["jurisdiction"];
    if (w["rank"].get<int>() > top_rank[j]) top_rank[j] = w["rank"], top[j] = w["signal"];
  }
  ASSERT_EQ(last["headlines"].size(), 3u) << last["headlines"].dump();
  for (const auto& h : last["headlines"]) {
    const std::string j = h["jurisdiction"];
    EXPECT_EQ(h["signal"], top[j]) << j << ": " << h.dump();
    EXPECT_FALSE(h["text"].get<std::string>().empty());
  }
  EXPECT_EQ(last["key"].size(), 3u + 2u + 2u) << last["key"].dump();
  for (const auto& row : last["key"]) EXPECT_EQ(row.get<std::string>().find("rgba(0, 0, 0, 0)"), std::string::npos) << row;
  EXPECT_GE(last["headline_font_px"].get<double>(), 24.0);
  // The zh/en switch, without a reload: English shows English cards only.
  const json& english = result["english"];
  EXPECT_EQ(english["lang"], "lang-en");
  ASSERT_FALSE(english["visible_en"].empty());
  for (const auto& lang : english["visible_en"]) EXPECT_EQ(lang, "en");
  EXPECT_EQ(english["loaded_at"], first["loaded_at"]);
  // A phone, 400 x 850: the headline comes first (under the header and the status line), large,
  // and the storm is still on the map.
  const json& phone = result["phone"];
  EXPECT_EQ(phone["width"], 400);
  EXPECT_EQ(phone["lang"], "lang-zh");
  EXPECT_LT(phone["headline_top"].get<int>(), 200) << phone.dump();
  EXPECT_GE(phone["headline_font_px"].get<double>(), 24.0);
  EXPECT_TRUE(phone["storm_in_view"].get<bool>());
  EXPECT_TRUE(result["console_errors"].empty()) << result["console_errors"].dump();
  const std::string phone_png = ReadFile(fs::path(TAIFENG_ARTEFACT_DIR) / "web-gateway-phone.png");
  EXPECT_EQ(phone_png.substr(1, 3), "PNG");
  const json& t = first["timing"];
  std::printf("page in Chromium (first load): response %.0f ms, DOM with the state in force %.0f ms, DOM complete (scripts run) %.0f ms\n",
              t["response_ms"].get<double>(), t["request_to_dom_interactive_ms"].get<double>(), t["request_to_dom_complete_ms"].get<double>());
}

// The architecture as built: the gateway executable depends on no HDF5, GDAL or OpenMP runtime,
// and no object of gateway/ was compiled from a header of data/, core/ or warnings/ (so touching
// core/.../matcher.h recompiles nothing under gateway/).
TEST(ArchitectureTest, GatewayLinksNoForecastStack) {
  const CommandResult ldd = Shell("ldd " + std::string(TAIFENG_GATEWAY));
  ASSERT_EQ(ldd.status, 0) << ldd.out;
  for (const char* lib : {"libhdf5", "libgdal", "libgomp", "libomp"}) EXPECT_EQ(ldd.out.find(lib), std::string::npos) << lib << "\n" << ldd.out;
  std::size_t depfiles = 0;
  for (const auto& e : fs::recursive_directory_iterator(std::string(TAIFENG_BINARY_DIR) + "/gateway/CMakeFiles/taifeng_gateway.dir")) {
    if (e.path().extension() != ".d") continue;
    ++depfiles;
    std::ifstream in(e.path());
    const std::string deps((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const char* layer : {"/core/include/", "/data/include/", "/warnings/include/", "hdf5.h", "gdal.h"})
      EXPECT_EQ(deps.find(layer), std::string::npos) << e.path() << " includes " << layer;
  }
  EXPECT_GE(depfiles, 8u);
}

}  // namespace
