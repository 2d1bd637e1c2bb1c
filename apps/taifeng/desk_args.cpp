#include "desk_args.h"

#include "taifeng/base/error.h"

namespace taifeng::cli {

void AddDeskOptions(CLI::App* cmd, DeskArgs& a, bool with_regions) {
  cmd->add_option("--journal", a.journal, "journal directory (default: $TAIFENG_JOURNAL, else $XDG_STATE_HOME/taifeng, else "
                                          "~/.local/state/taifeng)");
  cmd->add_option("--rules", a.rules, "warning rules (TOML)")->capture_default_str();
  if (with_regions) cmd->add_option("--regions", a.regions, "region file (GeoJSON, Shapefile, GeoPackage)")->capture_default_str();
  cmd->add_option("--cap-schema", a.schema, "the OASIS CAP 1.2 XSD every message is validated against")->capture_default_str();
  cmd->add_flag("--json", a.json, "print JSON");
}

std::unique_ptr<warnings::Desk> OpenDesk(const DeskArgs& a, std::shared_ptr<const geo::RegionSet> regions, bool create) {
  if (!regions) regions = geo::RegionSet::Load(a.regions, geo::RegionSet::Administrative());
  return std::make_unique<warnings::Desk>(warnings::Journal::Open(JournalFile(a.journal), create), warnings::RuleSet::Load(a.rules),
                                          std::move(regions), warnings::CapSchema::Load(a.schema));
}

}  // namespace taifeng::cli
