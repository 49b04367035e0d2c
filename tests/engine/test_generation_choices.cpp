// The public choices of engine/generation.h: every spelling of the settings and program
// files reads back to what writes it, unknown ones are refused with the accepted list, and
// the samplers of each family come from the scheduler factory.
#include <QtTest>

#include "engine/errors.h"
#include "engine/generation.h"
#include "engine/schedulers/scheduler_factory.h"

using namespace archival::engine;

class TestGenerationChoices : public QObject {
    Q_OBJECT

  private Q_SLOTS:
    void devicesRoundTrip() {
        for (const char* name : {"auto", "cpu", "cuda", "cuda:0", "cuda:3"}) {
            const auto d = deviceFromName(name);
            QVERIFY2(d.has_value(), name);
            QCOMPARE(deviceName(*d), std::string(name));
        }
        QCOMPARE(deviceFromName("")->kind, DeviceKind::Auto);
        QCOMPARE(deviceFromName("cuda:1")->index, 1);
        QCOMPARE(deviceFromName("cuda")->index, -1);
        for (const char* bad : {"gpu", "CPU", "cuda:", "cuda:x", "cuda:-1", "cuda:99999"})
            QVERIFY2(!deviceFromName(bad).has_value(), bad);
        try {
            parseDevice("gpu");
            QFAIL("an unknown device was accepted");
        } catch (const EngineError& e) {
            QCOMPARE(e.kind(), ErrorKind::InvalidRequest);
            QCOMPARE(std::string(e.what()),
                     std::string("unknown device 'gpu' (use auto, cpu, cuda or cuda:N)"));
        }
        QVERIFY(Device::cuda(0) != Device::cuda());
        QVERIFY(Device::cpu() == *deviceFromName("cpu"));
    }

    void dtypesRoundTrip() {
        for (const char* name : {"auto", "fp32", "fp16", "bf16"})
            QCOMPARE(std::string(dtypeName(parseDtype(name))), std::string(name));
        QCOMPARE(parseDtype("float32"), Dtype::Fp32);
        QCOMPARE(parseDtype("float16"), Dtype::Fp16);
        QCOMPARE(parseDtype("bfloat16"), Dtype::Bf16);
        QCOMPARE(parseDtype(""), Dtype::Auto);
        QVERIFY(!dtypeFromName("int8").has_value());
        QVERIFY_THROWS_EXCEPTION(EngineError, parseDtype("fp8"));
    }

    void familiesRoundTrip() {
        QCOMPARE(parseFamily("sd15"), Family::Sd15);
        QCOMPARE(parseFamily("sd3"), Family::Sd3);
        QCOMPARE(std::string(familyName(Family::Sd3)), std::string("sd3"));
        QVERIFY(!familyFromName("sdxl").has_value());
        QVERIFY_THROWS_EXCEPTION(EngineError, parseFamily("sdxl"));
    }

    // Every scheduler the factory builds is a sampler of exactly one family, and its name
    // reads back to it.
    void samplersComeFromTheSchedulerFactory() {
        std::vector<std::string> listed;
        for (const Family f : {Family::Sd15, Family::Sd3})
            for (const Sampler s : samplersFor(f)) {
                QVERIFY(s != Sampler::ModelDefault);
                QCOMPARE(parseSampler(samplerName(s)), s);
                listed.push_back(samplerName(s));
            }
        QCOMPARE(listed, schedulerNames());
        QCOMPARE(samplerName(samplersFor(Family::Sd15).front()), std::string("pndm"));
        QCOMPARE(samplersFor(Family::Sd3), std::vector<Sampler>{Sampler::FlowMatchEuler});
        QCOMPARE(parseSampler(""), Sampler::ModelDefault);
        QCOMPARE(samplerName(Sampler::ModelDefault), std::string());
        try {
            parseSampler("karras_magic");
            QFAIL("an unknown sampler was accepted");
        } catch (const EngineError& e) {
            QCOMPARE(e.kind(), ErrorKind::InvalidRequest);
            QVERIFY(std::string(e.what()).find("dpmpp_2m_karras") != std::string::npos);
        }
    }
};

QTEST_GUILESS_MAIN(TestGenerationChoices)
#include "test_generation_choices.moc"
