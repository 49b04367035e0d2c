#pragma once
// Golden files for engine tests: tensors from the fixtures' safetensors files, and
// comparisons that report the largest difference so a failure says by how much. Reading and
// comparing are Qt-free (app/bench/goldens, shared with `archival-bench verify`); this adds
// the fixtures folder, Qt Test checks and file writing.

#include <ATen/ATen.h>

#include <QString>
#include <QStringList>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/generation.h"
#include "engine/io/checkpoint.h"
#include "goldens/closeness.h"
#include "goldens/golden_file.h"

namespace archival::test {

// A golden file; `path` relative to the fixtures folder or absolute.
class Golden : public goldens::GoldenFile {
  public:
    explicit Golden(const QString& path);
};

using goldens::Closeness;
using goldens::compareClose;

// Writes tensors as one safetensors file, each in its own dtype or all cast to `dtype`.
void writeSafetensors(const QString& path,
                      const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      std::optional<engine::DType> dtype = std::nullopt);
void writeSafetensors(const QString& path, const std::map<std::string, at::Tensor>& tensors,
                      std::optional<engine::DType> dtype = std::nullopt);

// The golden files in fixtures/golden matching a wildcard, sorted.
QStringList goldenFiles(const QString& pattern);
// A __metadata__ value as text ("" when absent; JSON values re-serialised).
std::string metaText(const Golden& golden, const char* key);
// Loop goldens (fixture README 12.9): max|a - b| <= rel · max|b|.
void expectCloseToPeak(const at::Tensor& actual, const at::Tensor& expected, double rel,
                       const QString& what);
// uint8 pixels (fixture README 12.9): |a - b| <= 1 everywhere, at most 0.5 % off by one.
void expectPixelsClose(const at::Tensor& actual, const at::Tensor& expected, const QString& what);

// The request an end-to-end golden ran (prompt, negative, seed, steps, guidance, size).
engine::GenerationRequest requestFromGolden(const Golden& golden);
// A DenoiseLoop observer that checks every step's guided model output and latents
// (`noise_preds`, `step_latents`, from step `begin` on) within rel · peak; counts steps.
std::function<void(int, const at::Tensor&, const at::Tensor&)> loopStepChecker(const Golden& golden,
                                                                               int begin,
                                                                               const QString& what,
                                                                               int* checked);

}  // namespace archival::test

// QVERIFY-style check that prints max |diff| on success too (qInfo) and on failure.
#define ARCHIVAL_EXPECT_CLOSE(actual, expected, atol, rtol)                                        \
    do {                                                                                           \
        const at::Tensor a_ = (actual), e_ = (expected);                                           \
        QVERIFY2(                                                                                  \
            a_.sizes() == e_.sizes(),                                                              \
            qPrintable(QStringLiteral("%1: shape mismatch").arg(QString::fromLatin1(#actual))));   \
        const auto c_ = archival::test::compareClose(a_, e_, (atol), (rtol));                      \
        qInfo("%s: %s", #actual, c_.describe().c_str());                                           \
        QVERIFY2(c_.ok,                                                                            \
                 qPrintable(QStringLiteral("%1 vs %2: %3")                                         \
                                .arg(QString::fromLatin1(#actual), QString::fromLatin1(#expected), \
                                     QString::fromStdString(c_.describe()))));                     \
    } while (0)
