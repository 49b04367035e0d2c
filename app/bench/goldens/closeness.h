#pragma once
// How close a result is to its golden, reported as numbers so that a failure says by how much.
// Qt-free: shared by the engine's Qt tests and `archival-bench verify`.

#include <ATen/ATen.h>

#include <string>

namespace archival::goldens {

struct Closeness {
    double maxAbs = 0;     // max |a - b|
    double meanAbs = 0;    // mean |a - b|
    double maxExcess = 0;  // max (|a - b| - bound), > 0 means failure
    double peak = 0;       // max |b|
    bool ok = false;       // same shape, no NaN, within the bound everywhere
    std::string describe() const;
};

// Elementwise |a - b| <= atol + rtol |b|.
Closeness compareClose(const at::Tensor& actual, const at::Tensor& expected, double atol,
                       double rtol);
// Relative to the golden's peak (loop rules): max|a - b| <= rel · max|b|.
Closeness compareToPeak(const at::Tensor& actual, const at::Tensor& expected, double rel);
// uint8 pixels (fixture README 12.9): |a - b| <= 1 everywhere, at most 0.5 % off by one.
struct PixelCloseness {
    int worst = 0;
    std::int64_t offByOne = 0, total = 0;
    bool ok = false;
};
PixelCloseness comparePixels(const at::Tensor& actual, const at::Tensor& expected);

}  // namespace archival::goldens
