#include "taifeng/warnings/journal.h"

#include <sodium.h>

#include <limits>

#include <ctime>
#include <cstring>

#include "taifeng/detail/sqlite.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"

namespace taifeng::warnings {

namespace sqlite = detail::sqlite;

struct Journal::Impl {
  sqlite::Db db;
  Env* env = &Env::Default();  // writes and the clock of recorded_utc
  std::shared_ptr<const SigningKey> signer;
  TrustedSigners trust;
};

namespace {

const std::string kGenesis(64, '0');

std::string Hex(const unsigned char* p, std::size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s(2 * n, '0');
  for (std::size_t i = 0; i < n; ++i) s[2 * i] = d[p[i] >> 4], s[2 * i + 1] = d[p[i] & 15];
  return s;
}


JournalRecord RowRecord(const sqlite::Statement& s) {
  JournalRecord r;
  r.seq = s.Int(0);
  r.time_utc = s.Int(1);
  r.recorded_utc = s.Text(2);
  r.operator_name = s.Text(3);
  r.type = s.Text(4);
  r.body = s.Text(5);
  r.prev_hash = s.Text(6);
  r.hash = s.Text(7);
  r.signer = s.Text(8);
  r.signature = s.Text(9);
  return r;
}

constexpr const char* kColumns = "seq, time_utc, recorded_utc, operator, type, body, prev_hash, hash, signer, signature";

// Journals written before records were signed get the two columns, empty.
void AddSignatureColumns(const sqlite::Db& db) {
  sqlite::Statement s(db, "SELECT count(*) FROM pragma_table_info('record') WHERE name = 'signature'");
  s.Step();
  if (s.Int(0) == 0)
    db.Exec("ALTER TABLE record ADD COLUMN signer TEXT NOT NULL DEFAULT '';"
            "ALTER TABLE record ADD COLUMN signature TEXT NOT NULL DEFAULT ''",
            "signature columns");
}

// Why record r fails its signature check ("" when it passes).
std::string SignatureProblem(const JournalRecord& r, const TrustedSigners& trust, bool after_signed) {
  if (r.signature.empty()) {
    if (!trust.empty()) return "not signed (a trusted signature is required)";
    return after_signed ? "not signed, after signed records (signatures stripped?)" : "";
  }
  if (!VerifyHashSignature(r.signer, r.hash, r.signature)) return "signature does not match the record";
  if (!trust.empty() && trust.count(r.signer) == 0) return "signed by an untrusted key " + r.signer.substr(0, 16) + "…";
  return "";
}

}  // namespace

std::string RecordHash(const JournalRecord& r) {
  if (sodium_init() < 0) throw Error(ErrorCode::kInternal, "libsodium failed to initialise");
  std::string m = "taifeng-journal-v1\n";
  m += std::to_string(r.seq) + '\n' + std::to_string(r.time_utc) + '\n' + r.recorded_utc + '\n';
  m += std::to_string(r.operator_name.size()) + ':' + r.operator_name + '\n';
  m += std::to_string(r.type.size()) + ':' + r.type + '\n';
  m += std::to_string(r.body.size()) + ':' + r.body + '\n' + r.prev_hash;
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(m.data()), m.size());
  return Hex(out, sizeof out);
}

Journal::Journal(std::unique_ptr<Impl> impl, std::filesystem::path path) : impl_(std::move(impl)), path_(std::move(path)) {}
Journal::~Journal() = default;

