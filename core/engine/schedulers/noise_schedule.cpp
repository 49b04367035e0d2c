#include "engine/schedulers/noise_schedule.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/errors.h"
#include "engine/schedulers/reference_numerics.h"

namespace archival::engine {

namespace {

// diffusers' betas_for_alpha_bar with the cosine transform (the "squaredcos_cap_v2" schedule
// of improved DDPM), in float64 then stored as float32.
std::vector<float> cosineBetas(int count) {
    const double pi = 3.14159265358979323846;
    auto alphaBar = [&](double t) {
        const double c = std::cos((t + 0.008) / 1.008 * pi / 2.0);
        return c * c;
    };
    std::vector<float> betas(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        const double t1 = static_cast<double>(i) / count;
        const double t2 = static_cast<double>(i + 1) / count;
        betas[static_cast<std::size_t>(i)] =
            static_cast<float>(std::min(1.0 - alphaBar(t2) / alphaBar(t1), 0.999));
    }
    return betas;
}

const char* predictionTypeName(PredictionType type) {
    switch (type) {
        case PredictionType::Epsilon:
            return "epsilon";
        case PredictionType::VPrediction:
            return "v_prediction";
        case PredictionType::Sample:
            return "sample";
    }
    return "?";
}

}  // namespace

PredictionType readPredictionType(const SchedulerConfig& config,
                                  std::initializer_list<PredictionType> allowed) {
    const std::string value = config.text("prediction_type", "epsilon");
    std::string list;
    for (PredictionType type : allowed) {
        if (value == predictionTypeName(type)) return type;
        list += (list.empty() ? "" : ", ") + std::string(predictionTypeName(type));
    }
    config.fail("prediction_type", "this scheduler implements " + list);
}

std::vector<float> trainAlphasCumprod(const SchedulerConfig& config) {
    const int count = config.integer("num_train_timesteps", 1000);
    if (count < 2) config.fail("num_train_timesteps", "must be at least 2");
    // rescale_zero_terminal_snr changes the schedule's end; no model this studio runs uses it.
    config.requireBoolean("rescale_betas_zero_snr", false, false);

    std::vector<float> betas;
    if (const auto trained = config.numberList("trained_betas")) {
        if (static_cast<int>(trained->size()) != count)
            config.fail("trained_betas", "has " + std::to_string(trained->size()) +
                                             " entries, num_train_timesteps is " +
                                             std::to_string(count));
        for (double b : *trained) betas.push_back(static_cast<float>(b));
    } else {
        const double start = config.number("beta_start", 0.0001);
        const double end = config.number("beta_end", 0.02);
        const std::string schedule = config.choice(
            "beta_schedule", "linear", {"linear", "scaled_linear", "squaredcos_cap_v2"});
        if (schedule == "linear") {
            betas = refnum::torchLinspaceFloat(start, end, count);
        } else if (schedule == "scaled_linear") {
            // The latent-diffusion schedule: linear in sqrt(beta), squared in float32.
            betas = refnum::torchLinspaceFloat(std::sqrt(start), std::sqrt(end), count);
            for (float& b : betas) b = b * b;
        } else {
            betas = cosineBetas(count);
        }
    }
    std::vector<float> alphas(betas.size());
    for (std::size_t i = 0; i < betas.size(); ++i) alphas[i] = 1.0f - betas[i];
    return refnum::cumprodFloat(alphas);
}

std::vector<float> trainSigmas(const std::vector<float>& alphasCumprod) {
    std::vector<float> sigmas(alphasCumprod.size());
    for (std::size_t i = 0; i < sigmas.size(); ++i) {
        const float a = alphasCumprod[i];
        sigmas[i] = std::sqrt((1.0f - a) / a);
    }
    return sigmas;
}

float alphaCumprodAt(const std::vector<float>& alphasCumprod, std::int64_t timestep) {
    if (timestep < 0 || timestep >= static_cast<std::int64_t>(alphasCumprod.size()))
        throw EngineError(ErrorKind::InvalidRequest,
                          "timestep " + std::to_string(timestep) + " is outside the " +
                              std::to_string(alphasCumprod.size()) +
                              " training timesteps (check steps_offset and the step count)");
    return alphasCumprod[static_cast<std::size_t>(timestep)];
}

at::Tensor noiseAtTimestep(float alphaCumprod, const at::Tensor& original,
                           const at::Tensor& noise) {
    const float sqrtAlpha = std::sqrt(alphaCumprod);
    const float sqrtOneMinusAlpha = std::sqrt(1.0f - alphaCumprod);
    return original * static_cast<double>(sqrtAlpha) +
           noise * static_cast<double>(sqrtOneMinusAlpha);
}

at::Tensor originalFromModelOutput(PredictionType type, float alphaCumprod,
                                   const at::Tensor& modelOutput, const at::Tensor& sample) {
    const float beta = 1.0f - alphaCumprod;
    const double sqrtAlpha = std::sqrt(alphaCumprod), sqrtBeta = std::sqrt(beta);
    switch (type) {
        case PredictionType::Epsilon:
            return (sample - modelOutput * sqrtBeta) / sqrtAlpha;
        case PredictionType::VPrediction:
            return sample * sqrtAlpha - modelOutput * sqrtBeta;
        case PredictionType::Sample:
            return modelOutput;
    }
    return modelOutput;
}

}  // namespace archival::engine
