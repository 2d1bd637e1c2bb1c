// The service's memory against the journal's size (hardening issue: "memory bounded by
// configuration, not by the journal"): a journal of 100,000 warning messages (copies of real ones
// under new identifiers), a real `taifeng serve` process on it, and its resident memory (VmRSS,
// VmHWM from /proc) after start, after the first command (the desk reads every message) and after
// 200 more commands, with those commands' round-trip times. Target: RSS <= 300 MB.
// Run: build/bin/taifeng-bench-service-memory [MESSAGES]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "feed_setup.h"
#include "taifeng/feed/client.h"
#include "taifeng/feed/keys.h"
#include "taifeng/feed/service_file.h"
#include "taifeng/warnings/feed_summary.h"

namespace {

using namespace taifeng;
using namespace taifeng::warnings;
using Clock = std::chrono::steady_clock;

// "VmRSS" or "VmHWM" of a process, in MB.
double MemoryMb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) / 1024.0;
  return -1;
}

// Journals `count` copies of the desk's messages (new identifiers), 10,000 per transaction.
void FillJournal(Desk& desk, int count) {
  const std::vector<Message> real = desk.FullMessages();
  for (int done = 0; done < count;) {
    const int n = std::min(10000, count - done);
    desk.journal().Append([&](Journal::Writer& w) {
      for (int i = 0; i < n; ++i, ++done) {
        Message m = real[static_cast<std::size_t>(done) % real.size()];
        m.identifier += "-copy" + std::to_string(done);
        m.seq = w.next_seq();
        w.Add(kT0, "bench", "message", MessageToJson(m));
        const auto [feed_seq, prev] = w.NextFeedPosition(StreamOf(m));
        w.AddFeedRow(ProjectMessage(m, feed_seq, prev));
      }
    });
  }
}

pid_t StartServe(const std::filesystem::path& journal_dir, const std::filesystem::path& keys, const std::filesystem::path& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string cmd = std::string(std::getenv("TAIFENG_BENCH_ENV") ? std::getenv("TAIFENG_BENCH_ENV") : "") + " " + std::string(TAIFENG_CLI) + " serve --journal " + journal_dir.string() + " --keys " + keys.string() +
                            " --publish 'tcp://127.0.0.1:*' --sync 'tcp://127.0.0.1:*' --control 'tcp://127.0.0.1:*' > " + log.string() + " 2>&1";
    ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

}  // namespace

int main(int argc, char** argv) {
  const int messages = argc > 1 ? std::atoi(argv[1]) : 100000;
  std::printf("Machine: %u hardware threads\n", std::thread::hardware_concurrency());
  const auto dir = std::filesystem::temp_directory_path() / ("taifeng-bench-memory-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "journal");
  auto rules = RuleSet::Load(std::string(TAIFENG_SOURCE_DIR) + "/config/warnings.toml");
  auto regions = geo::RegionSet::Load(std::string(TAIFENG_SAMPLES_DIR) + "/regions/south_china_23.geojson", geo::RegionSet::Administrative());
  auto schema = CapSchema::Load(std::string(TAIFENG_SAMPLES_DIR) + "/cap/schema/CAP-v1.2.xsd");
  const auto t_fill = Clock::now();
  {
    Desk desk(Journal::Open(dir / "journal" / "journal.sqlite"), rules, regions, schema);
    IssueTyphoonBlueEverywhere(desk, *rules, *regions);
    FillJournal(desk, messages);
  }
  std::printf("journal: %d messages (+23 real) written in %.1f s, %.0f MB on disk\n", messages,
              std::chrono::duration<double>(Clock::now() - t_fill).count(),
              static_cast<double>(std::filesystem::file_size(dir / "journal" / "journal.sqlite")) / 1e6);
  const feed::Certificate server = feed::GenerateCertificate("service"), op = feed::GenerateCertificate("duty");
  feed::WriteCertificate(dir / "keys", server);
  feed::Certificate op_public = op;
  op_public.secret_key.clear();
  feed::WriteCertificate(dir / "keys" / "operators", op_public);
  const auto t_start = Clock::now();
  const pid_t pid = StartServe(dir / "journal", dir / "keys", dir / "serve.log");
  std::optional<feed::ServiceFile> svc;
  while (!(svc = feed::RunningService(dir / "journal")) && Clock::now() - t_start < std::chrono::seconds(300))
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (!svc) {
    std::printf("the service did not start (see %s)\n", (dir / "serve.log").c_str());
    return 1;
  }
  std::printf("serve started in %.1f s: RSS %.0f MB (peak %.0f MB)\n", std::chrono::duration<double>(Clock::now() - t_start).count(),
              MemoryMb(pid, "VmRSS"), MemoryMb(pid, "VmHWM"));
  auto control = feed::ControlClient::Connect(svc->control, svc->public_key, op, 120000);
  std::vector<double> ms;
  for (int i = 0; i <= 200; ++i) {
    OperatorCommand c;
    c.action = "update";
    c.targets = {regions->region(static_cast<std::size_t>(i) % regions->size()).code};
    c.kind = "typhoon";
    c.extend_h = 6 + i % 12;
    c.at_utc = kT0 + 600 * (i + 1);
    const auto t0 = Clock::now();
    control->Request("COMMIT", CommandToJson(c));
    ms.push_back(1e3 * std::chrono::duration<double>(Clock::now() - t0).count());
    if (i == 0)
      std::printf("first command (the desk reads every message): %.0f ms; RSS %.0f MB (anonymous %.0f, files %.0f, shared %.0f; peak %.0f MB)\n",
                  ms[0], MemoryMb(pid, "VmRSS"), MemoryMb(pid, "RssAnon"), MemoryMb(pid, "RssFile"), MemoryMb(pid, "RssShmem"),
                  MemoryMb(pid, "VmHWM"));
  }
  ms.erase(ms.begin());
  std::sort(ms.begin(), ms.end());
  std::printf("200 more commands: median %.2f ms, p99 %.2f ms; RSS %.0f MB (peak %.0f MB); target RSS <= 300 MB\n", ms[ms.size() / 2],
              ms[static_cast<std::size_t>(0.99 * static_cast<double>(ms.size() - 1))], MemoryMb(pid, "VmRSS"), MemoryMb(pid, "VmHWM"));
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (std::getenv("TAIFENG_BENCH_KEEP")) std::printf("kept: %s\n", dir.c_str());
  else std::filesystem::remove_all(dir);
  return 0;
}
