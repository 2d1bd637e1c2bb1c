// What the feed publishes for a journalled message (protocol: taifeng/feed/protocol.h and
// docs/feed-protocol.md): its stream and its JSON summary.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "taifeng/feed/protocol.h"
#include "taifeng/warnings/warning.h"

namespace taifeng::warnings {

// "typhoon.440100": kind, dot, region code.
std::string StreamOf(const Message& m);

// The JSON summary of a message on the feed: seq, prev, stream, identifier, kind, region (code,
// names), signal, rank, change, msgType, status, sent (CAP, local offset), sent/onset/expires in
// UTC ISO 8601, storm, probability, reason, headlines (zh, en), references and incident.
std::string FeedSummaryJson(const Message& m, std::int64_t seq, std::int64_t prev);

}  // namespace taifeng::warnings
