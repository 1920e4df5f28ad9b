package org.percpudefer.defer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * LKMM {@code MP+polocks}: Never. A lock holder sees what earlier holders wrote, and what they wrote
 * before taking the lock. On the shipping TTAS defer lock (acquire by cmpxchg, release by
 * smp_store_release), the JMM gives the same: the unlock happens-before the next lock that reads it.
 * Result columns: r0 = the y read under the lock, r1 = the x read after it.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t MP_polocks}
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "p1 held the lock first, and read x before p0 wrote it")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "p1 held the lock first; x was written meanwhile")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "p0 held the lock first: p1 sees both writes")
@Outcome(id = "1, 0", expect = FORBIDDEN, desc = "LKMM MP+polocks: Never. The lock holder missed a write made before the previous holder's unlock")
@State
public class MP_polocks {

    private static final VarHandle X;
    private static final VarHandle Y;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            X = l.findVarHandle(MP_polocks.class, "x", int.class);
            Y = l.findVarHandle(MP_polocks.class, "y", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final DeferLock lock = DeferLock.of(LockKind.TTAS, null);
    @SuppressWarnings("unused")
    private int x;
    @SuppressWarnings("unused")
    private int y;

    /** WRITE_ONCE(x, 1); spin_lock(l); WRITE_ONCE(y, 1); spin_unlock(l) */
    @Actor
    public void p0() {
        X.setOpaque(this, 1);
        lock.lock(0);
        Y.setOpaque(this, 1);
        lock.unlock(0);
    }

    /** spin_lock(l); r0 = READ_ONCE(y); spin_unlock(l); r1 = READ_ONCE(x) */
    @Actor
    public void p1(II_Result r) {
        lock.lock(1);
        r.r1 = (int) Y.getOpaque(this);
        lock.unlock(1);
        r.r2 = (int) X.getOpaque(this);
    }
}
