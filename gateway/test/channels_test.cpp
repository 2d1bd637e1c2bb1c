// The gateways' shared parts: the board kept from the feed, SMS planning, composing and hand-off
// (real SQLite, real files), and the display frame.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <sqlite3.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "fault_env.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"
#include "taifeng/gateway/board.h"
#include "taifeng/gateway/channel.h"
#include "taifeng/gateway/display.h"
#include "taifeng/gateway/sms.h"

namespace taifeng::gateway {
namespace {

using nlohmann::json;

constexpr std::int64_t kT0 = 1537056000;  // 2018-09-16T00:00:00Z

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

std::string SituationText(double lat, double lon, double wind) {
  feed::Situation s;
  s.storm = "CMA:2018-0022", s.storm_name = "MANGKHUT", s.method = "analog";
  s.observed.push_back({kT0 - 6 * 3600, lat - 0.5, lon + 1.5, wind + 2, 955});
  s.observed.push_back({kT0, lat, lon, wind, 960});
  feed::SituationPoint f{kT0 + 6 * 3600, lat + 0.8, lon - 1.2, wind - 3, 965};
  f.lead_h = 6, f.cone_km = 40;
  s.forecast.push_back(f);
  return feed::SituationToJson(s);
}

// A feed summary as the service sends it (feed.h), for region `region` of kind `kind`.
feed::FeedWarning Summary(std::int64_t seq, const std::string& region, const std::string& name, const std::string& name_en, const std::string& kind,
                    const std::string& signal, int rank, const std::string& msg_type = "Alert", const std::string& status = "Exercise",
                    std::int64_t sent = kT0, std::int64_t hours = 12, double distance_km = 36.4) {
  json j = {{"seq", seq},
            {"prev", 0},
            {"stream", kind + "." + region},
            {"identifier", "TF-" + std::to_string(seq) + "-" + region + "-" + kind},
            {"sender", "taifeng.local"},
            {"kind", kind},
            {"region", region},
            {"region_name", name},
            {"region_name_en", name_en},
            {"signal", signal},
            {"rank", rank},
            {"change", msg_type == "Cancel" ? "cancel" : "new"},
            {"msg_type", msg_type},
            {"status", status},
            {"sent", "2018-09-16T08:00:00+08:00"},
            {"sent_utc", taifeng::FormatIsoUtc(sent)},
            {"onset_utc", taifeng::FormatIsoUtc(sent + 3600)},
            {"expires_utc", taifeng::FormatIsoUtc(sent + hours * 3600)},
            {"storm", "CMA:2018-0022"},
            {"storm_name", "MANGKHUT"},
            {"probability", 0.8},
            {"reason", "test"},
            {"headline_zh", name + (kind == "typhoon" ? "台风" : "洪涝风险") + (signal == "red" ? "红色" : "黄色") + "预警信号"},
            {"headline_en", std::string(kind == "typhoon" ? "Typhoon " : "Flood-risk ") + (signal == "red" ? "Red" : "Yellow") +
                                " Signal for " + name_en},
            {"incident", "x"},
            {"references", json::array()},
            {"storm_distance_km", distance_km},
            {"situation", json::parse(SituationText(21.2, 114.3, 38))}};
  if (region == "810000") {  // Hong Kong's own system, as the desk journals it (config/jurisdictions/hong_kong.toml)
    j["region_name"] = "香港";
    j["headline_zh"] = signal == "8ne" ? "八號東北烈風或暴風信號現正生效" : "三號強風信號現正生效";
    j["headline_en"] = signal == "8ne" ? "The No. 8 Northeast Gale or Storm Signal is in force" : "The Strong Wind Signal No. 3 is in force";
    j["sender"] = "hk.taifeng.local";
    j["presentation"] = {{"jurisdiction", "hong_kong"},
                         {"language_zh", "zh-HK"},
                         {"time_label_zh", "香港時間"},
                         {"time_label_en", "HKT"},
                         {"label_zh", signal == "8ne" ? "八號東北烈風或暴風信號" : "三號強風信號"},
                         {"label_en", signal == "8ne" ? "No. 8 Northeast Gale or Storm Signal" : "Strong Wind Signal No. 3"},
                         {"short_label_zh", signal == "8ne" ? "8 NE" : "3"},
                         {"short_label_en", signal == "8ne" ? "8 NE" : "3"},
                         {"event_code", signal == "8ne" ? "TC8NE" : "TC3"},
                         {"storm_number", "1822"}};
  }
  feed::FeedWarning w;
  w.seq = seq;
  w.stream = kind + "." + region;
  w.json = j.dump();
  w.cap = "<alert>" + std::to_string(seq) + "</alert>";
  return w;
}

feed::FeedEvent Message(feed::FeedWarning w) {
  feed::FeedEvent e;
  e.type = feed::FeedEvent::Type::kMessage;
  e.seq = w.seq;
  e.warnings.push_back(std::move(w));
  return e;
}

// ---- the board ----

TEST(BoardTest, SnapshotMessagesCancelsAndExerciseClock) {
  Board board;
  feed::FeedEvent snap;
  snap.type = feed::FeedEvent::Type::kSnapshot;
  snap.seq = 7;
  snap.warnings = {Summary(3, "440400", "珠海市", "Zhuhai", "typhoon", "yellow", 3), Summary(5, "440600", "佛山市", "Foshan", "flood", "yellow", 2)};
  ASSERT_EQ(board.Apply(snap).size(), 2u);
  EXPECT_EQ(board.seq(), 7);
  ASSERT_EQ(board.InForce(kT0 + 3600).size(), 2u);
  // An upgrade replaces its stream's warning.
  board.Apply(Message(Summary(8, "440400", "珠海市", "Zhuhai", "typhoon", "red", 5, "Update", "Exercise", kT0 + 3600)));
  ASSERT_NE(board.Find("440400", "typhoon", 0), nullptr);
  EXPECT_EQ(board.Find("440400", "typhoon", 0)->signal, "red");
  EXPECT_EQ(board.Find("440400", "typhoon", 0)->seq, 8);
  // A cancel removes it.
  board.Apply(Message(Summary(9, "440400", "珠海市", "Zhuhai", "typhoon", "red", 0, "Cancel", "Exercise", kT0 + 7200)));
  EXPECT_EQ(board.Find("440400", "typhoon", 0), nullptr);
  ASSERT_EQ(board.InForce(0).size(), 1u);
  // Exercise warnings expire by the exercise's own clock (its latest sent), not the wall clock:
  // Hong Kong's (sent kT0, 12 h) is still in force at kT0 + 2 h whatever the wall clock says...
  EXPECT_EQ(board.ClockFor("Exercise", 2'000'000'000), kT0 + 7200);
  ASSERT_NE(board.Find("440600", "flood", 2'000'000'000), nullptr);
  // ...and gone once the exercise's time passes its expiry.
  board.Apply(Message(Summary(10, "440300", "深圳市", "Shenzhen", "typhoon", "yellow", 3, "Alert", "Exercise", kT0 + 13 * 3600)));
  EXPECT_EQ(board.Find("440600", "flood", 2'000'000'000), nullptr);
  // Actual warnings follow the wall clock.
  board.Apply(Message(Summary(11, "440100", "广州市", "Guangzhou", "typhoon", "yellow", 3, "Alert", "Actual", kT0)));
  EXPECT_NE(board.Find("440100", "typhoon", kT0 + 3600), nullptr);
  EXPECT_EQ(board.Find("440100", "typhoon", kT0 + 13 * 3600), nullptr);
  // The newest situation is kept.
  const auto s = board.LatestSituation();
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->storm_name, "MANGKHUT");
  EXPECT_NEAR(s->now().lat_deg, 21.2, 1e-9);
}

TEST(BoardTest, MalformedSummaryIsRefusedAndBoardKept) {
  Board board;
  board.Apply(Message(Summary(1, "440400", "珠海市", "Zhuhai", "typhoon", "yellow", 3)));
  feed::FeedWarning bad = Summary(2, "440400", "珠海市", "Zhuhai", "typhoon", "red", 5);
  json j = json::parse(bad.json);
  j["expires_utc"] = "tomorrow";
  bad.json = j.dump();
  try {
    board.Apply(Message(bad));
    FAIL() << "no error";
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("expires_utc"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("feed message 2"), std::string::npos) << e.what();
  }
  EXPECT_EQ(board.Find("440400", "typhoon", 0)->signal, "yellow");
}

// ---- SMS ----

TEST(SmsPlanTest, Gsm7Boundaries) {
  EXPECT_EQ(PlanSms("").segments, 0);
  auto p = PlanSms(Repeat("a", 160));
  EXPECT_EQ(p.alphabet, SmsAlphabet::kGsm7);
  EXPECT_EQ(p.units, 160);
  EXPECT_EQ(p.segments, 1);
  p = PlanSms(Repeat("a", 161));
  EXPECT_EQ(p.segments, 2);
  ASSERT_EQ(p.parts.size(), 2u);
  EXPECT_EQ(p.parts[0].size(), 153u);
  EXPECT_EQ(p.parts[1].size(), 8u);
  EXPECT_EQ(PlanSms(Repeat("a", 306)).segments, 2);
  EXPECT_EQ(PlanSms(Repeat("a", 307)).segments, 3);
  // Extension-table characters take two septets and are never split across segments.
  p = PlanSms(Repeat("€", 80));
  EXPECT_EQ(p.alphabet, SmsAlphabet::kGsm7);
  EXPECT_EQ(p.units, 160);
  EXPECT_EQ(p.segments, 1);
  p = PlanSms("a" + Repeat("[", 80));  // 161 septets
  EXPECT_EQ(p.segments, 2);
  EXPECT_EQ(p.parts[0], "a" + Repeat("[", 76));  // 153 septets
  EXPECT_EQ(p.parts[1], Repeat("[", 4));
  p = PlanSms(Repeat("a", 152) + "{" + Repeat("b", 8));  // 162 septets; the escape would straddle 153
  EXPECT_EQ(p.parts[0], Repeat("a", 152));
  EXPECT_EQ(p.parts[1], "{" + Repeat("b", 8));
}

TEST(SmsPlanTest, Ucs2Boundaries) {
  auto p = PlanSms(Repeat("台", 70));
  EXPECT_EQ(p.alphabet, SmsAlphabet::kUcs2);
  EXPECT_EQ(p.units, 70);
  EXPECT_EQ(p.segments, 1);
  p = PlanSms(Repeat("台", 71));
  EXPECT_EQ(p.segments, 2);
  EXPECT_EQ(p.parts[0], Repeat("台", 67));
  EXPECT_EQ(p.parts[1], Repeat("台", 4));
  EXPECT_EQ(PlanSms(Repeat("台", 134)).segments, 2);
  EXPECT_EQ(PlanSms(Repeat("台", 135)).segments, 3);
  // One Chinese character makes the whole text UCS-2.
  p = PlanSms(Repeat("a", 69) + "风");
  EXPECT_EQ(p.alphabet, SmsAlphabet::kUcs2);
  EXPECT_EQ(p.segments, 1);
  EXPECT_EQ(PlanSms(Repeat("a", 70) + "风").segments, 2);
  // A character outside the BMP is a surrogate pair: two units, never split.
  p = PlanSms(Repeat("😀", 35));
  EXPECT_EQ(p.units, 70);
  EXPECT_EQ(p.segments, 1);
  p = PlanSms(Repeat("😀", 36));
  EXPECT_EQ(p.segments, 2);
  EXPECT_EQ(p.parts[0], Repeat("😀", 33));  // 66 units: a 34th would need 68
  // GSM-7 characters outside ISO-8859-15 (the spool alphabet) go as UCS-2.
  EXPECT_EQ(PlanSms("ΔΦ").alphabet, SmsAlphabet::kUcs2);
  // Invalid UTF-8 is sent as U+FFFD, not dropped.
  p = PlanSms("a\xff");
  EXPECT_EQ(p.alphabet, SmsAlphabet::kUcs2);
  EXPECT_EQ(p.parts[0], "a\xEF\xBF\xBD");
}

TEST(SmsComposeTest, FitsOneMessageInEachLanguage) {
  const Bulletin b = ParseBulletin(Summary(8, "440400", "珠海市", "Zhuhai", "typhoon", "red", 5, "Update", "Exercise", kT0, 10, 36.4));
  const std::string zh = ComposeSms(b, "zh"), en = ComposeSms(b, "en");
  // It takes effect an hour after it was sent: the message says when (not a window in the future).
  // (the storm's part does not fit the exercise tag's message: it is dropped first)
  EXPECT_EQ(zh, "【演习】珠海市台风红色预警信号，预计16日09:00起生效，至16日18:00（北京时间）。");
  EXPECT_EQ(PlanSms(zh).alphabet, SmsAlphabet::kUcs2);
  EXPECT_EQ(PlanSms(zh).segments, 1);
  EXPECT_EQ(en, "EXERCISE: Typhoon Red Signal for Zhuhai, expected from 16 Sep 09:00 until 16 Sep 18:00 UTC+8. MANGKHUT 36 km away, wind 38 m/s (10-min mean).");
  EXPECT_EQ(PlanSms(en).alphabet, SmsAlphabet::kGsm7);
  EXPECT_EQ(PlanSms(en).segments, 1);
  // A long headline: the storm part is dropped first to stay in one message.
  // (in force from when it was sent)
  Bulletin longer = ParseBulletin(Summary(9, "441900", "东莞市", "Dongguan", "flood", "yellow", 2));
  longer.onset_utc = longer.sent_utc;
  longer.headline_zh = "东莞市洪涝风险黄色预警信号（内涝、山洪及中小河流洪水）";
  const std::string zh2 = ComposeSms(longer, "zh");
  EXPECT_EQ(PlanSms(zh2).segments, 1) << zh2;
  EXPECT_EQ(zh2, "【演习】东莞市洪涝风险黄色预警信号（内涝、山洪及中小河流洪水），16日08:00至16日20:00生效（北京时间）。");
  const Bulletin actual = ParseBulletin(Summary(9, "440400", "珠海市", "Zhuhai", "typhoon", "red", 5, "Alert", "Actual", kT0, 10));
  EXPECT_EQ(ComposeSms(actual, "zh"), "珠海市台风红色预警信号，预计16日09:00起生效，至16日18:00（北京时间）。MANGKHUT距36公里，10分钟平均风速38米/秒。")
      << "an Actual message carries no exercise tag, and then the storm fits (exactly 70 characters)";
  EXPECT_EQ(PlanSms(ComposeSms(actual, "zh")).segments, 1);
  // Hong Kong's message in its own system, Traditional characters and Hong Kong Time.
  const Bulletin hk = ParseBulletin(Summary(11, "810000", "香港", "Hong Kong", "typhoon", "8ne", 3, "Alert", "Actual"));
  EXPECT_EQ(ComposeSms(hk, "zh"), "八號東北烈風或暴風信號現正生效，預計16日09:00起生效，至16日20:00（香港時間）。");
  EXPECT_EQ(ComposeSms(hk, "en"),
            "The No. 8 Northeast Gale or Storm Signal is in force, expected from 16 Sep 09:00 until 16 Sep 20:00 HKT. MANGKHUT (1822) 36 km away, "
            "wind 38 m/s (10-min mean).");
  const Bulletin cancel = ParseBulletin(Summary(10, "440400", "珠海市", "Zhuhai", "typhoon", "red", 0, "Cancel", "Test"));
  EXPECT_EQ(ComposeSms(cancel, "en").rfind("TEST: ", 0), 0u);
}

TEST(SmsRecipientsTest, MasksNumbersAndNamesBadRows) {
  EXPECT_EQ(MaskPhone("+8613800138000"), "+86*********00");
  EXPECT_EQ(MaskPhone("+85291234567"), "+85*******67");
  const auto dir = std::filesystem::temp_directory_path() / ("taifeng_sms_csv_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto csv = dir / "recipients.csv";
  std::ofstream(csv) << "# command centre list\nlanguage,phone,regions,note\n"
                        "zh,+86 138-0013-8000,440400;440300,duty\n"
                        "en,+85291234567,810000,\n"
                        "fr,+85291234568,810000,\n"
                        "zh,12345,440400,\n"
                        "en,+8613800138000,440100,\n"
                        "zh,+85291234569,,\n"
                        "zh\n";
  const RecipientList list = LoadRecipients(csv);
  ASSERT_EQ(list.recipients.size(), 2u);
  EXPECT_EQ(list.recipients[0].phone, "+8613800138000");
  EXPECT_EQ(list.recipients[0].regions, (std::vector<std::string>{"440400", "440300"}));
  EXPECT_EQ(list.For("440300").size(), 1u);
  EXPECT_EQ(list.For("810000").front()->language, "en");
  ASSERT_EQ(list.problems.size(), 5u);
  EXPECT_NE(list.problems[0].find("recipients.csv:5: language \"fr\""), std::string::npos) << list.problems[0];
  EXPECT_NE(list.problems[1].find(":6: phone"), std::string::npos) << list.problems[1];
  EXPECT_NE(list.problems[2].find(":7: phone +86*********00 is already listed at line 3"), std::string::npos) << list.problems[2];
  EXPECT_NE(list.problems[3].find(":8: regions"), std::string::npos) << list.problems[3];
  EXPECT_NE(list.problems[4].find(":9: expected 3 columns"), std::string::npos) << list.problems[4];
  for (const auto& p : list.problems) EXPECT_EQ(p.find("13800138000"), std::string::npos) << "a full number in: " << p;

  std::ofstream(dir / "noheader.csv") << "+8613800138000,440400,zh\n";
  EXPECT_THROW(LoadRecipients(dir / "noheader.csv"), ParseError);
  EXPECT_THROW(LoadRecipients(dir / "missing.csv"), Error);
  std::filesystem::remove_all(dir);
}

class SmsOutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("taifeng_outbox_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    options_.record = dir_ / "handoff.sqlite";
    options_.outgoing = dir_ / "outgoing";
    recipients_ = {{"+8613800138000", {"440400"}, "zh", 2}, {"+8613900000001", {"440400"}, "en", 3}, {"+85291234567", {"440400"}, "en", 4}};
    for (const auto& r : recipients_) pointers_.push_back(&r);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::vector<std::filesystem::path> Files() const {
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(options_.outgoing)) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
  }
  static std::string Read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::filesystem::path dir_;
  SmsOutboxOptions options_;
  std::vector<Recipient> recipients_;
  std::vector<const Recipient*> pointers_;
};

TEST_F(SmsOutboxTest, SpoolFilesOncePerWarningAndRecipient) {
  const Bulletin b = ParseBulletin(Summary(8, "440400", "珠海市", "Zhuhai", "typhoon", "red", 5));
  {
    auto outbox = SmsOutbox::Open(options_);
    const HandOffResult r = outbox->HandOff(b, pointers_);
    EXPECT_EQ(r.files, 3);
    EXPECT_EQ(r.already, 0);
    EXPECT_EQ(r.segments, 3);
    EXPECT_EQ(outbox->last_seq(), 8);
    EXPECT_EQ(outbox->Count(b.identifier), 3);
  }
  const auto files = Files();
  ASSERT_EQ(files.size(), 3u);
  int ucs2 = 0, iso = 0;
  for (const auto& f : files) {
    const std::string text = Read(f);
    const std::size_t blank = text.find("\n\n");
    ASSERT_NE(blank, std::string::npos);
    const std::string header = text.substr(0, blank), body = text.substr(blank + 2);
    EXPECT_EQ(header.rfind("To: ", 0), 0u) << "each file is addressed first: " << header;
    if (header.find("Alphabet: UCS2") != std::string::npos) {
      ++ucs2;
      EXPECT_NE(header.find("To: 8613800138000"), std::string::npos) << header;
      // UTF-16 big-endian: "【" is U+3010.
      ASSERT_GE(body.size(), 2u);
      EXPECT_EQ(static_cast<unsigned char>(body[0]), 0x30);
      EXPECT_EQ(static_cast<unsigned char>(body[1]), 0x10);
      EXPECT_EQ(body.size() % 2, 0u);
      EXPECT_LE(body.size() / 2, 70u);
    } else {
      ++iso;
      EXPECT_NE(header.find("Alphabet: ISO"), std::string::npos) << header;
      EXPECT_EQ(body.rfind("EXERCISE: Typhoon Red Signal for Zhuhai", 0), 0u) << body;
      EXPECT_LE(body.size(), 160u);
    }
    EXPECT_EQ(header.find("Autosplit"), std::string::npos) << "one-segment texts need no split";
  }
  EXPECT_EQ(ucs2, 1);
  EXPECT_EQ(iso, 2);
  // Again, from a new process's view: nothing more.
  std::filesystem::remove_all(options_.outgoing);  // smstools took them
  auto outbox = SmsOutbox::Open(options_);
  const HandOffResult again = outbox->HandOff(b, pointers_);
  EXPECT_EQ(again.files, 0);
  EXPECT_EQ(again.already, 3);
  EXPECT_TRUE(Files().empty());
  EXPECT_EQ(outbox->last_seq(), 8);
  // The record holds no phone number.
  EXPECT_EQ(Read(options_.record).find("13800138000"), std::string::npos);
}

TEST_F(SmsOutboxTest, InterruptedHandOffIsFinishedOnceAtOpen) {
  const Bulletin b = ParseBulletin(Summary(8, "440400", "珠海市", "Zhuhai", "typhoon", "red", 5));
  { SmsOutbox::Open(options_)->HandOff(b, pointers_); }
  // Recreate the state of a crash after the records were committed and one file was renamed:
  // two files back in staging, all three records "staged"; and a stray staged file with no record.
  const auto staging = dir_ / "taifeng-sms-staging";
  const auto files = Files();
  std::filesystem::rename(files[0], staging / files[0].filename());
  std::filesystem::rename(files[1], staging / files[1].filename());
  std::ofstream(staging / "taifeng-stray") << "To: 1\n\nx";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(options_.record.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE handoff SET state = 0", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto outbox = SmsOutbox::Open(options_);
  EXPECT_EQ(outbox->recovered(), 2);
  EXPECT_EQ(Files().size(), 3u);
  EXPECT_FALSE(std::filesystem::exists(staging / "taifeng-stray"));
  EXPECT_TRUE(std::filesystem::is_empty(staging));
  EXPECT_EQ(outbox->HandOff(b, pointers_).files, 0);
  EXPECT_EQ(outbox->Count(b.identifier), 3);
}

// EIO or ENOSPC at each durable step of a hand-off (spool file write, staging sync, the record's
// commit, the rename into outgoing, outgoing's sync), injected through the Env: the hand-off fails
// naming a path, and a retry once the disk is back reaches every recipient exactly once; earlier
// warnings are untouched.
TEST_F(SmsOutboxTest, DiskErrorsFailTheHandOffAndARetryDeliversExactlyOnce) {
  using taifeng::testing::FaultOp;
  const Bulletin first = ParseBulletin(Summary(7, "440400", "珠海市", "Zhuhai", "typhoon", "orange", 4));
  const Bulletin b = ParseBulletin(Summary(8, "440400", "珠海市", "Zhuhai", "typhoon", "red", 5));
  const struct {
    FaultOp op;
    const char* path;
    int err;
    int skip;
  } faults[] = {{FaultOp::kWrite, "staging/taifeng-", ENOSPC, 1}, {FaultOp::kSync, "staging", EIO, 0},
                {FaultOp::kWrite, "handoff.sqlite-wal", ENOSPC, 0}, {FaultOp::kRename, "outgoing/taifeng-", EIO, 1},
                {FaultOp::kSync, "outgoing", EIO, 0}};
  for (const auto& f : faults) {
    std::filesystem::remove_all(dir_);
    taifeng::testing::FaultEnv env;
    SmsOutboxOptions options = options_;
    options.env = &env;
    auto outbox = SmsOutbox::Open(options);
    ASSERT_EQ(outbox->HandOff(first, pointers_).files, 3);
    env.Fail(f.op, f.path, f.err, f.skip, 1);
    try {
      outbox->HandOff(b, pointers_);
      ADD_FAILURE() << "no error for " << f.path;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kIo);
      EXPECT_NE(std::string(e.what()).find(dir_.string()), std::string::npos) << e.what();
    }
    EXPECT_EQ(env.injected(), 1) << f.path;
    const HandOffResult retry = outbox->HandOff(b, pointers_);
    EXPECT_EQ(retry.files + retry.already, 3) << f.path;
    EXPECT_EQ(outbox->Count(b.identifier), 3) << f.path;
    EXPECT_EQ(outbox->Count(first.identifier), 3) << f.path;
    std::map<std::string, int> per_warning;
    for (const auto& file : Files()) ++per_warning[file.filename().string().substr(0, file.filename().string().rfind('-'))];
    ASSERT_EQ(per_warning.size(), 2u) << f.path;
    for (const auto& [w, n] : per_warning) EXPECT_EQ(n, 3) << f.path << " " << w;
    EXPECT_EQ(outbox->last_seq(), 8);
    outbox.reset();
    outbox = SmsOutbox::Open(options_);  // reopened: nothing more to finish, nothing sent again
    EXPECT_EQ(outbox->HandOff(b, pointers_).files, 0);
    EXPECT_EQ(Files().size(), 6u) << f.path;
  }
}

// Disk full while spooling: the spooler keeps the failed warning at the head of its queue and
// retries it after a back-off, later warnings wait behind it, and everything goes out once, in
// feed order (a gateway once exited, and after its restart delivered 2, 4, 6, 1, 3, 5); the
// record's last_seq never passes a warning not yet handed off.
TEST_F(SmsOutboxTest, DiskFullSpoolingIsRetriedInOrder) {
  using taifeng::testing::FaultOp;
  taifeng::testing::FaultEnv env;
  SmsOutboxOptions options = options_;
  options.env = &env;
  auto outbox = SmsOutbox::Open(options);
  std::vector<std::string> log;
  SmsSpooler spooler(
      *outbox, [&](const Bulletin&) { return pointers_; }, [&](const std::string& line) { log.push_back(line); });
  std::vector<Bulletin> sent;
  const char* signals[] = {"blue", "yellow", "orange", "red", "orange", "yellow"};
  const int seqs[] = {10, 11, 13, 14, 15, 16};  // 12: a message no one is to get
  for (int i = 0; i < 6; ++i)
    sent.push_back(ParseBulletin(Summary(seqs[i], "440400", "珠海市", "Zhuhai", "typhoon", signals[i], 1 + i)));
  spooler.Add(sent[0]);
  EXPECT_EQ(spooler.Drain(0), 0u);
  env.Fail(FaultOp::kWrite, "staging/taifeng-", ENOSPC, 0, 1000);  // the disk stays full
  spooler.Add(sent[1]);
  spooler.Skip(12);  // a skipped message between them keeps its place too
  for (int i = 2; i < 6; ++i) spooler.Add(sent[static_cast<std::size_t>(i)]);
  EXPECT_EQ(spooler.Drain(10), 6u);
  EXPECT_EQ(outbox->last_seq(), 10) << "nothing after the failed warning is recorded";
  EXPECT_EQ(spooler.Drain(500), 6u) << "not before the back-off";
  EXPECT_EQ(spooler.Drain(1010), 6u);  // still full: the back-off doubles
  EXPECT_EQ(spooler.Drain(2500), 6u) << "2 s back-off";
  env.Clear();
  EXPECT_EQ(spooler.Drain(3010), 0u);
  EXPECT_EQ(outbox->last_seq(), 16);
  // Every warning once per recipient, handed off in feed order (the spooler's reports).
  for (const Bulletin& b : sent) EXPECT_EQ(outbox->Count(b.identifier), 3) << b.identifier;
  std::vector<std::int64_t> order;
  for (const std::string& line : log)
    if (line.find("handed off") != std::string::npos) order.push_back(std::stoll(line.substr(line.find("(seq ") + 5)));
  EXPECT_EQ(order, (std::vector<std::int64_t>{10, 11, 13, 14, 15, 16}));
  ASSERT_GE(log.size(), 2u);
  EXPECT_NE(log[1].find("retrying in 1 s"), std::string::npos) << log[1];
}

// The record, its key and the spool files are the owner's alone (under umask 000 too), and the
// key is not in the record (it once sat beside the hashes: 20,000 numbers recovered in 1.1 s).
TEST_F(SmsOutboxTest, RecordKeyAndSpoolFilesArePrivateAndTheKeyIsApart) {
  const mode_t old_umask = ::umask(0);
  {
    auto outbox = SmsOutbox::Open(options_);
    outbox->HandOff(ParseBulletin(Summary(8, "440400", "珠海市", "Zhuhai", "typhoon", "red", 5)), pointers_);
  }
  ::umask(old_umask);
  auto mode = [](const std::filesystem::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 0777;
  };
  EXPECT_EQ(mode(options_.record), 0600u);
  EXPECT_EQ(mode(options_.record.string() + ".key"), 0600u);
  EXPECT_EQ(mode(dir_ / "taifeng-sms-staging"), 0700u);
  for (const auto& f : Files()) EXPECT_EQ(mode(f), 0600u) << f;
  const std::string key = Read(options_.record.string() + ".key").substr(0, 64);
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(Read(options_.record).find(key), std::string::npos) << "the key is not in the record";
  // A record made by an older version (key in its meta table) has the key moved out and erased.
  std::filesystem::remove(options_.record.string() + ".key");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(options_.record.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, ("INSERT INTO meta(key, value) VALUES('recipient_key', '" + key + "')").c_str(), nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto outbox = SmsOutbox::Open(options_);
  EXPECT_EQ(Read(options_.record.string() + ".key").substr(0, 64), key);
  EXPECT_EQ(outbox->HandOff(ParseBulletin(Summary(8, "440400", "珠海市", "Zhuhai", "typhoon", "red", 5)), pointers_).already, 3)
      << "the same hashes: the same key";
  outbox.reset();
  EXPECT_EQ(Read(options_.record).find(key), std::string::npos);
}

TEST_F(SmsOutboxTest, LongTextIsSegmentedBySmstools) {
  Bulletin b = ParseBulletin(Summary(8, "440400", "珠海市", "Zhuhai", "typhoon", "red", 5));
  b.headline_zh = Repeat("台风", 36);  // 72 characters: no shortening fits one message
  auto outbox = SmsOutbox::Open(options_);
  const HandOffResult r = outbox->HandOff(b, {pointers_[0]});
  EXPECT_EQ(r.plans.at("zh").segments, 3);
  EXPECT_EQ(r.segments, 3);
  const std::string text = Read(Files().at(0));
  EXPECT_NE(text.find("Autosplit: 3\n"), std::string::npos) << "concatenated with a UDH";
}

// ---- the display ----

TEST(DisplayTest, WidthsCountChineseAsTwoColumns) {
  EXPECT_EQ(DisplayWidth("Zhuhai"), 6);
  EXPECT_EQ(DisplayWidth("珠海 Zhuhai"), 11);
  EXPECT_EQ(DisplayWidth("ｆｕｌｌ"), 8);
  EXPECT_EQ(DisplayWidth("e\u0301"), 1);
  EXPECT_EQ(FitColumns("珠海市", 5), "珠海 ");  // the third character would straddle the edge
  EXPECT_EQ(FitColumns("abc", 5), "abc  ");
  EXPECT_EQ(DisplayWidth(FitColumns("香港特别行政区 Hong Kong", 9)), 9);
}

TEST(DisplayTest, LedAndTerminalFrames) {
  Board board;
  board.Apply(Message(Summary(3, "440400", "珠海市", "Zhuhai", "typhoon", "red", 5)));
  board.Apply(Message(Summary(4, "440400", "珠海市", "Zhuhai", "flood", "yellow", 2)));
  board.Apply(Message(Summary(5, "810000", "香港特别行政区", "Hong Kong", "typhoon", "8ne", 3, "Alert", "Exercise", kT0, 12, 89)));
  const std::vector<DisplayRegion> regions = {{"440100", "广州市", "Guangzhou"}, {"810000", "香港特别行政区", "Hong Kong"}, {"440400", "珠海市", "Zhuhai"}};
  const auto rows = BuildDisplayRows(board, regions, kT0);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].region.code, "440400") << "the highest signal first";
  EXPECT_EQ(rows[2].region.code, "440100");
  DisplayStatus st;
  st.now_utc = kT0 + 60;
  st.seq = 5;
  const std::string led = RenderLed(board, rows, st, 24, "zh");
  std::vector<std::string> lines;
  std::stringstream ss(led);
  for (std::string l; std::getline(ss, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 3u) << led;  // storm line, Zhuhai, Hong Kong (Guangzhou has no signal)
  for (const auto& l : lines) EXPECT_EQ(DisplayWidth(l), 24) << "[" << l << "]";
  EXPECT_EQ(lines[0], FitColumns("MANGKHUT 21.2N 114.3E 38m/s", 24));
  EXPECT_EQ(lines[1], FitColumns("珠海 台风红 洪涝黄 36km", 24));
  EXPECT_EQ(lines[2], FitColumns("香港 8 NE 89km", 24)) << "Hong Kong's own signal";
  EXPECT_EQ(RenderLed(board, rows, st, 40, "en").find("Zhuhai TC RED FLOOD YELLOW 36km"), 41u);
  EXPECT_NE(RenderLed(board, rows, st, 40, "en").find("Hong Kong TC 8 NE 89km"), std::string::npos);

  const std::string term = RenderTerminal(board, rows, st, 80, 24, false);
  EXPECT_NE(term.find("EXERCISE"), std::string::npos);
  EXPECT_NE(term.find("Storm MANGKHUT at 09-16 00:00Z: 21.2N 114.3E, 38 m/s 10-min mean, 960 hPa"), std::string::npos) << term;
  EXPECT_NE(term.find("10-min m/s"), std::string::npos);
  EXPECT_NE(term.find("Dist km"), std::string::npos);
  std::stringstream ts(term);
  int n = 0;
  for (std::string l; std::getline(ts, l); ++n) EXPECT_LE(DisplayWidth(l), 80) << l;
  EXPECT_LE(n, 24);
  const std::string zhuhai = term.substr(term.find("珠海市 Zhuhai"), 80);
  EXPECT_NE(zhuhai.find("RED     YELLOW  MANGKHUT   21.2N 114.3E"), std::string::npos) << zhuhai;
  ASSERT_NE(term.find("香港特别行政区"), std::string::npos) << term;
  EXPECT_NE(term.substr(term.find("香港特别行政区"), 60).find("8 NE"), std::string::npos) << term;
  EXPECT_NE(RenderTerminal(board, rows, st, 80, 24, true).find("\x1b[41;97m"), std::string::npos) << "red signal in red";

  st.feed_lost = true;
  st.lost_since_utc = kT0;
  EXPECT_NE(RenderTerminal(board, rows, st, 80, 24, false).find("!! FEED LOST since 2018-09-16T00:00:00Z"), std::string::npos);
  EXPECT_EQ(RenderLed(board, rows, st, 24, "zh").rfind("!! 信号中断 FEED LOST !!", 0), 0u);
  // A small terminal summarises what does not fit.
  const std::string small = RenderTerminal(board, rows, st, 80, 5, false);
  EXPECT_NE(small.find("珠海市 Zhuhai"), std::string::npos) << small;
  EXPECT_EQ(small.find("Guangzhou"), std::string::npos) << small;
  EXPECT_NE(small.find("+2 more regions (1 with a signal)"), std::string::npos) << small;
}

// Every registered channel: a unique name, a summary, and options that fit on one command line
// beside the others (no clash), as taifeng-gateway builds it.
TEST(ChannelRegistryTest, EveryRowMakesASpecWithItsOwnOptions) {
  CLI::App app;
  std::set<std::string> names;
  for (const ChannelEntry& e : ChannelRegistry()) {
    EXPECT_TRUE(names.insert(std::string(e.name)).second) << e.name;
    EXPECT_FALSE(e.summary.empty());
    auto spec = e.make_spec();
    ASSERT_NE(spec, nullptr);
    EXPECT_NO_THROW(spec->AddOptions(*app.add_option_group(std::string(e.name))));
  }
  EXPECT_EQ(names, (std::set<std::string>{"display", "sms", "web", "webhook"}));
}

}  // namespace
}  // namespace taifeng::gateway
