#include "taifeng/warnings/rules.h"

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "taifeng/base/error.h"

namespace taifeng::warnings {
namespace {

std::int64_t Line(const toml::node& n) { return static_cast<std::int64_t>(n.source().begin.line); }

const std::set<std::string> kPlaceholders = {"region",    "region_en",    "signal", "signal_en", "storm",  "storm_name",
                                             "probability", "within_h", "threshold", "threshold_en", "onset", "expires"};

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
  void Template(const std::string& k, std::string& out) {
    String(k, out);
    const toml::node* n = t_.get(k);
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (out[i] != '{') continue;
      const std::size_t j = out.find('}', i);
      if (j == std::string::npos || !kPlaceholders.count(out.substr(i + 1, j - i - 1)))
        throw ParseError(file_, n ? Line(*n) : 0, Field(k),
                         "placeholders among {region} {region_en} {signal} {signal_en} {storm} {storm_name} {probability} "
                         "{within_h} {threshold} {threshold_en} {onset} {expires}");
      i = j;
    }
  }
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
        throw ParseError(file_, Line(node), Field(std::string(key.str())), "a known key (see config/warnings.toml)");
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

std::string DescribeCriterion(const SignalRule& r) {
  char buf[160];
  if (r.kind == Kind::kFlood) {
    std::snprintf(buf, sizeof buf, "flood risk level %d (%s)", r.flood_level, r.name.c_str());
    return buf;
  }
  const core::Criterion& c = r.criterion;
  std::string what;
  if (c.wind_force > 0) what += "wind >= F" + std::to_string(c.wind_force);
  if (c.gust_force > 0) what += (what.empty() ? "" : " or ") + std::string("gust >= F") + std::to_string(c.gust_force);
  if (c.rain_mm > 0) {
    std::snprintf(buf, sizeof buf, "rain >= %g mm in %d h", c.rain_mm, c.rain_window_h);
    what += (what.empty() ? "" : " or ") + std::string(buf);
  }
  return "P(" + what + " within " + std::to_string(c.within_h) + " h)";
}

std::string DescribeCriterionZh(const SignalRule& r) {
  char buf[160];
  if (r.kind == Kind::kFlood) {
    std::snprintf(buf, sizeof buf, "洪涝风险%d级（%s）", r.flood_level, r.label.zh.c_str());
    return buf;
  }
  const core::Criterion& c = r.criterion;
  std::string what;
  if (c.wind_force > 0) what += "平均风力" + std::to_string(c.wind_force) + "级以上";
  if (c.gust_force > 0) what += (what.empty() ? "" : "或") + std::string("阵风") + std::to_string(c.gust_force) + "级以上";
  if (c.rain_mm > 0) {
    std::snprintf(buf, sizeof buf, "%d小时雨量%g毫米以上", c.rain_window_h, c.rain_mm);
    what += (what.empty() ? "" : "或") + std::string(buf);
  }
  return std::to_string(c.within_h) + "小时内" + what;
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

// One [[signal]] table, checked; `others` are the signals read before it (unique names and ranks).
SignalRule LoadSignal(const toml::node& item, const std::string& file, const KindTexts (&texts)[3], const std::vector<SignalRule>& others) {
  if (!item.is_table()) throw ParseError(file, Line(item), "signal", "a [[signal]] table");
  const std::string where = "signal";
  Reader r(*item.as_table(), file, where);
  SignalRule s;
  std::string kind;
  r.String("kind", kind, true);
  const auto parsed = ParseKind(kind);
  if (!parsed) throw ParseError(file, Line(item), "signal.kind", "typhoon, rainstorm or flood");
  s.kind = *parsed;
  r.String("name", s.name, true);
  if (!ValidName(s.name)) throw ParseError(file, Line(item), "signal.name", "a name of [a-z0-9_-], at most 32 characters");
  r.Int("rank", s.rank, 1, 20, "an integer in [1, 20]");
  if (s.rank == 0) throw ParseError(file, Line(item), "signal.rank", "an integer in [1, 20] (missing)");
  r.Bool("enabled", s.enabled);
  r.String("label_zh", s.label.zh);
  r.String("label_en", s.label.en);
  r.Int("wind_force", s.criterion.wind_force, 0, 17, "a Beaufort force in [0, 17]");
  r.Int("gust_force", s.criterion.gust_force, 0, 17, "a Beaufort force in [0, 17]");
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
  r.Template("headline_zh", s.headline.zh);
  r.Template("headline_en", s.headline.en);
  r.Template("description_zh", s.description.zh);
  r.Template("description_en", s.description.en);
  r.Template("instruction_zh", s.instruction.zh);
  r.Template("instruction_en", s.instruction.en);
  r.RefuseUnknown();
  const core::Criterion& c = s.criterion;
  if (s.kind == Kind::kFlood) {
    if (s.flood_level < 1) throw ParseError(file, Line(item), "signal.flood_level", "a flood signal needs flood_level >= 1");
    if (c.wind_force || c.gust_force || c.rain_mm > 0)
      throw ParseError(file, Line(item), "signal", "a flood signal has only flood_level (no wind, gust or rain criterion)");
  } else {
    if (s.flood_level) throw ParseError(file, Line(item), "signal.flood_level", "only flood signals have flood_level");
    if (!c.wind_force && !c.gust_force && !(c.rain_mm > 0))
      throw ParseError(file, Line(item), "signal", "a criterion: wind_force, gust_force or rain_mm with rain_window_h");
    if ((c.rain_mm > 0) != (c.rain_window_h > 0))
      throw ParseError(file, Line(item), "signal.rain_window_h", "rain_mm and rain_window_h together");
  }
  for (const SignalRule& o : others)
    if (o.kind == s.kind && (o.name == s.name || o.rank == s.rank))
      throw ParseError(file, Line(item), "signal.name", "a unique name and rank within kind " + kind + " (repeats " + o.name + ")");
  if (s.label.en.empty()) s.label.en = s.name;
  if (s.label.zh.empty()) s.label.zh = s.label.en;
  if (s.headline.en.empty()) s.headline.en = "{signal_en} " + texts[static_cast<std::size_t>(s.kind)].event.en + " warning for {region_en}";
  if (s.headline.zh.empty()) s.headline.zh = "{region}" + texts[static_cast<std::size_t>(s.kind)].event.zh + "{signal}预警";
  return s;
}

}  // namespace

std::shared_ptr<const RuleSet> RuleSet::Load(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error(ErrorCode::kNotFound, path.string() + ": no such file");
  const std::string file = path.filename().string();
  if (std::filesystem::file_size(path, ec) > 1'000'000) throw ParseError(file, 0, "file", "at most 1 MB");
  toml::table root;
  try {
    root = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    throw ParseError(file, static_cast<std::int64_t>(e.source().begin.line), "TOML", std::string(e.description()));
  }
  auto rs = std::make_shared<RuleSet>();
  rs->source_ = path;
  Reader top(root, file, "");
  if (const toml::node* n = top.Get("cap")) LoadCap(*n, file, rs->cap_);
  if (const toml::node* n = top.Get("lifecycle")) LoadLifecycle(*n, file, rs->lifecycle_);
  if (const toml::node* n = top.Get("kind")) LoadKinds(*n, file, rs->kind_texts_);
  for (Kind k : kKinds) {
    KindTexts& t = rs->kind_texts_[static_cast<std::size_t>(k)];
    if (t.event.en.empty()) t.event.en = std::string(KindName(k)), t.event.zh = t.event.en;
  }
  if (const toml::node* n = top.Get("signal")) {
    const toml::array* a = n->as_array();
    if (!a) throw ParseError(file, Line(*n), "signal", "an array of [[signal]] tables");
    for (const toml::node& item : *a) rs->signals_.push_back(LoadSignal(item, file, rs->kind_texts_, rs->signals_));
  }
  top.RefuseUnknown();
  std::stable_sort(rs->signals_.begin(), rs->signals_.end(),
                   [](const SignalRule& a, const SignalRule& b) { return a.kind != b.kind ? a.kind < b.kind : a.rank < b.rank; });
  if (rs->signals_.empty()) throw ParseError(file, 0, "signal", "at least one [[signal]]");
  return rs;
}

const SignalRule* RuleSet::Find(Kind kind, std::string_view name) const {
  for (const SignalRule& s : signals_)
    if (s.kind == kind && s.name == name) return &s;
  return nullptr;
}

std::vector<core::Criterion> RuleSet::Criteria() const {
  std::vector<core::Criterion> out;
  for (const SignalRule& s : signals_)
    if (s.enabled && s.kind != Kind::kFlood) out.push_back(s.criterion);
  return out;
}

std::vector<Assessment> Evaluate(const RuleSet& rules, const core::Hazard& hazard) {
  const std::size_t n_criteria = rules.Criteria().size();
  std::vector<Assessment> out;
  for (const core::RegionHazard& r : hazard.regions) {
    if (r.criteria.size() != n_criteria)
      throw Error(ErrorCode::kInvalidArgument, "hazard for " + r.code + " has " + std::to_string(r.criteria.size()) +
                                                   " criteria; the rules need " + std::to_string(n_criteria));
    for (Kind kind : kKinds) {
      Assessment a;
      a.region_code = r.code, a.region_name = r.name, a.region_name_en = r.name_en, a.kind = kind;
      nlohmann::json evidence = nlohmann::json::array();
      std::size_t c = 0;
      bool any = false;
      for (const SignalRule& s : rules.signals()) {
        const bool counted = s.enabled && s.kind != Kind::kFlood;
        const std::size_t index = c;
        if (counted) ++c;
        if (s.kind != kind || !s.enabled) continue;
        any = true;
        nlohmann::json e = {{"signal", s.name}, {"criterion", DescribeCriterion(s)}};
        bool fires = false;
        double p = 0;
        std::optional<std::int64_t> onset;
        std::string reason;
        if (kind == Kind::kFlood) {
          fires = r.flood_level >= s.flood_level;
          p = fires ? 1.0 : 0.0;
          e["flood_level"] = r.flood_level;
          e["needed_level"] = s.flood_level;
          reason = "flood risk level " + std::to_string(r.flood_level) + (fires ? " >= " : " < ") + std::to_string(s.flood_level) +
                   (r.flood_reason.empty() ? "" : ": " + r.flood_reason);
        } else {
          const auto& res = r.criteria[index];
          p = res.probability;
          onset = res.onset_utc;
          fires = p >= s.probability - 1e-12;
          e["probability"] = std::round(p * 1000) / 1000;
          e["needed"] = s.probability;
          if (res.probability > 0) {
            e["mean_wind_ms"] = std::round(res.wind_ms * 10) / 10;
            e["mean_gust_ms"] = std::round(res.gust_ms * 10) / 10;
            if (s.criterion.rain_mm > 0) e["mean_rain_mm"] = std::round(res.rain_mm * 10) / 10;
            if (res.onset_utc) e["onset_utc"] = *res.onset_utc;
          }
          reason = DescribeCriterion(s) + " = " + Pct(p) + (fires ? " >= " : " < ") + Pct(s.probability);
        }
        e["fires"] = fires;
        evidence.push_back(std::move(e));
        a.probabilities[s.name] = p;
        // The lowest signal's figures stand when none fires; a higher firing one replaces them.
        if (fires || !a.signal) {
          if (fires || a.reason.empty()) a.probability = p, a.onset_utc = onset, a.reason = reason;
          if (fires) a.signal = &s;
        }
      }
      if (!any) continue;
      a.evidence_json = evidence.dump();
      out.push_back(std::move(a));
    }
  }
  return out;
}

}  // namespace taifeng::warnings
