// taifeng warn: the duty officer's warning desk (propose, issue, update, cancel, list, show,
// audit) and the warning replay of a past storm.
#include <pwd.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "commands.h"
#include "warn_replay.h"
#include "taifeng/data/units.h"
#include "desk_args.h"
#include "hazard_engine.h"
#include "live.h"
#include "output.h"
#include "service_link.h"
#include "taifeng/core/rain.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/base/env.h"
#include "taifeng/base/error.h"
#include "taifeng/warnings/desk.h"
#include "taifeng/warnings/feed_summary.h"
#include "taifeng/warnings/situation.h"
#include "taifeng/warnings/operations.h"

namespace taifeng::cli {
namespace {

using nlohmann::json;
using warnings::Action;
using warnings::Kind;

std::int64_t WallNow() { return Env::Default().NowUtc(); }

std::string Iso(std::int64_t t) { return taifeng::FormatIsoUtc(t); }
std::string Short(std::int64_t t) { return Iso(t).substr(5, 11); }  // "09-16T08:00"
std::string Pct(double p) { return FormatFloat(100.0 * p, 0); }

json MessageJson(const warnings::Message& m, bool with_cap) {
  json j = json::parse(warnings::MessageToJson(m));
  j["seq"] = m.seq;
  if (!with_cap) j.erase("cap");
  return j;
}


void PrintMessages(const std::vector<warnings::Message>& ms, bool with_seq) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : ms) {
    std::vector<std::string> row;
    if (with_seq) row.push_back(std::to_string(m.seq));
    row.insert(row.end(), {m.identifier, m.region_code, m.region_name_en, std::string(warnings::KindName(m.kind)), m.msg_type,
                           std::string(warnings::ChangeName(m.change)), m.signal, m.status, Iso(m.sent_utc), Iso(m.expires_utc),
                           warnings::Headline(m, false)});
    rows.push_back(std::move(row));
  }
  std::vector<std::string> header = {"identifier", "region", "name", "kind", "msgType", "change", "signal", "status",
                                     "sent_utc",   "expires_utc", "headline"};
  if (with_seq) header.insert(header.begin(), "seq");
  PrintTable(header, rows);
}

// Shows what will go out and asks; --yes skips the question. Returns false when not confirmed.
bool Confirm(const std::vector<warnings::Message>& preview, bool yes, bool json_out) {
  if (!json_out) {
    std::cout << "About to issue " << preview.size() << " message" << (preview.size() == 1 ? "" : "s") << ":\n";
    PrintMessages(preview, false);
    for (const auto& m : preview)
      std::cout << "  " << m.identifier << ": " << warnings::Headline(m, true) << " / " << warnings::Headline(m, false)
                << (m.references.empty() ? "" : "  (replaces " + std::to_string(m.references.size()) + ")") << '\n';
  }
  if (yes) return true;
  if (!::isatty(STDIN_FILENO)) throw Error(ErrorCode::kUsage, "confirm with --yes (stdin is not a terminal); nothing was issued");
  std::cout << "Issue these " << preview.size() << " messages? [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

void ReportIssued(const std::vector<warnings::Message>& issued, const std::string& journal, bool json_out) {
  if (json_out) {
    json out = json::array();
    for (const auto& m : issued) out.push_back(MessageJson(m, true));
    std::cout << json{{"journal", journal}, {"issued", out}}.dump(2) << '\n';
    return;
  }
  std::cout << "Issued " << issued.size() << " message" << (issued.size() == 1 ? "" : "s") << " (journal records "
            << issued.front().seq - 1 << "-" << issued.back().seq << " in " << journal << ").\n";
}

// ---- propose ----

struct ProposeArgs : HazardArgs {
  DeskArgs desk;
};

// The desk's latest proposal, when it is of this storm: the forecast before this one.
std::optional<warnings::PreviousForecast> PreviousOf(const warnings::Desk& desk, const HazardRun& run) {
  const auto sp = desk.LatestProposal();
  if (!sp || sp->source.storm != run.storm.id) return std::nullopt;
  warnings::PreviousForecast prev;
  prev.now_utc = sp->source.now_utc;
  for (const auto& p : sp->proposals) prev.probabilities[{p.assessment.region_code, p.assessment.kind}] = p.assessment.probabilities;
  return prev;
}

std::vector<warnings::Proposal> ProposeFromRun(const warnings::Desk& desk, const HazardRun& run, std::int64_t now) {
  const auto assessments = warnings::Evaluate(desk.rules(), run.hazard);
  const auto previous = PreviousOf(desk, run);
  return warnings::Plan(desk.rules(), assessments, desk.StateAt(now), now, previous ? &*previous : nullptr);
}

std::string ForecastDescription(const HazardRun& run, const std::string& archive) {
  return std::to_string(run.hazard.members) + "-member analog ensemble from " + archive + "; " + run.consensus;
}

// The whole observed track so far (not only the matching window), for the gateways' maps. Its
// winds are 10-minute means, as the situation's (the agency's own period converted: data/units.h).
std::string SituationOf(const HazardRun& run) {
  std::vector<core::TrackPoint> observed;
  for (const data::Fix& f : run.storm.fixes)
    observed.push_back({f.time_utc, f.lat_deg, f.lon_deg, data::ConvertAveraging(f.wind_ms, run.storm.wind_averaging, data::WindAveraging::kTenMinute),
                        f.pressure_hpa});
  return feed::SituationToJson(warnings::MakeSituation(run.storm.id, run.storm.name, observed, run.forecast, 240));
}

void PrintProposals(const std::vector<warnings::Proposal>& plan, const warnings::RuleSet& rules) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : plan) {
    if (p.action == Action::kNone) continue;
    const auto& a = p.assessment;
    const warnings::SignalRule* r = a.signal;
    rows.push_back({a.region_code, a.region_name_en.empty() ? a.region_name : a.region_name_en, std::string(warnings::KindName(a.kind)),
                    p.from_signal.empty() ? "-" : p.from_signal, p.to_signal.empty() ? "-" : p.to_signal,
                    std::string(warnings::ActionName(p.action)), a.kind == Kind::kFlood ? "" : Pct(a.probability),
                    r && a.kind != Kind::kFlood ? Pct(r->probability) : "",
                    a.onset_utc ? Short(*a.onset_utc) : "", p.note.empty() ? a.reason : p.note});
  }
  (void)rules;
  if (rows.empty()) {
    std::cout << "No region needs a warning, and none is in force.\n";
    return;
  }
  PrintTable({"region", "name", "kind", "in_force", "proposed", "action", "P_%", "needed_%", "onset_utc", "reason"}, rows);
}

