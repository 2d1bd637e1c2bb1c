#include "taifeng/core/cliper.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "taifeng/base/error.h"
#include "taifeng/geo/geodesy.h"

namespace taifeng::core {
namespace {

constexpr std::int64_t kStep = 6 * 3600;
constexpr double kKmPerDegree = 111.195;  // mean Earth radius (6371.0 km) * pi / 180
constexpr int kLeads = CliperModel::kMaxLeadH / 6;
constexpr int kP = CliperModel::kPredictors, kT = CliperModel::kTerms, kY = CliperModel::kTargets;

// North and east displacement (km) from a to b on a local tangent plane at their mean latitude.
std::pair<double, double> Displacement(const TrackPoint& a, const TrackPoint& b) {
  const double mid = 0.5 * (a.lat_deg + b.lat_deg) * M_PI / 180.0;
  return {(b.lat_deg - a.lat_deg) * kKmPerDegree,
          geo::LonDifferenceDeg(a.lon_deg, b.lon_deg) * kKmPerDegree * std::cos(mid)};
}

void Terms(const std::array<double, kP>& z, double* out) {
  int k = 0;
  out[k++] = 1.0;
  for (int i = 0; i < kP; ++i) out[k++] = z[static_cast<std::size_t>(i)];
  for (int i = 0; i < kP; ++i) {
    for (int j = i; j < kP; ++j) out[k++] = z[static_cast<std::size_t>(i)] * z[static_cast<std::size_t>(j)];
  }
}

// Solves (A + ridge) x = b for symmetric positive definite A (n x n, row-major) by Cholesky.
bool SolveSpd(std::vector<double> a, std::vector<double>& b, int n, int rhs) {
  for (int i = 0; i < n; ++i)
    a[static_cast<std::size_t>(i * n + i)] *= 1.0 + 1e-6, a[static_cast<std::size_t>(i * n + i)] += 1e-9;
  for (int j = 0; j < n; ++j) {
    double d = a[static_cast<std::size_t>(j * n + j)];
    for (int k = 0; k < j; ++k) d -= a[static_cast<std::size_t>(j * n + k)] * a[static_cast<std::size_t>(j * n + k)];
    if (!(d > 0)) return false;
    const double l = std::sqrt(d);
    a[static_cast<std::size_t>(j * n + j)] = l;
    for (int i = j + 1; i < n; ++i) {
      double s = a[static_cast<std::size_t>(i * n + j)];
      for (int k = 0; k < j; ++k) s -= a[static_cast<std::size_t>(i * n + k)] * a[static_cast<std::size_t>(j * n + k)];
      a[static_cast<std::size_t>(i * n + j)] = s / l;
    }
  }
  for (int r = 0; r < rhs; ++r) {
    auto x = [&](int i) -> double& { return b[static_cast<std::size_t>(i * rhs + r)]; };
    for (int i = 0; i < n; ++i) {
      for (int k = 0; k < i; ++k) x(i) -= a[static_cast<std::size_t>(i * n + k)] * x(k);
      x(i) /= a[static_cast<std::size_t>(i * n + i)];
    }
    for (int i = n - 1; i >= 0; --i) {
      for (int k = i + 1; k < n; ++k) x(i) -= a[static_cast<std::size_t>(k * n + i)] * x(k);
      x(i) /= a[static_cast<std::size_t>(i * n + i)];
    }
  }
  return true;
}

std::string Join(const double* v, std::size_t n) {
  std::ostringstream out;
  out.precision(17);
  for (std::size_t i = 0; i < n; ++i) out << (i ? " " : "") << v[i];
  return out.str();
}

std::vector<double> Split(const std::string& s) {
  std::istringstream in(s);
  std::vector<double> v;
  double x;
  while (in >> x) v.push_back(x);
  return v;
}

}  // namespace

std::optional<std::array<double, kP>> CliperModel::Predictors(const std::vector<TrackPoint>& observed) {
  if (observed.size() < 5) return std::nullopt;
  const TrackPoint& now = observed.back();
  const TrackPoint& h12 = observed[observed.size() - 3];
  const TrackPoint& h24 = observed[observed.size() - 5];
  if (now.time_utc - h12.time_utc != 2 * kStep || h12.time_utc - h24.time_utc != 2 * kStep) return std::nullopt;
  if (std::isnan(now.wind_ms)) return std::nullopt;
  const auto [n12, e12] = Displacement(h12, now);
  const auto [n24, e24] = Displacement(h24, h12);
  return std::array<double, kP>{now.lat_deg,
                                now.lon_deg < 0 ? now.lon_deg + 360.0 : now.lon_deg,
                                e12 / 12.0,
                                n12 / 12.0,
                                e24 / 12.0,
                                n24 / 12.0,
                                DayOfYear(now.time_utc),
                                now.wind_ms};
}

namespace {

struct Case {
  std::array<double, kP> x;
  std::size_t point;  // index of "now" in pts
  std::size_t reach;  // leads available (points after now in the same piece, at most kLeads)
  int season;
};

// Every usable case of the storms `filter` passes.
std::vector<Case> Cases(const MatchIndex& index, const MatchFilter& filter) {
  const data::Archive& a = index.archive();
  const auto& pts = index.points();
  const auto& cont = index.continuous();
  std::vector<Case> cases;
  for (std::size_t s = 0; s < index.storm_count(); ++s) {
    if (filter.first_season && a.season[s] < filter.first_season) continue;
    if (filter.last_season && a.season[s] > filter.last_season) continue;
    if (!filter.agencies.empty() && !filter.agencies.count(a.agency[s])) continue;
    if (!filter.exclude.empty() && filter.exclude.count(a.id[s])) continue;
    if (!filter.exclude_seasons.empty() && filter.exclude_seasons.count(a.season[s])) continue;
    std::size_t run = 0;
    for (std::size_t e = index.begin(s); e < index.end(s); ++e) {
      run = cont[e] ? run + 1 : 1;
      if (run < 5 || !(pts[e].wind_ms >= CliperModel::kTropicalDepressionMs)) continue;
      if (filter.before_utc && pts[e].time_utc > *filter.before_utc) break;
      const std::vector<TrackPoint> window(pts.begin() + static_cast<std::ptrdiff_t>(e - 4),
                                           pts.begin() + static_cast<std::ptrdiff_t>(e + 1));
      const auto x = CliperModel::Predictors(window);
      if (!x) continue;
      std::size_t reach = 0;
      while (reach < static_cast<std::size_t>(kLeads) && e + reach + 1 < index.end(s) && cont[e + reach + 1] &&
             !(filter.before_utc && pts[e + reach + 1].time_utc > *filter.before_utc)) {
        ++reach;
      }
      if (reach > 0) cases.push_back({*x, e, reach, a.season[s]});
    }
  }
  if (cases.size() < 10 * static_cast<std::size_t>(kT)) {
    throw Error(ErrorCode::kInvalidArgument, "CLIPER: " + std::to_string(cases.size()) +
                                                 " usable cases in the archive (24 h of track at tropical depression "
                                                 "strength or more); at least " +
                                                 std::to_string(10 * kT) + " are needed");
  }
  return cases;
}

// One lead's normal equations (lower triangle of X'X, X'y) and case count.
struct Sums {
  std::vector<double> xtx = std::vector<double>(static_cast<std::size_t>(kT * kT), 0.0);
  std::vector<double> xty = std::vector<double>(static_cast<std::size_t>(kT * kY), 0.0);
  std::size_t n = 0;
  void Add(const double* t, const double* y) {
    for (int i = 0; i < kT; ++i) {
      for (int j = 0; j <= i; ++j) xtx[static_cast<std::size_t>(i * kT + j)] += t[i] * t[j];
      for (int r = 0; r < kY; ++r) xty[static_cast<std::size_t>(i * kY + r)] += t[i] * y[r];
    }
    ++n;
  }
};

}  // namespace

struct CliperFitter {
  const MatchIndex& index;
  std::vector<Case> cases;
  CliperModel base;  // the whole set's standardisation

