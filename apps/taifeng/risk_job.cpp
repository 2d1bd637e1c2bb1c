#include "risk_job.h"

#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>

#include "output.h"
#include "site_points.h"
#include "storm_selection.h"
#include "taifeng/base/error.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/data/archive.h"
#include "taifeng/geo/regions.h"

namespace taifeng::cli {

namespace {

// A region's points: 0.2° apart (about 22 km; the hazard uses 0.1°): the wind and rain fields vary
// over tens of km, and the catalog steps every point of every storm hour in reach.
constexpr double kRegionSpacingDeg = 0.2;

void AddGrid(const RiskBuildArgs& a, RiskSites& s) {
  if (a.bbox.size() != 4) throw Error(ErrorCode::kUsage, "--bbox: expected SOUTH,WEST,NORTH,EAST in degrees");
  const double south = a.bbox[0], west = a.bbox[1], north = a.bbox[2], east = a.bbox[3];
  if (!(a.grid_deg >= 0.01 && a.grid_deg <= 5) || !(south < north) || !(west < east) || south < -80 || north > 80)
    throw Error(ErrorCode::kUsage, "--grid DEG in [0.01, 5] and a --bbox with south < north, west < east, within 80° of the equator");
  data::AtlasGrid g;
  g.nlat = static_cast<int>(std::lround((north - south) / a.grid_deg)), g.nlon = static_cast<int>(std::lround((east - west) / a.grid_deg));
  if (g.nlat < 1 || g.nlon < 1 || static_cast<double>(g.nlat) * g.nlon > 5e7) throw Error(ErrorCode::kUsage, "--grid: 1 to 50 million cells");
  g.step_deg = a.grid_deg, g.lat0_deg = south + a.grid_deg / 2, g.lon0_deg = west + a.grid_deg / 2;
  g.first_site = static_cast<std::int64_t>(s.sites.size());
  for (int r = 0; r < g.nlat; ++r)
    for (int c = 0; c < g.nlon; ++c) {
      const double lat = g.lat0_deg + r * g.step_deg, lon = g.lon0_deg + c * g.step_deg;
      s.sites.push_back({{static_cast<std::uint32_t>(s.points.size())}});
      s.points.push_back({lat, lon});
      s.base.code.push_back("cell:" + std::to_string(r) + ":" + std::to_string(c));
      s.base.name.emplace_back(), s.base.name_en.emplace_back();
      s.base.lat_deg.push_back(lat), s.base.lon_deg.push_back(lon), s.base.kind.push_back(1);
    }
  s.base.grid = g;
}

void AddPoints(const RiskBuildArgs& a, RiskSites& s) {
  for (const SitePoint& p : LoadSitePoints(a.points)) {
    s.sites.push_back({{static_cast<std::uint32_t>(s.points.size())}});
    s.points.push_back({p.lat_deg, p.lon_deg});
    s.base.code.push_back(p.code), s.base.name.push_back(p.name), s.base.name_en.push_back(p.name_en);
    s.base.lat_deg.push_back(p.lat_deg), s.base.lon_deg.push_back(p.lon_deg), s.base.kind.push_back(2);
  }
}

std::int64_t PeakRssKb() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

double AvailableBytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  double kb = 0;
  while (in >> key >> kb)
    if (key == "MemAvailable:") return kb * 1024;
  return 8e9;
}

// All tables' counts end to end (the order the reduction and the unflattening share).
std::vector<std::uint64_t> Flatten(const core::CatalogTables& t) {
  std::vector<std::uint64_t> all;
  for (const auto* list : t.all())
    for (const auto& table : *list) all.insert(all.end(), table.counts().begin(), table.counts().end());
  return all;
}

void Unflatten(const std::vector<std::uint64_t>& all, core::CatalogTables& t) {
  std::size_t at = 0;
  for (auto* list : t.all())
    for (auto& table : *list) {
      std::copy_n(all.begin() + static_cast<std::ptrdiff_t>(at), table.counts().size(), table.counts().begin());
      at += table.counts().size();
    }
}

// Grid cells get one block (no interval per cell: memory flat in the grid's size); regions and
// points the options' blocks.
core::CatalogTables MakeTables(const RiskSites& s, core::CatalogOptions& o) {
  std::vector<int> blocks(s.sites.size(), 0);
  for (std::size_t i = 0; i < s.sites.size(); ++i) blocks[i] = s.base.kind[i] == 1 ? 1 : 0;
  return core::MakeCatalogTables(blocks, o);
}

// Each point's gust factor by its exposure, from the countries of --land alone: the province
// layer of --land-detail draws Hong Kong as one block over its harbour and channels, which would
// make Kowloon "inland". The mask spans the points (0.02° cells). --land none: 1.38 everywhere.
void SetGustFactors(const RiskBuildArgs& a, RiskSites& sites) {
  LandArgs countries = a.land;
  countries.detail = "none";
  const auto land = LoadLandOption(countries);
  if (!land || sites.points.empty()) return;
  double south = 90, north = -90, west = 180, east = -180;
  for (const auto& p : sites.points)
    south = std::min(south, p.lat_deg), north = std::max(north, p.lat_deg), west = std::min(west, p.lon_deg), east = std::max(east, p.lon_deg);
  const core::LandMask mask(*land, south - 0.5, west - 0.5, north + 0.5, east + 0.5, 0.02);
  for (core::RiskPoint& p : sites.points) p.gust_factor = mask.GustFactorAt(p.lat_deg, p.lon_deg);
}

}  // namespace

