// What the feed publishes for a journalled message (protocol: taifeng/feed/protocol.h and
// docs/feed-protocol.md): its stream and its JSON summary.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "taifeng/feed/protocol.h"
#include "taifeng/warnings/journal.h"
#include "taifeng/warnings/warning.h"

namespace taifeng::warnings {

// "typhoon.440100": kind, dot, region code.
std::string StreamOf(const Message& m);

// The JSON summary of a message on the feed: seq, prev, stream, identifier, kind, region (code,
// names), signal, rank, change, msgType, status, sent (CAP, local offset), sent/onset/expires in
// UTC ISO 8601, storm, probability, reason, headlines (zh, en), references and incident.
std::string FeedSummaryJson(const Message& m, std::int64_t seq, std::int64_t prev);

// The journal's feed projection of message `m` (journal record `m.seq`) at feed seq `seq`, after
// `prev` in its stream.
FeedRow ProjectMessage(const Message& m, std::int64_t seq, std::int64_t prev);

// Projects every message record after `after_seq` that has none yet (journals written before the
// projection, or by a writer that does not project). Returns how many were added.
std::int64_t BackfillFeedProjection(Journal& journal, std::int64_t after_seq = 0);

// Recomputes the projection of every message record and compares it with the journal's feed rows
// (derived data outside the hash chain, so an edited row would publish what the chain does not
// hold). nullopt when every row matches (records not yet projected are not a problem); otherwise
// the first difference, naming the record. O(messages).
std::optional<std::string> VerifyFeedProjection(const Journal& journal);

}  // namespace taifeng::warnings
