// The CPU allocator's cache of freed large blocks: a freed block serves the next request of
// its size, the cache never holds more than its capacity, small requests pass through to
// c10, release() gives everything back, and once installed every CPU tensor goes through it.
#include <QtTest>

#include <c10/core/CPUAllocator.h>

#include <cstdint>
#include <cstdlib>
#include <thread>
#include <vector>

#include "engine/errors.h"
#include "engine/runtime/host_block_cache.h"
#include "engine/runtime/host_memory.h"

using namespace archival::engine;

namespace {

constexpr std::size_t MiB = std::size_t{1} << 20;

std::uintptr_t address(const c10::DataPtr& p) {
    return reinterpret_cast<std::uintptr_t>(p.get());
}

}  // namespace

class TestHostBlockCache : public QObject {
    Q_OBJECT

  private Q_SLOTS:
    void freedBlockServesTheNextRequestOfItsSize() {
        HostBlockCache cache(64 * MiB);
        c10::DataPtr a = cache.allocate(3 * MiB);
        const auto first = address(a);
        std::memset(a.get(), 1, 3 * MiB);  // the block is writable memory
        a.clear();
        QCOMPARE(cache.cachedBytes(), 3 * MiB);
        c10::DataPtr b = cache.allocate(3 * MiB);
        QCOMPARE(address(b), first);
        QCOMPARE(cache.cachedBytes(), std::size_t{0});
        QCOMPARE(cache.hits(), std::size_t{1});
        QCOMPARE(cache.misses(), std::size_t{1});
    }

    void blockAnEighthLargerServesButNotMore() {
        HostBlockCache cache(64 * MiB);
        c10::DataPtr a = cache.allocate(8 * MiB);
        const auto block = address(a);
        a.clear();
        c10::DataPtr smaller = cache.allocate(7 * MiB + MiB / 2);  // 8 MiB is within 1/8
        QCOMPARE(address(smaller), block);
        smaller.clear();
        c10::DataPtr half = cache.allocate(4 * MiB);  // 8 MiB would waste half
        QVERIFY(address(half) != block);
        QCOMPARE(cache.cachedBytes(), 8 * MiB);
    }

    void cacheNeverHoldsMoreThanItsCapacity() {
        HostBlockCache cache(8 * MiB);
        std::vector<c10::DataPtr> blocks;
        for (int i = 0; i < 4; ++i) blocks.push_back(cache.allocate(3 * MiB));
        const auto newest = address(blocks.back());
        for (c10::DataPtr& b : blocks) b.clear();  // the oldest first
        QVERIFY(cache.cachedBytes() <= cache.capacityBytes());
        QCOMPARE(cache.cachedBytes(), 6 * MiB);  // the two freed last
        c10::DataPtr again = cache.allocate(3 * MiB);
        const auto other = cache.allocate(3 * MiB);
        QVERIFY(address(again) == newest || address(other) == newest);

        HostBlockCache tiny(2 * MiB);
        tiny.allocate(4 * MiB).clear();  // larger than the whole cache: unmapped at once
        QCOMPARE(tiny.cachedBytes(), std::size_t{0});
    }

    void smallRequestsPassThrough() {
        HostBlockCache cache(64 * MiB);
        c10::DataPtr p = cache.allocate(1000);
        QVERIFY(p.get() != nullptr);
        QCOMPARE(address(p) % 64, std::uintptr_t{0});  // c10's alignment
        QVERIFY(p.get_deleter() == cache.raw_deleter());
        p.clear();
        QCOMPARE(cache.cachedBytes(), std::size_t{0});
        QCOMPARE(cache.hits() + cache.misses(), std::size_t{0});
        // The raw interface libtorch uses in places: one deleter for every size.
        void* raw = cache.raw_allocate(2 * MiB);
        cache.raw_deallocate(raw);
        QCOMPARE(cache.cachedBytes(), 2 * MiB);
    }

