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
import org.percpudefer.ordering.Barriers;

/**
 * Ladder, step 3 of the defer-list protocol: {@code ipiScheduled}, set by the kick's cmpxchg
 * ({@code SoftnetData.cmpxchgIpiScheduled} in {@code DeferLists.kick}) and cleared by the IPI handler's
 * release store and smp_mb ({@code setIpiScheduledRelease} and {@code Barriers.smpMb()} in
 * {@code DeferLists.ipiHandled}). Two hazards, two sub-ladders.
 *
 * <p><b>One IPI in flight</b> (two CPUs kick an idle target at once): {@link Kick} (shipping cmpxchg),
 * then {@link KickGetThenSet} (READ_ONCE, then WRITE_ONCE). Weakest that passes in theory: the shipping
 * cmpxchg, and any compare-and-set mode would do (exclusivity comes from the atomic read-modify-write of
 * one variable, not from ordering). First that fails: {@link KickGetThenSet}: both read 0 before either
 * writes 1, whatever the access modes.
 *
 * <p><b>No kick lost</b> (the handler clears the flag, then the flush's lockless hint reads the head,
 * while a producer pushes under the lock, then kicks): store buffering, rungs strongest first:
 * {@link DeferIpiScheduled.KickAfterClear} (rung 1, the shipping lists: release store, smp_mb, READ_ONCE
 * hint; volatile cmpxchg), {@link ClearOnceWithBarrier} (WRITE_ONCE clear, smp_mb), {@link ClearVolatile}
 * (smp_store_mb as a volatile store, no separate smp_mb), {@link DeferIpiScheduled.WithoutBarrier}
 * (release store, no smp_mb), and on the producer side {@link KickAcquireCas} (the kick's cmpxchg with
 * acquire semantics only). <b>Weakest that still passes in theory: {@link ClearOnceWithBarrier}</b>: SB is
 * forbidden when each side orders its store before its load, and smp_mb does that on the handler's side
 * whatever the store's mode; the release adds nothing to this race (it orders what comes before the
 * clear, and the handler did nothing before it that a kicker reads). On the producer's side the lost kick
 * is exactly a <em>failed</em> cmpxchg, which the LKMM leaves unordered and the JMM makes only a volatile
 * read: the shipping {@code DeferLists.kick} therefore puts an smp_mb before its cmpxchg (this ladder
 * showed that it had relied on HotSpot's locked cmpxchg being a full fence). <b>First that lets the kick be lost in theory: {@link ClearVolatile}</b>
 * (a volatile store orders nothing before a later opaque load; x86/HotSpot does not show it, as its
 * volatile store is followed by a locked instruction); the first that x86 shows is
 * {@link DeferIpiScheduled.WithoutBarrier}.
 *
 * <p>Result columns: {@link Kick}, {@link KickGetThenSet}: kick IPIs sent (or, for the copy, whether each
 * kicker would send). The SB copies: whether the flush's hint saw the push ({@code 1}); whether the
 * producer's cmpxchg succeeded and it kicked ({@code 1}).
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t LadderIpiScheduled}
 */
public final class LadderIpiScheduled {

    private LadderIpiScheduled() {
    }

    /** Rung 1 of "one IPI in flight", shipping: CPUs 1 and 2 kick CPU 0 at once ({@code DeferLists.kick}). */
    @JCStressTest
    @Outcome(id = "1", expect = ACCEPTABLE, desc = "one cmpxchg won: one IPI in flight")
    @Outcome(expect = FORBIDDEN, desc = "two IPIs in flight for one target, or none")
    @State
    public static class Kick {
        final DeferLists<Obj> lists = Fixture.lists(DeferVariant.PER_CPU_LOCKED, LockKind.TTAS, 64);

        @Actor
        public void cpu1() {
            lists.kick(1, 0);
        }

        @Actor
        public void cpu2() {
            lists.kick(2, 0);
        }

        @Arbiter
        public void after(I_Result r) {
            r.r1 = (int) (lists.stats(1).ipisSent() + lists.stats(2).ipisSent());
        }
    }

    /** The copies' head and flag. */
    abstract static class Copy {
        static final VarHandle HEAD;
        static final VarHandle FLAG;

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                HEAD = l.findVarHandle(Copy.class, "head", Object.class);
                FLAG = l.findVarHandle(Copy.class, "flag", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused") // HEAD
        private Object head;
        @SuppressWarnings("unused") // FLAG
        private int flag;

        Copy(int flag) {
            this.flag = flag;
        }

        /** The flush's lockless hint, READ_ONCE, as shipped. */
        final int hint() {
            return HEAD.getOpaque(this) == null ? 0 : 1;
        }

        /** The push under the lock, WRITE_ONCE of the head, as shipped. */
        final void push() {
            synchronized (this) {
                HEAD.setOpaque(this, this);
            }
        }

        /** The shipping kick's cmpxchg, volatile. */
        final int cmpxchg() {
            return FLAG.compareAndSet(this, 0, 1) ? 1 : 0;
        }
    }

