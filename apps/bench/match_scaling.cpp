// Scaling of the matcher (issue 3): one query against synthetic archives of N storms, with 1 and 2
// OpenMP threads, and the process's peak memory against the archive's in-memory size.
//   build/bin/taifeng-bench-scaling N [QUERIES]     (run once per N: peak memory is per process)
// The synthetic archive is made in memory from the CMA 1949-2022 storms (core/synthetic.h).
#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "taifeng/core/matcher.h"
#include "taifeng/core/synthetic.h"
#include "taifeng/data/archive.h"
#include "taifeng/data/import.h"
#include "taifeng/base/time_utc.h"

using namespace taifeng;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

std::vector<core::TrackPoint> Live(const char* file, int y, int m, int d, int h) {
  data::ImportResult r;
  data::ImportFile(data::Format::Named("atcf"), std::string(TAIFENG_SAMPLES_DIR) + "/atcf/" + file, {}, r);
  data::Storm s = r.storms.at(0);
  const std::int64_t at = *taifeng::UtcSeconds(y, m, d, h);
  std::erase_if(s.fixes, [&](const data::Fix& f) { return f.time_utc > at; });
  return core::LiveSegment(s, 24);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s STORMS [QUERIES]\n", argv[0]);
    return 64;
  }
  const std::size_t n = std::strtoull(argv[1], nullptr, 10);
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 7;
  data::ImportResult cma;
  for (const auto& f : data::ListSourceFiles(data::Format::Named("cma"), std::string(TAIFENG_SAMPLES_DIR) + "/cma")) {
    data::ImportFile(data::Format::Named("cma"), f, {}, cma);
  }
  const auto t0 = Clock::now();
  auto archive = std::make_shared<data::Archive>(data::ToArchive({}, {}));
  std::size_t parent_fixes = 0;
  for (const auto& s : cma.storms) parent_fixes += s.fixes.size();
  data::Reserve(*archive, n, parent_fixes * n / cma.storms.size() + parent_fixes);
  for (std::size_t first = 0; first < n; first += 10000) {
    core::SyntheticOptions o;
    o.first_index = first;
    data::AppendStorms(*archive, core::SynthesizeStorms(cma.storms, std::min<std::size_t>(10000, n - first), o));
  }
  cma = {};
  const auto t1 = Clock::now();
  const auto index = core::MatchIndex::Build(archive);
  const auto t2 = Clock::now();
  const std::vector<std::vector<core::TrackPoint>> lives = {Live("bwp262018.dat", 2018, 9, 14, 0),
                                                            Live("bwp152017.dat", 2017, 8, 22, 0),
                                                            Live("bwp262018.dat", 2018, 9, 11, 0)};
  double median[3] = {0, 0, 0};
  std::int64_t examined = 0, exact = 0, gathered = 0;
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    std::vector<double> ms;
    for (int r = 0; r < repeats; ++r) {
      for (const auto& live : lives) {
        const auto a = Clock::now();
        const core::MatchResult result = core::Match(*index, live, {});
        ms.push_back(Seconds(a, Clock::now()) * 1000.0);
        if (threads == 2 && r == 0) {
          std::printf("  query %zu (2 threads): %.1f ms, %lld storms gathered, %lld segments examined, %lld scored exactly\n",
                      static_cast<std::size_t>(&live - &lives[0]) + 1, ms.back(), static_cast<long long>(result.storms_gathered),
                      static_cast<long long>(result.segments), static_cast<long long>(result.scored_exactly));
        }
        if (threads == 1 && r == 0 && &live == &lives[0]) examined = result.segments, exact = result.scored_exactly, gathered = result.storms_gathered;
      }
    }
    std::sort(ms.begin(), ms.end());
    median[threads] = ms[ms.size() / 2];
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double archive_mb = static_cast<double>(data::MemoryBytes(*archive)) / 1e6;
  const double index_mb = static_cast<double>(index->MemoryBytes()) / 1e6;
  const double peak_mb = static_cast<double>(usage.ru_maxrss) / 1e3;
  std::printf("storms %zu  fixes %zu  points %lld  cores %d\n", archive->storm_count(), archive->fix_count_total(),
              static_cast<long long>(index->point_count()), omp_get_num_procs());
  std::printf("synthesize %.2f s  index build %.2f s (2 threads)\n", Seconds(t0, t1), Seconds(t1, t2));
  std::printf("query median (%zu queries x %d): 1 thread %.2f ms, 2 threads %.2f ms, speed-up %.2fx\n", lives.size(),
              repeats, median[1], median[2], median[1] / median[2]);
  std::printf("first query: %lld storms gathered by the spatial index, %lld segments examined, %lld scored exactly\n",
              static_cast<long long>(gathered), static_cast<long long>(examined), static_cast<long long>(exact));
  std::printf("memory: archive %.0f MB, index %.0f MB, peak RSS %.0f MB = %.2fx the archive\n", archive_mb, index_mb,
              peak_mb, peak_mb / archive_mb);
  return 0;
}
