// The warning feed service behind `taifeng serve`: it owns the journal's desk and
//  - publishes every journalled warning message, in journal order, on a PUB endpoint (topics
//    "<format>.<kind>.<region>", frames [topic, seq, prev, body…]) and a heartbeat every
//    heartbeat_ms ([hb, latest seq, JSON]);
//  - answers SNAPSHOT, REPLAY and HEADS requests on a ROUTER "sync" endpoint (the Clone pattern of
//    the ZeroMQ guide);
//  - runs operator commands (PREVIEW, COMMIT of warn issue/update/cancel) on a ROUTER "control"
//    endpoint, for operator keys only, journalling them before anything is published.
// Every endpoint is CURVE with the service's certificate; a ZAP handler admits only the public keys
// of the operator and gateway key directories. The protocol is docs/feed-protocol.md.
//
// Messages journalled by others (a CLI writing the journal directly) are picked up within
// poll_ms. The published position is kept as a journal mark, so after a crash the service
// publishes again what it may not have published (same sequence numbers: subscribers drop what
// they already have). At start the mark also anchors the journal: a journal shorter than what was
// published, or whose published record changed, is refused (Error(kJournalBroken)).
// Thread safety: Run on one thread; RequestStop from any thread or a signal handler.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "taifeng/warnings/desk.h"
#include "taifeng/feed/keys.h"
#include "taifeng/feed/service_file.h"

namespace taifeng::warnings {

struct FeedServiceSettings {
  // "tcp://127.0.0.1:*" binds a free port (see endpoints()).
  std::string publish_endpoint = "tcp://127.0.0.1:7410";
  std::string sync_endpoint = "tcp://127.0.0.1:7411";
  std::string control_endpoint = "tcp://127.0.0.1:7412";
  feed::Certificate server;                                   // REQUIRES: with its secret key
  std::map<std::string, std::string> operator_keys;     // public key (Z85) -> name
  std::map<std::string, std::string> gateway_keys;      // public key (Z85) -> name
  int heartbeat_ms = 1000;         // heartbeat interval
  int poll_ms = 100;               // how often the journal is checked for messages written by others
  int publish_hwm = 100000;        // messages queued per subscriber before that subscriber loses some
  int send_buffer_bytes = 0;       // kernel send buffer per connection (0: the system's default)
  int max_request_bytes = 65536;   // larger requests are refused (the connection is dropped)
  int max_replay = 10000;          // messages per REPLAY answer ("more" tells the client to ask again)
  int max_replays_per_key = 4;     // REPLAYs served at once per key (more are refused "busy"), whatever its connections
  // When the journal no longer holds what the feed published (a damaged or restored journal): false
  // refuses to start (Error kJournalBroken); true starts a new feed epoch (a new feed id, so that
  // gateways drop what they hold and resynchronise instead of taking new messages for old ones).
  bool new_epoch = false;
};

struct FeedServiceStats {
  std::int64_t published = 0;        // messages published (each once per format topic)
  std::int64_t latest_seq = 0;
  std::int64_t requests = 0, refused_requests = 0, commands = 0, refused_commands = 0;
};

// The checks the service applies to one request's frames [name, request id, JSON body] before it
// acts on them: the name (1-16 capital letters), the id (at most 64 printable ASCII characters),
// the body (a JSON object in UTF-8 whose strings hold no control characters) and what the body
// means (an operator command on the control endpoint, a stream filter on the sync endpoint).
// Throws taifeng::Error (ParseError included) naming what is wrong, never anything else: the
// libFuzzer target fuzz_feed (scripts/fuzz.sh) holds it to that.
void CheckRequest(const std::vector<std::string>& frames, bool control);

class FeedService {
 public:
  using Log = std::function<void(const std::string&)>;
  // Audits the journal, checks the published mark, starts the ZAP handler and binds the three
  // endpoints. Throws Error(kJournalBroken) for a broken or truncated journal, Error(kIo) naming
  // the endpoint that cannot be bound, Error(kInvalidArgument) for settings without a secret key.
  static std::unique_ptr<FeedService> Start(FeedServiceSettings settings, std::unique_ptr<Desk> desk, Log log);
  ~FeedService();
  FeedService(const FeedService&) = delete;
  FeedService& operator=(const FeedService&) = delete;

  // Serves until RequestStop: publishes what was journalled and not yet published, then answers
  // requests and commands. On stop it publishes what remains, sends a last heartbeat, writes the
  // published mark and waits up to 2 s for the queues to drain.
  void Run();
  void RequestStop() { stop_.store(true); }
  // The stop flag, for a signal handler (a lock-free std::atomic<bool>).
  std::atomic<bool>& stop_flag() { return stop_; }

  FeedServiceStats stats() const;
  // The endpoints as bound: "tcp://127.0.0.1:*" in the settings becomes the port the system chose.
  struct Endpoints {
    std::string publish, sync, control;
  };
  const Endpoints& endpoints() const;
  // A random identifier kept in the journal: it changes only when the journal is replaced.
  const std::string& feed_id() const;

  struct Impl;

 private:
  explicit FeedService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> stop_{false};
};

// The configuration of `taifeng serve` (TOML). Every key is optional; paths are relative to the
// file's folder. LoadServiceConfig refuses unknown keys and bad values with ParseError naming the
// line and key.
//   [service]  journal (dir), publish, sync, control (endpoints), keys (dir: service.key_secret,
//              operators/*.key, gateways/*.key), heartbeat_ms, publish_hwm, max_replay, replays_per_key
//   [warnings] rules, regions, cap_schema
struct ServiceConfig {
  std::filesystem::path journal_dir, keys_dir, rules, regions, cap_schema;  // "" = the command's default
  std::optional<std::string> publish, sync, control;
  std::optional<int> heartbeat_ms, publish_hwm, max_replay, replays_per_key;
};
ServiceConfig LoadServiceConfig(const std::filesystem::path& file);

}  // namespace taifeng::warnings
