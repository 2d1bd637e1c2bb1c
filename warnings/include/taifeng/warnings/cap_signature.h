// XML Signature (W3C XML-DSig 1.0) of whole CAP 1.2 messages, as the CAP 1.2 standard provides
// (an enveloped <ds:Signature> as the last child of <alert>), made and checked with libxmlsec1
// (OpenSSL): exclusive canonicalisation, SHA-256 digest, RSA-SHA256 or ECDSA-SHA256 by the key's
// type. The whole message is signed (Reference URI=""), so no element can be added, removed or
// changed after signing. The signer's key name goes in <ds:KeyInfo><ds:KeyName>; verification
// uses only the trusted public key it is given, never a key or certificate carried in the message.
// `xmlsec1 --verify --pubkey-pem KEY.pub message.xml` verifies what CapSigner makes.
//
// Keys are PEM files: a private key (PKCS#8 or traditional; `openssl genpkey -algorithm EC
// -pkeyopt ec_paramgen_curve:P-256 -out cap-signing.pem`) that must not be readable by group or
// others, and its public key (`openssl pkey -in cap-signing.pem -pubout -out cap-signing.pub.pem`).
// Thread safety: both classes are immutable after Load; Sign and Verify may run on any thread.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace taifeng::warnings {

class CapSigner {
 public:
  // Throws Error(kNotFound), Error(kRefused) when the key file is readable by group or others, or
  // ParseError naming the file when it is not a PEM private key libxmlsec1 can use.
  static std::shared_ptr<const CapSigner> Load(const std::filesystem::path& private_key_pem, std::string key_name);
  // The message with its signature appended (the rest byte for byte as given, re-serialised by
  // libxml2). Throws ParseError when `cap_xml` is not a well-formed CAP <alert> (parsed as safely
  // as ReadCap), Error(kInternal) when signing fails.
  std::string Sign(std::string_view cap_xml) const;
  const std::string& key_name() const { return key_name_; }

 private:
  CapSigner(std::string pem, std::string key_name) : pem_(std::move(pem)), key_name_(std::move(key_name)) {}
  std::string pem_, key_name_;
};

class CapTrust {
 public:
  // A PEM public key (or an X.509 certificate in PEM) trusted to sign CAP messages. Throws
  // Error(kNotFound) or ParseError naming the file.
  static std::shared_ptr<const CapTrust> Load(const std::filesystem::path& public_key_pem);
  // Empty when `cap_xml` carries exactly one enveloped signature over the whole message that the
  // trusted key verifies; otherwise what is wrong ("no signature", "signature does not verify: the
  // message was changed or signed by another key"). Parses as safely as ReadCap.
  std::string Problem(std::string_view cap_xml, const std::string& source_name) const;

 private:
  explicit CapTrust(std::string pem, bool certificate) : pem_(std::move(pem)), certificate_(certificate) {}
  std::string pem_;
  bool certificate_ = false;
};

}  // namespace taifeng::warnings
