#include "taifeng/warnings/desk.h"
#include "taifeng/warnings/feed_summary.h"

#include <malloc.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <set>

#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"
#include "taifeng/warnings/situation.h"

namespace taifeng::warnings {

using nlohmann::json;

namespace {

std::string Pct(double p) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", 100.0 * p);
  return buf;
}

// "2018-09-16 08:00 (+08:00)": a local time for texts.
std::string LocalText(std::int64_t utc, const std::string& offset) {
  const std::string t = CapTime(utc, offset);
  return t.substr(0, 10) + " " + t.substr(11, 5) + " (UTC" + offset + ")";
}

std::string Compact(std::int64_t utc) {
  const taifeng::CivilTime t = taifeng::ToCivil(utc);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ", t.year, t.month, t.day, t.hour, t.minute, t.second);
  return buf;
}

// "1, 3, 8ne, 8se, …": a jurisdiction's signal names of a kind.
std::string SignalNames(const Jurisdiction& j, Kind kind) {
  std::string out;
  for (const SignalRule& s : j.signals())
    if (s.kind == kind && s.enabled) out += (out.empty() ? "" : ", ") + s.name;
  return out.empty() ? "none" : out;
}

}  // namespace

CapAlert BuildCapAlert(const Message& m, const Jurisdiction& rules, const std::vector<std::vector<geo::LatLon>>& polygons,
                       const std::string& note) {
  const CapSettings& cap = rules.cap();
  const SignalRule* rule = rules.Find(m.kind, m.signal);
  if (!rule) throw Error(ErrorCode::kInvalidArgument, "no " + std::string(KindName(m.kind)) + " signal " + m.signal + " in the rules");
  const KindTexts& kt = rules.texts(m.kind);
  const bool cancel = m.change == Change::kCancel;
  std::map<std::string, std::string> v = {
      {"region", m.region_name},
      {"region_en", m.region_name_en.empty() ? m.region_name : m.region_name_en},
      {"signal", rule->label.zh},
      {"signal_en", rule->label.en},
      {"storm", m.storm},
      {"storm_name", m.storm_name.empty() ? m.storm : m.storm_name},
      {"probability", Pct(m.probability)},
      {"within_h", std::to_string(rule->criterion.within_h)},
      {"threshold", DescribeCriterionZh(*rule)},
      {"threshold_en", DescribeCriterion(*rule)},
      {"onset", LocalText(m.onset_utc, cap.utc_offset)},
      {"expires", LocalText(m.expires_utc, cap.utc_offset)},
      {"time_label", rules.time_label().zh},
      {"time_label_en", rules.time_label().en},
      {"storm_number", m.storm_number},
  };
  // The storm's name with its number where known: "MANGKHUT（1822）", "MANGKHUT (1822)".
  const std::string name = m.storm_name.empty() ? m.storm : m.storm_name;
  const std::string name_zh = m.storm_number.empty() ? name : name + "（" + m.storm_number + "）";
  const std::string name_en = m.storm_number.empty() ? name : name + " (" + m.storm_number + ")";
  CapAlert a;
  a.identifier = m.identifier;
  a.sender = m.sender;
  a.sent = m.sent;
  a.status = m.status;
  a.msg_type = m.msg_type;
  a.source = "Taifeng analog-ensemble forecast; storm " + (m.storm.empty() ? std::string("?") : m.storm);
  a.scope = "Public";
  a.note = note;
  a.references = m.references;
  if (!m.incident.empty()) a.incidents = {m.incident};
  for (int lang = 0; lang < 2; ++lang) {
    const bool zh = lang == 0;
    CapInfo i;
    i.language = zh ? rules.language_zh() : "en";
    i.categories = {"Met"};
    i.event = zh ? kt.event.zh : kt.event.en;
    i.response_types = {cancel ? "AllClear" : rule->response_type};
    i.urgency = cancel ? "Past" : rule->urgency;
    i.severity = cancel ? "Minor" : rule->severity;
    i.certainty = cancel ? "Observed" : rule->certainty;
    i.event_codes = {{"taifeng:signal", std::string(KindName(m.kind)) + "." + m.signal}};
    if (!rule->event_code.empty()) i.event_codes.push_back({rules.cap().event_code_name, rule->event_code});
    i.effective = m.sent;
    i.onset = CapTime(m.onset_utc, cap.utc_offset);
    i.expires = CapTime(m.expires_utc, cap.utc_offset);
    i.sender_name = zh ? cap.sender_name.zh : cap.sender_name.en;
    const Texts& head = cancel ? kt.cancel_headline : rule->headline;
    const Texts& desc = cancel ? kt.cancel_description : rule->description;
    const Texts& inst = cancel ? kt.cancel_instruction : rule->instruction;
    v["storm_name"] = zh ? name_zh : name_en;
    i.headline = FillTemplate(zh ? head.zh : head.en, v);
    i.description = FillTemplate(zh ? desc.zh : desc.en, v);
    i.instruction = FillTemplate(zh ? inst.zh : inst.en, v);
    i.web = cap.web;
    i.contact = cap.contact;
    i.parameters = {{"taifeng:kind", std::string(KindName(m.kind))},
                    {"taifeng:signal", m.signal},
                    {"taifeng:signalLabel", zh ? rule->label.zh : rule->label.en},
                    {"taifeng:change", std::string(ChangeName(m.change))}};
    if (!cancel) {
      char p[16];
      std::snprintf(p, sizeof p, "%.2f", m.probability);
      i.parameters.push_back({"taifeng:probability", p});
      i.parameters.push_back({"taifeng:criterion", DescribeCriterion(*rule)});
    }
    if (!m.storm.empty()) i.parameters.push_back({"taifeng:storm", m.storm});
    if (!m.storm_name.empty()) i.parameters.push_back({"taifeng:stormName", m.storm_name});
    CapArea area;
    area.area_desc = zh ? m.region_name : v["region_en"];
    area.polygons = polygons;
    area.geocodes = {{"GB/T 2260", m.region_code}};
    i.areas = {std::move(area)};
    a.infos.push_back(std::move(i));
  }
  return a;
}

