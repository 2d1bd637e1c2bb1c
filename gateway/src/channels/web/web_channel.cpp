// The web channel: a live page, an Atom feed of every CAP message (alert_archive.h), each CAP
// message at a stable URL, and the warnings in force as JSON, served by one event loop (http_loop.h). The feed loop (main.cpp) updates
// a shared model and broadcasts an event on every change; each page's Server-Sent Events stream
// tells it to fetch /api/warnings again.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <regex>

#include "taifeng/gateway/channel.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"
#include "taifeng/base/read_file.h"
#include "taifeng/base/utf8.h"
#include "taifeng/geo/outline.h"
#include "alert_archive.h"
#include "http_loop.h"
#include "legend.h"
#include "page.h"
#include "web_assets.h"

namespace taifeng::gateway {

namespace {

using nlohmann::json;

struct WebOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (written to port_file)
  std::string port_file;
  bool analogs = true;
  int max_streams = 2000;
  std::shared_ptr<const geo::RegionSet> geo;
  std::vector<DisplayRegion> regions;
  std::string archive_dir;  // every CAP message kept here too ("": in memory only)
  std::string land = TAIFENG_WEB_LAND;  // GeoJSON of the land drawn under the regions ("none": none)
  std::string rules = TAIFENG_WEB_RULES;  // the desk's rule files: the key of signals ("none": none)
  std::string public_url;   // the site's address for the feed's links ("": http(s)://HOST:PORT)
  std::string tls_cert, tls_key;  // HTTPS with this certificate chain and key (PEM); "": plain HTTP
  AtomOptions atom;
};


// The CAP <description> of the first (zh) or second (en) info block, unescaped enough for a summary.
std::string CapField(const std::string& cap, const std::string& tag, int nth) {
  std::size_t at = 0;
  for (int i = 0; i <= nth; ++i) {
    at = cap.find("<" + tag + ">", i == 0 ? 0 : at + 1);
    if (at == std::string::npos) return "";
  }
  const std::size_t begin = at + tag.size() + 2, end = cap.find("</" + tag + ">", begin);
  if (end == std::string::npos) return "";
  std::string text = cap.substr(begin, end - begin), out;
  static const std::pair<const char*, char> kEntities[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}, {"&amp;", '&'}};
  for (std::size_t i = 0; i < text.size();) {
    bool matched = false;
    for (const auto& [entity, c] : kEntities)
      if (text.compare(i, std::strlen(entity), entity) == 0) {
        out += c, i += std::strlen(entity), matched = true;
        break;
      }
    if (!matched) out += text[i++];
  }
  return out;
}

// The land's GeoJSON as served (at most 16 MB; checked to be JSON), or an empty collection.
std::string ReadLand(const std::string& path) {
  std::string empty = R"({"type":"FeatureCollection","features":[]})";
  if (path.empty() || path == "none") return empty;
  const std::string text = ReadWholeFile(path, std::size_t{16} << 20);
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("type", "") != "FeatureCollection")
    throw ParseError(path, 0, "type", "a GeoJSON FeatureCollection");
  return j.dump();
}

