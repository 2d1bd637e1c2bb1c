// The webhook outbox: one row per (endpoint, CAP identifier) in SQLite, committed before any
// attempt; states pending (0), delivered (1), failed (2).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "taifeng/base/error.h"
#include "taifeng/detail/sqlite.h"
#include "taifeng/gateway/webhook.h"

namespace taifeng::gateway {

namespace sqlite = detail::sqlite;

namespace {

constexpr std::int64_t kMaxBackoffMs = 300000, kGiveUpMs = 24LL * 3600 * 1000;

}  // namespace

struct WebhookOutbox::Impl {
  sqlite::Db db;
  std::string name;
  std::int64_t first_backoff_ms = 2000;
};

WebhookOutbox::WebhookOutbox(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WebhookOutbox::~WebhookOutbox() = default;

std::unique_ptr<WebhookOutbox> WebhookOutbox::Open(const std::filesystem::path& record, std::int64_t first_backoff_ms) {
  auto impl = std::make_unique<Impl>();
  impl->first_backoff_ms = std::max<std::int64_t>(1, first_backoff_ms);
  impl->name = record.string() + ": the webhook outbox";
  if (!record.parent_path().empty()) std::filesystem::create_directories(record.parent_path());
  const int fd = ::open(record.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);  // owner only, from the start
  if (fd >= 0) ::close(fd);
  else if (errno != EEXIST) throw Error(ErrorCode::kIo, record.string() + ": cannot create: " + std::strerror(errno));
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(record.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    const std::string m = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close_v2(raw);
    throw Error(ErrorCode::kIo, impl->name + ": cannot open: " + m);
  }
  impl->db = sqlite::Db(raw);
  impl->db.Exec(
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;"
      "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS delivery(endpoint TEXT NOT NULL, identifier TEXT NOT NULL, seq INTEGER NOT NULL,"
      " payload TEXT NOT NULL, state INTEGER NOT NULL, attempts INTEGER NOT NULL, next_ms INTEGER NOT NULL,"
      " created_ms INTEGER NOT NULL, done_ms INTEGER, last_error TEXT, PRIMARY KEY(endpoint, identifier)) WITHOUT ROWID;",
      impl->name.c_str());
  return std::unique_ptr<WebhookOutbox>(new WebhookOutbox(std::move(impl)));
}

int WebhookOutbox::Enqueue(const Bulletin& b, const std::vector<WebhookEndpoint>& endpoints, std::int64_t now_ms) {
  sqlite::Db& db = impl_->db;
  db.Exec("BEGIN IMMEDIATE", impl_->name.c_str());
  int added = 0;
  try {
    sqlite::Statement st(db,
                         "INSERT OR IGNORE INTO delivery(endpoint, identifier, seq, payload, state, attempts, next_ms, created_ms)"
                         " VALUES(?, ?, ?, ?, 0, 0, ?, ?)");
    for (const WebhookEndpoint& e : endpoints) {
      if (!e.Wants(b.region)) continue;
      st.Bind(1, e.name).Bind(2, b.identifier).Bind(3, b.seq).Bind(4, WebhookPayload(b, e.format)).Bind(5, now_ms).Bind(6, now_ms);
      st.Step();
      added += sqlite3_changes(db.get());
      st.Reset();
    }
    sqlite::Statement seq(db, "INSERT INTO meta(key, value) VALUES('last_seq', ?) ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)");
    seq.Bind(1, b.seq).Step();
    db.Exec("COMMIT", impl_->name.c_str());
  } catch (...) {
    sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  return added;
}

void WebhookOutbox::Skip(std::int64_t seq) {
  sqlite::Statement st(impl_->db, "INSERT INTO meta(key, value) VALUES('last_seq', ?) ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)");
  st.Bind(1, seq).Step();
}

std::vector<WebhookDelivery> WebhookOutbox::Due(std::int64_t now_ms, std::size_t limit) const {
  sqlite::Statement st(impl_->db,
                       "SELECT endpoint, identifier, payload, attempts, created_ms FROM delivery WHERE state = 0 AND next_ms <= ?"
                       " ORDER BY seq, endpoint LIMIT ?");
  st.Bind(1, now_ms).Bind(2, static_cast<std::int64_t>(limit));
  std::vector<WebhookDelivery> out;
  while (st.Step()) out.push_back({st.Text(0), st.Text(1), st.Text(2), st.Int(3), st.Int(4)});
  return out;
}

void WebhookOutbox::MarkDelivered(const WebhookDelivery& d, std::int64_t now_ms) {
  sqlite::Statement st(impl_->db, "UPDATE delivery SET state = 1, attempts = attempts + 1, done_ms = ?, last_error = NULL"
                                  " WHERE endpoint = ? AND identifier = ? AND state = 0");
  st.Bind(1, now_ms).Bind(2, d.endpoint).Bind(3, d.identifier).Step();
}

void WebhookOutbox::MarkRetry(const WebhookDelivery& d, std::int64_t now_ms, std::int64_t wait_ms, const std::string& reason) {
  if (now_ms - d.created_ms >= kGiveUpMs) return MarkFailed(d, "gave up after 24 h: " + reason);
  const std::int64_t backoff = std::min(kMaxBackoffMs, impl_->first_backoff_ms << std::min<std::int64_t>(d.attempts, 20));
  sqlite::Statement st(impl_->db, "UPDATE delivery SET attempts = attempts + 1, next_ms = ?, last_error = ?"
                                  " WHERE endpoint = ? AND identifier = ? AND state = 0");
  st.Bind(1, now_ms + std::max(wait_ms, backoff)).Bind(2, reason).Bind(3, d.endpoint).Bind(4, d.identifier).Step();
}

void WebhookOutbox::MarkFailed(const WebhookDelivery& d, const std::string& reason) {
  sqlite::Statement st(impl_->db, "UPDATE delivery SET state = 2, attempts = attempts + 1, last_error = ?"
                                  " WHERE endpoint = ? AND identifier = ? AND state = 0");
  st.Bind(1, reason).Bind(2, d.endpoint).Bind(3, d.identifier).Step();
}

std::int64_t WebhookOutbox::Count(const std::string& state) const {
  const int s = state == "pending" ? 0 : state == "delivered" ? 1 : 2;
  sqlite::Statement st(impl_->db, "SELECT count(*) FROM delivery WHERE state = ?");
  st.Bind(1, static_cast<std::int64_t>(s));
  return st.Step() ? st.Int(0) : 0;
}

std::int64_t WebhookOutbox::last_seq() const {
  sqlite::Statement st(impl_->db, "SELECT value FROM meta WHERE key = 'last_seq'");
  return st.Step() ? st.Int(0) : 0;
}

}  // namespace taifeng::gateway
