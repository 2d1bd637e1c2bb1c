// The display channel's frame: one line per configured region with its signals (typhoon, and
// rainstorm or flood), the storm's name, position, intensity and distance, rendered for a terminal
// (ANSI colours, the signal's colour as background) and as plain text for LED controllers of a fixed
// width, where East Asian wide characters (Chinese) take two columns.
// Thread safety: values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "taifeng/base/utf8.h"  // DisplayWidth, FitColumns
#include "taifeng/gateway/board.h"

namespace taifeng::gateway {

struct DisplayRegion {
  std::string code, name, name_en;
};

struct DisplayStatus {
  std::int64_t now_utc = 0;            // the wall clock
  bool feed_lost = false;              // no heartbeat: what is shown may be out of date
  std::int64_t lost_since_utc = 0;
  std::int64_t seq = 0;                // the board's latest sequence number
  std::string detail;                  // e.g. "feed lost: no heartbeat … for 3000 ms"
};

struct DisplayRow {
  DisplayRegion region;
  const Bulletin* typhoon = nullptr;  // in force, or nullptr
  const Bulletin* rain = nullptr;     // the higher of rainstorm and flood in force, or nullptr
  double distance_km = 0;             // NaN when unknown
};

// The rows of `regions` (all of them, in their order; those with a signal first when `warned_first`).
std::vector<DisplayRow> BuildDisplayRows(const Board& board, const std::vector<DisplayRegion>& regions, std::int64_t now_utc,
                                         bool warned_first = true);

// The terminal frame: `columns` × at most `lines` (80 × 24 and larger lay out cleanly), lines
// separated by "\n", with ANSI colours when `ansi`. Rows that do not fit are summarised in a last
// line ("+5 more regions, no signal").
std::string RenderTerminal(const Board& board, const std::vector<DisplayRow>& rows, const DisplayStatus& status, int columns, int lines,
                           bool ansi);

// The LED frame: every line exactly `width` columns ("zh" or "en" text): a status line (the
// storm, or FEED LOST), then one line per row with a signal (or every row when `all_rows`).
std::string RenderLed(const Board& board, const std::vector<DisplayRow>& rows, const DisplayStatus& status, int width,
                      std::string_view language, bool all_rows = false);

}  // namespace taifeng::gateway
