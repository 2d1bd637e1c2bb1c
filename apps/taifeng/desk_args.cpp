#include "desk_args.h"

#include <cstdlib>

#include "taifeng/base/error.h"

namespace taifeng::cli {

feed::Certificate OperatorCertificate(const DeskArgs& a) {
  std::filesystem::path file;
  if (!a.key.empty()) file = a.key;
  else if (const char* e = std::getenv("TAIFENG_OPERATOR_KEY"); e && *e) file = e;
  else file = KeyDirectory("") / (OperatorName(a.operator_name) + ".key_secret");
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    throw Error(ErrorCode::kNotFound, "a Taifeng service runs and takes commands only from operator keys, and " + file.string() +
                                          " does not exist: give --key FILE, or create one with taifeng keys generate NAME --role operator");
  feed::Certificate c = feed::ReadCertificate(file);
  if (c.secret_key.empty()) throw Error(ErrorCode::kInvalidArgument, file.string() + ": a public certificate; the secret one is NAME.key_secret");
  return c;
}

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