  CliperFitter(const MatchIndex& ix, const MatchFilter& filter) : index(ix), cases(Cases(ix, filter)) {
    for (int i = 0; i < kP; ++i) {
      double sum = 0, sum2 = 0;
      for (const Case& c : cases) sum += c.x[static_cast<std::size_t>(i)], sum2 += c.x[static_cast<std::size_t>(i)] * c.x[static_cast<std::size_t>(i)];
      const double n = static_cast<double>(cases.size());
      base.mean_[static_cast<std::size_t>(i)] = sum / n;
      base.scale_[static_cast<std::size_t>(i)] = std::max(std::sqrt(std::max(sum2 / n - (sum / n) * (sum / n), 0.0)), 1e-9);
    }
    base.coef_.assign(static_cast<std::size_t>(kLeads * kY * kT), 0.0);
    base.cases_.assign(static_cast<std::size_t>(kLeads), 0);
  }

  // The terms and targets of case c at `lead` (0-based).
  void Row(const Case& c, int lead, double* t, double* y) const {
    std::array<double, kP> z;
    for (std::size_t i = 0; i < static_cast<std::size_t>(kP); ++i) z[i] = (c.x[i] - base.mean_[i]) / base.scale_[i];
    Terms(z, t);
    const TrackPoint& p0 = index.points()[c.point];
    const TrackPoint& p1 = index.points()[c.point + static_cast<std::size_t>(lead) + 1];
    const auto [north, east] = Displacement(p0, p1);
    y[0] = north, y[1] = east, y[2] = std::isnan(p1.wind_ms) ? 0.0 : p1.wind_ms - p0.wind_ms;
  }

