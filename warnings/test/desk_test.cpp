// The lifecycle on a real journal: issue, upgrade, hold, downgrade, extend, cancel, expire, stale
// proposals and refusals; every kind of message validated against the OASIS CAP 1.2 schema.
#include <gtest/gtest.h>

#include <iterator>

#include <fstream>
#include <sqlite3.h>
#include <unistd.h>

#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"
#include "taifeng/warnings/desk.h"
#include "taifeng/warnings/stability.h"
#include "taifeng/warnings/feed_summary.h"
#include "test_util.h"

namespace taifeng::warnings {
namespace {

constexpr std::int64_t kT0 = 1536969600;  // 2018-09-15T00:00:00Z
constexpr std::int64_t kH = 3600;

class DeskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("taifeng_desk_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name()) /
            "journal.sqlite";
    std::filesystem::remove_all(path_.parent_path());
    desk_ = Open();
  }
  void TearDown() override { std::filesystem::remove_all(path_.parent_path()); }
  std::unique_ptr<Desk> Open() { return std::make_unique<Desk>(Journal::Open(path_), rules_, test::DefaultRegions(), test::Schema()); }
  // The lifecycle tests run on the classic policy (hold 3 h, extension 3 h before expiry, no
  // hysteresis): the bundled one is tested in HysteresisAndLeadWindows… and by the replays.
  void UseClassicRules() {
    rules_ = test::ClassicRules(path_.parent_path() / "rules");
    desk_ = Open();
  }
  std::shared_ptr<const RuleSet> rules_ = test::DefaultRules();

  // Assessments for Zhuhai (440400) and Guangzhou (440100) with these probabilities.
  std::vector<Assessment> Assess(const std::map<std::string, double>& zhuhai, const std::map<std::string, double>& guangzhou,
                                 int zhuhai_flood = 0) {
    core::Hazard h;
    h.regions.push_back(test::RegionWith(*rules_, "440400", zhuhai, zhuhai_flood));
    h.regions.push_back(test::RegionWith(*rules_, "440100", guangzhou));
    h.regions[0].name = "珠海市", h.regions[0].name_en = "Zhuhai";
    h.regions[1].name = "广州市", h.regions[1].name_en = "Guangzhou";
    return Evaluate(*rules_, h);
  }

  // propose + issue everything the proposal changes, as `warn propose` then `warn issue --all`.
  std::vector<Message> ProposeAndIssue(const std::vector<Assessment>& as, std::int64_t now, const std::string& status = "Exercise",
                                       const PreviousForecast* previous = nullptr) {
    const auto plan = Plan(desk_->rules(), as, desk_->StateAt(now), now, previous);
    ProposalSource src;
    src.storm = "CMA-2018-22";
    src.storm_name = "Mangkhut";
    src.now_utc = now;
    src.hindcast = true;
    desk_->RecordProposal(plan, src, "duty officer", now);
    const auto stored = desk_->LatestProposal();
    EXPECT_TRUE(stored);
    ActionContext ctx;
    ctx.now_utc = now;
    ctx.operator_name = "duty officer";
    ctx.status = status;
    return desk_->Commit("issue", "{}", desk_->FromProposal(*stored, {}), ctx);
  }

  static const Proposal& For(const std::vector<Proposal>& plan, const std::string& code, Kind kind) {
    for (const Proposal& p : plan)
      if (p.assessment.region_code == code && p.assessment.kind == kind) return p;
    throw std::runtime_error("no proposal");
  }

  void ExpectValidCap(const Message& m) {
    CapReadOptions o;
    o.schema = test::Schema().get();
    const CapAlert a = ReadCap(m.cap_xml, m.identifier, o);
    EXPECT_EQ(a.identifier, m.identifier);
    EXPECT_EQ(a.msg_type, m.msg_type);
    EXPECT_EQ(a.status, m.status);
    EXPECT_EQ(a.sent.substr(19), "+08:00");
    ASSERT_EQ(a.infos.size(), 2u);
    EXPECT_EQ(a.infos[0].language, "zh-CN");
    EXPECT_EQ(a.infos[1].language, "en");
    EXPECT_EQ(a.infos[0].categories, std::vector<std::string>{"Met"});
    ASSERT_EQ(a.infos[0].areas.size(), 1u);
    EXPECT_EQ(a.infos[0].areas[0].geocodes[0].second, m.region_code);
    std::size_t vertices = 0;
    for (const auto& r : a.infos[0].areas[0].polygons) vertices += r.size();
    EXPECT_GT(vertices, 3u);
    EXPECT_LE(vertices, 100u);
    EXPECT_EQ(a.references.size(), m.references.size());
  }

