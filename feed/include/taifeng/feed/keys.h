// CURVE keys for the warning feed: ZeroMQ certificate files (the format of CZMQ's zcert, so
// `zcert`-based and pyzmq tools read them) and key directories.
//
// A certificate NAME is two files: NAME.key (public: "metadata" with name, "curve" with
// public-key) and NAME.key_secret (the same plus secret-key, mode 0600). Keys are Z85 text, 40
// characters. A key directory is a folder of *.key public certificates: the service accepts a
// peer whose public key is in its operator or gateway directory, and names it by the file's name.
// Thread safety: values and reentrant functions.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace taifeng::feed {

struct Certificate {
  std::string name;
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;  // Z85, 40 characters; "" for a public certificate
};

// A new CURVE key pair (libzmq's zmq_curve_keypair). Throws Error(kInternal) when libzmq has no
// CURVE support.
Certificate GenerateCertificate(const std::string& name);

// Writes DIR/NAME.key and DIR/NAME.key_secret (created 0600: never readable by others, whatever
// the umask; DIR and missing parents are created 0700), or only DIR/NAME.key for a certificate
// without its secret key (admitting a key to a service's key directory); refuses (Error(kRefused)) to overwrite an
// existing certificate and names it. Name: [A-Za-z0-9_.-], 1-64 characters.
void WriteCertificate(const std::filesystem::path& dir, const Certificate& cert);

// Reads a public or secret certificate. Throws ParseError naming the file and line on a bad file.
Certificate ReadCertificate(const std::filesystem::path& file);

// The public certificates (*.key) of a directory: public key -> name. Throws ParseError on a bad
// certificate and Error(kInvalidArgument) when two files hold the same key.
std::map<std::string, std::string> ReadKeyDirectory(const std::filesystem::path& dir);

}  // namespace taifeng::feed
