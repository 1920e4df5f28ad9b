package org.percpudefer.defer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.I_Result;
import org.percpudefer.defer.Fixture.Obj;

/**
 * Hazards of {@code ipiScheduled}, the flag that keeps one kick IPI in flight per CPU: two IPIs sent for
 * one fill, or a kick lost while the handler clears the flag, so that a push is neither flushed by the
 * NET_RX the handler raised nor kicked again.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t DeferIpiScheduled}
 */
public final class DeferIpiScheduled {

    private DeferIpiScheduled() {
    }

    /**
     * Shipping llist lists, deferMax 2: CPUs 1 and 2 push at once; exactly one of the two pushes is the
     * one at half (the count's increment decides), and it sends the one IPI.
     */
    @JCStressTest
    @Outcome(id = "1", expect = ACCEPTABLE, desc = "one kick, one IPI in flight")
    @Outcome(expect = FORBIDDEN, desc = "no IPI for the fill, or two in flight at once")
    @State
    public static class OneInFlight {
        final DeferLists<Obj> lists = Fixture.lists(DeferVariant.PER_CPU_LLIST, LockKind.TTAS, 2);
        final Obj a = new Obj();
        final Obj b = new Obj();

        @Actor
        public void cpu1() {
            lists.defer(1, a);
        }

        @Actor
        public void cpu2() {
            lists.defer(2, b);
        }

        @Arbiter
        public void after(I_Result r) {
            r.r1 = (int) (lists.stats(1).ipisSent() + lists.stats(2).ipisSent()) == 1 ? 1 : 99;
        }
    }

    /**
     * Shipping lists, deferMax 1, a kick IPI already in flight: the target's handler clears the flag and
     * its NET_RX flushes, while CPU 1 pushes and kicks. Columns: objects that flush freed; IPIs CPU 1 sent.
     */
    @JCStressTest
    @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the flush took the push; the kick found the flag still set")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the push came after the flush; its kick saw the cleared flag and sent")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "both: the flush took it and a new IPI is on its way (a spare flush)")
    @Outcome(id = "0, 0", expect = FORBIDDEN, desc = "kick lost: neither flushed nor kicked, the push waits for someone else")
    @State
    public static class KickAfterClear {
        final DeferLists<Obj> lists = Fixture.lists(DeferVariant.PER_CPU_LOCKED, LockKind.TTAS, 1);
        final Obj a = new Obj();

        public KickAfterClear() {
            lists.softnet[0].cmpxchgIpiScheduled(0, 1); // an IPI in flight
        }

        @Actor
        public void handlerThenNetRx(II_Result r) {
            lists.ipiHandled(0);
            r.r1 = lists.flushOn(0);
        }

        @Actor
        public void cpu1() {
            lists.defer(1, a);
        }

        @Arbiter
        public void after(II_Result r) {
            r.r2 = (int) lists.stats(1).ipisSent();
        }
    }

    /**
     * A deliberately weakened copy of {@link KickAfterClear}: the handler's release store without the
     * smp_mb that follows it. Its store can wait in the store buffer while the flush's lockless hint reads
     * the old, empty head, and the producer's cmpxchg reads the old flag: store buffering.
     */
    @JCStressTest
    @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "flushed")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "kicked")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "both")
    @Outcome(id = "0, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "kick lost (SB): why the shipping handler has smp_mb after clearing ipiScheduled")
    @State
    public static class WithoutBarrier {
        private static final VarHandle HEAD;
        private static final VarHandle FLAG;

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                HEAD = l.findVarHandle(WithoutBarrier.class, "head", Object.class);
                FLAG = l.findVarHandle(WithoutBarrier.class, "flag", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused")
        private Object head;
        @SuppressWarnings("unused")
        private int flag = 1;

        @Actor
        public void handlerThenNetRx(II_Result r) {
            FLAG.setRelease(this, 0);
            r.r1 = HEAD.getOpaque(this) == null ? 0 : 1; // the flush's hint
        }

        @Actor
        public void cpu1(II_Result r) {
            synchronized (this) {
                HEAD.setOpaque(this, this);
            }
            r.r2 = FLAG.compareAndSet(this, 0, 1) ? 1 : 0;
        }
    }
}
