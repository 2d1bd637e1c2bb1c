// Shared by the feed and gateway benches: typhoon blue issued in every region, as an exercise.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "taifeng/core/hazard.h"
#include "taifeng/warnings/desk.h"
#include "taifeng/warnings/feed_service.h"
#include "taifeng/warnings/operations.h"

namespace taifeng::warnings {

using namespace feed;

inline constexpr std::int64_t kT0 = 1536969600;  // 2018-09-15T00:00:00Z

// Journals a proposal and the issue of typhoon blue in every region of `regions` at kT0 (status
// Exercise); returns the region codes.
inline std::vector<std::string> IssueTyphoonBlueEverywhere(Desk& desk, const RuleSet& rules, const geo::RegionSet& regions) {
  std::vector<std::string> codes;
  core::Hazard h;
  for (std::size_t i = 0; i < regions.size(); ++i) {
    core::RegionHazard r;
    r.code = regions.region(i).code, r.name = regions.region(i).name, r.name_en = regions.region(i).name_en;
    const Jurisdiction* mine = rules.For(r.code);
    for (const auto& j : rules.jurisdictions())
      for (const SignalRule& s : j->signals()) {
        if (!s.enabled || s.kind == Kind::kFlood) continue;
        core::RegionHazard::CriterionResult c;
        // Guangdong's blue, or the second signal of another jurisdiction's typhoon ladder.
        if (j.get() == mine && s.kind == Kind::kTyphoon && s.rank == 2) c.probability = 0.9, c.onset_utc = kT0 + 7200, c.wind_ms = 20, c.gust_ms = 30;
        r.criteria.push_back(c);
      }
    h.regions.push_back(r);
    codes.push_back(r.code);
  }
  const auto plan = Plan(rules, Evaluate(rules, h), desk.StateAt(kT0), kT0);
  desk.RecordProposal(plan, {"CMA-2018-22", "Mangkhut", kT0, true, "bench", "", ""}, "bench", kT0);
  ActionContext ctx{kT0, "bench", "Exercise", "benchmark"};
  desk.Commit("issue", "{}", desk.FromProposal(*desk.LatestProposal(), {}), ctx);
  return codes;
}

// A feed service in a thread of this process (every endpoint CURVE on a free 127.0.0.1 port) on a
// real journal in `dir`, with typhoon blue in force in the 23 bundled regions; an operator key
// `op`, a gateway key `gw` and 20 gateway keys `flooders`. Stopped and joined when destroyed.
class BenchFeed {
 public:
  BenchFeed(const std::filesystem::path& dir, const std::string& gateway_name)
      : dir_(dir),
        rules_(RuleSet::Load(std::string(TAIFENG_SOURCE_DIR) + "/config/warnings.toml")),
        regions_(geo::RegionSet::Load(std::string(TAIFENG_SAMPLES_DIR) + "/regions/south_china_23.geojson", geo::RegionSet::Administrative())),
        schema_(CapSchema::Load(std::string(TAIFENG_SAMPLES_DIR) + "/cap/schema/CAP-v1.2.xsd")) {
    codes_ = IssueTyphoonBlueEverywhere(*OpenDesk(), *rules_, *regions_);
    settings.publish_endpoint = settings.sync_endpoint = settings.control_endpoint = "tcp://127.0.0.1:*";
    settings.server = GenerateCertificate("service");
    op = GenerateCertificate("duty"), gw = GenerateCertificate(gateway_name);
    settings.operator_keys = {{op.public_key, "duty"}};
    settings.gateway_keys = {{gw.public_key, gateway_name}};
    for (int i = 0; i < 20; ++i) {
      flooders.push_back(GenerateCertificate("flood-" + std::to_string(i)));
      settings.gateway_keys[flooders.back().public_key] = flooders.back().name;
    }
    settings.poll_ms = 20;
    service_ = FeedService::Start(settings, OpenDesk(), nullptr);
    thread_ = std::thread([this] { service_->Run(); });
  }
  ~BenchFeed() { Stop(); }
  void Stop() {
    if (!service_) return;
    service_->RequestStop();
    thread_.join();
    service_.reset();
  }
  std::unique_ptr<Desk> OpenDesk() const { return std::make_unique<Desk>(Journal::Open(dir_ / "journal.sqlite"), rules_, regions_, schema_); }
  FeedService& service() { return *service_; }
  const FeedService::Endpoints& endpoints() const { return service_->endpoints(); }
  const std::vector<std::string>& codes() const { return codes_; }
  // The i-th operator command of a latency run: extend one region's typhoon signal (6–17 h).
  OperatorCommand Extension(int i) const {
    OperatorCommand c;
    c.action = "update";
    c.targets = {codes_[static_cast<std::size_t>(i) % codes_.size()]};
    c.kind = "typhoon";
    c.extend_h = 6 + i % 12;
    c.at_utc = kT0 + 60 * i;
    return c;
  }

  FeedServiceSettings settings;
  Certificate op, gw;
  std::vector<Certificate> flooders;  // 20 more gateway keys, for the replay flood

 private:
  std::filesystem::path dir_;
  std::shared_ptr<const RuleSet> rules_;
  std::shared_ptr<const geo::RegionSet> regions_;
  std::shared_ptr<const CapSchema> schema_;
  std::vector<std::string> codes_;
  std::unique_ptr<FeedService> service_;
  std::thread thread_;
};

}  // namespace taifeng::warnings
