// The data-quality report made after every import: what was read, what was skipped and why,
// and what looks wrong in what was kept (duplicates, time order, gaps, impossible motion,
// values out of range). The report never changes the data; it tells the user where to look.
// Thread safety: pure function over values.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "taifeng/data/import.h"

namespace taifeng::data {

struct QualityOptions {
  // Translation speed above which consecutive fixes count as an impossible jump, km/h.
  // Default 150 km/h: well above the fastest recorded extratropical transitions (~100 km/h).
  double max_speed_kmh = 150.0;
  // Gap between consecutive fixes that is reported, hours. Default: 24 h.
  double max_gap_h = 24.0;
  // Ranges outside which a value is reported (not removed).
  double min_pressure_hpa = 850.0, max_pressure_hpa = 1030.0;
  double max_wind_ms = 100.0;
};

struct QualityFinding {
  std::string kind;      // duplicate_storm, probable_duplicate, duplicate_time, out_of_order,
                         // time_gap, impossible_jump, out_of_range
  std::string storm_id;
  std::string file;
  std::int64_t line = 0;  // source line of the fix concerned (0 for whole-storm findings)
  std::string detail;     // human-readable, with units
};

struct QualityReport {
  std::int64_t files = 0;
  std::int64_t storms = 0;
  std::int64_t fixes = 0;
  std::int64_t records_read = 0;
  std::int64_t skipped = 0;
  std::int64_t warnings = 0;
  std::map<std::string, std::int64_t> skipped_by_reason;  // "FIELD: reason" -> count
  std::map<std::string, std::int64_t> findings_by_kind;
  std::vector<QualityFinding> findings;
};

QualityReport AnalyzeQuality(const ImportResult& result, const QualityOptions& options = {});

}  // namespace taifeng::data
