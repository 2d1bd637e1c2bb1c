// The SMS outbox: spool files handed to smstools3 exactly once per warning and recipient, with
// an SQLite record; every write and sync goes through the options' Env.
#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <set>

#include "spool_text.h"
#include "taifeng/base/env.h"
#include "taifeng/base/error.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/detail/sqlite.h"
#include "taifeng/gateway/sms.h"

namespace taifeng::gateway {

namespace sqlite = detail::sqlite;

namespace {

std::string Hex(const unsigned char* p, std::size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += kDigits[p[i] >> 4], s += kDigits[p[i] & 15];
  return s;
}

// syncfs: one flush of the file system for a whole batch of files, instead of one fsync each.
void SyncFileSystem(const std::filesystem::path& dir, Env& env) {
  if (const int err = env.FaultBeforeSync(dir)) throw Error(ErrorCode::kIo, dir.string() + ": cannot sync: " + std::strerror(err));
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const int err = fd < 0 || ::syncfs(fd) != 0 ? errno : 0;
  if (fd >= 0) ::close(fd);
  if (err != 0) throw Error(ErrorCode::kIo, dir.string() + ": cannot sync: " + std::strerror(err));
}

// Creates `path` for the owner only when it does not exist (O_EXCL, never through a symlink), so
// SQLite (which gives its -wal and -shm files the database's mode) never makes it world-readable.
void CreatePrivateFile(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return;
  }
  if (errno != EEXIST) throw Error(ErrorCode::kIo, path.string() + ": cannot create: " + std::strerror(errno));
}

// The hashing key from its own file, made (32 random bytes, hex, 0600) when missing; a key still
// in the record's meta table (`legacy`) is moved there.
std::string LoadOrMakeKey(const std::filesystem::path& file, const std::string& legacy, Env& env) {
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    std::ifstream in(file);
    std::string key;
    std::getline(in, key);
    if (key.size() != 2 * crypto_generichash_KEYBYTES) throw Error(ErrorCode::kIo, file.string() + ": not a recipient key (64 hex digits)");
    return key;
  }
  std::string key = legacy;
  if (key.empty()) {
    unsigned char k[crypto_generichash_KEYBYTES];
    randombytes_buf(k, sizeof k);
    key = Hex(k, sizeof k);
  }
  WriteFileAtomically(file, key + "\n", 0600, env);
  return key;
}

}  // namespace

struct SmsOutbox::Impl {
  SmsOutboxOptions options;
  Env* env = &Env::Default();
  bool needs_recovery = false;  // a hand-off failed part-way: finish or undo it before the next
  std::string record_name;      // "<record>: the SMS hand-off record", for errors
  sqlite::Db db;
  std::string key;  // the keyed hash's key (random, in its own 0600 file: options.key_file)
  std::int64_t recovered = 0;

  std::string RecipientId(const std::string& phone) const {
    unsigned char out[16];
    crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(phone.data()), phone.size(),
                       reinterpret_cast<const unsigned char*>(key.data()), key.size());
    return Hex(out, sizeof out);
  }
  std::string Meta(const char* k) const {
    sqlite::Statement st(db, "SELECT value FROM meta WHERE key = ?");
    st.Bind(1, std::string(k));
    return st.Step() ? st.Text(0) : "";
  }
  void SetMeta(const char* k, const std::string& v) {
    sqlite::Statement st(db, "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    st.Bind(1, std::string(k)).Bind(2, v);
    st.Step();
  }
  void Recover() {
    std::set<std::string> staged_files;
    {
      sqlite::Statement st(db, "SELECT file FROM handoff WHERE state = 0");
      while (st.Step()) staged_files.insert(st.Text(0));
    }
    for (const std::string& f : staged_files) {
      const auto from = options.staging / f;
      if (std::filesystem::exists(from)) {
        if (const int err = env->Rename(from, options.outgoing / f))
          throw Error(ErrorCode::kIo, (options.outgoing / f).string() + ": cannot hand off: " + std::strerror(err));
        ++recovered;
      }
    }
    if (!staged_files.empty()) SyncDirectory(options.outgoing, *env);
    db.Exec("UPDATE handoff SET state = 1 WHERE state = 0", record_name.c_str());
    for (const auto& e : std::filesystem::directory_iterator(options.staging))
      if (!staged_files.count(e.path().filename().string())) std::filesystem::remove(e.path());
  }
};

