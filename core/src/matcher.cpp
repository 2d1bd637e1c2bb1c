#include "taifeng/core/matcher.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <mutex>

#include "taifeng/base/time_utc.h"
#include "taifeng/data/units.h"
#include "taifeng/base/error.h"
#include "taifeng/geo/geodesy.h"

namespace taifeng::core {
namespace {

constexpr std::int64_t kStep = 6 * 3600;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Mean Earth radius (IUGG), and the factor that keeps chord * radius below the WGS-84 geodesic
// distance (chord <= arc; sphere vs ellipsoid differ by < 0.6 %).
constexpr double kEarthRadiusKm = 6371.0088;
constexpr double kChordSafety = 0.985;

std::array<float, 3> UnitVector(double lat_deg, double lon_deg) {
  const double lat = lat_deg * M_PI / 180.0, lon = lon_deg * M_PI / 180.0;
  return {static_cast<float>(std::cos(lat) * std::cos(lon)), static_cast<float>(std::cos(lat) * std::sin(lon)),
          static_cast<float>(std::sin(lat))};
}

double Chord(const std::array<float, 3>& u, const std::array<float, 3>& v) {
  const double dx = u[0] - v[0], dy = u[1] - v[1], dz = u[2] - v[2];
  return std::sqrt(dx * dx + dy * dy + dz * dz);
}

double Term(double value, double weight, double scale, double missing_cost) {
  if (weight == 0.0) return 0.0;
  return std::isnan(value) ? weight * missing_cost : weight * value / scale;
}

const std::array<ScoreTerm, 9> kScoreTerms{{
    {"position", &MatchOptions::w_position, &MatchOptions::scale_position_km, &TermValues::position_km, "km", "scale_position_km"},
    {"shape", &MatchOptions::w_shape, &MatchOptions::scale_shape_km, &TermValues::shape_km, "km", "scale_shape_km"},
    {"tsai", &MatchOptions::w_tsai, &MatchOptions::scale_tsai_km, &TermValues::tsai_km, "km", "scale_tsai_km"},
    {"dtw", &MatchOptions::w_dtw, &MatchOptions::scale_dtw_km, &TermValues::dtw_km, "km", "scale_dtw_km"},
    {"wind", &MatchOptions::w_wind, &MatchOptions::scale_wind_ms, &TermValues::wind_ms, "m/s", "scale_wind_ms"},
    {"pressure", &MatchOptions::w_pressure, &MatchOptions::scale_pressure_hpa, &TermValues::pressure_hpa, "hPa", "scale_pressure_hpa"},
    {"speed", &MatchOptions::w_speed, &MatchOptions::scale_speed_kmh, &TermValues::speed_kmh, "km/h", "scale_speed_kmh"},
    {"heading", &MatchOptions::w_heading, &MatchOptions::scale_heading_deg, &TermValues::heading_deg, "deg", "scale_heading_deg"},
    {"season", &MatchOptions::w_season, &MatchOptions::scale_season_days, &TermValues::season_days, "days", "scale_season_days"},
}};

// The exact score of computed term values: the sum over the table.
double SumTerms(const TermValues& t, const MatchOptions& o) {
  double score = 0.0;
  for (const ScoreTerm& term : kScoreTerms) score += Term(t.*term.value, o.*term.weight, o.*term.scale, o.missing_term_cost);
  return score;
}

struct Candidate {
  double score = std::numeric_limits<double>::infinity();
  std::size_t storm = 0;
  std::size_t end = 0;  // index of the segment's last point in MatchIndex::points()
};

bool Better(const Candidate& a, const Candidate& b) {
  if (a.score != b.score) return a.score < b.score;
  if (a.storm != b.storm) return a.storm < b.storm;
  return a.end < b.end;
}

// Keeps the best K candidates (distinct storms: callers push at most one per storm).
class TopK {
 public:
  explicit TopK(std::size_t k) : k_(k) {}
  void Push(const Candidate& c) {
    items_.push_back(c);
    std::sort(items_.begin(), items_.end(), Better);
    if (items_.size() > k_) items_.pop_back();
  }
  // The score a candidate must beat (or tie) to enter; +inf until full.
  double Threshold() const {
    return items_.size() < k_ ? std::numeric_limits<double>::infinity() : items_.back().score;
  }
  const std::vector<Candidate>& items() const { return items_; }