json ProposalJson(const std::vector<warnings::Proposal>& plan) {
  json out = json::array();
  for (const auto& p : plan) {
    const auto& a = p.assessment;
    out.push_back({{"region", a.region_code},
                   {"name", a.region_name},
                   {"name_en", a.region_name_en},
                   {"kind", warnings::KindName(a.kind)},
                   {"in_force", p.from_signal},
                   {"proposed", p.to_signal},
                   {"action", warnings::ActionName(p.action)},
                   {"probability", std::round(a.probability * 1000) / 1000},
                   {"onset_utc", a.onset_utc ? json(Iso(*a.onset_utc)) : json(nullptr)},
                   {"reason", a.reason},
                   {"note", p.note},
                   {"evidence", a.evidence_json.empty() ? json(nullptr) : json::parse(a.evidence_json)}});
  }
  return out;
}

void RunPropose(const ProposeArgs& a) {
  const std::string op = OperatorName(a.desk.operator_name);
  HazardEngine engine(a);
  auto desk = OpenDesk(a.desk, engine.regions());
  desk->RequireAudit();
  SignAsOperator(*desk, a.desk);
  const HazardRun run = engine.Run(a, desk->rules().Criteria(), desk->rules().Sites());
  const bool hindcast = !a.at.empty();
  const std::int64_t now = hindcast ? run.hazard.now_utc : WallNow();
  const auto plan = ProposeFromRun(*desk, run, now);
  warnings::ProposalSource src;
  src.storm = run.storm.id;
  src.storm_name = run.storm.name;
  src.now_utc = run.hazard.now_utc;
  src.hindcast = hindcast;
  src.forecast = ForecastDescription(run, a.archive);
  src.situation_json = SituationOf(run);
  src.storm_number = run.storm.intl_number;
  const std::int64_t seq = desk->RecordProposal(plan, src, op, now);
  const std::size_t changes = static_cast<std::size_t>(std::count_if(plan.begin(), plan.end(), [](const auto& p) { return p.Changes(); }));
  if (a.desk.json) {
    std::cout << json{{"storm", run.storm.id},
                      {"storm_name", run.storm.name},
                      {"now_utc", Iso(run.hazard.now_utc)},
                      {"hindcast", hindcast},
                      {"forecast", src.forecast},
                      {"proposal_record", seq},
                      {"changes", changes},
                      {"journal", desk->journal().path().string()},
                      {"proposals", ProposalJson(plan)}}
                     .dump(2)
              << '\n';
    return;
  }
  std::cout << "Storm " << run.storm.id << (run.storm.name.empty() ? "" : " (" + run.storm.name + ")") << " at "
            << Iso(run.hazard.now_utc) << ", " << Position(run.observed.back()) << "; " << src.forecast << "\n";
  PrintProposals(plan, desk->rules());
  std::cout << "\nP_%: ensemble probability of the proposed signal's criterion (of the lowest signal when none); needed_%: what "
               "the rule needs.\n";
  if (changes == 0) {
    std::cout << "Nothing to issue (proposal recorded as journal record " << seq << ").\n";
  } else {
    std::cout << changes << " change" << (changes == 1 ? "" : "s") << " proposed (journal record " << seq
              << "). Issue with: taifeng warn issue --all" << (hindcast ? " --exercise" : "") << '\n';
  }
}

