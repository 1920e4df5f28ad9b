package org.percpudefer.defer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.percpudefer.cpu.Cpu;
import org.percpudefer.cpu.CpuTask;
import org.percpudefer.cpu.Machine;
import org.percpudefer.cpu.MachineConfig;

/**
 * The two-CPU shape of the demo, with recycled objects: CPU 0 allocates and flushes before each batch,
 * CPU 1 frees. With one producer no list may ever exceed deferMax, and once all is flushed the count
 * is back to 0. (Regression: the lock-free lists used to reset their count before taking the list, as the
 * kernel does; a flusher descheduled between the two left phantom counts, lists of twice deferMax, and
 * deferral switched off for good.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SingleProducerBoundTest {

    static final class Item extends Deferrable {
    }

    @ParameterizedTest
    @EnumSource(value = DeferVariant.class, names = {"PER_CPU_LOCKED", "PER_CPU_LLIST", "PER_NODE", "BATCHED"})
    void singleProducer_neverExceedsDeferMax_andLeavesNoPhantomCount(DeferVariant variant) {
        Machine machine = Machine.boot(MachineConfig.of(2).withPin(false));
        ConcurrentLinkedQueue<Item> pool = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Item> socket = new ConcurrentLinkedQueue<>();
        AtomicInteger consumed = new AtomicInteger();
        DeferLists<Item> lists = DeferLists.install(machine, variant, LockKind.TTAS, pool::add);
        for (int i = 0; i < 4096; i++) {
            pool.add(new Item());
        }
        int total = 500_000;
        machine.host(0, new CpuTask() {
            private int produced;

            @Override
            public int step(Cpu cpu) {
                if (produced == total) {
                    return DONE;
                }
                lists.flush();
                int n = 0;
                Item item;
                while (n < 64 && produced < total && (item = pool.poll()) != null) {
                    item.recordAllocCpu();
                    socket.add(item);
                    produced++;
                    n++;
                }
                machine.cpu(1).wake();
                return n;
            }
        });
        machine.host(1, cpu -> {
            int n = 0;
            Item item;
            while (n < 64 && (item = socket.poll()) != null) {
                lists.attemptDeferFree(item);
                n++;
            }
            machine.cpu(0).wake();
            return consumed.addAndGet(n) == total ? CpuTask.DONE : n;
        });
        Harness.await(() -> consumed.get() == total);
        machine.close();
        lists.drain();

        DeferStats t = DeferStats.total(lists.stats());
        assertThat(t.maxLength()).as(t.toString()).isLessThanOrEqualTo(DeferLists.DEFAULT_DEFER_MAX);
        assertThat(t.overshoots()).isZero();
        assertThat(lists.queued(0)).as("no phantom count left behind").isZero();
    }
}
