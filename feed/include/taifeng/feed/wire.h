// Multipart send and receive on cppzmq sockets, for the feed service and client (private).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

namespace taifeng::feed::wire {

// Receives one whole multipart message; nullopt when none is waiting (dontwait) or on EINTR.
// More than max_frames frames: the rest is received and dropped, and `truncated` is set.
struct Multipart {
  std::vector<zmq::message_t> frames;
  bool truncated = false;
  std::size_t bytes = 0;
  std::string Str(std::size_t i) const { return i < frames.size() ? frames[i].to_string() : std::string(); }
};

inline std::optional<Multipart> Recv(zmq::socket_t& s, bool wait, std::size_t max_frames = 16) {
  Multipart m;
  zmq::message_t msg;
  try {
    if (!s.recv(msg, wait ? zmq::recv_flags::none : zmq::recv_flags::dontwait)) return std::nullopt;
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR || e.num() == EAGAIN) return std::nullopt;
    throw;
  }
  while (true) {
    const bool more = msg.more();
    m.bytes += msg.size();
    if (m.frames.size() < max_frames) m.frames.push_back(std::move(msg));
    else m.truncated = true;
    if (!more) break;
    msg = zmq::message_t();
    (void)s.recv(msg, zmq::recv_flags::none);  // the rest of a multipart message is already here
  }
  return m;
}

// Sends the frames as one multipart message. Returns false when it could not be queued (dontwait).
inline bool Send(zmq::socket_t& s, const std::vector<std::string_view>& frames, bool dontwait = false) {
  for (std::size_t i = 0; i < frames.size(); ++i) {
    zmq::send_flags f = i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
    if (dontwait) f = f | zmq::send_flags::dontwait;
    try {
      if (!s.send(zmq::const_buffer(frames[i].data(), frames[i].size()), f)) return false;
    } catch (const zmq::error_t& e) {
      if (e.num() == EHOSTUNREACH || e.num() == EAGAIN) return false;
      throw;
    }
  }
  return true;
}

// A frame that refers to `text`, owned by `owner`, without copying it: the frame keeps a
// reference on the owner until libzmq has sent it (the free function runs on libzmq's I/O thread;
// shared_ptr's count is atomic).
template <typename T>
zmq::message_t Borrow(const std::shared_ptr<const T>& owner, const std::string& text) {
  auto* hold = new std::shared_ptr<const T>(owner);
  return zmq::message_t(const_cast<char*>(text.data()), text.size(),
                        [](void*, void* hint) { delete static_cast<std::shared_ptr<const T>*>(hint); }, hold);
}

// Sends the frames as one multipart message (moved out of `frames`). Returns false when it could
// not be queued (no peer for a ROUTER, or a full queue with dontwait).
inline bool SendFrames(zmq::socket_t& s, std::vector<zmq::message_t>& frames, bool dontwait = false) {
  for (std::size_t i = 0; i < frames.size(); ++i) {
    zmq::send_flags f = i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
    if (dontwait) f = f | zmq::send_flags::dontwait;
    try {
      if (!s.send(frames[i], f)) return false;
    } catch (const zmq::error_t& e) {
      if (e.num() == EHOSTUNREACH || e.num() == EAGAIN) return false;
      throw;
    }
  }
  return true;
}

}  // namespace taifeng::feed::wire
