package org.percpudefer.defer;

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
import org.openjdk.jmh.annotations.Warmup;
import org.percpudefer.cpu.Machine;
import org.percpudefer.cpu.MachineConfig;

/**
 * The producer's own cost of one uncontended remote deferral: one thread plays CPU 1 and defers
 * objects allocated on CPU 0 through the shipping path ({@code attemptDeferFree}'s body), on a
 * {@link Machine#detached detached} machine so that nobody else touches the list. Every
 * {@code flushEvery} pushes the same thread flushes the list as CPU 0 would (and, {@code BATCHED},
 * hands its batch over first), so the flush is in the figure, amortized; below {@code deferMax / 2}
 * pushes no kick is ever sent. Compare with {@code FloorBenchmark.cas} from the same run.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar 'DeferPushBenchmark|FloorBenchmark.cas'}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DeferPushBenchmark {

    @Param({"PER_CPU_LOCKED", "PER_CPU_LLIST", "BATCHED"})
    DeferVariant variant;

    @Param({"TTAS"})
    LockKind lock;

    /** Pushes between two flushes; under deferMax / 2 (64 / 2) so that no push kicks. */
    @Param({"31"})
    int flushEvery;

    DeferLists<DeferBenchmark.Node> lists;
    DeferBenchmark.Node[] nodes;
    int next;

    @Setup(Level.Trial)
    public void boot() {
        lists = DeferLists.install(Machine.detached(MachineConfig.of(2)), variant, lock, n -> { });
        nodes = new DeferBenchmark.Node[flushEvery];
        for (int i = 0; i < flushEvery; i++) {
            nodes[i] = new DeferBenchmark.Node(1);
            nodes[i].allocatedOn(0);
        }
    }

    /** One remote deferral, and every {@code flushEvery} of them the owner's flush. */
    @Benchmark
    public int push() {
        int r = lists.defer(1, nodes[next++]);
        if (next == flushEvery) {
            next = 0;
            if (variant == DeferVariant.BATCHED) {
                lists.flushOn(1); // the producer hands its batch over
            }
            lists.flushOn(0);
        }
        return r;
    }
}
