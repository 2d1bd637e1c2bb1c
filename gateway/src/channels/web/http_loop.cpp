#include "http_loop.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "taifeng/base/error.h"

namespace taifeng::gateway::web {

namespace {

using Clock = std::chrono::steady_clock;

const char* Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 206: return "Partial Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 416: return "Range Not Satisfiable";
    case 500: return "Internal Server Error";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
  }
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return s;
}

bool TokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

HttpResponse Refusal(int status, const std::string& why) {
  HttpResponse r;
  r.status = status;
  r.body = why + "\n";
  return r;
}

using Parsed = RequestHead;

Parsed Refused(Parsed& p, int status, const std::string& why) {
  p.refusal = Refusal(status, why);
  return p;
}

}  // namespace

RequestHead ParseRequestHead(std::string_view head, const HttpLimits& limits) {
  Parsed p;
  std::vector<std::string_view> lines;
  for (std::size_t at = 0; at <= head.size();) {
    std::size_t nl = head.find('\n', at);
    if (nl == std::string_view::npos) nl = head.size();
    std::string_view line = head.substr(at, nl - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    at = nl + 1;
  }
  if (lines.size() - 1 > limits.max_headers) return Refused(p, 431, "at most " + std::to_string(limits.max_headers) + " header lines");
  const std::string_view first = lines[0];
  const auto sp1 = first.find(' '), sp2 = first.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return Refused(p, 400, "request line: METHOD TARGET HTTP/1.1");
  const std::string method(first.substr(0, sp1)), target(first.substr(sp1 + 1, sp2 - sp1 - 1)), version(first.substr(sp2 + 1));
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return Refused(p, 505, "HTTP/1.1 or HTTP/1.0");
  const bool printable = std::all_of(target.begin(), target.end(), [](char c) { return c > 32 && c < 127; });
  if (target.empty() || target[0] != '/' || target.size() > 2048 || !printable) return Refused(p, 400, "target: an absolute path");
  p.request.method = method;
  const auto q = target.find('?');
  p.request.path = target.substr(0, q);
  if (q != std::string::npos) p.request.query = target.substr(q + 1);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view l = lines[i];
    const auto colon = l.find(':');
    if (colon == 0 || colon == std::string_view::npos || !std::all_of(l.begin(), l.begin() + static_cast<long>(colon), TokenChar))
      return Refused(p, 400, "header line " + std::to_string(i) + ": name: value");
    std::string value(l.substr(colon + 1));
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t") + 1);
    p.request.headers.emplace_back(Lower(std::string(l.substr(0, colon))), std::move(value));
  }
  const std::string connection = Lower(p.request.Header("connection"));
  p.keep_alive = version == "HTTP/1.1" ? connection != "close" : connection == "keep-alive";
  if (method != "GET" && method != "HEAD") {
    p.refusal = Refusal(405, "GET or HEAD");
    p.refusal->headers.emplace_back("Allow", "GET, HEAD");
    return p;
  }
  if (!p.request.Header("transfer-encoding").empty()) return Refused(p, 501, "no request bodies");
  if (const std::string n = p.request.Header("content-length"); !n.empty() && n != "0") return Refused(p, 413, "no request bodies");
  return p;
}

