// A build without the warning feed (TAIFENG_WITH_FEED=OFF): the CLI issues to the journal only.
// `serve` remains as a command that says why it cannot run (`keys` makes signing keys only), and a service found running
// on the journal (started by a build with the feed) is refused rather than written around.
#include <string>

#include "commands.h"
#include "service_link.h"
#include "taifeng/base/error.h"
#include "taifeng/feed/service_file.h"

namespace taifeng::cli {
namespace {

constexpr const char* kNoFeed =
    "this taifeng was built without the warning feed (cmake -DTAIFENG_WITH_FEED=OFF); build it with "
    "-DTAIFENG_WITH_FEED=ON (libzmq, cppzmq and libsodium)";

void AddUnavailable(CLI::App& app, const std::string& name, const std::string& what) {
  CLI::App* cmd = app.add_subcommand(name, what + " (not in this build: TAIFENG_WITH_FEED=OFF)");
  cmd->allow_extras();
  cmd->callback([name] { throw Error(ErrorCode::kUsage, "taifeng " + name + ": " + kNoFeed); });
}

}  // namespace

std::unique_ptr<ServiceLink> ServiceLink::Find(const DeskArgs& d) {
  const auto service = feed::RunningService(JournalFile(d.journal).parent_path());
  if (!service) return nullptr;
  throw Error(ErrorCode::kUsage, "a Taifeng service (pid " + std::to_string(service->pid) + ") owns the journal " +
                                     JournalFile(d.journal).string() + " and takes commands only through the feed, and " + kNoFeed);
}

std::string WriteCurveKeys(const std::filesystem::path&, const std::string&, const std::string&) { return ""; }
void RegisterServeCommand(CLI::App& app) { AddUnavailable(app, "serve", "the warning feed service"); }

}  // namespace taifeng::cli
