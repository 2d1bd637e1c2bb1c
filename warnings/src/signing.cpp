#include "taifeng/warnings/signing.h"

#include <sodium.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <optional>

#include "taifeng/base/env.h"
#include "taifeng/base/error.h"
#include "taifeng/base/time_utc.h"

namespace taifeng::warnings {
namespace {

const char kContext[] = "taifeng-journal-sig-v1\n";

void InitSodium() {
  if (sodium_init() < 0) throw Error(ErrorCode::kInternal, "libsodium failed to initialise");
}

bool ValidName(const std::string& n) {
  return !n.empty() && n.size() <= 64 && std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

std::string ToHex(const unsigned char* p, std::size_t n) {
  std::string s(2 * n + 1, '\0');
  sodium_bin2hex(s.data(), s.size(), p, n);
  s.pop_back();
  return s;
}

// Exactly n bytes from 2n hex digits, or nothing.
std::optional<std::string> FromHex(const std::string& hex, std::size_t n) {
  if (hex.size() != 2 * n) return std::nullopt;
  std::string out(n, '\0');
  std::size_t len = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), n, hex.data(), hex.size(), nullptr, &len, nullptr) != 0 || len != n)
    return std::nullopt;
  return out;
}

struct KeyFile {
  std::string name, public_hex, seed_hex;
};

// Reads the key = "value" lines of a .sign or .sign_secret file.
KeyFile ParseKeyFile(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error(ErrorCode::kNotFound, file.string() + ": no such signing key");
  KeyFile k;
  std::string line;
  std::int64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (n > 100 || line.size() > 500) throw ParseError(file.string(), n, "file", "a Taifeng signing key (short text)");
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) throw ParseError(file.string(), n, "line", "key = \"value\"");
    std::string key = line.substr(first, eq - first), value = line.substr(eq + 1);
    key.erase(key.find_last_not_of(" \t") + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t\r") + 1);
    if (value.size() < 2 || value.front() != '"' || value.back() != '"') throw ParseError(file.string(), n, key, "a quoted value");
    value = value.substr(1, value.size() - 2);
    if (key == "name") k.name = value;
    if (key == "ed25519-public") {
      if (!FromHex(value, crypto_sign_PUBLICKEYBYTES)) throw ParseError(file.string(), n, key, "64 hex digits");
      k.public_hex = value;
    }
    if (key == "ed25519-seed") {
      if (!FromHex(value, crypto_sign_SEEDBYTES)) throw ParseError(file.string(), n, key, "64 hex digits");
      k.seed_hex = value;
    }
  }
  if (k.public_hex.empty()) throw ParseError(file.string(), 0, "ed25519-public", "a public key line");
  if (k.name.empty()) k.name = file.stem().string();
  return k;
}

std::string KeyText(const std::string& name, const std::string& public_hex, const std::string& seed_hex) {
  std::string t = "# Taifeng journal signing key (Ed25519), " + std::string(seed_hex.empty() ? "public" : "**SECRET**: keep it on this machine") +
                  "\n# written by taifeng keys generate on " + FormatIsoUtc(Env::Default().NowUtc()) + "\nname = \"" + name +
                  "\"\ned25519-public = \"" + public_hex + "\"\n";
  if (!seed_hex.empty()) t += "ed25519-seed = \"" + seed_hex + "\"\n";
  return t;
}

}  // namespace

SigningKey::SigningKey(const SigningKey& o) : name_(o.name_), public_hex_(o.public_hex_), secret_(o.secret_) {}

SigningKey::~SigningKey() { sodium_memzero(secret_.data(), secret_.size()); }

SigningKey SigningKey::Generate(const std::string& name) {
  InitSodium();
  if (!ValidName(name)) throw Error(ErrorCode::kUsage, "key name \"" + name + "\": 1-64 characters of A-Z a-z 0-9 _ . -");
  SigningKey k;
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_keypair(pk, k.secret_.data());
  k.name_ = name;
  k.public_hex_ = ToHex(pk, sizeof pk);
  return k;
}

SigningKey SigningKey::Read(const std::filesystem::path& file) {
  InitSodium();
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    throw Error(ErrorCode::kRefused, file.string() + ": a secret key readable by others is not used (chmod 600 it, or make a new one)");
  const KeyFile f = ParseKeyFile(file);
  if (f.seed_hex.empty()) throw ParseError(file.string(), 0, "ed25519-seed", "a secret key file (NAME.sign_secret)");
  SigningKey k;
  std::string seed = *FromHex(f.seed_hex, crypto_sign_SEEDBYTES);
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_seed_keypair(pk, k.secret_.data(), reinterpret_cast<const unsigned char*>(seed.data()));
  sodium_memzero(seed.data(), seed.size());
  k.name_ = f.name;
  k.public_hex_ = ToHex(pk, sizeof pk);
  if (k.public_hex_ != f.public_hex) throw ParseError(file.string(), 0, "ed25519-seed", "the seed of the recorded ed25519-public key");
  return k;
}

std::string SigningKey::SignHash(const std::string& hash_hex) const {
  const std::string m = kContext + hash_hex;
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(m.data()), m.size(), secret_.data());
  return ToHex(sig, sizeof sig);
}

void SigningKey::Write(const std::filesystem::path& dir, bool with_secret) const {
  CreatePrivateDirectories(dir);
  const auto pub = dir / (name_ + ".sign"), sec = dir / (name_ + ".sign_secret");
  for (const auto& p : {pub, sec})
    if ((with_secret || p == pub) && std::filesystem::exists(std::filesystem::symlink_status(p)))
      throw Error(ErrorCode::kRefused, p.string() + " exists: a key is never overwritten");
  if (with_secret) {
    std::string seed_hex = ToHex(secret_.data(), crypto_sign_SEEDBYTES);
    std::string text = KeyText(name_, public_hex_, seed_hex);
    WriteFileAtomically(sec, text, 0600);
    sodium_memzero(seed_hex.data(), seed_hex.size());
    sodium_memzero(text.data(), text.size());
  }
  WriteFileAtomically(pub, KeyText(name_, public_hex_, ""), 0644);
}

bool VerifyHashSignature(const std::string& public_hex, const std::string& hash_hex, const std::string& sig_hex) {
  InitSodium();
  const auto pk = FromHex(public_hex, crypto_sign_PUBLICKEYBYTES);
  const auto sig = FromHex(sig_hex, crypto_sign_BYTES);
  if (!pk || !sig) return false;
  const std::string m = kContext + hash_hex;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig->data()), reinterpret_cast<const unsigned char*>(m.data()),
                                     m.size(), reinterpret_cast<const unsigned char*>(pk->data())) == 0;
}

TrustedSigners ReadTrustedSigners(const std::vector<std::filesystem::path>& dirs_or_files) {
  TrustedSigners t;
  for (const auto& p : dirs_or_files) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec)) {
      const KeyFile k = ParseKeyFile(p);
      t[k.public_hex] = k.name;
      continue;
    }
    if (!std::filesystem::is_directory(p, ec)) continue;
    for (const auto& e : std::filesystem::directory_iterator(p, ec)) {
      if (e.path().extension() != ".sign" || !e.is_regular_file(ec)) continue;
      const KeyFile k = ParseKeyFile(e.path());
      t[k.public_hex] = k.name;
    }
  }
  return t;
}

}  // namespace taifeng::warnings