namespace {

// One "bytes=a-b" range of a body of `size` bytes: [begin, end), or nothing (no or an ignored
// Range header), or {size, size} for one that cannot be satisfied.
std::optional<std::pair<std::size_t, std::size_t>> OneRange(const std::string& range, std::size_t size) {
  if (range.rfind("bytes=", 0) != 0) return std::nullopt;
  const std::string spec = range.substr(6);
  const auto dash = spec.find('-');
  if (dash == std::string::npos || spec.find_first_not_of("0123456789-") != std::string::npos) return std::nullopt;
  const std::string a = spec.substr(0, dash), b = spec.substr(dash + 1);
  if ((a.empty() && b.empty()) || a.size() > 15 || b.size() > 15 || b.find('-') != std::string::npos) return std::nullopt;
  std::size_t begin = 0, end = size;
  if (a.empty()) {
    begin = size - std::min<std::size_t>(size, std::stoull(b));
  } else {
    begin = std::stoull(a);
    if (!b.empty()) end = std::min<std::size_t>(size, std::stoull(b) + 1);
  }
  if (begin >= size || begin >= end) return std::make_pair(size, size);
  return std::make_pair(begin, end);
}

struct Conn {
  int fd = -1;
  SSL* ssl = nullptr;           // TLS: the session (owned; freed on Close); nullptr: plain HTTP
  bool tls_wants_write = false;  // TLS: a read needs the socket writable first (handshake)
  std::string in, out;
  std::size_t out_off = 0;
  bool stream = false, close_after = false, want_write = false;
  Clock::time_point request_start{}, last_progress{}, last_active{}, last_event{};
  std::size_t pending() const { return out.size() - out_off; }
};

}  // namespace

void ApplyRange(const HttpRequest& req, HttpResponse& r) {
  const std::string range = req.Header("range");
  if (range.empty() || r.status != 200) return;
  const std::size_t size = r.body.size();
  if (range.find(',') != std::string::npos) {
    r = Refusal(416, "one range at most");
    return;
  }
  const auto one = OneRange(range, size);
  if (!one) return;
  if (one->first == size) {
    r = Refusal(416, "range not satisfiable");
    r.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
    return;
  }
  r.status = 206;
  r.headers.emplace_back("Content-Range", "bytes " + std::to_string(one->first) + "-" + std::to_string(one->second - 1) + "/" + std::to_string(size));
  r.body = r.body.substr(one->first, one->second - one->first);
}

std::string HttpRequest::Header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (n == name) return v;
  return "";
}

struct HttpLoop::Impl {
  HttpLimits limits;
  std::vector<std::pair<std::string, Handler>> routes;
  std::vector<std::pair<std::string, std::string>> default_headers;
  std::string stream_path;
  std::function<std::string()> stream_first;
  int listen_fd = -1, epoll_fd = -1, wake_fd = -1;
  SSL_CTX* tls = nullptr;  // HTTPS when set (UseTls)
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::unordered_map<int, Conn> conns;
  std::mutex queue_mutex;
  std::vector<std::string> queue;  // events from Broadcast, for the loop
  mutable std::mutex stats_mutex;
  HttpStats stats;

  void Watch(Conn& c, bool write) {
    if (c.want_write == write) return;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | (write ? EPOLLOUT : 0u);
    ev.data.fd = c.fd;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
    c.want_write = write;
  }

  void Close(int fd) {
    const auto it = conns.find(fd);
    if (it == conns.end()) return;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    if (it->second.ssl) {
      // Best effort: the close_notify, never waited for; only from the loop thread, where SIGPIPE
      // is blocked (OpenSSL writes without MSG_NOSIGNAL).
      if (std::this_thread::get_id() == thread.get_id()) SSL_shutdown(it->second.ssl);
      SSL_free(it->second.ssl);
    }
    ::close(fd);
    conns.erase(it);
    Count();
  }

  void Count() {
    std::size_t streams = 0;
    for (const auto& [fd, c] : conns) streams += c.stream ? 1 : 0;
    std::lock_guard<std::mutex> lock(stats_mutex);
    stats.connections = conns.size();
    stats.streams = streams;
  }

