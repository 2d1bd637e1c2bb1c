// taifeng warn stability: how steady a journal's warnings were (warnings/stability.h), per region
// and kind and in total, against the targets of the warning policy: no cancel or lapse followed by
// a new alert within 24 h, reversals at most 2 % of the changes.
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "desk_args.h"
#include "output.h"
#include "taifeng/warnings/stability.h"

namespace taifeng::cli {
namespace {

using nlohmann::json;

json RowJson(const warnings::StabilityRow& r) {
  return {{"region_code", r.region_code}, {"region_name", r.region_name},   {"region_name_en", r.region_name_en},
          {"kind", warnings::KindName(r.kind)}, {"messages", r.messages}, {"levels", r.levels},
          {"changes", r.changes},           {"extends", r.extends},          {"cancel_reissue_24h", r.cancel_reissue},
          {"lapse_reissue_24h", r.lapse_reissue}, {"reversals_24h", r.reversals}};
}

void RunStability(const DeskArgs& a) {
  auto desk = OpenDesk(a, nullptr, false);
  desk->RequireAudit();
  warnings::StabilityReport report = warnings::Stability(desk->Messages());
  for (auto& row : report.rows)
    if (const auto i = desk->regions().Find(row.region_code))
      row.region_name = desk->regions().region(*i).name, row.region_name_en = desk->regions().region(*i).name_en;
  const auto& t = report.total;
  const double reversal_pct = t.changes ? 100.0 * t.reversals / t.changes : 0.0;
  if (a.json) {
    json rows = json::array();
    for (const auto& r : report.rows) rows.push_back(RowJson(r));
    std::cout << json{{"journal", desk->journal().path().string()}, {"window_h", report.window_s / 3600}, {"rows", rows},
                      {"total", RowJson(t)}, {"reversal_percent", reversal_pct}}
                     .dump(2)
              << '\n';
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : report.rows)
    rows.push_back({r.region_code, r.region_name_en, std::string(warnings::KindName(r.kind)), std::to_string(r.messages),
                    std::to_string(r.levels), std::to_string(r.changes), std::to_string(r.extends), std::to_string(r.cancel_reissue),
                    std::to_string(r.lapse_reissue), std::to_string(r.reversals)});
  PrintTable({"region", "name", "kind", "messages", "levels", "changes", "extends", "cancel>alert<=24h", "lapse>alert<=24h", "down>up<=24h"},
             rows);
  std::cout << "Total: " << t.messages << " messages, " << t.changes << " changes, " << t.extends << " extensions; cancel then a new alert within 24 h: "
            << t.cancel_reissue << " (target 0); lapse then a new alert within 24 h: " << t.lapse_reissue
            << " (target 0); downgrade then upgrade within 24 h: " << t.reversals << " = " << FormatFloat(reversal_pct, 1)
            << " % of the changes (target <= 2 %).\n";
}

}  // namespace

void RegisterWarnStabilityCommand(CLI::App& app) {
  CLI::App* warn = app.get_subcommand("warn");
  auto a = std::make_shared<DeskArgs>();
  CLI::App* cmd = warn->add_subcommand("stability", "How steady the journal's warnings were: messages, levels, changes and flip-flops "
                                                    "(cancel or lapse then a new alert, downgrade then upgrade, within 24 h) per region "
                                                    "and kind");
  AddDeskOptions(cmd, *a, false);
  cmd->callback([a] { RunStability(*a); });
}

}  // namespace taifeng::cli
