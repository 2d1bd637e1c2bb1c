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
      view_{index, live_seg_, live_motion_, live_unit_, live_to_end_, live_doy_},
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

// The sum of the terms' block bounds (their columns in the terms table).
double MatchSearch::EndBlockBound(std::size_t s, std::size_t e0) const {
  double bound = 0.0;
  for (const ScoreTerm& t : ScoreTerms())
    if (t.block_bound && o_.*t.weight != 0.0) bound += LowerCost(t, t.block_bound(view_, s, e0), o_);
  return bound;
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

// Progressive bound: every term's segment bound (exact for the cheap terms), in table order, then
// the expensive terms exactly (progressively where the table says how), one by one; stop as soon as
// the sum cannot beat what must be beaten (strictly worse than the K-th best, or no better than
// this storm's best so far). Sums are compared with a relative slack of 1e-12 so that rounding
// never prunes a tie.
bool MatchSearch::Hopeless(const SegmentView& seg, const Candidate& best, Local& local) const {
  constexpr double kSlack = 1.0 - 1e-12;
  auto hopeless = [&](double lb) {
    lb *= kSlack;
    return lb > threshold_.load(std::memory_order_relaxed) || lb >= best.score;
  };
  const std::span<const ScoreTerm> terms = ScoreTerms();
  const double m = o_.missing_term_cost;
  double sum = 0.0;
  std::fill(local.cost.begin(), local.cost.end(), 0.0);
  for (int pass = 0; pass <= kLastBoundPass; ++pass) {
    for (std::size_t i = 0; i < terms.size(); ++i) {
      const ScoreTerm& t = terms[i];
      if (t.bound_pass != pass || o_.*t.weight == 0.0 || !t.segment_bound) continue;
      const double v = t.segment_bound(view_, seg);
      local.cost[i] = t.cheap ? Term(v, o_.*t.weight, o_.*t.scale, m) : LowerCost(t, v, o_);
      sum += local.cost[i];
      if (hopeless(sum)) return true;
    }
  }
  const TermInputs inputs{live_seg_, seg.cand, live_motion_, seg.cand_motion, o_};
  for (std::size_t i = 0; i < terms.size(); ++i) {
    const ScoreTerm& t = terms[i];
    const double w = o_.*t.weight;
    if (t.cheap || w == 0.0) continue;
    double v = kNaN;
    if (t.refine) {  // the budget left for this term, in its unit
      const double limit = std::min(threshold_.load(std::memory_order_relaxed), best.score) / kSlack;
      v = t.refine(view_, seg, (limit - (sum - local.cost[i])) * (o_.*t.scale) / w);
      if (std::isinf(v)) return true;
    } else {
      v = t.compute(inputs);
    }
    local.known.*t.value = v;
    local.known_mask |= 1u << i;
    const double cost = Term(v, w, o_.*t.scale, m);
    sum += cost - local.cost[i];
    local.cost[i] = cost;
    if (hopeless(sum)) return true;
  }
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
    const Motion cand_motion = CandMotion(e, cand);
    local.known_mask = 0;
    if (o_.prune && Hopeless(SegmentView{e, cand, cand_motion}, best, local)) continue;
    ++local.exact;
    const double score = ScoreWith(live_seg_, cand, live_motion_, cand_motion, o_, nullptr, &local.known, local.known_mask);
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
    local.cost.resize(ScoreTerms().size());
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
