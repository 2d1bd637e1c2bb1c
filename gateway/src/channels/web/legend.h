// The page's key of signals: every signal of every jurisdiction, with its colour, read from the
// desk's rule files (config/warnings.toml and the jurisdiction files it lists). Only the keys a
// page shows are read (names, labels, ranks, colours, local time labels, regions); the desk
// checks the rest. Errors: ParseError naming the file and key. Thread safety: a loaded Legend is
// immutable, safe to share.
#pragma once

#include <string>
#include <vector>

namespace taifeng::gateway {

struct LegendSignal {
  std::string kind;      // "typhoon", "rainstorm", "flood"
  std::string name;      // "8" (a signal with quadrants: its base name), "yellow"
  int rank = 0;          // 1 = weakest within the kind
  std::string label_zh, label_en;  // "八號烈風或暴風信號" / "No. 8 Gale or Storm Signal" (quadrant left out)
  std::string colour;    // "#ff8c00"
};

struct LegendKind {
  std::string kind, event_zh, event_en;  // "typhoon", "熱帶氣旋警告信號", "Tropical Cyclone Warning Signal"
  std::vector<LegendSignal> signals;     // weakest first
};

struct LegendJurisdiction {
  std::string id, name_zh, name_en, language_zh;  // "hong_kong", "香港", "Hong Kong", "zh-HK"
  std::string time_label_zh, time_label_en;       // "香港時間", "HKT"
  int utc_offset_min = 480;                       // the [cap] utc_offset
  std::vector<std::string> regions;               // region codes ([] : every region no other names)
  std::vector<LegendKind> kinds;                  // in the file's order
};

struct Legend {
  std::vector<LegendJurisdiction> jurisdictions;

  // The jurisdiction of a warning's presentation id, or nullptr.
  const LegendJurisdiction* Find(const std::string& jurisdiction) const;
  // A signal by jurisdiction, kind and name ("8ne" finds "8"), or nullptr.
  const LegendSignal* Find(const std::string& jurisdiction, const std::string& kind, const std::string& signal) const;
};

// Reads the rules file (`jurisdictions = [...]`, paths relative to it). "" or "none": an empty
// legend. Throws ParseError (file, key) or IoError.
Legend LoadLegend(const std::string& rules_file);

// A CSS class for a signal: "sig-hong_kong-typhoon-8" (names are [a-z0-9_-]).
std::string SignalClass(const std::string& jurisdiction, const std::string& kind, const std::string& name);

// The stylesheet of every signal's colour: `.sig-…` fills (map), backgrounds (headline, key) and
// card borders.
std::string LegendCss(const Legend& legend);

}  // namespace taifeng::gateway
