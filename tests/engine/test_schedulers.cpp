// Schedulers against the diffusers v0.31 traces (fixture README section 5): for every
// golden/sched_<name>.safetensors present and every step count it holds, the timesteps,
// sigmas, start noise scale, model inputs and latents of txt2img and img2img, with the
// tolerances of README section 9. Cases are discovered from the files, never listed here.
#include <ATen/ATen.h>

#include <QDir>
#include <QRegularExpression>
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "engine/errors.h"
#include "engine/schedulers/scheduler_config.h"
#include "engine/schedulers/scheduler_factory.h"
#include "golden.h"
#include "test_support.h"
#include "tolerances.h"

using namespace archival::engine;
using archival::test::Golden;

namespace {

// README section 9: F32 timesteps and sigmas within 1e-5 relative; latents (and every other
// per-step tensor) max|a-b| <= 1e-5 * max|b|.
constexpr double kScheduleRelTol = archival::test::kScheduleRel;
constexpr double kLatentRelTol = archival::test::kScheduleRel;

QString goldenDir() {
    return archival::test::fixturesDir() + QStringLiteral("/golden");
}

QStringList traceFiles() {
    return QDir(goldenDir())
        .entryList({QStringLiteral("sched_*.safetensors")}, QDir::Files, QDir::Name);
}

// "sched_dpmpp_2m_karras.safetensors" -> "dpmpp_2m_karras".
std::string schedulerNameOf(const QString& file) {
    QString base = file;
    base.remove(QRegularExpression(QStringLiteral("^sched_")));
    base.remove(QRegularExpression(QStringLiteral("\\.safetensors$")));
    return base.toStdString();
}

// The step counts N of the "nN.timesteps" keys, ascending.
std::vector<int> stepCountsOf(const Golden& g) {
    static const QRegularExpression key(QStringLiteral("^n(\\d+)\\.timesteps$"));
    std::vector<int> counts;
    for (const auto& entry : g.checkpoint().entries()) {
        const auto m = key.match(QString::fromStdString(entry.first));
        if (m.hasMatch()) counts.push_back(m.captured(1).toInt());
    }
    std::sort(counts.begin(), counts.end());
    return counts;
}

// The resolved config from the file's metadata. Python writes -Infinity for
// lambda_min_clipped, which strict JSON rejects, so the metadata may come back as text.
nlohmann::json configOf(const Golden& g) {
    const nlohmann::json meta = g.meta("scheduler_config");
    if (meta.is_object()) return meta;
    if (meta.is_string()) return parseSchedulerConfig(meta.get<std::string>());
    throw std::runtime_error("trace has no scheduler_config metadata");
}

double numberMeta(const Golden& g, const std::string& key) {
    const nlohmann::json v = g.meta(key);
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) return std::stod(v.get<std::string>());
    throw std::runtime_error("trace has no numeric metadata " + key);
}

double maxAbs(const at::Tensor& t) {
    return t.numel() == 0 ? 0.0 : t.detach().to(at::kDouble).abs().max().item<double>();
}

// Per-step comparisons of one tensor sequence with max|a-b| <= rel * max|b| at every step;
// keeps the worst step for the report.
class SequenceCheck {
  public:
    SequenceCheck(std::string what, double rel) : what_(std::move(what)), rel_(rel) {}

    void add(int step, const at::Tensor& actual, const at::Tensor& expected) {
        if (actual.sizes() != expected.sizes()) {
            fail(step, "shape mismatch");
            return;
        }
        const at::Tensor a = actual.detach().to(at::kDouble), b = expected.detach().to(at::kDouble);
        const double diff = (a - b).abs().max().item<double>();
        const double peak = maxAbs(b);
        const double bound = rel_ * peak;
        worstDiff_ = std::max(worstDiff_, diff);
        if (peak > 0) worstRatio_ = std::max(worstRatio_, diff / peak);
        ++steps_;
        if (!(diff <= bound) || at::isnan(a).any().item<bool>()) {
            std::ostringstream s;
            s << "max|diff| " << diff << " > " << bound << " (" << rel_ << " * max|b| " << peak
              << ")";
            fail(step, s.str());
        }
    }
    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    std::string summary() const {
        std::ostringstream s;
        s << what_ << ": " << steps_ << " steps, max|diff| " << worstDiff_
          << ", worst max|diff|/max|b| " << worstRatio_;
        return s.str();
    }

