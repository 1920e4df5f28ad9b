package org.percpudefer.defer;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jctools.queues.atomic.MpscAtomicArrayQueue;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
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

/**
 * K producers defer objects to one owner: the shipping producer path (lockless full check, push under
 * the lock or lock-free, the kick and its IPI, the wake of an empty list's owner) against a real
 * simulated CPU 0 that flushes in a loop, as a busy NET_RX CPU does. Freed objects go back to their
 * producer through an MPSC return queue, so the steady state allocates nothing. The JMH threads play
 * CPUs 1..K, each with its own CPU number. The score counts every operation; {@code deferred} is the
 * rate that reached the owner's list, {@code local} the fallbacks when it was full (the owner could not
 * keep up), {@code contended} and {@code ipis} the producers' contended lock acquisitions and kick IPIs.
 * The peers run the same pattern in {@link org.percpudefer.bench.PeerQueueBenchmark}.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar DeferBenchmark -tg 2 -p variant=PER_CPU_LOCKED,BATCHED}
 * ({@code -tg K} sets K producers; {@code bench/sweep.sh} runs K = 1..N).
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DeferBenchmark {

    /** Enough simulated CPUs for any -tg used on a 16-core machine; the idle ones stay parked. */
    static final int MAX_PRODUCERS = 32;
    /** Objects each producer owns; they circulate through the owner and back. */
    static final int POOL = 4096;

    /** A deferred node that knows which producer to go back to. */
    static final class Node extends Deferrable {
        final int producer;

        Node(int producer) {
            this.producer = producer;
        }
    }

    /** Which variant: all six by default. */
    @Param({"NONE", "PER_SOCKET", "PER_CPU_LOCKED", "PER_CPU_LLIST", "PER_NODE", "BATCHED"})
    DeferVariant variant;

    /** The lock of the locked variants (ignored by the others): sweep it with -p lock=TTAS,TICKET,... */
    @Param({"TTAS"})
    LockKind lock;

    /** net.core.skb_defer_max: sweep it with -p deferMax=16,64,128. */
    @Param({"64"})
    int deferMax;

    Machine machine;
    DeferLists<Node> lists;
    boolean socketFlush;
    final AtomicInteger nextProducer = new AtomicInteger(1);
    final java.util.List<MpscAtomicArrayQueue<Node>> returns = new java.util.ArrayList<>();

    @Setup(Level.Trial)
    public void boot() {
        machine = Machine.boot(MachineConfig.of(MAX_PRODUCERS + 1).withPin(false));
        for (int p = 0; p <= MAX_PRODUCERS; p++) {
            returns.add(new MpscAtomicArrayQueue<>(2 * POOL));
        }
        lists = DeferLists.install(machine, variant, lock, node -> returns.get(node.producer).offer(node));
        lists.setDeferMax(deferMax);
        socketFlush = variant == DeferVariant.PER_SOCKET;
        machine.host(0, new Owner(lists));
    }

    @TearDown(Level.Trial)
    public void close() {
        machine.close();
        lists.drain();
    }

    /** CPU 0's task: a flush each pass, and never idle, like the peers' dedicated drainer. */
    private record Owner(DeferLists<Node> lists) implements CpuTask {
        @Override
        public int step(Cpu cpu) {
            lists.flush();
            return 1;
        }
    }

    /** One producer: its CPU number, and the objects it owns. */
    @State(Scope.Thread)
    public static class Producer {
        int cpu;
        Node[] stack;
        int top;
        MpscAtomicArrayQueue<Node> returned;
        DeferCounters counters;
        long lastContended;
        long lastIpis;
        long lastDeferred;
        long lastLocal;
        long ops;

        @Setup(Level.Trial)
        public void join(DeferBenchmark b) {
            cpu = b.nextProducer.getAndIncrement();
            if (cpu > MAX_PRODUCERS) {
                throw new IllegalStateException("at most " + MAX_PRODUCERS + " producers (-tg), got " + cpu);
            }
            stack = new Node[POOL];
            for (int i = 0; i < POOL; i++) {
                stack[i] = new Node(cpu);
                stack[i].allocatedOn(0); // every object belongs to the owner, CPU 0
            }
            top = POOL;
            returned = b.returns.get(cpu);
            counters = b.lists.counters[cpu];
        }

        Node take() {
            if (top == 0) {
                Node n;
                while (top < POOL && (n = returned.relaxedPoll()) != null) {
                    stack[top++] = n;
                }
                if (top == 0) {
                    return null; // all our objects are on their way home
                }
            }
            return stack[--top];
        }
    }

    /** Rates, per microsecond: objects that went onto the owner's list, and those freed here instead. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Rates {
        /** Objects put on the owner's list (BATCHED: when their batch was handed over, not when it was filled). */
        public long deferred;
        /** Objects freed by the producer: the list was full, or deferral is off (NONE). */
        public long local;
        /** Operations that found every object of the producer still on its way home. */
        public long starved;
        /** Defer-lock acquisitions that found the lock held (divide by deferred for a share). */
        public long contended;
        /** Kick IPIs sent. */
        public long ipis;

        @Setup(Level.Iteration)
        public void zero() {
            deferred = 0;
            local = 0;
            starved = 0;
            contended = 0;
            ipis = 0;
        }
    }

    /** One deferral (or fallback) of an object to the owner; the owner's flush runs on its own CPU. */
    @Benchmark
    @Group("defer")
    public int push(Producer p, Rates rates) {
        Node n = p.take();
        if (n == null) {
            rates.starved++;
            Thread.onSpinWait(); // the owner has not flushed our objects back yet
            return -1;
        }
        int r = lists.defer(p.cpu, n);
        if (socketFlush && (++p.ops & 63) == 0) {
            lists.flushOn(p.cpu); // PER_SOCKET: release_sock() drains the consumer's socket list
        }
        // Counted from our own counters, not from r: BATCHED returns DEFERRED when the object joins a
        // batch, and the hand-over may later free part of the batch here when the owner's list is full.
        long deferred = p.counters.get(DeferCounters.DEFERRED);
        long local = p.counters.get(DeferCounters.LOCAL_OWN) + p.counters.get(DeferCounters.LOCAL_OFFLINE)
                + p.counters.get(DeferCounters.LOCAL_FULL) + p.counters.get(DeferCounters.LOCAL_DISABLED);
        rates.deferred += deferred - p.lastDeferred;
        rates.local += local - p.lastLocal;
        p.lastDeferred = deferred;
        p.lastLocal = local;
        long contended = p.counters.get(DeferCounters.LOCKS_CONTENDED); // our own counters: cheap loads
        long ipis = p.counters.get(DeferCounters.IPIS_SENT);
        rates.contended += contended - p.lastContended;
        rates.ipis += ipis - p.lastIpis;
        p.lastContended = contended;
        p.lastIpis = ipis;
        return r;
    }
}
