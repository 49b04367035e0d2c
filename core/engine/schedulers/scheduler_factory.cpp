#include "engine/schedulers/scheduler_factory.h"

#include "engine/errors.h"
#include "engine/schedulers/ddim_scheduler.h"
#include "engine/schedulers/dpm_solver_multistep_scheduler.h"
#include "engine/schedulers/euler_ancestral_scheduler.h"
#include "engine/schedulers/euler_scheduler.h"
#include "engine/schedulers/flow_match_euler_scheduler.h"
#include "engine/schedulers/pndm_scheduler.h"

namespace archival::engine {

namespace {

// Every scheduler of the engine: its public enum, its name, and whether it samples
// flow-matching models (SD3 family) or noise-prediction ones (SD 1.5).
struct SamplerEntry {
    Sampler sampler;
    const char* name;
    bool flowMatching;
};
constexpr SamplerEntry kSamplers[] = {
    {Sampler::Pndm, "pndm", false},
    {Sampler::Ddim, "ddim", false},
    {Sampler::Euler, "euler", false},
    {Sampler::EulerAncestral, "euler_ancestral", false},
    {Sampler::DpmPP2M, "dpmpp_2m", false},
    {Sampler::DpmPP2MKarras, "dpmpp_2m_karras", false},
    {Sampler::FlowMatchEuler, "flowmatch_euler", true},
};

std::string joinedNames() {
    std::string out;
    for (const auto& n : schedulerNames()) out += (out.empty() ? "" : ", ") + n;
    return out;
}

}  // namespace

std::vector<std::string> schedulerNames() {
    std::vector<std::string> out;
    for (const auto& e : kSamplers) out.emplace_back(e.name);
    return out;
}

std::string samplerName(Sampler sampler) {
    for (const auto& e : kSamplers)
        if (e.sampler == sampler) return e.name;
    return {};  // ModelDefault
}

std::optional<Sampler> samplerFromName(const std::string& name) {
    if (name.empty()) return Sampler::ModelDefault;
    for (const auto& e : kSamplers)
        if (name == e.name) return e.sampler;
    return std::nullopt;
}

Sampler parseSampler(const std::string& name) {
    if (auto s = samplerFromName(name)) return *s;
    throw EngineError(ErrorKind::InvalidRequest,
                      "unknown scheduler \"" + name + "\"; available: " + joinedNames());
}

std::vector<Sampler> samplersFor(Family family) {
    std::vector<Sampler> out;
    for (const auto& e : kSamplers)
        if (e.flowMatching == (family == Family::Sd3)) out.push_back(e.sampler);
    return out;
}

std::unique_ptr<Scheduler> makeScheduler(Sampler sampler, const nlohmann::json& schedulerConfig) {
    if (sampler == Sampler::ModelDefault)
        throw EngineError(ErrorKind::Internal,
                          "makeScheduler: the model's default sampler must be resolved first");
    return makeScheduler(samplerName(sampler), schedulerConfig);
}

bool isFlowMatchConfig(const nlohmann::json& schedulerConfig) {
    if (!schedulerConfig.is_object()) return false;
    auto it = schedulerConfig.find("_class_name");
    return it != schedulerConfig.end() && it->is_string() &&
           it->get<std::string>().rfind("FlowMatch", 0) == 0;
}

std::unique_ptr<Scheduler> makeScheduler(const std::string& name,
                                         const nlohmann::json& schedulerConfig) {
    bool known = false;
    for (const auto& n : schedulerNames()) known = known || n == name;
    if (!known)
        throw EngineError(ErrorKind::InvalidRequest,
                          "unknown scheduler \"" + name + "\"; available: " + joinedNames());

    // The DDPM samplers need the beta schedule of a noise-prediction model; flow matching
    // needs a rectified-flow model. Mixing them runs but yields noise, so refuse it.
    const bool flowModel = isFlowMatchConfig(schedulerConfig);
    const bool flowSampler = name == "flowmatch_euler";
    const bool hasClassName =
        schedulerConfig.is_object() && schedulerConfig.contains("_class_name");
    if (flowModel && !flowSampler)
        throw EngineError(ErrorKind::InvalidRequest,
                          "scheduler \"" + name +
                              "\" cannot sample a flow-matching model (SD3 family); use "
                              "flowmatch_euler");
    if (flowSampler && hasClassName && !flowModel)
        throw EngineError(ErrorKind::InvalidRequest,
                          "flowmatch_euler only samples flow-matching models (SD3 family); this "
                          "model's scheduler is " +
                              schedulerConfig["_class_name"].dump());

    if (name == "pndm")
        return std::make_unique<PndmScheduler>(SchedulerConfig(schedulerConfig, name));
    if (name == "ddim")
        return std::make_unique<DdimScheduler>(SchedulerConfig(schedulerConfig, name));
    if (name == "euler")
        return std::make_unique<EulerScheduler>(SchedulerConfig(schedulerConfig, name));
    if (name == "euler_ancestral")
        return std::make_unique<EulerAncestralScheduler>(SchedulerConfig(schedulerConfig, name));
    if (name == "flowmatch_euler")
        return std::make_unique<FlowMatchEulerScheduler>(SchedulerConfig(schedulerConfig, name));
    // dpmpp_2m[_karras]: the name fixes the algorithm (DPM-Solver++, second order) and the
    // spacing of the noise levels; the rest comes from the config.
    nlohmann::json config = schedulerConfig.is_null() ? nlohmann::json::object() : schedulerConfig;
    if (config.is_object()) {  // else SchedulerConfig reports the malformed config
        config["algorithm_type"] = "dpmsolver++";
        config["solver_order"] = 2;
        config["use_karras_sigmas"] = name == "dpmpp_2m_karras";
    }
    return std::make_unique<DpmSolverMultistepScheduler>(SchedulerConfig(config, name), name);
}

}  // namespace archival::engine
