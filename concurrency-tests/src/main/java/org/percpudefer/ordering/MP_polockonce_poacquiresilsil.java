package org.percpudefer.ordering;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * LKMM {@code MP+polockonce+poacquiresilsil}: Sometimes. A lockless observer that reads, with acquire,
 * a value written inside a critical section may still see the lock free and then held: taking a lock
 * orders what the holder does after it, not when outsiders see the lock word change. On the shipping
 * {@link SpinLock} (cmpxchg to take, {@code isLocked()} a READ_ONCE of the lock word) the JMM allows it
 * too: the WRITE_ONCE of x inside the section is not a release, so the observer's acquire of x creates
 * no happens-before edge from the lock's cmpxchg, and its two opaque reads of the lock word may see the
 * initial 0 and then the 1. x86 will not show it (its locked cmpxchg is a full barrier); weaker
 * hardware may. Result columns: r1 = x (acquire), r2 and r3 = spin_is_locked twice.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t MP_polockonce_poacquiresilsil}
 */
@JCStressTest
@Outcome(id = {"0, 0, 0", "0, 0, 1", "0, 1, 1", "0, 1, 0"}, expect = ACCEPTABLE, desc = "x not seen yet")
@Outcome(id = {"1, 0, 0", "1, 1, 1", "1, 1, 0"}, expect = ACCEPTABLE, desc = "x seen; the lock seen held, then free, or free")
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE_INTERESTING,
        desc = "LKMM MP+polockonce+poacquiresilsil: Sometimes. x seen, yet the lock seen free and then held")
@State
public class MP_polockonce_poacquiresilsil {

    private static final VarHandle X = Litmus.intField(MethodHandles.lookup(), "x");

    private final SpinLock lo = new SpinLock();
    @SuppressWarnings("unused") // X
    private int x;

    /** spin_lock(lo); WRITE_ONCE(*x, 1); spin_unlock(lo) */
    @Actor
    public void p0() {
        lo.lock();
        X.setOpaque(this, 1);
        lo.unlock();
    }

    /** r1 = smp_load_acquire(x); r2 = spin_is_locked(lo); r3 = spin_is_locked(lo) */
    @Actor
    public void p1(III_Result r) {
        r.r1 = (int) X.getAcquire(this);
        r.r2 = lo.isLocked() ? 1 : 0;
        r.r3 = lo.isLocked() ? 1 : 0;
    }
}
