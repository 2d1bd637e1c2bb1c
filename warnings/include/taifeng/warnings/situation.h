// The storm behind a warning, as the forecast saw it when the warning was composed: its observed
// track up to "now", the forecast track with its cone, and the heaviest analogs. It travels in the
// proposal record, in each message composed from it (and in operator updates and cancels of those
// messages), and on the feed, so the gateways can show position, intensity and distance, and draw
// the track and cone, without the archive.
// Thread safety: values and pure functions.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "taifeng/core/forecast.h"
#include "taifeng/feed/situation.h"

namespace taifeng::warnings {

using feed::Situation;
using feed::SituationAnalog;
using feed::SituationPoint;

// The situation of `forecast` for the live storm: the observed points of the last `observed_h`
// hours (at most one per 3 h, the last always kept) and the `max_analogs` heaviest analogs.
Situation MakeSituation(const std::string& storm, const std::string& storm_name, const std::vector<core::TrackPoint>& observed,
                        const core::Forecast& forecast, int observed_h = 72, std::size_t max_analogs = 5);

}  // namespace taifeng::warnings
