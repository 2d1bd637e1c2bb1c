#include "taifeng/warnings/warning.h"

#include <cmath>
#include <map>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"
#include "taifeng/detail/json_fields.h"

namespace taifeng::warnings {

using detail::RequireString;
using detail::RequireUtc;

using nlohmann::json;

namespace {
constexpr std::string_view kChangeNames[] = {"new", "upgrade", "downgrade", "extend", "cancel", "replace"};
constexpr std::string_view kActionNames[] = {"none", "keep", "hold", "issue", "upgrade", "downgrade", "extend", "cancel", "replace"};
}  // namespace

std::string_view ChangeName(Change c) { return kChangeNames[static_cast<std::size_t>(c)]; }
std::optional<Change> ParseChange(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kChangeNames); ++i)
    if (kChangeNames[i] == name) return static_cast<Change>(i);
  return std::nullopt;
}
std::string_view ActionName(Action a) { return kActionNames[static_cast<std::size_t>(a)]; }
std::optional<Action> ParseAction(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kActionNames); ++i)
    if (kActionNames[i] == name) return static_cast<Action>(i);
  return std::nullopt;
}

std::string Headline(const Message& m, bool zh) {
  const std::string tag = "<headline>";
  std::size_t at = m.cap_xml.find(tag);
  if (!zh && at != std::string::npos) at = m.cap_xml.find(tag, at + 1);
  if (at == std::string::npos) return "";
  const std::size_t end = m.cap_xml.find("</headline>", at);
  if (end == std::string::npos) return "";
  return m.cap_xml.substr(at + tag.size(), end - at - tag.size());
}

std::string MessageToJson(const Message& m) {
  json j = {{"identifier", m.identifier},
            {"sender", m.sender},
            {"sent", m.sent},
            {"region_code", m.region_code},
            {"region_name", m.region_name},
            {"region_name_en", m.region_name_en},
            {"kind", KindName(m.kind)},
            {"signal", m.signal},
            {"rank", m.rank},
            {"change", ChangeName(m.change)},
            {"msg_type", m.msg_type},
            {"status", m.status},
            {"references", m.references},
            {"incident", m.incident},
            {"sent_utc", taifeng::FormatIsoUtc(m.sent_utc)},
            {"onset_utc", taifeng::FormatIsoUtc(m.onset_utc)},
            {"expires_utc", taifeng::FormatIsoUtc(m.expires_utc)},
            {"operator", m.operator_name},
            {"storm", m.storm},
            {"storm_name", m.storm_name},
            {"storm_number", m.storm_number},
            {"probability", m.probability},
            {"reason", m.reason},
            {"evidence", m.evidence_json.empty() ? json(nullptr) : json::parse(m.evidence_json)},
            {"cap", m.cap_xml}};
  if (!m.situation_json.empty()) j["situation"] = json::parse(m.situation_json);
  if (!m.jurisdiction.empty())
    j["presentation"] = {{"jurisdiction", m.jurisdiction},     {"language_zh", m.language_zh},     {"time_label_zh", m.time_label.zh},
                         {"time_label_en", m.time_label.en},   {"label_zh", m.label.zh},           {"label_en", m.label.en},
                         {"short_label_zh", m.short_label.zh}, {"short_label_en", m.short_label.en}, {"event_code", m.event_code}};
  if (std::isfinite(m.storm_distance_km)) j["storm_distance_km"] = std::round(m.storm_distance_km * 10) / 10;
  return j.dump();
}

