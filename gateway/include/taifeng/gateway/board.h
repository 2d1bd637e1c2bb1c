// A gateway's view of the feed: the warnings in force, kept from the feed::FeedSubscriber's events.
// A snapshot replaces the board; a message replaces its stream's warning, or removes it when it is
// a Cancel. A warning whose `expires` has passed is not in force: for Actual messages by the wall
// clock, for Exercise and Test messages by the latest `sent` of that status on the board (so a
// replayed storm keeps its own time), as the service does for its snapshots.
// Thread safety: not thread-safe; one Board per gateway loop (copy it to hand it to other threads).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "taifeng/feed/client.h"
#include "taifeng/feed/situation.h"

namespace taifeng::gateway {

// One warning as a gateway sees it: the fields of the feed's JSON summary (feed.h).
struct Bulletin {
  std::int64_t seq = 0, prev = 0;
  std::string stream, identifier, sender, kind, region, region_name, region_name_en, signal;
  int rank = 0;
  std::string change, msg_type, status, sent;  // sent: CAP, with its offset
  std::int64_t sent_utc = 0, onset_utc = 0, expires_utc = 0;
  std::string storm, storm_name, headline_zh, headline_en, reason;
  double probability = 0;
  double storm_distance_km = std::numeric_limits<double>::quiet_NaN();
  std::string situation_json;  // "" when the message has none
  std::string json, cap;       // as received (cap: "" unless the format carries it)
  // How the message's jurisdiction presents it (feed.h "presentation"; Guangdong's when absent):
  // the Chinese language tag, the local time label, the signal's labels (short: a display's
  // column, "8 NE"), the agency's code and the storm's number.
  std::string jurisdiction, language_zh = "zh-CN", time_label_zh = "北京时间", time_label_en = "Beijing time";
  std::string label_zh, label_en, short_label_zh, short_label_en, event_code, storm_number;
  bool traditional() const { return language_zh != "zh-CN" && language_zh != "zh-SG"; }
};

// Throws ParseError naming the message's seq and the field when the summary is not what feed.h
// says it is.
Bulletin ParseBulletin(const feed::FeedWarning& w);

class Board {
 public:
  // Applies a kSnapshot or kMessage event (others are ignored). Returns the bulletins the event
  // brought (a snapshot's, or the one message), parsed. Throws ParseError for a malformed summary
  // (the board is unchanged then).
  std::vector<Bulletin> Apply(const feed::FeedEvent& event);

  // The warnings in force at `wall_now_utc` (see the header comment), by region then kind.
  std::vector<const Bulletin*> InForce(std::int64_t wall_now_utc) const;
  // The in-force warning of a region and kind ("typhoon", "rainstorm", "flood"), or nullptr.
  const Bulletin* Find(const std::string& region, const std::string& kind, std::int64_t wall_now_utc) const;
  // The newest situation among the bulletins received (by the storm's time of its latest fix), if any.
  std::optional<feed::Situation> LatestSituation() const;
  // The time "now" for these statuses: the wall clock, or the latest Exercise/Test `sent`.
  std::int64_t ClockFor(const std::string& status, std::int64_t wall_now_utc) const;

  std::int64_t seq() const { return seq_; }  // the latest sequence number applied
  const std::map<std::string, Bulletin>& streams() const { return streams_; }

 private:
  std::map<std::string, Bulletin> streams_;  // by stream; Cancels removed
  std::map<std::string, std::int64_t> latest_sent_;  // by status
  std::string situation_json_;
  std::int64_t situation_time_ = 0;
  std::int64_t seq_ = 0;
};

}  // namespace taifeng::gateway
