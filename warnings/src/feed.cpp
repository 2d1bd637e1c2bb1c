#include "taifeng/warnings/feed.h"

#include <nlohmann/json.hpp>

#include <cmath>

#include "taifeng/data/time_utc.h"

namespace taifeng::warnings {

using nlohmann::json;

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

std::string StreamOf(const Message& m) { return std::string(KindName(m.kind)) + "." + m.region_code; }

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


std::string FeedSummaryJson(const Message& m, std::int64_t seq, std::int64_t prev) {
  json j = {{"seq", seq},
            {"prev", prev},
            {"stream", StreamOf(m)},
            {"identifier", m.identifier},
            {"sender", m.sender},
            {"kind", KindName(m.kind)},
            {"region", m.region_code},
            {"region_name", m.region_name},
            {"region_name_en", m.region_name_en},
            {"signal", m.signal},
            {"rank", m.rank},
            {"change", ChangeName(m.change)},
            {"msg_type", m.msg_type},
            {"status", m.status},
            {"sent", m.sent},
            {"sent_utc", data::FormatIsoUtc(m.sent_utc)},
            {"onset_utc", data::FormatIsoUtc(m.onset_utc)},
            {"expires_utc", data::FormatIsoUtc(m.expires_utc)},
            {"storm", m.storm},
            {"storm_name", m.storm_name},
            {"probability", m.probability},
            {"reason", m.reason},
            {"headline_zh", Headline(m, true)},
            {"headline_en", Headline(m, false)},
            {"incident", m.incident},
            {"references", m.references},
            {"storm_distance_km", std::isfinite(m.storm_distance_km) ? json(std::round(m.storm_distance_km * 10) / 10) : json(nullptr)},
            {"situation", m.situation_json.empty() ? json(nullptr) : json::parse(m.situation_json)}};
  return j.dump();
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

}  // namespace taifeng::warnings
