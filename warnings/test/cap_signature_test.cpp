#include "taifeng/warnings/cap_signature.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "taifeng/base/error.h"
#include "taifeng/warnings/cap.h"

namespace taifeng::warnings {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Keys made by openssl (as the header documents), in a private directory.
class CapSignatureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("taifeng-capsig-" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    const std::string d = dir_->string();
    ASSERT_EQ(std::system(("umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + d +
                           "/ec.pem 2>/dev/null && openssl pkey -in " + d + "/ec.pem -pubout -out " + d + "/ec.pub.pem && " +
                           "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out " + d + "/rsa.pem 2>/dev/null && " +
                           "openssl pkey -in " + d + "/rsa.pem -pubout -out " + d + "/rsa.pub.pem && " +
                           "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + d + "/other.pem 2>/dev/null && " +
                           "openssl pkey -in " + d + "/other.pem -pubout -out " + d + "/other.pub.pem")
                              .c_str()),
              0);
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  static std::string Example() {
    return Slurp(fs::path(TAIFENG_SAMPLES_DIR) / "cap" / "examples" / "oasis_spec" / "cap_amber_alert_example.xml");
  }
  static fs::path* dir_;
};
fs::path* CapSignatureTest::dir_ = nullptr;

TEST_F(CapSignatureTest, SignedMessagesVerifyWithXmlsec1AndWithTheTrustedKey) {
  for (const char* key : {"ec", "rsa"}) {
    SCOPED_TRACE(key);
    const auto signer = CapSigner::Load(*dir_ / (std::string(key) + ".pem"), "taifeng-test");
    const std::string signed_xml = signer->Sign(Example());
    EXPECT_NE(signed_xml.find("<ds:Signature"), std::string::npos);
    EXPECT_NE(signed_xml.find("<ds:KeyName>taifeng-test</ds:KeyName>"), std::string::npos);
    // The signed message still reads as CAP 1.2 (the schema allows ds:Signature last in <alert>).
    const auto schema = CapSchema::Load(fs::path(TAIFENG_SAMPLES_DIR) / "cap" / "schema" / "CAP-v1.2.xsd");
    CapReadOptions o;
    o.schema = schema.get();
    o.check_rules = false;
    EXPECT_TRUE(ReadCap(signed_xml, "signed", o).signed_xml);
    // The reference tool agrees.
    const fs::path file = *dir_ / (std::string(key) + "-signed.xml");
    std::ofstream(file, std::ios::binary) << signed_xml;
    EXPECT_EQ(std::system(("xmlsec1 --verify --pubkey-pem " + (*dir_ / (std::string(key) + ".pub.pem")).string() + " " + file.string() +
                           " >/dev/null 2>&1")
                              .c_str()),
              0);
    EXPECT_EQ(CapTrust::Load(*dir_ / (std::string(key) + ".pub.pem"))->Problem(signed_xml, "signed"), "");
  }
}

TEST_F(CapSignatureTest, ChangedUnsignedOrForeignMessagesAreRefused) {
  const auto signer = CapSigner::Load(*dir_ / "ec.pem", "taifeng-test");
  const auto trust = CapTrust::Load(*dir_ / "ec.pub.pem");
  const std::string signed_xml = signer->Sign(Example());
  // One character of the message changed after signing.
  std::string changed = signed_xml;
  const auto at = changed.find("<identifier>") + 12;
  changed[at] = changed[at] == 'X' ? 'Y' : 'X';
  EXPECT_NE(trust->Problem(changed, "changed").find("does not verify"), std::string::npos);
  const fs::path file = *dir_ / "changed.xml";
  std::ofstream(file, std::ios::binary) << changed;
  EXPECT_NE(std::system(("xmlsec1 --verify --pubkey-pem " + (*dir_ / "ec.pub.pem").string() + " " + file.string() + " >/dev/null 2>&1").c_str()), 0);
  EXPECT_NE(trust->Problem(Example(), "unsigned").find("no XML signature"), std::string::npos);
  const std::string foreign = CapSigner::Load(*dir_ / "other.pem", "someone-else")->Sign(Example());
  EXPECT_NE(trust->Problem(foreign, "foreign").find("does not verify"), std::string::npos);
  // The reader refuses what the trusted key does not verify, and keeps what it does.
  CapReadOptions o;
  o.check_rules = false;
  o.trusted = trust.get();
  EXPECT_TRUE(ReadCap(signed_xml, "signed", o).signature_verified);
  try {
    ReadCap(foreign, "foreign.xml", o);
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("foreign.xml"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("signature"), std::string::npos) << e.what();
  }
  // A hostile document (a DOCTYPE with entities) is refused before any signature work.
  EXPECT_THROW(trust->Problem("<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><alert>&x;</alert>", "xxe"), ParseError);
}

TEST_F(CapSignatureTest, KeysReadableByOthersOrNotKeysAreRefused) {
  const fs::path open = *dir_ / "open.pem";
  fs::copy_file(*dir_ / "ec.pem", open, fs::copy_options::overwrite_existing);
  ::chmod(open.c_str(), 0644);
  try {
    CapSigner::Load(open, "x");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kRefused);
  }
  const fs::path junk = *dir_ / "junk.pem";
  std::ofstream(junk) << "not a key\n";
  ::chmod(junk.c_str(), 0600);
  EXPECT_THROW(CapSigner::Load(junk, "x"), ParseError);
  EXPECT_THROW(CapTrust::Load(junk), ParseError);
  EXPECT_THROW(CapTrust::Load(*dir_ / "missing.pem"), Error);
}

}  // namespace
}  // namespace taifeng::warnings
