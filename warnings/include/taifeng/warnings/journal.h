// The journal: an append-only, tamper-evident log of every accepted operator action and every
// warning message, in SQLite (WAL mode, synchronous=FULL).
//
// Durability: Append runs its records in one IMMEDIATE transaction and returns only after COMMIT,
// which with synchronous=FULL has reached the disk: a record Append returned is never lost, and a
// crash (kill -9) at any point before that leaves none of the transaction's records.
// Tamper evidence: each record carries SHA-256(seq, time, operator, type, body, previous hash) and
// the previous record's hash; Audit recomputes the chain and reports the first broken record.
// Evidence: a journal given a signer (SetSigner) signs each record's hash with Ed25519; a journal
// given trusted keys (SetTrust) fails its audit on any record not signed by one of them, so a
// record edited or forged and the chain recomputed is caught without the writer's secret key.
// Without trusted keys, Audit still checks each signature against the key named in the record
// and refuses an unsigned record after a signed one (signatures stripped).
// (Removing records from the end leaves a valid shorter chain; the feed's published mark and the
// chain head every gateway witnesses are what detect that.)
// Thread safety: a Journal is one SQLite connection: use it from one thread at a time. Several
// processes may open the same file; writers serialise on SQLite's lock (busy timeout 10 s).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "taifeng/base/env.h"
#include "taifeng/warnings/signing.h"

namespace taifeng::warnings {

struct JournalRecord {
  std::int64_t seq = 0;           // 1, 2, … without gaps
  std::int64_t time_utc = 0;      // the action's time (the forecast's "now" in a replay)
  std::string recorded_utc;       // wall-clock time of the write, ISO 8601 UTC
  std::string operator_name;      // who did it
  std::string type;               // "propose", "issue", "update", "cancel", "message", …
  std::string body;               // JSON
  std::string prev_hash, hash;    // 64 hex digits each
  std::string signer;             // the signing key's public key (64 hex digits), "" when unsigned
  std::string signature;          // Ed25519 signature of the hash (128 hex digits), "" when unsigned
};

// The feed's projection of one "message" record, written in the same transaction as the record
// (so publishing never parses the journal's JSON): its feed sequence number (its position among
// the message records, 1, 2, …), the previous feed seq of its stream (0 for the first), and what
// the feed sends. Derived data, outside the hash chain: VerifyFeedProjection checks it.
struct FeedRow {
  std::int64_t journal_seq = 0, feed_seq = 0, prev = 0;
  std::string stream;   // "typhoon.440100"
  std::string status;   // CAP status
  bool cancel = false;
  std::int64_t sent_utc = 0, expires_utc = 0;
  std::string summary;  // the feed's JSON summary (with seq and prev)
  std::string cap;      // the CAP XML
  std::string journal_hash;  // the message record's hash (read with the row, not stored in it)
};

struct JournalAudit {
  std::int64_t records = 0;
  std::int64_t signed_records = 0;            // of the records audited in this run
  bool signatures_trusted = false;            // each signer was checked against trusted keys
  std::optional<std::int64_t> first_broken;  // seq of the first record that fails
  std::string problem;                       // what fails there
  bool ok() const { return !first_broken; }
};

class Journal {
 public:
  // Opens (creating when `create`) the journal file and its parent directory. Throws
  // Error(kNotFound) when missing and !create, Error(kIo) when SQLite cannot open it,
  // Error(kArchiveFormat) when the file is not a Taifeng journal. Every write and sync of the
  // journal's files goes through `env` (tests inject EIO and ENOSPC there; it must outlive the
  // journal): a failed commit throws Error(kIo) naming the file and writes nothing.
  static std::unique_ptr<Journal> Open(const std::filesystem::path& path, bool create = true, Env& env = Env::Default());
  // Another connection to the same file, with the same Env and trusted keys (not the signer), for
  // another thread.
  std::unique_ptr<Journal> OpenAnother() const;
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Collects the records of one transaction.
  class Writer {
   public:
    // The seq the next Add gets.
    std::int64_t next_seq() const { return next_seq_; }
    void Add(std::int64_t time_utc, const std::string& operator_name, const std::string& type, const std::string& body);
    // The feed seq and the stream's previous feed seq the next message record of `stream` gets.
    std::pair<std::int64_t, std::int64_t> NextFeedPosition(const std::string& stream);
    // Adds the projection of a message record added in this transaction (row.journal_seq), at the
    // position NextFeedPosition gave.
    void AddFeedRow(const FeedRow& row);

   private:
    friend class Journal;
    Writer(Journal& j, std::int64_t next_seq, std::string prev_hash) : journal_(j), next_seq_(next_seq), prev_(std::move(prev_hash)) {}
    Journal& journal_;
    std::int64_t next_seq_;
    std::string prev_;
    std::vector<JournalRecord> added_;
  };

  // Runs `fill` inside one transaction and commits. Returns the records added, durable on
  // return. If `fill` throws, nothing is written and the exception propagates. Throws Error(kIo)
  // when SQLite fails (nothing written).
  std::vector<JournalRecord> Append(const std::function<void(Writer&)>& fill);

