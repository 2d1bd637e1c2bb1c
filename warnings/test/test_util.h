// Shared helpers of the warnings tests: the bundled rules, regions and schema, and hazards built
// by hand for data-driven rule cases.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "taifeng/core/hazard.h"
#include "taifeng/geo/regions.h"
#include "taifeng/warnings/cap.h"
#include "taifeng/warnings/rules.h"

namespace taifeng::warnings::test {

inline std::filesystem::path SourceDir() { return TAIFENG_SOURCE_DIR; }
inline std::shared_ptr<const RuleSet> DefaultRules() {
  static auto r = RuleSet::Load(SourceDir() / "config/warnings.toml");
  return r;
}
inline std::shared_ptr<const geo::RegionSet> DefaultRegions() {
  static auto r = geo::RegionSet::Load(SourceDir() / "data/samples/regions/south_china_23.geojson", geo::RegionSet::Administrative());
  return r;
}
inline std::shared_ptr<const CapSchema> Schema() {
  static auto s = CapSchema::Load(SourceDir() / "data/samples/cap/schema/CAP-v1.2.xsd");
  return s;
}

// A region's hazard whose criteria take the probabilities given by "kind.signal" (others 0).
inline core::RegionHazard RegionWith(const RuleSet& rules, const std::string& code, const std::map<std::string, double>& p,
                                     int flood_level = 0) {
  core::RegionHazard r;
  r.code = code;
  r.name = "区" + code;
  r.name_en = "Region " + code;
  r.flood_level = flood_level;
  for (const SignalRule& s : rules.signals()) {
    if (!s.enabled || s.kind == Kind::kFlood) continue;
    core::RegionHazard::CriterionResult c;
    const auto it = p.find(std::string(KindName(s.kind)) + "." + s.name);
    c.probability = it == p.end() ? 0.0 : it->second;
    if (c.probability > 0) c.onset_utc = 1536969600 + 3600 * 2, c.wind_ms = 20, c.gust_ms = 30;
    r.criteria.push_back(c);
  }
  return r;
}

}  // namespace taifeng::warnings::test
