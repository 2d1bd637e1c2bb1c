// The forecast figures of the forecast issue, printed: one full forecast against the CMA 1949-2022
// archive (match, analog ensemble with landfall, persistence, CLIPER; target <= 20 ms), the
// leave-one-season-out verification of 2015-2022 (target <= 60 s), and a full replay of Mangkhut
// 2018 with --fast (the taifeng executable, archive read from HDF5, report, CSV and maps written).
// Run: build/bin/taifeng-bench-forecast
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "taifeng/core/cliper.h"
#include "taifeng/core/verify.h"
#include "taifeng/data/archive.h"
#include "taifeng/data/import.h"
#include "taifeng/base/time_utc.h"

namespace {

using namespace taifeng;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string Run(const std::string& command, int& status) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  status = pclose(p);
  return out;
}

}  // namespace

int main() {
  namespace fs = std::filesystem;
  std::printf("Machine: %u hardware threads, OpenMP max threads %d\n\n", std::thread::hardware_concurrency(),
              omp_get_max_threads());
  const std::string samples = TAIFENG_SAMPLES_DIR;
  auto t0 = Clock::now();
  data::ImportResult r;
  for (const auto& p : data::ListSourceFiles(data::Format::Named("cma"), samples + "/cma")) {
    data::ImportFile(data::Format::Named("cma"), p, {}, r);
  }
  auto archive = std::make_shared<const data::Archive>(data::ToArchive(r.storms, r.sources));
  const auto index = core::MatchIndex::Build(archive);
  std::printf("CMA archive: %zu storms, imported and indexed in %.2f s\n", archive->storm_count(), Seconds(t0));
  t0 = Clock::now();
  const core::CliperModel cliper = core::CliperModel::Fit(*index);
  std::printf("CLIPER fit: %.2f s (%zu cases at +24 h)\n\n", Seconds(t0), cliper.cases(24));

  // 1. One full forecast: Mangkhut (JTWC b-deck) at 2018-09-14T00Z, the storm's CMA track excluded.
  data::ImportResult live;
  data::ImportFile(data::Format::Named("atcf"), samples + "/atcf/bwp262018.dat", {}, live);
  data::Storm storm = live.storms.at(0);
  const std::int64_t at = *taifeng::UtcSeconds(2018, 9, 14, 0);
  std::erase_if(storm.fixes, [&](const data::Fix& x) { return x.time_utc > at; });
  const std::vector<core::TrackPoint> observed = core::LiveSegment(storm, 24);
  const auto land = geo::RegionSet::Load(samples + "/regions/china_provinces_wgs84/china.shp", geo::RegionSet::Fields("", "", "FENAME", 10.0));
  core::MatchOptions mo;
  mo.top_k = 20;
  core::ForecastOptions fo;
  core::MatchFilter filter;
  filter.exclude.insert("CMA:2018-0026");
  std::vector<double> ms;
  std::size_t points = 0;
  for (int i = 0; i < 60; ++i) {
    t0 = Clock::now();
    const auto h = core::ForecastFrom(*index, observed, &cliper, mo, fo, filter, land.get());
    ms.push_back(1000 * Seconds(t0));
    points = h ? h->analog.points.size() : 0;
  }
  std::sort(ms.begin(), ms.end());
  std::printf("1. One full forecast (match top 20, ensemble to +120 h with cone and landfall, persistence, CLIPER):\n"
              "   median %.2f ms, min %.2f ms, 90th percentile %.2f ms over %zu runs (%zu forecast points; "
              "target <= 20 ms)\n\n",
              ms[ms.size() / 2], ms.front(), ms[ms.size() * 9 / 10], ms.size(), points);

  // 2. Leave-one-season-out verification of 2015-2022.
  t0 = Clock::now();
  core::VerifyOptions vo;
  vo.match.top_k = 20;
  const core::VerifyReport v = core::VerifyLeaveOneSeasonOut(*index, 2015, 2022, vo);
  const double loso_s = Seconds(t0);
  std::printf("2. Leave-one-season-out verification 2015-2022: %.1f s (target <= 60 s); %zu storms, %zu forecasts\n",
              loso_s, v.storms, v.forecasts);
  std::printf("   lead   cases  analog (km)  CLIPER (km)  persistence (km)  skill vs CLIPER (%%)\n");
  for (const auto& l : v.leads) {
    std::printf("   +%-4d  %-5zu  %-11.0f  %-11.0f  %-16.0f  %.1f\n", l.lead_h, l.cases, l.analog.track_km,
                l.cliper.track_km, l.persistence.track_km, l.skill_vs_cliper_pct());
  }

  // 3. A full replay of Mangkhut 2018 with --fast, by the taifeng executable.
  const fs::path dir = fs::temp_directory_path() / ("taifeng-bench-forecast-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  data::WriteArchive(dir / "cma.h5", *archive);
  t0 = Clock::now();
  int status = 0;
  const std::string out = Run(std::string(TAIFENG_CLI) + " replay --archive " + (dir / "cma.h5").string() +
                                  " --storm MANGKHUT --fast --json --out " + (dir / "replay").string(),
                              status);
  const double replay_s = Seconds(t0);
  if (status != 0) {
    std::fprintf(stderr, "replay failed (%d): %s\n", status, out.c_str());
    fs::remove_all(dir);
    return 1;
  }
  const nlohmann::json j = nlohmann::json::parse(out);
  std::printf("\n3. Replay of Mangkhut 2018 (taifeng replay --storm MANGKHUT --fast): %.2f s in all, of which "
              "%.2f s for the %d forecasts (%.1f ms each); the rest is reading the archive, fitting CLIPER and "
              "writing the report, CSV and %d maps\n",
              replay_s, j["compute_s"].get<double>(), j["forecasts"].get<int>(),
              1000 * j["compute_s"].get<double>() / j["forecasts"].get<int>(), j["forecasts"].get<int>() + 1);
  fs::remove_all(dir);
  return 0;
}