  std::filesystem::path path_;
  std::unique_ptr<Desk> desk_;
};

TEST_F(DeskTest, IssueUpgradeHoldDowngradeExtendCancel) {
  UseClassicRules();
  // t0: Zhuhai yellow, Guangzhou blue.
  auto issued = ProposeAndIssue(Assess({{"typhoon.white", 1}, {"typhoon.blue", 1}, {"typhoon.yellow", 0.6}}, {{"typhoon.blue", 0.4}}), kT0);
  ASSERT_EQ(issued.size(), 2u);
  for (const Message& m : issued) {
    EXPECT_EQ(m.msg_type, "Alert");
    EXPECT_EQ(m.change, Change::kNew);
    EXPECT_TRUE(m.references.empty());
    EXPECT_EQ(m.incident, m.identifier);
    EXPECT_EQ(m.status, "Exercise");
    EXPECT_EQ(m.operator_name, "duty officer");
    ExpectValidCap(m);
  }
  EXPECT_EQ(issued[0].region_code, "440400");
  EXPECT_EQ(issued[0].signal, "yellow");
  EXPECT_EQ(issued[0].expires_utc, kT0 + 14 * kH);  // onset (t0+2 h) + 12 h
  EXPECT_NE(issued[0].cap_xml.find("珠海市台风黄色预警信号"), std::string::npos);
  EXPECT_NE(issued[0].cap_xml.find("Typhoon Yellow Signal for Zhuhai"), std::string::npos);
  EXPECT_NE(issued[0].cap_xml.find("<valueName>taifeng:probability</valueName>"), std::string::npos) << issued[0].cap_xml;

  // t0+1 h: Zhuhai orange: an Update referencing the Alert.
  auto up = ProposeAndIssue(Assess({{"typhoon.yellow", 1}, {"typhoon.orange", 0.7}}, {{"typhoon.blue", 0.4}}), kT0 + kH);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].msg_type, "Update");
  EXPECT_EQ(up[0].change, Change::kUpgrade);
  EXPECT_EQ(up[0].signal, "orange");
  ASSERT_EQ(up[0].references.size(), 1u);
  EXPECT_EQ(up[0].references[0], "taifeng.local," + issued[0].identifier + ",2018-09-15T08:00:00+08:00");
  EXPECT_EQ(up[0].incident, issued[0].identifier);
  ExpectValidCap(up[0]);

  // t0+4 h - 1 s: the rules drop Zhuhai to blue, but orange was raised at t0+1 h: held.
  const auto lower = Assess({{"typhoon.blue", 0.9}}, {{"typhoon.blue", 0.4}});
  auto plan = Plan(desk_->rules(), lower, desk_->StateAt(kT0 + 4 * kH - 1), kT0 + 4 * kH - 1);
  EXPECT_EQ(For(plan, "440400", Kind::kTyphoon).action, Action::kHold);
  EXPECT_NE(For(plan, "440400", Kind::kTyphoon).note.find("held until 2018-09-15T04:00:00Z"), std::string::npos);
  EXPECT_EQ(For(plan, "440100", Kind::kTyphoon).action, Action::kKeep);
  EXPECT_EQ(For(plan, "440100", Kind::kRainstorm).action, Action::kNone);
  // Exactly at the end of the hold: downgraded.
  auto down = ProposeAndIssue(lower, kT0 + 4 * kH);
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0].change, Change::kDowngrade);
  EXPECT_EQ(down[0].signal, "blue");
  EXPECT_EQ(down[0].references.size(), 2u);
  ExpectValidCap(down[0]);

  // Guangzhou's blue (onset t0+2 h, expires t0+14 h) is extended once it expires within 3 h.
  plan = Plan(desk_->rules(), lower, desk_->StateAt(kT0 + 11 * kH - 1), kT0 + 11 * kH - 1);
  EXPECT_EQ(For(plan, "440100", Kind::kTyphoon).action, Action::kKeep);
  auto ext = ProposeAndIssue(lower, kT0 + 11 * kH);
  ASSERT_EQ(ext.size(), 1u);
  EXPECT_EQ(ext[0].region_code, "440100");
  EXPECT_EQ(ext[0].change, Change::kExtend);
  EXPECT_EQ(ext[0].expires_utc, kT0 + 23 * kH);
  ExpectValidCap(ext[0]);

  // The operator cancels Zhuhai (inside any hold), then the rules would cancel Guangzhou.
  ActionContext ctx;
  ctx.now_utc = kT0 + 11 * kH;
  ctx.operator_name = "chief forecaster";
  ctx.status = "Exercise";
  auto cancel = desk_->Commit("cancel", "{}", desk_->CancelRequests({"440400"}, std::nullopt, ctx.now_utc), ctx);
  ASSERT_EQ(cancel.size(), 1u);
  EXPECT_EQ(cancel[0].msg_type, "Cancel");
  EXPECT_EQ(cancel[0].references.size(), 3u);
  EXPECT_EQ(cancel[0].signal, "blue");
  EXPECT_EQ(cancel[0].operator_name, "chief forecaster");
  ExpectValidCap(cancel[0]);
  EXPECT_EQ(desk_->StateAt(ctx.now_utc).Find("440400", Kind::kTyphoon), nullptr);
  // Cancelling what is not in force, or an unknown region, is refused whole.
  try {
    desk_->CancelRequests({"440100", "440400"}, std::nullopt, ctx.now_utc);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kRefused);
    EXPECT_NE(std::string(e.what()).find("440400"), std::string::npos);
  }
  EXPECT_THROW(desk_->CancelRequests({"999999"}, std::nullopt, ctx.now_utc), Error);

  // Nothing left to do: issuing nothing is refused.
  plan = Plan(desk_->rules(), Assess({}, {{"typhoon.blue", 0.4}}), desk_->StateAt(kT0 + 12 * kH), kT0 + 12 * kH);
  ProposalSource src;
  src.now_utc = kT0 + 12 * kH;
  desk_->RecordProposal(plan, src, "duty officer", kT0 + 12 * kH);
  try {
    desk_->FromProposal(*desk_->LatestProposal(), {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kRefused);
  }

  // The state is derived from the journal alone: a new desk on the file sees the same.
  auto again = Open();
  const State s = again->StateAt(kT0 + 12 * kH);
  ASSERT_EQ(s.Active().size(), 1u);
  EXPECT_EQ(s.Active()[0]->message.region_code, "440100");
  EXPECT_EQ(s.Active()[0]->references.size(), 2u);
  // ... and it expires by itself.
  EXPECT_FALSE(again->StateAt(kT0 + 23 * kH - 1).Active().empty());
  EXPECT_TRUE(again->StateAt(kT0 + 23 * kH).Active().empty());
  EXPECT_TRUE(again->journal().Audit().ok());
}

