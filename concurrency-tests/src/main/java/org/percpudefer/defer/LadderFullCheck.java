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
 * Ladder, step 2 of the defer-list protocol: the count read for the lockless "full" check
 * ({@code deferCountOnce()}, READ_ONCE, in {@code LockedLists.defer}, against the WRITE_ONCE of the count
 * under the defer lock; {@code DeferNode.countOnce()}, atomic_read, in {@code LlistLists.defer}, against
 * atomic_inc_return). Hazard: a list past {@code deferMax}. Scenario: deferMax 1, CPUs 1 and 2 each defer
 * one object to CPU 0 at once; then the owner flushes.
 *
 * <p>Rungs, strongest first: {@link Locked} (shipping PER_CPU_LOCKED: READ_ONCE check, re-checked under
 * the lock), {@link PlainCheck} (the check a plain read), {@link WithoutRecheck} (the lockless READ_ONCE
 * decides, as the kernel's locked list did). {@link Llist} is the shipping lock-free list, which keeps the
 * kernel's relaxation on purpose: no re-check, an overshoot of one object per racing producer, counted.
 *
 * <p><b>Weakest that still passes in theory: {@link PlainCheck}.</b> The lockless read is only a hint
 * that saves taking the lock when the list is surely full: whatever value it returns (a Java {@code int}
 * read never tears), the push re-reads the count under the lock, where the previous holder's unlock
 * happens-before it, and decides there. READ_ONCE buys per-location coherence and no hoisting out of a
 * loop, nothing this bound needs. <b>First that lets the hazard through: {@link WithoutRecheck}</b>, and
 * not because of any ordering: both producers read 0 before either pushes (a check-then-act race), so any
 * access mode, volatile included, lets it through; only the decision under the lock (or one atomic
 * read-modify-write) forbids it.
 *
 * <p>Result columns: objects on CPU 0's list at the flush; the frees of both objects as one number
 * ({@code 11}: each freed exactly once, by the flush or locally as full).
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t LadderFullCheck}
 */
public final class LadderFullCheck {

    private LadderFullCheck() {
    }

    /** Rung 1, shipping: PER_CPU_LOCKED, TTAS lock, deferMax 1. */
    @JCStressTest
    @Outcome(id = "1, 11", expect = ACCEPTABLE, desc = "one object deferred, the other freed locally as full")
    @Outcome(id = "2, 11", expect = FORBIDDEN, desc = "past deferMax: both producers pushed")
    @Outcome(expect = FORBIDDEN, desc = "an object lost or freed twice")
    @State
    public static class Locked {
        final DeferLists<Obj> lists = Fixture.lists(DeferVariant.PER_CPU_LOCKED, LockKind.TTAS, 1);
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
        public void owner(II_Result r) {
            r.r1 = lists.flushOn(0);
            r.r2 = Fixture.frees(a, b);
        }
    }

    /**
     * Shipping PER_CPU_LLIST, deferMax 1: the lockless atomic_read, then llist_add and atomic_inc_return,
     * no re-check. Both producers can read 0 and push: the documented overshoot (one object per racing
     * producer), which the push whose increment passes deferMax counts. x86/HotSpot: seen, it is a race.
     */
    @JCStressTest
    @Outcome(id = "1, 11", expect = ACCEPTABLE, desc = "one object deferred, the other freed locally as full")
    @Outcome(id = "2, 11", expect = ACCEPTABLE_INTERESTING,
            desc = "the documented overshoot: both read the count before either incremented (one object per racing producer)")
    @Outcome(expect = FORBIDDEN, desc = "an object lost or freed twice")
    @State
    public static class Llist {
        final DeferLists<Obj> lists = Fixture.lists(DeferVariant.PER_CPU_LLIST, LockKind.TTAS, 1);
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
        public void owner(II_Result r) {
            r.r1 = lists.flushOn(0);
            r.r2 = Fixture.frees(a, b);
        }
    }

    /** The copies' list: a head and a count under the state's monitor, deferMax 1. */
    abstract static class Copy {
        static final int MAX = 1;
        static final VarHandle COUNT;

        static {
            try {
                COUNT = MethodHandles.lookup().findVarHandle(Copy.class, "count", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Obj a = new Obj();
        final Obj b = new Obj();
        Deferrable head; // under the monitor
        int count;

        /** The push under the lock; with {@code recheck}, refuses a full list there. */
        final void pushLocked(Obj obj, boolean recheck) {
            synchronized (this) {
                int before = (int) COUNT.getOpaque(this);
                if (recheck && before >= MAX) {
                    obj.frees.incrementAndGet(); // freed locally: full
                    return;
                }
                obj.next = head;
                head = obj;
                COUNT.setOpaque(this, before + 1); // WRITE_ONCE under the lock
            }
        }

        final void flush(II_Result r) {
            Deferrable list;
            synchronized (this) {
                list = head;
                head = null;
                COUNT.setOpaque(this, 0);
            }
            r.r1 = Fixture.freeAll(list);
            r.r2 = Fixture.frees(a, b);
        }
    }

    /**
     * Rung 2, a deliberately weakened copy: the lockless check a plain read of the count, re-checked under
     * the lock as shipped. Theory: still passes (the decision is made under the lock). x86/HotSpot: not
     * seen, as theory says.
     */
    @JCStressTest
    @Outcome(id = "1, 11", expect = ACCEPTABLE, desc = "one object deferred, the other freed locally as full")
    @Outcome(expect = ACCEPTABLE_INTERESTING,
            desc = "past deferMax, or an object lost: the JMM forbids it here (the re-check under the lock decides); a sighting is a JVM bug")
    @State
    public static class PlainCheck extends Copy {
        private void defer(Obj obj) {
            if (count >= MAX) { // plain: a stale value only sends us to the lock
                obj.frees.incrementAndGet();
                return;
            }
            pushLocked(obj, true);
        }

        @Actor
        public void cpu1() {
            defer(a);
        }

        @Actor
        public void cpu2() {
            defer(b);
        }

        @Arbiter
        public void owner(II_Result r) {
            flush(r);
        }
    }

    /**
     * Rung 3, a deliberately weakened copy: the lockless READ_ONCE decides and the push under the lock
     * does not re-check (the kernel's locked list, which lets racing producers push past the limit).
     * Theory: both producers may read 0 before either pushes, whatever the access mode. x86/HotSpot:
     * seen, it is a race window, not a reordering.
     */
    @JCStressTest
    @Outcome(id = "1, 11", expect = ACCEPTABLE, desc = "one object deferred, the other freed locally as full")
    @Outcome(id = "2, 11", expect = ACCEPTABLE_INTERESTING,
            desc = "past deferMax: both read the count before either pushed. Why the shipping locked push re-checks under the lock")
    @Outcome(expect = ACCEPTABLE_INTERESTING, desc = "an object lost or freed twice (impossible: the pushes hold the lock)")
    @State
    public static class WithoutRecheck extends Copy {
        private void defer(Obj obj) {
            if ((int) COUNT.getOpaque(this) >= MAX) { // READ_ONCE: decides alone
                obj.frees.incrementAndGet();
                return;
            }
            pushLocked(obj, false);
        }

        @Actor
        public void cpu1() {
            defer(a);
        }

        @Actor
        public void cpu2() {
            defer(b);
        }

        @Arbiter
        public void owner(II_Result r) {
            flush(r);
        }
    }
}
