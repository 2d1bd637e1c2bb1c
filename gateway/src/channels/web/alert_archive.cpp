#include "alert_archive.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include "taifeng/base/env.h"
#include "taifeng/base/error.h"
#include "taifeng/base/read_file.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/base/utf8.h"
#include "taifeng/gateway/channel.h"

namespace taifeng::gateway {
namespace {

using nlohmann::json;

bool Addressable(const std::string& id) {
  static const std::regex kId(R"([A-Za-z0-9._-]{1,128})");
  return std::regex_match(id, kId) && id != "." && id != "..";
}

bool Newer(const ArchivedAlert& a, const ArchivedAlert& b) {
  return a.sent_utc != b.sent_utc ? a.sent_utc > b.sent_utc : a.identifier > b.identifier;
}

json Fields(const ArchivedAlert& a) {
  return {{"identifier", a.identifier}, {"sender", a.sender},         {"msg_type", a.msg_type},
          {"status", a.status},         {"sent_utc", a.sent_utc},     {"language_zh", a.language_zh},
          {"headline_zh", a.headline_zh}, {"headline_en", a.headline_en}, {"description_zh", a.description_zh},
          {"description_en", a.description_en}};
}

}  // namespace

AlertArchive::AlertArchive(std::filesystem::path dir) : dir_(std::move(dir)) {
  if (dir_.empty()) return;
  std::filesystem::create_directories(dir_);
  Load();
}

void AlertArchive::Load() {
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    if (e.path().extension() != ".json") continue;
    try {
      const json j = json::parse(ReadWholeFile(e.path()));
      ArchivedAlert a;
      a.identifier = j.at("identifier"), a.sender = j.at("sender"), a.msg_type = j.at("msg_type"), a.status = j.at("status");
      a.sent_utc = j.at("sent_utc"), a.language_zh = j.at("language_zh");
      a.headline_zh = j.at("headline_zh"), a.headline_en = j.at("headline_en");
      a.description_zh = j.at("description_zh"), a.description_en = j.at("description_en");
      if (!Addressable(a.identifier) || e.path().stem() != a.identifier) throw Error(ErrorCode::kParse, "identifier does not match the file");
      a.cap = ReadWholeFile(dir_ / (a.identifier + ".xml"));
      newest_first_.push_back(std::move(a));
    } catch (const std::exception& ex) {
      Log("web", "alert archive: " + e.path().string() + " skipped: " + ex.what());
    }
  }
  std::sort(newest_first_.begin(), newest_first_.end(), Newer);
}

bool AlertArchive::Add(const ArchivedAlert& a) {
  if (!Addressable(a.identifier) || Find(a.identifier)) return false;
  if (!dir_.empty()) {  // the CAP first: a .json is only ever there with its .xml
    WriteFileAtomically(dir_ / (a.identifier + ".xml"), a.cap);
    WriteFileAtomically(dir_ / (a.identifier + ".json"), Fields(a).dump());
  }
  newest_first_.insert(std::upper_bound(newest_first_.begin(), newest_first_.end(), a, Newer), a);
  return true;
}

const ArchivedAlert* AlertArchive::Find(const std::string& identifier) const {
  for (const ArchivedAlert& a : newest_first_) {
    if (a.identifier == identifier) return &a;
  }
  return nullptr;
}

std::vector<const ArchivedAlert*> AlertArchive::Range(std::size_t first, std::size_t count) const {
  std::vector<const ArchivedAlert*> out;
  for (std::size_t i = first; i < newest_first_.size() && out.size() < count; ++i) out.push_back(&newest_first_[i]);
  return out;
}

std::string AtomFeed(const AlertArchive& archive, const AtomOptions& o, std::size_t page, std::int64_t now_utc) {
  const std::size_t per = std::max<std::size_t>(1, o.per_page);
  const std::size_t pages = std::max<std::size_t>(1, (archive.size() + per - 1) / per);
  if (page < 1 || page > pages) throw Error(ErrorCode::kNotFound, "no page " + std::to_string(page) + " (1-" + std::to_string(pages) + ")");
  const auto entries = archive.Range((page - 1) * per, per);
  const std::string feed_url = o.base_url + "/alerts.atom";
  auto page_url = [&](std::size_t p) { return XmlEscape(p == 1 ? feed_url : feed_url + "?page=" + std::to_string(p)); };
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">\n";
  x += "  <id>" + XmlEscape(o.feed_id.empty() ? feed_url : o.feed_id) + "</id>\n  <title>" + XmlEscape(o.title) + "</title>\n";
  x += "  <updated>" + taifeng::FormatIsoUtc(entries.empty() ? now_utc : entries.front()->sent_utc) + "</updated>\n";
  x += "  <author><name>" + XmlEscape(o.author) + "</name>" + (o.author_uri.empty() ? "" : "<uri>" + XmlEscape(o.author_uri) + "</uri>") +
       (o.author_email.empty() ? "" : "<email>" + XmlEscape(o.author_email) + "</email>") + "</author>\n";
  x += "  <link rel=\"self\" type=\"application/atom+xml\" href=\"" + page_url(page) + "\"/>\n";
  x += "  <link rel=\"first\" href=\"" + page_url(1) + "\"/>\n  <link rel=\"last\" href=\"" + page_url(pages) + "\"/>\n";
  if (page > 1) x += "  <link rel=\"previous\" href=\"" + page_url(page - 1) + "\"/>\n";
  if (page < pages) x += "  <link rel=\"next\" href=\"" + page_url(page + 1) + "\"/>\n";
  for (const ArchivedAlert* a : entries) {
    const std::string cap_url = XmlEscape(o.base_url + "/alerts/" + a->identifier + ".xml");
    x += "  <entry>\n    <id>urn:cap:" + XmlEscape(a->sender) + ":" + XmlEscape(a->identifier) + "</id>\n";
    x += "    <title>" + XmlEscape(a->msg_type + ": " + a->headline_en) + "</title>\n";
    x += "    <updated>" + taifeng::FormatIsoUtc(a->sent_utc) + "</updated>\n";
    x += "    <category term=\"" + XmlEscape(a->msg_type) + "\" scheme=\"urn:oasis:names:tc:emergency:cap:1.2#msgType\"/>\n";
    x += "    <category term=\"" + XmlEscape(a->status) + "\" scheme=\"urn:oasis:names:tc:emergency:cap:1.2#status\"/>\n";
    x += "    <link rel=\"alternate\" type=\"application/cap+xml\" href=\"" + cap_url + "\"/>\n";
    x += "    <summary xml:lang=\"en\">" + XmlEscape(a->description_en) + "</summary>\n";
    x += "    <content type=\"text\" xml:lang=\"" + XmlEscape(a->language_zh) + "\">" + XmlEscape(a->headline_zh + "\n" + a->description_zh) +
         "</content>\n  </entry>\n";
  }
  return x + "</feed>\n";
}

}  // namespace taifeng::gateway