  private:
    void fail(int step, const std::string& why) {
        if (error_.empty()) error_ = what_ + " step " + std::to_string(step) + ": " + why;
    }
    std::string what_;
    double rel_;
    double worstDiff_ = 0, worstRatio_ = 0;
    int steps_ = 0;
    std::string error_;
};

// Timesteps: I64 exactly, F32 within kScheduleRelTol relative, elementwise.
std::string compareSchedule(const char* what, const at::Tensor& actual,
                            const at::Tensor& expected) {
    std::ostringstream s;
    if (!actual.defined()) return std::string(what) + ": not produced";
    if (actual.sizes() != expected.sizes()) {
        s << what << ": " << actual.sizes() << " entries, expected " << expected.sizes();
        return s.str();
    }
    if (actual.scalar_type() != expected.scalar_type()) {
        s << what << ": dtype " << actual.scalar_type() << ", expected " << expected.scalar_type();
        return s.str();
    }
    if (expected.scalar_type() == at::kLong) {
        if (!at::equal(actual, expected)) s << what << ": " << actual << " expected " << expected;
        return s.str();
    }
    const auto c = archival::test::compareClose(actual, expected, 0.0, kScheduleRelTol);
    if (!c.ok) s << what << ": " << c.describe() << "\n" << actual << "\nexpected\n" << expected;
    return s.str();
}

at::Generator seededGenerator(const Golden& g) {
    return at::detail::createCPUGenerator(
        static_cast<std::uint64_t>(g["generator_seed"].item<std::int64_t>()));
}

template <typename F>
ErrorKind kindOf(F&& f) {
    try {
        f();
    } catch (const EngineError& e) {
        return e.kind();
    }
    throw std::runtime_error("no EngineError was thrown");
}

template <typename F>
std::string messageOf(F&& f) {
    try {
        f();
    } catch (const EngineError& e) {
        return e.what();
    }
    return {};
}

// setTimesteps(steps), then the trace's timesteps, sigmas and init_noise_sigma; the first
// mismatch, or "".
std::string checkSchedule(Scheduler& scheduler, const Golden& g, int steps) {
    const std::string p = "n" + std::to_string(steps) + ".";
    scheduler.setTimesteps(steps);
    for (const char* key : {"timesteps", "timesteps_full"}) {
        const std::string err = compareSchedule(key, scheduler.timesteps(), g[p + key]);
        if (!err.empty()) return err;
    }
    if (g.has(p + "sigmas")) {
        const std::string err = compareSchedule("sigmas", scheduler.sigmas(), g[p + "sigmas"]);
        if (!err.empty()) return err;
    } else if (scheduler.sigmas().defined()) {
        return "sigmas given where the trace has none";
    }
    const double expected = g[p + "init_noise_sigma"].item<double>();
    if (!(std::abs(scheduler.initNoiseSigma() - expected) <=
          kScheduleRelTol * std::abs(expected))) {
        std::ostringstream s;
        s.precision(9);
        s << "init_noise_sigma " << scheduler.initNoiseSigma() << ", expected " << expected;
        return s.str();
    }
    return {};
}

// The txt2img loop of the trace from its init_noise (after checkSchedule); logs one summary
// line per tensor sequence and returns the first mismatch, or "".
std::string checkTxt2img(Scheduler& scheduler, const Golden& g, int steps) {
    const std::string p = "n" + std::to_string(steps) + ".";
    const std::string tag = std::string(scheduler.name()) + " n" + std::to_string(steps) + " ";
    const at::Tensor modelOutputs = g["model_outputs"];
    const bool ancestral = g.has(p + "noises");
    const std::int64_t count = scheduler.timesteps().size(0);
    if (count > modelOutputs.size(0)) return "the trace has fewer model outputs than timesteps";
    SequenceCheck inputs(tag + "scaled_inputs", kLatentRelTol);
    SequenceCheck latents(tag + "latents", kLatentRelTol);
    SequenceCheck noises(tag + "noises", kLatentRelTol);
    at::Generator gen = seededGenerator(g), twin = seededGenerator(g);
    at::Tensor x = g["init_noise"] * scheduler.initNoiseSigma();
    for (int i = 0; i < count; ++i) {
        inputs.add(i, scheduler.scaleModelInput(x, i), g[p + "scaled_inputs"][i]);
        if (ancestral)  // the draw step() makes, from a twin of its generator
            noises.add(i, at::randn(modelOutputs[i].sizes(), twin), g[p + "noises"][i]);
        x = scheduler.step(modelOutputs[i], i, x, &gen);
        latents.add(i, x, g[p + "latents"][i]);
    }
    qInfo("%s", inputs.summary().c_str());
    qInfo("%s", latents.summary().c_str());
    if (ancestral) qInfo("%s", noises.summary().c_str());
    for (const SequenceCheck* c : {&inputs, &noises, &latents})
        if (!c->ok()) return c->error();
    return {};
}

