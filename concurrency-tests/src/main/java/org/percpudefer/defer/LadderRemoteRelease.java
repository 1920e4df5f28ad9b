package org.percpudefer.defer;

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
 * Ladder, step 5 of the defer-list protocol: the recycler's remote release. {@link Pooled}'s holder
 * is written by the acquiring owner with a plain write ({@code Pooled.holder}), the object is handed to
 * another thread, and that thread's release reads the holder (READ_ONCE) and takes it back with
 * cmpxchg(holder, h, FREE) ({@code cmpxchgRelease} in {@code DeferPool.Owner.release} and
 * {@code DeferPool.release}). Two hazards, two sub-ladders.
 *
 * <p><b>Two remote releases of one object</b> (a user's bug; exactly one must win):
 * {@link PoolDoubleRelease.Shipping} (rung 1, the shipping pool: volatile cmpxchg), {@link PlainCas} (a
 * plain-mode compare-and-set), {@link PoolDoubleRelease.CheckThenClear} (READ_ONCE, then WRITE_ONCE).
 * <b>Weakest that still passes in theory: {@link PlainCas}</b>: exclusivity comes from atomicity, not
 * ordering: two compare-and-sets of one variable are ordered in its modification order, the second reads
 * the first's FREE and fails, whatever their memory mode (the LKMM's cmpxchg_relaxed gives the same). The
 * shipping volatile cmpxchg is stronger than this race needs; its ordering serves the push onto the
 * owner's list that follows it (which has its own lock or cmpxchg anyway). <b>First that lets the hazard
 * through: {@link PoolDoubleRelease.CheckThenClear}</b>: both read the holder before either clears it, a
 * check-then-act race whatever the access modes.
 *
 * <p><b>A release after a hand-off</b> (the owner acquires, then hands the object to another thread,
 * which releases it; the release must see the holder, or a correct program gets the double-release error):
 * {@link HandOff} (shipping accessors, the hand-off a release store and an acquire load), then
 * {@link HandOffOnce} (the hand-off WRITE_ONCE / READ_ONCE). <b>Weakest that passes in theory:
 * {@link HandOff}</b>: the owner's plain write of the holder comes before the release store of the reference;
 * the acquire load that reads it orders the cmpxchg after it (MP+pooncerelease+poacquireonce, Never). The
 * holder's own plain write is enough because the hand-off orders it (as {@code Pooled.holder} says: no
 * other thread reads it until the user's hand-off publishes it). <b>First that fails: {@link HandOffOnce}</b>: an opaque hand-off
 * orders nothing but the reference (MP+poonceonces, Sometimes); the release may read the initial FREE.
 *
 * <p>Result columns: {@link PlainCas}: whether each release succeeded ({@code 1}) or was refused
 * ({@code 0}). {@link HandOff}, {@link HandOffOnce}: whether the remote thread got the object
 * ({@code 1}); whether its release succeeded ({@code 1}) or was refused as a double release ({@code 0}).
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t LadderRemoteRelease}
 */
public final class LadderRemoteRelease {

    private LadderRemoteRelease() {
    }

    static final class Obj extends Pooled {
    }

    /**
     * A deliberately weakened copy of {@link PoolDoubleRelease.Shipping}: the flag taken with a plain-mode
     * compare-and-set ({@code weakCompareAndSetPlain}, retried while the holder is not FREE, since a weak CAS
     * may fail spuriously). Theory: still passes (see the class javadoc). x86/HotSpot: not seen,
     * as theory says (the CAS is a locked cmpxchg whatever its mode).
     */
    @JCStressTest
    @Outcome(id = {"1, 0", "0, 1"}, expect = ACCEPTABLE, desc = "one release won, the other was refused as a double release")
    @Outcome(expect = ACCEPTABLE_INTERESTING,
            desc = "both released, or neither: theory forbids it (one variable's RMWs are atomic in any mode); a sighting is a JVM bug")
    @State
    public static class PlainCas {
        private static final VarHandle HOLDER;

        static {
            try {
                HOLDER = MethodHandles.lookup().findVarHandle(PlainCas.class, "holder", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused") // HOLDER
        private int holder = 1; // in use, held by owner slot 0

        private int release() {
            int h;
            while ((h = (int) HOLDER.getOpaque(this)) != Pooled.FREE) {
                if (HOLDER.weakCompareAndSetPlain(this, h, Pooled.FREE)) {
                    return 1;
                }
            }
            return 0; // refused: double release
        }

        @Actor
        public void first(II_Result r) {
            r.r1 = release();
        }

        @Actor
        public void second(II_Result r) {
            r.r2 = release();
        }
    }

    /** The hand-off slot both hand-off rungs use, and the object the owner acquires. */
    abstract static class Slot {
        static final VarHandle REF;

        static {
            try {
                REF = MethodHandles.lookup().findVarHandle(Slot.class, "ref", Obj.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Obj obj = new Obj(); // free, as the factory made it
        /** The acquiring owner's holder value: slot 0. */
        static final int OWNER = 1;
        @SuppressWarnings("unused") // REF
        private Obj ref;

        /** The remote release, as shipped: h = READ_ONCE(holder), refused if FREE, then cmpxchg(&holder, h, FREE). */
        static void release(Obj got, II_Result r) {
            r.r1 = 1;
            int h = got.holderOnce();
            r.r2 = h != Pooled.FREE && got.cmpxchgRelease(h) ? 1 : 0;
        }
    }

    /**
     * Rung 1 of "a release after a hand-off", shipping accessors: the owner's acquire writes the holder with
     * a plain write (as {@code DeferPool.Owner.acquire}), then hands the object over
     * with a release store; the remote thread reads it with an acquire load and releases it with
     * {@code holderOnce} and {@code cmpxchgRelease}.
     */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "not handed over yet")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "handed over and released")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "a false double release: the remote release read the holder before the owner wrote it")
    @Outcome(expect = FORBIDDEN, desc = "any other result")
    @State
    public static class HandOff extends Slot {
        @Actor
        public void owner() {
            obj.holder = OWNER; // the acquire: a plain write, as DeferPool.Owner.acquire
            REF.setRelease(this, obj); // the user's hand-off (a queue, a lock)
        }

        @Actor
        public void remote(II_Result r) {
            Obj got = (Obj) REF.getAcquire(this);
            if (got != null) {
                release(got, r);
            }
        }
    }

    /**
     * Rung 2, a deliberately weakened copy of {@link HandOff}: the hand-off WRITE_ONCE / READ_ONCE. The
     * remote thread may see the reference before the owner's holder, and its release finds the initial
     * FREE. x86/HotSpot: not expected (TSO keeps the owner's two stores in order and the load of the flag
     * needs the reference); a compiler may reorder the two opaque stores in theory.
     */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "not handed over yet")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "handed over and released")
    @Outcome(id = "1, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "a false double release: the opaque hand-off did not order the holder before it. Why a hand-off must be a release/acquire (or a lock)")
    @Outcome(expect = ACCEPTABLE_INTERESTING, desc = "any other result (impossible)")
    @State
    public static class HandOffOnce extends Slot {
        @Actor
        public void owner() {
            obj.holder = OWNER;
            REF.setOpaque(this, obj);
        }

        @Actor
        public void remote(II_Result r) {
            Obj got = (Obj) REF.getOpaque(this);
            if (got != null) {
                release(got, r);
            }
        }
    }
}
