// SMS texts: GSM-7 / UCS-2 planning, composing a warning's text, and its spool encoding.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "spool_text.h"
#include "taifeng/base/error.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/base/utf8.h"
#include "taifeng/gateway/sms.h"

namespace taifeng::gateway {
namespace {


// GSM 03.38 default alphabet and extension table, as Unicode.
const std::u32string kGsmBasic =
    U"@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    U"abcdefghijklmnopqrstuvwxyzäöñüà";
const std::u32string kGsmExtension = U"\f^{}\\[~]|€";

// ISO-8859-15 byte of a code point, or -1.
int Latin9(char32_t cp) {
  switch (cp) {
    case U'€': return 0xa4;
    case U'Š': return 0xa6;
    case U'š': return 0xa8;
    case U'Ž': return 0xb4;
    case U'ž': return 0xb8;
    case U'Œ': return 0xbc;
    case U'œ': return 0xbd;
    case U'Ÿ': return 0xbe;
    default: break;
  }
  if (cp == 0xa4 || cp == 0xa6 || cp == 0xa8 || cp == 0xb4 || cp == 0xb8 || (cp >= 0xbc && cp <= 0xbe)) return -1;
  return cp < 0x100 ? static_cast<int>(cp) : -1;
}

// Septets of a character in GSM-7 (1 or 2), or 0 when it is not in the alphabet or not in ISO-8859-15.
int Septets(char32_t cp) {
  if (Latin9(cp) < 0) return 0;
  if (kGsmBasic.find(cp) != std::u32string::npos) return 1;
  if (kGsmExtension.find(cp) != std::u32string::npos) return 2;
  return 0;
}

std::string LocalTime(std::int64_t utc, const std::string& cap_sent, bool zh) {
  // The CAP `sent` ends with its offset, "+08:00".
  int offset_s = 0;
  if (cap_sent.size() >= 6) {
    const std::string o = cap_sent.substr(cap_sent.size() - 6);
    if ((o[0] == '+' || o[0] == '-') && o[3] == ':')
      offset_s = (o[0] == '-' ? -1 : 1) * (std::atoi(o.substr(1, 2).c_str()) * 3600 + std::atoi(o.substr(4, 2).c_str()) * 60);
  }
  const std::time_t t = static_cast<std::time_t>(utc + offset_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (zh)
    std::snprintf(buf, sizeof buf, "%d日%02d:%02d", tm.tm_mday, tm.tm_hour, tm.tm_min);
  else
    std::snprintf(buf, sizeof buf, "%d %s %02d:%02d", tm.tm_mday, kMonths[tm.tm_mon], tm.tm_hour, tm.tm_min);
  return buf;
}

std::string OffsetName(const std::string& cap_sent) {
  if (cap_sent.size() < 6) return "UTC";
  std::string o = cap_sent.substr(cap_sent.size() - 6);
  if (o == "+00:00") return "UTC";
  if (o.substr(3) == ":00") o = o.substr(0, 3);
  if (o.size() == 3 && o[1] == '0') o.erase(1, 1);
  return "UTC" + o;
}

bool Fits(std::string_view text) { return PlanSms(text).segments <= 1; }
}  // namespace

SmsPlan PlanSms(std::string_view utf8) {
  const std::vector<char32_t> cps = DecodeUtf8(utf8);
  SmsPlan plan;
  bool gsm = true;
  for (const char32_t c : cps)
    if (!Septets(c)) gsm = false;
  plan.alphabet = gsm ? SmsAlphabet::kGsm7 : SmsAlphabet::kUcs2;
  auto units = [&](char32_t c) { return gsm ? Septets(c) : (c > 0xffff ? 2 : 1); };
  for (const char32_t c : cps) plan.units += units(c);
  if (cps.empty()) return plan;
  const int single = gsm ? kGsm7Single : kUcs2Single, segment = gsm ? kGsm7Segment : kUcs2Segment;
  if (plan.units <= single) {
    plan.segments = 1;
    plan.parts.emplace_back(utf8);
    if (!gsm) {  // normalise invalid bytes as U+FFFD, as they will be sent
      plan.parts.back().clear();
      for (const char32_t c : cps) AppendUtf8(plan.parts.back(), c);
    }
    return plan;
  }
  std::string part;
  int used = 0;
  for (const char32_t c : cps) {
    const int u = units(c);
    if (used + u > segment) {
      plan.parts.push_back(std::move(part));
      part.clear();
      used = 0;
    }
    AppendUtf8(part, c);
    used += u;
  }
  if (!part.empty()) plan.parts.push_back(std::move(part));
  plan.segments = static_cast<int>(plan.parts.size());
  return plan;
}

namespace {

// The Chinese words of an SMS, in Simplified (zh-CN) and Traditional (zh-HK, zh-MO) characters.
struct ZhWords {
  const char *exercise, *test, *upgraded, *downgraded, *extended, *replaced, *expected_from, *takes_effect_until, *in_force, *away, *wind;
};
constexpr ZhWords kHans = {"【演习】", "【测试】", "（升级）", "（降级）", "（延长）", "（更改）", "预计", "起生效，至", "生效",
                           "距%ld公里", "，10分钟平均风速%.0f米/秒"};
constexpr ZhWords kHant = {"【演習】", "【測試】", "（升級）", "（降級）", "（延長）", "（更改）", "預計", "起生效，至", "生效",
                           "距%ld公里", "，10分鐘平均風速%.0f米/秒"};

// " UTC+8" in English, or the jurisdiction's label ("HKT") when the message carries one.
std::string ZoneEn(const Bulletin& b) { return b.jurisdiction.empty() ? OffsetName(b.sent) : b.time_label_en; }
std::string ZoneZh(const Bulletin& b) {
  if (!b.jurisdiction.empty()) return b.time_label_zh;
  return OffsetName(b.sent) == "UTC+8" ? std::string("北京时间") : OffsetName(b.sent);
}

// "… 36 km away, wind 38 m/s (10-min mean)." from the message's situation; "" without one.
std::string StormPart(const Bulletin& b, bool zh, const ZhWords& w) {
  if (!std::isfinite(b.storm_distance_km) || b.storm_name.empty()) return "";
  double wind = std::nan("");
  if (!b.situation_json.empty()) {
    try {
      const feed::Situation s = feed::SituationFromJson(b.situation_json, "message " + b.identifier);
      if (!s.empty()) wind = s.now().wind_ms;  // the situation's winds are 10-minute means (feed.h)
    } catch (const Error&) {
    }
  }
  const long km = std::lround(b.storm_distance_km);
  char buf[200];
  const std::string name = b.storm_name + (b.storm_number.empty() ? "" : " (" + b.storm_number + ")");
  if (zh) {
    std::string f = std::string("%s") + w.away + (std::isfinite(wind) ? w.wind : "") + "。";
    std::snprintf(buf, sizeof buf, f.c_str(), name.c_str(), km, wind);
  } else {
    std::snprintf(buf, sizeof buf, std::isfinite(wind) ? " %s %ld km away, wind %.0f m/s (10-min mean)." : " %s %ld km away.", name.c_str(), km,
                  wind);
  }
  return buf;
}

}  // namespace

std::string ComposeSms(const Bulletin& b, std::string_view language) {
  const bool zh = language == "zh";
  const ZhWords& w = b.traditional() ? kHant : kHans;
  const bool cancel = b.msg_type == "Cancel";
  std::string tag;
  if (b.status == "Exercise") tag = zh ? w.exercise : "EXERCISE: ";
  if (b.status == "Test") tag = zh ? w.test : "TEST: ";
  const std::string headline = zh ? b.headline_zh : b.headline_en;
  std::string change;
  if (b.change == "upgrade") change = zh ? w.upgraded : " (upgraded)";
  if (b.change == "downgrade") change = zh ? w.downgraded : " (downgraded)";
  if (b.change == "extend") change = zh ? w.extended : " (extended)";
  if (b.change == "replace") change = zh ? w.replaced : " (replaced)";
  std::string when, when_short;
  if (cancel) {
    when = zh ? "，" + LocalTime(b.sent_utc, b.sent, true) + "。" : ", " + LocalTime(b.sent_utc, b.sent, false) + " " + ZoneEn(b) + ".";
    when_short = zh ? "。" : ".";
  } else {
    const std::string onset = LocalTime(b.onset_utc, b.sent, zh), expires = LocalTime(b.expires_utc, b.sent, zh);
    const std::string zone = ZoneZh(b);
    if (b.onset_utc > b.sent_utc + 600)  // takes effect later: say when, not a window in the future
      when = zh ? "，" + std::string(w.expected_from) + onset + w.takes_effect_until + expires + "（" + zone + "）。"
                : ", expected from " + onset + " until " + expires + " " + ZoneEn(b) + ".";
    else
      when = zh ? "，" + onset + "至" + expires + w.in_force + "（" + zone + "）。" : ", in force " + onset + " to " + expires + " " + ZoneEn(b) + ".";
    when_short = zh ? "，至" + expires + "。" : ", until " + expires + " " + ZoneEn(b) + ".";
  }
  const std::string storm = cancel ? "" : StormPart(b, zh, w);
  // Most complete first; each next drops what matters least.
  const std::vector<std::string> candidates = {tag + headline + change + when + storm, tag + headline + change + when,
                                               tag + headline + change + when_short, tag + headline + when_short};
  for (const std::string& c : candidates)
    if (Fits(c)) return c;
  return candidates.front();  // too long whatever is dropped: segmented whole
}

SpoolText EncodeForSpool(const SmsPlan& plan) {
  std::string full;
  for (const auto& p : plan.parts) full += p;
  SpoolText t;
  if (plan.alphabet == SmsAlphabet::kGsm7) {
    t.alphabet = "ISO";
    for (const char32_t c : DecodeUtf8(full)) t.body += static_cast<char>(Latin9(c));
    return t;
  }
  t.alphabet = "UCS2";  // smstools3: the text in UTF-16, big-endian
  auto unit = [&](unsigned u) { t.body += static_cast<char>(u >> 8), t.body += static_cast<char>(u & 0xff); };
  for (char32_t c : DecodeUtf8(full)) {
    if (c > 0xffff) {
      c -= 0x10000;
      unit(0xd800 + (c >> 10)), unit(0xdc00 + (c & 0x3ff));
    } else {
      unit(static_cast<unsigned>(c));
    }
  }
  return t;
}

}  // namespace taifeng::gateway