// `text` gzipped (RFC 1952, best compression), for clients that accept it.
std::string Gzip(const std::string& text) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) throw Error(ErrorCode::kIo, "web: zlib");
  std::string out(deflateBound(&z, text.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw Error(ErrorCode::kIo, "web: zlib could not compress");
  return out;
}

// A static asset in both forms: gzipped to a client that says it accepts gzip, plain otherwise.
struct Asset {
  std::string plain, gzipped, type;
  Asset() = default;
  Asset(std::string text, std::string content_type) : plain(std::move(text)), gzipped(Gzip(plain)), type(std::move(content_type)) {}
  web::HttpResponse For(const web::HttpRequest& req) const {
    web::HttpResponse r;
    r.content_type = type;
    r.headers.emplace_back("Vary", "Accept-Encoding");
    if (req.Header("accept-encoding").find("gzip") != std::string::npos) {
      r.body = gzipped;
      r.headers.emplace_back("Content-Encoding", "gzip");
    } else {
      r.body = plain;
    }
    return r;
  }
};

class WebChannel : public Channel {
 public:
  explicit WebChannel(WebOptions o) : o_(std::move(o)), archive_(o_.archive_dir) {
    json regions = json::array();
    for (const auto& r : o_.regions) {
      const auto i = o_.geo->Find(r.code);
      json rings = json::array();
      for (const auto& ring : geo::OutlineRings(*o_.geo, *i, 400)) {
        json pts = json::array();
        for (const auto& p : ring) pts.push_back({std::round(p.lon_deg * 1000) / 1000, std::round(p.lat_deg * 1000) / 1000});
        rings.push_back(pts);
      }
      regions.push_back({{"code", r.code}, {"name", r.name}, {"name_en", r.name_en}, {"rings", rings}});
    }
    regions_json_ = json{{"regions", regions}}.dump();
    land_ = Asset(ReadLand(o_.land), "application/geo+json");
    leaflet_js_ = Asset(kLeafletJs, "text/javascript; charset=utf-8");
    legend_ = LoadLegend(o_.rules);
    legend_css_ = LegendCss(legend_);
    page_.shown = ShownJurisdictions(legend_, o_.regions);
    model_ = Model(Board{}, FeedStatus{});
    Render();
    Routes();
    if (!o_.tls_cert.empty() || !o_.tls_key.empty()) {
      if (o_.tls_cert.empty() || o_.tls_key.empty()) throw Error(ErrorCode::kUsage, "web: --tls-cert and --tls-key go together");
      server_.UseTls(o_.tls_cert, o_.tls_key);
    }
    const std::string scheme = o_.tls_cert.empty() ? "http://" : "https://";
    port_ = server_.Listen(o_.host, o_.port);
    server_.Start();
    if (!o_.port_file.empty()) {
      std::ofstream(o_.port_file + ".tmp") << port_ << "\n";
      std::filesystem::rename(o_.port_file + ".tmp", o_.port_file);
    }
    o_.atom.base_url = o_.public_url.empty() ? scheme + o_.host + ":" + std::to_string(port_) : o_.public_url;
    while (!o_.atom.base_url.empty() && o_.atom.base_url.back() == '/') o_.atom.base_url.pop_back();
    Log("web", "serving " + scheme + o_.host + ":" + std::to_string(port_) + "/ (Atom: /alerts.atom, JSON: /api/warnings; " +
                   std::to_string(archive_.size()) + " messages in the archive)");
  }
  ~WebChannel() override { WebChannel::Stop(); }  // this class's Stop: the server is this class's

  void Configure(feed::FeedClientOptions& options) override {
    options.format = feed::FeedFormat::kFull;  // the CAP for /alerts/ID.xml
    options.recover_by_snapshot = true;
  }
  void OnUpdate(const Board& board, const feed::FeedEvent&, const std::vector<Bulletin>& received, const FeedStatus& status) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const Bulletin& b : received) Archive(b);
    }
    Publish(board, status);
  }
  void OnTick(const Board& board, const FeedStatus& status) override {
    const bool lost = status.state == feed::FeedSubscriber::State::kLost;
    // Expiries and the feed's state change the page too; the clock alone does not.
    const auto in_force = board.InForce(WallNow()).size();
    if (lost != last_lost_ || in_force != last_in_force_) Publish(board, status);
  }
  void Stop() override { server_.Stop(); }

 private:
  static web::HttpResponse Content(std::string body, std::string type) {
    web::HttpResponse r;
    r.body = std::move(body), r.content_type = std::move(type);
    return r;
  }

  void Routes() {
    std::vector<std::pair<std::string, std::string>> headers = {
        {"X-Content-Type-Options", "nosniff"},
        {"Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"},
        {"Cache-Control", "no-store"}};
    if (!o_.tls_cert.empty()) headers.emplace_back("Strict-Transport-Security", "max-age=31536000");  // HTTPS from now on
    server_.DefaultHeaders(std::move(headers));
    // The page with the state in force at request time (rendered once per change, per language).
    server_.Route("/", [this](const web::HttpRequest& req) {
      std::lock_guard<std::mutex> lock(mutex_);
      return Content(req.query.find("lang=en") != std::string::npos ? page_en_ : page_zh_, "text/html; charset=utf-8");
    });
    server_.Route("/panel", [this](const web::HttpRequest&) {
      std::lock_guard<std::mutex> lock(mutex_);
      return Content(panel_, "text/html; charset=utf-8");
    });
    server_.Route("/favicon.svg", [](const web::HttpRequest&) {
      return Content(R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#c00"/>)"
                     R"(<path d="M8 3a5 5 0 1 0 5 5h-3a2 2 0 1 1-2-2z" fill="#fff"/></svg>)",
                     "image/svg+xml");
    });
    server_.Route("/signals.css", [this](const web::HttpRequest&) { return Content(legend_css_, "text/css; charset=utf-8"); });
    server_.Route("/app.js", [](const web::HttpRequest&) { return Content(kAppJs, "text/javascript; charset=utf-8"); });
    server_.Route("/app.css", [](const web::HttpRequest&) { return Content(kAppCss, "text/css; charset=utf-8"); });
    server_.Route("/vendor/leaflet.js", [this](const web::HttpRequest& req) { return leaflet_js_.For(req); });
    server_.Route("/vendor/leaflet.css", [](const web::HttpRequest&) { return Content(kLeafletCss, "text/css; charset=utf-8"); });
    server_.Route("/api/land", [this](const web::HttpRequest& req) { return land_.For(req); });
    server_.Route("/api/regions", [this](const web::HttpRequest&) { return Content(regions_json_, "application/json"); });
    server_.Route("/api/warnings", [this](const web::HttpRequest&) {
      std::lock_guard<std::mutex> lock(mutex_);
      return Content(model_text_, "application/json");
    });
    server_.Route("/alerts.atom", [this](const web::HttpRequest& req) {
      static const std::regex kPage(R"((?:^|&)page=([1-9][0-9]{0,6})(?:&|$))");
      std::smatch m;
      const std::size_t page = std::regex_search(req.query, m, kPage) ? std::stoul(m[1].str()) : 1;
      std::lock_guard<std::mutex> lock(mutex_);
      try {
        return Content(AtomFeed(archive_, o_.atom, page, WallNow()), "application/atom+xml; charset=utf-8");
      } catch (const Error&) {
        web::HttpResponse r = Content("no such page of the feed\n", "text/plain");
        r.status = 404;
        return r;
      }
    });
    // Every message ever received, Alert, Update or Cancel, at a URL that never changes.
    server_.Route("/alerts/*", [this](const web::HttpRequest& req) {
      static const std::regex kAlert(R"(/alerts/([A-Za-z0-9._-]{1,128})\.xml)");
      std::smatch m;
      std::lock_guard<std::mutex> lock(mutex_);
      const ArchivedAlert* a = std::regex_match(req.path, m, kAlert) ? archive_.Find(m[1].str()) : nullptr;
      if (a == nullptr) {
        web::HttpResponse r = Content("no message with this identifier\n", "text/plain");
        r.status = 404;
        return r;
      }
      web::HttpResponse r = Content(a->cap, "application/cap+xml; charset=utf-8");
      r.headers.push_back({"Cache-Control", "public, max-age=31536000, immutable"});  // a message never changes
      return r;
    });
    // Every page's stream gets the current version at once, then one event per change.
    server_.Stream("/events", [this] {
      std::lock_guard<std::mutex> lock(mutex_);
      return UpdateEvent();
    });
  }

  std::string UpdateEvent() const {
    return "event: update\ndata: " + json{{"version", version_}, {"seq", model_["seq"]}, {"feed", model_["feed"]}}.dump() + "\n\n";
  }

  json Model(const Board& board, const FeedStatus& status) {
    const std::int64_t now = WallNow();
    json warnings = json::array();
    for (const Bulletin* b : board.InForce(now)) {
      json w = json::parse(b->json);
      w.erase("situation");  // once, at the top
      w["description_zh"] = CapField(b->cap, "description", 0);
      w["description_en"] = CapField(b->cap, "description", 1);
      w["instruction_zh"] = CapField(b->cap, "instruction", 0);
      w["instruction_en"] = CapField(b->cap, "instruction", 1);
      w["cap_url"] = "/alerts/" + b->identifier + ".xml";
      warnings.push_back(std::move(w));
      Archive(*b);  // a snapshot's messages, received before this gateway started
    }
    json situation = nullptr;
    if (const auto s = board.LatestSituation()) {
      situation = json::parse(feed::SituationToJson(*s));
      if (!o_.analogs) situation["analogs"] = json::array();
    }
    last_lost_ = status.state == feed::FeedSubscriber::State::kLost;
    last_in_force_ = warnings.size();
    return json{{"feed", last_lost_ ? "lost" : status.state == feed::FeedSubscriber::State::kLive ? "live" : "syncing"},
                {"feed_detail", status.detail},
                {"seq", board.seq()},
                {"now_utc", taifeng::FormatIsoUtc(now)},
                {"situation", situation},
                {"warnings", warnings}};
  }

  void Publish(const Board& board, const FeedStatus& status) {
    std::string event;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      model_ = Model(board, status);
      Render();
      ++version_;
      event = UpdateEvent();
    }
    server_.Broadcast(std::move(event));
  }

  // The model's forms as served (under mutex_, or before the server starts).
  void Render() {
    model_text_ = model_.dump();
    panel_ = RenderPanel(model_, legend_, page_);
    PageOptions en = page_;
    en.lang = "en";
    page_zh_ = RenderPage(model_text_, panel_, page_);
    page_en_ = RenderPage(model_text_, panel_, en);
  }

  // The jurisdictions that own a shown region, in the legend's order.
  static std::vector<const LegendJurisdiction*> ShownJurisdictions(const Legend& legend, const std::vector<DisplayRegion>& regions) {
    std::vector<const LegendJurisdiction*> shown;
    const LegendJurisdiction* fallback = nullptr;  // the one with no region list takes the rest
    bool unclaimed = false;
    for (const auto& j : legend.jurisdictions)
      if (j.regions.empty()) fallback = &j;
    for (const auto& j : legend.jurisdictions) {
      bool any = false;
      for (const auto& r : regions) any = any || std::find(j.regions.begin(), j.regions.end(), r.code) != j.regions.end();
      if (any) shown.push_back(&j);
    }
    for (const auto& r : regions) {
      bool claimed = false;
      for (const auto& j : legend.jurisdictions) claimed = claimed || std::find(j.regions.begin(), j.regions.end(), r.code) != j.regions.end();
      unclaimed = unclaimed || !claimed;
    }
    if (fallback && unclaimed && std::find(shown.begin(), shown.end(), fallback) == shown.end()) shown.push_back(fallback);
    return shown;
  }

  // Keeps a received message for the feed and its URL (once; a write failure is logged, and the
  // message is served from the next snapshot or message that carries it again).
  void Archive(const Bulletin& b) {
    if (b.cap.empty() || archive_.Find(b.identifier)) return;
    ArchivedAlert a;
    a.identifier = b.identifier, a.sender = b.sender, a.msg_type = b.msg_type, a.status = b.status, a.sent_utc = b.sent_utc;
    a.language_zh = b.language_zh, a.headline_zh = b.headline_zh, a.headline_en = b.headline_en;
    a.description_zh = CapField(b.cap, "description", 0), a.description_en = CapField(b.cap, "description", 1);
    a.cap = b.cap;
    try {
      archive_.Add(a);
    } catch (const Error& e) {
      Log("web", std::string("alert archive: ") + e.what());
    }
  }

  static web::HttpLimits Limits(const WebOptions& o) {
    web::HttpLimits l;
    l.max_streams = static_cast<std::size_t>(o.max_streams);
    l.max_connections = std::max<std::size_t>(4096, l.max_streams + 1024);
    return l;
  }

  WebOptions o_;
  std::string regions_json_;
  Asset land_;        // the basin's land (Natural Earth), as read from o_.land
  Asset leaflet_js_;  // the map library, the page's largest script
  int port_ = 0;
  std::mutex mutex_;  // the model, between the feed loop and the server loop
  json model_;
  std::string model_text_;  // model_ as sent: made once per change, not per request
  std::string panel_, page_zh_, page_en_;  // the page and its panel as served, made once per change
  Legend legend_;
  std::string legend_css_;
  PageOptions page_;
  AlertArchive archive_;  // every message received (guarded by mutex_)
  std::int64_t version_ = 0;
  bool last_lost_ = false;
  std::size_t last_in_force_ = 0;
  web::HttpLoop server_{Limits(o_)};  // last: stopped and destroyed first
};

}  // namespace

