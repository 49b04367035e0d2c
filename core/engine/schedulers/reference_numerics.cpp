#include "engine/schedulers/reference_numerics.h"

#include <algorithm>
#include <cmath>

namespace archival::engine::refnum {

std::vector<float> torchLinspaceFloat(double start, double end, std::int64_t steps) {
    std::vector<float> out;
    if (steps <= 0) return out;
    out.resize(static_cast<std::size_t>(steps));
    const float s = static_cast<float>(start);
    const float e = static_cast<float>(end);
    if (steps == 1) {
        out[0] = s;
        return out;
    }
    // aten/src/ATen/native/cpu/RangeFactoriesKernel.cpp (linspace_kernel): step in float.
    const float step = (e - s) / static_cast<float>(steps - 1);
    const std::int64_t halfway = steps / 2;
    // The element at `idx` when computed on its own (scalar path, or a block's first lane).
    auto single = [&](std::int64_t idx) -> float {
        if (idx < halfway) return std::fma(step, static_cast<float>(idx), s);
        return std::fma(-step, static_cast<float>(steps - idx - 1), e);
    };
    // cpu_serial_kernel_vec (aten/src/ATen/native/cpu/Loops.h) runs two 8-lane vectors at a
    // time while 16 elements remain, then the scalar path. Vectorized<float>::arange(base,
    // step) gives base + k * step per lane k, contracted to an FMA in the AVX2 build.
    constexpr std::int64_t kLanes = 8;
    const std::int64_t vectorized = steps / (2 * kLanes) * (2 * kLanes);
    std::int64_t idx = 0;
    for (; idx < vectorized; idx += kLanes) {
        const float base = single(idx);
        out[static_cast<std::size_t>(idx)] = base;
        for (std::int64_t k = 1; k < kLanes; ++k)
            out[static_cast<std::size_t>(idx + k)] = std::fma(static_cast<float>(k), step, base);
    }
    for (; idx < steps; ++idx) out[static_cast<std::size_t>(idx)] = single(idx);
    return out;
}

std::vector<float> cumprodFloat(const std::vector<float>& values) {
    std::vector<float> out(values.size());
    double acc = 1.0;  // at::acc_type<float, /*is_cuda=*/false> is double
    for (std::size_t i = 0; i < values.size(); ++i) {
        acc *= static_cast<double>(values[i]);
        out[i] = static_cast<float>(acc);
    }
    return out;
}

std::vector<double> numpyLinspace(double start, double stop, int num) {
    std::vector<double> out;
    if (num <= 0) return out;
    out.resize(static_cast<std::size_t>(num));
    if (num == 1) {
        out[0] = start;
        return out;
    }
    const double step = (stop - start) / static_cast<double>(num - 1);
    for (int i = 0; i < num; ++i)
        out[static_cast<std::size_t>(i)] = static_cast<double>(i) * step + start;
    out.back() = stop;
    return out;
}

std::vector<double> numpyArange(double start, double stop, double step) {
    std::vector<double> out;
    const double length = std::ceil((stop - start) / step);
    if (!(length > 0)) return out;
    out.resize(static_cast<std::size_t>(length));
    out[0] = start;
    if (out.size() > 1) out[1] = start + step;
    const double delta = (start + step) - start;
    for (std::size_t i = 2; i < out.size(); ++i) out[i] = start + static_cast<double>(i) * delta;
    return out;
}

double numpyInterpIndexGrid(double x, const std::vector<float>& values) {
    // numpy/core/src/multiarray/compiled_base.c (arr_interp) with xp = 0, 1, ..., n - 1.
    const std::size_t n = values.size();
    if (n == 0) return 0.0;
    const double last = static_cast<double>(n - 1);
    if (std::isnan(x)) return x;
    if (x >= last) return values[n - 1];
    if (x <= 0.0) return values[0];
    const std::size_t j = static_cast<std::size_t>(std::floor(x));
    const double xj = static_cast<double>(j);
    const double yj = values[j], yj1 = values[j + 1];
    if (xj == x) return yj;
    const double slope = (yj1 - yj) / ((xj + 1.0) - xj);
    double y = slope * (x - xj) + yj;
    if (std::isnan(y)) {
        y = slope * (x - (xj + 1.0)) + yj1;
        if (std::isnan(y) && yj == yj1) y = yj;
    }
    return y;
}

double roundHalfEven(double x) {
    return std::nearbyint(x);  // the default rounding mode is round-to-nearest-even
}

double sigmaToTimestep(double sigma, const std::vector<float>& logSigmas) {
    const std::size_t n = logSigmas.size();
    const double logSigma = std::log(std::max(sigma, 1e-10));
    // low_idx = argmax(cumsum(log_sigma - log_sigmas >= 0)), clipped to n - 2: the last
    // index whose level is at or below sigma (0 when there is none).
    std::size_t low = 0;
    for (std::size_t i = 0; i < n; ++i)
        if (logSigma - static_cast<double>(logSigmas[i]) >= 0.0) low = i;
    low = std::min(low, n - 2);
    const std::size_t high = low + 1;
    const float lowValue = logSigmas[low], highValue = logSigmas[high];
    // (low - log_sigma) promotes to float64; (low - high) stays float32, as in NumPy.
    const float span = lowValue - highValue;
    double w = (static_cast<double>(lowValue) - logSigma) / static_cast<double>(span);
    w = std::clamp(w, 0.0, 1.0);
    return (1.0 - w) * static_cast<double>(low) + w * static_cast<double>(high);
}

std::vector<double> karrasSigmas(double sigmaMin, double sigmaMax, int count) {
    const double rho = 7.0;  // the value of the paper
    const std::vector<double> ramp = numpyLinspace(0.0, 1.0, count);
    const double minInvRho = std::pow(sigmaMin, 1.0 / rho);
    const double maxInvRho = std::pow(sigmaMax, 1.0 / rho);
    std::vector<double> out(ramp.size());
    for (std::size_t i = 0; i < ramp.size(); ++i)
        out[i] = std::pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), rho);
    return out;
}

}  // namespace archival::engine::refnum
