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
 * LKMM {@code MP+porevlocks}: Never. The reverse: a CPU that reads, before taking the lock, a value
 * written after another CPU's critical section must see that critical section's writes under the lock.
 * On the shipping TTAS defer lock the JMM gives it through the unlock's release, which keeps p0's earlier
 * read of y before p0's unlock: if p0 saw y == 1, p1's critical section came first. Result columns:
 * r0 = the y read before the lock, r1 = the x read under it.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t MP_porevlocks}
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "p0 held the lock first")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "p1 held the lock first; p0 read y before p1 wrote it")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "p1 finished first: p0 sees both writes")
@Outcome(id = "1, 0", expect = FORBIDDEN, desc = "LKMM MP+porevlocks: Never. p0 saw y, written after p1's critical section, but not x written in it")
@State
public class MP_porevlocks {

    private static final VarHandle X;
    private static final VarHandle Y;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            X = l.findVarHandle(MP_porevlocks.class, "x", int.class);
            Y = l.findVarHandle(MP_porevlocks.class, "y", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final DeferLock lock = DeferLock.of(LockKind.TTAS, null);
    @SuppressWarnings("unused")
    private int x;
    @SuppressWarnings("unused")
    private int y;

    /** r0 = READ_ONCE(y); spin_lock(l); r1 = READ_ONCE(x); spin_unlock(l) */
    @Actor
    public void p0(II_Result r) {
        r.r1 = (int) Y.getOpaque(this);
        lock.lock(0);
        r.r2 = (int) X.getOpaque(this);
        lock.unlock(0);
    }

    /** spin_lock(l); WRITE_ONCE(x, 1); spin_unlock(l); WRITE_ONCE(y, 1) */
    @Actor
    public void p1() {
        lock.lock(1);
        X.setOpaque(this, 1);
        lock.unlock(1);
        Y.setOpaque(this, 1);
    }
}