  // The transport: plain or TLS, as send(2) and recv(2) answer (> 0 bytes; 0 the peer closed;
  // -1 with errno EAGAIN when the socket is not ready, another errno when the connection failed).
  static ssize_t TlsResult(Conn& c, int n, bool reading) {
    if (n > 0) return n;
    switch (SSL_get_error(c.ssl, n)) {
      case SSL_ERROR_ZERO_RETURN: return 0;
      case SSL_ERROR_WANT_READ: errno = EAGAIN; return -1;
      case SSL_ERROR_WANT_WRITE:
        if (reading) c.tls_wants_write = true;
        errno = EAGAIN;
        return -1;
      default: ERR_clear_error(); errno = EPROTO; return -1;
    }
  }
  static ssize_t Send(Conn& c, const char* data, std::size_t size) {
    if (!c.ssl) return ::send(c.fd, data, size, MSG_NOSIGNAL);
    ERR_clear_error();
    return TlsResult(c, SSL_write(c.ssl, data, static_cast<int>(std::min<std::size_t>(size, 1 << 30))), false);
  }
  static ssize_t Recv(Conn& c, char* buf, std::size_t size) {
    if (!c.ssl) return ::recv(c.fd, buf, size, 0);
    ERR_clear_error();
    c.tls_wants_write = false;
    return TlsResult(c, SSL_read(c.ssl, buf, static_cast<int>(size)), true);
  }

  // Writes what is pending; false when the connection was closed.
  bool Flush(Conn& c) {
    while (c.pending() > 0) {
      const ssize_t n = Send(c, c.out.data() + c.out_off, c.pending());
      if (n > 0) {
        c.out_off += static_cast<std::size_t>(n);
        c.last_progress = Clock::now();
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n < 0 && errno == EINTR) continue;
      Close(c.fd);
      return false;
    }
    if (c.pending() == 0) {
      c.out.clear(), c.out_off = 0;
      if (c.close_after) {
        Close(c.fd);
        return false;
      }
    } else if (c.out_off > 65536) {
      c.out.erase(0, c.out_off), c.out_off = 0;
    }
    Watch(c, c.pending() > 0 || c.tls_wants_write);
    return true;
  }

  void Append(Conn& c, const HttpResponse& r, bool head, bool keep_alive) {
    if (c.pending() == 0) c.last_progress = Clock::now();
    std::string h = "HTTP/1.1 " + std::to_string(r.status) + " " + Reason(r.status) + "\r\nContent-Type: " + r.content_type +
                    "\r\nContent-Length: " + std::to_string(r.body.size()) + "\r\n";
    for (const auto& [n, v] : default_headers) h += n + ": " + v + "\r\n";
    for (const auto& [n, v] : r.headers) h += n + ": " + v + "\r\n";
    h += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    c.out += h;
    if (!head) c.out += r.body;
    if (!keep_alive) c.close_after = true;
  }

  HttpResponse Answer(const HttpRequest& req) {
    try {
      for (const auto& [path, handler] : routes) {
        const bool prefix = !path.empty() && path.back() == '*';
        if (prefix ? req.path.compare(0, path.size() - 1, path, 0, path.size() - 1) == 0 : req.path == path) return handler(req);
      }
    } catch (const std::exception& e) {
      return Refusal(500, "internal error");
    }
    return Refusal(404, "not found");
  }


  void OpenStream(Conn& c, bool head) {
    std::size_t streams = 0;
    for (const auto& [fd, other] : conns) streams += other.stream ? 1 : 0;
    if (streams >= limits.max_streams) {
      HttpResponse r = Refusal(503, "too many event streams: poll /api/warnings");
      r.headers.emplace_back("Retry-After", "30");
      Append(c, r, head, false);
      std::lock_guard<std::mutex> lock(stats_mutex);
      ++stats.refused_streams;
      return;
    }
    std::string h = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nX-Accel-Buffering: no\r\n";
    for (const auto& [n, v] : default_headers) h += n + ": " + v + "\r\n";
    c.out += h + "Connection: close\r\n\r\n";
    c.last_progress = c.last_event = Clock::now();
    if (head) {
      c.close_after = true;
      return;
    }
    c.stream = true;
    c.out += stream_first();
    Count();
  }

