// `archival-bench verify --fixtures DIR [--device cpu|cuda|cuda:N] [--dtype fp32|fp16|bf16]
// [--only TEXT] [--threads N] [--list]`: the fixtures' component and loop goldens through the
// engine, without Qt, so that the first run on a GPU machine says at once what is right and what is
// not. One line per compared tensor; exit status 1 when any golden fails or cannot run.
#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <torch/version.h>

#include "engine/generation.h"
#include "engine/runtime/device.h"
#include "host_info.h"
#include "verify_cases.h"

#ifndef ARCHIVAL_SOURCE_DIR
#define ARCHIVAL_SOURCE_DIR "."
#endif

namespace archival::bench {
namespace {

constexpr const char* kUsage =
    "archival-bench verify --fixtures DIR [--device cpu|cuda|cuda:N] [--dtype fp32|fp16|bf16]\n"
    "                      [--only TEXT] [--threads N] [--peer-errors FILE] [--list]";

void printRow(const VerifyRow& r) {
    std::printf("%-44s %-30s %10.3g %10.3g  %-28s %-8s %s\n", r.golden.c_str(), r.tensor.c_str(),
                r.maxAbs, r.meanAbs, r.bound.c_str(), verdictName(r.verdict), r.note.c_str());
    std::fflush(stdout);
}

}  // namespace

int runVerifyCommand(const std::vector<std::string>& args) {
    VerifySettings s;
    engine::Device device = engine::Device::cpu();
    engine::Dtype dtype = engine::Dtype::Fp32;
    int threads = 1;  // the goldens were made with one thread; tiny models gain nothing
    s.peerErrors = ARCHIVAL_SOURCE_DIR "/tests/data/bf16_peer_errors.json";
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        const bool hasValue = i + 1 < args.size();
        if (a == "--fixtures" && hasValue)
            s.fixtures = args[++i];
        else if (a == "--device" && hasValue)
            device = engine::parseDevice(args[++i]);  // InvalidRequest when unknown
        else if (a == "--dtype" && hasValue)
            dtype = engine::parseDtype(args[++i]);
        else if (a == "--only" && hasValue)
            s.only = args[++i];
        else if (a == "--threads" && hasValue)
            threads = std::stoi(args[++i]);
        else if (a == "--list")
            s.listOnly = true;
        else if (a == "--peer-errors" && hasValue)
            s.peerErrors = args[++i];
        else {
            std::cerr << "usage: " << kUsage << '\n';
            return 2;
        }
    }
    if (s.fixtures.empty()) {
        std::cerr << "usage: " << kUsage << '\n';
        return 2;
    }
    if (dtype == engine::Dtype::Auto) {
        std::cerr << "archival-bench verify: --dtype auto is not a precision to verify; give "
                     "fp32, fp16 or bf16\n";
        return 2;
    }
    s.device = engine::resolveDevice(device);  // InvalidRequest when CUDA is absent
    s.dtype = engine::resolveDtype(dtype, s.device, engine::Family::Sd15);
    at::set_num_threads(threads);
    // The fixture README: the float32 tolerances hold on a GPU only without TF32.
    at::globalContext().setAllowTF32CuBLAS(false);
    at::globalContext().setAllowTF32CuDNN(false);

    if (s.listOnly) {
        // What a run reads, relative to the fixtures, one golden a line ("<kind> <golden>
        // <folder>..."): a fixture subset for another machine.
        for (const auto& needs : runVerify(s, nullptr).needed) {
            std::printf("%s", needs.kind.c_str());
            for (const auto& p : needs.paths) std::printf(" %s", p.c_str());
            std::printf("\n");
        }
        return 0;
    }
    std::printf("archival-bench verify: %s, %s on %s, libtorch %s\n", s.fixtures.c_str(),
                engine::scalarTypeName(s.dtype).c_str(), s.device.str().c_str(), TORCH_VERSION);
    std::printf("host: %s\n", hostLine().c_str());
    std::printf("%-44s %-30s %10s %10s  %-28s %-8s %s\n", "golden", "tensor", "max|diff|",
                "mean|diff|", "bound", "verdict", "note");
    const auto start = std::chrono::steady_clock::now();
    const VerifyOutcome out = runVerify(s, printRow);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    int pass = 0, fail = 0, unbounded = 0, errors = 0;
    for (const auto& r : out.rows) {
        pass += r.verdict == Verdict::Pass;
        fail += r.verdict == Verdict::Fail;
        unbounded += r.verdict == Verdict::NoBound;
        errors += r.verdict == Verdict::Error;
    }
    for (const auto& n : out.notRun) std::printf("not run: %s\n", n.c_str());
    std::printf("verify %s %s: %d passed, %d failed, %d without a bound, %d errors (%.1f s)\n",
                engine::scalarTypeName(s.dtype).c_str(), s.device.str().c_str(), pass, fail,
                unbounded, errors, seconds);
    if (out.rows.empty()) {
        std::printf("verify: no golden ran: nothing verified in %s\n", s.fixtures.c_str());
        return 1;
    }
    for (const auto& r : out.rows)
        if (r.verdict == Verdict::Fail || r.verdict == Verdict::Error)
            std::printf("FAILED: %s %s\n", r.golden.c_str(), r.tensor.c_str());
    return fail + errors > 0 ? 1 : 0;
}

}  // namespace archival::bench
