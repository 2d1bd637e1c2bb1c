#include "taifeng/warnings/cap_signature.h"

#include <sys/stat.h>

#include <libxml/tree.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include "cap_xml.h"
#include "taifeng/base/error.h"
#include "taifeng/base/read_file.h"

namespace taifeng::warnings {
namespace {

void InitXmlsec() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] {
    xmlSecErrorsDefaultCallbackEnableOutput(0);
    ok = xmlSecInit() >= 0 && xmlSecCheckVersion() == 1 && xmlSecCryptoAppInit(nullptr) >= 0 && xmlSecCryptoInit() >= 0;
  });
  if (!ok) throw Error(ErrorCode::kInternal, "libxmlsec1 (OpenSSL) failed to initialise");
}

struct CtxDeleter {
  void operator()(xmlSecDSigCtx* c) const { xmlSecDSigCtxDestroy(c); }
};
using CtxPtr = std::unique_ptr<xmlSecDSigCtx, CtxDeleter>;

xmlSecKeyPtr KeyFromPem(const std::string& pem, xmlSecKeyDataFormat format) {
  return xmlSecCryptoAppKeyLoadMemory(reinterpret_cast<const xmlSecByte*>(pem.data()), static_cast<xmlSecSize>(pem.size()), format,
                                      nullptr, nullptr, nullptr);
}

xmlNode* RootAlert(xmlDoc* doc, const std::string& source) {
  xmlNode* root = xmlDocGetRootElement(doc);
  if (!root || !root->name || std::string(reinterpret_cast<const char*>(root->name)) != "alert")
    throw ParseError(source, root ? root->line : 0, "alert", "a CAP <alert>");
  return root;
}

}  // namespace

std::shared_ptr<const CapSigner> CapSigner::Load(const std::filesystem::path& key, std::string key_name) {
  struct stat st {};
  if (::stat(key.c_str(), &st) != 0) throw Error(ErrorCode::kNotFound, key.string() + ": no such key file");
  if (st.st_mode & (S_IRWXG | S_IRWXO))
    throw Error(ErrorCode::kRefused, key.string() + ": the CAP signing key is readable by others (chmod 600 it)");
  InitXmlsec();
  std::string pem = ReadWholeFile(key, 1 << 20);
  xmlSecKeyPtr k = KeyFromPem(pem, xmlSecKeyDataFormatPem);
  if (k == nullptr) throw ParseError(key.filename().string(), 0, "key", "a PEM private key (RSA or EC)");
  xmlSecKeyDestroy(k);
  return std::shared_ptr<const CapSigner>(new CapSigner(std::move(pem), std::move(key_name)));
}

std::string CapSigner::Sign(std::string_view cap_xml) const {
  InitXmlsec();
  detail::DocPtr doc = detail::SafeParse(cap_xml, "CAP message to sign", 64 << 20);
  xmlNode* root = RootAlert(doc.get(), "CAP message to sign");
  xmlSecKeyPtr key = KeyFromPem(pem_, xmlSecKeyDataFormatPem);
  if (key == nullptr) throw Error(ErrorCode::kInternal, "CAP signing key failed to load");
  const bool ec = xmlSecKeyGetValue(key) != nullptr && xmlSecKeyDataCheckId(xmlSecKeyGetValue(key), xmlSecKeyDataEcdsaId);
  xmlSecKeySetName(key, reinterpret_cast<const xmlChar*>(key_name_.c_str()));
  CtxPtr ctx(xmlSecDSigCtxCreate(nullptr));
  if (!ctx) {
    xmlSecKeyDestroy(key);
    throw Error(ErrorCode::kInternal, "xmlSecDSigCtxCreate failed");
  }
  ctx->signKey = key;  // owned by the context from here
  xmlNode* sig = xmlSecTmplSignatureCreateNsPref(doc.get(), xmlSecTransformExclC14NId,
                                                 ec ? xmlSecTransformEcdsaSha256Id : xmlSecTransformRsaSha256Id, nullptr,
                                                 reinterpret_cast<const xmlChar*>("ds"));
  if (sig == nullptr || xmlAddChild(root, sig) == nullptr) throw Error(ErrorCode::kInternal, "XML signature template failed");
  xmlNode* ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, nullptr, reinterpret_cast<const xmlChar*>(""), nullptr);
  xmlNode* info = xmlSecTmplSignatureEnsureKeyInfo(sig, nullptr);
  if (ref == nullptr || xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) == nullptr || info == nullptr ||
      xmlSecTmplKeyInfoAddKeyName(info, nullptr) == nullptr)
    throw Error(ErrorCode::kInternal, "XML signature template failed");
  if (xmlSecDSigCtxSign(ctx.get(), sig) < 0) throw Error(ErrorCode::kInternal, "signing the CAP message failed");
  xmlChar* out = nullptr;
  int size = 0;
  xmlDocDumpMemoryEnc(doc.get(), &out, &size, "UTF-8");
  std::string text(reinterpret_cast<const char*>(out), static_cast<std::size_t>(size));
  xmlFree(out);
  return text;
}

std::shared_ptr<const CapTrust> CapTrust::Load(const std::filesystem::path& public_key_pem) {
  InitXmlsec();
  std::string pem = ReadWholeFile(public_key_pem, 1 << 20);
  const bool certificate = pem.find("BEGIN CERTIFICATE") != std::string::npos;
  xmlSecKeyPtr k = KeyFromPem(pem, certificate ? xmlSecKeyDataFormatCertPem : xmlSecKeyDataFormatPem);
  if (k == nullptr) throw ParseError(public_key_pem.filename().string(), 0, "key", "a PEM public key or X.509 certificate");
  xmlSecKeyDestroy(k);
  return std::shared_ptr<const CapTrust>(new CapTrust(std::move(pem), certificate));
}

std::string CapTrust::Problem(std::string_view cap_xml, const std::string& source) const {
  InitXmlsec();
  detail::DocPtr doc = detail::SafeParse(cap_xml, source, 64 << 20);
  xmlNode* root = RootAlert(doc.get(), source);
  xmlNode* sig = xmlSecFindChild(root, xmlSecNodeSignature, xmlSecDSigNs);
  if (sig == nullptr) return "no XML signature (a trusted key is configured: unsigned messages are refused)";
  if (xmlSecFindSibling(sig->next, xmlSecNodeSignature, xmlSecDSigNs) != nullptr) return "more than one XML signature";
  CtxPtr ctx(xmlSecDSigCtxCreate(nullptr));
  if (!ctx) throw Error(ErrorCode::kInternal, "xmlSecDSigCtxCreate failed");
  ctx->signKey = KeyFromPem(pem_, certificate_ ? xmlSecKeyDataFormatCertPem : xmlSecKeyDataFormatPem);
  ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;  // the whole message only: no external or same-document fragments
  if (ctx->signKey == nullptr) throw Error(ErrorCode::kInternal, "trusted CAP key failed to load");
  if (xmlSecDSigCtxVerify(ctx.get(), sig) < 0) return "XML signature cannot be processed";
  if (ctx->status != xmlSecDSigStatusSucceeded) return "XML signature does not verify: the message was changed or signed by another key";
  return "";
}

}  // namespace taifeng::warnings
