#pragma once
// Bounds derived from measured errors, read from files rather than copied into tests. The
// rules and the readers are Qt-free (app/bench/goldens/golden_rules.h, shared with
// `archival-bench verify`); this adds where the files are (the fixtures folder, tests/data)
// and the golden's SHA-256.

#include <QString>
#include <optional>
#include <string>
#include <vector>

#include "goldens/golden_rules.h"

namespace archival::test {

using goldens::Elementwise;
using goldens::kBf16ErrorFactor;
using goldens::kImageAbs;
using goldens::kLoopRelToPeak;
using goldens::kReducedPrecisionRelToPeak;
using goldens::kScheduleRel;
using goldens::kSinglePass;
using goldens::kT5;
using goldens::MeasuredNoise;

struct MeasuredError {
    double maxAbs = 0;
    QString source;  // where the number came from, for the test log
};

// The largest max_abs recorded for `tensor` in the fixtures' golden/<file> (e.g.
// "text_tolerances.json") under a comparison whose name starts with `comparisonPrefix` and
// contains `containing` (e.g. "models/t5-tiny (256)", "own bf16 compute vs own fp64").
std::optional<MeasuredError> fixtureToleranceOf(const QString& file,
                                                const QString& comparisonPrefix,
                                                const QString& containing,
                                                const std::string& tensor);

// Every measured difference of a diff-style tolerance file in the fixtures' golden/.
std::vector<MeasuredNoise> fixtureNoise(const QString& file);

// The reference library's bf16 error on `tensor` of `golden` (relative to the fixtures,
// e.g. "golden/t5_tiny.safetensors"), when tests/data/bf16_peer_errors.json was measured on
// this very golden file (same SHA-256).
std::optional<MeasuredError> peerBf16ErrorOf(const QString& golden, const std::string& tensor);

}  // namespace archival::test
