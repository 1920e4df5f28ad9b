package org.percpudefer.cpu;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.jctools.queues.atomic.MpscGrowableAtomicArrayQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Hazard: one call-single-data queued twice by two senders racing, so its handler runs twice for one
 * in-flight csd (the kernel's concurrent-IPI-senders bug that {@code defer_ipi_scheduled} fixed).
 *
 * <p>Result columns: the first sender's result, the second sender's result ({@code 0} SENT,
 * {@code -16} BUSY), and how many entries the target's inbox holds afterwards.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t CsdInFlightOnce}
 */
public final class CsdInFlightOnce {

    private CsdInFlightOnce() {
    }

    /** The shipping send path: {@link Machine#callFunctionSingleAsync} on a CPU whose thread never runs. */
    @JCStressTest
    @Outcome(id = "0, -16, 1", expect = ACCEPTABLE, desc = "first sender won the cmpxchg, second was told BUSY")
    @Outcome(id = "-16, 0, 1", expect = ACCEPTABLE, desc = "second sender won the cmpxchg, first was told BUSY")
    @Outcome(id = "0, 0, 2", expect = FORBIDDEN, desc = "both sent: the csd is queued twice, its handler would run twice")
    @Outcome(expect = FORBIDDEN, desc = "any other result: the send path lost or invented a send")
    @State
    public static class Shipping {
        private final Machine machine = Machine.detached(MachineConfig.of(1).withPin(false));
        private final CallSingleData csd = new CallSingleData(cpu -> { });

        @Actor
        public void sender1(III_Result r) {
            r.r1 = machine.callFunctionSingleAsync(0, csd);
        }

        @Actor
        public void sender2(III_Result r) {
            r.r2 = machine.callFunctionSingleAsync(0, csd);
        }

        @Arbiter
        public void inbox(III_Result r) {
            r.r3 = machine.cpu(0).inbox().queued();
        }
    }

    /**
     * A deliberately weakened copy: the kernel's own check-then-store of CSD_FLAG_LOCK (READ_ONCE, then
     * WRITE_ONCE), which is correct only when callers serialize sends. Unserialized, both senders can see
     * the flag clear.
     */
    @JCStressTest
    @Outcome(id = "0, -16, 1", expect = ACCEPTABLE, desc = "first sender took the flag")
    @Outcome(id = "-16, 0, 1", expect = ACCEPTABLE, desc = "second sender took the flag")
    @Outcome(id = "0, 0, 2", expect = ACCEPTABLE_INTERESTING,
            desc = "both saw the flag clear: queued twice. Why the shipping csd takes it with cmpxchg")
    @Outcome(expect = FORBIDDEN, desc = "any other result")
    @State
    public static class CheckThenStore {
        private static final VarHandle LOCKED;

        static {
            try {
                LOCKED = MethodHandles.lookup().findVarHandle(CheckThenStore.class, "locked", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final MpscGrowableAtomicArrayQueue<Object> inbox = new MpscGrowableAtomicArrayQueue<>(16, 1024);
        @SuppressWarnings("unused")
        private int locked;

        private int send() {
            if ((int) LOCKED.getOpaque(this) != 0) {
                return CallSingleData.BUSY;
            }
            LOCKED.setOpaque(this, 1);
            inbox.offer(this);
            return CallSingleData.SENT;
        }

        @Actor
        public void sender1(III_Result r) {
            r.r1 = send();
        }

        @Actor
        public void sender2(III_Result r) {
            r.r2 = send();
        }

        @Arbiter
        public void inbox(III_Result r) {
            r.r3 = inbox.size();
        }
    }
}