    void largeBlocksStartOnAHugePage() {
        HostBlockCache cache(256 * MiB);
        const c10::DataPtr p = cache.allocate(HostBlockCache::kHugeBlockBytes + 5);
        QCOMPARE(address(p) % HostBlockCache::kGranuleBytes, std::uintptr_t{0});
        static_cast<char*>(p.get())[HostBlockCache::kHugeBlockBytes + 4] = 1;  // all mapped
    }

    void releaseGivesEverythingBack() {
        HostBlockCache cache(64 * MiB);
        cache.allocate(5 * MiB).clear();
        cache.allocate(9 * MiB).clear();
        const std::size_t held = cache.cachedBytes();
        QVERIFY(held >= 14 * MiB);
        QCOMPARE(cache.release(), held);
        QCOMPARE(cache.cachedBytes(), std::size_t{0});
    }

    void blockOutlivesItsCache() {
        c10::DataPtr survivor;
        {
            HostBlockCache cache(64 * MiB);
            survivor = cache.allocate(4 * MiB);
            cache.allocate(4 * MiB).clear();
        }
        std::memset(survivor.get(), 2, 4 * MiB);  // still mapped
        survivor.clear();                         // unmapped, not recycled into a dead cache
    }

    void threadsShareOneCache() {
        HostBlockCache cache(32 * MiB);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&cache, t] {
                for (int i = 0; i < 500; ++i) {
                    c10::DataPtr p = cache.allocate((1 + (i + t) % 5) * MiB);
                    static_cast<char*>(p.get())[0] = static_cast<char>(i);
                }
            });
        for (auto& th : threads) th.join();
        QVERIFY(cache.cachedBytes() <= cache.capacityBytes());
        QCOMPARE(cache.hits() + cache.misses(), std::size_t{2000});
        QVERIFY(cache.hits() > 0);
    }

    void sizesFromTheEnvironment() {
        const char* name = "ARCHIVAL_TEST_BYTE_SIZE";
        qunsetenv(name);
        QVERIFY(!byteSizeVariable(name).has_value());
        qputenv(name, "0");
        QCOMPARE(*byteSizeVariable(name), std::uint64_t{0});
        qputenv(name, "1.5G");
        QCOMPARE(*byteSizeVariable(name), std::uint64_t{3} << 29);
        qputenv(name, "512M");
        QCOMPARE(*byteSizeVariable(name), std::uint64_t{512} << 20);
        for (const char* bad : {"lots", "12X", "-1", "1GB"}) {
            qputenv(name, bad);
            try {
                byteSizeVariable(name);
                QFAIL(qPrintable(QStringLiteral("accepted %1").arg(bad)));
            } catch (const EngineError& e) {
                QCOMPARE(e.kind(), ErrorKind::InvalidRequest);
                QVERIFY(QByteArray(e.what()).contains(name));
            }
        }
        qunsetenv(name);
    }

    // Last: installs the cache for the rest of this process.
    void installedCacheServesEveryCpuTensor() {
        qunsetenv(kHostCacheVariable);
        HostBlockCache* cache = installHostBlockCache();
        QVERIFY(cache != nullptr);
        QCOMPARE(installHostBlockCache(), cache);  // once
        QCOMPARE(c10::GetCPUAllocator(), static_cast<c10::Allocator*>(cache));
        QVERIFY(cache->capacityBytes() > 0 && cache->capacityBytes() <= (std::size_t{2} << 30));
        const std::size_t hits = cache->hits();
        const void* first = at::empty({4 * 1024 * 1024}, at::kFloat).data_ptr();  // freed here
        const at::Tensor second = at::empty({4 * 1024 * 1024}, at::kFloat);
        QCOMPARE(second.data_ptr(), first);
        QCOMPARE(cache->hits(), hits + 1);
        const at::Tensor sum = at::ones({3, 1024, 1024}) + at::ones({3, 1024, 1024});
        QCOMPARE(sum.sum().item<double>(), 2.0 * 3 * 1024 * 1024);
        releaseHostBlockCache();
        QCOMPARE(cache->cachedBytes(), std::size_t{0});
    }
};

QTEST_GUILESS_MAIN(TestHostBlockCache)
#include "test_host_block_cache.moc"