  // Records with seq >= from_seq, in order; only those of `type` when it is not empty.
  std::vector<JournalRecord> Read(std::int64_t from_seq = 1, const std::string& type = "") const;
  // The last record of `type` (highest seq); nullopt when there is none. One row read, whatever
  // the journal's length.
  std::optional<JournalRecord> Last(const std::string& type) const;
  // Records with from_seq <= seq <= to_seq, in order; only those of `type` when it is not empty.
  std::vector<JournalRecord> ReadRange(std::int64_t from_seq, std::int64_t to_seq, const std::string& type = "") const;
  // For the records of `type` in [from_seq, to_seq], in order: each(seq, values) with values[i]
  // the JSON value at paths[i] ("$.identifier") of the record's body, as text ("" when absent),
  // extracted by SQLite (the rest of the body is never copied out).
  void ScanFields(std::int64_t from_seq, std::int64_t to_seq, const std::string& type, const std::vector<std::string>& paths,
                  const std::function<void(std::int64_t, const std::vector<std::string>&)>& each) const;
  // The same one record at a time (memory: one record, whatever the range).
  void ScanRange(std::int64_t from_seq, std::int64_t to_seq, const std::string& type,
                 const std::function<void(const JournalRecord&)>& each) const;
  // Calls `each` for every record of `type` with seq > after_seq, in order, without holding them all.
  void Scan(std::int64_t after_seq, const std::string& type, const std::function<void(const JournalRecord&)>& each) const;
  std::optional<JournalRecord> Get(std::int64_t seq) const;
  // The operator action record (issue, update, cancel) whose body carries this request id (an
  // idempotency key), or none. Indexed: one look-up, not a scan.
  std::optional<JournalRecord> FindRequest(const std::string& request_id) const;
  std::int64_t LastSeq() const;

  // Marks: small named values outside the hash chain (the feed's published position), in the
  // journal file's meta table. ReadMark returns "" for a mark never written; WriteMark is durable
  // on return. Names are [a-z.]+, not "format" or "version".
  std::string ReadMark(const std::string& name) const;
  void WriteMark(const std::string& name, const std::string& value);
  // The same without waiting: false (nothing written) while another connection holds the write
  // lock, e.g. a long transaction of another writer. Throws Error(kIo) on other failures.
  bool TryWriteMark(const std::string& name, const std::string& value);

  // Checkpointing of SQLite's write-ahead log. By default SQLite checkpoints inside a commit now
  // and then, which makes that commit slower; a service that wants even commit times turns it
  // off and calls Checkpoint when idle. Checkpoint never blocks writers (PASSIVE).
  void SetAutoCheckpoint(bool on);
  void Checkpoint();

  // Feed rows with feed_seq in [from, to], in order. Throws Error(kInternal) when the projection
  // has a gap there (a message record without its row: call BackfillFeed).
  std::vector<FeedRow> ReadFeed(std::int64_t from_feed_seq, std::int64_t to_feed_seq) const;
  // Calls `each` for every feed row with feed_seq > after, in order.
  void ScanFeed(std::int64_t after_feed_seq, const std::function<void(const FeedRow&)>& each) const;
  // Message records that have no feed row yet (journals written before the projection existed),
  // projected in order in one transaction by `project`, which is given the record and a function
  // that returns the feed seq and prev for the record's stream. Returns how many rows were added.
  using FeedPositionFn = std::function<std::pair<std::int64_t, std::int64_t>(const std::string& stream)>;
  // Only records after `after_seq` are looked at (0: all).
  std::int64_t BackfillFeed(const std::function<FeedRow(const JournalRecord&, const FeedPositionFn&)>& project,
                            std::int64_t after_seq = 0);

  // Recomputes every hash and link. O(records).
  JournalAudit Audit() const;
  // Checks that record `seq` is unchanged (its hash is still `hash` and matches its fields) and
  // recomputes the chain after it: O(records after seq). For a reader that audited the whole
  // journal once and follows its growth.
  JournalAudit AuditAfter(std::int64_t seq, const std::string& hash) const;
  // Records from_seq..to_seq only (each one's hash, and its link to the one before): a service
  // audits its journal this way, a slice at a time, while it runs.
  JournalAudit AuditRange(std::int64_t from_seq, std::int64_t to_seq) const;

  // Records added from now on are signed with `key` (none: unsigned).
  void SetSigner(std::shared_ptr<const SigningKey> key);
  // From now on every audit requires each record to be signed by one of `trusted` (empty: the
  // signatures present are checked against their own keys only).
  void SetTrust(TrustedSigners trusted);
  bool trusted() const;

  const std::filesystem::path& path() const { return path_; }

  struct Impl;

 private:
  JournalAudit AuditRun(std::int64_t after_seq, const std::string& after_hash, std::int64_t to_seq) const;
  Journal(std::unique_ptr<Impl> impl, std::filesystem::path path);
  std::unique_ptr<Impl> impl_;
  std::filesystem::path path_;
};

// SHA-256 of a record's fields as the journal chains them (64 lowercase hex digits).
std::string RecordHash(const JournalRecord& r);

}  // namespace taifeng::warnings
