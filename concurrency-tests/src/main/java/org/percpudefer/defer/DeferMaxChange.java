package org.percpudefer.defer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.percpudefer.defer.Fixture.Obj;

/**
 * Hazard: {@code deferMax} lowered while a producer pushes, and the push mixes the old and the new value
 * (checks fullness against one, splices against the other), so the list ends above both, or the object
 * is both listed and freed. The shipping producer reads the sysctl once per push (READ_ONCE) and uses
 * that value throughout. Two objects are already on CPU 0's list; deferMax goes from 3 to 1 while CPU 1
 * pushes a third. Columns: the count after; how often the third object was freed locally.
 *
 * <p>The ordering decision under test: the sysctl is WRITE_ONCE ({@code setDeferMax}) and each push reads it
 * with one READ_ONCE ({@code deferMaxOnce}), then uses that one value for the disabled check, the lockless
 * full check (READ_ONCE of the count), the room re-checked under the defer lock, and the kick's threshold
 * ({@code deferMax >> 1}). A second read in the same push can see a newer value (coherence lets a later
 * READ_ONCE see a later write, never an earlier one). For the count that is harmless here: the locked
 * list re-checks room under the lock against whatever it read last, and a lock-free push has one check.
 * The kick is where a re-read shows: {@link LockedKick} and {@link LlistKick} (deferMax 4 to 2, two objects
 * listed, a third pushed: with the old limit it is the push at half and must kick) on the shipping lists,
 * and {@link ReadTwice}, a weakened copy of the locked push that reads the sysctl again for the threshold.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t DeferMaxChange}
 */
public final class DeferMaxChange {

    private DeferMaxChange() {
    }

    /** The shipping PER_CPU_LOCKED lists. */
    @JCStressTest
    @Outcome(id = "3, 0", expect = ACCEPTABLE, desc = "the push read the old limit (3): listed")
    @Outcome(id = "2, 1", expect = ACCEPTABLE, desc = "the push read the new limit (1): freed locally as full")
    @Outcome(expect = FORBIDDEN, desc = "the list went past the old limit, or the object was both listed and freed")
    @State
    public static class Locked {
        final DeferLists<Obj> lists = Fixture.lists(DeferVariant.PER_CPU_LOCKED, LockKind.TTAS, 3);
        final Obj obj = new Obj();

        public Locked() {
            lists.defer(1, new Obj());
            lists.defer(1, new Obj());
        }

        @Actor
        public void sysctl() {
            lists.setDeferMax(1);
        }

        @Actor
        public void cpu1() {
            lists.defer(1, obj);
        }

        @Arbiter
        public void after(II_Result r) {
            r.r1 = lists.queued(0);
            r.r2 = obj.frees.get();
        }
    }

    /** The shipping PER_CPU_LLIST lists: the same, with a lock-free push. */
    @JCStressTest
    @Outcome(id = "3, 0", expect = ACCEPTABLE, desc = "the push read the old limit (3): listed")
    @Outcome(id = "2, 1", expect = ACCEPTABLE, desc = "the push read the new limit (1): freed locally as full")
    @Outcome(expect = FORBIDDEN, desc = "the list went past the old limit, or the object was both listed and freed")
    @State
    public static class Llist {
        final DeferLists<Obj> lists = Fixture.lists(DeferVariant.PER_CPU_LLIST, LockKind.TTAS, 3);
        final Obj obj = new Obj();

        public Llist() {
            lists.defer(1, new Obj());
            lists.defer(1, new Obj());
        }

        @Actor
        public void sysctl() {
            lists.setDeferMax(1);
        }

        @Actor
        public void cpu1() {
            lists.defer(1, obj);
        }

        @Arbiter
        public void after(II_Result r) {
            r.r1 = lists.queued(0);
            r.r2 = obj.frees.get();
        }
    }

    /** The pre-set list of the kick tests: deferMax 4 (half 2), two objects listed, no kick yet. */
    static DeferLists<Obj> twoOfFour(DeferVariant variant) {
        DeferLists<Obj> lists = Fixture.lists(variant, LockKind.TTAS, 4);
        lists.defer(1, new Obj());
        lists.defer(1, new Obj());
        return lists;
    }

