// The gateway figures of the channels issue, printed:
//  1. SMS hand-off of one warning to 100,000 recipients: composing (zh and en), writing the
//     smstools3 spool files to staging, one syncfs, the SQLite record, the renames into the
//     outgoing directory and its fsync (target <= 10 s). The recipients are synthetic numbers
//     (+86 139 0000 0000 upwards, half zh, half en), generated here: no real person's number.
//  2. Web page update latency: from an operator's command (a one-region update, through the
//     control endpoint of a service in this process) to the Server-Sent Event at a page's
//     connection to the real taifeng-gateway --channel web process, and to the page's
//     /api/warnings and /panel answers that follow it (what a browser does on the event:
//     target p99 <= 10 ms). Then the first render: GET / (the page with the state in force,
//     rendered by the server: target <= 300 ms from request to a complete DOM), over HTTP, and in
//     headless Chromium when it is installed (navigation timing, cache off).
//  3. The web gateway under load: 1,000 open event streams (target: /api/warnings p99 <= 100 ms),
//     an update's way to all of them, and 50 slow senders.
// Run: build/bin/taifeng-bench-gateway   (TAIFENG_BENCH_DIR=DIR to put the spool elsewhere)
#include <httplib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "feed_setup.h"
#include "taifeng/feed/client.h"
#include "taifeng/warnings/feed_service.h"
#include "taifeng/warnings/operations.h"
#include "taifeng/gateway/sms.h"

namespace {

using namespace taifeng;
using namespace taifeng::warnings;
using namespace taifeng::feed;
using namespace taifeng::gateway;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
namespace fs = std::filesystem;

double Quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

void SmsBench(const fs::path& dir) {
  constexpr int kRecipients = 100000;
  RecipientList list;
  for (int i = 0; i < kRecipients; ++i) {
    Recipient r{"+86139" + std::to_string(100000000 + i).substr(1), {"440400"}, i % 2 ? "en" : "zh", i + 2};
    list.recipients.push_back(r);
    list.by_region["440400"].push_back(static_cast<std::size_t>(i));
  }
  const auto recipients = list.For("440400");
  Bulletin b;
  b.seq = 42, b.identifier = "TF-20180916T000000Z-440400-typhoon-42", b.kind = "typhoon", b.region = "440400";
  b.region_name = "珠海市", b.region_name_en = "Zhuhai", b.signal = "red", b.rank = 5, b.change = "upgrade", b.msg_type = "Update";
  b.status = "Exercise", b.sent = "2018-09-16T08:00:00+08:00", b.sent_utc = kT0 + 86400, b.onset_utc = b.sent_utc + 3600;
  b.expires_utc = b.sent_utc + 12 * 3600, b.storm_name = "MANGKHUT", b.storm_distance_km = 172;
  b.headline_zh = "珠海市台风红色预警信号", b.headline_en = "Typhoon Red Signal for Zhuhai";
  std::printf("1. SMS hand-off of one warning to %d recipients (synthetic numbers; %s)\n", kRecipients, dir.c_str());
  {  // What this file system alone costs: the same number of 200-byte files created, then renamed.
    const fs::path a = dir / "floor-a", b2 = dir / "floor-b";
    fs::create_directories(a);
    fs::create_directories(b2);
    const std::string body(200, 'x');
    const auto t0 = Clock::now();
    for (int i = 0; i < kRecipients; ++i) {
      const int fd = ::open((a / std::to_string(i)).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0640);
      if (fd < 0 || ::write(fd, body.data(), body.size()) < 0) std::abort();
      ::close(fd);
    }
    const auto t1 = Clock::now();
    for (int i = 0; i < kRecipients; ++i) fs::rename(a / std::to_string(i), b2 / std::to_string(i));
    const auto t2 = Clock::now();
    std::printf("   file-system floor: create %.2f s + rename %.2f s for %d plain files\n", std::chrono::duration<double>(t1 - t0).count(),
                std::chrono::duration<double>(t2 - t1).count(), kRecipients);
  }
  std::vector<double> seconds;
  for (int run = 0; run < 3; ++run) {
    const fs::path d = dir / ("sms-" + std::to_string(run));
    fs::remove_all(d);
    SmsOutboxOptions o;
    o.record = d / "taifeng-sms.sqlite", o.outgoing = d / "outgoing";
    auto outbox = SmsOutbox::Open(o);
    const auto t0 = Clock::now();
    const HandOffResult r = outbox->HandOff(b, recipients);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    seconds.push_back(s);
    std::size_t files = 0;
    for (const auto& e : fs::directory_iterator(o.outgoing)) files += e.is_regular_file();
    const auto again = outbox->HandOff(b, recipients);
    std::printf("   run %d: %.2f s (%.0f files/s), %lld files (%zu in outgoing), %lld segments; again: %lld files, %lld already\n", run + 1, s,
                static_cast<double>(r.files) / s, static_cast<long long>(r.files), files, static_cast<long long>(r.segments),
                static_cast<long long>(again.files), static_cast<long long>(again.already));
  }
  std::printf("   median %.2f s (target <= 10 s)\n\n", Quantile(seconds, 0.5));
}

int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) std::abort();
  return fd;
}