// Each committed message has its feed projection, written in the same transaction: its feed seq
// (position among the messages), its stream's previous one, and the summary and CAP the feed
// sends; a journal written before the projection is projected identically afterwards.
TEST_F(DeskTest, FeedProjectionIsWrittenWithEachMessageAndBackfilled) {
  ProposeAndIssue(Assess({{"typhoon.blue", 1}, {"typhoon.yellow", 0.6}}, {{"typhoon.blue", 0.4}}), kT0);
  ProposeAndIssue(Assess({{"typhoon.yellow", 1}, {"typhoon.orange", 0.7}}, {{"typhoon.blue", 0.4}}), kT0 + kH);
  Journal& j = desk_->journal();
  const auto records = j.Read(1, "message");
  ASSERT_GE(records.size(), 3u);
  const auto rows = j.ReadFeed(1, static_cast<std::int64_t>(records.size()));
  ASSERT_EQ(rows.size(), records.size());
  std::map<std::string, std::int64_t> last_of_stream;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Message m = MessageFromJson(records[i].body, records[i].seq);
    EXPECT_EQ(rows[i].journal_seq, records[i].seq);
    EXPECT_EQ(rows[i].feed_seq, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(rows[i].stream, StreamOf(m));
    EXPECT_EQ(rows[i].prev, last_of_stream[rows[i].stream]);
    EXPECT_EQ(rows[i].summary, FeedSummaryJson(m, rows[i].feed_seq, rows[i].prev));
    EXPECT_EQ(rows[i].cap, m.cap_xml);
    EXPECT_EQ(rows[i].journal_hash, records[i].hash);
    last_of_stream[rows[i].stream] = rows[i].feed_seq;
  }
  desk_.reset();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "DELETE FROM feed", nullptr, nullptr, nullptr), SQLITE_OK);  // as an old journal
    sqlite3_close(db);
  }
  desk_ = Open();
  EXPECT_THROW(desk_->journal().ReadFeed(1, 1).at(0), std::out_of_range);
  EXPECT_EQ(BackfillFeedProjection(desk_->journal()), static_cast<std::int64_t>(rows.size()));
  const auto again = desk_->journal().ReadFeed(1, static_cast<std::int64_t>(rows.size()));
  ASSERT_EQ(again.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(again[i].summary, rows[i].summary);
    EXPECT_EQ(again[i].prev, rows[i].prev);
  }
  EXPECT_EQ(BackfillFeedProjection(desk_->journal()), 0);
  EXPECT_FALSE(VerifyFeedProjection(desk_->journal()));
  desk_.reset();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE feed SET summary = replace(summary, 'blue', 'red') WHERE feed_seq = 2", nullptr, nullptr, nullptr),
              SQLITE_OK);  // a forged row
    sqlite3_close(db);
  }
  desk_ = Open();
  const auto problem = VerifyFeedProjection(desk_->journal());
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("record " + std::to_string(rows[1].journal_seq)), std::string::npos) << *problem;
}

