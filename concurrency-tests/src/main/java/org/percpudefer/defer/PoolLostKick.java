package org.percpudefer.defer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Hazard: the shipping {@link DeferPool}'s kick is lost while its owner drains. An earlier kick is in
 * flight ({@code ipiScheduled == 1}: the owner was kicked and has not drained yet); the owner now drains,
 * while another owner releases one of its objects, and that push takes the list past {@code deferMax / 2}
 * ({@code deferMax} 1: the first push kicks). The object must end up drained by this drain, or kicked for
 * (a new kick, so the owner drains again): listed with neither is the lost kick, and the object would wait
 * until the owner's cache runs dry.
 *
 * <p>The ordering decisions under test, in the project's vocabulary:
 * <ul>
 *   <li>the owner: {@code Owner.drain} reads {@code ipiScheduled} with READ_ONCE; seeing it set, it runs
 *       {@code DeferLists.ipiHandled}: clears it with smp_store_release, then smp_mb; then the flush's
 *       lockless hint, READ_ONCE of the head;</li>
 *   <li>the releaser: its push (under the defer lock, released on unlock; {@link Llist}: a fully ordered
 *       cmpxchg of the head, then atomic_inc_return of the count), then {@code DeferLists.kick}: smp_mb, then
 *       cmpxchg of {@code ipiScheduled} from 0 to 1, and on success the owner's kick callback, found through
 *       the slot's {@code online} read with smp_load_acquire (pairs with register's smp_store_release, so the
 *       callback register wrote is seen with it).</li>
 * </ul>
 * The owner's clear-then-read-head against the releaser's write-head-then-read-flag is store buffering
 * (LKMM {@code SB+fencembonceonces}, Never): with smp_mb on both sides one of them sees the other's store.
 * {@link WithoutBarrier} is a weakened copy of {@code Owner.drain} without the smp_mb, {@code SB} with one
 * fence (Sometimes).
 *
 * <p>Each actor registers with the pool first (an owner belongs to the thread that registered it); the
 * releaser sends the object to the other slot, and waits (bounded) until that slot is online, so that
 * the release and the drain overlap. Result columns: objects the drain took (0 or 1); kick callbacks the
 * releaser ran (0 or 1); objects still on the owner's list afterwards (the arbiter reads the count).
 *
 * <p>{@link KickVsRetire}: retire's clear of {@code ipiScheduled} against a racing kick.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t PoolLostKick}
 */
public final class PoolLostKick {

    /**
     * How long the releaser waits for the owner to register before it releases anyway: short, because on
     * a shared 2-CPU machine the owner's thread is often descheduled for a whole time slice, and a long
     * wait then costs milliseconds per sample (1 << 16 gave about 50,000 samples per quick run).
     */
    static final int SPIN = 1 << 10;

    private PoolLostKick() {
    }

    static final class Obj extends Pooled {
    }

    /** A pool of two owner slots, deferMax 1, a kick in flight on both slots, one object in use. */
    abstract static class Base {
        final DeferPool<Obj> pool;
        final DeferLists<Obj> lists;
        final Obj obj = new Obj();
        /** The owner's kick callback: run by the releaser, read by the arbiter. */
        int kicks;
        /** The owner's slot, chosen by the releaser: written and read by the releaser, then the arbiter. */
        int target;

        Base(DeferVariant variant) {
            pool = DeferPool.builder(Obj::new).maxOwners(2).deferMax(1).variant(variant, LockKind.TTAS).build();
            lists = pool.lists();
            lists.softnet[0].setIpiScheduledRelease(1); // a kick in flight, whichever slot the owner gets
            lists.softnet[1].setIpiScheduledRelease(1);
            obj.pool = pool;
            obj.setHolderOnce(Pooled.GUEST); // in use, held by neither actor: its release is a remote one
        }

        DeferPool.Owner<Obj> registerOwner() {
            return pool.register(() -> kicks++);
        }

        /** Registers, sends the object home to the other slot once that slot is online. */
        void release() {
            DeferPool.Owner<Obj> me = pool.register(() -> { }); // its own list gets nothing: never runs
            int t = 1 - me.index();
            target = t;
            obj.allocatedOn(t);
            for (int i = 0; i < SPIN && !lists.homes.online(t); i++) {
                Thread.onSpinWait();
            }
            me.release(obj); // still offline after the wait: dropped, never listed (0, 0, 0)
        }

        void after(III_Result r) {
            r.r2 = kicks;
            r.r3 = lists.queued(target);
        }
    }

