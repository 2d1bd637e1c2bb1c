// SMS recipients: the CSV list (phone, regions, language) and masking numbers in logs.
#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "taifeng/base/error.h"
#include "taifeng/gateway/sms.h"

namespace taifeng::gateway {

std::string MaskPhone(std::string_view phone) {
  std::string out;
  int digits = 0;
  for (const char c : phone)
    if (c >= '0' && c <= '9') ++digits;
  int seen = 0;
  for (const char c : phone) {
    if (c < '0' || c > '9') {
      out += c;
      continue;
    }
    ++seen;
    out += (seen <= 2 || seen > digits - 2) ? c : '*';
  }
  return out;
}

std::vector<const Recipient*> RecipientList::For(const std::string& region) const {
  std::vector<const Recipient*> out;
  const auto it = by_region.find(region);
  if (it != by_region.end())
    for (const std::size_t i : it->second) out.push_back(&recipients[i]);
  return out;
}

RecipientList LoadRecipients(const std::filesystem::path& csv) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(csv, ec)) throw Error(ErrorCode::kNotFound, csv.string() + ": no such recipients file");
  if (std::filesystem::file_size(csv, ec) > (64u << 20)) throw ParseError(csv.string(), 0, "file", "at most 64 MB");
  std::ifstream in(csv);
  if (!in) throw Error(ErrorCode::kIo, csv.string() + ": cannot read");
  RecipientList list;
  std::string line;
  std::int64_t n = 0;
  int col_phone = -1, col_regions = -1, col_language = -1;
  std::map<std::string, std::int64_t> seen;
  auto split = [](const std::string& s) {
    std::vector<std::string> cells;
    std::string cell;
    for (const char c : s) {
      if (c == ',') {
        cells.push_back(cell);
        cell.clear();
      } else if (c != '\r') {
        cell += c;
      }
    }
    cells.push_back(cell);
    for (auto& x : cells) {
      const auto a = x.find_first_not_of(" \t\"");
      const auto b = x.find_last_not_of(" \t\"");
      x = a == std::string::npos ? "" : x.substr(a, b - a + 1);
    }
    return cells;
  };
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos || line[line.find_first_not_of(" \t")] == '#') continue;
    const auto cells = split(line);
    if (col_phone < 0) {
      for (int i = 0; i < static_cast<int>(cells.size()); ++i) {
        if (cells[static_cast<std::size_t>(i)] == "phone") col_phone = i;
        if (cells[static_cast<std::size_t>(i)] == "regions") col_regions = i;
        if (cells[static_cast<std::size_t>(i)] == "language") col_language = i;
      }
      if (col_phone < 0 || col_regions < 0 || col_language < 0)
        throw ParseError(csv.string(), n, "header", "the columns phone, regions and language");
      continue;
    }
    const std::string where = csv.string() + ":" + std::to_string(n) + ": ";
    const std::size_t need = static_cast<std::size_t>(std::max({col_phone, col_regions, col_language})) + 1;
    if (cells.size() < need) {
      list.problems.push_back(where + "expected " + std::to_string(need) + " columns, found " + std::to_string(cells.size()));
      continue;
    }
    Recipient r;
    r.line = n;
    for (const char c : cells[static_cast<std::size_t>(col_phone)])
      if (c != ' ' && c != '-' && c != '(' && c != ')') r.phone += c;
    const bool plus = !r.phone.empty() && r.phone[0] == '+';
    const std::string digits = plus ? r.phone.substr(1) : r.phone;
    const bool phone_ok = plus && digits.size() >= 8 && digits.size() <= 15 && digits[0] != '0' &&
                          digits.find_first_not_of("0123456789") == std::string::npos;
    if (!phone_ok) {
      list.problems.push_back(where + "phone " + MaskPhone(r.phone) + ": expected an international number, + and 8 to 15 digits");
      continue;
    }
    std::string token;
    for (const char c : cells[static_cast<std::size_t>(col_regions)] + ";") {
      if (c == ';' || c == ' ') {
        if (!token.empty()) r.regions.push_back(token);
        token.clear();
      } else {
        token += c;
      }
    }
    const bool regions_ok = !r.regions.empty() && std::all_of(r.regions.begin(), r.regions.end(), [](const std::string& x) {
      return x.size() <= 12 && x.find_first_not_of("0123456789") == std::string::npos;
    });
    if (!regions_ok) {
      list.problems.push_back(where + "regions: expected region codes (digits) separated by ';'");
      continue;
    }
    r.language = cells[static_cast<std::size_t>(col_language)];
    if (r.language != "zh" && r.language != "en") {
      list.problems.push_back(where + "language \"" + r.language.substr(0, 16) + "\": expected zh or en");
      continue;
    }
    if (const auto [it, fresh] = seen.emplace(r.phone, n); !fresh) {
      list.problems.push_back(where + "phone " + MaskPhone(r.phone) + " is already listed at line " + std::to_string(it->second));
      continue;
    }
    const std::size_t index = list.recipients.size();
    for (const std::string& code : std::set<std::string>(r.regions.begin(), r.regions.end())) list.by_region[code].push_back(index);
    list.recipients.push_back(std::move(r));
  }
  if (col_phone < 0) throw ParseError(csv.string(), n, "header", "the columns phone, regions and language");
  return list;
}

}  // namespace taifeng::gateway