// ---- issue ----

struct IssueArgs {
  DeskArgs desk;
  std::vector<std::string> regions;
  bool all = false, exercise = false, test = false, yes = false;
};

std::string StatusOf(bool exercise, bool test) {
  if (exercise && test) throw Error(ErrorCode::kUsage, "--exercise and --test: choose one");
  return exercise ? "Exercise" : test ? "Test" : "Actual";
}

std::vector<warnings::Message> MessagesFromReply(const json& reply) {
  std::vector<warnings::Message> out;
  for (const auto& m : reply.at("messages")) out.push_back(warnings::MessageFromJson(m.dump(), m.value("seq", std::int64_t{0})));
  return out;
}

// A new idempotency key: 128 random bits, hex.
std::string NewRequestId() {
  std::random_device rd;
  std::string id;
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 4; ++i) {
    const std::uint32_t v = rd();
    for (int k = 0; k < 8; ++k) id += kHex[(v >> (4 * k)) & 15];
  }
  return id;
}

void ReportRepeated(const std::vector<warnings::Message>& earlier, const std::string& request_id, bool json_out) {
  if (json_out) {
    json out = json::array();
    for (const auto& m : earlier) out.push_back(MessageJson(m, true));
    std::cout << json{{"request_id", request_id}, {"repeated", true}, {"issued", out}}.dump(2) << '\n';
    return;
  }
  std::cout << "Request " << request_id << " was done before (journal records " << (earlier.empty() ? 0 : earlier.front().seq - 1) << "-"
            << (earlier.empty() ? 0 : earlier.back().seq) << "): nothing issued again.\n";
  if (!earlier.empty()) PrintMessages(earlier, true);
}

// Through the service: preview, confirm, commit. A commit whose answer does not come is reported
// as of unknown outcome, with the request id that makes a retry safe.
void RunThroughService(ServiceLink& link, const DeskArgs& d, const warnings::OperatorCommand& c, bool yes) {
  const std::string body = warnings::CommandToJson(c);
  const json preview = json::parse(link.Request("PREVIEW", body));
  if (preview.value("repeated", false)) return ReportRepeated(MessagesFromReply(preview), c.request_id, d.json);
  if (!d.json) std::cout << "Through the Taifeng service " << link.Describe() << ".\n";
  if (!Confirm(MessagesFromReply(preview), yes, d.json)) {
    std::cout << "Nothing issued.\n";
    return;
  }
  json reply;
  try {
    reply = json::parse(link.Request("COMMIT", body));
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kIo) throw;
    throw Error(ErrorCode::kOutcomeUnknown,
                std::string("OUTCOME UNKNOWN: ") + e.what() + ". The command may or may not have been committed and published. Do not "
                "send it again as a new command: retry it with the same request id, which the journal takes at most once (add "
                "--request-id " + c.request_id + "), or check with taifeng warn list");
  }
  if (reply.value("repeated", false)) return ReportRepeated(MessagesFromReply(reply), c.request_id, d.json);
  ReportIssued(MessagesFromReply(reply), reply.value("journal", std::string()) + ", published on the feed", d.json);
}

// Runs an operator command: through the service when one runs on this journal (as the operator
// key's name), else on the journal directly. Shows what will go out and asks first. Every command
// carries a request id (--request-id, or a new one), so a retry never does it twice.
void RunCommand(const DeskArgs& d, warnings::OperatorCommand c, bool yes) {
  c.request_id = d.request_id.empty() ? NewRequestId() : d.request_id;
  if (const auto link = ServiceLink::Find(d)) return RunThroughService(*link, d, c, yes);
  auto desk = OpenDesk(d);
  desk->RequireAudit();
  SignAsOperator(*desk, d);
  if (const auto earlier = desk->EarlierRequest(c.request_id)) return ReportRepeated(*earlier, c.request_id, d.json);
  const warnings::PreparedCommand p = warnings::Prepare(*desk, c, OperatorName(d.operator_name), WallNow());
  if (!Confirm(warnings::Preview(*desk, p), yes, d.json)) {
    std::cout << "Nothing issued.\n";
    return;
  }
  bool repeated = false;
  const auto issued = warnings::Commit(*desk, p, &repeated);
  if (repeated) return ReportRepeated(issued, c.request_id, d.json);
  ReportIssued(issued, desk->journal().path().string(), d.json);
}

void RunIssue(const IssueArgs& a) {
  warnings::OperatorCommand c;
  c.action = "issue";
  c.targets = a.regions;
  c.all = a.all;
  c.status = StatusOf(a.exercise, a.test);
  if (!a.exercise && !a.test) c.status.clear();
  if (!a.desk.at.empty()) c.at_utc = ParseTime(a.desk.at, "--at");
  RunCommand(a.desk, c, a.yes);
}

// ---- update / cancel ----

