// Shared by the feed and gateway benches: typhoon blue issued in every region, as an exercise.
#pragma once

#include <string>
#include <vector>

#include "taifeng/core/hazard.h"
#include "taifeng/warnings/desk.h"

namespace taifeng::warnings {

inline constexpr std::int64_t kT0 = 1536969600;  // 2018-09-15T00:00:00Z

// Journals a proposal and the issue of typhoon blue in every region of `regions` at kT0 (status
// Exercise); returns the region codes.
inline std::vector<std::string> IssueTyphoonBlueEverywhere(Desk& desk, const RuleSet& rules, const geo::RegionSet& regions) {
  std::vector<std::string> codes;
  core::Hazard h;
  for (std::size_t i = 0; i < regions.size(); ++i) {
    core::RegionHazard r;
    r.code = regions.region(i).code, r.name = regions.region(i).name, r.name_en = regions.region(i).name_en;
    for (const SignalRule& s : rules.signals()) {
      if (!s.enabled || s.kind == Kind::kFlood) continue;
      core::RegionHazard::CriterionResult c;
      if (s.kind == Kind::kTyphoon && s.name == "blue") c.probability = 0.9, c.onset_utc = kT0 + 7200, c.wind_ms = 20, c.gust_ms = 30;
      r.criteria.push_back(c);
    }
    h.regions.push_back(r);
    codes.push_back(r.code);
  }
  const auto plan = Plan(rules, Evaluate(rules, h), desk.StateAt(kT0), kT0);
  desk.RecordProposal(plan, {"CMA-2018-22", "Mangkhut", kT0, true, "bench", ""}, "bench", kT0);
  ActionContext ctx{kT0, "bench", "Exercise", "benchmark"};
  desk.Commit("issue", "{}", desk.FromProposal(*desk.LatestProposal(), {}), ctx);
  return codes;
}

}  // namespace taifeng::warnings