SmsOutbox::SmsOutbox(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SmsOutbox::~SmsOutbox() = default;

std::unique_ptr<SmsOutbox> SmsOutbox::Open(const SmsOutboxOptions& options) {
  if (sodium_init() < 0) throw Error(ErrorCode::kInternal, "libsodium cannot start");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (options.env) impl->env = options.env;
  impl->record_name = options.record.string() + ": the SMS hand-off record";
  if (impl->options.staging.empty()) impl->options.staging = options.outgoing.parent_path() / "taifeng-sms-staging";
  if (impl->options.key_file.empty()) impl->options.key_file = options.record.string() + ".key";
  std::error_code ec;
  for (const auto& dir : {impl->options.outgoing, options.record.parent_path()}) {
    if (dir.empty()) continue;
    std::filesystem::create_directories(dir, ec);
    if (!std::filesystem::is_directory(dir)) throw Error(ErrorCode::kIo, dir.string() + ": cannot create the directory");
  }
  CreatePrivateDirectories(impl->options.staging);
  CreatePrivateFile(options.record);
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(options.record.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      sqlite::VfsFor(*impl->env)) != SQLITE_OK) {
    const std::string m = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close_v2(raw);
    throw Error(ErrorCode::kIo, options.record.string() + ": cannot open the SMS hand-off record: " + m);
  }
  impl->db = sqlite::Db(raw);
  impl->db.Exec(
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;"
      "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS handoff(identifier TEXT NOT NULL, recipient TEXT NOT NULL, seq INTEGER NOT NULL,"
      " state INTEGER NOT NULL, file TEXT NOT NULL, alphabet TEXT NOT NULL, segments INTEGER NOT NULL,"
      " recorded_utc TEXT NOT NULL, PRIMARY KEY(identifier, recipient)) WITHOUT ROWID;",
      (options.record.string() + ": the SMS hand-off record").c_str());
  const std::string legacy = impl->Meta("recipient_key");
  impl->key = LoadOrMakeKey(impl->options.key_file, legacy, *impl->env);
  if (!legacy.empty()) {  // moved out: erase it from the record, its free pages overwritten too
    if (legacy != impl->key) throw Error(ErrorCode::kIo, impl->options.key_file.string() + ": not the key of " + options.record.string());
    impl->db.Exec("PRAGMA secure_delete = ON; DELETE FROM meta WHERE key = 'recipient_key'; PRAGMA wal_checkpoint(TRUNCATE); VACUUM;",
                  impl->record_name.c_str());
  }
  impl->Recover();
  return std::unique_ptr<SmsOutbox>(new SmsOutbox(std::move(impl)));
}

HandOffResult SmsOutbox::HandOff(const Bulletin& b, const std::vector<const Recipient*>& recipients) {
  Impl& self = *impl_;
  if (self.needs_recovery) {
    self.Recover();
    self.needs_recovery = false;
  }
  try {
    return HandOffNow(b, recipients);
  } catch (...) {
    self.needs_recovery = true;
    throw;
  }
}