struct ChangeArgs {
  DeskArgs desk;
  std::vector<std::string> targets;
  std::string kind, signal, reason;
  int extend_h = 0;
  bool exercise = false, test = false, yes = false;
};

void RunChange(const ChangeArgs& a, bool cancel) {
  warnings::OperatorCommand c;
  c.action = cancel ? "cancel" : "update";
  c.targets = a.targets;
  c.kind = a.kind;
  c.signal = a.signal;
  c.extend_h = a.extend_h;
  c.reason = a.reason;
  if (a.exercise || a.test) c.status = StatusOf(a.exercise, a.test);
  if (!a.desk.at.empty()) c.at_utc = ParseTime(a.desk.at, "--at");
  if (!c.kind.empty() && !warnings::ParseKind(c.kind)) throw Error(ErrorCode::kUsage, "--kind: typhoon, rainstorm or flood");
  RunCommand(a.desk, c, a.yes);
}

// ---- list / show / audit ----

struct ListArgs {
  DeskArgs desk;
  bool active = false;
  std::string id;
  bool cap = false;
};

void RunList(const ListArgs& a) {
  auto desk = OpenDesk(a.desk, nullptr, false);
  desk->RequireAudit();  // a journal that fails its audit is never shown as the record
  std::vector<warnings::Message> shown;
  const std::int64_t now = a.desk.at.empty() ? WallNow() : ParseTime(a.desk.at, "--at");
  if (a.active) {
    const warnings::State state = desk->StateAt(now);
    for (const auto* f : state.Active()) shown.push_back(f->message);
  } else {
    shown = desk->FullMessages();
  }
  if (a.desk.json) {
    json out = json::array();
    for (const auto& m : shown) out.push_back(MessageJson(m, false));
    std::cout << json{{"journal", desk->journal().path().string()}, {"active", a.active},
                      {"at_utc", a.active ? json(Iso(now)) : json(nullptr)}, {"messages", out}}
                     .dump(2)
              << '\n';
    return;
  }
  if (shown.empty()) {
    std::cout << (a.active ? "No warning in force at " + Iso(now) + ".\n" : "The journal holds no warning.\n");
    return;
  }
  PrintMessages(shown, true);
  if (a.active) std::cout << shown.size() << " warning" << (shown.size() == 1 ? "" : "s") << " in force at " << Iso(now) << ".\n";
}

void RunShow(const ListArgs& a) {
  auto desk = OpenDesk(a.desk, nullptr, false);
  desk->RequireAudit();
  for (const auto& light : desk->Messages()) {
    if (light.identifier != a.id) continue;
    const warnings::Message m = desk->Full(light);
    if (a.cap) {
      std::cout << m.cap_xml;
      return;
    }
    if (a.desk.json) {
      std::cout << MessageJson(m, true).dump(2) << '\n';
      return;
    }
    std::cout << "identifier:   " << m.identifier << "\nmessage:      " << m.msg_type << " (" << warnings::ChangeName(m.change) << "), "
              << m.status << "\nregion:       " << m.region_code << " " << m.region_name << " / " << m.region_name_en
              << "\nwarning:      " << warnings::KindName(m.kind) << " " << m.signal << "\nsent:         " << Iso(m.sent_utc) << " ("
              << m.sent << ")\nonset:        " << Iso(m.onset_utc) << "\nexpires:      " << Iso(m.expires_utc)
              << "\noperator:     " << m.operator_name << "\nstorm:        " << m.storm << " " << m.storm_name
              << "\nprobability:  " << Pct(m.probability) << " %\nreason:       " << m.reason << "\nincident:     " << m.incident
              << "\nreferences:   " << (m.references.empty() ? "-" : "") << '\n';
    for (const auto& r : m.references) std::cout << "  " << r << '\n';
    std::cout << "headline (zh): " << warnings::Headline(m, true) << "\nheadline (en): " << warnings::Headline(m, false) << "\njournal record: " << m.seq
              << "\n(the CAP message: taifeng warn show " << m.identifier << " --cap)\n";
    return;
  }
  throw Error(ErrorCode::kNotFound, a.id + ": no message with this identifier in " + desk->journal().path().string());
}

// What the gateways witnessed (their witness files: "time_utc feed journal_seq hash" per line)
// against the journal: a record whose hash differs from what a gateway saw announced was rewritten
// after it was published, even when the chain was recomputed. Lines of another feed epoch are not
// comparable and are counted apart. Returns the problems, one per file at most.
struct WitnessCheck {
  std::int64_t compared = 0, other_epoch = 0;
  std::vector<std::string> problems;
};
WitnessCheck CheckWitnesses(const warnings::Journal& journal, const std::vector<std::string>& files) {
  WitnessCheck w;
  const std::string feed = journal.ReadMark("feed.id");
  for (const std::string& file : files) {
    std::ifstream in(file);
    if (!in) throw Error(ErrorCode::kNotFound, file + ": no such witness file");
    std::string line;
    for (std::int64_t n = 1; std::getline(in, line); ++n) {
      std::istringstream fields(line);
      std::string when, epoch, hash;
      std::int64_t seq = 0;
      if (!(fields >> when >> epoch >> seq >> hash) || hash.size() != 64) throw ParseError(file, n, "witness line", "time_utc feed journal_seq hash");
      if (epoch != feed) {
        ++w.other_epoch;
        continue;
      }
      ++w.compared;
      const auto r = journal.Get(seq);
      if (r && r->hash == hash) continue;
      w.problems.push_back(file + ":" + std::to_string(n) + ": at " + when + " the feed announced record " + std::to_string(seq) + " with hash " +
                           hash.substr(0, 16) + "…, and the journal " + (r ? "holds " + r->hash.substr(0, 16) + "… there: it was rewritten" : "no longer holds it"));
      break;
    }
  }
  return w;
}

