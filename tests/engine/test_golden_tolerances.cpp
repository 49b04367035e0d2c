// The acceptance rules the golden tests apply (kit/tolerances.h) against what the fixture
// generators measured (golden/*_tolerances.json): the reference itself, rerun with another
// thread count, in float64 or with other noise kernels, moves each golden by some amount.
// Every such measured difference must lie within the rule the tests hold the engine to;
// otherwise a rule would fail a correct implementation on that fixture set.
#include <QDir>
#include <QtTest>
#include <set>

#include "test_support.h"
#include "tolerances.h"

using namespace archival::test;

namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The bound a golden tensor is compared with, by what it is (README section 9 and 12.9).
// `loop`: the golden is a sampling loop (it has step_latents).
double boundFor(const std::string& golden, const std::string& tensor, double peak, bool loop,
                QString* rule) {
    if (tensor.find("uint8") != std::string::npos || endsWith(tensor, "_u8")) {
        *rule = QStringLiteral("uint8 pixels: at most one level");
        return 1.0;
    }
    if (golden.find("golden/sched_") != std::string::npos) {
        *rule = QStringLiteral("scheduler trace: %1 x peak").arg(kScheduleRel);
        return kScheduleRel * peak;
    }
    if (loop &&
        (tensor == "step_latents" || tensor == "final_latents" || tensor == "noise_preds")) {
        *rule = QStringLiteral("loop: %1 x peak").arg(kLoopRelToPeak);
        return kLoopRelToPeak * peak;
    }
    if (loop && (tensor == "image" || tensor == "image01")) {
        *rule = QStringLiteral("loop image: %1").arg(kImageAbs);
        return kImageAbs;
    }
    *rule =
        QStringLiteral("single pass: %1 + %2 x peak").arg(kSinglePass.atol).arg(kSinglePass.rtol);
    return kSinglePass.atol + kSinglePass.rtol * peak;
}

}  // namespace

class TestGoldenTolerances : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() { ARCHIVAL_REQUIRE_FIXTURES(); }

    // diffusion_tolerances.json, e2e_tolerances.json: {section: {diff: {golden: {tensor:
    // {max_abs, peak}}}}}.
    void rulesCoverTheMeasuredNoise() {
        const QStringList files =
            QDir(fixture(QStringLiteral("golden")))
                .entryList({QStringLiteral("*_tolerances.json")}, QDir::Files);
        int filesWithNoise = 0, checked = 0;
        for (const QString& file : files) {
            const auto noise = fixtureNoise(file);
            if (noise.empty()) continue;  // another layout (text_tolerances.json: below)
            ++filesWithNoise;
            std::set<std::pair<std::string, std::string>> loops;  // (section, golden)
            for (const auto& n : noise)
                if (n.tensor == "step_latents") loops.insert({n.section, n.golden});
            for (const auto& n : noise) {
                QString rule;
                const double bound = boundFor(n.golden, n.tensor, n.peak,
                                              loops.count({n.section, n.golden}) > 0, &rule);
                QVERIFY2(n.maxAbs <= bound,
                         qPrintable(QStringLiteral("%1 %2 %3 %4: measured %5 > %6 (%7)")
                                        .arg(file, QString::fromStdString(n.section),
                                             QString::fromStdString(n.golden),
                                             QString::fromStdString(n.tensor))
                                        .arg(n.maxAbs)
                                        .arg(bound)
                                        .arg(rule)));
                ++checked;
            }
        }
        qInfo("%d measured differences in %d files within the rules", checked, filesWithNoise);
        QVERIFY2(checked > 0,
                 "no measured differences in golden/*_tolerances.json ({section: {diff: {golden: "
                 "{tensor: {max_abs, peak}}}}})");
    }

    // text_tolerances.json: the reference's float32 against float64 for each text encoder.
    void textRulesCoverTheMeasuredNoise() {
        int checked = 0;
        for (const std::string tensor :
             {"last_hidden_state", "hidden_states_penultimate", "pooled_output", "text_embeds",
              "layer_outputs", "embedding_output", "penultimate_with_final_layer_norm"}) {
            for (const char* model : {"models/clip-l", "models/clip-g", "models/t5"}) {
                const auto measured = fixtureToleranceOf(
                    QStringLiteral("text_tolerances.json"), QString::fromLatin1(model),
                    QStringLiteral("reference fp32 vs own fp64"), tensor);
                if (!measured) continue;  // not every encoder records every tensor
                const Elementwise rule = QByteArray(model).contains("t5") ? kT5 : kSinglePass;
                // No peak is recorded here: hold the measured noise to the absolute part.
                QVERIFY2(measured->maxAbs <= rule.atol,
                         qPrintable(QStringLiteral("%1: measured %2 > atol %3")
                                        .arg(measured->source)
                                        .arg(measured->maxAbs)
                                        .arg(rule.atol)));
                ++checked;
            }
        }
        QVERIFY2(checked > 0,
                 "no \"reference fp32 vs own fp64\" comparison in golden/text_tolerances.json");
    }
};

QTEST_GUILESS_MAIN(TestGoldenTolerances)
#include "test_golden_tolerances.moc"