// /api/warnings answered `n` times on one kept-alive connection: the latencies (ms).
std::vector<double> ApiLatencies(int port, int n) {
  httplib::Client api("127.0.0.1", port);
  api.set_keep_alive(true);
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    const auto r = api.Get("/api/warnings");
    if (!r || r->status != 200) std::abort();
    ms.push_back(1e3 * std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return ms;
}

// 3. 1,000 open pages (event streams, read by one thread) and 50 slow senders against the web
// gateway: /api/warnings latency, and an update's way to all 1,000 pages.
void WebUnderLoad(int port, BenchFeed& feed, ControlClient& control) {
  constexpr int kPages = 1000, kSlow = 50;
  std::vector<int> fds;
  const std::string get = "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  for (int i = 0; i < kPages; ++i) {
    fds.push_back(Connect(port));
    if (::write(fds.back(), get.data(), get.size()) != static_cast<ssize_t>(get.size())) std::abort();
  }
  std::atomic<std::int64_t> updates{0};
  std::atomic<bool> stop{false};
  std::thread reader([&] {  // every page reads its stream and counts the update events
    std::vector<pollfd> polls;
    for (const int fd : fds) polls.push_back({fd, POLLIN, 0});
    char buf[8192];
    while (!stop) {
      if (::poll(polls.data(), polls.size(), 100) <= 0) continue;
      for (auto& p : polls) {
        if (!(p.revents & POLLIN)) continue;
        const ssize_t n = ::recv(p.fd, buf, sizeof buf, 0);
        for (ssize_t i = 0; i + 12 < n; ++i) updates += std::memcmp(buf + i, "event: update", 13) == 0 ? 1 : 0;
      }
    }
  });
  const auto t_open = Clock::now();
  while (updates < kPages && Clock::now() - t_open < std::chrono::seconds(20)) std::this_thread::sleep_for(milliseconds(5));
  std::printf("3. The web gateway under load: %d event streams open (%lld first events in %.0f ms)\n", kPages,
              static_cast<long long>(updates.load()), 1e3 * std::chrono::duration<double>(Clock::now() - t_open).count());
  const std::vector<double> api = ApiLatencies(port, 200);
  std::printf("   /api/warnings with %d streams open, 200 requests: median %.2f ms, p99 %.2f ms, max %.2f ms (target p99 <= 100 ms)\n",
              kPages, Quantile(api, 0.5), Quantile(api, 0.99), Quantile(api, 1.0));
  std::vector<double> fan_out;
  for (int i = 0; i < 5; ++i) {
    const std::int64_t before = updates;
    const auto t0 = Clock::now();
    control.Request("COMMIT", CommandToJson(feed.Extension(500 + i)));
    while (updates < before + kPages && Clock::now() - t0 < std::chrono::seconds(20)) std::this_thread::sleep_for(milliseconds(1));
    fan_out.push_back(1e3 * std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::printf("   an operator's command to its event at all %d pages: median %.1f ms, max %.1f ms over 5 commands\n", kPages,
              Quantile(fan_out, 0.5), Quantile(fan_out, 1.0));
  std::vector<int> slow;
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(Connect(port));
    if (::write(slow.back(), "GET / HTTP/1.1\r\nHost: x\r\n", 26) != 26) std::abort();
  }
  const std::vector<double> with_slow = ApiLatencies(port, 200);
  std::printf("   ... and %d slow senders (a request begun, never finished; cut after 5 s): median %.2f ms, p99 %.2f ms, max %.2f ms\n\n",
              kSlow, Quantile(with_slow, 0.5), Quantile(with_slow, 0.99), Quantile(with_slow, 1.0));
  stop = true;
  reader.join();
  for (const int fd : fds) ::close(fd);
  for (const int fd : slow) ::close(fd);
}

// The first render: the whole page, with the state in force, as the server sends it; then (when
// headless Chromium is installed) fresh loads in the browser.
void FirstRender(int port, httplib::Client& api) {
  std::vector<double> ms;
  std::size_t bytes = 0, cards = 0;
  for (int i = 0; i < 200; ++i) {
    const auto t0 = Clock::now();
    const auto r = api.Get("/");
    ms.push_back(1e3 * std::chrono::duration<double>(Clock::now() - t0).count());
    if (!r || r->status != 200) continue;
    bytes = r->body.size(), cards = 0;
    for (std::size_t at = r->body.find("<li class=\"card "); at != std::string::npos; at = r->body.find("<li class=\"card ", at + 1)) ++cards;
  }
  std::printf("   first render, GET / (%zu bytes, %zu warnings in force in the HTML), 200 requests: median %.2f ms, p99 %.2f ms\n", bytes, cards,
              Quantile(ms, 0.5), Quantile(ms, 0.99));
  if (!fs::exists("/usr/bin/chromium") || !fs::exists("/usr/bin/chromedriver")) {
    std::printf("   (no headless Chromium here: the browser's figure is not measured)\n");
    return;
  }
  const std::string cmd = std::string("python3 ") + TAIFENG_SOURCE_DIR + "/apps/test/web_browser.py http://127.0.0.1:" + std::to_string(port) +
                          "/ --timing 20 2>/dev/null";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    ::pclose(p);
  }
  const auto j = nlohmann::json::parse(out, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j["loads"].is_array() || j["loads"].empty()) {
    std::printf("   headless Chromium: no timings (%s)\n", out.substr(0, 200).c_str());
    return;
  }
  std::vector<double> interactive, complete;
  for (const auto& t : j["loads"]) {
    if (!t.is_object()) continue;
    interactive.push_back(t["dom_interactive_ms"].get<double>());
    complete.push_back(t["dom_complete_ms"].get<double>());
  }
  std::printf("   first render in headless Chromium, %zu fresh loads (cache off): request -> DOM with the state in force (domInteractive)\n"
              "     median %.0f ms, max %.0f ms; -> DOM complete, scripts run (domComplete) median %.0f ms, max %.0f ms (target <= 300 ms)\n",
              interactive.size(), Quantile(interactive, 0.5), *std::max_element(interactive.begin(), interactive.end()), Quantile(complete, 0.5),
              *std::max_element(complete.begin(), complete.end()));
  std::vector<double> update;
  for (const auto& t : j["update_ms"]) update.push_back(t.get<double>());
  if (!update.empty())
    std::printf("   an update in the page (fetch /api/warnings and /panel, swap the panel, redraw the map; the DOM updated), %zu updates:\n"
                "     median %.1f ms, p99 %.1f ms\n", update.size(), Quantile(update, 0.5), Quantile(update, 0.99));
}

