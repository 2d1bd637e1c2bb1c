// The SMS channel: a text per warning and recipient, handed to smstools3 exactly once.
#include <algorithm>

#include "taifeng/gateway/channel.h"
#include "taifeng/gateway/sms.h"

namespace taifeng::gateway {
namespace {

class SmsChannel : public Channel {
 public:
  explicit SmsChannel(SmsOptions o) : o_(std::move(o)) {
    list_ = LoadRecipients(o_.recipients);
    for (const std::string& p : list_.problems) Log("sms", "recipients: left out: " + p);
    Log("sms", std::to_string(list_.recipients.size()) + " recipients in " + std::to_string(list_.by_region.size()) + " regions from " +
                   o_.recipients + (list_.problems.empty() ? "" : " (" + std::to_string(list_.problems.size()) + " rows left out, see above)"));
    SmsOutboxOptions oo;
    oo.outgoing = o_.outgoing;
    oo.record = o_.record.empty() ? std::filesystem::path(o_.outgoing).parent_path() / "taifeng-sms.sqlite" : std::filesystem::path(o_.record);
    oo.staging = o_.staging;
    outbox_ = SmsOutbox::Open(oo);
    if (outbox_->recovered()) Log("sms", "finished an interrupted hand-off: " + std::to_string(outbox_->recovered()) + " files");
  }

  void Configure(feed::FeedClientOptions& options) override {
    options.format = feed::FeedFormat::kJson;
    options.recover_by_snapshot = false;  // every message, once, in order
    if (outbox_->last_seq() > 0) options.resume_after = outbox_->last_seq();
  }
  void OnUpdate(const Board& board, const feed::FeedEvent& ev, const std::vector<Bulletin>& got,
                const FeedStatus&) override {
    for (const Bulletin& b : got) {
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
        plans += " " + lang + ":" + (p.alphabet == SmsAlphabet::kGsm7 ? "GSM-7 " : "UCS-2 ") + std::to_string(p.units) + "/" +
                 std::to_string(p.segments);
      Log("sms", b.identifier + " (seq " + std::to_string(b.seq) + (ev.replayed ? ", replayed" : "") + "): " + std::to_string(r.files) +
                     " handed off, " + std::to_string(r.already) + " already," + plans + " (units/segments)");
    }
    if (ev.type == feed::FeedEvent::Type::kSnapshot && ev.seq > 0) outbox_->Skip(ev.seq);
  }
  void OnTick(const Board&, const FeedStatus&) override {}

 private:
  SmsOptions o_;
  RecipientList list_;
  std::unique_ptr<SmsOutbox> outbox_;
};

}  // namespace

std::unique_ptr<Channel> MakeSmsChannel(SmsOptions options) { return std::make_unique<SmsChannel>(std::move(options)); }

}  // namespace taifeng::gateway
