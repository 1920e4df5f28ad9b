package org.percpudefer.cpu;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.jctools.queues.atomic.MpscGrowableAtomicArrayQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Hazard: a lost wakeup. The owner of an {@link Inbox} decides to park while a sender decides not to
 * unpark it, although the sender's IPI (or wake) is there: the CPU sleeps with work queued, forever.
 *
 * <p>The protocol is store buffering with {@code smp_mb()} on both sides (LKMM SB+fencembonceonces:
 * Never): the owner stores {@code sleeping}, then looks for work; the sender publishes work, then loads
 * {@code sleeping}. Result columns: did the sender unpark ({@code 1}) or not ({@code 0}); did the owner
 * decide it may park ({@code 1}) or see work ({@code 0}). {@code 0, 1} is the lost wakeup.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t InboxLostWakeup}
 */
public final class InboxLostWakeup {

    private InboxLostWakeup() {
    }

    /** The shipping {@link Inbox}: an IPI posted while the owner is about to sleep. */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the owner saw the IPI and stays awake; no unpark needed")
    @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "both saw each other: the owner stays awake, one spurious unpark")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the owner parks and the sender unparks it")
    @Outcome(id = "0, 1", expect = FORBIDDEN, desc = "lost wakeup: the owner parks with an IPI queued and nobody unparks it")
    @State
    public static class Post {
        private final Inbox inbox = new Inbox(null); // unpark(null) is a no-op: we record decisions only
        private final CallSingleData csd = new CallSingleData(cpu -> { });

        @Actor
        public void sender(II_Result r) {
            r.r1 = inbox.post(csd) ? 1 : 0;
        }

        @Actor
        public void owner(II_Result r) {
            r.r2 = inbox.mayPark() ? 1 : 0;
        }
    }

    /** The shipping {@link Inbox}: a {@link Cpu#wake()} (new work for the hosted task) racing the owner. */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the owner saw the wake flag and stays awake")
    @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "both saw each other: one spurious unpark")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the owner parks and the waker unparks it")
    @Outcome(id = "0, 1", expect = FORBIDDEN, desc = "lost wakeup: the owner parks with the wake flag set and nobody unparks it")
    @State
    public static class Wake {
        private final Inbox inbox = new Inbox(null);

        @Actor
        public void waker(II_Result r) {
            r.r1 = inbox.wake() ? 1 : 0;
        }

        @Actor
        public void owner(II_Result r) {
            r.r2 = inbox.mayPark() ? 1 : 0;
        }
    }

    /**
     * A deliberately weakened copy: the owner's side without its {@code smp_mb()} (LKMM SB+poonceonces:
     * Sometimes). Its store of {@code sleeping} can sit in the store buffer while it reads the queue, so
     * the sender, fenced as it is, still reads {@code sleeping == 0}.
     */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the owner saw the IPI")
    @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "both saw each other")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the owner parks and is unparked")
    @Outcome(id = "0, 1", expect = ACCEPTABLE_INTERESTING,
            desc = "lost wakeup (store buffering): why the shipping owner has smp_mb between the store and the check")
    @State
    public static class WithoutOwnerBarrier {
        private static final VarHandle SLEEPING;

        static {
            try {
                SLEEPING = MethodHandles.lookup().findVarHandle(WithoutOwnerBarrier.class, "sleeping", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final MpscGrowableAtomicArrayQueue<Object> queue = new MpscGrowableAtomicArrayQueue<>(16, 1024);
        @SuppressWarnings("unused")
        private int sleeping;

        @Actor
        public void sender(II_Result r) {
            queue.offer(this);
            VarHandle.fullFence();
            r.r1 = (int) SLEEPING.getOpaque(this);
        }

        @Actor
        public void owner(II_Result r) {
            SLEEPING.setOpaque(this, 1);
            r.r2 = queue.isEmpty() ? 1 : 0;
        }
    }
}
