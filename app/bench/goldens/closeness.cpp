#include "closeness.h"

#include <sstream>

namespace archival::goldens {

std::string Closeness::describe() const {
    std::ostringstream out;
    out << "max|diff| " << maxAbs << (ok ? " (within tolerance)" : " (OUT of tolerance by ");
    if (!ok) out << maxExcess << ")";
    return out.str();
}

Closeness compareClose(const at::Tensor& actual, const at::Tensor& expected, double atol,
                       double rtol) {
    const at::Tensor a = actual.detach().to(at::kCPU, at::kDouble);
    const at::Tensor b = expected.detach().to(at::kCPU, at::kDouble);
    Closeness c;
    if (a.sizes() != b.sizes()) return c;
    if (a.numel() == 0) {
        c.ok = true;
        return c;
    }
    const at::Tensor diff = (a - b).abs();
    c.maxAbs = diff.max().item<double>();
    c.meanAbs = diff.mean().item<double>();
    c.peak = b.abs().max().item<double>();
    c.maxExcess = (diff - (atol + rtol * b.abs())).max().item<double>();
    c.ok = c.maxExcess <= 0.0 && !at::isnan(a).any().item<bool>();
    return c;
}

Closeness compareToPeak(const at::Tensor& actual, const at::Tensor& expected, double rel) {
    const double peak = expected.detach().abs().max().item<double>();
    return compareClose(actual, expected, rel * peak, 0.0);
}

PixelCloseness comparePixels(const at::Tensor& actual, const at::Tensor& expected) {
    PixelCloseness p;
    if (actual.sizes() != expected.sizes()) return p;
    const at::Tensor d = (actual.to(at::kCPU, at::kInt) - expected.to(at::kCPU, at::kInt)).abs();
    p.total = d.numel();
    p.worst = p.total ? d.max().item<int>() : 0;
    p.offByOne = d.gt(0).sum().item<std::int64_t>();
    p.ok = p.worst <= 1 && p.offByOne * 200 <= p.total;
    return p;
}

}  // namespace archival::goldens