TEST_F(DeskTest, StaleProposalIsRefused) {
  const auto as = Assess({{"typhoon.blue", 0.5}}, {});
  const auto plan = Plan(desk_->rules(), as, desk_->StateAt(kT0), kT0);
  ProposalSource src;
  src.now_utc = kT0;
  desk_->RecordProposal(plan, src, "a", kT0);
  const auto stored = *desk_->LatestProposal();
  // Someone else issues Zhuhai before this proposal is issued.
  ProposeAndIssue(Assess({{"typhoon.yellow", 0.5}}, {}), kT0);
  ActionContext ctx;
  ctx.now_utc = kT0;
  ctx.operator_name = "b";
  try {
    desk_->Commit("issue", "{}", desk_->FromProposal(stored, {}), ctx);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kRefused);
    EXPECT_NE(std::string(e.what()).find("stale"), std::string::npos) << e.what();
  }
  // A region the proposal does not know.
  EXPECT_THROW(desk_->FromProposal(stored, {"810000"}), Error);
}

// The anti-flip-flop policy (rules file): hysteresis (a signal stands while its own criterion's
// probability stays at or above lower_below of what raises it, and is extended meanwhile), and a
// lead window for new rainstorm and flood-risk warnings.
TEST_F(DeskTest, HysteresisAndLeadWindowsKeepSignalsFromFlipFlopping) {
  const auto rules = test::RulesWithPolicy(path_.parent_path(), "hold_h = 3\nextend_before_h = 3\nlower_below = 0.5",
                                           {{"rainstorm", "lead_h = 12"}, {"flood", "lead_h = 24"}});
  const SignalRule* orange = rules->Of("440100").Find(Kind::kTyphoon, "orange");
  ASSERT_TRUE(orange);
  desk_ = std::make_unique<Desk>(Journal::Open(path_), rules, test::DefaultRegions(), test::Schema());
  const auto assess = [&](const std::map<std::string, double>& zhuhai, int flood = 0, std::int64_t rain_onset = 0) {
    core::Hazard h;
    h.regions.push_back(test::RegionWith(*rules, "440400", zhuhai, flood));
    if (rain_onset)
      for (std::size_t i = 0; i < rules->Criteria().size(); ++i)
        if (h.regions[0].criteria[i].probability > 0) h.regions[0].criteria[i].onset_utc = rain_onset;
    return Evaluate(*rules, h);
  };
  ProposeAndIssue(assess({{"typhoon.yellow", 1}, {"typhoon.orange", 0.9}}), kT0);
  // 12 h on, orange no longer fires, but its probability is still over half of what raised it:
  // it stands (and is extended when it expires soon), never lowered to flip back up at the next forecast.
  const double held_p = 0.6 * orange->probability;
  auto plan = Plan(*rules, assess({{"typhoon.yellow", 1}, {"typhoon.orange", held_p}}), desk_->StateAt(kT0 + 12 * kH), kT0 + 12 * kH);
  const Proposal& held = For(plan, "440400", Kind::kTyphoon);
  EXPECT_TRUE(held.action == Action::kKeep || held.action == Action::kExtend) << ActionName(held.action);
  EXPECT_EQ(held.to_signal, "orange");
  EXPECT_NE(held.note.find("held up"), std::string::npos) << held.note;
  // Below half: lowered.
  plan = Plan(*rules, assess({{"typhoon.yellow", 1}, {"typhoon.orange", 0.4 * orange->probability}}), desk_->StateAt(kT0 + 12 * kH), kT0 + 12 * kH);
  EXPECT_EQ(For(plan, "440400", Kind::kTyphoon).action, Action::kDowngrade);
  // A rainstorm expected 20 h ahead is not warned yet (lead 12 h); 6 h ahead it is.
  const auto far = assess({{"typhoon.yellow", 1}, {"typhoon.orange", 0.9}, {"rainstorm.yellow", 0.9}}, 2, kT0 + 20 * kH);
  plan = Plan(*rules, far, desk_->StateAt(kT0), kT0);
  EXPECT_EQ(For(plan, "440400", Kind::kRainstorm).action, Action::kNone);
  EXPECT_NE(For(plan, "440400", Kind::kRainstorm).note.find("beyond the 12 h lead"), std::string::npos);
  EXPECT_EQ(For(plan, "440400", Kind::kFlood).action, Action::kIssue) << "20 h is within the flood lead of 24 h";
  const auto farther = assess({{"typhoon.yellow", 1}, {"typhoon.orange", 0.9}, {"rainstorm.yellow", 0.9}}, 2, kT0 + 30 * kH);
  plan = Plan(*rules, farther, desk_->StateAt(kT0), kT0);
  EXPECT_EQ(For(plan, "440400", Kind::kFlood).action, Action::kNone);
  const auto near = assess({{"typhoon.yellow", 1}, {"typhoon.orange", 0.9}, {"rainstorm.yellow", 0.9}}, 2, kT0 + 6 * kH);
  plan = Plan(*rules, near, desk_->StateAt(kT0), kT0);
  EXPECT_EQ(For(plan, "440400", Kind::kRainstorm).action, Action::kIssue);
  // A bad value is refused with its line.
  EXPECT_THROW(test::RulesWithPolicy(path_.parent_path(), "lower_below = 1.5"), ParseError);
}