std::shared_ptr<const core::LandMask> MakeLandMask(const RiskBuildArgs& a) {
  const auto land = LoadLandOption(a.land);
  if (!land) return nullptr;
  // The western North Pacific and the South China Sea, where storms cross land before South China.
  return std::make_shared<const core::LandMask>(*land, 0, 95, 45, 160, 0.1);
}

RiskSites MakeRiskSites(const RiskBuildArgs& a) {
  RiskSites s;
  if (!a.regions.empty() && a.regions != "none") {
    const auto regions = geo::RegionSet::Load(a.regions, geo::RegionSet::Administrative());
    for (std::size_t i = 0; i < regions->size(); ++i) {
      const auto pts = regions->SamplePoints(i, kRegionSpacingDeg);
      if (pts.empty()) continue;
      core::RiskSite site;
      double lat = 0, lon = 0;
      for (const auto& p : pts) {
        site.points.push_back(static_cast<std::uint32_t>(s.points.size()));
        s.points.push_back({p.lat_deg, p.lon_deg});
        lat += p.lat_deg, lon += p.lon_deg;
      }
      s.sites.push_back(std::move(site));
      const geo::Region& r = regions->region(i);
      s.base.code.push_back(r.code), s.base.name.push_back(r.name), s.base.name_en.push_back(r.name_en);
      s.base.lat_deg.push_back(lat / static_cast<double>(pts.size())), s.base.lon_deg.push_back(lon / static_cast<double>(pts.size()));
      s.base.kind.push_back(0);
    }
  }
  if (!a.points.empty()) AddPoints(a, s);
  if (a.grid_deg > 0 || !a.bbox.empty()) AddGrid(a, s);
  if (s.sites.empty()) throw Error(ErrorCode::kUsage, "nothing to map: give --regions, --points or --grid with --bbox");
  return s;
}

double EstimateBytes(const RiskSites& s, const RiskBuildArgs& a, int threads) {
  core::CatalogOptions o;
  core::MakeCatalogTables(0, o);  // the default edges
  const double edges = static_cast<double>(o.wind_edges.size() + o.gust_edges.size() + 2 * o.rain_edges.size());
  double per_copy = 0;
  for (const std::int8_t kind : s.base.kind) per_copy += edges * 8 * (kind == 1 ? 1 : a.blocks) + 3 * 64;
  const double scratch = static_cast<double>(s.points.size()) * (29 * 8 + 16 + 8 * 2);
  // Copies of the counts: one per thread, the merged tables, the reduction's buffer and rank 0's
  // atlas; per site its names and return levels; the archive, the land mask and the program.
  const double per_site = 4 * 7 * (3 * 8 + 1) + 3 * 48;
  return per_copy * (threads + 3) + per_site * static_cast<double>(s.sites.size()) + scratch * threads + 64e6;
}

