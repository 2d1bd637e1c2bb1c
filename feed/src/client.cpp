#include "taifeng/feed/client.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <deque>
#include <map>

#include "taifeng/base/error.h"
#include "taifeng/feed/wire.h"

namespace taifeng::feed {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

ErrorCode CodeFromName(const std::string& name) {
  for (int c = 0; c <= static_cast<int>(ErrorCode::kJournalBroken); ++c)
    if (Describe(static_cast<ErrorCode>(c)).name == name) return static_cast<ErrorCode>(c);
  return ErrorCode::kInternal;
}

Error ErrorFromReply(const std::string& body) {
  try {
    const json j = json::parse(body);
    return Error(CodeFromName(j.value("code", "")), j.value("message", "refused"));
  } catch (const json::exception&) {
    return Error(ErrorCode::kInternal, "the service answered an unreadable error: " + body.substr(0, 200));
  }
}

void SetCurveClient(zmq::socket_t& s, const std::string& server_key, const Certificate& c) {
  s.set(zmq::sockopt::curve_serverkey, server_key);
  s.set(zmq::sockopt::curve_publickey, c.public_key);
  s.set(zmq::sockopt::curve_secretkey, c.secret_key);
}

void CheckKeys(const std::string& server_key, const Certificate& c) {
  if (server_key.size() != 40) throw Error(ErrorCode::kInvalidArgument, "the service's public key (40 Z85 characters) is required");
  if (c.public_key.size() != 40 || c.secret_key.size() != 40)
    throw Error(ErrorCode::kInvalidArgument, "a key pair with its secret key (NAME.key_secret) is required to connect");
}

}  // namespace

// ---- FeedSubscriber ----

struct FeedSubscriber::Impl {
  FeedClientOptions o;
  zmq::context_t ctx;
  zmq::socket_t sub, dealer;
  std::uint64_t next_rid = 1;

  State state = State::kSyncing;
  std::int64_t base = -1;  // every subscribed message <= base has been delivered
  std::map<std::string, std::int64_t> heads;
  std::int64_t latest = 0;
  std::string feed_id;
  std::optional<ChainHead> head;  // from the latest heartbeat that carried one
  Clock::time_point last_heard = Clock::now();
  Clock::time_point next_sync_attempt = Clock::now();
  bool heard = false;
  std::deque<FeedEvent> out;
  std::deque<FeedWarning> held;  // live messages received while a request was under way
  bool all_streams = false;      // subscribed to "" (every stream)
  FeedClientStats stats;

  void NewDealer() {
    dealer = zmq::socket_t(ctx, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, 0);
    SetCurveClient(dealer, o.server_key, o.certificate);
    dealer.connect(o.sync_endpoint);
  }

