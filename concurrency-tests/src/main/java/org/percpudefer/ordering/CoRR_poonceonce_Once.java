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
 * LKMM {@code CoRR+poonceonce+Once}: Never. Two READ_ONCEs of one variable by one CPU are
 * coherence-ordered: once the new value is seen, the old one cannot come back. Our READ_ONCE is an opaque
 * read, which the JMM makes coherent per variable: the same guarantee.
 *
 * <p>Written in our vocabulary (see {@code org.percpudefer.ordering}): READ_ONCE = getOpaque,
 * WRITE_ONCE = setOpaque, smp_load_acquire = getAcquire, smp_store_release = setRelease, the barriers
 * through the shipping {@link Barriers}. Result columns: {@code r0, r1} as the actors' comments name them.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t CoRR_poonceonce_Once}
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "both reads before the write")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the write between the reads")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "both reads after the write")
@Outcome(id = "1, 0", expect = FORBIDDEN, desc = "LKMM CoRR+poonceonce+Once: Never. The second read went back in time")
@State
public class CoRR_poonceonce_Once {

    private static final VarHandle X = Litmus.intField(MethodHandles.lookup(), "x");

    @SuppressWarnings("unused")
    private int x;

    /** WRITE_ONCE(x, 1) */
    @Actor
    public void p0(II_Result r) {
        X.setOpaque(this, 1);
    }

    /** r0 = READ_ONCE(x); r1 = READ_ONCE(x) */
    @Actor
    public void p1(II_Result r) {
        r.r1 = (int) X.getOpaque(this);
        r.r2 = (int) X.getOpaque(this);
    }
}
