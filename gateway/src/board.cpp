#include "taifeng/gateway/board.h"

#include <nlohmann/json.hpp>

#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"
#include "taifeng/detail/json_fields.h"

namespace taifeng::gateway {

using detail::RequireString;
using detail::RequireUtc;

using nlohmann::json;

Bulletin ParseBulletin(const feed::FeedWarning& w) {
  const std::string where = "feed message " + std::to_string(w.seq);
  json j;
  try {
    j = json::parse(w.json);
  } catch (const json::exception& e) {
    throw ParseError(where, 0, "summary", std::string("JSON: ") + e.what());
  }
  if (!j.is_object()) throw ParseError(where, 0, "summary", "a JSON object");
  auto str = [&](const char* k) { return RequireString(j, k, where); };
  auto time = [&](const char* k) { return RequireUtc(j, k, where); };
  Bulletin b;
  b.seq = w.seq, b.prev = w.prev;
  b.stream = str("stream");
  b.identifier = str("identifier");
  b.sender = str("sender");
  b.kind = str("kind");
  b.region = str("region");
  b.region_name = str("region_name");
  b.region_name_en = str("region_name_en");
  b.signal = str("signal");
  if (!j.contains("rank") || !j["rank"].is_number_integer()) throw ParseError(where, 0, "rank", "an integer");
  b.rank = j["rank"].get<int>();
  b.change = str("change");
  b.msg_type = str("msg_type");
  b.status = str("status");
  b.sent = str("sent");
  b.sent_utc = time("sent_utc");
  b.onset_utc = time("onset_utc");
  b.expires_utc = time("expires_utc");
  b.storm = str("storm");
  b.storm_name = str("storm_name");
  b.headline_zh = str("headline_zh");
  b.headline_en = str("headline_en");
  b.reason = str("reason");
  b.probability = j.value("probability", 0.0);
  if (j.contains("storm_distance_km") && j["storm_distance_km"].is_number()) b.storm_distance_km = j["storm_distance_km"].get<double>();
  if (j.contains("situation") && j["situation"].is_object()) b.situation_json = j["situation"].dump();
  if (j.contains("presentation") && j["presentation"].is_object()) {
    const json& p = j["presentation"];
    const std::string pwhere = where + " presentation";
    b.jurisdiction = RequireString(p, "jurisdiction", pwhere), b.language_zh = RequireString(p, "language_zh", pwhere);
    b.time_label_zh = RequireString(p, "time_label_zh", pwhere), b.time_label_en = RequireString(p, "time_label_en", pwhere);
    b.label_zh = RequireString(p, "label_zh", pwhere), b.label_en = RequireString(p, "label_en", pwhere);
    b.short_label_zh = RequireString(p, "short_label_zh", pwhere), b.short_label_en = RequireString(p, "short_label_en", pwhere);
    b.event_code = RequireString(p, "event_code", pwhere), b.storm_number = RequireString(p, "storm_number", pwhere);
  }
  b.json = w.json;
  b.cap = w.cap;
  return b;
}

std::vector<Bulletin> Board::Apply(const feed::FeedEvent& event) {
  std::vector<Bulletin> got;
  if (event.type != feed::FeedEvent::Type::kSnapshot && event.type != feed::FeedEvent::Type::kMessage) return got;
  for (const feed::FeedWarning& w : event.warnings) got.push_back(ParseBulletin(w));
  if (event.type == feed::FeedEvent::Type::kSnapshot) streams_.clear();
  for (const Bulletin& b : got) {
    auto& latest = latest_sent_[b.status];
    latest = std::max(latest, b.sent_utc);
    if (!b.situation_json.empty()) {  // the newest by the storm's own time: an operator's later cancel carries an older one
      const feed::Situation s = feed::SituationFromJson(b.situation_json, "feed message " + std::to_string(b.seq));
      if (!s.empty() && s.now().time_utc >= situation_time_) situation_json_ = b.situation_json, situation_time_ = s.now().time_utc;
    }
    if (b.msg_type == "Cancel")
      streams_.erase(b.stream);
    else
      streams_[b.stream] = b;
    seq_ = std::max(seq_, b.seq);
  }
  if (event.type == feed::FeedEvent::Type::kSnapshot) seq_ = std::max(seq_, event.seq);
  return got;
}

std::int64_t Board::ClockFor(const std::string& status, std::int64_t wall_now_utc) const {
  if (status == "Actual") return wall_now_utc;
  const auto it = latest_sent_.find(status);
  return it == latest_sent_.end() ? wall_now_utc : it->second;
}

std::vector<const Bulletin*> Board::InForce(std::int64_t wall_now_utc) const {
  std::vector<const Bulletin*> out;
  for (const auto& [stream, b] : streams_)
    if (b.expires_utc > ClockFor(b.status, wall_now_utc)) out.push_back(&b);
  return out;
}

const Bulletin* Board::Find(const std::string& region, const std::string& kind, std::int64_t wall_now_utc) const {
  const auto it = streams_.find(kind + "." + region);
  if (it == streams_.end() || it->second.expires_utc <= ClockFor(it->second.status, wall_now_utc)) return nullptr;
  return &it->second;
}

std::optional<feed::Situation> Board::LatestSituation() const {
  if (situation_json_.empty()) return std::nullopt;
  return feed::SituationFromJson(situation_json_, "the feed's latest situation");
}

}  // namespace taifeng::gateway
