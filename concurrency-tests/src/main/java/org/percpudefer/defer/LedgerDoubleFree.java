package org.percpudefer.defer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Hazard: two CPUs free the same object at once (a double free) in the accounting mode. If both frees pass
 * the ledger, the object goes onto two lists and the accounting mode has missed the very bug it is for.
 * Exactly one free must pass; the other must get the double-free error.
 *
 * <p>Result columns: whether each CPU's free passed the ledger ({@code 1}) or was refused ({@code 0}).
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t LedgerDoubleFree}
 */
public final class LedgerDoubleFree {

    private LedgerDoubleFree() {
    }

    static final class Obj extends Deferrable {
    }

    /** The shipping {@link Ledger}: each move checks and changes the state under the object's entry monitor. */
    @JCStressTest
    @Outcome(id = {"1, 0", "0, 1"}, expect = ACCEPTABLE, desc = "one free passed, the other was reported as a double free")
    @Outcome(id = "1, 1", expect = FORBIDDEN, desc = "both passed: the double free went unnoticed")
    @Outcome(id = "0, 0", expect = FORBIDDEN, desc = "neither passed: a legal free refused")
    @State
    public static class Shipping {
        private final Ledger ledger = new Ledger();
        private final Obj obj = new Obj();

        public Shipping() {
            obj.allocatedOn(0);
            ledger.allocated(obj);
        }

        @Actor
        public void cpu1(II_Result r) {
            r.r1 = free(1);
        }

        @Actor
        public void cpu2(II_Result r) {
            r.r2 = free(2);
        }

        private int free(int cpu) {
            try {
                ledger.deferred(obj, cpu, DeferVariant.PER_CPU_LOCKED); // what attemptDeferFree records first
                return 1;
            } catch (IllegalStateException e) {
                return 0;
            }
        }
    }

    /** A deliberately weakened copy: the state checked, then changed, with no monitor around the two. */
    @JCStressTest
    @Outcome(id = {"1, 0", "0, 1"}, expect = ACCEPTABLE, desc = "one free passed")
    @Outcome(id = "1, 1", expect = ACCEPTABLE_INTERESTING,
            desc = "both saw the object in use and passed: why a move holds the entry's monitor")
    @Outcome(expect = FORBIDDEN, desc = "any other result")
    @State
    public static class CheckThenMove {
        private volatile Ledger.State state = Ledger.State.IN_USE;

        @Actor
        public void cpu1(II_Result r) {
            r.r1 = free();
        }

        @Actor
        public void cpu2(II_Result r) {
            r.r2 = free();
        }

        private int free() {
            if (state != Ledger.State.IN_USE) {
                return 0;
            }
            state = Ledger.State.DEFERRED;
            return 1;
        }
    }
}