struct AuditArgs : DeskArgs {
  std::vector<std::string> witnesses;
};

void RunAudit(const AuditArgs& a) {
  const auto journal = warnings::Journal::Open(JournalFile(a.journal), false);
  ApplySigningKeys(*journal, a, false);
  const warnings::JournalAudit audit = journal->Audit();
  const auto projection = audit.ok() ? warnings::VerifyFeedProjection(*journal) : std::nullopt;
  const WitnessCheck witness = CheckWitnesses(*journal, a.witnesses);
  const bool ok = audit.ok() && !projection && witness.problems.empty();
  if (a.json) {
    std::cout << json{{"journal", journal->path().string()},
                      {"records", audit.records},
                      {"ok", ok},
                      {"first_broken", audit.first_broken ? json(*audit.first_broken) : json(nullptr)},
                      {"problem", audit.problem},
                      {"signed_records", audit.signed_records},
                      {"signatures_trusted", audit.signatures_trusted},
                      {"feed_projection", projection ? json(*projection) : json("ok")},
                      {"witnessed", {{"compared", witness.compared}, {"other_epoch", witness.other_epoch}, {"problems", witness.problems}}}}
                     .dump(2)
              << '\n';
  } else if (ok) {
    std::cout << journal->path().string() << ": " << audit.records << " records, hash chain intact, " << audit.signed_records
              << (audit.signatures_trusted ? " signed by trusted keys" : " signed (signatures NOT checked against trusted keys: no --trust, "
                                                                         "and no service.sign or operators/*.sign in the key directory)")
              << ", feed projection matches";
    if (!a.witnesses.empty())
      std::cout << ", " << witness.compared << " witnessed heads match" << (witness.other_epoch ? " (" + std::to_string(witness.other_epoch) + " of another feed epoch)" : "");
    std::cout << ".\n";
  }
  if (projection) throw Error(ErrorCode::kJournalBroken, journal->path().string() + ": " + *projection);
  if (!audit.ok())
    throw Error(ErrorCode::kJournalBroken, journal->path().string() + ": record " + std::to_string(*audit.first_broken) + ": " +
                                               audit.problem + " (" + std::to_string(audit.records) + " records)");
  if (!witness.problems.empty()) throw Error(ErrorCode::kJournalBroken, journal->path().string() + ": " + witness.problems.front());
}

// ---- replay ----

// One forecast of a paced replay: where the storm is, where the forecast takes it, what was issued.
void PrintPacedStep(const HazardRun& run, const std::vector<warnings::Message>& issued) {
  const core::TrackPoint& now = run.forecast.now;
  std::cout << Iso(now.time_utc) << "  " << run.storm.name << " " << feed::FormatPosition(now.lat_deg, now.lon_deg) << "  "
            << FormatFloat(now.wind_ms, 0) << " m/s (10-min)  " << FormatFloat(now.pressure_hpa, 0) << " hPa";
  if (const core::ForecastPoint* f = run.forecast.At(24))
    std::cout << "  | +24 h: " << feed::FormatPosition(f->lat_deg, f->lon_deg) << " " << FormatFloat(f->wind_ms, 0) << " m/s (10-min), cone "
              << FormatFloat(f->cone_km, 0) << " km";
  if (run.forecast.landfall.probability > 0 && run.forecast.landfall.median_utc)
    std::cout << "  | landfall " << FormatFloat(run.forecast.landfall.probability * 100, 0) << " % near "
              << (run.forecast.landfall.region.empty() ? "?" : run.forecast.landfall.region) << " ~" << Iso(*run.forecast.landfall.median_utc);
  std::cout << '\n';
  for (const auto& m : issued)
    std::cout << "    issued  " << m.region_name_en << " " << warnings::KindName(m.kind) << " " << m.signal << " (" << warnings::ChangeName(m.change)
              << ")  " << warnings::Headline(m, false) << '\n';
  std::cout << std::flush;
}

// A region whose warnings' lead times a replay reports: its observed closest approach and the
// first time each signal (or a higher one of its kind) was issued.
struct Focus {
  std::string code, name;
  std::int64_t closest_utc = 0;
  double closest_km = 1e9;
  std::map<std::string, std::int64_t> first;  // "typhoon.yellow" -> first issued
};

