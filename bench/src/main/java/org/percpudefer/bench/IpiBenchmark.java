package org.percpudefer.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;

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
import org.percpudefer.cpu.CallSingleData;
import org.percpudefer.cpu.Machine;
import org.percpudefer.cpu.MachineConfig;

/**
 * One IPI delivered and handled: the benchmark thread sends a {@link CallSingleData} to a simulated CPU
 * and waits until its handler has run there. With {@code idle=POLLING} the CPU is found spinning or
 * yielding (no unpark); with {@code PARKED} it parks at once when idle, so every IPI pays for a real
 * thread wakeup.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar IpiBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class IpiBenchmark {

    /** How the target CPU idles between IPIs. */
    public enum Idle {
        /** Default back-off: spin, yield, then park. */
        POLLING,
        /** Park at once. */
        PARKED
    }

    private static final VarHandle HANDLED;

    static {
        try {
            HANDLED = MethodHandles.lookup().findVarHandle(IpiBenchmark.class, "handled", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Param
    Idle idle;

    private Machine machine;
    private CallSingleData csd;
    @SuppressWarnings("unused")
    private long handled;
    private long sent;

    @Setup(Level.Trial)
    public void boot() {
        MachineConfig config = MachineConfig.of(1);
        machine = Machine.boot(idle == Idle.PARKED ? config.withParkAtOnce() : config);
        // smp_store_release on the CPU; the benchmark thread reads it with smp_load_acquire
        csd = new CallSingleData(cpu -> HANDLED.setRelease(this, (long) HANDLED.getOpaque(this) + 1));
    }

    @TearDown(Level.Trial)
    public void close() {
        machine.close();
    }

    /** Sends one IPI and waits for its handler; returns the handled count so nothing is dead code. */
    @Benchmark
    public long ipiDelivered() {
        long target = ++sent;
        if (machine.callFunctionSingleAsync(0, csd) != CallSingleData.SENT) {
            throw new IllegalStateException("IPI refused");
        }
        long seen;
        while ((seen = (long) HANDLED.getAcquire(this)) < target) {
            Thread.onSpinWait();
        }
        return seen;
    }
}
