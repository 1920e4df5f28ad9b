package org.percpudefer.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicLong;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Hazard: two producers claim objects from the stress run's budget at once and together claim more than
 * is left: the run would allocate more objects than it was asked to (or, lost the other way, fewer).
 *
 * <p>Ordering decision under test, in {@code Stress.budget}: {@link Stress#claim} takes its share with one
 * value-returning atomic, {@code getAndAdd(-want)} (fully ordered, like the kernel's
 * {@code atomic_sub_return}), and claims {@code min(want, what was left)}. The budget may go below zero;
 * the claims never sum past it. {@code GetThenSet} shows the same claim as a read then a write.
 *
 * <p>The budget starts at 3; each producer wants 2. Columns: the first producer's claim, the second's,
 * the budget at the end.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t BudgetOverClaim}
 */
public final class BudgetOverClaim {

    private BudgetOverClaim() {
    }

    /** The shipping {@code Stress.claim}. */
    @JCStressTest
    @Outcome(id = {"2, 1, -1", "1, 2, -1"}, expect = ACCEPTABLE,
            desc = "one claimed its 2, the other the 1 left; 3 claimed in all")
    @Outcome(id = "2, 2, -1", expect = FORBIDDEN, desc = "over-claimed: 4 objects from a budget of 3")
    @Outcome(expect = FORBIDDEN, desc = "a claim or the budget lost or invented")
    @State
    public static class Shipping {
        private final AtomicLong budget = new AtomicLong(3);

        @Actor
        public void producer0(III_Result r) {
            r.r1 = Stress.claim(budget, 2);
        }

        @Actor
        public void producer1(III_Result r) {
            r.r2 = Stress.claim(budget, 2);
        }

        @Arbiter
        public void left(III_Result r) {
            r.r3 = (int) budget.get();
        }
    }

    /** A deliberately weakened copy: the claim as a volatile read of the budget, then a volatile write. */
    @JCStressTest
    @Outcome(id = {"2, 1, -1", "1, 2, -1"}, expect = ACCEPTABLE, desc = "the claims did not overlap")
    @Outcome(id = "2, 2, 1", expect = ACCEPTABLE_INTERESTING,
            desc = "over-claimed: both read 3 and took 2, and one write overwrote the other")
    @Outcome(expect = FORBIDDEN, desc = "any other result")
    @State
    public static class GetThenSet {
        private final AtomicLong budget = new AtomicLong(3);

        int claim(int want) {
            long before = budget.get();
            budget.set(before - want);
            return (int) Math.max(0, Math.min(want, before));
        }

        @Actor
        public void producer0(III_Result r) {
            r.r1 = claim(2);
        }

        @Actor
        public void producer1(III_Result r) {
            r.r2 = claim(2);
        }

        @Arbiter
        public void left(III_Result r) {
            r.r3 = (int) budget.get();
        }
    }
}
