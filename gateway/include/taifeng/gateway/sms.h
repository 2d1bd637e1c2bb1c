// The SMS channel: who gets which warning (a recipients CSV), the text in the recipient's language
// within SMS limits, and the hand-off to smstools3 (one spool file per message in its outgoing
// directory), exactly once per (warning, recipient) across restarts.
//
// SMS limits (3GPP TS 23.038 / 23.040): a text that uses only the GSM 7-bit default alphabet goes
// as GSM-7, 160 septets in one message, 153 per segment when concatenated (the extension table's
// characters, e.g. [ ] { } € ^ ~ | \, take two septets and are never split); any other text goes
// as UCS-2, 70 UTF-16 units in one message, 67 per segment (a surrogate pair is never split).
// Phone numbers are personal data: logs show them only through MaskPhone, and the hand-off record
// keeps a keyed hash of each number, not the number.
// Thread safety: values and pure functions; one SmsOutbox per thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "taifeng/base/env.h"
#include "taifeng/gateway/board.h"

namespace taifeng::gateway {

enum class SmsAlphabet : std::uint8_t { kGsm7, kUcs2 };

inline constexpr int kGsm7Single = 160, kGsm7Segment = 153, kUcs2Single = 70, kUcs2Segment = 67;

struct SmsPlan {
  SmsAlphabet alphabet = SmsAlphabet::kGsm7;
  int units = 0;                    // septets (GSM-7) or UTF-16 code units (UCS-2)
  int segments = 0;                 // 1 when it fits one message; 0 for an empty text
  std::vector<std::string> parts;   // the text of each segment (UTF-8)
};

// GSM-7 when every character is in the GSM 7-bit default alphabet (with its extension table) and
// in ISO-8859-15 (the smstools3 spool alphabet "ISO" that smsd converts to GSM-7); else UCS-2.
// Invalid UTF-8 counts as UCS-2 (each bad byte as U+FFFD).
SmsPlan PlanSms(std::string_view utf8);

// The message for one warning in "zh" (Chinese, UCS-2) or "en" (English, GSM-7): the status
// (EXERCISE / TEST / 演习 / 测试), the headline, what changed, onset and expiry in the CAP's local
// time, and, when they fit in one message, the storm's distance and wind. Parts are dropped, most
// optional first, until the text fits one message; only a text that cannot fit is segmented.
std::string ComposeSms(const Bulletin& b, std::string_view language);

struct Recipient {
  std::string phone;                  // E.164, "+8613800138000"
  std::vector<std::string> regions;   // region codes
  std::string language;               // "zh" or "en"
  std::int64_t line = 0;              // in the CSV
};

// "+86*********00": the country code's first two digits and the last two, the rest masked.
std::string MaskPhone(std::string_view phone);

struct RecipientList {
  std::vector<Recipient> recipients;
  std::vector<std::string> problems;  // "FILE:LINE: field …: expected …" (numbers masked), rows left out
  std::map<std::string, std::vector<std::size_t>> by_region;
  std::vector<const Recipient*> For(const std::string& region) const;
};

// Reads the command centre's CSV: a header naming the columns phone, regions, language (any
// order; more columns are ignored), then one row per person. `regions` is a list of region codes
// separated by ';' or spaces; `language` is zh or en; '#' starts a comment line. A bad row is left
// out and named in `problems` (the rest is kept); a phone listed twice is a problem at its second
// row. Throws Error(kNotFound) for a missing file and ParseError for a missing header or column,
// or a file over 64 MB.
RecipientList LoadRecipients(const std::filesystem::path& csv);

struct SmsOutboxOptions {
  std::filesystem::path record;    // REQUIRES: the SQLite hand-off record (created when missing)
  std::filesystem::path outgoing;  // REQUIRES: smstools3's outgoing spool directory (created when missing)
  // Where files are written before they are renamed into `outgoing` (same file system). Default:
  // "<outgoing>/../taifeng-sms-staging".
  std::filesystem::path staging;
  // The key of the recipients' keyed hashes (BLAKE2b), kept apart from the record that holds the
  // hashes: a 0600 file created on first use. Default: "<record>.key". A record that still holds
  // its key (older versions) has it moved out here and erased from the record.
  std::filesystem::path key_file;
  // Every spool-file write, sync and rename and every write and sync of the record goes through
  // it (tests inject EIO and ENOSPC); nullptr: Env::Default(). Must outlive the outbox.
  Env* env = nullptr;
};
// Files the outbox creates are readable by their owner only: the record and its key (0600), the
// spool files (0600), the staging directory (0700).

struct HandOffResult {
  std::int64_t files = 0;       // spool files handed off now
  std::int64_t already = 0;     // recipients this warning was handed off to before (not again)
  std::int64_t segments = 0;    // SMS segments of the files handed off now
  std::map<std::string, SmsPlan> plans;  // by language
};

// The hand-off record and spool writer. A warning's files are first written to the staging
// directory and synced; then their records are committed (state "staged"); then they are renamed
// into `outgoing` and the records marked "handed off". Open finishes an interrupted hand-off:
// a staged record whose file is still in staging is renamed now; one whose file is gone was
// renamed before the interruption; staged files with no record are removed (they are written again).
// So each (warning identifier, recipient) reaches smstools exactly once.
class SmsOutbox {
 public:
  // Throws Error(kIo) when the record or the directories cannot be opened.
  static std::unique_ptr<SmsOutbox> Open(const SmsOutboxOptions& options);
  ~SmsOutbox();
  SmsOutbox(const SmsOutbox&) = delete;
  SmsOutbox& operator=(const SmsOutbox&) = delete;