 private:
  std::size_t k_;
  std::vector<Candidate> items_;
};

void AtomicMin(std::atomic<double>& target, double value) {
  double current = target.load(std::memory_order_relaxed);
  while (value < current && !target.compare_exchange_weak(current, value, std::memory_order_relaxed)) {
  }
}

}  // namespace

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
    const double lat0 = static_cast<double>(c / kGridLon) - 90.0, lon0 = static_cast<double>(c % kGridLon) - 180.0;
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

namespace {

// The score with the end motions given (from the index for archive segments of >= 3 points).
// `position_km` / `shape_km`, when not null, are MeanSeparationKm / ShapeSeparationKm already computed.
double ScoreWith(Segment live, Segment cand, const Motion& live_motion, const Motion& cand_motion,
                 const MatchOptions& o, TermValues* terms, const double* position_km = nullptr,
                 const double* shape_km = nullptr) {
  TermValues t;
  const bool all = terms != nullptr && o.explain_all_terms;
  t.position_km = position_km ? *position_km : (all || o.w_position != 0) ? MeanSeparationKm(live, cand) : kNaN;
  t.shape_km = shape_km ? *shape_km : (all || o.w_shape != 0) ? ShapeSeparationKm(live, cand) : kNaN;
  t.tsai_km = (all || o.w_tsai != 0) ? TsaiKm(live, cand) : kNaN;
  t.dtw_km = (all || o.w_dtw != 0) ? DtwSeparationKm(live, cand, o.dtw_band) : kNaN;
  t.wind_ms = WindDifferenceMs(live, cand);
  t.pressure_hpa = PressureDifferenceHpa(live, cand);
  t.speed_kmh = SpeedDifferenceKmh(live_motion, cand_motion);
  t.heading_deg = HeadingDifferenceDeg(live_motion, cand_motion);
  t.season_days = SeasonDifferenceDays(live.back().time_utc, cand.back().time_utc);
  const double score = SumTerms(t, o);
  if (terms) *terms = t;
  return score;
}

// Upper bound of the geodesic distance for a chord of the unit sphere (see kChordSafety).
double ChordUpperKm(double chord) {
  const double arc = chord <= 1.0 ? chord * (1.0 + chord * chord / 20.0) : 2.0 * std::asin(std::min(chord / 2.0, 1.0));
  return 1.01 * kEarthRadiusKm * arc;
}

}  // namespace

double Score(Segment live, Segment cand, const MatchOptions& o, TermValues* terms) {
  return ScoreWith(live, cand, EndMotion(live), EndMotion(cand), o, terms);
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

std::span<const ScoreTerm> ScoreTerms() { return kScoreTerms; }

void Validate(const MatchOptions& o) {
  auto number = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return std::string(buf);
  };
  auto refuse = [](const std::string& option, const std::string& expected) {
    throw Error(ErrorCode::kInvalidArgument, "match option " + option + ": " + expected);
  };
  for (const ScoreTerm& t : kScoreTerms) {
    const double w = o.*t.weight, sc = o.*t.scale;
    if (!std::isfinite(w) || w < 0) refuse("w_" + std::string(t.name) + "=" + number(w), "a weight >= 0 (0 turns the term off)");
    if (!std::isfinite(sc) || sc <= 0)
      refuse(std::string(t.scale_option) + "=" + number(sc), "a scale > 0 in " + std::string(t.unit));
  }
  if (!std::isfinite(o.missing_term_cost) || o.missing_term_cost < 0) refuse("missing_term_cost", "a cost >= 0 in scale units");
  if (o.top_k < 1) refuse("top_k", "at least 1");
  if (o.window_h < 6 || o.window_h % 6 != 0) refuse("window_h", "a multiple of 6 h, at least 6");
  if (o.dtw_band < 0) refuse("dtw_band", "at least 0 points");
  if (o.next_h < 0) refuse("next_h", "at least 0 h");
}

MatchResult Match(const MatchIndex& index, const std::vector<TrackPoint>& live, const MatchOptions& o,
                  const MatchFilter& filter, std::size_t forecast_points) {
  if (live.size() < 2) throw Error(ErrorCode::kInvalidArgument, "live segment: at least 2 points are needed");
  if (forecast_points >= live.size())
    throw Error(ErrorCode::kInvalidArgument, "forecast points: fewer than the segment's");
  Validate(o);
  const std::size_t n = live.size();
  const data::Archive& archive = index.archive();
  const auto& pts = index.points();
  const auto& unit = index.unit();
  const auto& cont = index.continuous();
  std::vector<std::array<float, 3>> live_unit;
  for (const TrackPoint& p : live) live_unit.push_back(UnitVector(p.lat_deg, p.lon_deg));
  const Segment live_seg(live);
  const Motion live_motion = EndMotion(live_seg);
  std::vector<double> live_to_end(n);
  for (std::size_t i = 0; i < n; ++i) {
    live_to_end[i] = geo::DistanceKm(live[i].lat_deg, live[i].lon_deg, live.back().lat_deg, live.back().lon_deg);
  }
  const auto& motion = index.motion();
  auto cand_motion = [&](std::size_t e, Segment cand) { return n >= 3 ? motion[e] : EndMotion(cand); };
  const std::size_t k = static_cast<std::size_t>(o.top_k);

  std::atomic<double> threshold{std::numeric_limits<double>::infinity()};
  std::atomic<std::int64_t> segments{0}, exact{0};
  std::mutex failure_mutex;  // guards `failure`
  std::exception_ptr failure;
  const auto& doy = index.day_of_year();
  const double live_doy = DayOfYear(live.back().time_utc);
  // Lower bound of the score for the segments ending in [e0, e0 + kCapBlock) of storm s: live
  // point i meets candidate points in [e0 - n + 1 + i, e0 - n + kCapBlock + i], which lie in at
  // most two point blocks; the chord to a point of a cap is at least chord-to-centre - radius, and
  // wind, pressure and season differences are at least the distance to the blocks' value ranges.
  auto end_block_bound = [&](std::size_t s, std::size_t e0) {
    const std::size_t b0 = index.begin(s), last = index.end(s) - 1;
    const double m = o.missing_term_cost;
    constexpr double kInf = std::numeric_limits<double>::infinity();
    double chord_lb = 0.0, wind_lb = kInf, pressure_lb = kInf;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t lo = e0 + i - (n - 1), hi = std::min(lo + kCapBlock - 1, last);
      double best = kInf;
      double wlo = kInf, whi = -kInf, plo = kInf, phi = -kInf;
      for (std::size_t blk = (lo - b0) / kCapBlock; blk <= (hi - b0) / kCapBlock; ++blk) {
        const std::size_t cap = index.block_begin(s) + blk;
        best = std::min(best, std::max(0.0, Chord(live_unit[i], index.cap_centre(cap)) - index.cap_radius(cap)));
        const MatchIndex::BlockRange& r = index.block_range(cap);
        wlo = std::min<double>(wlo, r.wind_lo), whi = std::max<double>(whi, r.wind_hi);
        plo = std::min<double>(plo, r.pressure_lo), phi = std::max<double>(phi, r.pressure_hi);
      }
      chord_lb += best;
      // Mean absolute differences over the known pairs are at least the smallest per-point bound.
      auto gap = [](double x, double lo_v, double hi_v) {
        if (std::isnan(x)) return 0.0;
        if (lo_v > hi_v) return kInf;  // no known candidate value for this point: pair not counted
        return std::max({0.0, lo_v - x, x - hi_v});
      };
      wind_lb = std::min(wind_lb, gap(live[i].wind_ms, wlo, whi));
      pressure_lb = std::min(pressure_lb, gap(live[i].pressure_hpa, plo, phi));
    }
    // Season: the end points e0 .. e0 + kCapBlock - 1.
    double dlo = kInf, dhi = -kInf;
    const std::size_t end_hi = std::min(e0 + kCapBlock - 1, last);
    for (std::size_t blk = (e0 - b0) / kCapBlock; blk <= (end_hi - b0) / kCapBlock; ++blk) {
      const MatchIndex::BlockRange& r = index.block_range(index.block_begin(s) + blk);
      dlo = std::min<double>(dlo, r.doy_lo), dhi = std::max<double>(dhi, r.doy_hi);
    }
    const double season_lb = (live_doy >= dlo && live_doy <= dhi)
                                 ? 0.0
                                 : std::min(DayOfYearDifference(live_doy, dlo), DayOfYearDifference(live_doy, dhi));
    auto capped = [&](double lb, double w, double scale) {  // a missing term costs m
      return w == 0.0 ? 0.0 : w * std::min(lb / scale, m);
    };
    return Term(kChordSafety * kEarthRadiusKm * chord_lb / static_cast<double>(n), o.w_position, o.scale_position_km,
                m) +
           capped(wind_lb, o.w_wind, o.scale_wind_ms) + capped(pressure_lb, o.w_pressure, o.scale_pressure_hpa) +
           Term(season_lb, o.w_season, o.scale_season_days, m);
  };

