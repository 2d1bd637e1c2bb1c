// libFuzzer entry for the web gateway's request heads: the input up to its first blank line is
// read as a request head (ParseRequestHead), and a 1,000-byte answer is cut by its Range header
// (ApplyRange). Neither may throw, and every answer must be a real status with a body no longer
// than what was asked for: anything else, or any sanitizer report, is a bug a browser could hit.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http_loop.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace web = taifeng::gateway::web;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (const auto end = in.find("\r\n\r\n"); end != std::string_view::npos) in = in.substr(0, end);
  const web::HttpLimits limits;
  const web::RequestHead head = web::ParseRequestHead(in, limits);
  if (head.refusal && (head.refusal->status < 400 || head.refusal->status > 505)) __builtin_trap();
  if (head.refusal) return 0;
  if (head.request.path.empty() || head.request.path[0] != '/' || head.request.headers.size() > limits.max_headers) __builtin_trap();
  web::HttpResponse r;
  r.body.assign(1000, 'x');
  web::ApplyRange(head.request, r);
  if (r.status != 200 && r.status != 206 && r.status != 416) __builtin_trap();
  if (r.status == 206 && (r.body.empty() || r.body.size() > 1000)) __builtin_trap();
  return 0;
}