  // A warning from [topic, seq, prev, body…] frames (starting at `first`); nullopt when malformed.
  std::optional<FeedWarning> Parse(const wire::Multipart& m, std::size_t first) const {
    const std::size_t bodies = o.format == FeedFormat::kFull ? 2 : 1;
    if (m.truncated || m.frames.size() != first + 3 + bodies) return std::nullopt;
    FeedWarning w;
    w.topic = m.Str(first);
    const auto seq = DecodeSeq(m.frames[first + 1].to_string_view()), prev = DecodeSeq(m.frames[first + 2].to_string_view());
    const std::string prefix = std::string(FeedFormatName(o.format)) + ".";
    if (!seq || !prev || *seq == 0 || *prev >= *seq || w.topic.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
    w.seq = static_cast<std::int64_t>(*seq), w.prev = static_cast<std::int64_t>(*prev);
    w.stream = w.topic.substr(prefix.size());
    if (o.format == FeedFormat::kCap) w.cap = m.Str(first + 3);
    else w.json = m.Str(first + 3);
    if (o.format == FeedFormat::kFull) w.cap = m.Str(first + 4);
    return w;
  }

  json FilterJson() const { return {{"prefixes", o.prefixes}, {"format", FeedFormatName(o.format)}}; }

  // One request on the sync endpoint: the W items and the END body; nullopt on a timeout or an
  // incomplete answer (the dealer is then replaced). Live messages arriving meanwhile are held.
  struct Answer {  // NOLINT(bugprone-exception-escape): its implicit moves move a vector and a json (no throw)
    std::vector<FeedWarning> items;
    json end;
  };
  std::optional<Answer> Request(const std::string& command, const json& body) {
    const std::string rid = std::to_string(next_rid++), text = body.dump();
    // Never block: a service that refused this key (or is gone) leaves the dealer without a peer.
    if (!wire::Send(dealer, {command, rid, text}, true)) {
      NewDealer();
      return std::nullopt;
    }
    Answer a;
    auto deadline = Clock::now() + std::chrono::milliseconds(o.request_timeout_ms);
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) {
        NewDealer();
        return std::nullopt;
      }
      zmq::pollitem_t items[] = {{dealer.handle(), 0, ZMQ_POLLIN, 0}, {sub.handle(), 0, ZMQ_POLLIN, 0}};
      try {
        zmq::poll(items, 2, left);
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) continue;
        throw;
      }
      if (items[1].revents & ZMQ_POLLIN) ReceiveLive(true);
      if (!(items[0].revents & ZMQ_POLLIN)) continue;
      auto m = wire::Recv(dealer, false);
      if (!m || m->Str(1) != rid) continue;  // an answer to an abandoned request
      deadline = Clock::now() + std::chrono::milliseconds(o.request_timeout_ms);
      const std::string status = m->Str(0);
      if (status == "W") {
        auto w = Parse(*m, 2);
        if (w) a.items.push_back(std::move(*w));
        continue;
      }
      if (status == "ERR") {
        Error e = ErrorFromReply(m->Str(2));
        // The service's quota of replays per key is full: like no answer, tried again later
        // (Repair falls back to a snapshot; a resuming client asks again at the next heartbeat).
        if (e.code() == ErrorCode::kRefused && std::string(e.what()).find("busy:") != std::string::npos) {
          ++stats.busy;
          return std::nullopt;
        }
        throw e;
      }
      if (status != "END") continue;
      try {
        a.end = json::parse(m->Str(2));
        if (a.end.value("count", -1) != static_cast<std::int64_t>(a.items.size())) return std::nullopt;  // items dropped on the way
      } catch (const json::exception&) {
        return std::nullopt;
      }
      CheckFeed(a.end.value("feed", ""));
      return a;
    }
  }

  void CheckFeed(const std::string& id) {
    if (feed_id.empty()) feed_id = id;
    else if (id != feed_id) {
      // The journal behind the service was replaced: start again from a snapshot.
      feed_id = id;
      base = -1, heads.clear(), held.clear();
      o.resume_after.reset();
    }
  }

  void Emit(const FeedWarning& w, bool replayed) {
    FeedEvent e;
    e.type = FeedEvent::Type::kMessage;
    e.seq = w.seq;
    e.replayed = replayed;
    e.warnings.push_back(w);
    out.push_back(std::move(e));
    heads[w.stream] = w.seq;
    ++stats.messages;
  }

  bool Snapshot() {
    auto a = Request("SNAPSHOT", FilterJson());
    if (!a) return false;
    heads.clear();
    const json server_heads = a->end.value("heads", json::object());
    for (const auto& [stream, seq] : server_heads.items()) heads[stream] = seq.get<std::int64_t>();
    base = a->end.value("seq", std::int64_t{0});
    FeedEvent e;
    e.type = FeedEvent::Type::kSnapshot;
    e.seq = base;
    e.warnings = std::move(a->items);
    out.push_back(std::move(e));
    ++stats.snapshots;
    return true;
  }

  // Replays (base, to] (to < 0: to the latest) and delivers what was missed. False on failure.
  bool Replay(std::int64_t to) {
    ++stats.replays;
    while (true) {
      json body = FilterJson();
      body["from"] = base + 1;
      if (to >= 0) body["to"] = to;
      auto a = Request("REPLAY", body);
      if (!a || base < 0) return false;
      for (const auto& w : a->items) {
        const std::int64_t known = KnownOf(w.stream);
        if (w.seq <= known) {
          ++stats.duplicates;
          continue;
        }
        if (w.prev > known) return false;  // the replay itself has a hole: resynchronise
        Emit(w, true);
      }
      base = std::max(base, a->end.value("to", base));
      if (!a->end.value("more", false)) return true;
    }
  }

  std::int64_t KnownOf(const std::string& stream) const {
    const auto it = heads.find(stream);
    return it == heads.end() ? base : std::max(it->second, base);
  }

  // Brings the state up to the service's: a snapshot, a replay after resume_after, or a repair.
  bool Sync() {
    if (base < 0) {
      if (o.resume_after) {
        base = *o.resume_after;
        heads.clear();
        if (!Replay(-1)) {
          base = -1;
          return false;
        }
      } else if (!Snapshot()) {
        return false;
      }
      if (state == State::kSyncing) state = State::kLive;
      DrainHeld();
      return true;
    }
    return true;
  }

  void Repair(std::int64_t to) {
    ++stats.gaps;
    const bool ok = o.recover_by_snapshot ? Snapshot() : (Replay(to) || Snapshot());
    if (!ok) base = -1;  // try again from scratch at the next heartbeat
  }

  void Apply(const FeedWarning& w) {
    if (base < 0) return;  // a snapshot will cover it
    const std::int64_t known = KnownOf(w.stream);
    if (w.seq <= known) {
      ++stats.duplicates;
      return;
    }
    // A subscriber to every stream sees every sequence number: any hole is a loss, and it is
    // repaired before this message, so delivery stays in sequence order.
    if (all_streams && w.seq > base + 1) {
      Repair(w.seq - 1);
      if (base < 0) return;
      if (w.seq <= KnownOf(w.stream)) {
        ++stats.duplicates;
        return;
      }
    }
    if (w.prev > KnownOf(w.stream)) {
      Repair(w.seq - 1);
      if (base < 0) return;
      if (w.seq <= KnownOf(w.stream)) {
        ++stats.duplicates;
        return;
      }
      if (w.prev != KnownOf(w.stream)) {
        Repair(w.seq);  // the chain does not close: take what the service has
        return;
      }
    }
    Emit(w, false);
    if (all_streams && w.seq == base + 1) base = w.seq;
  }

  void DrainHeld() {
    while (!held.empty()) {
      FeedWarning w = std::move(held.front());
      held.pop_front();
      Apply(w);
    }
  }

  void Heartbeat(std::int64_t seq, const std::string& body) {
    ++stats.heartbeats;
    latest = seq;
    try {
      const json j = json::parse(body);
      CheckFeed(j.value("feed", feed_id));
      if (j.contains("head") && j["head"].is_object()) {
        const json& h = j["head"];
        ChainHead c{feed_id, h.value("journal_seq", std::int64_t{0}), h.value("hash", "")};
        if (c.journal_seq > 0 && c.hash.size() == 64) head = std::move(c);
      }
    } catch (const json::exception&) {
    }
    if (state == State::kLost) {
      state = base < 0 ? State::kSyncing : State::kLive;
      FeedEvent e;
      e.type = FeedEvent::Type::kFeedRestored;
      e.seq = seq;
      e.detail = "heartbeat from " + o.publish_endpoint + " again (latest seq " + std::to_string(seq) + ")";
      out.push_back(std::move(e));
    }
    if (base < 0) {
      Sync();
      return;
    }
    if (seq <= base) return;
    // Something was published since the last check: are our streams at the service's heads?
    json body_json = FilterJson();
    auto a = Request("HEADS", body_json);
    if (!a || base < 0) return;
    // What arrived while asking is applied first. Only heads up to this heartbeat's seq count: the
    // SUB socket delivered everything up to it before the heartbeat, while a later message may
    // still be on its way (the answer comes on another connection, and can overtake it).
    DrainHeld();
    bool behind = false;
    const json server_heads = a->end.value("heads", json::object());
    for (const auto& [stream, h] : server_heads.items())
      if (h.get<std::int64_t>() <= seq && h.get<std::int64_t>() > KnownOf(stream)) behind = true;
    if (behind) Repair(a->end.value("seq", seq));
    else base = std::max(base, seq);
  }

  // Reads what the SUB socket holds; while a request is under way warnings are held.
  void ReceiveLive(bool hold) {
    for (int i = 0; i < 256; ++i) {
      auto m = wire::Recv(sub, false);
      if (!m) return;
      last_heard = Clock::now();
      heard = true;
      if (m->Str(0) == kHeartbeatTopic) {
        const auto seq = m->frames.size() == 3 ? DecodeSeq(m->frames[1].to_string_view()) : std::nullopt;
        if (!seq) continue;
        if (hold) {
          latest = static_cast<std::int64_t>(*seq);
          continue;
        }
        Heartbeat(static_cast<std::int64_t>(*seq), m->Str(2));
        continue;
      }
      auto w = Parse(*m, 0);
      if (!w) continue;
      if (hold) held.push_back(std::move(*w));
      else Apply(*w);
    }
  }
};

