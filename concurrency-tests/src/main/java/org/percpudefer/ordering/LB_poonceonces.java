package org.percpudefer.ordering;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * LKMM {@code LB+poonceonces}: Sometimes. Load buffering: each CPU's load may be satisfied after
 * its later store became visible. The JMM allows it for opaque accesses; x86 never shows it (TSO keeps
 * loads before later stores), so on x86 this stays at zero: the outcome is allowed, not required.
 *
 * <p>Written in our vocabulary (see {@code org.percpudefer.ordering}): READ_ONCE = getOpaque,
 * WRITE_ONCE = setOpaque, smp_load_acquire = getAcquire, smp_store_release = setRelease, the barriers
 * through the shipping {@link Barriers}. Result columns: {@code r0, r1} as the actors' comments name them.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t LB_poonceonces}
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "both loads first")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "p0 first")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "p1 first")
@Outcome(id = "1, 1", expect = ACCEPTABLE_INTERESTING, desc = "LKMM LB+poonceonces: Sometimes. Each load saw the other CPU's later store")
@State
public class LB_poonceonces {

    private static final VarHandle X = Litmus.intField(MethodHandles.lookup(), "x");
    private static final VarHandle Y = Litmus.intField(MethodHandles.lookup(), "y");

    @SuppressWarnings("unused")
    private int x;
    @SuppressWarnings("unused")
    private int y;

    /** r0 = READ_ONCE(x); WRITE_ONCE(y, 1) */
    @Actor
    public void p0(II_Result r) {
        r.r1 = (int) X.getOpaque(this);
        Y.setOpaque(this, 1);
    }

    /** r1 = READ_ONCE(y); WRITE_ONCE(x, 1) */
    @Actor
    public void p1(II_Result r) {
        r.r2 = (int) Y.getOpaque(this);
        X.setOpaque(this, 1);
    }
}
