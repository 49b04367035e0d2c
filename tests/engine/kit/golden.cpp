#include "golden.h"

#include <QDir>
#include <sstream>

#include "engine/io/tensor_loader.h"
#include "test_support.h"

namespace archival::test {
namespace {

engine::Checkpoint openGolden(const QString& path) {
    const QString full =
        QDir::isAbsolutePath(path) ? path : fixturesDir() + QLatin1Char('/') + path;
    return engine::Checkpoint::open(full.toStdString());
}

}  // namespace

Golden::Golden(const QString& path) : checkpoint_(openGolden(path)) {}

bool Golden::has(const std::string& name) const {
    return checkpoint_.find(name) != nullptr;
}

at::Tensor Golden::operator[](const std::string& name) const {
    const auto* e = checkpoint_.find(name);
    if (!e) throw std::runtime_error("golden " + checkpoint_.path() + " has no tensor " + name);
    return engine::loadTensor(*e, engine::toScalarType(e->info->dtype));
}

nlohmann::json Golden::meta(const std::string& key) const {
    const auto& m = checkpoint_.shards().front().metadata();
    auto it = m.find(key);
    if (it == m.end()) return nullptr;
    try {
        return nlohmann::json::parse(it->second);
    } catch (const nlohmann::json::exception&) {
        return it->second;
    }
}

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
    c.maxExcess = (diff - (atol + rtol * b.abs())).max().item<double>();
    c.ok = c.maxExcess <= 0.0 && !at::isnan(a).any().item<bool>();
    return c;
}

}  // namespace archival::test