FeedSubscriber::FeedSubscriber(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FeedSubscriber::~FeedSubscriber() = default;

std::unique_ptr<FeedSubscriber> FeedSubscriber::Connect(FeedClientOptions options) {
  CheckKeys(options.server_key, options.certificate);
  if (options.prefixes.empty()) throw Error(ErrorCode::kInvalidArgument, "subscribe to at least one stream prefix (\"\" for all)");
  for (const auto& p : options.prefixes)
    if (!ValidStreamPrefix(p)) throw Error(ErrorCode::kInvalidArgument, "stream prefix '" + p + "': at most 64 characters [a-z0-9.]");
  auto impl = std::make_unique<Impl>();
  impl->o = std::move(options);
  Impl& x = *impl;
  x.all_streams = std::find(x.o.prefixes.begin(), x.o.prefixes.end(), "") != x.o.prefixes.end();
  x.sub = zmq::socket_t(x.ctx, zmq::socket_type::sub);
  x.sub.set(zmq::sockopt::linger, 0);
  x.sub.set(zmq::sockopt::reconnect_ivl, 100);
  x.sub.set(zmq::sockopt::reconnect_ivl_max, 1000);
  if (x.o.receive_hwm > 0) x.sub.set(zmq::sockopt::rcvhwm, x.o.receive_hwm);
  if (x.o.receive_buffer_bytes > 0) x.sub.set(zmq::sockopt::rcvbuf, x.o.receive_buffer_bytes);
  SetCurveClient(x.sub, x.o.server_key, x.o.certificate);
  for (const auto& p : x.o.prefixes) x.sub.set(zmq::sockopt::subscribe, FeedTopic(x.o.format, p));
  x.sub.set(zmq::sockopt::subscribe, kHeartbeatTopic);
  x.sub.connect(x.o.publish_endpoint);
  x.NewDealer();
  return std::unique_ptr<FeedSubscriber>(new FeedSubscriber(std::move(impl)));
}

std::optional<FeedEvent> FeedSubscriber::Next(std::chrono::milliseconds timeout) {
  Impl& x = *impl_;
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (!x.out.empty()) {
      FeedEvent e = std::move(x.out.front());
      x.out.pop_front();
      return e;
    }
    const auto now = Clock::now();
    if (x.base < 0 && now >= x.next_sync_attempt) {
      x.next_sync_attempt = now + std::chrono::milliseconds(x.o.request_timeout_ms);
      x.Sync();
      if (!x.out.empty()) continue;
    }
    const auto silence = std::chrono::duration_cast<std::chrono::milliseconds>(now - x.last_heard).count();
    if (x.state != State::kLost && silence > x.o.heartbeat_timeout_ms) {
      // The caller may have been busy (a long SMS spool) while heartbeats queued up: read what
      // arrived before calling the feed lost.
      zmq::pollitem_t queued{x.sub.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&queued, 1, std::chrono::milliseconds(0)) > 0 && (queued.revents & ZMQ_POLLIN)) {
        x.ReceiveLive(false);
        continue;
      }
      x.state = State::kLost;
      ++x.stats.lost;
      FeedEvent e;
      e.type = FeedEvent::Type::kFeedLost;
      e.seq = x.base;
      e.detail = "feed lost: no heartbeat from " + x.o.publish_endpoint + " for " + std::to_string(silence) + " ms";
      return e;
    }
    const bool last_round = now >= deadline;
    auto wait = last_round ? std::chrono::milliseconds(0) : std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    wait = std::min(wait, std::chrono::milliseconds(std::max<std::int64_t>(1, x.o.heartbeat_timeout_ms - silence + 1)));
    zmq::pollitem_t item{x.sub.handle(), 0, ZMQ_POLLIN, 0};
    try {
      zmq::poll(&item, 1, wait);
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
    }
    if (item.revents & ZMQ_POLLIN) x.ReceiveLive(false);
    if (last_round && x.out.empty()) return std::nullopt;
  }
}

