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
 * LKMM {@code MP+fencewmbonceonce+fencermbonceonce}: Never. smp_wmb between the writes and smp_rmb
 * between the reads pass the message. We map them to {@link Barriers#smpWmb()} (releaseFence) and
 * {@link Barriers#smpRmb()} (acquireFence), which are slightly stronger than the kernel's (each also
 * keeps earlier loads before later stores): enough, and no less.
 *
 * <p>Written in our vocabulary (see {@code org.percpudefer.ordering}): READ_ONCE = getOpaque,
 * WRITE_ONCE = setOpaque, smp_load_acquire = getAcquire, smp_store_release = setRelease, the barriers
 * through the shipping {@link Barriers}. Result columns: {@code r0, r1} as the actors' comments name them.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t MP_fencewmbonceonce_fencermbonceonce}
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "flag not seen yet")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "data seen, flag not yet")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "flag and data seen")
@Outcome(id = "1, 0", expect = FORBIDDEN, desc = "LKMM MP+fencewmbonceonce+fencermbonceonce: Never. The fences failed to order the message")
@State
public class MP_fencewmbonceonce_fencermbonceonce {

    private static final VarHandle X = Litmus.intField(MethodHandles.lookup(), "x");
    private static final VarHandle Y = Litmus.intField(MethodHandles.lookup(), "y");

    @SuppressWarnings("unused")
    private int x;
    @SuppressWarnings("unused")
    private int y;

    /** WRITE_ONCE(x, 1); smp_wmb(); WRITE_ONCE(y, 1) */
    @Actor
    public void p0(II_Result r) {
        X.setOpaque(this, 1);
        Barriers.smpWmb();
        Y.setOpaque(this, 1);
    }

    /** r0 = READ_ONCE(y); smp_rmb(); r1 = READ_ONCE(x) */
    @Actor
    public void p1(II_Result r) {
        r.r1 = (int) Y.getOpaque(this);
        Barriers.smpRmb();
        r.r2 = (int) X.getOpaque(this);
    }
}
