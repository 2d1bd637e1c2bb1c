// Subcommand registration for the taifeng CLI. Each Register* adds its subcommands to `app`
// and sets their callbacks; a callback throws taifeng::Error on failure.
#pragma once

#include <CLI/CLI.hpp>

namespace taifeng::cli {

void RegisterArchiveCommands(CLI::App& app);
void RegisterMatchCommand(CLI::App& app);
void RegisterForecastCommands(CLI::App& app);  // forecast, cliper fit, verify
void RegisterReplayCommand(CLI::App& app);
void RegisterHazardCommands(CLI::App& app);  // hazard, archive add-rain, archive model-rain (after archive)
void RegisterWarnCommands(CLI::App& app);   // warn propose/issue/update/cancel/list/show/audit/replay
void RegisterWarnStabilityCommand(CLI::App& app);  // warn stability (after the warn commands)
void RegisterWarnSeasonsCommand(CLI::App& app);    // warn seasons (after the warn commands)
void RegisterWarnVerifyCommand(CLI::App& app);     // warn verify (after the warn commands)
void RegisterKeysCommands(CLI::App& app);   // keys generate
void RegisterServeCommand(CLI::App& app);   // serve
void RegisterCapCommands(CLI::App& app);    // cap check
void RegisterRiskCommands(CLI::App& app);   // risk build, risk show

}  // namespace taifeng::cli
