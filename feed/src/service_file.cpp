#include "taifeng/feed/service_file.h"

#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <fstream>

#include "taifeng/base/error.h"

namespace taifeng::feed {

using nlohmann::json;

void WriteServiceFile(const std::filesystem::path& dir, const ServiceFile& f, Env& env) {
  const json j = {{"pid", f.pid},   {"publish", f.publish},         {"sync", f.sync},
                  {"control", f.control}, {"public_key", f.public_key}, {"feed", f.feed_id}};
  WriteFileAtomically(dir / "service.json", j.dump(2) + "\n", 0644, env);
}

void RemoveServiceFile(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::remove(dir / "service.json", ec);
}

std::optional<ServiceFile> RunningService(const std::filesystem::path& dir) {
  const std::filesystem::path p = dir / "service.json";
  std::ifstream in(p);
  if (!in) return std::nullopt;
  ServiceFile f;
  try {
    const json j = json::parse(in);
    f.pid = j.at("pid").get<long>();
    f.publish = j.at("publish").get<std::string>();
    f.sync = j.at("sync").get<std::string>();
    f.control = j.at("control").get<std::string>();
    f.public_key = j.at("public_key").get<std::string>();
    f.feed_id = j.value("feed", "");
  } catch (const json::exception& e) {
    throw ParseError(p.string(), 0, "service.json", std::string("the running service's description (") + e.what() + ")");
  }
  if (f.pid <= 0 || (::kill(static_cast<pid_t>(f.pid), 0) != 0 && errno == ESRCH)) return std::nullopt;
  // A pid reused by another program after a crash is not the service.
  std::ifstream comm("/proc/" + std::to_string(f.pid) + "/comm");
  std::string name;
  if (comm && std::getline(comm, name) && name.rfind("taifeng", 0) != 0) return std::nullopt;
  return f;
}

}  // namespace taifeng::feed
