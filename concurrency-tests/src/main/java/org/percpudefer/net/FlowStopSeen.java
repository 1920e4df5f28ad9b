package org.percpudefer.net;

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
 * Hazard: {@code Flow.stop} sets the stop flag and the NIC's NAPI poll, looping while it is not set, never
 * sees it: the poll goes on until the window closes and {@code stop} times out.
 *
 * <p>Ordering decision under test, in {@code Flow.Shared.stopping}: a stop flag, WRITE_ONCE by
 * {@code stop()} ({@code Shared.stop}), READ_ONCE by both CPUs at each step and each poll iteration
 * ({@code Shared.stoppingOnce}, what {@code Flow.stoppingOnce} returns). Nothing is published through it
 * (the CPUs' own counts reach {@code stop()} through the machine's join), so it needs only to be seen in
 * the end, and READ_ONCE is a load done each time round the loop. {@code Plain} shows a plain flag, which
 * the JIT may read once and keep.
 *
 * <p>The actor loops as the poll does (spinning, so an interrupt from the harness cannot end it early);
 * the signal stops.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t FlowStopSeen}
 */
public final class FlowStopSeen {

    private FlowStopSeen() {
    }

    /** The shipping {@code Flow.Shared}: {@code stop()} and {@code stoppingOnce()}. */
    @JCStressTest(Mode.Termination)
    @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the poll saw the stop")
    @Outcome(id = "STALE", expect = FORBIDDEN, desc = "the poll loops for ever: READ_ONCE hoisted out of it")
    @State
    public static class Shipping {
        private final Flow.Shared shared = new Flow.Shared();

        @Actor
        public void napiPoll() {
            while (!shared.stoppingOnce()) {
                // build an skb
            }
        }

        @Signal
        public void stop() {
            shared.stop();
        }
    }

    /** A deliberately weakened copy: the stop flag a plain field. */
    @JCStressTest(Mode.Termination)
    @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the poll saw the stop (the JIT had not hoisted the read yet)")
    @Outcome(id = "STALE", expect = ACCEPTABLE_INTERESTING, desc = "the poll loops for ever: the plain read hoisted out of it")
    @State
    public static class Plain {
        private boolean stopping;

        @Actor
        public void napiPoll() {
            while (!stopping) {
                // build an skb
            }
        }

        @Signal
        public void stop() {
            stopping = true;
        }
    }
}
