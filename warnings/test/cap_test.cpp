// The CAP reader on the real valid, invalid and hostile examples; the writer's output against the
// OASIS schema; the polygons of the bundled regions.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "taifeng/base/error.h"
#include "taifeng/warnings/cap.h"
#include "test_util.h"

namespace taifeng::warnings {
namespace {

std::string Read(const std::string& rel) {
  std::ifstream in(test::SourceDir() / "data/samples/cap/examples" / rel, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_FALSE(s.str().empty()) << rel;
  return s.str();
}

CapReadOptions Strict() {
  CapReadOptions o;
  o.schema = test::Schema().get();
  return o;
}

TEST(CapReadTest, ValidExamplesRead) {
  const char* valid[] = {"oasis_spec/cap_amber_alert_example.xml", "google_cap_library/43b080713727.cap",
                         "google_cap_library/thunderstorm.cap",    "google_cap_library/australia.cap",
                         "google_cap_library/canada.cap",          "google_cap_library/canada_signed.cap",
                         "google_cap_library/earthquake-iso8859-1.cap", "google_cap_library/wcatwc-warning.cap",
                         "wis2box/example_20030618215700.xml",     "wis2box/sc/valid.xml",
                         "wis2box/sc/no_signature.xml",            "wis2box/tg/valid.xml",
                         "wis2box/bf/valid.xml",
                         // Schema-valid with a broken XML signature: read (signatures are noted, not verified).
                         "wis2box/sc/invalid_certificate.xml", "wis2box/sc/invalid_digest.xml", "wis2box/sc/invalid_signature.xml",
                         "wis2box/tg/no_signature.xml", "wis2box/tg/invalid_certificate.xml", "wis2box/tg/invalid_digest.xml",
                         "wis2box/tg/invalid_signature.xml"};
  for (const char* f : valid) {
    SCOPED_TRACE(f);
    const CapAlert a = ReadCap(Read(f), f, Strict());
    EXPECT_FALSE(a.identifier.empty());
    EXPECT_FALSE(a.sent.empty());
    EXPECT_TRUE(ParseCapTime(a.sent));
    EXPECT_FALSE(a.infos.empty());
  }
  EXPECT_EQ(std::size(valid), 20u);  // with the 6 refused in InvalidExamples…: all 26 examples
}

TEST(CapReadTest, ReadsTheFieldsOfTheThunderstormWarning) {
  const CapAlert a = ReadCap(Read("google_cap_library/thunderstorm.cap"), "thunderstorm.cap", Strict());
  EXPECT_EQ(a.identifier, "KSTO1055887203");
  EXPECT_EQ(a.sender, "KSTO@NWS.NOAA.GOV");
  EXPECT_EQ(a.sent, "2003-06-17T14:57:00-07:00");
  EXPECT_EQ(*ParseCapTime(a.sent), *ParseCapTime("2003-06-17T21:57:00+00:00"));
  EXPECT_EQ(a.msg_type, "Alert");
  ASSERT_EQ(a.infos.size(), 1u);
  EXPECT_EQ(a.infos[0].event, "SEVERE THUNDERSTORM");
  EXPECT_EQ(a.infos[0].severity, "Severe");
  ASSERT_EQ(a.infos[0].areas.size(), 1u);
  ASSERT_EQ(a.infos[0].areas[0].polygons.size(), 1u);
  const auto& ring = a.infos[0].areas[0].polygons[0];
  EXPECT_EQ(ring.size(), 5u);
  EXPECT_NEAR(ring[0].lat_deg, 38.47, 1e-9);
  EXPECT_NEAR(ring[0].lon_deg, -120.14, 1e-9);
  EXPECT_FALSE(a.signed_xml);
}

TEST(CapReadTest, SignatureAndEncoding) {
  EXPECT_TRUE(ReadCap(Read("google_cap_library/canada_signed.cap"), "canada_signed.cap", Strict()).signed_xml);
  const CapAlert q = ReadCap(Read("google_cap_library/earthquake-iso8859-1.cap"), "earthquake.cap", Strict());
  ASSERT_FALSE(q.infos.empty());
  EXPECT_NE(q.infos[0].headline.find("Usulut\xC3\xA1n"), std::string::npos) << q.infos[0].headline;  // á, now UTF-8
  const CapAlert au = ReadCap(Read("google_cap_library/australia.cap"), "australia.cap", Strict());  // cap: prefix
  EXPECT_FALSE(au.infos.empty());
}

std::string ReasonOf(const std::string& xml, const CapReadOptions& o) {
  try {
    ReadCap(xml, "msg", o);
  } catch (const ParseError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(CapReadTest, InvalidExamplesAreRefusedWithAReason) {
  EXPECT_NE(ReasonOf(Read("google_cap_library/invalid.cap"), Strict()).find("schema"), std::string::npos);
  EXPECT_NE(ReasonOf(Read("wis2box/tg/invalid_schema.xml"), Strict()).find("certainty"), std::string::npos);
  EXPECT_NE(ReasonOf(Read("wis2box/bf/invalid_schema.xml"), Strict()).find("severity"), std::string::npos);
  EXPECT_NE(ReasonOf(Read("wis2box/sc/invalid_schema.xml"), Strict()).find("alert"), std::string::npos);  // an XSD, not CAP
  // Passes the XSD, breaks CAP's rules: an Update with empty references.
  const std::string errs = ReasonOf(Read("google_cap_library/canada_errors.cap"), Strict());
  EXPECT_NE(errs.find("CAP 1.2 rules"), std::string::npos) << errs;
  CapReadOptions xsd_only = Strict();
  xsd_only.check_rules = false;
  EXPECT_EQ(ReasonOf(Read("google_cap_library/canada_errors.cap"), xsd_only), "accepted");
  EXPECT_NE(ReasonOf("<alert", Strict()).find("well-formed"), std::string::npos);
  EXPECT_NE(ReasonOf("", Strict()).find("well-formed"), std::string::npos);
}

TEST(CapReadTest, HostileXxeProbeIsRefusedBeforeAnyEntity) {
  const std::string xxe = Read("google_cap_library/hostile_xxe/xee.cap");
  const std::string r = ReasonOf(xxe, Strict());
  EXPECT_NE(r.find("DOCTYPE"), std::string::npos) << r;
  EXPECT_NE(r.find(":3:"), std::string::npos) << r;  // the line of the DOCTYPE
  // The same probe as UTF-16 hides "<!DOCTYPE" from a byte scan: libxml2 parses it with no network,
  // no entity loading, and the document is refused for having a DOCTYPE all the same.
  std::string utf16 = "\xFF\xFE";
  for (char c : xxe) utf16 += c, utf16 += '\0';
  const std::size_t decl = utf16.find(std::string("u\0t\0f\0-\0\x38\0", 10));
  ASSERT_NE(decl, std::string::npos);
  utf16.replace(decl, 10, std::string("U\0T\0F\0-\0\x31\0\x36\0", 12));
  const std::string r16 = ReasonOf(utf16, Strict());
  EXPECT_NE(r16.find("DOCTYPE"), std::string::npos) << r16;
  // An internal entity bomb is refused the same way.
  const std::string bomb = "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><alert>&b;</alert>";
  EXPECT_NE(ReasonOf(bomb, Strict()).find("DOCTYPE"), std::string::npos);
}

TEST(CapReadTest, SizeIsBounded) {
  CapReadOptions o = Strict();
  o.max_bytes = 100'000;
  const std::string big = Read("wis2box/bf/valid.xml");  // about 880 KB: one very large polygon
  ASSERT_GT(big.size(), 800'000u);
  EXPECT_NE(ReasonOf(big, o).find("at most 100000 bytes"), std::string::npos);
  EXPECT_EQ(ReasonOf(big, Strict()), "accepted");
}

CapAlert Minimal() {
  CapAlert a;
  a.identifier = "TF-1";
  a.sender = "taifeng.local";
  a.sent = "2018-09-16T08:00:00+08:00";
  a.status = "Exercise";
  a.msg_type = "Alert";
  a.scope = "Public";
  CapInfo i;
  i.language = "zh-CN";
  i.categories = {"Met"};
  i.event = "台风";
  i.urgency = "Immediate", i.severity = "Extreme", i.certainty = "Likely";
  i.onset = "2018-09-16T09:00:00+08:00";
  i.expires = "2018-09-16T21:00:00+08:00";
  i.headline = "珠海市台风红色预警信号 <&> \"quoted\"";
  i.parameters = {{"taifeng:signal", "red"}};
  CapArea area;
  area.area_desc = "珠海市";
  area.polygons = {{{22.0, 113.0}, {22.5, 113.0}, {22.5, 113.6}, {22.0, 113.0}}};
  area.geocodes = {{"GB/T 2260", "440400"}};
  i.areas = {area};
  a.infos = {i};
  return a;
}

TEST(CapWriteTest, WrittenMessagesValidateAndRoundTrip) {
  CapAlert a = Minimal();
  const std::string xml = WriteCap(a);
  EXPECT_EQ(test::Schema()->Validate(xml), std::nullopt) << xml;
  const CapAlert b = ReadCap(xml, "written", Strict());
  EXPECT_EQ(b.infos[0].headline, a.infos[0].headline);  // escaped and read back
  EXPECT_EQ(b.infos[0].areas[0].polygons[0].size(), 4u);
  EXPECT_EQ(b.infos[0].areas[0].geocodes[0].second, "440400");
  a.msg_type = "Update";
  a.references = {"taifeng.local,TF-0,2018-09-16T05:00:00+08:00"};
  EXPECT_EQ(test::Schema()->Validate(WriteCap(a)), std::nullopt);
  EXPECT_TRUE(CheckCapRules(a).empty());
}

TEST(CapWriteTest, RulesTheSchemaDoesNotCheck) {
  CapAlert a = Minimal();
  a.sent = "2018-09-16T00:00:00Z";
  EXPECT_FALSE(CheckCapRules(a).empty());
  a = Minimal();
  a.msg_type = "Cancel";
  EXPECT_FALSE(CheckCapRules(a).empty());  // no references
  a = Minimal();
  a.infos[0].areas[0].polygons[0].pop_back();  // not closed
  EXPECT_FALSE(CheckCapRules(a).empty());
  a = Minimal();
  a.identifier = "TF 1";
  EXPECT_FALSE(CheckCapRules(a).empty());
  a = Minimal();
  a.infos[0].expires = "2018-09-16T06:00:00+08:00";  // before onset
  EXPECT_FALSE(CheckCapRules(a).empty());
}

TEST(CapTimeTest, ExplicitOffsetNeverZ) {
  EXPECT_EQ(CapTime(1537056000, "+08:00"), "2018-09-16T08:00:00+08:00");
  EXPECT_EQ(CapTime(1537056000, "-07:00"), "2018-09-15T17:00:00-07:00");
  EXPECT_EQ(*ParseCapTime("2018-09-16T08:00:00+08:00"), 1537056000);
  EXPECT_EQ(*ParseCapTime("2018-09-15T17:00:00-07:00"), 1537056000);
  EXPECT_FALSE(ParseCapTime("2018-09-16T00:00:00Z"));
  EXPECT_FALSE(ParseCapTime("2018-02-30T00:00:00+08:00"));
}

TEST(CapPolygonTest, EveryBundledRegionFitsTheBudget) {
  const auto regions = test::DefaultRegions();
  for (std::size_t i = 0; i < regions->size(); ++i) {
    SCOPED_TRACE(regions->region(i).code);
    const auto rings = CapPolygons(*regions, i, 100);
    ASSERT_FALSE(rings.empty());
    std::size_t total = 0;
    for (const auto& r : rings) {
      total += r.size();
      ASSERT_GE(r.size(), 4u);
      EXPECT_EQ(r.front().lat_deg, r.back().lat_deg);
      EXPECT_EQ(r.front().lon_deg, r.back().lon_deg);
    }
    EXPECT_LE(total, 100u);
    // The simplified outline still covers the region: its area is within 15% of the region's.
    double area_km2 = 0;
    for (const auto& r : rings) {
      double s = 0;
      for (std::size_t k = 0; k + 1 < r.size(); ++k) s += r[k].lon_deg * r[k + 1].lat_deg - r[k + 1].lon_deg * r[k].lat_deg;
      area_km2 += std::abs(s) / 2 * 111.32 * 110.57 * std::cos(r[0].lat_deg * M_PI / 180);
    }
    EXPECT_NEAR(area_km2 / regions->region(i).area_km2, 1.0, 0.15);
  }
}

}  // namespace
}  // namespace taifeng::warnings
