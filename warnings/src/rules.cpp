#include "taifeng/warnings/rules.h"

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <regex>
#include <set>

#include "taifeng/base/error.h"

namespace taifeng::warnings {
namespace {

std::int64_t Line(const toml::node& n) { return static_cast<std::int64_t>(n.source().begin.line); }

const std::set<std::string> kPlaceholders = {"region",    "region_en",    "signal",       "signal_en", "storm",   "storm_name",
                                             "storm_number", "probability", "within_h", "threshold", "threshold_en", "onset",
                                             "expires", "time_label", "time_label_en"};
const std::set<std::string> kQuadrantPlaceholders = {"quadrant", "quadrant_en", "quadrant_zh"};
constexpr const char* kPlaceholderList =
    "placeholders among {region} {region_en} {signal} {signal_en} {storm} {storm_name} {storm_number} {probability} {within_h} "
    "{threshold} {threshold_en} {onset} {expires} {time_label} {time_label_en} (and {quadrant} {quadrant_en} {quadrant_zh} in a "
    "signal with quadrants = true)";

bool ValidName(const std::string& s) {
  if (s.empty() || s.size() > 32) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; });
}

// Reads typed values of one table, refusing unknown keys.
class Reader {
 public:
  Reader(const toml::table& t, std::string file, std::string where) : t_(t), file_(std::move(file)), where_(std::move(where)) {}

  std::string Field(const std::string& k) const { return where_.empty() ? k : where_ + "." + k; }
  const toml::node* Get(const std::string& k) {
    seen_.insert(k);
    return t_.get(k);
  }
  void String(const std::string& k, std::string& out, bool required = false) {
    const toml::node* n = Get(k);
    if (!n) {
      if (required) throw ParseError(file_, Line(t_), Field(k), "a string (missing)");
      return;
    }
    const auto v = n->value<std::string>();
    if (!v) throw ParseError(file_, Line(*n), Field(k), "a string");
    out = *v;
  }
  // A text with placeholders; {quadrant…} only where `quadrants` (a signal with quadrants).
  void Template(const std::string& k, std::string& out, bool quadrants = false) {
    String(k, out);
    const toml::node* n = t_.get(k);
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (out[i] != '{') continue;
      const std::size_t j = out.find('}', i);
      const std::string key = j == std::string::npos ? "" : out.substr(i + 1, j - i - 1);
      if (j == std::string::npos || !(kPlaceholders.count(key) || (quadrants && kQuadrantPlaceholders.count(key))))
        throw ParseError(file_, n ? Line(*n) : 0, Field(k), kPlaceholderList);
      i = j;
    }
  }
  void StringList(const std::string& k, std::vector<std::string>& out) {
    const toml::node* n = Get(k);
    if (!n) return;
    const toml::array* a = n->as_array();
    if (!a) throw ParseError(file_, Line(*n), Field(k), "an array of strings");
    for (const toml::node& item : *a) {
      const auto v = item.value<std::string>();
      if (!v) throw ParseError(file_, Line(item), Field(k), "an array of strings");
      out.push_back(*v);
    }
  }
  bool Has(const std::string& k) const { return t_.get(k) != nullptr; }
  std::int64_t LineOf(const std::string& k) const { return t_.get(k) ? Line(*t_.get(k)) : Line(t_); }
  void Int(const std::string& k, int& out, int lo, int hi, const char* what) {
    const toml::node* n = Get(k);
    if (!n) return;
    const auto v = n->value_exact<std::int64_t>();
    if (!v || *v < lo || *v > hi) throw ParseError(file_, Line(*n), Field(k), what);
    out = static_cast<int>(*v);
  }
  void Double(const std::string& k, double& out, double lo, double hi, const char* what) {
    const toml::node* n = Get(k);
    if (!n) return;
    const auto v = n->value<double>();
    if (!v || !(*v >= lo && *v <= hi)) throw ParseError(file_, Line(*n), Field(k), what);
    out = *v;
  }
  void Bool(const std::string& k, bool& out) {
    const toml::node* n = Get(k);
    if (!n) return;
    const auto v = n->value_exact<bool>();
    if (!v) throw ParseError(file_, Line(*n), Field(k), "true or false");
    out = *v;
  }
  void OneOf(const std::string& k, std::string& out, std::initializer_list<const char*> allowed) {
    std::string v = out;
    String(k, v);
    std::string list;
    for (const char* a : allowed) {
      if (v == a) {
        out = v;
        return;
      }
      list += list.empty() ? "" : ", ", list += a;
    }
    throw ParseError(file_, Line(*t_.get(k)), Field(k), "one of " + list);
  }
  void RefuseUnknown() const {
    for (const auto& [key, node] : t_)
      if (!seen_.count(std::string(key.str())))
        throw ParseError(file_, Line(node), Field(std::string(key.str())), "a known key (see config/jurisdictions/guangdong.toml)");
  }

 private:
  const toml::table& t_;
  std::string file_, where_;
  std::set<std::string> seen_;
};

