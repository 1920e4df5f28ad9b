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
 * Hazard: the {@code BATCHED} hand-over, one critical section splicing a producer's whole batch onto the
 * owner's list, races the owner's flush and loses the objects already on the list, or the batch.
 * Columns: objects the racing flush freed; frees of the batch's two objects after a final flush
 * ({@code 11}), or {@code -1} if the object that was on the list before is not freed exactly once.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t BatchHandOver}
 */
public final class BatchHandOver {

    private BatchHandOver() {
    }

    /** Shipping BATCHED lists, deferMax 8 (batches of 2), one object already on CPU 0's list. */
    @JCStressTest
    @Outcome(id = "1, 11", expect = ACCEPTABLE, desc = "the flush ran before the hand-over: it took the old object")
    @Outcome(id = "3, 11", expect = ACCEPTABLE, desc = "the flush ran after the hand-over: it took all three")
    @Outcome(expect = FORBIDDEN, desc = "an object lost or freed twice, or a half-spliced batch seen")
    @State
    public static class Shipping {
        final DeferLists<Obj> lists = Fixture.lists(DeferVariant.BATCHED, LockKind.TTAS, 8);
        final Obj old = new Obj();
        final Obj a = new Obj();
        final Obj b = new Obj();

        public Shipping() {
            lists.setDeferMax(4); // batch of 1: the old object goes straight onto the list
            lists.defer(2, old);
            lists.setDeferMax(8);
        }

        @Actor
        public void cpu1() {
            lists.defer(1, a);
            lists.defer(1, b); // the batch is full: one splice of both
        }

        @Actor
        public void owner(II_Result r) {
            r.r1 = lists.flushOn(0);
        }

        @Arbiter
        public void after(II_Result r) {
            lists.flushOn(0);
            r.r2 = old.frees.get() == 1 ? Fixture.frees(a, b) : -1;
        }
    }

    /**
     * A deliberately weakened copy: the splice without the lock, publishing the batch's head before
     * linking its tail to the old list (WRITE_ONCE, then a plain link). A take-all in between gets the
     * batch cut off from the old list: the old object is lost.
     */
    @JCStressTest
    @Outcome(id = {"1, 11", "3, 11"}, expect = ACCEPTABLE, desc = "no overlap this time")
    @Outcome(id = {"2, 11", "2, -1"}, expect = ACCEPTABLE_INTERESTING,
            desc = "the take saw the batch before its tail was linked: the old object is lost. Why the splice holds the lock")
    @Outcome(id = "1, -1", expect = ACCEPTABLE_INTERESTING,
            desc = "the old object freed twice: the batch was linked to a list the take already had")
    @Outcome(expect = ACCEPTABLE_INTERESTING, desc = "other damage from the unlocked splice")
    @State
    public static class PublishBeforeLink {
        private static final VarHandle HEAD;

        static {
            try {
                HEAD = MethodHandles.lookup().findVarHandle(PublishBeforeLink.class, "head", Deferrable.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Obj old = new Obj();
        final Obj a = new Obj();
        final Obj b = new Obj();
        @SuppressWarnings("unused")
        private Deferrable head;

        public PublishBeforeLink() {
            head = old;
        }

        private int takeAll() {
            return Fixture.freeAll((Deferrable) HEAD.getAndSet(this, null));
        }

        @Actor
        public void cpu1() {
            a.next = b;
            Deferrable was = (Deferrable) HEAD.getOpaque(this);
            HEAD.setOpaque(this, a);
            b.next = was;
        }

        @Actor
        public void owner(II_Result r) {
            r.r1 = takeAll();
        }

        @Arbiter
        public void after(II_Result r) {
            takeAll();
            r.r2 = old.frees.get() == 1 ? Fixture.frees(a, b) : -1;
        }
    }
}
