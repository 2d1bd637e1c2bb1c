// The web channel's HTTP/1.1 server: one thread, one epoll set, every connection non-blocking, so
// that no client (an open event stream, a slow reader, a slow sender) holds a thread or waits for
// another. GET and HEAD only, no request bodies; each request is bounded (request line and headers
// at most max_header_bytes, at most max_headers header lines, complete within request_timeout, or
// the connection gets 431/408 and is closed); keep-alive and pipelining; one byte range at most
// (several: 416). Server-Sent Event streams are connections the loop keeps and writes each
// Broadcast to: up to max_streams (beyond: 503 with Retry-After), each cut when more than
// max_stream_backlog bytes wait for it (a browser that stops reading reconnects by itself).
// Optional TLS (UseTls: OpenSSL, TLS 1.2 or later), done on the same loop, non-blocking.
// Thread safety: Route, Stream, DefaultHeaders and UseTls before Start; Broadcast, stats and Stop from any
// thread. Handlers run on the loop thread, one at a time, and must be quick.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace taifeng::gateway::web {

struct HttpRequest {
  std::string method, path, query;                           // path without the query
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  // The value of the first header of that (lower-case) name, or "".
  std::string Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpLimits;

// One request's head (the request line and header lines, without the blank line that ends them),
// read: the request and whether its connection may stay open, or the refusal to send before
// closing (400, 405, 413, 431, 501, 505). Never throws (the libFuzzer target fuzz_http holds it to
// that).
struct RequestHead {
  HttpRequest request;
  bool keep_alive = true;
  std::optional<HttpResponse> refusal;
};
RequestHead ParseRequestHead(std::string_view head, const HttpLimits& limits);

// A 200 answer to `req`'s Range header: one "bytes=" range served (206 with Content-Range),
// several or an unsatisfiable one refused (416), anything else ignored (the whole answer).
void ApplyRange(const HttpRequest& req, HttpResponse& r);

struct HttpLimits {
  std::size_t max_connections = 4096;  // more are closed at once (the process's file limit is raised to fit)
  std::size_t max_streams = 2000;      // event streams among them
  std::size_t max_header_bytes = 8192;
  std::size_t max_headers = 64;
  std::chrono::milliseconds request_timeout{5000};  // from a request's first byte to its end
  std::chrono::milliseconds write_timeout{10000};   // an answer that makes no progress this long is cut
  std::chrono::milliseconds idle_timeout{5000};     // a kept-alive connection with nothing to do
  std::chrono::milliseconds keepalive_every{5000};  // the comment line sent on idle event streams
  std::size_t max_stream_backlog = 256 * 1024;
};

struct HttpStats {
  std::size_t connections = 0, streams = 0;
  std::int64_t requests = 0, refused_streams = 0, bad_requests = 0, timed_out = 0, cut_streams = 0;
};

class HttpLoop {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  explicit HttpLoop(HttpLimits limits = {});
  ~HttpLoop();
  HttpLoop(const HttpLoop&) = delete;
  HttpLoop& operator=(const HttpLoop&) = delete;

  // `path` exactly, or every path that starts with it when it ends in '*'.
  void Route(std::string path, Handler handler);
  // An event stream at `path`: the client gets the headers and first(), then every Broadcast.
  void Stream(std::string path, std::function<std::string()> first);
  // Sent with every answer.
  void DefaultHeaders(std::vector<std::pair<std::string, std::string>> headers);
  // Serves HTTPS only: the certificate chain (PEM, the server's first) and its private key (PEM, a
  // file neither group nor others may read). Throws Error(kIo) naming the file and what is wrong
  // (unreadable, readable by others, not PEM, the key not the certificate's).
  void UseTls(const std::string& cert_chain_file, const std::string& key_file);
  // Binds host:port (0: any free port) and returns the port. Throws Error(kIo).
  int Listen(const std::string& host, int port);
  void Start();
  void Stop();  // closes every connection; idempotent
  // Queues `event` (a whole "event: …\ndata: …\n\n") for every open stream.
  void Broadcast(std::string event);
  HttpStats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace taifeng::gateway::web