std::unique_ptr<Journal> Journal::Open(const std::filesystem::path& path, bool create, Env& env) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (!exists && !create) throw Error(ErrorCode::kNotFound, path.string() + ": no journal here");
  if (!exists && path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) throw Error(ErrorCode::kIo, path.parent_path().string() + ": cannot create: " + ec.message());
  }
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_FULLMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, sqlite::VfsFor(env));
  auto impl = std::make_unique<Impl>();
  impl->db = sqlite::Db(raw);
  impl->env = &env;
  if (rc != SQLITE_OK) throw Error(ErrorCode::kIo, path.string() + ": cannot open journal: " + (raw ? sqlite3_errmsg(raw) : "out of memory"));
  sqlite3_busy_timeout(raw, 10000);
  const sqlite::Db& db = impl->db;
  try {
    db.Exec("PRAGMA journal_mode=WAL", "journal mode");
    db.Exec("PRAGMA synchronous=FULL", "synchronous");
    db.Exec("BEGIN IMMEDIATE", "begin");
    {
      sqlite::Statement tables(db, "SELECT count(*) FROM sqlite_master WHERE type='table'");
      tables.Step();
      const bool empty = tables.Int(0) == 0;
      if (empty) {
        db.Exec("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                "INSERT INTO meta VALUES('format','taifeng-journal'),('version','1');"
                "CREATE TABLE record(seq INTEGER PRIMARY KEY, time_utc INTEGER NOT NULL, recorded_utc TEXT NOT NULL,"
                " operator TEXT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
                "CREATE INDEX record_type ON record(type, seq);",
                "create journal");
      } else {
        bool ok = false;
        try {
          sqlite::Statement f(db, "SELECT value FROM meta WHERE key='format'");
          ok = f.Step() && f.Text(0) == "taifeng-journal";
        } catch (const Error&) {
          ok = false;
        }
        if (!ok) throw Error(ErrorCode::kArchiveFormat, path.string() + ": not a Taifeng journal");
      }
    }
    db.Exec("CREATE TABLE IF NOT EXISTS feed(journal_seq INTEGER PRIMARY KEY, feed_seq INTEGER NOT NULL UNIQUE,"
            " prev INTEGER NOT NULL, stream TEXT NOT NULL, status TEXT NOT NULL, cancel INTEGER NOT NULL,"
            " sent_utc INTEGER NOT NULL, expires_utc INTEGER NOT NULL, summary TEXT NOT NULL, cap TEXT NOT NULL);"
            "CREATE INDEX IF NOT EXISTS feed_stream ON feed(stream, feed_seq);"
            "CREATE INDEX IF NOT EXISTS record_request ON record(json_extract(body, '$.request_id'))"
            " WHERE type IN ('issue', 'update', 'cancel');",
            "feed projection and request index");
    AddSignatureColumns(db);
    db.Exec("COMMIT", "commit");
  } catch (...) {
    sqlite3_exec(raw, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  return std::unique_ptr<Journal>(new Journal(std::move(impl), path));
}

std::unique_ptr<Journal> Journal::OpenAnother() const {
  auto other = Open(path_, false, *impl_->env);
  other->impl_->trust = impl_->trust;
  return other;
}

void Journal::Writer::Add(std::int64_t time_utc, const std::string& operator_name, const std::string& type, const std::string& body) {
  JournalRecord r;
  r.seq = next_seq_;
  r.time_utc = time_utc;
  r.recorded_utc = taifeng::FormatIsoUtc(journal_.impl_->env->NowUtc());
  r.operator_name = operator_name;
  r.type = type;
  r.body = body;
  r.prev_hash = prev_;
  r.hash = RecordHash(r);
  if (const auto& key = journal_.impl_->signer) r.signer = key->public_hex(), r.signature = key->SignHash(r.hash);
  sqlite::Statement ins(journal_.impl_->db, (std::string("INSERT INTO record(") + kColumns + ") VALUES(?,?,?,?,?,?,?,?,?,?)").c_str());
  ins.Bind(1, r.seq).Bind(2, r.time_utc).Bind(3, r.recorded_utc).Bind(4, r.operator_name).Bind(5, r.type).Bind(6, r.body);
  ins.Bind(7, r.prev_hash).Bind(8, r.hash).Bind(9, r.signer).Bind(10, r.signature);
  ins.Step();
  prev_ = r.hash;
  ++next_seq_;
  added_.push_back(std::move(r));
}

namespace {

constexpr const char* kFeedColumns = "journal_seq, feed_seq, prev, stream, status, cancel, sent_utc, expires_utc, summary, cap";
constexpr const char* kFeedSelect =
    "SELECT f.journal_seq, f.feed_seq, f.prev, f.stream, f.status, f.cancel, f.sent_utc, f.expires_utc, f.summary, f.cap, r.hash"
    " FROM feed f JOIN record r ON r.seq = f.journal_seq";

FeedRow RowFeed(const sqlite::Statement& s) {
  FeedRow r;
  r.journal_seq = s.Int(0), r.feed_seq = s.Int(1), r.prev = s.Int(2);
  r.stream = s.Text(3), r.status = s.Text(4);
  r.cancel = s.Int(5) != 0;
  r.sent_utc = s.Int(6), r.expires_utc = s.Int(7);
  r.summary = s.Text(8), r.cap = s.Text(9);
  r.journal_hash = s.Text(10);
  return r;
}

std::pair<std::int64_t, std::int64_t> FeedPosition(const sqlite::Db& db, const std::string& stream) {
  sqlite::Statement last(db, "SELECT coalesce(max(feed_seq), 0) FROM feed");
  last.Step();
  sqlite::Statement prev(db, "SELECT coalesce(max(feed_seq), 0) FROM feed WHERE stream = ?");
  prev.Bind(1, stream);
  prev.Step();
  return {last.Int(0) + 1, prev.Int(0)};
}

void InsertFeedRow(const sqlite::Db& db, const FeedRow& r) {
  sqlite::Statement ins(db, (std::string("INSERT INTO feed(") + kFeedColumns + ") VALUES(?,?,?,?,?,?,?,?,?,?)").c_str());
  ins.Bind(1, r.journal_seq).Bind(2, r.feed_seq).Bind(3, r.prev).Bind(4, r.stream).Bind(5, r.status);
  ins.Bind(6, std::int64_t{r.cancel}).Bind(7, r.sent_utc).Bind(8, r.expires_utc).Bind(9, r.summary).Bind(10, r.cap);
  ins.Step();
}

}  // namespace

std::pair<std::int64_t, std::int64_t> Journal::Writer::NextFeedPosition(const std::string& stream) {
  return FeedPosition(journal_.impl_->db, stream);
}

void Journal::Writer::AddFeedRow(const FeedRow& row) { InsertFeedRow(journal_.impl_->db, row); }

std::vector<FeedRow> Journal::ReadFeed(std::int64_t from, std::int64_t to) const {
  sqlite::Statement s(impl_->db, (std::string(kFeedSelect) + " WHERE f.feed_seq BETWEEN ? AND ? ORDER BY f.feed_seq").c_str());
  s.Bind(1, from).Bind(2, to);
  std::vector<FeedRow> out;
  while (s.Step()) {
    out.push_back(RowFeed(s));
    if (out.back().feed_seq != from + static_cast<std::int64_t>(out.size()) - 1)
      throw Error(ErrorCode::kInternal, path_.string() + ": the feed projection has a gap before feed seq " + std::to_string(out.back().feed_seq));
  }
  return out;
}

void Journal::ScanFeed(std::int64_t after, const std::function<void(const FeedRow&)>& each) const {
  sqlite::Statement s(impl_->db, (std::string(kFeedSelect) + " WHERE f.feed_seq > ? ORDER BY f.feed_seq").c_str());
  s.Bind(1, after);
  while (s.Step()) each(RowFeed(s));
}

std::int64_t Journal::BackfillFeed(const std::function<FeedRow(const JournalRecord&, const FeedPositionFn&)>& project,
                                   std::int64_t after_seq) {
  const sqlite::Db& db = impl_->db;
  constexpr const char* kMissing =
      " FROM record WHERE type = 'message' AND seq > ?1 AND seq NOT IN (SELECT journal_seq FROM feed WHERE journal_seq > ?1)";
  {
    sqlite::Statement missing(db, (std::string("SELECT count(*)") + kMissing).c_str());
    missing.Bind(1, after_seq);
    missing.Step();
    if (missing.Int(0) == 0) return 0;
  }
  std::int64_t added = 0;
  db.Exec("BEGIN IMMEDIATE", path_.string().c_str());
  try {
    sqlite::Statement s(db, (std::string("SELECT ") + kColumns + kMissing + " ORDER BY seq").c_str());
    s.Bind(1, after_seq);
    while (s.Step()) {
      const JournalRecord r = RowRecord(s);
      FeedRow row = project(r, [&](const std::string& stream) { return FeedPosition(db, stream); });
      row.journal_seq = r.seq;
      InsertFeedRow(db, row);
      ++added;
    }
    db.Exec("COMMIT", path_.string().c_str());
  } catch (...) {
    sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  return added;
}

std::vector<JournalRecord> Journal::Append(const std::function<void(Writer&)>& fill) {
  const sqlite::Db& db = impl_->db;
  db.Exec("BEGIN IMMEDIATE", path_.string().c_str());
  try {
    std::int64_t last = 0;
    std::string prev = kGenesis;
    {
      sqlite::Statement s(db, "SELECT seq, hash FROM record ORDER BY seq DESC LIMIT 1");
      if (s.Step()) last = s.Int(0), prev = s.Text(1);
    }
    Writer w(*this, last + 1, prev);
    fill(w);
    db.Exec("COMMIT", path_.string().c_str());
    return std::move(w.added_);
  } catch (...) {
    sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::vector<JournalRecord> Journal::Read(std::int64_t from_seq, const std::string& type) const {
  const std::string sql = std::string("SELECT ") + kColumns + " FROM record WHERE seq >= ?" + (type.empty() ? "" : " AND type = ?") +
                          " ORDER BY seq";
  sqlite::Statement s(impl_->db, sql.c_str());
  s.Bind(1, from_seq);
  if (!type.empty()) s.Bind(2, type);
  std::vector<JournalRecord> out;
  while (s.Step()) out.push_back(RowRecord(s));
  return out;
}

std::optional<JournalRecord> Journal::Last(const std::string& type) const {
  const std::string sql = std::string("SELECT ") + kColumns + " FROM record WHERE type = ? ORDER BY seq DESC LIMIT 1";
  sqlite::Statement s(impl_->db, sql.c_str());
  s.Bind(1, type);
  if (!s.Step()) return std::nullopt;
  return RowRecord(s);
}

std::vector<JournalRecord> Journal::ReadRange(std::int64_t from_seq, std::int64_t to_seq, const std::string& type) const {
  std::vector<JournalRecord> out;
  ScanRange(from_seq, to_seq, type, [&](const JournalRecord& r) { out.push_back(r); });
  return out;
}

void Journal::ScanRange(std::int64_t from_seq, std::int64_t to_seq, const std::string& type,
                        const std::function<void(const JournalRecord&)>& each) const {
  const std::string sql = std::string("SELECT ") + kColumns + " FROM record WHERE seq >= ? AND seq <= ?" +
                          (type.empty() ? "" : " AND type = ?") + " ORDER BY seq";
  sqlite::Statement s(impl_->db, sql.c_str());
  s.Bind(1, from_seq).Bind(2, to_seq);
  if (!type.empty()) s.Bind(3, type);
  while (s.Step()) each(RowRecord(s));
}

void Journal::ScanFields(std::int64_t from_seq, std::int64_t to_seq, const std::string& type, const std::vector<std::string>& paths,
                         const std::function<void(std::int64_t, const std::vector<std::string>&)>& each) const {
  std::string sql = "SELECT seq";
  for (std::size_t i = 0; i < paths.size(); ++i) sql += ", coalesce(json_extract(body, ?" + std::to_string(i + 4) + "), '')";
  sql += " FROM record WHERE seq >= ?1 AND seq <= ?2 AND type = ?3 ORDER BY seq";
  sqlite::Statement s(impl_->db, sql.c_str());
  s.Bind(1, from_seq).Bind(2, to_seq).Bind(3, type);
  for (std::size_t i = 0; i < paths.size(); ++i) s.Bind(static_cast<int>(i + 4), paths[i]);
  std::vector<std::string> values(paths.size());
  while (s.Step()) {
    for (std::size_t i = 0; i < paths.size(); ++i) values[i] = s.Text(static_cast<int>(i + 1));
    each(s.Int(0), values);
  }
}

void Journal::Scan(std::int64_t after_seq, const std::string& type, const std::function<void(const JournalRecord&)>& each) const {
  sqlite::Statement s(impl_->db, (std::string("SELECT ") + kColumns + " FROM record WHERE seq > ? AND type = ? ORDER BY seq").c_str());
  s.Bind(1, after_seq).Bind(2, type);
  while (s.Step()) each(RowRecord(s));
}

namespace {
void CheckMarkName(const std::string& name) {
  const bool ok = !name.empty() && name != "format" && name != "version" &&
                  name.find_first_not_of("abcdefghijklmnopqrstuvwxyz.") == std::string::npos;
  if (!ok) throw Error(ErrorCode::kInvalidArgument, "journal mark name '" + name + "': expected [a-z.]+, not format or version");
}
}  // namespace

void Journal::SetAutoCheckpoint(bool on) { impl_->db.Exec(on ? "PRAGMA wal_autocheckpoint=1000" : "PRAGMA wal_autocheckpoint=0", "wal_autocheckpoint"); }

void Journal::Checkpoint() { impl_->db.Exec("PRAGMA wal_checkpoint(PASSIVE)", "wal_checkpoint"); }

std::string Journal::ReadMark(const std::string& name) const {
  CheckMarkName(name);
  sqlite::Statement s(impl_->db, "SELECT value FROM meta WHERE key = ?");
  s.Bind(1, "mark." + name);
  return s.Step() ? s.Text(0) : std::string();
}

void Journal::WriteMark(const std::string& name, const std::string& value) {
  CheckMarkName(name);
  sqlite::Statement s(impl_->db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
  s.Bind(1, "mark." + name).Bind(2, value);
  s.Step();
}

bool Journal::TryWriteMark(const std::string& name, const std::string& value) {
  CheckMarkName(name);
  sqlite3* db = impl_->db.get();
  sqlite3_busy_timeout(db, 0);
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", -1, &raw, nullptr);
  const std::string key = "mark." + name;
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(raw, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(raw, 2, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    rc = sqlite3_step(raw);
  }
  sqlite3_finalize(raw);
  sqlite3_busy_timeout(db, 10000);
  if (rc == SQLITE_DONE) return true;
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return false;
  throw Error(ErrorCode::kIo, path_.string() + ": mark " + name + ": " + sqlite3_errstr(rc));
}

std::optional<JournalRecord> Journal::Get(std::int64_t seq) const {
  sqlite::Statement s(impl_->db, (std::string("SELECT ") + kColumns + " FROM record WHERE seq = ?").c_str());
  s.Bind(1, seq);
  if (!s.Step()) return std::nullopt;
  return RowRecord(s);
}

std::optional<JournalRecord> Journal::FindRequest(const std::string& request_id) const {
  sqlite::Statement s(impl_->db, (std::string("SELECT ") + kColumns +
                                  " FROM record WHERE type IN ('issue', 'update', 'cancel') AND json_extract(body, '$.request_id') = ?"
                                  " ORDER BY seq LIMIT 1").c_str());
  s.Bind(1, request_id);
  if (!s.Step()) return std::nullopt;
  return RowRecord(s);
}

std::int64_t Journal::LastSeq() const {
  sqlite::Statement s(impl_->db, "SELECT coalesce(max(seq), 0) FROM record");
  s.Step();
  return s.Int(0);
}

void Journal::SetSigner(std::shared_ptr<const SigningKey> key) { impl_->signer = std::move(key); }
void Journal::SetTrust(TrustedSigners trusted) { impl_->trust = std::move(trusted); }
bool Journal::trusted() const { return !impl_->trust.empty(); }

JournalAudit Journal::Audit() const { return AuditAfter(0, kGenesis); }

JournalAudit Journal::AuditAfter(std::int64_t after_seq, const std::string& after_hash) const {
  JournalAudit a;
  if (after_seq > 0) {
    const auto r = Get(after_seq);
    if (!r || r->hash != after_hash || RecordHash(*r) != r->hash) {
      a.first_broken = after_seq;
      a.problem = !r ? "record missing (the journal was truncated)" : "content altered since it was audited";
      return a;
    }
  }
  return AuditRun(after_seq, after_hash, std::numeric_limits<std::int64_t>::max());
}

JournalAudit Journal::AuditRange(std::int64_t from_seq, std::int64_t to_seq) const {
  std::string prev = kGenesis;
  if (from_seq > 1) {
    const auto r = Get(from_seq - 1);
    if (!r) {
      JournalAudit a;
      a.first_broken = from_seq - 1;
      a.problem = "record missing (the journal was truncated)";
      return a;
    }
    prev = r->hash;
  }
  return AuditRun(from_seq - 1, prev, to_seq);
}

JournalAudit Journal::AuditRun(std::int64_t after_seq, const std::string& after_hash, std::int64_t to_seq) const {
  JournalAudit a;
  a.signatures_trusted = !impl_->trust.empty();
  bool after_signed = false;
  if (after_seq > 0)
    if (const auto before = Get(after_seq)) after_signed = !before->signature.empty();
  sqlite::Statement s(impl_->db, (std::string("SELECT ") + kColumns + " FROM record WHERE seq > ? AND seq <= ? ORDER BY seq").c_str());
  s.Bind(1, after_seq).Bind(2, to_seq);
  std::string prev = after_hash;
  std::int64_t expected = after_seq + 1;
  a.records = after_seq;
  while (s.Step()) {
    const JournalRecord r = RowRecord(s);
    ++a.records;
    if (a.first_broken) continue;
    if (r.seq != expected) {
      a.first_broken = r.seq;
      a.problem = "sequence gap: expected record " + std::to_string(expected) + ", found " + std::to_string(r.seq);
    } else if (r.prev_hash != prev) {
      a.first_broken = r.seq;
      a.problem = "link broken: its previous-hash does not match record " + std::to_string(r.seq - 1);
    } else if (RecordHash(r) != r.hash) {
      a.first_broken = r.seq;
      a.problem = "content altered: its hash does not match its fields";
    } else if (std::string why = SignatureProblem(r, impl_->trust, after_signed); !why.empty()) {
      a.first_broken = r.seq;
      a.problem = std::move(why);
    }
    if (!r.signature.empty()) ++a.signed_records, after_signed = true;
    prev = r.hash;
    ++expected;
  }
  return a;
}

}  // namespace taifeng::warnings