void WebBench(const fs::path& dir) {
  BenchFeed feed(dir, "web");
  const FeedServiceSettings& s = feed.settings;
  const Certificate &op = feed.op, &gw = feed.gw;
  const auto ep = feed.endpoints();
  WriteCertificate(dir / "keys", gw);
  const fs::path port_file = dir / "web.port";
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string log = (dir / "web.log").string();
    std::freopen(log.c_str(), "w", stderr);
    ::execl(TAIFENG_GATEWAY, TAIFENG_GATEWAY, "--channel", "web", "--port", "0", "--port-file", port_file.c_str(), "--publish",
            ep.publish.c_str(), "--sync", ep.sync.c_str(), "--server-key", s.server.public_key.c_str(), "--key",
            (dir / "keys" / "web.key_secret").c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 200 && !fs::exists(port_file); ++i) std::this_thread::sleep_for(milliseconds(25));
  int port = 0;
  std::ifstream(port_file) >> port;
  std::printf("2. Web page update latency (taifeng-gateway --channel web on 127.0.0.1:%d, service in this process)\n", port);

  std::mutex mu;
  std::condition_variable cv;
  std::int64_t event_seq = 0;
  Clock::time_point event_time;
  std::atomic<bool> stop{false};
  std::thread page([&] {
    httplib::Client sse("127.0.0.1", port);
    sse.set_read_timeout(60, 0);
    std::string buffer;
    sse.Get("/events", [&](const char* data, std::size_t n) {
      buffer.append(data, n);
      for (std::size_t end; (end = buffer.find("\n\n")) != std::string::npos; buffer.erase(0, end + 2)) {
        const std::string ev = buffer.substr(0, end);
        const auto at = ev.find("data: ");
        if (ev.rfind("event: update", 0) != 0 || at == std::string::npos) continue;
        const auto j = nlohmann::json::parse(ev.substr(at + 6));
        std::lock_guard<std::mutex> lock(mu);
        event_seq = j["seq"].get<std::int64_t>();
        event_time = Clock::now();
        cv.notify_all();
      }
      return !stop.load();
    });
  });
  httplib::Client api("127.0.0.1", port);
  {  // the gateway holds the snapshot before measuring
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return event_seq > 0; });
  }
  auto control = ControlClient::Connect(ep.control, s.server.public_key, op);
  constexpr int kCommands = 100;
  std::vector<double> to_event_ms, to_page_ms;
  int missing = 0;
  for (int i = 1; i <= kCommands; ++i) {
    const auto t0 = Clock::now();
    const auto reply = nlohmann::json::parse(control->Request("COMMIT", CommandToJson(feed.Extension(i))));
    const std::int64_t seq = reply.at("seq").get<std::int64_t>();
    Clock::time_point got;
    {
      std::unique_lock<std::mutex> lock(mu);
      if (!cv.wait_for(lock, std::chrono::seconds(5), [&] { return event_seq >= seq; })) {
        ++missing;
        continue;
      }
      got = event_time;
    }
    to_event_ms.push_back(1e3 * std::chrono::duration<double>(got - t0).count());
    const auto r = api.Get("/api/warnings");
    const auto panel = api.Get("/panel");
    const bool has = r && r->status == 200 && nlohmann::json::parse(r->body)["seq"].get<std::int64_t>() >= seq && panel &&
                     panel->status == 200 && panel->body.find("data-seq=\"" + std::to_string(seq) + "\"") != std::string::npos;
    if (!has) ++missing;
    to_page_ms.push_back(1e3 * std::chrono::duration<double>(Clock::now() - t0).count());
    std::this_thread::sleep_for(milliseconds(20));
  }
  std::printf("   %d operator commands (commit, journal, publish, gateway, SSE), %d missing\n", kCommands, missing);
  std::printf("   command -> SSE event at the page:          median %.1f ms, p99 %.1f ms, max %.1f ms\n", Quantile(to_event_ms, 0.5),
              Quantile(to_event_ms, 0.99), *std::max_element(to_event_ms.begin(), to_event_ms.end()));
  std::printf("   command -> page holds it (/api/warnings + /panel): median %.1f ms, p99 %.1f ms, max %.1f ms (target p99 <= 10 ms)\n",
              Quantile(to_page_ms, 0.5), Quantile(to_page_ms, 0.99), *std::max_element(to_page_ms.begin(), to_page_ms.end()));
  FirstRender(port, api);
  std::printf("\n");
  WebUnderLoad(port, feed, *control);
  stop = true;
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  page.join();
  feed.Stop();
}

}  // namespace

int main() {
  std::printf("Machine: %u hardware threads\n\n", std::thread::hardware_concurrency());
  // TAIFENG_BENCH_DIR: where the spool and the journal go (default: the temporary directory), e.g.
  // the disk smstools3 will use, or /dev/shm to see the cost of Taifeng's own work.
  const char* base = std::getenv("TAIFENG_BENCH_DIR");
  const fs::path dir = (base ? fs::path(base) : fs::temp_directory_path()) / ("taifeng-bench-gateway-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  SmsBench(dir);
  WebBench(dir);
  fs::remove_all(dir);
  return 0;
}
