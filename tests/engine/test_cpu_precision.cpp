// What `auto` precision means on the CPU: bf16 where the CPU has bf16 units (AMX or
// AVX512-BF16), fp32 elsewhere, and fp32 whenever ARCHIVAL_CPU_BF16 switches bf16 off.
// Explicit choices are never changed by the rule.
#include <ATen/cpu/Utils.h>

#include <QtTest>

#include "engine/runtime/device.h"

using namespace archival::engine;

class TestCpuPrecision : public QObject {
    Q_OBJECT

  private Q_SLOTS:
    void bf16WhereTheHardwareHasIt() {
        QCOMPARE(chooseCpuPrecision(nullptr, false, false, true).dtype, at::kFloat);
        QCOMPARE(chooseCpuPrecision(nullptr, false, true, true).dtype, at::kBFloat16);
        QCOMPARE(chooseCpuPrecision(nullptr, true, false, true).dtype, at::kBFloat16);
        QCOMPARE(chooseCpuPrecision(nullptr, true, true, true).reason,
                 std::string("AMX AVX512-BF16 present"));
        // Without oneDNN libtorch's bf16 convolutions fall back to slow reference kernels.
        QCOMPARE(chooseCpuPrecision(nullptr, true, true, false).dtype, at::kFloat);
    }

    void theSwitchKeepsFp32() {
        for (const char* off : {"0", "off", "OFF", "no", "false"}) {
            const CpuPrecision p = chooseCpuPrecision(off, true, true, true);
            QCOMPARE(p.dtype, at::kFloat);
            QCOMPARE(p.reason, std::string(kCpuBf16Variable) + "=" + off);
        }
        for (const char* on : {"1", "on", ""})
            QCOMPARE(chooseCpuPrecision(on, false, true, true).dtype, at::kBFloat16);
    }

    // The rule as this process applies it, on this machine's CPU.
    void autoFollowsThisCpu() {
        const bool bf16Units =
            at::cpu::is_amx_tile_supported() || at::cpu::is_avx512_bf16_supported();
        const char* env = std::getenv(kCpuBf16Variable);
        const at::ScalarType expected =
            chooseCpuPrecision(env, at::cpu::is_amx_tile_supported(),
                               at::cpu::is_avx512_bf16_supported(), at::hasMKLDNN())
                .dtype;
        qInfo("bf16 units: %s; auto on the CPU: %s (%s)", bf16Units ? "yes" : "no",
              scalarTypeName(cpuAutoPrecision().dtype).c_str(), cpuAutoPrecision().reason.c_str());
        QCOMPARE(cpuAutoPrecision().dtype, expected);
        for (Family f : {Family::Sd15, Family::Sd3}) {
            QCOMPARE(resolveDtype(Dtype::Auto, at::kCPU, f), expected);
            QCOMPARE(resolveDtype(Dtype::Fp32, at::kCPU, f), at::kFloat);  // the goldens' path
            QCOMPARE(resolveDtype(Dtype::Bf16, at::kCPU, f), at::kBFloat16);
        }
    }
};

QTEST_GUILESS_MAIN(TestCpuPrecision)
#include "test_cpu_precision.moc"
