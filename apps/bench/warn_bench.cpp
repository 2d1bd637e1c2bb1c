// The warnings figure of the warnings issue, printed: the rules evaluated on the hazard of the 23
// default regions and every resulting message composed, rendered to CAP 1.2 and validated against
// the OASIS schema (target <= 20 ms), for Mangkhut 2018 at 2018-09-15 12 UTC against the CMA
// 1949-2022 archive (Mangkhut left out). The first composition also simplifies the regions'
// polygons (cached afterwards); it is reported apart.
// Run: build/bin/taifeng-bench-warn
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "mangkhut_setup.h"
#include "taifeng/core/hazard.h"
#include "taifeng/core/verify.h"
#include "taifeng/data/archive.h"
#include "taifeng/data/import.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/warnings/desk.h"

namespace {

using namespace taifeng;
using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point t0) { return 1e3 * std::chrono::duration<double>(Clock::now() - t0).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main() {
  std::printf("Machine: %u hardware threads\n\n", std::thread::hardware_concurrency());
  const std::string samples = TAIFENG_SAMPLES_DIR, source = TAIFENG_SOURCE_DIR;
  const bench::MangkhutSetup setup = bench::LoadMangkhutSetup(samples);
  const auto& regions = setup.regions;
  const auto rules = warnings::RuleSet::Load(source + "/config/warnings.toml");
  const auto schema = warnings::CapSchema::Load(samples + "/cap/schema/CAP-v1.2.xsd");

  const std::int64_t now = setup.now_utc;
  const auto& hc = setup.hindcast;
  if (!hc) return 1;
  core::HazardOptions ho;
  ho.criteria = rules->Criteria();
  const core::Hazard hazard = core::ComputeHazard(hc->analog, *regions, ho);

  const auto dir = std::filesystem::temp_directory_path() / ("taifeng-bench-warn-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  warnings::Desk desk(warnings::Journal::Open(dir / "journal.sqlite"), rules, regions, schema);
  warnings::ActionContext ctx{now, "bench", "Exercise", "benchmark"};

  auto one = [&](std::size_t* messages) {
    const auto assessments = warnings::Evaluate(*rules, hazard);
    const auto plan = warnings::Plan(*rules, assessments, warnings::State{}, now);
    std::vector<warnings::ChangeRequest> requests;
    for (const auto& p : plan) {
      if (!p.Changes()) continue;
      warnings::ChangeRequest c;
      c.assessment = p.assessment;
      c.storm = "CMA:2018-0026", c.storm_name = "Mangkhut";
      requests.push_back(c);
    }
    const auto ms = desk.Preview(requests, ctx);
    if (messages) *messages = ms.size();
  };
  std::size_t messages = 0;
  auto t0 = Clock::now();
  one(&messages);
  const double cold = Ms(t0);
  std::vector<double> runs;
  for (int i = 0; i < 30; ++i) {
    t0 = Clock::now();
    one(nullptr);
    runs.push_back(Ms(t0));
  }
  std::printf("Rules on %zu regions (3 kinds, %zu criteria) -> %zu messages composed, rendered to CAP 1.2 (zh-CN + en) and\n"
              "validated against the OASIS schema: median %.1f ms over 30 runs (min %.1f, max %.1f; target <= 20 ms).\n"
              "First run, including the polygon simplification of the 23 regions: %.1f ms.\n",
              hazard.regions.size(), rules->Criteria().size(), messages, Median(runs), *std::min_element(runs.begin(), runs.end()),
              *std::max_element(runs.begin(), runs.end()), cold);
  runs.clear();
  for (int i = 0; i < 30; ++i) {
    t0 = Clock::now();
    const auto assessments = warnings::Evaluate(*rules, hazard);
    const auto plan = warnings::Plan(*rules, assessments, warnings::State{}, now);
    runs.push_back(Ms(t0));
  }
  std::printf("Of which the rules alone (Evaluate + Plan): median %.3f ms.\n", Median(runs));
  std::filesystem::remove_all(dir);
  return 0;
}
