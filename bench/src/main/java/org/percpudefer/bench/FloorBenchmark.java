package org.percpudefer.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

/**
 * The hardware floor, measured in the same run as the lists so results can be stated as multiples of it:
 * an uncontended CAS, an xchg, a ReentrantLock pair, an empty synchronized block, and one cache line
 * bounced between two threads (a round trip: each waits for the other's write).
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar FloorBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FloorBenchmark {

    private static final VarHandle VALUE;
    private static final VarHandle TURN;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            VALUE = l.findVarHandle(Local.class, "value", long.class);
            TURN = l.findVarHandle(Line.class, "turn", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Thread-local targets: nothing is contended. */
    @State(Scope.Thread)
    public static class Local {
        long value;
        final ReentrantLock lock = new ReentrantLock();
        final Object monitor = new Object();
    }

    /** One line two threads bounce. */
    @State(Scope.Group)
    public static class Line {
        int turn;
    }

    /** cmpxchg that succeeds, on a line this thread owns. */
    @Benchmark
    public boolean cas(Local l) {
        long v = (long) VALUE.getOpaque(l);
        return VALUE.compareAndSet(l, v, v + 1);
    }

    /** xchg on a line this thread owns. */
    @Benchmark
    public long xchg(Local l) {
        return (long) VALUE.getAndSet(l, 1L);
    }

    /** An uncontended ReentrantLock lock/unlock pair. */
    @Benchmark
    public void reentrantLockPair(Local l) {
        l.lock.lock();
        l.lock.unlock();
    }

    /** An empty synchronized block, uncontended. */
    @Benchmark
    public void synchronizedPair(Local l) {
        synchronized (l.monitor) {
            l.value++;
        }
    }

    /** Waits for its turn (0), passes it (1): with {@link #pong} a round trip of one line per op pair. */
    @Benchmark
    @Group("bounce")
    @GroupThreads(1)
    public void ping(Line line, Control control) {
        while ((int) TURN.getAcquire(line) != 0) {
            if (control.stopMeasurement) {
                return; // the other side has stopped: do not wait for it
            }
            Thread.onSpinWait();
        }
        TURN.setRelease(line, 1);
    }

    /** The other side of {@link #ping}. */
    @Benchmark
    @Group("bounce")
    @GroupThreads(1)
    public void pong(Line line, Control control) {
        while ((int) TURN.getAcquire(line) != 1) {
            if (control.stopMeasurement) {
                return;
            }
            Thread.onSpinWait();
        }
        TURN.setRelease(line, 0);
    }
}
