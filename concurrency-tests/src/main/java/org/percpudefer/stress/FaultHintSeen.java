package org.percpudefer.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * Hazard: the stress controller arms a fault on a CPU whose consume loop polls for it, and the CPU never
 * sees it: no fault is injected, and the run silently tests less than it says.
 *
 * <p>Ordering decision under test, in {@code Stress.Lane.fault}: a hint, armed by the controller with
 * WRITE_ONCE ({@code Lane.armFault}), polled by the CPU between two objects with READ_ONCE and cleared with
 * WRITE_ONCE ({@code Lane.takeFault}). Nothing is published through it, so it needs no acquire or release;
 * what READ_ONCE gives is that the load is done each time round the loop and so sees the arm in the end.
 * {@code Plain} shows a plain flag, which the JIT may read once and keep.
 *
 * <p>The actor polls as the CPU's consume loop does (spinning, so an interrupt from the harness cannot end
 * it early); the signal arms.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t FaultHintSeen}
 */
public final class FaultHintSeen {

    private FaultHintSeen() {
    }

    /** The shipping {@code Lane.armFault} and {@code Lane.takeFault}. */
    @JCStressTest(Mode.Termination)
    @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the CPU saw the arm and took the fault")
    @Outcome(id = "STALE", expect = FORBIDDEN, desc = "the CPU polls for ever: READ_ONCE hoisted out of its loop")
    @State
    public static class Shipping {
        private final Stress.Lane lane = LaneCountersCoherence.lane();

        @Actor
        public void cpu() {
            while (!lane.takeFault()) {
                // the consume loop, between two objects
            }
        }

        @Signal
        public void controller() {
            lane.armFault();
        }
    }

    /** A deliberately weakened copy of {@code takeFault}: the hint a plain field. */
    @JCStressTest(Mode.Termination)
    @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the CPU saw the arm (the JIT had not hoisted the read yet)")
    @Outcome(id = "STALE", expect = ACCEPTABLE_INTERESTING,
            desc = "the CPU polls for ever: the plain read hoisted out of the loop")
    @State
    public static class Plain {
        private int fault;

        boolean takeFault() {
            if (fault == 1) {
                fault = 0;
                return true;
            }
            return false;
        }

        @Actor
        public void cpu() {
            while (!takeFault()) {
                // the consume loop, between two objects
            }
        }

        @Signal
        public void controller() {
            fault = 1;
        }
    }
}
