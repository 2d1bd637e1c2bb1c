// How steady a warning history is (a journal's, or a replay's): per region and kind, the messages,
// the levels reached and the changes of level, and the flip-flops a forecaster would not sign:
//  - a Cancel followed by a new Alert of the same kind within `window_s`;
//  - a warning that lapsed (its latest message expired without a Cancel) followed by a new Alert
//    within `window_s` of the expiry;
//  - a downgrade followed by an upgrade within `window_s` (a reversal).
// Thread safety: a pure function.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "taifeng/warnings/warning.h"

namespace taifeng::warnings {

struct StabilityRow {
  std::string region_code, region_name, region_name_en;
  Kind kind = Kind::kTyphoon;
  int messages = 0;
  int levels = 0;          // distinct signals reached
  int changes = 0;         // alerts, upgrades, downgrades and cancels
  int extends = 0;
  int cancel_reissue = 0;  // Cancel then a new Alert within the window
  int lapse_reissue = 0;   // lapsed, then a new Alert within the window
  int reversals = 0;       // downgrade then upgrade within the window
};

struct StabilityReport {
  std::vector<StabilityRow> rows;  // by region code, then kind
  StabilityRow total;              // sums (levels: the largest)
  std::int64_t window_s = 86400;
};

// `messages` in journal order (Desk::Messages: the light messages suffice).
StabilityReport Stability(const std::deque<Message>& messages, std::int64_t window_s = 86400);

}  // namespace taifeng::warnings