namespace {

class WebSpec : public ChannelSpec {
 public:
  bool needs_regions() const override { return true; }
  void AddOptions(CLI::Option_group& g) override {
    g.add_option("--host", o_.host, "address to listen on")->capture_default_str();
    g.add_option("--port", o_.port, "port (0: any free port)")->capture_default_str();
    g.add_option("--port-file", o_.port_file, "write the bound port here once listening");
    g.add_option("--max-streams", o_.max_streams, "event streams (open pages) served at once; beyond, 503 and the page polls")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    g.add_flag("--no-analogs", no_analogs_, "do not draw the analog storms");
    g.add_option("--land", o_.land, "GeoJSON of the land drawn on the map ('none': none)")->capture_default_str();
    g.add_option("--rules", o_.rules, "the desk's rules file (its jurisdictions' signals make the page's key; 'none': none)")
        ->capture_default_str();
    g.add_option("--archive-dir", o_.archive_dir,
                 "keep every CAP message received here too (fsynced), so its URL and feed entry survive restarts");
    g.add_option("--tls-cert", o_.tls_cert, "serve HTTPS (TLS 1.2+) with this certificate chain (PEM, the server's certificate first)");
    g.add_option("--tls-key", o_.tls_key, "the certificate's private key (PEM; readable by the owner only)");
    g.add_option("--public-url", o_.public_url,
                 "the site's public address, for the feed's links and id (e.g. https://warnings.example.org); default http://HOST:PORT");
    g.add_option("--feed-id", o_.atom.feed_id, "the Atom feed's permanent id (an IRI); default PUBLIC-URL/alerts.atom");
    g.add_option("--feed-title", o_.atom.title, "the Atom feed's title")->capture_default_str();
    g.add_option("--feed-author", o_.atom.author, "the Atom feed's author: the issuing service")->capture_default_str();
    g.add_option("--feed-author-uri", o_.atom.author_uri, "the author's web address");
    g.add_option("--feed-author-email", o_.atom.author_email, "the author's contact address");
    g.add_option("--feed-page-size", o_.atom.per_page, "entries per page of the feed")->capture_default_str()->check(CLI::Range(1, 1000));
  }
  std::unique_ptr<Channel> Make(const ChannelContext& c) override {
    o_.regions = c.shown;
    o_.geo = c.regions;
    o_.analogs = !no_analogs_;
    return std::make_unique<WebChannel>(o_);
  }

 private:
  WebOptions o_;
  bool no_analogs_ = false;
};

}  // namespace

std::unique_ptr<ChannelSpec> MakeWebSpec() { return std::make_unique<WebSpec>(); }

}  // namespace taifeng::gateway
