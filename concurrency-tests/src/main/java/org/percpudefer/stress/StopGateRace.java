package org.percpudefer.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Hazard: the stress controller stops the producers and finds none busy, while a producer that had not
 * seen the stop goes on to allocate: the controller would then read its final counts too early and
 * report an object as lost (store buffering, LKMM {@code SB+fencembonceonces}: Never).
 *
 * <p>Result columns: whether the producer entered ({@code 1}: it will allocate), whether the controller
 * saw the gate quiet ({@code 1}).
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t StopGateRace}
 */
public final class StopGateRace {

    private StopGateRace() {
    }

    /** The shipping {@link StopGate}: both sides store then load with volatile (smp_store_mb) accesses. */
    @JCStressTest
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the producer saw the stop; the controller saw it out")
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the producer saw the stop; the controller saw its brief busy flag and waits a tick")
    @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the producer entered first; the controller saw it busy and waits")
    @Outcome(id = "1, 1", expect = FORBIDDEN, desc = "both missed each other: the producer allocates after the controller's final count")
    @State
    public static class Shipping {
        private final StopGate gate = new StopGate(1);

        @Actor
        public void producer(II_Result r) {
            r.r1 = gate.enter(0) ? 1 : 0;
        }

        @Actor
        public void controller(II_Result r) {
            gate.stop();
            r.r2 = gate.quiet() ? 1 : 0;
        }
    }

    /** A deliberately weakened copy: the same protocol with release stores and acquire loads only. */
    @JCStressTest
    @Outcome(id = {"0, 1", "0, 0", "1, 0"}, expect = ACCEPTABLE, desc = "one side saw the other")
    @Outcome(id = "1, 1", expect = ACCEPTABLE_INTERESTING,
            desc = "both missed each other: release/acquire does not order a store before a later load (SB)")
    @State
    public static class ReleaseAcquire {
        private static final VarHandle BUSY;
        private static final VarHandle STOPPED;

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                BUSY = l.findVarHandle(ReleaseAcquire.class, "busy", int.class);
                STOPPED = l.findVarHandle(ReleaseAcquire.class, "stopped", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused") // BUSY
        private int busy;
        @SuppressWarnings("unused") // STOPPED
        private boolean stopped;

        @Actor
        public void producer(II_Result r) {
            BUSY.setRelease(this, 1);
            r.r1 = (boolean) STOPPED.getAcquire(this) ? 0 : 1;
        }

        @Actor
        public void controller(II_Result r) {
            STOPPED.setRelease(this, true);
            r.r2 = (int) BUSY.getAcquire(this) == 0 ? 1 : 0;
        }
    }
}
