// A gateway channel: one medium (a display, SMS, a web page…) fed by the warning feed. The gateway's
// loop (apps/gateway/main.cpp) owns the FeedSubscriber and the Board; a channel turns the board and
// its events into what its medium needs. Channels are found in ChannelRegistry().
// Thread safety: a channel is called from the gateway's loop thread only (it may run its own
// threads, e.g. the web server, and guards what they share).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <span>
#include <string_view>
#include <vector>

#include "taifeng/geo/regions.h"
#include "taifeng/gateway/board.h"
#include "taifeng/gateway/display.h"
#include "taifeng/feed/client.h"

namespace CLI {  // NOLINT(readability-identifier-naming): CLI11's namespace
class Option_group;
}

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

// Writes "<UTC time> taifeng-gateway <channel>: <line>" to stderr (one line, thread-safe).
void Log(const std::string& channel, const std::string& line);
// The wall clock, seconds since the epoch (UTC).
std::int64_t WallNow();

// The regions shown (display, web): every region of the set, or those of `codes`, in order.
// Throws Error(kUsage) naming a code the set does not have.
std::vector<DisplayRegion> SelectRegions(const geo::RegionSet& set, const std::vector<std::string>& codes);

// What a channel is given when it starts.
struct ChannelContext {
  std::shared_ptr<const geo::RegionSet> regions;  // loaded when the channel's spec needs_regions()
  std::vector<DisplayRegion> shown;               // the regions to show (--region, else all), in order
};

// A channel's room: its command-line options and how to make it. One per channel, created by the
// registry row's factory; its options are bound to its own fields (CLI11 option group).
class ChannelSpec {
 public:
  virtual ~ChannelSpec() = default;
  virtual bool needs_regions() const { return false; }
  // Adds this channel's options to its group (shown under its name in --help).
  virtual void AddOptions(CLI::Option_group& group) = 0;
  // After parsing: throws Error(kUsage) naming a required option that is missing.
  virtual void Check() const {}
  virtual std::unique_ptr<Channel> Make(const ChannelContext& context) = 0;
};

// The registry of channels (src/channels/registry.cpp): a new channel is one folder under
// src/channels/ with a ChannelSpec, plus one row here.
struct ChannelEntry {
  std::string_view name;     // --channel NAME
  std::string_view summary;  // one line for --help
  std::unique_ptr<ChannelSpec> (*make_spec)();
};
std::span<const ChannelEntry> ChannelRegistry();

}  // namespace taifeng::gateway
