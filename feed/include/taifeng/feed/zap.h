// A ZAP handler (ZeroMQ RFC 27) for CURVE, after CZMQ's zauth: it answers libzmq's authentication
// requests on inproc://zeromq.zap.01 for every CURVE server socket of the context, accepting a
// client only when its public key is listed, and setting the connection's User-Id to
// "<role>:<name>" (role "operator" or "gateway"), which the server reads from each message's
// metadata. Refusals are logged with the key (Z85) and the peer address, at most kLogBurst lines
// per kLogWindow; the rest are counted and summed up in one line when logging resumes (a flood of
// handshakes cannot flood the log). refused() counts every one.
// Start it before binding any CURVE server socket: libzmq lets every client in when no handler
// is bound. Thread safety: it runs its own thread; the constructor returns once it is bound.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <zmq.hpp>

namespace taifeng::feed {

struct Peer {
  std::string name;
  std::string role;  // "operator" or "gateway"
};

class ZapHandler {
 public:
  using Log = std::function<void(const std::string&)>;
  // allowed: Z85 public key -> peer. Throws zmq::error_t when the ZAP endpoint cannot be bound.
  ZapHandler(zmq::context_t& context, std::map<std::string, Peer> allowed, Log log);
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  static constexpr int kLogBurst = 20;
  static constexpr std::chrono::seconds kLogWindow{60};

  std::size_t accepted() const { return accepted_.load(); }
  std::size_t refused() const { return refused_.load(); }

 private:
  void Run(zmq::socket_t socket);
  void LogRefusal(const std::string& line);  // the ZAP thread only


  std::map<std::string, Peer> allowed_;
  Log log_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> accepted_{0}, refused_{0};
  std::chrono::steady_clock::time_point window_start_{};  // the ZAP thread's log window
  int window_lines_ = 0;
  std::size_t suppressed_ = 0;
  std::thread thread_;
};

}  // namespace taifeng::feed
