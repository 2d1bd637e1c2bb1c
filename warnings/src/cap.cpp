#include "taifeng/warnings/cap.h"

#include "taifeng/geo/outline.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"
#include "cap_xml.h"

namespace taifeng::warnings {
namespace {

constexpr const char* kCapNs = "urn:oasis:names:tc:emergency:cap:1.2";
constexpr const char* kDsigNs = "http://www.w3.org/2000/09/xmldsig#";

// libxml2 may try to load external entities, DTDs or schemas by URL; Taifeng never lets it.
xmlParserInputPtr RefuseExternalEntity(const char*, const char*, xmlParserCtxtPtr) { return nullptr; }

void InitLibxml() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    xmlSetExternalEntityLoader(RefuseExternalEntity);
  });
}

using detail::DocPtr;
struct CtxtDeleter {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};

int LineOf(std::string_view xml, std::size_t offset) {
  return 1 + static_cast<int>(std::count(xml.begin(), xml.begin() + static_cast<std::ptrdiff_t>(std::min(offset, xml.size())), '\n'));
}

std::string Trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r\n") - a + 1);
}

bool IsCap(const xmlNode* n, const char* name) {
  return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href && std::strcmp(reinterpret_cast<const char*>(n->ns->href), kCapNs) == 0 &&
         std::strcmp(reinterpret_cast<const char*>(n->name), name) == 0;
}

std::string Text(const xmlNode* n) {
  xmlChar* c = xmlNodeGetContent(n);
  std::string s = c ? reinterpret_cast<const char*>(c) : "";
  xmlFree(c);
  return Trim(s);
}

std::vector<std::string> Words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::pair<std::string, std::string> NamedValue(const xmlNode* n) {
  std::pair<std::string, std::string> nv;
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (IsCap(c, "valueName")) nv.first = Text(c);
    if (IsCap(c, "value")) nv.second = Text(c);
  }
  return nv;
}

std::vector<geo::LatLon> ParsePolygon(const std::string& text, bool& ok) {
  std::vector<geo::LatLon> ring;
  ok = true;
  for (const std::string& pair : Words(text)) {
    double lat = 0, lon = 0;
    char tail = 0;
    if (std::sscanf(pair.c_str(), "%lf,%lf%c", &lat, &lon, &tail) != 2) ok = false;
    ring.push_back({lat, lon});
  }
  return ring;
}

CapArea ReadArea(const xmlNode* n, std::vector<std::string>& bad_polygons) {
  CapArea a;
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (IsCap(c, "areaDesc")) a.area_desc = Text(c);
    else if (IsCap(c, "polygon")) {
      bool ok = true;
      a.polygons.push_back(ParsePolygon(Text(c), ok));
      if (!ok) bad_polygons.push_back(Text(c).substr(0, 60));
    } else if (IsCap(c, "circle")) a.circles.push_back(Text(c));
    else if (IsCap(c, "geocode")) a.geocodes.push_back(NamedValue(c));
  }
  return a;
}

CapInfo ReadInfo(const xmlNode* n, std::vector<std::string>& bad_polygons) {
  CapInfo i;
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    const std::string name = reinterpret_cast<const char*>(c->name);
    if (!IsCap(c, name.c_str())) continue;
    if (name == "language") i.language = Text(c);
    else if (name == "category") i.categories.push_back(Text(c));
    else if (name == "event") i.event = Text(c);
    else if (name == "responseType") i.response_types.push_back(Text(c));
    else if (name == "urgency") i.urgency = Text(c);
    else if (name == "severity") i.severity = Text(c);
    else if (name == "certainty") i.certainty = Text(c);
    else if (name == "eventCode") i.event_codes.push_back(NamedValue(c));
    else if (name == "effective") i.effective = Text(c);
    else if (name == "onset") i.onset = Text(c);
    else if (name == "expires") i.expires = Text(c);
    else if (name == "senderName") i.sender_name = Text(c);
    else if (name == "headline") i.headline = Text(c);
    else if (name == "description") i.description = Text(c);
    else if (name == "instruction") i.instruction = Text(c);
    else if (name == "web") i.web = Text(c);
    else if (name == "contact") i.contact = Text(c);
    else if (name == "parameter") i.parameters.push_back(NamedValue(c));
    else if (name == "area") i.areas.push_back(ReadArea(c, bad_polygons));
  }
  return i;
}

