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
 * Hazard: the lock-free list's count ({@code DeferNode.count}) left with a phantom object after a flush.
 * The push is llist_add (cmpxchg of the head) then atomic_inc_return of the count; the shipping flush
 * ({@code LlistLists.flushOn}) takes the whole list with xchg, walks what it took and atomic_subs exactly
 * that. Whatever the interleaving, once both are done and the list is flushed again the count is 0: an
 * increment that lands after the take was subtracted ahead of it (the count dips to -1, never stays
 * off). A phantom that stays makes every later push see a "full" list that is empty, and deferral is off
 * for good (what this project's first two-CPU runs showed with the kernel's order).
 *
 * <p>Result columns: the count after the arbiter's second flush, and how many times the object was freed.
 *
 * <p>How to run: {@code java -jar concurrency-tests/target/jcstress.jar -t LlistCountAfterFlush}
 */
public final class LlistCountAfterFlush {

    private LlistCountAfterFlush() {
    }

    /** The shipping PER_CPU_LLIST lists. */
    @JCStressTest
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "count back to 0, the object freed once")
    @Outcome(expect = FORBIDDEN, desc = "a phantom count, or the object lost or freed twice")
    @State
    public static class Shipping {
        final DeferLists<Obj> lists = Fixture.lists(DeferVariant.PER_CPU_LLIST, LockKind.TTAS, 64);
        final Obj obj = new Obj();

        @Actor
        public void cpu1() {
            lists.defer(1, obj);
        }

        @Actor
        public void owner() {
            lists.flushOn(0);
        }

        @Arbiter
        public void after(II_Result r) {
            lists.flushOn(0);
            r.r1 = lists.queued(0);
            r.r2 = obj.frees.get();
        }
    }

    /**
     * A deliberately weakened copy of the owner's flush in the kernel's order: the count reset first
     * (here READ_ONCE of it, then atomic_sub of what was read, as atomic_set(0) would), then the take
     * with xchg. A push whose cmpxchg lands before the take and whose increment lands after the reset
     * leaves the count at 1 with the list empty, and the next flush, finding the list empty, skips it:
     * the phantom stays.
     */
    @JCStressTest
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "count back to 0, the object freed once")
    @Outcome(id = "1, 1", expect = ACCEPTABLE_INTERESTING,
            desc = "a phantom: count 1 on an empty list, why the shipping flush takes first and subtracts what it took")
    @Outcome(expect = FORBIDDEN, desc = "the object lost or freed twice")
    @State
    public static class KernelOrder {
        final DeferLists<Obj> lists = Fixture.lists(DeferVariant.PER_CPU_LLIST, LockKind.TTAS, 64);
        final Obj obj = new Obj();

        /** The flush in the kernel's order, after the same lockless hint as the shipping one. */
        private void kernelFlush() {
            DeferNode list = lists.softnet[0].nodes[0];
            if (list.listOnce() == null) {
                return; // nothing listed: the flush skips, and a phantom count stays
            }
            list.subCount(list.countOnce()); // atomic_set(&count, 0)
            Fixture.freeAll(list.xchgList(null)); // llist_del_all
        }

        @Actor
        public void cpu1() {
            lists.defer(1, obj);
        }

        @Actor
        public void owner() {
            kernelFlush();
        }

        @Arbiter
        public void after(II_Result r) {
            kernelFlush();
            r.r1 = lists.queued(0);
            r.r2 = obj.frees.get();
        }
    }
}