Message MessageFromJson(const std::string& text, std::int64_t seq) {
  const std::string where = "journal record " + std::to_string(seq);
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw ParseError(where, 0, "body", std::string("JSON: ") + e.what());
  }
  Message m;
  m.seq = seq;
  auto str = [&](const char* k) { return RequireString(j, k, where); };
  auto time = [&](const char* k) { return RequireUtc(j, k, where); };
  m.identifier = str("identifier");
  m.sender = str("sender");
  m.sent = str("sent");
  m.region_code = str("region_code");
  m.region_name = str("region_name");
  m.region_name_en = str("region_name_en");
  const auto kind = ParseKind(str("kind"));
  if (!kind) throw ParseError(where, 0, "kind", "typhoon, rainstorm or flood");
  m.kind = *kind;
  m.signal = str("signal");
  m.rank = j.value("rank", 0);
  const auto change = ParseChange(str("change"));
  if (!change) throw ParseError(where, 0, "change", "new, upgrade, downgrade, extend, cancel or replace");
  m.change = *change;
  m.msg_type = str("msg_type");
  m.status = str("status");
  if (j.contains("references") && j["references"].is_array())
    for (const auto& r : j["references"]) m.references.push_back(r.get<std::string>());
  m.incident = str("incident");
  m.sent_utc = time("sent_utc");
  m.onset_utc = time("onset_utc");
  m.expires_utc = time("expires_utc");
  m.operator_name = str("operator");
  m.storm = str("storm");
  m.storm_name = str("storm_name");
  if (j.contains("storm_number") && j["storm_number"].is_string()) m.storm_number = j["storm_number"].get<std::string>();
  m.probability = j.value("probability", 0.0);
  m.reason = str("reason");
  if (j.contains("evidence") && !j["evidence"].is_null()) m.evidence_json = j["evidence"].dump();
  m.cap_xml = str("cap");
  if (j.contains("situation") && j["situation"].is_object()) m.situation_json = j["situation"].dump();
  if (j.contains("storm_distance_km") && j["storm_distance_km"].is_number()) m.storm_distance_km = j["storm_distance_km"].get<double>();
  if (j.contains("presentation") && j["presentation"].is_object()) {
    const json& p = j["presentation"];
    auto pstr = [&](const char* k) { return RequireString(p, k, where + " presentation"); };
    m.jurisdiction = pstr("jurisdiction"), m.language_zh = pstr("language_zh");
    m.time_label = {pstr("time_label_zh"), pstr("time_label_en")};
    m.label = {pstr("label_zh"), pstr("label_en")};
    m.short_label = {pstr("short_label_zh"), pstr("short_label_en")};
    m.event_code = pstr("event_code");
  }
  return m;
}

void IncidentFold::Add(const std::deque<Message>& messages, std::size_t i) {
  const Message& m = messages[i];
  const auto key = std::make_pair(m.region_code, m.kind);
  auto it = open_.find(key);
  if (m.change == Change::kCancel) {
    if (it != open_.end()) open_.erase(it);
    cancelled_[key] = m.sent_utc;
    return;
  }
  if (m.change == Change::kNew || it == open_.end() || messages[it->second.current].incident != m.incident) {
    if (it == open_.end()) it = open_.emplace(key, Open{}).first;
    Open& f = it->second;
    f.current = i, f.raised_utc = m.sent_utc;
    f.members.assign(1, i);
    return;
  }
  Open& f = it->second;
  if (m.rank > messages[f.current].rank) f.raised_utc = m.sent_utc;
  f.current = i;
  f.members.push_back(i);
}

State IncidentFold::At(const std::deque<Message>& messages, std::int64_t now_utc) const {
  State s;
  for (const auto& [key, t] : cancelled_) s.ended_[key] = t;
  for (const auto& [key, f] : open_) {
    if (messages[f.current].expires_utc <= now_utc) {  // lapsed
      s.ended_[key] = messages[f.current].expires_utc;
      continue;
    }
    s.ended_.erase(key);
    std::vector<std::string> references;
    references.reserve(f.members.size());
    for (const std::size_t i : f.members) references.push_back(messages[i].Reference());
    s.in_force_.emplace(key, InForce{messages[f.current], f.raised_utc, std::move(references)});
  }
  return s;
}

State State::Derive(const std::deque<Message>& messages, std::int64_t now_utc) {
  IncidentFold fold;
  for (std::size_t i = 0; i < messages.size(); ++i)
    if (messages[i].sent_utc <= now_utc) fold.Add(messages, i);
  return fold.At(messages, now_utc);
}

void State::Complete(const std::function<Message(const Message&)>& whole) {
  for (auto& [key, f] : in_force_) f.message = whole(f.message);
}

const InForce* State::Find(const std::string& region_code, Kind kind) const {
  const auto it = in_force_.find({region_code, kind});
  return it == in_force_.end() ? nullptr : &it->second;
}

std::optional<std::int64_t> State::EndedAt(const std::string& region_code, Kind kind) const {
  const auto it = ended_.find({region_code, kind});
  if (it == ended_.end()) return std::nullopt;
  return it->second;
}

const InForce* State::FindIdentifier(const std::string& identifier) const {
  for (const auto& [key, f] : in_force_)
    if (f.message.identifier == identifier) return &f;
  return nullptr;
}

