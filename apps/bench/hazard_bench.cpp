// The hazard figures of the hazard issue, printed: the per-region hazard of a 120 h, 20-member
// forecast over the 23 default regions at 1 h steps (target <= 200 ms), for Mangkhut 2018 from
// 2018-09-15 12 UTC against the CMA 1949-2022 archive (Mangkhut left out); the same with 2 h and
// 6 h steps; and the modelled (R-CLIPER) rain of every archive storm.
// Run: build/bin/taifeng-bench-hazard
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
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

namespace {

using namespace taifeng;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

int main() {
  std::printf("Machine: %u hardware threads, OpenMP max threads %d\n\n", std::thread::hardware_concurrency(),
              omp_get_max_threads());
  const std::string samples = TAIFENG_SAMPLES_DIR;
  auto t0 = Clock::now();
  const bench::MangkhutSetup setup = bench::LoadMangkhutSetup(samples);
  const auto& index = setup.index;
  const auto& regions = setup.regions;
  const std::int64_t now = setup.now_utc;
  const auto& hc = setup.hindcast;
  std::printf("Archive, index, %zu regions (GCJ-02 -> WGS-84, coastline exposure) and forecast loaded in %.0f ms\n",
              regions->size(), 1e3 * Seconds(t0));
  if (!hc) return 1;
  std::printf("Forecast: Mangkhut from %s, %zu members, reach %d h\n\n", taifeng::FormatIsoUtc(now).c_str(),
              hc->analog.members.size(), hc->analog.points.empty() ? 0 : hc->analog.points.back().lead_h);
  for (int step : {1, 2, 6}) {
    core::HazardOptions ho;
    ho.step_h = step;
    std::vector<double> ms;
    core::Hazard h;
    for (int k = 0; k < 15; ++k) {
      t0 = Clock::now();
      h = core::ComputeHazard(hc->analog, *regions, ho);
      ms.push_back(1e3 * Seconds(t0));
    }
    std::sort(ms.begin(), ms.end());
    std::size_t points = 0;
    for (std::size_t i = 0; i < regions->size(); ++i) points += regions->SamplePoints(i).size();
    std::printf("Hazard, %d h steps: %zu members x %d h x %zu regions (%zu sample points): median %.1f ms, "
                "min %.1f, max %.1f (15 runs)%s\n",
                step, h.members, h.hours, h.regions.size(), points, ms[ms.size() / 2], ms.front(), ms.back(),
                step == 1 ? "  [target <= 200 ms]" : "");
  }
  t0 = Clock::now();
  const data::RainGrid g = core::ModelledArchiveRain(*index);
  std::printf("\nModelled rain (R-CLIPER) of the archive: %zu storms on %d x %d cells in %.2f s\n", g.layers(), g.nlat,
              g.nlon, Seconds(t0));
  return 0;
}