// The focus regions' observed closest approach (hourly along the observed track).
std::vector<Focus> FocusRegions(const std::vector<std::string>& codes, const data::Storm& storm, const geo::RegionSet& regions) {
  std::vector<core::TrackPoint> fixes;
  for (const auto& f : storm.fixes) fixes.push_back({f.time_utc, f.lat_deg, f.lon_deg, NAN, NAN});
  const auto track = core::Interpolate(fixes, 3600);
  std::vector<Focus> focus;
  for (const std::string& code : codes) {
    const auto i = regions.Find(code);
    if (!i) throw Error(ErrorCode::kUsage, "--focus " + code + ": no such region");
    Focus f;
    f.code = code;
    f.name = regions.region(*i).name_en.empty() ? regions.region(*i).name : regions.region(*i).name_en;
    for (const auto& p : track) {
      const double d = regions.DistanceKm(*i, p.lat_deg, p.lon_deg);
      if (d < f.closest_km) f.closest_km = d, f.closest_utc = p.time_utc;
    }
    focus.push_back(std::move(f));
  }
  return focus;
}

json FocusJson(const std::vector<Focus>& focus) {
  json fj = json::array();
  for (const auto& f : focus) {
    json signals = json::object();
    for (const auto& [k, t] : f.first) signals[k] = {{"first_issued_utc", Iso(t)}, {"lead_h", std::round((f.closest_utc - t) / 360.0) / 10}};
    fj.push_back({{"region", f.code}, {"name", f.name}, {"closest_approach_utc", Iso(f.closest_utc)}, {"closest_km", std::round(f.closest_km)},
                  {"signals", signals}});
  }
  return fj;
}

// Lead time (h) from the first issue of each signal to the observed closest approach, per focus region.
void PrintLeadTimes(const std::vector<Focus>& focus, const warnings::RuleSet& rules) {
  std::cout << "\nLead time (h) from the first issue of each signal (or a higher one of its kind) to the observed closest "
               "approach (negative: after it):\n";
  std::vector<std::string> header = {"region", "name", "closest_utc", "closest_km"};
  std::vector<std::string> keys;
  for (const auto& j : rules.jurisdictions())
    for (const warnings::SignalRule& r : j->signals()) {
      if (!r.enabled) continue;
      const std::string key = std::string(warnings::KindName(r.kind)) + "." + r.name;
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
      if (std::none_of(focus.begin(), focus.end(), [&](const Focus& f) { return f.first.count(key) > 0; })) continue;
      keys.push_back(key);
      header.push_back(key + "_lead_h");
    }
  std::vector<std::vector<std::string>> rows;
  for (const auto& f : focus) {
    std::vector<std::string> row = {f.code, f.name, Short(f.closest_utc), FormatFloat(f.closest_km, 0)};
    for (const std::string& k : keys) {
      const auto it = f.first.find(k);
      row.push_back(it == f.first.end() ? "-" : FormatFloat((f.closest_utc - it->second) / 3600.0, 0));
    }
    rows.push_back(std::move(row));
  }
  PrintTable(header, rows);
}

}  // namespace

std::vector<warnings::Message> ReplayThroughDesk(ReplayArgs& a, const HazardEngine& engine, warnings::Desk& desk, std::int64_t t0,
                                                 std::int64_t t1, const std::string& op, Progress* progress, int* skipped,
                                                 const std::function<void(const HazardRun&)>& observe) {
  std::vector<warnings::Message> all;
  std::size_t steps = static_cast<std::size_t>((t1 - t0) / (a.every_h * 3600) + 1), done = 0;
  for (std::int64_t t = t0; t <= t1; t += static_cast<std::int64_t>(a.every_h) * 3600) {
    if (progress) progress->Update("replay " + Iso(t), done++, steps);
    a.at = Iso(t);
    HazardRun run;
    try {
      run = engine.Run(a, desk.rules().Criteria(), desk.rules().Sites());
    } catch (const Error& e) {
      // No analog at this time, or too little gap-free track before it to match: no forecast now.
      const bool short_track = e.code() == ErrorCode::kInvalidArgument && std::string(e.what()).rfind("live track ", 0) == 0;
      if (e.code() != ErrorCode::kNotFound && !short_track) throw;
      if (skipped) ++*skipped;
      continue;
    }
    if (observe) observe(run);
    const std::int64_t now = run.hazard.now_utc;
    const auto plan = ProposeFromRun(desk, run, now);
    const warnings::ProposalSource src{run.storm.id, run.storm.name, now, true, ForecastDescription(run, a.archive),
                                       a.situation ? SituationOf(run) : std::string(), run.storm.intl_number};
    const std::int64_t seq = desk.RecordProposal(plan, src, op, now);
    std::vector<warnings::Message> issued;
    if (std::any_of(plan.begin(), plan.end(), [](const auto& p) { return p.Changes(); })) {
      warnings::ActionContext ctx{now, op, "Exercise", "Exercise: replay of " + run.storm.id + " " + run.storm.name};
      const auto stored = desk.LatestProposal();
      issued = desk.Commit("issue", json{{"proposal", seq}, {"regions", "all"}, {"replay", true}}.dump(), desk.FromProposal(*stored, {}), ctx);
      all.insert(all.end(), issued.begin(), issued.end());
    }
    if (a.pace_s > 0 && !a.desk.json) {
      PrintPacedStep(run, issued);
      std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<long>(a.pace_s * 1000)));
    }
  }
  return all;
}

