// The display channel: the terminal board and the LED file.
#include <sys/ioctl.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "taifeng/gateway/channel.h"
#include "taifeng/base/error.h"
#include "taifeng/base/env.h"
#include "taifeng/gateway/display.h"

namespace taifeng::gateway {

namespace {

struct DisplayOptions {
  std::vector<DisplayRegion> regions;
  std::shared_ptr<const geo::RegionSet> geo;  // for distances from the latest position
  std::string led_file, led_language = "zh";
  int led_width = 32, columns = 0, lines = 0;  // 0: the terminal's size (80 × 24 when unknown)
  bool ansi = true, quiet = false;             // quiet: no terminal frames (LED file only)
};

class DisplayChannel : public Channel {
 public:
  explicit DisplayChannel(DisplayOptions o) : o_(std::move(o)) {}

  void Configure(feed::FeedClientOptions& options) override {
    options.format = feed::FeedFormat::kJson;
    options.recover_by_snapshot = true;  // a display shows the state: a new snapshot repairs any gap
  }
  void OnUpdate(const Board& board, const feed::FeedEvent&, const std::vector<Bulletin>&,
                const FeedStatus& status) override {
    Render(board, status);
  }
  void OnTick(const Board& board, const FeedStatus& status) override { Render(board, status); }

 private:
  void Render(const Board& board, const FeedStatus& fs) {
    const std::int64_t now = WallNow();
    auto rows = BuildDisplayRows(board, o_.regions, now);
    if (const auto s = board.LatestSituation(); s && !s->empty() && o_.geo)
      for (auto& r : rows)
        if (const auto i = o_.geo->Find(r.region.code)) r.distance_km = o_.geo->DistanceKm(*i, s->now().lat_deg, s->now().lon_deg);
    DisplayStatus st;
    st.now_utc = now;
    st.feed_lost = fs.state == feed::FeedSubscriber::State::kLost;
    st.lost_since_utc = fs.lost_since_utc;
    st.seq = board.seq();
    st.detail = fs.detail;
    if (!o_.led_file.empty()) {
      const std::string led = RenderLed(board, rows, st, o_.led_width, o_.led_language);
      if (led != last_led_) {
        WriteFileAtomically(o_.led_file, led, 0644);
        last_led_ = led;
      }
    }
    if (o_.quiet) return;
    int columns = o_.columns, lines = o_.lines;
    winsize ws{};
    if ((columns == 0 || lines == 0) && ::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
      if (columns == 0) columns = ws.ws_col;
      if (lines == 0) lines = ws.ws_row;
    }
    if (columns == 0) columns = 80;
    if (lines == 0) lines = 24;
    const std::string frame = RenderTerminal(board, rows, st, columns, lines, o_.ansi);
    // The clock in the first line changes every second: on a terminal redraw in place; in a log
    // (no ANSI) write a frame only when something else changed.
    if (o_.ansi) {
      std::cout << "\x1b[H\x1b[2J" << frame << std::flush;
    } else {
      const std::string body = frame.substr(frame.find('\n') + 1);
      if (body != last_body_) std::cout << frame << "\n" << std::flush;
      last_body_ = body;
    }
  }

  DisplayOptions o_;
  std::string last_led_, last_body_;
};

class DisplaySpec : public ChannelSpec {
 public:
  bool needs_regions() const override { return true; }
  void AddOptions(CLI::Option_group& g) override {
    g.add_option("--led-file", o_.led_file, "also write each frame as plain text here (atomically), for an LED controller");
    g.add_option("--led-width", o_.led_width, "LED board width in columns (a Chinese character takes 2)")->capture_default_str();
    g.add_option("--led-language", o_.led_language, "zh or en")->capture_default_str()->check(CLI::IsMember({"zh", "en"}));
    g.add_option("--columns", o_.columns, "terminal width (default: the terminal's, else 80)");
    g.add_option("--lines", o_.lines, "terminal height (default: the terminal's, else 24)");
    g.add_flag("--no-ansi", no_ansi_, "plain frames, no colours or screen control");
    g.add_flag("--quiet", o_.quiet, "no terminal frames (LED file only)");
  }
  std::unique_ptr<Channel> Make(const ChannelContext& c) override {
    o_.regions = c.shown;
    o_.geo = c.regions;
    o_.ansi = !no_ansi_;
    return std::make_unique<DisplayChannel>(o_);
  }

 private:
  DisplayOptions o_;
  bool no_ansi_ = false;
};

}  // namespace

std::unique_ptr<ChannelSpec> MakeDisplaySpec() { return std::make_unique<DisplaySpec>(); }

}  // namespace taifeng::gateway