// Against cancel-then-reissue: one forecast's dip does not lower (lower_after = 2), a warning
// stands while the storm is still approaching (hold_approaching_km), and soon after a warning ended
// a new one needs a higher bar (reissue_guard_h, reissue_factor).
TEST_F(DeskTest, DipsApproachAndReissueGuardKeepWarningsFromComingAndGoing) {
  const auto rules = test::RulesWithPolicy(path_.parent_path(),
                                           "hold_h = 3\nextend_before_h = 3\nlower_below = 0.5\nlower_after = 2\nhold_approaching_km = 400\n"
                                           "reissue_guard_h = 24\nreissue_factor = 1.5");
  desk_ = std::make_unique<Desk>(Journal::Open(path_), rules, test::DefaultRegions(), test::Schema());
  const auto assess = [&](double blue, double approach_km, std::int64_t approach_utc) {
    core::Hazard h;
    h.regions.push_back(test::RegionWith(*rules, "440400", {{"typhoon.white", blue}, {"typhoon.blue", blue}}));
    h.regions[0].approach_km = approach_km, h.regions[0].approach_utc = approach_utc;
    return Evaluate(*rules, h);
  };
  ProposeAndIssue(assess(0.9, 100, kT0 + 12 * kH), kT0);
  const std::int64_t t = kT0 + 12 * kH;
  // The rules give none now; the storm has passed (closest approach now).
  PreviousForecast before;
  before.now_utc = t - 6 * kH;
  before.probabilities[{"440400", Kind::kTyphoon}] = {{"white", 0.9}, {"blue", 0.9}};
  auto plan = Plan(*rules, assess(0.0, 100, t), desk_->StateAt(t), t, &before);
  EXPECT_NE(For(plan, "440400", Kind::kTyphoon).note.find("lowered after 2 forecasts below"), std::string::npos)
      << For(plan, "440400", Kind::kTyphoon).note;
  EXPECT_EQ(For(plan, "440400", Kind::kTyphoon).to_signal, "blue");
  before.probabilities[{"440400", Kind::kTyphoon}] = {{"white", 0.05}, {"blue", 0.05}};  // the forecast before was low too
  plan = Plan(*rules, assess(0.0, 100, t), desk_->StateAt(t), t, &before);
  EXPECT_EQ(For(plan, "440400", Kind::kTyphoon).action, Action::kCancel);
  // Still approaching (closest 300 km in 18 h): it stands.
  plan = Plan(*rules, assess(0.0, 300, t + 18 * kH), desk_->StateAt(t), t, &before);
  const Proposal& held = For(plan, "440400", Kind::kTyphoon);
  EXPECT_TRUE(held.action == Action::kKeep || held.action == Action::kExtend) << ActionName(held.action);
  EXPECT_NE(held.note.find("still approaching"), std::string::npos) << held.note;
  // … but not when its closest approach is beyond 400 km.
  plan = Plan(*rules, assess(0.0, 600, t + 18 * kH), desk_->StateAt(t), t, &before);
  EXPECT_EQ(For(plan, "440400", Kind::kTyphoon).action, Action::kCancel);
  // Cancelled; 6 h later blue fires at 35 %: within 24 h it needs 1.5 x 30 % = 45 %.
  ProposeAndIssue(assess(0.0, 600, t + 18 * kH), t, "Exercise", &before);
  plan = Plan(*rules, assess(0.35, 100, t + 30 * kH), desk_->StateAt(t + 6 * kH), t + 6 * kH);
  EXPECT_EQ(For(plan, "440400", Kind::kTyphoon).action, Action::kNone);
  EXPECT_NE(For(plan, "440400", Kind::kTyphoon).note.find("not again yet"), std::string::npos) << For(plan, "440400", Kind::kTyphoon).note;
  plan = Plan(*rules, assess(0.5, 100, t + 30 * kH), desk_->StateAt(t + 6 * kH), t + 6 * kH);
  EXPECT_EQ(For(plan, "440400", Kind::kTyphoon).action, Action::kIssue);
  plan = Plan(*rules, assess(0.35, 100, t + 60 * kH), desk_->StateAt(t + 30 * kH), t + 30 * kH);
  EXPECT_EQ(For(plan, "440400", Kind::kTyphoon).action, Action::kIssue) << "a day after, the usual bar";
}