namespace {

void RunReplay(ReplayArgs a) {
  HazardEngine engine(a);
  auto desk = OpenDesk(a.desk, engine.regions());
  desk->RequireAudit();
  SignAsOperator(*desk, a.desk);
  if (!desk->Messages().empty())
    throw Error(ErrorCode::kRefused, desk->journal().path().string() + " already holds warnings: replay into an empty journal (--journal DIR)");
  const std::string op = a.desk.operator_name.empty() ? "replay" : a.desk.operator_name;
  HazardArgs whole = a;
  whole.at.clear();
  const data::Storm storm = LoadLive(whole);
  if (storm.fixes.size() < 5) throw Error(ErrorCode::kInvalidArgument, storm.id + ": too short a track to replay");
  std::int64_t t0 = storm.fixes.front().time_utc + static_cast<std::int64_t>(std::max(a.window_h, 24)) * 3600;
  std::int64_t t1 = storm.fixes.back().time_utc;
  if (!a.from.empty()) t0 = std::max(t0, ParseTime(a.from, "--from"));
  if (!a.to.empty()) t1 = std::min(t1, ParseTime(a.to, "--to"));
  if (t1 < t0) throw Error(ErrorCode::kUsage, "--from/--to leave nothing to replay");
  std::vector<Focus> focus = FocusRegions(a.focus, storm, *engine.regions());
  Progress progress(!a.desk.json && a.pace_s <= 0);
  const std::vector<warnings::Message> all = ReplayThroughDesk(a, engine, *desk, t0, t1, op, &progress);
  progress.Done();
  for (const auto& m : all)
    for (auto& f : focus)
      if (m.region_code == f.code && m.change != warnings::Change::kCancel) {
        // A signal is "reached" when it or a higher one of its kind is issued.
        for (const warnings::SignalRule& r : desk->rules().Of(m.region_code).signals()) {
          if (r.kind != m.kind || r.rank > m.rank || (r.rank == m.rank && r.name != m.signal)) continue;
          const std::string key = std::string(warnings::KindName(r.kind)) + "." + r.name;
          if (!f.first.count(key)) f.first[key] = m.sent_utc;
        }
      }
  if (a.desk.json) {
    json ms = json::array();
    for (const auto& m : all) ms.push_back(MessageJson(m, false));
    std::cout << json{{"storm", storm.id}, {"journal", desk->journal().path().string()}, {"from_utc", Iso(t0)}, {"to_utc", Iso(t1)},
                      {"every_h", a.every_h}, {"focus", FocusJson(focus)}, {"messages", ms}}
                     .dump(2)
              << '\n';
    return;
  }
  std::cout << "Replay of " << storm.id << " " << storm.name << " from " << Iso(t0) << " to " << Iso(t1) << " every " << a.every_h
            << " h (status Exercise; journal " << desk->journal().path().string() << "): " << all.size() << " messages.\n\n";
  if (a.pace_s <= 0) PrintMessages(all, true);  // a paced replay printed them as they went
  PrintLeadTimes(focus, desk->rules());
}

}  // namespace

