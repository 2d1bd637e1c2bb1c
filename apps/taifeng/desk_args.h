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
  std::string request_id;               // --request-id: the command's idempotency key (default: a new random one)
  int timeout_s = 15;                   // --timeout: how long to wait for a running service's answer
  bool json = false;
};

void AddDeskOptions(CLI::App* cmd, DeskArgs& a, bool with_regions = true);
// --request-id and --timeout, for the commands that change what is in force (issue, update, cancel).
void AddCommandOptions(CLI::App* cmd, DeskArgs& a);
std::unique_ptr<warnings::Desk> OpenDesk(const DeskArgs& a, std::shared_ptr<const geo::RegionSet> regions = nullptr, bool create = true);

}  // namespace taifeng::cli
