// Webhook endpoints, payloads and the reading of the endpoints' answers.
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "taifeng/base/error.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/gateway/webhook.h"

namespace taifeng::gateway {
namespace {

using nlohmann::json;

// The first `max` bytes of `s`, cut at a UTF-8 character boundary.
std::string CutUtf8(const std::string& s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

// "2018-09-16 09:40 HKT" from a CAP time "2018-09-16T09:40:00+08:00" and the jurisdiction's label.
std::string Local(const std::string& cap_time, const std::string& label) {
  if (cap_time.size() < 16) return cap_time;
  return cap_time.substr(0, 10) + " " + cap_time.substr(11, 5) + " " + label;
}

}  // namespace

bool WebhookEndpoint::Wants(const std::string& region) const {
  return regions.empty() || std::find(regions.begin(), regions.end(), region) != regions.end();
}

std::vector<WebhookEndpoint> LoadWebhookEndpoints(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) throw Error(ErrorCode::kNotFound, file.string() + ": no such endpoints file");
  if (st.st_mode & (S_IRWXG | S_IRWXO))
    throw Error(ErrorCode::kRefused, file.string() + ": the webhook endpoints (their URLs carry secret keys) are readable by others: chmod 600 it");
  std::ifstream in(file);
  const std::string name = file.filename().string();
  std::vector<WebhookEndpoint> out;
  std::set<std::string> names;
  std::int64_t line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.size() > 8192) throw ParseError(name, line_no, "line", "at most 8192 characters");
    std::istringstream words(line.substr(0, line.find('#')));
    WebhookEndpoint e;
    std::string format;
    if (!(words >> e.name)) continue;
    if (!(words >> format >> e.url)) throw ParseError(name, line_no, "endpoint", "NAME FORMAT URL [REGION…]");
    if (format == "wecom") e.format = WebhookFormat::kWeCom;
    else if (format == "json") e.format = WebhookFormat::kJson;
    else throw ParseError(name, line_no, "format", "wecom or json (got \"" + format + "\")");
    if (e.url.rfind("http://", 0) != 0 && e.url.rfind("https://", 0) != 0)
      throw ParseError(name, line_no, "url", "an http:// or https:// URL");
    if (!names.insert(e.name).second) throw ParseError(name, line_no, "name", "a name not used before (\"" + e.name + "\" is)");
    for (std::string r; words >> r;) e.regions.push_back(r);
    e.line = line_no;
    out.push_back(std::move(e));
  }
  if (out.empty()) throw ParseError(name, line_no, "endpoints", "at least one endpoint line");
  return out;
}

std::string WeComMarkdown(const Bulletin& b) {
  const bool exercise = b.status != "Actual";
  std::string s;
  if (exercise) s += "<font color=\"warning\">**" + std::string(b.status == "Test" ? "测试 TEST" : "演习 EXERCISE") + "**</font>\n";
  const std::string change = b.msg_type == "Cancel" ? "取消 Cancelled" : b.msg_type == "Update" ? "更新 Update" : "发布 Issued";
  s += "### " + b.region_name + " " + (b.label_zh.empty() ? b.headline_zh : b.label_zh) + "（" + change + "）\n";
  s += "**" + b.headline_zh + "**\n" + b.headline_en + "\n";
  s += "> 发布 Issued: " + Local(b.sent, b.time_label_zh) + "\n";
  if (!b.storm_name.empty()) s += "> 风暴 Storm: " + b.storm_name + (b.storm_number.empty() ? "" : " (" + b.storm_number + ")") + "\n";
  s += "> " + b.region_name_en + " · " + b.identifier + "\n";
  if (s.size() > kWeComMaxBytes) s = CutUtf8(s, kWeComMaxBytes - 3) + "…";
  return s;
}

std::string WebhookPayload(const Bulletin& b, WebhookFormat format) {
  if (format == WebhookFormat::kWeCom) return json{{"msgtype", "markdown"}, {"markdown", {{"content", WeComMarkdown(b)}}}}.dump();
  json j = json::parse(b.json);
  j.erase("situation");
  j["cap"] = b.cap;
  return j.dump();
}

WebhookVerdict JudgeWebhook(WebhookFormat format, const WebhookResponse& r) {
  using O = WebhookOutcome;
  if (r.status == 0) return {O::kRetry, "no answer: " + r.error, 0};
  const std::int64_t after_ms = r.retry_after_s >= 0 ? r.retry_after_s * 1000 : 0;
  if (r.status == 429) return {O::kRetry, "HTTP 429 (rate limited)", std::max<std::int64_t>(after_ms, 60000)};
  if (r.status >= 500) return {O::kRetry, "HTTP " + std::to_string(r.status), after_ms};
  if (format == WebhookFormat::kJson) {
    if ((r.status >= 200 && r.status < 300) || r.status == 409) return {O::kDelivered, "HTTP " + std::to_string(r.status), 0};
    return {O::kFailed, "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 200), 0};
  }
  if (r.status != 200) return {O::kFailed, "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 200), 0};
  const json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("errcode") || !j["errcode"].is_number_integer())
    return {O::kRetry, "HTTP 200 without the robot's errcode: " + r.body.substr(0, 200), 0};
  const int code = j["errcode"].get<int>();
  const std::string msg = j.value("errmsg", std::string());
  if (code == 0) return {O::kDelivered, "errcode 0", 0};
  if (code == 45009) return {O::kRetry, "errcode 45009 (api freq out of limit)", 60000};
  // Errors of the request itself (a bad key, message type, content): sending it again cannot help.
  static const std::set<int> kPermanent = {93000, 93004, 40008, 40058, 44004, 40001, 40014, 42001};
  if (kPermanent.count(code)) return {O::kFailed, "errcode " + std::to_string(code) + ": " + msg, 0};
  return {O::kRetry, "errcode " + std::to_string(code) + ": " + msg, 0};
}

}  // namespace taifeng::gateway
