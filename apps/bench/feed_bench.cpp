// The feed figures of the feed issue, printed. Everything runs on 127.0.0.1 with CURVE on every
// socket, the service in a thread of this process, on a real journal (SQLite, synchronous=FULL):
//  1. latency from an operator's command (a one-region warning update sent to the control
//     endpoint: composed, CAP-validated, journalled, published) to its receipt at each of 10
//     subscribing gateways: median and 99th percentile (target p99 <= 5 ms);
//  2. the sustained publish rate: a backlog of 50,000 messages journalled in one transaction and
//     published, as received by one gateway (target >= 50,000 messages/s);
//  3. a late joiner: the time from connecting to holding the snapshot of 1,000 warnings in force.
// Messages of 2 and 3 are copies of the real messages of 1 under new identifiers and region codes
// (the feed does not read them beyond their JSON), so that 1,000 streams exist.
// Run: build/bin/taifeng-bench-feed
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "feed_setup.h"
#include "taifeng/warnings/feed_summary.h"
#include "taifeng/feed/client.h"
#include "taifeng/warnings/feed_service.h"
#include "taifeng/warnings/operations.h"

namespace {

using namespace taifeng;
using namespace taifeng::warnings;
using namespace taifeng::feed;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

double Quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

// 2. Sustained publish rate: a backlog of 50,000 messages journalled in one transaction (with
// their feed projection, as the desk journals them) and received by one gateway.
void PublishRate(Desk* desk, const std::vector<Message>& real, FeedService* service, const FeedClientOptions& o) {
  constexpr int kBacklog = 50000;
  {
    FeedClientOptions one = o;
    one.format = FeedFormat::kJson;
    auto sub = FeedSubscriber::Connect(one);
    while (true) {
      auto e = sub->Next(milliseconds(100));
      if (e && e->type == FeedEvent::Type::kSnapshot) break;
    }
    std::this_thread::sleep_for(milliseconds(300));
    const std::int64_t before = service->stats().latest_seq;
    desk->journal().Append([&](Journal::Writer& w) {
      for (int i = 0; i < kBacklog; ++i) {
        Message m = real[static_cast<std::size_t>(i) % real.size()];
        m.identifier += "-copy" + std::to_string(i);
        m.seq = w.next_seq();
        w.Add(kT0, "bench", "message", MessageToJson(m));
        const auto [feed_seq, prev] = w.NextFeedPosition(StreamOf(m));
        w.AddFeedRow(ProjectMessage(m, feed_seq, prev));  // as the desk journals a message
      }
    });
    Clock::time_point first{}, last{};
    std::int64_t got = 0, replayed = 0;
    const auto deadline = Clock::now() + std::chrono::seconds(120);
    while (got < kBacklog && Clock::now() < deadline) {
      auto e = sub->Next(milliseconds(100));
      if (!e || e->type != FeedEvent::Type::kMessage || e->seq <= before) continue;
      if (got == 0) first = Clock::now();
      last = Clock::now();
      ++got;
      replayed += e->replayed;
    }
    const double secs = std::chrono::duration<double>(last - first).count();
    std::printf("2. Sustained publish rate: %lld of %d messages received by one gateway (json format) in %.3f s: %.0f messages/s "
                "(%lld by gap repair); target >= 50,000/s\n", static_cast<long long>(got), kBacklog, secs,
                static_cast<double>(got - 1) / secs, static_cast<long long>(replayed));
    std::printf("   (the service reads each message's feed projection from the journal and publishes it in 3 formats)\n\n");
  }
}

// 3. Late joiner: connecting to the snapshot of 1,000 warnings in force.
void LateJoiner(Desk* desk, const std::vector<Message>& real, const FeedClientOptions& o) {
  {
    desk->journal().Append([&](Journal::Writer& w) {
      for (int i = 0; i < 1000; ++i) {
        Message m = real[static_cast<std::size_t>(i) % 23];
        m.identifier += "-late" + std::to_string(i);
        m.region_code = std::to_string(900000 + i);
        m.sent_utc = kT0 + 86400;
        m.expires_utc = kT0 + 3 * 86400;
        m.seq = w.next_seq();
        w.Add(kT0, "bench", "message", MessageToJson(m));
        const auto [feed_seq, prev] = w.NextFeedPosition(StreamOf(m));
        w.AddFeedRow(ProjectMessage(m, feed_seq, prev));
      }
    });
    std::this_thread::sleep_for(milliseconds(500));
    std::vector<double> ms;
    std::size_t warnings_in_snapshot = 0, bytes = 0;
    for (int run = 0; run < 7; ++run) {
      FeedClientOptions late = o;
      late.format = FeedFormat::kFull;
      const auto t0 = Clock::now();
      auto sub = FeedSubscriber::Connect(late);
      while (true) {
        auto e = sub->Next(milliseconds(100));
        if (e && e->type == FeedEvent::Type::kSnapshot) {
          warnings_in_snapshot = e->warnings.size();
          bytes = 0;
          for (const auto& w : e->warnings) bytes += w.json.size() + w.cap.size();
          break;
        }
      }
      ms.push_back(1e3 * std::chrono::duration<double>(Clock::now() - t0).count());
    }
    std::printf("3. Late joiner: connect (CURVE handshake) to snapshot of %zu warnings in force (JSON + CAP, %.1f MB): median %.1f ms, "
                "max %.1f ms over %zu runs\n", warnings_in_snapshot, static_cast<double>(bytes) / 1e6, Quantile(ms, 0.5), Quantile(ms, 1.0), ms.size());
  }
}

}  // namespace

