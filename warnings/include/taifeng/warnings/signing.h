// Ed25519 signing keys of the journal's writers (libsodium's crypto_sign): the service signs the
// records it writes, an operator signs the records written without a service. A signature is
// over the record's hash, which covers every field and the previous record's hash, so a record
// cannot be altered, forged or re-chained without a trusted secret key.
//
// Files (text, one "key = \"value\"" per line, '#' comments):
//   DIR/NAME.sign          name, ed25519-public (64 hex digits): give it to whoever audits
//   DIR/NAME.sign_secret   the same plus ed25519-seed (64 hex digits), created 0600 with
//                          O_EXCL | O_NOFOLLOW (never readable by others, whatever the umask)
// Trust is a set of public keys read from files the auditor keeps apart from the journal (the key
// directory): a record signed by a key outside it fails the audit.
// Thread safety: values and reentrant functions. A SigningKey wipes its secret when destroyed.
#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace taifeng::warnings {

class SigningKey {
 public:
  // A new key pair. Name: [A-Za-z0-9_.-], 1-64 characters (Error(kUsage) otherwise).
  static SigningKey Generate(const std::string& name);
  // Reads DIR/NAME.sign_secret. Throws Error(kNotFound) when missing, ParseError naming the file
  // and line on a bad file or a seed that does not give the recorded public key, Error(kRefused)
  // when the file is readable by others.
  static SigningKey Read(const std::filesystem::path& secret_file);
  SigningKey(const SigningKey&);
  SigningKey& operator=(const SigningKey&) = delete;
  ~SigningKey();

  const std::string& name() const { return name_; }
  const std::string& public_hex() const { return public_hex_; }
  // Ed25519 signature (128 hex digits) of "taifeng-journal-sig-v1\n" + hash_hex.
  std::string SignHash(const std::string& hash_hex) const;
  // Writes DIR/NAME.sign and, when `with_secret`, DIR/NAME.sign_secret; DIR and missing parents
  // are created 0700. Refuses (Error(kRefused)) to overwrite either file.
  void Write(const std::filesystem::path& dir, bool with_secret) const;

 private:
  SigningKey() = default;
  std::string name_, public_hex_;
  std::array<unsigned char, 64> secret_{};  // libsodium's secret key (seed + public key)
};

// True when `sig_hex` is `public_hex`'s valid signature of the record hash `hash_hex`.
bool VerifyHashSignature(const std::string& public_hex, const std::string& hash_hex, const std::string& sig_hex);

// Public key (hex) -> the key's name.
using TrustedSigners = std::map<std::string, std::string>;

// The public signing keys (*.sign) of each directory (not recursive) or file; a directory that
// does not exist gives none. Throws ParseError on a bad file.
TrustedSigners ReadTrustedSigners(const std::vector<std::filesystem::path>& dirs_or_files);

}  // namespace taifeng::warnings
