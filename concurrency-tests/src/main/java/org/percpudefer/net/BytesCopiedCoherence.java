package org.percpudefer.net;

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
 * Hazard: a thread that watches a running flow ({@code Flow.bytesCopied()}, the CLI's throughput line)
 * sees the copied-bytes count go back, or torn, while the reader's CPU copies on.
 *
 * <p>Ordering decision under test, in {@code Flow.Shared.bytesCopied}: {@code Shared.addCopied} is
 * WRITE_ONCE(bytesCopied, bytesCopied + n) by the reader's CPU, the count's one writer (its own plain
 * read is current); {@code Shared.bytesCopiedOnce} (what {@code Flow.bytesCopied()} returns) is
 * READ_ONCE by anyone. Opaque is untorn and coherent per location (LKMM {@code CoRR+poonceonce+Once}:
 * Never). {@code TwoWriters} breaks the one-writer rule on the shipping class and loses bytes.
 *
 * <p>{@code Shipping} adds {@code 0x1_0000_0001} twice, so each add changes both 32-bit halves: the
 * columns are how many adds each of the watcher's two reads saw, {@code -1} for a value that is no whole
 * number of adds (torn).
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t BytesCopiedCoherence}
 */
public final class BytesCopiedCoherence {

    static final long STEP = 0x1_0000_0001L;

    private BytesCopiedCoherence() {
    }

    static int adds(long v) {
        return v % STEP == 0 && v >= 0 && v <= 2 * STEP ? (int) (v / STEP) : -1;
    }

    /** The shipping {@code addCopied} and {@code bytesCopiedOnce}. */
    @JCStressTest
    @Outcome(id = {"0, 0", "0, 1", "0, 2", "1, 1", "1, 2", "2, 2"}, expect = ACCEPTABLE,
            desc = "the watcher saw the count in order")
    @Outcome(id = {"1, 0", "2, 0", "2, 1"}, expect = FORBIDDEN,
            desc = "CoRR: the second READ_ONCE saw the count go back")
    @Outcome(expect = FORBIDDEN, desc = "a torn value: half of one count and half of another")
    @State
    public static class Shipping {
        private final Flow.Shared shared = new Flow.Shared();

        @Actor
        public void reader() {
            shared.addCopied(STEP);
            shared.addCopied(STEP);
        }

        @Actor
        public void watcher(II_Result r) {
            r.r1 = adds(shared.bytesCopiedOnce());
            r.r2 = adds(shared.bytesCopiedOnce());
        }
    }

    /**
     * Deliberately weakened use of the shipping class: two threads {@code addCopied}, breaking its
     * one-writer contract. Each add is a read then a write, so one can overwrite the other.
     */
    @JCStressTest
    @Outcome(id = "8192", expect = ACCEPTABLE, desc = "the adds did not overlap")
    @Outcome(id = "4096", expect = ACCEPTABLE_INTERESTING,
            desc = "a lost update: both read 0 and wrote 4096; why the count has one writer")
    @Outcome(expect = FORBIDDEN, desc = "any other count")
    @State
    public static class TwoWriters {
        private final Flow.Shared shared = new Flow.Shared();

        @Actor
        public void reader0() {
            shared.addCopied(4096);
        }

        @Actor
        public void reader1() {
            shared.addCopied(4096);
        }

        @Arbiter
        public void count(J_Result r) {
            r.r1 = shared.bytesCopiedOnce();
        }
    }
}
