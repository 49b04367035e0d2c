#include "engine/schedulers/sigma_schedule.h"

#include <cmath>

#include "engine/schedulers/reference_numerics.h"

namespace archival::engine {

std::vector<float> eulerFamilyTimesteps(const std::string& spacing, int numTrainTimesteps, int n,
                                        int stepsOffset) {
    std::vector<float> ts;
    if (spacing == "linspace") {
        // np.linspace(..., dtype=float32) computes in float64 and rounds once at the end.
        const auto values = refnum::numpyLinspace(0.0, numTrainTimesteps - 1.0, n);
        for (auto it = values.rbegin(); it != values.rend(); ++it)
            ts.push_back(static_cast<float>(*it));
    } else if (spacing == "leading") {
        const int ratio = numTrainTimesteps / n;
        for (int i = n - 1; i >= 0; --i)
            ts.push_back(static_cast<float>(i * ratio) + static_cast<float>(stepsOffset));
    } else {  // trailing
        const double ratio = static_cast<double>(numTrainTimesteps) / n;
        for (double t : refnum::numpyArange(numTrainTimesteps, 0.0, -ratio))
            ts.push_back(static_cast<float>(refnum::roundHalfEven(t)) - 1.0f);
    }
    return ts;
}

std::vector<double> sigmasAtTimesteps(const std::vector<float>& timesteps,
                                      const std::vector<float>& trainSigmas) {
    std::vector<double> out;
    out.reserve(timesteps.size());
    for (float t : timesteps) out.push_back(refnum::numpyInterpIndexGrid(t, trainSigmas));
    return out;
}

at::Tensor floatTensor(const std::vector<float>& values) {
    return at::tensor(values, at::TensorOptions().dtype(at::kFloat));
}

float varianceScale(float sigma) {
    return std::sqrt(sigma * sigma + 1.0f);
}

}  // namespace archival::engine
