#include <algorithm>
#include "taifeng/warnings/operations.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <set>

#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"

namespace taifeng::warnings {

using nlohmann::json;

bool IsRequestId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char ch : id)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '-') return false;
  return true;
}

std::string CommandToJson(const OperatorCommand& c) {
  json j = {{"action", c.action}, {"targets", c.targets}, {"all", c.all},         {"kind", c.kind},
            {"signal", c.signal}, {"extend_h", c.extend_h}, {"reason", c.reason}, {"status", c.status}};
  if (c.at_utc) j["at_utc"] = taifeng::FormatIsoUtc(*c.at_utc);
  if (!c.request_id.empty()) j["request_id"] = c.request_id;
  return j.dump();
}

OperatorCommand CommandFromJson(const std::string& text) {
  const std::string what = "operator command";
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw ParseError(what, 0, "", std::string("a JSON object (") + e.what() + ")");
  }
  if (!j.is_object()) throw ParseError(what, 0, "", "a JSON object");
  OperatorCommand c;
  auto str = [&](const char* key, std::string& out, bool required) {
    if (!j.contains(key)) {
      if (required) throw ParseError(what, 0, key, "a string");
      return;
    }
    if (!j[key].is_string()) throw ParseError(what, 0, key, "a string");
    out = j[key].get<std::string>();
  };
  str("action", c.action, true);
  if (c.action != "issue" && c.action != "update" && c.action != "cancel") throw ParseError(what, 0, "action", "issue, update or cancel");
  if (j.contains("targets")) {
    if (!j["targets"].is_array()) throw ParseError(what, 0, "targets", "an array of strings");
    for (const auto& t : j["targets"]) {
      if (!t.is_string()) throw ParseError(what, 0, "targets", "an array of strings");
      c.targets.push_back(t.get<std::string>());
    }
  }
  if (j.contains("all")) {
    if (!j["all"].is_boolean()) throw ParseError(what, 0, "all", "true or false");
    c.all = j["all"].get<bool>();
  }
  str("kind", c.kind, false);
  str("signal", c.signal, false);
  str("reason", c.reason, false);
  str("status", c.status, false);
  if (!c.status.empty() && c.status != "Actual" && c.status != "Exercise" && c.status != "Test")
    throw ParseError(what, 0, "status", "Actual, Exercise or Test");
  if (j.contains("extend_h")) {
    if (!j["extend_h"].is_number_integer() || j["extend_h"].get<int>() < 0 || j["extend_h"].get<int>() > 168)
      throw ParseError(what, 0, "extend_h", "hours from 0 to 168");
    c.extend_h = j["extend_h"].get<int>();
  }
  if (j.contains("at_utc") && !j["at_utc"].is_null()) {
    std::string at;
    str("at_utc", at, true);
    const auto t = taifeng::ParseUtc(at);
    if (!t) throw ParseError(what, 0, "at_utc", "an ISO 8601 UTC time");
    c.at_utc = *t;
  }
  for (const auto& t : c.targets)
    if (t.empty() || t.size() > 128) throw ParseError(what, 0, "targets", "region codes or identifiers (1-128 characters)");
  if (c.reason.size() > 2000) throw ParseError(what, 0, "reason", "at most 2000 characters");
  str("request_id", c.request_id, false);
  if (!IsRequestId(c.request_id) && !c.request_id.empty()) throw ParseError(what, 0, "request_id", "1-64 of A-Z a-z 0-9 _ -");
  return c;
}