std::vector<const InForce*> State::Active() const {
  std::vector<const InForce*> out;
  for (const auto& [key, f] : in_force_) out.push_back(&f);
  return out;
}

namespace {

// A new warning of a kind with a lead window is proposed only when it is expected within it.
std::optional<std::string> BeyondLead(const Jurisdiction& rules, const Assessment& a, const std::optional<std::int64_t>& rain_onset,
                                      std::int64_t now_utc) {
  const int lead_h = rules.texts(a.kind).lead_h;
  const std::optional<std::int64_t> onset = a.kind == Kind::kFlood ? rain_onset : a.onset_utc;
  if (lead_h <= 0 || !onset || *onset - now_utc <= static_cast<std::int64_t>(lead_h) * 3600) return std::nullopt;
  return "not yet: expected from " + taifeng::FormatIsoUtc(*onset) + ", beyond the " + std::to_string(lead_h) + " h lead of a new " +
         std::string(KindName(a.kind)) + " warning";
}

// A new warning soon after the last one of its kind ended needs a higher bar (reissue_guard_h).
std::optional<std::string> TooSoonAgain(const Jurisdiction& rules, const Assessment& a, const State& state, std::int64_t now_utc) {
  const LifecycleSettings& life = rules.lifecycle();
  const auto ended = state.EndedAt(a.region_code, a.kind);
  if (life.reissue_guard_h <= 0 || !ended || !a.signal || now_utc - *ended >= static_cast<std::int64_t>(life.reissue_guard_h) * 3600)
    return std::nullopt;
  const bool flood = a.kind == Kind::kFlood;  // its figure is the forecast over the level's threshold
  const double bar = flood ? life.reissue_factor : std::min(0.95, life.reissue_factor * a.signal->probability);
  const double has = flood ? a.flood_ratio : a.probability;
  if (has >= bar - 1e-12) return std::nullopt;
  return "not again yet: the last " + std::string(KindName(a.kind)) + " warning ended " + taifeng::FormatIsoUtc(*ended) + "; within " +
         std::to_string(life.reissue_guard_h) + " h a new one needs " + (flood ? "the forecast at " : "P >= ") +
         (flood ? std::to_string(std::lround(100 * bar)) + "% of the threshold" : std::to_string(std::lround(100 * bar)) + "%") + " (has " +
         std::to_string(std::lround(100 * has)) + "%)";
}

// The same level stands: extended when its message expires soon, else kept.
void Stand(Proposal& p, const InForce& f, const LifecycleSettings& life, std::int64_t now_utc) {
  if (f.message.expires_utc - now_utc <= static_cast<std::int64_t>(life.extend_before_h) * 3600) {
    p.action = Action::kExtend;
    p.note = "expires " + taifeng::FormatIsoUtc(f.message.expires_utc);
  } else {
    p.action = Action::kKeep;
    p.note = "in force until " + taifeng::FormatIsoUtc(f.message.expires_utc);
  }
}

// Lowering a signal in force: held for hold_h after it was raised, and held up (hysteresis) while
// its own criterion's probability stays at or above lower_below of what raises it.
void Lower(Proposal& p, const Jurisdiction& rules, const InForce& f, std::int64_t now_utc, const PreviousForecast* previous) {
  const LifecycleSettings& life = rules.lifecycle();
  const Assessment& a = p.assessment;
  const int hold_h = rules.texts(a.kind).hold_h >= 0 ? rules.texts(a.kind).hold_h : life.hold_h;
  const std::int64_t hold_until = f.raised_utc + static_cast<std::int64_t>(hold_h) * 3600;
  const SignalRule* current = rules.Find(a.kind, f.message.signal);
  if (now_utc < hold_until) {
    const std::string note = "held until " + taifeng::FormatIsoUtc(hold_until) + " (raised " + taifeng::FormatIsoUtc(f.raised_utc) +
                             ", hold " + std::to_string(hold_h) + " h); rules give " + (a.signal ? a.signal->name : std::string("none"));
    p.to_signal = f.message.signal;
    p.action = Action::kHold;
    p.note = note;
    if (current && f.message.expires_utc - now_utc <= static_cast<std::int64_t>(life.extend_before_h) * 3600) {
      p.assessment.signal = current;  // held, and expiring before the hold ends: extended, never left to lapse
      Stand(p, f, life, now_utc);
      p.note += "; " + note;
    }
    return;
  }
  const auto it = current ? a.probabilities.find(current->name) : a.probabilities.end();
  // A flood-risk level's figure is its forecast over its threshold (1 reaches it).
  const double raises = current && a.kind == Kind::kFlood ? 1.0 : current ? current->probability : 1.0;
  if (current && it != a.probabilities.end() && life.lower_below < 1.0 && it->second >= life.lower_below * raises) {
    const std::string gives = a.signal ? a.signal->name : std::string("none");
    p.assessment.signal = current;  // it stands as it is
    p.assessment.probability = it->second;
    p.to_signal = current->name;
    Stand(p, f, life, now_utc);
    p.note += "; held up: P = " + std::to_string(std::lround(100 * it->second)) + "% >= " +
              std::to_string(std::lround(100 * life.lower_below * raises)) + "% (lowered below " +
              std::to_string(std::lround(100 * life.lower_below)) + "% of the " + std::to_string(std::lround(100 * raises)) +
              "% that raises it); rules give " + gives;
    return;
  }
  // The forecast before (same storm, within 12 h) was still above the bar: one dip does not lower.
  if (current && life.lower_after >= 2 && previous && previous->now_utc < now_utc && now_utc - previous->now_utc <= 12 * 3600) {
    const auto pk = previous->probabilities.find({a.region_code, a.kind});
    const auto pp = pk == previous->probabilities.end() ? nullptr : &pk->second;
    const auto v = pp ? pp->find(current->name) : decltype(pp->end()){};
    const double bar = life.lower_below * raises;
    if (pp && v != pp->end() && v->second >= bar) {
      p.assessment.signal = current;
      p.to_signal = current->name;
      Stand(p, f, life, now_utc);
      p.note += "; held: the forecast of " + taifeng::FormatIsoUtc(previous->now_utc) + " gave P = " + std::to_string(std::lround(100 * v->second)) +
                "% >= " + std::to_string(std::lround(100 * bar)) + "% (lowered after 2 forecasts below)";
      return;
    }
  }
  if (!a.signal && life.hold_approaching_km > 0 && current && a.approach_utc >= now_utc + 6 * 3600 && a.approach_km <= life.hold_approaching_km) {
    p.assessment.signal = current;  // the storm is still coming: it stands
    p.to_signal = current->name;
    Stand(p, f, life, now_utc);
    p.note += "; held: the storm is still approaching (closest ~" + std::to_string(std::lround(a.approach_km)) + " km at " +
              taifeng::FormatIsoUtc(a.approach_utc) + "); rules give none";
    return;
  }
  p.action = a.signal ? Action::kDowngrade : Action::kCancel;
}

}  // namespace