std::string Pct(double p) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", 100.0 * p);
  return buf;
}

}  // namespace

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kTyphoon: return "typhoon";
    case Kind::kRainstorm: return "rainstorm";
    case Kind::kFlood: return "flood";
  }
  return "?";
}

std::optional<Kind> ParseKind(std::string_view name) {
  for (Kind k : kKinds)
    if (KindName(k) == name) return k;
  return std::nullopt;
}

std::string FillTemplate(std::string_view text, const std::map<std::string, std::string>& values) {
  std::string out;
  out.reserve(text.size() + 64);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') {
      out += text[i];
      continue;
    }
    const std::size_t j = text.find('}', i);
    const std::string key(text.substr(i + 1, j == std::string_view::npos ? 0 : j - i - 1));
    const auto it = values.find(key);
    if (j == std::string_view::npos || it == values.end())
      throw Error(ErrorCode::kInvalidArgument, "template placeholder {" + key + "} has no value");
    out += it->second;
    i = j;
  }
  return out;
}

namespace {

std::string AveragingEn(data::WindAveraging a) {
  return a == data::WindAveraging::kTwoMinute ? "" : std::to_string(static_cast<int>(a)) + "-min ";
}
std::string AveragingZh(data::WindAveraging a) {
  return a == data::WindAveraging::kTwoMinute ? "" : std::to_string(static_cast<int>(a)) + "分钟";
}

}  // namespace

std::string DescribeCriterion(const SignalRule& r) {
  char buf[160];
  if (r.kind == Kind::kFlood) {
    std::snprintf(buf, sizeof buf, "flood risk level %d (%s)", r.flood_level, r.name.c_str());
    return buf;
  }
  const core::Criterion& c = r.criterion;
  std::string what;
  const auto add = [&what](const std::string& s) { what += (what.empty() ? "" : " or ") + s; };
  if (c.wind_force > 0) add(AveragingEn(c.averaging) + "wind >= F" + std::to_string(c.wind_force));
  if (c.wind_kmh > 0) std::snprintf(buf, sizeof buf, "%swind >= %g km/h", AveragingEn(c.averaging).c_str(), c.wind_kmh), add(buf);
  if (c.gust_force > 0) add("gust >= F" + std::to_string(c.gust_force));
  if (c.gust_kmh > 0) std::snprintf(buf, sizeof buf, "gust >= %g km/h", c.gust_kmh), add(buf);
  if (c.sites_share > 0 && !what.empty())
    std::snprintf(buf, sizeof buf, " at >= %.0f%% of the reference sites", 100 * c.sites_share), what += buf;
  if (c.rain_mm > 0) std::snprintf(buf, sizeof buf, "rain >= %g mm in %d h", c.rain_mm, c.rain_window_h), add(buf);
  if (c.centre_km > 0) std::snprintf(buf, sizeof buf, "centre within %g km", c.centre_km), add(buf);
  std::string out = "P(" + what + " within " + std::to_string(c.within_h) + " h)";
  if (!r.quadrant.empty()) out += ", wind from " + r.quadrant;
  return out;
}

std::string DescribeCriterionZh(const SignalRule& r) {
  char buf[160];
  if (r.kind == Kind::kFlood) {
    std::snprintf(buf, sizeof buf, "洪涝风险%d级（%s）", r.flood_level, r.label.zh.c_str());
    return buf;
  }
  const core::Criterion& c = r.criterion;
  std::string what;
  const auto add = [&what](const std::string& s) { what += (what.empty() ? "" : "或") + s; };
  if (c.wind_force > 0) add(AveragingZh(c.averaging) + "平均风力" + std::to_string(c.wind_force) + "级以上");
  if (c.wind_kmh > 0) std::snprintf(buf, sizeof buf, "%s平均风速%g公里/小时以上", AveragingZh(c.averaging).c_str(), c.wind_kmh), add(buf);
  if (c.gust_force > 0) add("阵风" + std::to_string(c.gust_force) + "级以上");
  if (c.gust_kmh > 0) std::snprintf(buf, sizeof buf, "阵风%g公里/小时以上", c.gust_kmh), add(buf);
  if (c.sites_share > 0 && !what.empty()) std::snprintf(buf, sizeof buf, "（%.0f%%以上参考站）", 100 * c.sites_share), what += buf;
  if (c.rain_mm > 0) std::snprintf(buf, sizeof buf, "%d小时雨量%g毫米以上", c.rain_window_h, c.rain_mm), add(buf);
  if (c.centre_km > 0) std::snprintf(buf, sizeof buf, "中心距离%g公里以内", c.centre_km), add(buf);
  return std::to_string(c.within_h) + "小时内" + what;
}

std::string QuadrantOf(double d) {
  d = std::fmod(d, 360.0);
  if (d < 0) d += 360.0;
  return d < 90 ? "NE" : d < 180 ? "SE" : d < 270 ? "SW" : "NW";
}

