// libFuzzer entry for the feed service's request frames: the first byte picks the endpoint
// (control or sync), the rest is split at 0x00 bytes into frames. CheckRequest may refuse with a
// taifeng::Error; anything else escaping (a JSON exception, say), or any sanitizer report, is a
// bug: such a frame could end the service. The error's message must also survive the service's
// answer encoding.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "taifeng/base/error.h"
#include "taifeng/warnings/feed_service.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool control = (data[0] & 1) != 0;
  std::vector<std::string> frames(1);
  for (std::size_t i = 1; i < size; ++i) {
    if (data[i] == 0 && frames.size() < 8) frames.emplace_back();
    else frames.back() += static_cast<char>(data[i]);
  }
  try {
    taifeng::warnings::CheckRequest(frames, control);
  } catch (const taifeng::Error& e) {
    const std::string answer = nlohmann::json{{"message", e.what()}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (answer.empty()) __builtin_trap();
  }
  return 0;
}
