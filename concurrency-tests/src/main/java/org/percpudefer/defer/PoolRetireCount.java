package org.percpudefer.defer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * A {@link DeferPool} owner's close, which drops objects it cannot hand home, racing a live owner that
 * drops its own: every drop must be counted, so that {@link DeferPool#close()} accounts for every object.
 *
 * <p>A pool's drop counters are plain {@code long}s, one per owner slot, each written by one thread at a
 * time: its owner's, or the thread retiring it. {@code BATCHED}'s retire hands the retiring owner's
 * outgoing batches to the other owners, and frees what does not fit because a list is full. Until
 * 2026-12-08 the retire counted those drops on the object's home slot, the live owner's, whose thread was
 * counting its own drops at the same time: two unsynchronized read-modify-writes of one field, so one
 * update could be lost and the pool's close reported an object outstanding that was not. Now they are
 * counted on the retiring slot. {@link HomeCounted} is a weakened copy of that counting rule.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t PoolRetireCount}
 */
public final class PoolRetireCount {

    private PoolRetireCount() {
    }

    static final class Obj extends Pooled {
    }

    /** Drops by the live owner: enough to last until the retiring owner's close. */
    static final int LIVE_DROPS = 200;
    /** deferMax; batches of 16 (a quarter of 70, at most 16). */
    static final int DEFER_MAX = 70;
    /** Objects the retiring owner releases: four batches fill the live owner's list to 64, 15 wait. */
    static final int RETIRING = 64 + 15;
    /** Of the 15 waiting, what the close cannot hand over (room 70 - 64 = 6): dropped by the retiring thread. */
    static final int CUT = 15 - (DEFER_MAX - 64);

    /**
     * The live owner (actor 1) releases {@value #LIVE_DROPS} of its objects into a cache of size 0: each
     * release is a drop, counted on its slot. The retiring owner (actor 2) releases {@value #RETIRING}
     * objects of the live owner's slot: four batches of 16 go onto its list, 15 wait in an outgoing batch
     * (the lockless full check still sees room), and the owner's close hands them over, finds room for 6
     * and drops {@value #CUT}. (If the live owner has not registered yet, the retiring owner's releases find
     * its slot offline and drop there, on their own slot: no race.) Result: the objects the pool's close
     * finds (dropped, cached or in flight) against the objects the actors released: {@code 0} as many,
     * {@code -1} fewer, {@code 1} more.
     */
    @JCStressTest
    @Outcome(id = "0", expect = ACCEPTABLE, desc = "every object counted once")
    @Outcome(id = "-1", expect = FORBIDDEN, desc = "drops lost: the pool reports objects outstanding that it dropped")
    @Outcome(id = "1", expect = FORBIDDEN, desc = "objects counted twice")
    @State
    public static class Shipping {
        final DeferPool<Obj> pool = DeferPool.builder(Obj::new).maxOwners(2).cacheSize(0).deferMax(DEFER_MAX)
                .variant(DeferVariant.BATCHED, LockKind.TTAS).build();

        /** An object of slot {@code home}, in use by {@code holder} (a slot + 1, or GUEST). */
        Obj forge(int home, int holder) {
            Obj o = new Obj();
            o.pool = pool;
            o.allocatedOn(home);
            o.setHolderOnce(holder);
            return o;
        }

        @Actor
        public void live() {
            DeferPool.Owner<Obj> me = pool.register(() -> { });
            for (int i = 0; i < LIVE_DROPS; i++) {
                me.release(forge(me.index(), me.index() + 1)); // its own: the cache is full, a drop
            }
        }

        @Actor
        public void retiring() {
            DeferPool.Owner<Obj> me = pool.register(() -> { });
            int live = 1 - me.index(); // the other slot, registered or not yet
            for (int i = 0; i < RETIRING; i++) {
                me.release(forge(live, Pooled.GUEST));
            }
            me.close();
        }

        @Arbiter
        public void count(I_Result r) {
            DeferPool.Stats s = pool.close();
            r.r1 = Long.signum(s.dropped() + s.cached() + s.inFlight() - LIVE_DROPS - RETIRING);
        }
    }

    /**
     * A deliberately weakened copy: two slots' drop counters, plain {@code long}s as in the pool's slots,
     * and the rule before 2026-12-08. The live owner counts its {@value #LIVE_DROPS} drops on its own slot;
     * the retiring owner counts the {@value #CUT} objects it could not hand home on their home slot, the
     * live one. Result as {@link Shipping}'s. Two plain read-modify-writes of one field from two threads:
     * an update can be lost, on x86 too (it needs no reordering, only an interleaving).
     */
    @JCStressTest
    @Outcome(id = "0", expect = ACCEPTABLE, desc = "every drop counted")
    @Outcome(id = "-1", expect = ACCEPTABLE_INTERESTING, desc = "drops lost: why the retire counts on its own slot")
    @Outcome(id = "1", expect = FORBIDDEN, desc = "drops counted twice")
    @State
    public static class HomeCounted {
        long liveDropped;
        long retiringDropped;

        @Actor
        public void live() {
            for (int i = 0; i < LIVE_DROPS; i++) {
                liveDropped++;
            }
        }

        @Actor
        public void retiring() {
            for (int i = 0; i < CUT; i++) {
                liveDropped++; // the object's home slot, not retiringDropped
            }
        }

        @Arbiter
        public void count(I_Result r) {
            r.r1 = Long.signum(liveDropped + retiringDropped - LIVE_DROPS - CUT);
        }
    }
}
