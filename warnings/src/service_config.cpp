#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include <fstream>
#include <set>

#include "taifeng/base/error.h"
#include "taifeng/warnings/feed_service.h"

namespace taifeng::warnings {

using nlohmann::json;

namespace {

std::int64_t Line(const toml::node& n) { return static_cast<std::int64_t>(n.source().begin.line); }

}  // namespace

ServiceConfig LoadServiceConfig(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error(ErrorCode::kNotFound, path.string() + ": no such file");
  const std::string file = path.filename().string();
  if (std::filesystem::file_size(path, ec) > 100'000) throw ParseError(file, 0, "file", "at most 100 kB");
  toml::table root;
  try {
    root = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    throw ParseError(file, static_cast<std::int64_t>(e.source().begin.line), "TOML", std::string(e.description()));
  }
  const std::filesystem::path base = path.parent_path();
  ServiceConfig c;
  const std::map<std::string, std::set<std::string>> known = {
      {"service", {"journal", "publish", "sync", "control", "keys", "heartbeat_ms", "publish_hwm", "max_replay", "replays_per_key"}},
      {"warnings", {"rules", "regions", "cap_schema"}}};
  for (const auto& [section, node] : root) {
    const std::string name(section.str());
    const auto k = known.find(name);
    if (k == known.end() || !node.is_table()) throw ParseError(file, Line(node), name, "[service] or [warnings]");
    for (const auto& [key_node, value] : *node.as_table()) {
      const std::string key(key_node.str()), field = name + "." + key;
      if (!k->second.count(key)) throw ParseError(file, Line(value), field, "one of the documented keys");
      if (key == "heartbeat_ms" || key == "publish_hwm" || key == "max_replay" || key == "replays_per_key") {
        const auto v = value.value<std::int64_t>();
        const std::int64_t lo = key == "heartbeat_ms" ? 100 : 1, hi = key == "heartbeat_ms" ? 60000 : 10'000'000;
        if (!v || *v < lo || *v > hi) throw ParseError(file, Line(value), field, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
        (key == "heartbeat_ms" ? c.heartbeat_ms : key == "publish_hwm" ? c.publish_hwm : key == "max_replay" ? c.max_replay : c.replays_per_key) =
            static_cast<int>(*v);
        continue;
      }
      const auto v = value.value<std::string>();
      if (!v || v->empty()) throw ParseError(file, Line(value), field, "a non-empty string");
      if (key == "publish" || key == "sync" || key == "control") {
        if (v->rfind("tcp://", 0) != 0 && v->rfind("ipc://", 0) != 0) throw ParseError(file, Line(value), field, "a tcp:// or ipc:// endpoint");
        (key == "publish" ? c.publish : key == "sync" ? c.sync : c.control) = *v;
        continue;
      }
      const std::filesystem::path p = std::filesystem::path(*v).is_absolute() ? std::filesystem::path(*v) : base / *v;
      if (key == "journal") c.journal_dir = p;
      else if (key == "keys") c.keys_dir = p;
      else if (key == "rules") c.rules = p;
      else if (key == "regions") c.regions = p;
      else c.cap_schema = p;
    }
  }
  return c;
}

}  // namespace taifeng::warnings