Desk::Desk(std::unique_ptr<Journal> journal, std::shared_ptr<const RuleSet> rules, std::shared_ptr<const geo::RegionSet> regions,
           std::shared_ptr<const CapSchema> schema)
    : journal_(std::move(journal)), rules_(std::move(rules)), regions_(std::move(regions)), schema_(std::move(schema)) {}

void Desk::RequireAudit() const {
  const JournalAudit a = audited_seq_ == 0 ? journal_->Audit() : journal_->AuditAfter(audited_seq_, audited_hash_);
  if (!a.ok())
    throw Error(ErrorCode::kJournalBroken, journal_->path().string() + ": record " + std::to_string(*a.first_broken) + ": " + a.problem +
                                              "; the journal fails its audit: nothing is written to it or shown from it (run taifeng warn audit)");
  if (a.records > 0) {
    const auto last = journal_->Get(a.records);
    if (last) audited_seq_ = last->seq, audited_hash_ = last->hash;
  }
}

namespace {

// A light message (Desk::Messages): the fields the state in force and the references need, read
// from the record's JSON by SQLite; the rest stays in the journal.
const std::vector<std::string>& LightMessagePaths() {
  static const std::vector<std::string> kPaths = {"$.identifier", "$.sender",   "$.sent",      "$.region_code", "$.kind",
                                                  "$.signal",     "$.rank",     "$.change",    "$.msg_type",    "$.status",
                                                  "$.incident",   "$.sent_utc", "$.onset_utc", "$.expires_utc"};
  return kPaths;
}
Message LightMessage(std::int64_t seq, const std::vector<std::string>& v) {
  const std::string where = "journal record " + std::to_string(seq);
  Message m;
  m.seq = seq;
  m.identifier = v[0], m.sender = v[1], m.sent = v[2], m.region_code = v[3];
  const auto kind = ParseKind(v[4]);
  const auto change = ParseChange(v[7]);
  if (m.identifier.empty() || !kind || !change) throw ParseError(where, 0, !kind ? "kind" : !change ? "change" : "identifier", "a warning message");
  m.kind = *kind, m.change = *change;
  m.signal = v[5], m.msg_type = v[8], m.status = v[9], m.incident = v[10];
  m.rank = v[6].empty() ? 0 : std::stoi(v[6]);
  const auto sent = ParseUtc(v[11]), onset = ParseUtc(v[12]), expires = ParseUtc(v[13]);
  if (!sent || !onset || !expires) throw ParseError(where, 0, "sent_utc", "ISO 8601 UTC times");
  m.sent_utc = *sent, m.onset_utc = *onset, m.expires_utc = *expires;
  return m;
}

}  // namespace

