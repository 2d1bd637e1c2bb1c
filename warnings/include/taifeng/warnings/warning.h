// Warnings and their lifecycle: proposed -> issued -> updated (upgraded, downgraded, extended) ->
// cancelled or expired.
//
// A Message is one issued CAP message for one region and one kind of warning. The messages of a
// region and kind since its first Alert form an incident: each Update or Cancel references every
// earlier message of the incident. The State in force at a time is derived from the journalled
// messages alone (State::Derive): the last message of each region and kind, unless it was a Cancel
// or has expired.
// Plan turns the rules' assessments into proposals against the state: raise (Alert or upgrade) at
// once; lower (downgrade or cancel) only when the signal was raised at least hold_h ago (an operator
// may lower at any time, with warn update / warn cancel); extend a standing signal whose message
// expires within extend_before_h.
// Thread safety: values and pure functions.
#pragma once

#include <cstdint>
#include <limits>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "taifeng/warnings/rules.h"

namespace taifeng::warnings {

// kReplace: another signal of the same rank (Hong Kong's No. 8 NE replaced by No. 8 SE).
enum class Change : std::uint8_t { kNew, kUpgrade, kDowngrade, kExtend, kCancel, kReplace };
std::string_view ChangeName(Change c);  // "new", "upgrade", "downgrade", "extend", "cancel", "replace"
std::optional<Change> ParseChange(std::string_view name);

struct Message {
  std::int64_t seq = 0;   // journal record
  std::string identifier;  // CAP identifier
  std::string sender;      // CAP sender
  std::string sent;        // CAP sent, with its offset ("2018-09-16T08:00:00+08:00")
  std::string region_code, region_name, region_name_en;
  Kind kind = Kind::kTyphoon;
  std::string signal;     // the signal's name; for a Cancel, the signal cancelled
  int rank = 0;           // 0 for a Cancel
  Change change = Change::kNew;
  std::string msg_type;   // "Alert", "Update", "Cancel"
  std::string status;     // "Actual", "Exercise", "Test"
  std::vector<std::string> references;  // "sender,identifier,sent" of the incident's earlier messages
  std::string incident;   // identifier of the incident's Alert
  std::int64_t sent_utc = 0, onset_utc = 0, expires_utc = 0;
  std::string operator_name;
  std::string storm, storm_name;  // archive id and name of the storm behind it
  std::string storm_number;       // the storm's number ("1822", CMA's), "" when unknown
  double probability = 0;
  std::string reason;
  std::string evidence_json;      // the assessment's evidence, the forecast and proposal it came from
  std::string situation_json;     // the storm's situation (situation.h) when composed; "" when unknown
  double storm_distance_km = std::numeric_limits<double>::quiet_NaN();  // storm centre to the region, 0 inside; NaN unknown
  std::string cap_xml;
  // How its jurisdiction presents it (gateways speak each jurisdiction's system): the
  // jurisdiction's id, the Chinese info block's language, the label of its local time, the
  // signal's labels (whole and short, "8 NE") and the agency's event code. Messages journalled
  // before jurisdictions have Guangdong's values.
  std::string jurisdiction, language_zh = "zh-CN";
  Texts time_label = {"北京时间", "Beijing time"}, label, short_label;
  std::string event_code;

  std::string Reference() const { return sender + "," + identifier + "," + sent; }
};

// The headline of a message's CAP, in Chinese (zh, the first info block) or English; "" if none.
std::string Headline(const Message& m, bool zh);

// JSON of a message (the journal body of a "message" record) and back. FromJson throws
// ParseError naming the field when the JSON is not a message.
std::string MessageToJson(const Message& m);
Message MessageFromJson(const std::string& json, std::int64_t seq);

struct InForce {
  Message message;          // the latest message of the incident
  std::int64_t raised_utc = 0;  // when the current signal level was reached (Alert or last upgrade)
  std::vector<std::string> references;  // Reference() of every message of the incident, oldest first
};

class State;

// The open incidents of a message list, folded in journal order: what State::Derive computes in one
// pass, kept so that a long-running desk adds each new message once instead of re-reading all of
// them (State::Derive is O(messages); At is O(incidents)).
class IncidentFold {
 public:
  void Add(const std::deque<Message>& messages, std::size_t i);  // messages[i], the next in journal order
  // The state at `now_utc`. REQUIRES: every added message was sent at or before now_utc.
  State At(const std::deque<Message>& messages, std::int64_t now_utc) const;

 private:
  struct Open {
    std::size_t current = 0;
    std::int64_t raised_utc = 0;
    std::vector<std::size_t> members;  // the incident's messages; their references are built by At
  };
  std::map<std::pair<std::string, Kind>, Open> open_;
  std::map<std::pair<std::string, Kind>, std::int64_t> cancelled_;  // the latest Cancel's sent time
};

class State {
 public:
  // The warnings in force at `now_utc` from the messages (journal order) sent at or before it.
  static State Derive(const std::deque<Message>& messages, std::int64_t now_utc);
  const InForce* Find(const std::string& region_code, Kind kind) const;
  const InForce* FindIdentifier(const std::string& identifier) const;  // by its latest message
  // When the region's last warning of the kind ended (its Cancel was sent, or it lapsed at its
  // expiry), if one did before now and none is in force.
  std::optional<std::int64_t> EndedAt(const std::string& region_code, Kind kind) const;
  std::vector<const InForce*> Active() const;  // by region code, then kind
  // Replaces each in-force message by whole(message) (a desk derives state from light messages).
  void Complete(const std::function<Message(const Message&)>& whole);

 private:
  friend class IncidentFold;
  std::map<std::pair<std::string, Kind>, InForce> in_force_;
  std::map<std::pair<std::string, Kind>, std::int64_t> ended_;
};

enum class Action : std::uint8_t { kNone, kKeep, kHold, kIssue, kUpgrade, kDowngrade, kExtend, kCancel, kReplace };
std::string_view ActionName(Action a);  // "none", "keep", "hold", "issue", "upgrade", "downgrade", "extend", "cancel", "replace"
std::optional<Action> ParseAction(std::string_view name);

struct Proposal {
  Assessment assessment;
  Action action = Action::kNone;
  std::string from_signal;  // in force now ("" none)
  std::string to_signal;    // proposed ("" none)
  std::string note;         // why kept or held, e.g. "held until 2018-09-16T03:00:00Z (raised 02:00, hold 3 h)"
  bool Changes() const { return action >= Action::kIssue; }
};

// The previous forecast's probabilities (per region and kind: signal -> probability, as in
// Assessment::probabilities) and its time: lowering can wait for two forecasts in a row.
struct PreviousForecast {
  std::int64_t now_utc = 0;
  std::map<std::pair<std::string, Kind>, std::map<std::string, double>> probabilities;
};

// One proposal per assessment (region and kind). `previous` (may be null): the forecast before,
// of the same storm, for LifecycleSettings::lower_after.
std::vector<Proposal> Plan(const RuleSet& rules, const std::vector<Assessment>& assessments, const State& state,
                           std::int64_t now_utc, const PreviousForecast* previous = nullptr);

}  // namespace taifeng::warnings