  // Answers every whole request in c.in; false when the connection was closed.
  bool Serve(Conn& c) {
    while (!c.stream && !c.close_after) {
      std::size_t end = c.in.find("\r\n\r\n"), skip = 4;
      if (const std::size_t lf = c.in.find("\n\n"); lf != std::string::npos && (end == std::string::npos || lf < end)) end = lf, skip = 2;
      if (end == std::string::npos) {
        if (c.in.size() > limits.max_header_bytes) {
          Append(c, Refusal(431, "request line and headers: at most " + std::to_string(limits.max_header_bytes) + " bytes"), false, false);
          Bad();
        }
        break;
      }
      if (end > limits.max_header_bytes) {
        Append(c, Refusal(431, "request line and headers: at most " + std::to_string(limits.max_header_bytes) + " bytes"), false, false);
        Bad();
        break;
      }
      Parsed p = ParseRequestHead(std::string_view(c.in).substr(0, end), limits);
      c.in.erase(0, end + skip);
      c.request_start = Clock::now();
      {
        std::lock_guard<std::mutex> lock(stats_mutex);
        ++stats.requests;
      }
      const bool head = p.request.method == "HEAD";
      if (p.refusal) {
        Append(c, *p.refusal, head, false);
        Bad();
        break;
      }
      if (!stream_path.empty() && p.request.path == stream_path) {
        OpenStream(c, head);
        break;
      }
      HttpResponse r = Answer(p.request);
      ApplyRange(p.request, r);
      Append(c, r, head, p.keep_alive);
      c.last_active = Clock::now();
    }
    return Flush(c);
  }

  void Bad() {
    std::lock_guard<std::mutex> lock(stats_mutex);
    ++stats.bad_requests;
  }

  void OnReadable(int fd) {
    auto it = conns.find(fd);
    if (it == conns.end()) return;
    Conn& c = it->second;
    char buf[16384];
    bool eof = false;
    // TLS: all that OpenSSL holds decrypted is read now (epoll would not say so again).
    for (int rounds = 0; rounds < 8 || (c.ssl && SSL_pending(c.ssl) > 0); ++rounds) {
      const ssize_t n = Recv(c, buf, sizeof buf);
      if (n > 0) {
        if (c.stream || c.close_after) continue;  // nothing more is read from them
        if (c.in.empty()) c.request_start = Clock::now();
        c.in.append(buf, static_cast<std::size_t>(n));
        if (c.in.size() > limits.max_header_bytes * 4) break;  // answered (431) below; no more is read
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 || c.stream || c.in.empty()) {
        Close(fd);
        return;
      }
      eof = true;  // the client sent its request and closed its side: answer, then close
      break;
    }
    if (!Serve(c) || !eof) return;
    if (c.pending() == 0) Close(fd);
    else c.close_after = true;
  }

  void Accept() {
    while (true) {
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      if (conns.size() >= limits.max_connections) {
        ::close(fd);
        continue;
      }
      Conn c;
      c.fd = fd;
      c.last_active = c.last_progress = Clock::now();
      if (tls) {  // the handshake happens in the first reads and writes
        c.ssl = SSL_new(tls);
        if (!c.ssl || SSL_set_fd(c.ssl, fd) != 1) {
          if (c.ssl) SSL_free(c.ssl);
          ::close(fd);
          continue;
        }
        SSL_set_accept_state(c.ssl);
      }
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLRDHUP;
      ev.data.fd = fd;
      ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
      conns.emplace(fd, std::move(c));
    }
    Count();
  }

  void Deliver() {
    std::uint64_t n = 0;
    (void)!::read(wake_fd, &n, sizeof n);
    std::vector<std::string> events;
    {
      std::lock_guard<std::mutex> lock(queue_mutex);
      events.swap(queue);
    }
    if (events.empty()) return;
    std::string all;
    for (const auto& e : events) all += e;
    ToStreams(all);
  }

  void ToStreams(const std::string& text) {
    std::vector<int> fds;
    for (auto& [fd, c] : conns)
      if (c.stream) fds.push_back(fd);
    for (const int fd : fds) {
      Conn& c = conns.at(fd);
      if (c.pending() + text.size() > limits.max_stream_backlog) {  // it stopped reading
        Close(fd);
        std::lock_guard<std::mutex> lock(stats_mutex);
        ++stats.cut_streams;
        continue;
      }
      if (c.pending() == 0) c.last_progress = Clock::now();
      c.out += text;
      c.last_event = Clock::now();
      Flush(c);
    }
  }

