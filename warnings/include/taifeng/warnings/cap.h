// CAP 1.2 (OASIS Common Alerting Protocol, urn:oasis:names:tc:emergency:cap:1.2): the alert as a
// value, a writer, a schema validator and a reader that is safe on hostile input.
//
// Reader safety: the document must be at most ReadOptions::max_bytes; a DOCTYPE (and with it every
// entity, internal or external) is refused; libxml2 runs with no network access, no entity
// substitution, no DTD loading, no XInclude, and an external-entity loader that refuses every URL.
// A message is then checked against the OASIS schema and against CAP 1.2's textual rules the
// schema does not express (times with an explicit offset and no "Z", references as
// "sender,identifier,sent", closed polygons of at least 4 points within WGS-84 ranges, ...).
// XML signatures (ds:Signature) are verified when the reader is given a trusted key
// (CapReadOptions::trusted; cap_signature.h), otherwise only noted as present.
// Thread safety: CapSchema is immutable after Load and may be shared across threads; the free
// functions are reentrant.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "taifeng/geo/geodesy.h"
#include "taifeng/geo/regions.h"
#include "taifeng/warnings/cap_signature.h"

namespace taifeng::warnings {

struct CapArea {
  std::string area_desc;
  std::vector<std::vector<geo::LatLon>> polygons;  // closed rings (first point repeated last)
  std::vector<std::string> circles;                // "lat,lon radius_km" as in the message
  std::vector<std::pair<std::string, std::string>> geocodes;  // valueName, value
};

struct CapInfo {
  std::string language;  // RFC 3066, e.g. "zh-CN", "en-US"; "" = not written
  std::vector<std::string> categories;  // "Met", …
  std::string event;
  std::vector<std::string> response_types;
  std::string urgency, severity, certainty;
  std::vector<std::pair<std::string, std::string>> event_codes;  // valueName, value
  std::string effective, onset, expires;  // CAP times ("2018-09-16T08:00:00+08:00"); "" = absent
  std::string sender_name, headline, description, instruction, web, contact;
  std::vector<std::pair<std::string, std::string>> parameters;  // valueName, value
  std::vector<CapArea> areas;
};

struct CapAlert {
  std::string identifier, sender, sent, status, msg_type, source, scope, restriction, note;
  std::vector<std::string> references;  // each "sender,identifier,sent"
  std::vector<std::string> incidents;
  std::vector<std::string> codes;
  std::vector<CapInfo> infos;
  bool signed_xml = false;          // the message carried a ds:Signature
  bool signature_verified = false;  // ... and CapReadOptions::trusted verified it
};

// The OASIS CAP 1.2 schema (data/samples/cap/schema/CAP-v1.2.xsd), parsed once.
class CapSchema {
 public:
  // Throws Error(kNotFound) when missing, Error(kParse) when it is not a usable XSD.
  static std::shared_ptr<const CapSchema> Load(const std::filesystem::path& xsd);
  ~CapSchema();
  CapSchema(const CapSchema&) = delete;
  CapSchema& operator=(const CapSchema&) = delete;
  // The first schema violation in `xml` ("line 12: Element 'info': This element is not expected…"),
  // or nullopt when the document is valid. Parses `xml` as safely as ReadCap.
  std::optional<std::string> Validate(std::string_view xml) const;

  struct Impl;  // libxml2's parsed schema (private to cap.cpp)
  const Impl& impl() const { return *impl_; }

 private:
  explicit CapSchema(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// UTF-8 XML of the alert (declaration, default CAP namespace, elements in schema order).
// Precondition: the alert's fields are CAP values (CheckCapRules passes).
std::string WriteCap(const CapAlert& alert);

struct CapReadOptions {
  std::size_t max_bytes = 4 << 20;     // larger input is refused before parsing
  const CapSchema* schema = nullptr;   // when set, the message must validate against it
  bool check_rules = true;             // CheckCapRules must pass
  // When set, the message must carry an XML signature over the whole message that this key
  // verifies (cap_signature.h); unsigned, changed or foreign-signed messages are refused.
  const CapTrust* trusted = nullptr;
};

// Parses a CAP 1.2 message. Throws ParseError(source_name, line, field, reason) when the input is
// too large, not well-formed, carries a DOCTYPE, fails the schema or the CAP rules.
CapAlert ReadCap(std::string_view xml, const std::string& source_name, const CapReadOptions& options = {});

// CAP 1.2 rules the XSD does not check; each problem as "field: what is wrong". Empty when none.
std::vector<std::string> CheckCapRules(const CapAlert& alert);

// Region i's outer rings for a CAP <area>, simplified (Douglas-Peucker, tolerance doubled until
// the total fits) to at most `max_vertices` vertices in all, each ring closed with at least 4
// points; rings too small to keep 4 points in the budget are left out (the geocode still names
// the whole region). Largest rings first.
std::vector<std::vector<geo::LatLon>> CapPolygons(const geo::RegionSet& regions, std::size_t i, std::size_t max_vertices);

// "2018-09-16T08:00:00+08:00": a UTC instant written at a fixed offset ("+08:00"), as CAP wants.
std::string CapTime(std::int64_t utc_seconds, std::string_view utc_offset);
// A CAP time back to UTC seconds; nullopt when it is not "YYYY-MM-DDThh:mm:ss±hh:mm".
std::optional<std::int64_t> ParseCapTime(std::string_view text);

}  // namespace taifeng::warnings
