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
 * LKMM {@code MP+poonceonces}: Sometimes. READ_ONCE/WRITE_ONCE order nothing across variables, so
 * the flag can be seen before the data. Opaque accesses in the JMM allow the same (here mostly through
 * compiler reordering: x86 itself keeps stores and loads in order).
 *
 * <p>Written in our vocabulary (see {@code org.percpudefer.ordering}): READ_ONCE = getOpaque,
 * WRITE_ONCE = setOpaque, smp_load_acquire = getAcquire, smp_store_release = setRelease, the barriers
 * through the shipping {@link Barriers}. Result columns: {@code r0, r1} as the actors' comments name them.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t MP_poonceonces}
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "flag not seen yet")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "data seen, flag not yet")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "flag and data seen")
@Outcome(id = "1, 0", expect = ACCEPTABLE_INTERESTING, desc = "LKMM MP+poonceonces: Sometimes. Flag seen before the data: ONCE alone does not order two variables")
@State
public class MP_poonceonces {

    private static final VarHandle X = Litmus.intField(MethodHandles.lookup(), "x");
    private static final VarHandle Y = Litmus.intField(MethodHandles.lookup(), "y");

    @SuppressWarnings("unused")
    private int x;
    @SuppressWarnings("unused")
    private int y;

    /** WRITE_ONCE(x, 1); WRITE_ONCE(y, 1) */
    @Actor
    public void p0(II_Result r) {
        X.setOpaque(this, 1);
        Y.setOpaque(this, 1);
    }

    /** r0 = READ_ONCE(y); r1 = READ_ONCE(x) */
    @Actor
    public void p1(II_Result r) {
        r.r1 = (int) Y.getOpaque(this);
        r.r2 = (int) X.getOpaque(this);
    }
}