namespace {

// [cap]: the CAP sender, its names, the UTC offset of `sent`, the polygon budget, the web address.
void LoadCap(const toml::node& n, const std::string& file, CapSettings& c) {
  if (!n.is_table()) throw ParseError(file, Line(n), "cap", "a table");
  Reader r(*n.as_table(), file, "cap");
  r.String("sender", c.sender);
  if (c.sender.empty() || c.sender.find_first_of(" ,&<\t\n") != std::string::npos)
    throw ParseError(file, Line(*n.as_table()->get("sender")), "cap.sender", "a CAP sender: no spaces, commas, '&' or '<'");
  r.String("sender_name_zh", c.sender_name.zh);
  r.String("sender_name_en", c.sender_name.en);
  r.String("utc_offset", c.utc_offset);
  const std::string& o = c.utc_offset;
  if (o.size() != 6 || (o[0] != '+' && o[0] != '-') || o[3] != ':' || !isdigit(o[1]) || !isdigit(o[2]) || !isdigit(o[4]) ||
      !isdigit(o[5]) || std::stoi(o.substr(1, 2)) > 14 || std::stoi(o.substr(4, 2)) > 59)
    throw ParseError(file, Line(n), "cap.utc_offset", "an offset like \"+08:00\"");
  int vertices = static_cast<int>(c.max_polygon_vertices);
  r.Int("max_polygon_vertices", vertices, 4, 10000, "an integer in [4, 10000]");
  c.max_polygon_vertices = static_cast<std::size_t>(vertices);
  r.String("web", c.web);
  if (!c.web.empty() && c.web.find("://") == std::string::npos)
    throw ParseError(file, Line(n), "cap.web", "an absolute URI (CAP <web>), e.g. \"https://warnings.example.org/\"");
  r.String("contact", c.contact);
  r.String("signing_key", c.signing_key);
  r.String("signing_key_name", c.signing_key_name);
  r.String("event_code_name", c.event_code_name);
  r.RefuseUnknown();
}

// [lifecycle]: hold, extension and proposal validity, hours.
void LoadLifecycle(const toml::node& n, const std::string& file, LifecycleSettings& l) {
  if (!n.is_table()) throw ParseError(file, Line(n), "lifecycle", "a table");
  Reader r(*n.as_table(), file, "lifecycle");
  r.Int("hold_h", l.hold_h, 0, 72, "hours in [0, 72]");
  r.Int("extend_before_h", l.extend_before_h, 0, 48, "hours in [0, 48]");
  r.Double("lower_below", l.lower_below, 0.0, 1.0, "a fraction in [0, 1]");
  r.Int("proposal_valid_h", l.proposal_valid_h, 1, 24, "hours in [1, 24]");
  r.Int("reissue_guard_h", l.reissue_guard_h, 0, 72, "hours in [0, 72] (0: no guard)");
  r.Double("reissue_factor", l.reissue_factor, 1.0, 5.0, "a factor in [1, 5]");
  r.Double("hold_approaching_km", l.hold_approaching_km, 0, 3000, "a distance in [0, 3000] km (0: no hold)");
  r.Int("lower_after", l.lower_after, 1, 2, "1 or 2 forecasts in a row");
  r.RefuseUnknown();
}

// [kind.NAME]: each kind's event name and cancel texts.
void LoadKinds(const toml::node& n, const std::string& file, KindTexts (&texts)[3]) {
  if (!n.is_table()) throw ParseError(file, Line(n), "kind", "a table of kinds");
  for (const auto& [key, node] : *n.as_table()) {
    const auto kind = ParseKind(key.str());
    if (!kind || !node.is_table()) throw ParseError(file, Line(node), "kind." + std::string(key.str()), "[kind.typhoon], [kind.rainstorm] or [kind.flood]");
    Reader r(*node.as_table(), file, "kind." + std::string(key.str()));
    KindTexts& t = texts[static_cast<std::size_t>(*kind)];
    r.String("event_zh", t.event.zh);
    r.String("event_en", t.event.en);
    r.Template("cancel_headline_zh", t.cancel_headline.zh);
    r.Template("cancel_headline_en", t.cancel_headline.en);
    r.Template("cancel_description_zh", t.cancel_description.zh);
    r.Template("cancel_description_en", t.cancel_description.en);
    r.Template("cancel_instruction_zh", t.cancel_instruction.zh);
    r.Template("cancel_instruction_en", t.cancel_instruction.en);
    r.Int("lead_h", t.lead_h, 0, 240, "hours in [0, 240] (0: no limit)");
    r.Int("hold_h", t.hold_h, 0, 72, "hours in [0, 72]");
    r.RefuseUnknown();
  }
}

// A signal's wind criterion keys beyond Beaufort forces: km/h, averaging period, centre distance,
// share of reference sites.
void LoadWindKeys(Reader& r, const std::string& file, const toml::node& item, core::Criterion& c) {
  r.Double("wind_kmh", c.wind_kmh, 0, 400, "a speed in [0, 400] km/h");
  r.Double("gust_kmh", c.gust_kmh, 0, 500, "a speed in [0, 500] km/h");
  std::string averaging = "2-minute";
  r.OneOf("averaging", averaging, {"1-minute", "2-minute", "10-minute"});
  (void)file, (void)item;
  c.averaging = averaging == "1-minute" ? data::WindAveraging::kOneMinute
                : averaging == "10-minute" ? data::WindAveraging::kTenMinute : data::WindAveraging::kTwoMinute;
  r.Double("centre_km", c.centre_km, 0, 3000, "a distance in [0, 3000] km");
  r.Double("sites_share", c.sites_share, 0, 1, "a share in [0, 1] of the region's reference sites");
}

struct QuadrantName {
  const char *code, *name, *en, *zh_hant, *zh_hans;
};
constexpr QuadrantName kQuadrants[] = {{"NE", "ne", "Northeast", "東北", "东北"},
                                       {"SE", "se", "Southeast", "東南", "东南"},
                                       {"SW", "sw", "Southwest", "西南", "西南"},
                                       {"NW", "nw", "Northwest", "西北", "西北"}};

// A signal with quadrants becomes four rules of one rank, its texts filled per quadrant.
std::vector<SignalRule> ExpandQuadrants(const SignalRule& s, bool traditional) {
  std::vector<SignalRule> out;
  for (const QuadrantName& q : kQuadrants) {
    const std::map<std::string, std::string> v = {{"quadrant", q.code}, {"quadrant_en", q.en}, {"quadrant_zh", traditional ? q.zh_hant : q.zh_hans}};
    const auto fill = [&v](std::string& text) {
      std::string outs;
      for (std::size_t i = 0; i < text.size(); ++i) {
        const std::size_t j = text[i] == '{' ? text.find('}', i) : std::string::npos;
        const auto it = j == std::string::npos ? v.end() : v.find(text.substr(i + 1, j - i - 1));
        if (it == v.end()) {
          outs += text[i];
          continue;
        }
        outs += it->second;
        i = j;
      }
      text = outs;
    };
    SignalRule e = s;
    e.name = s.name + q.name;
    e.quadrant = q.code;
    for (std::string* t : {&e.label.zh, &e.label.en, &e.short_label.zh, &e.short_label.en, &e.event_code, &e.headline.zh, &e.headline.en,
                           &e.description.zh, &e.description.en, &e.instruction.zh, &e.instruction.en})
      fill(*t);
    out.push_back(std::move(e));
  }
  return out;
}

// The criterion of a typhoon or rainstorm signal, or the level of a flood signal, is complete.
void CheckCriterion(const SignalRule& s, const std::string& file, const toml::node& item) {
  const core::Criterion& c = s.criterion;
  const bool wind = c.wind_force || c.gust_force || c.wind_kmh > 0 || c.gust_kmh > 0;
  if (s.kind == Kind::kFlood) {
    if (s.flood_level < 1) throw ParseError(file, Line(item), "signal.flood_level", "a flood signal needs flood_level >= 1");
    if (wind || c.rain_mm > 0 || c.centre_km > 0)
      throw ParseError(file, Line(item), "signal", "a flood signal has only flood_level (no wind, gust, rain or centre criterion)");
    return;
  }
  if (s.flood_level) throw ParseError(file, Line(item), "signal.flood_level", "only flood signals have flood_level");
  if (!wind && !(c.rain_mm > 0) && !(c.centre_km > 0))
    throw ParseError(file, Line(item), "signal", "a criterion: wind_force, wind_kmh, gust_force, gust_kmh, rain_mm with rain_window_h, or centre_km");
  if ((c.rain_mm > 0) != (c.rain_window_h > 0)) throw ParseError(file, Line(item), "signal.rain_window_h", "rain_mm and rain_window_h together");
  if (c.sites_share > 0 && !wind) throw ParseError(file, Line(item), "signal.sites_share", "a wind or gust criterion to read at the sites");
}

// The signal's display colour: `colour = "#rrggbb"`, else the colour its name says, else grey.
void LoadColour(Reader& r, const std::string& file, SignalRule& s) {
  static const std::pair<const char*, const char*> kNamed[] = {{"white", "#ffffff"}, {"blue", "#2f6fd6"},  {"yellow", "#ffd200"},
                                                               {"amber", "#ffb000"}, {"orange", "#ff8c00"}, {"red", "#e0201b"},
                                                               {"black", "#222222"}};
  s.colour = "#9e9e9e";
  for (const auto& [name, hex] : kNamed)
    if (s.name == name) s.colour = hex;
  std::string given;
  r.String("colour", given);
  if (given.empty()) return;
  static const std::regex kHex("#[0-9a-f]{6}");
  if (!std::regex_match(given, kHex)) throw ParseError(file, r.LineOf("colour"), "signal.colour", "a colour as #rrggbb (lower-case hex)");
  s.colour = given;
}

// One [[signal]] table, checked (one rule, or four for a signal with quadrants); `others` are the
// signals read before it (unique names, ranks 1, 2, 3, … in file order per kind).
std::vector<SignalRule> LoadSignal(const toml::node& item, const std::string& file, const KindTexts (&texts)[3],
                                   const std::vector<SignalRule>& others, bool traditional) {
  if (!item.is_table()) throw ParseError(file, Line(item), "signal", "a [[signal]] table");
  Reader r(*item.as_table(), file, "signal");
  SignalRule s;
  std::string kind;
  r.String("kind", kind, true);
  const auto parsed = ParseKind(kind);
  if (!parsed) throw ParseError(file, Line(item), "signal.kind", "typhoon, rainstorm or flood");
  s.kind = *parsed;
  r.String("name", s.name, true);
  if (!ValidName(s.name)) throw ParseError(file, Line(item), "signal.name", "a name of [a-z0-9_-], at most 32 characters");
  bool quadrants = false;
  r.Bool("quadrants", quadrants);
  r.Int("rank", s.rank, 1, 20, "an integer in [1, 20]");
  if (s.rank == 0) throw ParseError(file, Line(item), "signal.rank", "an integer in [1, 20] (missing)");
  r.Bool("enabled", s.enabled);
  r.Template("label_zh", s.label.zh, quadrants);
  r.Template("label_en", s.label.en, quadrants);
  r.Template("short_label_zh", s.short_label.zh, quadrants);
  r.Template("short_label_en", s.short_label.en, quadrants);
  r.Template("event_code", s.event_code, quadrants);
  LoadColour(r, file, s);
  r.Int("wind_force", s.criterion.wind_force, 0, 17, "a Beaufort force in [0, 17]");
  r.Int("gust_force", s.criterion.gust_force, 0, 17, "a Beaufort force in [0, 17]");
  LoadWindKeys(r, file, item, s.criterion);
  r.Int("rain_window_h", s.criterion.rain_window_h, 0, 72, "hours in [0, 72]");
  r.Double("rain_mm", s.criterion.rain_mm, 0, 2000, "a depth in [0, 2000] mm");
  r.Int("within_h", s.criterion.within_h, 1, 120, "hours in [1, 120]");
  r.Double("probability", s.probability, 1e-6, 1.0, "a probability in (0, 1]");
  r.Int("flood_level", s.flood_level, 0, 10, "a level in [1, 10]");
  r.Int("expires_h", s.expires_h, 1, 168, "hours in [1, 168]");
  r.OneOf("urgency", s.urgency, {"Immediate", "Expected", "Future", "Past", "Unknown"});
  r.OneOf("severity", s.severity, {"Extreme", "Severe", "Moderate", "Minor", "Unknown"});
  r.OneOf("certainty", s.certainty, {"Observed", "Likely", "Possible", "Unlikely", "Unknown"});
  r.OneOf("response_type", s.response_type,
          {"Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None"});
  r.Template("headline_zh", s.headline.zh, quadrants);
  r.Template("headline_en", s.headline.en, quadrants);
  r.Template("description_zh", s.description.zh, quadrants);
  r.Template("description_en", s.description.en, quadrants);
  r.Template("instruction_zh", s.instruction.zh, quadrants);
  r.Template("instruction_en", s.instruction.en, quadrants);
  r.RefuseUnknown();
  CheckCriterion(s, file, item);
  if (quadrants && s.kind == Kind::kFlood) throw ParseError(file, Line(item), "signal.quadrants", "quadrants only on a wind signal");
  int top = 0;
  for (const SignalRule& o : others) {
    if (o.kind != s.kind) continue;
    top = std::max(top, o.rank);
    if (o.name == s.name || (o.quadrant.empty() ? o.name : o.name.substr(0, o.name.size() - 2)) == s.name)
      throw ParseError(file, Line(item), "signal.name", "a unique name within kind " + kind + " (repeats " + o.name + ")");
  }
  if (s.rank != top + 1)
    throw ParseError(file, r.LineOf("rank"), "signal.rank",
                     "the ladder in order: rank " + std::to_string(top + 1) + " next for kind " + kind + " (ranks run 1, 2, 3, … from the weakest)");
  if (s.label.en.empty()) s.label.en = s.name;
  if (s.label.zh.empty()) s.label.zh = s.label.en;
  if (s.short_label.en.empty()) s.short_label.en = s.label.en;
  if (s.short_label.zh.empty()) s.short_label.zh = s.label.zh;
  if (s.headline.en.empty()) s.headline.en = "{signal_en} " + texts[static_cast<std::size_t>(s.kind)].event.en + " warning for {region_en}";
  if (s.headline.zh.empty()) s.headline.zh = "{region}" + texts[static_cast<std::size_t>(s.kind)].event.zh + "{signal}预警";
  if (!quadrants) return {s};
  return ExpandQuadrants(s, traditional);
}

// [jurisdiction]: id, names, languages, time label, the regions it owns.
void LoadJurisdictionTable(const toml::node& n, const std::string& file, std::map<std::string, std::string>& names_zh, std::string& id,
                           Texts& name, std::string& language, Texts& time_label, std::vector<std::string>& regions, bool& is_default) {
  if (!n.is_table()) throw ParseError(file, Line(n), "jurisdiction", "a table");
  Reader r(*n.as_table(), file, "jurisdiction");
  if (const toml::node* t = r.Get("region_names_zh")) {
    if (!t->is_table()) throw ParseError(file, Line(*t), "jurisdiction.region_names_zh", "a table of region code = \"name\"");
    for (const auto& [code, v] : *t->as_table()) {
      const auto s = v.value<std::string>();
      if (!s) throw ParseError(file, Line(v), "jurisdiction.region_names_zh." + std::string(code.str()), "a string");
      names_zh[std::string(code.str())] = *s;
    }
  }
  r.String("id", id, true);
  if (!ValidName(id)) throw ParseError(file, r.LineOf("id"), "jurisdiction.id", "a name of [a-z0-9_-], at most 32 characters");
  r.String("name_zh", name.zh);
  r.String("name_en", name.en);
  r.OneOf("language_zh", language, {"zh-CN", "zh-HK", "zh-MO", "zh-TW", "zh-SG"});
  r.String("time_label_zh", time_label.zh);
  r.String("time_label_en", time_label.en);
  r.StringList("regions", regions);
  for (const std::string& code : regions)
    if (code.empty() || code.size() > 16 || !std::all_of(code.begin(), code.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }))
      throw ParseError(file, r.LineOf("regions"), "jurisdiction.regions", "region codes (letters and digits, at most 16)");
  is_default = regions.empty();
  r.Bool("default", is_default);
  if (name.en.empty()) name.en = id;
  if (name.zh.empty()) name.zh = name.en;
  r.RefuseUnknown();
}