FeedSubscriber::State FeedSubscriber::state() const { return impl_->state; }
std::int64_t FeedSubscriber::latest_seq() const { return impl_->latest; }
std::int64_t FeedSubscriber::synced_seq() const { return impl_->base; }
const std::string& FeedSubscriber::feed_id() const { return impl_->feed_id; }
std::optional<ChainHead> FeedSubscriber::head() const { return impl_->head; }
FeedClientStats FeedSubscriber::stats() const { return impl_->stats; }

// ---- ControlClient ----

struct ControlClient::Impl {
  std::string endpoint, server_key;
  Certificate cert;
  int timeout_ms = 15000;
  zmq::context_t ctx;
  zmq::socket_t dealer;
  std::uint64_t next_rid = 1;
  void NewDealer() {
    dealer = zmq::socket_t(ctx, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, 0);
    SetCurveClient(dealer, server_key, cert);
    dealer.connect(endpoint);
  }
};

ControlClient::ControlClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ControlClient::~ControlClient() = default;

std::unique_ptr<ControlClient> ControlClient::Connect(const std::string& endpoint, const std::string& server_key,
                                                      const Certificate& certificate, int timeout_ms) {
  CheckKeys(server_key, certificate);
  auto impl = std::make_unique<Impl>();
  impl->endpoint = endpoint, impl->server_key = server_key, impl->cert = certificate, impl->timeout_ms = timeout_ms;
  impl->NewDealer();
  return std::unique_ptr<ControlClient>(new ControlClient(std::move(impl)));
}

