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

std::string joinedNames() {
    std::string out;
    for (const auto& n : schedulerNames()) out += (out.empty() ? "" : ", ") + n;
    return out;
}

}  // namespace

std::vector<std::string> schedulerNames() {
    // clang-format off
    return {"pndm", "ddim", "euler", "euler_ancestral", "dpmpp_2m", "dpmpp_2m_karras",
            "flowmatch_euler"};
    // clang-format on
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
