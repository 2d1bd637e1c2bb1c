#include "alert_archive.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "taifeng/base/error.h"

namespace taifeng::gateway {
namespace {

namespace fs = std::filesystem;

ArchivedAlert Message(int i, const std::string& type = "Alert") {
  ArchivedAlert a;
  a.identifier = "TF-" + std::to_string(1000 + i);
  a.sender = "hk.taifeng.local";
  a.msg_type = type;
  a.status = "Exercise";
  a.sent_utc = 1537000000 + 600LL * i;
  a.language_zh = "zh-HK";
  a.headline_zh = "八號東北烈風或暴風信號 " + std::to_string(i);
  a.headline_en = "Gale or Storm Signal No. 8 NE <" + std::to_string(i) + ">";
  a.description_zh = "描述";
  a.description_en = "Description & more";
  a.cap = "<alert>" + std::to_string(i) + "</alert>";
  return a;
}

std::size_t Count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

class AlertArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("taifeng-alerts-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(AlertArchiveTest, EveryMessageStaysNewestFirstAndSurvivesARestart) {
  {
    AlertArchive archive(dir_);
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(archive.Add(Message(i, i == 4 ? "Cancel" : "Alert")));
    EXPECT_FALSE(archive.Add(Message(2)));  // once
    ArchivedAlert bad = Message(9);
    bad.identifier = "../etc/passwd";
    EXPECT_FALSE(archive.Add(bad));
    EXPECT_EQ(archive.size(), 5u);
  }
  std::ofstream(dir_ / "TF-broken.json") << "{not json";
  AlertArchive again(dir_);  // a restart: the messages come back from their files, the broken one is skipped
  ASSERT_EQ(again.size(), 5u);
  const auto all = again.Range(0, 10);
  EXPECT_EQ(all.front()->identifier, "TF-1004");
  EXPECT_EQ(all.front()->msg_type, "Cancel");
  EXPECT_EQ(all.back()->identifier, "TF-1000");
  ASSERT_NE(again.Find("TF-1002"), nullptr);
  EXPECT_EQ(again.Find("TF-1002")->cap, "<alert>2</alert>");
  EXPECT_EQ(again.Find("TF-1002")->headline_zh, Message(2).headline_zh);
}

TEST_F(AlertArchiveTest, AFailedWriteAddsNothing) {
  AlertArchive archive(dir_);
  fs::create_directories(dir_ / "TF-1001.xml");  // the rename onto it fails
  EXPECT_THROW(archive.Add(Message(1)), Error);
  EXPECT_EQ(archive.Find("TF-1001"), nullptr);
  EXPECT_TRUE(archive.Add(Message(2)));
}

TEST_F(AlertArchiveTest, AtomFeedIsPagedWithConfiguredIdsAndBothLanguages) {
  AlertArchive archive;
  for (int i = 0; i < 120; ++i) archive.Add(Message(i, i % 3 == 2 ? "Cancel" : i % 3 ? "Update" : "Alert"));
  AtomOptions o;
  o.base_url = "https://warnings.example.org";
  o.feed_id = "tag:warnings.example.org,2026:cap";
  o.author = "Example Observatory";
  o.per_page = 50;
  const std::string p1 = AtomFeed(archive, o, 1, 0);
  EXPECT_EQ(Count(p1, "<entry>"), 50u);
  EXPECT_NE(p1.find("<id>tag:warnings.example.org,2026:cap</id>"), std::string::npos);
  EXPECT_NE(p1.find("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">"), std::string::npos);
  EXPECT_NE(p1.find("<name>Example Observatory</name>"), std::string::npos);
  EXPECT_NE(p1.find("<link rel=\"next\" href=\"https://warnings.example.org/alerts.atom?page=2\"/>"), std::string::npos);
  EXPECT_NE(p1.find("<link rel=\"last\" href=\"https://warnings.example.org/alerts.atom?page=3\"/>"), std::string::npos);
  EXPECT_EQ(p1.find("rel=\"previous\""), std::string::npos);
  // Newest first: the first entry is message 119, a Cancel, with its CAP link and both languages.
  const auto first = p1.find("<entry>");
  EXPECT_LT(first, p1.find("urn:cap:hk.taifeng.local:TF-1119"));
  EXPECT_LT(p1.find("TF-1119"), p1.find("TF-1118"));
  EXPECT_NE(p1.find("<category term=\"Cancel\" scheme=\"urn:oasis:names:tc:emergency:cap:1.2#msgType\"/>"), std::string::npos);
  EXPECT_NE(p1.find("href=\"https://warnings.example.org/alerts/TF-1119.xml\""), std::string::npos);
  EXPECT_NE(p1.find("<summary xml:lang=\"en\">Description &amp; more</summary>"), std::string::npos);
  EXPECT_NE(p1.find("<content type=\"text\" xml:lang=\"zh-HK\">八號東北烈風或暴風信號 119"), std::string::npos);
  EXPECT_NE(p1.find("Gale or Storm Signal No. 8 NE &lt;119&gt;"), std::string::npos);
  const std::string p3 = AtomFeed(archive, o, 3, 0);
  EXPECT_EQ(Count(p3, "<entry>"), 20u);
  EXPECT_NE(p3.find("<link rel=\"previous\" href=\"https://warnings.example.org/alerts.atom?page=2\"/>"), std::string::npos);
  EXPECT_EQ(p3.find("rel=\"next\""), std::string::npos);
  EXPECT_THROW(AtomFeed(archive, o, 4, 0), Error);
  EXPECT_THROW(AtomFeed(archive, o, 0, 0), Error);
  EXPECT_EQ(Count(AtomFeed(AlertArchive{}, o, 1, 0), "<entry>"), 0u);  // an empty feed has its page 1
}

}  // namespace
}  // namespace taifeng::gateway