  // Slow senders (408), stalled readers, idle keep-alives; keep-alive lines on quiet streams.
  void Sweep() {
    const auto now = Clock::now();
    std::vector<int> expired;
    bool keepalive = false;
    for (auto& [fd, c] : conns) {
      const bool stalled = c.pending() > 0 && now - c.last_progress > limits.write_timeout;
      const bool slow_request = !c.stream && !c.in.empty() && now - c.request_start > limits.request_timeout;
      const bool idle = !c.stream && c.in.empty() && c.pending() == 0 && now - c.last_active > limits.idle_timeout;
      if (stalled || slow_request || idle) expired.push_back(fd);
      else if (c.stream && now - c.last_event > limits.keepalive_every) keepalive = true;
    }
    for (const int fd : expired) {
      Conn& c = conns.at(fd);
      if (!c.stream && !c.in.empty() && c.pending() == 0) {  // a request never finished: say so, then close
        const std::string r = "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        (void)!Send(c, r.data(), r.size());
        std::lock_guard<std::mutex> lock(stats_mutex);
        ++stats.timed_out;
      }
      Close(fd);
    }
    if (keepalive) ToStreams(": keep-alive\n\n");
  }

  void Run() {
    // A peer that closed its side makes OpenSSL's write(2) raise SIGPIPE: blocked in this thread,
    // the write fails with EPIPE instead and the connection is closed.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    std::vector<epoll_event> events(256);
    auto next_sweep = Clock::now();
    while (!stopping.load()) {
      const int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), 250);
      for (int i = 0; i < n; ++i) {
        const int fd = events[static_cast<std::size_t>(i)].data.fd;
        const std::uint32_t what = events[static_cast<std::size_t>(i)].events;
        if (fd == listen_fd) Accept();
        else if (fd == wake_fd) Deliver();
        else if (what & (EPOLLERR | EPOLLHUP)) Close(fd);
        else {
          if (what & EPOLLIN) OnReadable(fd);
          if ((what & EPOLLOUT) && conns.count(fd) && conns.at(fd).tls_wants_write) OnReadable(fd);  // the handshake goes on
          if ((what & EPOLLOUT) && conns.count(fd)) Flush(conns.at(fd));
          if ((what & EPOLLRDHUP) && conns.count(fd) && conns.at(fd).stream) Close(fd);  // a page closed
        }
      }
      if (Clock::now() >= next_sweep) {
        Sweep();
        next_sweep = Clock::now() + std::chrono::milliseconds(250);
      }
    }
  }
};

HttpLoop::HttpLoop(HttpLimits limits) : impl_(std::make_unique<Impl>()) { impl_->limits = limits; }

HttpLoop::~HttpLoop() {
  Stop();
  for (const int fd : {impl_->listen_fd, impl_->epoll_fd, impl_->wake_fd})
    if (fd >= 0) ::close(fd);
  if (impl_->tls) SSL_CTX_free(impl_->tls);
}

void HttpLoop::UseTls(const std::string& cert_chain_file, const std::string& key_file) {
  struct stat st {};
  if (::stat(key_file.c_str(), &st) != 0) throw Error(ErrorCode::kIo, "web: TLS key " + key_file + ": " + std::strerror(errno));
  if (st.st_mode & (S_IRWXG | S_IRWXO))
    throw Error(ErrorCode::kIo, "web: TLS key " + key_file + " is readable by group or others: chmod 600 it (a secret)");
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) throw Error(ErrorCode::kIo, "web: cannot make a TLS context");
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  std::string problem;
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_chain_file.c_str()) != 1) problem = "TLS certificate " + cert_chain_file + ": not a readable PEM chain";
  else if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    problem = ERR_GET_REASON(ERR_peek_error()) == X509_R_KEY_VALUES_MISMATCH ? "TLS key " + key_file + " is not the key of " + cert_chain_file
                                                                              : "TLS key " + key_file + ": not a readable PEM key";
  else if (SSL_CTX_check_private_key(ctx) != 1) problem = "TLS key " + key_file + " is not the key of " + cert_chain_file;
  if (!problem.empty()) {
    const unsigned long e = ERR_get_error();
    char detail[256] = "";
    if (e) ERR_error_string_n(e, detail, sizeof detail);
    ERR_clear_error();
    SSL_CTX_free(ctx);
    throw Error(ErrorCode::kIo, "web: " + problem + (e ? std::string(" (") + detail + ")" : ""));
  }
  if (impl_->tls) SSL_CTX_free(impl_->tls);
  impl_->tls = ctx;
}

