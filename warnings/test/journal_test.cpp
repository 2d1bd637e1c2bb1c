// The journal: durability across kill -9, atomic transactions, tamper evidence, concurrent writers.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <set>
#include <thread>

#include "fault_env.h"
#include "taifeng/base/error.h"
#include "taifeng/warnings/journal.h"
#include "taifeng/warnings/signing.h"

namespace taifeng::warnings {
namespace {

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("taifeng_journal_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    path_ = dir_ / "journal.sqlite";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Sql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }
  std::filesystem::path dir_, path_;
};

// One "action" record followed by `n` message records, as the desk writes them.
void AppendAction(Journal& j, int action, int n) {
  j.Append([&](Journal::Writer& w) {
    w.Add(1000 + action, "duty", "issue", "{\"action\":" + std::to_string(action) + ",\"messages\":" + std::to_string(n) + "}");
    for (int k = 0; k < n; ++k)
      w.Add(1000 + action, "duty", "message",
            "{\"action\":" + std::to_string(action) + ",\"k\":" + std::to_string(k) + ",\"pad\":\"" + std::string(2000, 'x') + "\"}");
  });
}

TEST_F(JournalTest, AppendReadAudit) {
  auto j = Journal::Open(path_);
  EXPECT_EQ(j->LastSeq(), 0);
  EXPECT_TRUE(j->Audit().ok());
  AppendAction(*j, 1, 3);
  AppendAction(*j, 2, 2);
  EXPECT_EQ(j->LastSeq(), 7);
  const auto all = j->Read();
  ASSERT_EQ(all.size(), 7u);
  EXPECT_EQ(all[0].prev_hash, std::string(64, '0'));
  for (std::size_t i = 1; i < all.size(); ++i) {
    EXPECT_EQ(all[i].seq, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(all[i].prev_hash, all[i - 1].hash);
    EXPECT_EQ(RecordHash(all[i]), all[i].hash);
  }
  EXPECT_EQ(j->Read(1, "issue").size(), 2u);
  EXPECT_EQ(j->Read(5, "message").size(), 2u);
  EXPECT_EQ(j->Get(4)->type, "message");
  // The last record of a type: the second action's issue record, not the first's.
  ASSERT_TRUE(j->Last("issue").has_value());
  EXPECT_EQ(j->Last("issue")->seq, j->Read(1, "issue").back().seq);
  EXPECT_GT(j->Last("issue")->seq, j->Read(1, "issue").front().seq);
  EXPECT_EQ(j->Last("message")->seq, 7);
  EXPECT_FALSE(j->Last("propose").has_value());
  const JournalAudit a = j->Audit();
  EXPECT_TRUE(a.ok());
  EXPECT_EQ(a.records, 7);
  // Reopening keeps everything.
  j.reset();
  EXPECT_EQ(Journal::Open(path_, false)->LastSeq(), 7);
}

TEST_F(JournalTest, AFailedTransactionWritesNothing) {
  auto j = Journal::Open(path_);
  AppendAction(*j, 1, 1);
  EXPECT_THROW(j->Append([](Journal::Writer& w) {
    w.Add(1, "duty", "issue", "{}");
    throw Error(ErrorCode::kRefused, "stale");
  }),
               Error);
  EXPECT_EQ(j->LastSeq(), 2);
  AppendAction(*j, 2, 1);
  EXPECT_TRUE(j->Audit().ok());
}

TEST_F(JournalTest, TamperingIsFoundAtTheFirstBrokenRecord) {
  {
    auto j = Journal::Open(path_);
    for (int a = 1; a <= 4; ++a) AppendAction(*j, a, 2);  // 12 records
  }
  Sql("UPDATE record SET body = replace(body, '\"k\":1', '\"k\":9') WHERE seq = 6");
  auto audit = Journal::Open(path_)->Audit();
  ASSERT_FALSE(audit.ok());
  EXPECT_EQ(*audit.first_broken, 6);
  EXPECT_NE(audit.problem.find("altered"), std::string::npos);
  // Recomputing the altered record's own hash moves the break to the next link.
  {
    auto j = Journal::Open(path_);
    JournalRecord r = *j->Get(6);
    const std::string h = RecordHash(r);
    Sql("UPDATE record SET hash = '" + h + "' WHERE seq = 6");
  }
  audit = Journal::Open(path_)->Audit();
  EXPECT_EQ(*audit.first_broken, 7);
  EXPECT_NE(audit.problem.find("link"), std::string::npos);
  // A deleted record leaves a gap.
  Sql("DELETE FROM record WHERE seq = 3");
  audit = Journal::Open(path_)->Audit();
  EXPECT_EQ(*audit.first_broken, 4);
  EXPECT_NE(audit.problem.find("gap"), std::string::npos);
  // The operator's name is covered too.
  std::filesystem::remove_all(dir_);
  {
    auto j = Journal::Open(path_);
    AppendAction(*j, 1, 1);
  }
  Sql("UPDATE record SET operator = 'someone else' WHERE seq = 1");
  EXPECT_EQ(*Journal::Open(path_)->Audit().first_broken, 1);
}

// Rewrites record `from` onwards as a forger without the secret key would: `edit` changes each
// record, and every hash and link from there on is recomputed, so the chain is valid again.
void Rewrite(Journal& j, std::int64_t from, const std::function<void(JournalRecord&)>& edit, const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string prev = j.Get(from - 1) ? j.Get(from - 1)->hash : std::string(64, '0');
  for (JournalRecord r : j.Read(from)) {
    edit(r);
    r.prev_hash = prev;
    r.hash = RecordHash(r);
    prev = r.hash;
    sqlite3_stmt* up = nullptr;
    sqlite3_prepare_v2(db, "UPDATE record SET body = ?, prev_hash = ?, hash = ?, signer = ?, signature = ? WHERE seq = ?", -1, &up, nullptr);
    int i = 1;
    for (const std::string* v : {&r.body, &r.prev_hash, &r.hash, &r.signer, &r.signature})
      sqlite3_bind_text(up, i++, v->c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(up, 6, r.seq);
    EXPECT_EQ(sqlite3_step(up), SQLITE_DONE);
    sqlite3_finalize(up);
  }
  sqlite3_close(db);
}

// A hash chain has no key: a forger who recomputes it passes a chain-only audit. Signed records
// do not: the forgery, stripped signatures and a forger's own key are each caught.
TEST_F(JournalTest, SignaturesCatchAHistoryRewrittenWithItsChainRecomputed) {
  const auto service = std::make_shared<const SigningKey>(SigningKey::Generate("service"));
  const TrustedSigners trust = {{service->public_hex(), "service"}};
  auto j = Journal::Open(path_);
  j->SetSigner(service);
  for (int a = 1; a <= 4; ++a) AppendAction(*j, a, 2);  // 12 records
  for (const auto& r : j->Read()) {
    EXPECT_EQ(r.signer, service->public_hex());
    EXPECT_TRUE(VerifyHashSignature(r.signer, r.hash, r.signature)) << r.seq;
    EXPECT_FALSE(VerifyHashSignature(r.signer, RecordHash(*j->Get(1)), r.signature) && r.seq != 1);
  }
  j->SetTrust(trust);
  JournalAudit a = j->Audit();
  EXPECT_TRUE(a.ok()) << a.problem;
  EXPECT_EQ(a.signed_records, 12);
  EXPECT_TRUE(a.signatures_trusted);

  const auto forge = [](JournalRecord& r) {
    if (r.seq == 6) r.body = "{\"action\":2,\"k\":0,\"signal\":\"red\"}";
  };
  Rewrite(*j, 6, forge, path_);
  const auto audit_of = [&](bool trusted) {
    auto fresh = Journal::Open(path_, false);
    if (trusted) fresh->SetTrust(trust);
    return fresh->Audit();
  };
  a = audit_of(false);  // even without trusted keys: the signature no longer fits
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(*a.first_broken, 6);
  EXPECT_NE(a.problem.find("signature does not match"), std::string::npos) << a.problem;

  // Signatures stripped from the forged part: refused after signed records, with or without trust.
  Rewrite(*j, 6, [&](JournalRecord& r) { forge(r), r.signer.clear(), r.signature.clear(); }, path_);
  a = audit_of(false);
  EXPECT_EQ(a.first_broken.value_or(0), 6);
  EXPECT_NE(a.problem.find("signatures stripped"), std::string::npos) << a.problem;
  // Stripped from all: only trust tells.
  Rewrite(*j, 1, [&](JournalRecord& r) { forge(r), r.signer.clear(), r.signature.clear(); }, path_);
  EXPECT_TRUE(audit_of(false).ok());
  a = audit_of(true);
  EXPECT_EQ(a.first_broken.value_or(0), 1);
  EXPECT_NE(a.problem.find("not signed"), std::string::npos) << a.problem;
  // Re-signed with the forger's own key: only trust tells.
  const SigningKey forger = SigningKey::Generate("service");
  Rewrite(*j, 1, [&](JournalRecord& r) { forge(r), r.signer = forger.public_hex(), r.signature = forger.SignHash(RecordHash(r)); }, path_);
  // (the signature must be over the final hash: sign again now that the links are recomputed)
  Rewrite(*j, 1, [&](JournalRecord& r) { r.signature = forger.SignHash(r.hash); }, path_);
  EXPECT_TRUE(audit_of(false).ok()) << audit_of(false).problem;
  a = audit_of(true);
  EXPECT_EQ(a.first_broken.value_or(0), 1);
  EXPECT_NE(a.problem.find("untrusted key"), std::string::npos) << a.problem;
}

// Keys are files never readable by others (whatever the umask), never overwritten, and a secret
// file that others can read, or whose seed does not give its public key, is refused.
TEST_F(JournalTest, SigningKeyFilesArePrivateAndCheckedWhenRead) {
  const mode_t old = ::umask(0);
  const SigningKey k = SigningKey::Generate("duty");
  const auto keys = dir_ / "keys";
  k.Write(keys, true);
  k.Write(keys / "operators", false);
  ::umask(old);
  struct stat st {};
  ASSERT_EQ(::stat(keys.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((keys / "duty.sign_secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(keys / "operators/duty.sign_secret"));
  const SigningKey back = SigningKey::Read(keys / "duty.sign_secret");
  EXPECT_EQ(back.public_hex(), k.public_hex());
  EXPECT_EQ(back.SignHash(std::string(64, 'a')), k.SignHash(std::string(64, 'a')));  // Ed25519 is deterministic
  EXPECT_TRUE(VerifyHashSignature(k.public_hex(), std::string(64, 'a'), back.SignHash(std::string(64, 'a'))));
  EXPECT_FALSE(VerifyHashSignature(k.public_hex(), std::string(64, 'b'), back.SignHash(std::string(64, 'a'))));
  EXPECT_FALSE(VerifyHashSignature("zz", std::string(64, 'a'), "not hex"));
  const TrustedSigners trust = ReadTrustedSigners({keys / "operators", dir_ / "absent"});
  ASSERT_EQ(trust.size(), 1u);
  EXPECT_EQ(trust.begin()->second, "duty");
  try {
    k.Write(keys, true);
    ADD_FAILURE() << "overwrote a key";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kRefused);
  }
  std::filesystem::create_symlink(dir_ / "elsewhere", keys / "planted.sign");
  EXPECT_THROW(SigningKey::Generate("planted").Write(keys, false), Error);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "elsewhere"));
  // A seed that does not give the recorded public key.
  std::string text;
  {
    std::ifstream in(keys / "duty.sign_secret");
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = text.find("ed25519-seed = \"") + 16;
  text[at] = text[at] == '0' ? '1' : '0';
  const auto bad = dir_ / "bad.sign_secret";
  { std::ofstream(bad) << text; }
  std::filesystem::permissions(bad, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_THROW(SigningKey::Read(bad), ParseError);
  std::filesystem::permissions(keys / "duty.sign_secret", std::filesystem::perms::others_read, std::filesystem::perm_options::add);
  try {
    SigningKey::Read(keys / "duty.sign_secret");
    ADD_FAILURE() << "read a secret key others can read";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kRefused);
  }
}

TEST_F(JournalTest, NotAJournalIsRefused) {
  std::filesystem::create_directories(dir_);
  Sql("CREATE TABLE other(x)");
  try {
    Journal::Open(path_);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kArchiveFormat);
  }
  EXPECT_THROW(Journal::Open(dir_ / "missing.sqlite", false), Error);
}

// kill -9 at random moments while a child appends actions of 20 messages: every action the child
// acknowledged (after Append returned) is there, whole, and no action is there in part.
TEST_F(JournalTest, KillNineLosesNothingAcknowledgedAndLeavesNoHalfAction) {
  std::mt19937 rng(7);
  std::set<int> acknowledged;
  int kills_mid_run = 0;
  for (int round = 0; round < 12; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      try {
        auto j = Journal::Open(path_);
        for (int a = 0;; ++a) {
          const int id = round * 100000 + a;
          AppendAction(*j, id, 20);
          const std::string ack = std::to_string(id) + "\n";
          if (::write(fds[1], ack.data(), ack.size()) < 0) ::_exit(3);
        }
      } catch (...) {
        ::_exit(2);
      }
    }
    ::close(fds[1]);
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(2000, 60000)(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ++kills_mid_run;
    std::string acks;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) acks.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    for (std::size_t p = 0, q; (q = acks.find('\n', p)) != std::string::npos; p = q + 1) acknowledged.insert(std::stoi(acks.substr(p, q - p)));
  }
  EXPECT_EQ(kills_mid_run, 12);
  auto j = Journal::Open(path_);
  const JournalAudit audit = j->Audit();
  EXPECT_TRUE(audit.ok()) << audit.problem;
  std::map<int, int> messages;
  std::set<int> actions;
  for (const JournalRecord& r : j->Read()) {
    const int id = std::stoi(r.body.substr(r.body.find(':') + 1));
    if (r.type == "issue") actions.insert(id);
    else ++messages[id];
  }
  for (int id : acknowledged) EXPECT_TRUE(actions.count(id)) << "acknowledged action " << id << " lost";
  for (int id : actions) EXPECT_EQ(messages[id], 20) << "action " << id << " is partial";
  EXPECT_GE(actions.size(), acknowledged.size());
  EXPECT_GT(acknowledged.size(), 0u);
}

// Kills the process at the first write to the write-ahead log: the transaction's records are
// built and handed to SQLite, and nothing of the COMMIT has reached the file.
class KillAtWalWrite : public EnvWrapper {
 public:
  KillAtWalWrite() : EnvWrapper(Env::Default()) {}
  int FaultBeforeWrite(const std::filesystem::path& p) override {
    if (p.string().ends_with("-wal")) std::raise(SIGKILL);
    return 0;
  }
};

// Killed before its COMMIT reaches the disk, the writer leaves nothing of its transaction.
TEST_F(JournalTest, KilledBeforeCommitLeavesNothing) {
  {
    auto j = Journal::Open(path_);
    AppendAction(*j, 1, 2);
  }
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    static KillAtWalWrite kill_env;
    try {
      auto j = Journal::Open(path_, true, kill_env);
      AppendAction(*j, 2, 20);
    } catch (...) {
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  auto j = Journal::Open(path_);
  EXPECT_EQ(j->LastSeq(), 3);
  EXPECT_TRUE(j->Audit().ok());
  AppendAction(*j, 3, 1);
  EXPECT_EQ(j->LastSeq(), 5);
}

// EIO or ENOSPC on the log's write or sync at COMMIT (injected through the Env): the append fails
// whole with Error(kIo) naming the journal, nothing of it is kept, what was accepted before is
// intact, and the next append (the disk back) continues the chain without a gap or a duplicate.
TEST_F(JournalTest, DiskErrorsAtCommitLoseNothingAccepted) {
  for (auto [op, err] : {std::pair{taifeng::testing::FaultOp::kWrite, ENOSPC}, std::pair{taifeng::testing::FaultOp::kWrite, EIO},
                         std::pair{taifeng::testing::FaultOp::kSync, EIO}}) {
    std::filesystem::remove_all(dir_);
    taifeng::testing::FaultEnv env;
    auto j = Journal::Open(path_, true, env);
    AppendAction(*j, 1, 2);
    env.Fail(op, "journal.sqlite-wal", err, 0, 1);
    try {
      AppendAction(*j, 2, 5);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kIo);
      EXPECT_NE(std::string(e.what()).find(path_.string()), std::string::npos) << e.what();
    }
    EXPECT_EQ(env.injected(), 1);
    EXPECT_EQ(j->LastSeq(), 3);
    AppendAction(*j, 3, 1);
    EXPECT_EQ(j->LastSeq(), 5);
    const auto records = j->Read();
    ASSERT_EQ(records.size(), 5u);
    for (std::size_t i = 0; i < records.size(); ++i) EXPECT_EQ(records[i].seq, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(records[3].body.find("\"action\":3"), 1u);
    EXPECT_TRUE(j->Audit().ok());
    j.reset();
    auto reopened = Journal::Open(path_);  // and on disk, by a new connection
    EXPECT_EQ(reopened->LastSeq(), 5);
    EXPECT_TRUE(reopened->Audit().ok());
  }
}

// The journal's clock is the Env's: a record's recorded_utc is the time the Env says.
TEST_F(JournalTest, RecordedTimeComesFromTheEnvClock) {
  struct FixedClock : EnvWrapper {
    FixedClock() : EnvWrapper(Env::Default()) {}
    std::int64_t NowUtc() override { return 1537056000; }  // 2018-09-16T00:00:00Z
  } clock;
  auto j = Journal::Open(path_, true, clock);
  AppendAction(*j, 1, 1);
  for (const JournalRecord& r : j->Read()) EXPECT_EQ(r.recorded_utc, "2018-09-16T00:00:00Z");
  EXPECT_TRUE(j->Audit().ok());
}

TEST_F(JournalTest, ConcurrentWritersKeepOneChain) {
  { Journal::Open(path_); }
  std::vector<pid_t> pids;
  for (int w = 0; w < 3; ++w) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      try {
        auto j = Journal::Open(path_);
        for (int a = 0; a < 15; ++a) AppendAction(*j, w * 1000 + a, 3);
      } catch (...) {
        ::_exit(1);
      }
      ::_exit(0);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto j = Journal::Open(path_);
  EXPECT_EQ(j->LastSeq(), 3 * 15 * 4);
  EXPECT_TRUE(j->Audit().ok());
}

}  // namespace
}  // namespace taifeng::warnings