// Stability counts each flip-flop once, per region and kind, within its window only.
TEST(StabilityTest, CountsCancelAndLapseReissuesAndReversals) {
  std::deque<Message> ms;
  const auto add = [&](const std::string& region, Kind kind, const std::string& type, Change change, const std::string& signal,
                       std::int64_t sent_h, std::int64_t expires_h) {
    Message m;
    m.seq = static_cast<std::int64_t>(ms.size()) + 1;
    m.region_code = region, m.kind = kind, m.msg_type = type, m.change = change, m.signal = signal;
    m.rank = type == "Cancel" ? 0 : signal == "white" ? 1 : signal == "blue" ? 2 : 3;
    m.sent_utc = kT0 + sent_h * kH, m.expires_utc = kT0 + expires_h * kH;
    ms.push_back(m);
  };
  add("440400", Kind::kTyphoon, "Alert", Change::kNew, "blue", 0, 12);
  add("440400", Kind::kTyphoon, "Update", Change::kUpgrade, "yellow", 6, 18);
  add("440400", Kind::kTyphoon, "Update", Change::kDowngrade, "blue", 12, 24);
  add("440400", Kind::kTyphoon, "Update", Change::kUpgrade, "yellow", 18, 30);    // a reversal (6 h)
  add("440400", Kind::kTyphoon, "Cancel", Change::kCancel, "yellow", 24, 25);
  add("440400", Kind::kTyphoon, "Alert", Change::kNew, "blue", 40, 52);           // cancel -> alert in 16 h
  add("440400", Kind::kFlood, "Alert", Change::kNew, "blue", 0, 12);
  add("440400", Kind::kFlood, "Alert", Change::kNew, "blue", 30, 42);             // lapsed at 12 h, back 18 h later
  add("440400", Kind::kFlood, "Update", Change::kExtend, "blue", 36, 54);
  add("440400", Kind::kFlood, "Alert", Change::kNew, "blue", 100, 112);           // lapsed 46 h before: not counted
  add("440100", Kind::kTyphoon, "Alert", Change::kNew, "blue", 0, 12);
  add("440100", Kind::kTyphoon, "Update", Change::kDowngrade, "white", 6, 18);
  add("440100", Kind::kTyphoon, "Update", Change::kUpgrade, "blue", 40, 52);      // 34 h later: not a reversal
  const StabilityReport r = Stability(ms);
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.total.messages, 13);
  EXPECT_EQ(r.total.cancel_reissue, 1);
  EXPECT_EQ(r.total.lapse_reissue, 1);
  EXPECT_EQ(r.total.reversals, 1);
  EXPECT_EQ(r.total.extends, 1);
  EXPECT_EQ(r.total.changes, 12);
  EXPECT_EQ(r.rows[0].region_code, "440100");
  EXPECT_EQ(r.rows[0].levels, 2);
  // Levels are ranks: No. 8 NE replaced by No. 8 SE is one level, and a replace is a change.
  std::deque<Message> hk;
  for (const char* s : {"8ne", "8se"}) {
    Message m;
    m.region_code = "810000", m.kind = Kind::kTyphoon, m.signal = s, m.rank = 3;
    m.msg_type = hk.empty() ? "Alert" : "Update", m.change = hk.empty() ? Change::kNew : Change::kReplace;
    m.sent_utc = kT0 + static_cast<std::int64_t>(hk.size()) * kH, m.expires_utc = kT0 + 12 * kH;
    hk.push_back(m);
  }
  const StabilityReport q = Stability(hk);
  EXPECT_EQ(q.rows[0].levels, 1);
  EXPECT_EQ(q.rows[0].changes, 2);
}