std::vector<std::vector<data::Storm>> LoadSeasons(const RiskBuildArgs& a, const RiskSites& sites) {
  const std::vector<data::Storm> all = data::ToStorms(data::LoadArchive(a.archive));
  int y1 = 9999, y2 = 0;
  for (const auto& st : all)
    if (Upper(st.agency) == Upper(a.agency) && !st.secondary_centre) y1 = std::min(y1, st.season), y2 = std::max(y2, st.season);
  if (!a.seasons.empty()) std::tie(y1, y2) = ParseSeasons(a.seasons);
  if (y1 > y2) throw Error(ErrorCode::kInvalidArgument, a.archive + ": no " + a.agency + " storms");
  std::vector<std::vector<data::Storm>> seasons(static_cast<std::size_t>(y2 - y1 + 1));
  double lat0 = 90, lat1 = -90, lon0 = 180, lon1 = -180;
  for (const auto& p : sites.points) lat0 = std::min(lat0, p.lat_deg), lat1 = std::max(lat1, p.lat_deg), lon0 = std::min(lon0, p.lon_deg), lon1 = std::max(lon1, p.lon_deg);
  const double pad = a.reach_km / 111.0 + 1;
  bool reaches = false;
  for (const auto& st : all) {
    if (Upper(st.agency) != Upper(a.agency) || st.secondary_centre || st.season < y1 || st.season > y2) continue;
    for (const auto& f : st.fixes)
      reaches = reaches || (f.lat_deg > lat0 - pad && f.lat_deg < lat1 + pad && f.lon_deg > lon0 - pad && f.lon_deg < lon1 + pad);
    seasons[static_cast<std::size_t>(st.season - y1)].push_back(st);
  }
  if (!reaches)
    throw Error(ErrorCode::kInvalidArgument, a.archive + ": no " + a.agency + " storm of seasons " + std::to_string(y1) + "-" +
                                                 std::to_string(y2) + " comes within " + std::to_string(static_cast<int>(a.reach_km)) +
                                                 " km of the atlas's domain");
  return seasons;
}