  // Hands `b` off to `recipients` (already those of its region), each in their language, and
  // records b.seq as handled. Throws Error(kIo) naming the file on a write, sync or rename failure
  // (EIO, ENOSPC): nothing is recorded as handed off that was not renamed into `outgoing`, and the
  // next HandOff first finishes or undoes the failed one (as Open does), so a retry of the same
  // warning reaches each recipient exactly once.
  HandOffResult HandOff(const Bulletin& b, const std::vector<const Recipient*>& recipients);
  // Records `seq` as handled without a hand-off (a warning no one is to get).
  void Skip(std::int64_t seq);
  // The last feed sequence number handled (0 when none): a restarted gateway resumes after it.
  std::int64_t last_seq() const;
  // Hand-offs recorded for this warning identifier (every recipient, every run).
  std::int64_t Count(const std::string& identifier) const;
  std::int64_t recovered() const;  // staged files Open renamed into outgoing

  struct Impl;

 private:
  explicit SmsOutbox(std::unique_ptr<Impl> impl);
  HandOffResult HandOffNow(const Bulletin& b, const std::vector<const Recipient*>& recipients);
  std::unique_ptr<Impl> impl_;
};

// The channel's queue in front of the outbox: warnings are handed off in feed order, and one that
// fails (ENOSPC, EIO) stays at the head and is retried after a back-off (1 s, doubling to 60 s)
// while later ones wait behind it: none is lost, none overtakes, and the record's last_seq never
// passes a warning not yet handed off (so a restart resumes before it). Skips (warnings no one is
// to get) queue in the same order. Thread safety: one thread.
class SmsSpooler {
 public:
  using RecipientsOf = std::function<std::vector<const Recipient*>(const Bulletin&)>;
  using Report = std::function<void(const std::string&)>;  // one log line per event
  SmsSpooler(SmsOutbox& outbox, RecipientsOf recipients, Report report);

  void Add(const Bulletin& b);    // to hand off
  void Skip(std::int64_t seq);    // handled without a hand-off
  // Hands off what is queued, in order, until the queue is empty or a hand-off fails; after a
  // failure nothing is tried before `now + back-off`. `now`: a steady clock, in milliseconds.
  // Returns how many entries remain.
  std::size_t Drain(std::int64_t now_ms);
  std::size_t queued() const { return queue_.size(); }

 private:
  struct Entry {
    std::optional<Bulletin> bulletin;  // none: a skip
    std::int64_t seq = 0;
  };
  SmsOutbox& outbox_;
  RecipientsOf recipients_;
  Report report_;
  std::deque<Entry> queue_;
  std::int64_t retry_at_ms_ = 0, backoff_ms_ = 0;
};

}  // namespace taifeng::gateway