// diffusers v0.31 __init__ defaults of the options a scheduler_config.json may leave out.
std::vector<std::pair<const char*, nlohmann::json>> diffusersDefaults(const std::string& name) {
    std::vector<std::pair<const char*, nlohmann::json>> d;
    if (name == "flowmatch_euler")
        return {{"num_train_timesteps", 1000}, {"shift", 1.0}, {"use_dynamic_shifting", false}};
    d = {{"num_train_timesteps", 1000}, {"beta_start", 0.0001}, {"beta_end", 0.02},
         {"beta_schedule", "linear"},   {"steps_offset", 0},    {"prediction_type", "epsilon"},
         {"trained_betas", nullptr}};
    if (name == "pndm") {
        d.insert(d.end(), {{"timestep_spacing", "leading"},
                           {"skip_prk_steps", false},
                           {"set_alpha_to_one", false}});
    } else if (name == "ddim") {
        d.insert(d.end(), {{"timestep_spacing", "leading"},
                           {"set_alpha_to_one", true},
                           {"clip_sample", true},
                           {"clip_sample_range", 1.0},
                           {"thresholding", false}});
    } else if (name == "euler") {
        d.insert(d.end(), {{"timestep_spacing", "linspace"},
                           {"use_karras_sigmas", false},
                           {"final_sigmas_type", "zero"},
                           {"interpolation_type", "linear"},
                           {"timestep_type", "discrete"}});
    } else if (name == "euler_ancestral") {
        d.insert(d.end(), {{"timestep_spacing", "linspace"}});
    } else {  // DPM-Solver
        d.insert(d.end(), {{"timestep_spacing", "linspace"},
                           {"solver_type", "midpoint"},
                           {"lower_order_final", true},
                           {"euler_at_final", false},
                           {"final_sigmas_type", "zero"},
                           {"thresholding", false}});
    }
    return d;
}

nlohmann::json sd15StyleConfig() {
    return parseSchedulerConfig(R"({"_class_name": "PNDMScheduler", "beta_end": 0.012,
        "beta_schedule": "scaled_linear", "beta_start": 0.00085, "num_train_timesteps": 1000,
        "set_alpha_to_one": false, "skip_prk_steps": true, "steps_offset": 1,
        "trained_betas": null, "clip_sample": false})");
}

}  // namespace

