// Benchmark of one analog query against the full CMA 1949-2022 archive (issue 3 target: median
// <= 2 ms on the 2-core machine), with 1 and 2 OpenMP threads, without and with the full
// breakdown of every term for the 10 analogs (what the CLI shows). Run: build/bin/taifeng-bench-match
#include <benchmark/benchmark.h>
#include <omp.h>

#include <memory>

#include "taifeng/core/matcher.h"
#include "taifeng/data/archive.h"
#include "taifeng/data/import.h"
#include "taifeng/base/time_utc.h"

namespace {

using namespace taifeng;

struct Fixture {
  std::shared_ptr<const core::MatchIndex> index;
  std::vector<core::TrackPoint> live;
};

const Fixture& Get() {
  static const Fixture f = [] {
    data::ImportResult r;
    for (const auto& p : data::ListSourceFiles(data::Format::Named("cma"), std::string(TAIFENG_SAMPLES_DIR) + "/cma")) {
      data::ImportFile(data::Format::Named("cma"), p, {}, r);
    }
    auto archive = std::make_shared<const data::Archive>(data::ToArchive(r.storms, r.sources));
    data::ImportResult live;
    data::ImportFile(data::Format::Named("atcf"), std::string(TAIFENG_SAMPLES_DIR) + "/atcf/bwp262018.dat", {}, live);
    data::Storm storm = live.storms.at(0);
    const std::int64_t at = *taifeng::UtcSeconds(2018, 9, 14, 0);
    std::erase_if(storm.fixes, [&](const data::Fix& x) { return x.time_utc > at; });
    return Fixture{core::MatchIndex::Build(archive), core::LiveSegment(storm, 24)};
  }();
  return f;
}

void BM_MatchCma(benchmark::State& state) {
  const Fixture& f = Get();
  omp_set_num_threads(static_cast<int>(state.range(0)));
  core::MatchOptions options;
  options.explain_all_terms = state.range(1) != 0;
  core::MatchResult r;
  for (auto _ : state) {
    r = core::Match(*f.index, f.live, options);
    benchmark::DoNotOptimize(r.analogs.data());
  }
  state.counters["threads"] = static_cast<double>(state.range(0));
  state.counters["explain_all"] = static_cast<double>(state.range(1));
  state.counters["storms"] = static_cast<double>(f.index->storm_count());
  state.counters["segments"] = static_cast<double>(r.segments);
  state.counters["scored_exactly"] = static_cast<double>(r.scored_exactly);
}
BENCHMARK(BM_MatchCma)->Args({1, 0})->Args({2, 0})->Args({1, 1})->Args({2, 1})->Unit(benchmark::kMillisecond)->UseRealTime()->Repetitions(5)
    ->ReportAggregatesOnly(true)->MinTime(1.0);

}  // namespace

BENCHMARK_MAIN();