std::vector<Proposal> Plan(const RuleSet& rules, const std::vector<Assessment>& assessments, const State& state,
                           std::int64_t now_utc, const PreviousForecast* previous) {
  std::map<std::string, std::optional<std::int64_t>> rain_onset;  // region -> its first forecast rainstorm onset
  for (const Assessment& a : assessments)
    if (a.kind == Kind::kRainstorm) rain_onset[a.region_code] = a.onset_utc;
  std::vector<Proposal> out;
  for (const Assessment& a : assessments) {
    Proposal p;
    p.assessment = a;
    const Jurisdiction& j = a.jurisdiction ? *a.jurisdiction : rules.Of(a.region_code);
    p.assessment.jurisdiction = &j;
    const LifecycleSettings& life = j.lifecycle();
    const InForce* f = state.Find(a.region_code, a.kind);
    const int now_rank = f ? f->message.rank : 0;
    const int new_rank = a.signal ? a.signal->rank : 0;
    p.from_signal = f ? f->message.signal : "";
    p.to_signal = a.signal ? a.signal->name : "";
    if (new_rank > now_rank) {
      auto beyond = f ? std::nullopt : BeyondLead(j, a, rain_onset[a.region_code], now_utc);
      if (!f && !beyond) beyond = TooSoonAgain(j, a, state, now_utc);
      p.action = beyond ? Action::kNone : f ? Action::kUpgrade : Action::kIssue;
      if (beyond) p.note = *beyond, p.to_signal.clear();
    } else if (new_rank == now_rank) {
      if (!f) p.action = Action::kNone;
      else if (a.signal && a.signal->name != f->message.signal) p.action = Action::kReplace;  // 8 NE -> 8 SE
      else Stand(p, *f, life, now_utc);
    } else if (f) {  // lower: new_rank < now_rank, so a warning is in force
      Lower(p, j, *f, now_utc, previous);
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace taifeng::warnings
