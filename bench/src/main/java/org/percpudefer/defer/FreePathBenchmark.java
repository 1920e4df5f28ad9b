package org.percpudefer.defer;

import java.util.concurrent.TimeUnit;

import org.jctools.queues.atomic.SpscAtomicArrayQueue;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.percpudefer.cpu.Cpu;
import org.percpudefer.cpu.CpuTask;
import org.percpudefer.cpu.Machine;
import org.percpudefer.cpu.MachineConfig;
import org.percpudefer.net.PageAllocator;

/**
 * The seed's mechanism in isolation: pages allocated on one CPU and freed on another. A real simulated
 * CPU 0 allocates {@code frags} pages at a time from the shipping {@link PageAllocator} (its per-CPU list,
 * refilled from the zone under the zone lock) and hands them, as one object, to the consumer (the JMH
 * thread, playing CPU 1) through a bounded SPSC queue. The consumer frees them:
 * <ul>
 *   <li>{@code ZONE}: into CPU 1's page list, which spills to the zone under the zone lock while CPU 0
 *       refills from it (what {@code NONE} does in the receive path);</li>
 *   <li>{@code DEFER}: onto CPU 0's defer list ({@code PER_CPU_LOCKED}, TTAS), which CPU 0 flushes each
 *       pass, freeing the pages into its own list, where its next allocations find them.</li>
 * </ul>
 * {@code freed} counts pages freed per microsecond (the cycle's throughput, whoever is its bottleneck),
 * {@code starved} the consumer's polls that found nothing (CPU 0 was the bottleneck). The score counts
 * the consumer's operations, empty polls included. One consumer thread (JMH's default {@code -t 1}).
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar FreePathBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class FreePathBenchmark {

    /** Holders in circulation: bounds the pages in flight, as a receive buffer does. */
    static final int HOLDERS = 256;

    /** Where the consumer frees. */
    public enum Free {
        /** Into the consumer's own page list, spilling to the zone. */
        ZONE,
        /** Back to the allocating CPU on its defer list. */
        DEFER
    }

    /** A set of pages allocated together, like an skb's fragments. */
    static final class Frags extends Deferrable {
        final int[] pfns;

        Frags(int n) {
            pfns = new int[n];
            allocatedOn(0);
        }
    }

    @Param({"ZONE", "DEFER"})
    Free free;

    /** Pages per object (an skb of 64 KB in 4 KB fragments: 16). */
    @Param({"16"})
    int frags;

    Machine machine;
    PageAllocator pages;
    DeferLists<Frags> lists;
    SpscAtomicArrayQueue<Frags> toConsumer;
    /** Holders coming back from the consumer in ZONE mode (and from local frees in DEFER mode). */
    SpscAtomicArrayQueue<Frags> returned;

    @Setup(Level.Trial)
    public void boot() {
        pages = new PageAllocator(2, 4 * HOLDERS * frags + 4 * PageAllocator.DEFAULT_HIGH, PageAllocator.DEFAULT_HIGH,
                PageAllocator.DEFAULT_BATCH);
        toConsumer = new SpscAtomicArrayQueue<>(HOLDERS);
        returned = new SpscAtomicArrayQueue<>(HOLDERS);
        machine = Machine.boot(MachineConfig.of(2).withPin(false));
        lists = DeferLists.install(machine, DeferVariant.PER_CPU_LOCKED, LockKind.TTAS, this::reclaim);
        allocator = new Allocator(this);
        machine.host(0, allocator);
    }

    @TearDown(Level.Trial)
    public void close() {
        machine.close();
        lists.drain();
    }

    /** Frees a holder's pages on the CPU that runs this: CPU 0 after a flush, the consumer on a local fallback. */
    void reclaim(Frags f) {
        int cpu = Cpu.currentId() == 0 ? 0 : 1;
        for (int pfn : f.pfns) {
            pages.free(cpu, pfn);
        }
        if (cpu == 0) {
            allocator.stack[allocator.top++] = f; // CPU 0 owns its stack
        } else {
            returned.offer(f);
        }
    }

    Allocator allocator;
    final java.util.concurrent.atomic.AtomicInteger consumers = new java.util.concurrent.atomic.AtomicInteger();

    /** CPU 0: flush (DEFER), then allocate pages for every free holder while the queue has room. */
    static final class Allocator implements CpuTask {
        final FreePathBenchmark b;
        final Frags[] stack = new Frags[HOLDERS];
        int top;

        Allocator(FreePathBenchmark b) {
            this.b = b;
            for (int i = 0; i < HOLDERS; i++) {
                stack[top++] = new Frags(b.frags);
            }
        }

        @Override
        public int step(Cpu cpu) {
            b.lists.flush();
            Frags f;
            while (top < HOLDERS && (f = b.returned.relaxedPoll()) != null) {
                stack[top++] = f;
            }
            int n = 0;
            while (top > 0 && n < 16) {
                Frags h = stack[--top];
                for (int i = 0; i < h.pfns.length; i++) {
                    h.pfns[i] = b.pages.alloc(0);
                }
                b.toConsumer.offer(h); // never full: at most HOLDERS holders exist
                n++;
            }
            return 1; // busy, like a NET_RX CPU under load
        }
    }

    /** Pages freed and zone lock acquisitions, per microsecond. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Rates {
        /** Pages whose holder the consumer freed or deferred. */
        public long freed;
        /** Polls that found no holder: the allocating CPU is the bottleneck. */
        public long starved;

        @Setup(Level.Trial)
        public void one(FreePathBenchmark b) {
            if (b.consumers.incrementAndGet() > 1) {
                throw new IllegalStateException("FreePathBenchmark has one consumer thread (-t 1): its queues are SPSC");
            }
        }

        @Setup(Level.Iteration)
        public void zero() {
            freed = 0;
            starved = 0;
        }
    }

    /** The consumer: take one holder and free its pages, by the chosen path. */
    @Benchmark
    public int consume(Rates rates) {
        Frags f = toConsumer.relaxedPoll();
        if (f == null) {
            rates.starved++;
            Thread.onSpinWait();
            return -1;
        }
        rates.freed += f.pfns.length;
        if (free == Free.ZONE) {
            for (int pfn : f.pfns) {
                pages.free(1, pfn);
            }
            returned.offer(f);
            return 0;
        }
        return lists.defer(1, f);
    }
}
