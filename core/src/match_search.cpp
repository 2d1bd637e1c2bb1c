#include "match_search.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "taifeng/base/error.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/geo/geodesy.h"

namespace taifeng::core::match_detail {
namespace {

constexpr std::size_t kCapBlock = MatchIndex::kCapBlock;
constexpr double kInf = std::numeric_limits<double>::infinity();

// How far x lies outside [lo_v, hi_v]: 0 for an unknown x; +inf when no candidate value is known.
double Gap(double x, double lo_v, double hi_v) {
  if (std::isnan(x)) return 0.0;
  if (lo_v > hi_v) return kInf;  // no known candidate value for this point: pair not counted
  return std::max({0.0, lo_v - x, x - hi_v});
}

}  // namespace

MatchSearch::MatchSearch(const MatchIndex& index, const std::vector<TrackPoint>& live, const MatchOptions& o, const MatchFilter& filter,
                         std::size_t forecast_points)
    : index_(index),
      archive_(index.archive()),
      live_(live),
      o_(o),
      filter_(filter),
      forecast_points_(forecast_points),
      n_(live.size()),
      k_(static_cast<std::size_t>(o.top_k)),
      live_seg_(live),
      live_motion_(EndMotion(live_seg_)),
      live_doy_(DayOfYear(live.back().time_utc)),
      shared_(k_) {
  for (const TrackPoint& p : live) live_unit_.push_back(UnitVector(p.lat_deg, p.lon_deg));
  live_to_end_.resize(n_);
  for (std::size_t i = 0; i < n_; ++i)
    live_to_end_[i] = geo::DistanceKm(live[i].lat_deg, live[i].lon_deg, live.back().lat_deg, live.back().lon_deg);
}

Motion MatchSearch::CandMotion(std::size_t e, Segment cand) const { return n_ >= 3 ? index_.motion()[e] : EndMotion(cand); }

bool MatchSearch::Eligible(std::size_t s) const {
  const MatchFilter& f = filter_;
  if (index_.end(s) - index_.begin(s) < n_) return false;
  if (f.first_season && archive_.season[s] < f.first_season) return false;
  if (f.last_season && archive_.season[s] > f.last_season) return false;
  if (!f.agencies.empty() && !f.agencies.count(archive_.agency[s])) return false;
  if (index_.max_wind_ms(s) < f.min_max_wind_ms) return false;
  if (!f.exclude.empty() && f.exclude.count(archive_.id[s])) return false;
  return f.exclude_seasons.empty() || !f.exclude_seasons.count(archive_.season[s]);
}

// Live point i meets candidate points in [e0 - n + 1 + i, e0 - n + kCapBlock + i], which lie in at
// most two point blocks; the chord to a point of a cap is at least chord-to-centre - radius, and
// wind, pressure and season differences are at least the distance to the blocks' value ranges.
double MatchSearch::EndBlockBound(std::size_t s, std::size_t e0) const {
  const std::size_t b0 = index_.begin(s), last = index_.end(s) - 1;
  const double m = o_.missing_term_cost;
  double chord_lb = 0.0, wind_lb = kInf, pressure_lb = kInf;
  for (std::size_t i = 0; i < n_; ++i) {
    const std::size_t lo = e0 + i - (n_ - 1), hi = std::min(lo + kCapBlock - 1, last);
    double best = kInf;
    double wlo = kInf, whi = -kInf, plo = kInf, phi = -kInf;
    for (std::size_t blk = (lo - b0) / kCapBlock; blk <= (hi - b0) / kCapBlock; ++blk) {
      const std::size_t cap = index_.block_begin(s) + blk;
      best = std::min(best, std::max(0.0, Chord(live_unit_[i], index_.cap_centre(cap)) - index_.cap_radius(cap)));
      const MatchIndex::BlockRange& r = index_.block_range(cap);
      wlo = std::min<double>(wlo, r.wind_lo), whi = std::max<double>(whi, r.wind_hi);
      plo = std::min<double>(plo, r.pressure_lo), phi = std::max<double>(phi, r.pressure_hi);
    }
    chord_lb += best;
    // Mean absolute differences over the known pairs are at least the smallest per-point bound.
    wind_lb = std::min(wind_lb, Gap(live_[i].wind_ms, wlo, whi));
    pressure_lb = std::min(pressure_lb, Gap(live_[i].pressure_hpa, plo, phi));
  }
  // Season: the end points e0 .. e0 + kCapBlock - 1.
  double dlo = kInf, dhi = -kInf;
  const std::size_t end_hi = std::min(e0 + kCapBlock - 1, last);
  for (std::size_t blk = (e0 - b0) / kCapBlock; blk <= (end_hi - b0) / kCapBlock; ++blk) {
    const MatchIndex::BlockRange& r = index_.block_range(index_.block_begin(s) + blk);
    dlo = std::min<double>(dlo, r.doy_lo), dhi = std::max<double>(dhi, r.doy_hi);
  }
  const double season_lb = (live_doy_ >= dlo && live_doy_ <= dhi)
                               ? 0.0
                               : std::min(DayOfYearDifference(live_doy_, dlo), DayOfYearDifference(live_doy_, dhi));
  auto capped = [&](double lb, double w, double scale) {  // a missing term costs m
    return w == 0.0 ? 0.0 : w * std::min(lb / scale, m);
  };
  return Term(kChordSafety * kEarthRadiusKm * chord_lb / static_cast<double>(n_), o_.w_position, o_.scale_position_km, m) +
         capped(wind_lb, o_.w_wind, o_.scale_wind_ms) + capped(pressure_lb, o_.w_pressure, o_.scale_pressure_hpa) +
         Term(season_lb, o_.w_season, o_.scale_season_days, m);
}

void MatchSearch::BoundBatch(const std::vector<std::size_t>& batch) {
  // Bounds of every block of segment ends: the k-th end block of candidates_[j] is at
  // block_bounds_[candidates_[j].blocks + k].
  candidates_.assign(batch.size(), Visit{std::numeric_limits<double>::quiet_NaN(), 0, 0});
  std::size_t total_blocks = 0;
  for (std::size_t j = 0; j < batch.size(); ++j) {
    const std::size_t len = index_.end(batch[j]) - index_.begin(batch[j]);
    candidates_[j].blocks = total_blocks;
    if (o_.prune && len >= n_) total_blocks += (len - n_) / kCapBlock + 1;
  }
  block_bounds_.assign(total_blocks, 0.0);
  const auto batch_size = static_cast<std::int64_t>(batch.size());
#pragma omp parallel for schedule(dynamic, 64)
  for (std::int64_t ji = 0; ji < batch_size; ++ji) {
    const auto j = static_cast<std::size_t>(ji);
    const std::size_t s = batch[j];
    if (!Eligible(s)) continue;
    double bound = 0.0;
    if (o_.prune) {
      bound = kInf;
      std::size_t kb = 0;
      for (std::size_t e0 = index_.begin(s) + n_ - 1; e0 < index_.end(s); e0 += kCapBlock, ++kb) {
        const double bb = EndBlockBound(s, e0);
        block_bounds_[candidates_[j].blocks + kb] = bb;
        bound = std::min(bound, bb);
      }
    }
    candidates_[j].bound = bound;
    candidates_[j].storm = s;
  }
  order_.clear();
  for (const Visit& v : candidates_)
    if (!std::isnan(v.bound)) order_.push_back(v);
  // The visiting order only affects how soon the threshold tightens, never the result: sort the
  // most promising storms, leave the rest (mostly skipped by their bound) as they are.
  auto nearer = [](const Visit& a, const Visit& b) { return a.bound != b.bound ? a.bound < b.bound : a.storm < b.storm; };
  const std::size_t head = std::min(order_.size(), std::max<std::size_t>(4096, 64 * k_));
  std::nth_element(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(head), order_.end(), nearer);
  std::sort(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(head), nearer);
}

// Progressive bound: exact cheap terms, then geometric lower bounds, then the exact position term;
// stop as soon as the partial sum cannot beat what must be beaten (strictly worse than the K-th
// best, or no better than this storm's best so far).
bool MatchSearch::Hopeless(std::size_t e, Segment cand, const Candidate& best, Local& local, double& position_km,
                           double& shape_km) const {
  const auto& unit = index_.unit();
  auto hopeless = [&](double lb) { return lb > threshold_.load(std::memory_order_relaxed) || lb >= best.score; };
  const double m = o_.missing_term_cost;
  // Position first (the strongest and cheapest): chord <= arc, scaled below the geodesic.
  const std::size_t first = e + 1 - n_;
  double chord_sum = 0.0;
  for (std::size_t i = 0; i < n_; ++i) chord_sum += Chord(unit[first + i], live_unit_[i]);
  const double position_lb_term =
      Term(kChordSafety * kEarthRadiusKm * chord_sum / static_cast<double>(n_), o_.w_position, o_.scale_position_km, m);
  if (hopeless(position_lb_term)) return true;
  const Motion cm = CandMotion(e, cand);
  const double lb = Term(WindDifferenceMs(live_seg_, cand), o_.w_wind, o_.scale_wind_ms, m) +
                    Term(PressureDifferenceHpa(live_seg_, cand), o_.w_pressure, o_.scale_pressure_hpa, m) +
                    Term(SpeedDifferenceKmh(live_motion_, cm), o_.w_speed, o_.scale_speed_kmh, m) +
                    Term(HeadingDifferenceDeg(live_motion_, cm), o_.w_heading, o_.scale_heading_deg, m) +
                    Term(DayOfYearDifference(live_doy_, index_.day_of_year()[e]), o_.w_season, o_.scale_season_days, m);
  if (hopeless(lb + position_lb_term)) return true;
  // Shape: by the triangle inequality at the live end point, |d(live_i, live_end) - d(cand_i, cand_end)| <= shape_i.
  double shape_lb = 0.0;
  const bool shape_bounded = o_.w_shape != 0.0;
  auto shape_term = [&](double sum_km) { return Term(sum_km / static_cast<double>(n_), o_.w_shape, o_.scale_shape_km, m); };
  if (shape_bounded) {
    for (std::size_t i = 0; i + 1 < n_; ++i) {
      const double c = Chord(unit[first + i], unit[e]);
      const double low = kChordSafety * kEarthRadiusKm * c, high = ChordUpperKm(c);
      local.shape_point_lb[i] = std::max({0.0, live_to_end_[i] - high, low - live_to_end_[i]});
      shape_lb += local.shape_point_lb[i];
    }
    if (hopeless(lb + position_lb_term + shape_term(shape_lb))) return true;
  }
  double position_term = position_lb_term;
  if (o_.w_position != 0.0) {
    position_km = MeanSeparationKm(live_seg_, cand);
    position_term = Term(position_km, o_.w_position, o_.scale_position_km, m);
    if (hopeless(lb + position_term + (shape_bounded ? shape_term(shape_lb) : 0.0))) return true;
  }
  if (!shape_bounded) return false;
  // Exact shape distances point by point (summed in ShapeSeparationKm's order), the rest still
  // bounded; stop once hopeless.
  double exact_sum = 0.0, rest_lb = shape_lb;
  for (std::size_t i = 0; i + 1 < n_; ++i) {
    exact_sum += ShapeDistanceKm(live_seg_, cand, i);
    rest_lb -= local.shape_point_lb[i];
    if (i + 2 < n_ && hopeless(lb + position_term + shape_term(exact_sum + std::max(rest_lb, 0.0)))) return true;
  }
  shape_km = exact_sum / static_cast<double>(n_);
  return false;
}

Candidate MatchSearch::BestSegment(const Visit& v, Local& local) const {
  const auto& pts = index_.points();
  const auto& cont = index_.continuous();
  const std::size_t s = v.storm;
  Candidate best;
  best.storm = s;
  std::size_t run = 0;  // continuous points ending at e
  double block_bound = 0.0;
  const std::size_t first_end = index_.begin(s) + n_ - 1;
  for (std::size_t e = index_.begin(s); e < index_.end(s); ++e) {
    run = cont[e] ? run + 1 : 1;
    if (o_.prune && e >= first_end && (e - first_end) % kCapBlock == 0) block_bound = block_bounds_[v.blocks + (e - first_end) / kCapBlock];
    if (run < n_) continue;
    if (o_.prune && (block_bound > threshold_.load(std::memory_order_relaxed) || block_bound >= best.score)) continue;
    if (filter_.before_utc && pts[e].time_utc > *filter_.before_utc) break;
    if (filter_.months_mask) {  // only when asked: a calendar conversion per segment
      const int month = taifeng::ToCivil(pts[e - forecast_points_].time_utc).month;  // at "now"
      if (!(filter_.months_mask & (1u << (month - 1)))) continue;
    }
    ++local.segments;
    const Segment cand(&pts[e + 1 - n_], n_);
    double position_km = kNaN, shape_km = kNaN;
    if (o_.prune && Hopeless(e, cand, best, local, position_km, shape_km)) continue;
    ++local.exact;
    const double score = ScoreWith(live_seg_, cand, live_motion_, CandMotion(e, cand), o_, nullptr,
                                   std::isnan(position_km) ? nullptr : &position_km, std::isnan(shape_km) ? nullptr : &shape_km);
    if (score < best.score) best.score = score, best.end = e;
  }
  return best;
}

void MatchSearch::Search(const std::vector<std::size_t>& batch) {
  BoundBatch(batch);
  const auto storms = static_cast<std::int64_t>(order_.size());
#pragma omp parallel
  {
    Local local;
    local.shape_point_lb.resize(n_);
#pragma omp for schedule(dynamic, 4) nowait
    for (std::int64_t si = 0; si < storms; ++si) {
      try {
        const Visit& v = order_[static_cast<std::size_t>(si)];
        if (o_.prune && v.bound > threshold_.load(std::memory_order_relaxed)) continue;
        const Candidate best = BestSegment(v, local);
        if (std::isfinite(best.score) && !(best.score > threshold_.load(std::memory_order_relaxed))) {
          std::lock_guard<std::mutex> lock(top_mutex_);
          shared_.Push(best);
          AtomicMin(threshold_, shared_.Threshold());
        }
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex_);
        if (!failure_) failure_ = std::current_exception();
      }
    }
    segments_ += local.segments;
    exact_ += local.exact;
  }
}

