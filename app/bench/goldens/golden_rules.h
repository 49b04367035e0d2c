#pragma once
// The acceptance rules of the fixture READMEs in one place (README.md sections 9 and 12.9,
// README-text.md "Tolerances"), and the measured errors the reduced-precision rules derive
// from: the fixtures' golden/*_tolerances.json (float noise the fixture generators measured)
// and tests/data/bf16_peer_errors.json (the reference libraries' own bf16 error on a golden,
// made by tests/peers/bf16/measure_bf16_peer.py, which holds the command). Read from files,
// never copied. Qt-free: shared by the engine's Qt tests and `archival-bench verify`.

#include <optional>
#include <string>
#include <vector>

namespace archival::goldens {

// test_golden_tolerances holds these against the float noise the fixture generators measured:
// a rule tighter than the reference's own noise would fail a correct implementation.
struct Elementwise {
    double atol, rtol;  // |a - b| <= atol + rtol |b|
};
inline constexpr Elementwise kSinglePass{1e-4, 1e-4};  // one forward pass; CLIP outputs
inline constexpr Elementwise kT5{2e-4, 1e-3};          // T5 and the SD3 prompt assembly
inline constexpr double kLoopRelToPeak = 2e-4;         // loops: max|a-b| <= 2e-4 max|b| per step
inline constexpr double kImageAbs = 5e-4;              // the decoded [0, 1] image of a loop
inline constexpr double kScheduleRel = 1e-5;           // scheduler F32 timesteps, sigmas, latents

// The speed rule for reduced precision: the engine's bf16 error against the float32 golden
// is at most 1.5x the reference's own bf16 error on the same golden.
inline constexpr double kBf16ErrorFactor = 1.5;
// Where the reference was not run in bf16 on a fixture set: the fixture README's rule for
// reduced precision (section 9: "TF32, fp16 or bf16 need roughly 1e-2 relative").
inline constexpr double kReducedPrecisionRelToPeak = 1e-2;

struct MeasuredError {
    double maxAbs = 0;
    std::string source;  // where the number came from, for logs and reports
};

// The largest max_abs recorded for `tensor` in a comparison-style tolerance file (e.g. the
// fixtures' golden/text_tolerances.json) under a comparison whose name starts with
// `comparisonPrefix` and contains `containing`.
std::optional<MeasuredError> toleranceOf(const std::string& file,
                                         const std::string& comparisonPrefix,
                                         const std::string& containing, const std::string& tensor);

// Every measured difference of a diff-style tolerance file (diffusion_tolerances.json,
// e2e_tolerances.json): section ("threads", "float64", ...), golden, tensor, max_abs, peak.
struct MeasuredNoise {
    std::string section, golden, tensor;
    double maxAbs = 0, peak = 0;
};
std::vector<MeasuredNoise> noiseOf(const std::string& file);

// The reference library's bf16 error on `tensor` of `golden` (relative to the fixtures, e.g.
// "golden/t5_tiny.safetensors"), read from `peerFile` (tests/data/bf16_peer_errors.json) when
// it was measured on this very golden file: `goldenSha256` is the hex SHA-256 of the fixture
// set's file, compared with the one recorded.
std::optional<MeasuredError> peerBf16ErrorOf(const std::string& peerFile, const std::string& golden,
                                             const std::string& tensor,
                                             const std::string& goldenSha256);
// Whether `peerFile` records `golden` at all (whatever its SHA-256), and the SHA-256 it holds.
std::optional<std::string> peerRecordedSha256(const std::string& peerFile,
                                              const std::string& golden);

}  // namespace archival::goldens