RiskRun RunRiskBuild(const RiskBuildArgs& a, const Ranks& ranks) {
  if (a.years <= 0) throw Error(ErrorCode::kUsage, "--years: a number of years > 0");
  const auto t0 = std::chrono::steady_clock::now();
  RiskRun run;
  core::CatalogTables tables;
  RiskSites sites;
  ranks.RunAgreed([&] {
    sites = MakeRiskSites(a);
    const double need = EstimateBytes(sites, a, omp_get_max_threads());
    const double limit = a.memory_limit_mb > 0 ? a.memory_limit_mb * 1e6 : AvailableBytes();
    if (need > limit)
      throw Error(ErrorCode::kRefused, "the atlas would need about " + std::to_string(static_cast<long long>(need / 1e6)) + " MB per rank (" +
                                           std::to_string(sites.sites.size()) + " sites, " + std::to_string(omp_get_max_threads()) +
                                           " threads) and " + std::to_string(static_cast<long long>(limit / 1e6)) +
                                           " MB are available: a coarser --grid, a smaller --bbox or fewer threads (OMP_NUM_THREADS)");
    const auto seasons = LoadSeasons(a, sites);
    const std::shared_ptr<const core::LandMask> land = MakeLandMask(a);
    SetGustFactors(a, sites);
    core::CatalogOptions o;
    o.years = a.years, o.seed = a.seed, o.reach_km = a.reach_km, o.blocks = a.blocks, o.land = land.get();
    tables = MakeTables(sites, o);
    Progress progress(ranks.rank() == 0 && !a.json);
    AddCatalogYears(seasons, sites.points, sites.sites, o, ranks.rank(), ranks.size(), tables,
                    [&](std::int64_t done, std::int64_t total) { progress.Update("catalog years (rank 0)", done, total); });
    progress.Done();
    sites.base.model = "Taifeng " TAIFENG_VERSION ": " + std::to_string(seasons.size()) + " seasons of " + a.agency + " best tracks (" +
                       a.archive + ") perturbed (core/synthetic.h)" + (land ? ", decayed over land (Kaplan & DeMaria 1995)" : "") +
                       ", Holland (1980) wind with motion asymmetry, R-CLIPER rain; reach " +
                       std::to_string(static_cast<int>(a.reach_km)) + " km";
  });
  const auto since = [](std::chrono::steady_clock::time_point t) { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count(); };
  run.catalog_s = since(t0);
  const auto t1 = std::chrono::steady_clock::now();
  std::vector<std::uint64_t> counts = Flatten(tables), storms = {static_cast<std::uint64_t>(tables.storms)};
  run.reduced_bytes = counts.size() * sizeof(std::uint64_t);
  ranks.SumToRoot(counts);
  ranks.SumToRoot(storms);
  run.reduce_s = since(t1);
  run.storms = static_cast<std::int64_t>(storms[0]);
  run.peak_rss_mb = static_cast<double>(ranks.Max(PeakRssKb())) / 1024;
  if (ranks.rank() == 0) {
    Unflatten(counts, tables);
    sites.base.years = a.years, sites.base.seed = a.seed, sites.base.created_utc = FormatIsoUtc(std::time(nullptr));
    const auto t2 = std::chrono::steady_clock::now();
    run.atlas = core::MakeAtlas(tables, std::move(sites.base), core::AtlasPeriods(), a.bootstrap, a.seed);
    run.levels_s = since(t2);
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return run;
}

RiskValidation ValidateAtlas(const RiskBuildArgs& a, const data::Atlas& atlas) {
  RiskBuildArgs regions_only = a;
  regions_only.grid_deg = 0, regions_only.bbox.clear(), regions_only.points.clear();
  const RiskSites sites = MakeRiskSites(regions_only);
  for (std::size_t s = 0; s < sites.sites.size(); ++s)
    if (s >= atlas.sites() || atlas.code[s] != sites.base.code[s])
      throw Error(ErrorCode::kInvalidArgument, "the atlas's sites are not the regions of " + a.regions + " (build and validate with the same --regions)");
  const auto seasons = LoadSeasons(a, sites);
  core::CatalogOptions o;
  o.reach_km = a.reach_km, o.years = atlas.years, o.seed = atlas.seed;
  const core::CatalogTables record = core::HistoricalTables(seasons, sites.points, sites.sites, o);
  const data::AtlasQuantity* wind = atlas.Find("wind_ms");
  if (!wind) throw Error(ErrorCode::kArchiveFormat, "the atlas has no wind_ms");
  RiskValidation v;
  v.seasons = static_cast<int>(seasons.size());
  v.regions = sites.sites.size();
  for (std::size_t s = 0; s < sites.sites.size(); ++s) {
    const std::vector<std::uint64_t> counts(wind->counts.begin() + static_cast<std::ptrdiff_t>(s * wind->edges.size()),
                                            wind->counts.begin() + static_cast<std::ptrdiff_t>((s + 1) * wind->edges.size()));
    bool all = true;
    for (const double t : {2.0, 5.0, 10.0, 20.0}) {
      RiskValidationRow row{atlas.code[s], atlas.name[s], atlas.name_en[s], t, {}, {}, false};
      row.record = core::LevelWithInterval(record.wind[s], static_cast<double>(seasons.size()), t, a.bootstrap, a.seed + s);
      row.catalog = core::LevelFromCounts(wind->edges, counts, static_cast<double>(atlas.years), t);
      using B = core::ReturnLevel::Bound;
      const bool both_below = row.record.bound == B::kBelowFirstEdge && row.catalog.bound == B::kBelowFirstEdge;
      row.inside = both_below || (row.catalog.level >= row.record.low - 1e-9 && row.catalog.level <= row.record.high + 1e-9);
      all = all && row.inside;
      v.pairs_inside += row.inside ? 1 : 0;
      v.rows.push_back(row);
    }
    v.regions_all_inside += all ? 1 : 0;
  }
  v.record_counts = core::YearlyCountsWithin(seasons, o, false, 22.30, 114.17, 300);
  v.catalog_counts = core::YearlyCountsWithin(seasons, o, true, 22.30, 114.17, 300);
  return v;
}

}  // namespace taifeng::cli
