// Every CAP message the web channel has received (Alert, Update and Cancel alike), kept so that
// each stays at its stable URL (/alerts/ID.xml) and in the Atom feed, newest first, and so that
// CAP <references> resolve (Google Public Alerts' and WMO's CAP guidance: a message never
// disappears). With a directory, each message is also written there atomically and fsynced
// (ID.xml: the CAP as received; ID.json: the fields the feed shows) and read back at start, so the
// URLs survive a restart; files that cannot be read are skipped and named in the log.
// AtomFeed writes one page of the feed (RFC 4287; paged as RFC 5005 §3: first/previous/next/last).
// Thread safety: not thread-safe; the web channel guards it with its mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace taifeng::gateway {

struct ArchivedAlert {
  std::string identifier, sender, msg_type, status;  // as in the CAP
  std::int64_t sent_utc = 0;
  std::string language_zh = "zh-CN";                   // the Chinese info block's language tag
  std::string headline_zh, headline_en, description_zh, description_en;
  std::string cap;  // the CAP message as received, byte for byte
};

class AlertArchive {
 public:
  explicit AlertArchive(std::filesystem::path dir = {});  // "" keeps the messages in memory only
  // Adds a message once (by identifier); false when it is already there. Identifiers outside
  // [A-Za-z0-9._-]{1,128} cannot have a URL and are refused (false). Throws Error(kIo) when the
  // directory's write fails (the message is then not added).
  bool Add(const ArchivedAlert& a);
  const ArchivedAlert* Find(const std::string& identifier) const;
  std::size_t size() const { return newest_first_.size(); }
  // Messages [first, first + count) of the newest-first order.
  std::vector<const ArchivedAlert*> Range(std::size_t first, std::size_t count) const;

 private:
  void Load();
  std::filesystem::path dir_;
  std::vector<ArchivedAlert> newest_first_;  // by sent_utc, then identifier, descending
};

struct AtomOptions {
  std::string base_url;   // links: BASE/alerts.atom, BASE/alerts/ID.xml (no trailing '/')
  std::string feed_id;    // the feed's permanent <id> (an IRI); "" = BASE/alerts.atom
  std::string title = "Taifeng warnings · 台风与洪涝预警";
  std::string author = "Taifeng", author_uri, author_email;
  std::size_t per_page = 50;
};

// Page `page` (1-based) of the feed; throws Error(kNotFound) for a page past the last (page 1 of
// an empty archive exists). Each entry: id urn:cap:SENDER:IDENTIFIER, the msgType as category, the
// English headline as title and description as summary (xml:lang="en"), the Chinese ones as
// content (xml:lang = the message's tag), and a link to the CAP.
std::string AtomFeed(const AlertArchive& archive, const AtomOptions& options, std::size_t page, std::int64_t now_utc);

}  // namespace taifeng::gateway
