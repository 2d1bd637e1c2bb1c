// `taifeng warn verify` on MPI ranks: one storm's replay in one forecast mode (what rank 0 needs to
// score it), and a rank's replays as bytes for Ranks::GatherToRoot (bytes.h). Errors: decoding
// throws Error(kInternal) for bytes that do not hold whole replays or name a storm out of range.
// Thread safety: reentrant.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "taifeng/core/signal_verify.h"
#include "verify_report.h"

namespace taifeng::cli {

struct StormReplay {
  std::string method;  // the forecast's consensus, as the hazard engine states it (first forecast)
  std::map<int, std::int64_t> first;  // Taifeng's first signal of each number (UTC)
  std::vector<SignalSpan> spans;
  core::ReplayedStorm margins;
};

// The replays of the storms `mine` (indices into `replays`).
std::string EncodeReplays(const std::vector<StormReplay>& replays, const std::vector<std::size_t>& mine);
// Puts the encoded replays back at their indices.
void DecodeReplays(const std::string& bytes, std::vector<StormReplay>& replays);

}  // namespace taifeng::cli
