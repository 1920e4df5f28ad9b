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
 * LKMM {@code SB+poonceonces}: Sometimes. Store buffering: each CPU's store can wait in its store
 * buffer while its load reads the old value of the other variable. Opaque accesses allow it in the JMM,
 * and x86 hardware shows it. This is the outcome a lost wakeup is made of (see InboxLostWakeup).
 *
 * <p>Written in our vocabulary (see {@code org.percpudefer.ordering}): READ_ONCE = getOpaque,
 * WRITE_ONCE = setOpaque, smp_load_acquire = getAcquire, smp_store_release = setRelease, the barriers
 * through the shipping {@link Barriers}. Result columns: {@code r0, r1} as the actors' comments name them.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t SB_poonceonces}
 */
@JCStressTest
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "p0 first")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "p1 first")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "interleaved")
@Outcome(id = "0, 0", expect = ACCEPTABLE_INTERESTING, desc = "LKMM SB+poonceonces: Sometimes. Both stores were still buffered when the loads ran")
@State
public class SB_poonceonces {

    private static final VarHandle X = Litmus.intField(MethodHandles.lookup(), "x");
    private static final VarHandle Y = Litmus.intField(MethodHandles.lookup(), "y");

    @SuppressWarnings("unused")
    private int x;
    @SuppressWarnings("unused")
    private int y;

    /** WRITE_ONCE(x, 1); r0 = READ_ONCE(y) */
    @Actor
    public void p0(II_Result r) {
        X.setOpaque(this, 1);
        r.r1 = (int) Y.getOpaque(this);
    }

    /** WRITE_ONCE(y, 1); r1 = READ_ONCE(x) */
    @Actor
    public void p1(II_Result r) {
        Y.setOpaque(this, 1);
        r.r2 = (int) X.getOpaque(this);
    }
}