bool ValidId(const std::string& s) { return !s.empty() && s.find_first_of(" ,<&\t\r\n") == std::string::npos; }

std::string FormatPolygon(const std::vector<geo::LatLon>& ring) {
  std::string s;
  char buf[48];
  for (const auto& p : ring) {
    std::snprintf(buf, sizeof buf, "%s%.4f,%.4f", s.empty() ? "" : " ", p.lat_deg, p.lon_deg);
    s += buf;
  }
  return s;
}

xmlNode* Add(xmlNode* parent, const char* name, const std::string& text) {
  return xmlNewTextChild(parent, nullptr, reinterpret_cast<const xmlChar*>(name), reinterpret_cast<const xmlChar*>(text.c_str()));
}
void AddIf(xmlNode* parent, const char* name, const std::string& text) {
  if (!text.empty()) Add(parent, name, text);
}
void AddNamed(xmlNode* parent, const char* name, const std::pair<std::string, std::string>& nv) {
  xmlNode* n = xmlNewChild(parent, nullptr, reinterpret_cast<const xmlChar*>(name), nullptr);
  Add(n, "valueName", nv.first);
  Add(n, "value", nv.second);
}

}  // namespace

// Parses safely: size bound, no DOCTYPE, no network, no entity substitution, no DTD loading.
DocPtr detail::SafeParse(std::string_view xml, const std::string& source, std::size_t max_bytes) {
  InitLibxml();
  if (xml.size() > max_bytes)
    throw ParseError(source, 0, "size", "at most " + std::to_string(max_bytes) + " bytes (got " + std::to_string(xml.size()) + ")");
  if (xml.size() > static_cast<std::size_t>(INT32_MAX)) throw ParseError(source, 0, "size", "under 2 GB");
  if (const auto at = xml.find("<!DOCTYPE"); at != std::string_view::npos)
    throw ParseError(source, LineOf(xml, at), "DOCTYPE", "no DOCTYPE: CAP needs none, and entities are refused");
  std::unique_ptr<xmlParserCtxt, CtxtDeleter> ctxt(xmlNewParserCtxt());
  if (!ctxt) throw Error(ErrorCode::kInternal, "libxml2: out of memory");
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
  DocPtr doc(xmlCtxtReadMemory(ctxt.get(), xml.data(), static_cast<int>(xml.size()), "cap.xml", nullptr, options));
  if (!doc || !ctxt->wellFormed) {
    const xmlError* e = xmlCtxtGetLastError(ctxt.get());
    throw ParseError(source, e ? e->line : 0, "XML", std::string("well-formed XML: ") + (e && e->message ? Trim(e->message) : "parse failed"));
  }
  if (doc->intSubset || doc->extSubset) throw ParseError(source, 0, "DOCTYPE", "no DOCTYPE: CAP needs none, and entities are refused");
  return doc;
}


// ---- times ----

std::string CapTime(std::int64_t utc_seconds, std::string_view utc_offset) {
  int sign = 1, hh = 0, mm = 0;
  if (utc_offset.size() == 6) {
    sign = utc_offset[0] == '-' ? -1 : 1;
    hh = std::atoi(std::string(utc_offset.substr(1, 2)).c_str());
    mm = std::atoi(std::string(utc_offset.substr(4, 2)).c_str());
  }
  const taifeng::CivilTime t = taifeng::ToCivil(utc_seconds + sign * (hh * 3600 + mm * 60));
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", t.year, t.month, t.day, t.hour, t.minute, t.second,
                sign < 0 ? '-' : '+', hh, mm);
  return buf;
}

std::optional<std::int64_t> ParseCapTime(std::string_view s) {
  int y, mo, d, h, mi, se, oh, om;
  char sign;
  if (s.size() != 25) return std::nullopt;
  const std::string text(s);
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c%2d:%2d", &y, &mo, &d, &h, &mi, &se, &sign, &oh, &om) != 9) return std::nullopt;
  if ((sign != '+' && sign != '-') || oh > 14 || om > 59) return std::nullopt;
  const auto t = taifeng::UtcSeconds(y, mo, d, h, mi, se);
  if (!t) return std::nullopt;
  return *t - (sign == '-' ? -1 : 1) * (oh * 3600 + om * 60);
}