// [[site]]: a reference site (anemometer) of a region.
void LoadSites(const toml::node& n, const std::string& file, std::map<std::string, std::vector<core::Site>>& sites) {
  const toml::array* a = n.as_array();
  if (!a) throw ParseError(file, Line(n), "site", "an array of [[site]] tables");
  for (const toml::node& item : *a) {
    if (!item.is_table()) throw ParseError(file, Line(item), "site", "a [[site]] table");
    Reader r(*item.as_table(), file, "site");
    std::string region;
    core::Site s;
    s.lat_deg = s.lon_deg = NAN;
    r.String("region", region, true);
    r.String("name", s.name, true);
    r.String("name_zh", s.name_zh);
    r.Double("lat", s.lat_deg, -90, 90, "a latitude in [-90, 90] degrees");
    r.Double("lon", s.lon_deg, -180, 360, "a longitude in [-180, 360] degrees");
    r.Double("mean_factor", s.mean_factor, 0.1, 1.5, "a factor in [0.1, 1.5]");
    r.RefuseUnknown();
    if (!std::isfinite(s.lat_deg) || !std::isfinite(s.lon_deg)) throw ParseError(file, Line(item), "site.lat", "lat and lon (degrees)");
    sites[region].push_back(std::move(s));
  }
}

}  // namespace

