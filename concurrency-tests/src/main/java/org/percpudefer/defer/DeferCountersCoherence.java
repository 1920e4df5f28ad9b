package org.percpudefer.defer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.J_Result;

/**
 * Hazard: a reader of a CPU's defer counters ({@link DeferCounters}, the {@code softnet_stat} of this
 * project) sees a counter go back or torn in half, while the CPU that owns it counts on.
 *
 * <p>Ordering decisions under test, in {@code DeferCounters.slots}: {@code add} is
 * WRITE_ONCE(c, READ_ONCE(c) + d) by the counter's one writer, {@code max} a READ_ONCE then a conditional
 * WRITE_ONCE by the same writer, {@code get} a READ_ONCE by any thread. Opaque accesses are untorn for
 * {@code long} and coherent per location: two READ_ONCEs of one counter never see it go back (LKMM
 * {@code CoRR+poonceonce+Once}: Never). The single writer is what lets an increment be a read then a write
 * instead of an atomic: {@code TwoWriters} breaks that rule on the shipping class and loses counts.
 *
 * <p>{@code Add} adds {@code 0x1_0000_0001} twice, so each step changes both 32-bit halves: the columns are
 * how many steps each of the reader's two reads saw, {@code -1} for a value that is no whole number of
 * steps (torn).
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t DeferCountersCoherence}
 */
public final class DeferCountersCoherence {

    /** One step: a carry into the high half and a change to the low half at once. */
    static final long STEP = 0x1_0000_0001L;

    private DeferCountersCoherence() {
    }

    static int steps(long v) {
        return v % STEP == 0 && v >= 0 && v <= 2 * STEP ? (int) (v / STEP) : -1;
    }

    /** The shipping {@code add} and {@code get}. */
    @JCStressTest
    @Outcome(id = {"0, 0", "0, 1", "0, 2", "1, 1", "1, 2", "2, 2"}, expect = ACCEPTABLE,
            desc = "the reads saw the count in order")
    @Outcome(id = {"1, 0", "2, 0", "2, 1"}, expect = FORBIDDEN,
            desc = "CoRR: the second READ_ONCE saw the counter go back")
    @Outcome(expect = FORBIDDEN, desc = "a torn value: half of one count and half of another")
    @State
    public static class Add {
        private final DeferCounters counters = new DeferCounters();

        @Actor
        public void owner() {
            counters.add(DeferCounters.DEFERRED, STEP);
            counters.add(DeferCounters.DEFERRED, STEP);
        }

        @Actor
        public void reader(II_Result r) {
            r.r1 = steps(counters.get(DeferCounters.DEFERRED));
            r.r2 = steps(counters.get(DeferCounters.DEFERRED));
        }
    }

    /** The shipping {@code max}: the high-water mark raised to 5 then 9, then offered 7 (kept at 9). */
    @JCStressTest
    @Outcome(id = {"0, 0", "0, 5", "0, 9", "5, 5", "5, 9", "9, 9"}, expect = ACCEPTABLE,
            desc = "the reads saw the mark rise in order")
    @Outcome(id = {"5, 0", "9, 0", "9, 5"}, expect = FORBIDDEN,
            desc = "CoRR: the second READ_ONCE saw the mark fall")
    @Outcome(expect = FORBIDDEN, desc = "a value never written (7 would be a lowered mark)")
    @State
    public static class Max {
        private final DeferCounters counters = new DeferCounters();

        @Actor
        public void owner() {
            counters.max(DeferCounters.MAX_LENGTH, 5);
            counters.max(DeferCounters.MAX_LENGTH, 9);
            counters.max(DeferCounters.MAX_LENGTH, 7);
        }

        @Actor
        public void reader(II_Result r) {
            r.r1 = (int) counters.get(DeferCounters.MAX_LENGTH);
            r.r2 = (int) counters.get(DeferCounters.MAX_LENGTH);
        }
    }

    /**
     * Deliberately weakened use of the shipping class: two threads {@code add} to one counter, breaking
     * its one-writer contract. Each add is a read then a write, so one can overwrite the other.
     */
    @JCStressTest
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "the adds did not overlap")
    @Outcome(id = "1", expect = ACCEPTABLE_INTERESTING,
            desc = "a lost update: both read 0 and wrote 1; why each counter has one writer")
    @Outcome(expect = FORBIDDEN, desc = "any other count")
    @State
    public static class TwoWriters {
        private final DeferCounters counters = new DeferCounters();

        @Actor
        public void cpu0() {
            counters.add(DeferCounters.FLUSHED, 1);
        }

        @Actor
        public void cpu1() {
            counters.add(DeferCounters.FLUSHED, 1);
        }

        @Arbiter
        public void count(J_Result r) {
            r.r1 = counters.get(DeferCounters.FLUSHED);
        }
    }

    /**
     * A deliberately weakened copy of {@code Add}: the counter a plain {@code long}, written and read
     * plainly. The JMM allows a plain {@code long} to tear and two plain reads to see it go back; on a
     * 64-bit HotSpot neither is expected (64-bit plain accesses are single instructions there, and x86
     * keeps loads in order), so this case likely shows 0: the guarantee is the JMM's, not x86's.
     */
    @JCStressTest
    @Outcome(id = {"0, 0", "0, 1", "0, 2", "1, 1", "1, 2", "2, 2"}, expect = ACCEPTABLE,
            desc = "the reads saw the count in order")
    @Outcome(expect = ACCEPTABLE_INTERESTING,
            desc = "gone back or torn: what a plain counter is allowed to show")
    @State
    public static class Plain {
        private long counter;

        @Actor
        public void owner() {
            counter = counter + STEP;
            counter = counter + STEP;
        }

        @Actor
        public void reader(II_Result r) {
            r.r1 = steps(counter);
            r.r2 = steps(counter);
        }
    }
}