void RegisterWarnCommands(CLI::App& app) {
  CLI::App* warn = app.add_subcommand("warn", "The warning desk: propose, issue, update, cancel, list, show and audit warnings");
  warn->require_subcommand(1);
  {
    auto a = std::make_shared<ProposeArgs>();
    CLI::App* cmd = warn->add_subcommand("propose", "Evaluate the warning rules on the hazard forecast and record the proposed changes");
    AddHazardOptions(cmd, *a);
    AddDeskOptions(cmd, a->desk, false);
    cmd->add_option("--operator", a->desk.operator_name, "who proposes (default: $TAIFENG_OPERATOR or the login name)");
    cmd->callback([a] { RunPropose(*a); });
  }
  {
    auto a = std::make_shared<IssueArgs>();
    CLI::App* cmd = warn->add_subcommand("issue", "Issue what the latest proposal changes (all, or the regions named), after showing it");
    cmd->add_option("REGION", a->regions, "region codes to issue (or --all)");
    cmd->add_flag("--all", a->all, "issue every change of the proposal");
    cmd->add_option("--operator", a->desk.operator_name, "who issues (default: $TAIFENG_OPERATOR or the login name)");
    cmd->add_option("--key", a->desk.key, "operator key for a running service (default: $TAIFENG_OPERATOR_KEY, else KEYS/<operator>.key_secret)");
    cmd->add_flag("--exercise", a->exercise, "status Exercise (drills, replays)");
    cmd->add_flag("--test", a->test, "status Test");
    cmd->add_flag("--yes,-y", a->yes, "do not ask for confirmation");
    cmd->add_option("--at", a->desk.at, "issue time (ISO 8601 UTC; default: the proposal's time for a hindcast, else now)");
    AddDeskOptions(cmd, a->desk);
    AddCommandOptions(cmd, a->desk);
    cmd->callback([a] { RunIssue(*a); });
  }
  for (const bool cancel : {false, true}) {
    auto a = std::make_shared<ChangeArgs>();
    CLI::App* cmd = cancel ? warn->add_subcommand("cancel", "Cancel warnings in force (by region code or message identifier)")
                           : warn->add_subcommand("update", "Change the signal of warnings in force and/or extend them (no hold time)");
    cmd->add_option("TARGET", a->targets, "region codes or message identifiers")->required();
    cmd->add_option("--kind", a->kind, "only this kind: typhoon, rainstorm or flood");
    if (!cancel) {
      cmd->add_option("--signal", a->signal, "the new signal (e.g. yellow)");
      cmd->add_option("--extend", a->extend_h, "expire this many hours from now")->check(CLI::Range(1, 168));
    }
    cmd->add_option("--reason", a->reason, "why (journalled with the message)");
    cmd->add_option("--operator", a->desk.operator_name, "who acts (default: $TAIFENG_OPERATOR or the login name)");
    cmd->add_option("--key", a->desk.key, "operator key for a running service (default: $TAIFENG_OPERATOR_KEY, else KEYS/<operator>.key_secret)");
    cmd->add_flag("--exercise", a->exercise, "status Exercise (default: the status of what is in force)");
    cmd->add_flag("--test", a->test, "status Test");
    cmd->add_flag("--yes,-y", a->yes, "do not ask for confirmation");
    cmd->add_option("--at", a->desk.at, "action time (ISO 8601 UTC; default now)");
    AddDeskOptions(cmd, a->desk);
    AddCommandOptions(cmd, a->desk);
    cmd->callback([a, cancel] { RunChange(*a, cancel); });
  }
  {
    auto a = std::make_shared<ListArgs>();
    CLI::App* cmd = warn->add_subcommand("list", "List the journalled warning messages, or those in force");
    cmd->add_flag("--active", a->active, "only the warnings in force");
    cmd->add_option("--at", a->desk.at, "time for --active (ISO 8601 UTC; default now)");
    AddDeskOptions(cmd, a->desk, false);
    cmd->callback([a] { RunList(*a); });
  }
  {
    auto a = std::make_shared<ListArgs>();
    CLI::App* cmd = warn->add_subcommand("show", "Show one message: its details, or its CAP 1.2 XML");
    cmd->add_option("ID", a->id, "message identifier")->required();
    cmd->add_flag("--cap", a->cap, "print the CAP 1.2 message");
    AddDeskOptions(cmd, a->desk, false);
    cmd->callback([a] { RunShow(*a); });
  }
  {
    auto a = std::make_shared<AuditArgs>();
    CLI::App* cmd = warn->add_subcommand("audit", "Verify the journal's hash chain; report the first broken record");
    cmd->add_option("--journal", a->journal, "journal directory (default as for the other warn commands)");
    cmd->add_option("--witness", a->witnesses,
                    "a gateway's witness file (taifeng-gateway --witness): every chain head it saw announced must still be in the "
                    "journal, unchanged (a rewritten history with a recomputed chain fails here)");
    cmd->add_flag("--json", a->json, "print JSON");
    cmd->callback([a] { RunAudit(*a); });
  }
  {
    auto a = std::make_shared<ReplayArgs>();
    CLI::App* cmd = warn->add_subcommand(
        "replay", "Run a past storm through propose and issue as an exercise, and report each signal's lead time");
    AddHazardOptions(cmd, *a);
    AddDeskOptions(cmd, a->desk, false);
    cmd->add_option("--from", a->from, "first time (ISO 8601 UTC; default: a day after the first fix)");
    cmd->add_option("--to", a->to, "last time (default: the last fix)");
    cmd->add_option("--every", a->every_h, "hours between forecasts")->capture_default_str()->check(CLI::Range(1, 24));
    cmd->add_option("--pace", a->pace_s, "seconds to wait between forecasts, printing each forecast and what it issued as it goes "
                                         "(a demonstration through a running service and its gateways)")
        ->check(CLI::Range(0.0, 600.0));
    cmd->add_option("--focus", a->focus, "regions whose lead times are reported (default: the Pearl River Delta cities)");
    cmd->add_option("--operator", a->desk.operator_name, "operator name in the journal (default: replay)");
    cmd->callback([a] { RunReplay(*a); });
  }
}

}  // namespace taifeng::cli
