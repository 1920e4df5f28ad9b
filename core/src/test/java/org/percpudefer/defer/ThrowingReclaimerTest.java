package org.percpudefer.defer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.percpudefer.cpu.CpuTask;
import org.percpudefer.cpu.Machine;
import org.percpudefer.cpu.MachineConfig;
import org.percpudefer.defer.Harness.Config;

/**
 * A reclaimer that throws on every third object: each object is still handed to it exactly once, no
 * count is left behind, nothing stays on a list, and the failures surface as the machine's faults.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ThrowingReclaimerTest {

    static final class Item extends Deferrable {
        final AtomicInteger frees = new AtomicInteger();
    }

    static Stream<Config> configs() {
        return DeferConservationTest.configs();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void everyObjectReachesTheReclaimerOnce_evenWhenItThrows(Config config) {
        Machine machine = Machine.boot(MachineConfig.of(2).withPin(false));
        AtomicInteger calls = new AtomicInteger();
        ConcurrentHashMap<Item, Boolean> freed = new ConcurrentHashMap<>();
        DeferLists<Item> lists = DeferLists.install(machine, config.variant(), config.lock(), item -> {
            item.frees.incrementAndGet();
            freed.put(item, true);
            if (calls.incrementAndGet() % 3 == 0) {
                throw new IllegalStateException("reclaimer failed on purpose");
            }
        });
        lists.setDeferMax(8);
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Item item = new Item();
            item.allocatedOn(0);
            items.add(item);
        }
        AtomicInteger next = new AtomicInteger();
        machine.host(1, cpu -> {
            for (int i = 0; i < 10 && next.get() < items.size(); i++) {
                try {
                    lists.attemptDeferFree(items.get(next.getAndIncrement()));
                } catch (IllegalStateException e) {
                    // a local free's reclaimer threw: the object was still handed over once
                }
            }
            return next.get() == items.size() ? CpuTask.DONE : 1;
        });
        Harness.await(() -> freed.size() == items.size()); // the rest is flushed by NET_RX and idle hooks

        if (config.variant() == DeferVariant.NONE) {
            machine.close(); // every free was local: the caller got each exception
        } else {
            assertThatThrownBy(machine::close).hasMessageContaining("reclaimer failed on purpose"); // from flushes
        }
        assertThat(lists.drain()).isZero();
        assertThat(items).allMatch(i -> i.frees.get() == 1);
        assertThat(lists.queued(0)).isZero();
        assertThat(lists.queued(1)).isZero();
    }
}