    /**
     * The shipping PER_CPU_LOCKED lists: deferMax goes from 4 to 2 while CPU 1 pushes a third object. Read
     * as 4, the push finds the count at half and kicks; read as 2, the list is full and the object is
     * freed locally. Columns: the count after; kicks by CPU 1.
     */
    @JCStressTest
    @Outcome(id = "3, 1", expect = ACCEPTABLE, desc = "the push read the old limit (4): listed at half, and kicked")
    @Outcome(id = "2, 0", expect = ACCEPTABLE, desc = "the push read the new limit (2): freed locally as full")
    @Outcome(id = "3, 0", expect = FORBIDDEN, desc = "listed at half of the limit it read, and no kick: two limits in one push")
    @Outcome(expect = FORBIDDEN, desc = "anything else")
    @State
    public static class LockedKick {
        final DeferLists<Obj> lists = twoOfFour(DeferVariant.PER_CPU_LOCKED);

        @Actor
        public void sysctl() {
            lists.setDeferMax(2);
        }

        @Actor
        public void cpu1() {
            lists.defer(1, new Obj());
        }

        @Arbiter
        public void after(II_Result r) {
            r.r1 = lists.queued(0);
            r.r2 = (int) lists.stats(1).kicks();
        }
    }

    /** The shipping PER_CPU_LLIST lists, as {@link LockedKick}: the kick is the push whose increment returns half + 1. */
    @JCStressTest
    @Outcome(id = "3, 1", expect = ACCEPTABLE, desc = "the push read the old limit (4): listed at half, and kicked")
    @Outcome(id = "2, 0", expect = ACCEPTABLE, desc = "the push read the new limit (2): freed locally as full")
    @Outcome(id = "3, 0", expect = FORBIDDEN, desc = "listed at half of the limit it read, and no kick: two limits in one push")
    @Outcome(expect = FORBIDDEN, desc = "anything else")
    @State
    public static class LlistKick {
        final DeferLists<Obj> lists = twoOfFour(DeferVariant.PER_CPU_LLIST);

        @Actor
        public void sysctl() {
            lists.setDeferMax(2);
        }

        @Actor
        public void cpu1() {
            lists.defer(1, new Obj());
        }

        @Arbiter
        public void after(II_Result r) {
            r.r1 = lists.queued(0);
            r.r2 = (int) lists.stats(1).kicks();
        }
    }

    /**
     * A deliberately weakened copy of {@code LockedLists.defer} for one object (as {@link LockedKick}): the
     * sysctl read with READ_ONCE for the checks and the splice, and read again for the kick's threshold.
     * When the change lands between the two reads, the push is listed against 4 and measured against half
     * of 2: no kick for a list at half. (The count stays bounded: the room re-check under the lock uses
     * the first read.)
     */
    @JCStressTest
    @Outcome(id = "3, 1", expect = ACCEPTABLE, desc = "both reads saw the old limit: listed and kicked")
    @Outcome(id = "2, 0", expect = ACCEPTABLE, desc = "the first read saw the new limit: freed locally as full")
    @Outcome(id = "3, 0", expect = ACCEPTABLE_INTERESTING,
            desc = "listed against 4, threshold from 2: the kick skipped. Why the shipping push reads deferMax once")
    @Outcome(expect = FORBIDDEN, desc = "anything else")
    @State
    public static class ReadTwice {
        final DeferLists<Obj> lists = twoOfFour(DeferVariant.PER_CPU_LOCKED);

        @Actor
        public void sysctl() {
            lists.setDeferMax(2);
        }

        @Actor
        public void cpu1() {
            Obj obj = new Obj();
            int max = lists.deferMaxOnce(); // the first READ_ONCE: checks and splice
            SoftnetData t = lists.softnet[0];
            int reason = lists.localReason(1, 0, max);
            if (reason != DeferLists.DEFERRED) {
                lists.freeLocal(1, obj, reason);
                return;
            }
            if (t.deferCountOnce() >= max) { // the lockless full check
                lists.freeLocal(1, obj, DeferLists.LOCAL_FULL);
                return;
            }
            int before;
            boolean listed;
            t.lock.lock(1);
            try {
                before = t.deferCountOnce();
                listed = before < max;
                if (listed) {
                    obj.next = t.deferListOnce();
                    t.setDeferListOnce(obj);
                    t.setDeferCountOnce(before + 1);
                }
            } finally {
                t.lock.unlock(1);
            }
            if (!listed) {
                lists.freeLocal(1, obj, DeferLists.LOCAL_FULL);
                return;
            }
            int half = lists.deferMaxOnce() >> 1; // the second READ_ONCE: the weakening
            if (before <= half && before + 1 > half) {
                lists.kick(1, 0);
            }
        }

        @Arbiter
        public void after(II_Result r) {
            r.r1 = lists.queued(0);
            r.r2 = (int) lists.stats(1).kicks();
        }
    }
}
