#pragma once
// `archival-bench verify`: the fixtures' component and loop goldens run through the engine on
// one device and dtype, each compared tensor judged by the rules the Qt tests use
// (goldens/golden_rules.h). What a golden is comes from its own tensors and metadata, never
// from a list of files or sizes.

#include <ATen/ATen.h>

#include <functional>
#include <string>
#include <vector>

namespace archival::bench {

struct VerifySettings {
    std::string fixtures;    // the fixture folder (holds golden/ and models/)
    std::string peerErrors;  // tests/data/bf16_peer_errors.json
    at::Device device = at::kCPU;
    at::ScalarType dtype = at::kFloat;
    // Golden file names (without folder) containing this text; empty: every golden.
    std::string only;
    // Run nothing: list the files and folders the run would read (VerifyOutcome::needed).
    bool listOnly = false;
};

enum class Verdict { Pass, Fail, NoBound, Error };
const char* verdictName(Verdict v);

// One compared tensor of one golden (or one golden that could not run).
struct VerifyRow {
    std::string golden;  // file name and case, e.g. "sd15_unet.safetensors odd_"
    std::string tensor;  // e.g. "out", "step_latents (20 steps)"
    double maxAbs = 0, meanAbs = 0;
    std::string bound;  // the rule, in words: "1e-4 + 1e-4|b|", "1.5 x peer 0.0155", "no bound"
    Verdict verdict = Verdict::Error;
    std::string note;  // error text, where the bound came from
};

struct VerifyOutcome {
    std::vector<VerifyRow> rows;
    // Golden files in golden/ that verify has no runner for (scheduler traces, text encoder
    // goldens, intermediates, ...), each with the reason: listed, never skipped silently.
    std::vector<std::string> notRun;
    // With listOnly: per golden that would run, its kind ("component", "loop",
    // "end-to-end") and the files and folders it reads (the golden first), relative to the
    // fixtures: to copy a fixture subset to another machine.
    struct Needs {
        std::string kind;
        std::vector<std::string> paths;
    };
    std::vector<Needs> needed;
};

// Runs every golden. `onRow` sees each row as it is made (progress on a slow device).
VerifyOutcome runVerify(const VerifySettings& settings,
                        const std::function<void(const VerifyRow&)>& onRow);

}  // namespace archival::bench