HandOffResult SmsOutbox::HandOffNow(const Bulletin& b, const std::vector<const Recipient*>& recipients) {
  Impl& self = *impl_;
  HandOffResult result;
  struct Text {
    SmsPlan plan;
    std::string alphabet, body;
  };
  std::map<std::string, Text> texts;
  for (const char* lang : {"zh", "en"}) {
    Text t;
    t.plan = PlanSms(ComposeSms(b, lang));
    SpoolText spool = EncodeForSpool(t.plan);
    t.alphabet = std::move(spool.alphabet);
    t.body = std::move(spool.body);
    result.plans[lang] = t.plan;
    texts.emplace(lang, std::move(t));
  }
  std::set<std::string> done;
  {
    sqlite::Statement st(self.db, "SELECT recipient FROM handoff WHERE identifier = ?");
    st.Bind(1, b.identifier);
    while (st.Step()) done.insert(st.Text(0));
  }
  struct Pending {
    std::string id, file;
    const Text* text;
  };
  std::vector<Pending> pending;
  for (const Recipient* r : recipients) {
    const std::string id = self.RecipientId(r->phone);
    if (done.count(id)) {
      ++result.already;
      continue;
    }
    if (!done.insert(id).second) continue;
    const Text& t = texts.at(r->language);
    const std::string file = "taifeng-" + b.identifier + "-" + id.substr(0, 16);
    const std::string content = "To: " + r->phone.substr(1) + "\nAlphabet: " + t.alphabet + "\n" +
                                (t.plan.segments > 1 ? "Autosplit: 3\n" : "") + "\n" + t.body;
    WriteFileUnsynced(self.options.staging / file, content, 0600, *self.env);
    pending.push_back({id, file, &t});
  }
  if (!pending.empty()) {
    SyncFileSystem(self.options.staging, *self.env);
    const std::string now = taifeng::FormatIsoUtc(self.env->NowUtc());
    self.db.Exec("BEGIN IMMEDIATE", self.record_name.c_str());
    try {
      sqlite::Statement st(self.db, "INSERT INTO handoff(identifier, recipient, seq, state, file, alphabet, segments, recorded_utc) VALUES(?,?,?,0,?,?,?,?)");
      for (const Pending& p : pending) {
        st.Bind(1, b.identifier).Bind(2, p.id).Bind(3, b.seq).Bind(4, p.file).Bind(5, p.text->alphabet).Bind(6, std::int64_t{p.text->plan.segments});
        st.Bind(7, now);
        st.Step();
        st.Reset();
      }
      self.db.Exec("COMMIT", self.record_name.c_str());
    } catch (...) {
      sqlite3_exec(self.db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
    for (const Pending& p : pending) {
      if (const int err = self.env->Rename(self.options.staging / p.file, self.options.outgoing / p.file))
        throw Error(ErrorCode::kIo, (self.options.outgoing / p.file).string() + ": cannot hand off: " + std::strerror(err));
      ++result.files;
      result.segments += p.text->plan.segments;
    }
    SyncDirectory(self.options.outgoing, *self.env);
  }
  self.db.Exec("BEGIN IMMEDIATE", self.record_name.c_str());
  {
    sqlite::Statement st(self.db, "UPDATE handoff SET state = 1 WHERE identifier = ? AND state = 0");
    st.Bind(1, b.identifier);
    st.Step();
  }
  if (b.seq > last_seq()) self.SetMeta("last_seq", std::to_string(b.seq));
  self.db.Exec("COMMIT", self.record_name.c_str());
  return result;
}

void SmsOutbox::Skip(std::int64_t seq) {
  if (seq > last_seq()) impl_->SetMeta("last_seq", std::to_string(seq));
}

std::int64_t SmsOutbox::last_seq() const {
  const std::string v = impl_->Meta("last_seq");
  return v.empty() ? 0 : std::stoll(v);
}

std::int64_t SmsOutbox::Count(const std::string& identifier) const {
  sqlite::Statement st(impl_->db, "SELECT count(*) FROM handoff WHERE identifier = ? AND state = 1");
  st.Bind(1, identifier);
  return st.Step() ? st.Int(0) : 0;
}

std::int64_t SmsOutbox::recovered() const { return impl_->recovered; }

}  // namespace taifeng::gateway
