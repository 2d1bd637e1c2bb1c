#include "taifeng/gateway/sms.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

#include "taifeng/detail/sqlite.h"
#include "taifeng/base/utf8.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"

namespace taifeng::gateway {

namespace sqlite = detail::sqlite;

namespace {


// GSM 03.38 default alphabet and extension table, as Unicode.
const std::u32string kGsmBasic =
    U"@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    U"abcdefghijklmnopqrstuvwxyzäöñüà";
const std::u32string kGsmExtension = U"\f^{}\\[~]|€";

// ISO-8859-15 byte of a code point, or -1.
int Latin9(char32_t cp) {
  switch (cp) {
    case U'€': return 0xa4;
    case U'Š': return 0xa6;
    case U'š': return 0xa8;
    case U'Ž': return 0xb4;
    case U'ž': return 0xb8;
    case U'Œ': return 0xbc;
    case U'œ': return 0xbd;
    case U'Ÿ': return 0xbe;
    default: break;
  }
  if (cp == 0xa4 || cp == 0xa6 || cp == 0xa8 || cp == 0xb4 || cp == 0xb8 || (cp >= 0xbc && cp <= 0xbe)) return -1;
  return cp < 0x100 ? static_cast<int>(cp) : -1;
}

// Septets of a character in GSM-7 (1 or 2), or 0 when it is not in the alphabet or not in ISO-8859-15.
int Septets(char32_t cp) {
  if (Latin9(cp) < 0) return 0;
  if (kGsmBasic.find(cp) != std::u32string::npos) return 1;
  if (kGsmExtension.find(cp) != std::u32string::npos) return 2;
  return 0;
}

std::string LocalTime(std::int64_t utc, const std::string& cap_sent, bool zh) {
  // The CAP `sent` ends with its offset, "+08:00".
  int offset_s = 0;
  if (cap_sent.size() >= 6) {
    const std::string o = cap_sent.substr(cap_sent.size() - 6);
    if ((o[0] == '+' || o[0] == '-') && o[3] == ':')
      offset_s = (o[0] == '-' ? -1 : 1) * (std::atoi(o.substr(1, 2).c_str()) * 3600 + std::atoi(o.substr(4, 2).c_str()) * 60);
  }
  const std::time_t t = static_cast<std::time_t>(utc + offset_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (zh)
    std::snprintf(buf, sizeof buf, "%d日%02d:%02d", tm.tm_mday, tm.tm_hour, tm.tm_min);
  else
    std::snprintf(buf, sizeof buf, "%d %s %02d:%02d", tm.tm_mday, kMonths[tm.tm_mon], tm.tm_hour, tm.tm_min);
  return buf;
}

std::string OffsetName(const std::string& cap_sent) {
  if (cap_sent.size() < 6) return "UTC";
  std::string o = cap_sent.substr(cap_sent.size() - 6);
  if (o == "+00:00") return "UTC";
  if (o.substr(3) == ":00") o = o.substr(0, 3);
  if (o.size() == 3 && o[1] == '0') o.erase(1, 1);
  return "UTC" + o;
}

bool Fits(std::string_view text) { return PlanSms(text).segments <= 1; }

std::string Hex(const unsigned char* p, std::size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += kDigits[p[i] >> 4], s += kDigits[p[i] & 15];
  return s;
}

void WriteAll(int fd, const std::string& data, const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorCode::kIo, path.string() + ": cannot write: " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

void SyncDirectory(const std::filesystem::path& dir) {
  const Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) throw Error(ErrorCode::kIo, dir.string() + ": cannot sync: " + std::strerror(errno));
}

// syncfs: one flush of the file system for a whole batch of files, instead of one fsync each.
void SyncFileSystem(const std::filesystem::path& dir) {
  const Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::syncfs(fd.get()) != 0) throw Error(ErrorCode::kIo, dir.string() + ": cannot sync: " + std::strerror(errno));
}

}  // namespace

SmsPlan PlanSms(std::string_view utf8) {
  const std::vector<char32_t> cps = DecodeUtf8(utf8);
  SmsPlan plan;
  bool gsm = true;
  for (const char32_t c : cps)
    if (!Septets(c)) gsm = false;
  plan.alphabet = gsm ? SmsAlphabet::kGsm7 : SmsAlphabet::kUcs2;
  auto units = [&](char32_t c) { return gsm ? Septets(c) : (c > 0xffff ? 2 : 1); };
  for (const char32_t c : cps) plan.units += units(c);
  if (cps.empty()) return plan;
  const int single = gsm ? kGsm7Single : kUcs2Single, segment = gsm ? kGsm7Segment : kUcs2Segment;
  if (plan.units <= single) {
    plan.segments = 1;
    plan.parts.emplace_back(utf8);
    if (!gsm) {  // normalise invalid bytes as U+FFFD, as they will be sent
      plan.parts.back().clear();
      for (const char32_t c : cps) AppendUtf8(plan.parts.back(), c);
    }
    return plan;
  }
  std::string part;
  int used = 0;
  for (const char32_t c : cps) {
    const int u = units(c);
    if (used + u > segment) {
      plan.parts.push_back(std::move(part));
      part.clear();
      used = 0;
    }
    AppendUtf8(part, c);
    used += u;
  }
  if (!part.empty()) plan.parts.push_back(std::move(part));
  plan.segments = static_cast<int>(plan.parts.size());
  return plan;
}

std::string ComposeSms(const Bulletin& b, std::string_view language) {
  const bool zh = language == "zh";
  const bool cancel = b.msg_type == "Cancel";
  std::string tag;
  if (b.status == "Exercise") tag = zh ? "【演习】" : "EXERCISE: ";
  if (b.status == "Test") tag = zh ? "【测试】" : "TEST: ";
  const std::string headline = zh ? b.headline_zh : b.headline_en;
  std::string change;
  if (b.change == "upgrade") change = zh ? "（升级）" : " (upgraded)";
  if (b.change == "downgrade") change = zh ? "（降级）" : " (downgraded)";
  if (b.change == "extend") change = zh ? "（延长）" : " (extended)";
  std::string when, when_short;
  if (cancel) {
    when = zh ? "，" + LocalTime(b.sent_utc, b.sent, true) + "。" : ", " + LocalTime(b.sent_utc, b.sent, false) + " " + OffsetName(b.sent) + ".";
    when_short = zh ? "。" : ".";
  } else {
    const std::string onset = LocalTime(b.onset_utc, b.sent, zh), expires = LocalTime(b.expires_utc, b.sent, zh);
    when = zh ? "，" + onset + "至" + expires + "生效（" + (OffsetName(b.sent) == "UTC+8" ? std::string("北京时间") : OffsetName(b.sent)) + "）。"
              : ", in force " + onset + " to " + expires + " " + OffsetName(b.sent) + ".";
    when_short = zh ? "，至" + expires + "。" : ", until " + expires + " " + OffsetName(b.sent) + ".";
  }
  std::string storm;
  if (!cancel && std::isfinite(b.storm_distance_km) && !b.storm_name.empty()) {
    char buf[160];
    double wind = std::nan("");
    if (!b.situation_json.empty()) {
      try {
        const feed::Situation s = feed::SituationFromJson(b.situation_json, "message " + b.identifier);
        if (!s.empty()) wind = s.now().wind_ms;
      } catch (const Error&) {
      }
    }
    const long km = std::lround(b.storm_distance_km);
    if (zh)
      std::snprintf(buf, sizeof buf, std::isfinite(wind) ? "%s距%ld公里，风速%.0f米/秒。" : "%s距%ld公里。", b.storm_name.c_str(), km, wind);
    else
      std::snprintf(buf, sizeof buf, std::isfinite(wind) ? " %s %ld km away, wind %.0f m/s." : " %s %ld km away.", b.storm_name.c_str(), km, wind);
    storm = buf;
  }
  // Most complete first; each next drops what matters least.
  const std::vector<std::string> candidates = {tag + headline + change + when + storm, tag + headline + change + when,
                                               tag + headline + change + when_short, tag + headline + when_short};
  for (const std::string& c : candidates)
    if (Fits(c)) return c;
  return candidates.front();  // too long whatever is dropped: segmented whole
}

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

struct SmsOutbox::Impl {
  SmsOutboxOptions options;
  sqlite::Db db;
  std::string key;  // the keyed hash's key (random, kept in the record)
  std::int64_t recovered = 0;

