#include "legend.h"

#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "taifeng/base/error.h"

namespace taifeng::gateway {

namespace {

std::int64_t Line(const toml::node& n) { return n.source().begin.line; }

toml::table ParseFile(const std::string& file) {
  try {
    return toml::parse_file(file);
  } catch (const toml::parse_error& e) {
    throw ParseError(file, e.source().begin.line, "toml", std::string(e.description()));
  }
}

std::string Str(const toml::table& t, const char* key, const std::string& file, const std::string& fallback = "") {
  const toml::node* n = t.get(key);
  if (!n) return fallback;
  const auto v = n->value<std::string>();
  if (!v) throw ParseError(file, Line(*n), key, "a string");
  return *v;
}

// "No. 8 {quadrant_en} Gale or Storm Signal" -> "No. 8 Gale or Storm Signal": the key names the
// signal, not one quadrant of it.
std::string WithoutQuadrant(const std::string& s) {
  static const std::regex kPlaceholder(R"( ?\{quadrant(_zh|_en)?\})");
  return std::regex_replace(s, kPlaceholder, "");
}

std::string NamedColour(const std::string& name) {
  static const std::pair<const char*, const char*> kNamed[] = {{"white", "#ffffff"}, {"blue", "#2f6fd6"},  {"yellow", "#ffd200"},
                                                               {"amber", "#ffb000"}, {"orange", "#ff8c00"}, {"red", "#e0201b"},
                                                               {"black", "#222222"}};
  for (const auto& [n, hex] : kNamed)
    if (name == n) return hex;
  return "#9e9e9e";
}

int UtcOffsetMinutes(const std::string& text, const std::string& file) {
  static const std::regex kOffset(R"(([+-])(\d\d):(\d\d))");
  std::smatch m;
  if (!std::regex_match(text, m, kOffset)) throw ParseError(file, 0, "cap.utc_offset", "an offset as +HH:MM");
  return (m[1] == "-" ? -1 : 1) * (std::stoi(m[2]) * 60 + std::stoi(m[3]));
}

LegendSignal ReadSignal(const toml::table& t, const std::string& file) {
  LegendSignal s;
  s.kind = Str(t, "kind", file);
  s.name = Str(t, "name", file);
  static const std::regex kName("[a-z0-9_-]{1,32}");
  if (!std::regex_match(s.name, kName)) throw ParseError(file, Line(t), "signal.name", "a name of [a-z0-9_-], at most 32 characters");
  s.rank = static_cast<int>(t["rank"].value_or(std::int64_t{0}));
  s.label_en = WithoutQuadrant(Str(t, "label_en", file, s.name));
  s.label_zh = WithoutQuadrant(Str(t, "label_zh", file, s.label_en));
  s.colour = Str(t, "colour", file, NamedColour(s.name));
  static const std::regex kHex("#[0-9a-f]{6}");
  if (!std::regex_match(s.colour, kHex)) throw ParseError(file, Line(t), "signal.colour", "a colour as #rrggbb");
  return s;
}

LegendJurisdiction ReadJurisdiction(const std::string& file) {
  const toml::table doc = ParseFile(file);
  const toml::table* j = doc["jurisdiction"].as_table();
  if (!j) throw ParseError(file, 0, "jurisdiction", "a [jurisdiction] table");
  LegendJurisdiction out;
  out.id = Str(*j, "id", file);
  out.name_zh = Str(*j, "name_zh", file), out.name_en = Str(*j, "name_en", file);
  out.language_zh = Str(*j, "language_zh", file, "zh-CN");
  out.time_label_zh = Str(*j, "time_label_zh", file), out.time_label_en = Str(*j, "time_label_en", file);
  if (const toml::array* regions = (*j)["regions"].as_array())
    for (const auto& r : *regions)
      if (const auto code = r.value<std::string>()) out.regions.push_back(*code);
  if (const toml::table* cap = doc["cap"].as_table()) out.utc_offset_min = UtcOffsetMinutes(Str(*cap, "utc_offset", file, "+08:00"), file);
  if (const toml::array* signals = doc["signal"].as_array())
    for (const auto& item : *signals) {
      if (!item.is_table()) throw ParseError(file, Line(item), "signal", "a [[signal]] table");
      if (!item.as_table()->get("enabled") || item.as_table()->get("enabled")->value_or(true)) {
        LegendSignal s = ReadSignal(*item.as_table(), file);
        auto kind = std::find_if(out.kinds.begin(), out.kinds.end(), [&](const LegendKind& k) { return k.kind == s.kind; });
        if (kind == out.kinds.end()) {
          const toml::table* texts = doc["kind"][s.kind].as_table();
          out.kinds.push_back({s.kind, texts ? Str(*texts, "event_zh", file) : s.kind, texts ? Str(*texts, "event_en", file) : s.kind, {}});
          kind = out.kinds.end() - 1;
        }
        kind->signals.push_back(std::move(s));
      }
    }
  return out;
}

// The colour's luma (Rec. 709 weights on the sRGB values, 0 black to 1 white).
double Luminance(const std::string& hex) {
  const auto channel = [&](int i) { return std::stoi(hex.substr(1 + 2 * i, 2), nullptr, 16) / 255.0; };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

}  // namespace

const LegendJurisdiction* Legend::Find(const std::string& jurisdiction) const {
  for (const auto& j : jurisdictions)
    if (j.id == jurisdiction) return &j;
  return nullptr;
}

const LegendSignal* Legend::Find(const std::string& jurisdiction, const std::string& kind, const std::string& signal) const {
  const LegendJurisdiction* j = Find(jurisdiction);
  if (!j) return nullptr;
  for (const auto& k : j->kinds) {
    if (k.kind != kind) continue;
    for (const auto& s : k.signals)  // "8ne" is the quadrant NE of "8"
      if (s.name == signal || (signal.size() == s.name.size() + 2 && signal.compare(0, s.name.size(), s.name) == 0)) return &s;
  }
  return nullptr;
}

Legend LoadLegend(const std::string& rules_file) {
  Legend legend;
  if (rules_file.empty() || rules_file == "none") return legend;
  const toml::table doc = ParseFile(rules_file);
  const toml::array* files = doc["jurisdictions"].as_array();
  if (!files) throw ParseError(rules_file, 0, "jurisdictions", "an array of jurisdiction files");
  const std::filesystem::path dir = std::filesystem::path(rules_file).parent_path();
  for (const auto& f : *files) {
    const auto name = f.value<std::string>();
    if (!name) throw ParseError(rules_file, Line(f), "jurisdictions", "an array of file names");
    legend.jurisdictions.push_back(ReadJurisdiction((dir / *name).string()));
  }
  return legend;
}

std::string SignalClass(const std::string& jurisdiction, const std::string& kind, const std::string& name) {
  return "sig-" + jurisdiction + "-" + kind + "-" + name;
}

std::string LegendCss(const Legend& legend) {
  std::string css;
  for (const auto& j : legend.jurisdictions)
    for (const auto& k : j.kinds)
      for (const auto& s : k.signals) {
        const std::string c = "." + SignalClass(j.id, k.kind, s.name);
        const bool dark = Luminance(s.colour) < 0.35;  // white text on a dark signal
        css += c + ".sw," + c + ".hl-kind{background:" + s.colour + ";color:" + (dark ? "#fff" : "#000") + "}" + c +
               ".card{border-left-color:" + s.colour + "}#map path.region" + c + "{fill:" + s.colour + ";fill-opacity:0.85}#map path.region.fl-" +
               c.substr(1) + "{stroke:" + s.colour + ";stroke-width:3}\n";
      }
  return css;
}

}  // namespace taifeng::gateway
