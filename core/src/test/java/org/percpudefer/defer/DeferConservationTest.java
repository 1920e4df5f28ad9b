package org.percpudefer.defer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.percpudefer.cpu.Cpu;
import org.percpudefer.cpu.Machine;
import org.percpudefer.cpu.MachineConfig;
import org.percpudefer.defer.Harness.Config;

/**
 * Randomized, on real threads: four CPUs allocate objects and hand them to random CPUs, which free them
 * through the lists, while the test thread changes deferMax (0 and 1 included) and takes CPUs offline
 * and online. Every object must be freed exactly once, on its allocating CPU unless a counted fallback
 * applied, and nothing may be left on any list once the CPUs are idle.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeferConservationTest {

    private static final int CPUS = 4;
    private static final int PER_CPU = 25_000;
    private static final int[] DEFER_MAX = {0, 1, 2, 16, 64, 128};

    /** An object that remembers where it was freed, and how often. */
    static final class Item extends Deferrable {
        final AtomicInteger frees = new AtomicInteger();
        volatile int freedOn = Integer.MIN_VALUE;
    }

    static Stream<Config> configs() {
        List<Config> all = new ArrayList<>();
        for (DeferVariant v : DeferVariant.values()) {
            for (LockKind k : v.locked() ? LockKind.values() : new LockKind[] {LockKind.TTAS}) {
                all.add(new Config(v, k));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void everyObjectFreedExactlyOnce_onItsAllocatingCpuUnlessCounted(Config config) {
        long seed = config.toString().hashCode();
        Machine machine = Machine.boot(MachineConfig.of(CPUS).withNodes(2).withPin(false));
        ConcurrentLinkedQueue<Item> freed = new ConcurrentLinkedQueue<>();
        AtomicInteger freedElsewhere = new AtomicInteger();
        DeferLists<Item> lists = DeferLists.install(machine, config.variant(), config.lock(), item -> {
            int on = Cpu.currentId();
            item.freedOn = on;
            if (on != item.allocCpu()) {
                freedElsewhere.incrementAndGet();
            }
            item.frees.incrementAndGet();
            freed.add(item);
        });
        List<ConcurrentLinkedQueue<Item>> handoff = new ArrayList<>();
        for (int cpu = 0; cpu < CPUS; cpu++) {
            handoff.add(new ConcurrentLinkedQueue<>());
        }
        AtomicInteger consumed = new AtomicInteger();
        for (int cpu = 0; cpu < CPUS; cpu++) {
            SplittableRandom random = new SplittableRandom(seed + cpu);
            machine.host(cpu, new CpuTaskOf(machine, lists, handoff, random, consumed));
        }

        SplittableRandom control = new SplittableRandom(seed);
        while (consumed.get() < CPUS * PER_CPU) {
            lists.setDeferMax(DEFER_MAX[control.nextInt(DEFER_MAX.length)]);
            int victim = 1 + control.nextInt(CPUS - 1);
            machine.offline(victim);
            Thread.yield();
            machine.online(victim);
        }
        Harness.await(() -> freed.size() == CPUS * PER_CPU); // idle CPUs flush (and hand over) before parking
        machine.close();

        assertThat(lists.drain()).as("left on a list after the CPUs went idle").isZero();
        assertThat(freed).hasSize(CPUS * PER_CPU).allMatch(i -> i.frees.get() == 1);
        DeferStats total = DeferStats.total(lists.stats());
        assertThat(total.deferred() + total.local()).isEqualTo(CPUS * PER_CPU);
        assertThat(total.flushed()).isEqualTo(total.deferred());
        if (config.variant() == DeferVariant.NONE) {
            assertThat(total.localDisabled()).isEqualTo(CPUS * PER_CPU); // NONE does not even look at allocCpu
        } else if (config.variant() != DeferVariant.PER_SOCKET) {
            // only counted fallbacks free an object away from its allocating CPU
            assertThat(freedElsewhere.get()).isEqualTo(total.localOffline() + total.localFull() + total.localDisabled());
        }
        if (config.variant().locked()) {
            assertThat(total.overshoots()).isZero();
            assertThat(total.maxLength()).isLessThanOrEqualTo(128);
        }
        for (int cpu = 0; cpu < CPUS; cpu++) {
            SoftnetData sd = lists.softnet[cpu];
            assertThat(sd.deferListOnce()).isNull();
            assertThat(sd.nodes).allMatch(node -> node.listOnce() == null);
            assertThat(lists.queued(cpu)).isZero(); // the count is exact once no push is in flight
        }
    }

    /** Allocates its share, hands objects to random CPUs, and frees what was handed to it. */
    private record CpuTaskOf(Machine machine, DeferLists<Item> lists, List<ConcurrentLinkedQueue<Item>> handoff,
            SplittableRandom random, AtomicInteger consumed, int[] produced) implements org.percpudefer.cpu.CpuTask {

        CpuTaskOf(Machine machine, DeferLists<Item> lists, List<ConcurrentLinkedQueue<Item>> handoff,
                SplittableRandom random, AtomicInteger consumed) {
            this(machine, lists, handoff, random, consumed, new int[1]);
        }

        @Override
        public int step(Cpu cpu) {
            int work = 0;
            int burst = random.nextInt(16);
            for (int i = 0; i < burst && produced[0] < PER_CPU; i++, produced[0]++, work++) {
                Item item = new Item();
                item.recordAllocCpu();
                int to = random.nextInt(CPUS);
                handoff.get(to).add(item);
                machine.cpu(to).wake();
            }
            Item item;
            for (int i = 0; i < 32 && (item = handoff.get(cpu.id()).poll()) != null; i++, work++) {
                lists.attemptDeferFree(item);
                consumed.incrementAndGet();
            }
            if (random.nextInt(8) == 0) {
                work += lists.flush(); // a NET_RX-like flush at random points
            }
            return work;
        }
    }
}
