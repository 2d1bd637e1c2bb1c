#include "taifeng/warnings/stability.h"

#include <algorithm>
#include <map>
#include <set>

namespace taifeng::warnings {
namespace {

// The flip-flops of one region and kind's messages, in order.
void Count(const std::vector<const Message*>& ms, std::int64_t window_s, StabilityRow& row) {
  std::set<int> levels;  // ranks: 8 NE and 8 SE are one level
  for (std::size_t i = 0; i < ms.size(); ++i) {
    const Message& m = *ms[i];
    ++row.messages;
    if (m.msg_type != "Cancel") levels.insert(m.rank);
    if (m.change == Change::kExtend) ++row.extends;
    else ++row.changes;
    if (i == 0) continue;
    const Message& before = *ms[i - 1];
    if (m.msg_type == "Alert") {
      if (before.msg_type == "Cancel" && m.sent_utc - before.sent_utc <= window_s) ++row.cancel_reissue;
      if (before.msg_type != "Cancel" && before.expires_utc <= m.sent_utc && m.sent_utc - before.expires_utc <= window_s) ++row.lapse_reissue;
    }
    if (m.change != Change::kUpgrade) continue;
    for (std::size_t j = i; j-- > 0;) {  // the latest downgrade before it, in the window
      if (m.sent_utc - ms[j]->sent_utc > window_s || ms[j]->change == Change::kUpgrade) break;
      if (ms[j]->change == Change::kDowngrade) {
        ++row.reversals;
        break;
      }
    }
  }
  row.levels = static_cast<int>(levels.size());
}

}  // namespace

StabilityReport Stability(const std::deque<Message>& messages, std::int64_t window_s) {
  std::map<std::pair<std::string, Kind>, std::vector<const Message*>> by;
  for (const Message& m : messages) by[{m.region_code, m.kind}].push_back(&m);
  StabilityReport r;
  r.window_s = window_s;
  for (const auto& [key, ms] : by) {
    StabilityRow row;
    row.region_code = key.first, row.kind = key.second;
    row.region_name = ms.front()->region_name, row.region_name_en = ms.front()->region_name_en;
    Count(ms, window_s, row);
    StabilityRow& t = r.total;
    t.messages += row.messages, t.changes += row.changes, t.extends += row.extends;
    t.cancel_reissue += row.cancel_reissue, t.lapse_reissue += row.lapse_reissue, t.reversals += row.reversals;
    t.levels = std::max(t.levels, row.levels);
    r.rows.push_back(std::move(row));
  }
  return r;
}

}  // namespace taifeng::warnings
