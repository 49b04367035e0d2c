#include "golden.h"

#include <QDir>
#include <QDirIterator>
#include <QtTest>
#include <sstream>

#include "engine/io/tensor_loader.h"
#include "test_support.h"
#include "tolerances.h"

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

void writeSafetensors(const QString& path,
                      const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      std::optional<engine::DType> dtype) {
    std::vector<engine::TensorInfo> infos;
    std::vector<at::Tensor> data;
    for (const auto& [name, t] : tensors) {
        const engine::DType d = dtype ? *dtype : engine::fromScalarType(t.scalar_type());
        infos.push_back({name, d, t.sizes().vec()});
        data.push_back(t.to(at::kCPU, engine::toScalarType(d)).contiguous());
    }
    QByteArray bytes = QByteArray::fromStdString(engine::makeSafetensorsHeader(infos));
    for (const auto& c : data)
        bytes.append(static_cast<const char*>(c.data_ptr()), static_cast<qsizetype>(c.nbytes()));
    QVERIFY2(writeFile(path, bytes), qPrintable("cannot write " + path));
}

void writeSafetensors(const QString& path, const std::map<std::string, at::Tensor>& tensors,
                      std::optional<engine::DType> dtype) {
    writeSafetensors(
        path, std::vector<std::pair<std::string, at::Tensor>>(tensors.begin(), tensors.end()),
        dtype);
}

QStringList goldenFiles(const QString& pattern) {
    QStringList out;
    QDirIterator it(fixturesDir() + "/golden", {pattern}, QDir::Files);
    while (it.hasNext()) out << it.next();
    out.sort();
    return out;
}

std::string metaText(const Golden& g, const char* key) {
    const auto v = g.meta(key);
    if (v.is_string()) return v.get<std::string>();
    if (v.is_null()) return {};
    return v.dump();
}

void expectCloseToPeak(const at::Tensor& a, const at::Tensor& b, double rel, const QString& what) {
    QVERIFY2(a.sizes() == b.sizes(), qPrintable(what + ": shape mismatch"));
    const double peak = b.abs().max().item<double>();
    const auto c = compareClose(a, b, rel * peak, 0.0);
    QVERIFY2(c.ok, qPrintable(QStringLiteral("%1: max|diff| %2 > %3 × peak %4")
                                  .arg(what)
                                  .arg(c.maxAbs)
                                  .arg(rel)
                                  .arg(peak)));
}

void expectPixelsClose(const at::Tensor& a, const at::Tensor& b, const QString& what) {
    QVERIFY2(a.sizes() == b.sizes(), qPrintable(what + ": shape mismatch"));
    const at::Tensor d = (a.to(at::kInt) - b.to(at::kInt)).abs();
    const int worst = d.max().item<int>();
    const auto off = d.gt(0).sum().item<std::int64_t>();
    qInfo("%s: %lld of %lld pixels off by one, worst %d", qPrintable(what),
          static_cast<long long>(off), static_cast<long long>(d.numel()), worst);
    QVERIFY2(worst <= 1, qPrintable(what + ": a pixel is off by more than one level"));
    QVERIFY2(off * 200 <= d.numel(),
             qPrintable(what + ": more than 0.5 % of the pixels are off by one"));
}

engine::GenerationRequest requestFromGolden(const Golden& g) {
    engine::GenerationRequest req;
    req.prompt = metaText(g, "prompt");
    req.negativePrompt = metaText(g, "negative_prompt");
    req.seed = std::stoull(metaText(g, "seed"));
    req.steps = std::stoi(metaText(g, "steps"));
    req.guidance = std::stod(metaText(g, "guidance_scale"));
    req.width = std::stoi(metaText(g, "width"));
    req.height = std::stoi(metaText(g, "height"));
    return req;
}

std::function<void(int, const at::Tensor&, const at::Tensor&)> loopStepChecker(const Golden& g,
                                                                               int begin,
                                                                               const QString& what,
                                                                               int* checked) {
    const at::Tensor noisePreds = g["noise_preds"], stepLatents = g["step_latents"];
    return [=](int i, const at::Tensor& guided, const at::Tensor& after) {
        const int k = i - begin;
        expectCloseToPeak(guided, noisePreds[k], kLoopRelToPeak,
                          QStringLiteral("%1 noise_preds[%2]").arg(what).arg(k));
        expectCloseToPeak(after, stepLatents[k], kLoopRelToPeak,
                          QStringLiteral("%1 step_latents[%2]").arg(what).arg(k));
        ++*checked;
    };
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
