package org.percpudefer.defer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.percpudefer.defer.DeferLists.DEFERRED;
import static org.percpudefer.defer.DeferLists.LOCAL_DISABLED;
import static org.percpudefer.defer.DeferLists.LOCAL_FULL;
import static org.percpudefer.defer.DeferLists.LOCAL_OFFLINE;
import static org.percpudefer.defer.DeferLists.LOCAL_OWN;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.percpudefer.defer.Harness.Config;
import org.percpudefer.defer.Harness.Obj;

/**
 * The one contract of {@link DeferLists}, against every variant that defers to the allocating CPU and
 * every lock kind. CPU 0 allocates; CPUs 1 and 2 consume. No assertion is about time.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeferContractTest {

    static Stream<Config> toAllocCpu() {
        List<Config> all = new ArrayList<>();
        for (DeferVariant v : DeferVariant.values()) {
            if (v == DeferVariant.NONE || v == DeferVariant.PER_SOCKET) {
                continue;
            }
            if (v.locked()) {
                for (LockKind k : LockKind.values()) {
                    all.add(new Config(v, k));
                }
            } else {
                all.add(new Config(v, LockKind.TTAS));
            }
        }
        return all.stream();
    }

    static Stream<Arguments> toAllocCpuByDeferMax() {
        return toAllocCpu().flatMap(c -> Stream.of(1, 2, 64, 128).map(max -> Arguments.of(c, max)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toAllocCpu")
    void ownCpu_freesLocally(Config config) {
        try (Harness h = new Harness(config, 3)) {
            Obj o = h.obj(1);

            assertThat(h.on(1, () -> h.lists.attemptDeferFree(o))).isEqualTo(LOCAL_OWN);

            assertThat(o.freedOn).isEqualTo(1);
            assertThat(h.lists.stats(1).localOwn()).isEqualTo(1);
            assertThat(h.lists.stats(1).deferred()).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toAllocCpu")
    void outOfRangeOrOfflineCpu_freesLocally(Config config) {
        try (Harness h = new Harness(config, 3)) {
            Obj none = h.obj(-1);
            Obj beyond = h.obj(3);
            Obj offline = h.obj(2);
            h.machine.offline(2);

            assertThat(h.on(1, () -> h.lists.attemptDeferFree(none))).isEqualTo(LOCAL_OFFLINE);
            assertThat(h.on(1, () -> h.lists.attemptDeferFree(beyond))).isEqualTo(LOCAL_OFFLINE);
            assertThat(h.on(1, () -> h.lists.attemptDeferFree(offline))).isEqualTo(LOCAL_OFFLINE);

            assertThat(List.of(none.freedOn, beyond.freedOn, offline.freedOn)).containsOnly(1);
            assertThat(h.lists.stats(1).localOffline()).isEqualTo(3);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toAllocCpu")
    void deferMaxZero_disablesDeferral(Config config) {
        try (Harness h = new Harness(config, 3)) {
            h.lists.setDeferMax(0);
            Obj o = h.obj(0);

            assertThat(h.on(1, () -> h.lists.attemptDeferFree(o))).isEqualTo(LOCAL_DISABLED);

            assertThat(o.freedOn).isEqualTo(1);
            assertThat(h.lists.stats(1).localDisabled()).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toAllocCpu")
    void deferred_isFreedOnTheAllocatingCpu_evenWhenItIsIdle(Config config) {
        try (Harness h = new Harness(config, 3)) {
            Obj o = h.obj(0);

            assertThat(h.on(1, () -> h.lists.attemptDeferFree(o))).isEqualTo(DEFERRED);
            // BATCHED: the producer hands its batch over when it goes idle, right after this task.

            Harness.await(() -> o.frees == 1); // below the kick: the wake of an empty list's owner
            assertThat(o.freedOn).isZero();
            assertThat(h.lists.stats(1).deferred()).isEqualTo(1);
            assertThat(h.lists.stats(1).kicks()).isZero();
            assertThat(h.lists.stats(1).wakeups()).isEqualTo(1);
            Harness.await(() -> h.lists.stats(0).flushed() == 1);
        }
    }

    @ParameterizedTest(name = "{0} deferMax={1}")
    @MethodSource("toAllocCpuByDeferMax")
    void fill_kicksOnce_thenFull_thenFlushedByTheIpi_andKicksAgain(Config config, int deferMax) {
        try (Harness h = new Harness(config, 3)) {
            h.lists.setDeferMax(deferMax);
            for (int round = 1; round <= 2; round++) {
                Harness.Blocker busy = h.block(0); // the owner runs no IPI and no flush meanwhile
                List<Obj> objs = new ArrayList<>();
                for (int i = 0; i < deferMax; i++) {
                    objs.add(h.obj(0));
                }
                // one step: pushes, then (BATCHED) the producer's own NET_RX hand-over, with no idle between
                int deferred = h.on(1, () -> {
                    int n = 0;
                    for (Obj o : objs) {
                        n += h.lists.attemptDeferFree(o) == DEFERRED ? 1 : 0;
                    }
                    h.lists.flush();
                    return n;
                });
                assertThat(deferred).isEqualTo(deferMax);
                Obj extra = h.obj(0);

                assertThat(h.lists.queued(0)).isEqualTo(deferMax);
                assertThat(h.on(1, () -> h.lists.attemptDeferFree(extra))).isEqualTo(LOCAL_FULL);
                DeferStats producer = h.lists.stats(1);
                assertThat(producer.kicks()).isEqualTo(round);
                assertThat(producer.ipisSent()).isEqualTo(round);
                assertThat(producer.localFull()).isEqualTo(round);
                assertThat(producer.overshoots()).isZero();
                assertThat(objs).allMatch(o -> o.frees == 0);

                busy.release(); // the IPI raises NET_RX, which flushes; the handler clears ipiScheduled

                Harness.await(() -> objs.stream().allMatch(o -> o.frees == 1));
                assertThat(objs).allMatch(o -> o.freedOn == 0);
                Harness.await(() -> h.lists.stats(0).ipisReceived() == h.lists.stats(1).ipisSent());
                Harness.await(() -> h.lists.softnet[0].ipiScheduledOnce() == 0);
                assertThat(h.lists.queued(0)).isZero();
            }
            DeferStats owner = h.lists.stats(0);
            assertThat(owner.flushed()).isEqualTo(2L * deferMax);
            assertThat(owner.maxLength()).isLessThanOrEqualTo(deferMax);
            assertThat(h.lists.stats(1).deferred()).isEqualTo(2L * deferMax);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toAllocCpu")
    void deferMaxChange_takesEffectOnTheNextPush(Config config) {
        try (Harness h = new Harness(config, 3)) {
            Harness.Blocker busy = h.block(0);
            h.lists.setDeferMax(2);
            for (int i = 0; i < 2; i++) {
                Obj o = h.obj(0);
                assertThat(h.on(1, () -> h.lists.attemptDeferFree(o))).isEqualTo(DEFERRED);
            }
            Obj full = h.obj(0);
            assertThat(h.on(1, () -> h.lists.attemptDeferFree(full))).isEqualTo(LOCAL_FULL);

            h.lists.setDeferMax(3);

            Obj fits = h.obj(0);
            assertThat(h.on(1, () -> h.lists.attemptDeferFree(fits))).isEqualTo(DEFERRED);
            busy.release();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toAllocCpu")
    void goingOffline_drainsTheList_onTheOwner(Config config) throws Exception {
        try (Harness h = new Harness(config, 3)) {
            h.lists.setDeferMax(8);
            Harness.Blocker busy = h.block(0);
            List<Obj> objs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Obj o = h.obj(0);
                objs.add(o);
                h.on(1, () -> h.lists.attemptDeferFree(o));
            }
            if (config.variant() == DeferVariant.BATCHED) {
                h.on(1, h.lists::flush);
            }
            assertThat(h.lists.queued(0)).isEqualTo(3);
            Thread offline = new Thread(() -> h.machine.offline(0));
            offline.start();

            busy.release();
            offline.join(); // offline() returns after the CPU ran its offline hooks

            assertThat(objs).allMatch(o -> o.frees == 1 && o.freedOn == 0);
            assertThat(h.lists.queued(0)).isZero();
            Obj late = h.obj(0);
            assertThat(h.on(1, () -> h.lists.attemptDeferFree(late))).isEqualTo(LOCAL_OFFLINE);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toAllocCpu")
    void countersMatchWhatHappened_andNothingIsLostAtShutdown(Config config) {
        Harness h = new Harness(config, 3);
        int deferred = 0;
        int local = 0;
        for (int i = 0; i < 200; i++) {
            Obj o = h.obj(i % 3);
            int on = 1 + i % 2;
            int r = h.on(on, () -> h.lists.attemptDeferFree(o));
            if (r == DEFERRED) {
                deferred++;
            } else {
                local++;
            }
        }
        h.close(); // closes the machine, then drains what is left

        assertThat(h.freed).hasSize(200);
        assertThat(h.freed).allMatch(o -> o.frees == 1);
        DeferStats total = DeferStats.total(h.lists.stats());
        assertThat(total.deferred() + total.local()).isEqualTo(200);
        assertThat(total.flushed()).isEqualTo(total.deferred());
        if (config.variant() == DeferVariant.BATCHED) {
            // a batch still pending when the machine closed is freed by drain() as offline
            assertThat(total.local()).isGreaterThanOrEqualTo(local);
        } else {
            assertThat(total.local()).isEqualTo(local);
            assertThat(total.deferred()).isEqualTo(deferred);
        }
        for (int cpu = 0; cpu < 3; cpu++) {
            assertThat(h.lists.queued(cpu)).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toAllocCpu")
    void misuse_isRejected(Config config) {
        try (Harness h = new Harness(config, 2)) {
            assertThatThrownBy(() -> h.lists.setDeferMax(-1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("deferMax -1 is out of range (allowed: 0..2147483647; 0 disables deferral)");
            assertThatThrownBy(() -> h.lists.attemptDeferFree(h.obj(0)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("call it on a simulated CPU");
            assertThatThrownBy(h.lists::flush).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(h.lists::drain).hasMessageContaining("needs a closed machine");
            assertThatThrownBy(() -> h.lists.stats(2)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
