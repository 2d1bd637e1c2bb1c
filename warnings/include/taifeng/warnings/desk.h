// The warning desk: the duty officer's operations on the journal (propose, issue, update, cancel),
// each checked against the state in force, rendered to CAP 1.2, validated against the OASIS
// schema, and journalled in one transaction before anything is published.
//
// Every operation that writes first audits the journal and refuses (Error(kJournalBroken)) when
// the chain is broken. Messages are composed inside the journal transaction from the state the
// journal holds at that moment, so two desks on one journal cannot issue from a stale state; a
// proposal whose "in force" no longer matches is refused (Error(kRefused)) as stale.
// Thread safety: one Desk per thread (it owns a Journal connection).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "taifeng/geo/regions.h"
#include "taifeng/warnings/cap.h"
#include "taifeng/warnings/journal.h"
#include "taifeng/warnings/rules.h"
#include "taifeng/warnings/warning.h"

namespace taifeng::warnings {

// Who acts, when, and how the messages are marked.
struct ActionContext {
  std::int64_t now_utc = 0;        // the action's time: the wall clock live, the replay time in a replay
  std::string operator_name;       // required
  std::string status = "Actual";   // "Actual", "Exercise" (replays, drills) or "Test"
  std::string note;                // CAP note (e.g. "Exercise: replay of Mangkhut 2018")
};

// Where a proposal came from.
struct ProposalSource {
  std::string storm, storm_name;   // the live storm
  std::int64_t now_utc = 0;        // the forecast's "now" (last observed fix)
  bool hindcast = false;           // made with --at: may only be issued as an exercise
  std::string forecast;            // forecast description (method, members, archive)
  std::string situation_json;      // the storm's situation (situation.h); "" unknown
  std::string storm_number;        // the storm's number ("1822": CMA's, from the best track), "" unknown
};

struct StoredProposal {
  std::int64_t seq = 0;            // its journal record
  std::int64_t recorded_utc = 0;   // wall clock when journalled
  std::string operator_name;
  ProposalSource source;
  std::vector<Proposal> proposals;
};

// An operator's or a proposal's change for one region and kind.
struct ChangeRequest {
  Assessment assessment;           // region, kind, the new signal (nullptr for a cancel), evidence
  Change change = Change::kNew;
  std::string expected_signal;     // what must be in force now ("" none); else the request is stale
  std::int64_t expires_utc = 0;    // > 0: this expiry (an operator's --extend); 0: the signal's own expires_h past the onset
  std::string storm, storm_name, storm_number;
  std::string situation_json;      // the storm's situation (situation.h) for the message; "" unknown
};

class Desk {
 public:
  // `schema` may be null only in tests that do not validate.
  Desk(std::unique_ptr<Journal> journal, std::shared_ptr<const RuleSet> rules, std::shared_ptr<const geo::RegionSet> regions,
       std::shared_ptr<const CapSchema> schema);

  const RuleSet& rules() const { return *rules_; }
  const geo::RegionSet& regions() const { return *regions_; }
  Journal& journal() { return *journal_; }
  const Journal& journal() const { return *journal_; }

  // Throws Error(kJournalBroken) naming the first broken record. The first call audits the whole
  // journal; later calls check that the last audited record is unchanged and audit only what was
  // added since (a long-running service stays O(new records) per command; `warn audit` and a
  // restart audit everything).
  void RequireAudit() const;

  // Every journalled message, in journal order, *light*: identifier, sender, sent, region code,
  // kind, signal, rank, change, message type, status, incident and times only (what the state in
  // force needs); the rest (names, reason, references, evidence, situation, CAP) stays in the
  // journal: Full reads it. Kept: each call reads only the records added since the last, and
  // memory grows by a few hundred bytes per message, not by the whole message (tens of kB).
  const std::deque<Message>& Messages() const;
  // The whole message (CAP, evidence, situation) of a light one, from the journal (or the cache of
  // those in force). Throws Error(kJournalBroken) when the journal no longer holds it.
  Message Full(const Message& light) const;
  // Every journalled message, whole, read from the journal (for listings; not kept).
  std::vector<Message> FullMessages() const;
  // The warnings in force at `now_utc`, with their whole latest messages.
  State StateAt(std::int64_t now_utc) const;

