package org.percpudefer.defer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
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
}
