#include "taifeng/core/matcher.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <mutex>

#include "match_internal.h"
#include "match_search.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/data/units.h"
#include "taifeng/base/error.h"
#include "taifeng/geo/geodesy.h"

namespace taifeng::core {

using namespace match_detail;  // the matcher's private geometry and terms

Resampled ResampleSixHourly(const std::vector<data::Fix>& fixes, data::WindAveraging averaging, double max_gap_h) {
  Resampled out;
  // Usable fixes, strictly increasing in time (later duplicates and out-of-order fixes are ignored).
  std::vector<const data::Fix*> f;
  for (const data::Fix& x : fixes) {
    if (!std::isfinite(x.lat_deg) || !std::isfinite(x.lon_deg)) continue;
    if (!f.empty() && x.time_utc <= f.back()->time_utc) continue;
    f.push_back(&x);
  }
  if (f.empty()) return out;
  auto wind10 = [&](const data::Fix* x) {
    return data::ConvertAveraging(x->wind_ms, averaging, data::WindAveraging::kTenMinute);
  };
  const std::int64_t max_gap_s = static_cast<std::int64_t>(max_gap_h * 3600.0);
  std::size_t j = 0;  // f[j] <= t < f[j+1]
  std::int64_t t = f.front()->time_utc;
  if (t % kStep != 0) t += kStep - ((t % kStep) + kStep) % kStep;
  bool new_piece = true;
  for (; t <= f.back()->time_utc; t += kStep) {
    while (j + 1 < f.size() && f[j + 1]->time_utc <= t) {
      if (f[j + 1]->time_utc - f[j]->time_utc > max_gap_s) new_piece = true;
      ++j;
    }
    const data::Fix* a = f[j];
    TrackPoint p;
    p.time_utc = t;
    if (a->time_utc == t) {
      p.lat_deg = a->lat_deg;
      p.lon_deg = a->lon_deg;
      p.wind_ms = wind10(a);
      p.pressure_hpa = a->pressure_hpa;
    } else {
      if (j + 1 >= f.size()) break;
      const data::Fix* b = f[j + 1];
      if (b->time_utc - a->time_utc > max_gap_s) {  // inside a gap: no point here
        new_piece = true;
        continue;
      }
      const double w = static_cast<double>(t - a->time_utc) / static_cast<double>(b->time_utc - a->time_utc);
      p.lat_deg = a->lat_deg + w * (b->lat_deg - a->lat_deg);
      p.lon_deg = geo::NormalizeLonDeg(a->lon_deg + w * geo::LonDifferenceDeg(a->lon_deg, b->lon_deg));
      p.wind_ms = wind10(a) + w * (wind10(b) - wind10(a));
      p.pressure_hpa = a->pressure_hpa + w * (b->pressure_hpa - a->pressure_hpa);
    }
    out.points.push_back(p);
    out.continuous.push_back(new_piece ? 0 : 1);
    new_piece = false;
  }
  return out;
}

constexpr std::size_t kCapBlock = MatchIndex::kCapBlock;

std::shared_ptr<const MatchIndex> MatchIndex::Build(std::shared_ptr<const data::Archive> archive) {
  auto index = std::shared_ptr<MatchIndex>(new MatchIndex());
  index->archive_ = std::move(archive);
  const data::Archive& a = *index->archive_;
  const std::size_t storms = a.storm_count();
  const auto storms_i = static_cast<std::int64_t>(storms);
  auto resample = [&](std::size_t i) {
    const data::Storm storm = a.StormAt(i);
    return ResampleSixHourly(storm.fixes, storm.wind_averaging);
  };
  // Pass 1: sizes, so every array is allocated once at its final size (no transient copy).
  std::vector<std::size_t> count(storms);
#pragma omp parallel for schedule(dynamic, 256)
  for (std::int64_t si = 0; si < storms_i; ++si)
    count[static_cast<std::size_t>(si)] = resample(static_cast<std::size_t>(si)).points.size();
  index->storm_begin_.resize(storms);
  index->block_begin_.resize(storms);
  std::size_t points = 0, blocks = 0;
  for (std::size_t i = 0; i < storms; ++i) {
    index->storm_begin_[i] = points;
    index->block_begin_[i] = blocks;
    points += count[i];
    blocks += (count[i] + kCapBlock - 1) / kCapBlock;
  }
  index->points_.resize(points);
  index->unit_.resize(points);
  index->continuous_.resize(points);
  index->motion_.resize(points);
  index->day_of_year_.resize(points);
  index->max_wind_ms_.resize(storms);
  index->cap_centre_.resize(blocks);
  index->cap_radius_.resize(blocks);
  index->block_range_.resize(blocks);
  // Pass 2: fill each storm's slice.
#pragma omp parallel for schedule(dynamic, 256)
  for (std::int64_t si = 0; si < storms_i; ++si) {
    const auto i = static_cast<std::size_t>(si);
    const Resampled r = resample(i);
    const std::size_t first = index->storm_begin_[i];
    double max_wind = 0.0;
    int run = 0;
    for (std::size_t j = 0; j < r.points.size(); ++j) {
      const TrackPoint& p = r.points[j];
      if (p.wind_ms > max_wind) max_wind = p.wind_ms;
      run = r.continuous[j] ? run + 1 : 1;
      index->points_[first + j] = p;
      index->continuous_[first + j] = r.continuous[j];
      index->unit_[first + j] = UnitVector(p.lat_deg, p.lon_deg);
      // The same call Score makes on a segment of >= 3 points ending here, so values are identical.
      index->motion_[first + j] = run >= 3 ? EndMotion(Segment(&r.points[j - 2], 3)) : Motion{kNaN, kNaN};
      index->day_of_year_[first + j] = DayOfYear(p.time_utc);
    }
    index->max_wind_ms_[i] = max_wind;
    // Caps over blocks of kCapBlock points: centre = normalised mean, radius = largest chord; and
    // the blocks' value ranges, rounded outwards so float storage never narrows them.
    std::size_t blk = index->block_begin_[i];
    for (std::size_t b = first; b < first + r.points.size(); b += kCapBlock, ++blk) {
      const std::size_t e = std::min(b + kCapBlock, first + r.points.size());
      double cx = 0, cy = 0, cz = 0;
      for (std::size_t j = b; j < e; ++j) {
        cx += index->unit_[j][0];
        cy += index->unit_[j][1];
        cz += index->unit_[j][2];
      }
      const double norm = std::sqrt(cx * cx + cy * cy + cz * cz);
      std::array<float, 3> centre = index->unit_[b];
      if (norm > 1e-9)
        centre = {static_cast<float>(cx / norm), static_cast<float>(cy / norm), static_cast<float>(cz / norm)};
      double radius = 0.0;
      for (std::size_t j = b; j < e; ++j) radius = std::max(radius, Chord(index->unit_[j], centre));
      index->cap_centre_[blk] = centre;
      index->cap_radius_[blk] = radius * (1.0 + 1e-6) + 1e-6;
      constexpr float kInf = std::numeric_limits<float>::infinity();
      BlockRange range{kInf, -kInf, kInf, -kInf, kInf, -kInf};
      for (std::size_t j = b; j < e; ++j) {
        const TrackPoint& p = index->points_[j];
        if (!std::isnan(p.wind_ms)) {
          range.wind_lo = std::min(range.wind_lo, std::nextafter(static_cast<float>(p.wind_ms), -kInf));
          range.wind_hi = std::max(range.wind_hi, std::nextafter(static_cast<float>(p.wind_ms), kInf));
        }
        if (!std::isnan(p.pressure_hpa)) {
          range.pressure_lo = std::min(range.pressure_lo, std::nextafter(static_cast<float>(p.pressure_hpa), -kInf));
          range.pressure_hi = std::max(range.pressure_hi, std::nextafter(static_cast<float>(p.pressure_hpa), kInf));
        }
        const auto doy = static_cast<float>(index->day_of_year_[j]);
        range.doy_lo = std::min(range.doy_lo, std::nextafter(doy, -kInf));
        range.doy_hi = std::max(range.doy_hi, std::nextafter(doy, kInf));
      }
      index->block_range_[blk] = range;
    }
  }
  index->BuildGrid();
  return index;
}

namespace {

constexpr int kGridLat = 180, kGridLon = 360;  // 1-degree cells

std::uint32_t GridCell(const TrackPoint& p) {
  const int row = std::clamp(static_cast<int>(std::floor(p.lat_deg + 90.0)), 0, kGridLat - 1);
  int col = static_cast<int>(std::floor(geo::NormalizeLonDeg(p.lon_deg) + 180.0));
  col = ((col % kGridLon) + kGridLon) % kGridLon;
  return static_cast<std::uint32_t>(row * kGridLon + col);
}

}  // namespace

void MatchIndex::BuildGrid() {
  const std::size_t storms = storm_count();
  if (storms > std::numeric_limits<std::uint32_t>::max()) {
    throw Error(ErrorCode::kInvalidArgument, "match index: more than 2^32 storms");
  }
  // Each storm's ranges: the union of its blocks'.
  storm_range_.resize(storms);
  for (std::size_t i = 0; i < storms; ++i) {
    constexpr float kInf = std::numeric_limits<float>::infinity();
    BlockRange r{kInf, -kInf, kInf, -kInf, kInf, -kInf};
    const std::size_t blocks = (end(i) - begin(i) + kCapBlock - 1) / kCapBlock;
    for (std::size_t b = block_begin_[i]; b < block_begin_[i] + blocks; ++b) {
      const BlockRange& x = block_range_[b];
      r = {std::min(r.wind_lo, x.wind_lo),         std::max(r.wind_hi, x.wind_hi),
           std::min(r.pressure_lo, x.pressure_lo), std::max(r.pressure_hi, x.pressure_hi),
           std::min(r.doy_lo, x.doy_lo),           std::max(r.doy_hi, x.doy_hi)};
    }
    storm_range_[i] = r;
  }
  // The grid: a storm is listed in a cell once per visit (consecutive points in the same cell
  // count once); counting sort by cell keeps storms ascending within a cell.
  std::vector<std::size_t> count(static_cast<std::size_t>(kGridLat) * kGridLon, 0);
  auto for_each_visit = [&](auto&& f) {
    for (std::size_t i = 0; i < storms; ++i) {
      std::uint32_t previous = std::numeric_limits<std::uint32_t>::max();
      for (std::size_t j = begin(i); j < end(i); ++j) {
        const std::uint32_t c = GridCell(points_[j]);
        if (c != previous) f(c, i);
        previous = c;
      }
    }
  };
  for_each_visit([&](std::uint32_t c, std::size_t) { ++count[c]; });
  std::vector<std::uint32_t> dense(count.size(), 0);  // grid cell -> non-empty cell number
  std::size_t total = 0;
  for (std::size_t c = 0; c < count.size(); ++c) {
    if (count[c] == 0) continue;
    dense[c] = static_cast<std::uint32_t>(cell_start_.size());
    cell_start_.push_back(total);
    total += count[c];
    // The cell's cap: centred on the cell centre; on a sphere the farthest point of a
    // latitude-longitude rectangle from its centre is one of its corners.
    const double lat0 = static_cast<double>(c / kGridLon) - 90.0, lon0 = static_cast<double>(c % kGridLon) - 180.0;  // NOLINT(bugprone-integer-division): the row of cell c
    const std::array<float, 3> centre = UnitVector(lat0 + 0.5, lon0 + 0.5);
    double radius = 0.0;
    for (double dlat : {0.0, 1.0}) {
      for (double dlon : {0.0, 1.0}) radius = std::max(radius, Chord(centre, UnitVector(lat0 + dlat, lon0 + dlon)));
    }
    cell_centre_.push_back(centre);
    cell_radius_.push_back(radius * (1.0 + 1e-6) + 1e-6);
  }
  cell_start_.push_back(total);
  cell_storms_.resize(total);
  std::vector<std::size_t> fill(cell_start_.begin(), cell_start_.end() - 1);
  std::vector<CellEntry> entry(storms);
  for (std::size_t i = 0; i < storms; ++i) {
    const BlockRange& r = storm_range_[i];
    CellEntry e{static_cast<std::uint32_t>(i), 255, 0, 255, 0};
    if (r.wind_lo <= r.wind_hi) {
      e.wind_lo = static_cast<std::uint8_t>(std::clamp(std::floor(r.wind_lo), 0.0f, 254.0f));
      e.wind_hi = static_cast<std::uint8_t>(std::clamp(std::ceil(r.wind_hi), 0.0f, 255.0f));
    }
    if (r.pressure_lo <= r.pressure_hi) {
      e.pressure_lo = static_cast<std::uint8_t>(std::clamp(std::floor(r.pressure_lo) - 850.0f, 0.0f, 253.0f));
      e.pressure_hi = static_cast<std::uint8_t>(std::clamp(std::ceil(r.pressure_hi) - 850.0f, 1.0f, 254.0f));
    }
    entry[i] = e;
  }
  for_each_visit([&](std::uint32_t c, std::size_t i) { cell_storms_[fill[dense[c]]++] = entry[i]; });
  // Strongest first within a cell, so that a search for an intense storm can stop early.
  const auto cells = static_cast<std::int64_t>(cell_centre_.size());
#pragma omp parallel for schedule(dynamic, 16)
  for (std::int64_t ci = 0; ci < cells; ++ci) {
    const auto c = static_cast<std::size_t>(ci);
    std::sort(cell_storms_.begin() + static_cast<std::ptrdiff_t>(cell_start_[c]),
              cell_storms_.begin() + static_cast<std::ptrdiff_t>(cell_start_[c + 1]),
              [](const CellEntry& a, const CellEntry& b) {
                return a.WindHi() != b.WindHi() ? a.WindHi() > b.WindHi() : a.storm < b.storm;
              });
  }
}

namespace {
constexpr double kHuge = std::numeric_limits<double>::infinity();
}  // namespace

double MatchIndex::CellEntry::WindLo() const { return wind_lo > wind_hi ? kHuge : wind_lo; }
double MatchIndex::CellEntry::WindHi() const { return wind_lo > wind_hi ? -kHuge : wind_hi == 255 ? kHuge : wind_hi; }
double MatchIndex::CellEntry::PressureLo() const {
  return pressure_lo > pressure_hi ? kHuge : pressure_lo == 0 ? -kHuge : pressure_lo + 850.0;
}
double MatchIndex::CellEntry::PressureHi() const {
  return pressure_lo > pressure_hi ? -kHuge : pressure_hi == 254 ? kHuge : pressure_hi + 850.0;
}

std::size_t MatchIndex::MemoryBytes() const {
  auto bytes = [](const auto& v) { return v.size() * sizeof(v[0]); };
  return bytes(storm_begin_) + bytes(points_) + bytes(unit_) + bytes(continuous_) + bytes(max_wind_ms_) +
         bytes(motion_) + bytes(day_of_year_) + bytes(block_begin_) + bytes(cap_centre_) + bytes(cap_radius_) +
         bytes(block_range_) + bytes(storm_range_) + bytes(cell_centre_) + bytes(cell_radius_) + bytes(cell_start_) +
         bytes(cell_storms_);
}

std::vector<TrackPoint> LiveSegment(const data::Storm& live, int window_h) {
  if (window_h < 6 || window_h % 6 != 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "window " + std::to_string(window_h) + " h: expected a multiple of 6 h, at least 6");
  }
  for (std::size_t i = 1; i < live.fixes.size(); ++i) {
    if (live.fixes[i].time_utc <= live.fixes[i - 1].time_utc) {
      throw Error(ErrorCode::kInvalidArgument,
                  "live track " + live.id + ": fix " + std::to_string(i + 1) + " at " +
                      taifeng::FormatIsoUtc(live.fixes[i].time_utc) + " is not after the previous fix (" +
                      taifeng::FormatIsoUtc(live.fixes[i - 1].time_utc) + "): unsorted or duplicate times");
    }
  }
  const Resampled r = ResampleSixHourly(live.fixes, live.wind_averaging);
  const std::size_t need = static_cast<std::size_t>(window_h / 6 + 1);
  std::size_t start = r.points.size();
  while (start > 0 && r.points.size() - start < need) {
    --start;
    if (r.continuous[start] == 0 && r.points.size() - start < need) {
      throw Error(ErrorCode::kInvalidArgument,
                  "live track " + live.id + ": only " + std::to_string((r.points.size() - start - 1) * 6) +
                      " h of track without a gap end at " + taifeng::FormatIsoUtc(r.points.back().time_utc) + "; the " +
                      std::to_string(window_h) + " h window needs " + std::to_string(need) + " 6-hourly points");
    }
  }
  if (r.points.size() < need) {
    throw Error(ErrorCode::kInvalidArgument, "live track " + live.id + ": " + std::to_string(r.points.size()) +
                                                 " 6-hourly points; the " + std::to_string(window_h) +
                                                 " h window needs " + std::to_string(need));
  }
  return {r.points.end() - static_cast<std::ptrdiff_t>(need), r.points.end()};
}

