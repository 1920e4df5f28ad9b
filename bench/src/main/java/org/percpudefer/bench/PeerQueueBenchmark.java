package org.percpudefer.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.jctools.queues.MpscArrayQueue;
import org.jctools.queues.MpscUnboundedXaddArrayQueue;
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
 * The peers of the defer lists on the same push-and-drain pattern as {@code DeferBenchmark}: K producer
 * threads offer nodes into one MPSC queue that a simulated CPU drains in a loop and returns to them. A
 * full queue makes the producer keep the node (the counterpart of a LOCAL_FULL fallback). Agrona's queue
 * needs {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}, which the fork passes.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar PeerQueueBenchmark -tg 1}
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED",
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class PeerQueueBenchmark {

    static final int MAX_PRODUCERS = 32;
    static final int POOL = 4096;
    /** Queue capacity: the same 64 the defer lists hold by default. */
    static final int CAPACITY = 64;

    /** The queue under test. */
    public enum Impl {
        /** JCTools MpscArrayQueue (bounded, Unsafe). */
        JCTOOLS_MPSC,
        /** JCTools MpscUnboundedXaddArrayQueue (unbounded, chunks recycled). */
        JCTOOLS_XADD,
        /** Agrona ManyToOneConcurrentArrayQueue (bounded). */
        AGRONA_MANY_TO_ONE,
        /** java.util.concurrent.ConcurrentLinkedQueue (unbounded, a node per offer). */
        CLQ
    }

    /** A node that knows which producer to go back to. */
    static final class Node {
        final int producer;

        Node(int producer) {
            this.producer = producer;
        }
    }

    @Param
    Impl impl;

    Machine machine;
    Queue<Node> queue;
    final AtomicInteger nextProducer = new AtomicInteger(1);
    final List<MpscAtomicArrayQueue<Node>> returns = new ArrayList<>();

    @Setup(Level.Trial)
    public void boot() {
        queue = switch (impl) {
            case JCTOOLS_MPSC -> new MpscArrayQueue<>(CAPACITY);
            case JCTOOLS_XADD -> new MpscUnboundedXaddArrayQueue<>(CAPACITY);
            case AGRONA_MANY_TO_ONE -> new ManyToOneConcurrentArrayQueue<>(CAPACITY);
            case CLQ -> new ConcurrentLinkedQueue<>();
        };
        for (int p = 0; p <= MAX_PRODUCERS; p++) {
            returns.add(new MpscAtomicArrayQueue<>(2 * POOL));
        }
        machine = Machine.boot(MachineConfig.of(1).withPin(false));
        Queue<Node> q = queue;
        machine.host(0, new Drainer(q, returns));
    }

    @TearDown(Level.Trial)
    public void close() {
        machine.close();
    }

    /** CPU 0 drains in a loop and sends each node home, never idle. */
    private record Drainer(Queue<Node> queue, List<MpscAtomicArrayQueue<Node>> returns) implements CpuTask {
        @Override
        public int step(Cpu cpu) {
            Node n;
            for (int i = 0; i < 64 && (n = queue.poll()) != null; i++) {
                returns.get(n.producer).offer(n);
            }
            return 1;
        }
    }

    /** One producer and the nodes it owns. */
    @State(Scope.Thread)
    public static class Producer {
        int id;
        Node[] stack;
        int top;
        MpscAtomicArrayQueue<Node> returned;

        @Setup(Level.Trial)
        public void join(PeerQueueBenchmark b) {
            id = b.nextProducer.getAndIncrement();
            if (id > MAX_PRODUCERS) {
                throw new IllegalStateException("at most " + MAX_PRODUCERS + " producers (-tg), got " + id);
            }
            stack = new Node[POOL];
            for (int i = 0; i < POOL; i++) {
                stack[i] = new Node(id);
            }
            top = POOL;
            returned = b.returns.get(id);
        }
    }

    /** Rates per microsecond, as in DeferBenchmark. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Rates {
        /** Nodes the drainer got. */
        public long deferred;
        /** Offers refused by a full queue (the node stays with the producer). */
        public long local;

        @Setup(Level.Iteration)
        public void zero() {
            deferred = 0;
            local = 0;
        }
    }

    /** One offer of a node to the drainer. */
    @Benchmark
    @Group("push")
    public boolean push(Producer p, Rates rates) {
        if (p.top == 0) {
            Node n;
            while (p.top < POOL && (n = p.returned.relaxedPoll()) != null) {
                p.stack[p.top++] = n;
            }
            if (p.top == 0) {
                Thread.onSpinWait();
                return false;
            }
        }
        Node n = p.stack[p.top - 1];
        if (queue.offer(n)) {
            p.top--;
            rates.deferred++;
            return true;
        }
        rates.local++;
        return false;
    }
}