const std::deque<Message>& Desk::Messages() const {
  const std::int64_t last = journal_->LastSeq();
  if (last < messages_read_to_) {  // a shorter journal than before: read it again
    messages_.clear();
    in_force_cache_.clear();
    fold_ = IncidentFold();
    folded_ = 0, folded_max_sent_ = 0;
    messages_read_to_ = 0;
  }
  if (last > messages_read_to_) {
    // Reading a large journal churns through SQLite's JSON buffers between the small strings kept:
    // the freed pages go back to the system every 10,000 messages (glibc), so the resident size
    // follows what is kept.
    std::size_t since_trim = 0;
    journal_->ScanFields(messages_read_to_ + 1, last, "message", LightMessagePaths(), [&](std::int64_t seq, const std::vector<std::string>& v) {
      messages_.push_back(LightMessage(seq, v));
      if (++since_trim == 10000) ::malloc_trim(0), since_trim = 0;
    });
    if (last - messages_read_to_ > 1000) ::malloc_trim(0);
    messages_read_to_ = last;
  }
  return messages_;
}

Message Desk::Full(const Message& light) const {
  if (const auto it = in_force_cache_.find(light.seq); it != in_force_cache_.end()) return it->second;
  const auto r = journal_->Get(light.seq);
  if (!r || r->type != "message")
    throw Error(ErrorCode::kJournalBroken, journal_->path().string() + ": record " + std::to_string(light.seq) + " is not the message " +
                                               light.identifier);
  return MessageFromJson(r->body, r->seq);
}

std::vector<Message> Desk::FullMessages() const {
  std::vector<Message> out;
  journal_->ScanRange(1, journal_->LastSeq(), "message", [&](const JournalRecord& r) { out.push_back(MessageFromJson(r.body, r.seq)); });
  return out;
}

State Desk::StateAt(std::int64_t now_utc) const {
  const std::deque<Message>& messages = Messages();
  for (; folded_ < messages.size(); ++folded_) {
    fold_.Add(messages, folded_);
    folded_max_sent_ = std::max(folded_max_sent_, messages[folded_].sent_utc);
  }
  // Now or later than every message: the fold holds the answer; an earlier time (a hindcast
  // exercise looking back) derives it afresh.
  State s = now_utc >= folded_max_sent_ ? fold_.At(messages, now_utc) : State::Derive(messages, now_utc);
  std::map<std::int64_t, Message> cache;  // what is in force now: at most one message per region and kind
  s.Complete([&](const Message& light) {
    Message whole = Full(light);
    cache.emplace(whole.seq, whole);
    return whole;
  });
  in_force_cache_ = std::move(cache);
  return s;
}

const CapSigner* Desk::SignerFor(const CapSettings& cap) const {
  if (cap.signing_key.empty()) return nullptr;
  std::lock_guard<std::mutex> lock(signers_mutex_);
  auto& signer = signers_[cap.signing_key];
  if (!signer) signer = CapSigner::Load(cap.signing_key, cap.signing_key_name.empty() ? cap.sender : cap.signing_key_name);
  return signer.get();
}

