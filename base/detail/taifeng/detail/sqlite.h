// Owners of SQLite handles, internal to the Taifeng libraries (taifeng::base_detail): the only header
// that includes sqlite3.h, used by the journal (warnings/) and the SMS outbox (gateway/) in their .cpp.
// Thread safety: as the handles: one connection per thread.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <utility>

#include "taifeng/base/env.h"
#include "taifeng/base/error.h"

namespace taifeng::detail::sqlite {

// The name of an SQLite VFS that does the default VFS's I/O but first asks `env` whether each
// write or sync should fail (Env::FaultBeforeWrite, FaultBeforeSync); nullptr (SQLite's default
// VFS) for Env::Default(). Registered once per Env, for the life of the process; pass it to
// sqlite3_open_v2. `env` must outlive every connection opened with it. Thread-safe.
const char* VfsFor(Env& env);

class Db {
 public:
  Db() = default;
  explicit Db(sqlite3* db) : db_(db) {}
  ~Db() {
    if (db_) sqlite3_close_v2(db_);
  }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  Db(Db&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Db& operator=(Db&& o) noexcept {
    std::swap(db_, o.db_);
    return *this;
  }
  sqlite3* get() const { return db_; }

  // Runs SQL without results; throws Error(kIo) naming `what` and SQLite's message.
  void Exec(const char* sql, const char* what) const {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      const std::string m = msg ? msg : "unknown";
      sqlite3_free(msg);
      throw Error(ErrorCode::kIo, std::string(what) + ": " + m);
    }
  }

 private:
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement(const Db& db, const char* sql) : db_(db.get()) {
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt_, nullptr) != SQLITE_OK)
      throw Error(ErrorCode::kIo, std::string("SQLite prepare: ") + sqlite3_errmsg(db_));
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int i, std::int64_t v) {
    Check(sqlite3_bind_int64(stmt_, i, v));
    return *this;
  }
  Statement& Bind(int i, const std::string& v) {
    Check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  // True while there is a row; throws on error.
  bool Step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw Error(ErrorCode::kIo, std::string("SQLite step: ") + sqlite3_errmsg(db_));
  }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
  }
  bool Null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  void Check(int rc) {
    if (rc != SQLITE_OK) throw Error(ErrorCode::kIo, std::string("SQLite bind: ") + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace taifeng::detail::sqlite
