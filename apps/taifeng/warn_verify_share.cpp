#include "warn_verify_share.h"

#include "bytes.h"

namespace taifeng::cli {

namespace {

void EncodeMargins(std::string& out, const core::ReplayedStorm& m) {
  PutBytes(out, m.season), PutText(out, m.name);
  PutBytes<std::uint8_t>(out, m.observed_first ? 1 : 0), PutBytes<std::int64_t>(out, m.observed_first.value_or(0));
  PutBytes<std::uint64_t>(out, m.steps.size());
  for (const core::MarginStep& step : m.steps) {
    PutBytes(out, step.time_utc), PutBytes<std::uint64_t>(out, step.margins.size());
    for (const auto& rung : step.margins) {
      PutBytes<std::uint64_t>(out, rung.size());
      for (const core::MemberMargin& member : rung) {
        PutBytes(out, member.weight), PutBytes<std::uint64_t>(out, member.upto.size());
        out.append(reinterpret_cast<const char*>(member.upto.data()), member.upto.size() * sizeof(float));
      }
    }
  }
}

core::ReplayedStorm DecodeMargins(ByteReader& in) {
  core::ReplayedStorm m;
  m.season = in.Get<int>(), m.name = in.Text();
  const bool observed = in.Get<std::uint8_t>() != 0;
  const auto first = in.Get<std::int64_t>();
  if (observed) m.observed_first = first;
  m.steps.resize(in.Get<std::uint64_t>());
  for (core::MarginStep& step : m.steps) {
    step.time_utc = in.Get<std::int64_t>();
    step.margins.resize(in.Get<std::uint64_t>());
    for (auto& rung : step.margins) {
      rung.resize(in.Get<std::uint64_t>());
      for (core::MemberMargin& member : rung) {
        member.weight = in.Get<double>();
        member.upto.resize(in.Get<std::uint64_t>());
        for (float& v : member.upto) v = in.Get<float>();
      }
    }
  }
  return m;
}

}  // namespace

std::string EncodeReplays(const std::vector<StormReplay>& replays, const std::vector<std::size_t>& mine) {
  std::string out;
  PutBytes<std::uint64_t>(out, mine.size());
  for (const std::size_t i : mine) {
    const StormReplay& r = replays.at(i);
    PutBytes<std::uint64_t>(out, i), PutText(out, r.method), PutBytes<std::uint64_t>(out, r.first.size());
    for (const auto& [number, t] : r.first) PutBytes(out, number), PutBytes(out, t);
    PutBytes<std::uint64_t>(out, r.spans.size());
    for (const SignalSpan& s : r.spans) PutBytes(out, s.from_utc), PutBytes(out, s.to_utc), PutBytes(out, s.number), PutText(out, s.label);
    EncodeMargins(out, r.margins);
  }
  return out;
}

void DecodeReplays(const std::string& bytes, std::vector<StormReplay>& replays) {
  ByteReader in(bytes);
  const auto n = in.Get<std::uint64_t>();
  for (std::uint64_t k = 0; k < n; ++k) {
    const auto i = in.Get<std::uint64_t>();
    if (i >= replays.size()) throw Error(ErrorCode::kInternal, "a rank's replay names storm " + std::to_string(i) + " of " + std::to_string(replays.size()));
    StormReplay r;
    r.method = in.Text();
    for (auto m = in.Get<std::uint64_t>(); m > 0; --m) {
      const int number = in.Get<int>();
      r.first[number] = in.Get<std::int64_t>();
    }
    r.spans.resize(in.Get<std::uint64_t>());
    for (SignalSpan& s : r.spans) s.from_utc = in.Get<std::int64_t>(), s.to_utc = in.Get<std::int64_t>(), s.number = in.Get<int>(), s.label = in.Text();
    r.margins = DecodeMargins(in);
    replays[i] = std::move(r);
  }
  if (!in.done()) throw Error(ErrorCode::kInternal, "a rank's replays have bytes left over");
}

}  // namespace taifeng::cli