const std::vector<std::vector<geo::LatLon>>& Desk::Polygons(const std::string& code) const {
  std::lock_guard<std::mutex> lock(polygons_mutex_);
  auto it = polygons_.find(code);
  if (it != polygons_.end()) return it->second;
  std::vector<std::vector<geo::LatLon>> p;
  if (const auto i = regions_->Find(code)) p = CapPolygons(*regions_, *i, rules_->Of(code).cap().max_polygon_vertices);
  return polygons_.emplace(code, std::move(p)).first->second;
}

std::int64_t Desk::RecordProposal(const std::vector<Proposal>& proposals, const ProposalSource& source, const std::string& operator_name,
                                  std::int64_t now_utc) {
  RequireAudit();
  json items = json::array();
  for (const Proposal& p : proposals) {
    const Assessment& a = p.assessment;
    items.push_back({{"region_code", a.region_code},
                     {"region_name", a.region_name},
                     {"region_name_en", a.region_name_en},
                     {"kind", KindName(a.kind)},
                     {"action", ActionName(p.action)},
                     {"from", p.from_signal},
                     {"to", p.to_signal},
                     {"signal", a.signal ? a.signal->name : ""},
                     {"probability", a.probability},
                     {"probabilities", a.probabilities},
                     {"onset_utc", a.onset_utc ? json(taifeng::FormatIsoUtc(*a.onset_utc)) : json(nullptr)},
                     {"reason", a.reason},
                     {"note", p.note},
                     {"evidence", a.evidence_json.empty() ? json(nullptr) : json::parse(a.evidence_json)}});
  }
  const json body = {{"storm", source.storm},
                     {"storm_name", source.storm_name},
                     {"storm_number", source.storm_number},
                     {"now_utc", taifeng::FormatIsoUtc(source.now_utc)},
                     {"hindcast", source.hindcast},
                     {"forecast", source.forecast},
                     {"situation", source.situation_json.empty() ? json(nullptr) : json::parse(source.situation_json)},
                     {"rules", rules_->source().string()},
                     {"proposals", items}};
  const auto recs = journal_->Append([&](Journal::Writer& w) { w.Add(now_utc, operator_name, "propose", body.dump()); });
  return recs.front().seq;
}

std::optional<StoredProposal> Desk::LatestProposal() const {
  const std::optional<JournalRecord> last = journal_->Last("propose");
  if (!last) return std::nullopt;
  const JournalRecord& r = *last;
  const std::string where = "journal record " + std::to_string(r.seq);
  StoredProposal sp;
  sp.seq = r.seq;
  sp.operator_name = r.operator_name;
  sp.recorded_utc = taifeng::ParseUtc(r.recorded_utc).value_or(0);
  try {
    const json j = json::parse(r.body);
    sp.source.storm = j.at("storm").get<std::string>();
    sp.source.storm_name = j.at("storm_name").get<std::string>();
    sp.source.storm_number = j.value("storm_number", std::string());
    sp.source.now_utc = taifeng::ParseUtc(j.at("now_utc").get<std::string>()).value_or(0);
    sp.source.hindcast = j.at("hindcast").get<bool>();
    sp.source.forecast = j.at("forecast").get<std::string>();
    if (j.contains("situation") && j["situation"].is_object()) sp.source.situation_json = j["situation"].dump();
    for (const json& x : j.at("proposals")) {
      Proposal p;
      Assessment& a = p.assessment;
      a.region_code = x.at("region_code").get<std::string>();
      a.region_name = x.at("region_name").get<std::string>();
      a.region_name_en = x.at("region_name_en").get<std::string>();
      const auto kind = ParseKind(x.at("kind").get<std::string>());
      const auto action = ParseAction(x.at("action").get<std::string>());
      if (!kind || !action) throw ParseError(where, 0, "proposals", "known kinds and actions");
      a.kind = *kind;
      p.action = *action;
      p.from_signal = x.at("from").get<std::string>();
      p.to_signal = x.at("to").get<std::string>();
      const std::string signal = x.at("signal").get<std::string>();
      a.jurisdiction = rules_->For(a.region_code);
      a.signal = signal.empty() || !a.jurisdiction ? nullptr : a.jurisdiction->Find(a.kind, signal);
      if (!signal.empty() && !a.signal)
        throw Error(ErrorCode::kRefused, "the proposal in record " + std::to_string(r.seq) + " names signal " + signal +
                                             " that the current rules do not have: run warn propose again");
      a.probability = x.at("probability").get<double>();
      if (x.contains("probabilities") && x["probabilities"].is_object())
        for (const auto& [name, v] : x["probabilities"].items())
          if (v.is_number()) a.probabilities[name] = v.get<double>();
      if (!x.at("onset_utc").is_null()) a.onset_utc = taifeng::ParseUtc(x.at("onset_utc").get<std::string>());
      a.reason = x.at("reason").get<std::string>();
      p.note = x.at("note").get<std::string>();
      if (!x.at("evidence").is_null()) a.evidence_json = x.at("evidence").dump();
      sp.proposals.push_back(std::move(p));
    }
  } catch (const json::exception& e) {
    throw ParseError(where, 0, "body", std::string("a proposal: ") + e.what());
  }
  return sp;
}

