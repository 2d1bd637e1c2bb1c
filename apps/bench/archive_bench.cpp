// Benchmark of the archive (issue: build <= 3 s, load <= 100 ms on the 2-core machine):
//   BM_BuildArchive  import all CMA 1949-2022 files and all JTWC b-decks, run the quality report,
//                    write the HDF5 archive (what `taifeng archive build` does)
//   BM_LoadArchive   load that archive into memory (structure of arrays)
// and counters for the archive size against the raw text. Run: build/bin/taifeng-bench-archive
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "taifeng/data/archive.h"
#include "taifeng/data/import.h"
#include "taifeng/data/quality.h"

namespace {

namespace fs = std::filesystem;
using namespace taifeng::data;

fs::path ArchivePath() { return fs::temp_directory_path() / ("taifeng-bench-" + std::to_string(::getpid()) + ".h5"); }

std::vector<std::pair<Format, fs::path>> Inputs(double& raw_bytes) {
  std::vector<std::pair<Format, fs::path>> inputs;
  raw_bytes = 0;
  const fs::path samples = TAIFENG_SAMPLES_DIR;
  for (auto& p : ListSourceFiles(Format::Named("cma"), samples / "cma")) inputs.emplace_back(Format::Named("cma"), p);
  for (auto& p : ListSourceFiles(Format::Named("atcf"), samples / "jtwc")) inputs.emplace_back(Format::Named("atcf"), p);
  for (const auto& [f, p] : inputs) raw_bytes += static_cast<double>(fs::file_size(p));
  return inputs;
}

void BuildOnce(const std::vector<std::pair<Format, fs::path>>& inputs, std::size_t& storms, std::size_t& fixes) {
  ImportResult r;
  for (const auto& [format, path] : inputs) ImportFile(format, path, {}, r);
  const QualityReport quality = AnalyzeQuality(r);  // as `taifeng archive build` does
  benchmark::DoNotOptimize(quality.findings.data());
  std::vector<Storm> merged;
  MergeInto(merged, std::move(r.storms));
  const Archive a = ToArchive(merged, r.sources);
  WriteArchive(ArchivePath(), a);
  storms = a.storm_count();
  fixes = a.fix_count_total();
}

void BM_BuildArchive(benchmark::State& state) {
  double raw = 0;
  const auto inputs = Inputs(raw);
  std::size_t storms = 0, fixes = 0;
  for (auto _ : state) BuildOnce(inputs, storms, fixes);
  state.counters["files"] = static_cast<double>(inputs.size());
  state.counters["storms"] = static_cast<double>(storms);
  state.counters["fixes"] = static_cast<double>(fixes);
  state.counters["raw_MB"] = raw / 1e6;
  state.counters["archive_MB"] = static_cast<double>(fs::file_size(ArchivePath())) / 1e6;
  state.counters["size_ratio"] = static_cast<double>(fs::file_size(ArchivePath())) / raw;
}
BENCHMARK(BM_BuildArchive)->Unit(benchmark::kMillisecond)->MinTime(5.0)->UseRealTime();

void BM_LoadArchive(benchmark::State& state) {
  if (!fs::exists(ArchivePath())) {
    double raw = 0;
    std::size_t s = 0, f = 0;
    BuildOnce(Inputs(raw), s, f);
  }
  std::size_t fixes = 0;
  for (auto _ : state) {
    const Archive a = LoadArchive(ArchivePath());
    fixes = a.fix_count_total();
    benchmark::DoNotOptimize(a.lat_deg.data());
  }
  state.counters["fixes"] = static_cast<double>(fixes);
}
BENCHMARK(BM_LoadArchive)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::error_code ec;
  fs::remove(ArchivePath(), ec);
  return 0;
}
