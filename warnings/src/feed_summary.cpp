#include "taifeng/warnings/feed_summary.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>

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
  if (!m.jurisdiction.empty())  // how its jurisdiction presents it (messages journalled before jurisdictions have none)
    j["presentation"] = {{"jurisdiction", m.jurisdiction},     {"language_zh", m.language_zh},       {"time_label_zh", m.time_label.zh},
                         {"time_label_en", m.time_label.en},   {"label_zh", m.label.zh},             {"label_en", m.label.en},
                         {"short_label_zh", m.short_label.zh}, {"short_label_en", m.short_label.en}, {"event_code", m.event_code},
                         {"storm_number", m.storm_number}};
  return j.dump();
}

FeedRow ProjectMessage(const Message& m, std::int64_t seq, std::int64_t prev) {
  FeedRow r;
  r.journal_seq = m.seq, r.feed_seq = seq, r.prev = prev;
  r.stream = StreamOf(m);
  r.status = m.status;
  r.cancel = m.change == Change::kCancel;
  r.sent_utc = m.sent_utc, r.expires_utc = m.expires_utc;
  r.summary = FeedSummaryJson(m, seq, prev);
  r.cap = m.cap_xml;
  return r;
}

std::int64_t BackfillFeedProjection(Journal& journal, std::int64_t after_seq) {
  return journal.BackfillFeed(
      [](const JournalRecord& r, const Journal::FeedPositionFn& position) {
        const Message m = MessageFromJson(r.body, r.seq);
        const auto [seq, prev] = position(StreamOf(m));
        return ProjectMessage(m, seq, prev);
      },
      after_seq);
}

std::optional<std::string> VerifyFeedProjection(const Journal& journal) {
  std::map<std::int64_t, FeedRow> rows;
  journal.ScanFeed(0, [&](const FeedRow& r) { rows.emplace(r.journal_seq, r); });
  std::map<std::string, std::int64_t> heads;
  std::int64_t feed_seq = 0;
  std::optional<std::string> problem;
  journal.Scan(0, "message", [&](const JournalRecord& r) {
    ++feed_seq;
    if (problem) return;
    const Message m = MessageFromJson(r.body, r.seq);
    const FeedRow want = ProjectMessage(m, feed_seq, heads[StreamOf(m)]);
    heads[want.stream] = feed_seq;
    const auto it = rows.find(r.seq);
    if (it == rows.end()) return;
    const FeedRow& got = it->second;
    if (got.feed_seq != want.feed_seq || got.prev != want.prev || got.stream != want.stream || got.summary != want.summary ||
        got.cap != want.cap || got.status != want.status || got.cancel != want.cancel || got.sent_utc != want.sent_utc ||
        got.expires_utc != want.expires_utc)
      problem = "record " + std::to_string(r.seq) + ": its feed projection (feed seq " + std::to_string(got.feed_seq) +
                ") differs from the record";
  });
  return problem;
}

}  // namespace taifeng::warnings