  // One shared top K (pushes are rare: only storms that beat the current K-th best), so every
  // thread prunes against the true K-th best so far; it persists across gathering rounds.
  TopK shared(k);
  std::mutex top_mutex;
  struct Visit {
    double bound;
    std::size_t storm;
    std::size_t blocks;  // this storm's first end-block bound in block_bounds
  };
  std::vector<double> block_bounds;
  std::vector<Visit> candidates;
  std::vector<Visit> order;

  // Searches the storms of `batch`: filters, block bounds, then storms nearest first.
  auto search = [&](const std::vector<std::size_t>& batch) {
    // Bounds of every block of segment ends: the k-th end block of candidates[j] is at
    // block_bounds[candidates[j].blocks + k].
    candidates.assign(batch.size(), Visit{std::numeric_limits<double>::quiet_NaN(), 0, 0});
    std::size_t total_blocks = 0;
    for (std::size_t j = 0; j < batch.size(); ++j) {
      const std::size_t len = index.end(batch[j]) - index.begin(batch[j]);
      candidates[j].blocks = total_blocks;
      if (o.prune && len >= n) total_blocks += (len - n) / kCapBlock + 1;
    }
    block_bounds.assign(total_blocks, 0.0);
    const auto batch_size = static_cast<std::int64_t>(batch.size());
#pragma omp parallel for schedule(dynamic, 64)
    for (std::int64_t ji = 0; ji < batch_size; ++ji) {
      const auto j = static_cast<std::size_t>(ji);
      const std::size_t s = batch[j];
      if (index.end(s) - index.begin(s) < n) continue;
      if (filter.first_season && archive.season[s] < filter.first_season) continue;
      if (filter.last_season && archive.season[s] > filter.last_season) continue;
      if (!filter.agencies.empty() && !filter.agencies.count(archive.agency[s])) continue;
      if (index.max_wind_ms(s) < filter.min_max_wind_ms) continue;
      if (!filter.exclude.empty() && filter.exclude.count(archive.id[s])) continue;
      if (!filter.exclude_seasons.empty() && filter.exclude_seasons.count(archive.season[s])) continue;
      double bound = 0.0;
      if (o.prune) {
        bound = std::numeric_limits<double>::infinity();
        std::size_t kb = 0;
        for (std::size_t e0 = index.begin(s) + n - 1; e0 < index.end(s); e0 += kCapBlock, ++kb) {
          const double bb = end_block_bound(s, e0);
          block_bounds[candidates[j].blocks + kb] = bb;
          bound = std::min(bound, bb);
        }
      }
      candidates[j].bound = bound;
      candidates[j].storm = s;
    }
    order.clear();
    for (const Visit& v : candidates) {
      if (!std::isnan(v.bound)) order.push_back(v);
    }
    // The visiting order only affects how soon the threshold tightens, never the result: sort the
    // most promising storms, leave the rest (mostly skipped by their bound) as they are.
    auto nearer = [](const Visit& a, const Visit& b) {
      return a.bound != b.bound ? a.bound < b.bound : a.storm < b.storm;
    };
    const std::size_t head = std::min(order.size(), std::max<std::size_t>(4096, 64 * k));
    std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(head), order.end(), nearer);
    std::sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(head), nearer);
    const auto storms = static_cast<std::int64_t>(order.size());

