// The subscriber side of the warning feed, for gateways, and the operator's control client.
//
// FeedSubscriber follows the Clone pattern of the ZeroMQ guide: it subscribes first, then asks the
// sync endpoint for a snapshot (the warnings in force and the sequence S they correspond to) and
// drops updates at or below S. Each update's `prev` (the previous sequence number of its stream)
// shows a gap in what it subscribed to; each heartbeat's sequence number, checked against the
// service's stream heads, shows a lost last message. A gap is repaired by replaying the missed
// range (every missed message, in order) or, with recover_by_snapshot, by a new snapshot. A
// restarted gateway passes resume_after (the last sequence number it handled) and receives every
// message after it, exactly once, in order. No heartbeat for heartbeat_timeout_ms: the state is
// kLost and a kFeedLost event says so; the next heartbeat restores it and repairs what was missed.
// Per stream, messages are delivered in sequence order and never twice.
// Thread safety: one FeedSubscriber per thread. ControlClient likewise.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "taifeng/feed/protocol.h"
#include "taifeng/feed/keys.h"

namespace taifeng::feed {

struct FeedClientOptions {
  std::string publish_endpoint = "tcp://127.0.0.1:7410";
  std::string sync_endpoint = "tcp://127.0.0.1:7411";
  std::string server_key;                    // REQUIRES: the service's public key (Z85)
  Certificate certificate;                   // REQUIRES: this gateway's key pair (with its secret key)
  std::vector<std::string> prefixes = {""};  // stream prefixes: "" (all), "typhoon", "typhoon.4401", …
  FeedFormat format = FeedFormat::kFull;
  std::optional<std::int64_t> resume_after;  // replay every message after this; nullopt: start from a snapshot
  bool recover_by_snapshot = false;          // repair gaps with a snapshot (displays) instead of a replay
  int heartbeat_timeout_ms = 3000;           // silence after which the feed is lost
  int request_timeout_ms = 3000;             // a snapshot or replay answer must begin within this
  int receive_hwm = 0;                       // messages queued in this client (0: libzmq's default, 1000)
  int receive_buffer_bytes = 0;              // kernel receive buffer (0: the system's default)
};

struct FeedWarning {
  std::int64_t seq = 0, prev = 0;
  std::string topic, stream;
  std::string json, cap;  // per the format: JSON summary, CAP XML, or both
};

struct FeedEvent {
  enum class Type { kSnapshot, kMessage, kFeedLost, kFeedRestored };
  Type type = Type::kMessage;
  std::int64_t seq = 0;                // kSnapshot: the sequence it corresponds to; kMessage: the message's
  std::vector<FeedWarning> warnings;   // kSnapshot: those in force (replace what you show); kMessage: one
  bool replayed = false;               // kMessage: delivered by a replay (resume or gap repair), not live
  std::string detail;                  // kFeedLost, kFeedRestored: what happened
};

// The journal's chain head as the service's heartbeat announces it: the journal record of the
// latest published message and its SHA-256 chain hash. A gateway that keeps them is a witness: a
// journal rewritten afterwards (its chain recomputed) no longer holds that hash at that record
// (`taifeng warn audit --witness`).
struct ChainHead {
  std::string feed;             // the feed id (epoch) it belongs to
  std::int64_t journal_seq = 0;
  std::string hash;             // 64 hex digits
  bool operator==(const ChainHead&) const = default;
};

struct FeedClientStats {
  std::int64_t messages = 0, duplicates = 0, gaps = 0, replays = 0, snapshots = 0, heartbeats = 0, lost = 0;
  std::int64_t busy = 0;  // REPLAYs the service answered "busy" (its per-key quota full): tried again later
};

class FeedSubscriber {
 public:
  enum class State { kSyncing, kLive, kLost };
  // Connects (asynchronously: nothing waits for the service here). Throws Error(kInvalidArgument)
  // for missing keys or an invalid prefix.
  static std::unique_ptr<FeedSubscriber> Connect(FeedClientOptions options);
  ~FeedSubscriber();
  FeedSubscriber(const FeedSubscriber&) = delete;
  FeedSubscriber& operator=(const FeedSubscriber&) = delete;

  // The next event, waiting up to `timeout` (a snapshot or replay under way may take up to
  // request_timeout_ms more). nullopt when nothing happened. Throws Error(kRefused) when the
  // service refuses a request (e.g. this key is not a gateway key it accepts the requests of).
  std::optional<FeedEvent> Next(std::chrono::milliseconds timeout);

  State state() const;
  std::int64_t latest_seq() const;  // the service's latest, from the last heartbeat (0 before one)
  std::int64_t synced_seq() const;  // every subscribed message up to this one has been delivered (-1 before sync)
  const std::string& feed_id() const;
  FeedClientStats stats() const;
  // The chain head of the latest heartbeat that carried one (none before).
  std::optional<ChainHead> head() const;

  struct Impl;

 private:
  explicit FeedSubscriber(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// An operator's connection to the service's control endpoint.
class ControlClient {
 public:
  static std::unique_ptr<ControlClient> Connect(const std::string& endpoint, const std::string& server_key, const Certificate& certificate,
                                                int timeout_ms = 15000);
  ~ControlClient();
  ControlClient(const ControlClient&) = delete;
  ControlClient& operator=(const ControlClient&) = delete;

  // Sends a command (PING, PREVIEW, COMMIT) with its JSON body and returns the reply's JSON body.
  // Throws the service's Error (its code and message) on a refusal, and Error(kIo) when no answer
  // comes within the timeout (a key the service does not accept gets no answer at all).
  std::string Request(const std::string& command, const std::string& body_json);

  struct Impl;

 private:
  explicit ControlClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace taifeng::feed
