// Shared by the warn, keys and serve commands: where the journal and the keys live, who the
// operator is, and opening the warning desk.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "taifeng/geo/regions.h"
#include "taifeng/warnings/desk.h"
#include "../common/locations.h"

namespace taifeng::cli {

struct DeskArgs {
  std::string journal, rules = TAIFENG_DEFAULT_RULES, regions = TAIFENG_DEFAULT_REGIONS, schema = TAIFENG_CAP_SCHEMA;
  std::string operator_name, at, key;  // key: the operator's secret certificate for a running service (--key)
  std::string trust;                    // --trust: directory or file of the trusted signing keys (*.sign)
  std::string request_id;               // --request-id: the command's idempotency key (default: a new random one)
  int timeout_s = 15;                   // --timeout: how long to wait for a running service's answer
  bool json = false;
};

void AddDeskOptions(CLI::App* cmd, DeskArgs& a, bool with_regions = true);
// --request-id and --timeout, for the commands that change what is in force (issue, update, cancel).
void AddCommandOptions(CLI::App* cmd, DeskArgs& a);
// The signing keys a journal's records must be signed by: KEYS/service.sign and KEYS/operators/*.sign.
std::vector<std::filesystem::path> TrustedKeyFiles(const std::filesystem::path& keys);
// Sets the journal's trust from --trust (default: the key directory's trusted keys, when it has
// any) and, when `sign` and the operator has a signing key (KEYS/NAME.sign_secret, or beside
// --key), its signer. Returns a note for stderr when records will be written unsigned.
std::string ApplySigningKeys(warnings::Journal& journal, const DeskArgs& a, bool sign);
// ApplySigningKeys for a command that writes to the desk's journal; prints its note on stderr.
void SignAsOperator(warnings::Desk& desk, const DeskArgs& a);
// Opens the desk with the journal's trust applied (ApplySigningKeys without signing).
std::unique_ptr<warnings::Desk> OpenDesk(const DeskArgs& a, std::shared_ptr<const geo::RegionSet> regions = nullptr, bool create = true);

}  // namespace taifeng::cli
