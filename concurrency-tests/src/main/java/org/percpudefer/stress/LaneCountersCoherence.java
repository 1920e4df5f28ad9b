package org.percpudefer.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.SplittableRandom;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.J_Result;

/**
 * Hazard: the stress controller reads a CPU's allocation or free count going back, or torn, while the CPU
 * counts on; its progress line and its exit test ({@code allocated() == freed()}) would then be wrong.
 *
 * <p>Ordering decisions under test, in {@code Stress.Lane.allocations} and {@code Stress.Lane.frees}:
 * {@code Lane.inc} is WRITE_ONCE(c, c + 1) by the lane's CPU, the counter's one writer (its own plain read
 * is current); {@code Lane.allocatedOnce()} / {@code freedOnce()} are READ_ONCE by the controller. Opaque
 * is untorn and coherent per location (LKMM {@code CoRR+poonceonce+Once}: Never). {@code TwoWriters}
 * breaks the one-writer rule on the shipping lane and loses counts.
 *
 * <p>{@code Shipping} starts the count at {@code 0xFFFF_FFFF}, so the first increment carries into the
 * high 32 bits: the columns are how many increments each of the controller's two reads saw, {@code -1}
 * for a value that is neither (torn).
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t LaneCountersCoherence}
 */
public final class LaneCountersCoherence {

    static final long START = 0xFFFF_FFFFL;

    private LaneCountersCoherence() {
    }

    static Stress.Lane lane() {
        return new Stress.Lane(0, 2, new SplittableRandom(1));
    }

    static int increments(long v) {
        return v >= START && v <= START + 2 ? (int) (v - START) : -1;
    }

    /** The shipping {@code Lane.inc} and {@code Lane.allocatedOnce}. */
    @JCStressTest
    @Outcome(id = {"0, 0", "0, 1", "0, 2", "1, 1", "1, 2", "2, 2"}, expect = ACCEPTABLE,
            desc = "the controller saw the count in order")
    @Outcome(id = {"1, 0", "2, 0", "2, 1"}, expect = FORBIDDEN,
            desc = "CoRR: the second READ_ONCE saw the count go back")
    @Outcome(expect = FORBIDDEN, desc = "a torn value: the carry into the high half seen without the low half, or so")
    @State
    public static class Shipping {
        private final Stress.Lane lane = lane();

        public Shipping() {
            lane.allocations.set(START);
        }

        @Actor
        public void cpu() {
            Stress.Lane.inc(lane.allocations);
            Stress.Lane.inc(lane.allocations);
        }

        @Actor
        public void controller(II_Result r) {
            r.r1 = increments(lane.allocatedOnce());
            r.r2 = increments(lane.allocatedOnce());
        }
    }

    /**
     * Deliberately weakened use of the shipping lane: two threads {@code inc} one lane's free count (as if
     * a CPU counted a free on another CPU's lane). The read-then-write increment loses one.
     */
    @JCStressTest
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "the increments did not overlap")
    @Outcome(id = "1", expect = ACCEPTABLE_INTERESTING,
            desc = "a lost update: the exit test would wait for a free that was counted away")
    @Outcome(expect = FORBIDDEN, desc = "any other count")
    @State
    public static class TwoWriters {
        private final Stress.Lane lane = lane();

        @Actor
        public void cpu0() {
            Stress.Lane.inc(lane.frees);
        }

        @Actor
        public void cpu1() {
            Stress.Lane.inc(lane.frees);
        }

        @Arbiter
        public void count(J_Result r) {
            r.r1 = lane.freedOnce();
        }
    }
}
