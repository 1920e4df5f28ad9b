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
import org.percpudefer.defer.Fixture.Obj;

/**
 * Hazard: the 2025 lock-free list, llist push (cmpxchg) against the owner's take-all (xchg), loses an
 * object or hands one out twice. Columns: objects the racing take-all freed; the frees of both objects
 * after a final take ({@code 11}: each exactly once).
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t LlistPushTakeAll}
 */
public final class LlistPushTakeAll {

    private LlistPushTakeAll() {
    }

    /** The shipping PER_CPU_LLIST lists: CPU 1 pushes two objects while the owner takes all. */
    @JCStressTest
    @Outcome(id = "0, 11", expect = ACCEPTABLE, desc = "the take ran before both pushes")
    @Outcome(id = "1, 11", expect = ACCEPTABLE, desc = "the take got the first push")
    @Outcome(id = "2, 11", expect = ACCEPTABLE, desc = "the take got both")
    @Outcome(expect = FORBIDDEN, desc = "an object lost or freed twice")
    @State
    public static class Shipping {
        final DeferLists<Obj> lists = Fixture.lists(DeferVariant.PER_CPU_LLIST, LockKind.TTAS, 64);
        final Obj a = new Obj();
        final Obj b = new Obj();

        @Actor
        public void cpu1() {
            lists.defer(1, a);
            lists.defer(1, b);
        }

        @Actor
        public void owner(II_Result r) {
            r.r1 = lists.flushOn(0);
        }

        @Arbiter
        public void after(II_Result r) {
            lists.flushOn(0);
            r.r2 = Fixture.frees(a, b);
        }
    }

    /**
     * A deliberately weakened copy: the push as READ_ONCE of the head then WRITE_ONCE of the new head, no
     * cmpxchg. A take between the two leaves the new head pointing at an object already taken: it is
     * freed twice.
     */
    @JCStressTest
    @Outcome(id = {"0, 11", "1, 11", "2, 11"}, expect = ACCEPTABLE, desc = "no overlap this time")
    @Outcome(id = {"1, 21", "1, 12"}, expect = ACCEPTABLE_INTERESTING,
            desc = "double free: the take slipped between the read and the write. Why llist_add is a cmpxchg loop")
    @Outcome(expect = ACCEPTABLE_INTERESTING, desc = "other damage from the unsynchronized push")
    @State
    public static class WithoutCmpxchg {
        private static final VarHandle HEAD;

        static {
            try {
                HEAD = MethodHandles.lookup().findVarHandle(WithoutCmpxchg.class, "head", Deferrable.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Obj a = new Obj();
        final Obj b = new Obj();
        @SuppressWarnings("unused")
        private Deferrable head;

        private void push(Obj obj) {
            obj.next = (Deferrable) HEAD.getOpaque(this);
            HEAD.setRelease(this, obj);
        }

        private int takeAll() {
            return Fixture.freeAll((Deferrable) HEAD.getAndSet(this, null));
        }

        @Actor
        public void cpu1() {
            push(a);
            push(b);
        }

        @Actor
        public void owner(II_Result r) {
            r.r1 = takeAll();
        }

        @Arbiter
        public void after(II_Result r) {
            takeAll();
            r.r2 = Fixture.frees(a, b);
        }
    }
}
