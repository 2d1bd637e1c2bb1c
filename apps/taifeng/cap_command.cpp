// taifeng cap check: read CAP 1.2 messages as an incoming reader does (bounded size, no DOCTYPE or
// entities, the OASIS schema, CAP's textual rules) and, with a trusted key, verify their XML
// signature, refusing unsigned, changed or foreign-signed messages.
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.h"
#include "taifeng/base/error.h"
#include "taifeng/base/read_file.h"
#include "taifeng/warnings/cap.h"
#include "taifeng/warnings/cap_signature.h"

namespace taifeng::cli {
namespace {

struct CapCheckArgs {
  std::vector<std::string> files;
  std::string schema = TAIFENG_CAP_SCHEMA, trusted_key;
  bool json = false;
};

void Run(const CapCheckArgs& a) {
  const auto schema = warnings::CapSchema::Load(a.schema);
  std::shared_ptr<const warnings::CapTrust> trust;
  if (!a.trusted_key.empty()) trust = warnings::CapTrust::Load(a.trusted_key);
  warnings::CapReadOptions o;
  o.schema = schema.get();
  o.trusted = trust.get();
  nlohmann::json out = nlohmann::json::array();
  int refused = 0;
  for (const std::string& f : a.files) {
    try {
      const warnings::CapAlert alert = warnings::ReadCap(ReadWholeFile(f), f, o);
      out.push_back({{"file", f}, {"ok", true}, {"identifier", alert.identifier}, {"msg_type", alert.msg_type},
                     {"signed", alert.signed_xml}, {"signature_verified", alert.signature_verified}});
      if (!a.json)
        std::cout << f << ": valid CAP 1.2 (" << alert.msg_type << " " << alert.identifier << ")"
                  << (alert.signature_verified ? ", signature verified by the trusted key" : alert.signed_xml ? ", signed (not verified: no --trusted-key)" : ", unsigned")
                  << "\n";
    } catch (const Error& e) {
      ++refused;
      out.push_back({{"file", f}, {"ok", false}, {"error", e.what()}});
      if (!a.json) std::cout << f << ": REFUSED: " << e.what() << "\n";
    }
  }
  if (a.json) std::cout << out.dump(2) << "\n";
  if (refused) throw Error(ErrorCode::kParse, std::to_string(refused) + " of " + std::to_string(a.files.size()) + " messages refused");
}

}  // namespace

void RegisterCapCommands(CLI::App& app) {
  CLI::App* cap = app.add_subcommand("cap", "CAP 1.2 messages from outside: check them as a reader does");
  cap->require_subcommand(1);
  auto a = std::make_shared<CapCheckArgs>();
  CLI::App* cmd = cap->add_subcommand("check", "Validate CAP messages (size, no entities, schema, rules) and verify their XML signature");
  cmd->add_option("files", a->files, "CAP message files")->required();
  cmd->add_option("--cap-schema", a->schema, "the OASIS CAP 1.2 XSD")->capture_default_str();
  cmd->add_option("--trusted-key", a->trusted_key,
                  "PEM public key (or X.509 certificate) that must have signed each message: unsigned or badly signed ones are refused");
  cmd->add_flag("--json", a->json, "print JSON");
  cmd->callback([a] { Run(*a); });
}

}  // namespace taifeng::cli
