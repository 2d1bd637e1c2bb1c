// Shared setup of the hazard and warning benches: the CMA 1949-2022 archive and its index, the 23
// default regions with coastline exposure, and the 20-member analog forecast of Mangkhut 2018 from
// 2018-09-15 12 UTC (Mangkhut left out, nothing after "now" visible).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "taifeng/core/verify.h"
#include "taifeng/data/archive.h"
#include "taifeng/data/import.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/geo/regions.h"

namespace taifeng::bench {

struct MangkhutSetup {
  std::shared_ptr<const data::Archive> archive;
  std::shared_ptr<const core::MatchIndex> index;
  std::shared_ptr<const geo::RegionSet> regions;
  std::int64_t now_utc = 0;
  std::optional<core::Hindcast> hindcast;  // empty when no analog was found
};

inline MangkhutSetup LoadMangkhutSetup(const std::string& samples) {
  MangkhutSetup s;
  data::ImportResult r;
  for (const auto& p : data::ListSourceFiles(data::Format::Named("cma"), samples + "/cma")) data::ImportFile(data::Format::Named("cma"), p, {}, r);
  s.archive = std::make_shared<const data::Archive>(data::ToArchive(r.storms, r.sources));
  s.index = core::MatchIndex::Build(s.archive);
  geo::RegionSet::LoadOptions o = geo::RegionSet::Administrative();
  o.land = geo::RegionSet::Load(samples + "/regions/china_provinces_wgs84/china.shp", geo::RegionSet::Fields("", "", "FENAME", 0.0));
  s.regions = geo::RegionSet::Load(samples + "/regions/south_china_23.geojson", o);
  data::Storm mangkhut = s.archive->StormAt(*s.archive->Find("CMA:2018-0026"));
  s.now_utc = *taifeng::UtcSeconds(2018, 9, 15, 12);
  std::erase_if(mangkhut.fixes, [&](const data::Fix& f) { return f.time_utc > s.now_utc; });
  core::MatchOptions mo;
  mo.top_k = 20;
  core::MatchFilter filter;
  filter.exclude = {"CMA:2018-0026"};
  filter.before_utc = s.now_utc;
  s.hindcast = core::ForecastFrom(*s.index, core::LiveSegment(mangkhut, 24), nullptr, mo, core::ForecastOptions{}, filter);
  return s;
}

}  // namespace taifeng::bench