void MatchSearch::Run() {
  if (!o_.prune || index_.storm_count() < o_.gather_min_storms) {  // every storm, one batch
    std::vector<std::size_t> all(index_.storm_count());
    for (std::size_t s = 0; s < all.size(); ++s) all[s] = s;
    gathered_ = static_cast<std::int64_t>(all.size());
    Search(all);
  } else {
    gathered_ = GatherRounds();
  }
  if (failure_) std::rethrow_exception(failure_);
}

MatchResult MatchSearch::Result() const {
  const auto& pts = index_.points();
  const auto& cont = index_.continuous();
  MatchResult result;
  result.segments = segments_.load();
  result.scored_exactly = exact_.load();
  result.storms_gathered = gathered_;
  result.live = live_;
  for (const Candidate& c : shared_.items()) {
    Analog a;
    a.storm = c.storm;
    a.id = archive_.id[c.storm];
    a.name = archive_.name[c.storm];
    a.agency = archive_.agency[c.storm];
    a.season = archive_.season[c.storm];
    const Segment cand(&pts[c.end + 1 - n_], n_);
    a.score = ScoreWith(live_seg_, cand, live_motion_, CandMotion(c.end, cand), o_, &a.terms);
    const std::size_t now = c.end - forecast_points_;
    a.matched_utc = pts[now].time_utc;
    a.matched.assign(cand.begin(), cand.end());
    const std::int64_t until = a.matched_utc + static_cast<std::int64_t>(o_.next_h) * 3600;
    for (std::size_t j = now; j < index_.end(c.storm); ++j) {
      if (j > now && !cont[j]) break;
      if (pts[j].time_utc > until || (filter_.before_utc && pts[j].time_utc > *filter_.before_utc)) break;
      a.next.push_back(pts[j]);
    }
    result.analogs.push_back(std::move(a));
  }
  return result;
}

}  // namespace taifeng::core::match_detail
