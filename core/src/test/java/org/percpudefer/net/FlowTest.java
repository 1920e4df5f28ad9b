package org.percpudefer.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.percpudefer.cpu.Activity;
import org.percpudefer.cpu.Sampler;
import org.percpudefer.defer.DeferVariant;
import org.percpudefer.defer.Ledger;

/**
 * End to end: each variant moves real data, and at the end every skb and page is back where it came
 * from (Flow.stop throws otherwise). No timing is asserted: a run lasts until a fixed amount of data
 * has been read, however long that takes.
 */
class FlowTest {

    /** Small buffers, so that the window closes and the lists fill many times in a short run. */
    private static FlowConfig small(DeferVariant variant) {
        return FlowConfig.defaults().withVariant(variant).withSizes(16 << 10, 256 << 10).withPoolAndDeferMax(8, 8)
                .withLockAndPin(FlowConfig.defaults().lock(), false);
    }

    private static Flow.Report runUntil(Flow flow, long bytes) throws InterruptedException {
        while (flow.bytesCopied() < bytes) {
            Thread.sleep(1); // waiting for real work to reach a size, not standing in for a cost
        }
        return flow.stop(30, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @EnumSource(DeferVariant.class)
    void everyVariant_movesDataIntact_andReturnsEverySkbAndPage(DeferVariant variant) throws InterruptedException {
        Flow flow = Flow.start(small(variant));
        Flow.Report r = runUntil(flow, 64L << 20);

        assertThat(r.corrupt()).isZero();
        assertThat(r.skbsRead()).isEqualTo(r.skbsBuilt());
        assertThat(r.bytesCopied()).isEqualTo(r.skbsRead() * (16 << 10));
        assertThat(r.outOfMemory()).isZero();
        assertThat(r.windowClosed()).isPositive();
        long freed = r.defer().deferred() + r.defer().localOwn() + r.defer().localFull()
                + r.defer().localDisabled() + r.defer().localOffline();
        assertThat(freed).isEqualTo(r.skbsRead());
        if (variant == DeferVariant.NONE) {
            assertThat(r.defer().localDisabled()).isEqualTo(r.skbsRead());
            assertThat(r.zone().spills()).isPositive(); // the reader's page list spilled into the zone
        } else if (variant != DeferVariant.PER_SOCKET) {
            assertThat(r.defer().deferred()).isPositive();
            assertThat(r.pagesRecycled()).isPositive(); // freed at home, in NAPI: the pool recycles
        }
    }

    @ParameterizedTest
    @EnumSource(value = DeferVariant.class, names = {"PER_CPU_LOCKED", "PER_CPU_LLIST", "BATCHED"})
    void inTheAccountingMode_everySkbsMovesAreChecked_andTheLedgerEndsClean(DeferVariant variant)
            throws InterruptedException {
        Ledger ledger = new Ledger();
        Flow.Report r = runUntil(Flow.start(small(variant), ledger), 16L << 20);

        assertThat(r.audit()).isNotNull();
        assertThat(r.audit().allocations()).isEqualTo(r.skbsBuilt());
        assertThat(r.audit().frees()).isEqualTo(r.skbsRead());
        assertThat(r.audit().live()).isZero();
        assertThat(r.audit().free()).isEqualTo(r.skbsMade()); // every skb the slab made, tracked and home
    }

    @ParameterizedTest
    @ValueSource(strings = {"NONE", "PER_CPU_LOCKED"})
    void readerOnTheNicCpu_freesEverythingLocally(DeferVariant variant) throws InterruptedException {
        Flow flow = Flow.start(small(variant).withCpus(1, 0, 0));
        Flow.Report r = runUntil(flow, 16L << 20);

        assertThat(r.corrupt()).isZero();
        assertThat(r.defer().deferred()).isZero();
        assertThat(r.skbsRead()).isEqualTo(r.skbsBuilt());
    }

    @ParameterizedTest
    @ValueSource(strings = {"NONE", "PER_CPU_LOCKED"})
    void theSamplerSeesTheReaderCopying(DeferVariant variant) throws InterruptedException {
        Flow flow = Flow.start(small(variant));
        Sampler.Profile profile;
        try (Sampler sampler = Sampler.start(flow.machine(), 5_000)) {
            while (flow.bytesCopied() < (128L << 20)) {
                Thread.sleep(1);
            }
            profile = sampler.stop();
        }
        flow.stop(30, TimeUnit.SECONDS);

        assertThat(profile.samples(1)).isPositive();
        assertThat(profile.samples(1, Activity.COPY_TO_USER)).isPositive();
        assertThat(profile.samples(0, Activity.COPY_TO_USER)).isZero(); // the NIC's CPU never copies
    }
}
