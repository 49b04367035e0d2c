#pragma once
// Pieces shared by the schedulers that work with noise levels sigma instead of
// alphas_cumprod (Euler, Euler ancestral, DPM-Solver): how they space float timesteps over
// the training range, how they look up sigma at a fractional timestep, and the sigma
// arithmetic they all repeat. Everything is float32 where diffusers v0.31 holds 0-dim
// float32 tensors, float64 where it uses NumPy.

#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace archival::engine {

// The Euler family's timesteps (scheduling_euler_discrete.py set_timesteps), descending:
// linspace: np.linspace(0, T - 1, n, dtype=float32)[::-1] (fractional);
// leading: arange(n) * (T // n) + steps_offset, reversed; trailing: round(arange(T, 0, -T/n)) - 1.
std::vector<float> eulerFamilyTimesteps(const std::string& spacing, int numTrainTimesteps, int n,
                                        int stepsOffset);

// np.interp of the training sigmas at each timestep (float64, as NumPy returns it).
std::vector<double> sigmasAtTimesteps(const std::vector<float>& timesteps,
                                      const std::vector<float>& trainSigmas);

// A 1-D float32 CPU tensor holding `values`.
at::Tensor floatTensor(const std::vector<float>& values);

// sqrt(sigma^2 + 1) in float32: the scale between x = x0 + sigma * eps and the
// variance-preserving x_t = sqrt(a) x0 + sqrt(1 - a) eps, with a = 1 / (sigma^2 + 1).
float varianceScale(float sigma);

}  // namespace archival::engine
