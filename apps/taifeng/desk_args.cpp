#include "desk_args.h"

#include <cstdlib>
#include <iostream>
#include <optional>

#include "taifeng/base/error.h"
#include "taifeng/warnings/operations.h"

namespace taifeng::cli {

void AddDeskOptions(CLI::App* cmd, DeskArgs& a, bool with_regions) {
  cmd->add_option("--journal", a.journal, "journal directory (default: $TAIFENG_JOURNAL, else $XDG_STATE_HOME/taifeng, else "
                                          "~/.local/state/taifeng)");
  cmd->add_option("--rules", a.rules, "warning rules (TOML)")->capture_default_str();
  if (with_regions) cmd->add_option("--regions", a.regions, "region file (GeoJSON, Shapefile, GeoPackage)")->capture_default_str();
  cmd->add_option("--cap-schema", a.schema, "the OASIS CAP 1.2 XSD every message is validated against")->capture_default_str();
  cmd->add_option("--trust", a.trust, "the signing keys every journal record must be signed by: a directory of *.sign files or one file "
                                      "(default: the key directory's service.sign and operators/*.sign; with none there, signatures are "
                                      "checked against their own keys only)");
  cmd->add_flag("--json", a.json, "print JSON");
}

std::vector<std::filesystem::path> TrustedKeyFiles(const std::filesystem::path& keys) {
  return {keys / "service.sign", keys / "operators"};
}

namespace {
std::optional<std::filesystem::path> DefaultKeys() {
  try {
    return KeyDirectory("");
  } catch (const Error&) {
    return std::nullopt;  // no home: no default key directory
  }
}
}  // namespace

std::string ApplySigningKeys(warnings::Journal& journal, const DeskArgs& a, bool sign) {
  const auto keys = DefaultKeys();
  warnings::TrustedSigners trust;
  if (!a.trust.empty()) {
    trust = warnings::ReadTrustedSigners({a.trust});
    if (trust.empty()) throw Error(ErrorCode::kNotFound, a.trust + ": no signing keys (*.sign) to trust");
  } else if (keys) {
    trust = warnings::ReadTrustedSigners(TrustedKeyFiles(*keys));
  }
  journal.SetTrust(std::move(trust));
  if (!sign) return "";
  std::filesystem::path secret;
  std::string key_file = a.key;  // the operator's CURVE secret: its signing secret is beside it
  if (const char* e = std::getenv("TAIFENG_OPERATOR_KEY"); key_file.empty() && e != nullptr && *e != '\0') key_file = e;
  if (!key_file.empty()) {
    secret = key_file;
    secret.replace_extension(".sign_secret");
  } else if (keys) {
    secret = *keys / (OperatorName(a.operator_name) + ".sign_secret");
  }
  std::error_code ec;
  if (secret.empty() || !std::filesystem::exists(secret, ec))
    return "note: records written unsigned (no signing key " + (secret.empty() ? std::string("found") : secret.string()) +
           "; create one with: taifeng keys generate NAME --role operator)";
  journal.SetSigner(std::make_shared<const warnings::SigningKey>(warnings::SigningKey::Read(secret)));
  return "";
}

void AddCommandOptions(CLI::App* cmd, DeskArgs& a) {
  cmd->add_option("--request-id", a.request_id,
                  "the command's idempotency key (1-64 of A-Z a-z 0-9 _ -; default: a new random one). A command whose request id "
                  "the journal holds is not done again: retry with the id printed when an answer was lost")
      ->check([](const std::string& v) { return warnings::IsRequestId(v) ? std::string() : std::string("1-64 of A-Z a-z 0-9 _ -"); });
  cmd->add_option("--timeout", a.timeout_s, "seconds to wait for a running service's answer")->capture_default_str()->check(CLI::Range(1, 600));
}

void SignAsOperator(warnings::Desk& desk, const DeskArgs& a) {
  if (const std::string note = ApplySigningKeys(desk.journal(), a, true); !note.empty()) std::cerr << note << '\n';
}

std::unique_ptr<warnings::Desk> OpenDesk(const DeskArgs& a, std::shared_ptr<const geo::RegionSet> regions, bool create) {
  if (!regions) regions = geo::RegionSet::Load(a.regions, geo::RegionSet::Administrative());
  auto journal = warnings::Journal::Open(JournalFile(a.journal), create);
  ApplySigningKeys(*journal, a, false);
  return std::make_unique<warnings::Desk>(std::move(journal), warnings::RuleSet::Load(a.rules), std::move(regions),
                                          warnings::CapSchema::Load(a.schema));
}

}  // namespace taifeng::cli