    /**
     * A deliberately weakened copy of {@link Kick}: the flag tested with READ_ONCE, then set with
     * WRITE_ONCE. Both kickers can read 0 before either writes: two IPIs for one target, and the second
     * finds the csd still in flight. x86/HotSpot: seen, it is a race window.
     */
    @JCStressTest
    @Outcome(id = {"1, 0", "0, 1"}, expect = ACCEPTABLE, desc = "one kicker sends")
    @Outcome(id = "1, 1", expect = ACCEPTABLE_INTERESTING,
            desc = "both send: both read 0 before either wrote 1. Why the kick is a cmpxchg")
    @Outcome(expect = ACCEPTABLE_INTERESTING, desc = "neither sends (impossible: the flag starts at 0 and only the kickers write it)")
    @State
    public static class KickGetThenSet extends Copy {
        public KickGetThenSet() {
            super(0);
        }

        private int kick() {
            if ((int) FLAG.getOpaque(this) != 0) {
                return 0;
            }
            FLAG.setOpaque(this, 1);
            return 1;
        }

        @Actor
        public void cpu1(II_Result r) {
            r.r1 = kick();
        }

        @Actor
        public void cpu2(II_Result r) {
            r.r2 = kick();
        }
    }

    /**
     * Rung 2 of "no kick lost", a deliberately weakened copy of {@link DeferIpiScheduled.KickAfterClear}:
     * the clear a WRITE_ONCE (no release) followed by smp_mb; the producer as shipped. Theory: still
     * passes (smp_mb orders the clear before the hint; the volatile cmpxchg orders the push before the
     * flag's read; SB+fencembonceonces, Never). x86/HotSpot: not seen, as theory says.
     */
    @JCStressTest
    @Outcome(id = {"1, 0", "0, 1", "1, 1"}, expect = ACCEPTABLE, desc = "the flush took the push, or the producer kicked, or both")
    @Outcome(id = "0, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "kick lost: theory forbids it here (a fence on each side); a sighting is a JVM bug")
    @State
    public static class ClearOnceWithBarrier extends Copy {
        public ClearOnceWithBarrier() {
            super(1); // an IPI in flight
        }

        @Actor
        public void handlerThenNetRx(II_Result r) {
            FLAG.setOpaque(this, 0);
            Barriers.smpMb();
            r.r1 = hint();
        }

        @Actor
        public void cpu1(II_Result r) {
            push();
            r.r2 = cmpxchg();
        }
    }

    /**
     * Rung 3 of "no kick lost", a deliberately weakened copy: the clear as smp_store_mb written as one
     * volatile store, no separate smp_mb, and the hint still READ_ONCE. A volatile store orders itself
     * only before later volatile accesses; the opaque hint may pass it (SB), so theory lets the kick be
     * lost (why {@code ipiHandled} calls {@code Barriers.smpMb()} explicitly). x86/HotSpot: not expected,
     * HotSpot follows each volatile store with a locked instruction (a full barrier on x86); AArch64's
     * stlr followed by a plain ldr could show it.
     */
    @JCStressTest
    @Outcome(id = {"1, 0", "0, 1", "1, 1"}, expect = ACCEPTABLE, desc = "flushed, kicked, or both")
    @Outcome(id = "0, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "kick lost: the opaque hint passed the volatile clear (SB)")
    @State
    public static class ClearVolatile extends Copy {
        public ClearVolatile() {
            super(1);
        }

        @Actor
        public void handlerThenNetRx(II_Result r) {
            FLAG.setVolatile(this, 0);
            r.r1 = hint();
        }

        @Actor
        public void cpu1(II_Result r) {
            push();
            r.r2 = cmpxchg();
        }
    }

    /**
     * A deliberately weakened copy, producer side: the handler as shipped (release store, smp_mb,
     * READ_ONCE hint), the kick's cmpxchg with acquire semantics only ({@code compareAndExchangeAcquire}).
     * Neither the unlock (a release, which orders only what comes before it) nor an acquire orders the
     * push's store before the flag's read: SB, and the failing cmpxchg is the lost kick. This is the
     * LKMM's own view of a failed cmpxchg (unordered); the shipping Java CAS is volatile even when it
     * fails. x86/HotSpot: not expected, every CAS is a locked cmpxchg, a full barrier whatever its mode.
     */
    @JCStressTest
    @Outcome(id = {"1, 0", "0, 1", "1, 1"}, expect = ACCEPTABLE, desc = "flushed, kicked, or both")
    @Outcome(id = "0, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "kick lost: the acquire cmpxchg read the flag before the push's store was visible (SB)")
    @State
    public static class KickAcquireCas extends Copy {
        public KickAcquireCas() {
            super(1);
        }

        @Actor
        public void handlerThenNetRx(II_Result r) {
            FLAG.setRelease(this, 0);
            Barriers.smpMb();
            r.r1 = hint();
        }

        @Actor
        public void cpu1(II_Result r) {
            push();
            r.r2 = (int) FLAG.compareAndExchangeAcquire(this, 0, 1) == 0 ? 1 : 0;
        }
    }
}
