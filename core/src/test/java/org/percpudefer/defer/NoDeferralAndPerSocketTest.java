package org.percpudefer.defer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.percpudefer.defer.DeferLists.DEFERRED;
import static org.percpudefer.defer.DeferLists.LOCAL_DISABLED;
import static org.percpudefer.defer.DeferLists.LOCAL_FULL;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.percpudefer.defer.Harness.Config;
import org.percpudefer.defer.Harness.Obj;

/** The two variants that never send an object to its allocating CPU. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NoDeferralAndPerSocketTest {

    @Test
    void none_freesEveryObjectOnTheConsumingCpu() {
        try (Harness h = new Harness(new Config(DeferVariant.NONE, LockKind.TTAS), 2)) {
            Obj o = h.obj(0);

            assertThat(h.on(1, () -> h.lists.attemptDeferFree(o))).isEqualTo(LOCAL_DISABLED);

            assertThat(o.freedOn).isEqualTo(1);
            assertThat(h.on(0, h.lists::flush)).isZero();
            assertThat(h.lists.stats(1).localDisabled()).isEqualTo(1);
            assertThat(h.lists.queued(0)).isZero();
        }
    }

    @Test
    void perSocket_defersOntoTheConsumersSocket_andFreesThereInBulk() {
        try (Harness h = new Harness(new Config(DeferVariant.PER_SOCKET, LockKind.TTAS), 2)) {
            h.lists.setDeferMax(4);
            List<Obj> objs = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                objs.add(h.obj(0));
            }
            // one recvmsg: five skbs consumed under the socket lock, then release_sock's flush
            int[] results = new int[5];
            int flushed = h.on(1, () -> {
                for (int i = 0; i < 5; i++) {
                    results[i] = h.lists.attemptDeferFree(objs.get(i));
                }
                return h.lists.flush();
            });

            assertThat(results).containsExactly(DEFERRED, DEFERRED, DEFERRED, DEFERRED, LOCAL_FULL);
            assertThat(flushed).isEqualTo(4);
            assertThat(objs).allMatch(o -> o.frees == 1 && o.freedOn == 1);
            DeferStats consumer = h.lists.stats(1);
            assertThat(consumer.deferred()).isEqualTo(4);
            assertThat(consumer.flushed()).isEqualTo(4);
            assertThat(consumer.flushes()).isEqualTo(1);
            assertThat(consumer.localFull()).isEqualTo(1);
            assertThat(h.lists.stats(0).flushed()).isZero();
        }
    }

    @Test
    void perSocket_leftOnTheSocket_isFreedWhenTheConsumerGoesIdle() {
        try (Harness h = new Harness(new Config(DeferVariant.PER_SOCKET, LockKind.TTAS), 2)) {
            Obj o = h.obj(0);

            assertThat(h.on(1, () -> h.lists.attemptDeferFree(o))).isEqualTo(DEFERRED);

            Harness.await(() -> o.frees == 1);
            assertThat(o.freedOn).isEqualTo(1);
        }
    }
}
