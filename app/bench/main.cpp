// archival-bench: measures the engine. Qt-free so it builds on a GPU machine that has
// libtorch but no Qt. Each subcommand prints human-readable figures.
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "engine/errors.h"
#include "engine/runtime/host_block_cache.h"

namespace archival::bench {
int runLoad(const std::vector<std::string>& args);
int runSd15(const std::vector<std::string>& args);
int runSd35(const std::vector<std::string>& args);
int runVerifyCommand(const std::vector<std::string>& args);
}  // namespace archival::bench

namespace {

void usage(std::ostream& out) {
    out << "usage: archival-bench <command> [options]\n"
           "commands:\n"
           "  load FILE|FOLDER   safetensors load throughput vs a plain sequential read\n"
           "  sd15 [--width W --height H --steps N --batch B --device D --dtype T\n"
           "        --decodes N --json]\n"
           "                     full-size SD 1.5 with random weights: per-stage times\n"
           "                     (--profile FILE: a Chrome trace of the last step and the decode)\n"
           "  sd35 [--layers N --t5-layers N ...]\n"
           "                     full-size SD 3.5 Large with random weights (optionally fewer "
           "layers)\n"
           "  verify --fixtures DIR [--device D --dtype fp32|fp16|bf16 --only TEXT]\n"
           "                     the fixtures' component and loop goldens, each against its\n"
           "                     bound; exit status 1 when any fails\n";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? std::cerr : std::cout);
        return argc < 2 ? 2 : 0;
    }
    const std::string command = argv[1];
    const std::vector<std::string> args(argv + 2, argv + argc);
    try {
        // As the studio runs: large tensors reuse freed blocks (ARCHIVAL_HOST_CACHE=0: not).
        archival::engine::installHostBlockCache();
        if (command == "load") return archival::bench::runLoad(args);
        if (command == "sd15") return archival::bench::runSd15(args);
        if (command == "sd35") return archival::bench::runSd35(args);
        if (command == "verify") return archival::bench::runVerifyCommand(args);
    } catch (const archival::engine::EngineError& e) {
        std::cerr << "archival-bench: " << archival::engine::errorKindName(e.kind()) << ": "
                  << e.what() << '\n';
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "archival-bench: " << e.what() << '\n';
        return 2;
    }
    std::cerr << "archival-bench: unknown command '" << command << "'\n";
    usage(std::cerr);
    return 2;
}