  // Solves one lead of `m` from its sums; false when too few cases or singular.
  static bool Solve(CliperModel& m, int lead, Sums s) {
    for (int i = 0; i < kT; ++i)
      for (int j = i + 1; j < kT; ++j) s.xtx[static_cast<std::size_t>(i * kT + j)] = s.xtx[static_cast<std::size_t>(j * kT + i)];
    m.cases_[static_cast<std::size_t>(lead)] = s.n;
    if (s.n < static_cast<std::size_t>(2 * kT) || !SolveSpd(s.xtx, s.xty, kT, kY)) return false;
    for (int r = 0; r < kY; ++r)
      for (int i = 0; i < kT; ++i) m.coef_[static_cast<std::size_t>((lead * kY + r) * kT + i)] = s.xty[static_cast<std::size_t>(i * kY + r)];
    return true;
  }

  // The whole set's model and, for each of `seasons`, the one without it.
  std::map<int, CliperModel> Run(const std::set<int>& seasons, CliperModel* whole) const {
    std::map<int, CliperModel> out;
    for (int season : seasons) out.emplace(season, base);
    if (whole) *whole = base;
    const std::vector<int> list(seasons.begin(), seasons.end());
    bool failed = false;
#pragma omp parallel for schedule(dynamic, 1) reduction(|| : failed)
    for (int lead = 0; lead < kLeads; ++lead) {
      Sums total;
      std::vector<Sums> per(list.size());
      double t[kT], y[kY];
      for (const Case& c : cases) {
        if (c.reach < static_cast<std::size_t>(lead + 1)) continue;
        Row(c, lead, t, y);
        total.Add(t, y);
        const auto it = std::lower_bound(list.begin(), list.end(), c.season);
        if (it != list.end() && *it == c.season) per[static_cast<std::size_t>(it - list.begin())].Add(t, y);
      }
      if (whole && !Solve(*whole, lead, total)) failed = true;
      for (std::size_t k = 0; k < list.size(); ++k) {
        Sums rest = total;
        for (std::size_t e = 0; e < rest.xtx.size(); ++e) rest.xtx[e] -= per[k].xtx[e];
        for (std::size_t e = 0; e < rest.xty.size(); ++e) rest.xty[e] -= per[k].xty[e];
        rest.n -= per[k].n;
        if (!Solve(out.at(list[k]), lead, std::move(rest))) failed = true;
      }
    }
    if (failed) throw Error(ErrorCode::kInvalidArgument, "CLIPER: too few cases at the longest leads to fit");
    return out;
  }
};

CliperModel CliperModel::Fit(const MatchIndex& index, const MatchFilter& filter) {
  CliperModel m;
  CliperFitter(index, filter).Run({}, &m);
  return m;
}

std::map<int, CliperModel> CliperModel::FitLeavingOut(const MatchIndex& index, const MatchFilter& filter, const std::set<int>& seasons) {
  return CliperFitter(index, filter).Run(seasons, nullptr);
}

std::optional<Forecast> CliperModel::Predict(const std::vector<TrackPoint>& observed) const {
  const auto x = Predictors(observed);
  if (!x) return std::nullopt;
  std::array<double, kP> z;
  for (std::size_t i = 0; i < kP; ++i) z[i] = ((*x)[i] - mean_[i]) / scale_[i];
  double t[kT];
  Terms(z, t);
  const TrackPoint& now = observed.back();
  Forecast f;
  f.method = "cliper";
  f.now = now;
  for (int lead = 0; lead < kLeads; ++lead) {
    double y[kY] = {0, 0, 0};
    for (int r = 0; r < kY; ++r) {
      for (int i = 0; i < kT; ++i) y[r] += coef_[static_cast<std::size_t>((lead * kY + r) * kT + i)] * t[i];
    }
    ForecastPoint p;
    p.lead_h = (lead + 1) * 6;
    p.time_utc = now.time_utc + p.lead_h * 3600LL;
    p.lat_deg = std::clamp(now.lat_deg + y[0] / kKmPerDegree, -89.9, 89.9);
    const double mid = 0.5 * (now.lat_deg + p.lat_deg) * M_PI / 180.0;
    p.lon_deg = geo::NormalizeLonDeg(now.lon_deg + y[1] / (kKmPerDegree * std::max(std::cos(mid), 0.01)));
    p.cone_km = std::numeric_limits<double>::quiet_NaN();
    p.wind_ms = std::max(0.0, now.wind_ms + y[2]);
    p.pressure_hpa = std::numeric_limits<double>::quiet_NaN();
    p.members = 1;
    f.points.push_back(p);
  }
  return f;
}

data::ArchiveModel CliperModel::ToModel(const std::string& fingerprint) const {
  data::ArchiveModel model;
  model.rows = static_cast<std::size_t>(kLeads * kY);
  model.cols = static_cast<std::size_t>(kT);
  model.values = coef_;
  model.attributes["method"] = "CLIPER polynomial regression, 8 predictors, 2nd order (Aberson & Sampson 2003)";
  model.attributes["rows"] = "lead 6..120 h by 6 h, each: north km, east km, 10-min wind change m/s";
  model.attributes["predictors"] = "lat_deg lon_deg_east_0_360 u12_kmh v12_kmh u24_kmh v24_kmh day_of_year wind10_ms";
  model.attributes["mean"] = Join(mean_.data(), mean_.size());
  model.attributes["scale"] = Join(scale_.data(), scale_.size());
  std::vector<double> cases(cases_.begin(), cases_.end());
  model.attributes["cases"] = Join(cases.data(), cases.size());
  model.attributes["archive"] = fingerprint;
  return model;
}

CliperModel CliperModel::FromModel(const data::ArchiveModel& model, const std::string& fingerprint) {
  auto bad = [](const std::string& what) { return Error(ErrorCode::kArchiveCorrupt, "/models/cliper: " + what); };
  if (model.rows != static_cast<std::size_t>(kLeads * kY) || model.cols != static_cast<std::size_t>(kT)) {
    throw bad("expected " + std::to_string(kLeads * kY) + " x " + std::to_string(kT) + " coefficients");
  }
  auto attr = [&](const char* k) {
    const auto it = model.attributes.find(k);
    if (it == model.attributes.end()) throw bad(std::string("missing attribute ") + k);
    return it->second;
  };
  if (!fingerprint.empty() && attr("archive") != fingerprint) {
    throw Error(ErrorCode::kInvalidArgument, "the archive's CLIPER model was fitted on another archive (" +
                                                 attr("archive") + "; this one is " + fingerprint +
                                                 "): run taifeng cliper fit again");
  }
  CliperModel m;
  const auto mean = Split(attr("mean")), scale = Split(attr("scale")), cases = Split(attr("cases"));
  if (mean.size() != kP || scale.size() != kP || cases.size() != static_cast<std::size_t>(kLeads))
    throw bad("bad standardisation");
  std::copy(mean.begin(), mean.end(), m.mean_.begin());
  std::copy(scale.begin(), scale.end(), m.scale_.begin());
  for (double c : cases) m.cases_.push_back(static_cast<std::size_t>(c));
  m.coef_ = model.values;
  return m;
}

}  // namespace taifeng::core
