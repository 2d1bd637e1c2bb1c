#include "taifeng/feed/zap.h"

#include <vector>

namespace taifeng::feed {

ZapHandler::ZapHandler(zmq::context_t& context, std::map<std::string, Peer> allowed, Log log)
    : allowed_(std::move(allowed)), log_(std::move(log)) {
  zmq::socket_t socket(context, zmq::socket_type::rep);
  socket.set(zmq::sockopt::linger, 0);
  socket.bind("inproc://zeromq.zap.01");
  thread_ = std::thread([this, s = std::move(socket)]() mutable { Run(std::move(s)); });
}

ZapHandler::~ZapHandler() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (log_ && suppressed_ > 0) log_(std::to_string(suppressed_) + " more refused clients not logged one by one");
}

void ZapHandler::LogRefusal(const std::string& line) {
  if (!log_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - window_start_ >= kLogWindow) {
    if (suppressed_ > 0)
      log_(std::to_string(suppressed_) + " more refused clients not logged one by one (at most " + std::to_string(kLogBurst) +
           " lines a minute)");
    window_start_ = now, window_lines_ = 0, suppressed_ = 0;
  }
  if (window_lines_ < kLogBurst) {
    ++window_lines_;
    log_(line);
  } else {
    ++suppressed_;
  }
}

void ZapHandler::Run(zmq::socket_t socket) {
  while (!stop_) {
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::milliseconds(100)) <= 0) continue;
    std::vector<zmq::message_t> frames;
    try {
      do {
        frames.emplace_back();
        if (!socket.recv(frames.back(), zmq::recv_flags::none)) break;
      } while (frames.back().more());
    } catch (const zmq::error_t&) {
      continue;
    }
    // version, request id, domain, address, identity, mechanism, credentials…
    const std::string version = frames.size() > 0 ? frames[0].to_string() : "";
    const std::string request_id = frames.size() > 1 ? frames[1].to_string() : "";
    const std::string address = frames.size() > 3 ? frames[3].to_string() : "";
    const std::string mechanism = frames.size() > 5 ? frames[5].to_string() : "";
    std::string status = "400", text = "refused", user;
    std::string key;
    if (version == "1.0" && mechanism == "CURVE" && frames.size() >= 7 && frames[6].size() == 32) {
      char z85[41];
      zmq_z85_encode(z85, static_cast<const std::uint8_t*>(frames[6].data()), 32);
      key = z85;
      if (const auto it = allowed_.find(key); it != allowed_.end()) {
        status = "200", text = "OK", user = it->second.role + ":" + it->second.name;
      }
    }
    if (status == "200") {
      ++accepted_;
    } else {
      ++refused_;
      LogRefusal("refused " + (mechanism.empty() ? std::string("a request") : mechanism) + " client" +
                     (key.empty() ? std::string(" without a CURVE key") : " with unknown key " + key) + " from " +
                     (address.empty() ? "?" : address));
    }
    try {
      socket.send(zmq::buffer(version.empty() ? std::string("1.0") : version), zmq::send_flags::sndmore);
      socket.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
      socket.send(zmq::buffer(status), zmq::send_flags::sndmore);
      socket.send(zmq::buffer(text), zmq::send_flags::sndmore);
      socket.send(zmq::buffer(user), zmq::send_flags::sndmore);
      socket.send(zmq::const_buffer("", 0), zmq::send_flags::none);
    } catch (const zmq::error_t&) {
    }
  }
}

}  // namespace taifeng::feed