std::vector<ChangeRequest> Desk::FromProposal(const StoredProposal& sp, const std::vector<std::string>& regions) const {
  std::set<std::string> wanted;
  for (const std::string& r : regions) wanted.insert(regions_->region(regions_->Resolve(r)).code);  // a code, a name, or refused
  for (const std::string& code : wanted) {
    const bool known = std::any_of(sp.proposals.begin(), sp.proposals.end(), [&](const Proposal& p) { return p.assessment.region_code == code; });
    if (!known) throw Error(ErrorCode::kRefused, "region " + code + " is not in the proposal (record " + std::to_string(sp.seq) + ")");
  }
  std::vector<ChangeRequest> out;
  std::set<std::string> changed;
  for (const Proposal& p : sp.proposals) {
    if (!wanted.empty() && !wanted.count(p.assessment.region_code)) continue;
    if (!p.Changes()) continue;
    ChangeRequest r;
    r.assessment = p.assessment;
    r.expected_signal = p.from_signal;
    r.storm = sp.source.storm, r.storm_name = sp.source.storm_name, r.storm_number = sp.source.storm_number;
    r.situation_json = sp.source.situation_json;
    switch (p.action) {
      case Action::kIssue: r.change = Change::kNew; break;
      case Action::kUpgrade: r.change = Change::kUpgrade; break;
      case Action::kDowngrade: r.change = Change::kDowngrade; break;
      case Action::kExtend: r.change = Change::kExtend; break;
      case Action::kReplace: r.change = Change::kReplace; break;
      case Action::kCancel: r.change = Change::kCancel; break;
      default: throw Error(ErrorCode::kInternal, "proposal for " + p.assessment.region_code + ": action " + std::string(ActionName(p.action)) +
                                                     " changes nothing");
    }
    changed.insert(p.assessment.region_code);
    out.push_back(std::move(r));
  }
  for (const std::string& code : wanted)
    if (!changed.count(code)) throw Error(ErrorCode::kRefused, "the proposal changes nothing for region " + code);
  if (out.empty())
    throw Error(ErrorCode::kRefused, "the proposal (record " + std::to_string(sp.seq) + ") changes nothing: nothing to issue");
  return out;
}

