#include "taifeng/feed/keys.h"

#include <sys/stat.h>
#include <zmq.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <sstream>

#include "taifeng/base/time_utc.h"
#include "taifeng/base/env.h"
#include "taifeng/base/error.h"

namespace taifeng::feed {
namespace {

bool ValidName(const std::string& n) {
  return !n.empty() && n.size() <= 64 && std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

bool ValidZ85Key(const std::string& k) {
  if (k.size() != 40) return false;
  unsigned char raw[32];
  return zmq_z85_decode(raw, k.c_str()) != nullptr;
}

std::string Text(const Certificate& c, bool secret) {
  std::ostringstream o;
  o << "#   ****  Generated on " << taifeng::FormatIsoUtc(Env::Default().NowUtc()) << " by taifeng keys generate  ****\n"
    << "#   ZeroMQ CURVE " << (secret ? "**Secret**" : "Public") << " Certificate\n"
    << (secret ? "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.\n"
               : "#   Exchange securely, or use a secure mechanism to verify the contents\n#   of this file after exchange.\n")
    << "\nmetadata\n    name = \"" << c.name << "\"\ncurve\n    public-key = \"" << c.public_key << "\"\n";
  if (secret) o << "    secret-key = \"" << c.secret_key << "\"\n";
  return o.str();
}

}  // namespace

Certificate GenerateCertificate(const std::string& name) {
  if (!ValidName(name)) throw Error(ErrorCode::kUsage, "key name \"" + name + "\": 1-64 characters of A-Z a-z 0-9 _ . -");
  if (!zmq_has("curve")) throw Error(ErrorCode::kInternal, "this libzmq has no CURVE support");
  char pub[41], sec[41];
  if (zmq_curve_keypair(pub, sec) != 0) throw Error(ErrorCode::kInternal, "zmq_curve_keypair failed");
  return {name, pub, sec};
}

void WriteCertificate(const std::filesystem::path& dir, const Certificate& c) {
  if (!ValidName(c.name)) throw Error(ErrorCode::kUsage, "key name \"" + c.name + "\": 1-64 characters of A-Z a-z 0-9 _ . -");
  CreatePrivateDirectories(dir);
  const auto pub = dir / (c.name + ".key"), sec = dir / (c.name + ".key_secret");
  const bool with_secret = !c.secret_key.empty();
  for (const auto& p : {pub, sec})
    if ((with_secret || p == pub) && std::filesystem::exists(p)) throw Error(ErrorCode::kRefused, p.string() + " exists: a key is never overwritten");
  if (with_secret) WriteFileAtomically(sec, Text(c, true), 0600);
  WriteFileAtomically(pub, Text(c, false), 0644);
}

Certificate ReadCertificate(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error(ErrorCode::kNotFound, file.string() + ": no such certificate");
  Certificate c;
  std::string line, section;
  std::int64_t n = 0;
  const std::string where = file.string();
  while (std::getline(in, line)) {
    ++n;
    if (n > 200 || line.size() > 1000) throw ParseError(where, n, "file", "a ZeroMQ certificate (short text)");
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const std::string body = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
    if (first == 0) {
      section = body;
      continue;
    }
    const auto eq = body.find('=');
    if (eq == std::string::npos) throw ParseError(where, n, section, "key = \"value\"");
    std::string key = body.substr(0, eq), value = body.substr(eq + 1);
    key.erase(key.find_last_not_of(" \t") + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (section == "metadata" && key == "name") c.name = value;
    if (section == "curve" && key == "public-key") {
      if (!ValidZ85Key(value)) throw ParseError(where, n, "public-key", "40 Z85 characters");
      c.public_key = value;
    }
    if (section == "curve" && key == "secret-key") {
      if (!ValidZ85Key(value)) throw ParseError(where, n, "secret-key", "40 Z85 characters");
      c.secret_key = value;
    }
  }
  if (c.public_key.empty()) throw ParseError(where, 0, "public-key", "a curve section with public-key");
  if (c.name.empty()) c.name = file.stem().string();
  return c;
}

std::map<std::string, std::string> ReadKeyDirectory(const std::filesystem::path& dir) {
  std::map<std::string, std::string> keys;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) throw Error(ErrorCode::kNotFound, dir.string() + ": no such key directory");
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".key") continue;
    const Certificate c = ReadCertificate(e.path());
    const std::string name = e.path().stem().string();
    if (const auto it = keys.find(c.public_key); it != keys.end())
      throw Error(ErrorCode::kInvalidArgument, dir.string() + ": " + name + " and " + it->second + " hold the same public key");
    keys[c.public_key] = name;
  }
  return keys;
}

}  // namespace taifeng::feed