    /** The shipping PER_CPU_LOCKED pool (TTAS lock) and the shipping {@code Owner.drain}. */
    @JCStressTest
    @Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "the drain took the object; the kick found the flag still set")
    @Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "pushed after the drain's look: the kick saw the cleared flag and ran")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "both: drained, and a spare kick")
    @Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "the owner was not online yet: the object was dropped, never listed")
    @Outcome(id = "0, 0, 1", expect = FORBIDDEN, desc = "kick lost (SB): listed, not drained, no kick; it waits for the owner's cache to run dry")
    @Outcome(expect = FORBIDDEN, desc = "anything else: an object lost, counted twice, or kicked twice")
    @State
    public static class Locked extends Base {
        public Locked() {
            super(DeferVariant.PER_CPU_LOCKED);
        }

        @Actor
        public void owner(III_Result r) {
            r.r1 = registerOwner().drain();
        }

        @Actor
        public void releaser() {
            release();
        }

        @Arbiter
        public void arbiter(III_Result r) {
            after(r);
        }
    }

    /** The shipping PER_CPU_LLIST pool: the push a cmpxchg of the head, the kick the increment's. */
    @JCStressTest
    @Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "the drain took the object; the kick found the flag still set")
    @Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "pushed after the drain's look: the kick saw the cleared flag and ran")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "both: drained, and a spare kick")
    @Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "the owner was not online yet: the object was dropped, never listed")
    @Outcome(id = "0, 0, 1", expect = FORBIDDEN, desc = "kick lost (SB): listed, not drained, no kick; it waits for the owner's cache to run dry")
    @Outcome(expect = FORBIDDEN, desc = "anything else: an object lost, counted twice, or kicked twice")
    @State
    public static class Llist extends Base {
        public Llist() {
            super(DeferVariant.PER_CPU_LLIST);
        }

        @Actor
        public void owner(III_Result r) {
            r.r1 = registerOwner().drain();
        }

        @Actor
        public void releaser() {
            release();
        }

        @Arbiter
        public void arbiter(III_Result r) {
            after(r);
        }
    }

    /**
     * A deliberately weakened copy of {@code Owner.drain} on the shipping PER_CPU_LOCKED pool: the flag
     * cleared with smp_store_release, without the smp_mb of {@code ipiHandled} that follows. The clear can
     * wait in the store buffer while the flush's hint reads the old, empty head, and the releaser's
     * cmpxchg (after its own smp_mb) reads the old flag: store buffering, which x86 does show.
     */
    @JCStressTest
    @Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "the drain took the object; the kick found the flag still set")
    @Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "pushed after the drain's look: the kick saw the cleared flag and ran")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "both: drained, and a spare kick")
    @Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "the owner was not online yet: the object was dropped, never listed")
    @Outcome(id = "0, 0, 1", expect = ACCEPTABLE_INTERESTING,
            desc = "kick lost (SB): why Owner.drain clears ipiScheduled through ipiHandled, whose smp_mb follows the clear")
    @Outcome(expect = FORBIDDEN, desc = "anything else: an object lost, counted twice, or kicked twice")
    @State
    public static class WithoutBarrier extends Base {
        public WithoutBarrier() {
            super(DeferVariant.PER_CPU_LOCKED);
        }

        @Actor
        public void owner(III_Result r) {
            int self = registerOwner().index();
            SoftnetData sd = lists.softnet[self];
            if (sd.ipiScheduledOnce() != 0) { // READ_ONCE, as Owner.drain
                sd.setIpiScheduledRelease(0); // smp_store_release, as ipiHandled, but no smp_mb after it
            }
            r.r1 = lists.flushOn(self); // the shipping flush: its hint is READ_ONCE of the head
        }

        @Actor
        public void releaser() {
            release();
        }

        @Arbiter
        public void arbiter(III_Result r) {
            after(r);
        }
    }

    /**
     * The shipping pool: an owner closes (its slot retired) while another owner releases one of its objects
     * (deferMax 1: the push kicks). Retire clears {@code ipiScheduled} with smp_store_release so that the
     * slot's next owner gets its own kicks; it nulls the kick callback (plain) <em>before</em> that clear. A
     * releaser whose cmpxchg reads the clear (it synchronizes with the release store) then sees the
     * callback null, so {@code DeferLists.kick} takes the OFFLINE path and resets the flag with
     * smp_store_release. With the callback nulled after the clear (the order until 2026-12-07) the releaser
     * could still see the old callback, run it, and leave the flag set: the next owner of the slot would
     * start with a kick "in flight" that nobody will ever drain for, and get no kick until it drained on its
     * own. Columns: {@code ipiScheduled} of the retired slot at the end; kick callbacks run (the old owner's,
     * a spare when it came before the retire).
     */
    @JCStressTest
    @Outcome(id = {"0, 0", "0, 1"}, expect = ACCEPTABLE, desc = "the flag is clear for the slot's next owner (a spare callback or none)")
    @Outcome(id = {"1, 0", "1, 1"}, expect = FORBIDDEN,
            desc = "the flag left set after the retire: the slot's next owner would get no kick")
    @Outcome(expect = FORBIDDEN, desc = "anything else")
    @State
    public static class KickVsRetire {
        final DeferPool<Obj> pool = DeferPool.builder(Obj::new).maxOwners(2).deferMax(1).build();
        final DeferLists<Obj> lists = pool.lists();
        final Obj obj = new Obj();
        /** The retiring owner's kick callback: run by the releaser, read by the arbiter. */
        int kicks;
        /** The retiring owner's slot, chosen by the releaser. */
        int target;

        public KickVsRetire() {
            obj.pool = pool;
            obj.setHolderOnce(Pooled.GUEST);
        }

        @Actor
        public void owner() {
            pool.register(() -> kicks++).close();
        }

        @Actor
        public void releaser() {
            DeferPool.Owner<Obj> me = pool.register(() -> { });
            int t = 1 - me.index();
            target = t;
            obj.allocatedOn(t);
            me.release(obj); // offline (before the register or after the retire): dropped
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r1 = lists.softnet[target].ipiScheduledOnce();
            r.r2 = kicks;
        }
    }
}
