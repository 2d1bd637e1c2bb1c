#include <toml++/toml.h>

#include "taifeng/core/hazard.h"
#include "taifeng/base/error.h"

namespace taifeng::core {
namespace {

std::int64_t Line(const toml::node& n) { return static_cast<std::int64_t>(n.source().begin.line); }

void Read(const toml::table& t, FloodThresholds& th, const std::string& file, const std::string& where) {
  for (const auto& [key, node] : t) {
    const std::string k(key.str());
    const std::string field = where + "." + k;
    if (k == "statistic") {
      const auto v = node.value<std::string>();
      if (!v || (*v != "p90" && *v != "mean")) throw ParseError(file, Line(node), field, "\"p90\" or \"mean\"");
      th.statistic = *v;
    } else if (k == "antecedent_h") {
      const auto v = node.value<std::int64_t>();
      if (!v || *v < 0 || *v > 720) throw ParseError(file, Line(node), field, "hours in [0, 720]");
      th.antecedent_h = static_cast<int>(*v);
    } else if (k == "antecedent_raise_mm") {
      const auto v = node.value<double>();
      if (!v || !(*v > 0)) throw ParseError(file, Line(node), field, "a positive depth in mm");
      th.antecedent_raise_mm = *v;
    } else if (k == "levels") {
      const toml::array* a = node.as_array();
      if (!a || a->empty()) throw ParseError(file, Line(node), field, "an array of {name, window_h, mm} tables");
      th.levels.clear();
      for (const toml::node& item : *a) {
        const toml::table* lt = item.as_table();
        const auto name = lt ? (*lt)["name"].value<std::string>() : std::nullopt;
        const auto window = lt ? (*lt)["window_h"].value<std::int64_t>() : std::nullopt;
        const auto mm = lt ? (*lt)["mm"].value<double>() : std::nullopt;
        if (!name || !window || *window <= 0 || *window > 240 || !mm || !(*mm > 0))
          throw ParseError(file, Line(item), field, "{name = \"…\", window_h = 1-240, mm > 0}");
        th.levels.push_back({*name, static_cast<int>(*window), *mm});
      }
    } else {
      throw ParseError(file, Line(node), field, "one of statistic, antecedent_h, antecedent_raise_mm, levels");
    }
  }
}

}  // namespace

FloodConfig FloodConfig::Load(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error(ErrorCode::kNotFound, path.string() + ": no such file");
  if (std::filesystem::file_size(path, ec) > 1'000'000) throw ParseError(path.filename().string(), 0, "file", "at most 1 MB");
  const std::string file = path.filename().string();
  toml::table root;
  try {
    root = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    throw ParseError(file, static_cast<std::int64_t>(e.source().begin.line), "TOML", std::string(e.description()));
  }
  FloodConfig c;
  for (const auto& [key, node] : root) {
    const std::string k(key.str());
    if (k == "defaults") {
      if (!node.is_table()) throw ParseError(file, Line(node), k, "a table");
      Read(*node.as_table(), c.defaults, file, "defaults");
    } else if (k == "region") {
      if (!node.is_table()) throw ParseError(file, Line(node), k, "a table of region codes");
      for (const auto& [code, rnode] : *node.as_table()) {
        if (!rnode.is_table()) throw ParseError(file, Line(rnode), "region." + std::string(code.str()), "a table");
        FloodThresholds th = c.defaults;
        Read(*rnode.as_table(), th, file, "region." + std::string(code.str()));
        c.regions[std::string(code.str())] = th;
      }
    } else {
      throw ParseError(file, Line(node), k, "[defaults] or [region.\"CODE\"]");
    }
  }
  return c;
}

}  // namespace taifeng::core
