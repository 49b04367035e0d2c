#pragma once
// Builds a scheduler by its registry name from a model's scheduler config (the parsed
// scheduler/scheduler_config.json), as diffusers' `SchedulerClass.from_config(config)` does:
// the name picks the algorithm, the config supplies the noise schedule and options.
//
//   pndm             PNDMScheduler (PLMS with skip_prk_steps), the SD1.5 default
//   ddim             DDIMScheduler, eta 0
//   euler            EulerDiscreteScheduler
//   euler_ancestral  EulerAncestralDiscreteScheduler (needs a generator in step())
//   dpmpp_2m         DPMSolverMultistepScheduler, dpmsolver++ order 2
//   dpmpp_2m_karras  the same with use_karras_sigmas
//   flowmatch_euler  FlowMatchEulerDiscreteScheduler (SD3 / SD3.5)
//
// The same names are the public Sampler enum's spellings (engine/generation.h: samplerName,
// samplerFromName, samplersFor); this file's table is the one list of them.

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/generation.h"
#include "engine/schedulers/scheduler.h"

namespace archival::engine {

// Throws EngineError(InvalidRequest) for an unknown name or a name of the other model family
// than the config's `_class_name` (a DDPM sampler on a flow-matching model or the reverse),
// and EngineError(ModelLoad) for a config option that is malformed or not implemented.
std::unique_ptr<Scheduler> makeScheduler(const std::string& name,
                                         const nlohmann::json& schedulerConfig);

// Every name makeScheduler accepts, in the order above.
std::vector<std::string> schedulerNames();
// The scheduler of a public Sampler (not ModelDefault: the pipeline picks the model's own).
std::unique_ptr<Scheduler> makeScheduler(Sampler sampler, const nlohmann::json& schedulerConfig);

// True when the config's `_class_name` is a flow-matching scheduler (SD3 family).
bool isFlowMatchConfig(const nlohmann::json& schedulerConfig);

}  // namespace archival::engine
