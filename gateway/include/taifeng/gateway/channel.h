// taifeng-gateway: one channel (display, sms, web) fed by the warning feed. The loop in main.cpp
// owns the feed::FeedSubscriber and the Board; each channel turns the board and its events into what its
// medium needs.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "taifeng/geo/regions.h"
#include "taifeng/gateway/board.h"
#include "taifeng/gateway/display.h"
#include "taifeng/feed/client.h"

namespace taifeng::gateway {

// What every channel sees of the feed besides the board.
struct FeedStatus {
  feed::FeedSubscriber::State state = feed::FeedSubscriber::State::kSyncing;
  std::int64_t lost_since_utc = 0;
  std::string detail;
  std::string feed_id;
};

class Channel {
 public:
  virtual ~Channel() = default;
  // Adjusts the subscription (format, recovery, resume point) before connecting.
  virtual void Configure(feed::FeedClientOptions& options) = 0;
  // A snapshot or message was applied to `board`; `got` are its bulletins.
  virtual void OnUpdate(const Board& board, const feed::FeedEvent& event, const std::vector<Bulletin>& got,
                        const FeedStatus& status) = 0;
  // Called about once a second and on feed lost / restored.
  virtual void OnTick(const Board& board, const FeedStatus& status) = 0;
  virtual void Stop() {}
};

void Log(const std::string& channel, const std::string& line);
std::int64_t WallNow();

// The regions shown (display, web): every region of the file, or those of `codes`, in order.
std::vector<DisplayRegion> SelectRegions(const geo::RegionSet& set, const std::vector<std::string>& codes);

struct DisplayOptions {
  std::vector<DisplayRegion> regions;
  std::shared_ptr<const geo::RegionSet> geo;  // for distances from the latest position
  std::string led_file, led_language = "zh";
  int led_width = 32, columns = 0, lines = 0;  // 0: the terminal's size (80 × 24 when unknown)
  bool ansi = true, quiet = false;             // quiet: no terminal frames (LED file only)
};
std::unique_ptr<Channel> MakeDisplayChannel(DisplayOptions options);

struct SmsOptions {
  std::string recipients, outgoing, record, staging;
  std::vector<std::string> statuses = {"Actual"};  // the CAP statuses to send
};
std::unique_ptr<Channel> MakeSmsChannel(SmsOptions options);

struct WebOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (written to port_file)
  std::string port_file;
  bool analogs = true;
  std::shared_ptr<const geo::RegionSet> geo;
  std::vector<DisplayRegion> regions;
};
std::unique_ptr<Channel> MakeWebChannel(WebOptions options);

}  // namespace taifeng::gateway
