// Shared helpers of the warnings tests: the bundled rules, regions and schema, and hazards built
// by hand for data-driven rule cases.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
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
// Guangdong's bundled rules as the one jurisdiction of every region, their policy replaced:
// `lifecycle` is the [lifecycle] table's body, and `kinds` maps a kind ("flood") to lines for its
// [kind.NAME] table; the bundled policy lines (hold_h, extend_before_h, lower_below, lead_h,
// reissue_guard_h, reissue_factor, hold_approaching_km, lower_after) and the
// [jurisdiction] table are dropped first. Written beside `dir`'s files.
inline std::shared_ptr<const RuleSet> RulesWithPolicy(const std::filesystem::path& dir, const std::string& lifecycle,
                                                      const std::map<std::string, std::string>& kinds = {},
                                                      const std::string& cap = "") {
  std::ifstream in(SourceDir() / "config/jurisdictions/guangdong.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()), out;
  std::istringstream lines(text);
  bool in_jurisdiction = false;
  for (std::string line; std::getline(lines, line);) {
    if (line == "[jurisdiction]") in_jurisdiction = true;
    if (in_jurisdiction && line.empty()) in_jurisdiction = false;
    if (in_jurisdiction) continue;
    bool policy = false;
    for (const char* key : {"hold_h =", "extend_before_h =", "lower_below =", "lead_h =", "reissue_guard_h =", "reissue_factor =",
                            "hold_approaching_km =", "lower_after ="})
      policy |= line.rfind(key, 0) == 0;
    if (policy) continue;
    out += line + "\n";
    if (line == "[lifecycle]") out += lifecycle + "\n";
    if (line == "[cap]" && !cap.empty()) out += cap + "\n";
    for (const auto& [kind, extra] : kinds)
      if (line == "[kind." + kind + "]") out += extra + "\n";
  }
  std::filesystem::create_directories(dir);
  const auto file = dir / "rules-with-policy.toml";
  std::ofstream(file) << out;
  return RuleSet::Load(file);
}
// The rules of the lifecycle tests: hold 3 h, extension 3 h before expiry, no hysteresis or lead windows.
inline std::shared_ptr<const RuleSet> ClassicRules(const std::filesystem::path& dir) {
  return RulesWithPolicy(dir, "hold_h = 3\nextend_before_h = 3\nlower_below = 1");
}
inline std::shared_ptr<const geo::RegionSet> DefaultRegions() {
  static auto r = geo::RegionSet::Load(SourceDir() / "data/samples/regions/south_china_23.geojson", geo::RegionSet::Administrative());
  return r;
}
inline std::shared_ptr<const CapSchema> Schema() {
  static auto s = CapSchema::Load(SourceDir() / "data/samples/cap/schema/CAP-v1.2.xsd");
  return s;
}

// The first (in a single-file rule set, the only) jurisdiction.
inline const Jurisdiction& Only(const RuleSet& rules) { return *rules.jurisdictions().front(); }

// A region's hazard whose criteria take the probabilities given by "kind.signal" (others 0), for
// the signals of the region's jurisdiction; `wind_from_deg` is where the wind comes from.
inline core::RegionHazard RegionWith(const RuleSet& rules, const std::string& code, const std::map<std::string, double>& p,
                                     int flood_level = 0, double wind_from_deg = 45) {
  core::RegionHazard r;
  r.code = code;
  r.name = "区" + code;
  r.name_en = "Region " + code;
  r.flood_level = flood_level;
  const Jurisdiction* mine = rules.For(code);
  for (const auto& j : rules.jurisdictions()) {
    for (const SignalRule& s : j->signals()) {
      if (!s.enabled || s.kind == Kind::kFlood) continue;
      core::RegionHazard::CriterionResult c;
      const std::string base = s.quadrant.empty() ? s.name : s.name.substr(0, s.name.size() - 2);
      const auto it = p.find(std::string(KindName(s.kind)) + "." + base);
      c.probability = it == p.end() || j.get() != mine ? 0.0 : it->second;
      if (c.probability > 0) c.onset_utc = 1536969600 + 3600 * 2, c.wind_ms = 20, c.gust_ms = 30, c.direction_from_deg = wind_from_deg;
      r.criteria.push_back(c);
    }
  }
  return r;
}

}  // namespace taifeng::warnings::test
