// taifeng: the operator CLI of the Taifeng typhoon and flood early-warning service.
#include <cstdio>
#include <iostream>

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
  taifeng::cli::RegisterKeysCommands(app);
  taifeng::cli::RegisterServeCommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return taifeng::Describe(taifeng::ErrorCode::kUsage).exit_status;
  } catch (const taifeng::Error& e) {
    std::cerr << "taifeng: error: " << e.what() << '\n';
    return e.exit_status();
  } catch (const std::exception& e) {
    std::cerr << "taifeng: internal error: " << e.what() << '\n';
    return taifeng::Describe(taifeng::ErrorCode::kInternal).exit_status;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (...) {  // nothing escapes main: a failure while building the command line is internal
    std::fputs("taifeng: internal error\n", stderr);
    return taifeng::Describe(taifeng::ErrorCode::kInternal).exit_status;
  }
}
