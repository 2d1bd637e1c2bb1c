// The SMS channel: a text per warning and recipient, handed to smstools3 exactly once.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>

#include "taifeng/base/error.h"

#include "taifeng/gateway/channel.h"
#include "taifeng/gateway/sms.h"

namespace taifeng::gateway {
namespace {

struct SmsOptions {
  std::string recipients, outgoing, record, staging;
  std::vector<std::string> statuses = {"Actual"};  // the CAP statuses to send
};

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
    spooler_ = std::make_unique<SmsSpooler>(
        *outbox_, [this](const Bulletin& b) { return list_.For(b.region); }, [](const std::string& line) { Log("sms", line); });
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
        spooler_->Skip(b.seq);
        continue;
      }
      if (b.status == "Actual" && b.expires_utc <= board.ClockFor(b.status, WallNow())) {
        Log("sms", b.identifier + ": expired at " + std::to_string(b.expires_utc) + ", not sent");
        spooler_->Skip(b.seq);
        continue;
      }
      if (ev.replayed) Log("sms", b.identifier + " (seq " + std::to_string(b.seq) + "): replayed");
      spooler_->Add(b);
    }
    if (ev.type == feed::FeedEvent::Type::kSnapshot && ev.seq > 0) spooler_->Skip(ev.seq);
    spooler_->Drain(SteadyMs());
  }
  // A hand-off that failed (disk full) is retried here, in order, after its back-off.
  void OnTick(const Board&, const FeedStatus&) override { spooler_->Drain(SteadyMs()); }

 private:
  static std::int64_t SteadyMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }

  SmsOptions o_;
  RecipientList list_;
  std::unique_ptr<SmsOutbox> outbox_;
  std::unique_ptr<SmsSpooler> spooler_;
};

class SmsSpec : public ChannelSpec {
 public:
  void AddOptions(CLI::Option_group& g) override {
    g.add_option("--recipients", o_.recipients, "recipients CSV: phone,regions,language");
    g.add_option("--outgoing", o_.outgoing, "smstools3 outgoing spool directory")->capture_default_str();
    g.add_option("--record", o_.record, "the hand-off record (SQLite; default: OUTGOING/../taifeng-sms.sqlite)");
    g.add_option("--staging", o_.staging, "staging directory on the same file system (default: OUTGOING/../taifeng-sms-staging)");
    g.add_option("--status", o_.statuses, "CAP statuses to send (default: Actual only; add Exercise for a drill)")
        ->check(CLI::IsMember({"Actual", "Exercise", "Test"}));
  }
  void Check() const override {
    if (o_.recipients.empty() || o_.outgoing.empty())
      throw Error(ErrorCode::kUsage, "--channel sms needs --recipients and --outgoing");
  }
  std::unique_ptr<Channel> Make(const ChannelContext&) override { return std::make_unique<SmsChannel>(o_); }

 private:
  SmsOptions o_;
};

}  // namespace

std::unique_ptr<ChannelSpec> MakeSmsSpec() { return std::make_unique<SmsSpec>(); }

}  // namespace taifeng::gateway
