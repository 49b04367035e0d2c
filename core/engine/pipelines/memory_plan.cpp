#include "engine/pipelines/memory_plan.h"

#include <algorithm>

namespace archival::engine {
namespace {

bool isTextEncoder(const std::string& name) {
    return name.rfind("text_encoder", 0) == 0;
}

}  // namespace

bool MemoryPlan::offloads(const std::string& component) const {
    return std::find(offloaded.begin(), offloaded.end(), component) != offloaded.end();
}

bool MemoryPlan::runsOnHost(const std::string& component) const {
    return std::find(hostStages.begin(), hostStages.end(), component) != hostStages.end();
}

MemoryPlan planMemory(const std::vector<ResidentComponent>& components, std::uint64_t budget,
                      bool deviceIsHost, bool releaseAsked, std::uint64_t deviceBytes) {
    MemoryPlan plan;
    plan.releaseTextEncoders = releaseAsked;
    std::uint64_t total = 0;
    for (const auto& c : components) total += c.bytes;
    if (budget == 0 || total <= budget) return plan;
    if (deviceIsHost) {
        plan.releaseTextEncoders = true;
        return plan;
    }
    // Offload in the order that costs least per job: text encoders run once per job, the
    // VAE once at the end; the denoiser runs every step and stays.
    auto offload = [&](auto&& wanted) {
        for (const auto& c : components) {
            if (total <= budget) return;
            if (!wanted(c.name) || plan.offloads(c.name)) continue;
            plan.offloaded.push_back(c.name);
            total -= c.bytes;
        }
    };
    offload([](const std::string& n) { return isTextEncoder(n); });
    offload([](const std::string& n) { return n == "vae"; });
    // Stages run one at a time: each offloaded component comes over alone, beside what stays.
    const std::uint64_t stageLimit = deviceBytes > 0 ? std::max(deviceBytes, budget) : budget;
    for (const auto& c : components)
        if (plan.offloads(c.name) && total + c.bytes > stageLimit)
            plan.hostStages.push_back(c.name);
    return plan;
}

std::string describe(const MemoryPlan& plan) {
    std::string out;
    if (plan.releaseTextEncoders) out = "text encoders released after encoding";
    if (!plan.offloaded.empty()) {
        if (!out.empty()) out += "; ";
        out += "offloaded to host between stages:";
        for (std::size_t i = 0; i < plan.offloaded.size(); ++i) {
            out += (i ? ", " : " ") + plan.offloaded[i];
            if (plan.runsOnHost(plan.offloaded[i])) out += " (runs on the host)";
        }
    }
    return out.empty() ? "everything resident on the device" : out;
}

}  // namespace archival::engine
