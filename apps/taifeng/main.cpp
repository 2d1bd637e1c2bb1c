// taifeng: the operator CLI of the Taifeng typhoon and flood early-warning service.
#include <cstdio>
#include <iostream>

#include "../common/run_cli.h"
#include "commands.h"
#include "taifeng/base/error.h"

namespace {

int Main(int argc, char** argv) {
  CLI::App app{"Taifeng: typhoon and flood early warning for South China.\n" + taifeng::ExitCodesHelp()};
  app.set_version_flag("--version", "taifeng " TAIFENG_VERSION);
  app.require_subcommand(1);
  taifeng::cli::RegisterArchiveCommands(app);
  taifeng::cli::RegisterMatchCommand(app);
  taifeng::cli::RegisterForecastCommands(app);
  taifeng::cli::RegisterReplayCommand(app);
  taifeng::cli::RegisterHazardCommands(app);
  taifeng::cli::RegisterWarnCommands(app);
  taifeng::cli::RegisterWarnStabilityCommand(app);
  taifeng::cli::RegisterWarnSeasonsCommand(app);
  taifeng::cli::RegisterWarnVerifyCommand(app);
  taifeng::cli::RegisterKeysCommands(app);
  taifeng::cli::RegisterServeCommand(app);
  taifeng::cli::RegisterCapCommands(app);
  taifeng::cli::RegisterRiskCommands(app);
  return taifeng::cli::RunCli("taifeng", app, argc, argv);
}

}  // namespace

int main(int argc, char** argv) {
  return taifeng::cli::GuardMain("taifeng", [&] { return Main(argc, argv); });
}