// Reads one jurisdiction's file (or a single rule file).
struct JurisdictionLoader {
  static std::shared_ptr<Jurisdiction> Load(const std::filesystem::path& path, std::vector<std::int64_t>* region_lines = nullptr);
};

namespace {

toml::table ParseToml(const std::filesystem::path& path, const std::string& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error(ErrorCode::kNotFound, path.string() + ": no such file");
  if (std::filesystem::file_size(path, ec) > 1'000'000) throw ParseError(file, 0, "file", "at most 1 MB");
  try {
    return toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    throw ParseError(file, static_cast<std::int64_t>(e.source().begin.line), "TOML", std::string(e.description()));
  }
}

}  // namespace

std::shared_ptr<Jurisdiction> JurisdictionLoader::Load(const std::filesystem::path& path, std::vector<std::int64_t>* region_lines) {
  const std::string file = path.filename().string();
  const toml::table root = ParseToml(path, file);
  auto j = std::make_shared<Jurisdiction>();
  j->source_ = path;
  Reader top(root, file, "");
  if (const toml::node* n = top.Get("jurisdiction")) {
    LoadJurisdictionTable(*n, file, j->region_names_zh_, j->id_, j->name_, j->language_zh_, j->time_label_, j->regions_, j->default_);
    if (region_lines) {
      const toml::node* regions = n->as_table()->get("regions");
      region_lines->assign(j->regions_.size(), regions ? Line(*regions) : Line(*n));
    }
  }
  if (const toml::node* n = top.Get("cap")) LoadCap(*n, file, j->cap_);
  if (!j->cap_.signing_key.empty() && std::filesystem::path(j->cap_.signing_key).is_relative())
    j->cap_.signing_key = (path.parent_path() / j->cap_.signing_key).string();
  if (const toml::node* n = top.Get("lifecycle")) LoadLifecycle(*n, file, j->lifecycle_);
  if (const toml::node* n = top.Get("kind")) LoadKinds(*n, file, j->kind_texts_);
  if (const toml::node* n = top.Get("site")) LoadSites(*n, file, j->sites_);
  for (Kind k : kKinds) {
    KindTexts& t = j->kind_texts_[static_cast<std::size_t>(k)];
    if (t.event.en.empty()) t.event.en = std::string(KindName(k)), t.event.zh = t.event.en;
  }
  if (const toml::node* n = top.Get("signal")) {
    const toml::array* a = n->as_array();
    if (!a) throw ParseError(file, Line(*n), "signal", "an array of [[signal]] tables");
    for (const toml::node& item : *a)
      for (SignalRule& rule : LoadSignal(item, file, j->kind_texts_, j->signals_, j->traditional())) j->signals_.push_back(std::move(rule));
  }
  top.RefuseUnknown();
  std::stable_sort(j->signals_.begin(), j->signals_.end(),
                   [](const SignalRule& a, const SignalRule& b) { return a.kind != b.kind ? a.kind < b.kind : a.rank < b.rank; });
  if (j->signals_.empty()) throw ParseError(file, 0, "signal", "at least one [[signal]]");
  for (const auto& [code, list] : j->sites_)
    if (!j->default_ && std::find(j->regions_.begin(), j->regions_.end(), code) == j->regions_.end())
      throw ParseError(file, 0, "site.region", "a region of the jurisdiction (" + code + " is not in jurisdiction.regions)");
  return j;
}