namespace {
// The warnings in force that `targets` name: message identifiers, or regions by code or name (all
// their kinds, or `kind`). With `one_kind`, a region with several kinds in force and no `kind` is
// refused (a signal belongs to one kind).
std::vector<const InForce*> Targets(const State& state, const geo::RegionSet& regions, const std::vector<std::string>& targets,
                                    std::optional<Kind> kind, bool one_kind = false) {
  if (targets.empty()) throw Error(ErrorCode::kUsage, "name at least one region or message identifier");
  std::vector<const InForce*> out;
  for (const std::string& t : targets) {
    if (const InForce* f = state.FindIdentifier(t)) {
      out.push_back(f);
      continue;
    }
    if (t.rfind("TF-", 0) == 0) throw Error(ErrorCode::kRefused, t + ": no message in force with this identifier");
    const std::string code = regions.region(regions.Resolve(t)).code;
    std::vector<const InForce*> found;
    std::string kinds;
    for (Kind k : kKinds) {
      if (kind && *kind != k) continue;
      if (const InForce* f = state.Find(code, k)) found.push_back(f), kinds += (kinds.empty() ? "" : " and ") + std::string(KindName(k));
    }
    if (found.empty())
      throw Error(ErrorCode::kRefused, "region " + code + ": no " + (kind ? std::string(KindName(*kind)) + " " : std::string()) +
                                           "warning in force: nothing to change");
    if (one_kind && found.size() > 1)
      throw Error(ErrorCode::kUsage, "region " + code + " has " + kinds + " warnings in force: give --kind (a signal belongs to one kind)");
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

ChangeRequest FromInForce(const InForce& f, Change change) {
  ChangeRequest r;
  const Message& m = f.message;
  r.assessment.region_code = m.region_code, r.assessment.region_name = m.region_name, r.assessment.region_name_en = m.region_name_en;
  r.assessment.kind = m.kind;
  r.assessment.probability = m.probability;
  r.assessment.onset_utc = m.onset_utc;
  r.change = change;
  r.expected_signal = m.signal;
  r.storm = m.storm, r.storm_name = m.storm_name;
  r.situation_json = m.situation_json;
  return r;
}
}  // namespace

std::vector<ChangeRequest> Desk::CancelRequests(const std::vector<std::string>& targets, std::optional<Kind> kind,
                                                std::int64_t now_utc) const {
  const State state = StateAt(now_utc);
  std::vector<ChangeRequest> out;
  for (const InForce* f : Targets(state, *regions_, targets, kind)) {
    ChangeRequest r = FromInForce(*f, Change::kCancel);
    r.assessment.reason = "cancelled by the operator";
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<ChangeRequest> Desk::UpdateRequests(const std::vector<std::string>& targets, std::optional<Kind> kind, const std::string& signal,
                                                int extend_h, std::int64_t now_utc) const {
  if (signal.empty() && extend_h <= 0) throw Error(ErrorCode::kUsage, "warn update: give --signal and/or --extend");
  const State state = StateAt(now_utc);
  std::vector<ChangeRequest> out;
  for (const InForce* f : Targets(state, *regions_, targets, kind, !signal.empty())) {
    const Message& m = f->message;
    const Jurisdiction& j = rules_->Of(m.region_code);
    const SignalRule* to = j.Find(m.kind, signal.empty() ? m.signal : signal);
    if (!to) throw Error(ErrorCode::kRefused, "no " + std::string(KindName(m.kind)) + " signal \"" + signal + "\" in " + j.id() + "'s rules (" + SignalNames(j, m.kind) + ")");
    ChangeRequest r = FromInForce(*f, to->rank > m.rank     ? Change::kUpgrade
                                      : to->rank < m.rank   ? Change::kDowngrade
                                      : to->name != m.signal ? Change::kReplace
                                                             : Change::kExtend);
    r.assessment.jurisdiction = &j;
    r.assessment.signal = to;
    r.assessment.reason = "set by the operator" + (signal.empty() ? std::string() : " to " + signal);
    // H hours past the current expiry (or past now, if it has passed): never earlier.
    if (extend_h > 0) r.expires_utc = std::max(m.expires_utc, now_utc) + static_cast<std::int64_t>(extend_h) * 3600;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<Message> Desk::Compose(const std::vector<ChangeRequest>& requests, const State& state, const ActionContext& ctx,
                                   std::int64_t first_seq) const {
  if (ctx.operator_name.empty()) throw Error(ErrorCode::kUsage, "an operator name is required");
  if (ctx.status != "Actual" && ctx.status != "Exercise" && ctx.status != "Test")
    throw Error(ErrorCode::kInvalidArgument, "status: Actual, Exercise or Test");
  std::vector<Message> out;
  std::set<std::pair<std::string, Kind>> seen;
  std::int64_t seq = first_seq;
  std::string situation_text;
  Situation situation;
  for (const ChangeRequest& r : requests) {
    const Assessment& a = r.assessment;
    if (!seen.insert({a.region_code, a.kind}).second)
      throw Error(ErrorCode::kRefused, "two changes for region " + a.region_code + " " + std::string(KindName(a.kind)));
    const InForce* f = state.Find(a.region_code, a.kind);
    const std::string in_force = f ? f->message.signal : "";
    if (in_force != r.expected_signal)
      throw Error(ErrorCode::kRefused, "stale: region " + a.region_code + " " + std::string(KindName(a.kind)) + " has " +
                                           (in_force.empty() ? "nothing" : in_force) + " in force, the request assumed " +
                                           (r.expected_signal.empty() ? "nothing" : r.expected_signal) + "; propose again");
    if (r.change != Change::kNew && !f) throw Error(ErrorCode::kRefused, "region " + a.region_code + ": nothing in force to change");
    const Jurisdiction& j = rules_->Of(a.region_code);
    const CapSettings& cap = j.cap();
    Message m;
    m.seq = seq;
    m.sender = cap.sender;
    m.region_code = a.region_code, m.region_name = a.region_name, m.region_name_en = a.region_name_en;
    m.kind = a.kind;
    m.change = r.change;
    m.status = ctx.status;
    m.operator_name = ctx.operator_name;
    m.storm = r.storm, m.storm_name = r.storm_name, m.storm_number = r.storm_number;
    m.probability = a.probability;
    m.reason = a.reason;
    m.evidence_json = a.evidence_json;
    m.situation_json = r.situation_json;
    if (!r.situation_json.empty()) {
      if (r.situation_json != situation_text) {  // the requests of one proposal share one situation
        situation_text = r.situation_json;
        situation = feed::SituationFromJson(r.situation_json, "the situation of the request for " + a.region_code);
      }
      if (const auto i = regions_->Find(a.region_code); i && !situation.empty())
        m.storm_distance_km = regions_->DistanceKm(*i, situation.now().lat_deg, situation.now().lon_deg);
    }
    m.sent_utc = ctx.now_utc;
    m.sent = CapTime(ctx.now_utc, cap.utc_offset);
    m.identifier = "TF-" + Compact(ctx.now_utc) + "-" + a.region_code + "-" + std::string(KindName(a.kind)) + "-" + std::to_string(seq);
    const SignalRule* rule = r.change == Change::kCancel ? j.Find(f->message.kind, f->message.signal) : a.signal;
    if (!rule) throw Error(ErrorCode::kRefused, "region " + a.region_code + ": no signal to issue");
    if (r.change != Change::kCancel && j.Find(rule->kind, rule->name) != rule)
      throw Error(ErrorCode::kRefused, "region " + a.region_code + ": signal " + rule->name + " is not of " + j.id() + "'s warning system");
    m.jurisdiction = j.id(), m.language_zh = j.language_zh(), m.time_label = j.time_label();
    m.label = rule->label, m.short_label = rule->short_label, m.event_code = rule->event_code;
    m.signal = rule->name;
    m.rank = r.change == Change::kCancel ? 0 : rule->rank;
    if (r.change == Change::kNew) {
      m.msg_type = "Alert";
      m.incident = m.identifier;
    } else {
      m.msg_type = r.change == Change::kCancel ? "Cancel" : "Update";
      m.incident = f->message.incident;
      m.references = f->references;
    }
    m.onset_utc = std::max(ctx.now_utc, a.onset_utc.value_or(ctx.now_utc));
    if (r.change == Change::kCancel) {
      m.onset_utc = ctx.now_utc;
      m.expires_utc = ctx.now_utc + 3600;
    } else if (r.expires_utc > m.onset_utc) {
      m.expires_utc = r.expires_utc;  // the operator's extension
    } else {
      m.expires_utc = m.onset_utc + static_cast<std::int64_t>(rule->expires_h) * 3600;  // valid expires_h past the onset
    }
    const CapAlert alert = BuildCapAlert(m, j, Polygons(m.region_code), ctx.note);
    if (const auto problems = CheckCapRules(alert); !problems.empty())
      throw Error(ErrorCode::kInternal, m.identifier + ": composed CAP breaks a rule: " + problems.front());
    m.cap_xml = WriteCap(alert);
    if (schema_)
      if (const auto problem = schema_->Validate(m.cap_xml))
        throw Error(ErrorCode::kInternal, m.identifier + ": composed CAP fails the schema: " + *problem);
    if (const CapSigner* signer = SignerFor(rules_->Of(m.region_code).cap())) m.cap_xml = signer->Sign(m.cap_xml);
    out.push_back(std::move(m));
    ++seq;
  }
  if (out.empty()) throw Error(ErrorCode::kRefused, "nothing to issue");
  return out;
}

std::vector<Message> Desk::Preview(const std::vector<ChangeRequest>& requests, const ActionContext& ctx) const {
  return Compose(requests, StateAt(ctx.now_utc), ctx, journal_->LastSeq() + 2);
}

std::optional<std::vector<Message>> Desk::EarlierRequest(const std::string& request_id) const {
  if (request_id.empty()) return std::nullopt;
  const auto action = journal_->FindRequest(request_id);
  if (!action) return std::nullopt;
  std::vector<Message> out;
  const json body = json::parse(action->body);
  const std::size_t n = body.contains("messages") ? body["messages"].size() : 0;
  for (std::size_t i = 1; i <= n; ++i) {
    const auto r = journal_->Get(action->seq + static_cast<std::int64_t>(i));
    if (!r || r->type != "message") throw Error(ErrorCode::kJournalBroken, journal_->path().string() + ": record " + std::to_string(action->seq + static_cast<std::int64_t>(i)) + " is not the message its action record names");
    out.push_back(MessageFromJson(r->body, r->seq));
  }
  return out;
}

std::vector<Message> Desk::Commit(const std::string& action, const std::string& action_body, const std::vector<ChangeRequest>& requests,
                                  const ActionContext& ctx, bool* repeated) {
  RequireAudit();
  if (repeated) *repeated = false;
  if (!feed_projected_) {  // a journal written before the feed projection: project it first, once
    BackfillFeedProjection(*journal_);
    feed_projected_ = true;
  }
  std::vector<Message> messages;
  json parsed_body = json::parse(action_body.empty() ? "{}" : action_body);
  const std::string request_id = parsed_body.value("request_id", "");
  journal_->Append([&](Journal::Writer& w) {
    // A request id already journalled (a retry after a lost answer): done before, not again.
    if (auto earlier = EarlierRequest(request_id)) {
      messages = std::move(*earlier);
      if (repeated) *repeated = true;
      return;
    }
    // The state as the journal holds it inside this transaction (no other writer can interleave).
    const State state = StateAt(ctx.now_utc);
    const std::int64_t action_seq = w.next_seq();
    messages = Compose(requests, state, ctx, action_seq + 1);
    json body = parsed_body;
    body["status"] = ctx.status;
    json ids = json::array();
    for (const Message& m : messages) ids.push_back(m.identifier);
    body["messages"] = ids;
    w.Add(ctx.now_utc, ctx.operator_name, action, body.dump());
    for (const Message& m : messages) {
      if (m.seq != w.next_seq()) throw Error(ErrorCode::kInternal, "message " + m.identifier + " composed for another journal record");
      w.Add(ctx.now_utc, ctx.operator_name, "message", MessageToJson(m));
      const auto [feed_seq, prev] = w.NextFeedPosition(StreamOf(m));
      w.AddFeedRow(ProjectMessage(m, feed_seq, prev));
    }
  });
  return messages;
}

}  // namespace taifeng::warnings
