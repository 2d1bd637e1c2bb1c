#include "taifeng/core/forecast.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "taifeng/core/landfall.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"
#include "taifeng/geo/geodesy.h"

namespace taifeng::core {
namespace {

constexpr std::int64_t kStep = 6 * 3600;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Vec3 {
  double x = 0, y = 0, z = 0;
};

Vec3 Unit(double lat_deg, double lon_deg) {
  const double lat = lat_deg * M_PI / 180.0, lon = lon_deg * M_PI / 180.0;
  return {std::cos(lat) * std::cos(lon), std::cos(lat) * std::sin(lon), std::sin(lat)};
}

// Latitude and longitude of a (non-zero) vector's direction.
geo::LatLon ToLatLon(const Vec3& v) {
  const double h = std::hypot(v.x, v.y);
  return {std::atan2(v.z, h) * 180.0 / M_PI, geo::NormalizeLonDeg(std::atan2(v.y, v.x) * 180.0 / M_PI)};
}


// Moves p's position the share a of the way to q's (weighted mean of unit vectors).
void MoveTowards(ForecastPoint& p, const ForecastPoint& q, double a) {
  const Vec3 u = Unit(p.lat_deg, p.lon_deg), v = Unit(q.lat_deg, q.lon_deg);
  const geo::LatLon c = ToLatLon({(1 - a) * u.x + a * v.x, (1 - a) * u.y + a * v.y, (1 - a) * u.z + a * v.z});
  p.lat_deg = c.lat_deg;
  p.lon_deg = c.lon_deg;
}

}  // namespace

double WeightedQuantile(std::vector<std::pair<double, double>> value_weight, double q) {
  if (value_weight.empty()) return kNaN;
  std::sort(value_weight.begin(), value_weight.end());
  double total = 0;
  for (const auto& [v, w] : value_weight) total += w;
  double cumulative = 0;
  for (const auto& [v, w] : value_weight) {
    cumulative += w;
    if (cumulative >= q * total - 1e-12) return v;
  }
  return value_weight.back().first;
}

const ForecastPoint* Forecast::At(int lead_h) const {
  for (const ForecastPoint& p : points) {
    if (p.lead_h == lead_h) return &p;
  }
  return nullptr;
}

Forecast PersistenceForecast(const std::vector<TrackPoint>& observed, int max_lead_h) {
  if (observed.empty()) throw Error(ErrorCode::kInvalidArgument, "persistence: empty track");
  const TrackPoint& now = observed.back();
  const TrackPoint* before = nullptr;
  for (const TrackPoint& p : observed) {
    if (p.time_utc == now.time_utc - 2 * kStep) before = &p;
  }
  if (!before) {
    throw Error(ErrorCode::kInvalidArgument, "persistence: the track has no point 12 h before its last");
  }
  const geo::GeodesicLine motion = geo::Inverse(before->lat_deg, before->lon_deg, now.lat_deg, now.lon_deg);
  Forecast f;
  f.method = "persistence";
  f.now = now;
  for (int lead = 6; lead <= max_lead_h; lead += 6) {
    // Constant speed along the geodesic continued from "now" (azimuth at "now").
    const geo::LatLon p = geo::Direct(now.lat_deg, now.lon_deg, motion.azimuth2_deg, motion.distance_km * lead / 12.0);
    f.points.push_back(
        {lead, now.time_utc + lead * 3600LL, p.lat_deg, p.lon_deg, kNaN, now.wind_ms, now.pressure_hpa, 1});
  }
  return f;
}

namespace {

// The motion over the 12 h before `at` along `t`; nullopt when a point is missing or the storm
// moved under 3 km/h (no reliable heading).
std::optional<geo::GeodesicLine> MotionAt(const std::vector<TrackPoint>& t, std::int64_t at) {
  const TrackPoint *p0 = nullptr, *p1 = nullptr;
  for (const TrackPoint& p : t) {
    if (p.time_utc == at - 2 * kStep) p0 = &p;
    if (p.time_utc == at) p1 = &p;
  }
  if (!p0 || !p1) return std::nullopt;
  const geo::GeodesicLine g = geo::Inverse(p0->lat_deg, p0->lon_deg, p1->lat_deg, p1->lon_deg);
  if (g.distance_km < 36.0) return std::nullopt;  // under 3 km/h: no reliable heading
  return g;
}

// The members: each analog's track after its matched time, moved to start at `now` and (with
// align_motion_h) turned and stretched towards the live motion; weights exp(-score / T), summing to 1.
std::vector<Member> Members(const MatchResult& match, const TrackPoint& now, const ForecastOptions& o) {
  const double best = match.analogs.front().score;
  const auto live_motion = o.align_motion_h > 0 ? MotionAt(match.live, now.time_utc) : std::nullopt;
  std::vector<Member> members;
  double total = 0;
  for (const Analog& a : match.analogs) {
    Member m;
    m.id = a.id;
    m.name = a.name;
    m.weight = std::exp(-(a.score - best) / std::max(o.weight_temperature, 1e-9));
    total += m.weight;
    m.track.push_back(now);
    double turn_deg = 0, stretch = 1;
    if (live_motion) {
      if (const auto am = MotionAt(a.matched, a.matched_utc)) {
        turn_deg = std::remainder(live_motion->azimuth2_deg - am->azimuth2_deg, 360.0);
        stretch = std::clamp(live_motion->distance_km / am->distance_km, 0.5, 2.0);
      }
    }
    const TrackPoint& origin = a.next.front();
    for (std::size_t j = 1; j < a.next.size(); ++j) {
      const TrackPoint& p0 = a.next[j - 1];
      const TrackPoint& p1 = a.next[j];
      if (p1.time_utc - p0.time_utc != kStep) break;
      const geo::GeodesicLine step = geo::Inverse(p0.lat_deg, p0.lon_deg, p1.lat_deg, p1.lon_deg);
      const double decay = o.align_motion_h > 0 ? std::exp(-6.0 * static_cast<double>(j - 1) / o.align_motion_h) : 0;
      const TrackPoint& last = m.track.back();
      const geo::LatLon q = geo::Direct(last.lat_deg, last.lon_deg, step.azimuth1_deg + decay * turn_deg,
                                        step.distance_km * (1 + decay * (stretch - 1)));
      TrackPoint t;
      t.time_utc = last.time_utc + kStep;
      t.lat_deg = q.lat_deg;
      t.lon_deg = q.lon_deg;
      t.wind_ms = std::max(0.0, now.wind_ms + (p1.wind_ms - origin.wind_ms));
      t.pressure_hpa = now.pressure_hpa + (p1.pressure_hpa - origin.pressure_hpa);
      m.track.push_back(t);
      if (static_cast<int>(m.track.size() - 1) * 6 >= o.max_lead_h) break;
    }
    members.push_back(std::move(m));
  }
  for (Member& m : members) m.weight /= total;
  return members;

}

// The ensemble mean at each lead and its cone, while at least min_members members reach it. With
// chain_mean, each lead moves on from the previous mean by the weighted mean step of the members
// present at both leads (east/north km), and intensity by their mean change, so that a member
// ending does not make the mean jump.
void MeanPoints(const TrackPoint& now, const ForecastOptions& o, Forecast& f) {
  geo::LatLon prev{now.lat_deg, now.lon_deg};
  double prev_wind = now.wind_ms, prev_pressure = now.pressure_hpa;
  for (int lead = 6; lead <= o.max_lead_h; lead += 6) {
    const auto j = static_cast<std::size_t>(lead / 6);
    Vec3 mean;
    double weight = 0, wind = 0, wind_w = 0, pressure = 0, pressure_w = 0, east = 0, north = 0;
    std::size_t members = 0;
    for (const Member& m : f.members) {
      if (m.track.size() <= j) continue;
      const TrackPoint& p = m.track[j];
      const TrackPoint& q = m.track[j - 1];
      if (o.chain_mean) {
        const geo::GeodesicLine step = geo::Inverse(q.lat_deg, q.lon_deg, p.lat_deg, p.lon_deg);
        east += m.weight * step.distance_km * std::sin(step.azimuth1_deg * M_PI / 180.0);
        north += m.weight * step.distance_km * std::cos(step.azimuth1_deg * M_PI / 180.0);
        if (!std::isnan(p.wind_ms - q.wind_ms)) wind += m.weight * (p.wind_ms - q.wind_ms), wind_w += m.weight;
        if (!std::isnan(p.pressure_hpa - q.pressure_hpa))
          pressure += m.weight * (p.pressure_hpa - q.pressure_hpa), pressure_w += m.weight;
      } else {
        const Vec3 u = Unit(p.lat_deg, p.lon_deg);
        mean.x += m.weight * u.x, mean.y += m.weight * u.y, mean.z += m.weight * u.z;
        if (!std::isnan(p.wind_ms)) wind += m.weight * p.wind_ms, wind_w += m.weight;
        if (!std::isnan(p.pressure_hpa)) pressure += m.weight * p.pressure_hpa, pressure_w += m.weight;
      }
      weight += m.weight;
      ++members;
    }
    if (members < o.min_members || members == 0) break;
    geo::LatLon c;
    double w_mean = kNaN, p_mean = kNaN;
    if (o.chain_mean) {
      east /= weight, north /= weight;
      c = geo::Direct(prev.lat_deg, prev.lon_deg, std::atan2(east, north) * 180.0 / M_PI, std::hypot(east, north));
      if (wind_w > 0) w_mean = std::max(0.0, prev_wind + wind / wind_w);
      if (pressure_w > 0) p_mean = prev_pressure + pressure / pressure_w;
      prev = c, prev_wind = w_mean, prev_pressure = p_mean;
    } else {
      c = ToLatLon(mean);
      if (wind_w > 0) w_mean = wind / wind_w;
      if (pressure_w > 0) p_mean = pressure / pressure_w;
    }
    std::vector<std::pair<double, double>> spread;
    for (const Member& m : f.members) {
      if (m.track.size() > j)
        spread.push_back({geo::DistanceKm(c.lat_deg, c.lon_deg, m.track[j].lat_deg, m.track[j].lon_deg), m.weight});
    }
    double cone = WeightedQuantile(spread, o.cone_share);
    const std::size_t k = j - 1;
    if (k < o.cone_scale.size()) cone *= o.cone_scale[k];
    f.points.push_back({lead, now.time_utc + lead * 3600LL, c.lat_deg, c.lon_deg, cone, w_mean, p_mean, members});
  }

}

// Landfall of the members on `land`: probability, times (10th, 50th, 90th percentiles) and region.
void MembersLandfall(const TrackPoint& now, const geo::RegionSet& land, Forecast& f) {
  f.landfall.over_land = land.Locate(now.lat_deg, now.lon_deg).has_value();
  if (!f.landfall.over_land) {
    std::vector<std::pair<double, double>> times;
    std::map<std::size_t, double> by_region;
    for (const Member& m : f.members) {
      const auto l = FindLandfall(m.track, land);
      if (!l) continue;
      f.landfall.probability += m.weight;
      times.push_back({static_cast<double>(l->time_utc), m.weight});
      by_region[l->region] += m.weight;
    }
    if (!times.empty()) {
      f.landfall.earliest_utc = static_cast<std::int64_t>(WeightedQuantile(times, 0.1));
      f.landfall.median_utc = static_cast<std::int64_t>(WeightedQuantile(times, 0.5));
      f.landfall.latest_utc = static_cast<std::int64_t>(WeightedQuantile(times, 0.9));
      const auto top = std::max_element(by_region.begin(), by_region.end(),
                                        [](const auto& a, const auto& b) { return a.second < b.second; });
      f.landfall.region = land.region(top->first).name_en;
      f.landfall.region_probability = top->second;
    }
  }
}

}  // namespace

Forecast AnalogForecast(const MatchResult& match, const TrackPoint& now, const ForecastOptions& o,
                        const geo::RegionSet* land) {
  if (match.analogs.empty()) throw Error(ErrorCode::kInvalidArgument, "analog forecast: no analog");
  Forecast f;
  f.method = "analog";
  f.now = now;
  f.members = Members(match, now, o);
  MeanPoints(now, o, f);
  if (land) MembersLandfall(now, *land, f);
  return f;
}

void BlendPersistence(Forecast& analog, const Forecast& persistence, const ForecastOptions& o) {
  for (ForecastPoint& p : analog.points) {
    const ForecastPoint* q = persistence.At(p.lead_h);
    if (!q || p.lead_h >= o.persistence_until_h || o.persistence_until_h <= 6) continue;
    MoveTowards(p, *q, o.persistence_weight_6h * static_cast<double>(o.persistence_until_h - p.lead_h) /
                           static_cast<double>(o.persistence_until_h - 6));
  }
}

void BlendPositions(Forecast& analog, const Forecast& other, double a) {
  if (a <= 0) return;
  for (ForecastPoint& p : analog.points) {
    if (const ForecastPoint* q = other.At(p.lead_h)) MoveTowards(p, *q, a);
  }
}

double OfficialCone::At(int lead_h) const {
  if (km.empty()) return 0;
  if (km.size() == 1 || lead_h <= km.front().first) return km.front().second;
  std::size_t i = 1;
  while (i + 1 < km.size() && km[i].first < lead_h) ++i;
  const auto& [l0, k0] = km[i - 1];
  const auto& [l1, k1] = km[i];
  return std::max(0.0, k0 + (k1 - k0) * static_cast<double>(lead_h - l0) / static_cast<double>(l1 - l0));
}

namespace {

// Linear in time between the two points around t (lat, lon, wind, pressure); NaN stays NaN.
TrackPoint Interpolate(const std::vector<TrackPoint>& track, std::int64_t t) {
  std::size_t i = 1;
  while (i + 1 < track.size() && track[i].time_utc < t) ++i;
  const TrackPoint &a = track[i - 1], &b = track[i];
  const double w = b.time_utc == a.time_utc ? 0.0 : static_cast<double>(t - a.time_utc) / static_cast<double>(b.time_utc - a.time_utc);
  const auto mix = [&](double x, double y) { return x + (y - x) * w; };
  return {t, mix(a.lat_deg, b.lat_deg), mix(a.lon_deg, b.lon_deg), mix(a.wind_ms, b.wind_ms), mix(a.pressure_hpa, b.pressure_hpa)};
}

void CheckOfficial(const Forecast& analog, const OfficialTrack& official) {
  const auto& pts = official.points;
  for (std::size_t i = 1; i < pts.size(); ++i)
    if (pts[i].time_utc <= pts[i - 1].time_utc)
      throw Error(ErrorCode::kInvalidArgument, official.source + ": point " + std::to_string(i + 1) + " is not after the one before");
  if (pts.size() < 2 || pts.front().time_utc != analog.now.time_utc)
    throw Error(ErrorCode::kInvalidArgument, official.source + ": the official track must start at the forecast's time (" +
                                                 taifeng::FormatIsoUtc(analog.now.time_utc) + ") and go beyond it");
}

}  // namespace

Forecast OnOfficialTrack(const Forecast& analog, const OfficialTrack& official, const OfficialCone& cone, const geo::RegionSet* land) {
  CheckOfficial(analog, official);
  const std::int64_t end = official.points.back().time_utc;
  Forecast f = analog;
  f.method = analog.method + " on " + official.source;
  // The consensus track (now, then the analog's points) and its displacement onto the official one.
  std::vector<TrackPoint> consensus = {analog.now};
  for (const ForecastPoint& p : analog.points) consensus.push_back({p.time_utc, p.lat_deg, p.lon_deg, p.wind_ms, p.pressure_hpa});
  const auto displacement = [&](std::int64_t t) {
    const TrackPoint o = Interpolate(official.points, t), c = Interpolate(consensus, t);
    return std::make_pair(o.lat_deg - c.lat_deg, o.lon_deg - c.lon_deg);
  };
  f.points.clear();
  for (const ForecastPoint& p : analog.points) {
    if (p.time_utc > end) break;
    const TrackPoint o = Interpolate(official.points, p.time_utc);
    ForecastPoint q = p;
    q.lat_deg = o.lat_deg, q.lon_deg = o.lon_deg;
    q.cone_km = cone.At(p.lead_h);
    if (std::isfinite(o.wind_ms)) q.wind_ms = o.wind_ms;
    if (std::isfinite(o.pressure_hpa)) q.pressure_hpa = o.pressure_hpa;
    f.points.push_back(q);
  }
  for (Member& m : f.members) {
    std::vector<TrackPoint> moved;
    for (const TrackPoint& t : m.track) {
      if (t.time_utc > end) break;
      const auto [dlat, dlon] = displacement(t.time_utc);
      TrackPoint u = t;
      u.lat_deg = std::clamp(t.lat_deg + dlat, -89.9, 89.9);
      u.lon_deg = t.lon_deg + dlon;
      if (u.lon_deg >= 180) u.lon_deg -= 360;
      if (u.lon_deg < -180) u.lon_deg += 360;
      moved.push_back(u);
    }
    m.track = std::move(moved);
  }
  f.landfall = {};
  if (land) MembersLandfall(f.now, *land, f);
  return f;
}

}  // namespace taifeng::core

