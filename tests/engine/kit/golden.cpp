#include "golden.h"

#include <QDir>
#include <QDirIterator>
#include <QtTest>

#include "engine/io/tensor_loader.h"
#include "test_support.h"
#include "tolerances.h"

namespace archival::test {
namespace {

std::string absoluteGolden(const QString& path) {
    return (QDir::isAbsolutePath(path) ? path : fixturesDir() + QLatin1Char('/') + path)
        .toStdString();
}

}  // namespace

Golden::Golden(const QString& path) : goldens::GoldenFile(absoluteGolden(path)) {}

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
    return g.metaText(key);
}

void expectCloseToPeak(const at::Tensor& a, const at::Tensor& b, double rel, const QString& what) {
    QVERIFY2(a.sizes() == b.sizes(), qPrintable(what + ": shape mismatch"));
    const auto c = goldens::compareToPeak(a, b, rel);
    QVERIFY2(c.ok, qPrintable(QStringLiteral("%1: max|diff| %2 > %3 × peak %4")
                                  .arg(what)
                                  .arg(c.maxAbs)
                                  .arg(rel)
                                  .arg(c.peak)));
}

void expectPixelsClose(const at::Tensor& a, const at::Tensor& b, const QString& what) {
    QVERIFY2(a.sizes() == b.sizes(), qPrintable(what + ": shape mismatch"));
    const auto p = goldens::comparePixels(a, b);
    qInfo("%s: %lld of %lld pixels off by one, worst %d", qPrintable(what),
          static_cast<long long>(p.offByOne), static_cast<long long>(p.total), p.worst);
    QVERIFY2(p.worst <= 1, qPrintable(what + ": a pixel is off by more than one level"));
    QVERIFY2(p.ok, qPrintable(what + ": more than 0.5 % of the pixels are off by one"));
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

}  // namespace archival::test