TEST_F(DeskTest, EveryKindOfMessageValidates) {
  for (const char* status : {"Actual", "Exercise", "Test"}) {
    SCOPED_TRACE(status);
    std::filesystem::remove_all(path_.parent_path());
    UseClassicRules();
    // Alerts of every kind, then updates, then cancels.
    auto alerts = ProposeAndIssue(Assess({{"typhoon.blue", 1}, {"rainstorm.yellow", 0.5}}, {{"typhoon.red", 1}, {"rainstorm.red", 1}}, 2),
                                  kT0, status);
    EXPECT_EQ(alerts.size(), 5u);
    auto updates = ProposeAndIssue(Assess({{"typhoon.orange", 1}, {"rainstorm.red", 0.5}}, {{"typhoon.red", 1}, {"rainstorm.red", 1}}, 4),
                                   kT0 + kH, status);
    EXPECT_EQ(updates.size(), 3u);
    ActionContext ctx;
    ctx.now_utc = kT0 + 2 * kH;
    ctx.operator_name = "duty";
    ctx.status = status;
    std::int64_t was = 0;  // the expiry in force: --extend 6 moves it 6 h later, never earlier
    const State before = desk_->StateAt(ctx.now_utc);
    if (const InForce* f = before.Find("440100", Kind::kTyphoon)) was = f->message.expires_utc;
    ASSERT_GT(was, ctx.now_utc);
    auto upd = desk_->Commit("update", "{}", desk_->UpdateRequests({"440100"}, Kind::kTyphoon, "yellow", 6, ctx.now_utc), ctx);
    ASSERT_EQ(upd.size(), 1u);
    EXPECT_EQ(upd[0].change, Change::kDowngrade);
    EXPECT_EQ(upd[0].expires_utc, was + 6 * kH);
    auto cancels = desk_->Commit("cancel", "{}", desk_->CancelRequests({"440400", "440100"}, std::nullopt, ctx.now_utc), ctx);
    EXPECT_EQ(cancels.size(), 5u);
    for (const auto* list : {&alerts, &updates, &upd, &cancels})
      for (const Message& m : *list) {
        SCOPED_TRACE(m.identifier);
        EXPECT_EQ(m.status, status);
        ExpectValidCap(m);
      }
  }
}

// A jurisdiction that configures a signing key signs every CAP message it issues; the trusted
// public key verifies them, with <web> and <contact> from the configuration.
TEST_F(DeskTest, ConfiguredKeySignsEveryMessage) {
  const auto dir = path_.parent_path() / "rules";
  std::filesystem::create_directories(dir);
  ASSERT_EQ(std::system(("cd " + dir.string() + " && umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
                         "-out cap.pem 2>/dev/null && openssl pkey -in cap.pem -pubout -out cap.pub.pem")
                            .c_str()),
            0);
  rules_ = test::RulesWithPolicy(dir, "hold_h = 3\nextend_before_h = 3\nlower_below = 1", {},
                                 "signing_key = \"cap.pem\"\nweb = \"https://warnings.example.org/\"\ncontact = \"+852 0000 0000\"");
  desk_ = Open();
  const auto issued = ProposeAndIssue(Assess({{"typhoon.blue", 1}, {"typhoon.yellow", 0.6}}, {}), kT0);
  ASSERT_FALSE(issued.empty());
  const auto trust = CapTrust::Load(dir / "cap.pub.pem");
  for (const Message& m : issued) {
    CapReadOptions o;
    o.schema = test::Schema().get();
    o.trusted = trust.get();
    const CapAlert a = ReadCap(m.cap_xml, m.identifier, o);
    EXPECT_TRUE(a.signature_verified);
    EXPECT_EQ(a.infos[0].web, "https://warnings.example.org/");
    EXPECT_EQ(a.infos[1].contact, "+852 0000 0000");
    EXPECT_NE(m.cap_xml.find("<ds:KeyName>taifeng.local</ds:KeyName>"), std::string::npos);
  }
}

TEST_F(DeskTest, BrokenJournalRefusesEveryWrite) {
  ProposeAndIssue(Assess({{"typhoon.blue", 0.5}}, {}), kT0);
  desk_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE record SET body = replace(body, 'blue', 'red') WHERE type = 'message'", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  desk_ = Open();
  ActionContext ctx;
  ctx.now_utc = kT0 + kH;
  ctx.operator_name = "duty";
  try {
    desk_->Commit("cancel", "{}", desk_->CancelRequests({"440400"}, std::nullopt, ctx.now_utc), ctx);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kJournalBroken);
    EXPECT_NE(std::string(e.what()).find("record 3"), std::string::npos) << e.what();
  }
}

