// archival-bench: measures the engine. Qt-free so it builds on a GPU machine that has
// libtorch but no Qt. Each subcommand prints human-readable figures.
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "engine/errors.h"

namespace archival::bench {
int runLoad(const std::vector<std::string>& args);
}

namespace {

void usage(std::ostream& out) {
    out << "usage: archival-bench <command> [options]\n"
           "commands:\n"
           "  load FILE|FOLDER   safetensors load throughput vs a plain sequential read\n";
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
        if (command == "load") return archival::bench::runLoad(args);
    } catch (const archival::engine::EngineError& e) {
        std::cerr << "archival-bench: " << archival::engine::errorKindName(e.kind()) << ": "
                  << e.what() << '\n';
        return 1;
    }
    std::cerr << "archival-bench: unknown command '" << command << "'\n";
    usage(std::cerr);
    return 2;
}
