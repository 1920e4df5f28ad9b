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
 * LKMM {@code SB+fencembonceonces}: Never. smp_mb between each store and load forbids store
 * buffering; we map smp_mb to {@link Barriers#smpMb()} (fullFence), which orders the store before the
 * load on each side. The Inbox's sleep/wake protocol stands on exactly this.
 *
 * <p>Written in our vocabulary (see {@code org.percpudefer.ordering}): READ_ONCE = getOpaque,
 * WRITE_ONCE = setOpaque, smp_load_acquire = getAcquire, smp_store_release = setRelease, the barriers
 * through the shipping {@link Barriers}. Result columns: {@code r0, r1} as the actors' comments name them.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t SB_fencembonceonces}
 */
@JCStressTest
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "p0 first")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "p1 first")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "interleaved")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "LKMM SB+fencembonceonces: Never. A full barrier let a store pass a later load")
@State
public class SB_fencembonceonces {

    private static final VarHandle X = Litmus.intField(MethodHandles.lookup(), "x");
    private static final VarHandle Y = Litmus.intField(MethodHandles.lookup(), "y");

    @SuppressWarnings("unused")
    private int x;
    @SuppressWarnings("unused")
    private int y;

    /** WRITE_ONCE(x, 1); smp_mb(); r0 = READ_ONCE(y) */
    @Actor
    public void p0(II_Result r) {
        X.setOpaque(this, 1);
        Barriers.smpMb();
        r.r1 = (int) Y.getOpaque(this);
    }

    /** WRITE_ONCE(y, 1); smp_mb(); r1 = READ_ONCE(x) */
    @Actor
    public void p1(II_Result r) {
        Y.setOpaque(this, 1);
        Barriers.smpMb();
        r.r2 = (int) X.getOpaque(this);
    }
}
