// Synthetic tracks: historical tracks perturbed by a correlated random walk, in the manner of
// CLIMADA's TCTracks.calc_perturbed_trajectories (Aznar-Siguan & Bresch 2019, "CLIMADA v1: a
// global weather and climate risk assessment platform", Geosci. Model Dev. 12, 3085-3097).
// Insurers and planners use such sets; Taifeng uses them to scale the matcher. Every synthetic
// storm is marked: agency "SYNTHETIC", source_format "synthetic", source_file = the parent's id.
//
// The model (Taifeng's parameters, SyntheticOptions):
//  * the start is the parent's first fix shifted by U(-0.75°, 0.75°) in latitude and longitude;
//  * each 6-hourly step keeps the parent's step (geodesic distance and azimuth between its
//    consecutive fixes) with the azimuth turned by an AR(1) angle a_k = rho*a_{k-1} + N(0, sigma_a)
//    and the distance scaled by (1 + s_k), s_k = rho*s_{k-1} + N(0, sigma_s), s in [-0.5, 0.5];
//    the new position is the geodesic direct problem from the previous synthetic position;
//  * intensity: wind * (1 + i_k) and the pressure deficit below 1010 hPa * (1 + i_k), with
//    i_k = rho*i_{k-1} + N(0, sigma_i) clamped to [-0.3, 0.3];
//  * times are the parent's. Latitudes are clamped to [-89, 89].
// Deterministic for a given seed and parent list (std::mt19937_64 per synthetic storm).
// Thread safety: pure function.
#pragma once

#include <cstdint>
#include <vector>

#include "taifeng/data/track.h"

namespace taifeng::core {

struct SyntheticOptions {
  std::uint64_t seed = 1;
  std::size_t first_index = 0;    // storm numbers start here (to make a large set in batches)
  double max_start_shift_deg = 0.75;
  double rho = 0.8;               // step-to-step autocorrelation of the perturbations
  double sigma_angle_deg = 3.0;   // per-step heading innovation
  double sigma_speed = 0.05;      // per-step relative speed innovation
  double sigma_intensity = 0.02;  // per-step relative intensity innovation
};

// `count` synthetic storms from the parents: storm i (numbered from options.first_index) is a
// perturbation of usable parent i % (number of usable parents), with its own random stream, so a set
// made in batches equals the set made at once. Parents with
// fewer than 2 fixes are skipped over. Returns an empty vector if no parent is usable.
std::vector<data::Storm> SynthesizeStorms(const std::vector<data::Storm>& parents, std::size_t count,
                                          const SyntheticOptions& options = {});

}  // namespace taifeng::core