PreparedCommand Prepare(const Desk& desk, const OperatorCommand& c, const std::string& operator_name, std::int64_t wall_now_utc) {
  if (operator_name.empty()) throw Error(ErrorCode::kUsage, "who is acting? an operator name is required");
  PreparedCommand p;
  p.action = c.action;
  p.ctx.operator_name = operator_name;
  if (c.action == "issue") {
    if (c.all == !c.targets.empty()) throw Error(ErrorCode::kUsage, "give --all or the region codes to issue (not both)");
    p.ctx.status = c.status.empty() ? "Actual" : c.status;
    const auto stored = desk.LatestProposal();
    if (!stored) throw Error(ErrorCode::kRefused, "no proposal in " + desk.journal().path().string() + ": run taifeng warn propose first");
    if (stored->source.hindcast) {
      if (p.ctx.status == "Actual")
        throw Error(ErrorCode::kRefused, "the proposal (record " + std::to_string(stored->seq) +
                                             ") is a hindcast (--at): issue it only as --exercise or --test");
      p.ctx.now_utc = stored->source.now_utc;
      p.ctx.note = "Exercise: hindcast of " + stored->source.storm + " at " + taifeng::FormatIsoUtc(stored->source.now_utc);
    } else {
      p.ctx.now_utc = wall_now_utc;
      const std::int64_t age = wall_now_utc - stored->recorded_utc;
      int valid_h = 24;  // the strictest jurisdiction's validity
      for (const auto& j : desk.rules().jurisdictions()) valid_h = std::min(valid_h, j->lifecycle().proposal_valid_h);
      if (age > static_cast<std::int64_t>(valid_h) * 3600)
        throw Error(ErrorCode::kRefused, "the proposal (record " + std::to_string(stored->seq) + ") is " + std::to_string(age / 60) +
                                             " minutes old (valid " + std::to_string(valid_h) + " h): run taifeng warn propose again");
    }
    if (c.at_utc) p.ctx.now_utc = *c.at_utc;
    p.requests = desk.FromProposal(*stored, c.targets);
    json body = {{"proposal", stored->seq}, {"regions", c.all ? json("all") : json(c.targets)}};
    if (!c.request_id.empty()) body["request_id"] = c.request_id;
    p.action_body = body.dump();
    return p;
  }
  if (c.targets.empty()) throw Error(ErrorCode::kUsage, "name the region codes or message identifiers to " + c.action);
  p.ctx.now_utc = c.at_utc ? *c.at_utc : wall_now_utc;
  std::optional<Kind> kind;
  if (!c.kind.empty()) {
    kind = ParseKind(c.kind);
    if (!kind) throw Error(ErrorCode::kUsage, "kind: typhoon, rainstorm or flood, not " + c.kind);
  }
  const bool cancel = c.action == "cancel";
  p.requests = cancel ? desk.CancelRequests(c.targets, kind, p.ctx.now_utc)
                      : desk.UpdateRequests(c.targets, kind, c.signal, c.extend_h, p.ctx.now_utc);
  // The status follows what is in force (an exercise's warnings are cancelled as an exercise).
  const State state = desk.StateAt(p.ctx.now_utc);
  std::set<std::string> statuses;
  for (const auto& r : p.requests) statuses.insert(state.Find(r.assessment.region_code, r.assessment.kind)->message.status);
  if (!c.status.empty()) {
    p.ctx.status = c.status;
  } else {
    if (statuses.size() > 1) throw Error(ErrorCode::kRefused, "the targets mix Actual and Exercise/Test warnings: act on them separately");
    p.ctx.status = statuses.empty() ? "Actual" : *statuses.begin();
  }
  if (!c.reason.empty())
    for (auto& r : p.requests) r.assessment.reason += ": " + c.reason;
  json body = {{"targets", c.targets}, {"reason", c.reason}};
  if (!cancel) body["signal"] = c.signal, body["extend_h"] = c.extend_h;
  if (!c.request_id.empty()) body["request_id"] = c.request_id;
  p.action_body = body.dump();
  return p;
}

std::vector<Message> Preview(const Desk& desk, const PreparedCommand& p) { return desk.Preview(p.requests, p.ctx); }

std::vector<Message> Commit(Desk& desk, const PreparedCommand& p, bool* repeated) {
  return desk.Commit(p.action, p.action_body, p.requests, p.ctx, repeated);
}

}  // namespace taifeng::warnings
