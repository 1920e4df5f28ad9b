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
 * Hazard: pushes onto one CPU's locked defer list, racing each other or the owner's flush, lose an
 * object, free one twice, or leave the count out of step with the list.
 *
 * <p>jcstress runs at most as many actors as the machine has cores, and CI has two, so "two CPUs push
 * while the owner flushes" is split into its two races: {@link TwoProducers} and {@link PushVsFlush}.
 * The last column is the frees of the two objects as one number ({@code 11}: each exactly once), or
 * {@code -1} if the count was not 0 after the final flush.
 *
 * <p>The ordering decisions under test: the head and the count written with WRITE_ONCE under the defer lock
 * (acquire on lock, release on unlock), read under it by the next holder, and read without it with
 * READ_ONCE (the producers' full check, the owner's flush hint). The lock kinds: TTAS ({@link TwoProducers}),
 * MCS ({@link PushVsFlush}), and {@code LockKind.SYNCHRONIZED}, the list's own monitor, whose
 * {@code synchronized} blocks in {@code LockedLists} are a separate code path ({@link
 * TwoProducersSynchronized}, {@link PushVsFlushSynchronized}).
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t DeferPushFlush}
 */
public final class DeferPushFlush {

    private DeferPushFlush() {
    }

    /** CPUs 1 and 2 push one object each onto CPU 0's shipping PER_CPU_LOCKED list; then the owner flushes. */
    abstract static class TwoPushes {
        final DeferLists<Obj> lists;
        final Obj a = new Obj();
        final Obj b = new Obj();

        TwoPushes(LockKind kind) {
            lists = Fixture.lists(DeferVariant.PER_CPU_LOCKED, kind, 64);
        }

        void flushAll(II_Result r) {
            r.r1 = lists.flushOn(0);
            r.r2 = lists.queued(0) == 0 ? Fixture.frees(a, b) : -1;
        }
    }

    /** CPU 1 pushes two objects while the owner flushes; then the owner flushes again. */
    abstract static class PushesAgainstFlush {
        final DeferLists<Obj> lists;
        final Obj a = new Obj();
        final Obj b = new Obj();

        PushesAgainstFlush(LockKind kind) {
            lists = Fixture.lists(DeferVariant.PER_CPU_LOCKED, kind, 64);
        }

        void pushBoth() {
            lists.defer(1, a);
            lists.defer(1, b);
        }

        void flushRest(II_Result r) {
            lists.flushOn(0);
            r.r2 = lists.queued(0) == 0 ? Fixture.frees(a, b) : -1;
        }
    }

    /** The shipping lists, TTAS lock: CPUs 1 and 2 push; then the owner flushes. */
    @JCStressTest
    @Outcome(id = "2, 11", expect = ACCEPTABLE, desc = "both pushes on the list, each object freed once by the flush")
    @Outcome(expect = FORBIDDEN, desc = "a push lost, an object freed twice, or the count wrong after the flush")
    @State
    public static class TwoProducers extends TwoPushes {
        public TwoProducers() {
            super(LockKind.TTAS);
        }

        @Actor
        public void cpu1() {
            lists.defer(1, a);
        }

        @Actor
        public void cpu2() {
            lists.defer(2, b);
        }

        @Arbiter
        public void owner(II_Result r) {
            flushAll(r);
        }
    }

    /** The shipping lists, MCS lock: CPU 1 pushes two objects while the owner flushes; then it flushes again. */
    @JCStressTest
    @Outcome(id = "0, 11", expect = ACCEPTABLE, desc = "the racing flush ran before both pushes (its hint saw null)")
    @Outcome(id = "1, 11", expect = ACCEPTABLE, desc = "the racing flush took the first push only")
    @Outcome(id = "2, 11", expect = ACCEPTABLE, desc = "the racing flush took both pushes")
    @Outcome(expect = FORBIDDEN, desc = "an object lost or freed twice, or the count wrong after the flushes")
    @State
    public static class PushVsFlush extends PushesAgainstFlush {
        public PushVsFlush() {
            super(LockKind.MCS);
        }

        @Actor
        public void cpu1() {
            pushBoth();
        }

        @Actor
        public void owner(II_Result r) {
            r.r1 = lists.flushOn(0);
        }

        @Arbiter
        public void after(II_Result r) {
            flushRest(r);
        }
    }

    /** {@link TwoProducers} with {@code LockKind.SYNCHRONIZED}: the pushes in the list's monitor. */
    @JCStressTest
    @Outcome(id = "2, 11", expect = ACCEPTABLE, desc = "both pushes on the list, each object freed once by the flush")
    @Outcome(expect = FORBIDDEN, desc = "a push lost, an object freed twice, or the count wrong after the flush")
    @State
    public static class TwoProducersSynchronized extends TwoPushes {
        public TwoProducersSynchronized() {
            super(LockKind.SYNCHRONIZED);
        }

        @Actor
        public void cpu1() {
            lists.defer(1, a);
        }

        @Actor
        public void cpu2() {
            lists.defer(2, b);
        }

        @Arbiter
        public void owner(II_Result r) {
            flushAll(r);
        }
    }

    /** {@link PushVsFlush} with {@code LockKind.SYNCHRONIZED}: the pushes and the take in the list's monitor. */
    @JCStressTest
    @Outcome(id = "0, 11", expect = ACCEPTABLE, desc = "the racing flush ran before both pushes (its hint saw null)")
    @Outcome(id = "1, 11", expect = ACCEPTABLE, desc = "the racing flush took the first push only")
    @Outcome(id = "2, 11", expect = ACCEPTABLE, desc = "the racing flush took both pushes")
    @Outcome(expect = FORBIDDEN, desc = "an object lost or freed twice, or the count wrong after the flushes")
    @State
    public static class PushVsFlushSynchronized extends PushesAgainstFlush {
        public PushVsFlushSynchronized() {
            super(LockKind.SYNCHRONIZED);
        }

        @Actor
        public void cpu1() {
            pushBoth();
        }

        @Actor
        public void owner(II_Result r) {
            r.r1 = lists.flushOn(0);
        }

        @Arbiter
        public void after(II_Result r) {
            flushRest(r);
        }
    }

    /**
     * A deliberately weakened copy of {@link TwoProducers}: the push without the lock (READ_ONCE of the
     * head, then WRITE_ONCE of it). Both pushes can read the same head, and one object vanishes.
     */
    @JCStressTest
    @Outcome(id = "2, 11", expect = ACCEPTABLE, desc = "both pushes survived")
    @Outcome(id = {"1, 1", "1, 10"}, expect = ACCEPTABLE_INTERESTING,
            desc = "a push lost: both producers read the same head. Why the shipping push holds the defer lock")
    @Outcome(expect = FORBIDDEN, desc = "anything else")
    @State
    public static class WithoutLock {
        private static final VarHandle HEAD;

        static {
            try {
                HEAD = MethodHandles.lookup().findVarHandle(WithoutLock.class, "head", Deferrable.class);
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
            HEAD.setOpaque(this, obj);
        }

        @Actor
        public void cpu1() {
            push(a);
        }

        @Actor
        public void cpu2() {
            push(b);
        }

        @Arbiter
        public void owner(II_Result r) {
            r.r1 = Fixture.freeAll((Deferrable) HEAD.getAndSet(this, null));
            r.r2 = Fixture.frees(a, b);
        }
    }
}