std::string ControlClient::Request(const std::string& command, const std::string& body_json) {
  Impl& x = *impl_;
  const std::string rid = std::to_string(x.next_rid++);
  if (!wire::Send(x.dealer, {command, rid, body_json}, true)) {
    x.NewDealer();
    throw Error(ErrorCode::kIo, "cannot reach the Taifeng service at " + x.endpoint +
                                    " (it is not running, or it refused this key: is it in its operators directory?)");
  }
  const auto deadline = Clock::now() + std::chrono::milliseconds(x.timeout_ms);
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      x.NewDealer();
      throw Error(ErrorCode::kIo, "no answer from the Taifeng service at " + x.endpoint + " within " + std::to_string(x.timeout_ms / 1000) +
                                      " s (is it running, and is this key in its operators directory?)");
    }
    zmq::pollitem_t item{x.dealer.handle(), 0, ZMQ_POLLIN, 0};
    try {
      zmq::poll(&item, 1, left);
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      throw;
    }
    if (!(item.revents & ZMQ_POLLIN)) continue;
    auto m = wire::Recv(x.dealer, false);
    if (!m || m->Str(1) != rid) continue;
    if (m->Str(0) == "OK") return m->Str(2);
    if (m->Str(0) == "ERR") throw ErrorFromReply(m->Str(2));
  }
}

}  // namespace taifeng::feed
