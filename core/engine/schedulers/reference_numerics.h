#pragma once
// The few NumPy / PyTorch routines that diffusers' schedulers build their timesteps and
// noise levels with, reproduced to the bit. A schedule that is off by one ulp is harmless
// for image quality, but integer timesteps come from rounding (one ulp can flip 499.5 to
// 499 or 500) and the fixtures compare those exactly, so these follow the reference's
// arithmetic order rather than the shortest formula.

#include <cstdint>
#include <vector>

namespace archival::engine::refnum {

// torch.linspace(start, end, steps, dtype=float32) on the CPU as the reference build computes
// it (ATen's vectorized linspace kernel, 8-lane AVX2 with fused multiply-adds): the first half
// counts up from `start`, the second half down from `end`, and each 8-lane block steps from
// its first element. A naive linspace differs in the last bit for about a third of the
// entries of the SD1.5 beta schedule, which moves alphas_cumprod by up to 1e-7.
std::vector<float> torchLinspaceFloat(double start, double end, std::int64_t steps);

// torch.cumprod on a float32 CPU tensor: ATen accumulates in double and rounds each output.
std::vector<float> cumprodFloat(const std::vector<float>& values);

// numpy.linspace (float64): start + i * ((stop - start) / (num - 1)), the last entry exactly stop.
std::vector<double> numpyLinspace(double start, double stop, int num);

// numpy.arange with a float step: ceil((stop - start) / step) entries, start + i * delta
// where delta = (start + step) - start, as NumPy's fill recomputes it.
std::vector<double> numpyArange(double start, double stop, double step);

// numpy.interp(x, arange(len(values)), values) for one x, in float64.
double numpyInterpIndexGrid(double x, const std::vector<float>& values);

// numpy.round / Python round: halves go to the even neighbour.
double roundHalfEven(double x);

// diffusers' EulerDiscreteScheduler._sigma_to_t: the fractional training timestep whose noise
// level is `sigma`, by linear interpolation in log sigma. `logSigmas` is the float32
// np.log of the training sigmas, ascending with t.
double sigmaToTimestep(double sigma, const std::vector<float>& logSigmas);

// Karras et al. (2022) noise levels, rho = 7, from sigmaMax down to sigmaMin (diffusers'
// _convert_to_karras), in float64.
std::vector<double> karrasSigmas(double sigmaMin, double sigmaMax, int count);

}  // namespace archival::engine::refnum
