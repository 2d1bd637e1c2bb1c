#include "taifeng/warnings/feed_summary.h"

#include <nlohmann/json.hpp>

#include <cmath>

#include "taifeng/base/time_utc.h"

namespace taifeng::warnings {

using nlohmann::json;

std::string StreamOf(const Message& m) { return std::string(KindName(m.kind)) + "." + m.region_code; }

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
            {"sent_utc", taifeng::FormatIsoUtc(m.sent_utc)},
            {"onset_utc", taifeng::FormatIsoUtc(m.onset_utc)},
            {"expires_utc", taifeng::FormatIsoUtc(m.expires_utc)},
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

}  // namespace taifeng::warnings
