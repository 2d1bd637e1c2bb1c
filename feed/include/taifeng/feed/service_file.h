// service.json: how a running feed service is found by the CLI and the gateways.
// Thread safety: reentrant functions.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "taifeng/base/env.h"

namespace taifeng::feed {

// What a running service tells the CLI, in DIR/service.json beside the journal: its pid and the
// endpoints it bound, and its public key. Written atomically at start, removed at a clean stop.
struct ServiceFile {
  long pid = 0;
  std::string publish, sync, control, public_key, feed_id;
};
void WriteServiceFile(const std::filesystem::path& dir, const ServiceFile& f, Env& env = Env::Default());
void RemoveServiceFile(const std::filesystem::path& dir);
// The service file when its process is alive; nullopt when there is none or it is stale (its
// process is gone, e.g. after kill -9). Throws ParseError for an unreadable file.
std::optional<ServiceFile> RunningService(const std::filesystem::path& dir);

}  // namespace taifeng::feed