void HttpLoop::Route(std::string path, Handler handler) { impl_->routes.emplace_back(std::move(path), std::move(handler)); }

void HttpLoop::Stream(std::string path, std::function<std::string()> first) {
  impl_->stream_path = std::move(path);
  impl_->stream_first = std::move(first);
}

void HttpLoop::DefaultHeaders(std::vector<std::pair<std::string, std::string>> headers) { impl_->default_headers = std::move(headers); }

int HttpLoop::Listen(const std::string& host, int port) {
  Impl& x = *impl_;
  rlimit files{};  // room for every connection the limits allow
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < x.limits.max_connections + 64) {
    files.rlim_cur = std::min<rlim_t>(files.rlim_max, x.limits.max_connections + 64);
    ::setrlimit(RLIMIT_NOFILE, &files);
    if (files.rlim_cur < x.limits.max_connections + 64) x.limits.max_connections = files.rlim_cur > 128 ? files.rlim_cur - 64 : 64;
  }
  addrinfo hints{}, *found = nullptr;
  hints.ai_family = AF_UNSPEC, hints.ai_socktype = SOCK_STREAM, hints.ai_flags = AI_PASSIVE;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found)
    throw Error(ErrorCode::kIo, "web: cannot resolve " + host);
  x.listen_fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(x.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const bool bound = x.listen_fd >= 0 && ::bind(x.listen_fd, found->ai_addr, found->ai_addrlen) == 0 && ::listen(x.listen_fd, 1024) == 0;
  ::freeaddrinfo(found);
  if (!bound) throw Error(ErrorCode::kIo, "web: cannot listen on " + host + ":" + std::to_string(port) + ": " + std::strerror(errno));
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  ::getsockname(x.listen_fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&a)->sin6_port : reinterpret_cast<sockaddr_in*>(&a)->sin_port);
}

void HttpLoop::Start() {
  Impl& x = *impl_;
  x.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  x.wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (x.epoll_fd < 0 || x.wake_fd < 0 || x.listen_fd < 0) throw Error(ErrorCode::kIo, "web: cannot start the server loop");
  for (const int fd : {x.listen_fd, x.wake_fd}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    ::epoll_ctl(x.epoll_fd, EPOLL_CTL_ADD, fd, &ev);
  }
  x.thread = std::thread([&x] { x.Run(); });
}

void HttpLoop::Stop() {
  Impl& x = *impl_;
  x.stopping.store(true);
  if (x.wake_fd >= 0) {
    const std::uint64_t one = 1;
    (void)!::write(x.wake_fd, &one, sizeof one);
  }
  if (x.thread.joinable()) x.thread.join();
  std::vector<int> fds;
  for (const auto& [fd, c] : x.conns) fds.push_back(fd);
  for (const int fd : fds) x.Close(fd);
}

void HttpLoop::Broadcast(std::string event) {
  Impl& x = *impl_;
  {
    std::lock_guard<std::mutex> lock(x.queue_mutex);
    x.queue.push_back(std::move(event));
  }
  const std::uint64_t one = 1;
  if (x.wake_fd >= 0) (void)!::write(x.wake_fd, &one, sizeof one);
}

HttpStats HttpLoop::stats() const {
  std::lock_guard<std::mutex> lock(impl_->stats_mutex);
  return impl_->stats;
}

}  // namespace taifeng::gateway::web