std::shared_ptr<const RuleSet> RuleSet::Load(const std::filesystem::path& path) {
  const std::string file = path.filename().string();
  const toml::table root = ParseToml(path, file);
  auto rs = std::make_shared<RuleSet>();
  rs->source_ = path;
  std::vector<std::pair<std::filesystem::path, std::int64_t>> files;
  if (const toml::node* list = root.get("jurisdictions")) {
    Reader top(root, file, "");
    std::vector<std::string> names;
    top.StringList("jurisdictions", names);
    top.RefuseUnknown();
    if (names.empty()) throw ParseError(file, Line(*list), "jurisdictions", "at least one jurisdiction file");
    for (const std::string& n : names) files.emplace_back(path.parent_path() / n, Line(*list));
  } else {
    files.emplace_back(path, 0);
  }
  std::size_t criteria = 0;
  for (const auto& [f, line] : files) {
    std::vector<std::int64_t> region_lines;
    std::shared_ptr<Jurisdiction> j = JurisdictionLoader::Load(f, &region_lines);
    const std::string jf = f.filename().string();
    if (rs->FindJurisdiction(j->id()))
      throw ParseError(file, line, "jurisdictions", "jurisdictions with distinct ids (" + j->id() + " twice)");
    if (j->is_default() && rs->default_)
      throw ParseError(jf, 0, "jurisdiction.default", "one default jurisdiction (" + rs->default_->id() + " is already the default)");
    j->first_criterion_ = criteria;
    criteria += j->Criteria().size();
    for (std::size_t i = 0; i < j->regions().size(); ++i) {
      const std::string& code = j->regions()[i];
      if (const auto it = rs->by_region_.find(code); it != rs->by_region_.end())
        throw ParseError(jf, region_lines[i], "jurisdiction.regions",
                         "regions of one jurisdiction each (" + code + " is already " + it->second->id() + "'s)");
      rs->by_region_.emplace(code, j.get());
    }
    if (j->is_default()) rs->default_ = j.get();
    rs->jurisdictions_.push_back(std::move(j));
  }
  return rs;
}

