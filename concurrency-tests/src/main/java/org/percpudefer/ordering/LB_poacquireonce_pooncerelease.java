package org.percpudefer.ordering;

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
 * LKMM {@code LB+poacquireonce+pooncerelease}: Never. An acquire load keeps the later store after it,
 * and a release store keeps the earlier load before it; getAcquire and setRelease give the same in the
 * JMM.
 *
 * <p>Written in our vocabulary (see {@code org.percpudefer.ordering}): READ_ONCE = getOpaque,
 * WRITE_ONCE = setOpaque, smp_load_acquire = getAcquire, smp_store_release = setRelease, the barriers
 * through the shipping {@link Barriers}. Result columns: {@code r0, r1} as the actors' comments name them.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t LB_poacquireonce_pooncerelease}
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "both loads first")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "p0 first")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "p1 first")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "LKMM LB+poacquireonce+pooncerelease: Never. A store passed an acquire or a release")
@State
public class LB_poacquireonce_pooncerelease {

    private static final VarHandle X = Litmus.intField(MethodHandles.lookup(), "x");
    private static final VarHandle Y = Litmus.intField(MethodHandles.lookup(), "y");

    @SuppressWarnings("unused")
    private int x;
    @SuppressWarnings("unused")
    private int y;

    /** r0 = READ_ONCE(x); smp_store_release(&y, 1) */
    @Actor
    public void p0(II_Result r) {
        r.r1 = (int) X.getOpaque(this);
        Y.setRelease(this, 1);
    }

    /** r1 = smp_load_acquire(&y); WRITE_ONCE(x, 1) */
    @Actor
    public void p1(II_Result r) {
        r.r2 = (int) Y.getAcquire(this);
        X.setOpaque(this, 1);
    }
}
