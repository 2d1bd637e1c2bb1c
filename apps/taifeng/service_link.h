// The operator's link to the feed service running on a journal (`taifeng serve`).
// Built with the warning feed (TAIFENG_WITH_FEED=ON): service_link.cpp, through the service's
// CURVE-authenticated control endpoint. Without it: no_feed.cpp, where no link can exist, so a
// service found running on the journal is an error (the CLI never writes a journal a service owns).
// Thread safety: one link per command; not shared.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "desk_args.h"

namespace taifeng::cli {

class ServiceLink {
 public:
  virtual ~ServiceLink() = default;
  // The link to the service running on `d`'s journal, or null when none runs. Throws Error when one
  // runs and cannot be used: kNotFound (no operator key, saying how to make one), kUsage (a build
  // without the feed).
  static std::unique_ptr<ServiceLink> Find(const DeskArgs& d);
  // For the operator: "(pid 123, tcp://127.0.0.1:5557) as duty".
  virtual std::string Describe() const = 0;
  // One control request (PREVIEW, COMMIT) with its JSON body; returns the reply's JSON body. Throws
  // the service's Error on a refusal, Error(kIo) when no answer comes in time.
  virtual std::string Request(const std::string& verb, const std::string& body_json) = 0;
};

// The CURVE pair of a feed identity: writes DIR/NAME.key and DIR/NAME.key_secret (0600) and, with
// a role ("operator", "gateway"), DIR/<role>s/NAME.key; returns the public key (Z85). A build
// without the feed writes nothing and returns "".
std::string WriteCurveKeys(const std::filesystem::path& dir, const std::string& name, const std::string& role);

}  // namespace taifeng::cli
