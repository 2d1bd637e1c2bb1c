// The warning feed's protocol (version 1), shared by the service (warnings/feed_service.h) and the
// client (client.h); the message summary itself is written by warnings/feed_summary.h. The whole protocol, for gateways in any language, is in docs/feed-protocol.md.
//
// Every journalled warning message has a feed sequence number: its position among the journal's
// message records (1, 2, 3, … without gaps), so it is persisted by the journal itself, continues
// after a restart, and one message never gets two numbers. A stream is one kind of warning in one
// region ("typhoon.440100"); each message also carries `prev`, the sequence number of the previous
// message of its stream (0 for the first), which lets a subscriber that filters by topic detect a
// gap in what it subscribed to.
// Thread safety: values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>


namespace taifeng::feed {

inline constexpr int kFeedProtocolVersion = 1;

// What a subscriber receives as a message's body: the JSON summary, the CAP 1.2 XML, or both (two
// body frames, JSON first). Each format is its own topic family, so a subscriber chooses by topic.
enum class FeedFormat : std::uint8_t { kJson, kCap, kFull };
std::string_view FeedFormatName(FeedFormat f);  // "json", "cap", "full"
std::optional<FeedFormat> ParseFeedFormat(std::string_view name);

// "json.typhoon.440100".
std::string FeedTopic(FeedFormat f, std::string_view stream);
inline constexpr std::string_view kHeartbeatTopic = "hb";

// A stream prefix a subscriber may ask for: "" (all), "typhoon", "typhoon.4401", …: at most 64
// characters of [a-z0-9.].
bool ValidStreamPrefix(std::string_view prefix);
bool StreamMatches(std::string_view stream, const std::vector<std::string>& prefixes);

// 64-bit sequence numbers travel as 8 bytes, big-endian (network order).
std::string EncodeSeq(std::uint64_t seq);
std::optional<std::uint64_t> DecodeSeq(std::string_view frame);  // nullopt unless exactly 8 bytes

}  // namespace taifeng::feed
