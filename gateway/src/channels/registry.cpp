// The registry of gateway channels: one row per room under src/channels/. A new channel is a new
// folder with a ChannelSpec and its factory, declared and listed here.
#include <array>

#include "taifeng/gateway/channel.h"

namespace taifeng::gateway {

std::unique_ptr<ChannelSpec> MakeDisplaySpec();  // display/display_channel.cpp
std::unique_ptr<ChannelSpec> MakeSmsSpec();      // sms/sms_channel.cpp
std::unique_ptr<ChannelSpec> MakeWebSpec();      // web/web_channel.cpp
std::unique_ptr<ChannelSpec> MakeWebhookSpec();  // webhook/webhook_channel.cpp

namespace {

constexpr std::array<ChannelEntry, 4> kChannels{{
    {"display", "the warnings in force per region in the terminal (ANSI colours) and as plain text for an LED board",
     &MakeDisplaySpec},
    {"sms", "a text per warning and recipient, handed to smstools3 as spool files, exactly once", &MakeSmsSpec},
    {"web", "a live page (map, track, cone, warnings; Server-Sent Events), /alerts.atom, /alerts/ID.xml, /api/warnings",
     &MakeWebSpec},
    {"webhook", "each warning posted to WeChat Work group robots (markdown) and JSON webhooks, exactly once, through a durable outbox",
     &MakeWebhookSpec},
}};

}  // namespace

std::span<const ChannelEntry> ChannelRegistry() { return kChannels; }

}  // namespace taifeng::gateway
