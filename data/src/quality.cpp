#include "taifeng/data/quality.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>
#include <unordered_map>

#include "taifeng/base/time_utc.h"
#include "taifeng/geo/geodesy.h"

namespace taifeng::data {
namespace {

std::string Format1(const char* fmt, double a, double b = 0.0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, fmt, a, b);
  return buf;
}

}  // namespace

QualityReport AnalyzeQuality(const ImportResult& result, const QualityOptions& options) {
  QualityReport report;
  report.files = static_cast<std::int64_t>(result.sources.size());
  report.storms = static_cast<std::int64_t>(result.storms.size());
  report.records_read = result.records_read;
  report.skipped = static_cast<std::int64_t>(result.skipped.size());
  report.warnings = static_cast<std::int64_t>(result.warnings.size());
  for (const auto& s : result.skipped) ++report.skipped_by_reason[s.field + ": " + s.reason];

  auto add = [&](std::string kind, const Storm& storm, std::int64_t line, std::string detail) {
    ++report.findings_by_kind[kind];
    report.findings.push_back({std::move(kind), storm.id, storm.source_file, line, std::move(detail)});
  };

  // The same storm id from two sources.
  std::unordered_map<std::string, const Storm*> by_id;
  for (const Storm& storm : result.storms) {
    auto [it, inserted] = by_id.emplace(storm.id, &storm);
    if (!inserted) add("duplicate_storm", storm, 0, "same id as the storm in " + it->second->source_file);
  }
  // Probable duplicates: same agency, same first time, first positions within 50 km, other ids.
  std::vector<const Storm*> order;
  for (const Storm& storm : result.storms) {
    if (!storm.fixes.empty()) order.push_back(&storm);
  }
  std::sort(order.begin(), order.end(), [](const Storm* a, const Storm* b) {
    return std::tie(a->agency, a->fixes.front().time_utc) < std::tie(b->agency, b->fixes.front().time_utc);
  });
  for (std::size_t i = 0; i < order.size(); ++i) {
    for (std::size_t j = i + 1; j < order.size(); ++j) {
      const Storm& a = *order[i];
      const Storm& b = *order[j];
      if (a.agency != b.agency || a.fixes.front().time_utc != b.fixes.front().time_utc) break;
      if (a.id == b.id) continue;
      const double d = geo::DistanceKm(a.fixes.front().lat_deg, a.fixes.front().lon_deg, b.fixes.front().lat_deg,
                                       b.fixes.front().lon_deg);
      if (d < 50.0) add("probable_duplicate", b, 0, "starts at the same time within " + Format1("%.0f km", d) + " of " + a.id);
    }
  }

  for (const Storm& storm : result.storms) {
    report.fixes += static_cast<std::int64_t>(storm.fixes.size());
    for (std::size_t k = 0; k < storm.fixes.size(); ++k) {
      const Fix& f = storm.fixes[k];
      if (!std::isnan(f.wind_ms) && (f.wind_ms <= 0.0f || f.wind_ms > options.max_wind_ms)) {
        add("out_of_range", storm, f.source_line, Format1("wind %.1f m/s outside (0, %.0f]", f.wind_ms, options.max_wind_ms));
      }
      if (!std::isnan(f.pressure_hpa) && (f.pressure_hpa < options.min_pressure_hpa || f.pressure_hpa > options.max_pressure_hpa)) {
        add("out_of_range", storm, f.source_line,
            Format1("pressure %.0f hPa outside [%.0f, ", f.pressure_hpa, options.min_pressure_hpa) +
                Format1("%.0f]", options.max_pressure_hpa));
      }
      if (k == 0) continue;
      const Fix& p = storm.fixes[k - 1];
      const std::int64_t dt = f.time_utc - p.time_utc;
      if (dt == 0) {
        add("duplicate_time", storm, f.source_line, "second fix at " + FormatIsoUtc(f.time_utc));
        continue;
      }
      if (dt < 0) {
        add("out_of_order", storm, f.source_line, FormatIsoUtc(f.time_utc) + " after " + FormatIsoUtc(p.time_utc));
        continue;
      }
      const double hours = static_cast<double>(dt) / 3600.0;
      if (hours > options.max_gap_h) {
        add("time_gap", storm, f.source_line, Format1("%.0f h since the previous fix", hours));
      }
      const double km = geo::DistanceKm(p.lat_deg, p.lon_deg, f.lat_deg, f.lon_deg);
      if (km / hours > options.max_speed_kmh) {
        add("impossible_jump", storm, f.source_line, Format1("%.0f km in %.1f h", km, hours) +
                                                         Format1(" (%.0f km/h)", km / hours));
      }
    }
  }
  return report;
}

}  // namespace taifeng::data
