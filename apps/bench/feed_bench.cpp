// The feed figures of the feed issue, printed. Everything runs on 127.0.0.1 with CURVE on every
// socket, the service in a thread of this process, on a real journal (SQLite, synchronous=FULL):
//  1. latency from an operator's command (a one-region warning update sent to the control
//     endpoint: composed, CAP-validated, journalled, published) to its receipt at each of 10
//     subscribing gateways: median and 99th percentile (target p99 <= 5 ms);
//  2. the sustained publish rate: a backlog of 50,000 messages journalled in one transaction and
//     published, as received by one gateway (target >= 50,000 messages/s);
//  3. a late joiner: the time from connecting to holding the snapshot of 1,000 warnings in force;
//  4. an operator's command round trip while 20 gateways (20 keys) flood the sync endpoint with
//     REPLAYs of the whole journal, each asking again as soon as an answer ends (target p99 <= 50 ms):
//     a. the 20 flooders in one thread (gateways elsewhere on the network); b. in 20 threads with 20
//     ZeroMQ contexts (attackers on this machine's own cores).
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

#include <zmq.hpp>
#include <zmq_addon.hpp>

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

// The flooding gateways: each a DEALER with its own gateway key, asking REPLAY from 1 in the full
// format, reading the answer to its END and asking again. All in one thread with one ZeroMQ I/O
// thread, as 20 gateways elsewhere on the network would load this machine (`threads` > 1 splits
// them over that many threads, each with its own context: attackers on this machine's cores).
void Flood(const std::string& endpoint, const std::string& server_key, const std::vector<Certificate>& keys, const std::atomic<bool>& stop,
           std::atomic<std::int64_t>& messages, std::atomic<std::int64_t>& refused) {
  zmq::context_t ctx;
  std::vector<zmq::socket_t> dealers;
  auto ask = [](zmq::socket_t& d, int n) {
    const std::string rid = std::to_string(n);
    d.send(zmq::str_buffer("REPLAY"), zmq::send_flags::sndmore);
    d.send(zmq::buffer(rid), zmq::send_flags::sndmore);
    d.send(zmq::str_buffer(R"({"from": 1, "format": "full"})"), zmq::send_flags::none);
  };
  for (const Certificate& key : keys) {
    zmq::socket_t d(ctx, zmq::socket_type::dealer);
    d.set(zmq::sockopt::linger, 0);
    d.set(zmq::sockopt::curve_serverkey, server_key);
    d.set(zmq::sockopt::curve_publickey, key.public_key);
    d.set(zmq::sockopt::curve_secretkey, key.secret_key);
    d.connect(endpoint);
    ask(d, 0);
    dealers.push_back(std::move(d));
  }
  std::vector<zmq::pollitem_t> items;
  for (auto& d : dealers) items.push_back({d.handle(), 0, ZMQ_POLLIN, 0});
  int n = 0;
  while (!stop) {
    zmq::poll(items.data(), items.size(), milliseconds(100));
    for (std::size_t i = 0; i < dealers.size(); ++i) {
      if (!(items[i].revents & ZMQ_POLLIN)) continue;
      std::vector<zmq::message_t> parts;
      while (zmq::recv_multipart(dealers[i], std::back_inserter(parts), zmq::recv_flags::dontwait)) {
        const std::string status = parts.empty() ? "" : parts[0].to_string();
        parts.clear();
        if (status == "W") ++messages;
        if (status == "ERR") ++refused;
        if (status == "END" || status == "ERR") ask(dealers[i], ++n);
      }
    }
  }
}

// 4. An operator's commands while 20 gateways flood REPLAY.
void CommandsUnderReplayFlood(BenchFeed& feed, FeedService* service, int threads, int first) {
  constexpr int kCommands = 200;
  const auto ep = feed.endpoints();
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> messages{0}, refused{0};
  std::vector<std::thread> flooders;
  for (int t = 0; t < threads; ++t) {
    std::vector<Certificate> keys;
    for (std::size_t k = static_cast<std::size_t>(t); k < feed.flooders.size(); k += static_cast<std::size_t>(threads)) keys.push_back(feed.flooders[k]);
    flooders.emplace_back([&, keys] { Flood(ep.sync, feed.settings.server.public_key, keys, stop, messages, refused); });
  }
  auto control = ControlClient::Connect(ep.control, feed.settings.server.public_key, feed.op);
  {  // before the flood: the first command after messages journalled by another writer catches up with them
    const auto t0 = Clock::now();
    control->Request("COMMIT", CommandToJson(feed.Extension(first)));
    std::printf("   (first command, before the flood: %.1f ms: the desk audits and folds what other writers journalled)\n",
                1e3 * std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::this_thread::sleep_for(milliseconds(1000));
  std::vector<double> ms;
  int failed = 0;
  const std::int64_t before = messages;
  const auto t_start = Clock::now();
  for (int i = 1; i <= kCommands; ++i) {
    const auto t0 = Clock::now();
    try {
      control->Request("COMMIT", CommandToJson(feed.Extension(first + i)));
    } catch (const std::exception& e) {
      if (++failed == 1) std::printf("   (a command failed: %s)\n", e.what());
    }
    ms.push_back(1e3 * std::chrono::duration<double>(Clock::now() - t0).count());
    std::this_thread::sleep_for(milliseconds(10));
  }
  const double secs = std::chrono::duration<double>(Clock::now() - t_start).count();
  const std::int64_t flooded = messages - before;
  stop = true;
  for (auto& t : flooders) t.join();
  std::printf("4%s. Operator commands (one-message updates: journalled, fsynced, published) while %zu gateways (%d flooding thread%s) flood\n"
              "   REPLAY of the whole journal (%lld messages, full format), asking again at each END: median %.2f ms, p99 %.2f ms, max %.2f ms\n"
              "   over %d commands, %d failed; meanwhile %.0f replayed messages/s reached the flooders (%lld refused); target p99 <= 50 ms\n\n",
              threads == 1 ? "a" : "b", feed.flooders.size(), threads, threads == 1 ? "" : "s", static_cast<long long>(service->stats().latest_seq),
              Quantile(ms, 0.5), Quantile(ms, 0.99),
              Quantile(ms, 1.0), kCommands, failed, static_cast<double>(flooded) / secs, static_cast<long long>(refused.load()));
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
  // (4 before 3: the late joiner's warnings are dated a day later, and commands dated before the
  // latest message are hindcasts, which derive the state afresh.)
  CommandsUnderReplayFlood(feed, service, 1, 200);
  CommandsUnderReplayFlood(feed, service, static_cast<int>(feed.flooders.size()), 400);
  LateJoiner(desk.get(), real, o);
  feed.Stop();
  std::filesystem::remove_all(dir);
  return 0;
}
