// The webhook channel: each warning posted to chat robots and other HTTP endpoints, exactly once
// per (endpoint, CAP message), through a durable outbox.
//
// Formats (one per endpoint):
// - "wecom": a WeChat Work (企业微信) group robot, POST https://qyapi.weixin.qq.com/cgi-bin/webhook/
//   send?key=KEY with {"msgtype": "markdown", "markdown": {"content": …}}. Documented limits: the
//   content at most 4,096 bytes of UTF-8 (longer is cut at a character boundary, ending "…"), and
//   20 messages a minute per robot (the channel paces itself to that). The robot answers HTTP 200
//   with {"errcode": 0} on success; 45009 ("api freq out of limit") is retried after a minute; an
//   invalid key or message (93000, 40008, 40058, 44004, …, or any 4xx) is a permanent failure,
//   logged; other errors and 5xx are retried.
// - "json": a generic JSON webhook (Weibo's and other platforms' bridges, a command centre's own
//   service): the feed's summary of the message plus its CAP, with the header Idempotency-Key set
//   to the CAP identifier so the receiver can drop a repeat. 2xx or 409 (already received) is
//   delivered; 429 and 5xx are retried (after Retry-After when given); other 4xx fail.
//
// Exactly once: a message's deliveries are committed (one row per endpoint, never twice) before
// any is attempted, and a delivery is marked done only after the endpoint's success answer. A
// delivery that is interrupted after the endpoint received it and before its answer (a dropped
// connection, a crash) is sent again with the same payload and Idempotency-Key: a "json" receiver
// drops it by that key; a WeChat robot, which has no such key, can show it twice (documented;
// the window is the request's round trip). Retries back off 2 s, 4 s, 8 s … up to 5 min, and a
// delivery still failing 24 h after its message is marked failed and logged.
// Endpoints come from a file readable by its owner only (its URLs carry the robots' secret keys):
// lines "NAME FORMAT URL [REGION…]" ('#' comments); without regions, every region.
// Thread safety: WebhookOutbox is not thread-safe (one owner, or a lock); the rest are pure.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "taifeng/gateway/board.h"

namespace taifeng::gateway {

enum class WebhookFormat : std::uint8_t { kWeCom, kJson };

inline constexpr std::size_t kWeComMaxBytes = 4096;
inline constexpr int kWeComPerMinute = 20;

struct WebhookEndpoint {
  std::string name, url;
  WebhookFormat format = WebhookFormat::kJson;
  std::vector<std::string> regions;  // empty: every region
  std::int64_t line = 0;
  bool Wants(const std::string& region) const;
};

// Throws Error(kNotFound), Error(kRefused) when group or others can read the file, or ParseError
// naming the file, line and field (a bad format name, a URL that is not http:// or https://, a
// name used twice). Empty files are refused: a channel with nowhere to post is a mistake.
std::vector<WebhookEndpoint> LoadWebhookEndpoints(const std::filesystem::path& file);

// The request body for this endpoint's format.
std::string WebhookPayload(const Bulletin& b, WebhookFormat format);
// The WeChat robot's markdown: status, region and signal in Chinese and English, times in the
// jurisdiction's local time with its label, at most kWeComMaxBytes bytes.
std::string WeComMarkdown(const Bulletin& b);

// What an attempt got: an HTTP answer, or a transport error (connection refused, dropped, timed out).
struct WebhookResponse {
  int status = 0;           // 0: no HTTP answer
  std::string body, error;  // error: the transport's, when status is 0
  std::int64_t retry_after_s = -1;
};
enum class WebhookOutcome : std::uint8_t { kDelivered, kRetry, kFailed };
struct WebhookVerdict {
  WebhookOutcome outcome = WebhookOutcome::kRetry;
  std::string reason;
  std::int64_t wait_ms = 0;  // kRetry: at least this long before the next attempt (0: the back-off)
};
WebhookVerdict JudgeWebhook(WebhookFormat format, const WebhookResponse& r);

struct WebhookDelivery {
  std::string endpoint, identifier, payload;
  std::int64_t attempts = 0, created_ms = 0;
};

// The durable record (SQLite, 0600, WAL, synchronous FULL) of every delivery and its state.
class WebhookOutbox {
 public:
  // Throws Error(kIo) when the record cannot be opened or created.
  // `first_backoff_ms`: the wait after the first failed attempt, doubled after each (5 min at most).
  static std::unique_ptr<WebhookOutbox> Open(const std::filesystem::path& record, std::int64_t first_backoff_ms = 2000);
  ~WebhookOutbox();
  WebhookOutbox(const WebhookOutbox&) = delete;
  WebhookOutbox& operator=(const WebhookOutbox&) = delete;

  // One pending delivery of `b` per endpoint that wants its region, each with its payload, and
  // the feed's seq, in one transaction; a (endpoint, identifier) already recorded is not added
  // again. Returns the deliveries added.
  int Enqueue(const Bulletin& b, const std::vector<WebhookEndpoint>& endpoints, std::int64_t now_ms);
  // Records the feed's seq as handled without deliveries (a message no endpoint wants).
  void Skip(std::int64_t seq);
  std::vector<WebhookDelivery> Due(std::int64_t now_ms, std::size_t limit) const;
  void MarkDelivered(const WebhookDelivery& d, std::int64_t now_ms);
  // Next attempt at now + wait (or the back-off when wait is 0); failed instead when the message
  // is older than 24 h.
  void MarkRetry(const WebhookDelivery& d, std::int64_t now_ms, std::int64_t wait_ms, const std::string& reason);
  void MarkFailed(const WebhookDelivery& d, const std::string& reason);
  std::int64_t Count(const std::string& state) const;  // "pending", "delivered", "failed"
  std::int64_t last_seq() const;

 private:
  struct Impl;
  explicit WebhookOutbox(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace taifeng::gateway