// A command retried with the same request id (its first answer was lost) is not done twice: the
// journal's earlier messages come back, marked repeated, and nothing is written.
TEST_F(DeskTest, ACommandRetriedWithItsRequestIdIsDoneOnce) {
  ProposeAndIssue(Assess({{"typhoon.white", 1}, {"typhoon.blue", 1}, {"typhoon.yellow", 0.6}}, {{"typhoon.blue", 0.4}}), kT0);
  ActionContext ctx;
  ctx.now_utc = kT0 + 1 * kH;
  ctx.operator_name = "duty officer";
  ctx.status = "Exercise";
  const std::string body = R"({"targets": ["440400"], "request_id": "retry-1"})";
  bool repeated = true;
  const auto first = desk_->Commit("cancel", body, desk_->CancelRequests({"440400"}, std::nullopt, ctx.now_utc), ctx, &repeated);
  EXPECT_FALSE(repeated);
  ASSERT_EQ(first.size(), 1u);
  const std::int64_t last = desk_->journal().LastSeq();
  // The retry: the same command (its requests prepared before the first commit was seen).
  const auto again = desk_->Commit("cancel", body, desk_->CancelRequests({"440100"}, std::nullopt, ctx.now_utc), ctx, &repeated);
  EXPECT_TRUE(repeated);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].identifier, first[0].identifier);
  EXPECT_EQ(again[0].seq, first[0].seq);
  EXPECT_EQ(desk_->journal().LastSeq(), last) << "nothing written";
  const auto earlier = desk_->EarlierRequest("retry-1");
  ASSERT_TRUE(earlier);
  EXPECT_EQ(earlier->at(0).msg_type, "Cancel");
  EXPECT_FALSE(desk_->EarlierRequest("never-sent"));
}

// The desk keeps light messages (its memory grows by about a kilobyte per message, not by its CAP
// and situation), and the state in force carries whole ones.
TEST_F(DeskTest, MessagesAreKeptLightAndTheStateWhole) {
  const auto issued = ProposeAndIssue(Assess({{"typhoon.white", 1}, {"typhoon.blue", 1}, {"typhoon.yellow", 0.6}}, {{"typhoon.blue", 0.4}}), kT0);
  ASSERT_EQ(issued.size(), 2u);
  ASSERT_FALSE(issued[0].cap_xml.empty());
  for (const Message& m : desk_->Messages()) {
    EXPECT_TRUE(m.cap_xml.empty());
    EXPECT_TRUE(m.evidence_json.empty());
    EXPECT_FALSE(m.identifier.empty());
  }
  const State state = desk_->StateAt(kT0 + 3 * kH);
  ASSERT_EQ(state.Active().size(), 2u);
  for (const InForce* f : state.Active()) {
    EXPECT_FALSE(f->message.cap_xml.empty()) << f->message.identifier;
    EXPECT_FALSE(f->message.evidence_json.empty());
  }
  EXPECT_EQ(desk_->Full(desk_->Messages()[0]).cap_xml, issued[0].cap_xml);
  EXPECT_EQ(desk_->FullMessages().at(1).cap_xml, issued[1].cap_xml);
  // The desk's kept fold of the incidents answers as a fresh derivation does, at any later time.
  ActionContext ctx;
  ctx.now_utc = kT0 + 2 * kH;
  ctx.operator_name = "duty officer";
  ctx.status = "Exercise";
  desk_->Commit("update", "{}", desk_->UpdateRequests({"440400"}, Kind::kTyphoon, "orange", 0, ctx.now_utc), ctx);
  desk_->Commit("cancel", "{}", desk_->CancelRequests({"440100"}, std::nullopt, ctx.now_utc + kH), ctx);
  for (const std::int64_t now : {kT0 + 3 * kH, kT0 + 10 * kH, kT0 + 13 * kH, kT0 + 40 * kH}) {
    const State kept = desk_->StateAt(now), fresh = State::Derive(desk_->Messages(), now);
    ASSERT_EQ(kept.Active().size(), fresh.Active().size()) << now;
    for (std::size_t i = 0; i < kept.Active().size(); ++i) {
      EXPECT_EQ(kept.Active()[i]->message.identifier, fresh.Active()[i]->message.identifier);
      EXPECT_EQ(kept.Active()[i]->references, fresh.Active()[i]->references);
      EXPECT_EQ(kept.Active()[i]->raised_utc, fresh.Active()[i]->raised_utc);
    }
  }
}

TEST_F(DeskTest, OperatorIsRequired) {
  const auto plan = Plan(desk_->rules(), Assess({{"typhoon.blue", 0.5}}, {}), desk_->StateAt(kT0), kT0);
  ProposalSource src;
  desk_->RecordProposal(plan, src, "a", kT0);
  ActionContext ctx;
  ctx.now_utc = kT0;
  EXPECT_THROW(desk_->Commit("issue", "{}", desk_->FromProposal(*desk_->LatestProposal(), {}), ctx), Error);
  EXPECT_EQ(desk_->Messages().size(), 0u);
}

}  // namespace
}  // namespace taifeng::warnings