std::vector<TrackPoint> JoinForecast(const std::vector<TrackPoint>& live, const data::ForecastTrack& forecast,
                                     int forecast_h) {
  if (live.empty()) throw Error(ErrorCode::kInvalidArgument, "JoinForecast: empty live segment");
  const TrackPoint& now = live.back();
  std::vector<data::Fix> fixes;
  data::Fix anchor;
  anchor.time_utc = now.time_utc;
  anchor.lat_deg = now.lat_deg;
  anchor.lon_deg = now.lon_deg;
  anchor.wind_ms = static_cast<float>(now.wind_ms);
  anchor.pressure_hpa = static_cast<float>(now.pressure_hpa);
  fixes.push_back(anchor);
  for (data::Fix f : forecast.fixes) {
    if (f.time_utc <= now.time_utc) continue;
    f.wind_ms =
        static_cast<float>(data::ConvertAveraging(f.wind_ms, forecast.wind_averaging, data::WindAveraging::kTenMinute));
    fixes.push_back(f);
  }
  const Resampled r = ResampleSixHourly(fixes, data::WindAveraging::kTenMinute, 24.0);
  std::vector<TrackPoint> joined = live;
  const std::int64_t until = now.time_utc + static_cast<std::int64_t>(forecast_h) * 3600;
  for (std::size_t j = 1; j < r.points.size() && r.continuous[j] && r.points[j].time_utc <= until; ++j) {
    joined.push_back(r.points[j]);
  }
  if (joined.size() == live.size()) {
    throw Error(ErrorCode::kInvalidArgument, forecast.source_file + ": the " + forecast.tech +
                                                 " forecast has no position within 24 h after " +
                                                 taifeng::FormatIsoUtc(now.time_utc));
  }
  return joined;
}

MatchResult Match(const MatchIndex& index, const std::vector<TrackPoint>& live, const MatchOptions& o,
                  const MatchFilter& filter, std::size_t forecast_points) {
  if (live.size() < 2) throw Error(ErrorCode::kInvalidArgument, "live segment: at least 2 points are needed");
  if (forecast_points >= live.size())
    throw Error(ErrorCode::kInvalidArgument, "forecast points: fewer than the segment's");
  Validate(o);
  MatchSearch search(index, live, o, filter, forecast_points);
  search.Run();
  return search.Result();
}

}  // namespace taifeng::core
