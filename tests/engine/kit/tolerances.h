#pragma once
// Bounds derived from measured errors, read from files rather than copied into tests:
// the fixtures' golden/*_tolerances.json (float noise the fixture generators measured) and
// tests/data/bf16_peer_errors.json (the reference libraries' own bf16 error on a golden,
// made by tests/peers/bf16/measure_bf16_peer.py, which holds the command).

#include <QString>
#include <optional>
#include <string>
#include <vector>

namespace archival::test {

// The acceptance rules of the fixture READMEs, in one place (README.md section 9 and 12.9,
// README-text.md "Tolerances"). test_golden_tolerances holds them against the float noise
// the fixture generators measured (golden/*_tolerances.json): a rule tighter than the
// reference's own noise would fail a correct implementation.
struct Elementwise {
    double atol, rtol;  // |a - b| <= atol + rtol |b|
};
inline constexpr Elementwise kSinglePass{1e-4, 1e-4};  // one forward pass; CLIP outputs
inline constexpr Elementwise kT5{2e-4, 1e-3};          // T5 and the SD3 prompt assembly
inline constexpr double kLoopRelToPeak = 2e-4;         // loops: max|a-b| <= 2e-4 max|b| per step
inline constexpr double kImageAbs = 5e-4;              // the decoded [0, 1] image of a loop
inline constexpr double kScheduleRel = 1e-5;           // scheduler F32 timesteps, sigmas, latents

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

// Every measured difference of a diff-style tolerance file (diffusion_tolerances.json,
// e2e_tolerances.json): section ("threads", "float64", ...), golden, tensor, max_abs, peak.
struct MeasuredNoise {
    std::string section, golden, tensor;
    double maxAbs = 0, peak = 0;
};
std::vector<MeasuredNoise> fixtureNoise(const QString& file);

// The reference library's bf16 error on `tensor` of `golden` (relative to the fixtures,
// e.g. "golden/t5_tiny.safetensors"), when tests/data/bf16_peer_errors.json was measured on
// this very golden file (same SHA-256).
std::optional<MeasuredError> peerBf16ErrorOf(const QString& golden, const std::string& tensor);

// The speed rule for reduced precision: the engine's bf16 error against the float32 golden
// is at most 1.5x the reference's own bf16 error on the same golden.
inline constexpr double kBf16ErrorFactor = 1.5;
// Where the reference was not run in bf16 on a fixture set: the fixture README's rule for
// reduced precision (section 9: "TF32, fp16 or bf16 need roughly 1e-2 relative").
inline constexpr double kReducedPrecisionRelToPeak = 1e-2;

}  // namespace archival::test
