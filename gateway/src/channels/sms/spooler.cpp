// The SMS channel's ordered, retrying queue in front of the outbox (sms.h).
#include <algorithm>

#include "taifeng/base/error.h"
#include "taifeng/gateway/sms.h"

namespace taifeng::gateway {
namespace {

constexpr std::int64_t kFirstBackoffMs = 1000, kMaxBackoffMs = 60000;

}  // namespace

SmsSpooler::SmsSpooler(SmsOutbox& outbox, RecipientsOf recipients, Report report)
    : outbox_(outbox), recipients_(std::move(recipients)), report_(std::move(report)) {}

void SmsSpooler::Add(const Bulletin& b) { queue_.push_back({b, b.seq}); }
void SmsSpooler::Skip(std::int64_t seq) { queue_.push_back({std::nullopt, seq}); }

std::size_t SmsSpooler::Drain(std::int64_t now_ms) {
  if (queue_.empty() || now_ms < retry_at_ms_) return queue_.size();
  while (!queue_.empty()) {
    const Entry& e = queue_.front();
    try {
      if (!e.bulletin) {
        outbox_.Skip(e.seq);
      } else {
        const HandOffResult r = outbox_.HandOff(*e.bulletin, recipients_(*e.bulletin));
        std::string plans;
        for (const auto& [lang, p] : r.plans)
          plans += " " + lang + ":" + (p.alphabet == SmsAlphabet::kGsm7 ? "GSM-7 " : "UCS-2 ") + std::to_string(p.units) + "/" +
                   std::to_string(p.segments);
        report_(e.bulletin->identifier + " (seq " + std::to_string(e.seq) + "): " + std::to_string(r.files) + " handed off, " +
                std::to_string(r.already) + " already," + plans + " (units/segments)" + (backoff_ms_ ? " (after a retry)" : ""));
      }
    } catch (const Error& err) {
      backoff_ms_ = backoff_ms_ == 0 ? kFirstBackoffMs : std::min(2 * backoff_ms_, kMaxBackoffMs);
      retry_at_ms_ = now_ms + backoff_ms_;
      report_("cannot hand off seq " + std::to_string(e.seq) + " (" + std::to_string(queue_.size()) + " waiting, in order): " + err.what() +
              "; retrying in " + std::to_string(backoff_ms_ / 1000) + " s");
      return queue_.size();
    }
    queue_.pop_front();
    backoff_ms_ = 0;
  }
  return 0;
}

}  // namespace taifeng::gateway