// ---- schema ----

struct CapSchema::Impl {
  xmlSchemaPtr schema = nullptr;
  ~Impl() {
    if (schema) xmlSchemaFree(schema);
  }
};

CapSchema::CapSchema(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CapSchema::~CapSchema() = default;

std::shared_ptr<const CapSchema> CapSchema::Load(const std::filesystem::path& xsd) {
  InitLibxml();
  std::ifstream in(xsd, std::ios::binary);
  if (!in) throw Error(ErrorCode::kNotFound, xsd.string() + ": no such file");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  xmlSchemaParserCtxtPtr p = xmlSchemaNewMemParserCtxt(text.data(), static_cast<int>(text.size()));
  if (!p) throw Error(ErrorCode::kInternal, "libxml2: out of memory");
  xmlSchemaSetParserStructuredErrors(p, [](void*, xmlErrorPtr) {}, nullptr);
  auto impl = std::make_unique<Impl>();
  impl->schema = xmlSchemaParse(p);
  xmlSchemaFreeParserCtxt(p);
  if (!impl->schema) throw ParseError(xsd.string(), 0, "schema", "a W3C XML Schema (the OASIS CAP 1.2 XSD)");
  return std::shared_ptr<const CapSchema>(new CapSchema(std::move(impl)));
}

namespace {
std::optional<std::string> ValidateDoc(xmlSchemaPtr schema, xmlDoc* doc) {
  xmlSchemaValidCtxtPtr v = xmlSchemaNewValidCtxt(schema);
  if (!v) throw Error(ErrorCode::kInternal, "libxml2: out of memory");
  std::string first;
  xmlSchemaSetValidStructuredErrors(
      v,
      [](void* user, xmlErrorPtr e) {
        auto* out = static_cast<std::string*>(user);
        if (out->empty() && e) out->assign("line " + std::to_string(e->line) + ": " + Trim(e->message ? e->message : "invalid"));
      },
      &first);
  const int rc = xmlSchemaValidateDoc(v, doc);
  xmlSchemaFreeValidCtxt(v);
  if (rc == 0) return std::nullopt;
  return first.empty() ? std::string("invalid against the CAP 1.2 schema") : first;
}
}  // namespace

std::optional<std::string> CapSchema::Validate(std::string_view xml) const {
  const DocPtr doc = detail::SafeParse(xml, "CAP message", 64 << 20);
  return ValidateDoc(impl_->schema, doc.get());
}

// ---- writer ----

std::string WriteCap(const CapAlert& a) {
  InitLibxml();
  DocPtr doc(xmlNewDoc(reinterpret_cast<const xmlChar*>("1.0")));
  xmlNode* alert = xmlNewNode(nullptr, reinterpret_cast<const xmlChar*>("alert"));
  xmlDocSetRootElement(doc.get(), alert);
  xmlNs* ns = xmlNewNs(alert, reinterpret_cast<const xmlChar*>(kCapNs), nullptr);
  xmlSetNs(alert, ns);
  Add(alert, "identifier", a.identifier);
  Add(alert, "sender", a.sender);
  Add(alert, "sent", a.sent);
  Add(alert, "status", a.status);
  Add(alert, "msgType", a.msg_type);
  AddIf(alert, "source", a.source);
  Add(alert, "scope", a.scope);
  AddIf(alert, "restriction", a.restriction);
  for (const auto& c : a.codes) Add(alert, "code", c);
  AddIf(alert, "note", a.note);
  if (!a.references.empty()) {
    std::string refs;
    for (const auto& r : a.references) refs += (refs.empty() ? "" : " ") + r;
    Add(alert, "references", refs);
  }
  if (!a.incidents.empty()) {
    std::string inc;
    for (const auto& r : a.incidents) inc += (inc.empty() ? "" : " ") + r;
    Add(alert, "incidents", inc);
  }
  for (const CapInfo& i : a.infos) {
    xmlNode* info = xmlNewChild(alert, nullptr, reinterpret_cast<const xmlChar*>("info"), nullptr);
    AddIf(info, "language", i.language);
    for (const auto& c : i.categories) Add(info, "category", c);
    Add(info, "event", i.event);
    for (const auto& r : i.response_types) Add(info, "responseType", r);
    Add(info, "urgency", i.urgency);
    Add(info, "severity", i.severity);
    Add(info, "certainty", i.certainty);
    for (const auto& e : i.event_codes) AddNamed(info, "eventCode", e);
    AddIf(info, "effective", i.effective);
    AddIf(info, "onset", i.onset);
    AddIf(info, "expires", i.expires);
    AddIf(info, "senderName", i.sender_name);
    AddIf(info, "headline", i.headline);
    AddIf(info, "description", i.description);
    AddIf(info, "instruction", i.instruction);
    AddIf(info, "web", i.web);
    AddIf(info, "contact", i.contact);
    for (const auto& p : i.parameters) AddNamed(info, "parameter", p);
    for (const CapArea& ar : i.areas) {
      xmlNode* area = xmlNewChild(info, nullptr, reinterpret_cast<const xmlChar*>("area"), nullptr);
      Add(area, "areaDesc", ar.area_desc);
      for (const auto& p : ar.polygons) Add(area, "polygon", FormatPolygon(p));
      for (const auto& c : ar.circles) Add(area, "circle", c);
      for (const auto& g : ar.geocodes) AddNamed(area, "geocode", g);
    }
  }
  xmlChar* out = nullptr;
  int size = 0;
  xmlDocDumpFormatMemoryEnc(doc.get(), &out, &size, "UTF-8", 1);
  std::string s(reinterpret_cast<const char*>(out), static_cast<std::size_t>(size));
  xmlFree(out);
  return s;
}

// ---- reader ----

CapAlert ReadCap(std::string_view xml, const std::string& source, const CapReadOptions& options) {
  const DocPtr doc = detail::SafeParse(xml, source, options.max_bytes);
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!IsCap(root, "alert")) throw ParseError(source, root ? root->line : 0, "alert", "a CAP 1.2 <alert> in namespace " + std::string(kCapNs));
  if (options.schema)
    if (const auto problem = ValidateDoc(options.schema->impl().schema, doc.get()))
      throw ParseError(source, 0, "schema", "a message valid against the CAP 1.2 schema: " + *problem);
  CapAlert a;
  if (options.trusted) {
    if (const std::string problem = options.trusted->Problem(xml, source); !problem.empty())
      throw ParseError(source, 0, "signature", "a message signed by the trusted key: " + problem);
    a.signature_verified = true;
  }
  std::vector<std::string> bad_polygons;
  for (const xmlNode* c = root->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (c->ns && c->ns->href && std::strcmp(reinterpret_cast<const char*>(c->ns->href), kDsigNs) == 0) {
      a.signed_xml = true;
      continue;
    }
    const std::string name = reinterpret_cast<const char*>(c->name);
    if (!IsCap(c, name.c_str())) continue;
    if (name == "identifier") a.identifier = Text(c);
    else if (name == "sender") a.sender = Text(c);
    else if (name == "sent") a.sent = Text(c);
    else if (name == "status") a.status = Text(c);
    else if (name == "msgType") a.msg_type = Text(c);
    else if (name == "source") a.source = Text(c);
    else if (name == "scope") a.scope = Text(c);
    else if (name == "restriction") a.restriction = Text(c);
    else if (name == "code") a.codes.push_back(Text(c));
    else if (name == "note") a.note = Text(c);
    else if (name == "references") {
      a.references = Words(Text(c));
      if (a.references.empty()) a.references.push_back("");  // present but empty: a rule violation
    } else if (name == "incidents") a.incidents = Words(Text(c));
    else if (name == "info") a.infos.push_back(ReadInfo(c, bad_polygons));
  }
  if (options.check_rules) {
    std::vector<std::string> problems = CheckCapRules(a);
    for (const auto& p : bad_polygons) problems.insert(problems.begin(), "polygon: \"" + p + "…\" is not a list of lat,lon pairs");
    if (!problems.empty()) throw ParseError(source, 0, problems.front().substr(0, problems.front().find(':')), "CAP 1.2 rules: " + problems.front());
  }
  return a;
}