  // Journals a "propose" record; returns its seq.
  std::int64_t RecordProposal(const std::vector<Proposal>& proposals, const ProposalSource& source, const std::string& operator_name,
                              std::int64_t now_utc);
  std::optional<StoredProposal> LatestProposal() const;

  // The change requests of a stored proposal for these region codes (all when empty). Throws
  // Error(kRefused) on an unknown region, a region the proposal does not change, or nothing to do.
  std::vector<ChangeRequest> FromProposal(const StoredProposal& p, const std::vector<std::string>& regions) const;
  // Operator cancel: targets are region codes (every kind in force there, or only `kind`) or
  // message identifiers. Throws Error(kRefused) for a target with nothing in force.
  std::vector<ChangeRequest> CancelRequests(const std::vector<std::string>& targets, std::optional<Kind> kind, std::int64_t now_utc) const;
  // Operator update: set `signal` (any level, no hold) and/or extend by `extend_h` hours (0: no
  // extension). Throws Error(kRefused) for targets not in force or an unknown signal.
  std::vector<ChangeRequest> UpdateRequests(const std::vector<std::string>& targets, std::optional<Kind> kind,
                                            const std::string& signal, int extend_h, std::int64_t now_utc) const;

  // The messages `requests` would send now, rendered and validated but not journalled. The
  // identifiers are those they would get if nothing else is journalled first.
  std::vector<Message> Preview(const std::vector<ChangeRequest>& requests, const ActionContext& ctx) const;
  // Journals an `action` record ("issue", "update", "cancel") with `action_body` (JSON object
  // text) and the messages, in one transaction; returns the messages with their seqs. Throws
  // Error(kRefused) when a request is stale against the journal's state at that moment.
  // When the body carries a "request_id" the journal already holds (checked inside the
  // transaction), nothing is written: the earlier action's messages are returned and `*repeated`
  // (when given) is set.
  std::vector<Message> Commit(const std::string& action, const std::string& action_body, const std::vector<ChangeRequest>& requests,
                              const ActionContext& ctx, bool* repeated = nullptr);
  // The messages of the action journalled with this request id, or none.
  std::optional<std::vector<Message>> EarlierRequest(const std::string& request_id) const;

  // The CAP areas of a region (cached): polygons simplified to the rule set's vertex budget.
  const std::vector<std::vector<geo::LatLon>>& Polygons(const std::string& region_code) const;

 private:
  std::vector<Message> Compose(const std::vector<ChangeRequest>& requests, const State& state, const ActionContext& ctx,
                               std::int64_t first_seq) const;

  std::unique_ptr<Journal> journal_;
  std::shared_ptr<const RuleSet> rules_;
  std::shared_ptr<const geo::RegionSet> regions_;
  std::shared_ptr<const CapSchema> schema_;
  // The CAP signing keys of the jurisdictions that configure one ([cap] signing_key), by path,
  // loaded at first use.
  const CapSigner* SignerFor(const CapSettings& cap) const;
  mutable std::mutex signers_mutex_;
  mutable std::map<std::string, std::shared_ptr<const CapSigner>> signers_;
  mutable std::int64_t audited_seq_ = 0;
  mutable std::string audited_hash_;
  bool feed_projected_ = false;  // BackfillFeedProjection done by this desk
  mutable std::deque<Message> messages_;        // light (see Messages); a deque: no reallocation of the whole
  mutable std::int64_t messages_read_to_ = 0;  // journal seq read up to
  mutable std::map<std::int64_t, Message> in_force_cache_;  // whole messages in force at the last StateAt, by seq
  mutable IncidentFold fold_;           // messages_[0, folded_) folded in journal order
  mutable std::size_t folded_ = 0;
  mutable std::int64_t folded_max_sent_ = 0;  // the latest sent_utc folded
  mutable std::mutex polygons_mutex_;
  mutable std::map<std::string, std::vector<std::vector<geo::LatLon>>> polygons_;
};

// Builds a message's CAP alert (zh-CN and en info blocks) from the rule set.
CapAlert BuildCapAlert(const Message& m, const Jurisdiction& rules, const std::vector<std::vector<geo::LatLon>>& polygons,
                       const std::string& note);

}  // namespace taifeng::warnings
