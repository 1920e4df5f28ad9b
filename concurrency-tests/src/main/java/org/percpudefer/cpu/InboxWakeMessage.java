package org.percpudefer.cpu;

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
 * Hazard: the wake flag as a message. {@link Cpu#wake()} publishes new state for the hosted task (a stop
 * request, a page to refill), then sets {@code Inbox.wakePending} with smp_store_release; the owner's
 * {@code Inbox.consumeWake()} takes the flag with a READ_ONCE pre-check and an xchg, then reads that state
 * with READ_ONCE. If the owner consumed the flag yet read the state stale, it would clear the only sign of
 * the work and park for good (a {@code Flow.stop} that times out). The shipping pairing is
 * MP+pooncerelease+poacquireonce (Never): the xchg reads the release store, so what was written before
 * the wake happens-before what the owner reads after it. {@link InboxLostWakeup.Wake} covers the flag's
 * other role, store buffering against the owner's sleep.
 *
 * <p>Result columns: whether the owner consumed a wake ({@code 1}), and the state it then read.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t InboxWakeMessage}
 */
public final class InboxWakeMessage {

    private InboxWakeMessage() {
    }

    /** The state a wake announces: an int the waker writes with WRITE_ONCE. */
    abstract static class Work {
        static final VarHandle WORK;

        static {
            try {
                WORK = MethodHandles.lookup().findVarHandle(Work.class, "work", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused") // WORK
        private int work;
    }

    /** The shipping {@link Inbox}: {@code wake()} against {@code consumeWake()}. */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "no wake yet, and no work seen")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "no wake consumed yet, but the work already visible")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the wake consumed, and the work it announced seen")
    @Outcome(id = "1, 0", expect = FORBIDDEN,
            desc = "MP+pooncerelease+poacquireonce: Never. The owner cleared the wake yet read the work stale: it would park for good")
    @State
    public static class Shipping extends Work {
        private final Inbox inbox = new Inbox(null); // unpark(null) is a no-op

        @Actor
        public void waker() {
            WORK.setOpaque(this, 1);
            inbox.wake();
        }

        @Actor
        public void owner(II_Result r) {
            r.r1 = inbox.consumeWake() ? 1 : 0;
            r.r2 = (int) WORK.getOpaque(this);
        }
    }

    /**
     * A deliberately weakened copy: the flag set with WRITE_ONCE and consumed with READ_ONCE then
     * WRITE_ONCE (no release, no xchg), which orders nothing between the flag and the work
     * (MP+poonceonces, Sometimes). x86/HotSpot: not expected (TSO keeps both sides in order); the JMM
     * and the LKMM allow it.
     */
    @JCStressTest
    @Outcome(id = {"0, 0", "0, 1", "1, 1"}, expect = ACCEPTABLE, desc = "as the shipping test")
    @Outcome(id = "1, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "MP+poonceonces: Sometimes. The wake consumed, the work stale: why the flag is a release store taken with xchg")
    @State
    public static class FlagOnce extends Work {
        private static final VarHandle FLAG;

        static {
            try {
                FLAG = MethodHandles.lookup().findVarHandle(FlagOnce.class, "flag", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused") // FLAG
        private int flag;

        @Actor
        public void waker() {
            WORK.setOpaque(this, 1);
            FLAG.setOpaque(this, 1);
        }

        @Actor
        public void owner(II_Result r) {
            int seen = (int) FLAG.getOpaque(this);
            if (seen != 0) {
                FLAG.setOpaque(this, 0);
            }
            r.r1 = seen;
            r.r2 = (int) WORK.getOpaque(this);
        }
    }
}