std::vector<std::string> CheckCapRules(const CapAlert& a) {
  std::vector<std::string> p;
  if (!ValidId(a.identifier)) p.push_back("identifier: empty, or has a space, comma, '<' or '&'");
  if (!ValidId(a.sender)) p.push_back("sender: empty, or has a space, comma, '<' or '&'");
  if (!ParseCapTime(a.sent)) p.push_back("sent: \"" + a.sent + "\" is not YYYY-MM-DDThh:mm:ss±hh:mm (no \"Z\")");
  static const char* kStatus[] = {"Actual", "Exercise", "System", "Test", "Draft"};
  static const char* kType[] = {"Alert", "Update", "Cancel", "Ack", "Error"};
  static const char* kScope[] = {"Public", "Restricted", "Private"};
  auto in = [](const std::string& v, const auto& list) { return std::any_of(std::begin(list), std::end(list), [&](const char* x) { return v == x; }); };
  if (!in(a.status, kStatus)) p.push_back("status: \"" + a.status + "\" is not a CAP status");
  if (!in(a.msg_type, kType)) p.push_back("msgType: \"" + a.msg_type + "\" is not a CAP message type");
  if (!in(a.scope, kScope)) p.push_back("scope: \"" + a.scope + "\" is not a CAP scope");
  if (a.scope == "Restricted" && Trim(a.restriction).empty()) p.push_back("restriction: required when scope is Restricted");
  if (a.scope != "Restricted" && !a.restriction.empty()) p.push_back("restriction: only with scope Restricted");
  if (a.msg_type != "Alert" && a.references.empty()) p.push_back("references: a " + a.msg_type + " must reference earlier messages");
  for (const std::string& r : a.references) {
    const auto c1 = r.find(','), c2 = c1 == std::string::npos ? c1 : r.find(',', c1 + 1);
    if (c2 == std::string::npos || c1 == 0 || c2 == c1 + 1 || !ParseCapTime(r.substr(c2 + 1)))
      p.push_back("references: \"" + r + "\" is not sender,identifier,sent");
  }
  for (const CapInfo& i : a.infos) {
    if (i.categories.empty()) p.push_back("category: each info needs one");
    if (i.event.empty()) p.push_back("event: each info needs one");
    for (const std::string* t : {&i.effective, &i.onset, &i.expires})
      if (!t->empty() && !ParseCapTime(*t)) p.push_back("info time: \"" + *t + "\" is not YYYY-MM-DDThh:mm:ss±hh:mm");
    const auto on = ParseCapTime(i.onset), ex = ParseCapTime(i.expires);
    if (on && ex && *ex < *on) p.push_back("expires: before onset");
    for (const CapArea& ar : i.areas) {
      if (ar.area_desc.empty()) p.push_back("areaDesc: each area needs one");
      for (const auto& ring : ar.polygons) {
        const bool closed = ring.size() >= 4 && ring.front().lat_deg == ring.back().lat_deg && ring.front().lon_deg == ring.back().lon_deg;
        if (!closed) p.push_back("polygon: at least 4 points, first and last the same");
        for (const auto& q : ring)
          if (!(std::abs(q.lat_deg) <= 90 && std::abs(q.lon_deg) <= 180)) {
            p.push_back("polygon: a point outside WGS-84 ranges");
            break;
          }
      }
      for (const auto& c : ar.circles) {
        double lat, lon, r;
        if (std::sscanf(c.c_str(), "%lf,%lf %lf", &lat, &lon, &r) != 3 || std::abs(lat) > 90 || std::abs(lon) > 180 || r < 0)
          p.push_back("circle: \"" + c + "\" is not lat,lon radius");
      }
    }
  }
  return p;
}

std::vector<std::vector<geo::LatLon>> CapPolygons(const geo::RegionSet& regions, std::size_t i, std::size_t max_vertices) {
  return geo::OutlineRings(regions, i, max_vertices);
}

}  // namespace taifeng::warnings
