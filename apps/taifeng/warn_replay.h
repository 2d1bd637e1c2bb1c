// A storm replayed through the warning desk as an exercise, shared by `taifeng warn replay` (one
// storm) and `taifeng warn seasons` (every storm near a region over seasons).
// Thread safety: one replay per desk at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "desk_args.h"
#include "hazard_engine.h"
#include "output.h"
#include "taifeng/warnings/desk.h"

namespace taifeng::cli {

struct ReplayArgs : HazardArgs {
  DeskArgs desk;
  std::string from, to;
  int every_h = 6;
  double pace_s = 0;  // > 0: wait this long between forecasts and print each as it is made (demonstrations)
  bool situation = true;  // record the storm's situation (track, forecast, cone) with each proposal, for the maps
  std::vector<std::string> focus = {"440100", "440300", "440400", "440600", "440700", "441200",
                                    "441300", "441900", "442000", "810000", "820000"};
};

// Proposes and issues (status Exercise, operator `op`) at every a.every_h hours from t0 to t1 as if
// live (a.at is set to each time: nothing after it is seen): the forecast, the hazard and the rules
// of `desk`. Times without an analog, or with too little gap-free track before them to match, are
// skipped (counted in `skipped` when given). `observe`, when given, sees every forecast's hazard
// before the desk proposes from it. Returns the messages issued, in order.
std::vector<warnings::Message> ReplayThroughDesk(ReplayArgs& a, const HazardEngine& engine, warnings::Desk& desk, std::int64_t t0,
                                                 std::int64_t t1, const std::string& op, Progress* progress, int* skipped = nullptr,
                                                 const std::function<void(const HazardRun&)>& observe = {});

}  // namespace taifeng::cli
