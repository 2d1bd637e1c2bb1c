#include "taifeng/feed/protocol.h"


namespace taifeng::feed {

std::string_view FeedFormatName(FeedFormat f) {
  switch (f) {
    case FeedFormat::kJson: return "json";
    case FeedFormat::kCap: return "cap";
    case FeedFormat::kFull: return "full";
  }
  return "full";
}

std::optional<FeedFormat> ParseFeedFormat(std::string_view name) {
  for (FeedFormat f : {FeedFormat::kJson, FeedFormat::kCap, FeedFormat::kFull})
    if (FeedFormatName(f) == name) return f;
  return std::nullopt;
}

std::string FeedTopic(FeedFormat f, std::string_view stream) {
  std::string t(FeedFormatName(f));
  t += '.';
  t += stream;
  return t;
}

bool ValidStreamPrefix(std::string_view prefix) {
  if (prefix.size() > 64) return false;
  for (const char c : prefix)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.')) return false;
  return true;
}

bool StreamMatches(std::string_view stream, const std::vector<std::string>& prefixes) {
  for (const auto& p : prefixes)
    if (stream.substr(0, p.size()) == p) return true;
  return false;
}


std::string EncodeSeq(std::uint64_t seq) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i, seq >>= 8) s[static_cast<std::size_t>(i)] = static_cast<char>(seq & 0xff);
  return s;
}

std::optional<std::uint64_t> DecodeSeq(std::string_view frame) {
  if (frame.size() != 8) return std::nullopt;
  std::uint64_t v = 0;
  for (const char c : frame) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

}  // namespace taifeng::feed