namespace taifeng::core {

std::pair<std::string, double> ParseOptionAssignment(const std::string& assignment) {
  const std::size_t eq = assignment.find('=');
  try {
    std::size_t used = 0;
    if (eq == std::string::npos || eq == 0) throw std::invalid_argument("no name or value");
    const double value = std::stod(assignment.substr(eq + 1), &used);
    if (used != assignment.size() - eq - 1 || !std::isfinite(value)) throw std::invalid_argument("trailing text");
    return {assignment.substr(0, eq), value};
  } catch (const std::exception&) {
    throw Error(ErrorCode::kUsage, "option '" + assignment + "': expected NAME=NUMBER");
  }
}

void SetOption(MatchOptions& m, ForecastOptions& f, const std::string& assignment) {
  const auto [key, value] = ParseOptionAssignment(assignment);
  for (const ScoreTerm& t : ScoreTerms()) {
    if (key == "w_" + std::string(t.name)) return void(m.*t.weight = value);
    if (key == t.scale_option) return void(m.*t.scale = value);
  }
  const std::pair<const char*, double*> doubles[] = {{"missing_term_cost", &m.missing_term_cost},
                                                     {"weight_temperature", &f.weight_temperature},
                                                     {"persistence_weight_6h", &f.persistence_weight_6h},
                                                     {"cone_share", &f.cone_share},
                                                     {"align_motion_h", &f.align_motion_h},
                                                     {"cliper_weight", &f.cliper_weight}};
  if (key == "chain_mean") {
    f.chain_mean = value != 0;
    return;
  }
  for (const auto& [name, field] : doubles) {
    if (key == name) {
      *field = value;
      return;
    }
  }
  const std::pair<const char*, int*> ints[] = {{"window_h", &m.window_h},
                                               {"top_k", &m.top_k},
                                               {"dtw_band", &m.dtw_band},
                                               {"max_lead_h", &f.max_lead_h},
                                               {"persistence_until_h", &f.persistence_until_h}};
  for (const auto& [name, field] : ints) {
    if (key == name) {
      if (value != std::floor(value)) throw Error(ErrorCode::kUsage, "option " + key + ": expected a whole number");
      *field = static_cast<int>(value);
      return;
    }
  }
  if (key == "cone_scale" && value > 0) {  // one factor for every lead
    f.cone_scale.assign(20, value);
    return;
  }
  if (key == "min_members" && value >= 1) {
    f.min_members = static_cast<std::size_t>(value);
    return;
  }
  throw Error(ErrorCode::kUsage, "option '" + key + "': no such matching or forecast option");
}

}  // namespace taifeng::core
