// The web channel: a live page, an Atom feed of the CAP alerts in force, each CAP message, and
// the warnings as JSON, served by cpp-httplib. The feed loop (main.cpp) updates a shared model;
// each Server-Sent Events stream waits on it and tells its page to fetch /api/warnings again.
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstring>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>

#include "taifeng/gateway/channel.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"
#include "taifeng/base/utf8.h"
#include "taifeng/geo/outline.h"
#include "web_assets.h"

namespace taifeng::gateway {

namespace {

using nlohmann::json;

struct WebOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (written to port_file)
  std::string port_file;
  bool analogs = true;
  std::shared_ptr<const geo::RegionSet> geo;
  std::vector<DisplayRegion> regions;
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

class WebChannel : public Channel {
 public:
  explicit WebChannel(WebOptions o) : o_(std::move(o)) {
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
    model_ = Model(Board{}, FeedStatus{});
    server_.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
    server_.set_payload_max_length(64 * 1024);
    server_.set_read_timeout(5, 0);
    server_.set_write_timeout(5, 0);  // a client that stops reading is dropped
    // One range at most: many ranges of one small resource once made a 64 kB file a 165 MB answer.
    server_.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("Range").find(',') == std::string::npos) return httplib::Server::HandlerResponse::Unhandled;
      res.status = 416;
      res.set_content("one range at most\n", "text/plain");
      return httplib::Server::HandlerResponse::Handled;
    });
    server_.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                                 {"Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"},
                                 {"Cache-Control", "no-store"}});
    server_.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_content(kIndexHtml, "text/html; charset=utf-8"); });
    server_.Get("/app.js", [](const httplib::Request&, httplib::Response& res) { res.set_content(kAppJs, "text/javascript; charset=utf-8"); });
    server_.Get("/app.css", [](const httplib::Request&, httplib::Response& res) { res.set_content(kAppCss, "text/css; charset=utf-8"); });
    server_.Get("/api/regions", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(regions_json_, "application/json");
    });
    server_.Get("/api/warnings", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mutex_);
      res.set_content(model_.dump(), "application/json");
    });
    server_.Get("/alerts.atom", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mutex_);
      res.set_content(Atom(req), "application/atom+xml; charset=utf-8");
    });
    server_.Get(R"(/alerts/([A-Za-z0-9._-]{1,128})\.xml)", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mutex_);
      const auto it = caps_.find(req.matches[1].str());
      if (it == caps_.end()) {
        res.status = 404;
        res.set_content("no alert in force with this identifier\n", "text/plain");
        return;
      }
      res.set_content(it->second, "application/cap+xml; charset=utf-8");
    });
    server_.Get("/events", [this](const httplib::Request&, httplib::Response& res) {
      // Each event stream holds a thread: at most kMaxStreams, so that the pages and the API always
      // have threads left; beyond, a clear refusal (the page then polls /api/warnings).
      if (streams_.fetch_add(1) >= kMaxStreams) {
        streams_.fetch_sub(1);
        res.status = 503;
        res.set_header("Retry-After", "30");
        res.set_content("too many event streams: poll /api/warnings\n", "text/plain");
        return;
      }
      res.set_header("X-Accel-Buffering", "no");
      auto seen = std::make_shared<std::int64_t>(-1);
      res.set_chunked_content_provider("text/event-stream", [this, seen](std::size_t, httplib::DataSink& sink) {
        std::unique_lock<std::mutex> lock(mutex_);
        // A keep-alive every 5 s: a client gone is noticed (and its stream slot freed) within 5 s.
        cv_.wait_for(lock, std::chrono::seconds(5), [&] { return stopping_ || version_ != *seen; });
        if (stopping_) return false;
        std::string event;
        if (version_ != *seen) {
          *seen = version_;
          event = "event: update\ndata: " + json{{"version", version_}, {"seq", model_["seq"]}, {"feed", model_["feed"]}}.dump() + "\n\n";
        } else {
          event = ": keep-alive\n\n";
        }
        lock.unlock();
        return sink.write(event.data(), event.size());
      }, [this](bool) { streams_.fetch_sub(1); });
    });
    server_.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (res.body.empty()) res.set_content(std::to_string(res.status) + "\n", "text/plain");
    });
    int port = o_.port;
    if (port == 0) {
      port = server_.bind_to_any_port(o_.host);
    } else if (!server_.bind_to_port(o_.host, port)) {
      port = -1;
    }
    if (port <= 0) throw Error(ErrorCode::kIo, "web: cannot listen on " + o_.host + ":" + std::to_string(o_.port));
    port_ = port;
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    if (!o_.port_file.empty()) {
      std::ofstream(o_.port_file + ".tmp") << port_ << "\n";
      std::filesystem::rename(o_.port_file + ".tmp", o_.port_file);
    }
    Log("web", "serving http://" + o_.host + ":" + std::to_string(port_) + "/ (Atom: /alerts.atom, JSON: /api/warnings)");
  }
  ~WebChannel() override { WebChannel::Stop(); }  // this class's Stop: the server is this class's

  void Configure(feed::FeedClientOptions& options) override {
    options.format = feed::FeedFormat::kFull;  // the CAP for /alerts/ID.xml
    options.recover_by_snapshot = true;
  }
  void OnUpdate(const Board& board, const feed::FeedEvent&, const std::vector<Bulletin>&, const FeedStatus& status) override {
    Publish(board, status);
  }
  void OnTick(const Board& board, const FeedStatus& status) override {
    const bool lost = status.state == feed::FeedSubscriber::State::kLost;
    // Expiries and the feed's state change the page too; the clock alone does not.
    const auto in_force = board.InForce(WallNow()).size();
    if (lost != last_lost_ || in_force != last_in_force_) Publish(board, status);
  }
  void Stop() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }

 private:
  json Model(const Board& board, const FeedStatus& status) {
    const std::int64_t now = WallNow();
    json warnings = json::array();
    caps_.clear();
    for (const Bulletin* b : board.InForce(now)) {
      json w = json::parse(b->json);
      w.erase("situation");  // once, at the top
      w["description_zh"] = CapField(b->cap, "description", 0);
      w["description_en"] = CapField(b->cap, "description", 1);
      w["instruction_zh"] = CapField(b->cap, "instruction", 0);
      w["instruction_en"] = CapField(b->cap, "instruction", 1);
      w["cap_url"] = "/alerts/" + b->identifier + ".xml";
      warnings.push_back(std::move(w));
      caps_[b->identifier] = b->cap;
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
    {
      std::lock_guard<std::mutex> lock(mutex_);
      model_ = Model(board, status);
      ++version_;
    }
    cv_.notify_all();
  }

  // An Atom 1.0 feed (RFC 4287) of the CAP alerts in force, one entry per alert linking its CAP
  // message, as public alert aggregators read them.
  std::string Atom(const httplib::Request& req) const {
    const std::string base = "http://" + (req.has_header("Host") ? req.get_header_value("Host") : o_.host + ":" + std::to_string(port_));
    std::string updated = model_["now_utc"].get<std::string>();
    for (const auto& w : model_["warnings"]) updated = std::max(updated, w["sent_utc"].get<std::string>());
    std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";
    x += "  <id>" + XmlEscape(base) + "/alerts.atom</id>\n  <title>Taifeng warnings in force</title>\n";
    x += "  <updated>" + updated + "</updated>\n  <author><name>Taifeng</name></author>\n";
    x += "  <link rel=\"self\" href=\"" + XmlEscape(base) + "/alerts.atom\"/>\n";
    for (const auto& w : model_["warnings"]) {
      const std::string id = w["identifier"].get<std::string>();
      x += "  <entry>\n    <id>urn:taifeng:" + XmlEscape(w["sender"].get<std::string>()) + ":" + XmlEscape(id) + "</id>\n";
      x += "    <title>" + XmlEscape(w["headline_en"].get<std::string>()) + " / " + XmlEscape(w["headline_zh"].get<std::string>()) + "</title>\n";
      x += "    <updated>" + w["sent_utc"].get<std::string>() + "</updated>\n";
      x += "    <category term=\"" + XmlEscape(w["status"].get<std::string>()) + "\" label=\"status\"/>\n";
      x += "    <link rel=\"alternate\" type=\"application/cap+xml\" href=\"" + XmlEscape(base) + "/alerts/" + XmlEscape(id) + ".xml\"/>\n";
      x += "    <summary>" + XmlEscape(w["description_en"].get<std::string>()) + "</summary>\n  </entry>\n";
    }
    return x + "</feed>\n";
  }

  WebOptions o_;
  std::string regions_json_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::condition_variable cv_;
  json model_;
  std::map<std::string, std::string> caps_;
  std::int64_t version_ = 0;
  bool stopping_ = false;
  bool last_lost_ = false;
  std::size_t last_in_force_ = 0;
  static constexpr int kThreads = 48, kMaxStreams = 32;  // HTTP threads; event streams among them
  std::atomic<int> streams_{0};
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
    g.add_flag("--no-analogs", no_analogs_, "do not draw the analog storms");
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
