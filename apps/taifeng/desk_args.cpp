#include "desk_args.h"

#include "taifeng/base/error.h"
#include "taifeng/warnings/operations.h"

namespace taifeng::cli {

void AddDeskOptions(CLI::App* cmd, DeskArgs& a, bool with_regions) {
  cmd->add_option("--journal", a.journal, "journal directory (default: $TAIFENG_JOURNAL, else $XDG_STATE_HOME/taifeng, else "
                                          "~/.local/state/taifeng)");
  cmd->add_option("--rules", a.rules, "warning rules (TOML)")->capture_default_str();
  if (with_regions) cmd->add_option("--regions", a.regions, "region file (GeoJSON, Shapefile, GeoPackage)")->capture_default_str();
  cmd->add_option("--cap-schema", a.schema, "the OASIS CAP 1.2 XSD every message is validated against")->capture_default_str();
  cmd->add_flag("--json", a.json, "print JSON");
}

void AddCommandOptions(CLI::App* cmd, DeskArgs& a) {
  cmd->add_option("--request-id", a.request_id,
                  "the command's idempotency key (1-64 of A-Z a-z 0-9 _ -; default: a new random one). A command whose request id "
                  "the journal holds is not done again: retry with the id printed when an answer was lost")
      ->check([](const std::string& v) { return warnings::IsRequestId(v) ? std::string() : std::string("1-64 of A-Z a-z 0-9 _ -"); });
  cmd->add_option("--timeout", a.timeout_s, "seconds to wait for a running service's answer")->capture_default_str()->check(CLI::Range(1, 600));
}

std::unique_ptr<warnings::Desk> OpenDesk(const DeskArgs& a, std::shared_ptr<const geo::RegionSet> regions, bool create) {
  if (!regions) regions = geo::RegionSet::Load(a.regions, geo::RegionSet::Administrative());
  return std::make_unique<warnings::Desk>(warnings::Journal::Open(JournalFile(a.journal), create), warnings::RuleSet::Load(a.rules),
                                          std::move(regions), warnings::CapSchema::Load(a.schema));
}

}  // namespace taifeng::cli
