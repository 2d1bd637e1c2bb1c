// The service link over the feed's control endpoint (built with TAIFENG_WITH_FEED=ON).
#include "service_link.h"

#include <cstdlib>

#include "taifeng/base/error.h"
#include "taifeng/feed/client.h"
#include "taifeng/feed/keys.h"
#include "taifeng/feed/service_file.h"

namespace taifeng::cli {
namespace {

// The operator's secret certificate: --key FILE, else $TAIFENG_OPERATOR_KEY, else
// KEYS/<operator>.key_secret.
feed::Certificate OperatorCertificate(const DeskArgs& a) {
  std::filesystem::path file;
  if (!a.key.empty()) file = a.key;
  else if (const char* e = std::getenv("TAIFENG_OPERATOR_KEY"); e && *e) file = e;
  else file = KeyDirectory("") / (OperatorName(a.operator_name) + ".key_secret");
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    throw Error(ErrorCode::kNotFound, "a Taifeng service runs and takes commands only from operator keys, and " + file.string() +
                                          " does not exist: give --key FILE, or create one with taifeng keys generate NAME --role operator");
  feed::Certificate c = feed::ReadCertificate(file);
  if (c.secret_key.empty()) throw Error(ErrorCode::kInvalidArgument, file.string() + ": a public certificate; the secret one is NAME.key_secret");
  return c;
}

class ControlLink final : public ServiceLink {
 public:
  ControlLink(const feed::ServiceFile& service, const feed::Certificate& key, int timeout_ms)
      : description_("(pid " + std::to_string(service.pid) + ", " + service.control + ") as " + key.name),
        client_(feed::ControlClient::Connect(service.control, service.public_key, key, timeout_ms)) {}
  std::string Describe() const override { return description_; }
  std::string Request(const std::string& verb, const std::string& body_json) override { return client_->Request(verb, body_json); }

 private:
  std::string description_;
  std::unique_ptr<feed::ControlClient> client_;
};

}  // namespace

std::unique_ptr<ServiceLink> ServiceLink::Find(const DeskArgs& d) {
  const auto service = feed::RunningService(JournalFile(d.journal).parent_path());
  if (!service) return nullptr;
  return std::make_unique<ControlLink>(*service, OperatorCertificate(d), d.timeout_s * 1000);
}

std::string WriteCurveKeys(const std::filesystem::path& dir, const std::string& name, const std::string& role) {
  const feed::Certificate c = feed::GenerateCertificate(name);
  feed::WriteCertificate(dir, c);
  if (!role.empty()) {
    feed::Certificate public_only = c;
    public_only.secret_key.clear();
    feed::WriteCertificate(dir / (role + "s"), public_only);
  }
  return c.public_key;
}

}  // namespace taifeng::cli
