// The display and SMS channels.
#include <sys/ioctl.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <iostream>

#include "gateway.h"
#include "taifeng/geo/error.h"
#include "taifeng/warnings/sms.h"

namespace taifeng::gateway {

namespace {

void WriteAtomically(const std::filesystem::path& path, const std::string& content) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw Error(ErrorCode::kIo, tmp.string() + ": cannot write");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw Error(ErrorCode::kIo, path.string() + ": cannot replace: " + ec.message());
}

class DisplayChannel : public Channel {
 public:
  explicit DisplayChannel(DisplayOptions o) : o_(std::move(o)) {}

  void Configure(warnings::FeedClientOptions& options) override {
    options.format = warnings::FeedFormat::kJson;
    options.recover_by_snapshot = true;  // a display shows the state: a new snapshot repairs any gap
  }
  void OnUpdate(const warnings::Board& board, const warnings::FeedEvent&, const std::vector<warnings::Bulletin>&,
                const FeedStatus& status) override {
    Render(board, status);
  }
  void OnTick(const warnings::Board& board, const FeedStatus& status) override { Render(board, status); }

 private:
  void Render(const warnings::Board& board, const FeedStatus& fs) {
    const std::int64_t now = WallNow();
    auto rows = warnings::BuildDisplayRows(board, o_.regions, now);
    if (const auto s = board.LatestSituation(); s && !s->empty() && o_.geo)
      for (auto& r : rows)
        if (const auto i = o_.geo->Find(r.region.code)) r.distance_km = o_.geo->DistanceKm(*i, s->now().lat_deg, s->now().lon_deg);
    warnings::DisplayStatus st;
    st.now_utc = now;
    st.feed_lost = fs.state == warnings::FeedSubscriber::State::kLost;
    st.lost_since_utc = fs.lost_since_utc;
    st.seq = board.seq();
    st.detail = fs.detail;
    if (!o_.led_file.empty()) {
      const std::string led = warnings::RenderLed(board, rows, st, o_.led_width, o_.led_language);
      if (led != last_led_) {
        WriteAtomically(o_.led_file, led);
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
    const std::string frame = warnings::RenderTerminal(board, rows, st, columns, lines, o_.ansi);
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

class SmsChannel : public Channel {
 public:
  explicit SmsChannel(SmsOptions o) : o_(std::move(o)) {
    list_ = warnings::LoadRecipients(o_.recipients);
    for (const std::string& p : list_.problems) Log("sms", "recipients: left out: " + p);
    Log("sms", std::to_string(list_.recipients.size()) + " recipients in " + std::to_string(list_.by_region.size()) + " regions from " +
                   o_.recipients + (list_.problems.empty() ? "" : " (" + std::to_string(list_.problems.size()) + " rows left out, see above)"));
    warnings::SmsOutboxOptions oo;
    oo.outgoing = o_.outgoing;
    oo.record = o_.record.empty() ? std::filesystem::path(o_.outgoing).parent_path() / "taifeng-sms.sqlite" : std::filesystem::path(o_.record);
    oo.staging = o_.staging;
    outbox_ = warnings::SmsOutbox::Open(oo);
    if (outbox_->recovered()) Log("sms", "finished an interrupted hand-off: " + std::to_string(outbox_->recovered()) + " files");
  }

  void Configure(warnings::FeedClientOptions& options) override {
    options.format = warnings::FeedFormat::kJson;
    options.recover_by_snapshot = false;  // every message, once, in order
    if (outbox_->last_seq() > 0) options.resume_after = outbox_->last_seq();
  }
  void OnUpdate(const warnings::Board& board, const warnings::FeedEvent& ev, const std::vector<warnings::Bulletin>& got,
                const FeedStatus&) override {
    for (const warnings::Bulletin& b : got) {
      if (std::find(o_.statuses.begin(), o_.statuses.end(), b.status) == o_.statuses.end()) {
        outbox_->Skip(b.seq);
        continue;
      }
      if (b.status == "Actual" && b.expires_utc <= board.ClockFor(b.status, WallNow())) {
        Log("sms", b.identifier + ": expired at " + std::to_string(b.expires_utc) + ", not sent");
        outbox_->Skip(b.seq);
        continue;
      }
      const auto recipients = list_.For(b.region);
      const auto r = outbox_->HandOff(b, recipients);
      std::string plans;
      for (const auto& [lang, p] : r.plans)
        plans += " " + lang + ":" + (p.alphabet == warnings::SmsAlphabet::kGsm7 ? "GSM-7 " : "UCS-2 ") + std::to_string(p.units) + "/" +
                 std::to_string(p.segments);
      Log("sms", b.identifier + " (seq " + std::to_string(b.seq) + (ev.replayed ? ", replayed" : "") + "): " + std::to_string(r.files) +
                     " handed off, " + std::to_string(r.already) + " already," + plans + " (units/segments)");
    }
    if (ev.type == warnings::FeedEvent::Type::kSnapshot && ev.seq > 0) outbox_->Skip(ev.seq);
  }
  void OnTick(const warnings::Board&, const FeedStatus&) override {}

 private:
  SmsOptions o_;
  warnings::RecipientList list_;
  std::unique_ptr<warnings::SmsOutbox> outbox_;
};

}  // namespace

std::unique_ptr<Channel> MakeDisplayChannel(DisplayOptions options) { return std::make_unique<DisplayChannel>(std::move(options)); }
std::unique_ptr<Channel> MakeSmsChannel(SmsOptions options) { return std::make_unique<SmsChannel>(std::move(options)); }

}  // namespace taifeng::gateway