int main() {
  std::printf("Machine: %u hardware threads\n\n", std::thread::hardware_concurrency());
  const auto dir = std::filesystem::temp_directory_path() / ("taifeng-bench-feed-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  BenchFeed feed(dir, "gateway");
  auto open_desk = [&] { return feed.OpenDesk(); };
  const FeedServiceSettings& s = feed.settings;
  const Certificate &op = feed.op, &gw = feed.gw;
  FeedService* service = &feed.service();
  const auto ep = feed.endpoints();
  FeedClientOptions o;
  o.publish_endpoint = ep.publish, o.sync_endpoint = ep.sync, o.server_key = s.server.public_key, o.certificate = gw;
  o.heartbeat_timeout_ms = 60000;

  // ---- 1. latency at 10 gateways ----
  constexpr int kGateways = 10, kCommands = 200;
  std::mutex mu;
  std::map<std::int64_t, std::vector<Clock::time_point>> received;  // seq -> receipt times
  std::atomic<bool> stop{false};
  std::atomic<int> ready{0};
  std::vector<std::thread> gateways;
  for (int g = 0; g < kGateways; ++g)
    gateways.emplace_back([&] {
      auto sub = FeedSubscriber::Connect(o);
      bool counted = false;
      while (!stop) {
        auto e = sub->Next(milliseconds(20));
        if (!e) continue;
        if (e->type == FeedEvent::Type::kSnapshot && !counted) ++ready, counted = true;
        if (e->type != FeedEvent::Type::kMessage) continue;
        const auto t = Clock::now();
        std::lock_guard<std::mutex> lock(mu);
        received[e->seq].push_back(t);
      }
    });
  while (ready < kGateways) std::this_thread::sleep_for(milliseconds(10));
  std::this_thread::sleep_for(milliseconds(300));
  auto control = ControlClient::Connect(ep.control, s.server.public_key, op);
  std::vector<std::pair<std::int64_t, Clock::time_point>> sent;
  std::vector<double> round_trip_ms;
  for (int i = 1; i <= kCommands; ++i) {
    const auto t0 = Clock::now();
    const auto reply = nlohmann::json::parse(control->Request("COMMIT", CommandToJson(feed.Extension(i))));
    round_trip_ms.push_back(1e3 * std::chrono::duration<double>(Clock::now() - t0).count());
    sent.emplace_back(reply.at("seq").get<std::int64_t>(), t0);
    std::this_thread::sleep_for(milliseconds(10));
  }
  std::this_thread::sleep_for(milliseconds(500));
  stop = true;
  for (auto& t : gateways) t.join();
  std::vector<double> latency_ms;
  std::size_t missing = 0;
  for (const auto& [seq, t0] : sent) {
    const auto& r = received[seq];
    missing += kGateways - r.size();
    for (const auto& t : r) latency_ms.push_back(1e3 * std::chrono::duration<double>(t - t0).count());
  }
  std::printf("1. Operator command to receipt at %d gateways (%d one-message updates, CURVE, journal fsync):\n", kGateways, kCommands);
  std::printf("   median %.2f ms, p99 %.2f ms, max %.2f ms over %zu receipts; %zu missing (target p99 <= 5 ms)\n",
              Quantile(latency_ms, 0.5), Quantile(latency_ms, 0.99), Quantile(latency_ms, 1.0), latency_ms.size(), missing);
  std::printf("   (the operator's answer, journalled and published: median %.2f ms, p99 %.2f ms)\n\n", Quantile(round_trip_ms, 0.5),
              Quantile(round_trip_ms, 0.99));

  // ---- 2. sustained publish rate; 3. late joiner ----
  auto desk = open_desk();
  const std::vector<Message> real = desk->FullMessages();
  PublishRate(desk.get(), real, service, o);
  LateJoiner(desk.get(), real, o);
  feed.Stop();
  std::filesystem::remove_all(dir);
  return 0;
}