  std::string RecipientId(const std::string& phone) const {
    unsigned char out[16];
    crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(phone.data()), phone.size(),
                       reinterpret_cast<const unsigned char*>(key.data()), key.size());
    return Hex(out, sizeof out);
  }
  std::string Meta(const char* k) const {
    sqlite::Statement st(db, "SELECT value FROM meta WHERE key = ?");
    st.Bind(1, std::string(k));
    return st.Step() ? st.Text(0) : "";
  }
  void SetMeta(const char* k, const std::string& v) {
    sqlite::Statement st(db, "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    st.Bind(1, std::string(k)).Bind(2, v);
    st.Step();
  }
  void Recover() {
    std::set<std::string> staged_files;
    {
      sqlite::Statement st(db, "SELECT file FROM handoff WHERE state = 0");
      while (st.Step()) staged_files.insert(st.Text(0));
    }
    for (const std::string& f : staged_files) {
      const auto from = options.staging / f;
      if (std::filesystem::exists(from)) {
        std::filesystem::rename(from, options.outgoing / f);
        ++recovered;
      }
    }
    if (!staged_files.empty()) SyncDirectory(options.outgoing);
    db.Exec("UPDATE handoff SET state = 1 WHERE state = 0", "the SMS hand-off record");
    for (const auto& e : std::filesystem::directory_iterator(options.staging))
      if (!staged_files.count(e.path().filename().string())) std::filesystem::remove(e.path());
  }
};

SmsOutbox::SmsOutbox(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SmsOutbox::~SmsOutbox() = default;

std::unique_ptr<SmsOutbox> SmsOutbox::Open(const SmsOutboxOptions& options) {
  if (sodium_init() < 0) throw Error(ErrorCode::kInternal, "libsodium cannot start");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (impl->options.staging.empty()) impl->options.staging = options.outgoing.parent_path() / "taifeng-sms-staging";
  std::error_code ec;
  for (const auto& dir : {impl->options.outgoing, impl->options.staging, options.record.parent_path()}) {
    if (dir.empty()) continue;
    std::filesystem::create_directories(dir, ec);
    if (!std::filesystem::is_directory(dir)) throw Error(ErrorCode::kIo, dir.string() + ": cannot create the directory");
  }
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(options.record.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    const std::string m = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close_v2(raw);
    throw Error(ErrorCode::kIo, options.record.string() + ": cannot open the SMS hand-off record: " + m);
  }
  impl->db = sqlite::Db(raw);
  impl->db.Exec(
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;"
      "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS handoff(identifier TEXT NOT NULL, recipient TEXT NOT NULL, seq INTEGER NOT NULL,"
      " state INTEGER NOT NULL, file TEXT NOT NULL, alphabet TEXT NOT NULL, segments INTEGER NOT NULL,"
      " recorded_utc TEXT NOT NULL, PRIMARY KEY(identifier, recipient)) WITHOUT ROWID;",
      (options.record.string() + ": the SMS hand-off record").c_str());
  impl->key = impl->Meta("recipient_key");
  if (impl->key.empty()) {
    unsigned char k[crypto_generichash_KEYBYTES];
    randombytes_buf(k, sizeof k);
    impl->key = Hex(k, sizeof k);
    impl->SetMeta("recipient_key", impl->key);
  }
  impl->Recover();
  return std::unique_ptr<SmsOutbox>(new SmsOutbox(std::move(impl)));
}

HandOffResult SmsOutbox::HandOff(const Bulletin& b, const std::vector<const Recipient*>& recipients) {
  Impl& I = *impl_;
  HandOffResult result;
  struct Text {
    SmsPlan plan;
    std::string alphabet, body;
  };
  std::map<std::string, Text> texts;
  for (const char* lang : {"zh", "en"}) {
    Text t;
    t.plan = PlanSms(ComposeSms(b, lang));
    std::string full;
    for (const auto& p : t.plan.parts) full += p;
    if (t.plan.alphabet == SmsAlphabet::kGsm7) {
      t.alphabet = "ISO";
      for (const char32_t c : DecodeUtf8(full)) t.body += static_cast<char>(Latin9(c));
    } else {
      t.alphabet = "UCS2";  // smstools3: the text in UTF-16, big-endian
      for (char32_t c : DecodeUtf8(full)) {
        auto unit = [&](unsigned u) { t.body += static_cast<char>(u >> 8), t.body += static_cast<char>(u & 0xff); };
        if (c > 0xffff) {
          c -= 0x10000;
          unit(0xd800 + (c >> 10)), unit(0xdc00 + (c & 0x3ff));
        } else {
          unit(static_cast<unsigned>(c));
        }
      }
    }
    result.plans[lang] = t.plan;
    texts.emplace(lang, std::move(t));
  }
  std::set<std::string> done;
  {
    sqlite::Statement st(I.db, "SELECT recipient FROM handoff WHERE identifier = ?");
    st.Bind(1, b.identifier);
    while (st.Step()) done.insert(st.Text(0));
  }
  struct Pending {
    std::string id, file;
    const Text* text;
  };
  std::vector<Pending> pending;
  for (const Recipient* r : recipients) {
    const std::string id = I.RecipientId(r->phone);
    if (done.count(id)) {
      ++result.already;
      continue;
    }
    if (!done.insert(id).second) continue;
    const Text& t = texts.at(r->language);
    const std::string file = "taifeng-" + b.identifier + "-" + id.substr(0, 16);
    const std::string content = "To: " + r->phone.substr(1) + "\nAlphabet: " + t.alphabet + "\n" +
                                (t.plan.segments > 1 ? "Autosplit: 3\n" : "") + "\n" + t.body;
    const auto path = I.options.staging / file;
    const Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
    if (fd.get() < 0) throw Error(ErrorCode::kIo, path.string() + ": cannot create: " + std::strerror(errno));
    WriteAll(fd.get(), content, path);
    pending.push_back({id, file, &t});
  }
  if (!pending.empty()) {
    SyncFileSystem(I.options.staging);
    const std::string now = taifeng::FormatIsoUtc(static_cast<std::int64_t>(std::time(nullptr)));
    I.db.Exec("BEGIN IMMEDIATE", "the SMS hand-off record");
    try {
      sqlite::Statement st(I.db, "INSERT INTO handoff(identifier, recipient, seq, state, file, alphabet, segments, recorded_utc) VALUES(?,?,?,0,?,?,?,?)");
      for (const Pending& p : pending) {
        st.Bind(1, b.identifier).Bind(2, p.id).Bind(3, b.seq).Bind(4, p.file).Bind(5, p.text->alphabet).Bind(6, std::int64_t{p.text->plan.segments});
        st.Bind(7, now);
        st.Step();
        st.Reset();
      }
      I.db.Exec("COMMIT", "the SMS hand-off record");
    } catch (...) {
      sqlite3_exec(I.db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
    for (const Pending& p : pending) {
      std::error_code ec;
      std::filesystem::rename(I.options.staging / p.file, I.options.outgoing / p.file, ec);
      if (ec) throw Error(ErrorCode::kIo, (I.options.outgoing / p.file).string() + ": cannot hand off: " + ec.message());
      ++result.files;
      result.segments += p.text->plan.segments;
    }
    SyncDirectory(I.options.outgoing);
  }
  I.db.Exec("BEGIN IMMEDIATE", "the SMS hand-off record");
  {
    sqlite::Statement st(I.db, "UPDATE handoff SET state = 1 WHERE identifier = ? AND state = 0");
    st.Bind(1, b.identifier);
    st.Step();
  }
  if (b.seq > last_seq()) I.SetMeta("last_seq", std::to_string(b.seq));
  I.db.Exec("COMMIT", "the SMS hand-off record");
  return result;
}

void SmsOutbox::Skip(std::int64_t seq) {
  if (seq > last_seq()) impl_->SetMeta("last_seq", std::to_string(seq));
}

std::int64_t SmsOutbox::last_seq() const {
  const std::string v = impl_->Meta("last_seq");
  return v.empty() ? 0 : std::stoll(v);
}

std::int64_t SmsOutbox::Count(const std::string& identifier) const {
  sqlite::Statement st(impl_->db, "SELECT count(*) FROM handoff WHERE identifier = ? AND state = 1");
  st.Bind(1, identifier);
  return st.Step() ? st.Int(0) : 0;
}

std::int64_t SmsOutbox::recovered() const { return impl_->recovered; }

}  // namespace taifeng::gateway