class TestSchedulers : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() { ARCHIVAL_REQUIRE_FIXTURES(); }

    void everyTraceMapsToAScheduler() {
        const QStringList files = traceFiles();
        QVERIFY2(!files.isEmpty(), qPrintable("no sched_*.safetensors in " + goldenDir()));
        const auto names = schedulerNames();
        for (const QString& f : files) {
            const std::string name = schedulerNameOf(f);
            QVERIFY2(std::find(names.begin(), names.end(), name) != names.end(),
                     qPrintable(f + ": no scheduler named " + QString::fromStdString(name)));
            QVERIFY2(!stepCountsOf(Golden(QStringLiteral("golden/") + f)).empty(),
                     qPrintable(f + ": no nN.timesteps keys"));
        }
    }

    void traces_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("steps");
        int rows = 0;
        for (const QString& f : traceFiles())
            for (int n : stepCountsOf(Golden(QStringLiteral("golden/") + f))) {
                QTest::addRow("%s n=%d", qPrintable(f), n) << f << n;
                ++rows;
            }
        archival::test::addRowIfNothingFound(rows, "golden/sched_*.safetensors with nN.timesteps");
    }

    // txt2img then img2img, as the fixture script ran them.
    void traces() {
        ARCHIVAL_FAIL_ON_EMPTY_TABLE();
        QFETCH(QString, file);
        QFETCH(int, steps);
        const Golden g(QStringLiteral("golden/") + file);
        const std::string name = schedulerNameOf(file);
        const std::string p = "n" + std::to_string(steps) + ".";
        auto scheduler = makeScheduler(name, configOf(g));
        const at::Tensor modelOutputs = g["model_outputs"];
        const bool ancestral = g.has(p + "noises");

        // --- schedule and txt2img ---
        std::string err = checkSchedule(*scheduler, g, steps);
        QVERIFY2(err.empty(), err.c_str());
        err = checkTxt2img(*scheduler, g, steps);
        QVERIFY2(err.empty(), err.c_str());

        // --- img2img (SD1.5 start rule, the fixture's metadata strength) ---
        {
            const double strength = numberMeta(g, "strength");
            const std::int64_t expectedStart = g[p + "i2i.t_start"].item<std::int64_t>();
            if (expectedStart >= steps) {  // the strength leaves no step: refused up front
                QCOMPARE(kindOf([&] {
                             img2imgStartIndex(steps, strength, Img2ImgStartRule::WholeSteps);
                         }),
                         ErrorKind::InvalidRequest);
                return;
            }
            const int tStart = img2imgStartIndex(steps, strength, Img2ImgStartRule::WholeSteps);
            QCOMPARE(static_cast<std::int64_t>(tStart), expectedStart);
            scheduler->setTimesteps(steps);
            const int begin = tStart * scheduler->order();
            const at::Tensor ts = scheduler->timesteps().slice(0, begin);
            err = compareSchedule("i2i.timesteps", ts, g[p + "i2i.timesteps"]);
            QVERIFY2(err.empty(), err.c_str());
            err = compareSchedule("i2i.latent_timestep", ts.slice(0, 0, 1),
                                  g[p + "i2i.latent_timestep"]);
            QVERIFY2(err.empty(), err.c_str());
            scheduler->setBeginIndex(begin);

            const std::string tag = name + " n" + std::to_string(steps) + " i2i.";
            SequenceCheck noised(tag + "noised", kLatentRelTol);
            at::Tensor x = scheduler->addNoise(g["x0"], g["i2i_noise"], begin);
            noised.add(0, x, g[p + "i2i.noised"]);
            qInfo("%s", noised.summary().c_str());
            QVERIFY2(noised.ok(), noised.error().c_str());

            SequenceCheck inputs(tag + "scaled_inputs", kLatentRelTol);
            SequenceCheck latents(tag + "latents", kLatentRelTol);
            SequenceCheck noises(tag + "noises", kLatentRelTol);
            at::Generator gen = seededGenerator(g), twin = seededGenerator(g);
            for (int j = 0; j < ts.size(0); ++j) {
                const int i = begin + j;
                inputs.add(j, scheduler->scaleModelInput(x, i), g[p + "i2i.scaled_inputs"][j]);
                if (ancestral)
                    noises.add(j, at::randn(modelOutputs[j].sizes(), twin), g[p + "i2i.noises"][j]);
                x = scheduler->step(modelOutputs[j], i, x, &gen);
                latents.add(j, x, g[p + "i2i.latents"][j]);
            }
            qInfo("%s", inputs.summary().c_str());
            qInfo("%s", latents.summary().c_str());
            if (ancestral) qInfo("%s", noises.summary().c_str());
            QVERIFY2(inputs.ok(), inputs.error().c_str());
            QVERIFY2(noises.ok(), noises.error().c_str());
            QVERIFY2(latents.ok(), latents.error().c_str());
        }
    }

    // A scheduler_config.json as downloaded holds only some keys (the SD1.5 one has no
    // timestep_spacing); from_config fills the rest with each scheduler's own defaults
    // (README 10.14: Euler and DPM default to linspace, PNDM and DDIM to leading). Dropping
    // every key of a trace's resolved config that holds the diffusers default must not change
    // the schedule or the latents.
    void omittedKeysTakeTheDiffusersDefaults() {
        int dropped = 0;
        for (const QString& f : traceFiles()) {
            const Golden g(QStringLiteral("golden/") + f);
            const std::string name = schedulerNameOf(f);
            nlohmann::json config = configOf(g);
            for (const auto& [key, value] : diffusersDefaults(name)) {
                if (config.contains(key) && config[key] == value) {
                    config.erase(key);
                    ++dropped;
                }
            }
            auto scheduler = makeScheduler(name, config);
            for (int n : stepCountsOf(g)) {
                std::string err = checkSchedule(*scheduler, g, n);
                if (err.empty()) err = checkTxt2img(*scheduler, g, n);
                QVERIFY2(err.empty(), qPrintable(f + ": " + QString::fromStdString(err)));
            }
        }
        QVERIFY2(dropped > 0, "no trace config holds a default value to drop");
    }

    // Every model folder's scheduler config builds every sampler of its family, gives finite
    // schedules, and refuses the samplers of the other family.
    void modelFolderConfigsBuildTheirFamily() {
        const QDir models(archival::test::fixturesDir() + QStringLiteral("/models"));
        int built = 0;
        for (const QString& m : models.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            const QString path =
                models.filePath(m + QStringLiteral("/scheduler/scheduler_config.json"));
            if (!QFileInfo::exists(path)) continue;
            const nlohmann::json config = readSchedulerConfigFile(path.toStdString());
            const bool flow = isFlowMatchConfig(config);
            for (const auto& name : schedulerNames()) {
                if ((name == "flowmatch_euler") != flow) {
                    QCOMPARE(kindOf([&] { makeScheduler(name, config); }),
                             ErrorKind::InvalidRequest);
                    continue;
                }
                auto scheduler = makeScheduler(name, config);
                scheduler->setTimesteps(10);
                QVERIFY(scheduler->timesteps().size(0) >= 10);
                QVERIFY(at::isfinite(scheduler->timesteps().to(at::kDouble)).all().item<bool>());
                QVERIFY(std::isfinite(scheduler->initNoiseSigma()));
                ++built;
            }
        }
        QVERIFY2(built > 0, "no models/*/scheduler/scheduler_config.json");
    }

    // The training schedule itself: alphas_cumprod of the DDPM-family traces, through the
    // x0 estimate at t (exactly alphas_cumprod[t] enters it) and through add_noise.
    void predictOriginalFollowsTheReferenceFormula() {
        int checked = 0;
        for (const QString& f : traceFiles()) {
            const Golden g(QStringLiteral("golden/") + f);
            const std::string name = schedulerNameOf(f);
            auto scheduler = makeScheduler(name, configOf(g));
            const int n = stepCountsOf(g).back();
            const std::string p = "n" + std::to_string(n) + ".";
            scheduler->setTimesteps(n);
            const int i = 1;  // a step with a history (PNDM: the repeated timestep)
            const at::Tensor eps = g["model_outputs"][i].to(at::kDouble);
            const at::Tensor sample = g[p + "latents"][i - 1];
            // REFERENCE.md "Latent -> RGB preview": on the model's input x_t,
            // eps-prediction x0 = (x_t - sqrt(1 - a) eps) / sqrt(a); flow matching x0 = x_t - sigma
            // v. The Euler family's model input is x / sqrt(sigma^2 + 1), with a = 1 / (sigma^2 +
            // 1). v-prediction: x0 = sqrt(a) x_t - sqrt(1 - a) v; sample prediction: x0 is the
            // output.
            const at::Tensor xt = g[p + "scaled_inputs"][i].to(at::kDouble);
            const std::string prediction = configOf(g).value("prediction_type", "epsilon");
            at::Tensor expected;
            if (!g.has("alphas_cumprod")) {
                const double sigma = g[p + "sigmas"][i].item<double>();
                expected = xt - sigma * eps;
            } else {
                double a;
                if (g.has(p + "sigmas")) {
                    const double sigma = g[p + "sigmas"][i].item<double>();
                    a = 1.0 / (sigma * sigma + 1.0);
                } else {
                    const std::int64_t t = g[p + "timesteps"][i].item<std::int64_t>();
                    a = g["alphas_cumprod"][t].item<double>();
                }
                if (prediction == "v_prediction")
                    expected = std::sqrt(a) * xt - std::sqrt(1.0 - a) * eps;
                else if (prediction == "sample" || prediction == "original_sample")
                    expected = eps;
                else
                    expected = (xt - std::sqrt(1.0 - a) * eps) / std::sqrt(a);
            }
            const at::Tensor actual = scheduler->predictOriginal(g["model_outputs"][i], i, sample);
            const double bound = 1e-5 * maxAbs(expected);
            const auto c = archival::test::compareClose(actual, expected, bound, 0.0);
            qInfo("%s predictOriginal step %d: %s", name.c_str(), i, c.describe().c_str());
            QVERIFY2(c.ok, qPrintable(QString::fromStdString(name + ": " + c.describe())));
            ++checked;
        }
        QVERIFY(checked > 0);
    }

    void unknownNameIsAnInvalidRequest() {
        const auto msg = messageOf([] { makeScheduler("karras_magic", sd15StyleConfig()); });
        QVERIFY2(QString::fromStdString(msg).contains("karras_magic"), msg.c_str());
        QVERIFY2(QString::fromStdString(msg).contains("euler_ancestral"),
                 msg.c_str());  // lists names
        QCOMPARE(kindOf([] { makeScheduler("", sd15StyleConfig()); }), ErrorKind::InvalidRequest);
        QCOMPARE(kindOf([] { makeScheduler("PNDM", sd15StyleConfig()); }),
                 ErrorKind::InvalidRequest);
    }

    void zeroStepsIsAnInvalidRequest() {
        const nlohmann::json flow = parseSchedulerConfig(
            R"({"_class_name": "FlowMatchEulerDiscreteScheduler", "shift": 3.0})");
        for (const auto& name : schedulerNames()) {
            auto s = makeScheduler(name, name == "flowmatch_euler" ? flow : sd15StyleConfig());
            QCOMPARE(kindOf([&] { s->setTimesteps(0); }), ErrorKind::InvalidRequest);
            QCOMPARE(kindOf([&] { s->setTimesteps(-4); }), ErrorKind::InvalidRequest);
            // Sampling before any schedule, or outside it, is refused too.
            const at::Tensor x = at::zeros({1, 4, 2, 2});
            QCOMPARE(kindOf([&] { s->step(x, 0, x); }), ErrorKind::InvalidRequest);
            s->setTimesteps(3);
            QCOMPARE(kindOf([&] { s->step(x, static_cast<int>(s->timesteps().size(0)), x); }),
                     ErrorKind::InvalidRequest);
            QCOMPARE(kindOf([&] { s->addNoise(x, x, -1); }), ErrorKind::InvalidRequest);
        }
    }

    void familyMismatchIsAnInvalidRequest() {
        const nlohmann::json flow = parseSchedulerConfig(
            R"({"_class_name": "FlowMatchEulerDiscreteScheduler", "shift": 3.0})");
        QCOMPARE(kindOf([&] { makeScheduler("pndm", flow); }), ErrorKind::InvalidRequest);
        QCOMPARE(kindOf([&] { makeScheduler("dpmpp_2m", flow); }), ErrorKind::InvalidRequest);
        QCOMPARE(kindOf([] { makeScheduler("flowmatch_euler", sd15StyleConfig()); }),
                 ErrorKind::InvalidRequest);
    }

    void unsupportedConfigOptionsAreNamed() {
        auto with = [](const char* key, nlohmann::json value) {
            nlohmann::json c = sd15StyleConfig();
            c[key] = std::move(value);
            return c;
        };
        struct Case {
            const char* scheduler;
            const char* key;
            nlohmann::json value;
        };
        const std::vector<Case> cases = {
            {"pndm", "prediction_type", "sample"}, {"euler_ancestral", "prediction_type", "sample"},
            {"ddim", "prediction_type", "flow"},   {"euler", "timestep_spacing", "cosine"},
            {"ddim", "thresholding", true},        {"dpmpp_2m", "use_lu_lambdas", true},
            {"dpmpp_2m", "thresholding", true},    {"euler", "interpolation_type", "log_linear"},
            {"pndm", "beta_schedule", "sigmoid"},  {"ddim", "rescale_betas_zero_snr", true},
            {"euler", "beta_start", "small"},      {"dpmpp_2m", "solver_type", "magic"},
        };
        for (const auto& c : cases) {
            const std::string msg =
                messageOf([&] { makeScheduler(c.scheduler, with(c.key, c.value)); });
            QVERIFY2(QString::fromStdString(msg).contains(c.key),
                     qPrintable(QStringLiteral("%1 %2: \"%3\"")
                                    .arg(c.scheduler, c.key, QString::fromStdString(msg))));
            QCOMPARE(kindOf([&] { makeScheduler(c.scheduler, with(c.key, c.value)); }),
                     ErrorKind::ModelLoad);
        }
        const nlohmann::json dynamic = parseSchedulerConfig(
            R"({"_class_name": "FlowMatchEulerDiscreteScheduler", "use_dynamic_shifting": true})");
        QCOMPARE(kindOf([&] { makeScheduler("flowmatch_euler", dynamic); }), ErrorKind::ModelLoad);
    }

    void ancestralStepNeedsAGenerator() {
        auto s = makeScheduler("euler_ancestral", sd15StyleConfig());
        s->setTimesteps(4);
        const at::Tensor x = at::ones({1, 4, 2, 2});
        QCOMPARE(kindOf([&] { s->step(x, 0, x); }), ErrorKind::InvalidRequest);
        at::Generator a = at::detail::createCPUGenerator(7), b = at::detail::createCPUGenerator(7);
        s->setTimesteps(4);
        const at::Tensor ya = s->step(x, 0, x, &a);
        s->setTimesteps(4);
        const at::Tensor yb = s->step(x, 0, x, &b);
        QVERIFY(at::equal(ya, yb));  // same seed, same result
        at::Generator c = at::detail::createCPUGenerator(8);
        s->setTimesteps(4);
        QVERIFY(!at::equal(ya, s->step(x, 0, x, &c)));
    }

    void multistepSchedulersRefuseSkippedSteps() {
        for (const char* name : {"pndm", "dpmpp_2m"}) {
            auto s = makeScheduler(name, sd15StyleConfig());
            s->setTimesteps(10);
            const at::Tensor x = at::ones({1, 4, 2, 2});
            s->step(x, 0, x);
            QCOMPARE(kindOf([&] { s->step(x, 2, x); }), ErrorKind::InvalidRequest);
            s->setBeginIndex(3);  // img2img restart: any first index is fine again
            s->step(x, 3, x);
            s->step(x, 4, x);
        }
    }

    void img2imgStartRulesDifferPerFamily() {
        // README section 6: N = 15, strength 0.75 skips 4 steps for SD1.5 and 3 for SD3.
        QCOMPARE(img2imgStartIndex(15, 0.75, Img2ImgStartRule::WholeSteps), 4);
        QCOMPARE(img2imgStartIndex(15, 0.75, Img2ImgStartRule::FractionalSteps), 3);
        QCOMPARE(img2imgStartIndex(20, 1.0, Img2ImgStartRule::WholeSteps), 0);
        QCOMPARE(img2imgStartIndex(20, 0.05, Img2ImgStartRule::WholeSteps), 19);
        QCOMPARE(img2imgStartIndex(20, 0.04, Img2ImgStartRule::FractionalSteps), 19);
        // No step left to run: an error, not an empty loop.
        QCOMPARE(kindOf([] { img2imgStartIndex(20, 0.04, Img2ImgStartRule::WholeSteps); }),
                 ErrorKind::InvalidRequest);
        QCOMPARE(kindOf([] { img2imgStartIndex(20, 0.0, Img2ImgStartRule::FractionalSteps); }),
                 ErrorKind::InvalidRequest);
        QCOMPARE(kindOf([] { img2imgStartIndex(0, 0.5, Img2ImgStartRule::WholeSteps); }),
                 ErrorKind::InvalidRequest);
        QCOMPARE(kindOf([] { img2imgStartIndex(10, 1.5, Img2ImgStartRule::WholeSteps); }),
                 ErrorKind::InvalidRequest);
        QCOMPARE(
            kindOf([] { img2imgStartIndex(10, std::nan(""), Img2ImgStartRule::FractionalSteps); }),
            ErrorKind::InvalidRequest);
    }

    void configTextAcceptsPythonNonFiniteNumbers() {
        const nlohmann::json c =
            parseSchedulerConfig(R"({"lambda_min_clipped": -Infinity, "note": "NaN -Infinity"})");
        const SchedulerConfig cfg(c, "dpmpp_2m");
        QCOMPARE(cfg.number("lambda_min_clipped", 0.0), -std::numeric_limits<double>::infinity());
        QCOMPARE(cfg.text("note", ""), std::string("NaN -Infinity"));  // strings untouched
        QCOMPARE(kindOf([] { parseSchedulerConfig("[1, 2]"); }), ErrorKind::ModelLoad);
        QCOMPARE(kindOf([] { parseSchedulerConfig("{\"a\": }"); }), ErrorKind::ModelLoad);
    }
};

QTEST_GUILESS_MAIN(TestSchedulers)
#include "test_schedulers.moc"