const SignalRule* Jurisdiction::Find(Kind kind, std::string_view name) const {
  for (const SignalRule& s : signals_)
    if (s.kind == kind && s.name == name) return &s;
  return nullptr;
}

std::string Jurisdiction::RegionNameZh(const std::string& code, const std::string& fallback) const {
  const auto it = region_names_zh_.find(code);
  return it == region_names_zh_.end() ? fallback : it->second;
}

bool Jurisdiction::HasKind(Kind kind) const {
  return std::any_of(signals_.begin(), signals_.end(), [kind](const SignalRule& s) { return s.kind == kind && s.enabled; });
}

std::vector<core::Criterion> Jurisdiction::Criteria() const {
  std::vector<core::Criterion> out;
  for (const SignalRule& s : signals_)
    if (s.enabled && s.kind != Kind::kFlood) out.push_back(s.criterion);
  return out;
}

const Jurisdiction* RuleSet::For(std::string_view code) const {
  const auto it = by_region_.find(code);
  return it != by_region_.end() ? it->second : default_;
}

const Jurisdiction& RuleSet::Of(std::string_view code) const {
  const Jurisdiction* j = For(code);
  if (!j) throw Error(ErrorCode::kNotFound, "region " + std::string(code) + " belongs to no jurisdiction of " + source_.string());
  return *j;
}

const Jurisdiction* RuleSet::FindJurisdiction(std::string_view id) const {
  for (const auto& j : jurisdictions_)
    if (j->id() == id) return j.get();
  return nullptr;
}

std::vector<core::Criterion> RuleSet::Criteria() const {
  std::vector<core::Criterion> out;
  for (const auto& j : jurisdictions_)
    for (core::Criterion& c : j->Criteria()) out.push_back(c);
  return out;
}

std::map<std::string, std::vector<core::Site>> RuleSet::Sites() const {
  std::map<std::string, std::vector<core::Site>> out;
  for (const auto& j : jurisdictions_)
    for (const auto& [code, list] : j->sites())
      if (For(code) == j.get()) out[code] = list;
  return out;
}