#pragma omp parallel
    {
      std::int64_t local_segments = 0, local_exact = 0;
      std::vector<double> shape_point_lb(n);  // per thread: the shape bound's per-point terms
#pragma omp for schedule(dynamic, 4) nowait
      for (std::int64_t si = 0; si < storms; ++si) {
        try {
          const std::size_t s = order[static_cast<std::size_t>(si)].storm;
          const std::size_t blocks = order[static_cast<std::size_t>(si)].blocks;
          if (o.prune && order[static_cast<std::size_t>(si)].bound > threshold.load(std::memory_order_relaxed))
            continue;
          Candidate best;
          best.storm = s;
          std::size_t run = 0;  // continuous points ending at e
          double block_bound = 0.0;
          for (std::size_t e = index.begin(s); e < index.end(s); ++e) {
            run = cont[e] ? run + 1 : 1;
            if (o.prune && e >= index.begin(s) + n - 1 && (e - (index.begin(s) + n - 1)) % kCapBlock == 0) {
              block_bound = block_bounds[blocks + (e - (index.begin(s) + n - 1)) / kCapBlock];
            }
            if (run < n) continue;
            if (o.prune && (block_bound > threshold.load(std::memory_order_relaxed) || block_bound >= best.score))
              continue;
            if (filter.before_utc && pts[e].time_utc > *filter.before_utc) break;
            if (filter.months_mask) {  // only when asked: a calendar conversion per segment
              const int month = taifeng::ToCivil(pts[e - forecast_points].time_utc).month;  // at "now"
              if (!(filter.months_mask & (1u << (month - 1)))) continue;
            }
            ++local_segments;
            const Segment cand(&pts[e + 1 - n], n);
            double position_km = kNaN, shape_km = kNaN;
            const double* known_position = nullptr;
            const double* known_shape = nullptr;
            if (o.prune) {
              // Progressive bound: exact cheap terms, then geometric lower bounds, then the exact
              // position term; stop as soon as the partial sum cannot beat what must be beaten
              // (strictly worse than the K-th best, or no better than this storm's best so far).
              auto hopeless = [&](double lb) {
                return lb > threshold.load(std::memory_order_relaxed) || lb >= best.score;
              };
              const double m = o.missing_term_cost;
              // Position first (the strongest and cheapest): chord <= arc, scaled below the geodesic.
              const std::size_t first = e + 1 - n;
              double chord_sum = 0.0;
              for (std::size_t i = 0; i < n; ++i) chord_sum += Chord(unit[first + i], live_unit[i]);
              const double position_lb_term = Term(kChordSafety * kEarthRadiusKm * chord_sum / static_cast<double>(n),
                                                   o.w_position, o.scale_position_km, m);
              if (hopeless(position_lb_term)) continue;
              const Motion cm = cand_motion(e, cand);
              const double lb = Term(WindDifferenceMs(live_seg, cand), o.w_wind, o.scale_wind_ms, m) +
                                Term(PressureDifferenceHpa(live_seg, cand), o.w_pressure, o.scale_pressure_hpa, m) +
                                Term(SpeedDifferenceKmh(live_motion, cm), o.w_speed, o.scale_speed_kmh, m) +
                                Term(HeadingDifferenceDeg(live_motion, cm), o.w_heading, o.scale_heading_deg, m) +
                                Term(DayOfYearDifference(live_doy, doy[e]), o.w_season, o.scale_season_days, m);
              if (hopeless(lb + position_lb_term)) continue;
              // Shape: by the triangle inequality at the live end point, |d(live_i, live_end) - d(cand_i, cand_end)| <=
              // shape_i.
              double shape_lb = 0.0;
              const bool shape_bounded = o.w_shape != 0.0;
              if (shape_bounded) {
                for (std::size_t i = 0; i + 1 < n; ++i) {
                  const double c = Chord(unit[first + i], unit[e]);
                  const double low = kChordSafety * kEarthRadiusKm * c, high = ChordUpperKm(c);
                  shape_point_lb[i] = std::max({0.0, live_to_end[i] - high, low - live_to_end[i]});
                  shape_lb += shape_point_lb[i];
                }
                if (hopeless(lb + position_lb_term +
                             Term(shape_lb / static_cast<double>(n), o.w_shape, o.scale_shape_km, m)))
                  continue;
              }
              double position_term = position_lb_term;
              if (o.w_position != 0.0) {
                position_km = MeanSeparationKm(live_seg, cand);
                known_position = &position_km;
                position_term = Term(position_km, o.w_position, o.scale_position_km, m);
                if (hopeless(lb + position_term +
                             (shape_bounded ? Term(shape_lb / static_cast<double>(n), o.w_shape, o.scale_shape_km, m)
                                            : 0.0)))
                  continue;
              }
              if (shape_bounded) {
                // Exact shape distances point by point (summed in ShapeSeparationKm's order), the
                // rest still bounded; stop once hopeless.
                double exact_sum = 0.0, rest_lb = shape_lb;
                bool gave_up = false;
                for (std::size_t i = 0; i + 1 < n; ++i) {
                  exact_sum += ShapeDistanceKm(live_seg, cand, i);
                  rest_lb -= shape_point_lb[i];
                  if (i + 2 < n && hopeless(lb + position_term +
                                            Term((exact_sum + std::max(rest_lb, 0.0)) / static_cast<double>(n),
                                                 o.w_shape, o.scale_shape_km, m))) {
                    gave_up = true;
                    break;
                  }
                }
                if (gave_up) continue;
                shape_km = exact_sum / static_cast<double>(n);
                known_shape = &shape_km;
              }
            }
            ++local_exact;
            const double score =
                ScoreWith(live_seg, cand, live_motion, cand_motion(e, cand), o, nullptr, known_position, known_shape);
            if (score < best.score) {
              best.score = score;
              best.end = e;
            }
          }
          if (std::isfinite(best.score) && !(best.score > threshold.load(std::memory_order_relaxed))) {
            std::lock_guard<std::mutex> lock(top_mutex);
            shared.Push(best);
            AtomicMin(threshold, shared.Threshold());
          }
        } catch (...) {
          std::lock_guard<std::mutex> lock(failure_mutex);
          if (!failure) failure = std::current_exception();
        }
      }
      segments += local_segments;
      exact += local_exact;
    }
  };

  std::int64_t gathered = 0;
  if (!o.prune || index.storm_count() < o.gather_min_storms) {  // every storm, one batch
    std::vector<std::size_t> all(index.storm_count());
    for (std::size_t s = 0; s < all.size(); ++s) all[s] = s;
    gathered = static_cast<std::int64_t>(all.size());
    search(all);
  } else {
    // Rounds of gathering (see the header). lower_bound(s, cell) is at most the score of any
    // segment of storm s that has a point in the cell.
    const double per_chord = o.w_position * kChordSafety * kEarthRadiusKm / o.scale_position_km;
    constexpr double kInf = std::numeric_limits<double>::infinity();
    double wlo = kInf, whi = -kInf, plo = kInf, phi = -kInf;
    for (const TrackPoint& p : live) {
      if (!std::isnan(p.wind_ms)) wlo = std::min(wlo, p.wind_ms), whi = std::max(whi, p.wind_ms);
      if (!std::isnan(p.pressure_hpa)) plo = std::min(plo, p.pressure_hpa), phi = std::max(phi, p.pressure_hpa);
    }
    // A mean absolute difference over the known pairs is at least the gap between the live range
    // and the storm's range; no known live value: no bound; no known storm value: the missing cost.
    auto range_term = [&](double lo, double hi, double storm_lo, double storm_hi, double w, double scale) {
      if (w == 0.0 || lo > hi) return 0.0;
      const double gap = storm_lo > storm_hi ? kInf : std::max({0.0, storm_lo - hi, lo - storm_hi});
      return w * std::min(gap / scale, o.missing_term_cost);
    };
    auto storm_bound = [&](std::size_t s) {
      const MatchIndex::BlockRange& r = index.storm_range(s);
      const double season =
          (live_doy >= r.doy_lo && live_doy <= r.doy_hi)
              ? 0.0
              : std::min(DayOfYearDifference(live_doy, r.doy_lo), DayOfYearDifference(live_doy, r.doy_hi));
      return range_term(wlo, whi, r.wind_lo, r.wind_hi, o.w_wind, o.scale_wind_ms) +
             range_term(plo, phi, r.pressure_lo, r.pressure_hi, o.w_pressure, o.scale_pressure_hpa) +
             Term(season, o.w_season, o.scale_season_days, o.missing_term_cost);
    };
    // Cells nearest first. A storm's bound is the same in all its cells but for the cell's
    // position bound, so it is final in the first (nearest) cell the walk meets it in.
    std::vector<std::pair<double, std::uint32_t>> cells(index.cell_count());
    for (std::size_t c = 0; c < cells.size(); ++c) {
      double chord = kInf;
      for (const auto& u : live_unit) chord = std::min(chord, Chord(u, index.cell_centre(c)));
      cells[c] = {per_chord * std::max(0.0, chord - index.cell_radius(c)), static_cast<std::uint32_t>(c)};
    }
    std::sort(cells.begin(), cells.end());
    struct Pending {
      double cell_bound, bound;  // bound: with the rounded ranges, or exact (with the season) once `exact`
      std::size_t storm;
      bool exact;
    };
    std::vector<Pending> pending;  // storms met and not yet searched
    std::vector<std::uint8_t> seen(index.storm_count(), 0);
    std::vector<std::size_t> batch;
    std::size_t next_cell = 0;
    std::vector<std::size_t> cursor;  // per cell met (in `cells` order): entries taken so far
    // The part of the wind term that grows down a cell's list (storms whose strongest wind falls
    // short of the live track's weakest); a lower bound of the wind term, non-decreasing in the list.
    auto shortfall_term = [&](double storm_hi) {
      if (o.w_wind == 0.0 || wlo > whi) return 0.0;
      return o.w_wind * std::min(std::max(0.0, wlo - storm_hi) / o.scale_wind_ms, o.missing_term_cost);
    };
    double budget = 0.25;  // score units; grows to the K-th best score
    for (;;) {
      for (; next_cell < cells.size() && cells[next_cell].first <= budget; ++next_cell) cursor.push_back(0);
      // In each cell within budget, take entries (strongest first) while the wind shortfall
      // alone keeps them within budget; the rest wait for a larger budget.
      for (std::size_t ci = 0; ci < next_cell; ++ci) {
        const double cell_bound = cells[ci].first;
        const std::span<const MatchIndex::CellEntry> entries = index.cell_storms(cells[ci].second);
        for (; cursor[ci] < entries.size(); ++cursor[ci]) {
          const MatchIndex::CellEntry& entry = entries[cursor[ci]];
          if (cell_bound + shortfall_term(entry.WindHi()) > budget) break;
          const std::size_t s = entry.storm;
          if (seen[s]) continue;
          seen[s] = 1;
          // The rounded ranges (no look-up); the exact ones when the storm comes within budget.
          const double quick =
              cell_bound + range_term(wlo, whi, entry.WindLo(), entry.WindHi(), o.w_wind, o.scale_wind_ms) +
              range_term(plo, phi, entry.PressureLo(), entry.PressureHi(), o.w_pressure, o.scale_pressure_hpa);
          pending.push_back({cell_bound, quick, s, false});
        }
      }
      batch.clear();
      std::size_t kept = 0;
      for (Pending& p : pending) {
        if (p.bound <= budget && !p.exact) {
          p.bound = std::max(p.bound, p.cell_bound + storm_bound(p.storm));
          p.exact = true;
        }
        if (p.bound <= budget) {
          batch.push_back(p.storm);
        } else {
          pending[kept++] = p;
        }
      }
      pending.resize(kept);
      gathered += static_cast<std::int64_t>(batch.size());
      if (!batch.empty()) search(batch);
      bool exhausted = next_cell == cells.size() && pending.empty();
      for (std::size_t ci = 0; exhausted && ci < next_cell; ++ci) {
        exhausted = cursor[ci] == index.cell_storms(cells[ci].second).size();
      }
      if (failure || exhausted || std::isinf(budget)) break;
      // A storm not searched has a bound above `budget` (met, pending), or lies in cells whose
      // position bound is above it, or past a cursor where the wind shortfall puts it above it
      // (not met): a score above it.
      const double t = threshold.load();
      if (t <= budget) break;
      budget = std::isfinite(t) ? std::max(t, budget * (1.0 + 1e-9)) : 2.0 * budget;
    }
  }
  if (failure) std::rethrow_exception(failure);

  const std::vector<Candidate>& top = shared.items();
  MatchResult result;
  result.segments = segments.load();
  result.scored_exactly = exact.load();
  result.storms_gathered = gathered;
  result.live = live;
  for (const Candidate& c : top) {
    Analog a;
    a.storm = c.storm;
    a.id = archive.id[c.storm];
    a.name = archive.name[c.storm];
    a.agency = archive.agency[c.storm];
    a.season = archive.season[c.storm];
    const Segment cand(&pts[c.end + 1 - n], n);
    a.score = ScoreWith(live_seg, cand, live_motion, cand_motion(c.end, cand), o, &a.terms);
    const std::size_t now = c.end - forecast_points;
    a.matched_utc = pts[now].time_utc;
    a.matched.assign(cand.begin(), cand.end());
    const std::int64_t until = a.matched_utc + static_cast<std::int64_t>(o.next_h) * 3600;
    for (std::size_t j = now; j < index.end(c.storm); ++j) {
      if (j > now && !cont[j]) break;
      if (pts[j].time_utc > until || (filter.before_utc && pts[j].time_utc > *filter.before_utc)) break;
      a.next.push_back(pts[j]);
    }
    result.analogs.push_back(std::move(a));
  }
  return result;
}

}  // namespace taifeng::core