namespace {

// One signal's rule against a region's hazard: whether it fires, with its figures and evidence.
struct RuleCheck {
  bool fires = false;
  double p = 0;
  std::optional<std::int64_t> onset;
  std::optional<double> direction;
  double ratio = 0;  // flood: the forecast over the level's threshold
  std::string reason;
};

// `e`: the rule's evidence, filled.
RuleCheck Check(const SignalRule& s, const core::RegionHazard& r, std::size_t index, nlohmann::json& e) {
  RuleCheck k;
  e = {{"signal", s.name}, {"criterion", DescribeCriterion(s)}};
  if (s.kind == Kind::kFlood) {
    k.fires = r.flood_level >= s.flood_level;
    // Not reached: how near, the forecast over the level's threshold (for hysteresis).
    const std::size_t level = static_cast<std::size_t>(s.flood_level - 1);
    k.ratio = level < r.flood_ratio.size() ? r.flood_ratio[level] : (k.fires ? 1.0 : 0.0);
    k.p = k.fires ? 1.0 : std::min(k.ratio, 1.0);
    e["flood_level"] = r.flood_level;
    e["needed_level"] = s.flood_level;
    k.reason = "flood risk level " + std::to_string(r.flood_level) + (k.fires ? " >= " : " < ") + std::to_string(s.flood_level) +
               (r.flood_reason.empty() ? "" : ": " + r.flood_reason);
  } else {
    const auto& res = r.criteria[index];
    k.p = res.probability;
    k.onset = res.onset_utc;
    k.direction = res.direction_from_deg;
    k.fires = k.p >= s.probability - 1e-12;
    e["probability"] = std::round(k.p * 1000) / 1000;
    e["needed"] = s.probability;
    if (res.probability > 0) {
      e["mean_wind_ms"] = std::round(res.wind_ms * 10) / 10;
      e["wind_averaging"] = std::to_string(static_cast<int>(s.criterion.averaging)) + "-minute";
      e["mean_gust_ms"] = std::round(res.gust_ms * 10) / 10;
      if (s.criterion.rain_mm > 0) e["mean_rain_mm"] = std::round(res.rain_mm * 10) / 10;
      if (res.onset_utc) e["onset_utc"] = *res.onset_utc;
      if (res.direction_from_deg) e["wind_from_deg"] = std::lround(*res.direction_from_deg);
    }
    k.reason = DescribeCriterion(s) + " = " + Pct(k.p) + (k.fires ? " >= " : " < ") + Pct(s.probability);
    if (!s.quadrant.empty()) {  // the variant of the quadrant the wind comes from
      const std::string q = res.direction_from_deg ? QuadrantOf(*res.direction_from_deg) : "";
      if (k.fires && q != s.quadrant) k.fires = false, k.reason += "; wind from " + (q.empty() ? std::string("?") : q) + ", not " + s.quadrant;
    }
  }
  e["fires"] = k.fires;
  return k;
}

// One region's assessment of one kind under its jurisdiction; nullopt when it has no such signals.
std::optional<Assessment> Assess(const Jurisdiction& j, const core::RegionHazard& r, Kind kind) {
  Assessment a;
  a.region_code = r.code, a.region_name = j.RegionNameZh(r.code, r.name), a.region_name_en = r.name_en, a.kind = kind, a.jurisdiction = &j;
  a.approach_km = r.approach_km, a.approach_utc = r.approach_utc;
  nlohmann::json evidence = nlohmann::json::array();
  std::size_t c = j.first_criterion();
  bool any = false;
  for (const SignalRule& s : j.signals()) {
    const bool counted = s.enabled && s.kind != Kind::kFlood;
    const std::size_t index = c;
    if (counted) ++c;
    if (s.kind != kind || !s.enabled) continue;
    any = true;
    nlohmann::json e;
    const RuleCheck k = Check(s, r, index, e);
    evidence.push_back(std::move(e));
    a.probabilities[s.name] = k.p;  // (the quadrants of one signal share their criterion's probability)
    // The lowest signal's figures stand when none fires; a higher firing one replaces them.
    if (k.fires || !a.signal) {
      if (k.fires || a.reason.empty())
        a.probability = k.p, a.onset_utc = k.onset, a.reason = k.reason, a.direction_from_deg = k.direction, a.flood_ratio = k.ratio;
      if (k.fires) a.signal = &s;
    }
  }
  if (!any) return std::nullopt;
  a.evidence_json = evidence.dump();
  return a;
}

}  // namespace

std::vector<Assessment> Evaluate(const RuleSet& rules, const core::Hazard& hazard) {
  const std::size_t n_criteria = rules.Criteria().size();
  std::vector<Assessment> out;
  for (const core::RegionHazard& r : hazard.regions) {
    if (r.criteria.size() != n_criteria)
      throw Error(ErrorCode::kInvalidArgument, "hazard for " + r.code + " has " + std::to_string(r.criteria.size()) +
                                                   " criteria; the rules need " + std::to_string(n_criteria));
    const Jurisdiction* j = rules.For(r.code);
    if (!j) continue;
    for (Kind kind : kKinds)
      if (auto a = Assess(*j, r, kind)) out.push_back(std::move(*a));
  }
  return out;
}

}  // namespace taifeng::warnings
